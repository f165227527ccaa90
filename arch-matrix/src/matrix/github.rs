//! `--emit github-actions`: the cells as a `strategy.matrix` include list,
//! each with the command that runs it alone on a runner.

use serde_json::{json, Value};

use crate::matrix::{MatrixError, PlannedCell};

/// Flags every emitted command carries besides its cell's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmitOptions {
    /// The program to run (`ocix`).
    pub program: String,
    /// `--timeout` in seconds, if one was given.
    pub timeout: Option<u64>,
    /// `--format` of the runners' reports, if not the default.
    pub format: Option<String>,
}

/// `{"include":[{"name", "arch", "backend", "bundle", "command"}, ...]}`,
/// one entry per cell, skipped ones too (a runner may have what this host
/// lacks). The command is `ocix matrix --arch A --backend B [...] BUNDLE`.
/// Fails when a cell has no bundle.
pub fn github_actions(cells: &[PlannedCell], o: &EmitOptions) -> Result<String, MatrixError> {
    let mut include = Vec::new();
    for p in cells {
        let c = &p.cell;
        if c.bundle.as_os_str().is_empty() {
            return Err(MatrixError::NoBundle(c.arch.to_string()));
        }
        let bundle = c.bundle.display().to_string();
        let mut argv = vec![
            o.program.clone(),
            "matrix".into(),
            "--arch".into(),
            c.arch.to_string(),
            "--backend".into(),
            c.backend.to_string(),
        ];
        if let Some(t) = o.timeout {
            argv.extend(["--timeout".into(), t.to_string()]);
        }
        if let Some(f) = &o.format {
            argv.extend(["--format".into(), f.clone()]);
        }
        argv.push(bundle.clone());
        let command: Vec<String> = argv.iter().map(|a| quote(a)).collect();
        include.push(json!({
            "name": c.name(),
            "arch": c.arch.to_string(),
            "backend": c.backend.name(),
            "bundle": bundle,
            "command": command.join(" "),
        }));
    }
    let v: Value = json!({ "include": include });
    Ok(serde_json::to_string(&v).unwrap_or_default())
}

/// Quotes `s` for a POSIX shell where needed.
fn quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c));
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::{Backend, Cell};
    use crate::Arch;

    fn planned(arch: &str, backend: Backend, bundle: &str, skip: bool) -> PlannedCell {
        PlannedCell {
            cell: Cell {
                arch: Arch::parse(arch).expect("known arch"),
                backend,
                bundle: bundle.into(),
            },
            skipped: skip.then(|| "no qemu-mips".to_string()),
        }
    }

    #[test]
    fn one_entry_per_cell_with_its_command() {
        let cells = [
            planned("armv7ahf", Backend::Emulate, "bundles/armv7ahf", false),
            planned("mips", Backend::Auto, "it's here", true),
        ];
        let o = EmitOptions {
            program: "ocix".into(),
            timeout: Some(60),
            format: Some("junit".into()),
        };
        let text = github_actions(&cells, &o).expect("emits");
        let v: Value = serde_json::from_str(&text).expect("valid JSON");
        let inc = v["include"].as_array().expect("include list");
        assert_eq!(inc.len(), 2);
        assert_eq!(inc[0]["arch"], "armv7ahf");
        assert_eq!(inc[0]["backend"], "emulate");
        assert_eq!(
            inc[0]["command"],
            "ocix matrix --arch armv7ahf --backend emulate --timeout 60 --format junit bundles/armv7ahf"
        );
        assert_eq!(
            inc[1]["command"],
            "ocix matrix --arch mips --backend auto --timeout 60 --format junit 'it'\\''s here'"
        );
    }

    #[test]
    fn a_cell_without_bundle_cannot_be_emitted() {
        let cells = [planned("mips", Backend::Auto, "", true)];
        assert_eq!(
            github_actions(&cells, &EmitOptions::default()),
            Err(MatrixError::NoBundle("mips".into()))
        );
    }
}
