//! A synthetic ELF of any size, laid out as linkers lay out big programs:
//! headers at the start, the section header table at the very end, so
//! `inspect_path` must read both ends of the file.

const EHDR: usize = 64;
const PHDR: usize = 56;
const SHDR: usize = 64;
const INTERP: &[u8] = b"/lib64/ld-linux-x86-64.so.2\0";
const SHSTRTAB: &[u8] = b"\0.interp\0.shstrtab\0";

/// An x86-64 executable of exactly `size` bytes with a `PT_INTERP`, an
/// `.interp` and a `.shstrtab` section. `size` must leave room for the
/// headers (a few hundred bytes).
pub fn synthetic_elf(size: usize) -> Vec<u8> {
    let interp_off = EHDR + 2 * PHDR;
    let shoff = size - 3 * SHDR;
    let strtab_off = shoff - SHSTRTAB.len();
    assert!(strtab_off >= interp_off + INTERP.len(), "size too small");
    let mut f = vec![0u8; size];
    let put = |f: &mut Vec<u8>, at: usize, bytes: &[u8]| {
        f[at..at + bytes.len()].copy_from_slice(bytes);
    };
    // ELF header: ELFCLASS64, little-endian, ET_EXEC, EM_X86_64.
    put(&mut f, 0, b"\x7fELF\x02\x01\x01");
    put(&mut f, 16, &2u16.to_le_bytes());
    put(&mut f, 18, &62u16.to_le_bytes());
    put(&mut f, 20, &1u32.to_le_bytes());
    put(&mut f, 24, &0x40_1000u64.to_le_bytes());
    put(&mut f, 32, &(EHDR as u64).to_le_bytes());
    put(&mut f, 40, &(shoff as u64).to_le_bytes());
    for (at, v) in [
        (52, EHDR),
        (54, PHDR),
        (56, 2),
        (58, SHDR),
        (60, 3),
        (62, 2),
    ] {
        put(&mut f, at, &(v as u16).to_le_bytes());
    }
    // PT_INTERP, then one PT_LOAD covering the file.
    let phdr = |kind: u32, flags: u32, off: usize, len: usize, align: u64| {
        let mut p = Vec::with_capacity(PHDR);
        p.extend(kind.to_le_bytes());
        p.extend(flags.to_le_bytes());
        p.extend((off as u64).to_le_bytes());
        p.extend((0x40_0000 + off as u64).to_le_bytes());
        p.extend((0x40_0000 + off as u64).to_le_bytes());
        p.extend((len as u64).to_le_bytes());
        p.extend((len as u64).to_le_bytes());
        p.extend(align.to_le_bytes());
        p
    };
    put(&mut f, EHDR, &phdr(3, 4, interp_off, INTERP.len(), 1));
    put(&mut f, EHDR + PHDR, &phdr(1, 5, 0, size, 0x1000));
    put(&mut f, interp_off, INTERP);
    put(&mut f, strtab_off, SHSTRTAB);
    // Section headers: null, .interp (PROGBITS, ALLOC), .shstrtab.
    let shdr = |name: u32, kind: u32, flags: u64, off: usize, len: usize| {
        let mut s = Vec::with_capacity(SHDR);
        s.extend(name.to_le_bytes());
        s.extend(kind.to_le_bytes());
        s.extend(flags.to_le_bytes());
        s.extend(0u64.to_le_bytes());
        s.extend((off as u64).to_le_bytes());
        s.extend((len as u64).to_le_bytes());
        s.extend([0u8; 8]);
        s.extend(1u64.to_le_bytes());
        s.extend(0u64.to_le_bytes());
        s
    };
    put(
        &mut f,
        shoff + SHDR,
        &shdr(1, 1, 2, interp_off, INTERP.len()),
    );
    put(
        &mut f,
        shoff + 2 * SHDR,
        &shdr(9, 3, 0, strtab_off, SHSTRTAB.len()),
    );
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inspects_as_an_x86_64_program_with_a_loader() {
        for size in [4096, 1 << 20] {
            let f = synthetic_elf(size);
            assert_eq!(f.len(), size);
            let info = ocix_arch_matrix::elf::inspect(&f).expect("inspect");
            assert_eq!((info.bits, info.machine), (64, 62));
            assert_eq!(
                info.interpreter.as_deref(),
                Some("/lib64/ld-linux-x86-64.so.2")
            );
        }
    }
}
