//! Everything that touches the disk: reading and durably replacing `db.json`, and the
//! append-only journal that the `batch` mode writes and every mode replays at open.
//!
//! Durable replacement of `db.json`: write `.db.json.tmp` in the same folder, `sync_all`
//! it, rename it over `db.json`, then `sync_all` the folder so the rename itself is on
//! disk. A crash at any point leaves either the old file or the new one, whole.
//!
//! The journal (`db.json.journal`) holds one line per write operation:
//! `{"seq":N,"ops":[{"table":"stats","id":3,"doc":{…}}, {"table":"queue","id":7,"doc":null}]}`.
//! Each op carries the document's whole new value (or `null` for a deletion), so replaying
//! a line twice gives the same result as replaying it once. That is what makes folding
//! safe: `db.json` is replaced first and the journal emptied after, and a crash between the
//! two replays lines whose effect the new `db.json` already has. The journal is appended
//! one group at a time and `fdatasync`ed before any of the group's writes is acknowledged,
//! so only the last group can be torn by a crash; a last line that does not parse is such
//! a torn group and is dropped. A bad line followed by good ones is corruption, reported
//! with its line number. The journal's own folder entry is made durable by its first
//! group's commit (an fsync of the folder after the data), before that group is
//! acknowledged, rather than at open, which keeps that fsync off start-up.
//!
//! Assumptions about the filesystem: rename within a folder is atomic, and `fsync` on a
//! file and on a folder makes their data and entries durable (true of ext4, xfs, btrfs).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::format::{self, DocId, OrganizedDoc, Table, TableId, Tables, UnreadHistory};
use crate::records::ChangeSet;

/// The journal that belongs to database `path`.
pub(crate) fn journal_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".journal");
    path.with_file_name(name)
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(".tmp");
    path.with_file_name(name)
}

fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn write_error(path: &Path) -> impl FnOnce(io::Error) -> Error + '_ {
    move |source| Error::Write { path: path.to_owned(), source }
}

/// Parses a database file's bytes; an empty file is an empty database, as in TinyDB.
pub(crate) fn parse(path: &Path, bytes: &[u8]) -> Result<Tables> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Tables::default());
    }
    // One UTF-8 check of the whole file is cheaper than serde_json's check of each string
    // (an eighth of the time to open a large history).
    let parsed = match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        // Not UTF-8: serde_json finds the spot, for an error with its line and column.
        Err(_) => serde_json::from_slice(bytes),
    };
    parsed.map_err(|e| Error::parse(path.to_owned(), e))
}

/// Parses a database file's bytes but leaves the history unread (its syntax checked, the
/// file's text kept): [`read_history`] reads it when it is first needed.
pub(crate) fn parse_with_unread_history(path: &Path, bytes: Vec<u8>) -> Result<Tables> {
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => return parse(path, e.as_bytes()),
    };
    if text.trim_ascii().is_empty() {
        return Ok(Tables::default());
    }
    format::parse_with_unread_history(text).map_err(|e| Error::parse(path.to_owned(), e))
}

/// Reads an unread history's documents. An error names the line and column in the file,
/// as one found at open would.
#[cfg_attr(not(feature = "batch"), allow(dead_code))] // only the batch form leaves it unread
pub(crate) fn read_history(path: &Path, unread: &UnreadHistory) -> Result<Table<OrganizedDoc>> {
    serde_json::from_str(unread.json()).map_err(|e| {
        let (line, column) = match e.line() {
            1 => (unread.line, unread.column + e.column()),
            l => (unread.line + l - 1, e.column()),
        };
        Error::Parse { path: path.to_owned(), line, column, source: e }
    })
}

/// Reads and parses the whole database; a missing file is an empty database.
pub(crate) fn load(path: &Path) -> Result<Tables> {
    load_with(path, |path, bytes| parse(path, &bytes))
}

fn load_with(path: &Path, parse: impl FnOnce(&Path, Vec<u8>) -> Result<Tables>) -> Result<Tables> {
    match fs::read(path) {
        Ok(bytes) => parse(path, bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Tables::default()),
        Err(source) => Err(Error::Read { path: path.to_owned(), source }),
    }
}

pub(crate) fn serialize(tables: &Tables) -> Vec<u8> {
    // Our types serialize into memory without failing (see `Tables::write_doc_json`).
    serde_json::to_vec(tables).expect("serializing the database into memory")
}

/// Replaces `path` with `bytes` durably (see the module docs for the order).
pub(crate) fn replace(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_path(path);
    let mut file = File::create(&tmp).map_err(write_error(&tmp))?;
    file.write_all(bytes).map_err(write_error(&tmp))?;
    file.sync_all().map_err(write_error(&tmp))?;
    drop(file);
    fs::rename(&tmp, path).map_err(write_error(path))?;
    sync_folder(path)
}

/// Makes the entries of `path`'s folder (a rename, a new file) durable.
pub(crate) fn sync_folder(path: &Path) -> Result<()> {
    let dir = folder(path);
    File::open(dir).and_then(|d| d.sync_all()).map_err(write_error(dir))
}

#[derive(Deserialize)]
struct JournalLine {
    #[allow(dead_code)] // read so a line without it is rejected; order is the file's
    seq: u64,
    ops: Vec<JournalOp>,
}

#[derive(Deserialize)]
struct JournalOp {
    table: String,
    id: DocId,
    doc: Option<Value>,
}

/// Appends the journal line for one operation to `out`: the current value of every
/// document it touched.
#[cfg_attr(not(feature = "batch"), allow(dead_code))] // only the batch mode writes journals
pub(crate) fn encode_line(tables: &mut Tables, seq: u64, changes: &ChangeSet, out: &mut Vec<u8>) {
    write!(out, "{{\"seq\":{seq},\"ops\":[").expect("writing to memory");
    let mut touched = changes.touched.clone();
    touched.sort_unstable();
    touched.dedup();
    for (i, (table, id)) in touched.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write!(out, "{{\"table\":\"{}\",\"id\":{id},\"doc\":", table.name()).expect("writing to memory");
        tables.write_doc_json(table, id, out);
        out.push(b'}');
    }
    out.extend_from_slice(b"]}\n");
}

/// What [`replay`] found.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Replayed {
    pub lines: usize,
    /// Bytes of a torn last group that were dropped.
    pub torn_bytes: usize,
}

/// Applies the journal beside `path` (if any) to `tables`.
pub(crate) fn replay(path: &Path, tables: &mut Tables) -> Result<Replayed> {
    let journal = journal_path(path);
    let bytes = match fs::read(&journal) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Replayed::default()),
        Err(source) => return Err(Error::Read { path: journal, source }),
    };
    let mut replayed = Replayed::default();
    let mut rest = &bytes[..];
    let mut line_no = 0;
    while !rest.is_empty() {
        line_no += 1;
        let (line, after) = match rest.iter().position(|b| *b == b'\n') {
            Some(end) => (&rest[..end], &rest[end + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        let complete = after.len() < rest.len() - line.len();
        match serde_json::from_slice::<JournalLine>(line) {
            Ok(record) if complete => {
                for op in record.ops {
                    let table = TableId::from_name(&op.table).ok_or_else(|| Error::Journal {
                        path: journal.clone(),
                        line: line_no,
                        source: serde::de::Error::custom(format!("unknown table {:?}", op.table)),
                    })?;
                    tables.apply_json(table, op.id, op.doc).map_err(|source| Error::Journal {
                        path: journal.clone(),
                        line: line_no,
                        source,
                    })?;
                }
                replayed.lines += 1;
            }
            result => {
                // Only the last group, written after the last acknowledged fsync, can be
                // torn; a bad line with good lines after it is corruption.
                if following_lines_are_torn(after) {
                    replayed.torn_bytes = rest.len();
                    tracing::warn!(
                        journal = %journal.display(),
                        line = line_no,
                        bytes = rest.len(),
                        "dropping the torn end of the journal (a write cut short by a crash, never acknowledged)"
                    );
                    break;
                }
                let source = match result {
                    Err(e) => e,
                    Ok(_) => serde::de::Error::custom("the line has no end"),
                };
                return Err(Error::Journal { path: journal, line: line_no, source });
            }
        }
        rest = after;
    }
    Ok(replayed)
}

/// Whether everything after a bad journal line is also unparseable (one torn group)
/// rather than good records (corruption in the middle).
fn following_lines_are_torn(after: &[u8]) -> bool {
    after.split(|b| *b == b'\n').filter(|l| !l.is_empty()).all(|l| serde_json::from_slice::<JournalLine>(l).is_err())
}

/// Folds a leftover journal into `db.json` and removes it. Runs at every open, in every
/// mode, so a database left by a crashed `batch` build opens whole in any build. With
/// `unread_history`, the history is left unread unless a journal has to be replayed.
pub(crate) fn open_tables(path: &Path, unread_history: bool) -> Result<Tables> {
    let journal = journal_path(path);
    let has_journal = journal.exists();
    let mut tables = match unread_history && !has_journal {
        true => load_with(path, parse_with_unread_history)?,
        false => load(path)?,
    };
    if has_journal {
        let replayed = replay(path, &mut tables)?;
        if replayed.lines > 0 {
            replace(path, &serialize(&tables))?;
            tracing::info!(db = %path.display(), lines = replayed.lines, "folded the journal into the database");
        }
        fs::remove_file(&journal).map_err(write_error(&journal))?;
        sync_folder(path)?;
    } else if !path.exists() {
        // Create the file, so a bad path is found now and not at the first write.
        replace(path, &serialize(&tables))?;
    }
    Ok(tables)
}

/// Opens (creating) the journal for appending.
#[cfg_attr(not(feature = "batch"), allow(dead_code))]
pub(crate) fn open_journal(path: &Path) -> Result<File> {
    let journal = journal_path(path);
    // Its folder entry is made durable by the first commit (see `batch`).
    OpenOptions::new().create(true).append(true).open(&journal).map_err(write_error(&journal))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{self, ChangeSet};

    fn journal_with(dir: &Path, lines: &[u8]) -> PathBuf {
        let db = dir.join("db.json");
        fs::write(journal_path(&db), lines).unwrap();
        db
    }

    fn good_line(user: i64, seq: u64) -> Vec<u8> {
        let mut t = Tables::default();
        let mut ch = ChangeSet::default();
        records::add_user(&mut t, user, &mut ch);
        let mut out = Vec::new();
        encode_line(&mut t, seq, &ch, &mut out);
        out
    }

    fn temp_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("bot-db-disk-{}-{}", std::process::id(), rand_suffix()));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn rand_suffix() -> u64 {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        NEXT.fetch_add(1, Ordering::Relaxed)
    }

    #[test]
    fn replays_complete_lines_and_drops_a_torn_tail() {
        let dir = temp_dir();
        let mut bytes = good_line(5, 1);
        bytes.extend_from_slice(&good_line(6, 2)[..20]);
        let db = journal_with(&dir, &bytes);
        let mut t = Tables::default();
        let r = replay(&db, &mut t).unwrap();
        assert_eq!((r.lines, r.torn_bytes > 0), (1, true));
        assert_eq!(records::users(&t), [5]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_line_without_its_newline_is_torn() {
        let dir = temp_dir();
        let mut bytes = good_line(5, 1);
        let second = good_line(6, 2);
        bytes.extend_from_slice(&second[..second.len() - 1]);
        let db = journal_with(&dir, &bytes);
        let mut t = Tables::default();
        assert_eq!(replay(&db, &mut t).unwrap().lines, 1);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn corruption_in_the_middle_is_an_error_naming_the_line() {
        let dir = temp_dir();
        let mut bytes = good_line(5, 1);
        bytes.extend_from_slice(b"garbage\n");
        bytes.extend_from_slice(&good_line(6, 3));
        let db = journal_with(&dir, &bytes);
        let err = replay(&db, &mut Tables::default()).unwrap_err();
        assert!(matches!(err, Error::Journal { line: 2, .. }), "{err}");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_history_left_unread_reads_to_the_same_tables_and_writes_back_unchanged() {
        let path = Path::new("db.json");
        let files = [
            crate::fixture::db_text(50, 1_000, 3),
            // Python's spacing, the history first, an odd id order, unknown fields.
            "{\"organized\": {\"2\": {\"path\": \"b\", \"x\": [1]},\n  \"1\": {\"path\": \"a\", \"year\": \"2010\"}}, \"users\": {}}".into(),
            "{\"users\": {\"1\": {\"id\": 5}}}".into(),
            "  ".into(),
        ];
        for text in files {
            let eager = parse(path, text.as_bytes()).unwrap();
            let mut lazy = parse_with_unread_history(path, text.clone().into_bytes()).unwrap();
            // Unread, it serializes to the same content.
            let as_json = |t: &Tables| serde_json::from_slice::<Value>(&serialize(t)).unwrap();
            assert_eq!(as_json(&lazy), as_json(&eager), "{text}");
            if let Some(unread) = lazy.unread_history() {
                let history = read_history(path, unread).unwrap();
                lazy.set_history(history);
            }
            assert_eq!(lazy, eager, "{text}");
        }
    }

    #[test]
    fn a_history_with_a_syntax_error_is_refused_at_open_even_when_left_unread() {
        let err = parse_with_unread_history(Path::new("db.json"), b"{\"organized\": {\"1\": {\"path\": }}}".to_vec())
            .unwrap_err();
        assert!(matches!(err, Error::Parse { line: 1, .. }), "{err}");
    }
}
