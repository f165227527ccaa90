//! Logs in runc's shapes, which containerd and podman parse: logrus text
//! (`time="…" level=info msg="…"`) or one JSON object per line with
//! runc's keys `level`, `msg` and `time`.
//!
//! A small `log::Log` of its own rather than `tracing`, to keep the binary
//! and its resident size small (the target is 5 MiB for `ocix run`).

use anyhow::{anyhow, Context};
use log::{Level, LevelFilter, Log, Metadata, Record};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Mutex;

/// Sends the `log` macros to `file` (appended to, created 0600) or to
/// stderr, as JSON lines if `json`, else logrus text. Debug records only
/// with `debug`; info, warnings and errors always. Call once, first thing.
pub fn init(file: Option<&Path>, json: bool, debug: bool) -> anyhow::Result<()> {
    let out: Box<dyn Write + Send> = match file {
        Some(path) => Box::new(open_log(path)?),
        None => Box::new(std::io::stderr()),
    };
    let max = if debug {
        LevelFilter::Debug
    } else {
        LevelFilter::Info
    };
    let logger = Logger::new(out, json, max);
    log::set_logger(Box::leak(Box::new(logger))).map_err(|_| anyhow!("a logger is already set"))?;
    log::set_max_level(max);
    Ok(())
}

fn open_log(path: &Path) -> anyhow::Result<File> {
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot open log file {}", path.display()))
}

struct Logger {
    /// Each record is one write, so that lines from concurrent ocix
    /// processes appending to one file do not interleave.
    out: Mutex<Box<dyn Write + Send>>,
    json: bool,
    max: LevelFilter,
}

impl Logger {
    fn new(out: Box<dyn Write + Send>, json: bool, max: LevelFilter) -> Logger {
        Logger {
            out: Mutex::new(out),
            json,
            max,
        }
    }
}

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= self.max
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let msg = record.args().to_string();
        let time = ocix_runtime::state::rfc3339_now();
        let line = if self.json {
            json_line(record.level(), &msg, &time)
        } else {
            text_line(record.level(), &msg, &time)
        };
        // A panic elsewhere while logging must not silence later records.
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        // Nowhere to report a failure to log.
        let _ = out.write_all(line.as_bytes());
        let _ = out.flush();
    }

    fn flush(&self) {
        let _ = self.out.lock().unwrap_or_else(|p| p.into_inner()).flush();
    }
}

/// logrus's level names (it says `warning`, not `warn`).
fn level_name(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warn => "warning",
        Level::Info => "info",
        Level::Debug => "debug",
        Level::Trace => "trace",
    }
}

/// `{"level":"info","msg":"…","time":"…"}`, keys sorted as logrus sorts them.
fn json_line(level: Level, msg: &str, time: &str) -> String {
    let s = |v: &str| serde_json::Value::from(v).to_string();
    format!(
        "{{\"level\":{},\"msg\":{},\"time\":{}}}\n",
        s(level_name(level)),
        s(msg),
        s(time)
    )
}

/// `time="…" level=info msg="…"`, quoted where logrus quotes.
fn text_line(level: Level, msg: &str, time: &str) -> String {
    format!(
        "time={} level={} msg={}\n",
        logrus_value(time),
        level_name(level),
        logrus_value(msg)
    )
}

/// A value as logrus's text formatter writes it: bare if it holds only
/// `[A-Za-z0-9-._/@^+]`, else quoted as Go's `%q` would.
fn logrus_value(v: &str) -> String {
    let bare = |c: char| c.is_ascii_alphanumeric() || "-._/@^+".contains(c);
    if v.chars().all(bare) {
        v.to_string()
    } else {
        go_quote(v)
    }
}

/// Go's `strconv.Quote`, close enough for log lines: C escapes for the
/// usual controls, `\xNN` for other ASCII controls, `\uNNNN` for other
/// control characters; printable text stays as it is.
fn go_quote(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0b' => out.push_str("\\v"),
            '\x0c' => out.push_str("\\f"),
            c if c.is_ascii_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const T: &str = "2024-05-01T12:00:00.000000000Z";

    #[test]
    fn text_matches_logrus() {
        assert_eq!(
            text_line(Level::Info, "container started", T),
            format!("time=\"{T}\" level=info msg=\"container started\"\n")
        );
        assert_eq!(
            text_line(Level::Warn, "ok/fine-1.0", T),
            format!("time=\"{T}\" level=warning msg=ok/fine-1.0\n")
        );
        assert_eq!(
            go_quote("say \"hi\"\n\tC:\\x \x07\x1b\u{85}é"),
            r#""say \"hi\"\n\tC:\\x \a\x1b\u0085é""#
        );
    }

    #[test]
    fn json_has_runcs_keys_and_escapes() {
        let msg = "quote \" backslash \\ newline \n nul \0 é";
        let line = json_line(Level::Error, msg, T);
        assert!(line.starts_with("{\"level\":\"error\",\"msg\":"), "{line}");
        assert!(
            line.ends_with("}\n") && line.matches('\n').count() == 1,
            "{line}"
        );
        let v: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
        let obj = v.as_object().expect("object");
        assert_eq!(obj.len(), 3);
        assert_eq!(obj["level"], "error");
        assert_eq!(obj["msg"], msg);
        assert_eq!(obj["time"], T);
    }

    fn log_to(logger: &Logger, level: Level, msg: &str) {
        logger.log(
            &Record::builder()
                .level(level)
                .args(format_args!("{msg}"))
                .build(),
        );
    }

    #[test]
    fn file_is_0600_appended_and_filtered_by_level() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log.json");
        std::fs::write(&path, "earlier\n").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let logger = Logger::new(
            Box::new(open_log(&path).expect("open")),
            true,
            LevelFilter::Info,
        );
        log_to(&logger, Level::Debug, "hidden");
        log_to(&logger, Level::Info, "shown");
        log_to(&logger, Level::Warn, "careful");
        let text = std::fs::read_to_string(&path).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(lines[0], "earlier");
        let levels: Vec<(String, String)> = lines[1..]
            .iter()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("json");
                (v["level"].to_string(), v["msg"].to_string())
            })
            .collect();
        assert_eq!(
            levels,
            [
                ("\"info\"".into(), "\"shown\"".into()),
                ("\"warning\"".into(), "\"careful\"".into())
            ]
        );

        let fresh = dir.path().join("new.log");
        let logger = Logger::new(
            Box::new(open_log(&fresh).expect("open")),
            false,
            LevelFilter::Debug,
        );
        log_to(&logger, Level::Debug, "now shown");
        let mode = std::fs::metadata(&fresh)
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let text = std::fs::read_to_string(&fresh).expect("read");
        assert!(
            text.starts_with("time=\"") && text.ends_with(" level=debug msg=\"now shown\"\n"),
            "{text}"
        );
    }
}
