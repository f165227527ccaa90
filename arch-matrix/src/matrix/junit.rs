//! JUnit XML, as CI systems read it: one `<testcase>` per cell.

use std::fmt::Write;

use crate::matrix::{CellResult, Status, Summary};

/// A `<testsuites>` document with one suite named `suite`. Each cell is a
/// testcase named `arch (backend)`, with `<failure>` (timeouts too) or
/// `<skipped>` carrying the reason, and the captured output in
/// `<system-out>`/`<system-err>`, escaped (no CDATA, so `]]>` is safe;
/// characters XML 1.0 forbids are written as `\xNN`).
pub fn junit(results: &[CellResult], suite: &str) -> String {
    let s = Summary::of(results);
    let time: f64 = results.iter().map(|r| r.wall.as_secs_f64()).sum();
    let counts = format!(
        "tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{time:.3}\"",
        s.total(),
        s.failed + s.timed_out,
        s.skipped
    );
    let name = attr(suite);
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(x, "<testsuites name=\"{name}\" {counts}>");
    let _ = writeln!(x, "  <testsuite name=\"{name}\" {counts}>");
    for r in results {
        let _ = writeln!(
            x,
            "    <testcase name=\"{}\" classname=\"{name}\" time=\"{:.3}\">",
            attr(&r.cell.name()),
            r.wall.as_secs_f64()
        );
        match &r.status {
            Status::Passed => {}
            Status::Failed { reason } => element(&mut x, "failure", "failed", reason),
            Status::TimedOut { .. } => {
                let why = r.status.reason().unwrap_or_default();
                element(&mut x, "failure", "timeout", &why);
            }
            Status::Skipped { reason } => {
                let _ = writeln!(x, "      <skipped message=\"{}\"/>", attr(reason));
            }
        }
        output(&mut x, "system-out", &r.stdout);
        output(&mut x, "system-err", &r.stderr);
        x.push_str("    </testcase>\n");
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

fn element(x: &mut String, tag: &str, kind: &str, reason: &str) {
    let _ = writeln!(
        x,
        "      <{tag} message=\"{}\" type=\"{kind}\">{}</{tag}>",
        attr(first_line(reason)),
        text(reason)
    );
}

fn output(x: &mut String, tag: &str, bytes: &[u8]) {
    if !bytes.is_empty() {
        let s = String::from_utf8_lossy(bytes);
        let _ = writeln!(x, "      <{tag}>{}</{tag}>", text(&s));
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// Escapes character data.
fn text(s: &str) -> String {
    escape(s, false)
}

/// Escapes an attribute value (quotes and line breaks too).
fn attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, in_attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attr => out.push_str("&quot;"),
            '\n' | '\r' | '\t' if in_attr => {
                let _ = write!(out, "&#{};", c as u32);
            }
            '\n' | '\r' | '\t' => out.push(c),
            c if !xml_char(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// XML 1.0's `Char` production (tab, newline and return handled above).
fn xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::report::tests::sample;

    #[test]
    fn one_testcase_per_cell_with_failure_skipped_and_output() {
        let x = junit(&sample(), "ocix matrix");
        assert!(x.contains(
            "<testsuites name=\"ocix matrix\" tests=\"4\" failures=\"2\" errors=\"0\" skipped=\"1\""
        ));
        assert_eq!(x.matches("<testcase ").count(), 4);
        assert!(x.contains("<testcase name=\"armv7ahf (emulate)\""));
        assert!(x.contains("<system-out>armv7l\n&lt;42&gt; &amp; ]]&gt; \\x1b[0m\n</system-out>"));
        assert!(x.contains(
            "<failure message=\"exit code 1: ocix: ELF 32-bit ARM &quot;x&quot; &lt;y&gt;\" type=\"failed\">"
        ));
        assert!(x.contains("<failure message=\"timed out after 3.00s\" type=\"timeout\">"));
        assert!(x.contains("<skipped message=\"no qemu-ppc64\"/>"));
    }

    #[test]
    fn escapes_what_xml_forbids() {
        assert_eq!(attr("a\"b\nc\td<"), "a&quot;b&#10;c&#9;d&lt;");
        assert_eq!(text("x\u{0}y\u{fffe}\u{1F600}"), "x\\x00y\\xfffe\u{1F600}");
    }

    /// Well-formedness by a real XML parser: python3's minidom.
    #[test]
    fn python_minidom_parses_it() {
        use std::io::Write as _;
        use std::process::{Command, Stdio};
        let script = "import sys, xml.dom.minidom as m\n\
            d = m.parseString(sys.stdin.buffer.read())\n\
            print(len(d.getElementsByTagName('testcase')))";
        let child = Command::new("python3")
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let Ok(mut child) = child else {
            assert!(std::env::var_os("CI").is_none(), "python3 is missing");
            eprintln!("SKIPPED: python_minidom_parses_it because python3 is missing");
            return;
        };
        let xml = junit(&sample(), "m & <x>");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(xml.as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("python3");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "not well-formed: {err}\n{xml}");
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "4");
    }
}
