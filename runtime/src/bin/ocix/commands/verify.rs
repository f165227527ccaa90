//! `ocix verify`: check a bundle against a digest and/or a manifest and
//! list, on a mismatch, every added, removed or changed path.

use crate::cli::{ReportFormat, VerifyArgs};
use ocix_runtime::digest::{verify, Digest, DigestError, Manifest, Mismatch};

/// Runs `ocix verify`; exits 0 if the bundle matches, 1 with a report of
/// what differs if it does not.
pub fn run(args: &VerifyArgs) -> anyhow::Result<i32> {
    let digest: Option<Digest> = args.digest.as_deref().map(str::parse).transpose()?;
    let manifest = args
        .manifest
        .as_deref()
        .map(Manifest::read_file)
        .transpose()?;
    match verify(&args.bundle, digest.as_ref(), manifest.as_ref(), args.jobs) {
        Ok(found) => {
            match args.format {
                ReportFormat::Text => println!("verified {found}"),
                ReportFormat::Json => println!(
                    "{}",
                    serde_json::json!({ "verified": true, "digest": found.to_string() })
                ),
            }
            Ok(0)
        }
        Err(DigestError::Mismatch(m)) => {
            report(&m, args.format);
            Ok(1)
        }
        Err(e) => Err(e.into()),
    }
}

fn report(m: &Mismatch, format: ReportFormat) {
    match format {
        ReportFormat::Text => {
            println!("mismatch: expected {}, found {}", m.expected, m.actual);
            if m.differences.is_empty() {
                println!("no manifest of the expected digest: cannot tell which paths differ");
            }
            for d in &m.differences {
                println!("{d}");
            }
        }
        ReportFormat::Json => println!(
            "{}",
            serde_json::json!({
                "verified": false,
                "expected": m.expected.to_string(),
                "digest": m.actual.to_string(),
                "differences": m.differences,
            })
        ),
    }
}
