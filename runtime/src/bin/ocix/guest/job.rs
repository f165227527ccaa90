//! The job the host hands the guest agent, and where things live in the
//! initramfs.

use serde::{Deserialize, Serialize};

/// The bundle, as the container runtime in the guest sees it.
pub const BUNDLE: &str = "/bundle";
/// The job file.
pub const JOB: &str = "/ocix/job.json";
/// Kernel modules the agent loads, in [`Job::modules`] order.
pub const MODULES: &str = "/ocix/modules";

/// What the agent runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Container id in the guest.
    pub id: String,
    /// Module file names under [`MODULES`], dependencies first.
    #[serde(default)]
    pub modules: Vec<String>,
    /// `--verify-digest`: the digest the bundle must have as unpacked in
    /// the guest. The agent then reports the digest it found (a digest
    /// frame) and runs nothing on a mismatch. Left out when not asked, so
    /// such jobs read as before; agents that predate it ignore it, which
    /// the host notices by the missing report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_digest: Option<String>,
    /// `ocix --debug` on the host: the runtime core in the guest logs at
    /// debug level too, and the agent relays those lines as log frames.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub debug: bool,
    /// A boot job: the agent says ready and waits for the run's job and
    /// bundle on its channel (a guest that can be saved and restored).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub wait: bool,
    /// Fresh randomness from the host, mixed into the guest's pool:
    /// restored guests would otherwise all draw the same numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<Vec<u8>>,
}

impl Job {
    /// The job for container `id`, loading `modules` first.
    pub fn new(id: &str, modules: Vec<String>) -> Job {
        Job {
            id: id.to_string(),
            modules,
            verify_digest: None,
            debug: false,
            wait: false,
            seed: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_digest_is_optional_both_ways() {
        let old = r#"{"id":"c","modules":[]}"#;
        let job: Job = serde_json::from_str(old).expect("a job without the field");
        assert_eq!(job.verify_digest, None);
        let text = serde_json::to_string(&job).expect("serialise");
        assert!(!text.contains("verify_digest"), "{text}");

        let asked = Job {
            verify_digest: Some("sha256:00".into()),
            ..job
        };
        let text = serde_json::to_string(&asked).expect("serialise");
        let back: Job = serde_json::from_str(&text).expect("parse");
        assert_eq!(back, asked);
    }
}
