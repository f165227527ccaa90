//! Where each cell's bundle comes from, and the arch list's syntax.

use std::path::{Path, PathBuf};

use crate::matrix::MatrixError;
use crate::Arch;

/// Arches from `--arch` values or an `--arch-file`'s text: names separated
/// by commas, blanks or lines; `#` starts a comment. Order is kept;
/// a repeated arch, in any spelling, is an error.
pub fn parse_arch_list(text: &str) -> Result<Vec<Arch>, MatrixError> {
    let mut out: Vec<Arch> = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        for name in line.split(|c: char| c == ',' || c.is_whitespace()) {
            if name.is_empty() {
                continue;
            }
            let arch = Arch::parse(name)?;
            if out.contains(&arch) {
                return Err(MatrixError::DuplicateArch(arch.to_string()));
            }
            out.push(arch);
        }
    }
    Ok(out)
}

/// The bundles of a matrix: per arch (`--bundle-for ARCH=PATH`, or a
/// directory of bundles named by arch) and a default for the other arches.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BundleSource {
    per_arch: Vec<Entry>,
    default: Option<PathBuf>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    arch: Arch,
    path: PathBuf,
    explicit: bool,
}

impl BundleSource {
    /// One bundle for every arch.
    pub fn one(bundle: impl Into<PathBuf>) -> BundleSource {
        BundleSource {
            per_arch: Vec::new(),
            default: Some(bundle.into()),
        }
    }

    /// The bundles of a directory, given the names of its subdirectories:
    /// each name that parses as an arch (`armv7ahf`, `armhf`, `linux-arm64`
    /// does not) is that arch's bundle; other names are ignored.
    pub fn from_dir<I, S>(dir: &Path, names: I) -> Result<BundleSource, MatrixError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut names: Vec<String> = names.into_iter().map(|s| s.as_ref().to_owned()).collect();
        names.sort();
        let mut source = BundleSource::default();
        for name in names {
            if let Ok(arch) = Arch::parse(&name) {
                source.insert(arch, dir.join(&name), false)?;
            }
        }
        Ok(source)
    }

    /// Adds `--bundle-for ARCH=PATH`; it replaces a directory's bundle for
    /// that arch, but not another `--bundle-for`.
    pub fn add_for(&mut self, spec: &str) -> Result<(), MatrixError> {
        let (name, path) = spec
            .split_once('=')
            .filter(|(n, p)| !n.trim().is_empty() && !p.is_empty())
            .ok_or_else(|| MatrixError::BundleFor(spec.to_owned()))?;
        let arch = Arch::parse(name)?;
        self.per_arch.retain(|e| e.explicit || e.arch != arch);
        self.insert(arch, PathBuf::from(path), true)
    }

    /// Sets the bundle for arches without their own.
    pub fn set_default(&mut self, bundle: impl Into<PathBuf>) {
        self.default = Some(bundle.into());
    }

    fn insert(&mut self, arch: Arch, path: PathBuf, explicit: bool) -> Result<(), MatrixError> {
        if let Some(e) = self.per_arch.iter().find(|e| e.arch == arch) {
            return Err(MatrixError::DuplicateBundle {
                arch: arch.to_string(),
                first: e.path.display().to_string(),
                second: path.display().to_string(),
            });
        }
        self.per_arch.push(Entry {
            arch,
            path,
            explicit,
        });
        Ok(())
    }

    /// The bundle for `arch`: its own, else the default.
    pub fn bundle_for(&self, arch: &Arch) -> Option<&Path> {
        self.per_arch
            .iter()
            .find(|e| e.arch == *arch)
            .map(|e| e.path.as_path())
            .or(self.default.as_deref())
    }

    /// Arches with their own bundle, in the order given (directory
    /// entries sorted by name).
    pub fn arches(&self) -> Vec<Arch> {
        self.per_arch.iter().map(|e| e.arch).collect()
    }

    /// Arches given by `--bundle-for` (not by a directory).
    pub(crate) fn explicit_arches(&self) -> impl Iterator<Item = Arch> + '_ {
        self.per_arch.iter().filter(|e| e.explicit).map(|e| e.arch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arch(name: &str) -> Arch {
        Arch::parse(name).expect("known arch")
    }

    #[test]
    fn arch_list_takes_commas_lines_and_comments() {
        let got = parse_arch_list("armv7ahf,aarch64\n# big-endian\nppc64  mips # o32\n\n")
            .expect("parses");
        let want: Vec<Arch> = ["armv7ahf", "aarch64", "ppc64", "mips"]
            .into_iter()
            .map(arch)
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn arch_list_refuses_one_arch_twice_and_unknown_names() {
        assert_eq!(
            parse_arch_list("armhf,armv7ahf"),
            Err(MatrixError::DuplicateArch("armv7ahf".into()))
        );
        assert!(matches!(
            parse_arch_list("armv7ahf,pdp11"),
            Err(MatrixError::Arch(_))
        ));
    }

    #[test]
    fn bundle_for_overrides_the_default_and_the_directory() {
        let mut s =
            BundleSource::from_dir(Path::new("b"), ["armv7ahf", "README", "aarch64"]).expect("dir");
        assert_eq!(s.arches(), vec![arch("aarch64"), arch("armv7ahf")]);
        s.add_for("arm64=other").expect("valid");
        s.set_default("all");
        assert_eq!(s.bundle_for(&arch("aarch64")), Some(Path::new("other")));
        assert_eq!(s.bundle_for(&arch("armhf")), Some(Path::new("b/armv7ahf")));
        assert_eq!(s.bundle_for(&arch("mips")), Some(Path::new("all")));
    }

    #[test]
    fn bad_and_repeated_bundle_for_are_errors() {
        let mut s = BundleSource::default();
        assert_eq!(
            s.add_for("aarch64"),
            Err(MatrixError::BundleFor("aarch64".into()))
        );
        assert_eq!(s.add_for("=x"), Err(MatrixError::BundleFor("=x".into())));
        s.add_for("aarch64=a").expect("first");
        assert!(matches!(
            s.add_for("arm64=b"),
            Err(MatrixError::DuplicateBundle { .. })
        ));
        assert_eq!(s.bundle_for(&arch("mips")), None);
    }

    #[test]
    fn two_directory_names_for_one_arch_are_an_error() {
        let r = BundleSource::from_dir(Path::new("b"), ["armhf", "armv7ahf"]);
        assert!(matches!(r, Err(MatrixError::DuplicateBundle { .. })));
    }
}
