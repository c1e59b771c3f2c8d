//! A file that is not a database fails to open with an error naming the file and the
//! position, and is never overwritten or emptied. One exception, in the `batch` form: a
//! history (`organized`) that is valid JSON but holds a wrong type is found when the
//! history is first used, since that form reads the history's documents then, with the
//! same error; the rest of the database works meanwhile.

use bot_db::{Db, Error};

fn check(content: &[u8], expect_line: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.json");
    std::fs::write(&path, content).unwrap();
    let err = crate::runtime().block_on(Db::open_with(&path, crate::options())).err().expect("must not open");
    check_error(&err, &path, expect_line);
    assert_eq!(std::fs::read(&path).unwrap(), content, "the file was changed");
}

fn check_error(err: &Error, path: &std::path::Path, expect_line: usize) {
    let message = err.to_string();
    match err {
        Error::Parse { path: p, line, .. } => {
            assert_eq!(p, path);
            assert_eq!(*line, expect_line, "{message}");
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    assert!(message.contains(&path.display().to_string()), "the message names the file: {message}");
    assert!(message.contains("left as it is"), "the message says the file is safe: {message}");
}

/// A wrong type inside the history: refused at open by the file form, at the history's
/// first use by the `batch` form, with the same line and column either way.
fn check_history(content: &[u8], expect_line: usize, expect_column: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.json");
    std::fs::write(&path, content).unwrap();
    let options = crate::options();
    crate::runtime().block_on(async {
        let err = match Db::open_with(&path, options).await {
            Err(e) => {
                assert!(!options.name().contains("batch"), "the batch form opens and reads the history later");
                e
            }
            Ok(db) => {
                assert!(options.name().contains("batch"), "only the batch form leaves the history for later");
                assert_eq!(db.user_count().await.unwrap(), 1, "the rest of the database works");
                let err = db.history_page(0, 5).await.expect_err("the history cannot be read");
                let again = db.is_organized("a.mkv").await.expect_err("nor can any query of it");
                assert_eq!(again.to_string(), err.to_string());
                db.insert_organized(crate::movie("b.mkv", bot_db::Method::Auto)).await.expect_err("nor written");
                assert_eq!(std::fs::read(&path).unwrap(), content, "the file was not changed while open");
                db.close().await.unwrap();
                // Closing rewrites the file from memory, with the history as the file had it.
                let reopened: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                assert_eq!(reopened, serde_json::from_slice::<serde_json::Value>(content).unwrap(), "nothing was lost");
                err
            }
        };
        check_error(&err, &path, expect_line);
        let Error::Parse { column, .. } = err else { unreachable!() };
        assert_eq!(column, expect_column);
    });
}

#[test]
fn not_json() {
    check(b"this is not json", 1);
}

#[test]
fn truncated() {
    let fixture = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/db.json")).unwrap();
    check(&fixture[..fixture.len() / 2], 1);
}

#[test]
fn wrong_types() {
    check_history(b"{\"users\": {\"1\": {\"id\": 5}},\n \"organized\": {\"1\": {\"path\": 42}}}", 2, 31);
    check_history(
        b"{\"users\": {\"1\": {\"id\": 5}}, \"organized\": {\"1\": {\"path\": \"a.mkv\"},\n\n \"2\": {\"year\": [1]}}}",
        3,
        16,
    );
    check(b"{\"users\": [1, 2]}", 1);
    check(b"[]", 1);
    check(b"{\"users\": {\"first\": {\"id\": 5}}}", 1);
}

#[test]
fn an_empty_file_is_an_empty_database_as_in_tinydb() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.json");
    std::fs::write(&path, b"").unwrap();
    crate::runtime().block_on(async {
        let db = Db::open_with(&path, crate::options()).await.unwrap();
        assert_eq!(db.user_count().await.unwrap(), 0);
    });
}

#[test]
fn a_journal_corrupt_in_the_middle_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.json");
    let journal = dir.path().join("db.json.journal");
    let good = br#"{"seq":1,"ops":[{"table":"users","id":1,"doc":{"id":5}}]}"#;
    let content = [&good[..], b"\nnot a record\n", &good[..], b"\n"].concat();
    std::fs::write(&journal, &content).unwrap();
    let err = crate::runtime().block_on(Db::open_with(&path, crate::options())).err().expect("must not open");
    assert!(matches!(err, Error::Journal { line: 2, .. }), "{err}");
    assert_eq!(std::fs::read(&journal).unwrap(), content);
}
