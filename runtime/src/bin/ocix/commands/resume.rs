use ocix_runtime::container::resume::resume;
use ocix_runtime::state::Store;

pub fn run(store: &Store, id: &str) -> anyhow::Result<i32> {
    resume(store, id)?;
    Ok(0)
}
