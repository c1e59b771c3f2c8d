//! The contract's metrics: for each, its unit, which way is better, why it matters and what
//! causes delay (fixed text), and the result type that carries a measurement (samples,
//! summary, the measured breakdown and an analysis written from the values).

use serde::Serialize;
use serde_json::{Map, Value};

use super::stats::Summary;
use super::targets::Verdict;

/// A metric's fixed description.
#[derive(Debug, Clone, Copy)]
pub struct MetricDef {
    pub name: &'static str,
    /// `s`, `bytes`, `ops/s` or `B/s` (CONTRACT.md).
    pub unit: &'static str,
    pub lower_is_better: bool,
    /// Why the figure matters to the bot's users.
    pub why: &'static str,
    /// What causes delay (or memory, or slowness) in it.
    pub what: &'static str,
}

const fn def(
    name: &'static str,
    unit: &'static str,
    lower_is_better: bool,
    why: &'static str,
    what: &'static str,
) -> MetricDef {
    MetricDef { name, unit, lower_is_better, why, what }
}

const COMMAND_WHAT: &str = "the long poll handing the update over, teloxide's dispatch, the access check, the command's database reads (a whole-file parse per read in the baseline), rendering, and the sendMessage request";

/// Every metric CONTRACT.md names, in its order.
pub const METRICS: &[MetricDef] = &[
    def("cold_start", "s", true,
        "after a reboot or an update the bot's binary and database are not in the page cache; this is how long users wait before the bot can answer anything",
        "reading the executable's pages from disk, dynamic linking, the runtime and TLS set-up, opening and parsing db.json, the getMe round trip; measured exec → first getUpdates reaching the server"),
    def("warm_start", "s", true,
        "a restart (crash, deploy, systemd) with everything cached: the bot's own start-up cost without the disk",
        "process creation and exec, runtime set-up, configuration, opening the database, building the HTTP client and the dispatcher, getMe; measured exec → first getUpdates"),
    def("bot_init", "s", true,
        "the part of start-up spent talking to Telegram before the bot listens; a slow Bot API server shows here first",
        "the Bot API calls made before the first getUpdates (getMe, webhook and command-menu set-up) and what the bot does between them; measured first Bot API call → first getUpdates"),
    def("first_command", "s", true,
        "the first user after a start must not pay for what start-up deferred (lazy initialisation moves cost here)",
        "work deferred to first use (lazily built subsystems, first database read, first connection of the HTTP pool) on top of an ordinary command"),
    def("command_start", "s", true, "/start is the first thing every user sends: the bot's welcome must feel instant", COMMAND_WHAT),
    def("command_help", "s", true, "/help is pure text: the floor of what a command costs in this bot", COMMAND_WHAT),
    def("command_stats", "s", true, "/stats reads the statistics of the user and, for admins, of everybody: the command most sensitive to the database's read cost", COMMAND_WHAT),
    def("command_queue", "s", true, "/queue is asked again and again while downloads run: it must stay cheap when the queue is long", COMMAND_WHAT),
    def("command_test", "s", true, "/test is the health check an admin runs when something is wrong: it asks Telegram and TMDb and probes every library folder", "two outbound requests (getMe to Telegram, a TMDb query), a write-and-remove probe and statvfs per library folder, and the reply"),
    def("command_history", "s", true, "/history pages through the organized files: a query over the whole history table", COMMAND_WHAT),
    def("command_users", "s", true, "/users counts the bot's users for an admin", COMMAND_WHAT),
    def("command_organize", "s", true, "/organize starts manual organizing of what is left in Downloads: it lists files and may ask TMDb", "a scan of the download folder, name parsing, possibly TMDb, and the reply with its buttons"),
    def("concurrent_commands", "s", true,
        "many users at once (or one user pasting many commands) must not wait behind each other: a blocking database call on the event loop makes every reply queue up",
        "queueing in the runtime: anything synchronous on a worker thread (file I/O, a whole-file parse) delays every other update; per-chat ordering in the dispatcher serialises one user's commands"),
    def("concurrent_commands_p99", "s", true,
        "the slowest replies under load are what users notice",
        "the same queueing as concurrent_commands, seen at its tail"),
    def("event_loop_lag_max", "s", true,
        "the worst stall of the bot's event loop while 500 commands were in flight: a stall delays every chat at once",
        "synchronous work on a runtime worker (blocking file I/O, fsync, a large parse), measured inside the bot by a ticking task"),
    def("db_read", "s", true,
        "every command asks the database something (is this user known, is this file organized)",
        "opening, reading and parsing the whole db.json per read in the baseline; a hash lookup when the cache hits"),
    def("db_write", "s", true,
        "each download and organize records something durably; a slow write holds up the next message",
        "reading, changing and durably replacing the whole file (temp file, fsync, rename, folder fsync) in the baseline; a journal append and a shared fdatasync with group commit"),
    def("db_query", "s", true,
        "/history and /organize page through the history",
        "parsing the whole file, then filtering and sorting the organized table for one page"),
    def("db_write_throughput", "ops/s", false,
        "bursts (a season of episodes finishing together) write many records at once; writers must not queue behind one fsync each",
        "one mutex and two fsyncs per write in the baseline; with group commit, writers share one fsync per group"),
    def("shutdown_idle", "s", true,
        "a restart (deploy, reboot) waits for the old process to go: the bot must release its resources and exit promptly",
        "stopping the long poll (teloxide drops the in-flight getUpdates and confirms the last update with one getUpdates of timeout 0), closing the database (flush and fsync), runtime shutdown"),
    def("shutdown_busy", "s", true,
        "shutting down with downloads running must stop them at a safe point, keep the queue, and still exit promptly",
        "cancelling running downloads at a safe point, recording their state in the queue, then the idle shutdown's steps"),
    def("memory_baseline", "bytes", true,
        "the resident memory of the process before it has done anything: the floor set by the binary and the runtime",
        "the executable's mapped pages, the allocator's initial arenas, thread stacks"),
    def("memory_after_init", "bytes", true,
        "what the bot holds while idle and ready: what it costs to leave running on a small server",
        "the tokio runtime and its threads, the HTTP client and TLS configuration, the database (with batch the tables live in memory), the dispatcher"),
    def("memory_after_commands", "bytes", true,
        "after thousands of commands the bot must be back near its idle size",
        "allocator fragmentation, caches (the LRU of answers), per-chat dispatcher state, HTTP connection pools"),
    def("memory_growth", "bytes", true,
        "a leak of even a few bytes per command grows without bound on a bot that runs for months",
        "anything that keeps per-update state forever: unbounded maps of chats, logs held in memory, caches without a bound"),
    def("download_throughput", "B/s", false,
        "large media files (1–2 GB) should arrive as fast as the disk and the network allow",
        "copy loops with small buffers, per-chunk progress work, fsync policy, the organizer's copy when a rename crosses filesystems"),
    def("memory_during_download", "bytes", true,
        "a download of a 2 GB file must stream, not buffer: memory must not grow with the file",
        "buffering whole responses, unbounded channels between the network and the disk"),
];

pub fn lookup(name: &str) -> Option<&'static MetricDef> {
    METRICS.iter().find(|m| m.name == name)
}

/// Checks that `groups` puts every contract metric in exactly one group and names nothing
/// else. The suite's measurement groups and the report's chart groups are separate tables
/// (one follows what produces a figure, the other what reads well together); this keeps
/// both whole when a metric is added.
#[cfg(test)]
pub(crate) fn assert_groups_cover_every_metric_once(table: &str, groups: &[(&str, &[&str])]) {
    for def in METRICS {
        let homes: Vec<&str> = groups.iter().filter(|(_, names)| names.contains(&def.name)).map(|(g, _)| *g).collect();
        assert_eq!(homes.len(), 1, "{table}: {} is in {} groups ({homes:?}), not one", def.name, homes.len());
    }
    for (group, names) in groups {
        for name in *names {
            assert!(lookup(name).is_some(), "{table}: group {group} names {name}, which is not a contract metric");
        }
    }
}

/// One metric's result as written to `performance_e2e_results.json`.
#[derive(Debug, Clone, Serialize)]
pub struct MetricResult {
    pub name: &'static str,
    pub unit: &'static str,
    pub lower_is_better: bool,
    pub available: bool,
    /// The summary of `samples`; all zeros with n = 0 when unavailable (the contract's
    /// shape), so a reader never mistakes it for a measurement: check `available`.
    pub median: f64,
    pub p95: f64,
    pub p99: f64,
    pub min: f64,
    pub max: f64,
    pub n: usize,
    /// Every kept sample (warm-ups left out), in the order measured.
    pub samples: Vec<f64>,
    pub why: &'static str,
    pub what: &'static str,
    /// The measured breakdown.
    pub components: Map<String, Value>,
    pub analysis: String,
    pub targets: Verdict,
}

impl MetricResult {
    pub fn summary(&self) -> Option<Summary> {
        if self.available {
            Summary::of(&self.samples)
        } else {
            None
        }
    }
}

/// A measurement under construction, before targets are applied.
#[derive(Debug, Clone)]
pub struct Measured {
    pub name: &'static str,
    pub samples: Vec<f64>,
    pub components: Map<String, Value>,
    /// Filled in by the scenario: how to read the values (it knows what they mean).
    pub analysis: String,
    /// Set when the metric could not be measured: the reason.
    pub unavailable: Option<String>,
}

impl Measured {
    pub fn new(name: &'static str, samples: Vec<f64>) -> Measured {
        Measured { name, samples, components: Map::new(), analysis: String::new(), unavailable: None }
    }

    pub fn unavailable(name: &'static str, reason: impl Into<String>) -> Measured {
        Measured {
            name,
            samples: Vec::new(),
            components: Map::new(),
            analysis: String::new(),
            unavailable: Some(reason.into()),
        }
    }

    pub fn component(mut self, key: &str, value: impl Into<Value>) -> Measured {
        self.components.insert(key.to_owned(), value.into());
        self
    }

    pub fn analysis(mut self, text: impl Into<String>) -> Measured {
        self.analysis = text.into();
        self
    }
}

/// A value with its unit, for people: 1.23 ms, 45.6 MB, 12,300 ops/s.
pub fn human(value: f64, unit: &str) -> String {
    match unit {
        "s" => {
            let a = value.abs();
            if a >= 1.0 {
                format!("{value:.3} s")
            } else if a >= 1e-3 {
                format!("{:.3} ms", value * 1e3)
            } else if a >= 1e-6 {
                format!("{:.3} µs", value * 1e6)
            } else {
                format!("{:.1} ns", value * 1e9)
            }
        }
        "bytes" => {
            let a = value.abs();
            if a >= 1e6 {
                format!("{:.2} MB", value / 1e6)
            } else if a >= 1e3 {
                format!("{:.1} kB", value / 1e3)
            } else {
                format!("{value:.0} B")
            }
        }
        "B/s" => format!("{:.1} MB/s", value / 1e6),
        "ops/s" => format!("{value:.0} ops/s"),
        other => format!("{value} {other}"),
    }
}

/// The spread of a summary in words: p95 over median, with a judgement.
pub fn spread(s: &Summary) -> String {
    if s.median <= 0.0 || s.n < 2 {
        return format!("n = {}", s.n);
    }
    let r = s.p95 / s.median;
    let word = if r < 1.5 {
        "steady"
    } else if r < 3.0 {
        "some jitter"
    } else {
        "a long tail: look at max and at the machine's load"
    };
    format!("p95/median = {r:.2}: {word} (n = {})", s.n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_listed_once_with_a_contract_unit() {
        for (i, m) in METRICS.iter().enumerate() {
            assert!(["s", "bytes", "ops/s", "B/s"].contains(&m.unit), "{}: unit {}", m.name, m.unit);
            assert!(!m.why.is_empty() && !m.what.is_empty(), "{}: why and what", m.name);
            assert!(METRICS[i + 1..].iter().all(|o| o.name != m.name), "{} twice", m.name);
        }
        assert_eq!(METRICS.len(), 27, "CONTRACT.md lists 27 metric names");
    }

    #[test]
    fn human_units() {
        assert_eq!(human(0.0021, "s"), "2.100 ms");
        assert_eq!(human(1.5, "s"), "1.500 s");
        assert_eq!(human(5.6e-8, "s"), "56.0 ns");
        assert_eq!(human(12_345_678.0, "bytes"), "12.35 MB");
        assert_eq!(human(5e8, "B/s"), "500.0 MB/s");
    }
}
