//! ELF inspection: what machine a binary needs, read from its header,
//! program headers and build-attribute sections.
//!
//! Parsing goes through the `object` crate's bounds-checked readers, so
//! malformed or truncated input gives an [`ElfError`], never a panic.

mod arm;
mod attrs;
mod describe;
mod mips;

use std::path::Path;

use object::elf::{FileHeader32, FileHeader64, PT_INTERP, SHT_ARM_ATTRIBUTES, SHT_GNU_ATTRIBUTES};
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader};
use object::{Endianness, ReadCache, ReadRef};
use thiserror::Error;

pub use arm::ArmInfo;
pub use mips::MipsInfo;

use crate::model::{em, Endian};

/// `.MIPS.abiflags` section type.
const SHT_MIPS_ABIFLAGS: u32 = 0x7000_002a;

/// Why a file could not be inspected.
#[non_exhaustive]
#[derive(Debug, Error)]
pub enum ElfError {
    /// The file does not start with the ELF magic.
    #[error("not an ELF file")]
    NotElf,
    /// The file is ELF but malformed or truncated.
    #[error("malformed ELF: {0}")]
    Malformed(String),
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

impl ElfError {
    fn malformed(e: object::read::Error) -> ElfError {
        ElfError::Malformed(e.to_string())
    }
}

/// What an ELF file says about the machine it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElfInfo {
    /// ELF class: 32 or 64.
    pub bits: u8,
    /// Byte order.
    pub endian: Endian,
    /// `e_machine`.
    pub machine: u16,
    /// `e_ident[EI_OSABI]` (0 System V, 3 GNU/Linux).
    pub os_abi: u8,
    /// `e_type` (2 executable, 3 shared object or PIE).
    pub elf_type: u16,
    /// `e_flags`.
    pub flags: u32,
    /// `PT_INTERP`: the dynamic loader, for dynamically linked programs.
    pub interpreter: Option<String>,
    /// ARM details.
    pub arm: Option<ArmInfo>,
    /// MIPS details.
    pub mips: Option<MipsInfo>,
    /// PowerPC `Tag_GNU_Power_ABI_FP` (low bits: 1 hard, 2 soft, 3 single).
    pub power_fp: Option<u8>,
    /// PowerPC `Tag_GNU_Power_ABI_Vector` (2 AltiVec, 3 SPE).
    pub power_vector: Option<u8>,
}

/// Inspects an ELF image held in memory.
pub fn inspect(bytes: &[u8]) -> Result<ElfInfo, ElfError> {
    dispatch(bytes)
}

/// Inspects the ELF file at `path`, reading only its headers and the
/// sections it needs (a few KiB, whatever the file's size).
pub fn inspect_path(path: &Path) -> Result<ElfInfo, ElfError> {
    let file = std::fs::File::open(path).map_err(|source| ElfError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let cache = ReadCache::new(std::io::BufReader::new(file));
    dispatch(&cache)
}

fn dispatch<'data, R: ReadRef<'data>>(data: R) -> Result<ElfInfo, ElfError> {
    let ident = data.read_bytes_at(0, 5).map_err(|()| ElfError::NotElf)?;
    if ident.get(..4) != Some(b"\x7fELF".as_slice()) {
        return Err(ElfError::NotElf);
    }
    match ident.get(4) {
        Some(1) => parse::<FileHeader32<Endianness>, R>(data),
        Some(2) => parse::<FileHeader64<Endianness>, R>(data),
        _ => Err(ElfError::Malformed("bad ELF class".to_owned())),
    }
}

fn parse<'data, H, R>(data: R) -> Result<ElfInfo, ElfError>
where
    H: FileHeader<Endian = Endianness>,
    R: ReadRef<'data>,
{
    let header = H::parse(data).map_err(ElfError::malformed)?;
    let endian = header.endian().map_err(ElfError::malformed)?;
    let bits = if header.is_class_64() { 64 } else { 32 };
    let machine = header.e_machine(endian);
    let flags = header.e_flags(endian);
    let mut info = ElfInfo {
        bits,
        endian: if endian == Endianness::Little {
            Endian::Little
        } else {
            Endian::Big
        },
        machine,
        os_abi: header.e_ident().os_abi,
        elf_type: header.e_type(endian),
        flags,
        interpreter: None,
        arm: (machine == em::ARM).then(|| ArmInfo::from_flags(flags)),
        mips: (machine == em::MIPS).then(|| MipsInfo::from_flags(flags, bits)),
        power_fp: None,
        power_vector: None,
    };
    for segment in header
        .program_headers(endian, data)
        .map_err(ElfError::malformed)?
    {
        if segment.p_type(endian) == PT_INTERP {
            let interp = segment
                .interpreter(endian, data)
                .map_err(ElfError::malformed)?;
            info.interpreter =
                interp.map(|s| String::from_utf8_lossy(s).trim_end_matches('\0').to_owned());
        }
    }
    let sections = header.sections(endian, data).map_err(ElfError::malformed)?;
    for section in sections.iter() {
        match (section.sh_type(endian), machine) {
            (SHT_ARM_ATTRIBUTES, em::ARM) => {
                let attributes = section
                    .attributes(endian, data)
                    .map_err(ElfError::malformed)?;
                if let Some(arm) = info.arm.as_mut() {
                    arm.read_attributes(&attributes)?;
                }
            }
            (SHT_MIPS_ABIFLAGS, em::MIPS) => {
                let bytes = section.data(endian, data).map_err(ElfError::malformed)?;
                if let Some(mips) = info.mips.as_mut() {
                    mips.read_abiflags(bytes);
                }
            }
            (SHT_GNU_ATTRIBUTES, _) => {
                let attributes = section
                    .gnu_attributes(endian, data)
                    .map_err(ElfError::malformed)?;
                if let Some(attributes) = attributes {
                    read_gnu_attributes(&mut info, &attributes)?;
                }
            }
            _ => {}
        }
    }
    Ok(info)
}

/// `Tag_GNU_*_ABI_FP` (4) and `Tag_GNU_Power_ABI_Vector` (8).
fn read_gnu_attributes<H: FileHeader>(
    info: &mut ElfInfo,
    section: &object::read::elf::AttributesSection<'_, H>,
) -> Result<(), ElfError> {
    const TAG_ABI_FP: u64 = 4;
    const TAG_POWER_ABI_VECTOR: u64 = 8;
    let machine = info.machine;
    let mut fp = None;
    let mut vector = None;
    attrs::for_each(section, b"gnu", attrs::odd_is_string, |tag, value| {
        if let attrs::Value::Int(v) = value {
            match tag {
                TAG_ABI_FP => fp = Some(attrs::byte(v)),
                TAG_POWER_ABI_VECTOR => vector = Some(attrs::byte(v)),
                _ => {}
            }
        }
    })?;
    match machine {
        em::PPC | em::PPC64 => {
            info.power_fp = fp;
            info.power_vector = vector;
        }
        em::MIPS => {
            if let Some(mips) = info.mips.as_mut() {
                mips.fp_abi = mips.fp_abi.or(fp);
            }
        }
        _ => {}
    }
    Ok(())
}
