use crate::cli::KillArgs;
use ocix_runtime::container::kill::{kill, parse_signal};
use ocix_runtime::state::Store;

pub fn run(store: &Store, a: &KillArgs) -> anyhow::Result<i32> {
    kill(store, &a.id, parse_signal(&a.signal)?, a.all)?;
    Ok(0)
}
