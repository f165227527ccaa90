//! [`Arch`]'s names: parsing, the canonical form, serde, and the names
//! other tools use for it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ArchError;
use crate::model::Arch;
use crate::names::{self, debian, oci, oe, uname};

impl Arch {
    /// Parses any known spelling: an OpenEmbedded tune, an OCI platform
    /// (`linux/arm/v7`, `arm64/v8`), a GOARCH, a `uname -m` value, a Debian
    /// architecture, a Rust target triple or GNU multiarch tuple, or a
    /// canonical name. Case and surrounding blanks are ignored.
    pub fn parse(name: &str) -> Result<Arch, ArchError> {
        names::parse(name)
    }

    /// The architecture Go builds for `GOARCH=goarch` with its variant
    /// variable (`GOARM`, `GOAMD64`, `GOMIPS`/`GOMIPS64`, `GOPPC64`,
    /// `GOARM64`, `GO386`, `GORISCV64`); `None` takes Go's default.
    pub fn from_go(goarch: &str, variant: Option<&str>) -> Result<Arch, ArchError> {
        oci::from_arch_variant(
            goarch.trim().to_ascii_lowercase().as_str(),
            variant,
            oci::Dialect::Go,
        )
    }

    /// Every known name with the arch it means, for listings. Names are
    /// unique; many map to the same arch.
    pub fn all_names() -> impl Iterator<Item = (&'static str, Arch)> {
        names::all_names().filter_map(|n| Arch::parse(n).ok().map(|a| (n, a)))
    }

    /// The OCI platform `arch[/variant]` (`arm/v7`, `arm64`, `amd64/v3`),
    /// or `None` where OCI has no name for it (x32, n32, SuperH, 32-bit
    /// PowerPC, big-endian ARM).
    pub fn oci_platform(&self) -> Option<String> {
        oci::oci_platform(self)
    }

    /// What `uname -m` prints on this architecture (`armv7l`, `ppc64le`,
    /// `mips64` for n32 as well).
    pub fn uname_machine(&self) -> &'static str {
        uname::uname_machine(self)
    }

    /// The Debian architecture whose baseline this arch meets (`armhf` needs
    /// ARMv7-A hard-float with VFPv3-D16), if any.
    pub fn debian_arch(&self) -> Option<&'static str> {
        debian::debian_arch(self)
    }
}

impl fmt::Display for Arch {
    /// The canonical name (see the crate docs).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&oe::format(self))
    }
}

impl FromStr for Arch {
    type Err = ArchError;

    fn from_str(s: &str) -> Result<Arch, ArchError> {
        Arch::parse(s)
    }
}

impl Serialize for Arch {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Arch {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Arch, D::Error> {
        let s = String::deserialize(deserializer)?;
        Arch::parse(&s).map_err(serde::de::Error::custom)
    }
}
