//! A self-contained SVG chart of the samples: one panel per phase, one
//! row per runtime with a box plot (min–max whiskers, quartile box,
//! median bar) over the individual runs, an axis in ms and a legend.

use super::stats::Summary;
use super::{Phase, Series};
use std::fmt::Write;

const WIDTH: f64 = 860.0;
const LEFT: f64 = 120.0;
const RIGHT: f64 = 36.0;
const ROW: f64 = 26.0;
const HEAD: f64 = 22.0;
const AXIS: f64 = 30.0;
const PALETTE: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
];

/// The chart as an SVG document.
pub fn render(series: &[Series], title: &str) -> String {
    let mut body = Svg::default();
    body.text(12.0, 24.0, "start", "font-size=\"16\"", title);
    let mut x = 12.0;
    for (k, s) in series.iter().enumerate() {
        body.rect(x, 36.0, 12.0, 12.0, &format!("fill=\"{}\"", color(k)));
        body.text(x + 18.0, 46.0, "start", "font-size=\"12\"", &s.runtime.name);
        x += 30.0 + 8.0 * s.runtime.name.chars().count() as f64;
    }
    let mut y = 64.0;
    for p in Phase::ALL {
        y = panel(&mut body, series, p, y) + 14.0;
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{y:.0}\" \
         viewBox=\"0 0 {WIDTH} {y:.0}\" font-family=\"sans-serif\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n{}</svg>\n",
        body.0
    )
}

fn color(k: usize) -> &'static str {
    PALETTE[k % PALETTE.len()]
}

/// Draws phase `p` from `top`; returns the panel's bottom.
fn panel(svg: &mut Svg, series: &[Series], p: Phase, top: f64) -> f64 {
    svg.text(12.0, top + 15.0, "start", "font-weight=\"bold\"", p.name());
    let max = series
        .iter()
        .flat_map(|s| s.samples(p).iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let (step, end) = ticks(max);
    let x = |v: f64| LEFT + (v / end).clamp(0.0, 1.0) * (WIDTH - LEFT - RIGHT);
    let rows_top = top + HEAD;
    let axis_y = rows_top + ROW * series.len() as f64 + 4.0;
    let mut t = 0.0;
    while t <= end + step / 2.0 {
        let grid = "stroke=\"#ddd\"";
        svg.line(x(t), rows_top, x(t), axis_y, grid);
        svg.line(x(t), axis_y, x(t), axis_y + 4.0, "stroke=\"#333\"");
        let label = format!("{} ms", tick_label(t, step));
        svg.text(x(t), axis_y + 16.0, "middle", "font-size=\"10\"", &label);
        t += step;
    }
    svg.line(x(0.0), axis_y, x(end), axis_y, "stroke=\"#333\"");
    for (k, s) in series.iter().enumerate() {
        let cy = rows_top + ROW * k as f64 + ROW / 2.0;
        svg.text(
            LEFT - 8.0,
            cy + 4.0,
            "end",
            "font-size=\"12\"",
            &s.runtime.name,
        );
        if let Some(m) = Summary::of(s.samples(p)) {
            boxplot(svg, &m, cy, color(k), &x);
        }
        for (i, v) in s.samples(p).iter().enumerate() {
            let jitter = ((i * 37) % 13) as f64 * 0.8 - 4.8;
            let style = format!("fill=\"{}\" fill-opacity=\"0.5\"", color(k));
            svg.circle(x(*v), cy + jitter, 2.0, &style);
        }
    }
    axis_y + AXIS
}

fn boxplot(svg: &mut Svg, m: &Summary, cy: f64, c: &str, x: &dyn Fn(f64) -> f64) {
    let stroke = format!("stroke=\"{c}\"");
    svg.line(x(m.min), cy, x(m.max), cy, &stroke);
    for v in [m.min, m.max] {
        svg.line(x(v), cy - 5.0, x(v), cy + 5.0, &stroke);
    }
    let fill = format!("fill=\"{c}\" fill-opacity=\"0.2\" {stroke}");
    svg.rect(x(m.q1), cy - 8.0, (x(m.q3) - x(m.q1)).max(1.0), 16.0, &fill);
    let bar = format!("{stroke} stroke-width=\"3\"");
    svg.line(x(m.median), cy - 10.0, x(m.median), cy + 10.0, &bar);
}

/// A 1-2-5 tick step giving about five ticks up to `max`, and the axis end.
fn ticks(max: f64) -> (f64, f64) {
    if max.is_nan() || max <= 0.0 {
        return (0.2, 1.0);
    }
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|f| f * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    (step, (max / step).ceil().max(1.0) * step)
}

fn tick_label(t: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    format!("{t:.decimals$}")
}

/// Appends SVG elements; every text is escaped.
#[derive(Default)]
struct Svg(String);

impl Svg {
    fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, style: &str) {
        let _ = writeln!(
            self.0,
            "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" {style}/>"
        );
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, style: &str) {
        let _ = writeln!(
            self.0,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" {style}/>"
        );
    }

    fn circle(&mut self, cx: f64, cy: f64, r: f64, style: &str) {
        let _ = writeln!(
            self.0,
            "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{r:.1}\" {style}/>"
        );
    }

    fn text(&mut self, x: f64, y: f64, anchor: &str, style: &str, s: &str) {
        let _ = writeln!(
            self.0,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" {style}>{}</text>",
            escape(s)
        );
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::report::tests::sample_series;

    /// Balanced tags, quoted attributes, no stray `<` or `&`.
    fn well_formed(doc: &str) -> Result<(), String> {
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = doc;
        while let Some(open) = rest.find('<') {
            check_text(&rest[..open])?;
            let close = rest[open..].find('>').ok_or("unclosed tag")? + open;
            let tag = &rest[open + 1..close];
            rest = &rest[close + 1..];
            if tag.starts_with('?') {
                continue;
            }
            if tag.matches('"').count() % 2 != 0 || tag.contains('<') {
                return Err(format!("bad tag <{tag}>"));
            }
            if let Some(name) = tag.strip_prefix('/') {
                if stack.pop() != Some(name.trim()) {
                    return Err(format!("unbalanced </{name}>"));
                }
            } else if !tag.ends_with('/') {
                stack.push(tag.split_whitespace().next().ok_or("empty tag")?);
            }
        }
        check_text(rest)?;
        match stack.is_empty() {
            true => Ok(()),
            false => Err(format!("unclosed {stack:?}")),
        }
    }

    fn check_text(t: &str) -> Result<(), String> {
        for (i, _) in t.match_indices('&') {
            let ent = &t[i..];
            if !["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                .iter()
                .any(|e| ent.starts_with(e))
            {
                return Err(format!("bare & in {t:?}"));
            }
        }
        Ok(())
    }

    #[test]
    fn chart_is_well_formed_and_names_runtimes() {
        let mut s = sample_series(5);
        s[1].runtime.name = "r<&>\"'".into();
        let doc = render(&s, "bundle <a & b>");
        well_formed(&doc).expect("well-formed");
        assert!(doc.contains(">ocix<") && doc.contains("r&lt;&amp;&gt;&quot;&apos;"));
        assert!(doc.contains(" ms<") && doc.contains(">total<"));
    }

    #[test]
    fn checker_rejects_broken_documents() {
        assert!(well_formed("<a><b></a></b>").is_err());
        assert!(well_formed("<a>x & y</a>").is_err());
        assert!(well_formed("<a x=\"1></a>").is_err());
    }

    #[test]
    fn empty_series_still_renders() {
        let doc = render(&sample_series(0), "empty");
        well_formed(&doc).expect("well-formed");
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(ticks(47.0), (10.0, 50.0));
        let (step, end) = ticks(0.3);
        assert!((step - 0.1).abs() < 1e-12 && (end - 0.3).abs() < 1e-9);
        assert_eq!(ticks(0.0), (0.2, 1.0));
        assert_eq!(tick_label(0.25, 0.05), "0.25");
        assert_eq!(tick_label(20.0, 10.0), "20");
    }
}
