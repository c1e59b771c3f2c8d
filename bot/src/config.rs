//! The bot's configuration: environment variables (and a `.env` file in the working
//! directory, which the environment overrides), with the names the Python bot used so an
//! existing `.env` keeps working.
//!
//! This is the one place raw strings become typed settings: past `Config::from_env`, no
//! code sees an environment variable. A missing or malformed setting is a
//! [`ConfigError`] that names the variable and says what would be right; `main` prints it
//! as one line and exits with code 2.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Every variable the bot reads. `tidy` checks that the README documents each one.
pub const VARIABLES: &[&str] = &[
    "BOT_TOKEN",
    "ADMIN_IDS",
    "ALLOWED_USERS",
    "BASE_DIR",
    "DOWNLOAD_DIR",
    "MOVIES_DIR",
    "TV_DIR",
    "ANIME_DIR",
    "MUSIC_DIR",
    "OTHER_DIR",
    "DB_FILE",
    "TELEGRAM_API_URL",
    "TMDB_API_KEY",
    "TMDB_API_URL",
    "JELLYFIN_URL",
    "JELLYFIN_API_KEY",
    "MAX_CONCURRENT_DOWNLOADS",
    "MAX_DOWNLOAD_DURATION",
    "LOW_CONFIDENCE",
    "HIGH_CONFIDENCE",
    "LOG_FORMAT",
    "RATE_LIMITS",
    "ORGANIZE_TIMEOUT",
];

/// A value that must never reach a log or a message (a token, an API key).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The library's folders. Every file the bot writes lands under one of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Folders {
    pub base: PathBuf,
    pub downloads: PathBuf,
    pub movies: PathBuf,
    pub tv: PathBuf,
    pub anime: PathBuf,
    pub music: PathBuf,
    pub other: PathBuf,
}

impl Folders {
    /// Each folder with the name the bot uses for it in messages.
    pub fn named(&self) -> [(&'static str, &Path); 6] {
        [
            ("Downloads", &self.downloads),
            ("Movies", &self.movies),
            ("TV", &self.tv),
            ("Anime", &self.anime),
            ("Music", &self.music),
            ("Other", &self.other),
        ]
    }
}

#[derive(Clone, Debug)]
pub struct Jellyfin {
    pub url: String,
    pub api_key: Secret,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub bot_token: Secret,
    pub admin_ids: HashSet<i64>,
    pub allowed_users: HashSet<i64>,
    pub folders: Folders,
    pub db_file: PathBuf,
    /// Without a trailing slash.
    pub telegram_api_url: String,
    pub tmdb_api_key: Option<Secret>,
    pub tmdb_api_url: String,
    pub jellyfin: Option<Jellyfin>,
    pub max_concurrent_downloads: usize,
    pub max_download_duration: Duration,
    pub low_confidence: f64,
    pub high_confidence: f64,
    pub log_format: LogFormat,
    pub rate_limits: crate::rate_limit::Limits,
    /// How long an admin flow (`/organize`, `/propagate`) waits for an answer.
    pub organize_timeout: Duration,
}

/// A setting that is missing or malformed: which variable, and what is wrong with it.
#[derive(Debug, PartialEq, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

fn problem(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError { variable, problem: problem.into() }
}

impl Config {
    /// Reads the process environment, falling back to `.env` in the working directory.
    pub fn from_env() -> Result<Config, ConfigError> {
        let dotenv = read_dotenv(Path::new(".env"))?;
        Config::from_lookup(|name| std::env::var(name).ok().or_else(|| dotenv.get(name).cloned()))
    }

    /// Builds the configuration from `lookup` (the environment, in production).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        // An empty value counts as unset, as in the Python bot (`os.getenv(...) or default`).
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let bot_token = get("BOT_TOKEN")
            .ok_or_else(|| problem("BOT_TOKEN", "is required: set it to the token BotFather gave your bot"))?;
        if !bot_token.contains(':') || bot_token.chars().any(char::is_whitespace) {
            return Err(problem("BOT_TOKEN", "does not look like a bot token (expected digits, ':' and a secret)"));
        }

        let base = PathBuf::from(get("BASE_DIR").unwrap_or_else(|| "./data/jellyfin".into()));
        let folder = |name: &'static str, default: &str| get(name).map_or_else(|| base.join(default), PathBuf::from);
        let folders = Folders {
            downloads: folder("DOWNLOAD_DIR", "Downloads"),
            movies: folder("MOVIES_DIR", "Movies"),
            tv: folder("TV_DIR", "TV"),
            anime: folder("ANIME_DIR", "Anime"),
            music: folder("MUSIC_DIR", "Music"),
            other: folder("OTHER_DIR", "Other"),
            base: base.clone(),
        };
        let db_file = PathBuf::from(get("DB_FILE").unwrap_or_else(|| "db.json".into()));
        let db_file = if db_file.is_relative() { base.join(db_file) } else { db_file };

        let jellyfin = match (get("JELLYFIN_URL"), get("JELLYFIN_API_KEY")) {
            (Some(url), Some(key)) => Some(Jellyfin { url: http_url("JELLYFIN_URL", url)?, api_key: Secret(key) }),
            _ => None,
        };

        let low_confidence = ratio("LOW_CONFIDENCE", get("LOW_CONFIDENCE"), 0.6)?;
        let high_confidence = ratio("HIGH_CONFIDENCE", get("HIGH_CONFIDENCE"), 0.8)?;
        if low_confidence > high_confidence {
            return Err(problem(
                "LOW_CONFIDENCE",
                format!("is {low_confidence}, above HIGH_CONFIDENCE ({high_confidence}); it must not be"),
            ));
        }

        let max_concurrent_downloads = number("MAX_CONCURRENT_DOWNLOADS", get("MAX_CONCURRENT_DOWNLOADS"), 3)?;
        if max_concurrent_downloads == 0 {
            return Err(problem("MAX_CONCURRENT_DOWNLOADS", "is 0: at least one download must be able to run"));
        }
        let max_download_duration = number("MAX_DOWNLOAD_DURATION", get("MAX_DOWNLOAD_DURATION"), 7200)?;
        if max_download_duration == 0 {
            return Err(problem("MAX_DOWNLOAD_DURATION", "is 0 seconds: every download would be cancelled at once"));
        }

        let log_format = match get("LOG_FORMAT").as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(problem("LOG_FORMAT", format!("is {other:?}: use text or json"))),
        };

        let rate_limits = match get("RATE_LIMITS") {
            None => crate::rate_limit::Limits::default(),
            Some(text) => crate::rate_limit::Limits::parse(&text).map_err(|e| problem("RATE_LIMITS", e))?,
        };

        let organize_timeout = number("ORGANIZE_TIMEOUT", get("ORGANIZE_TIMEOUT"), 1800)?;
        if organize_timeout == 0 {
            return Err(problem("ORGANIZE_TIMEOUT", "is 0 seconds: every flow would expire at once"));
        }

        Ok(Config {
            bot_token: Secret(bot_token),
            admin_ids: ids("ADMIN_IDS", get("ADMIN_IDS"))?,
            allowed_users: ids("ALLOWED_USERS", get("ALLOWED_USERS"))?,
            folders,
            db_file,
            telegram_api_url: http_url(
                "TELEGRAM_API_URL",
                get("TELEGRAM_API_URL").unwrap_or_else(|| "https://api.telegram.org".into()),
            )?,
            tmdb_api_key: get("TMDB_API_KEY").map(Secret),
            tmdb_api_url: http_url(
                "TMDB_API_URL",
                get("TMDB_API_URL").unwrap_or_else(|| "https://api.themoviedb.org/3".into()),
            )?,
            jellyfin,
            max_concurrent_downloads,
            max_download_duration: Duration::from_secs(max_download_duration as u64),
            low_confidence,
            high_confidence,
            log_format,
            rate_limits,
            organize_timeout: Duration::from_secs(organize_timeout as u64),
        })
    }

    pub fn is_admin(&self, user: i64) -> bool {
        self.admin_ids.contains(&user)
    }

    /// Admins and `ALLOWED_USERS` may send files and use the user commands.
    pub fn is_allowed(&self, user: i64) -> bool {
        self.is_admin(user) || self.allowed_users.contains(&user)
    }
}

/// `.env` as a map; a missing file is an empty one.
fn read_dotenv(path: &Path) -> Result<HashMap<String, String>, ConfigError> {
    let entries = match dotenvy::from_path_iter(path) {
        Ok(entries) => entries,
        Err(e) if e.not_found() => return Ok(HashMap::new()),
        Err(e) => return Err(problem("(.env)", format!("cannot read {}: {e}", path.display()))),
    };
    entries.map(|entry| entry.map_err(|e| problem("(.env)", format!("{} is malformed: {e}", path.display())))).collect()
}

fn ids(variable: &'static str, value: Option<String>) -> Result<HashSet<i64>, ConfigError> {
    let Some(value) = value else { return Ok(HashSet::new()) };
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| problem(variable, format!("{s:?} is not a Telegram user id (a whole number)"))))
        .collect()
}

fn number(variable: &'static str, value: Option<String>, default: usize) -> Result<usize, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| problem(variable, format!("is {v:?}: expected a whole number"))),
    }
}

fn ratio(variable: &'static str, value: Option<String>, default: f64) -> Result<f64, ConfigError> {
    let Some(v) = value else { return Ok(default) };
    match v.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(problem(variable, format!("is {v:?}: expected a number from 0 to 1"))),
    }
}

fn http_url(variable: &'static str, value: String) -> Result<String, ConfigError> {
    let rest = value.strip_prefix("https://").or_else(|| value.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') => Ok(value.trim_end_matches('/').to_owned()),
        _ => Err(problem(variable, format!("is {value:?}: expected an http:// or https:// URL"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    const TOKEN: (&str, &str) = ("BOT_TOKEN", "123:abc");

    #[test]
    fn defaults_follow_the_contract() {
        let c = config(&[TOKEN]).unwrap();
        assert_eq!(c.folders.downloads, Path::new("./data/jellyfin/Downloads"));
        assert_eq!(c.folders.other, Path::new("./data/jellyfin/Other"));
        assert_eq!(c.db_file, Path::new("./data/jellyfin/db.json"));
        assert_eq!(c.telegram_api_url, "https://api.telegram.org");
        assert_eq!(c.tmdb_api_url, "https://api.themoviedb.org/3");
        assert_eq!((c.max_concurrent_downloads, c.max_download_duration.as_secs()), (3, 7200));
        assert_eq!((c.low_confidence, c.high_confidence, c.log_format), (0.6, 0.8, LogFormat::Text));
        assert!(c.tmdb_api_key.is_none() && c.jellyfin.is_none() && c.admin_ids.is_empty());
    }

    #[test]
    fn folders_and_db_follow_base_dir_unless_set() {
        let c = config(&[TOKEN, ("BASE_DIR", "/srv/media"), ("TV_DIR", "/mnt/tv"), ("DB_FILE", "state.json")]).unwrap();
        assert_eq!(c.folders.movies, Path::new("/srv/media/Movies"));
        assert_eq!(c.folders.tv, Path::new("/mnt/tv"));
        assert_eq!(c.db_file, Path::new("/srv/media/state.json"));
        let c = config(&[TOKEN, ("DB_FILE", "/var/lib/bot/db.json")]).unwrap();
        assert_eq!(c.db_file, Path::new("/var/lib/bot/db.json"));
    }

    #[test]
    fn ids_and_roles() {
        let c = config(&[TOKEN, ("ADMIN_IDS", " 1, 2 ,"), ("ALLOWED_USERS", "3")]).unwrap();
        assert!(c.is_admin(1) && c.is_admin(2) && !c.is_admin(3));
        assert!(c.is_allowed(3) && c.is_allowed(1) && !c.is_allowed(4));
    }

    #[test]
    fn jellyfin_needs_both_settings() {
        assert!(config(&[TOKEN, ("JELLYFIN_URL", "http://jf:8096")]).unwrap().jellyfin.is_none());
        let c = config(&[TOKEN, ("JELLYFIN_URL", "http://jf:8096/"), ("JELLYFIN_API_KEY", "k")]).unwrap();
        assert_eq!(c.jellyfin.unwrap().url, "http://jf:8096");
    }

    #[test]
    fn bad_settings_name_the_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[], "BOT_TOKEN"),
            (&[("BOT_TOKEN", "   ")], "BOT_TOKEN"),
            (&[("BOT_TOKEN", "nocolon")], "BOT_TOKEN"),
            (&[TOKEN, ("ADMIN_IDS", "1,bob")], "ADMIN_IDS"),
            (&[TOKEN, ("ALLOWED_USERS", "1.5")], "ALLOWED_USERS"),
            (&[TOKEN, ("MAX_CONCURRENT_DOWNLOADS", "0")], "MAX_CONCURRENT_DOWNLOADS"),
            (&[TOKEN, ("MAX_CONCURRENT_DOWNLOADS", "three")], "MAX_CONCURRENT_DOWNLOADS"),
            (&[TOKEN, ("MAX_DOWNLOAD_DURATION", "-5")], "MAX_DOWNLOAD_DURATION"),
            (&[TOKEN, ("LOW_CONFIDENCE", "1.5")], "LOW_CONFIDENCE"),
            (&[TOKEN, ("LOW_CONFIDENCE", "0.9"), ("HIGH_CONFIDENCE", "0.5")], "LOW_CONFIDENCE"),
            (&[TOKEN, ("HIGH_CONFIDENCE", "high")], "HIGH_CONFIDENCE"),
            (&[TOKEN, ("LOG_FORMAT", "xml")], "LOG_FORMAT"),
            (&[TOKEN, ("TELEGRAM_API_URL", "api.telegram.org")], "TELEGRAM_API_URL"),
            (&[TOKEN, ("TMDB_API_URL", "ftp://x")], "TMDB_API_URL"),
        ];
        for (vars, variable) in cases {
            let err = config(vars).unwrap_err();
            assert_eq!(err.variable, *variable, "{vars:?} gave {err}");
        }
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let c = config(&[("BOT_TOKEN", "123:supersecret"), ("TMDB_API_KEY", "tmdbsecret")]).unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("supersecret") && !shown.contains("tmdbsecret"), "{shown}");
    }

    /// Tidy check (rust-analyzer style): a variable the bot reads must be documented.
    #[test]
    fn the_readme_documents_every_variable() {
        let readme = include_str!("../../README.md");
        let missing: Vec<_> = VARIABLES.iter().filter(|v| !readme.contains(&format!("`{v}`"))).collect();
        assert!(missing.is_empty(), "README.md's configuration table lacks {missing:?}: add a row for each");
    }

    #[test]
    fn dotenv_is_read_and_the_environment_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, "BOT_TOKEN=1:fromfile\nADMIN_IDS=7\n# a comment\n").unwrap();
        let file = read_dotenv(&path).unwrap();
        let env: HashMap<&str, &str> = [("ADMIN_IDS", "8")].into();
        let c = Config::from_lookup(|n| env.get(n).map(|v| v.to_string()).or_else(|| file.get(n).cloned())).unwrap();
        assert_eq!(c.bot_token.expose(), "1:fromfile");
        assert!(c.is_admin(8) && !c.is_admin(7));
        assert!(read_dotenv(&dir.path().join("missing")).unwrap().is_empty());
    }
}
