use crate::cli::SpecArgs;
use ocix_runtime::spec::default_spec;

/// Writes `config.json`; refuses to overwrite one, as runc does.
pub fn run(a: &SpecArgs) -> anyhow::Result<i32> {
    let dir = match &a.bundle {
        Some(b) => b.clone(),
        None => std::env::current_dir()?,
    };
    let file = dir.join("config.json");
    if file.exists() {
        anyhow::bail!("File {} exists. Remove it first", file.display());
    }
    let spec = default_spec(
        a.rootless,
        nix::unistd::geteuid().as_raw(),
        nix::unistd::getegid().as_raw(),
    );
    let mut text = serde_json::to_string_pretty(&spec)?;
    text.push('\n');
    std::fs::write(&file, text)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", file.display()))?;
    Ok(0)
}
