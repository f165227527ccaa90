//! Plain-data views of an [`Arch`] and of an [`ElfInfo`] for `ocix arch
//! describe` and `ocix arch inspect`: every field a person or a script
//! asks about, named, as text lines or JSON.

use ocix_arch_matrix::{Arch, ElfInfo, Endian};
use serde::Serialize;
use std::fmt::Write as _;

/// Everything known about one arch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ArchDescription {
    /// The name as given.
    pub name: String,
    pub canonical: String,
    pub family: &'static str,
    pub bits: u8,
    pub byte_order: &'static str,
    pub abi: &'static str,
    pub float_abi: String,
    pub isa: String,
    pub features: Vec<&'static str>,
    pub cpu: Option<&'static str>,
    pub qemu_user_binary: Option<&'static str>,
    pub qemu_cpu: Option<&'static str>,
    pub uname_machine: &'static str,
    /// `linux/<arch>[/<variant>]`.
    pub oci_platform: Option<String>,
    pub debian_arch: Option<&'static str>,
}

impl ArchDescription {
    pub fn new(name: &str, a: &Arch) -> ArchDescription {
        ArchDescription {
            name: name.to_owned(),
            canonical: a.to_string(),
            family: a.family().name(),
            bits: a.bits(),
            byte_order: byte_order(a.endian()),
            abi: a.abi().name(),
            float_abi: a.float_abi().to_string(),
            isa: a.isa().name(),
            features: a.features().iter().map(|f| f.name()).collect(),
            cpu: a.cpu(),
            qemu_user_binary: a.qemu_user_binary(),
            qemu_cpu: a.qemu_cpu(),
            uname_machine: a.uname_machine(),
            oci_platform: a.oci_platform().map(|p| format!("linux/{p}")),
            debian_arch: a.debian_arch(),
        }
    }

    /// `key: value` lines, aligned.
    pub fn text(&self) -> String {
        let none = || "-".to_owned();
        let opt = |o: Option<&str>| o.map_or_else(none, str::to_owned);
        let features = if self.features.is_empty() {
            none()
        } else {
            self.features.join(", ")
        };
        let rows = [
            ("name", self.name.clone()),
            ("canonical", self.canonical.clone()),
            ("family", self.family.to_owned()),
            ("bits", self.bits.to_string()),
            ("byte order", self.byte_order.to_owned()),
            ("abi", self.abi.to_owned()),
            ("float abi", self.float_abi.clone()),
            ("isa", self.isa.clone()),
            ("features", features),
            ("cpu", opt(self.cpu)),
            ("qemu user", opt(self.qemu_user_binary)),
            ("qemu cpu", opt(self.qemu_cpu)),
            ("uname -m", self.uname_machine.to_owned()),
            ("oci platform", opt(self.oci_platform.as_deref())),
            ("debian arch", opt(self.debian_arch)),
        ];
        table(&rows)
    }
}

/// What `inspect` found in one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ElfSummary {
    pub path: String,
    /// `ELF 32-bit ARM EABI5 hard-float (armv7-a, vfpv3d16)`.
    pub description: String,
    pub bits: u8,
    pub byte_order: &'static str,
    pub machine: String,
    pub e_machine: u16,
    pub e_flags: u32,
    pub abi: Option<&'static str>,
    pub float_abi: Option<String>,
    pub isa: Option<String>,
    /// ARM: the FPU the build attributes require.
    pub fpu: Option<&'static str>,
    /// ARM: whether it requires NEON.
    pub neon: bool,
    /// MIPS: IEEE 754-2008 NaNs.
    pub nan2008: bool,
    pub interpreter: Option<String>,
    /// The most specific arch the file declares (canonical name).
    pub arch: Option<String>,
}

impl ElfSummary {
    pub fn new(path: &str, e: &ElfInfo) -> ElfSummary {
        ElfSummary {
            path: path.to_owned(),
            description: e.to_string(),
            bits: e.bits,
            byte_order: byte_order(e.endian),
            machine: e.machine_name(),
            e_machine: e.machine,
            e_flags: e.flags,
            abi: e.abi().map(|a| a.name()),
            float_abi: e.float_abi().map(|f| f.to_string()),
            isa: e.isa().map(|i| i.name()),
            fpu: e.arm.as_ref().and_then(|a| a.fpu()).map(|f| f.name()),
            neon: e.arm.as_ref().is_some_and(|a| a.neon()),
            nan2008: e.mips.as_ref().is_some_and(|m| m.nan2008),
            interpreter: e.interpreter.clone(),
            arch: e.implied_arch().map(|a| a.to_string()),
        }
    }

    /// `path: description` then indented details.
    pub fn text(&self) -> String {
        let rows = [
            (
                "arch",
                self.arch.clone().unwrap_or_else(|| "unknown".into()),
            ),
            (
                "interpreter",
                self.interpreter
                    .clone()
                    .unwrap_or_else(|| "none (static)".into()),
            ),
        ];
        let mut out = format!("{}: {}\n", self.path, self.description);
        for line in table(&rows).lines() {
            let _ = writeln!(out, "  {line}");
        }
        out
    }
}

fn byte_order(e: Endian) -> &'static str {
    match e {
        Endian::Little => "little-endian",
        Endian::Big => "big-endian",
    }
}

/// `key:   value` lines with values aligned.
pub fn table(rows: &[(&str, String)]) -> String {
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    let mut out = String::new();
    for (k, v) in rows {
        let _ = writeln!(out, "{:<width$} {v}", format!("{k}:"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn armv7ahf_in_every_field() {
        let a = Arch::parse("armv7ahf").expect("parse");
        let d = ArchDescription::new("armv7ahf", &a);
        assert_eq!(d.family, "arm");
        assert_eq!(d.bits, 32);
        assert_eq!(d.float_abi, "hard-float");
        assert_eq!(d.isa, "armv7-a");
        assert_eq!(d.oci_platform.as_deref(), Some("linux/arm/v7"));
        assert_eq!(d.debian_arch, Some("armhf"));
        let text = d.text();
        assert!(text.contains("byte order:   little-endian"), "{text}");
    }
}
