use crate::cli::EventsArgs;
use ocix_runtime::container::events::{parse_duration, stats, watch, Event};
use ocix_runtime::state::Store;
use std::io::Write;

pub fn run(store: &Store, a: &EventsArgs) -> anyhow::Result<i32> {
    let print = |e: &Event| -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, e)?;
        out.write_all(b"\n")?;
        out.flush()
    };
    if a.stats {
        print(&stats(store, &a.id)?)?;
        return Ok(0);
    }
    watch(store, &a.id, parse_duration(&a.interval)?, print)?;
    Ok(0)
}
