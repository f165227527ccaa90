//! Percent-escaping of raw path and xattr-name bytes, so that records are
//! printable ASCII with no spaces and no `#` or `=`, whatever the bytes.

/// Whether `b` is written as itself; every other byte is written `%XX`.
fn is_plain(b: u8) -> bool {
    (0x21..=0x7e).contains(&b) && !matches!(b, b'%' | b'#' | b'=')
}

/// Escapes `bytes`: bytes other than printable ASCII (0x21..=0x7e), and
/// `%`, `#` and `=`, become `%` and two uppercase hex digits.
pub(crate) fn escape(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        if is_plain(b) {
            s.push(char::from(b));
        } else {
            s.push('%');
            s.push(char::from(DIGITS[usize::from(b >> 4)]));
            s.push(char::from(DIGITS[usize::from(b & 0xf)]));
        }
    }
    s
}

/// Reverses [`escape`]; `None` unless `s` is exactly what `escape` writes.
pub(crate) fn unescape(s: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let s = s.as_bytes();
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b == b'%' {
            let hi = nibble(*s.get(i + 1)?)?;
            let lo = nibble(*s.get(i + 2)?)?;
            let v = hi << 4 | lo;
            if is_plain(v) {
                return None;
            }
            out.push(v);
            i += 3;
        } else if is_plain(b) {
            out.push(b);
            i += 1;
        } else {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips() {
        let all: Vec<u8> = (0..=255).collect();
        let e = escape(&all);
        assert!(e.bytes().all(is_plain_or_percent));
        assert_eq!(unescape(&e), Some(all));
    }

    fn is_plain_or_percent(b: u8) -> bool {
        is_plain(b) || b == b'%'
    }

    #[test]
    fn escapes_what_would_break_a_record() {
        assert_eq!(escape(b"a b#c=d%e"), "a%20b%23c%3Dd%25e");
        assert_eq!(escape("caf\u{e9}".as_bytes()), "caf%C3%A9");
        assert_eq!(escape(b"\n\xff"), "%0A%FF");
    }

    #[test]
    fn rejects_non_canonical_forms() {
        for bad in ["%41", "%0a", "%2", "%", "a b", "\u{e9}", "a=b"] {
            assert_eq!(unescape(bad), None, "{bad:?}");
        }
    }
}
