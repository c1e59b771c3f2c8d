//! A full disk: the write that hits it fails with an error naming the file, and the
//! database on disk stays whole. `/dev/full` stands in for the disk: the temporary file
//! that replaces `db.json` is made a link to it, so every write to it fails with ENOSPC.

use bot_db::{Db, Error};

#[test]
fn a_full_disk_fails_the_write_and_keeps_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.json");
    let temp = dir.path().join(".db.json.tmp");
    // Fold after every commit, so that with `batch` the full disk is met by a fold.
    let options = crate::options();
    #[cfg(feature = "batch")]
    let options = options.journal_limit(0);
    crate::runtime().block_on(async {
        let db = Db::open_with(&path, options).await.unwrap();
        db.add_user(1).await.unwrap();
        db.close().await.unwrap();

        let db = Db::open_with(&path, options).await.unwrap();
        std::os::unix::fs::symlink("/dev/full", &temp).unwrap();
        let second = db.add_user(2).await;

        #[cfg(not(feature = "batch"))]
        {
            let err = second.unwrap_err();
            assert!(matches!(&err, Error::Write { path, .. } if path == &temp), "{err:?}");
            let chain = format!("{err}: {}", std::error::Error::source(&err).unwrap());
            assert!(chain.contains(".db.json.tmp") && chain.contains("No space left"), "{chain}");
            assert_eq!(db.users().await.unwrap(), [1], "the failed write left no trace");
            std::fs::remove_file(&temp).unwrap();
            db.add_user(3).await.unwrap();
            assert_eq!(db.users().await.unwrap(), [1, 3], "the disk has room again, and writes work");
        }

        #[cfg(feature = "batch")]
        {
            // The write reached the journal and was acknowledged; the fold after it failed.
            second.unwrap();
            wait_until_poisoned(&db).await;
            let err = db.add_user(3).await.unwrap_err();
            assert!(matches!(err, Error::Poisoned { .. }), "{err:?}");
            assert!(err.to_string().contains("reopen the database"), "{err}");
            assert!(matches!(db.users().await, Err(Error::Poisoned { .. })), "reads refuse too");
            std::fs::remove_file(&temp).unwrap();
        }
        drop(db);

        let db = Db::open_with(&path, options).await.unwrap();
        let expected: &[i64] = if cfg!(feature = "batch") { &[1, 2] } else { &[1, 3] };
        assert_eq!(db.users().await.unwrap(), expected);
        db.close().await.unwrap();
    });
}

#[test]
fn a_closed_database_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.json");
    crate::runtime().block_on(async {
        let db = crate::open(&path).await;
        let other_handle = db.clone();
        db.close().await.unwrap();
        let err = other_handle.add_user(1).await.unwrap_err();
        assert!(matches!(err, Error::Closed { .. }), "{err:?}");
        assert!(err.to_string().contains("db.json is closed"), "{err}");
    });
    assert!(!dir.path().join("db.json.journal").exists(), "close leaves one plain file");
}

/// The fold runs in the background after the write returns; wait (boundedly) for it to
/// meet the full disk.
#[cfg(feature = "batch")]
async fn wait_until_poisoned(db: &Db) {
    for _ in 0..5000 {
        if matches!(db.users().await, Err(Error::Poisoned { .. })) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    panic!("the fold never reported the full disk");
}
