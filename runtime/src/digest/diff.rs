//! Comparing two sets of records: which paths were added, removed or
//! changed, and in which attributes; and the mismatch error built on it.

use super::escape::escape;
use super::hash::Digest;
use super::record::Record;
use serde::{Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;

/// How a path differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Present now, not expected.
    Added,
    /// Expected, not present now.
    Removed,
    /// Present in both, with different attributes.
    Changed,
}

/// One path that differs from what was expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// Bundle-relative path, raw bytes (JSON shows the escaped form).
    #[serde(serialize_with = "escaped")]
    pub path: Vec<u8>,
    /// Added, removed or changed.
    pub change: Change,
    /// For changes, the attributes that differ, named as in records
    /// (`type`, `mode`, `uid`, `gid`, `size`, `device`, `target`, `link`,
    /// `content`, `xattr <name>`).
    pub attributes: Vec<String>,
}

fn escaped<S: Serializer>(path: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&escape(path))
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let change = match self.change {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
        };
        write!(f, "{change} {}", escape(&self.path))?;
        if !self.attributes.is_empty() {
            write!(f, ": {}", self.attributes.join(", "))?;
        }
        Ok(())
    }
}

/// Most differences listed in an error message; all are in the value.
const SHOWN: usize = 50;

/// A bundle that is not what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The digest the bundle should have.
    pub expected: Digest,
    /// The digest it has.
    pub actual: Digest,
    /// What differs, path by path. Empty when no manifest describing the
    /// expected digest was at hand to compare with.
    pub differences: Vec<Difference>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bundle digest mismatch: expected {}, found {}",
            self.expected, self.actual
        )?;
        if self.differences.is_empty() {
            return write!(
                f,
                " (no manifest of the expected digest to tell which entries \
                 differ; `ocix digest --manifest BUNDLE/{}` keeps one)",
                super::BUNDLE_MANIFEST
            );
        }
        for d in self.differences.iter().take(SHOWN) {
            write!(f, "\n  {d}")?;
        }
        if self.differences.len() > SHOWN {
            write!(f, "\n  ... and {} more", self.differences.len() - SHOWN)?;
        }
        Ok(())
    }
}

/// Differences from `expected` to `actual`, both sorted by path.
pub fn diff<'a>(
    expected: impl IntoIterator<Item = &'a Record>,
    actual: impl IntoIterator<Item = &'a Record>,
) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut exp = expected.into_iter().peekable();
    let mut act = actual.into_iter().peekable();
    loop {
        let order = match (exp.peek(), act.peek()) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(e), Some(a)) => e.path.cmp(&a.path),
        };
        let (path, change, attributes) = match order {
            Ordering::Less => match exp.next() {
                Some(e) => (e.path.clone(), Change::Removed, Vec::new()),
                None => break,
            },
            Ordering::Greater => match act.next() {
                Some(a) => (a.path.clone(), Change::Added, Vec::new()),
                None => break,
            },
            Ordering::Equal => match (exp.next(), act.next()) {
                (Some(e), Some(a)) => {
                    let attrs = attributes(e, a);
                    if attrs.is_empty() {
                        continue;
                    }
                    (e.path.clone(), Change::Changed, attrs)
                }
                _ => break,
            },
        };
        out.push(Difference {
            path,
            change,
            attributes,
        });
    }
    out
}

/// Names of the attributes that differ between two records of one path.
fn attributes(e: &Record, a: &Record) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut check = |name: &str, differs: bool| {
        if differs {
            out.push(name.to_string());
        }
    };
    check("type", e.kind != a.kind);
    check("mode", e.mode != a.mode);
    check("uid", e.uid != a.uid);
    check("gid", e.gid != a.gid);
    check("size", e.size != a.size);
    check("device", e.device != a.device);
    check(
        if e.kind == super::EntryType::HardLink {
            "link"
        } else {
            "target"
        },
        e.target != a.target,
    );
    check("content", e.content != a.content);
    let mut names: Vec<&[u8]> = e
        .xattrs
        .iter()
        .chain(&a.xattrs)
        .map(|(n, _)| &n[..])
        .collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let value = |r: &'_ Record| {
            r.xattrs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        if value(e) != value(a) {
            out.push(format!("xattr {}", escape(name)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::EntryType;
    use super::*;

    fn dir(path: &str, mode: u32) -> Record {
        let mut r = Record::new(path.as_bytes().to_vec(), EntryType::Dir);
        r.mode = Some(mode);
        r.uid = Some(0);
        r.gid = Some(0);
        r
    }

    #[test]
    fn reports_added_removed_and_changed_attributes() {
        let mut x = dir("c", 0o755);
        x.xattrs = vec![(b"user.k".to_vec(), b"1".to_vec())];
        let exp = [dir("a", 0o755), dir("b", 0o755), x];
        let mut y = dir("c", 0o700);
        y.uid = Some(1);
        let act = [dir("b", 0o755), y, dir("d", 0o755)];
        let got: Vec<String> = diff(&exp, &act).iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            ["removed a", "changed c: mode, uid, xattr user.k", "added d"]
        );
    }

    #[test]
    fn equal_records_give_no_difference() {
        let recs = [dir("a", 0o755), dir("b", 0o1777)];
        assert!(diff(&recs, &recs).is_empty());
    }
}
