//! The decision: what a file is ([`Category`]) and under which title, from its parsed name
//! and, when there is one, the TMDb entry it was matched with.
//!
//! The rules (ORIGINAL.md "Naming", hunch's DESIGN.md P2: an honest "not sure" beats a
//! confident wrong answer):
//! - An audio extension goes to Music, whatever the name says.
//! - A name without a usable title (no letter or digit) goes to Other.
//! - With a TMDb match: below the low threshold the file goes to Other under its own name;
//!   otherwise it takes TMDb's title (and year) and is anime when TMDb says so.
//! - Without a match (no key, TMDb unreachable, or nothing found): the parsed name alone
//!   decides. A parse hunch itself calls low-confidence goes to Other unless it still has
//!   a year or an episode number: `Birthday.mkv` or `VID_20230101_123456.mp4` could be
//!   anything, while `Inception.2010.mkv` (also "low" to hunch) reads as a film.
//! - An episode (season or episode number) is TV, or Anime; anything else is a Movie.
//!   Anime films are Movies: the anime layout in CONTRACT.md is the series one.

use super::parse::{MediaClass, ParseConfidence, Parsed};
use super::similarity::{decide, similarity, Confidence, Thresholds};

/// TMDb's keyword "anime".
pub const ANIME_KEYWORD_ID: u64 = 210024;
/// TMDb's genre "Animation".
pub const ANIMATION_GENRE_ID: u64 = 16;

/// Where a file belongs in the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Movie,
    Tv,
    Anime,
    Music,
    Other,
}

impl Category {
    /// The lower-case name the database records (`movie`, `tv`, `anime`, `music`, `other`).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Movie => "movie",
            Category::Tv => "tv",
            Category::Anime => "anime",
            Category::Music => "music",
            Category::Other => "other",
        }
    }
}

/// Which TMDb search a match came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TmdbKind {
    Movie,
    Tv,
}

/// One TMDb keyword.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TmdbKeyword {
    pub id: u64,
    pub name: String,
}

/// The TMDb entry a file was matched with: what the TMDb client hands the naming layer.
#[derive(Debug, Clone, PartialEq)]
pub struct TmdbMatch {
    pub id: u64,
    pub kind: TmdbKind,
    /// `title` for a film, `name` for a show.
    pub title: String,
    /// `original_title` / `original_name`: a file is often named in the original language.
    pub original_title: String,
    /// From `release_date` / `first_air_date`, when TMDb knows it.
    pub year: Option<u16>,
    /// ISO 639-1, e.g. `ja`.
    pub original_language: String,
    pub genre_ids: Vec<u64>,
    pub keywords: Vec<TmdbKeyword>,
}

impl TmdbMatch {
    /// Anime by TMDb's keyword "anime", or a Japanese-language animation.
    pub fn is_anime(&self) -> bool {
        let has_anime_keyword =
            self.keywords.iter().any(|k| k.id == ANIME_KEYWORD_ID || k.name.eq_ignore_ascii_case("anime"));
        let is_japanese_animation =
            self.genre_ids.contains(&ANIMATION_GENRE_ID) && self.original_language.eq_ignore_ascii_case("ja");
        has_anime_keyword || is_japanese_animation
    }

    /// How well `parsed_title` matches this entry: the better of its title and its
    /// original title.
    pub fn similarity_to(&self, parsed_title: &str) -> f64 {
        similarity(parsed_title, &self.title).max(similarity(parsed_title, &self.original_title))
    }
}

/// What the organizer needs to name and record a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Identified {
    pub category: Category,
    /// The title the file is filed under (TMDb's when matched); for Music and Other, the
    /// parsed title when there is one, for the record only: those keep their own name.
    pub title: String,
    pub year: Option<u16>,
    pub season: Option<u32>,
    pub episode: Option<u32>,
    pub resolution: Option<String>,
    pub extension: Option<String>,
    pub original_name: String,
    /// The title similarity when a TMDb match was weighed, for the low-confidence log.
    pub similarity: Option<f64>,
    /// `Some` when a TMDb match was weighed; `Medium` asks the caller to warn.
    pub confidence: Option<Confidence>,
}

/// Decides where a parsed file belongs (see the module docs for the rules).
pub fn identify(parsed: &Parsed, tmdb_match: Option<&TmdbMatch>, thresholds: Thresholds) -> Identified {
    let usable_title = parsed.title.as_deref().filter(|t| has_letter_or_digit(t));
    let is_episode = parsed.is_episode();
    let mut identified = Identified {
        category: Category::Other,
        title: usable_title.unwrap_or_default().to_owned(),
        year: parsed.year,
        season: is_episode.then(|| parsed.season.unwrap_or(1)),
        episode: if is_episode { parsed.episode } else { None },
        resolution: parsed.resolution.clone(),
        extension: parsed.extension.clone(),
        original_name: parsed.original_name.clone(),
        similarity: None,
        confidence: None,
    };

    if parsed.class == Some(MediaClass::Audio) {
        // A track number is not an episode number.
        identified.category = Category::Music;
        identified.season = None;
        identified.episode = None;
        return identified;
    }
    if parsed.class.is_none() {
        // Not a file the bot takes; if one reaches here it is kept, not renamed.
        return identified;
    }
    let Some(parsed_title) = usable_title else {
        return identified;
    };

    match tmdb_match {
        Some(found) => {
            let similarity = found.similarity_to(parsed_title);
            let confidence = decide(similarity, thresholds.low, thresholds.high);
            identified.similarity = Some(similarity);
            identified.confidence = Some(confidence);
            if confidence == Confidence::Low {
                return identified;
            }
            identified.title = found.title.clone();
            identified.year = found.year.or(parsed.year);
            identified.category = match (is_episode, found.is_anime()) {
                (true, true) => Category::Anime,
                (true, false) => Category::Tv,
                (false, _) => Category::Movie,
            };
        }
        None => {
            let has_structure = parsed.year.is_some() || is_episode;
            if parsed.confidence == ParseConfidence::Low && !has_structure {
                return identified;
            }
            identified.category = if is_episode { Category::Tv } else { Category::Movie };
        }
    }
    identified
}

fn has_letter_or_digit(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::naming::parse::parse;

    fn inception() -> TmdbMatch {
        TmdbMatch {
            id: 27205,
            kind: TmdbKind::Movie,
            title: "Inception".into(),
            original_title: "Inception".into(),
            year: Some(2010),
            original_language: "en".into(),
            genre_ids: vec![28, 878, 12],
            keywords: vec![TmdbKeyword { id: 1566, name: "dream".into() }],
        }
    }

    /// TMDb's answer for One Piece (anime by keyword); the plan tests use it too.
    pub(crate) fn one_piece() -> TmdbMatch {
        TmdbMatch {
            id: 37854,
            kind: TmdbKind::Tv,
            title: "One Piece".into(),
            original_title: "ワンピース".into(),
            year: Some(1999),
            original_language: "ja".into(),
            genre_ids: vec![10759, 35, 16],
            keywords: vec![TmdbKeyword { id: ANIME_KEYWORD_ID, name: "anime".into() }],
        }
    }

    /// One line per decision: category, title, year, season, episode, confidence.
    fn summary(identified: &Identified) -> String {
        format!(
            "{:?} | {} | {:?} | {:?} | {:?} | {:?}",
            identified.category,
            identified.title,
            identified.year,
            identified.season,
            identified.episode,
            identified.confidence,
        )
    }

    #[track_caller]
    fn check(name: &str, tmdb_match: Option<TmdbMatch>, expected: &str) {
        let identified = identify(&parse(name), tmdb_match.as_ref(), Thresholds::default());
        assert_eq!(summary(&identified), expected, "identify({name:?})");
        assert_eq!(identified.original_name, name);
    }

    #[test]
    fn without_tmdb_the_name_decides() {
        check("Inception.2010.1080p.BluRay.x264.mkv", None, "Movie | Inception | Some(2010) | None | None | None");
        check("Breaking.Bad.S01E02.720p.HDTV.x264.mkv", None, "Tv | Breaking Bad | None | Some(1) | Some(2) | None");
        // No season in the name: season 1, as Jellyfin numbers a single-season show.
        check(
            "[SubsPlease] One Piece - 1071 (1080p) [ABCD1234].mkv",
            None,
            "Tv | One Piece | None | Some(1) | Some(1071) | None",
        );
        check("Pink Floyd - Comfortably Numb.mp3", None, "Music | Pink Floyd | None | None | None | None");
        check("01 - Track.flac", None, "Music |  | None | None | None | None");
        check("VID_20230101_123456.mp4", None, "Other | VID | None | None | None | None");
        check("Birthday.mkv", None, "Other | Birthday | None | None | None | None");
        // A year is enough structure to call it a film (a wrong guess here, a fair one for
        // `Inception.2010.mkv`, which hunch rates just as low).
        check("holiday_video_2019.mp4", None, "Movie | holiday video | Some(2019) | None | None | None");
        check("Inception.2010.mkv", None, "Movie | Inception | Some(2010) | None | None | None");
        check("setup.exe", None, "Other | setup exe | None | None | None | None");
        check("....mkv", None, "Other |  | None | None | None | None");
        // Subtitles are named like the video they go with.
        check("Inception.2010.1080p.BluRay.x264.srt", None, "Movie | Inception | Some(2010) | None | None | None");
    }

    #[test]
    fn a_tmdb_match_names_the_file_and_decides_anime() {
        check(
            "Inception.2010.1080p.BluRay.x264.mkv",
            Some(inception()),
            "Movie | Inception | Some(2010) | None | None | Some(High)",
        );
        check(
            "[SubsPlease] One Piece - 1071 (1080p) [ABCD1234].mkv",
            Some(one_piece()),
            "Anime | One Piece | Some(1999) | Some(1) | Some(1071) | Some(High)",
        );
        // The original title counts too.
        check(
            "ワンピース.S01E01.mkv",
            Some(one_piece()),
            "Anime | One Piece | Some(1999) | Some(1) | Some(1) | Some(High)",
        );
        // TMDb's year fills in a name that has none.
        check("Inception.1080p.mkv", Some(inception()), "Movie | Inception | Some(2010) | None | None | Some(High)");
    }

    #[test]
    fn anime_is_a_keyword_or_japanese_animation() {
        let mut show = one_piece();
        assert!(show.is_anime());
        show.keywords.clear();
        assert!(show.is_anime(), "genre Animation, original language ja");
        show.original_language = "en".into();
        assert!(!show.is_anime(), "an English-language cartoon is not anime");
        show.keywords.push(TmdbKeyword { id: 1, name: "Anime".into() });
        assert!(show.is_anime(), "by the keyword's name too");
        assert!(!inception().is_anime());
    }

    #[test]
    fn an_anime_film_is_a_movie() {
        let mut spirited_away = inception();
        spirited_away.title = "Spirited Away".into();
        spirited_away.original_title = "千と千尋の神隠し".into();
        spirited_away.original_language = "ja".into();
        spirited_away.genre_ids = vec![16, 10751, 14];
        spirited_away.year = Some(2001);
        check(
            "Spirited.Away.2001.JAPANESE.1080p.BluRay.x264.mkv",
            Some(spirited_away),
            "Movie | Spirited Away | Some(2001) | None | None | Some(High)",
        );
    }

    #[test]
    fn the_similarity_thresholds_decide() {
        let named = |title: &str| TmdbMatch { title: title.into(), original_title: title.into(), ..inception() };
        // 0.87: at or above 0.8, renamed to TMDb's title.
        check(
            "the.office.us.s02e01.720p.web.h264.mp4",
            Some(TmdbMatch { kind: TmdbKind::Tv, ..named("The Office") }),
            "Tv | The Office | Some(2010) | Some(2) | Some(1) | Some(High)",
        );
        // 0.75: between the thresholds, renamed with a warning.
        check("The.Matrix.1999.mkv", Some(named("Matrix")), "Movie | Matrix | Some(2010) | None | None | Some(Medium)");
        // 0.45: below 0.6, Other under its own name.
        let identified = identify(
            &parse("Star Wars Episode IV A New Hope 1977 720p.avi"),
            Some(&named("Star Wars")),
            Thresholds::default(),
        );
        assert_eq!(
            summary(&identified),
            "Other | Star Wars Episode IV A New Hope | Some(1977) | None | None | Some(Low)"
        );
        assert_eq!(identified.similarity.map(|s| (s * 100.0).round()), Some(45.0));
    }

    #[test]
    fn a_tmdb_match_does_not_override_audio_or_a_missing_title() {
        check("Inception.mp3", Some(inception()), "Music | Inception | None | None | None | None");
        check("....mkv", Some(inception()), "Other |  | None | None | None | None");
    }
}
