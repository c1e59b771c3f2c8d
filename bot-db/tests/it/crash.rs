//! Crash safety: a child process writes in a loop and is killed with SIGKILL at a random
//! moment, 200 times. After every kill the database must open, and every write the child
//! reported as done (its future had resolved) must be there.
//!
//! Each round of kills reuses one database, so later rounds crash over what earlier ones
//! left: journals to replay, folds cut short.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const ROUNDS: usize = 10;
const KILLS_PER_ROUND: usize = 20;

/// What the children reported as done, over one round.
#[derive(Default)]
struct Acked {
    organized: HashSet<String>,
    downloads: HashMap<i64, u64>,
    removed: HashSet<String>,
}

/// A small deterministic generator, seeded from the clock and printed, so that a failing
/// run can be replayed with `CRASH_SEED`.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn kill_nine_at_random_moments_never_loses_an_acknowledged_write() {
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64 | 1);
    eprintln!("crash test seed: CRASH_SEED={seed}");
    let mut rng = XorShift(seed);
    let runtime = crate::runtime();
    let mut acknowledged_writes = 0;
    for round in 0..ROUNDS {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.json");
        let mut acked = Acked::default();
        for kill in 0..KILLS_PER_ROUND {
            let writers = 1 + rng.below(8);
            // A tiny journal limit in some runs, so that kills land during folds too.
            let journal_limit = [512, 4096, 1 << 20][rng.below(3) as usize];
            let delay = Duration::from_micros(rng.below(25_000));
            let lines = run_and_kill(&path, &format!("r{round}k{kill}"), writers, journal_limit, delay);
            for line in &lines {
                match line.split_once(' ') {
                    Some(("organized", p)) => {
                        acked.organized.insert(p.to_owned());
                    }
                    Some(("download", user)) => *acked.downloads.entry(user.parse().unwrap()).or_default() += 1,
                    Some(("removed", p)) => {
                        acked.removed.insert(p.to_owned());
                    }
                    _ => {}
                }
            }
            acknowledged_writes += lines.len();
            runtime.block_on(check(&path, &acked, seed));
        }
    }
    eprintln!("{} kills, {acknowledged_writes} acknowledged writes checked", ROUNDS * KILLS_PER_ROUND);
    assert!(acknowledged_writes > ROUNDS * KILLS_PER_ROUND, "the children hardly wrote: the test proved little");
}

/// Starts the writer, kills it `delay` after it is ready, and returns every whole line
/// it printed.
fn run_and_kill(path: &Path, tag: &str, writers: u64, journal_limit: u64, delay: Duration) -> Vec<String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bot-db-crash-writer"))
        .args([path.to_str().unwrap(), tag, &writers.to_string(), &journal_limit.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("starting the crash writer");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_eq!(first, "ready\n", "the writer failed to open the database left by the previous kill");
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        let mut line = String::new();
        // A line cut off by the kill has no newline: it was not fully reported, skip it.
        while stdout.read_line(&mut line).unwrap_or(0) > 0 {
            if line.ends_with('\n') {
                lines.push(line.trim_end().to_owned());
            }
            line.clear();
        }
        lines
    });
    std::thread::sleep(delay);
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    reader.join().unwrap()
}

async fn check(path: &Path, acked: &Acked, seed: u64) {
    let db = bot_db::Db::open_with(path, crate::options())
        .await
        .unwrap_or_else(|e| panic!("after a kill the database must open (seed {seed}): {e}"));
    let all = db.history_page(0, usize::MAX).await.unwrap();
    let present: HashSet<_> = all.items.iter().map(|o| o.entry.path.as_str()).collect();
    let lost: Vec<_> = acked.organized.iter().filter(|p| !present.contains(p.as_str())).collect();
    assert!(lost.is_empty(), "acknowledged inserts lost (seed {seed}): {lost:?}");
    for (user, count) in &acked.downloads {
        let stored = db.user_stats(*user).await.unwrap().files_handled;
        assert!(stored >= *count, "user {user}: {count} downloads acknowledged, {stored} stored (seed {seed})");
    }
    let queue = db.queue().await.unwrap();
    let resurrected: Vec<_> = queue.iter().filter(|q| acked.removed.contains(&q.entry.file_name)).collect();
    assert!(resurrected.is_empty(), "acknowledged removals undone (seed {seed}): {resurrected:?}");
    db.close().await.unwrap();
}
