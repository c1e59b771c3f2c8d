//! Test helper for `tests/it/crash.rs`: writes to a database in a loop from several tasks
//! until it is killed, printing each write only after its future resolved. Whatever it
//! printed must be in the database after the kill.
//!
//! Usage: `bot-db-crash-writer DB_PATH TAG WRITERS JOURNAL_LIMIT`. Output lines:
//! `ready`, then `organized <path>`, `download <user>`, `removed <queue id>`.

use std::io::Write;

use bot_db::{Db, DownloadOutcome, Method, Options, OrganizedEntry, QueueEntry, QueueState};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, tag, writers, journal_limit] = &args[..] else {
        eprintln!("usage: bot-db-crash-writer DB_PATH TAG WRITERS JOURNAL_LIMIT");
        std::process::exit(2);
    };
    let writers: i64 = writers.parse().expect("WRITERS is a number");
    let journal_limit: u64 = journal_limit.parse().expect("JOURNAL_LIMIT is a number");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let options = Options::from_features();
        #[cfg(feature = "batch")]
        let options = options.journal_limit(journal_limit);
        let _ = journal_limit;
        let db = Db::open_with(path, options).await.expect("the database opens");
        say("ready".into());
        let tasks: Vec<_> =
            (0..writers).map(|w| tokio::spawn(write_forever(db.clone(), format!("{tag}-{w}"), w))).collect();
        for task in tasks {
            task.await.expect("writer task");
        }
    });
}

fn say(line: String) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").expect("stdout");
    out.flush().expect("stdout");
}

async fn write_forever(db: Db, name: String, user: i64) {
    for i in 0.. {
        let path = format!("{name}-{i}.mkv");
        let entry = OrganizedEntry {
            path: path.clone(),
            new_path: Some(format!("Movies/{path}")),
            title: Some(name.clone()),
            category: Some("movie".into()),
            year: Some(2000 + i % 20),
            season: None,
            episode: None,
            resolution: Some("1080p".into()),
            organized_by: Some(user),
            timestamp: None,
            method: Method::Auto,
        };
        db.insert_organized(entry).await.expect("insert");
        say(format!("organized {path}"));
        if i % 3 == 0 {
            let outcome = DownloadOutcome { user, succeeded: true, bytes: 10, seconds: 0.5, concurrent: 1 };
            db.record_download(outcome).await.expect("record download");
            say(format!("download {user}"));
        }
        if i % 4 == 0 {
            let entry = QueueEntry {
                user_id: user,
                chat_id: user,
                file_id: path.clone(),
                file_unique_id: None,
                file_name: path.clone(),
                file_size: 100,
                mime_type: None,
                state: QueueState::Queued,
                bytes_done: 0,
                enqueued_at: None,
                status_message_id: None,
                error: None,
            };
            let id = db.enqueue(entry).await.expect("enqueue");
            if db.remove_queue(id).await.expect("remove") {
                say(format!("removed {path}"));
            }
        }
    }
}
