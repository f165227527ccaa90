//! Errors of name parsing.

use thiserror::Error;

/// A name that is no architecture this crate knows.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ArchError {
    /// No spelling matches; `suggestions` holds the nearest known names.
    #[error("unknown architecture {name:?}{}", did_you_mean(.suggestions))]
    Unknown {
        /// The name as given.
        name: String,
        /// Nearest known names by edit distance, best first.
        suggestions: Vec<String>,
    },
    /// The architecture is known but the variant is not
    /// (`GOARM=9`, `linux/arm/v9`).
    #[error("unknown variant {variant:?} for {arch}; expected {expected}")]
    Variant {
        /// Architecture the variant was given for.
        arch: String,
        /// The variant as given.
        variant: String,
        /// The accepted variants.
        expected: &'static str,
    },
}

fn did_you_mean(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", suggestions.join(", "))
    }
}
