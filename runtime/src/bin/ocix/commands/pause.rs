use ocix_runtime::container::pause::pause;
use ocix_runtime::state::Store;

pub fn run(store: &Store, id: &str) -> anyhow::Result<i32> {
    pause(store, id)?;
    Ok(0)
}
