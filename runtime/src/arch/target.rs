//! The target a bundle asks for: `--arch`, else its annotations, else
//! (decided by the caller) the entrypoint's own ELF.

use super::PreflightError;
use ocix_arch_matrix::Arch;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Annotation naming the target in OCI platform spelling (`arm`, `arm64`).
pub const ARCH_ANNOTATION: &str = "org.opencontainers.image.architecture";
/// Annotation naming the variant (`v7`, `v8`, `v3`).
pub const VARIANT_ANNOTATION: &str = "org.opencontainers.image.variant";

/// Where the target came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetSource {
    /// `--arch`.
    Flag,
    /// `org.opencontainers.image.architecture` (+ `.variant`).
    Annotation,
    /// The entrypoint's ELF header and attributes.
    Elf,
}

impl fmt::Display for TargetSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TargetSource::Flag => "--arch",
            TargetSource::Annotation => "the bundle's annotations",
            TargetSource::Elf => "the entrypoint's ELF",
        })
    }
}

/// The target named by `flag` (any spelling) or the annotations, if any.
pub fn declared(
    flag: Option<&str>,
    annotations: &BTreeMap<String, String>,
) -> Result<Option<(Arch, TargetSource)>, PreflightError> {
    if let Some(name) = flag {
        let arch = Arch::parse(name).map_err(PreflightError::Flag)?;
        return Ok(Some((arch, TargetSource::Flag)));
    }
    let Some(arch) = annotations
        .get(ARCH_ANNOTATION)
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())
    else {
        return Ok(None);
    };
    let variant = annotations
        .get(VARIANT_ANNOTATION)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty());
    // OCI spelling: `arm` + `v7` is the platform `arm/v7`.
    let platform = match variant {
        Some(v) => format!("{arch}/{v}"),
        None => arch.to_owned(),
    };
    let parsed = Arch::parse(&platform).map_err(|error| PreflightError::Annotation {
        key: if variant.is_some() {
            VARIANT_ANNOTATION
        } else {
            ARCH_ANNOTATION
        },
        value: platform.clone(),
        error,
    })?;
    Ok(Some((parsed, TargetSource::Annotation)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notes(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn name(r: Result<Option<(Arch, TargetSource)>, PreflightError>) -> String {
        match r {
            Ok(Some((a, s))) => format!("{a} {s:?}"),
            Ok(None) => "none".into(),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn the_flag_wins_over_annotations() {
        let n = notes(&[(ARCH_ANNOTATION, "arm64")]);
        assert_eq!(name(declared(Some("armhf"), &n)), "armv7ahf Flag");
        assert_eq!(name(declared(None, &n)), "aarch64 Annotation");
        assert_eq!(name(declared(None, &notes(&[]))), "none");
    }

    #[test]
    fn variants_use_oci_spelling() {
        let n = notes(&[(ARCH_ANNOTATION, "arm"), (VARIANT_ANNOTATION, "v7")]);
        assert_eq!(name(declared(None, &n)), "armv7ahf Annotation");
        let n = notes(&[(ARCH_ANNOTATION, "amd64"), (VARIANT_ANNOTATION, "v3")]);
        assert_eq!(name(declared(None, &n)), "x86_64-v3 Annotation");
    }

    #[test]
    fn bad_names_are_errors_with_suggestions() {
        let e = name(declared(Some("armv7hf"), &notes(&[])));
        assert!(e.starts_with("error: --arch: unknown architecture"), "{e}");
        assert!(e.contains("did you mean"), "{e}");
        let n = notes(&[(ARCH_ANNOTATION, "arm"), (VARIANT_ANNOTATION, "v9")]);
        let e = name(declared(None, &n));
        assert!(
            e.contains(VARIANT_ANNOTATION) && e.contains("arm/v9"),
            "{e}"
        );
    }
}
