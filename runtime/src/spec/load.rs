//! Reading `config.json`: syntax and type errors carry the file, line,
//! column and JSON path of the offending value.

use super::{validate, Spec, SpecError};
use std::path::Path;

/// Reads, parses and validates `<bundle>/config.json`.
///
/// Returns the spec and the warnings (deprecated but legal constructs).
pub fn load_bundle(bundle: &Path) -> Result<(Spec, Vec<String>), SpecError> {
    let file = bundle.join("config.json");
    let bytes = std::fs::read(&file).map_err(|source| SpecError::Read {
        file: file.display().to_string(),
        source,
    })?;
    let spec = parse(&bytes, &file.display().to_string())?;
    let warnings = validate::validate(&spec, bundle)?;
    Ok((spec, warnings))
}

/// Parses config.json bytes; `name` is used in error messages.
///
/// A valid config is parsed without tracking where the parser is: the
/// tracking wraps every field, which costs little natively but is code a
/// guest under TCG translates once per run. Only a config that fails is
/// parsed again with it, for the JSON path in the error.
pub fn parse(bytes: &[u8], name: &str) -> Result<Spec, SpecError> {
    match serde_json::from_slice(bytes) {
        Ok(spec) => Ok(spec),
        Err(_) => parse_tracked(bytes, name),
    }
}

/// [`parse`] with the JSON path of an error.
fn parse_tracked(bytes: &[u8], name: &str) -> Result<Spec, SpecError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let spec: Spec = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        SpecError::Syntax {
            file: name.to_string(),
            line: inner.line(),
            column: inner.column(),
            path: if path == "." { String::new() } else { path },
            msg: strip_position(&inner.to_string()),
        }
    })?;
    de.end().map_err(|e| SpecError::Syntax {
        file: name.to_string(),
        line: e.line(),
        column: e.column(),
        path: String::new(),
        msg: strip_position(&e.to_string()),
    })?;
    Ok(spec)
}

/// serde_json appends " at line L column C"; we print those separately.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_error_has_line_and_column() {
        let err = parse(
            b"{\n  \"ociVersion\": \"1.2.0\",\n  \"process\": {,}\n}",
            "c.json",
        )
        .expect_err("bad json");
        let text = err.to_string();
        assert!(text.contains("c.json:3:"), "{text}");
    }

    #[test]
    fn type_error_names_json_path() {
        let json =
            br#"{"ociVersion":"1.2.0","process":{"user":{"uid":0,"gid":0},"cwd":"/","args":"sh"}}"#;
        let text = parse(json, "c.json")
            .expect_err("args not a list")
            .to_string();
        assert!(text.contains("process.args"), "{text}");
    }

    #[test]
    fn missing_mount_destination_names_the_mount() {
        let json = br#"{"ociVersion":"1.2.0","mounts":[{"destination":"/a"},{"source":"x"}]}"#;
        let text = parse(json, "c.json")
            .expect_err("no destination")
            .to_string();
        assert!(text.contains("mounts[1]"), "{text}");
        assert!(text.contains("destination"), "{text}");
    }
}
