//! A local TMDb v3 server with the routes the bot uses, answering from a [`Catalogue`].
//!
//! Routes (under `/3`, as in `https://api.themoviedb.org/3`, or without it):
//! `/search/movie`, `/search/tv`, `/movie/{id}`, `/movie/{id}/keywords`, `/tv/{id}`,
//! `/tv/{id}/keywords`, `/tv/{id}/season/{s}/episode/{e}`, `/configuration`. Every request
//! must carry the server's `api_key` query parameter, as TMDb's v3 key authentication.
//! Errors have TMDb's shape: `{"status_code":…,"status_message":…,"success":false}`.

mod catalogue;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{json, Value};

use crate::http::{self, Body, DropConnection, Fault, Faults, Listening};

pub use catalogue::{Catalogue, Keyword, Movie, Show, ANIME_KEYWORD};

/// Results per search page, as TMDb.
const PAGE_SIZE: usize = 20;

/// One request the TMDb server received.
#[derive(Debug, Clone)]
pub struct TmdbRequest {
    /// The endpoint's name, as [`Faults`] knows it (see [`TmdbServer`]).
    pub endpoint: &'static str,
    /// The path and query as received.
    pub uri: String,
    pub at: Instant,
}

/// A running local TMDb server. Fault and latency knobs take these endpoint names:
/// `search/movie`, `search/tv`, `movie`, `movie/keywords`, `tv`, `tv/keywords`,
/// `episode`, `configuration` (or `*` for all).
pub struct TmdbServer {
    shared: Arc<Shared>,
    listening: Listening,
}

struct Shared {
    api_key: String,
    // A std Mutex: never held across an await.
    catalogue: Mutex<Catalogue>,
    requests: Mutex<Vec<TmdbRequest>>,
    faults: Faults,
}

impl TmdbServer {
    /// The key clients must send unless another is given to [`TmdbServer::start_with_key`].
    pub const DEFAULT_API_KEY: &'static str = "local-tmdb-test-key";

    /// Starts a server on 127.0.0.1 on a free port, answering from `catalogue`.
    pub async fn start(catalogue: Catalogue) -> std::io::Result<TmdbServer> {
        TmdbServer::start_with_key(catalogue, TmdbServer::DEFAULT_API_KEY).await
    }

    pub async fn start_with_key(catalogue: Catalogue, api_key: &str) -> std::io::Result<TmdbServer> {
        let shared = Arc::new(Shared {
            api_key: api_key.to_owned(),
            catalogue: Mutex::new(catalogue),
            requests: Mutex::new(Vec::new()),
            faults: Faults::default(),
        });
        let for_requests = shared.clone();
        let listening = Listening::start(move |req| {
            let shared = for_requests.clone();
            async move { shared.handle(req).await }
        })
        .await?;
        Ok(TmdbServer { shared, listening })
    }

    /// The base URL, like `https://api.themoviedb.org/3`: `http://127.0.0.1:PORT/3`.
    pub fn api_url(&self) -> String {
        format!("http://{}/3", self.listening.addr)
    }

    pub fn api_key(&self) -> &str {
        &self.shared.api_key
    }

    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    pub fn add_movie(&self, movie: Movie) {
        lock(&self.shared.catalogue).movies.push(movie);
    }

    pub fn add_show(&self, show: Show) {
        lock(&self.shared.catalogue).shows.push(show);
    }

    /// Every request received with a valid key, in arrival order.
    pub fn requests(&self) -> Vec<TmdbRequest> {
        lock(&self.shared.requests).clone()
    }

    pub async fn shutdown(self) {
        self.listening.shutdown().await;
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing here panics while holding a lock on purpose; a poisoned lock still guards
    // consistent data.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A route, parsed from the path.
enum Route {
    SearchMovie,
    SearchTv,
    Movie(u64),
    MovieKeywords(u64),
    Tv(u64),
    TvKeywords(u64),
    Episode(u64, u32, u32),
    Configuration,
}

impl Route {
    fn parse(path: &str) -> Option<Route> {
        let path = path.strip_prefix("/3").filter(|p| p.is_empty() || p.starts_with('/')).unwrap_or(path);
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        Some(match segments.as_slice() {
            ["search", "movie"] => Route::SearchMovie,
            ["search", "tv"] => Route::SearchTv,
            ["movie", id] => Route::Movie(id.parse().ok()?),
            ["movie", id, "keywords"] => Route::MovieKeywords(id.parse().ok()?),
            ["tv", id] => Route::Tv(id.parse().ok()?),
            ["tv", id, "keywords"] => Route::TvKeywords(id.parse().ok()?),
            ["tv", id, "season", s, "episode", e] => Route::Episode(id.parse().ok()?, s.parse().ok()?, e.parse().ok()?),
            ["configuration"] => Route::Configuration,
            _ => return None,
        })
    }

    fn endpoint(&self) -> &'static str {
        match self {
            Route::SearchMovie => "search/movie",
            Route::SearchTv => "search/tv",
            Route::Movie(_) => "movie",
            Route::MovieKeywords(_) => "movie/keywords",
            Route::Tv(_) => "tv",
            Route::TvKeywords(_) => "tv/keywords",
            Route::Episode(..) => "episode",
            Route::Configuration => "configuration",
        }
    }
}

fn error(status: u16, status_code: u32, message: &str) -> Response<Body> {
    http::json_response(status, &json!({ "status_code": status_code, "status_message": message, "success": false }))
}

fn not_found() -> Response<Body> {
    error(404, 34, "The resource you requested could not be found.")
}

impl Shared {
    async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Result<Response<Body>, DropConnection> {
        let at = Instant::now();
        let query = http::query_pairs(&req);
        let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        if param("api_key") != Some(self.api_key.as_str()) {
            return Ok(error(401, 7, "Invalid API key: You must be granted a valid key."));
        }
        let Some(route) = Route::parse(req.uri().path()) else {
            return Ok(not_found());
        };
        let endpoint = route.endpoint();
        let uri = req.uri().to_string();
        lock(&self.requests).push(TmdbRequest { endpoint, uri, at });

        let (fault, latency) = self.faults.on_call(endpoint);
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        match fault {
            None => {}
            Some(Fault::Drop) => return Err(DropConnection),
            Some(Fault::Garbage) => {
                return Ok(http::raw_response(200, "application/json", b"{\"page\":1,\"resul".to_vec()))
            }
            Some(Fault::Status(code)) => {
                let reason =
                    hyper::StatusCode::from_u16(code).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error");
                return Ok(error(code, 11, &format!("Internal error: {reason}")));
            }
            Some(Fault::TooManyRequests { retry_after }) => {
                let mut resp = error(429, 25, "Your request count (#) is over the allowed limit of (40).");
                if let Ok(value) = retry_after.to_string().parse() {
                    resp.headers_mut().insert(hyper::header::RETRY_AFTER, value);
                }
                return Ok(resp);
            }
        }

        let page = param("page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).max(1);
        let catalogue = lock(&self.catalogue);
        let body = match route {
            Route::SearchMovie => {
                let year = param("primary_release_year").or_else(|| param("year"));
                let hits = catalogue
                    .movies
                    .iter()
                    .filter(|m| matches(param("query"), &[&m.title, &m.original_title]))
                    .filter(|m| year.is_none_or(|y| m.year() == y))
                    .map(Movie::search_json)
                    .collect();
                search_page(hits, page)
            }
            Route::SearchTv => {
                let year = param("first_air_date_year").or_else(|| param("year"));
                let hits = catalogue
                    .shows
                    .iter()
                    .filter(|s| matches(param("query"), &[&s.name, &s.original_name]))
                    .filter(|s| year.is_none_or(|y| s.year() == y))
                    .map(Show::search_json)
                    .collect();
                search_page(hits, page)
            }
            Route::Movie(id) => {
                catalogue.movies.iter().find(|m| m.id == id).map(Movie::details_json).unwrap_or(Value::Null)
            }
            Route::MovieKeywords(id) => {
                catalogue.movies.iter().find(|m| m.id == id).map(Movie::keywords_json).unwrap_or(Value::Null)
            }
            Route::Tv(id) => catalogue.shows.iter().find(|s| s.id == id).map(Show::details_json).unwrap_or(Value::Null),
            Route::TvKeywords(id) => {
                catalogue.shows.iter().find(|s| s.id == id).map(Show::keywords_json).unwrap_or(Value::Null)
            }
            Route::Episode(id, s, e) => catalogue
                .shows
                .iter()
                .find(|show| show.id == id)
                .and_then(|show| show.episode_json(s, e))
                .unwrap_or(Value::Null),
            Route::Configuration => self.configuration(&req),
        };
        Ok(if body.is_null() { not_found() } else { http::json_response(200, &body) })
    }

    fn configuration(&self, req: &Request<Incoming>) -> Value {
        // Image URLs point back at this server: nothing here may reach the internet.
        let host = req.headers().get(hyper::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
        let base = format!("http://{host}/t/p/");
        json!({
            "images": {
                "base_url": base,
                "secure_base_url": base,
                "backdrop_sizes": ["w300", "w780", "w1280", "original"],
                "logo_sizes": ["w45", "w92", "w154", "w185", "w300", "w500", "original"],
                "poster_sizes": ["w92", "w154", "w185", "w342", "w500", "w780", "original"],
                "profile_sizes": ["w45", "w185", "h632", "original"],
                "still_sizes": ["w92", "w185", "w300", "original"],
            },
            "change_keys": ["air_date", "genres", "images", "name", "overview", "release_dates", "title"],
        })
    }
}

/// A search matches when every word of the query is a word of the title or the original
/// title (case-insensitive, punctuation ignored). No query finds nothing, as on TMDb.
fn matches(query: Option<&str>, titles: &[&str]) -> bool {
    let query = words(query.unwrap_or(""));
    if query.is_empty() {
        return false;
    }
    titles.iter().any(|title| {
        let title = words(title);
        query.iter().all(|q| title.contains(q))
    })
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

fn search_page(hits: Vec<Value>, page: usize) -> Value {
    let total_results = hits.len();
    let total_pages = total_results.div_ceil(PAGE_SIZE).max(1);
    let results: Vec<Value> = hits.into_iter().skip((page - 1) * PAGE_SIZE).take(PAGE_SIZE).collect();
    json!({ "page": page, "results": results, "total_pages": total_pages, "total_results": total_results })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_matches_whole_words_of_either_title() {
        let cases = [
            ("the matrix", "The Matrix", true),
            ("MATRIX", "The Matrix", true),
            ("matri", "The Matrix", false),
            ("spirited away", "Spirited Away", true),
            ("", "The Matrix", false),
            ("ワンピース", "ワンピース", true),
        ];
        for (query, title, expected) in cases {
            assert_eq!(matches(Some(query), &[title]), expected, "{query:?} in {title:?}");
        }
    }
}
