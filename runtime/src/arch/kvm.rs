//! Whether `/dev/kvm` can boot a stock kernel of the host's architecture.
//!
//! A device that opens and answers `KVM_GET_API_VERSION` with 12 is KVM,
//! but not every KVM runs stock Linux: kvm-pvm (this project's CI
//! machines) runs only guests built for PVM. On x86 the flavour is told by
//! the vendor module in `/sys/module` (built-in modules with parameters
//! appear there too): `kvm_intel` (VMX) and `kvm_amd` (SVM) boot stock
//! kernels, `kvm_pvm` does not, and without either the answer is no. Other
//! architectures have one KVM, which boots stock kernels.

use ocix_arch_matrix::{Arch, Family};
use serde::Serialize;
use std::os::fd::AsRawFd;
use std::path::Path;

/// The KVM API version every Linux since 2.6.22 reports.
const KVM_API_VERSION: i32 = 12;
/// `_IO(KVMIO, 0x00)`.
const KVM_GET_API_VERSION: libc::c_ulong = 0xAE00;

/// What `/dev/kvm` is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KvmInfo {
    /// `/dev/kvm` exists, opens read-write and speaks API 12.
    pub present: bool,
    /// `KVM_GET_API_VERSION`, if the device opened.
    pub api_version: Option<i32>,
    /// `vmx`, `svm`, `pvm`, or `kvm` on non-x86 hosts.
    pub flavour: Option<String>,
    /// Whether it can boot a stock kernel of the host's architecture.
    pub boots_stock_kernel: bool,
    /// Why, in words.
    pub note: String,
}

impl KvmInfo {
    /// No usable KVM, for `note`'s reason.
    pub fn absent(note: String) -> KvmInfo {
        KvmInfo {
            present: false,
            api_version: None,
            flavour: None,
            boots_stock_kernel: false,
            note,
        }
    }
}

/// Probes `/dev/kvm` on a `host` machine.
pub fn probe(host: &Arch) -> KvmInfo {
    let api = api_version(Path::new("/dev/kvm"));
    classify(host, api, Path::new("/sys/module"))
}

/// Opens `dev` and asks its API version.
fn api_version(dev: &Path) -> Result<i32, String> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(dev)
        .map_err(|e| format!("{}: {e}", dev.display()))?;
    // SAFETY: KVM_GET_API_VERSION reads no memory and returns an integer;
    // the descriptor is open for the whole call. The kernel refuses a
    // non-zero argument, so 0 is passed rather than left to chance.
    let v = unsafe { libc::ioctl(f.as_raw_fd(), KVM_GET_API_VERSION as _, 0 as libc::c_ulong) };
    if v < 0 {
        return Err(format!(
            "{}: KVM_GET_API_VERSION: {}",
            dev.display(),
            std::io::Error::last_os_error()
        ));
    }
    Ok(v)
}

/// The verdict from the API answer and the loaded modules.
pub fn classify(host: &Arch, api: Result<i32, String>, modules: &Path) -> KvmInfo {
    let version = match api {
        Ok(v) => v,
        Err(e) => return KvmInfo::absent(e),
    };
    let mut info = KvmInfo::absent(String::new());
    info.api_version = Some(version);
    if version != KVM_API_VERSION {
        info.note = format!("KVM API {version}, expected {KVM_API_VERSION}");
        return info;
    }
    info.present = true;
    let has = |m: &str| modules.join(m).exists();
    let x86 = matches!(host.family(), Family::X86 | Family::X86_64);
    let (flavour, boots, note) = if has("kvm_pvm") {
        (
            "pvm",
            false,
            "kvm-pvm runs only PVM guest kernels, not stock ones",
        )
    } else if !x86 {
        ("kvm", true, "KVM for the host's architecture")
    } else if has("kvm_intel") {
        ("vmx", true, "kvm_intel (VMX)")
    } else if has("kvm_amd") {
        ("svm", true, "kvm_amd (SVM)")
    } else {
        return KvmInfo {
            note: "neither kvm_intel nor kvm_amd is loaded".into(),
            ..info
        };
    };
    KvmInfo {
        flavour: Some(flavour.into()),
        boots_stock_kernel: boots,
        note: note.into(),
        ..info
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modules(names: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for n in names {
            std::fs::create_dir_all(dir.path().join(n).join("parameters")).expect("mkdir");
        }
        dir
    }

    fn arch(n: &str) -> Arch {
        Arch::parse(n).expect(n)
    }

    #[test]
    fn pvm_is_present_but_cannot_boot_stock_kernels() {
        let m = modules(&["kvm", "kvm_pvm"]);
        let k = classify(&arch("x86_64"), Ok(12), m.path());
        assert!(k.present && !k.boots_stock_kernel, "{k:?}");
        assert_eq!(k.flavour.as_deref(), Some("pvm"));
    }

    #[test]
    fn vendor_modules_and_other_hosts_boot_stock_kernels() {
        let m = modules(&["kvm", "kvm_amd"]);
        let k = classify(&arch("x86_64"), Ok(12), m.path());
        assert!(k.boots_stock_kernel && k.flavour.as_deref() == Some("svm"));
        let none = modules(&["kvm"]);
        assert!(!classify(&arch("x86_64"), Ok(12), none.path()).boots_stock_kernel);
        assert!(classify(&arch("aarch64"), Ok(12), none.path()).boots_stock_kernel);
    }

    #[test]
    fn missing_device_or_wrong_api_is_absent() {
        let m = modules(&["kvm_intel"]);
        let k = classify(&arch("x86_64"), Err("no /dev/kvm".into()), m.path());
        assert!(!k.present && k.note.contains("no /dev/kvm"));
        let k = classify(&arch("x86_64"), Ok(11), m.path());
        assert!(!k.present && k.api_version == Some(11));
    }

    #[test]
    fn this_host_answers() {
        let (host, _) = crate::arch::machine::host_baseline().expect("host");
        let k = probe(&host);
        assert!(!k.note.is_empty(), "{k:?}");
    }
}
