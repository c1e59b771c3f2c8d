//! The organizer: the only code that moves files into the library. It asks the naming
//! layer (pure) where a downloaded file belongs, optionally with TMDb's help, checks that
//! the planned path is inside the right root and free, moves the file there, and records
//! it in the database.
//!
//! **Invariant:** no file is ever written outside the configured folders. `plan_path`
//! sanitizes every component; this module checks the result with `is_inside` anyway, and
//! refuses rather than trusts.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use once_cell::sync::OnceCell;
use bot_db::{Db, Method, Organized, OrganizedEntry};

use crate::config::Config;
use crate::name_parser::NameParser;
use crate::naming::{self, Category, Confidence, Identified, LibraryDirs, Thresholds};
use crate::tmdb::{TmdbClient, TmdbConfig};

/// The name an admin gave a file by hand (`/organize`, `/propagate`).
#[derive(Clone, Debug, PartialEq)]
pub struct ManualName {
    /// Movie, Tv or Anime: the flows offer nothing else.
    pub category: Category,
    pub title: String,
    pub year: Option<u16>,
    pub season: Option<u32>,
    pub episode: Option<u32>,
    pub resolution: Option<String>,
}

/// An episode `/propagate` found in the staging folder.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundEpisode {
    pub file: PathBuf,
    pub episode: u32,
    pub resolution: Option<String>,
}

/// Where a file went.
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    pub category: Category,
    pub path: PathBuf,
    /// The title match was between the thresholds: filed, with a warning to the user.
    pub uncertain: bool,
}

#[derive(Clone)]
pub struct Organizer {
    config: Arc<Config>,
    db: Db,
    library: LibraryDirs,
    /// Built at start-up in the baseline, on first use with `lazy-init`; holds `None`
    /// without `TMDB_API_KEY` (names then come from the file name alone).
    tmdb: Arc<OnceCell<Option<TmdbClient>>>,
    /// Started (with hunch's tables built) at start-up in the baseline, on the first
    /// name with `lazy-init`.
    parser: Arc<OnceCell<NameParser>>,
}

impl Organizer {
    pub fn new(config: Arc<Config>, db: Db) -> anyhow::Result<Organizer> {
        let library = library_dirs(&config);
        let organizer = Organizer { config, db, library, tmdb: Arc::default(), parser: Arc::default() };
        if !cfg!(feature = "lazy-init") {
            // The baseline, as the original: everything ready before the first update.
            organizer.tmdb()?;
            organizer.parser_warmed(true)?;
        }
        Ok(organizer)
    }

    fn parser_warmed(&self, warm: bool) -> anyhow::Result<&NameParser> {
        self.parser.get_or_try_init(|| NameParser::start(warm)).context("starting the name-parser thread")
    }

    /// Parses a file name on the parser thread (see [`crate::name_parser`]).
    pub async fn parse(&self, file_name: &str) -> anyhow::Result<naming::Parsed> {
        Ok(self.parser_warmed(false)?.parse(file_name).await)
    }

    /// The TMDb client, built the first time it is asked for.
    fn tmdb(&self) -> anyhow::Result<Option<&TmdbClient>> {
        let client = self.tmdb.get_or_try_init(|| match &self.config.tmdb_api_key {
            Some(key) => TmdbClient::new(TmdbConfig::new(self.config.tmdb_api_url.clone(), key.expose()))
                .map(Some)
                .context("building the TMDb client"),
            None => Ok(None),
        })?;
        Ok(client.as_ref())
    }

    /// Works out where `staged` (a complete download named `original_name`) belongs,
    /// moves it there and records it.
    pub async fn organize(&self, staged: &Path, original_name: &str, user: i64) -> anyhow::Result<Placed> {
        let parsed = self.parse(original_name).await?;
        let tmdb_match = match self.tmdb()? {
            Some(client) if parsed.title.is_some() => match client.best_match(&parsed).await {
                Ok(found) => found,
                Err(e) => {
                    tracing::warn!(error = %e, file = original_name, "TMDb lookup failed; naming from the file name alone");
                    None
                }
            },
            _ => None,
        };
        let thresholds = Thresholds { low: self.config.low_confidence, high: self.config.high_confidence };
        let identified = naming::identify(&parsed, tmdb_match.as_ref(), thresholds);
        if identified.confidence == Some(Confidence::Low) {
            self.log_low_confidence(&identified, tmdb_match.as_ref().map(|m| m.title.as_str()));
        }
        let planned = naming::plan_path(&identified, &self.library);
        let root = self.library.root(identified.category);
        if !naming::is_inside(root, &planned) {
            bail!("refusing to write {} outside {}", planned.display(), root.display());
        }
        let target = naming::unique_name(&planned, |p| p.exists())
            .with_context(|| format!("no free name for {} (10,000 taken)", planned.display()))?;
        let folder = target.parent().unwrap_or(root);
        tokio::fs::create_dir_all(folder).await.with_context(|| format!("creating {}", folder.display()))?;
        move_file(staged, &target).await.with_context(|| format!("moving {} to {}", staged.display(), target.display()))?;

        let entry = OrganizedEntry {
            path: staged.display().to_string(),
            new_path: Some(target.display().to_string()),
            title: Some(identified.title.clone()).filter(|t| !t.is_empty()),
            category: Some(identified.category.as_str().to_owned()),
            year: identified.year.map(i64::from),
            season: identified.season.map(i64::from),
            episode: identified.episode.map(i64::from),
            resolution: identified.resolution.clone(),
            organized_by: Some(user),
            timestamp: Some(crate::clock::iso_now()),
            method: Method::Auto,
        };
        self.db.insert_organized(entry).await.context("recording the organized file")?;
        self.refresh_jellyfin().await;
        Ok(Placed { category: identified.category, path: target, uncertain: identified.confidence == Some(Confidence::Medium) })
    }

    /// Appends to `low_confidence_log.csv` in `BASE_DIR`, as the original bot did. A
    /// failure to log is logged, never fatal.
    fn log_low_confidence(&self, identified: &Identified, tmdb_title: Option<&str>) {
        use std::io::Write;
        let path = self.config.folders.base.join("low_confidence_log.csv");
        let new = !path.exists();
        let line = format!(
            "{},{},{},{:.3}\n",
            crate::clock::iso_now(),
            csv(&identified.original_name),
            csv(tmdb_title.unwrap_or("")),
            identified.similarity.unwrap_or(0.0)
        );
        let result = std::fs::OpenOptions::new().create(true).append(true).open(&path).and_then(|mut f| {
            if new {
                f.write_all(b"timestamp,file,tmdb_title,similarity\n")?;
            }
            f.write_all(line.as_bytes())
        });
        if let Err(e) = result {
            tracing::warn!(error = %e, path = %path.display(), "cannot write the low-confidence log");
        }
    }

    /// Files `file` under the name an admin gave it and records it as manual. With
    /// `replaces` (a reorganize), the new record keeps the old one's original path, and the
    /// old record is removed once the new one is written.
    pub async fn organize_manual(&self, file: &Path, name: &ManualName, user: i64, replaces: Option<&Organized>) -> anyhow::Result<Placed> {
        if !tokio::fs::try_exists(file).await.unwrap_or(false) {
            bail!("{} is no longer there", file.display());
        }
        let original_name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let extension = Path::new(&original_name).extension().map(|e| e.to_string_lossy().to_lowercase());
        let identified = Identified {
            category: name.category,
            title: name.title.clone(),
            year: name.year,
            season: name.season,
            episode: name.episode,
            resolution: name.resolution.clone(),
            extension,
            original_name,
            similarity: None,
            confidence: None,
        };
        let planned = naming::plan_path(&identified, &self.library);
        let root = self.library.root(identified.category);
        if !naming::is_inside(root, &planned) {
            bail!("refusing to write {} outside {}", planned.display(), root.display());
        }
        let target = if planned == file {
            planned // reorganized to the name it already has
        } else {
            let target = naming::unique_name(&planned, |p| p.exists())
                .with_context(|| format!("no free name for {} (10,000 taken)", planned.display()))?;
            let folder = target.parent().unwrap_or(root);
            tokio::fs::create_dir_all(folder).await.with_context(|| format!("creating {}", folder.display()))?;
            move_file(file, &target).await.with_context(|| format!("moving {} to {}", file.display(), target.display()))?;
            target
        };
        let entry = OrganizedEntry {
            path: replaces.map_or_else(|| file.display().to_string(), |old| old.entry.path.clone()),
            new_path: Some(target.display().to_string()),
            title: Some(identified.title.clone()),
            category: Some(identified.category.as_str().to_owned()),
            year: identified.year.map(i64::from),
            season: identified.season.map(i64::from),
            episode: identified.episode.map(i64::from),
            resolution: identified.resolution.clone(),
            organized_by: Some(user),
            timestamp: Some(crate::clock::iso_now()),
            method: Method::Manual,
        };
        self.db.insert_organized(entry).await.context("recording the organized file")?;
        if let Some(old) = replaces {
            self.db.delete_organized(old.id).await.context("removing the record it replaces")?;
        }
        self.refresh_jellyfin().await;
        Ok(Placed { category: identified.category, path: target, uncertain: false })
    }

    /// What `/organize` offers: media files in the staging and Other folders (top level,
    /// by name), which are not in the library proper. Partial downloads are left out.
    pub async fn candidates(&self) -> io::Result<Vec<PathBuf>> {
        let mut files = media_files(&self.config.folders.downloads).await?;
        files.extend(media_files(&self.config.folders.other).await?);
        Ok(files)
    }

    /// The rest of the season `last` (a manual TV or anime organize) belongs to: files in
    /// the staging folder whose parsed title is like the show's (or like the name the
    /// organized file arrived with), in the same season, with a later episode number.
    pub async fn remaining_episodes(&self, last: &Organized) -> anyhow::Result<Vec<FoundEpisode>> {
        let (Some(title), Some(after)) = (&last.entry.title, last.entry.episode) else { return Ok(Vec::new()) };
        let season = last.entry.season.unwrap_or(1);
        let arrived_as = Path::new(&last.entry.path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let arrived_title = self.parse(&arrived_as).await?.title;
        let mut found = Vec::new();
        for file in media_files(&self.config.folders.downloads).await? {
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let parsed = self.parse(&name).await?;
            let (Some(parsed_title), Some(episode)) = (&parsed.title, parsed.episode) else { continue };
            let like = |t: &str| naming::similarity(parsed_title, t) >= self.config.high_confidence;
            let same_show = like(title) || arrived_title.as_deref().is_some_and(like);
            let same_season = i64::from(parsed.season.unwrap_or(1)) == season;
            if same_show && same_season && i64::from(episode) > after {
                found.push(FoundEpisode { file, episode, resolution: parsed.resolution });
            }
        }
        found.sort_by_key(|e| e.episode);
        Ok(found)
    }

    /// Asks Jellyfin to rescan its library, when configured. Never fatal.
    async fn refresh_jellyfin(&self) {
        let Some(jellyfin) = &self.config.jellyfin else { return };
        let url = format!("{}/Library/Refresh", jellyfin.url);
        let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(10)).build();
        let result = match client {
            Ok(c) => c.post(&url).header("X-Emby-Token", jellyfin.api_key.expose()).send().await,
            Err(e) => return tracing::warn!(error = %e, "cannot build an HTTP client for Jellyfin"),
        };
        match result {
            Ok(r) if r.status().is_success() => tracing::debug!("Jellyfin library refresh asked for"),
            Ok(r) => tracing::warn!(status = %r.status(), "Jellyfin refused the library refresh"),
            Err(e) => tracing::warn!(error = %e.without_url(), "Jellyfin unreachable for the library refresh"),
        }
    }
}

/// The library's roots, as the naming layer wants them.
pub fn library_dirs(config: &Config) -> LibraryDirs {
    let f = &config.folders;
    LibraryDirs { movies: f.movies.clone(), tv: f.tv.clone(), anime: f.anime.clone(), music: f.music.clone(), other: f.other.clone() }
}

fn csv(field: &str) -> String {
    format!("\"{}\"", field.replace('"', "\"\""))
}

/// The media files directly in `dir`, sorted by name; no hidden or partial files.
async fn media_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut files = Vec::new();
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || naming::classify_extension(&name).is_none() || !entry.file_type().await?.is_file() {
            continue;
        }
        files.push(entry.path());
    }
    files.sort();
    Ok(files)
}

/// Renames `from` to `to`, copying when they are on different filesystems. Never
/// overwrites: the caller picked a free name, and a race is refused, not lost.
async fn move_file(from: &Path, to: &Path) -> io::Result<()> {
    if tokio::fs::try_exists(to).await? {
        return Err(io::Error::new(io::ErrorKind::AlreadyExists, format!("{} appeared meanwhile", to.display())));
    }
    match tokio::fs::rename(from, to).await {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::EXDEV) => {
            let partial = to.with_extension("partial");
            tokio::fs::copy(from, &partial).await?;
            tokio::fs::File::open(&partial).await?.sync_all().await?;
            tokio::fs::rename(&partial, to).await?;
            tokio::fs::remove_file(from).await
        }
        Err(e) => Err(e),
    }
}
