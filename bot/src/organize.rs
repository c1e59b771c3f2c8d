//! The organizer: the only code that moves files into the library. It asks the naming
//! layer (pure) where a downloaded file belongs, optionally with TMDb's help, checks that
//! the planned path is inside the right root and free, moves the file there, and records
//! it in the database.
//!
//! **Invariant:** no file is ever written outside the configured folders. `plan_path`
//! sanitizes every component; this module checks the result with `is_inside` anyway, and
//! refuses rather than trusts.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{bail, Context};
use bot_db::{Db, Method, Organized, OrganizedEntry};
use once_cell::sync::OnceCell;

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
    /// One HTTP client (connection pool, TLS set-up) for TMDb, Jellyfin and `/test`'s
    /// checks; built with the TMDb client, or on first use. Building one per call cost
    /// `/test` about two thirds of a millisecond.
    services: Arc<OnceCell<reqwest::Client>>,
    /// Started (with hunch's tables built) at start-up in the baseline, on the first
    /// name with `lazy-init`.
    parser: Arc<OnceCell<NameParser>>,
    /// Files being filed right now, so two organizers (a download that just finished and
    /// an admin's `/organize`, say) never take the same file.
    claims: Arc<Mutex<HashSet<PathBuf>>>,
}

/// A file claimed for filing; the claim ends when this is dropped.
pub struct Claim {
    claims: Arc<Mutex<HashSet<PathBuf>>>,
    path: PathBuf,
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.claims.lock().unwrap_or_else(PoisonError::into_inner).remove(&self.path);
    }
}

impl Organizer {
    pub fn new(config: Arc<Config>, db: Db) -> anyhow::Result<Organizer> {
        let library = library_dirs(&config);
        let organizer = Organizer {
            config,
            db,
            library,
            tmdb: Arc::default(),
            services: Arc::default(),
            parser: Arc::default(),
            claims: Arc::default(),
        };
        if !cfg!(feature = "lazy-init") {
            // The baseline, as the original: everything ready before the first update.
            organizer.services_http()?;
            organizer.tmdb()?;
            organizer.parser_warmed(true)?;
        }
        Ok(organizer)
    }

    /// Claims `path` for filing; `None` if someone else is filing it.
    pub fn claim(&self, path: &Path) -> Option<Claim> {
        let mut claims = self.claims.lock().unwrap_or_else(PoisonError::into_inner);
        claims.insert(path.to_owned()).then(|| Claim { claims: Arc::clone(&self.claims), path: path.to_owned() })
    }

    pub fn is_claimed(&self, path: &Path) -> bool {
        self.claims.lock().unwrap_or_else(PoisonError::into_inner).contains(path)
    }

    fn parser_warmed(&self, warm: bool) -> anyhow::Result<&NameParser> {
        self.parser.get_or_try_init(|| NameParser::start(warm)).context("starting the name-parser thread")
    }

    /// Parses a file name on the parser thread (see [`crate::name_parser`]).
    pub async fn parse(&self, file_name: &str) -> anyhow::Result<naming::Parsed> {
        Ok(self.parser_warmed(false)?.parse(file_name).await)
    }

    /// The HTTP client for TMDb, Jellyfin and the diagnostics (each request sets its own
    /// timeout), built the first time it is asked for.
    pub fn services_http(&self) -> anyhow::Result<&reqwest::Client> {
        self.services
            .get_or_try_init(|| reqwest::Client::builder().connect_timeout(SERVICE_CONNECT_TIMEOUT).build())
            .context("building the HTTP client for TMDb and Jellyfin")
    }

    /// The TMDb client, built the first time it is asked for.
    fn tmdb(&self) -> anyhow::Result<Option<&TmdbClient>> {
        let client = self.tmdb.get_or_try_init(|| match &self.config.tmdb_api_key {
            Some(key) => Ok(Some(TmdbClient::with_http_client(
                self.services_http()?.clone(),
                TmdbConfig::new(self.config.tmdb_api_url.clone(), key.expose()),
            ))),
            None => Ok::<_, anyhow::Error>(None),
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
        let target = move_to_free_name(staged, &planned, root).await?;

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
        Ok(Placed {
            category: identified.category,
            path: target,
            uncertain: identified.confidence == Some(Confidence::Medium),
        })
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
    pub async fn organize_manual(
        &self,
        file: &Path,
        name: &ManualName,
        user: i64,
        replaces: Option<&Organized>,
    ) -> anyhow::Result<Placed> {
        let Some(_claim) = self.claim(file) else {
            bail!(
                "{} is being filed right now (its download just finished); look for it in /history in a moment",
                file.display()
            );
        };
        if !tokio::fs::try_exists(file).await.unwrap_or(false) {
            bail!("{} is no longer there", file.display());
        }
        // A file the auto-organizer put in Other/ has a record: the new one replaces it.
        let found;
        let replaces = match replaces {
            Some(old) => Some(old),
            None => {
                found =
                    self.db.organized_at(&file.display().to_string()).await.context("looking up the file's record")?;
                found.as_ref()
            }
        };
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
        let moved = planned != file;
        let target = if moved { move_to_free_name(file, &planned, root).await? } else { planned };
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
        if let Err(e) = self.db.insert_organized(entry).await {
            // Without its record the file would be lost to /organize and /history: put it
            // back where it was, and say so.
            let back = if moved { move_file(&target, file).await } else { Ok(()) };
            return Err(match back {
                Ok(()) => anyhow::Error::new(e)
                    .context(format!("recording the file failed, so it was put back at {}", file.display())),
                Err(b) => anyhow::Error::new(e).context(format!(
                    "recording the file failed, and moving it back failed too ({b}): it is at {}",
                    target.display()
                )),
            });
        }
        if let Some(old) = replaces {
            // A failure here leaves two records of one file, never none.
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
        files.retain(|f| !self.is_claimed(f));
        Ok(files)
    }

    /// The rest of the season `last` (a manual TV or anime organize) belongs to: files in
    /// the staging folder whose parsed title is like the show's (or like the name the
    /// organized file arrived with), in the same season, with a later episode number.
    pub async fn remaining_episodes(&self, last: &Organized) -> anyhow::Result<Vec<FoundEpisode>> {
        let (Some(title), Some(after)) = (&last.entry.title, last.entry.episode) else { return Ok(Vec::new()) };
        let season = last.entry.season.unwrap_or(1);
        let arrived_as =
            Path::new(&last.entry.path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let arrived_title = self.parse(&arrived_as).await?.title;
        let mut found = Vec::new();
        for file in media_files(&self.config.folders.downloads).await? {
            if self.is_claimed(&file) {
                continue;
            }
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
        let result = match self.services_http() {
            Ok(c) => {
                c.post(&url)
                    .timeout(SERVICE_REQUEST_TIMEOUT)
                    .header("X-Emby-Token", jellyfin.api_key.expose())
                    .send()
                    .await
            }
            Err(e) => return tracing::warn!(error = format!("{e:#}"), "cannot build an HTTP client for Jellyfin"),
        };
        match result {
            Ok(r) if r.status().is_success() => tracing::debug!("Jellyfin library refresh asked for"),
            Ok(r) => tracing::warn!(status = %r.status(), "Jellyfin refused the library refresh"),
            Err(e) => tracing::warn!(error = %e.without_url(), "Jellyfin unreachable for the library refresh"),
        }
    }
}

/// How long TMDb, Jellyfin or a diagnostic check may take to accept a connection, and to
/// answer a request (TMDb's client sets its own, the same by default).
const SERVICE_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
pub const SERVICE_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The library's roots, as the naming layer wants them.
pub fn library_dirs(config: &Config) -> LibraryDirs {
    let f = &config.folders;
    LibraryDirs {
        movies: f.movies.clone(),
        tv: f.tv.clone(),
        anime: f.anime.clone(),
        music: f.music.clone(),
        other: f.other.clone(),
    }
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

/// Moves `from` to a free name at or next to `planned` (inside `root`), creating its
/// folder. A name taken between the choice and the move is refused by the move itself,
/// and the next free name is tried.
async fn move_to_free_name(from: &Path, planned: &Path, root: &Path) -> anyhow::Result<PathBuf> {
    for _ in 0..3 {
        let target = naming::unique_name(planned, |p| p.exists())
            .with_context(|| format!("no free name for {} (10,000 taken)", planned.display()))?;
        let folder = target.parent().unwrap_or(root);
        tokio::fs::create_dir_all(folder).await.with_context(|| format!("creating {}", folder.display()))?;
        match move_file(from, &target).await {
            Ok(()) => return Ok(target),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("moving {} to {}", from.display(), target.display())),
        }
    }
    bail!("every free name for {} was taken while moving it; try again", planned.display())
}

/// Moves `from` to `to`, copying when they are on different filesystems. Never
/// overwrites: an existing `to` is an `AlreadyExists` error and `from` stays.
pub(crate) async fn move_file(from: &Path, to: &Path) -> io::Result<()> {
    let (from_owned, to_owned) = (from.to_owned(), to.to_owned());
    let renamed = tokio::task::spawn_blocking(move || rename_no_replace(&from_owned, &to_owned))
        .await
        .map_err(io::Error::other)?;
    match renamed {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::EXDEV) => {
            let (partial, mut target) = cross_device_partial(to).await?;
            let copied = async {
                let mut source = tokio::fs::File::open(from).await?;
                tokio::io::copy(&mut source, &mut target).await?;
                target.sync_all().await
            };
            if let Err(e) = copied.await {
                let _ = tokio::fs::remove_file(&partial).await;
                return Err(e);
            }
            let (partial_owned, to_owned) = (partial.clone(), to.to_owned());
            let placed = tokio::task::spawn_blocking(move || rename_no_replace(&partial_owned, &to_owned))
                .await
                .map_err(io::Error::other)?;
            if let Err(e) = placed {
                let _ = tokio::fs::remove_file(&partial).await;
                return Err(e);
            }
            tokio::fs::remove_file(from).await
        }
        Err(e) => Err(e),
    }
}

/// A new, empty, hidden file beside `to` for a copy across filesystems, opened for writing:
/// created with `create_new`, so it is never someone else's file and two moves to one name
/// never share it (a name in use gets the next number).
async fn cross_device_partial(to: &Path) -> io::Result<(PathBuf, tokio::fs::File)> {
    let folder = to.parent().unwrap_or(Path::new("."));
    for n in 0..1_000 {
        let candidate = folder.join(format!(".moving-{}-{n}", std::process::id()));
        match tokio::fs::OpenOptions::new().write(true).create_new(true).open(&candidate).await {
            Ok(file) => return Ok((candidate, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(io::ErrorKind::AlreadyExists, format!("1,000 temporary names taken in {}", folder.display())))
}

/// `rename(2)` that refuses to replace an existing file: `renameat2(RENAME_NOREPLACE)`,
/// or, on a filesystem without it, a check right before a plain rename.
pub(crate) fn rename_no_replace(from: &Path, to: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL byte in a path"))
    };
    let (f, t) = (c(from)?, c(to)?);
    // SAFETY: both are valid NUL-terminated strings that outlive the call.
    let rc = unsafe { libc::renameat2(libc::AT_FDCWD, f.as_ptr(), libc::AT_FDCWD, t.as_ptr(), libc::RENAME_NOREPLACE) };
    if rc == 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::ENOTSUP) => {
            if to.exists() {
                return Err(io::Error::new(io::ErrorKind::AlreadyExists, format!("{} exists", to.display())));
            }
            std::fs::rename(from, to)
        }
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rename_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.mkv"), dir.path().join("b.mkv"));
        std::fs::write(&a, "a").unwrap();
        std::fs::write(&b, "b").unwrap();
        let e = rename_no_replace(&a, &b).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(
            (std::fs::read_to_string(&a).unwrap(), std::fs::read_to_string(&b).unwrap()),
            ("a".into(), "b".into())
        );
        let c = dir.path().join("c.mkv");
        rename_no_replace(&a, &c).unwrap();
        assert!(!a.exists() && std::fs::read_to_string(&c).unwrap() == "a");
    }

    #[tokio::test]
    async fn a_move_across_filesystems_copies_then_removes_and_leaves_no_temporary() {
        use std::os::unix::fs::MetadataExt;
        // /dev/shm is a tmpfs, so a move from there into the temporary folder is the
        // EXDEV path; on a machine where it is not another filesystem there is nothing to
        // test, and the test says so instead of passing quietly.
        let (from_dir, to_dir) = (tempfile::tempdir_in("/dev/shm").unwrap(), tempfile::tempdir().unwrap());
        let (dev_from, dev_to) = (from_dir.path().metadata().unwrap().dev(), to_dir.path().metadata().unwrap().dev());
        assert_ne!(
            dev_from,
            dev_to,
            "/dev/shm and {} are one filesystem here: the cross-device move is not exercised",
            to_dir.path().display()
        );
        let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let (from, to) = (from_dir.path().join("Film.2010.mkv"), to_dir.path().join("Film (2010).mkv"));
        std::fs::write(&from, &bytes).unwrap();
        move_file(&from, &to).await.unwrap();
        assert_eq!(std::fs::read(&to).unwrap(), bytes);
        assert!(!from.exists(), "the source is removed after the copy");
        let left: Vec<_> = std::fs::read_dir(to_dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, [std::ffi::OsString::from("Film (2010).mkv")], "no .moving-* temporary is left");
        // A second move to the same name is refused, and the source is kept.
        std::fs::write(&from, b"other").unwrap();
        assert_eq!(move_file(&from, &to).await.unwrap_err().kind(), io::ErrorKind::AlreadyExists);
        assert_eq!((std::fs::read(&from).unwrap(), std::fs::read(&to).unwrap()), (b"other".to_vec(), bytes));
        assert_eq!(std::fs::read_dir(to_dir.path()).unwrap().count(), 1, "the refused copy's temporary is removed too");
    }

    #[tokio::test]
    async fn a_claimed_file_is_neither_offered_nor_filed_by_hand() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().display().to_string();
        let config = Config::from_lookup(|name| match name {
            "BOT_TOKEN" => Some("1:token".into()),
            "BASE_DIR" => Some(base.clone()),
            _ => None,
        })
        .unwrap();
        std::fs::create_dir_all(&config.folders.downloads).unwrap();
        let file = config.folders.downloads.join("Some.Film.2001.mkv");
        std::fs::write(&file, "film").unwrap();
        let db = Db::open(&config.db_file).await.unwrap();
        let organizer = Organizer::new(Arc::new(config), db.clone()).unwrap();
        assert_eq!(organizer.candidates().await.unwrap(), std::slice::from_ref(&file));

        let claim = organizer.claim(&file).unwrap();
        assert!(organizer.claim(&file).is_none(), "one claim at a time");
        assert!(organizer.candidates().await.unwrap().is_empty());
        let name = ManualName {
            category: Category::Movie,
            title: "Film".into(),
            year: None,
            season: None,
            episode: None,
            resolution: None,
        };
        let refused = organizer.organize_manual(&file, &name, 1, None).await.unwrap_err();
        assert!(format!("{refused:#}").contains("being filed right now"), "{refused:#}");
        assert!(file.exists());

        drop(claim);
        let placed = organizer.organize_manual(&file, &name, 1, None).await.unwrap();
        assert!(placed.path.ends_with("Movies/Film/Film.mkv") && placed.path.exists() && !file.exists());
        db.close().await.unwrap();
    }
}
