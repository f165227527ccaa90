//! Hash algorithms, digests (`sha256:<hex>`) and streaming file hashing.

use super::DigestError;
use sha2::Digest as _;
use std::fmt;
use std::io::{self, Read};
use std::str::FromStr;

/// The hash used both for file contents and for the bundle digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Algorithm {
    /// SHA-256, the default.
    #[default]
    Sha256,
    /// SHA-512.
    Sha512,
}

impl Algorithm {
    /// The name used in digests and manifests (`sha256`).
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// Length of a hash in bytes.
    pub fn hash_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 32,
            Algorithm::Sha512 => 64,
        }
    }

    pub(crate) fn hasher(self) -> Hasher {
        match self {
            Algorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            Algorithm::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Algorithm {
    type Err = DigestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sha256" => Ok(Algorithm::Sha256),
            "sha512" => Ok(Algorithm::Sha512),
            _ => Err(DigestError::Algorithm(s.to_string())),
        }
    }
}

/// A hash tagged with its algorithm, written `sha256:<lowercase hex>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Digest {
    algorithm: Algorithm,
    bytes: Vec<u8>,
}

impl Digest {
    /// A digest from a finished hash of `algorithm`.
    pub(crate) fn from_parts(algorithm: Algorithm, bytes: Vec<u8>) -> Self {
        Digest { algorithm, bytes }
    }

    /// The algorithm that made this digest.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The raw hash.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, hex(&self.bytes))
    }
}

impl FromStr for Digest {
    type Err = DigestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || DigestError::BadDigest(s.to_string());
        let (name, hex_part) = s.split_once(':').ok_or_else(bad)?;
        let algorithm: Algorithm = name.parse()?;
        let bytes = unhex(hex_part).ok_or_else(bad)?;
        if bytes.len() != algorithm.hash_len() {
            return Err(bad());
        }
        Ok(Digest { algorithm, bytes })
    }
}

/// One running hash of either algorithm.
pub(crate) enum Hasher {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }

    pub(crate) fn finish_digest(self, algorithm: Algorithm) -> Digest {
        Digest {
            algorithm,
            bytes: self.finish(),
        }
    }
}

/// Hashes everything `reader` yields through `buf`, never holding more
/// than one buffer of it; returns the hash and the number of bytes read.
pub(crate) fn hash_stream(
    algorithm: Algorithm,
    reader: &mut impl Read,
    buf: &mut [u8],
) -> io::Result<(Vec<u8>, u64)> {
    let mut hasher = algorithm.hasher();
    let mut total = 0u64;
    loop {
        let n = match reader.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((hasher.finish(), total))
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// Parses lowercase hex; `None` on odd length or any other character.
pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        }
    }
    let s = s.as_bytes();
    if s.len() % 2 != 0 {
        return None;
    }
    s.chunks_exact(2)
        .map(|p| Some(nibble(p[0])? << 4 | nibble(p[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let bytes = [0u8, 1, 0x7f, 0x80, 0xff];
        assert_eq!(hex(&bytes), "00017f80ff");
        assert_eq!(unhex("00017f80ff").as_deref(), Some(&bytes[..]));
        assert_eq!(unhex("0"), None);
        assert_eq!(unhex("0G"), None);
        assert_eq!(unhex("AB"), None, "uppercase is not canonical");
    }

    #[test]
    fn digest_parses_only_well_formed_strings() {
        let empty_sha256 =
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let d: Digest = empty_sha256.parse().expect("valid digest");
        assert_eq!(d.to_string(), empty_sha256);
        assert_eq!(
            d,
            Algorithm::Sha256.hasher().finish_digest(Algorithm::Sha256)
        );
        for bad in [
            "sha256:",
            "sha256:00",
            "md5:00",
            "e3b0",
            "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ] {
            assert!(bad.parse::<Digest>().is_err(), "{bad}");
        }
    }

    #[test]
    fn stream_hash_matches_one_shot() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut buf = [0u8; 4096];
        let (h, n) = hash_stream(Algorithm::Sha512, &mut &data[..], &mut buf).expect("in memory");
        assert_eq!(n, 100_000);
        let mut one = Algorithm::Sha512.hasher();
        one.update(&data);
        assert_eq!(h, one.finish());
    }
}
