use crate::cli::UpdateArgs;
use ocix_runtime::container::update::{parse_size, update};
use ocix_runtime::spec::resources::{BlockIo, Cpu, Memory, Pids};
use ocix_runtime::spec::Resources;
use ocix_runtime::state::Store;
use std::io::Read;

pub fn run(store: &Store, a: &UpdateArgs) -> anyhow::Result<i32> {
    let mut r = match &a.resources {
        Some(p) => read_resources(p)?,
        None => Resources::default(),
    };
    apply_flags(&mut r, a)?;
    for w in update(store, &a.id, &r)? {
        log::warn!("{w}");
    }
    Ok(0)
}

/// `--resources FILE`, or `-` for stdin as containerd sends it.
fn read_resources(p: &std::path::Path) -> anyhow::Result<Resources> {
    let mut text = String::new();
    if p.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text)?;
    } else {
        text = std::fs::read_to_string(p)
            .map_err(|e| anyhow::anyhow!("--resources {}: {e}", p.display()))?;
    }
    let mut de = serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(&mut de)
        .map_err(|e| anyhow::anyhow!("--resources: {} at {}", e.inner(), e.path()))
}

/// The individual flags override the JSON, as in runc.
fn apply_flags(r: &mut Resources, a: &UpdateArgs) -> anyhow::Result<()> {
    let size = |s: &Option<String>| s.as_deref().map(parse_size).transpose();
    let m = r.memory.get_or_insert_with(Memory::default);
    let sizes = [
        (&mut m.limit, size(&a.memory)?),
        (&mut m.reservation, size(&a.memory_reservation)?),
        (&mut m.swap, size(&a.memory_swap)?),
        (&mut m.kernel, size(&a.kernel_memory)?),
        (&mut m.kernel_tcp, size(&a.kernel_memory_tcp)?),
    ];
    for (field, v) in sizes {
        if v.is_some() {
            *field = v;
        }
    }
    if *m == Memory::default() {
        r.memory = None;
    }
    let c = r.cpu.get_or_insert_with(Cpu::default);
    set(&mut c.shares, a.cpu_shares);
    set(&mut c.quota, a.cpu_quota);
    set(&mut c.period, a.cpu_period);
    set(&mut c.realtime_period, a.cpu_rt_period);
    set(&mut c.realtime_runtime, a.cpu_rt_runtime);
    set(&mut c.cpus, a.cpuset_cpus.clone());
    set(&mut c.mems, a.cpuset_mems.clone());
    if *c == Cpu::default() {
        r.cpu = None;
    }
    if let Some(limit) = a.pids_limit {
        r.pids = Some(Pids { limit });
    }
    if let Some(w) = a.blkio_weight {
        r.block_io.get_or_insert_with(BlockIo::default).weight = Some(w);
    }
    Ok(())
}

fn set<T>(field: &mut Option<T>, v: Option<T>) {
    if v.is_some() {
        *field = v;
    }
}
