//! The bot's database: one JSON file, `db.json`, in TinyDB 4's layout, so that a database
//! written by the Python bot opens as it is and the Python bot can still read ours.
//!
//! It keeps users, global and per-user download statistics, the history of organized
//! files, an error log and the download queue. It knows nothing of Telegram or of media:
//! the bot hands it plain records.
//!
//! The same API runs three ways, chosen by cargo features, and every combination reads and
//! writes the same files:
//!
//! - no feature, the **baseline**: the file is the only state. Every read opens, reads and
//!   parses the whole file; every write reads it, changes it and durably replaces it, on
//!   the calling thread (as TinyDB did, on the event loop).
//! - `cache`: answers to reads come from a bounded LRU, kept coherent with writes by
//!   per-table generation numbers (`cache.rs`).
//! - `batch`: the tables live in memory; writes are journaled and committed in groups by a
//!   background tokio task, and a write's future resolves once its group is durable
//!   (`batch.rs`). The history (`organized`, by far the largest table) is opened as the
//!   file's text, its syntax checked, and read into documents on its first use, so that
//!   start-up does not pay for it.
//!
//! Durability, in every mode: a crash at any moment leaves a database that opens, holding
//! every write whose future had resolved (`disk.rs` has the write order and the
//! assumptions behind it). A file that is not a database fails to open with an error that
//! names it and the position, and is never overwritten. The one error found later: in the
//! `batch` form, a history that is valid JSON but holds a wrong type (a number for a
//! path) is reported, with the same message, by the first operation on the history; the
//! other tables work meanwhile, and the history is written back as the file had it.
//!
//! A build with a feature can still run without it ([`Options`]), so one benchmark binary
//! can measure the baseline and the optimized form side by side, in the same run.

#[cfg(feature = "batch")]
mod batch;
#[cfg(feature = "cache")]
mod cache;
mod disk;
mod error;
pub mod fixture;
mod format;
mod records;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

pub use error::{Error, Result};
pub use format::DocId;
pub use records::{
    DownloadOutcome, ErrorEntry, Method, Organized, OrganizedEntry, Page, PageStart, QueueEntry, QueueState,
    QueueUpdate, Queued, Stats, UserId,
};

use format::Tables;
use records::{ChangeSet, HistoryFilter};

/// How a database runs. [`Options::from_features`] (what [`Db::open`] uses) turns on
/// everything the build has; the other constructors exist to measure one form against
/// another in a single build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Entries in the read cache; 0 turns it off.
    cache_capacity: usize,
    batch: bool,
    /// With `batch`: the smallest journal that is folded back into `db.json`.
    journal_limit: u64,
}

/// Enough for every page and per-user answer the bot asks for, a few hundred kB at most.
const DEFAULT_CACHE_CAPACITY: usize = 4096;

#[cfg(feature = "batch")]
use batch::DEFAULT_JOURNAL_LIMIT;
#[cfg(not(feature = "batch"))]
const DEFAULT_JOURNAL_LIMIT: u64 = 0;

impl Options {
    /// Everything this build was compiled with.
    pub fn from_features() -> Options {
        Options {
            cache_capacity: if cfg!(feature = "cache") { DEFAULT_CACHE_CAPACITY } else { 0 },
            batch: cfg!(feature = "batch"),
            journal_limit: DEFAULT_JOURNAL_LIMIT,
        }
    }

    /// The baseline, whatever the build.
    pub fn baseline() -> Options {
        Options { cache_capacity: 0, batch: false, journal_limit: DEFAULT_JOURNAL_LIMIT }
    }

    /// Sets the read cache's size (0 turns it off).
    #[cfg(feature = "cache")]
    pub fn cache(self, capacity: usize) -> Options {
        Options { cache_capacity: capacity, ..self }
    }

    /// Turns group commit on or off.
    #[cfg(feature = "batch")]
    pub fn batch(self, on: bool) -> Options {
        Options { batch: on, ..self }
    }

    /// Folds the journal back into `db.json` once it holds more than `bytes` (or half the
    /// database). Small values fold often; tests use them to crash during folds.
    #[cfg(feature = "batch")]
    pub fn journal_limit(self, bytes: u64) -> Options {
        Options { journal_limit: bytes, ..self }
    }

    /// A short name for reports: `baseline`, `cache`, `batch` or `cache+batch`.
    pub fn name(&self) -> &'static str {
        match (self.cache_capacity > 0, self.batch) {
            (false, false) => "baseline",
            (true, false) => "cache",
            (false, true) => "batch",
            (true, true) => "cache+batch",
        }
    }
}

/// A handle to the database. Cheap to clone: clones share one database.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    engine: Engine,
    #[cfg(feature = "cache")]
    cache: Option<cache::QueryCache>,
    #[cfg(feature = "cache")]
    generations: cache::Generations,
    closed: AtomicBool,
}

/// Where reads come from and how writes reach the disk.
enum Engine {
    /// The baseline: the file is the only state.
    File {
        /// Serializes read-modify-write cycles so that concurrent writers do not lose each
        /// other's changes. A std mutex, held without `.await`: the baseline blocks its
        /// thread for the whole cycle, as the original did.
        writer: Mutex<()>,
    },
    #[cfg(feature = "batch")]
    Memory(Arc<batch::Batch>),
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Like mini-redis's `DbDropGuard`: the last handle going away tells the committer
        // to commit what is pending and stop. `close` is the way to wait for that.
        #[cfg(feature = "batch")]
        if let Engine::Memory(b) = &self.engine {
            b.signal_close();
        }
    }
}

// Reads are named after the cache key they use, so the `read` calls below stay short.
#[cfg(feature = "cache")]
use cache::Query;

/// Without the cache there is nothing to key, and no key is built.
#[cfg(not(feature = "cache"))]
macro_rules! key {
    ($($t:tt)*) => {
        ()
    };
}
#[cfg(feature = "cache")]
macro_rules! key {
    ($($t:tt)*) => {
        $($t)*
    };
}

#[cfg(feature = "cache")]
type Key = Query;
#[cfg(not(feature = "cache"))]
type Key = ();

/// Runs blocking disk work for the database at `path` on tokio's blocking pool. A panic
/// there is a bug and is surfaced as one; a task the runtime dropped while shutting down
/// reads as a closed database.
async fn on_blocking_pool<R: Send + 'static>(
    path: &Path,
    work: impl FnOnce() -> Result<R> + Send + 'static,
) -> Result<R> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(Error::Closed { path: path.to_owned() }),
    }
}

impl Db {
    /// Opens the database at `path` (creating it if missing) with every optimization this
    /// build has.
    pub async fn open(path: impl Into<PathBuf>) -> Result<Db> {
        Db::open_with(path, Options::from_features()).await
    }

    /// Opens the database at `path` in the form `options` names.
    pub async fn open_with(path: impl Into<PathBuf>, options: Options) -> Result<Db> {
        let path = path.into();
        // Every mode reads the file once here: to fold a journal a crash left, and to
        // refuse a broken file now rather than at the first command. On the blocking pool:
        // parsing a large history takes a while (123 ms at 100,000 rows), and the caller's
        // runtime can meanwhile do other start-up work (the bot asks Telegram who it is).
        let reading = path.clone();
        // The `batch` form keeps the tables in memory and reads the history on first use;
        // the file form only checks the file, and reads it whole at every operation.
        let unread_history = options.batch;
        let tables = on_blocking_pool(&path, move || disk::open_tables(&reading, unread_history)).await?;
        let engine = if options.batch {
            Self::memory_engine(&path, tables, options.journal_limit)?
        } else {
            drop(tables);
            Engine::File { writer: Mutex::new(()) }
        };
        Ok(Db {
            inner: Arc::new(Inner {
                #[cfg(feature = "cache")]
                cache: std::num::NonZeroUsize::new(options.cache_capacity).map(cache::QueryCache::new),
                #[cfg(feature = "cache")]
                generations: Default::default(),
                path,
                engine,
                closed: AtomicBool::new(false),
            }),
        })
    }

    #[cfg(feature = "batch")]
    fn memory_engine(path: &Path, tables: Tables, journal_limit: u64) -> Result<Engine> {
        Ok(Engine::Memory(batch::Batch::start(path.to_owned(), tables, journal_limit)?))
    }

    #[cfg(not(feature = "batch"))]
    fn memory_engine(_: &Path, _: Tables, _: u64) -> Result<Engine> {
        unreachable!("Options::batch is only settable in builds with the `batch` feature")
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    fn check_open(&self) -> Result<()> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(Error::Closed { path: self.inner.path.clone() });
        }
        #[cfg(feature = "batch")]
        if let Engine::Memory(b) = &self.inner.engine {
            b.check()?;
        }
        Ok(())
    }

    async fn read<R>(&self, key: Key, query: impl FnOnce(&Tables) -> R) -> Result<R>
    where
        R: Clone + Send + Sync + 'static,
    {
        self.check_open()?;
        #[cfg(feature = "cache")]
        let generation = {
            if let Some(hit) = self.inner.cache.as_ref().and_then(|c| c.get::<R>(&key, &self.inner.generations)) {
                return Ok(hit);
            }
            // Taken before the data is read: a write in between makes this answer stale.
            self.inner.generations.get(key.table())
        };
        let answer = match &self.inner.engine {
            Engine::File { .. } => query(&disk::load(&self.inner.path)?),
            #[cfg(feature = "batch")]
            Engine::Memory(b) => b.read(query)?,
        };
        #[cfg(feature = "cache")]
        if let Some(cache) = &self.inner.cache {
            cache.put(key, generation, answer.clone());
        }
        #[cfg(not(feature = "cache"))]
        let () = key;
        Ok(answer)
    }

    /// [`Db::read`] of a query on the history, which the `batch` form reads on first use.
    async fn read_history<R>(&self, key: Key, query: impl FnOnce(&Tables) -> R) -> Result<R>
    where
        R: Clone + Send + Sync + 'static,
    {
        self.history_ready().await?;
        self.read(key, query).await
    }

    /// [`Db::write`] of a change to the history.
    async fn write_history<R>(&self, change: impl FnOnce(&mut Tables, &mut ChangeSet) -> R) -> Result<R> {
        self.history_ready().await?;
        self.write(change).await
    }

    /// Makes sure the history's documents are in memory (the `batch` form opens without
    /// them). Reading them is blocking work, so it goes to the blocking pool.
    async fn history_ready(&self) -> Result<()> {
        self.check_open()?;
        #[cfg(feature = "batch")]
        if let Engine::Memory(b) = &self.inner.engine {
            if b.history_unread() {
                let b = Arc::clone(b);
                return on_blocking_pool(&self.inner.path, move || b.read_history()).await;
            }
        }
        Ok(())
    }

    async fn write<R>(&self, change: impl FnOnce(&mut Tables, &mut ChangeSet) -> R) -> Result<R> {
        self.check_open()?;
        match &self.inner.engine {
            Engine::File { writer } => {
                let _one_writer = writer.lock().unwrap_or_else(PoisonError::into_inner);
                let mut tables = disk::load(&self.inner.path)?;
                let mut changes = ChangeSet::default();
                let result = change(&mut tables, &mut changes);
                if !changes.is_empty() {
                    disk::replace(&self.inner.path, &disk::serialize(&tables))?;
                    self.changed(&changes);
                }
                Ok(result)
            }
            #[cfg(feature = "batch")]
            Engine::Memory(b) => {
                let (result, seq) = b.apply(change, |changes| self.changed(changes))?;
                if let Some(seq) = seq {
                    b.durable(seq).await?;
                }
                Ok(result)
            }
        }
    }

    /// Marks cached answers about the changed tables stale.
    fn changed(&self, _changes: &ChangeSet) {
        #[cfg(feature = "cache")]
        for (table, _) in &_changes.touched {
            self.inner.generations.bump(*table);
        }
    }

    /// Records `id` as a user; true if it is new. The bot calls it for every command.
    pub async fn add_user(&self, id: UserId) -> Result<bool> {
        // With the cache, a user already known is answered from it, and the write (which
        // in the file form parses the whole file to find the user there) is skipped.
        #[cfg(feature = "cache")]
        if let Some(cache) = &self.inner.cache {
            self.check_open()?;
            let key = Query::HasUser(id);
            if cache.get::<bool>(&key, &self.inner.generations) == Some(true) {
                return Ok(false);
            }
            // Taken before the write reads: if the write adds the user it bumps the
            // generation, and this answer is simply a miss next time.
            let generation = self.inner.generations.get(key.table());
            let added = self.write(|t, ch| records::add_user(t, id, ch)).await?;
            cache.put(key, generation, true);
            return Ok(added);
        }
        self.write(|t, ch| records::add_user(t, id, ch)).await
    }

    pub async fn has_user(&self, id: UserId) -> Result<bool> {
        self.read(key!(Query::HasUser(id)), |t| records::has_user(t, id)).await
    }

    pub async fn user_count(&self) -> Result<usize> {
        self.read(key!(Query::UserCount), records::user_count).await
    }

    pub async fn users(&self) -> Result<Vec<UserId>> {
        self.read(key!(Query::Users), records::users).await
    }

    /// Adds a finished (or failed) download to the global and the user's statistics.
    pub async fn record_download(&self, outcome: DownloadOutcome) -> Result<()> {
        self.write(|t, ch| records::record_download(t, &outcome, ch)).await
    }

    pub async fn global_stats(&self) -> Result<Stats> {
        self.read(key!(Query::GlobalStats), records::global_stats).await
    }

    pub async fn user_stats(&self, user: UserId) -> Result<Stats> {
        self.read(key!(Query::UserStats(user)), |t| records::user_stats(t, user)).await
    }

    /// Every user's statistics, in the order they first downloaded.
    pub async fn all_user_stats(&self) -> Result<Vec<(UserId, Stats)>> {
        self.read(key!(Query::AllUserStats), records::all_user_stats).await
    }

    /// Records an organized file; returns its id.
    pub async fn insert_organized(&self, entry: OrganizedEntry) -> Result<DocId> {
        self.write_history(|t, ch| records::insert_organized(t, entry, ch)).await
    }

    pub async fn organized(&self, id: DocId) -> Result<Option<Organized>> {
        self.read_history(key!(Query::Organized(id)), |t| records::organized(t, id)).await
    }

    /// Removes the record (not the file); false if there was none.
    pub async fn delete_organized(&self, id: DocId) -> Result<bool> {
        self.write_history(|t, ch| records::delete_organized(t, id, ch)).await
    }

    /// Whether a file that was at `path` has been organized already.
    pub async fn is_organized(&self, path: &str) -> Result<bool> {
        self.read_history(key!(Query::IsOrganized(path.to_owned())), |t| records::is_organized(t, path)).await
    }

    /// The record of the file now at `new_path` in the library (the newest, if several).
    pub async fn organized_at(&self, new_path: &str) -> Result<Option<Organized>> {
        self.read_history(key!(Query::OrganizedAt(new_path.to_owned())), |t| records::organized_at(t, new_path)).await
    }

    /// Page `page` (from 0) of everything organized, newest first.
    pub async fn history_page(&self, page: usize, per_page: usize) -> Result<Page<Organized>> {
        self.history(HistoryFilter::All, None, page, per_page).await
    }

    /// Page `page` of the list [`Page::through`] names: entries organized since it are
    /// left out, so paging through it neither repeats nor skips an entry while files keep
    /// being organized. Deleted entries drop out and later ones move up.
    pub async fn history_page_through(
        &self,
        through: Option<DocId>,
        page: usize,
        per_page: usize,
    ) -> Result<Page<Organized>> {
        self.history(HistoryFilter::All, through, page, per_page).await
    }

    /// Page `page` (from 0) of the manually organized files, newest first.
    pub async fn manual_page(&self, page: usize, per_page: usize) -> Result<Page<Organized>> {
        self.history(HistoryFilter::Manual, None, page, per_page).await
    }

    /// [`Db::manual_page`] of the list `through` names (see [`Db::history_page_through`]).
    pub async fn manual_page_through(
        &self,
        through: Option<DocId>,
        page: usize,
        per_page: usize,
    ) -> Result<Page<Organized>> {
        self.history(HistoryFilter::Manual, through, page, per_page).await
    }

    /// The page of everything organized (up to `through`) that starts at `start`: a page
    /// number, or the entry a page's [`Page::older`] or [`Page::newer`] names.
    pub async fn history_page_at(
        &self,
        through: Option<DocId>,
        start: PageStart,
        per_page: usize,
    ) -> Result<Page<Organized>> {
        self.history_at(HistoryFilter::All, through, start, per_page).await
    }

    /// [`Db::history_page_at`] of the manually organized files.
    pub async fn manual_page_at(
        &self,
        through: Option<DocId>,
        start: PageStart,
        per_page: usize,
    ) -> Result<Page<Organized>> {
        self.history_at(HistoryFilter::Manual, through, start, per_page).await
    }

    async fn history(
        &self,
        filter: HistoryFilter,
        through: Option<DocId>,
        page: usize,
        per_page: usize,
    ) -> Result<Page<Organized>> {
        self.history_at(filter, through, PageStart::Number(page), per_page).await
    }

    async fn history_at(
        &self,
        filter: HistoryFilter,
        through: Option<DocId>,
        start: PageStart,
        per_page: usize,
    ) -> Result<Page<Organized>> {
        let key = key!(Query::History { filter, through, start, per_page });
        self.read_history(key, |t| records::history_page(t, filter, through, start, per_page)).await
    }

    /// The most recent manual organize (for `/propagate`).
    pub async fn last_manual_organize(&self) -> Result<Option<Organized>> {
        self.read_history(key!(Query::LastManual(None)), |t| records::last_manual(t, None)).await
    }

    /// The most recent manual organize by `user` (an admin's `/propagate` follows on from
    /// their own organize, not another admin's).
    pub async fn last_manual_organize_by(&self, user: UserId) -> Result<Option<Organized>> {
        self.read_history(key!(Query::LastManual(Some(user))), |t| records::last_manual(t, Some(user))).await
    }

    pub async fn log_error(&self, entry: ErrorEntry) -> Result<DocId> {
        self.write(|t, ch| records::log_error(t, entry, ch)).await
    }

    pub async fn error_count(&self) -> Result<usize> {
        self.read(key!(Query::ErrorCount), records::error_count).await
    }

    /// Adds a download to the queue; returns its id. Ids grow, so id order is arrival order.
    pub async fn enqueue(&self, entry: QueueEntry) -> Result<DocId> {
        self.write(|t, ch| records::enqueue(t, entry, ch)).await
    }

    /// Changes a queued download; false if it is not in the queue.
    pub async fn update_queue(&self, id: DocId, update: QueueUpdate) -> Result<bool> {
        self.write(|t, ch| records::update_queue(t, id, update, ch)).await
    }

    /// The queue, in arrival order.
    pub async fn queue(&self) -> Result<Vec<Queued>> {
        self.read(key!(Query::Queue), records::queue).await
    }

    pub async fn remove_queue(&self, id: DocId) -> Result<bool> {
        self.write(|t, ch| records::remove_queue(t, id, ch)).await
    }

    /// Waits until every write made so far is durable (they all are already, unless
    /// writes are batched).
    pub async fn flush(&self) -> Result<()> {
        self.check_open()?;
        match &self.inner.engine {
            Engine::File { .. } => Ok(()),
            #[cfg(feature = "batch")]
            Engine::Memory(b) => b.flush().await,
        }
    }

    /// Commits everything, leaves `db.json` as one plain file (no journal), and closes the
    /// database for every handle. Later calls fail with [`Error::Closed`].
    pub async fn close(&self) -> Result<()> {
        if self.inner.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        match &self.inner.engine {
            Engine::File { .. } => Ok(()),
            #[cfg(feature = "batch")]
            Engine::Memory(b) => b.close().await,
        }
    }
}
