//! The OCI runtime configuration: types, loading and validation.

mod default;
mod error;
mod extras;
mod load;
pub mod resources;
mod seccomp;
mod types;
mod validate;

pub use default::default_spec;
pub use error::SpecError;
pub use extras::*;
pub use load::{load_bundle, parse};
pub use resources::Resources;
pub use seccomp::*;
pub use types::*;
pub use validate::validate;

/// Serialises a spec the way `ocix spec` writes it.
pub fn to_json_pretty(spec: &Spec) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(spec)
}

/// The runtime-spec version ocix implements.
pub const OCI_VERSION: &str = "1.2.0";
