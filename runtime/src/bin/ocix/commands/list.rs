use crate::cli::{ListArgs, ListFormat};
use ocix_runtime::container::list::list;
use ocix_runtime::state::Store;

pub fn run(store: &Store, a: &ListArgs) -> anyhow::Result<i32> {
    let all = list(store)?;
    if a.quiet {
        for s in &all {
            println!("{}", s.id);
        }
        return Ok(0);
    }
    match a.format {
        ListFormat::Json => {
            let v: Vec<_> = all.iter().map(|s| s.to_spec_json()).collect();
            println!("{}", serde_json::to_string(&v)?);
        }
        ListFormat::Table => {
            let rows: Vec<[String; 6]> = all
                .iter()
                .map(|s| {
                    let pid = if s.status == ocix_runtime::state::Status::Stopped {
                        0
                    } else {
                        s.pid
                    };
                    [
                        s.id.clone(),
                        pid.to_string(),
                        s.status.to_string(),
                        s.bundle.clone(),
                        s.created.clone(),
                        s.owner.clone(),
                    ]
                })
                .collect();
            print_table(["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"], &rows);
        }
    }
    Ok(0)
}

fn print_table(head: [&str; 6], rows: &[[String; 6]]) {
    let mut width = head.map(str::len);
    for r in rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.len());
        }
    }
    let line = |cells: [&str; 6]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(width)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", parts.join("   ").trim_end());
    };
    line(head);
    for r in rows {
        line([&r[0], &r[1], &r[2], &r[3], &r[4], &r[5]].map(|s| s.as_str()));
    }
}
