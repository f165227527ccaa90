use ocix_runtime::container::start::start;
use ocix_runtime::state::Store;

pub fn run(store: &Store, id: &str) -> anyhow::Result<i32> {
    start(store, id)?;
    Ok(0)
}
