//! Many tasks writing at once lose nothing.

use bot_db::{DownloadOutcome, Method};

const TASKS: usize = 64;
const WRITES_PER_TASK: usize = 5;

#[test]
fn sixty_four_tasks_writing_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.json");
    crate::runtime().block_on(async {
        let db = crate::open(&path).await;
        let tasks: Vec<_> = (0..TASKS)
            .map(|task| {
                let db = db.clone();
                tokio::spawn(async move {
                    for i in 0..WRITES_PER_TASK {
                        db.insert_organized(crate::movie(&format!("t{task}-{i}.mkv"), Method::Auto)).await.unwrap();
                        let outcome =
                            DownloadOutcome { user: task as i64, succeeded: true, bytes: 1, seconds: 0.0, concurrent: 1 };
                        db.record_download(outcome).await.unwrap();
                    }
                    db.add_user(task as i64).await.unwrap();
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let check = |db: bot_db::Db| async move {
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
