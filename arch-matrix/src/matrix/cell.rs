//! One cell of a matrix: an arch, a backend and a bundle.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::matrix::MatrixError;
use crate::Arch;

/// How a cell runs (`ocix run --backend`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// The runtime picks, on the host that runs the cell.
    Auto,
    /// The host kernel runs the target.
    Native,
    /// QEMU user-mode emulation.
    Emulate,
    /// A guest machine of the target arch.
    Vm,
}

impl Backend {
    /// The `--backend` value.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Auto => "auto",
            Backend::Native => "native",
            Backend::Emulate => "emulate",
            Backend::Vm => "vm",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = MatrixError;

    fn from_str(s: &str) -> Result<Backend, MatrixError> {
        [
            Backend::Auto,
            Backend::Native,
            Backend::Emulate,
            Backend::Vm,
        ]
        .into_iter()
        .find(|b| b.name() == s)
        .ok_or_else(|| MatrixError::Backend(s.to_owned()))
    }
}

/// What one cell runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// Target architecture.
    pub arch: Arch,
    /// Backend; `Auto` when the planner leaves the choice to the runtime.
    pub backend: Backend,
    /// Bundle directory, as given; empty when there is none for `arch`.
    pub bundle: PathBuf,
}

impl Cell {
    /// The name reports use: `armv7ahf (emulate)`.
    pub fn name(&self) -> String {
        format!("{} ({})", self.arch, self.backend)
    }

    /// A container id for the cell: `matrix-armv7ahf`.
    pub fn container_id(&self) -> String {
        format!("matrix-{}", self.arch)
    }
}
