pub fn run() -> anyhow::Result<i32> {
    println!(
        "{}",
        serde_json::to_string_pretty(&ocix_runtime::features::features())?
    );
    Ok(0)
}
