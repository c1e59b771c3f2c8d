//! The end-to-end performance suite: takes a bot binary, runs it against the local Telegram
//! and TMDb servers with an isolated data folder per run, measures every metric CONTRACT.md
//! names as many samples (warm-ups discarded), marks each against `perf/targets.toml`, and
//! writes `performance_e2e_results.json`, `startup_timeline.txt`, `summary.txt` and
//! `performance_test_summary.json`.
//!
//! Layout: `stats` (the arithmetic), `targets`, `metric` (names, units, why/what),
//! `process` (the bot as a child process), `fixture` (the database it starts with),
//! `harness` (what the suite itself adds), `e2e` (the scenarios through the bot), `db`
//! (the `bot-db` API directly), `report` (the files).
//!
//! Pinning: with two or more CPUs the suite and its servers run on the first allowed CPU
//! and the bot on the others, so the two do not steal each other's time slices; on one CPU
//! nothing is pinned and the report says so.

pub mod compare;
pub mod db;
pub mod downloads;
pub mod e2e;
pub mod harness;
pub mod html;
pub mod metric;
pub mod process;
pub mod progress;
pub mod report;
pub mod stats;
pub mod targets;

use std::path::PathBuf;
use std::time::Instant;

use metric::Measured;
pub use metric::{MetricDef, MetricResult, METRICS};
use process::Launcher;
use stats::Summary;
use targets::Targets;

/// What went wrong in a run.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    #[error("{what}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("targets {origin}: {reason}")]
    Targets { origin: String, reason: String },
    #[error("the bot never became ready ({reason}); the bot: {exit}; its stderr:\n{stderr}")]
    NotReady { reason: String, exit: String, stderr: String },
    #[error("{what}")]
    Stuck { what: String },
    #[error(transparent)]
    Wait(#[from] crate::WaitError),
    #[error("database: {0}")]
    Db(#[from] bot_db::Error),
    #[error("unknown metric {0:?} in --only (the names are CONTRACT.md's)")]
    UnknownMetric(String),
    #[error("{0}")]
    Other(String),
}

impl SuiteError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> SuiteError {
        SuiteError::Io { what: format!("{}", path.display()), source }
    }
}

/// How the suite was asked to run.
#[derive(Debug, Clone)]
pub struct SuiteOptions {
    pub bot: PathBuf,
    pub out: PathBuf,
    pub variant: String,
    pub quick: bool,
    /// Only these metrics (the groups that produce them run); `None`: all.
    pub only: Option<Vec<String>>,
    /// Targets file; `None`: the built-in `perf/targets.toml`.
    pub targets: Option<PathBuf>,
    /// Pin the bot and the suite to different CPUs when there are two or more.
    pub pin: bool,
    /// The cargo features the bot was built with, for the reports (the xtask knows them).
    pub bot_features: Vec<String>,
}

/// Sample counts and sizes: `--quick` or the full run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Plan {
    pub start_warmup: usize,
    /// Measured start-ups of each kind (cold and warm).
    pub start_runs: usize,
    pub command_warmup: usize,
    pub command_samples: usize,
    /// (commands in flight, rounds).
    pub concurrency: Vec<(usize, usize)>,
    pub memory_runs: usize,
    /// Commands before the first checkpoint, sent in batches of `memory_batch` (the same
    /// pattern as the checkpoints).
    pub memory_warmup: usize,
    pub memory_checkpoints: usize,
    pub memory_batch: usize,
    /// Organized rows in the database the bot starts with.
    pub bot_rows: usize,
    /// Organized rows for `command_history` (issue 7: a page at 100,000 rows).
    pub history_rows: usize,
    /// Media files in the staging folder for `command_organize` to list.
    pub organize_files: usize,
    /// The write-cost scenario: new users writing at once (a closed loop each), and how
    /// many new users there are to write (each writes once).
    pub write_cost_writers: usize,
    pub write_cost_users: usize,
    pub harness_samples: usize,
    pub db_sizes: Vec<usize>,
    pub db_warmup: usize,
    pub db_reads: usize,
    pub db_writes: usize,
    pub db_throughput_rounds: usize,
    /// Each cloud-mode (HTTP) download: under the 20 MB a cloud Bot API server hands out.
    pub download_cloud_size: u64,
    /// Cloud-mode single downloads discarded first (the download client is built, hunch's
    /// tables compiled, on the first file with lazy-init).
    pub download_warmup: usize,
    pub download_cloud_samples: usize,
    /// The local-mode single download (copied from the server's folder).
    pub download_local_size: u64,
    pub download_local_samples: usize,
    /// Downloads at once in a cloud wave and at the busy shutdown; the bot's
    /// MAX_CONCURRENT_DOWNLOADS for those runs.
    pub download_concurrent: usize,
    pub download_memory_cloud_waves: usize,
    /// The local-mode wave: this many files of this size at once.
    pub download_memory_local_files: usize,
    pub download_memory_local_size: u64,
    pub shutdown_busy_samples: usize,
    /// The server's per-download speed cap during the busy shutdown, so every download is
    /// mid-file when SIGTERM comes.
    pub shutdown_busy_bandwidth: u64,
}

impl Plan {
    pub fn quick() -> Plan {
        Plan {
            start_warmup: 1,
            start_runs: 6,
            command_warmup: 5,
            command_samples: 30,
            concurrency: vec![(5, 10), (50, 3), (500, 1)],
            memory_runs: 1,
            memory_warmup: 1_000,
            memory_checkpoints: 10,
            memory_batch: 200,
            bot_rows: 1_000,
            history_rows: 100_000,
            organize_files: 20,
            write_cost_writers: 4,
            write_cost_users: 5_000,
            harness_samples: 100,
            db_sizes: vec![1_000, 10_000],
            db_warmup: 3,
            db_reads: 50,
            db_writes: 30,
            db_throughput_rounds: 3,
            download_cloud_size: 19 << 20,
            download_warmup: 1,
            download_cloud_samples: 5,
            download_local_size: 256 << 20,
            download_local_samples: 1,
            download_concurrent: 10,
            download_memory_cloud_waves: 2,
            download_memory_local_files: 3,
            download_memory_local_size: 128 << 20,
            shutdown_busy_samples: 3,
            shutdown_busy_bandwidth: 4_000_000,
        }
    }

    pub fn full() -> Plan {
        Plan {
            start_warmup: 2,
            start_runs: 20,
            command_warmup: 20,
            command_samples: 200,
            concurrency: vec![(5, 40), (50, 10), (500, 3)],
            memory_runs: 3,
            memory_warmup: 3_000,
            memory_checkpoints: 12,
            memory_batch: 1_000,
            bot_rows: 1_000,
            history_rows: 100_000,
            organize_files: 20,
            write_cost_writers: 4,
            write_cost_users: 5_000,
            harness_samples: 500,
            db_sizes: vec![1_000, 10_000, 100_000],
            db_warmup: 5,
            db_reads: 200,
            db_writes: 100,
            db_throughput_rounds: 10,
            download_cloud_size: 19 << 20,
            download_warmup: 2,
            download_cloud_samples: 20,
            download_local_size: 1 << 30,
            download_local_samples: 3,
            download_concurrent: 10,
            download_memory_cloud_waves: 3,
            download_memory_local_files: 10,
            download_memory_local_size: 1 << 30,
            shutdown_busy_samples: 10,
            shutdown_busy_bandwidth: 4_000_000,
        }
    }
}

/// Which metrics each group of measurements produces.
const GROUPS: &[(&str, &[&str])] = &[
    (
        "startup",
        &[
            "cold_start",
            "warm_start",
            "bot_init",
            "first_command",
            "shutdown_idle",
            "memory_baseline",
            "memory_after_init",
        ],
    ),
    (
        "commands",
        &[
            "command_start",
            "command_help",
            "command_stats",
            "command_queue",
            "command_test",
            "command_history",
            "command_users",
            "command_organize",
        ],
    ),
    ("concurrency", &["concurrent_commands", "concurrent_commands_p99", "event_loop_lag_max"]),
    ("memory", &["memory_after_commands", "memory_growth"]),
    ("downloads", &["download_throughput", "memory_during_download", "shutdown_busy"]),
    ("database", &["db_read", "db_write", "db_query", "db_write_throughput"]),
];

/// Everything a run produced.
#[derive(Debug, Clone)]
pub struct Report {
    pub options: SuiteOptions,
    pub plan: Plan,
    pub machine: report::Machine,
    pub pinning: serde_json::Value,
    pub harness: Option<(Summary, Vec<f64>)>,
    pub metrics: Vec<MetricResult>,
    pub timeline: Option<e2e::Timeline>,
    /// Groups run, with their wall time in seconds.
    pub groups: Vec<(String, f64)>,
    pub elapsed: f64,
}

/// Runs the suite and writes its files. Prints progress to stderr.
pub fn run(options: SuiteOptions) -> Result<Report, SuiteError> {
    let began = Instant::now();
    let targets = match &options.targets {
        Some(p) => Targets::load(p)?,
        None => Targets::builtin()?,
    };
    if let Some(only) = &options.only {
        for name in only {
            if metric::lookup(name).is_none() {
                return Err(SuiteError::UnknownMetric(name.clone()));
            }
        }
    }
    let wanted = |name: &str| options.only.as_ref().is_none_or(|o| o.iter().any(|n| n == name));
    let group_wanted = |group: &str| GROUPS.iter().any(|(g, ms)| *g == group && ms.iter().any(|m| wanted(m)));
    let plan = if options.quick { Plan::quick() } else { Plan::full() };
    let bot = std::fs::canonicalize(&options.bot).map_err(|e| SuiteError::Io {
        what: format!("the bot binary {} (build it with `cargo build --release -p bot`)", options.bot.display()),
        source: e,
    })?;
    let machine = report::Machine::read();

    let mut measured: Vec<Measured> = Vec::new();
    let mut groups = Vec::new();

    // The database group runs first, unpinned, before any bot exists: it is this process
    // alone, measured on its own runtime.
    if group_wanted("database") {
        eprintln!("perf-suite: database (bot-db API directly)");
        let t = Instant::now();
        measured.extend(db::run(&plan)?);
        groups.push(("database".to_owned(), t.elapsed().as_secs_f64()));
    }

    let cpus = process::allowed_cpus();
    let (suite_cpus, bot_cpus) =
        if options.pin && cpus.len() >= 2 { (vec![cpus[0]], cpus[1..].to_vec()) } else { (Vec::new(), Vec::new()) };
    let pinning = serde_json::json!({
        "allowed_cpus": cpus,
        "suite_and_servers": suite_cpus,
        "bot": bot_cpus,
        "note": if bot_cpus.is_empty() { "not pinned (one CPU, or --no-pin)" } else { "sched_setaffinity: the suite and its servers on one CPU, the bot on the others" },
    });
    let previous = process::allowed_cpus();
    if !suite_cpus.is_empty() {
        process::pin_current_thread(&suite_cpus)
            .map_err(|e| SuiteError::Io { what: "pinning the suite".into(), source: e })?;
    }
    let launcher = Launcher { bot, bot_cpus: bot_cpus.clone() };
    // One thread: the servers and the scenarios share it, so a server's arrival time is
    // taken as soon as the bot's request is readable (nothing else competes for the CPU).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SuiteError::Io { what: "building the suite's runtime".into(), source: e })?;
    let e2e_result = rt.block_on(async {
        let mut harness_result = None;
        let mut timeline = None;
        let mut menu = None;
        let mut local: Vec<Measured> = Vec::new();
        let mut timed = Vec::new();
        let mut write_cost = None;
        if group_wanted("commands") || group_wanted("startup") {
            eprintln!("perf-suite: harness overhead (a trivial client instead of the bot)");
            let t = Instant::now();
            harness_result = Some(harness::overhead(plan.harness_samples, plan.harness_samples / 10, &bot_cpus).await?);
            timed.push(("harness".to_owned(), t.elapsed().as_secs_f64()));
        }
        if group_wanted("startup") || group_wanted("commands") || group_wanted("memory") {
            eprintln!(
                "perf-suite: start-up, first command, idle shutdown ({} cold + {} warm runs after {} warm-up pairs)",
                plan.start_runs, plan.start_runs, plan.start_warmup
            );
            let t = Instant::now();
            let (m, tl, mn) = e2e::startup(&launcher, &plan).await?;
            if group_wanted("startup") {
                local.extend(m);
            }
            timeline = tl;
            menu = mn;
            timed.push(("startup".to_owned(), t.elapsed().as_secs_f64()));
        }
        if group_wanted("commands") {
            eprintln!("perf-suite: commands ({} round trips each)", plan.command_samples);
            let t = Instant::now();
            local.extend(e2e::commands(&launcher, &plan, &menu, &wanted, harness_result.as_ref().map(|h| &h.0)).await?);
            timed.push(("commands".to_owned(), t.elapsed().as_secs_f64()));
        }
        if wanted("db_write") {
            eprintln!("perf-suite: what database writes cost a command");
            let t = Instant::now();
            write_cost = Some(e2e::write_cost(&launcher, &plan).await?);
            timed.push(("write_cost".to_owned(), t.elapsed().as_secs_f64()));
        }
        if group_wanted("concurrency") {
            eprintln!("perf-suite: concurrent commands {:?}", plan.concurrency.iter().map(|c| c.0).collect::<Vec<_>>());
            let t = Instant::now();
            // The trivial client takes the largest burst first: what the harness alone needs.
            let floor = match plan.concurrency.iter().max_by_key(|l| l.0) {
                Some(&(n, rounds)) => Some(harness::burst_floor(n, rounds, &bot_cpus).await?),
                None => None,
            };
            local.extend(e2e::concurrency(&launcher, &plan, floor.as_ref()).await?);
            timed.push(("concurrency".to_owned(), t.elapsed().as_secs_f64()));
        }
        if group_wanted("memory") {
            eprintln!("perf-suite: memory over {} commands", plan.memory_checkpoints * plan.memory_batch);
            let t = Instant::now();
            local.extend(e2e::memory(&launcher, &plan, &menu).await?);
            timed.push(("memory".to_owned(), t.elapsed().as_secs_f64()));
        }
        if group_wanted("downloads") {
            eprintln!("perf-suite: downloads");
            let t = Instant::now();
            local.extend(downloads::run(&launcher, &plan).await?);
            timed.push(("downloads".to_owned(), t.elapsed().as_secs_f64()));
        }
        Ok::<_, SuiteError>((local, harness_result, timeline, timed, write_cost))
    });
    if !suite_cpus.is_empty() {
        // Give the rest of this process (the report, a caller's later work) its CPUs back.
        let _ = process::pin_current_thread(&previous);
    }
    let (local, harness_result, timeline, timed, write_cost) = e2e_result?;
    measured.extend(local);
    if let (Some((component, sentence)), Some(m)) = (write_cost, measured.iter_mut().find(|m| m.name == "db_write")) {
        m.components.insert("command_latency_while_writing".to_owned(), component);
        m.analysis.push_str(&sentence);
    }
    groups.extend(timed);

    let metrics = METRICS
        .iter()
        .map(|def| {
            let found = measured.iter().find(|m| m.name == def.name);
            let m = match found {
                Some(m) if wanted(def.name) => m.clone(),
                _ if !wanted(def.name) => {
                    Measured::unavailable(def.name, "not measured in this run: left out by --only")
                }
                _ => Measured::unavailable(def.name, "not measured: no scenario produced it"),
            };
            finish(def, m, &targets)
        })
        .collect();
    let report = Report {
        options,
        plan,
        machine,
        pinning,
        harness: harness_result,
        metrics,
        timeline,
        groups,
        elapsed: began.elapsed().as_secs_f64(),
    };
    report::write_all(&report)?;
    Ok(report)
}

/// Applies the summary, the targets and the unavailable shape to one measurement.
fn finish(def: &MetricDef, m: Measured, targets: &Targets) -> MetricResult {
    let summary = if m.unavailable.is_some() { None } else { Summary::of(&m.samples) };
    let (available, analysis) = match (&m.unavailable, summary) {
        (Some(reason), _) => (false, format!("unavailable: {reason}")),
        (None, None) => (false, "unavailable: the scenario ran but kept no sample".to_owned()),
        (None, Some(_)) => (true, m.analysis.clone()),
    };
    let s = summary.unwrap_or(Summary { median: 0.0, p95: 0.0, p99: 0.0, min: 0.0, max: 0.0, n: 0 });
    MetricResult {
        name: def.name,
        unit: def.unit,
        lower_is_better: def.lower_is_better,
        available,
        median: s.median,
        p95: s.p95,
        p99: s.p99,
        min: s.min,
        max: s.max,
        n: s.n,
        samples: if available { m.samples } else { Vec::new() },
        why: def.why,
        what: def.what,
        components: m.components,
        analysis,
        targets: targets.verdict(def.name, summary.as_ref()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_metric_is_produced_by_one_group() {
        super::metric::assert_groups_cover_every_metric_once("the suite's groups", super::GROUPS);
    }
}
