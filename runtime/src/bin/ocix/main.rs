//! The `ocix` binary: parses the command line, runs one verb and maps its
//! outcome to an exit status (the container's own code for `run`).

mod bench;
mod cli;
mod commands;
mod guest;
mod logging;
mod matrix;
mod progress;

use clap::Parser;
use cli::{Cli, Command, LogFormat};
use ocix_runtime::state::Store;

fn main() {
    guest::agent::run_if_init();
    let cli = Cli::parse();
    if cli.version {
        println!(
            "ocix version {}\ncommit: {}\nspec: {}",
            env!("CARGO_PKG_VERSION"),
            env!("OCIX_COMMIT"),
            ocix_runtime::spec::OCI_VERSION
        );
        return;
    }
    if let Err(e) = logging::init(
        cli.log.as_deref(),
        cli.log_format == LogFormat::Json,
        cli.debug,
    ) {
        eprintln!("ocix: cannot set up logging: {e:#}");
        std::process::exit(1);
    }
    let code = match dispatch(&cli) {
        Ok(code) => code,
        Err(e) => {
            let msg = describe(&e);
            // containerd and podman read the log file; people read stderr.
            if cli.log.is_some() {
                log::error!("{msg}");
            }
            eprintln!("ocix: {msg}");
            1
        }
    };
    std::process::exit(code);
}

/// The error and its causes, once each: many of our errors already
/// name their source in their own message. The guest agent reports
/// its errors the same way.
pub(crate) fn describe(e: &anyhow::Error) -> String {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(": ");
            msg.push_str(&c);
        }
    }
    msg
}

/// Whether this command forks processes into a container on this host.
/// `run --backend vm` does not: the container runs in the guest, whose
/// agent is a copy in the initramfs.
fn enters_a_container(command: &Command) -> bool {
    match command {
        Command::Create(_) | Command::Exec(_) => true,
        Command::Run(a) => a.opts.backend != cli::Backend::Vm,
        _ => false,
    }
}

fn dispatch(cli: &Cli) -> anyhow::Result<i32> {
    let store = Store::new(&cli.root);
    let Some(command) = &cli.command else {
        anyhow::bail!("no command given; see `ocix --help`");
    };
    if enters_a_container(command) {
        // Processes that enter containers must not expose the host binary.
        if let Err(e) = ocix_runtime::linux::sealed::reexec_sealed() {
            log::warn!("cannot re-exec from a sealed copy of ocix: {e}");
        }
    }
    commands::set_systemd_cgroup(cli.systemd_cgroup);
    match command {
        Command::Create(a) => commands::create::run(&store, a),
        Command::Start(a) => commands::start::run(&store, &a.id),
        Command::State(a) => commands::state::run(&store, &a.id),
        Command::Kill(a) => commands::kill::run(&store, a),
        Command::Delete(a) => commands::delete::run(&store, a),
        Command::List(a) => commands::list::run(&store, a),
        Command::Run(a) => commands::run::run(&store, a),
        Command::Exec(a) => commands::exec::run(&store, a),
        Command::Update(a) => commands::update::run(&store, a),
        Command::Pause(a) => commands::pause::run(&store, &a.id),
        Command::Resume(a) => commands::resume::run(&store, &a.id),
        Command::Ps(a) => commands::ps::run(&store, a),
        Command::Events(a) => commands::events::run(&store, a),
        Command::Spec(a) => commands::spec::run(a),
        Command::Features => commands::features::run(),
        Command::Digest(a) => commands::digest::run(a),
        Command::Verify(a) => commands::verify::run(a),
        Command::Arch(a) => commands::arch::run(a),
        Command::Images(a) => commands::images::run(a),
        Command::Matrix(a) => commands::matrix::run(a),
        Command::Bench(a) => commands::bench::run(a),
    }
}
