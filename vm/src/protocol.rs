//! The byte streams between the guest agent and the host: frames
//! `[kind u8][len u32 big-endian][payload]`, payloads at most
//! [`MAX_PAYLOAD`] bytes ([`MAX_DIGEST_PAYLOAD`] for a digest). The
//! decoder takes bytes as they come and never panics: anything that is
//! not a frame is an error.
//!
//! Kinds are only ever added. A host that does not know a kind fails on
//! it, so the agent sends a newer kind only when the job asked for it: a
//! [`Kind::Digest`] frame only to a host that asked to verify the bundle.
//!
//! Towards the guest, frames flow only to an agent that said
//! [`Kind::Ready`]: one [`Kind::Clock`], then, to an agent whose boot job
//! said `wait`, one [`Kind::Job`], the bundle as [`Kind::Bundle`] frames
//! and one empty [`Kind::End`].

/// Largest payload of one frame.
pub const MAX_PAYLOAD: usize = 64 * 1024;

/// Bytes before the payload.
pub const HEADER_LEN: usize = 5;

/// Largest payload of a [`Kind::Digest`] frame: `sha512:` and 128 hex
/// digits fit with room to spare.
pub const MAX_DIGEST_PAYLOAD: usize = 256;

/// What a frame carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bytes of the container's stdout.
    Stdout = 1,
    /// Bytes of the container's stderr.
    Stderr = 2,
    /// The container's exit code, an `i32` big-endian; the last frame.
    Exit = 3,
    /// The agent failed; UTF-8 message; the last frame.
    Error = 4,
    /// A diagnostic line from the agent.
    Log = 5,
    /// What the agent found the bundle it received to be, as text
    /// (`sha256:<hex>`); sent once, before any output, when asked.
    Digest = 6,
    /// The agent booted and waits for the host's clock, and for its job
    /// when its boot job said `wait`.
    Ready = 7,
    /// Host to guest: the run's job, as JSON.
    Job = 8,
    /// Host to guest: bytes of the bundle, a cpio `newc` stream.
    Bundle = 9,
    /// Host to guest: the bundle is complete.
    End = 10,
    /// Host to guest: its wall clock as it sent the frame, seconds since
    /// the epoch (`i64`) and nanoseconds (`u32`), big-endian.
    Clock = 11,
}

impl Kind {
    fn from_byte(b: u8) -> Option<Kind> {
        Some(match b {
            1 => Kind::Stdout,
            2 => Kind::Stderr,
            3 => Kind::Exit,
            4 => Kind::Error,
            5 => Kind::Log,
            6 => Kind::Digest,
            7 => Kind::Ready,
            8 => Kind::Job,
            9 => Kind::Bundle,
            10 => Kind::End,
            11 => Kind::Clock,
            _ => return None,
        })
    }
}

/// One decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// What it carries.
    pub kind: Kind,
    /// The payload.
    pub payload: Vec<u8>,
}

impl Frame {
    /// The exit code of an [`Kind::Exit`] frame.
    pub fn exit_code(&self) -> Result<i32, ProtocolError> {
        let b: [u8; 4] = self
            .payload
            .as_slice()
            .try_into()
            .map_err(|_| ProtocolError::BadExit(self.payload.len()))?;
        Ok(i32::from_be_bytes(b))
    }

    /// The time of a [`Kind::Clock`] frame: seconds and nanoseconds
    /// since the epoch.
    pub fn clock(&self) -> Result<(i64, u32), ProtocolError> {
        let bad = || ProtocolError::BadClock(self.payload.clone());
        let (secs, nanos) = self.payload.split_at_checked(8).ok_or_else(bad)?;
        let secs = i64::from_be_bytes(secs.try_into().map_err(|_| bad())?);
        let nanos = u32::from_be_bytes(nanos.try_into().map_err(|_| bad())?);
        if nanos >= 1_000_000_000 {
            return Err(bad());
        }
        Ok((secs, nanos))
    }

    /// The text of a [`Kind::Digest`] frame: printable ASCII, one
    /// `name:value` token. What it means is the caller's business.
    pub fn digest(&self) -> Result<&str, ProtocolError> {
        let bad = || ProtocolError::BadDigest(String::from_utf8_lossy(&self.payload).into_owned());
        let text = std::str::from_utf8(&self.payload).map_err(|_| bad())?;
        let printable = text.bytes().all(|b| b.is_ascii_graphic());
        let token = text
            .split_once(':')
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty());
        if !printable || !token {
            return Err(bad());
        }
        Ok(text)
    }
}

/// A stream that is not a sequence of frames.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// An unknown kind byte.
    #[error("unknown frame kind {0:#04x}")]
    UnknownKind(u8),
    /// A length over [`MAX_PAYLOAD`].
    #[error("frame of {0} bytes exceeds the {MAX_PAYLOAD}-byte limit")]
    TooLong(u32),
    /// A digest frame over [`MAX_DIGEST_PAYLOAD`].
    #[error("digest frame of {0} bytes exceeds the {MAX_DIGEST_PAYLOAD}-byte limit")]
    DigestTooLong(u32),
    /// A digest frame that is not one printable `name:value` token.
    #[error("malformed digest frame {0:?}")]
    BadDigest(String),
    /// An exit frame whose payload is not 4 bytes.
    #[error("exit frame with a {0}-byte payload")]
    BadExit(usize),
    /// A clock frame that is not 8 + 4 bytes of a valid time.
    #[error("malformed clock frame {0:02x?}")]
    BadClock(Vec<u8>),
}

/// Appends `payload` as frames of `kind`, split at [`MAX_PAYLOAD`]. An
/// empty payload gives one empty frame.
pub fn encode(kind: Kind, payload: &[u8], out: &mut Vec<u8>) {
    let mut chunks = payload.chunks(MAX_PAYLOAD).peekable();
    if chunks.peek().is_none() {
        out.push(kind as u8);
        out.extend_from_slice(&0u32.to_be_bytes());
        return;
    }
    for c in chunks {
        out.push(kind as u8);
        out.extend_from_slice(&(c.len() as u32).to_be_bytes());
        out.extend_from_slice(c);
    }
}

/// An exit frame for `code`.
pub fn encode_exit(code: i32, out: &mut Vec<u8>) {
    encode(Kind::Exit, &code.to_be_bytes(), out);
}

/// Appends a [`Kind::Clock`] frame of `at`; a time before the epoch
/// (a host clock set that far back) is sent as the epoch.
pub fn encode_clock(at: std::time::SystemTime, out: &mut Vec<u8>) {
    let since = at.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = i64::try_from(since.as_secs()).unwrap_or(i64::MAX);
    let mut payload = secs.to_be_bytes().to_vec();
    payload.extend_from_slice(&since.subsec_nanos().to_be_bytes());
    encode(Kind::Clock, &payload, out);
}

/// Splits a byte stream into frames.
#[derive(Debug, Default)]
pub struct Decoder {
    buf: Vec<u8>,
    start: usize,
}

impl Decoder {
    /// An empty decoder.
    pub fn new() -> Self {
        Decoder::default()
    }

    /// Adds received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete frame, `None` when more bytes are needed.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, ProtocolError> {
        let rest = self.buf.get(self.start..).unwrap_or_default();
        let Some((&kind, after)) = rest.split_first() else {
            return Ok(None);
        };
        let kind = Kind::from_byte(kind).ok_or(ProtocolError::UnknownKind(kind))?;
        let Some(len) = after.get(..4) else {
            return Ok(None);
        };
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]);
        if len as usize > MAX_PAYLOAD {
            return Err(ProtocolError::TooLong(len));
        }
        if kind == Kind::Digest && len as usize > MAX_DIGEST_PAYLOAD {
            return Err(ProtocolError::DigestTooLong(len));
        }
        let Some(payload) = after.get(4..4 + len as usize) else {
            return Ok(None);
        };
        let frame = Frame {
            kind,
            payload: payload.to_vec(),
        };
        self.start += HEADER_LEN + len as usize;
        if self.start > 4 * MAX_PAYLOAD {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        Ok(Some(frame))
    }

    /// Bytes received but not yet part of a frame.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(d: &mut Decoder) -> Result<Vec<Frame>, ProtocolError> {
        let mut v = Vec::new();
        while let Some(f) = d.next_frame()? {
            v.push(f);
        }
        Ok(v)
    }

    #[test]
    fn round_trips_byte_by_byte() {
        let mut s = Vec::new();
        encode(Kind::Stdout, b"hello\n", &mut s);
        encode(Kind::Stderr, b"", &mut s);
        encode(Kind::Log, b"x", &mut s);
        encode_exit(-7, &mut s);
        let mut d = Decoder::new();
        let mut frames = Vec::new();
        for b in &s {
            d.push(std::slice::from_ref(b));
            frames.extend(decode_all(&mut d).expect("valid"));
        }
        let kinds: Vec<_> = frames.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, [Kind::Stdout, Kind::Stderr, Kind::Log, Kind::Exit]);
        assert_eq!(frames[0].payload, b"hello\n");
        assert_eq!(frames[3].exit_code(), Ok(-7));
        assert_eq!(d.pending(), 0);
    }

    #[test]
    fn splits_large_payloads() {
        let data: Vec<u8> = (0..MAX_PAYLOAD * 2 + 3).map(|i| i as u8).collect();
        let mut s = Vec::new();
        encode(Kind::Stdout, &data, &mut s);
        let mut d = Decoder::new();
        d.push(&s);
        let frames = decode_all(&mut d).expect("valid");
        assert_eq!(frames.len(), 3);
        let joined: Vec<u8> = frames.into_iter().flat_map(|f| f.payload).collect();
        assert_eq!(joined, data);
    }

    #[test]
    fn rejects_bad_kind_and_length() {
        let mut d = Decoder::new();
        d.push(&[12, 0, 0, 0, 0]);
        assert_eq!(d.next_frame(), Err(ProtocolError::UnknownKind(12)));
        let mut d = Decoder::new();
        d.push(&[1, 0, 1, 0, 1]);
        assert_eq!(d.next_frame(), Err(ProtocolError::TooLong(65537)));
        let f = Frame {
            kind: Kind::Exit,
            payload: vec![1],
        };
        assert_eq!(f.exit_code(), Err(ProtocolError::BadExit(1)));
    }

    #[test]
    fn clock_frames_round_trip_and_bad_ones_are_errors() {
        let at = std::time::UNIX_EPOCH + std::time::Duration::new(1_795_000_000, 123_456_789);
        let mut s = Vec::new();
        encode_clock(at, &mut s);
        let mut d = Decoder::new();
        d.push(&s);
        let f = d.next_frame().expect("valid").expect("a frame");
        assert_eq!(f.kind, Kind::Clock);
        assert_eq!(f.clock(), Ok((1_795_000_000, 123_456_789)));
        for payload in [
            vec![0; 11],
            vec![0; 13],
            [vec![0; 8], vec![0x3b, 0x9a, 0xca, 0x00]].concat(),
        ] {
            let f = Frame {
                kind: Kind::Clock,
                payload: payload.clone(),
            };
            assert_eq!(f.clock(), Err(ProtocolError::BadClock(payload)));
        }
    }

    #[test]
    fn digest_frames_round_trip_among_the_others() {
        let text = format!("sha512:{}", "ab".repeat(64));
        let mut s = Vec::new();
        encode(Kind::Log, b"verifying", &mut s);
        encode(Kind::Digest, text.as_bytes(), &mut s);
        encode(Kind::Stdout, b"out", &mut s);
        encode_exit(0, &mut s);
        let mut d = Decoder::new();
        d.push(&s);
        let frames = decode_all(&mut d).expect("valid");
        let kinds: Vec<_> = frames.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, [Kind::Log, Kind::Digest, Kind::Stdout, Kind::Exit]);
        assert_eq!(frames[1].digest(), Ok(text.as_str()));
        assert!(text.len() <= MAX_DIGEST_PAYLOAD);
    }

    /// A digest frame is small: a longer one is refused from its header,
    /// before its payload is buffered.
    #[test]
    fn digest_frames_are_bounded_and_checked() {
        let mut d = Decoder::new();
        d.push(&[6, 0, 0, 1, 1]);
        assert_eq!(d.next_frame(), Err(ProtocolError::DigestTooLong(257)));
        let mut d = Decoder::new();
        d.push(&[6, 0, 0, 1, 0]);
        assert_eq!(d.next_frame(), Ok(None), "256 bytes is allowed");
        for bad in [
            &b""[..],
            b"sha256",
            b":00",
            b"sha256:",
            b"sha256:a b",
            b"sha256:\xff",
        ] {
            let f = Frame {
                kind: Kind::Digest,
                payload: bad.to_vec(),
            };
            assert!(
                matches!(f.digest(), Err(ProtocolError::BadDigest(_))),
                "{bad:?}"
            );
        }
    }

    /// Random bytes in random chunks: the decoder returns frames or an
    /// error, never panics, and never buffers more than one frame's worth.
    #[test]
    fn survives_random_bytes() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..2000 {
            let mut d = Decoder::new();
            let n = (rand() % 300) as usize;
            let bytes: Vec<u8> = (0..n)
                .map(|_| {
                    let r = rand();
                    // Bias towards valid kinds and small lengths.
                    if r % 3 == 0 {
                        (r >> 8) as u8 % 11
                    } else {
                        (r >> 16) as u8
                    }
                })
                .collect();
            for chunk in bytes.chunks(1 + (rand() % 17) as usize) {
                d.push(chunk);
                match decode_all(&mut d) {
                    Ok(_) => assert!(d.pending() <= HEADER_LEN + MAX_PAYLOAD),
                    Err(_) => break,
                }
            }
        }
    }
}
