//! A minimal client of QEMU's machine protocol (QMP), for what the
//! snapshot needs: run a command, read its answer, skip the events.
//!
//! QEMU listens on the socket (`-qmp unix:PATH,server=on,wait=off`)
//! from its start-up, so connecting retries only while the socket does
//! not exist yet; the caller's timeout bounds it.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;

use crate::VmError;

/// A QMP session in command mode.
#[derive(Debug)]
pub struct Qmp {
    lines: Lines<BufReader<OwnedReadHalf>>,
    w: OwnedWriteHalf,
}

impl Qmp {
    /// Connects to QEMU's QMP socket at `path` and leaves capabilities
    /// negotiation.
    pub async fn connect(path: &Path) -> Result<Qmp, VmError> {
        let stream = loop {
            match UnixStream::connect(path).await {
                Ok(s) => break s,
                // Not there yet, or there but not listening yet.
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
                    ) =>
                {
                    tokio::time::sleep(Duration::from_millis(2)).await
                }
                Err(e) => return Err(VmError::io(format!("connect {}", path.display()))(e)),
            }
        };
        let (r, w) = stream.into_split();
        let mut q = Qmp {
            lines: BufReader::new(r).lines(),
            w,
        };
        // The greeting, then the negotiation that enables commands.
        q.next_message().await?;
        q.execute("qmp_capabilities", None).await?;
        Ok(q)
    }

    /// Runs `command` with `arguments`; returns its `return` value.
    pub async fn execute(
        &mut self,
        command: &str,
        arguments: Option<Value>,
    ) -> Result<Value, VmError> {
        let mut msg = serde_json::json!({ "execute": command });
        if let Some(a) = arguments {
            msg["arguments"] = a;
        }
        let mut line = msg.to_string();
        line.push('\n');
        self.w
            .write_all(line.as_bytes())
            .await
            .map_err(VmError::io("QEMU monitor write"))?;
        loop {
            let mut reply = self.next_message().await?;
            if let Some(r) = reply.get_mut("return") {
                return Ok(r.take());
            }
            if let Some(e) = reply.get("error") {
                let desc = e.get("desc").and_then(Value::as_str).unwrap_or("failed");
                return Err(VmError::Monitor(format!("{command}: {desc}")));
            }
            // An event: not the answer.
        }
    }

    async fn next_message(&mut self) -> Result<Value, VmError> {
        let line = self
            .lines
            .next_line()
            .await
            .map_err(VmError::io("QEMU monitor read"))?
            .ok_or_else(|| VmError::Monitor("QEMU closed its monitor".into()))?;
        serde_json::from_str(&line)
            .map_err(|e| VmError::Monitor(format!("unreadable monitor message ({e}): {line}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    /// A fake QEMU on the socket: greets, answers the negotiation with an
    /// event first, then one command with an error.
    #[test]
    fn skips_events_and_reports_errors() {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("qmp");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let listener = tokio::net::UnixListener::bind(&path).expect("bind");
            let fake = tokio::spawn(async move {
                let (mut s, _) = listener.accept().await.expect("accept");
                s.write_all(b"{\"QMP\": {\"version\": {}}}\n")
                    .await
                    .expect("greet");
                let mut got = Vec::new();
                let mut buf = [0u8; 512];
                while !got.ends_with(b"\n") {
                    let n = s.read(&mut buf).await.expect("read");
                    got.extend_from_slice(&buf[..n]);
                }
                s.write_all(b"{\"event\": \"RESUME\"}\n{\"return\": {}}\n")
                    .await
                    .expect("answer");
                got.clear();
                while !got.ends_with(b"\n") {
                    let n = s.read(&mut buf).await.expect("read");
                    got.extend_from_slice(&buf[..n]);
                }
                s.write_all(b"{\"error\": {\"class\": \"GenericError\", \"desc\": \"no way\"}}\n")
                    .await
                    .expect("answer");
                String::from_utf8(got).expect("utf-8")
            });
            let mut q = Qmp::connect(&path).await.expect("connects");
            let e = q
                .execute("migrate", Some(serde_json::json!({"uri": "file:/x"})))
                .await
                .expect_err("error answer");
            assert_eq!(e.to_string(), "QEMU monitor: migrate: no way");
            let sent = fake.await.expect("fake");
            let v: Value = serde_json::from_str(sent.trim()).expect("json");
            assert_eq!(v["execute"], "migrate");
            assert_eq!(v["arguments"]["uri"], "file:/x");
        });
    }
}
