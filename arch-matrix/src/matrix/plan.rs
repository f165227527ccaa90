//! The planner: one cell per arch, each runnable here or skipped with
//! the reason.

use std::collections::{BTreeSet, HashMap};

use crate::compat::{host_runs_natively, Native};
use crate::matrix::{Backend, BundleSource, Cell, MatrixError};
use crate::Arch;

/// What the caller found on the host, as data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostFacts {
    /// The host's architecture.
    pub arch: Arch,
    /// QEMU user-mode emulators that exist, by name (`qemu-arm`).
    pub emulators: BTreeSet<String>,
    /// Per guest arch, whether the vm backend has what it needs (kernel,
    /// guest agent); `Err` says what is missing. An arch absent here has
    /// no guest machine.
    pub vm: HashMap<Arch, Result<(), String>>,
}

/// A planned cell; `skipped` says why it cannot run here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedCell {
    /// The cell.
    pub cell: Cell,
    /// Why it cannot run on this host, if it cannot.
    pub skipped: Option<String>,
}

/// Plans one cell per arch, in order. `Auto` becomes `Native` where the
/// host surely runs the arch, else `Emulate` where the emulator exists,
/// else `Vm` where a guest is ready; it stays `Auto` where running
/// natively depends on a host probe the runtime makes.
pub fn plan(
    arches: &[Arch],
    backend: Backend,
    bundles: &BundleSource,
    host: &HostFacts,
) -> Result<Vec<PlannedCell>, MatrixError> {
    if arches.is_empty() {
        return Err(MatrixError::NoArches);
    }
    for (i, a) in arches.iter().enumerate() {
        if arches[..i].contains(a) {
            return Err(MatrixError::DuplicateArch(a.to_string()));
        }
    }
    if let Some(a) = bundles.explicit_arches().find(|a| !arches.contains(a)) {
        return Err(MatrixError::UnplannedBundle(a.to_string()));
    }
    Ok(arches
        .iter()
        .map(|arch| {
            let (backend, why) = choose(backend, arch, host);
            let bundle = bundles.bundle_for(arch);
            let skipped = match bundle {
                None => Some(format!(
                    "no bundle for {arch}: give --bundle-for {arch}=PATH or a BUNDLE"
                )),
                Some(_) => why,
            };
            PlannedCell {
                cell: Cell {
                    arch: *arch,
                    backend,
                    bundle: bundle.map(|b| b.to_path_buf()).unwrap_or_default(),
                },
                skipped,
            }
        })
        .collect())
}

/// The backend for `arch`, and why it cannot run here if it cannot.
fn choose(asked: Backend, arch: &Arch, host: &HostFacts) -> (Backend, Option<String>) {
    let native = host_runs_natively(&host.arch, arch);
    let skip = |why: String| (asked, Some(why));
    match asked {
        Backend::Native if native == Native::No => skip(format!(
            "this {} host cannot run {arch} natively",
            host.arch
        )),
        Backend::Native => (Backend::Native, None),
        Backend::Emulate => match emulator(arch, host) {
            Ok(()) => (Backend::Emulate, None),
            Err(why) => skip(why),
        },
        Backend::Vm => match vm(arch, host) {
            Ok(()) => (Backend::Vm, None),
            Err(why) => skip(why),
        },
        Backend::Auto => match native {
            Native::Yes => (Backend::Native, None),
            Native::Probe(_) => (Backend::Auto, None),
            Native::No => match (emulator(arch, host), vm(arch, host)) {
                (Ok(()), _) => (Backend::Emulate, None),
                (_, Ok(())) => (Backend::Vm, None),
                (Err(e), Err(v)) => skip(format!("{e}; {v}")),
            },
        },
    }
}

fn emulator(arch: &Arch, host: &HostFacts) -> Result<(), String> {
    match arch.qemu_user_binary() {
        None => Err(format!("QEMU has no user-mode emulator for {arch}")),
        Some(q) if host.emulators.contains(q) => Ok(()),
        Some(q) => Err(format!("no {q} on this host (install qemu-user)")),
    }
}

fn vm(arch: &Arch, host: &HostFacts) -> Result<(), String> {
    match host.vm.get(arch) {
        None => Err(format!("the vm backend has no guest machine for {arch}")),
        Some(r) => r.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn arch(name: &str) -> Arch {
        Arch::parse(name).expect("known arch")
    }

    fn host() -> HostFacts {
        HostFacts {
            arch: arch("x86_64"),
            emulators: ["qemu-arm", "qemu-aarch64"].map(String::from).into(),
            vm: [
                (arch("ppc64le"), Ok(())),
                (arch("mips64el"), Err("no kernel for mips64el".into())),
            ]
            .into(),
        }
    }

    fn arches(names: &str) -> Vec<Arch> {
        crate::matrix::parse_arch_list(names).expect("arches")
    }

    fn summary(cells: &[PlannedCell]) -> Vec<(String, &str, bool)> {
        cells
            .iter()
            .map(|p| {
                (
                    p.cell.arch.to_string(),
                    p.cell.backend.name(),
                    p.skipped.is_none(),
                )
            })
            .collect()
    }

    #[test]
    fn auto_picks_native_then_emulate_then_vm_and_skips_with_reasons() {
        let cells = plan(
            &arches("x86_64,i686,armv7ahf,ppc64le,mips64el"),
            Backend::Auto,
            &BundleSource::one("b"),
            &host(),
        )
        .expect("plan");
        let got = summary(&cells);
        let want = [
            ("x86_64", "native", true),
            ("i686", "auto", true),
            ("armv7ahf", "emulate", true),
            ("ppc64p8le", "vm", true),
            ("mips64el", "auto", false),
        ];
        for (g, w) in got.iter().zip(want) {
            assert_eq!((g.0.as_str(), g.1, g.2), w);
        }
        let why = cells[4].skipped.as_deref().expect("skipped");
        assert!(
            why.contains("qemu-mips64el") && why.contains("no kernel"),
            "{why}"
        );
        assert_eq!(cells[2].cell.bundle, Path::new("b"));
    }

    #[test]
    fn explicit_backends_skip_what_the_host_lacks() {
        let b = BundleSource::one("b");
        let emu = plan(&arches("aarch64,powerpc64"), Backend::Emulate, &b, &host()).expect("plan");
        assert_eq!(emu[0].skipped, None);
        let why = emu[1].skipped.as_deref().expect("skipped");
        assert!(why.contains("qemu-ppc64"), "{why}");
        let native = plan(&arches("aarch64"), Backend::Native, &b, &host()).expect("plan");
        assert!(native[0]
            .skipped
            .as_deref()
            .is_some_and(|w| w.contains("natively")));
        let vm = plan(&arches("ppc64le,armv7ahf"), Backend::Vm, &b, &host()).expect("plan");
        assert_eq!(vm[0].skipped, None);
        assert!(vm[1]
            .skipped
            .as_deref()
            .is_some_and(|w| w.contains("no guest")));
    }

    #[test]
    fn a_cell_without_a_bundle_is_skipped_not_dropped() {
        let mut b = BundleSource::default();
        b.add_for("aarch64=a64").expect("valid");
        let cells = plan(&arches("armv7ahf,aarch64"), Backend::Auto, &b, &host()).expect("plan");
        assert_eq!(cells.len(), 2);
        let why = cells[0].skipped.as_deref().expect("skipped");
        assert!(why.contains("--bundle-for armv7ahf="), "{why}");
        assert_eq!(cells[1].cell.bundle, Path::new("a64"));
    }

    #[test]
    fn planning_errors() {
        let b = BundleSource::one("b");
        assert_eq!(
            plan(&[], Backend::Auto, &b, &host()),
            Err(MatrixError::NoArches)
        );
        let twice = [arch("armhf"), arch("armv7ahf")];
        assert!(matches!(
            plan(&twice, Backend::Auto, &b, &host()),
            Err(MatrixError::DuplicateArch(_))
        ));
        let mut extra = BundleSource::default();
        extra.add_for("mips=m").expect("valid");
        assert_eq!(
            plan(&arches("aarch64"), Backend::Auto, &extra, &host()),
            Err(MatrixError::UnplannedBundle("mips".into()))
        );
    }
}
