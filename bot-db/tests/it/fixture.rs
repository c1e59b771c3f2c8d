//! A real TinyDB 4 file, as the Python bot left it (string, number, null and absent years;
//! fields and a table this crate does not know; gaps in doc ids), opens, reads right, and
//! is written back unchanged in content.

use std::path::{Path, PathBuf};

use bot_db::Method;
use serde_json::Value;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/db.json");

fn copy_fixture(dir: &Path) -> PathBuf {
    let path = dir.join("db.json");
    std::fs::copy(FIXTURE, &path).unwrap();
    path
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn the_python_bots_file_reads_right() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_fixture(dir.path());
    crate::runtime().block_on(async {
        let db = crate::open(&path).await;
        assert_eq!(db.users().await.unwrap(), [111111111, 222222222, 333333333]);
        let global = db.global_stats().await.unwrap();
        assert_eq!((global.files_handled, global.failed_downloads, global.total_bytes), (12, 2, 5368709120));
        assert_eq!(db.user_stats(111111111).await.unwrap().successful_downloads, 6);
        let history = db.history_page(0, 10).await.unwrap();
        let years: Vec<_> = history.items.iter().map(|o| (o.id, o.entry.year)).collect();
        assert_eq!(years, [(7, None), (4, None), (2, Some(2008)), (1, Some(2010))]);
        let frieren = &history.items[0].entry;
        assert_eq!((frieren.season, frieren.episode, frieren.organized_by), (Some(1), Some(5), Some(111111111)));
        assert!(db.is_organized("/data/jellyfin/Other/home video.mp4").await.unwrap());
        assert_eq!(db.last_manual_organize().await.unwrap().unwrap().id, 7);
        assert_eq!(db.manual_page(0, 10).await.unwrap().total, 2);
        assert_eq!(db.error_count().await.unwrap(), 1);
        db.close().await.unwrap();
    });
}

#[test]
fn opening_and_closing_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_fixture(dir.path());
    crate::runtime().block_on(async { crate::open(&path).await.close().await.unwrap() });
    assert_eq!(json(&path), json(Path::new(FIXTURE)));
}

#[test]
fn writes_keep_every_old_document_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_fixture(dir.path());
    crate::runtime().block_on(async {
        let db = crate::open(&path).await;
        assert!(db.add_user(444).await.unwrap());
        let id = db.insert_organized(crate::movie("new.mkv", Method::Auto)).await.unwrap();
        assert_eq!(id, 8, "TinyDB's next id is one past the largest, gaps and all");
        db.delete_organized(4).await.unwrap();
        db.close().await.unwrap();
    });
    let mut expected = json(Path::new(FIXTURE));
    let mut actual = json(&path);
    // Take out exactly what the writes changed; everything else must be identical.
    assert_eq!(actual["users"]["6"], serde_json::json!({"id": 444}));
    actual["users"].as_object_mut().unwrap().remove("6");
    assert_eq!(actual["organized"]["8"]["path"], "new.mkv");
    assert_eq!(actual["organized"]["8"]["year"], 2010);
    actual["organized"].as_object_mut().unwrap().remove("8");
    expected["organized"].as_object_mut().unwrap().remove("4");
    assert_eq!(actual, expected);
}
