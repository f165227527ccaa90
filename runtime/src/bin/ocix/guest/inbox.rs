//! The agent's side of a fed guest (see `ocix_vm::snapshot`): it says
//! ready, sets the clock the host answers with, receives the run's job
//! and the bundle over its channel when it waits for them, and makes a
//! restored guest's randomness fresh again.

use super::job::Job;
use anyhow::Context;
use ocix_vm::protocol::{encode, Decoder, Frame, Kind};
use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

/// Says ready and sets the clock to the host's in the first frame back:
/// a booted guest's starts at 1970, a restored one's where it was saved.
/// Then, if `wait`, reads the job and unpacks the bundle under `/`.
pub fn receive(port: &mut File, wait: bool) -> anyhow::Result<Option<Job>> {
    let mut ready = Vec::new();
    encode(Kind::Ready, b"", &mut ready);
    port.write_all(&ready)
        .and_then(|()| port.flush())
        .context("write to the host channel")?;
    let mut inbox = Inbox {
        port,
        dec: Decoder::new(),
    };
    let clock = inbox.next()?;
    if clock.kind != Kind::Clock {
        anyhow::bail!(
            "expected the clock from the host, got a {:?} frame",
            clock.kind
        );
    }
    set_clock(clock.clock().context("clock from the host")?)?;
    if !wait {
        return Ok(None);
    }
    let first = inbox.next()?;
    if first.kind != Kind::Job {
        anyhow::bail!(
            "expected the job from the host, got a {:?} frame",
            first.kind
        );
    }
    let job: Job = serde_json::from_slice(&first.payload).context("cannot parse the job")?;
    let mut bundle = BundleReader {
        inbox: &mut inbox,
        chunk: Vec::new(),
        at: 0,
        ended: false,
    };
    ocix_vm::unpack::unpack(&mut bundle, Path::new("/")).context("cannot unpack the bundle")?;
    // Whatever follows the archive's trailer, up to the end frame.
    std::io::copy(&mut bundle, &mut std::io::sink()).context("read the bundle")?;
    Ok(Some(job))
}

fn set_clock((secs, nanos): (i64, u32)) -> anyhow::Result<()> {
    let ts = libc::timespec {
        tv_sec: libc::time_t::try_from(secs).context("the host's clock is out of range")?,
        tv_nsec: nanos as _,
    };
    // SAFETY: clock_settime reads one timespec we own.
    if unsafe { libc::clock_settime(libc::CLOCK_REALTIME, &ts) } != 0 {
        return Err(std::io::Error::last_os_error()).context("set the clock");
    }
    Ok(())
}

/// Frames from the host, read from the channel as they come.
struct Inbox<'a> {
    port: &'a mut File,
    dec: Decoder,
}

impl Inbox<'_> {
    fn next(&mut self) -> anyhow::Result<Frame> {
        let mut buf = [0u8; 16 * 1024];
        loop {
            if let Some(f) = self.dec.next_frame().context("frame from the host")? {
                return Ok(f);
            }
            let n = self.port.read(&mut buf).context("read the host channel")?;
            if n == 0 {
                anyhow::bail!("the host closed the channel before sending the bundle");
            }
            self.dec.push(&buf[..n]);
        }
    }
}

/// The payloads of bundle frames as one stream, ending at the end frame.
struct BundleReader<'a, 'b> {
    inbox: &'a mut Inbox<'b>,
    chunk: Vec<u8>,
    at: usize,
    ended: bool,
}

impl Read for BundleReader<'_, '_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.chunk.len() {
            if self.ended {
                return Ok(0);
            }
            let f = self.inbox.next().map_err(std::io::Error::other)?;
            match f.kind {
                Kind::Bundle => {
                    self.chunk = f.payload;
                    self.at = 0;
                }
                Kind::End => self.ended = true,
                other => {
                    return Err(std::io::Error::other(format!(
                        "expected bundle frames, got a {other:?} frame"
                    )))
                }
            }
        }
        let n = out.len().min(self.chunk.len() - self.at);
        out[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Credits the host's randomness to the kernel's pool, which reseeds
/// its generator: every restore of a saved guest would otherwise draw the
/// same numbers, and a guest without an entropy source never gets a ready
/// generator.
pub fn refresh(job: &Job) -> anyhow::Result<()> {
    if let Some(seed) = &job.seed {
        let bytes: [u8; SEED_LEN] = seed
            .as_slice()
            .try_into()
            .context("job: seed is not 32 bytes")?;
        let urandom = std::fs::File::open("/dev/urandom").context("open /dev/urandom")?;
        credit(&urandom, bytes).context("seed the kernel's random generator")?;
    }
    Ok(())
}

/// Bytes of randomness the host sends.
const SEED_LEN: usize = 32;

/// `struct rand_pool_info` of <linux/random.h> with its buffer.
#[repr(C)]
struct PoolInfo {
    entropy_count: libc::c_int,
    buf_size: libc::c_int,
    buf: [u8; SEED_LEN],
}

// RNDADDENTROPY, `_IOW('R', 0x03, int[2])`, and RNDRESEEDCRNG,
// `_IO('R', 0x07)`; nix encodes them for the architecture built for.
nix::ioctl_write_ptr!(rnd_add_entropy, b'R', 0x03, [libc::c_int; 2]);
nix::ioctl_none!(rnd_reseed_crng, b'R', 0x07);

/// Mixes `seed` into the input pool crediting all its bits: a generator
/// that was not ready becomes ready, reseeded from the pool. One that was
/// is reseeded explicitly.
fn credit(urandom: &File, seed: [u8; SEED_LEN]) -> nix::Result<()> {
    use std::os::fd::AsRawFd;
    let info = PoolInfo {
        entropy_count: (SEED_LEN * 8) as libc::c_int,
        buf_size: SEED_LEN as libc::c_int,
        buf: seed,
    };
    // SAFETY: RNDADDENTROPY reads a rand_pool_info header and `buf_size`
    // bytes after it; `info` is exactly that, alive for the call.
    unsafe { rnd_add_entropy(urandom.as_raw_fd(), std::ptr::from_ref(&info).cast()) }?;
    // SAFETY: RNDRESEEDCRNG takes no argument; the descriptor is open.
    match unsafe { rnd_reseed_crng(urandom.as_raw_fd()) } {
        // ENODATA: not ready, which crediting just made it.
        Ok(_) | Err(nix::errno::Errno::ENODATA) => Ok(()),
        Err(e) => Err(e),
    }
}
