//! The `ocix` binary: parses the command line and runs one verb.

mod cli;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    println!("{cli:?}");
}
