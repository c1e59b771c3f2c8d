//! The suite's files: `performance_e2e_results.json` (every metric, its samples and its
//! explanation, the machine), `startup_timeline.txt` (one warm start, phase by phase),
//! `summary.txt` (for people: each figure with its "why") and
//! `performance_test_summary.json` (which groups ran, pass/fail against the targets).

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use serde_json::{json, Value};

use super::metric::{human, MetricResult};
use super::{Report, SuiteError};

/// The machine the figures were measured on.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cpu_model: String,
    pub cores: usize,
    pub kernel: String,
    pub memory_total_bytes: Option<u64>,
    pub load_average: String,
    /// UTC, RFC 3339.
    pub date: String,
}

impl Machine {
    pub fn read() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_total_bytes = meminfo
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb * 1024);
        Machine {
            cpu_model,
            cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim().to_owned(),
            memory_total_bytes,
            load_average: std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim().to_owned(),
            date: utc_now(),
        }
    }
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_now() -> String {
    let secs =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    rfc3339(secs)
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

fn write(path: &Path, text: &str) -> Result<(), SuiteError> {
    std::fs::write(path, text).map_err(|e| SuiteError::Io { what: format!("writing {}", path.display()), source: e })
}

pub fn results_json(r: &Report) -> Value {
    json!({
        "suite": "perf e2e",
        "variant": r.options.variant,
        "bot": r.options.bot.display().to_string(),
        "bot_features": r.options.bot_features,
        "perf_features": perf_features(),
        "quick": r.options.quick,
        "machine": r.machine,
        "pinning": r.pinning,
        "plan": r.plan,
        "percentiles": "nearest rank: the p-th percentile is the sample at rank ceil(p/100 * n); median: the middle sample, or the mean of the two middle ones",
        "harness": r.harness.as_ref().map(|(s, samples)| json!({
            "what": "a command round trip with a trivial in-process client (reqwest, long-polling getUpdates, one sendMessage per message) instead of the bot: what the local server, loopback HTTP and the long poll add to every command_* figure",
            "summary": s,
            "samples": samples,
        })),
        "elapsed_s": r.elapsed,
        "metrics": r.metrics,
    })
}

/// The features perf (and so bot-db, for the `db_*` metrics) was built with.
pub fn perf_features() -> Vec<&'static str> {
    let mut f = Vec::new();
    if cfg!(feature = "cache") {
        f.push("cache");
    }
    if cfg!(feature = "batch") {
        f.push("batch");
    }
    f
}

fn verdict_word(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "met",
        Some(false) => "MISSED",
        None => "-",
    }
}

fn target_text(m: &MetricResult) -> String {
    let fmt = |checks: &[super::targets::Check]| -> String {
        checks
            .iter()
            .map(|c| {
                let (op, bound) = match (c.target.max, c.target.min) {
                    (Some(max), _) => ("<", max),
                    (_, Some(min)) => (">", min),
                    _ => ("?", 0.0),
                };
                format!("{} {op} {} {}", c.target.stat, human(bound, m.unit), verdict_word(c.met))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = Vec::new();
    if !m.targets.original.is_empty() {
        parts.push(format!("original: {}", fmt(&m.targets.original)));
    }
    if !m.targets.project.is_empty() {
        parts.push(format!("project: {}", fmt(&m.targets.project)));
    }
    if parts.is_empty() {
        "no target".into()
    } else {
        parts.join("; ")
    }
}

pub fn summary_text(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Performance suite: variant {} ({}), {}",
        r.options.variant,
        if r.options.quick { "quick" } else { "full" },
        r.machine.date
    );
    let _ = writeln!(
        s,
        "Machine: {}, {} cores, kernel {}, load {}",
        r.machine.cpu_model, r.machine.cores, r.machine.kernel, r.machine.load_average
    );
    let _ = writeln!(s, "Bot: {}   db_* built with features: {:?}", r.options.bot.display(), perf_features());
    let _ = writeln!(s, "Pinning: {}", r.pinning["note"].as_str().unwrap_or(""));
    if let Some((h, _)) = &r.harness {
        let _ = writeln!(
            s,
            "Harness overhead (trivial client instead of the bot): median {}, p95 {} (n = {}); it is inside every command figure.",
            human(h.median, "s"),
            human(h.p95, "s"),
            h.n
        );
    }
    let _ = writeln!(s, "Figures: median (p95) [n]; samples and breakdowns are in performance_e2e_results.json.\n");
    for m in &r.metrics {
        if m.available {
            let _ =
                writeln!(s, "{:<24} {:>12} ({}) [n={}]", m.name, human(m.median, m.unit), human(m.p95, m.unit), m.n);
        } else {
            let _ = writeln!(s, "{:<24} {:>12}", m.name, "unavailable");
        }
        let _ = writeln!(s, "    why:      {}", m.why);
        let _ = writeln!(s, "    analysis: {}", m.analysis);
        if m.available {
            let _ = writeln!(s, "    targets:  {}", target_text(m));
        }
        s.push('\n');
    }
    let (met, missed, unknown) = tally(r);
    let _ = writeln!(s, "Targets: {met} met, {missed} missed, {unknown} without a verdict (no target, or unavailable). Run took {:.1} s.", r.elapsed);
    s
}

/// (met, missed, no verdict) over every check of every metric.
fn tally(r: &Report) -> (usize, usize, usize) {
    let mut t = (0, 0, 0);
    for m in &r.metrics {
        for c in m.targets.original.iter().chain(&m.targets.project) {
            match c.met {
                Some(true) => t.0 += 1,
                Some(false) => t.1 += 1,
                None => t.2 += 1,
            }
        }
    }
    t
}

pub fn timeline_text(r: &Report) -> String {
    let mut s = String::new();
    let Some(t) = &r.timeline else {
        return "No start-up was measured in this run (--only left it out).\n".into();
    };
    let _ = writeln!(
        s,
        "Start-up timeline of one warm start (the last), times since exec (the suite's clock just before spawn)."
    );
    let _ = writeln!(s, "{:>12}  {:>10}  event", "since exec", "VmRSS");
    let rss = |b: Option<u64>| b.map(|b| human(b as f64, "bytes")).unwrap_or_else(|| "-".into());
    let mut rows: Vec<(f64, String, String)> =
        vec![(0.0, rss(t.rss_after_exec), "spawn returned (exec done); RSS read by the suite".into())];
    match &t.phases {
        Some(phases) => {
            for (name, at, b) in phases {
                rows.push((*at, rss(Some(*b)), format!("bot phase: {name}")));
            }
        }
        None => {
            let _ =
                writeln!(s, "(the bot wrote no BOT_STARTUP_TIMELINE file: only the calls the server saw are listed)");
        }
    }
    for (method, at) in &t.calls {
        rows.push((*at, "-".into(), format!("Bot API call arrives: {method}")));
    }
    rows.push((t.ready, rss(t.rss_ready), "ready: first getUpdates arrived (RSS read by the suite)".into()));
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (at, rss, what) in rows {
        let _ = writeln!(s, "{:>12}  {:>10}  {what}", human(at, "s"), rss);
    }
    s
}

pub fn test_summary_json(r: &Report) -> Value {
    let by_group: Vec<Value> = r.groups.iter().map(|(g, secs)| json!({"group": g, "seconds": secs})).collect();
    let results: Vec<Value> = r
        .metrics
        .iter()
        .map(|m| {
            json!({
                "metric": m.name,
                "available": m.available,
                "original_targets": m.targets.original_met.map(|b| if b { "pass" } else { "fail" }),
                "project_targets": m.targets.project_met.map(|b| if b { "pass" } else { "fail" }),
            })
        })
        .collect();
    let (met, missed, unknown) = tally(r);
    json!({
        "date": r.machine.date,
        "variants": [{"name": r.options.variant, "bot": r.options.bot.display().to_string(), "perf_features": perf_features()}],
        "suites": [{"name": "e2e", "ran": true, "groups": by_group, "quick": r.options.quick}],
        "targets": {"met": met, "missed": missed, "no_verdict": unknown},
        "metrics": results,
    })
}

pub fn write_all(r: &Report) -> Result<(), SuiteError> {
    let out = &r.options.out;
    std::fs::create_dir_all(out)
        .map_err(|e| SuiteError::Io { what: format!("creating {}", out.display()), source: e })?;
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_else(|_| "{}".into());
    write(&out.join("performance_e2e_results.json"), &pretty(&results_json(r)))?;
    write(&out.join("startup_timeline.txt"), &timeline_text(r))?;
    write(&out.join("summary.txt"), &summary_text(r))?;
    write(&out.join("performance_test_summary.json"), &pretty(&test_summary_json(r)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_767_225_599), "2025-12-31T23:59:59Z");
    }
}
