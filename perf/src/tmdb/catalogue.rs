//! What the fake TMDb knows: a few films, a few TV shows and one anime show (tagged with
//! TMDb's keyword "anime", id 210024, which is how the bot tells anime apart), shaped as
//! TMDb v3 returns them. Tests add their own titles with `TmdbServer::add_movie` / `add_show`.

use serde_json::{json, Value};

/// TMDb's keyword "anime".
pub const ANIME_KEYWORD: Keyword = Keyword { id: 210024, name: "anime" };

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyword {
    pub id: u64,
    pub name: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Movie {
    pub id: u64,
    pub title: String,
    pub original_title: String,
    pub original_language: String,
    /// `YYYY-MM-DD`, or empty when unknown (as TMDb sends it).
    pub release_date: String,
    pub genre_ids: Vec<u32>,
    pub overview: String,
    pub runtime: u32,
    pub popularity: f64,
    pub keywords: Vec<Keyword>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Show {
    pub id: u64,
    pub name: String,
    pub original_name: String,
    pub original_language: String,
    pub first_air_date: String,
    pub genre_ids: Vec<u32>,
    pub origin_country: Vec<String>,
    pub overview: String,
    /// Episode counts, season 1 first.
    pub seasons: Vec<u32>,
    pub popularity: f64,
    pub keywords: Vec<Keyword>,
}

/// The titles a `TmdbServer` answers from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalogue {
    pub movies: Vec<Movie>,
    pub shows: Vec<Show>,
}

impl Catalogue {
    /// The small built-in catalogue.
    pub fn builtin() -> Catalogue {
        let kw = |id, name| Keyword { id, name };
        Catalogue {
            movies: vec![
                movie(
                    27205,
                    "Inception",
                    "Inception",
                    "en",
                    "2010-07-15",
                    &[28, 878, 12],
                    148,
                    83.9,
                    vec![kw(1566, "dream"), kw(10854, "subconscious")],
                ),
                movie(
                    603,
                    "The Matrix",
                    "The Matrix",
                    "en",
                    "1999-03-30",
                    &[28, 878],
                    136,
                    71.2,
                    vec![kw(310, "artificial intelligence"), kw(4565, "dystopia")],
                ),
                movie(
                    157336,
                    "Interstellar",
                    "Interstellar",
                    "en",
                    "2014-11-05",
                    &[12, 18, 878],
                    169,
                    95.1,
                    vec![kw(3801, "space travel")],
                ),
                movie(
                    129,
                    "Spirited Away",
                    "千と千尋の神隠し",
                    "ja",
                    "2001-07-20",
                    &[16, 10751, 14],
                    125,
                    64.3,
                    vec![kw(616, "witch"), ANIME_KEYWORD],
                ),
                movie(
                    11,
                    "Star Wars",
                    "Star Wars",
                    "en",
                    "1977-05-25",
                    &[12, 28, 878],
                    121,
                    78.0,
                    vec![kw(803, "android")],
                ),
            ],
            shows: vec![
                show(
                    1396,
                    "Breaking Bad",
                    "Breaking Bad",
                    "en",
                    "2008-01-20",
                    &[18, 80],
                    "US",
                    &[7, 13, 13, 13, 16],
                    310.4,
                    vec![kw(15484, "drug dealer")],
                ),
                show(
                    1399,
                    "Game of Thrones",
                    "Game of Thrones",
                    "en",
                    "2011-04-17",
                    &[10765, 18, 10759],
                    "US",
                    &[10, 10, 10, 10, 10, 10, 7, 6],
                    410.8,
                    vec![kw(818, "based on novel or book")],
                ),
                show(
                    2316,
                    "The Office",
                    "The Office",
                    "en",
                    "2005-03-24",
                    &[35],
                    "US",
                    &[6, 22, 25, 19, 28, 26, 26, 24, 25],
                    250.3,
                    vec![kw(193171, "mockumentary")],
                ),
                show(
                    37854,
                    "One Piece",
                    "ワンピース",
                    "ja",
                    "1999-10-20",
                    &[10759, 35, 16],
                    "JP",
                    &[61, 16, 14, 39, 13, 52],
                    180.6,
                    vec![kw(12988, "pirate"), ANIME_KEYWORD],
                ),
            ],
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn movie(
    id: u64,
    title: &str,
    original: &str,
    lang: &str,
    date: &str,
    genres: &[u32],
    runtime: u32,
    popularity: f64,
    keywords: Vec<Keyword>,
) -> Movie {
    Movie {
        id,
        title: title.to_owned(),
        original_title: original.to_owned(),
        original_language: lang.to_owned(),
        release_date: date.to_owned(),
        genre_ids: genres.to_vec(),
        overview: format!("{title}: a film in the local TMDb test catalogue."),
        runtime,
        popularity,
        keywords,
    }
}

#[allow(clippy::too_many_arguments)]
fn show(
    id: u64,
    name: &str,
    original: &str,
    lang: &str,
    date: &str,
    genres: &[u32],
    country: &str,
    seasons: &[u32],
    popularity: f64,
    keywords: Vec<Keyword>,
) -> Show {
    Show {
        id,
        name: name.to_owned(),
        original_name: original.to_owned(),
        original_language: lang.to_owned(),
        first_air_date: date.to_owned(),
        genre_ids: genres.to_vec(),
        origin_country: vec![country.to_owned()],
        overview: format!("{name}: a show in the local TMDb test catalogue."),
        seasons: seasons.to_vec(),
        popularity,
        keywords,
    }
}

fn genre_name(id: u32) -> &'static str {
    match id {
        12 => "Adventure",
        14 => "Fantasy",
        16 => "Animation",
        18 => "Drama",
        28 => "Action",
        35 => "Comedy",
        80 => "Crime",
        878 => "Science Fiction",
        10751 => "Family",
        10759 => "Action & Adventure",
        10765 => "Sci-Fi & Fantasy",
        _ => "Other",
    }
}

fn genres(ids: &[u32]) -> Value {
    ids.iter().map(|id| json!({ "id": id, "name": genre_name(*id) })).collect()
}

fn keywords(list: &[Keyword]) -> Value {
    list.iter().map(|k| json!({ "id": k.id, "name": k.name })).collect()
}

impl Movie {
    pub(crate) fn search_json(&self) -> Value {
        json!({
            "adult": false,
            "backdrop_path": null,
            "genre_ids": self.genre_ids,
            "id": self.id,
            "original_language": self.original_language,
            "original_title": self.original_title,
            "overview": self.overview,
            "popularity": self.popularity,
            "poster_path": null,
            "release_date": self.release_date,
            "title": self.title,
            "video": false,
            "vote_average": 7.5,
            "vote_count": 1000,
        })
    }

    pub(crate) fn details_json(&self) -> Value {
        let mut json = self.search_json();
        json["genres"] = genres(&self.genre_ids);
        json["runtime"] = json!(self.runtime);
        json["status"] = json!("Released");
        json["imdb_id"] = json!(format!("tt{:07}", self.id));
        json
    }

    pub(crate) fn keywords_json(&self) -> Value {
        json!({ "id": self.id, "keywords": keywords(&self.keywords) })
    }

    pub(crate) fn year(&self) -> &str {
        self.release_date.get(..4).unwrap_or("")
    }
}

impl Show {
    pub(crate) fn search_json(&self) -> Value {
        json!({
            "adult": false,
            "backdrop_path": null,
            "genre_ids": self.genre_ids,
            "id": self.id,
            "origin_country": self.origin_country,
            "original_language": self.original_language,
            "original_name": self.original_name,
            "overview": self.overview,
            "popularity": self.popularity,
            "poster_path": null,
            "first_air_date": self.first_air_date,
            "name": self.name,
            "vote_average": 8.0,
            "vote_count": 2000,
        })
    }

    pub(crate) fn details_json(&self) -> Value {
        let mut json = self.search_json();
        json["genres"] = genres(&self.genre_ids);
        json["number_of_seasons"] = json!(self.seasons.len());
        json["number_of_episodes"] = json!(self.seasons.iter().sum::<u32>());
        json["seasons"] = self
            .seasons
            .iter()
            .enumerate()
            .map(|(i, count)| json!({ "season_number": i + 1, "episode_count": count, "name": format!("Season {}", i + 1) }))
            .collect();
        json["status"] = json!("Ended");
        json
    }

    /// TV keywords come as `results`, unlike a movie's `keywords`: TMDb's own asymmetry.
    pub(crate) fn keywords_json(&self) -> Value {
        json!({ "id": self.id, "results": keywords(&self.keywords) })
    }

    pub(crate) fn episode_json(&self, season: u32, episode: u32) -> Option<Value> {
        let count = *self.seasons.get((season as usize).checked_sub(1)?)?;
        if episode == 0 || episode > count {
            return None;
        }
        Some(json!({
            "id": self.id * 10_000 + u64::from(season) * 1_000 + u64::from(episode),
            "show_id": self.id,
            "name": format!("Episode {episode}"),
            "season_number": season,
            "episode_number": episode,
            "air_date": self.first_air_date,
            "overview": format!("{} season {season} episode {episode}.", self.name),
            "runtime": 45,
            "still_path": null,
            "vote_average": 8.0,
        }))
    }

    pub(crate) fn year(&self) -> &str {
        self.first_air_date.get(..4).unwrap_or("")
    }
}
