//! bot-db's integration tests: one binary (as ripgrep and xshell do), run under every
//! feature combination by `.ci/run`. Every test goes through the public API and real files
//! in a temporary folder.

mod bad_input;
mod concurrent;
mod crash;
mod failure;
mod fixture;
mod model;

use bot_db::{Db, Method, Options, OrganizedEntry, QueueEntry, QueueState};

/// The form this build runs in, with a small journal limit where there is a journal, so
/// that tests fold often.
pub fn options() -> Options {
    let options = Options::from_features();
    #[cfg(feature = "batch")]
    let options = options.journal_limit(4096);
    options
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

pub async fn open(path: &std::path::Path) -> Db {
    Db::open_with(path, options()).await.unwrap_or_else(|e| panic!("opening {}: {e}", path.display()))
}

pub fn movie(path: &str, method: Method) -> OrganizedEntry {
    OrganizedEntry {
        path: path.into(),
        new_path: Some(format!("Movies/{path}")),
        title: Some("Title".into()),
        category: Some("movie".into()),
        year: Some(2010),
        season: None,
        episode: None,
        resolution: Some("1080p".into()),
        organized_by: Some(1),
        timestamp: Some("2026-12-03T10:00:00".into()),
        method,
    }
}

pub fn queued(user: i64, name: &str, size: u64) -> QueueEntry {
    QueueEntry {
        user_id: user,
        chat_id: user,
        file_id: format!("id-{name}"),
        file_unique_id: None,
        file_name: name.into(),
        file_size: size,
        mime_type: Some("video/x-matroska".into()),
        state: QueueState::Queued,
        bytes_done: 0,
        enqueued_at: None,
        status_message_id: None,
        error: None,
    }
}
