//! The download queue: what users send is recorded in the database first (so it survives
//! a restart, graceful or not), then downloaded at most `MAX_CONCURRENT_DOWNLOADS` at a
//! time in arrival order, then handed to the organizer.
//!
//! - One queue-runner task takes queue ids in FIFO order and waits for a slot of the
//!   semaphore before it starts each job, so the order is the order of arrival.
//! - A job streams the file into `DOWNLOAD_DIR/.partial-<id>-<name>` (memory does not grow
//!   with the file), resuming with HTTP `Range` after a dropped connection or a restart,
//!   and renames it to the file's name when complete. A local Bot API server (`--local`)
//!   hands out absolute paths; those files are copied from disk instead.
//! - Each job has a cancellation token, a child of the shutdown token. Cancel (the button)
//!   and the time limit remove the partial file; shutdown stops the job at a safe point,
//!   keeps the partial file and leaves the job queued for the next start.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use bot_db::{Db, DocId, DownloadOutcome, ErrorEntry, QueueEntry, QueueState, QueueUpdate};
use once_cell::sync::OnceCell;
use teloxide::prelude::*;
use teloxide::types::{FileId, InlineKeyboardButton, InlineKeyboardMarkup, MessageId};
use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::handlers::TgBot;
use crate::naming::sanitize_component;
use crate::organize::{Claim, Organizer};
use crate::redact::Redactor;
use crate::report;

/// Files above this get a status update every minute instead of every 15 seconds.
const LARGE_FILE: u64 = 500 * 1024 * 1024;
/// Room to leave on the disk beyond the file itself.
const FREE_SPACE_MARGIN: u64 = 64 * 1024 * 1024;
/// Attempts of one transfer before it fails (connection drops, 5xx).
const TRANSFER_ATTEMPTS: u32 = 5;

/// What a user sent, to be downloaded.
#[derive(Clone, Debug)]
pub struct Request {
    pub user: i64,
    pub chat: i64,
    pub file_id: String,
    pub file_unique_id: Option<String>,
    pub file_name: String,
    pub file_size: u64,
    pub mime_type: Option<String>,
}

/// What the user is told at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accepted {
    Starting,
    Queued { position: usize },
}

#[derive(Clone)]
pub struct Downloads {
    inner: Arc<Inner>,
}

struct Inner {
    bot: TgBot,
    db: Db,
    config: Arc<Config>,
    organizer: Organizer,
    /// For the file route; no overall timeout (a 2 GB file takes its time), a read
    /// timeout instead so a stalled connection is noticed. Built at start-up in the
    /// baseline, at the first download with `lazy-init`.
    http: OnceCell<reqwest::Client>,
    slots: Arc<Semaphore>,
    queue_tx: mpsc::UnboundedSender<DocId>,
    /// A std mutex: held for a few map operations, never across an `.await`.
    state: Mutex<State>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
    redactor: Redactor,
}

#[derive(Default)]
struct State {
    /// Accepted, not started, in order.
    waiting: VecDeque<DocId>,
    /// Started, with the token that cancels each.
    running: HashMap<DocId, CancellationToken>,
    /// Bytes on disk so far of each transfer under way, for `/queue`'s progress bars.
    progress: HashMap<DocId, Arc<AtomicU64>>,
}

/// Why a transfer stopped before the end.
#[derive(Debug, thiserror::Error)]
enum TransferError {
    #[error("the file is larger than this Bot API server lets bots download")]
    TooBig,
    #[error("the disk is full")]
    DiskFull,
    /// Writing to the local disk failed: retrying would fail the same way.
    #[error("writing the file failed: {0}")]
    Disk(String),
    /// The transfer failed in a way worth retrying (connection, server).
    #[error("{0}")]
    Failed(String),
}

impl Downloads {
    pub fn start(
        bot: TgBot,
        db: Db,
        config: Arc<Config>,
        organizer: Organizer,
        shutdown: CancellationToken,
        redactor: Redactor,
    ) -> anyhow::Result<Downloads> {
        let http = OnceCell::new();
        if !cfg!(feature = "lazy-init") {
            http.set(download_client()?).expect("a new cell is empty");
        }
        let (queue_tx, queue_rx) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            slots: Arc::new(Semaphore::new(config.max_concurrent_downloads)),
            bot,
            db,
            config,
            organizer,
            http,
            queue_tx,
            state: Mutex::new(State::default()),
            shutdown,
            tracker: TaskTracker::new(),
            redactor,
        });
        inner.tracker.spawn(Arc::clone(&inner).run_queue(queue_rx));
        Ok(Downloads { inner })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts back in line what the last run left in the queue: queued and running
    /// downloads continue (a partial file resumes), anything else is dropped.
    pub async fn resume(&self) -> anyhow::Result<usize> {
        let mut resumed = 0;
        for queued in self.inner.db.queue().await.context("reading the download queue")? {
            match queued.entry.state {
                QueueState::Queued | QueueState::Running => {
                    self.state().waiting.push_back(queued.id);
                    let _ = self.inner.queue_tx.send(queued.id);
                    resumed += 1;
                }
                QueueState::Cancelled | QueueState::Failed => {
                    self.inner.db.remove_queue(queued.id).await?;
                }
            }
        }
        if resumed > 0 {
            tracing::info!(downloads = resumed, "resuming the downloads the last run left");
        }
        Ok(resumed)
    }

    /// Records `request` in the queue and lines it up.
    pub async fn enqueue(&self, request: Request) -> anyhow::Result<(DocId, Accepted)> {
        let entry = QueueEntry {
            user_id: request.user,
            chat_id: request.chat,
            file_id: request.file_id,
            file_unique_id: request.file_unique_id,
            file_name: request.file_name,
            file_size: request.file_size,
            mime_type: request.mime_type,
            state: QueueState::Queued,
            bytes_done: 0,
            enqueued_at: Some(crate::clock::iso_now()),
            status_message_id: None,
            error: None,
        };
        let id = self.inner.db.enqueue(entry).await.context("recording the download in the queue")?;
        let accepted = {
            let mut state = self.state();
            let free = state.running.len() < self.inner.config.max_concurrent_downloads && state.waiting.is_empty();
            state.waiting.push_back(id);
            if free {
                Accepted::Starting
            } else {
                Accepted::Queued { position: state.waiting.len() }
            }
        };
        let _ = self.inner.queue_tx.send(id);
        Ok((id, accepted))
    }

    /// Cancels download `id`, waiting or running; false if it is neither.
    pub async fn cancel(&self, id: DocId) -> anyhow::Result<bool> {
        let running = {
            let mut state = self.state();
            if let Some(token) = state.running.get(&id) {
                token.cancel();
                true
            } else if let Some(at) = state.waiting.iter().position(|w| *w == id) {
                state.waiting.remove(at);
                false
            } else {
                return Ok(false);
            }
        };
        if !running {
            self.inner.db.remove_queue(id).await?;
        }
        Ok(true)
    }

    /// (running, waiting)
    pub fn counts(&self) -> (usize, usize) {
        let state = self.state();
        (state.running.len(), state.waiting.len())
    }

    /// Bytes on disk so far of each transfer under way (fresher than the database, which
    /// is updated with each status edit).
    pub fn progress(&self) -> HashMap<DocId, u64> {
        self.state().progress.iter().map(|(id, done)| (*id, done.load(Ordering::Relaxed))).collect()
    }

    /// Waits for every job to stop (after the shutdown token was cancelled).
    pub async fn stopped(&self) {
        self.inner.tracker.close();
        self.inner.tracker.wait().await;
    }
}

fn cancel_button(id: DocId) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("Cancel download", format!("cancel:{id}"))]])
}

impl Inner {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn run_queue(self: Arc<Self>, mut queue: mpsc::UnboundedReceiver<DocId>) {
        loop {
            let id = tokio::select! {
                id = queue.recv() => match id { Some(id) => id, None => return },
                _ = self.shutdown.cancelled() => return,
            };
            if !self.state().waiting.contains(&id) {
                continue; // cancelled while it waited
            }
            let permit = tokio::select! {
                permit = Arc::clone(&self.slots).acquire_owned() => match permit { Ok(p) => p, Err(_) => return },
                _ = self.shutdown.cancelled() => return,
            };
            let cancel = {
                let mut state = self.state();
                let Some(at) = state.waiting.iter().position(|w| *w == id) else { continue };
                state.waiting.remove(at);
                let token = self.shutdown.child_token();
                state.running.insert(id, token.clone());
                token
            };
            let me = Arc::clone(&self);
            self.tracker.spawn(async move {
                let _slot = permit;
                if let Err(e) = me.run_job(id, &cancel).await {
                    tracing::error!(download = id, error = %me.redactor.clean(&format!("{e:#}")), "a download job failed");
                }
                let mut state = me.state();
                state.running.remove(&id);
                state.progress.remove(&id);
            });
        }
    }

    async fn run_job(&self, id: DocId, cancel: &CancellationToken) -> anyhow::Result<()> {
        let Some(entry) = self.db.queue().await?.into_iter().find(|q| q.id == id).map(|q| q.entry) else {
            return Ok(()); // removed meanwhile
        };
        let chat = ChatId(entry.chat_id);
        let name = entry.file_name.clone();
        // Named by id alone: any name the user sent could make it too long or ambiguous.
        let partial = self.config.folders.downloads.join(format!(".partial-{id}"));
        let have = tokio::fs::metadata(&partial).await.map_or(0, |m| m.len());

        let needed = entry.file_size.saturating_sub(have) + FREE_SPACE_MARGIN;
        match crate::diagnostics::free_space(&self.config.folders.downloads) {
            Ok(free) if free < needed => {
                let text = format!(
                    "❌ Not enough free space for {name}: it needs {}, and {} is free in the Downloads folder. Free some space and send it again.",
                    report::bytes(needed),
                    report::bytes(free)
                );
                self.finish_failed(id, &entry, "not enough free space", &partial).await?;
                crate::retry::retry_after(self.bot.send_message(chat, text)).await?;
                return Ok(());
            }
            _ => {}
        }

        let status_text = if have > 0 {
            format!("⬇️ Resuming download: {name}")
        } else {
            format!("⬇️ Starting download: {name}")
        };
        let status =
            crate::retry::retry_after(self.bot.send_message(chat, status_text).reply_markup(cancel_button(id))).await?;
        let update = QueueUpdate {
            state: Some(QueueState::Running),
            status_message_id: Some(i64::from(status.id.0)),
            ..Default::default()
        };
        self.db.update_queue(id, update).await?;

        let started = Instant::now();
        let done = Arc::new(AtomicU64::new(have));
        self.state().progress.insert(id, Arc::clone(&done));
        let progress = self.report_progress(id, chat, status.id, &entry, Arc::clone(&done), started);
        let outcome = tokio::select! {
            result = self.transfer(&entry, &partial, &done) => Some(result),
            _ = cancel.cancelled() => None,
            _ = tokio::time::sleep(self.config.max_download_duration) => Some(Err(TransferError::Failed("timed out".into()))),
        };
        progress.abort();
        let elapsed = started.elapsed();

        let outcome = match outcome {
            Some(result) => result,
            None if self.shutdown.is_cancelled() => {
                // A safe point: what is on disk stays, and the job waits for the next start.
                let bytes = tokio::fs::metadata(&partial).await.map_or(0, |m| m.len());
                let update =
                    QueueUpdate { state: Some(QueueState::Queued), bytes_done: Some(bytes), ..Default::default() };
                self.db.update_queue(id, update).await?;
                let text = format!(
                    "⏸ {name}: paused for a restart of the bot, at {}. It resumes when the bot is back.",
                    report::bytes(bytes)
                );
                let _ = crate::retry::retry_after(self.bot.edit_message_text(chat, status.id, text)).await;
                return Ok(());
            }
            None => {
                let _ = tokio::fs::remove_file(&partial).await;
                self.db.remove_queue(id).await?;
                crate::retry::retry_after(self.bot.edit_message_text(
                    chat,
                    status.id,
                    format!("❌ Download cancelled: {name}. The partial file was removed."),
                ))
                .await?;
                return Ok(());
            }
        };

        let (staged, _claim) = match outcome {
            Ok(staged) => staged,
            Err(e) => {
                let text = match &e {
                    TransferError::TooBig => format!(
                        "❌ {name} is {}: bots may only download files up to 20 MB from Telegram's servers. \
                         A local Bot API server (telegram-bot-api --local, with TELEGRAM_API_URL pointing at it) lifts the limit to 2 GB.",
                        report::bytes(entry.file_size)
                    ),
                    TransferError::DiskFull => format!("❌ Download of {name} failed: the disk is full. The partial file was removed; free some space and send it again."),
                    TransferError::Failed(reason) if reason == "timed out" => format!(
                        "❌ Download of {name} cancelled: it took longer than the limit of {} (MAX_DOWNLOAD_DURATION).",
                        report::duration(self.config.max_download_duration)
                    ),
                    TransferError::Disk(reason) => format!("❌ Download of {name} failed: {reason}. Check the Downloads folder."),
                    TransferError::Failed(reason) => format!("❌ Download of {name} failed: {reason}. Send it again to retry."),
                };
                // Clean up first: when the user reads "removed", it is.
                self.finish_failed(id, &entry, &e.to_string(), &partial).await?;
                let _ = crate::retry::retry_after(self.bot.edit_message_text(chat, status.id, text)).await;
                return Ok(());
            }
        };

        let size = tokio::fs::metadata(&staged).await.map_or(0, |m| m.len());
        let speed = size as f64 / elapsed.as_secs_f64().max(1e-3);
        let summary = format!(
            "✅ Downloaded {name}: {} in {} ({}/s)",
            report::bytes(size),
            report::duration(elapsed),
            report::bytes(speed as u64)
        );
        let _ = crate::retry::retry_after(self.bot.edit_message_text(chat, status.id, summary)).await;
        let (running, _) = {
            let s = self.state();
            (s.running.len(), s.waiting.len())
        };
        let outcome = DownloadOutcome {
            user: entry.user_id,
            succeeded: true,
            bytes: size,
            seconds: elapsed.as_secs_f64(),
            concurrent: running as u64,
        };
        self.db.record_download(outcome).await?;
        self.db.remove_queue(id).await?;

        let processing =
            crate::retry::retry_after(self.bot.send_message(chat, format!("🔍 Analyzing {name}…"))).await?;
        match self.organizer.organize(&staged, &name, entry.user_id).await {
            Ok(placed) => {
                let shown = placed.path.strip_prefix(&self.config.folders.base).unwrap_or(&placed.path);
                let mut text = format!("📁 Filed in the library: {}", shown.display());
                if placed.uncertain {
                    text.push_str("\n⚠️ The title match was not certain: check it, and use /organize to correct it.");
                }
                crate::retry::retry_after(self.bot.edit_message_text(chat, processing.id, text)).await?;
            }
            Err(e) => {
                let reason = format!("{e:#}");
                tracing::error!(file = %name, error = %reason, "organizing failed");
                self.log_error(&reason, &name, "organize").await;
                let text = format!(
                    "⚠️ Downloaded {name}, but could not file it ({reason}). It stays in the Downloads folder."
                );
                crate::retry::retry_after(self.bot.edit_message_text(chat, processing.id, text)).await?;
            }
        }
        Ok(())
    }

    async fn finish_failed(&self, id: DocId, entry: &QueueEntry, reason: &str, partial: &Path) -> anyhow::Result<()> {
        let _ = tokio::fs::remove_file(partial).await;
        let outcome = DownloadOutcome { user: entry.user_id, succeeded: false, bytes: 0, seconds: 0.0, concurrent: 0 };
        self.db.record_download(outcome).await?;
        self.log_error(reason, &entry.file_name, "download").await;
        self.db.remove_queue(id).await?;
        Ok(())
    }

    async fn log_error(&self, error: &str, file: &str, stage: &str) {
        let entry = ErrorEntry {
            error: error.to_owned(),
            file: Some(file.to_owned()),
            stage: Some(stage.to_owned()),
            timestamp: Some(crate::clock::iso_now()),
        };
        if let Err(e) = self.db.log_error(entry).await {
            tracing::error!(error = %e, "cannot record an error in the database");
        }
    }

    /// Edits the status message every 15 s (every minute for large files) with progress,
    /// speed and time left, and records the progress in the queue.
    fn report_progress(
        &self,
        id: DocId,
        chat: ChatId,
        message: MessageId,
        entry: &QueueEntry,
        done: Arc<AtomicU64>,
        started: Instant,
    ) -> tokio::task::JoinHandle<()> {
        let every = if entry.file_size > LARGE_FILE { Duration::from_secs(60) } else { Duration::from_secs(15) };
        let (bot, db, name, total) = (self.bot.clone(), self.db.clone(), entry.file_name.clone(), entry.file_size);
        let start_bytes = done.load(Ordering::Relaxed);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                let now = done.load(Ordering::Relaxed);
                let elapsed = started.elapsed();
                let speed = (now - start_bytes) as f64 / elapsed.as_secs_f64().max(1e-3);
                let eta = if speed > 0.0 {
                    Duration::from_secs_f64(total.saturating_sub(now) as f64 / speed)
                } else {
                    Duration::ZERO
                };
                let text = format!(
                    "⬇️ Downloading {name}\n{}\n{} of {} · {}/s · {} left · {} elapsed",
                    report::progress_bar(now, total),
                    report::bytes(now),
                    report::bytes(total),
                    report::bytes(speed as u64),
                    report::duration(eta),
                    report::duration(elapsed)
                );
                let _ = crate::retry::retry_after(
                    bot.edit_message_text(chat, message, text).reply_markup(cancel_button(id)),
                )
                .await;
                let _ = db.update_queue(id, QueueUpdate { bytes_done: Some(now), ..Default::default() }).await;
            }
        })
    }

    /// Gets the file into `partial` and renames it to its own name in the staging folder.
    async fn transfer(
        &self,
        entry: &QueueEntry,
        partial: &Path,
        done: &AtomicU64,
    ) -> Result<(PathBuf, Claim), TransferError> {
        let file = self.get_file(&entry.file_id).await?;
        let source = Path::new(&file.path);
        if source.is_absolute() && tokio::fs::try_exists(source).await.unwrap_or(false) {
            // A local Bot API server: the file is on this machine already.
            tokio::fs::copy(source, partial).await.map_err(io_error)?;
            done.store(entry.file_size, Ordering::Relaxed);
        } else {
            self.stream(&file.path, entry.file_size, partial, done).await?;
        }
        // Claimed before it appears under its own name, so /organize never offers a file
        // this job is about to file; renamed without replacing anything already there.
        let wanted = self.config.folders.downloads.join(sanitize_component(&entry.file_name));
        for _ in 0..3 {
            let staged = crate::naming::unique_name(&wanted, |p| p.exists() || self.organizer.is_claimed(p))
                .ok_or_else(|| TransferError::Failed("no free name in the Downloads folder".into()))?;
            let Some(claim) = self.organizer.claim(&staged) else { continue };
            match crate::organize::rename_no_replace(partial, &staged) {
                Ok(()) => return Ok((staged, claim)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io_error(e)),
            }
        }
        Err(TransferError::Failed("no free name in the Downloads folder (names kept being taken)".into()))
    }

    async fn get_file(&self, file_id: &str) -> Result<teloxide::types::File, TransferError> {
        let mut delay = Duration::from_millis(500);
        for attempt in 1..=TRANSFER_ATTEMPTS {
            match self.bot.get_file(FileId(file_id.to_owned())).await {
                Ok(file) => return Ok(file),
                Err(e) if e.to_string().contains("too big") => return Err(TransferError::TooBig),
                Err(teloxide::RequestError::RetryAfter(after)) => tokio::time::sleep(after.duration()).await,
                Err(e) if attempt == TRANSFER_ATTEMPTS => {
                    return Err(TransferError::Failed(format!(
                        "Telegram did not hand out the file ({})",
                        self.redactor.clean(&e.to_string())
                    )))
                }
                Err(e) => {
                    tracing::warn!(error = %self.redactor.clean(&e.to_string()), "getFile failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
            }
        }
        // Every attempt was answered with 429: a failure, not a reason to wait forever.
        Err(TransferError::Failed("Telegram kept asking to wait (429) before handing out the file".into()))
    }

    /// Streams `{api}/file/bot{token}/{path}` into `partial`, resuming from what it
    /// holds with `Range`, retrying dropped connections with back-off.
    async fn stream(&self, path: &str, size: u64, partial: &Path, done: &AtomicU64) -> Result<(), TransferError> {
        let url = format!("{}/file/bot{}/{}", self.config.telegram_api_url, self.config.bot_token.expose(), path);
        let mut delay = Duration::from_millis(500);
        let mut last_error = String::new();
        for attempt in 1..=TRANSFER_ATTEMPTS {
            match self.stream_once(&url, size, partial, done).await {
                Ok(()) => return Ok(()),
                Err(TransferError::Failed(reason)) => {
                    tracing::warn!(attempt, error = %self.redactor.clean(&reason), "download interrupted; resuming");
                    last_error = reason;
                }
                Err(other) => return Err(other),
            }
            if attempt < TRANSFER_ATTEMPTS {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(8));
            }
        }
        Err(TransferError::Failed(format!("the connection kept failing ({})", self.redactor.clean(&last_error))))
    }

    async fn stream_once(&self, url: &str, size: u64, partial: &Path, done: &AtomicU64) -> Result<(), TransferError> {
        let have = tokio::fs::metadata(partial).await.map_or(0, |m| m.len());
        if size > 0 && have == size {
            return Ok(());
        }
        let http = self.http.get_or_try_init(download_client).map_err(|e| TransferError::Failed(format!("{e:#}")))?;
        let mut request = http.get(url);
        if have > 0 {
            request = request.header(reqwest::header::RANGE, format!("bytes={have}-"));
        }
        let mut response = request.send().await.map_err(|e| TransferError::Failed(e.without_url().to_string()))?;
        let status = response.status();
        let append = match status {
            reqwest::StatusCode::PARTIAL_CONTENT => true,
            reqwest::StatusCode::OK => false,
            reqwest::StatusCode::RANGE_NOT_SATISFIABLE => {
                // The partial file is no prefix of this file: start over.
                let _ = tokio::fs::remove_file(partial).await;
                return Err(TransferError::Failed("the partial file did not match; starting over".into()));
            }
            other => return Err(TransferError::Failed(format!("the file server answered {other}"))),
        };
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(partial)
            .await
            .map_err(io_error)?;
        let mut written = if append { have } else { 0 };
        done.store(written, Ordering::Relaxed);
        let mut buffer = tokio::io::BufWriter::with_capacity(256 * 1024, &mut file);
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    buffer.write_all(&chunk).await.map_err(io_error)?;
                    written += chunk.len() as u64;
                    done.store(written, Ordering::Relaxed);
                }
                Ok(None) => break,
                Err(e) => {
                    buffer.flush().await.map_err(io_error)?;
                    return Err(TransferError::Failed(e.without_url().to_string()));
                }
            }
        }
        buffer.flush().await.map_err(io_error)?;
        file.sync_data().await.map_err(io_error)?;
        if size > 0 && written != size {
            return Err(TransferError::Failed(format!("the connection ended at {written} of {size} bytes")));
        }
        Ok(())
    }
}

fn download_client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(60))
        .build()
        .context("building the download HTTP client")
}

fn io_error(e: io::Error) -> TransferError {
    if e.raw_os_error() == Some(libc::ENOSPC) {
        TransferError::DiskFull
    } else {
        TransferError::Disk(e.to_string())
    }
}
