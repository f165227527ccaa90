//! The parent ⇄ child channel used during `create`: a SEQPACKET socket pair
//! carrying small tagged messages and, for consoles, one file descriptor.

use nix::sys::socket::{
    recvmsg, sendmsg, socketpair, AddressFamily, ControlMessage, ControlMessageOwned, MsgFlags,
    SockFlag, SockType,
};
use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// What the two sides say to each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    /// Intermediate process: namespaces joined; map my ids, place me.
    Spawned,
    /// Intermediate process: the container's init has this host pid.
    InitPid(i32),
    /// Init: namespaces and mounts are ready; run prestart/createRuntime.
    HooksReady,
    /// Init: the terminal's master end follows as an fd.
    ConsoleMaster,
    /// Init: created; waiting for `start`.
    Created,
    /// Either side: carry on.
    Go,
    /// Child: a fatal error, as text.
    Error(String),
    /// Parent: the state JSON hooks inside the container get on stdin.
    State(String),
}

/// Largest message; a state JSON beyond this is cut (annotations that big
/// are not seen in practice).
const MAX: usize = 64 * 1024;

impl Msg {
    fn encode(&self) -> Vec<u8> {
        let (tag, body): (u8, Vec<u8>) = match self {
            Msg::Spawned => (1, vec![]),
            Msg::InitPid(p) => (2, p.to_le_bytes().to_vec()),
            Msg::HooksReady => (3, vec![]),
            Msg::ConsoleMaster => (4, vec![]),
            Msg::Created => (5, vec![]),
            Msg::Go => (6, vec![]),
            Msg::Error(s) => (7, s.as_bytes().iter().take(MAX - 1).copied().collect()),
            Msg::State(s) => (8, s.as_bytes().iter().take(MAX - 1).copied().collect()),
        };
        let mut out = Vec::with_capacity(1 + body.len());
        out.push(tag);
        out.extend(body);
        out
    }

    fn decode(buf: &[u8]) -> io::Result<Msg> {
        let bad = || io::Error::new(io::ErrorKind::InvalidData, "malformed sync message");
        let (&tag, body) = buf.split_first().ok_or_else(bad)?;
        Ok(match tag {
            1 => Msg::Spawned,
            2 => Msg::InitPid(i32::from_le_bytes(body.try_into().map_err(|_| bad())?)),
            3 => Msg::HooksReady,
            4 => Msg::ConsoleMaster,
            5 => Msg::Created,
            6 => Msg::Go,
            7 => Msg::Error(String::from_utf8_lossy(body).into_owned()),
            8 => Msg::State(String::from_utf8_lossy(body).into_owned()),
            _ => return Err(bad()),
        })
    }
}

/// One end of the channel.
#[derive(Debug)]
pub struct Channel {
    fd: OwnedFd,
}

/// A connected pair: (parent end, child end).
pub fn pair() -> io::Result<(Channel, Channel)> {
    let (a, b) = socketpair(
        AddressFamily::Unix,
        SockType::SeqPacket,
        None,
        SockFlag::SOCK_CLOEXEC,
    )?;
    Ok((Channel { fd: a }, Channel { fd: b }))
}

impl Channel {
    pub fn send(&self, msg: &Msg) -> io::Result<()> {
        self.send_with_fd(msg, None)
    }

    /// Sends a message, optionally with a file descriptor (SCM_RIGHTS).
    pub fn send_with_fd(&self, msg: &Msg, fd: Option<RawFd>) -> io::Result<()> {
        let bytes = msg.encode();
        let iov = [IoSlice::new(&bytes)];
        let fds = fd.map(|f| [f]);
        let cmsg: Vec<ControlMessage> = fds.iter().map(|f| ControlMessage::ScmRights(f)).collect();
        sendmsg::<()>(
            self.fd.as_raw_fd(),
            &iov,
            &cmsg,
            MsgFlags::MSG_NOSIGNAL,
            None,
        )?;
        Ok(())
    }

    /// Receives one message; `Ok(None)` when the other side closed.
    pub fn recv(&self) -> io::Result<Option<(Msg, Option<OwnedFd>)>> {
        let mut buf = vec![0u8; MAX];
        let mut iov = [IoSliceMut::new(&mut buf)];
        let mut space = nix::cmsg_space!([RawFd; 1]);
        let r = loop {
            match recvmsg::<()>(
                self.fd.as_raw_fd(),
                &mut iov,
                Some(&mut space),
                MsgFlags::MSG_CMSG_CLOEXEC,
            ) {
                Err(nix::errno::Errno::EINTR) => continue,
                other => break other?,
            }
        };
        let mut fd = None;
        for c in r.cmsgs()? {
            if let ControlMessageOwned::ScmRights(list) = c {
                for f in list {
                    // SAFETY: the kernel installed this descriptor for us
                    // just now; nothing else refers to it.
                    let owned = unsafe { OwnedFd::from_raw_fd(f) };
                    if fd.is_none() {
                        fd = Some(owned);
                    }
                }
            }
        }
        let n = r.bytes;
        if n == 0 {
            return Ok(None);
        }
        Ok(Some((Msg::decode(&buf[..n])?, fd)))
    }

    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip() {
        let (a, b) = pair().expect("socketpair");
        for m in [
            Msg::Spawned,
            Msg::InitPid(4242),
            Msg::HooksReady,
            Msg::Created,
            Msg::Go,
            Msg::Error("boom".into()),
            Msg::State("{}".into()),
        ] {
            a.send(&m).expect("send");
            let (got, fd) = b.recv().expect("recv").expect("message");
            assert_eq!(got, m);
            assert!(fd.is_none());
        }
        drop(a);
        assert!(b.recv().expect("recv").is_none());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(Msg::decode(&[]).is_err());
        assert!(Msg::decode(&[2, 1]).is_err());
        assert!(Msg::decode(&[99]).is_err());
    }
}
