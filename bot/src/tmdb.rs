//! The TMDb v3 client: the searches and keyword look-ups that turn a parsed file name into
//! a [`TmdbMatch`] for the naming layer (`crate::naming::identify`).
//!
//! It talks to `TMDB_API_URL` (default [`DEFAULT_API_URL`]) with the v3 `api_key` query
//! parameter, over reqwest with rustls. Every request has a timeout. A 429 is waited out
//! once, for exactly the delay TMDb asks (`Retry-After`); a 5xx or a dropped connection is
//! retried a bounded number of times with doubling back-off; anything else comes back as a
//! typed [`TmdbError`] and never as a panic. The key never appears in a log line or an
//! error message: reqwest's errors carry the request URL, which holds the key, so the URL
//! is stripped from every error before it leaves this module.

use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::naming::{Parsed, TmdbKeyword, TmdbKind, TmdbMatch};

/// TMDb's own v3 endpoint.
pub const DEFAULT_API_URL: &str = "https://api.themoviedb.org/3";

/// A TMDb answer bigger than this is not one the bot asked for.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Why a TMDb request failed.
#[derive(Debug, thiserror::Error)]
pub enum TmdbError {
    /// TMDb refused the key (401): a configuration problem, not worth retrying.
    #[error("tmdb rejected the api key (check TMDB_API_KEY)")]
    Unauthorized,
    /// TMDb still said 429 after one wait, or asked for a wait longer than the client's
    /// [`TmdbConfig::max_retry_after`].
    #[error("tmdb rate limit: retry after {retry_after:?}")]
    RateLimited { retry_after: Duration },
    /// A status the client cannot use: a 5xx that outlasted the retries, or an unexpected
    /// 4xx (a 404 for an id TMDb has just returned, say).
    #[error("tmdb answered http {status}")]
    Server { status: u16 },
    /// A 2xx whose body is not the JSON TMDb documents (truncated, garbage, too big).
    #[error("tmdb sent an unreadable response: {reason}")]
    BadResponse { reason: String },
    /// No answer: connection refused or dropped, DNS, TLS, or the request timed out.
    /// The source never carries the request URL (it holds the api key).
    #[error("tmdb unreachable")]
    Network(#[source] reqwest::Error),
}

/// How the client reaches TMDb and how patient it is.
#[derive(Clone)]
pub struct TmdbConfig {
    /// `TMDB_API_URL`, e.g. `https://api.themoviedb.org/3` (a trailing `/` is ignored).
    pub api_url: String,
    /// `TMDB_API_KEY`, sent as the v3 `api_key` query parameter.
    pub api_key: String,
    /// The whole of one request, connection to last byte.
    pub request_timeout: Duration,
    /// Retries of a 5xx, a dropped connection or a timeout, after the first attempt.
    pub max_retries: u32,
    /// The wait before the first retry; it doubles with each retry after.
    pub retry_backoff: Duration,
    /// The longest `Retry-After` the client waits out; a longer one is returned as
    /// [`TmdbError::RateLimited`] at once, so the caller's task is not held for minutes.
    pub max_retry_after: Duration,
}

impl TmdbConfig {
    /// A configuration with the default patience: 10 s a request, 2 retries from 250 ms,
    /// rate-limit waits up to 30 s.
    pub fn new(api_url: impl Into<String>, api_key: impl Into<String>) -> TmdbConfig {
        TmdbConfig {
            api_url: api_url.into(),
            api_key: api_key.into(),
            request_timeout: Duration::from_secs(10),
            max_retries: 2,
            retry_backoff: Duration::from_millis(250),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl fmt::Debug for TmdbConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Hand-written so the key never reaches a log through `{:?}`.
        f.debug_struct("TmdbConfig")
            .field("api_url", &self.api_url)
            .field("api_key", &"<redacted>")
            .field("request_timeout", &self.request_timeout)
            .field("max_retries", &self.max_retries)
            .field("retry_backoff", &self.retry_backoff)
            .field("max_retry_after", &self.max_retry_after)
            .finish()
    }
}

/// One film from `search/movie`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MovieResult {
    pub id: u64,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub original_title: String,
    /// `YYYY-MM-DD`; TMDb sends `""` or `null` when it does not know.
    #[serde(default)]
    pub release_date: Option<String>,
    #[serde(default)]
    pub original_language: String,
    #[serde(default)]
    pub genre_ids: Vec<u64>,
}

/// One show from `search/tv`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TvResult {
    pub id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub original_name: String,
    #[serde(default)]
    pub first_air_date: Option<String>,
    #[serde(default)]
    pub original_language: String,
    #[serde(default)]
    pub genre_ids: Vec<u64>,
}

#[derive(Deserialize)]
struct SearchPage<T> {
    results: Vec<T>,
}

#[derive(Deserialize)]
struct Keyword {
    id: u64,
    #[serde(default)]
    name: String,
}

/// `movie/{id}/keywords` answers `{"keywords": [...]}`.
#[derive(Deserialize)]
struct MovieKeywords {
    keywords: Vec<Keyword>,
}

/// `tv/{id}/keywords` answers `{"results": [...]}`: TMDb's own asymmetry.
#[derive(Deserialize)]
struct TvKeywords {
    results: Vec<Keyword>,
}

/// A TMDb v3 client. Cheap to clone: reqwest's client shares its connection pool.
#[derive(Clone)]
pub struct TmdbClient {
    http: reqwest::Client,
    config: TmdbConfig,
}

impl fmt::Debug for TmdbClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TmdbClient").field("config", &self.config).finish_non_exhaustive()
    }
}

/// How one attempt ended, before the retry policy looks at it.
enum Attempt {
    Body(Vec<u8>),
    RateLimited(Duration),
    Retryable(TmdbError),
    Final(TmdbError),
}

impl TmdbClient {
    /// A client with its own HTTP client (and so its own TLS set-up and connection pool).
    pub fn new(config: TmdbConfig) -> Result<TmdbClient, TmdbError> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.request_timeout)
            .build()
            .map_err(|e| TmdbError::Network(e.without_url()))?;
        Ok(TmdbClient::with_http_client(http, config))
    }

    /// A client that shares `http` (its pool and TLS set-up) with the rest of the bot.
    pub fn with_http_client(http: reqwest::Client, config: TmdbConfig) -> TmdbClient {
        TmdbClient { http, config }
    }

    /// Films whose title matches `title`, in TMDb's order (first page), optionally only
    /// those released in `year`.
    pub async fn search_movie(&self, title: &str, year: Option<u16>) -> Result<Vec<MovieResult>, TmdbError> {
        let mut query = vec![("query", title.to_owned())];
        if let Some(year) = year {
            query.push(("year", year.to_string()));
        }
        let page: SearchPage<MovieResult> = self.get_json("search/movie", &query).await?;
        Ok(page.results)
    }

    /// Shows whose name matches `title`, in TMDb's order (first page).
    pub async fn search_tv(&self, title: &str) -> Result<Vec<TvResult>, TmdbError> {
        let query = [("query", title.to_owned())];
        let page: SearchPage<TvResult> = self.get_json("search/tv", &query).await?;
        Ok(page.results)
    }

    /// A film's keywords.
    pub async fn movie_keywords(&self, id: u64) -> Result<Vec<TmdbKeyword>, TmdbError> {
        let answer: MovieKeywords = self.get_json(&format!("movie/{id}/keywords"), &[]).await?;
        Ok(into_keywords(answer.keywords))
    }

    /// A show's keywords.
    pub async fn tv_keywords(&self, id: u64) -> Result<Vec<TmdbKeyword>, TmdbError> {
        let answer: TvKeywords = self.get_json(&format!("tv/{id}/keywords"), &[]).await?;
        Ok(into_keywords(answer.results))
    }

    /// The TMDb entry that best matches a parsed name, with its keywords (for the anime
    /// decision): a TV search for an episode, a film search otherwise (with the year, and
    /// again without it when the year finds nothing, since release years in names are
    /// often off by one). The best result is the most similar title (the earlier one on a
    /// tie, TMDb's order being by relevance). `Ok(None)` when the name has no title or
    /// TMDb finds nothing. A match is returned however poor: judging it against the
    /// thresholds is `naming::identify`'s job, and a poor one is what the low-confidence
    /// log records.
    pub async fn best_match(&self, parsed: &Parsed) -> Result<Option<TmdbMatch>, TmdbError> {
        let Some(title) = parsed.title.as_deref().filter(|t| t.chars().any(char::is_alphanumeric)) else {
            return Ok(None);
        };
        if parsed.is_episode() {
            let results = self.search_tv(title).await?;
            let Some(best) = most_similar(title, results, |r| (&r.name, &r.original_name)) else {
                return Ok(None);
            };
            let keywords = self.tv_keywords(best.id).await?;
            Ok(Some(TmdbMatch {
                id: best.id,
                kind: TmdbKind::Tv,
                year: year_of(best.first_air_date.as_deref()),
                title: best.name,
                original_title: best.original_name,
                original_language: best.original_language,
                genre_ids: best.genre_ids,
                keywords,
            }))
        } else {
            let mut results = self.search_movie(title, parsed.year).await?;
            if results.is_empty() && parsed.year.is_some() {
                results = self.search_movie(title, None).await?;
            }
            let Some(best) = most_similar(title, results, |r| (&r.title, &r.original_title)) else {
                return Ok(None);
            };
            let keywords = self.movie_keywords(best.id).await?;
            Ok(Some(TmdbMatch {
                id: best.id,
                kind: TmdbKind::Movie,
                year: year_of(best.release_date.as_deref()),
                title: best.title,
                original_title: best.original_title,
                original_language: best.original_language,
                genre_ids: best.genre_ids,
                keywords,
            }))
        }
    }

    /// GETs `path` (relative to the API URL) with the retry policy of the module docs.
    async fn get_json<T: DeserializeOwned>(&self, path: &str, query: &[(&str, String)]) -> Result<T, TmdbError> {
        let mut rate_limit_waited = false;
        let mut retries = 0u32;
        loop {
            let error = match self.attempt(path, query).await {
                Attempt::Body(body) => {
                    return serde_json::from_slice(&body)
                        .map_err(|e| TmdbError::BadResponse { reason: format!("{path}: {e}") })
                }
                Attempt::RateLimited(retry_after)
                    if !rate_limit_waited && retry_after <= self.config.max_retry_after =>
                {
                    tracing::warn!(endpoint = path, ?retry_after, "tmdb rate limit, waiting");
                    tokio::time::sleep(retry_after).await;
                    rate_limit_waited = true;
                    continue;
                }
                Attempt::RateLimited(retry_after) => TmdbError::RateLimited { retry_after },
                Attempt::Retryable(error) if retries < self.config.max_retries => {
                    let backoff = self.config.retry_backoff.saturating_mul(1u32 << retries.min(16));
                    retries += 1;
                    tracing::warn!(endpoint = path, %error, ?backoff, retry = retries, "tmdb request failed, retrying");
                    tokio::time::sleep(backoff).await;
                    continue;
                }
                Attempt::Retryable(error) | Attempt::Final(error) => error,
            };
            return Err(error);
        }
    }

    /// One request, its status sorted into what the retry policy needs to know.
    async fn attempt(&self, path: &str, query: &[(&str, String)]) -> Attempt {
        let url = format!("{}/{path}", self.config.api_url.trim_end_matches('/'));
        let sent = self
            .http
            .get(url)
            .query(&[("api_key", self.config.api_key.as_str())])
            .query(query)
            .timeout(self.config.request_timeout)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(e) => return network_failure(e),
        };
        let status = response.status().as_u16();
        match status {
            200..=299 => match read_body(response).await {
                Ok(body) => Attempt::Body(body),
                Err(error @ TmdbError::Network(_)) => Attempt::Retryable(error),
                Err(error) => Attempt::Final(error),
            },
            401 => Attempt::Final(TmdbError::Unauthorized),
            429 => Attempt::RateLimited(retry_after(&response)),
            500..=599 => Attempt::Retryable(TmdbError::Server { status }),
            _ => Attempt::Final(TmdbError::Server { status }),
        }
    }
}

fn network_failure(error: reqwest::Error) -> Attempt {
    let error = error.without_url();
    // A request that could not even be built will fail the same way again.
    if error.is_builder() {
        Attempt::Final(TmdbError::Network(error))
    } else {
        Attempt::Retryable(TmdbError::Network(error))
    }
}

/// The body, read chunk by chunk so that a server sending without end is cut off.
async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, TmdbError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| TmdbError::Network(e.without_url()))? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(TmdbError::BadResponse { reason: format!("body over {MAX_BODY_BYTES} bytes") });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// TMDb's `Retry-After` (whole or fractional seconds). When it is missing or unreadable
/// the client waits a second, TMDb's documented rate window being per second.
fn retry_after(response: &reqwest::Response) -> Duration {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.trim().parse::<f64>().ok())
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .unwrap_or(Duration::from_secs(1))
}

/// The result whose title (or original title) is most similar to `title`.
fn most_similar<T>(title: &str, results: Vec<T>, titles: impl Fn(&T) -> (&String, &String)) -> Option<T> {
    let score = |result: &T| {
        let (name, original) = titles(result);
        crate::naming::similarity(title, name).max(crate::naming::similarity(title, original))
    };
    let mut best: Option<(f64, T)> = None;
    for result in results {
        let result_score = score(&result);
        if best.as_ref().is_none_or(|(best_score, _)| result_score > *best_score) {
            best = Some((result_score, result));
        }
    }
    best.map(|(_, result)| result)
}

fn year_of(date: Option<&str>) -> Option<u16> {
    date?.get(..4)?.parse().ok()
}

fn into_keywords(keywords: Vec<Keyword>) -> Vec<TmdbKeyword> {
    keywords.into_iter().map(|k| TmdbKeyword { id: k.id, name: k.name }).collect()
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use perf::{Catalogue, Fault, TmdbServer};

    use super::*;
    use crate::naming::{parse, ANIME_KEYWORD_ID};

    async fn server() -> TmdbServer {
        match TmdbServer::start(Catalogue::builtin()).await {
            Ok(server) => server,
            Err(e) => panic!("the local TMDb server did not start: {e}"),
        }
    }

    /// A client for `server` that retries quickly, so fault tests stay fast.
    fn client(server: &TmdbServer) -> TmdbClient {
        client_with_key(server, server.api_key())
    }

    fn client_with_key(server: &TmdbServer, key: &str) -> TmdbClient {
        let mut config = TmdbConfig::new(server.api_url(), key);
        config.request_timeout = Duration::from_secs(5);
        config.retry_backoff = Duration::from_millis(10);
        match TmdbClient::new(config) {
            Ok(client) => client,
            Err(e) => panic!("building the client: {e}"),
        }
    }

    /// The match for a file name: TMDb id, kind, title, year, anime.
    async fn matched(client: &TmdbClient, name: &str) -> Result<Option<String>, TmdbError> {
        Ok(client
            .best_match(&parse(name))
            .await?
            .map(|m| format!("{} {:?} {} {:?} anime={}", m.id, m.kind, m.title, m.year, m.is_anime())))
    }

    #[tokio::test]
    async fn a_movie_is_found_and_matched() {
        let server = server().await;
        let client = client(&server);
        let found = matched(&client, "Inception.2010.1080p.BluRay.x264.mkv").await;
        assert_eq!(found.ok().flatten().as_deref(), Some("27205 Movie Inception Some(2010) anime=false"));
        let endpoints: Vec<_> = server.requests().iter().map(|r| r.endpoint).collect();
        assert_eq!(endpoints, ["search/movie", "movie/keywords"]);
        assert!(server.requests()[0].uri.contains("year=2010"), "{}", server.requests()[0].uri);
        server.shutdown().await;
    }

    #[tokio::test]
    async fn a_wrong_year_falls_back_to_a_search_without_it() {
        let server = server().await;
        let found = matched(&client(&server), "The.Matrix.1998.720p.mkv").await;
        assert_eq!(found.ok().flatten().as_deref(), Some("603 Movie The Matrix Some(1999) anime=false"));
        server.shutdown().await;
    }

    #[tokio::test]
    async fn a_tv_show_is_found_by_an_episode_name() {
        let server = server().await;
        let found = matched(&client(&server), "Breaking.Bad.S01E02.720p.HDTV.x264.mkv").await;
        assert_eq!(found.ok().flatten().as_deref(), Some("1396 Tv Breaking Bad Some(2008) anime=false"));
        let endpoints: Vec<_> = server.requests().iter().map(|r| r.endpoint).collect();
        assert_eq!(endpoints, ["search/tv", "tv/keywords"]);
        server.shutdown().await;
    }

    #[tokio::test]
    async fn the_anime_keyword_comes_back_in_both_shapes() {
        let server = server().await;
        let client = client(&server);
        let show = client.best_match(&parse("[SubsPlease] One Piece - 1071 (1080p) [ABCD1234].mkv")).await;
        let show = show.ok().flatten();
        assert_eq!(show.as_ref().map(|m| (m.id, m.is_anime())), Some((37854, true)));
        assert!(show.is_some_and(|m| m.keywords.iter().any(|k| k.id == ANIME_KEYWORD_ID)));

        // Movie keywords come as `keywords`, TV keywords as `results`.
        let movie = client.movie_keywords(129).await.unwrap_or_default();
        assert!(movie.iter().any(|k| k.id == ANIME_KEYWORD_ID), "{movie:?}");
        let tv = client.tv_keywords(1399).await.unwrap_or_default();
        assert!(!tv.is_empty() && tv.iter().all(|k| k.id != ANIME_KEYWORD_ID), "{tv:?}");
        server.shutdown().await;
    }

    #[tokio::test]
    async fn nothing_found_is_none() {
        let server = server().await;
        let client = client(&server);
        let found = matched(&client, "Some.Unknown.Film.2015.1080p.mkv").await;
        assert!(matches!(found, Ok(None)), "{found:?}");
        let found = matched(&client, "Unknown.Show.S01E01.mkv").await;
        assert!(matches!(found, Ok(None)), "{found:?}");
        // No title at all: TMDb is not even asked.
        let before = server.requests().len();
        let found = matched(&client, "....mkv").await;
        assert!(matches!(found, Ok(None)), "{found:?}");
        assert_eq!(server.requests().len(), before);
        server.shutdown().await;
    }

    #[tokio::test]
    async fn a_wrong_key_is_unauthorized_and_never_shown() {
        let server = server().await;
        let client = client_with_key(&server, "secret-wrong-key");
        let found = client.search_movie("Inception", None).await;
        assert!(matches!(found, Err(TmdbError::Unauthorized)), "{found:?}");
        let shown = format!("{:?} {client:?}", found.err());
        assert!(!shown.contains("secret-wrong-key"), "{shown}");
        server.shutdown().await;
    }

    #[tokio::test]
    async fn a_429_is_waited_out_for_exactly_retry_after() {
        let server = server().await;
        server.faults().fail_next("search/movie", 1, Fault::TooManyRequests { retry_after: 1 });
        let started = Instant::now();
        let found = client(&server).search_movie("Inception", Some(2010)).await;
        let waited = started.elapsed();
        assert_eq!(found.ok().map(|r| r.len()), Some(1));
        assert!(waited >= Duration::from_secs(1) && waited < Duration::from_secs(5), "{waited:?}");
        assert_eq!(server.faults().pending("search/movie"), 0);
        server.shutdown().await;
    }

    #[tokio::test]
    async fn a_second_429_or_a_long_retry_after_is_returned() {
        let server = server().await;
        server.faults().fail_next("search/tv", 2, Fault::TooManyRequests { retry_after: 1 });
        let found = client(&server).search_tv("Breaking Bad").await;
        assert!(
            matches!(found, Err(TmdbError::RateLimited { retry_after }) if retry_after == Duration::from_secs(1)),
            "{found:?}"
        );

        // Longer than the client will wait: returned at once, for the caller to decide.
        server.faults().fail_next("search/tv", 1, Fault::TooManyRequests { retry_after: 3600 });
        let started = Instant::now();
        let found = client(&server).search_tv("Breaking Bad").await;
        assert!(
            matches!(found, Err(TmdbError::RateLimited { retry_after }) if retry_after == Duration::from_secs(3600)),
            "{found:?}"
        );
        // Generous against a loaded machine; the point is that it did not wait an hour.
        assert!(started.elapsed() < Duration::from_secs(10));
        server.shutdown().await;
    }

    #[tokio::test]
    async fn a_5xx_is_retried_then_succeeds() {
        let server = server().await;
        server.faults().fail_next("search/movie", 1, Fault::Status(503));
        server.faults().fail_next("search/movie", 1, Fault::Status(500));
        let found = client(&server).search_movie("Inception", None).await;
        assert_eq!(found.ok().and_then(|r| r.first().map(|m| m.id)), Some(27205));
        assert_eq!(server.requests().len(), 3);
        server.shutdown().await;
    }

    #[tokio::test]
    async fn a_5xx_that_persists_is_a_server_error() {
        let server = server().await;
        server.faults().fail_next("search/movie", 3, Fault::Status(502));
        let found = client(&server).search_movie("Inception", None).await;
        assert!(matches!(found, Err(TmdbError::Server { status: 502 })), "{found:?}");
        assert_eq!(server.requests().len(), 3, "one attempt and two retries");
        server.shutdown().await;
    }

    #[tokio::test]
    async fn a_dropped_connection_is_retried() {
        let server = server().await;
        server.faults().fail_next("tv/keywords", 1, Fault::Drop);
        let found = client(&server).tv_keywords(37854).await;
        assert!(found.is_ok_and(|k| k.iter().any(|k| k.id == ANIME_KEYWORD_ID)));
        server.shutdown().await;
    }

    #[tokio::test]
    async fn garbage_is_a_bad_response() {
        let server = server().await;
        server.faults().fail_next("search/movie", 1, Fault::Garbage);
        let found = client(&server).search_movie("Inception", None).await;
        assert!(matches!(found, Err(TmdbError::BadResponse { .. })), "{found:?}");
        server.shutdown().await;
    }

    #[tokio::test]
    async fn an_unreachable_server_is_a_network_error_without_the_key() {
        // A port that was free a moment ago: nothing listens there now.
        let address = match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
            Ok(address) => address,
            Err(e) => panic!("binding a probe port: {e}"),
        };
        let mut config = TmdbConfig::new(format!("http://{address}/3"), "secret-key-123");
        config.retry_backoff = Duration::from_millis(1);
        let client = TmdbClient::new(config).map_err(|e| e.to_string());
        let found = match client {
            Ok(client) => client.search_tv("Breaking Bad").await,
            Err(e) => panic!("building the client: {e}"),
        };
        let Err(error) = found else {
            panic!("a search against a closed port succeeded");
        };
        assert!(matches!(error, TmdbError::Network(_)), "{error:?}");
        let shown = format!("{error} {error:?} {:?}", std::error::Error::source(&error));
        assert!(!shown.contains("secret-key-123"), "{shown}");
    }

    #[test]
    fn the_best_result_is_the_most_similar_title() {
        let result = |id: u64, name: &str, original: &str| TvResult {
            id,
            name: name.into(),
            original_name: original.into(),
            first_air_date: None,
            original_language: String::new(),
            genre_ids: Vec::new(),
        };
        let results = vec![
            result(1, "The Office Christmas Special", "The Office Christmas Special"),
            result(2, "The Office", "The Office"),
            result(3, "The Office", "The Office"),
            result(4, "Unrelated", "ワンピース"),
        ];
        let best = most_similar("the office us", results.clone(), |r| (&r.name, &r.original_name));
        assert_eq!(best.map(|r| r.id), Some(2), "the first of equals wins");
        let best = most_similar("ワンピース", results, |r| (&r.name, &r.original_name));
        assert_eq!(best.map(|r| r.id), Some(4), "by the original title");
        assert_eq!(most_similar("x", Vec::<TvResult>::new(), |r| (&r.name, &r.original_name)), None);
    }

    #[test]
    fn years_come_from_tmdb_dates() {
        let cases = [
            (Some("2010-07-15"), Some(2010)),
            (Some(""), None),
            (None, None),
            (Some("20"), None),
            (Some("abcd-01-01"), None),
        ];
        for (date, expected) in cases {
            assert_eq!(year_of(date), expected, "year_of({date:?})");
        }
    }
}
