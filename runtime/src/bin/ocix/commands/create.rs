use crate::cli::CreateArgs;
use ocix_runtime::container::create::create;
use ocix_runtime::state::Store;

pub fn run(store: &Store, a: &CreateArgs) -> anyhow::Result<i32> {
    let opts = super::create_options(&a.opts, None)?;
    create(store, &a.id, &opts)?;
    Ok(0)
}
