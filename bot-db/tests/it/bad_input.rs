//! A file that is not a database fails to open with an error naming the file and the
//! position, and is never overwritten or emptied.

use bot_db::{Db, Error};

fn check(content: &[u8], expect_line: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.json");
    std::fs::write(&path, content).unwrap();
    let err = crate::runtime().block_on(Db::open_with(&path, crate::options())).err().expect("must not open");
    let message = err.to_string();
    match &err {
        Error::Parse { path: p, line, .. } => {
            assert_eq!(p, &path);
            assert_eq!(*line, expect_line, "{message}");
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    assert!(message.contains(&path.display().to_string()), "the message names the file: {message}");
    assert!(message.contains("left as it is"), "the message says the file is safe: {message}");
    assert_eq!(std::fs::read(&path).unwrap(), content, "the file was changed");
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
    check(b"{\"users\": {\"1\": {\"id\": 5}},\n \"organized\": {\"1\": {\"path\": 42}}}", 2);
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
