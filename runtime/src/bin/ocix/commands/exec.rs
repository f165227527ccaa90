//! `exec`: the process comes from `--process` or from the container's own
//! process with the command line and flags applied on top, as runc does.

use crate::cli::ExecArgs;
use anyhow::Context;
use ocix_runtime::container::exec::{exec, ExecOptions};
use ocix_runtime::spec::{Capabilities, Process, Spec};
use ocix_runtime::state::Store;

pub fn run(store: &Store, a: &ExecArgs) -> anyhow::Result<i32> {
    let process = match &a.process {
        Some(file) => {
            let bytes =
                std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let mut de = serde_json::Deserializer::from_slice(&bytes);
            serde_path_to_error::deserialize(&mut de).map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                anyhow::anyhow!(
                    "{}:{}:{}: {path}: {inner}",
                    file.display(),
                    inner.line(),
                    inner.column()
                )
            })?
        }
        None => from_flags(store, a)?,
    };
    let opts = ExecOptions {
        process,
        console_socket: a.console_socket.clone(),
        detach: a.detach,
        pid_file: a.pid_file.clone(),
        preserve_fds: a.preserve_fds,
    };
    Ok(exec(store, &a.id, &opts)?)
}

fn from_flags(store: &Store, a: &ExecArgs) -> anyhow::Result<Process> {
    if a.command.is_empty() {
        anyhow::bail!("exec needs a command (or --process FILE)");
    }
    let config = store.root().join(&a.id).join("config.json");
    let spec: Spec = std::fs::read(&config)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .with_context(|| format!("container {:?} does not exist", a.id))?;
    let mut p = spec.process.unwrap_or_default();
    p.args = a.command.clone();
    p.terminal = a.tty;
    if let Some(cwd) = &a.cwd {
        p.cwd = cwd.clone();
    }
    for kv in &a.env {
        let key = kv.split('=').next().unwrap_or_default();
        p.env.retain(|e| e.split('=').next() != Some(key));
        p.env.push(kv.clone());
    }
    if let Some(u) = &a.user {
        let (uid, gid) = u.split_once(':').unwrap_or((u, "0"));
        p.user.uid = uid
            .parse()
            .with_context(|| format!("--user {u}: not uid[:gid]"))?;
        p.user.gid = gid
            .parse()
            .with_context(|| format!("--user {u}: not uid[:gid]"))?;
        p.user.username = None;
    }
    if !a.additional_gids.is_empty() {
        p.user.additional_gids = a.additional_gids.clone();
    }
    if !a.cap.is_empty() {
        let caps = p.capabilities.get_or_insert_with(Capabilities::default);
        for set in [&mut caps.bounding, &mut caps.effective, &mut caps.permitted] {
            let list = set.get_or_insert_with(Vec::new);
            list.extend(a.cap.iter().cloned());
        }
    }
    if a.no_new_privs {
        p.no_new_privileges = true;
    }
    Ok(p)
}
