//! How alike a title parsed from a file name and a title TMDb returned are, and what that
//! means for the file: the 0..1 ratio the original bot compared against `LOW_CONFIDENCE`
//! and `HIGH_CONFIDENCE`.
//!
//! The ratio is Python difflib's `SequenceMatcher(None, a, b).ratio()` (Ratcliff/Obershelp:
//! twice the characters in matching blocks over the total length), computed on titles
//! normalized to lower-case words. The same measure as the original means the same
//! thresholds (0.6 and 0.8 by default) keep the meaning its users tuned them for;
//! normalized Levenshtein, for instance, scores `the office us` against `the office` 0.77
//! where difflib says 0.87. difflib's "autojunk" heuristic only starts at 200 characters;
//! normalized titles are cut below that, so the two agree exactly.

/// What a similarity means for the file (ORIGINAL.md, "Naming").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    /// Below the low threshold: the file goes to `Other/` under its own name.
    Low,
    /// Between the thresholds: renamed, with a warning.
    Medium,
    /// At or above the high threshold: renamed.
    High,
}

/// The two thresholds, `LOW_CONFIDENCE` and `HIGH_CONFIDENCE` in the configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub low: f64,
    pub high: f64,
}

impl Default for Thresholds {
    /// The original bot's defaults.
    fn default() -> Thresholds {
        Thresholds { low: 0.6, high: 0.8 }
    }
}

/// Titles are compared on at most this many characters: beyond it difflib would switch on
/// its autojunk heuristic, and the quadratic matcher would slow down for no gain.
const MAX_COMPARED_CHARS: usize = 199;

/// The similarity of two titles in 0..=1, ignoring case, punctuation and spacing
/// (`Mr. Robot` and `mr robot` are 1.0). 0.0 when either has no letter or digit.
/// As difflib's, the ratio can differ slightly when `a` and `b` swap: pass the parsed
/// title first and TMDb's second, as the original bot did.
pub fn similarity(a: &str, b: &str) -> f64 {
    let a = normalize(a);
    let b = normalize(b);
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let matched = matching_characters(&a, &b);
    // Both lengths are at most MAX_COMPARED_CHARS: the conversion is exact.
    2.0 * matched as f64 / (a.len() + b.len()) as f64
}

/// Sorts a similarity into [`Confidence`]: below `low` is Low, at or above `high` is High,
/// anything between is Medium. A NaN is Low: an unknown similarity never renames.
pub fn decide(similarity: f64, low: f64, high: f64) -> Confidence {
    if similarity.is_nan() || similarity < low {
        Confidence::Low
    } else if similarity >= high {
        Confidence::High
    } else {
        Confidence::Medium
    }
}

/// Lower-case alphanumeric words joined by single spaces, as chars.
fn normalize(title: &str) -> Vec<char> {
    let mut normalized = Vec::with_capacity(title.len());
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            normalized.push(c);
        } else if normalized.last().is_some_and(|last| *last != ' ') {
            normalized.push(' ');
        }
    }
    if normalized.last() == Some(&' ') {
        normalized.pop();
    }
    normalized.truncate(MAX_COMPARED_CHARS);
    normalized
}

/// The number of characters in difflib's matching blocks: the longest common run, then
/// recursively the same left and right of it.
fn matching_characters(a: &[char], b: &[char]) -> usize {
    let mut matched = 0;
    let mut pending = vec![(0, a.len(), 0, b.len())];
    while let Some((a_lo, a_hi, b_lo, b_hi)) = pending.pop() {
        let (i, j, size) = longest_match(a, b, a_lo, a_hi, b_lo, b_hi);
        if size == 0 {
            continue;
        }
        matched += size;
        if a_lo < i && b_lo < j {
            pending.push((a_lo, i, b_lo, j));
        }
        if i + size < a_hi && j + size < b_hi {
            pending.push((i + size, a_hi, j + size, b_hi));
        }
    }
    matched
}

/// difflib's `find_longest_match` without junk: the longest common run of
/// `a[a_lo..a_hi]` and `b[b_lo..b_hi]`, the earliest in `a` on ties, then the earliest in
/// `b`. Returns its start in `a`, its start in `b`, and its length.
fn longest_match(a: &[char], b: &[char], a_lo: usize, a_hi: usize, b_lo: usize, b_hi: usize) -> (usize, usize, usize) {
    let (mut best_i, mut best_j, mut best_size) = (a_lo, b_lo, 0);
    // run_ending_at[j - b_lo + 1]: the length of the common run ending at a[i - 1], b[j].
    let width = b_hi - b_lo + 1;
    let mut previous = vec![0usize; width];
    let mut current = vec![0usize; width];
    for (i, a_char) in a.iter().enumerate().take(a_hi).skip(a_lo) {
        for (j, b_char) in b.iter().enumerate().take(b_hi).skip(b_lo) {
            let slot = j - b_lo + 1;
            current[slot] = if a_char == b_char { previous[slot - 1] + 1 } else { 0 };
            let size = current[slot];
            if size > best_size {
                best_i = i + 1 - size;
                best_j = j + 1 - size;
                best_size = size;
            }
        }
        std::mem::swap(&mut previous, &mut current);
    }
    (best_i, best_j, best_size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(a: &str, b: &str, expected: f64) {
        let actual = similarity(a, b);
        assert!((actual - expected).abs() < 1e-9, "similarity({a:?}, {b:?}) = {actual}, expected {expected}");
    }

    /// The expected values are Python 3's `difflib.SequenceMatcher(None, a, b).ratio()` on
    /// the normalized strings. Like difflib's, the ratio is not always symmetric.
    #[test]
    fn agrees_with_difflib() {
        check("Attack on Titan", "Shingeki no Kyojin", 0.24242424242424243);
        check("abcd", "bcde", 0.75);
        check("the office us", "the office", 0.8695652173913043);
        check("Star Wars Episode IV A New Hope", "Star Wars", 0.45);
        check("Shingeki no Kyojin", "Attack on Titan", 0.12121212121212122);
        check("Blade Runner", "Blade Runner 2049", 0.8275862068965517);
        check("The Matrix", "Matrix", 0.75);
        check("Spirited Away", "Sen to Chihiro no Kamikakushi", 0.23809523809523808);
    }

    #[test]
    fn case_punctuation_and_spacing_do_not_count() {
        check("Mr. Robot", "mr robot", 1.0);
        check("Mission: Impossible", "mission impossible", 1.0);
        check("  Inception  ", "INCEPTION", 1.0);
        check("Amélie", "AMÉLIE", 1.0);
        check("The.Office", "The Office", 1.0);
    }

    #[test]
    fn nothing_to_compare_is_zero() {
        check("", "Inception", 0.0);
        check("...", "...", 0.0);
        check("", "", 0.0);
    }

    #[test]
    fn long_titles_stay_in_range() {
        let long = "a b ".repeat(500);
        let s = similarity(&long, &long);
        assert!((s - 1.0).abs() < 1e-9, "{s}");
        let s = similarity(&long, "a");
        assert!((0.0..=1.0).contains(&s), "{s}");
    }

    #[test]
    fn decide_follows_the_thresholds() {
        let cases = [
            (0.0, Confidence::Low),
            (0.59, Confidence::Low),
            (0.6, Confidence::Medium),
            (0.79, Confidence::Medium),
            (0.8, Confidence::High),
            (1.0, Confidence::High),
            (f64::NAN, Confidence::Low),
        ];
        for (similarity, expected) in cases {
            assert_eq!(decide(similarity, 0.6, 0.8), expected, "decide({similarity})");
        }
    }
}
