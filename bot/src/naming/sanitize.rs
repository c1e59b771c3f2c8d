//! Turns any string into one safe path component: a name that can be joined onto a
//! library folder without escaping it, that every common filesystem (ext4, NTFS, exFAT,
//! SMB shares Jellyfin often reads from) accepts, and that still reads like the original.
//!
//! The rules, in the order they apply:
//! 1. Control characters (NUL included) and the invisible bidirectional overrides that
//!    can make a name display differently from what it is are dropped.
//! 2. `/ \ < > " | ? *` become `_`: an underscore, not a space, so that the place where a
//!    character was removed stays visible and two words never silently merge.
//! 3. `:` becomes ` -` (`Mission: Impossible` reads `Mission - Impossible`), as the
//!    original bot did.
//! 4. Runs of dots collapse to one dot, so no `..` survives anywhere in the name.
//! 5. Leading and trailing dots and whitespace are stripped (a leading dot hides a file,
//!    a trailing one is dropped silently by Windows).
//! 6. A Windows reserved device name (`CON`, `PRN`, `AUX`, `NUL`, `COM1`-`COM9`,
//!    `LPT1`-`LPT9`, in any case, with or without an extension) gets `_` appended to its
//!    stem: `CON.mkv` becomes `CON_.mkv`.
//! 7. The name is cut to [`MAX_COMPONENT_BYTES`] bytes on a character boundary, keeping a
//!    short extension when there is one.
//! 8. A name left empty becomes `unnamed`.
//!
//! [`sanitize_component`] is idempotent: sanitizing its own output changes nothing.

/// The longest file name most filesystems accept (ext4's and NTFS's limits are 255 bytes
/// or 255 UTF-16 units; bytes is the stricter of the two for UTF-8 names).
pub const MAX_COMPONENT_BYTES: usize = 255;

/// What an empty (or all-invalid) name becomes.
pub const EMPTY_NAME: &str = "unnamed";

/// An extension longer than this is treated as part of the name when truncating: a real
/// media extension is short, and keeping a long "extension" would eat the whole budget.
const MAX_KEPT_EXTENSION_BYTES: usize = 16;

/// Returns `raw` made into a single safe path component (see the module docs).
pub fn sanitize_component(raw: &str) -> String {
    let mut name = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            c if c.is_control() || is_bidi_control(c) => {}
            '/' | '\\' | '<' | '>' | '"' | '|' | '?' | '*' => name.push('_'),
            ':' => name.push_str(" -"),
            // Only one dot of a run is kept: `..` never reaches the result.
            '.' if name.ends_with('.') => {}
            c => name.push(c),
        }
    }
    let mut name = trim_dots_and_spaces(&name).to_owned();
    avoid_reserved_name(&mut name);
    let name = truncate_keeping_extension(&name, MAX_COMPONENT_BYTES);
    let name = trim_dots_and_spaces(&name);
    if name.is_empty() {
        EMPTY_NAME.to_owned()
    } else {
        name.to_owned()
    }
}

/// Cuts `name` to at most `max_bytes` bytes on a character boundary, keeping its extension
/// (the part from the last dot, when it is short) so the file still opens as what it is.
fn truncate_keeping_extension(name: &str, max_bytes: usize) -> String {
    if name.len() <= max_bytes {
        return name.to_owned();
    }
    let extension = name
        .rfind('.')
        .map(|dot| &name[dot..])
        .filter(|ext| ext.len() <= MAX_KEPT_EXTENSION_BYTES && ext.len() < max_bytes);
    match extension {
        Some(extension) => {
            let stem = &name[..name.len() - extension.len()];
            let stem = trim_dots_and_spaces(cut_at_char_boundary(stem, max_bytes - extension.len()));
            format!("{stem}{extension}")
        }
        None => cut_at_char_boundary(name, max_bytes).to_owned(),
    }
}

/// The longest prefix of `s` that is at most `max_bytes` long and ends on a char boundary.
pub(crate) fn cut_at_char_boundary(s: &str, max_bytes: usize) -> &str {
    if s.len() <= max_bytes {
        return s;
    }
    let mut end = max_bytes;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn trim_dots_and_spaces(s: &str) -> &str {
    s.trim_matches(|c: char| c == '.' || c.is_whitespace())
}

/// Windows refuses these names (the stem before the first dot decides), and a library on
/// an SMB share or an exFAT disk inherits the rule.
fn avoid_reserved_name(name: &mut String) {
    // Windows also ignores spaces before the dot: `CON .mkv` is `CON` too.
    let stem = name[..name.find('.').unwrap_or(name.len())].trim_end();
    if is_reserved_device_name(stem) {
        name.insert(stem.len(), '_');
    }
}

fn is_reserved_device_name(stem: &str) -> bool {
    let upper = stem.to_ascii_uppercase();
    match upper.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" => true,
        _ => {
            let bytes = upper.as_bytes();
            bytes.len() == 4
                && (upper.starts_with("COM") || upper.starts_with("LPT"))
                && (b'1'..=b'9').contains(&bytes[3])
        }
    }
}

/// The Unicode controls that reorder displayed text (U+202A-U+202E, U+2066-U+2069, and
/// the marks U+200E/U+200F): `evil\u{202E}vkm.exe` would otherwise display as `evilexe.mkv`.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expected: &str) {
        let actual = sanitize_component(input);
        assert_eq!(actual, expected, "sanitize_component({input:?})");
        assert_eq!(sanitize_component(&actual), actual, "not idempotent on {input:?}");
    }

    #[test]
    fn ordinary_names_are_kept() {
        check("Inception (2010) [1080p].mkv", "Inception (2010) [1080p].mkv");
        check("Amélie (2001)", "Amélie (2001)");
        check("千と千尋の神隠し.mkv", "千と千尋の神隠し.mkv");
        check("S.W.A.T", "S.W.A.T");
    }

    #[test]
    fn forbidden_characters_are_replaced() {
        check("Mission: Impossible", "Mission - Impossible");
        check("AC/DC - Back in Black.mp3", "AC_DC - Back in Black.mp3");
        check(r#"a\b<c>d"e|f?g*h"#, "a_b_c_d_e_f_g_h");
        check("What If...?", "What If._");
    }

    #[test]
    fn control_characters_and_nul_are_dropped() {
        check("a\u{0}b", "ab");
        check("\u{0}", EMPTY_NAME);
        check("line\nbreak\ttab\r.mkv", "linebreaktab.mkv");
        check("evil\u{202E}vkm.exe", "evilvkm.exe");
        check("\u{7f}del", "del");
    }

    #[test]
    fn hostile_paths_become_one_component() {
        check("../../etc/passwd", "_._etc_passwd");
        check("/abs/path", "_abs_path");
        check("..", EMPTY_NAME);
        check(".", EMPTY_NAME);
        check("....", EMPTY_NAME);
        check(" . . ", EMPTY_NAME);
        check("..\\..\\windows", "_._windows");
        check("a/../b", "a_._b");
        check(".hidden", "hidden");
        check("trailing.  ", "trailing");
        check("", EMPTY_NAME);
    }

    #[test]
    fn reserved_windows_names_get_a_suffix() {
        check("CON", "CON_");
        check("con.mkv", "con_.mkv");
        check("NUL.tar.gz", "NUL_.tar.gz");
        check("COM1", "COM1_");
        check("lpt9.srt", "lpt9_.srt");
        check("COM0", "COM0");
        check("CONSOLE.mkv", "CONSOLE.mkv");
        check("AUX (2010)", "AUX (2010)");
        check("con .mkv", "con_ .mkv");
    }

    #[test]
    fn long_names_are_cut_to_255_bytes_keeping_the_extension() {
        let long = format!("{}.mkv", "a".repeat(300));
        let cut = sanitize_component(&long);
        assert_eq!(cut.len(), MAX_COMPONENT_BYTES);
        assert_eq!(cut, format!("{}.mkv", "a".repeat(251)));

        // Three bytes a character: the cut must land on a boundary, never inside one.
        let wide = format!("{}.mkv", "千".repeat(100));
        let cut = sanitize_component(&wide);
        assert!(cut.len() <= MAX_COMPONENT_BYTES, "{} bytes", cut.len());
        assert_eq!(cut, format!("{}.mkv", "千".repeat(83)));

        // No extension to keep: a plain cut.
        assert_eq!(sanitize_component(&"b".repeat(300)), "b".repeat(255));

        // A cut that ends on a dot or space leaves none behind.
        let dotted = format!("{} x.mkv", "c".repeat(250));
        assert_eq!(sanitize_component(&dotted), format!("{}.mkv", "c".repeat(250)));
    }
}
