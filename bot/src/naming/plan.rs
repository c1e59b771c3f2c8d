//! Where an identified file goes: the Jellyfin layout of CONTRACT.md ("Library layout"),
//! the check that a planned path stays inside its library folder, and the ` (2)` suffix
//! that keeps a new file from overwriting an old one. All pure: the disk is consulted only
//! through the `exists` function the caller passes to [`unique_name`].
//!
//! | category | path |
//! |---|---|
//! | Movie | `MOVIES_DIR/Title (Year)/Title (Year) [1080p].ext` |
//! | Tv | `TV_DIR/Show/Season 01/Show - S01E02 [720p].ext` |
//! | Anime | `ANIME_DIR/Show/Season 01/Show - S01E02 [1080p].ext` |
//! | Music | `MUSIC_DIR/original name.ext` (flat: the file name is all there is to go on) |
//! | Other | `OTHER_DIR/original name.ext` |
//!
//! ` (Year)` and ` [res]` are left out when unknown. Every component goes through
//! [`sanitize_component`], which is what keeps any title, however hostile, one component.

use std::path::{Component, Path, PathBuf};

use super::identify::{Category, Identified};
use super::sanitize::{cut_at_char_boundary, sanitize_component, MAX_COMPONENT_BYTES};

/// The library folders, one a category (`MOVIES_DIR`, `TV_DIR`, `ANIME_DIR`, `MUSIC_DIR`,
/// `OTHER_DIR` in the configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryDirs {
    pub movies: PathBuf,
    pub tv: PathBuf,
    pub anime: PathBuf,
    pub music: PathBuf,
    pub other: PathBuf,
}

impl LibraryDirs {
    /// The default folders under `base` (`BASE_DIR`): `Movies`, `TV`, `Anime`, `Music`,
    /// `Other`.
    pub fn under(base: &Path) -> LibraryDirs {
        LibraryDirs {
            movies: base.join("Movies"),
            tv: base.join("TV"),
            anime: base.join("Anime"),
            music: base.join("Music"),
            other: base.join("Other"),
        }
    }

    /// The folder a category's files go in.
    pub fn root(&self, category: Category) -> &Path {
        match category {
            Category::Movie => &self.movies,
            Category::Tv => &self.tv,
            Category::Anime => &self.anime,
            Category::Music => &self.music,
            Category::Other => &self.other,
        }
    }
}

/// Up to this many ` (n)` suffixes are tried before [`unique_name`] gives up.
pub const MAX_NAME_ATTEMPTS: u32 = 10_000;

/// The path `identified` belongs at, inside `library.root(identified.category)`.
pub fn plan_path(identified: &Identified, library: &LibraryDirs) -> PathBuf {
    let root = library.root(identified.category);
    let resolution = identified.resolution.as_deref().map(|r| format!(" [{r}]")).unwrap_or_default();
    let extension = identified.extension.as_deref().map(|e| format!(".{e}")).unwrap_or_default();
    match identified.category {
        Category::Movie => {
            let year = identified.year.map(|y| format!(" ({y})")).unwrap_or_default();
            let folder = format!("{}{year}", identified.title);
            let file = format!("{folder}{resolution}{extension}");
            root.join(sanitize_component(&folder)).join(sanitize_component(&file))
        }
        Category::Tv | Category::Anime => {
            let season = identified.season.unwrap_or(1);
            let show_folder = root.join(sanitize_component(&identified.title)).join(format!("Season {season:02}"));
            let file = match identified.episode {
                Some(episode) => format!("{} - S{season:02}E{episode:02}{resolution}{extension}", identified.title),
                // Nothing to number the file by: it keeps its own name in the right season.
                None => identified.original_name.clone(),
            };
            show_folder.join(sanitize_component(&file))
        }
        Category::Music | Category::Other => root.join(sanitize_component(&identified.original_name)),
    }
}

/// Whether `path` lies strictly below `root`, judged on the names alone (no disk access,
/// no symlinks followed): `path` starts with every component of `root`, and what follows
/// is at least one plain name (no `..`, no `.`, no root or drive prefix).
pub fn is_inside(root: &Path, path: &Path) -> bool {
    let mut rest = path.components();
    for root_component in root.components() {
        if rest.next() != Some(root_component) {
            return false;
        }
    }
    let mut below = rest.peekable();
    below.peek().is_some() && below.all(|c| matches!(c, Component::Normal(_)))
}

/// `path` itself when `exists` says it is free, otherwise the first free one of
/// `Name (2).ext`, `Name (3).ext`, ... (kept within 255 bytes by shortening the name).
/// `None` when [`MAX_NAME_ATTEMPTS`] names are all taken: better to refuse than overwrite.
pub fn unique_name(path: &Path, exists: impl Fn(&Path) -> bool) -> Option<PathBuf> {
    if !exists(path) {
        return Some(path.to_owned());
    }
    let file_name = path.file_name()?.to_string_lossy();
    // The extension is what follows the last dot, as Path::extension reads it.
    let (stem, extension) = match file_name.rfind('.') {
        Some(dot) if dot > 0 => (&file_name[..dot], &file_name[dot..]),
        _ => (&file_name[..], ""),
    };
    (2..=MAX_NAME_ATTEMPTS).find_map(|n| {
        let suffix = format!(" ({n}){extension}");
        let budget = MAX_COMPONENT_BYTES.saturating_sub(suffix.len());
        let shortened = cut_at_char_boundary(stem, budget);
        let candidate = path.with_file_name(format!("{}{suffix}", shortened.trim_end()));
        (!exists(&candidate)).then_some(candidate)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;
    use crate::naming::identify::identify;
    use crate::naming::identify::tests::one_piece;
    use crate::naming::identify::TmdbMatch;
    use crate::naming::parse::parse;
    use crate::naming::similarity::Thresholds;

    fn library() -> LibraryDirs {
        LibraryDirs::under(Path::new("/srv/jellyfin"))
    }

    /// The path relative to the library's base, as CONTRACT.md writes it.
    fn relative(path: &Path) -> String {
        path.strip_prefix("/srv/jellyfin")
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| format!("OUTSIDE THE LIBRARY: {}", path.display()))
    }

    #[track_caller]
    fn check(name: &str, tmdb_match: Option<TmdbMatch>, expected: &str) {
        let identified = identify(&parse(name), tmdb_match.as_ref(), Thresholds::default());
        let planned = plan_path(&identified, &library());
        assert_eq!(relative(&planned), expected, "plan_path for {name:?}");
        let root = library().root(identified.category).to_owned();
        assert!(is_inside(&root, &planned), "{} is not inside {}", planned.display(), root.display());
    }

    #[test]
    fn the_contract_layout() {
        check("Inception.2010.1080p.BluRay.x264.mkv", None, "Movies/Inception (2010)/Inception (2010) [1080p].mkv");
        check(
            "Breaking.Bad.S01E02.720p.HDTV.x264.mkv",
            None,
            "TV/Breaking Bad/Season 01/Breaking Bad - S01E02 [720p].mkv",
        );
        check(
            "[SubsPlease] One Piece - S01E07 (1080p) [ABCD1234].mkv",
            Some(one_piece()),
            "Anime/One Piece/Season 01/One Piece - S01E07 [1080p].mkv",
        );
        check("Pink Floyd - Comfortably Numb.mp3", None, "Music/Pink Floyd - Comfortably Numb.mp3");
        check("VID_20230101_123456.mp4", None, "Other/VID_20230101_123456.mp4");
    }

    #[test]
    fn unknown_parts_are_left_out() {
        // A bare title is too little to go on without TMDb (see identify.rs).
        check("Inception.mkv", None, "Other/Inception.mkv");
        check("Inception.2010.mkv", None, "Movies/Inception (2010)/Inception (2010).mkv");
        check("Inception.720p.mkv", None, "Movies/Inception/Inception [720p].mkv");
        check("Breaking Bad S05E16 Felina.mkv", None, "TV/Breaking Bad/Season 05/Breaking Bad - S05E16.mkv");
        check(
            "[SubsPlease] One Piece - 1071 (1080p) [ABCD1234].mkv",
            Some(one_piece()),
            "Anime/One Piece/Season 01/One Piece - S01E1071 [1080p].mkv",
        );
    }

    #[test]
    fn titles_are_sanitized_in_every_component() {
        let mut identified = identify(&parse("x.2010.1080p.mkv"), None, Thresholds::default());
        identified.category = Category::Movie;
        identified.title = "Mission: Impossible / Fallout".into();
        assert_eq!(
            relative(&plan_path(&identified, &library())),
            "Movies/Mission - Impossible _ Fallout (2010)/Mission - Impossible _ Fallout (2010) [1080p].mkv"
        );
        identified.category = Category::Tv;
        identified.title = "../..".into();
        identified.season = Some(3);
        identified.episode = Some(4);
        assert_eq!(relative(&plan_path(&identified, &library())), "TV/_/Season 03/_. - S03E04 [1080p].mkv");
    }

    #[test]
    fn hostile_names_stay_in_their_folder() {
        check("../../etc/passwd", None, "Other/_._etc_passwd");
        check("/abs/path", None, "Other/_abs_path");
        check("\0", None, "Other/unnamed");
        check("....", None, "Other/unnamed");
        check("CON.mkv", None, "Other/CON_.mkv");
        let mut identified = identify(&parse("CON.2010.mkv"), None, Thresholds::default());
        assert_eq!(relative(&plan_path(&identified, &library())), "Movies/CON (2010)/CON (2010).mkv");
        identified.year = None;
        assert_eq!(relative(&plan_path(&identified, &library())), "Movies/CON_/CON_.mkv");
        check("../../../Movies.2010.mkv", None, "Movies/Movies (2010)/Movies (2010).mkv");
        let long = format!("{}.mp3", "a".repeat(300));
        let planned = plan_path(&identify(&parse(&long), None, Thresholds::default()), &library());
        assert_eq!(relative(&planned), format!("Music/{}.mp3", "a".repeat(251)));
    }

    #[test]
    fn is_inside_is_lexical_and_strict() {
        let cases = [
            ("/lib/Movies", "/lib/Movies/a/b.mkv", true),
            ("/lib/Movies", "/lib/Movies/a", true),
            ("/lib/Movies", "/lib/Movies", false),
            ("/lib/Movies", "/lib/Movies/", false),
            ("/lib/Movies", "/lib/Movies/../TV/x", false),
            ("/lib/Movies", "/lib/Movies/a/../../x", false),
            ("/lib/Movies", "/lib/MoviesX/a", false),
            ("/lib/Movies", "/lib/TV/a", false),
            ("/lib/Movies", "/lib", false),
            ("/lib/Movies", "lib/Movies/a", false),
            ("/lib/Movies/", "/lib/Movies/./a", true),
            ("data/Movies", "data/Movies/a.mkv", true),
        ];
        for (root, path, expected) in cases {
            assert_eq!(is_inside(Path::new(root), Path::new(path)), expected, "is_inside({root:?}, {path:?})");
        }
    }

    #[test]
    fn a_taken_name_gets_a_number() {
        let taken: HashSet<PathBuf> = ["/m/Title (2010) [1080p].mkv", "/m/Title (2010) [1080p] (2).mkv", "/m/README"]
            .iter()
            .map(PathBuf::from)
            .collect();
        let exists = |p: &Path| taken.contains(p);
        let cases = [
            ("/m/Free.mkv", "/m/Free.mkv"),
            ("/m/Title (2010) [1080p].mkv", "/m/Title (2010) [1080p] (3).mkv"),
            ("/m/README", "/m/README (2)"),
        ];
        for (path, expected) in cases {
            assert_eq!(unique_name(Path::new(path), exists), Some(PathBuf::from(expected)), "unique_name({path:?})");
        }
    }

    #[test]
    fn a_numbered_name_stays_within_255_bytes() {
        let long = format!("/m/{}.mkv", "é".repeat(125)); // 250 + 4 bytes
        let unique = unique_name(Path::new(&long), |p| p == Path::new(&long));
        let name = unique.as_deref().and_then(Path::file_name).map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        assert!(name.len() <= MAX_COMPONENT_BYTES, "{} bytes", name.len());
        assert_eq!(name, format!("{} (2).mkv", "é".repeat(123)));
    }

    #[test]
    fn unique_name_gives_up_rather_than_overwrite() {
        assert_eq!(unique_name(Path::new("/m/a.mkv"), |_| true), None);
    }

    fn any_category() -> impl Strategy<Value = Category> {
        prop_oneof![
            Just(Category::Movie),
            Just(Category::Tv),
            Just(Category::Anime),
            Just(Category::Music),
            Just(Category::Other),
        ]
    }

    /// Text heavy in the characters that make paths dangerous, mixed with anything at all.
    fn hostile_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[./\\\\:*?<>|\"\\x00\\n ]{0,40}",
            "(\\.\\./|/|\\.|[a-zA-Z]{1,3}|\\x00|C[Oo][Nn]|é|千){0,120}",
        ]
    }

    proptest! {
        #[test]
        fn any_title_or_name_stays_inside_its_folder(
            category in any_category(),
            title in hostile_text(),
            original_name in hostile_text(),
            season in proptest::option::of(any::<u32>()),
            episode in proptest::option::of(any::<u32>()),
            resolution in proptest::option::of(hostile_text()),
            extension in proptest::option::of(hostile_text()),
        ) {
            let identified = Identified {
                category,
                title,
                year: None,
                season,
                episode,
                resolution,
                extension,
                original_name,
                similarity: None,
                confidence: None,
            };
            let library = library();
            let root = library.root(category);
            let planned = plan_path(&identified, &library);
            prop_assert!(is_inside(root, &planned), "{} escapes {}", planned.display(), root.display());
            for component in planned.strip_prefix(root).map_err(|e| TestCaseError::fail(e.to_string()))?.components() {
                let Component::Normal(name) = component else {
                    return Err(TestCaseError::fail(format!("{component:?} in {}", planned.display())));
                };
                prop_assert!(name.len() <= MAX_COMPONENT_BYTES, "{} bytes", name.len());
            }
        }

        #[test]
        fn any_file_name_is_planned_inside_its_folder(name in hostile_text()) {
            let identified = identify(&parse(&name), None, Thresholds::default());
            let library = library();
            let root = library.root(identified.category);
            let planned = plan_path(&identified, &library);
            prop_assert!(is_inside(root, &planned), "{} escapes {}", planned.display(), root.display());
        }

        #[test]
        fn sanitizing_is_idempotent_and_yields_one_component(raw in hostile_text()) {
            let once = sanitize_component(&raw);
            prop_assert_eq!(sanitize_component(&once), once.clone());
            prop_assert!(!once.is_empty() && once.len() <= MAX_COMPONENT_BYTES);
            prop_assert!(!once.contains(['/', '\\', '\0']) && !once.contains(".."));
            let mut components = Path::new(&once).components();
            prop_assert!(matches!(components.next(), Some(Component::Normal(_))) && components.next().is_none());
        }
    }
}
