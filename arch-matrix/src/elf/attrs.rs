//! Build-attribute sections (`.ARM.attributes`, `.gnu.attributes`): walk
//! the file-scope attributes of one vendor.

use object::read::elf::{AttributesSection, FileHeader};

use super::ElfError;

/// One attribute value.
pub(super) enum Value<'data> {
    Int(u64),
    Str(&'data [u8]),
}

/// Calls `f` for each file-scope (`Tag_File`) attribute of `vendor`.
///
/// `is_string(tag)` says which tags carry a string; tag 32
/// (`Tag_compatibility`) carries an integer and a string and is reported
/// as its integer.
pub(super) fn for_each<'data, H: FileHeader>(
    section: &AttributesSection<'data, H>,
    vendor: &[u8],
    is_string: impl Fn(u64) -> bool,
    mut f: impl FnMut(u64, Value<'data>),
) -> Result<(), ElfError> {
    const TAG_FILE: u8 = 1;
    const TAG_COMPATIBILITY: u64 = 32;
    let mut subsections = section.subsections().map_err(ElfError::malformed)?;
    while let Some(sub) = subsections.next().map_err(ElfError::malformed)? {
        if sub.vendor() != vendor {
            continue;
        }
        let mut subsubs = sub.subsubsections();
        while let Some(subsub) = subsubs.next().map_err(ElfError::malformed)? {
            if subsub.tag() != TAG_FILE {
                continue;
            }
            let mut reader = subsub.attributes();
            while let Some(tag) = reader.read_tag().map_err(ElfError::malformed)? {
                let value = if tag == TAG_COMPATIBILITY {
                    let flag = reader.read_integer().map_err(ElfError::malformed)?;
                    reader.read_string().map_err(ElfError::malformed)?;
                    Value::Int(flag)
                } else if is_string(tag) {
                    Value::Str(reader.read_string().map_err(ElfError::malformed)?)
                } else {
                    Value::Int(reader.read_integer().map_err(ElfError::malformed)?)
                };
                f(tag, value);
            }
        }
    }
    Ok(())
}

/// The generic rule: odd tags carry strings, even tags integers.
pub(super) fn odd_is_string(tag: u64) -> bool {
    tag % 2 == 1
}

/// An integer attribute as a byte, saturating.
pub(super) fn byte(v: u64) -> u8 {
    u8::try_from(v).unwrap_or(u8::MAX)
}
