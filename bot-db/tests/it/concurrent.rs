//! Many tasks writing at once lose nothing.

use std::future::Future;

use bot_db::{Db, DownloadOutcome, Method};

const TASKS: usize = 64;
const WRITES_PER_TASK: usize = 5;

/// Runs `work(db, task)` for `TASKS` tasks at once and waits for them all.
async fn at_once<F: Future<Output = ()> + Send + 'static>(db: &Db, work: impl Fn(Db, usize) -> F) {
    let tasks: Vec<_> = (0..TASKS).map(|task| tokio::spawn(work(db.clone(), task))).collect();
    for t in tasks {
        t.await.unwrap();
    }
}

#[test]
fn sixty_four_tasks_writing_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.json");
    crate::runtime().block_on(async {
        let db = crate::open(&path).await;
        at_once(&db, |db, task| async move {
            for i in 0..WRITES_PER_TASK {
                db.insert_organized(crate::movie(&format!("t{task}-{i}.mkv"), Method::Auto)).await.unwrap();
                let outcome =
                    DownloadOutcome { user: task as i64, succeeded: true, bytes: 1, seconds: 0.0, concurrent: 1 };
                db.record_download(outcome).await.unwrap();
            }
            db.add_user(task as i64).await.unwrap();
        })
        .await;
        let check = |db: Db| async move {
            let all = db.history_page(0, usize::MAX).await.unwrap();
            assert_eq!(all.total, TASKS * WRITES_PER_TASK);
            let mut ids: Vec<_> = all.items.iter().map(|o| o.id).collect();
            ids.dedup();
            assert_eq!(ids.len(), TASKS * WRITES_PER_TASK, "every insert got its own id");
            assert_eq!(db.global_stats().await.unwrap().files_handled, (TASKS * WRITES_PER_TASK) as u64);
            assert_eq!(db.user_stats(7).await.unwrap().files_handled, WRITES_PER_TASK as u64);
            assert_eq!(db.user_count().await.unwrap(), TASKS);
        };
        check(db.clone()).await;
        db.close().await.unwrap();
        check(crate::open(&path).await).await;
    });
}

/// The `batch` form reads the history on its first use; here 64 tasks all make that
/// first use at once, half of them writing, on a file that already holds a history.
#[test]
fn the_first_uses_of_a_history_at_once_lose_nothing() {
    const ROWS: usize = 2_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.json");
    bot_db::fixture::write_db(&path, ROWS, 1_000, 10).unwrap();
    crate::runtime().block_on(async {
        let db = crate::open(&path).await;
        at_once(&db, |db, task| async move {
            if task % 2 == 0 {
                for i in 0..WRITES_PER_TASK {
                    db.insert_organized(crate::movie(&format!("t{task}-{i}.mkv"), Method::Auto)).await.unwrap();
                }
            } else {
                assert!(db.is_organized(&bot_db::fixture::row_path(task)).await.unwrap());
                assert!(db.history_page(0, 5).await.unwrap().total >= ROWS);
            }
            db.add_user(task as i64).await.unwrap();
        })
        .await;
        let written = TASKS / 2 * WRITES_PER_TASK;
        let check = |db: Db| async move {
            assert_eq!(db.history_page(0, 5).await.unwrap().total, ROWS + written);
            assert!(db.is_organized(&bot_db::fixture::row_path(ROWS - 1)).await.unwrap(), "the file's rows are kept");
            assert!(db.is_organized("t62-4.mkv").await.unwrap(), "and so are the new ones");
            assert_eq!(db.user_count().await.unwrap(), 10 + TASKS);
        };
        check(db.clone()).await;
        db.close().await.unwrap();
        check(crate::open(&path).await).await;
    });
}
