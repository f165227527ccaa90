use ocix_runtime::container::query::state;
use ocix_runtime::state::Store;

pub fn run(store: &Store, id: &str) -> anyhow::Result<i32> {
    let s = state(store, id)?;
    println!("{}", serde_json::to_string_pretty(&s.to_spec_json())?);
    Ok(0)
}
