use crate::cli::{ListFormat, PsArgs};
use ocix_runtime::container::ps::{filter_ps_output, pids};
use ocix_runtime::state::Store;

pub fn run(store: &Store, a: &PsArgs) -> anyhow::Result<i32> {
    let pids = pids(store, &a.id)?;
    if a.format == ListFormat::Json {
        println!("{}", serde_json::to_string(&pids)?);
        return Ok(0);
    }
    let args: Vec<&str> = if a.ps_args.is_empty() {
        vec!["-ef"]
    } else {
        a.ps_args.iter().map(String::as_str).collect()
    };
    let out = std::process::Command::new("ps")
        .args(&args)
        .output()
        .map_err(|e| anyhow::anyhow!("cannot run ps: {e}"))?;
    if !out.status.success() {
        anyhow::bail!(
            "ps {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    print!(
        "{}",
        filter_ps_output(&String::from_utf8_lossy(&out.stdout), &pids)?
    );
    Ok(0)
}
