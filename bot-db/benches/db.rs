//! bot-db's benchmarks: the baseline against `cache`+`batch`, measured in the same run
//! (the build has both features; `Options::baseline()` turns them off for the baseline),
//! at 1,000, 10,000 and 100,000 organized rows.
//!
//! - `read`: `is_organized` and `has_user`, asked again and again (the cache's best case,
//!   and the bot's common one: the same few users and files come back).
//! - `write`: `insert_organized` and `record_download`, one at a time, each durable.
//! - `query`: page 3 of `/history`, five to a page.
//! - `throughput`: 64 tasks each doing one durable insert at once; reported per element.
//!
//! After criterion, two figures it cannot give: the p50/p99 of single durable writes
//! (1,000 of them, at 10,000 rows), and the time and resident memory it takes to open a
//! 1,000-row and a 100,000-row file and answer the first history page (the `batch` form reads the
//! history's documents then), measured in a fresh child process so the allocator's
//! history does not blur the figure.
//!
//! Run: `cargo bench -p bot-db --features cache,batch` (add `-- --quick` for a fast look).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bot_db::fixture::{self, new_entry as entry, row_path};
use bot_db::{Db, DownloadOutcome, Options};
use criterion::{BenchmarkId, Criterion, Throughput};
use tokio::runtime::Runtime;

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];
const WRITERS: usize = 64;

fn modes() -> [Options; 2] {
    [Options::baseline(), Options::from_features()]
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// Writes a TinyDB file with `rows` organized files, 100 users and their stats, the way
/// the Python bot lays it out (`bot_db::fixture`, shared with the perf suite).
fn write_fixture(path: &Path, rows: usize) {
    fixture::write_db(path, rows, 1_000_000, 100).unwrap();
}

/// A fresh copy of the `rows`-row fixture in its own folder.
struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn fresh_copy(template: &Path) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.json");
    std::fs::copy(template, &path).unwrap();
    Fixture { _dir: dir, path }
}

fn configure(c: &mut Criterion, rows: usize) -> criterion::BenchmarkGroup<'_, criterion::measurement::WallTime> {
    let mut group = c.benchmark_group(format!("rows={rows}"));
    // The baseline parses the whole file per call: 100,000 rows take a tenth of a second
    // or more per read, so keep sample counts small where the calls are slow.
    group.sample_size(if rows >= 100_000 { 10 } else { 20 });
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(if rows >= 100_000 { 4 } else { 2 }));
    if rows >= 100_000 {
        // Same iteration count in every sample: linear sampling would run the slowest
        // calls 55 times.
        group.sampling_mode(criterion::SamplingMode::Flat);
    }
    group
}

fn benches(c: &mut Criterion, templates: &[(usize, PathBuf)]) {
    let rt = runtime();
    for (rows, template) in templates {
        let rows = *rows;
        let mut group = configure(c, rows);
        for options in modes() {
            let mode = options.name();
            let fx = fresh_copy(template);
            let db = rt.block_on(Db::open_with(&fx.path, options)).unwrap();
            let known = row_path(rows / 2);
            group.bench_function(BenchmarkId::new("read/is_organized", mode), |b| {
                b.to_async(&rt).iter(|| async { assert!(db.is_organized(&known).await.unwrap()) })
            });
            group.bench_function(BenchmarkId::new("read/has_user", mode), |b| {
                b.to_async(&rt).iter(|| async { assert!(db.has_user(1_000_050).await.unwrap()) })
            });
            group.bench_function(BenchmarkId::new("query/history_page", mode), |b| {
                b.to_async(&rt).iter(|| async { assert_eq!(db.history_page(3, 5).await.unwrap().items.len(), 5) })
            });
            let mut next = 0;
            group.bench_function(BenchmarkId::new("write/insert_organized", mode), |b| {
                b.to_async(&rt).iter(|| {
                    next += 1;
                    let db = &db;
                    let e = entry(next);
                    async move { db.insert_organized(e).await.unwrap() }
                })
            });
            group.bench_function(BenchmarkId::new("write/record_download", mode), |b| {
                b.to_async(&rt).iter(|| async {
                    let o = DownloadOutcome {
                        user: 1_000_007,
                        succeeded: true,
                        bytes: 1 << 20,
                        seconds: 1.0,
                        concurrent: 1,
                    };
                    db.record_download(o).await.unwrap()
                })
            });
            rt.block_on(db.close()).unwrap();
        }
        group.finish();
        throughput(c, &rt, rows, template);
    }
}

/// 64 tasks each doing one durable insert at once, reported per insert.
fn throughput(c: &mut Criterion, rt: &Runtime, rows: usize, template: &Path) {
    let mut group = configure(c, rows);
    group.throughput(Throughput::Elements(WRITERS as u64));
    for options in modes() {
        // 64 serialized whole-file rewrites of 100,000 rows take about half a minute per
        // sample; the single-write figure already shows that cost.
        if rows >= 100_000 && options == Options::baseline() {
            continue;
        }
        let fx = fresh_copy(template);
        let db = rt.block_on(Db::open_with(&fx.path, options)).unwrap();
        group.bench_function(BenchmarkId::new("throughput/64_writers", options.name()), |b| {
            b.to_async(rt).iter_custom(|iters| {
                let db = db.clone();
                async move {
                    let start = Instant::now();
                    for _ in 0..iters {
                        let tasks: Vec<_> = (0..WRITERS)
                            .map(|w| {
                                let db = db.clone();
                                tokio::spawn(async move { db.insert_organized(entry(w)).await.unwrap() })
                            })
                            .collect();
                        for t in tasks {
                            t.await.unwrap();
                        }
                    }
                    start.elapsed()
                }
            })
        });
        rt.block_on(db.close()).unwrap();
    }
    group.finish();
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// p50 and p99 of single durable inserts at 10,000 rows, each form, one writer.
fn write_latency(template: &Path) {
    let rt = runtime();
    for options in modes() {
        let fx = fresh_copy(template);
        let db = rt.block_on(Db::open_with(&fx.path, options)).unwrap();
        let n = if options == Options::baseline() { 300 } else { 1000 };
        let mut samples: Vec<Duration> = (0..n)
            .map(|i| {
                let start = Instant::now();
                rt.block_on(db.insert_organized(entry(i))).unwrap();
                start.elapsed()
            })
            .collect();
        samples.sort();
        println!(
            "single durable insert at 10000 rows, {:<11}: p50 {:>10.3?}  p99 {:>10.3?}  (n={n})",
            options.name(),
            percentile(&samples, 0.5),
            percentile(&samples, 0.99)
        );
        rt.block_on(db.close()).unwrap();
    }
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

const OPEN_CHILD: &str = "BOT_DB_BENCH_OPEN";

/// In a fresh child: open the database at `$BOT_DB_BENCH_OPEN` in the form named by the
/// first argument, then ask for the first history page; print the times and the resident
/// memory before, after the open and after the query. The `batch` form reads the history's
/// documents at that first query, so the open alone would not show its whole cost.
fn open_child(path: &str) {
    let options =
        if std::env::args().any(|a| a == "baseline") { Options::baseline() } else { Options::from_features() };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let before = rss_kib();
    let start = Instant::now();
    let db = rt.block_on(Db::open_with(path, options)).unwrap();
    let opened = start.elapsed();
    let after_open = rss_kib();
    let start = Instant::now();
    rt.block_on(db.history_page(0, 5)).unwrap();
    let queried = start.elapsed();
    let after_query = rss_kib();
    println!("{} {} {} {} {}", opened.as_secs_f64(), queried.as_secs_f64(), before, after_open, after_query);
    std::mem::forget(db); // leave the file as it is; the process ends now
}

fn open_cost(rows: usize, template: &Path) {
    let spread = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[0], v[v.len() - 1])
    };
    for options in modes() {
        let (mut open, mut query, mut rss_open, mut rss_query) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..5 {
            let fx = fresh_copy(template);
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .arg(options.name())
                .env(OPEN_CHILD, &fx.path)
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            let fields: Vec<f64> = text.split_whitespace().filter_map(|f| f.parse().ok()).collect();
            let [opened, queried, before, after_open, after_query] = fields[..] else {
                panic!("open child printed {text:?}")
            };
            open.push(opened * 1e3);
            query.push(queried * 1e3);
            rss_open.push((after_open - before) / 1024.0);
            rss_query.push((after_query - before) / 1024.0);
        }
        let (o, o_min, o_max) = spread(open);
        let (q, q_min, q_max) = spread(query);
        println!(
            "open {rows} rows, {:<11}: median {o:.2} ms (min {o_min:.2}, max {o_max:.2}), then the first history page {q:.2} ms ({q_min:.2}–{q_max:.2}); \
             resident memory added: {:.1} MiB after the open, {:.1} MiB after the page (medians, n=5)",
            options.name(),
            spread(rss_open).0,
            spread(rss_query).0,
        );
    }
}

fn main() {
    if let Ok(path) = std::env::var(OPEN_CHILD) {
        return open_child(&path);
    }
    let dir = tempfile::tempdir().unwrap();
    let templates: Vec<(usize, PathBuf)> = SIZES
        .iter()
        .map(|&rows| {
            let path = dir.path().join(format!("db-{rows}.json"));
            write_fixture(&path, rows);
            (rows, path)
        })
        .collect();
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c, &templates);
    c.final_summary();
    // `cargo test --benches` runs this binary in test mode: keep that quick.
    if std::env::args().any(|a| a == "--bench") {
        write_latency(&templates[1].1);
        // 1,000 rows is the database the perf suite starts the bot with.
        for (rows, template) in [&templates[0], &templates[2]] {
            open_cost(*rows, template);
        }
    }
}
