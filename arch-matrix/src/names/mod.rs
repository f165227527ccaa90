//! Every spelling of an architecture, parsed into one [`Arch`].

pub(crate) mod debian;
pub(crate) mod oci;
pub(crate) mod oe;
pub(crate) mod rust;
pub(crate) mod uname;

use crate::error::ArchError;
use crate::model::Arch;
use std::cmp::Reverse;

/// Parses any known spelling. Order matters only where spellings collide,
/// and there the meanings agree (`mips64el` is the same for OE and Debian).
pub(crate) fn parse(name: &str) -> Result<Arch, ArchError> {
    let lower = name.trim().to_ascii_lowercase();
    let s = lower.as_str();
    if let Some(result) = oci::parse_platform(s) {
        return result;
    }
    if let Some(arch) = oe::parse(s) {
        return Ok(arch);
    }
    for table in [debian::NAMES, uname::NAMES] {
        if let Some((_, tune)) = table.iter().find(|(n, _)| *n == s) {
            return oe::parse(tune).ok_or_else(|| unknown(name));
        }
    }
    if oci::ARCHES.contains(&s) {
        return oci::from_arch_variant(s, None, oci::Dialect::Oci);
    }
    rust::parse(s).ok_or_else(|| unknown(name))
}

/// Every known name, each with the table it comes from.
pub(crate) fn all_names() -> impl Iterator<Item = &'static str> {
    let mut names: Vec<&'static str> = oe::OE_TUNES
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    names.extend(oe::EXTRA);
    names.extend(debian::NAMES.iter().map(|(n, _)| *n));
    names.extend(uname::NAMES.iter().map(|(n, _)| *n));
    names.extend(oci::ARCHES);
    names.extend(oci::PLATFORMS);
    names.extend(rust::TRIPLES);
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(*n));
    names.into_iter()
}

/// An [`ArchError::Unknown`] for `name` with the nearest known names.
pub(crate) fn unknown(name: &str) -> ArchError {
    ArchError::Unknown {
        name: name.to_owned(),
        suggestions: suggestions(name),
    }
}

/// Up to three known names nearest to `name` by edit distance, within a
/// distance of a third of its length (at least 2).
fn suggestions(name: &str) -> Vec<String> {
    let name = name.trim().to_ascii_lowercase();
    let limit = (name.chars().count() / 3).max(2);
    // Among names as near, those that share a longer start with `name`
    // first: `armv7` suggests `armv7a` before `armv4`.
    let mut scored: Vec<(usize, Reverse<usize>, &str)> = all_names()
        .map(|n| (edit_distance(&name, n), Reverse(common_prefix(&name, n)), n))
        .filter(|(d, _, _)| *d <= limit)
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(3)
        .map(|(_, _, n)| n.to_owned())
        .collect()
}

/// How many leading chars `a` and `b` share.
fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = substitute.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("armv7ahf", "armv7ahf"), 0);
        assert_eq!(edit_distance("armv7hf", "armv7ahf"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn nearer_starts_are_suggested_first() {
        assert_eq!(suggestions("armv7")[0], "armv7a");
        assert!(suggestions("mips32r2el-74k").contains(&"mips32r2el-74kc".to_owned()));
    }
}
