//! Optional features beyond an ISA level, as a small bit set.

use std::fmt;

/// One optional feature.
///
/// ARM's FPU level is one of `Vfp`, `Vfpv3d16`, `Vfpv3`, `Vfpv4`,
/// `FpArmv8` (at most one is set); `Neon` comes on top of it.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Feature {
    /// ARM: Thumb code (for ARMv6 and later: the tune prefers Thumb).
    Thumb,
    /// ARM: DSP extensions (the `e` of ARMv5TE).
    Dsp,
    /// ARM: VFPv2.
    Vfp,
    /// ARM: VFPv3 with 16 double registers.
    Vfpv3d16,
    /// ARM: VFPv3 with 32 double registers.
    Vfpv3,
    /// ARM: VFPv4 (fused multiply-add), 32 double registers.
    Vfpv4,
    /// ARM: the ARMv8 FPU.
    FpArmv8,
    /// ARM: Advanced SIMD.
    Neon,
    /// ARM: Intel Wireless MMX.
    Iwmmxt,
    /// PowerPC: AltiVec/VMX.
    Altivec,
    /// PowerPC: the e500 signal-processing engine (floats in GPRs).
    Spe,
    /// MIPS: IEEE 754-2008 NaN encoding.
    Nan2008,
    /// x86: no `lock` prefix (Intel Quark).
    NoLockPrefix,
}

impl Feature {
    /// Every feature, in bit order.
    pub const ALL: [Feature; 13] = [
        Feature::Thumb,
        Feature::Dsp,
        Feature::Vfp,
        Feature::Vfpv3d16,
        Feature::Vfpv3,
        Feature::Vfpv4,
        Feature::FpArmv8,
        Feature::Neon,
        Feature::Iwmmxt,
        Feature::Altivec,
        Feature::Spe,
        Feature::Nan2008,
        Feature::NoLockPrefix,
    ];

    /// ARM FPU levels, lowest first.
    pub(crate) const ARM_FPUS: [Feature; 5] = [
        Feature::Vfp,
        Feature::Vfpv3d16,
        Feature::Vfpv3,
        Feature::Vfpv4,
        Feature::FpArmv8,
    ];

    /// Lowercase name (`neon`, `vfpv3d16`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Feature::Thumb => "thumb",
            Feature::Dsp => "dsp",
            Feature::Vfp => "vfp",
            Feature::Vfpv3d16 => "vfpv3d16",
            Feature::Vfpv3 => "vfpv3",
            Feature::Vfpv4 => "vfpv4",
            Feature::FpArmv8 => "fp-armv8",
            Feature::Neon => "neon",
            Feature::Iwmmxt => "iwmmxt",
            Feature::Altivec => "altivec",
            Feature::Spe => "spe",
            Feature::Nan2008 => "nan2008",
            Feature::NoLockPrefix => "nolock",
        }
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of [`Feature`]s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Features(u32);

impl Features {
    /// No features.
    pub const EMPTY: Features = Features(0);

    /// Whether `feature` is in the set.
    pub fn contains(self, feature: Feature) -> bool {
        self.0 & feature.bit() != 0
    }

    /// Adds `feature`.
    pub fn insert(&mut self, feature: Feature) {
        self.0 |= feature.bit();
    }

    /// Removes `feature`.
    pub fn remove(&mut self, feature: Feature) {
        self.0 &= !feature.bit();
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The features in the set, in [`Feature::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Feature> {
        Feature::ALL.into_iter().filter(move |f| self.contains(*f))
    }

    /// The ARM FPU level in the set, if any.
    pub(crate) fn arm_fpu(self) -> Option<Feature> {
        Feature::ARM_FPUS
            .into_iter()
            .rev()
            .find(|f| self.contains(*f))
    }

    /// Replaces the ARM FPU level.
    pub(crate) fn set_arm_fpu(&mut self, fpu: Option<Feature>) {
        for f in Feature::ARM_FPUS {
            self.remove(f);
        }
        if let Some(f) = fpu {
            self.insert(f);
        }
    }
}

impl fmt::Display for Features {
    /// Comma-separated names; empty for no features.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, feature) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(feature.name())?;
        }
        Ok(())
    }
}

/// Whether the ARM FPU level `fpu` is absent or lower than `than`.
pub(crate) fn fpu_below(fpu: Option<Feature>, than: Feature) -> bool {
    match fpu {
        Some(f) => f < than,
        None => true,
    }
}
