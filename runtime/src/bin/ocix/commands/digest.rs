//! `ocix digest`: print a bundle's digest; optionally write its manifest
//! (`--manifest`) or reuse an earlier one's content hashes (`--since`).

use crate::cli::{DigestAlgorithm, DigestArgs, ReportFormat};
use ocix_runtime::digest::{digest_bundle, Algorithm, Manifest, Options};

/// Runs `ocix digest`; exits 0 with the digest on stdout.
pub fn run(args: &DigestArgs) -> anyhow::Result<i32> {
    let algorithm = match args.algorithm {
        DigestAlgorithm::Sha256 => Algorithm::Sha256,
        DigestAlgorithm::Sha512 => Algorithm::Sha512,
    };
    let since = args.since.as_deref().map(Manifest::read_file).transpose()?;
    if let Some(m) = since.as_ref().filter(|m| m.algorithm != algorithm) {
        log::warn!(
            "--since manifest uses {}, not {algorithm}: every file is read",
            m.algorithm
        );
    }
    let options = Options {
        algorithm,
        threads: args.jobs,
        since: since.as_ref(),
    };
    let found = digest_bundle(&args.bundle, &options)?;
    if let Some(path) = &args.manifest {
        found.manifest.write_file(path)?;
    }
    match args.format {
        ReportFormat::Text => println!("{}", found.digest),
        ReportFormat::Json => {
            let report = serde_json::json!({
                "digest": found.digest.to_string(),
                "algorithm": algorithm.name(),
                "manifest": args.manifest.as_ref().map(|p| p.display().to_string()),
                "stats": found.stats,
            });
            println!("{report}");
        }
    }
    Ok(0)
}
