use crate::cli::DeleteArgs;
use ocix_runtime::container::delete::delete;
use ocix_runtime::state::Store;

pub fn run(store: &Store, a: &DeleteArgs) -> anyhow::Result<i32> {
    delete(store, &a.id, a.force)?;
    Ok(0)
}
