//! Test data for measurements: a TinyDB 4 file as the Python bot wrote it, with `rows`
//! organized files of about 450 bytes each, users and their statistics, and the records a
//! benchmark inserts. bot-db's benchmarks and the perf suite (its `db_*` metrics, and the
//! database it starts the bot with) all use these, so their figures read the same data.
//! Not used by the database itself.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// The source path of organized row `i`, for lookups that must hit.
pub fn row_path(i: usize) -> String {
    format!("/data/jellyfin/Downloads/Some.Movie.Title.{i}.2010.1080p.BluRay.x264-GROUP.mkv")
}

/// The file's text: `users` users from `first_user` on, a global stats document, `rows`
/// organized files (one in ten organized by hand).
pub fn db_text(rows: usize, first_user: i64, users: usize) -> String {
    let mut s = String::with_capacity(rows * 460 + users * 40 + 200);
    s.push_str("{\"_default\": {}, \"users\": {");
    for u in 0..users {
        let sep = if u > 0 { ", " } else { "" };
        // Writing to a String cannot fail.
        let _ = write!(s, "{sep}\"{}\": {{\"id\": {}}}", u + 1, first_user + u as i64);
    }
    s.push_str("}, \"stats\": {\"1\": {\"type\": \"global\", \"files_handled\": 0}}, \"organized\": {");
    for i in 0..rows {
        let sep = if i > 0 { ", " } else { "" };
        let _ = write!(
            s,
            "{sep}\"{id}\": {{\"path\": \"{path}\", \"new_path\": \"/data/jellyfin/Movies/Some Movie Title {i} (2010)/Some Movie Title {i} (2010) [1080p].mkv\", \
             \"title\": \"Some Movie Title {i}\", \"category\": \"movie\", \"year\": {year}, \"season\": null, \"episode\": null, \
             \"resolution\": \"1080p\", \"organized_by\": {user}, \"timestamp\": \"2025-03-01T10:15:30.123456\", \"method\": \"{method}\"}}",
            id = i + 1,
            path = row_path(i),
            year = 1990 + i % 35,
            user = first_user + (i % users.max(1)) as i64,
            method = if i % 10 == 0 { "manual" } else { "auto" },
        );
    }
    s.push_str("}}");
    s
}

pub fn write_db(path: &Path, rows: usize, first_user: i64, users: usize) -> io::Result<()> {
    std::fs::write(path, db_text(rows, first_user, users))
}

/// The `i`-th record a benchmark inserts (distinct paths, realistic sizes).
pub fn new_entry(i: usize) -> crate::OrganizedEntry {
    crate::OrganizedEntry {
        path: format!("/data/jellyfin/Downloads/new.{i}.mkv"),
        new_path: Some(format!("/data/jellyfin/Movies/New {i}/New {i}.mkv")),
        title: Some(format!("New {i}")),
        category: Some("movie".into()),
        year: Some(2020),
        season: None,
        episode: None,
        resolution: Some("720p".into()),
        organized_by: Some(1_000_000),
        timestamp: Some("2026-12-03T10:00:00".into()),
        method: crate::Method::Auto,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_is_json_with_the_rows_and_users_asked_for() {
        let v: serde_json::Value = serde_json::from_str(&db_text(25, 500, 3)).expect("valid JSON");
        assert_eq!(v["organized"].as_object().map(|o| o.len()), Some(25));
        assert_eq!(v["users"]["3"]["id"], 502);
        assert_eq!(v["organized"]["11"]["method"], "manual");
        assert_eq!(v["organized"]["1"]["path"], row_path(0));
    }
}
