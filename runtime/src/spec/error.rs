//! Errors in a bundle's configuration.

/// A problem with `config.json`, located as precisely as possible.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("cannot read {file}: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}:{line}:{column}: {}{msg}", path_prefix(path))]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        path: String,
        msg: String,
    },
    #[error("config.json: {path}: {msg}")]
    Invalid { path: String, msg: String },
}

fn path_prefix(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

impl SpecError {
    pub(crate) fn invalid(path: impl Into<String>, msg: impl Into<String>) -> Self {
        SpecError::Invalid {
            path: path.into(),
            msg: msg.into(),
        }
    }
}
