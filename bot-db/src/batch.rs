//! The `batch` feature: writes are applied to the tables in memory and committed to disk
//! in groups by one background tokio task (group commit).
//!
//! A write changes the tables under the state lock, appends its journal line to the
//! pending buffer, wakes the committer and waits. The committer takes everything pending
//! at once, appends it to the journal with one `write` and one `fdatasync` (on the blocking
//! pool, off the event loop), then acknowledges every write up to the last one it took. So
//! 64 concurrent writers share one fsync instead of queueing for 64, and a write's future
//! resolves only once the group holding it is durable. Readers read the tables in memory,
//! so a writer sees its own write as soon as it is applied.
//!
//! When the journal outgrows the database, the committer folds it back: it snapshots the
//! tables, makes sure every change in the snapshot is already in the journal (see
//! `disk`'s module docs for why that order makes a crash harmless), replaces `db.json`
//! with the snapshot and empties the journal. `close` does the same and removes the
//! journal, so a closed database is one plain TinyDB file again.
//!
//! The history is opened unread (see `format::History`): `Db`'s history operations call
//! [`Batch::read_history`] first, which parses it once on the blocking pool.
//!
//! After a failed commit the tables in memory hold changes the disk does not: every waiter
//! of that group gets the error, and so does every later call, until the database is
//! reopened (redb's `PreviousIo`).

use std::fs::File;
use std::io::{self, Write};
use std::mem;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use crate::disk;
use crate::error::{Error, Result};
use crate::format::Tables;
use crate::records::ChangeSet;

/// Fold the journal into `db.json` once it is larger than this, or than half the
/// database: often enough that opening stays fast, rarely enough that rewriting the whole
/// file is a small share of the work.
pub(crate) const DEFAULT_JOURNAL_LIMIT: u64 = 1 << 20;

pub(crate) struct Batch {
    path: PathBuf,
    /// A std lock: it is never held across an `.await`, and reads are plain memory access.
    state: RwLock<Memory>,
    /// Wakes the committer. `Notify` keeps one permit, so a wake-up sent while the
    /// committer is busy is not lost.
    wake: Notify,
    /// What is durable, for writers waiting on their sequence number.
    durable: watch::Sender<Durable>,
    committer: Mutex<Option<JoinHandle<()>>>,
    /// The smallest journal that is folded back into `db.json`.
    journal_limit: u64,
    /// Set with `Memory::poisoned`, so that reads answered by the cache, which never
    /// take the state lock, refuse too.
    is_poisoned: AtomicBool,
    /// Whether the journal's folder entry is durable. The open creates the journal but
    /// leaves that fsync to the first commit, off start-up; no write is acknowledged
    /// before it.
    journal_entry_durable: AtomicBool,
}

struct Memory {
    tables: Tables,
    /// The sequence number the next write gets. Written ones are 1..next_seq.
    next_seq: u64,
    /// Journal lines applied in memory but not yet handed to the disk.
    pending: Vec<u8>,
    poisoned: Option<Arc<io::Error>>,
    closing: bool,
}

#[derive(Clone, Debug, Default)]
struct Durable {
    /// Every write with a sequence number up to this one is on disk.
    through: u64,
    failed: Option<Arc<io::Error>>,
}

impl Batch {
    /// Starts the committer for `tables`, just loaded from `path`.
    pub fn start(path: PathBuf, tables: Tables, journal_limit: u64) -> Result<Arc<Batch>> {
        let journal = disk::open_journal(&path)?;
        let batch = Arc::new(Batch {
            path,
            state: RwLock::new(Memory { tables, next_seq: 1, pending: Vec::new(), poisoned: None, closing: false }),
            wake: Notify::new(),
            durable: watch::channel(Durable::default()).0,
            committer: Mutex::new(None),
            journal_limit,
            is_poisoned: AtomicBool::new(false),
            journal_entry_durable: AtomicBool::new(false),
        });
        let handle = tokio::spawn(Arc::clone(&batch).commit_loop(journal));
        *batch.committer.lock().unwrap_or_else(PoisonError::into_inner) = Some(handle);
        Ok(batch)
    }

    fn poisoned_error(&self, source: &Arc<io::Error>) -> Error {
        Error::Poisoned { path: self.path.clone(), source: Arc::clone(source) }
    }

    /// Fails if an earlier commit failed.
    pub fn check(&self) -> Result<()> {
        if self.is_poisoned.load(Ordering::Acquire) {
            return self.read(|_| ());
        }
        Ok(())
    }

    /// Whether the history is still the file's text (see [`Batch::read_history`]).
    pub fn history_unread(&self) -> bool {
        self.state.read().unwrap_or_else(PoisonError::into_inner).tables.unread_history().is_some()
    }

    /// Reads the history's documents if the open left them unread. Blocking (a large
    /// history takes a while): call it on the blocking pool. No lock is held while it
    /// parses (the text is shared, not copied), so reads and writes of the other tables go
    /// on meanwhile; the documents are put in under the write lock.
    pub fn read_history(&self) -> Result<()> {
        let unread = {
            let memory = self.state.read().unwrap_or_else(PoisonError::into_inner);
            match memory.tables.unread_history() {
                Some(unread) => unread.clone(),
                None => return Ok(()),
            }
        };
        let history = disk::read_history(&self.path, &unread)?;
        let mut memory = self.state.write().unwrap_or_else(PoisonError::into_inner);
        // Another caller may have read it meanwhile, and even changed it since: keep theirs.
        if memory.tables.unread_history().is_some() {
            memory.tables.set_history(history);
        }
        Ok(())
    }

    pub fn read<R>(&self, f: impl FnOnce(&Tables) -> R) -> Result<R> {
        let memory = self.state.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(e) = &memory.poisoned {
            return Err(self.poisoned_error(e));
        }
        Ok(f(&memory.tables))
    }

    /// Applies `f` in memory; returns its result and, if it changed anything, the sequence
    /// number to wait for with [`Batch::durable`]. `on_change` runs under the state lock.
    pub fn apply<R>(
        &self,
        f: impl FnOnce(&mut Tables, &mut ChangeSet) -> R,
        on_change: impl FnOnce(&ChangeSet),
    ) -> Result<(R, Option<u64>)> {
        let mut memory = self.state.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(e) = &memory.poisoned {
            return Err(self.poisoned_error(e));
        }
        if memory.closing {
            return Err(Error::Closed { path: self.path.clone() });
        }
        let mut changes = ChangeSet::default();
        let result = f(&mut memory.tables, &mut changes);
        if changes.is_empty() {
            return Ok((result, None));
        }
        let seq = memory.next_seq;
        memory.next_seq += 1;
        let Memory { tables, pending, .. } = &mut *memory;
        disk::encode_line(tables, seq, &changes, pending);
        on_change(&changes);
        drop(memory);
        self.wake.notify_one();
        Ok((result, Some(seq)))
    }

    /// Waits until write `seq` is durable.
    pub async fn durable(&self, seq: u64) -> Result<()> {
        let mut rx = self.durable.subscribe();
        let state = rx
            .wait_for(|d| d.through >= seq || d.failed.is_some())
            .await
            .map_err(|_| Error::Closed { path: self.path.clone() })?;
        match &state.failed {
            Some(e) if state.through < seq => Err(self.poisoned_error(e)),
            _ => Ok(()),
        }
    }

    /// Waits until every write applied so far is durable.
    pub async fn flush(&self) -> Result<()> {
        let last = self.state.read().unwrap_or_else(PoisonError::into_inner).next_seq - 1;
        self.wake.notify_one();
        self.durable(last).await
    }

    /// Tells the committer to commit what is pending, fold the journal and stop.
    pub fn signal_close(&self) {
        self.state.write().unwrap_or_else(PoisonError::into_inner).closing = true;
        self.wake.notify_one();
    }

    /// Commits everything, folds the journal into `db.json`, removes it, and stops.
    pub async fn close(&self) -> Result<()> {
        self.signal_close();
        let handle = self.committer.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(handle) = handle {
            // The committer does not panic on I/O errors; a panic would be a bug to surface.
            handle.await.expect("the database's committer task panicked");
        }
        let memory = self.state.read().unwrap_or_else(PoisonError::into_inner);
        match &memory.poisoned {
            Some(e) => Err(self.poisoned_error(e)),
            None => Ok(()),
        }
    }

    async fn commit_loop(self: Arc<Self>, journal: File) {
        let journal = Arc::new(journal);
        let mut journal_len = journal.metadata().map_or(0, |m| m.len());
        let mut fold_at = self.journal_limit;
        loop {
            self.wake.notified().await;
            let (bytes, through, closing) = {
                let mut memory = self.state.write().unwrap_or_else(PoisonError::into_inner);
                (mem::take(&mut memory.pending), memory.next_seq - 1, memory.closing)
            };
            let written = bytes.len() as u64;
            if let Err(e) = self.blocking(&journal, move |me, j| me.commit(j, &bytes)).await {
                return self.fail(e);
            }
            journal_len += written;
            self.durable.send_modify(|d| d.through = d.through.max(through));
            if closing || journal_len > fold_at {
                match self.blocking(&journal, move |me, j| me.fold(j, closing)).await {
                    Ok(db_size) => {
                        journal_len = 0;
                        fold_at = self.journal_limit.max(db_size / 2);
                    }
                    Err(e) => return self.fail(e),
                }
            }
            if closing {
                return;
            }
        }
    }

    /// Runs disk work on tokio's blocking pool, off the event loop.
    async fn blocking<R: Send + 'static>(
        self: &Arc<Self>,
        journal: &Arc<File>,
        work: impl FnOnce(&Batch, &File) -> io::Result<R> + Send + 'static,
    ) -> io::Result<R> {
        let (me, journal) = (Arc::clone(self), Arc::clone(journal));
        tokio::task::spawn_blocking(move || work(&me, &journal))
            .await
            .unwrap_or_else(|e| Err(io::Error::other(format!("the commit task failed: {e}"))))
    }

    fn fail(&self, error: io::Error) {
        let error = Arc::new(error);
        tracing::error!(db = %self.path.display(), error = %error, "a database commit failed; refusing further writes until reopened");
        self.state.write().unwrap_or_else(PoisonError::into_inner).poisoned = Some(Arc::clone(&error));
        self.is_poisoned.store(true, Ordering::Release);
        self.durable.send_modify(|d| d.failed = Some(error));
    }

    /// Appends a group to the journal and makes it durable.
    fn commit(&self, mut journal: &File, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        journal.write_all(bytes)?;
        journal.sync_data()?;
        if !self.journal_entry_durable.load(Ordering::Acquire) {
            disk::sync_folder(&self.path).map_err(into_io)?;
            self.journal_entry_durable.store(true, Ordering::Release);
        }
        Ok(())
    }

    /// Folds the journal into `db.json`; returns the new database's size. When `remove`,
    /// the journal file is deleted afterwards instead of emptied.
    fn fold(&self, journal: &File, remove: bool) -> io::Result<u64> {
        let (snapshot, pending, through) = {
            let mut memory = self.state.write().unwrap_or_else(PoisonError::into_inner);
            (disk::serialize(&memory.tables), mem::take(&mut memory.pending), memory.next_seq - 1)
        };
        // Everything in the snapshot must be in the journal before db.json is replaced,
        // so that replaying the journal over the new db.json gives the snapshot again.
        self.commit(journal, &pending)?;
        // Those writes are durable now (in the journal): acknowledge them before the
        // riskier replacement of db.json, so none is reported failed yet kept.
        self.durable.send_modify(|d| d.through = d.through.max(through));
        disk::replace(&self.path, &snapshot).map_err(into_io)?;
        let journal_path = disk::journal_path(&self.path);
        if remove {
            std::fs::remove_file(&journal_path)?;
            disk::sync_folder(&self.path).map_err(into_io)?;
        } else {
            journal.set_len(0)?;
            journal.sync_data()?;
        }
        Ok(snapshot.len() as u64)
    }
}

fn into_io(e: Error) -> io::Error {
    match e {
        Error::Write { source, .. } | Error::Read { source, .. } => source,
        other => io::Error::other(other.to_string()),
    }
}
