//! Random sequences of operations give the answers of a simple in-memory model, in every
//! mode (`.ci/run` runs this binary once per feature combination, against the same model)
//! and across reopening, as redb's fuzzer checks against a `BTreeMap`.

use std::collections::BTreeMap;
use std::path::Path;

use bot_db::{Db, DocId, DownloadOutcome, Method, Organized, OrganizedEntry, QueueState, QueueUpdate, Queued, Stats};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    AddUser(i64),
    HasUser(i64),
    RecordDownload { user: i64, ok: bool, bytes: u64, seconds: u8, concurrent: u64 },
    Stats(Option<i64>),
    InsertOrganized { name: u8, manual: bool, year: Option<i64> },
    DeleteOrganized(usize),
    IsOrganized(u8),
    Organized(usize),
    History { page: usize, per_page: usize, manual: bool },
    LastManual,
    Enqueue { user: i64, size: u64 },
    UpdateQueue { index: usize, state: u8, bytes: Option<u64> },
    RemoveQueue(usize),
    Queue,
    LogError,
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..5i64).prop_map(Op::AddUser),
        (0..6i64).prop_map(Op::HasUser),
        (0..4i64, any::<bool>(), 0..10_000u64, 0..20u8, 0..5u64).prop_map(|(user, ok, bytes, seconds, concurrent)| {
            Op::RecordDownload { user, ok, bytes, seconds, concurrent }
        }),
        proptest::option::of(0..4i64).prop_map(Op::Stats),
        (0..8u8, any::<bool>(), proptest::option::of(1990..2030i64))
            .prop_map(|(name, manual, year)| Op::InsertOrganized { name, manual, year }),
        (0..10usize).prop_map(Op::DeleteOrganized),
        (0..9u8).prop_map(Op::IsOrganized),
        (0..10usize).prop_map(Op::Organized),
        (0..3usize, 1..4usize, any::<bool>()).prop_map(|(page, per_page, manual)| Op::History {
            page,
            per_page,
            manual
        }),
        Just(Op::LastManual),
        (0..3i64, 0..1000u64).prop_map(|(user, size)| Op::Enqueue { user, size }),
        (0..6usize, 0..4u8, proptest::option::of(0..1000u64)).prop_map(|(index, state, bytes)| Op::UpdateQueue {
            index,
            state,
            bytes
        }),
        (0..6usize).prop_map(Op::RemoveQueue),
        Just(Op::Queue),
        Just(Op::LogError),
        Just(Op::Reopen),
    ]
}

/// What the database should hold, kept the simplest way.
#[derive(Default)]
struct Model {
    users: Vec<i64>,
    stats: BTreeMap<Option<i64>, Stats>,
    organized: BTreeMap<DocId, OrganizedEntry>,
    queue: BTreeMap<DocId, bot_db::QueueEntry>,
    errors: usize,
}

/// TinyDB's rule: one past the largest id.
fn next_id<T>(map: &BTreeMap<DocId, T>) -> DocId {
    map.keys().next_back().map_or(1, |k| k + 1)
}

/// The `index`-th existing id, or an id that does not exist when there are none.
fn pick<T>(map: &BTreeMap<DocId, T>, index: usize) -> DocId {
    map.keys().nth(index % map.len().max(1)).copied().unwrap_or(999)
}

fn file(name: u8) -> String {
    format!("/downloads/file {name}.mkv")
}

fn state(n: u8) -> QueueState {
    [QueueState::Queued, QueueState::Running, QueueState::Cancelled, QueueState::Failed][n as usize % 4]
}

fn add(stats: &mut Stats, ok: bool, bytes: u64, seconds: f64, concurrent: u64) {
    stats.files_handled += 1;
    if ok {
        stats.successful_downloads += 1;
    } else {
        stats.failed_downloads += 1;
    }
    stats.total_bytes += bytes;
    stats.total_seconds += seconds;
    stats.peak_concurrent = stats.peak_concurrent.max(concurrent);
}

fn newest_first(model: &Model, manual_only: bool) -> Vec<Organized> {
    model
        .organized
        .iter()
        .rev()
        .filter(|(_, e)| !manual_only || e.method == Method::Manual)
        .map(|(id, e)| Organized { id: *id, entry: e.clone() })
        .collect()
}

async fn step(db: &mut Db, path: &Path, model: &mut Model, op: Op) {
    match op {
        Op::AddUser(id) => {
            let new = !model.users.contains(&id);
            if new {
                model.users.push(id);
            }
            assert_eq!(db.add_user(id).await.unwrap(), new);
        }
        Op::HasUser(id) => assert_eq!(db.has_user(id).await.unwrap(), model.users.contains(&id)),
        Op::RecordDownload { user, ok, bytes, seconds, concurrent } => {
            let seconds = f64::from(seconds) / 4.0;
            add(model.stats.entry(None).or_default(), ok, bytes, seconds, concurrent);
            add(model.stats.entry(Some(user)).or_default(), ok, bytes, seconds, concurrent);
            db.record_download(DownloadOutcome { user, succeeded: ok, bytes, seconds, concurrent }).await.unwrap();
        }
        Op::Stats(None) => {
            assert_eq!(db.global_stats().await.unwrap(), model.stats.get(&None).cloned().unwrap_or_default())
        }
        Op::Stats(Some(user)) => {
            assert_eq!(db.user_stats(user).await.unwrap(), model.stats.get(&Some(user)).cloned().unwrap_or_default())
        }
        Op::InsertOrganized { name, manual, year } => {
            let mut entry = crate::movie(&file(name), if manual { Method::Manual } else { Method::Auto });
            entry.year = year;
            let id = next_id(&model.organized);
            model.organized.insert(id, entry.clone());
            assert_eq!(db.insert_organized(entry).await.unwrap(), id);
        }
        Op::DeleteOrganized(index) => {
            let id = pick(&model.organized, index);
            assert_eq!(db.delete_organized(id).await.unwrap(), model.organized.remove(&id).is_some());
        }
        Op::IsOrganized(name) => {
            let expected = model.organized.values().any(|e| e.path == file(name));
            assert_eq!(db.is_organized(&file(name)).await.unwrap(), expected);
        }
        Op::Organized(index) => {
            let id = pick(&model.organized, index);
            let expected = model.organized.get(&id).map(|e| Organized { id, entry: e.clone() });
            assert_eq!(db.organized(id).await.unwrap(), expected);
        }
        Op::History { page, per_page, manual } => {
            let all = newest_first(model, manual);
            let got = if manual { db.manual_page(page, per_page).await } else { db.history_page(page, per_page).await };
            let got = got.unwrap();
            let expected: Vec<_> = all.iter().skip(page * per_page).take(per_page).cloned().collect();
            // With nothing deleted in between, the page a cursor names is the next offset page.
            if let Some(older) = got.older {
                let at = bot_db::PageStart::At(older);
                let next = if manual {
                    db.manual_page_at(None, at, per_page).await
                } else {
                    db.history_page_at(None, at, per_page).await
                };
                let next_expected: Vec<_> = all.iter().skip((page + 1) * per_page).take(per_page).cloned().collect();
                assert_eq!(next.unwrap().items, next_expected);
            } else {
                assert!(all.len() <= (page + 1) * per_page, "no older cursor, but more entries below the page");
            }
            assert_eq!((got.items, got.total), (expected, all.len()));
        }
        Op::LastManual => {
            assert_eq!(db.last_manual_organize().await.unwrap(), newest_first(model, true).into_iter().next())
        }
        Op::Enqueue { user, size } => {
            let entry = crate::queued(user, &format!("q{size}.mkv"), size);
            let id = next_id(&model.queue);
            model.queue.insert(id, entry.clone());
            assert_eq!(db.enqueue(entry).await.unwrap(), id);
        }
        Op::UpdateQueue { index, state: s, bytes } => {
            let id = pick(&model.queue, index);
            let exists = match model.queue.get_mut(&id) {
                Some(e) => {
                    e.state = state(s);
                    if let Some(b) = bytes {
                        e.bytes_done = b;
                    }
                    true
                }
                None => false,
            };
            let update = QueueUpdate { state: Some(state(s)), bytes_done: bytes, ..Default::default() };
            assert_eq!(db.update_queue(id, update).await.unwrap(), exists);
        }
        Op::RemoveQueue(index) => {
            let id = pick(&model.queue, index);
            assert_eq!(db.remove_queue(id).await.unwrap(), model.queue.remove(&id).is_some());
        }
        Op::Queue => check_queue(db, model).await,
        Op::LogError => {
            model.errors += 1;
            let entry = bot_db::ErrorEntry {
                error: "boom".into(),
                file: None,
                stage: Some("download".into()),
                timestamp: None,
            };
            db.log_error(entry).await.unwrap();
        }
        Op::Reopen => {
            db.close().await.unwrap();
            *db = crate::open(path).await;
            check_everything(db, model).await;
        }
    }
}

async fn check_queue(db: &Db, model: &Model) {
    let expected: Vec<_> = model.queue.iter().map(|(id, e)| Queued { id: *id, entry: e.clone() }).collect();
    assert_eq!(db.queue().await.unwrap(), expected);
}

async fn check_everything(db: &Db, model: &Model) {
    assert_eq!(db.users().await.unwrap(), model.users);
    assert_eq!(db.user_count().await.unwrap(), model.users.len());
    let all = db.history_page(0, usize::MAX).await.unwrap();
    assert_eq!(all.items, newest_first(model, false));
    check_queue(db, model).await;
    let mut users: Vec<_> = db.all_user_stats().await.unwrap();
    users.sort_by_key(|(u, _)| *u);
    let expected: Vec<_> = model.stats.iter().filter_map(|(u, s)| Some(((*u)?, s.clone()))).collect();
    assert_eq!(users, expected);
    assert_eq!(db.error_count().await.unwrap(), model.errors);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn operations_match_the_model_and_survive_reopening(ops in proptest::collection::vec(op(), 1..60)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.json");
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let mut db = crate::open(&path).await;
            let mut model = Model::default();
            for op in ops {
                step(&mut db, &path, &mut model, op).await;
            }
            check_everything(&db, &model).await;
            db.close().await.unwrap();
            let db = crate::open(&path).await;
            check_everything(&db, &model).await;
            db.close().await.unwrap();
        });
    }
}
