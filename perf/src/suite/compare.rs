//! After the runs: `merge` pools the rounds of one variant into one results file, and
//! `compare` sets two variants side by side, metric by metric, as CONTRACT.md's
//! `comparison.json` (plus `comparison.md`, `report.html` and
//! `performance_test_summary.json` for people and automation).
//!
//! `ratio` reads the same way for every metric: above 1 means the second variant is
//! better (first median / second median where lower is better, the inverse where higher
//! is better), with a seeded bootstrap 95% interval; `significant` when it excludes 1.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::metric::{human, lookup};
use super::stats::{bootstrap_ratio_ci_rounds, Summary};
use super::targets::Targets;
use super::SuiteError;

const RESAMPLES: usize = 10_000;
/// Fewer samples than this in either variant, and a bootstrap interval says nothing (one
/// sample resamples to itself): the ratio is given without one, never as significant.
const MIN_SAMPLES_FOR_CI: usize = 5;
const SEED: u64 = 0x5eed_c0de;

fn read_json(path: &Path) -> Result<Value, SuiteError> {
    let text = std::fs::read_to_string(path).map_err(|e| SuiteError::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| SuiteError::Other(format!("{}: not a results file: {e}", path.display())))
}

fn write(path: &Path, text: &str) -> Result<(), SuiteError> {
    std::fs::write(path, text).map_err(|e| SuiteError::io(path, e))
}

fn samples(metric: &Value) -> Vec<f64> {
    metric["samples"].as_array().map(|a| a.iter().filter_map(Value::as_f64).collect()).unwrap_or_default()
}

/// A metric's samples split into the rounds they were taken in (`merge` records each
/// round's count); one round when the split is not recorded or does not add up.
fn rounds(metric: &Value) -> Vec<Vec<f64>> {
    let all = samples(metric);
    let sizes: Vec<usize> = metric["components"]["round_sizes"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).map(|n| n as usize).collect())
        .unwrap_or_default();
    if sizes.len() < 2 || sizes.iter().sum::<usize>() != all.len() {
        return vec![all];
    }
    let mut rest = all.as_slice();
    sizes
        .iter()
        .map(|&n| {
            let (round, tail) = rest.split_at(n);
            rest = tail;
            round.to_vec()
        })
        .collect()
}

fn metrics(results: &Value) -> Vec<Value> {
    results["metrics"].as_array().cloned().unwrap_or_default()
}

/// Pools the rounds in `files` (each a `performance_e2e_results.json` of the same variant)
/// into `out/performance_e2e_results.json`, recomputing every summary and verdict from the
/// pooled samples, and copies the first round's start-up timeline.
pub fn merge(files: &[PathBuf], out: &Path, targets: &Targets) -> Result<(), SuiteError> {
    let rounds: Vec<Value> = files.iter().map(|f| read_json(f)).collect::<Result<_, _>>()?;
    let Some(first) = rounds.first() else { return Err(SuiteError::Other("merge: no results files given".into())) };
    let mut merged = first.clone();
    let mut out_metrics = Vec::new();
    for (i, metric) in metrics(first).into_iter().enumerate() {
        let name = metric["name"].as_str().unwrap_or_default().to_owned();
        let per_round: Vec<Value> = rounds.iter().filter_map(|r| metrics(r).get(i).cloned()).collect();
        let available: Vec<&Value> = per_round.iter().filter(|m| m["available"].as_bool() == Some(true)).collect();
        let mut m = metric.clone();
        if let Some(first_available) = available.first() {
            let pooled: Vec<f64> = available.iter().flat_map(|m| samples(m)).collect();
            let summary = Summary::of(&pooled);
            m = (*first_available).clone();
            if let Some(s) = summary {
                for (key, value) in
                    [("median", s.median), ("p95", s.p95), ("p99", s.p99), ("min", s.min), ("max", s.max)]
                {
                    m[key] = json!(value);
                }
                m["n"] = json!(s.n);
            }
            m["samples"] = json!(pooled);
            m["targets"] = serde_json::to_value(targets.verdict(&name, summary.as_ref())).unwrap_or(Value::Null);
            if rounds.len() > 1 {
                let medians: Vec<Value> = available.iter().map(|r| r["median"].clone()).collect();
                m["components"]["round_medians"] = json!(medians);
                // Where each round's samples end in the pooled list: `compare` resamples
                // by round, so drift between runs shows in its interval.
                let sizes: Vec<usize> = available.iter().map(|r| samples(r).len()).collect();
                m["components"]["round_sizes"] = json!(sizes);
                let unit = m["unit"].as_str().unwrap_or("s").to_owned();
                let text: Vec<String> = medians.iter().filter_map(Value::as_f64).map(|v| human(v, &unit)).collect();
                let analysis = m["analysis"].as_str().unwrap_or_default().to_owned();
                m["analysis"] = json!(format!(
                    "{} Pooled from {} rounds (round medians: {}); the figures above are the first round's, the summary is the pooled one.",
                    analysis,
                    available.len(),
                    text.join(", ")
                ));
            }
        }
        out_metrics.push(m);
    }
    merged["metrics"] = json!(out_metrics);
    merged["rounds"] = json!(rounds.len());
    std::fs::create_dir_all(out).map_err(|e| SuiteError::io(out, e))?;
    write(&out.join("performance_e2e_results.json"), &serde_json::to_string_pretty(&merged).unwrap_or_default())?;
    if let Some(dir) = files[0].parent() {
        let timeline = dir.join("startup_timeline.txt");
        if timeline.exists() {
            std::fs::copy(&timeline, out.join("startup_timeline.txt")).map_err(|e| SuiteError::io(&timeline, e))?;
        }
    }
    Ok(())
}

/// What `compare` found.
#[derive(Debug, Default)]
pub struct Comparison {
    pub json: Value,
    /// Metrics on which the second variant is significantly worse by more than the
    /// threshold.
    pub regressions: Vec<String>,
}

fn summary_json(m: &Value) -> Value {
    json!({"median": m["median"], "p95": m["p95"], "min": m["min"], "max": m["max"], "n": m["n"]})
}

/// The original's target for a metric, as one number, and whether a variant met it.
fn original_target(m: &Value) -> (Value, Value) {
    let check = m["targets"]["original"].as_array().and_then(|c| c.first()).cloned().unwrap_or(Value::Null);
    let value = check.get("max").or_else(|| check.get("min")).cloned().unwrap_or(Value::Null);
    (value, m["targets"]["original_met"].clone())
}

/// Compares the results in `dir_a` with those in `dir_b` and writes the reports to `out`.
pub fn compare(
    dir_a: &Path,
    dir_b: &Path,
    out: &Path,
    fail_on_regression: Option<f64>,
) -> Result<Comparison, SuiteError> {
    let a = read_json(&dir_a.join("performance_e2e_results.json"))?;
    let b = read_json(&dir_b.join("performance_e2e_results.json"))?;
    let name_a = a["variant"].as_str().unwrap_or("a").to_owned();
    let name_b = b["variant"].as_str().unwrap_or("b").to_owned();
    anyhow_same_names(&name_a, &name_b)?;
    let mut regressions = Vec::new();
    let mut rows = Vec::new();
    for (ma, mb) in metrics(&a).iter().zip(metrics(&b).iter()) {
        let name = ma["name"].as_str().unwrap_or_default().to_owned();
        let def = lookup(&name);
        let lower = ma["lower_is_better"].as_bool().unwrap_or(true);
        let unit = ma["unit"].as_str().unwrap_or("s").to_owned();
        let both = ma["available"].as_bool() == Some(true) && mb["available"].as_bool() == Some(true);
        let mut row = Map::new();
        row.insert("name".into(), json!(name));
        row.insert("unit".into(), json!(unit));
        row.insert("lower_is_better".into(), json!(lower));
        row.insert("available".into(), json!(both));
        row.insert(name_a.clone(), summary_json(ma));
        row.insert(name_b.clone(), summary_json(mb));
        let (target, a_met) = original_target(ma);
        let (_, b_met) = original_target(mb);
        row.insert("target".into(), target);
        row.insert(format!("{name_a}_meets_target"), a_met);
        row.insert(format!("{name_b}_meets_target"), b_met);
        row.insert("targets".into(), json!({ name_a.clone(): ma["targets"], name_b.clone(): mb["targets"] }));
        row.insert("why".into(), json!(def.map_or("", |d| d.why)));
        row.insert("what".into(), json!(def.map_or("", |d| d.what)));
        row.insert("components".into(), json!({ name_a.clone(): ma["components"], name_b.clone(): mb["components"] }));
        let (sa, sb) = (samples(ma), samples(mb));
        let too_few = sa.len().min(sb.len()) < MIN_SAMPLES_FOR_CI;
        let (rounds_a, rounds_b) = (rounds(ma), rounds(mb));
        let (ra, rb): (Vec<&[f64]>, Vec<&[f64]>) =
            (rounds_a.iter().map(Vec::as_slice).collect(), rounds_b.iter().map(Vec::as_slice).collect());
        let ci = if !both || too_few {
            None
        } else if lower {
            bootstrap_ratio_ci_rounds(&ra, &rb, RESAMPLES, SEED)
        } else {
            bootstrap_ratio_ci_rounds(&rb, &ra, RESAMPLES, SEED)
        };
        let analysis = match (&ci, both) {
            (_, false) => {
                let reason = [ma, mb]
                    .iter()
                    .find(|m| m["available"].as_bool() != Some(true))
                    .and_then(|m| m["analysis"].as_str())
                    .unwrap_or("not measured");
                row.insert("ratio".into(), Value::Null);
                row.insert("ci95".into(), Value::Null);
                row.insert("significant".into(), json!(false));
                format!("not compared: {reason}")
            }
            (None, true) if too_few => {
                let (med_a, med_b) = (ma["median"].as_f64().unwrap_or(0.0), mb["median"].as_f64().unwrap_or(0.0));
                let ratio = match (lower, med_a, med_b) {
                    (true, a, b) if b != 0.0 => Some(a / b),
                    (false, a, b) if a != 0.0 => Some(b / a),
                    _ => None,
                };
                row.insert("ratio".into(), json!(ratio));
                row.insert("ci95".into(), Value::Null);
                row.insert("significant".into(), json!(false));
                format!(
                    "ratio {} from {} and {} samples: too few for a confidence interval (at least {MIN_SAMPLES_FOR_CI} each), so not called significant; {name_a} {}, {name_b} {}.",
                    ratio.map_or("not finite".to_owned(), |r| format!("{r:.2}")),
                    sa.len(),
                    sb.len(),
                    human(med_a, &unit),
                    human(med_b, &unit)
                )
            }
            (None, true) => {
                row.insert("ratio".into(), Value::Null);
                row.insert("ci95".into(), Value::Null);
                row.insert("significant".into(), json!(false));
                "not compared: a median is zero, so the ratio is not finite".to_owned()
            }
            (Some(ci), true) => {
                row.insert("ratio".into(), json!(ci.ratio));
                row.insert("ci95".into(), json!(ci.ci95));
                row.insert("significant".into(), json!(ci.significant));
                let (med_a, med_b) = (ma["median"].as_f64().unwrap_or(0.0), mb["median"].as_f64().unwrap_or(0.0));
                let figures = format!(
                    "{name_a} {} (n = {}), {name_b} {} (n = {})",
                    human(med_a, &unit),
                    ma["n"],
                    human(med_b, &unit),
                    mb["n"]
                );
                if !ci.significant {
                    format!(
                        "no significant difference: ratio {:.2} (95% CI {:.2}–{:.2}) includes 1; {figures}.",
                        ci.ratio, ci.ci95[0], ci.ci95[1]
                    )
                } else if ci.ratio > 1.0 {
                    format!(
                        "{name_b} is {:.2}× better (95% CI {:.2}–{:.2}×); {figures}.",
                        ci.ratio, ci.ci95[0], ci.ci95[1]
                    )
                } else {
                    if fail_on_regression.is_some_and(|pct| worse_by_more_than(ci.ratio, lower, pct)) {
                        regressions.push(name.clone());
                    }
                    format!(
                        "{name_b} is worse: {:.2}× of {name_a} (95% CI {:.2}–{:.2}); {figures}.",
                        ci.ratio, ci.ci95[0], ci.ci95[1]
                    )
                }
            }
        };
        row.insert("analysis".into(), json!(analysis));
        rows.push(Value::Object(row));
    }
    let features = |r: &Value| r["bot_features"].clone();
    let json = json!({
        "variants": { name_a.clone(): {"features": features(&a)}, name_b.clone(): {"features": features(&b)} },
        "a": name_a,
        "b": name_b,
        "machine": a["machine"],
        "resamples": RESAMPLES,
        "metrics": rows,
    });
    std::fs::create_dir_all(out).map_err(|e| SuiteError::io(out, e))?;
    write(&out.join("comparison.json"), &serde_json::to_string_pretty(&json).unwrap_or_default())?;
    write(&out.join("comparison.md"), &markdown(&json))?;
    write(&out.join("report.html"), &super::html::report(&json))?;
    write(
        &out.join("performance_test_summary.json"),
        &serde_json::to_string_pretty(&test_summary(&json, &a, &b)).unwrap_or_default(),
    )?;
    Ok(Comparison { json, regressions })
}

/// Whether b is worse than a by more than `pct` percent, given the ratio the report prints
/// (above 1 is better for b). "Worse by 10%" is in the metric's own terms: a time 1.1× as
/// long (ratio a/b below 1/1.1), or a throughput 0.9× as high (ratio b/a below 0.9).
fn worse_by_more_than(ratio: f64, lower_is_better: bool, pct: f64) -> bool {
    let limit = if lower_is_better { 1.0 / (1.0 + pct / 100.0) } else { 1.0 - pct / 100.0 };
    ratio < limit
}

fn anyhow_same_names(a: &str, b: &str) -> Result<(), SuiteError> {
    if a == b {
        return Err(SuiteError::Other(format!("both results are of the variant {a:?}: compare two different builds")));
    }
    Ok(())
}

/// `comparison.md`: one table row per metric, then each analysis.
pub fn markdown(c: &Value) -> String {
    let (a, b) = (c["a"].as_str().unwrap_or("a"), c["b"].as_str().unwrap_or("b"));
    let mut s = String::new();
    let _ = writeln!(s, "# {a} against {b}\n");
    let _ = writeln!(s, "Ratio above 1: {b} is better. Medians, p95 in brackets, n samples; 95% bootstrap interval of the ratio of medians (resampling the rounds, then the samples within each, so drift between runs widens it).\n");
    let _ = writeln!(s, "| metric | {a} | {b} | ratio (95% CI) | significant | original target: {a} / {b} |");
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for m in c["metrics"].as_array().into_iter().flatten() {
        let unit = m["unit"].as_str().unwrap_or("s");
        let cell = |v: &Value| {
            if v["n"].as_u64().unwrap_or(0) == 0 {
                "—".to_owned()
            } else {
                format!(
                    "{} ({}) n={}",
                    human(v["median"].as_f64().unwrap_or(0.0), unit),
                    human(v["p95"].as_f64().unwrap_or(0.0), unit),
                    v["n"]
                )
            }
        };
        let ratio = match (m["ratio"].as_f64(), m["ci95"].as_array()) {
            (Some(r), Some(ci)) => {
                format!("{r:.2} ({:.2}–{:.2})", ci[0].as_f64().unwrap_or(0.0), ci[1].as_f64().unwrap_or(0.0))
            }
            (Some(r), None) => format!("{r:.2} (no interval: too few samples)"),
            _ => "not compared".to_owned(),
        };
        let met = |v: &Value| match v.as_bool() {
            Some(true) => "met",
            Some(false) => "missed",
            None => "—",
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} / {} |",
            m["name"].as_str().unwrap_or_default(),
            cell(&m[a]),
            cell(&m[b]),
            ratio,
            if m["significant"].as_bool() == Some(true) { "yes" } else { "no" },
            met(&m[format!("{a}_meets_target")]),
            met(&m[format!("{b}_meets_target")]),
        );
    }
    let _ = writeln!(s, "\n## What each figure says\n");
    for m in c["metrics"].as_array().into_iter().flatten() {
        let _ = writeln!(
            s,
            "- **{}**: {}",
            m["name"].as_str().unwrap_or_default(),
            m["analysis"].as_str().unwrap_or_default()
        );
    }
    s
}

/// `performance_test_summary.json`: which suites ran, for which variants, and how each
/// fared against the targets.
fn test_summary(c: &Value, a: &Value, b: &Value) -> Value {
    let tally = |r: &Value, key: &str| {
        let ms = metrics(r);
        let count = |v: Option<bool>| ms.iter().filter(|m| m["targets"][key].as_bool() == v).count();
        json!({"met": count(Some(true)), "missed": count(Some(false)), "no_verdict": count(None)})
    };
    let variant = |r: &Value| {
        json!({
            "features": r["bot_features"],
            "quick": r["quick"],
            "rounds": r.get("rounds").cloned().unwrap_or(json!(1)),
            "available_metrics": metrics(r).iter().filter(|m| m["available"].as_bool() == Some(true)).count(),
            "original_targets": tally(r, "original_met"),
            "project_targets": tally(r, "project_met"),
        })
    };
    let significant = |better: bool| {
        c["metrics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| {
                m["significant"].as_bool() == Some(true) && (m["ratio"].as_f64().unwrap_or(1.0) > 1.0) == better
            })
            .count()
    };
    json!({
        "suites": ["end-to-end", "database (bot-db API)"],
        "date": super::report::utc_now(),
        "variants": { c["a"].as_str().unwrap_or("a"): variant(a), c["b"].as_str().unwrap_or("b"): variant(b) },
        "comparison": {"significantly_better": significant(true), "significantly_worse": significant(false)},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(name: &str, unit: &str, lower: bool, samples: &[f64]) -> Value {
        let s = Summary::of(samples);
        json!({
            "name": name, "unit": unit, "lower_is_better": lower, "available": s.is_some(),
            "median": s.map_or(0.0, |s| s.median), "p95": s.map_or(0.0, |s| s.p95), "p99": s.map_or(0.0, |s| s.p99),
            "min": s.map_or(0.0, |s| s.min), "max": s.map_or(0.0, |s| s.max), "n": s.map_or(0, |s| s.n),
            "samples": samples, "components": {}, "analysis": if s.is_some() { "measured" } else { "unavailable: not built yet" },
            "targets": {"original": [], "project": [], "original_met": null, "project_met": null},
        })
    }

    fn results(dir: &Path, variant: &str, metrics: Vec<Value>) {
        std::fs::create_dir_all(dir).unwrap();
        let r = json!({"variant": variant, "bot_features": [], "quick": true, "machine": {}, "metrics": metrics});
        std::fs::write(dir.join("performance_e2e_results.json"), r.to_string()).unwrap();
    }

    #[test]
    fn merge_pools_the_rounds_samples() {
        let dir = tempfile::tempdir().unwrap();
        let (r1, r2, out) = (dir.path().join("1"), dir.path().join("2"), dir.path().join("out"));
        results(&r1, "baseline", vec![metric("warm_start", "s", true, &[1.0, 2.0, 3.0])]);
        results(&r2, "baseline", vec![metric("warm_start", "s", true, &[4.0, 5.0])]);
        let files = [r1.join("performance_e2e_results.json"), r2.join("performance_e2e_results.json")];
        merge(&files, &out, &Targets::builtin().unwrap()).unwrap();
        let merged = read_json(&out.join("performance_e2e_results.json")).unwrap();
        let m = &merged["metrics"][0];
        assert_eq!((m["n"].as_u64(), m["median"].as_f64(), m["max"].as_f64()), (Some(5), Some(3.0), Some(5.0)));
        assert_eq!(m["components"]["round_medians"], json!([2.0, 4.5]));
        assert_eq!(m["components"]["round_sizes"], json!([3, 2]));
        assert_eq!(rounds(m), vec![vec![1.0, 2.0, 3.0], vec![4.0, 5.0]]);
        assert_eq!(m["targets"]["original_met"], json!(false), "1.5 s start-up target recomputed on the pooled median");
        assert_eq!(merged["rounds"], 2);
    }

    #[test]
    fn rounds_fall_back_to_one_when_the_split_is_missing_or_wrong() {
        let mut m = metric("warm_start", "s", true, &[1.0, 2.0, 3.0]);
        assert_eq!(rounds(&m), vec![vec![1.0, 2.0, 3.0]]);
        m["components"]["round_sizes"] = json!([2, 2]);
        assert_eq!(rounds(&m), vec![vec![1.0, 2.0, 3.0]], "sizes that do not add up are ignored");
        m["components"]["round_sizes"] = json!([1, 2]);
        assert_eq!(rounds(&m), vec![vec![1.0], vec![2.0, 3.0]]);
    }

    #[test]
    fn a_regression_is_measured_in_the_metrics_own_terms() {
        // A time 1.08× as long is within 10%; 1.12× is beyond it.
        assert!(!worse_by_more_than(1.0 / 1.08, true, 10.0));
        assert!(worse_by_more_than(1.0 / 1.12, true, 10.0));
        // A throughput 0.92× as high is within 10%; 0.88× is beyond it.
        assert!(!worse_by_more_than(0.92, false, 10.0));
        assert!(worse_by_more_than(0.88, false, 10.0));
        assert!(!worse_by_more_than(1.5, true, 0.0), "better is never a regression");
    }

    #[test]
    fn fail_on_regression_flags_only_significant_slowdowns_beyond_the_threshold() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, out) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("out"));
        let base: Vec<f64> = (0..30).map(|i| 100.0 + f64::from(i % 5) / 10.0).collect();
        let scaled = |k: f64| base.iter().map(|x| x * k).collect::<Vec<_>>();
        results(
            &a,
            "baseline",
            vec![
                metric("command_help", "s", true, &base),
                metric("command_stats", "s", true, &base),
                metric("download_throughput", "B/s", false, &base),
            ],
        );
        results(
            &b,
            "optimized",
            vec![
                metric("command_help", "s", true, &scaled(1.05)), // significant, within 10%
                metric("command_stats", "s", true, &scaled(1.20)), // significant, beyond 10%
                metric("download_throughput", "B/s", false, &scaled(0.85)),
            ],
        );
        let c = compare(&a, &b, &out, Some(10.0)).unwrap();
        assert_eq!(c.json["metrics"][0]["significant"], true, "{}", c.json["metrics"][0]);
        assert_eq!(c.regressions, ["command_stats", "download_throughput"]);
        assert!(compare(&a, &b, &out, None).unwrap().regressions.is_empty(), "no threshold, no verdict");
    }

    #[test]
    fn compare_reads_every_ratio_the_same_way() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, out) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("out"));
        let slow: Vec<f64> = (0..20).map(|i| 10.0 + f64::from(i % 3)).collect();
        let fast: Vec<f64> = (0..20).map(|i| 5.0 + f64::from(i % 3) / 2.0).collect();
        let same: Vec<f64> = (0..20).map(|i| 7.0 + f64::from(i % 5)).collect();
        results(
            &a,
            "baseline",
            vec![
                metric("warm_start", "s", true, &slow),
                metric("db_write_throughput", "ops/s", false, &fast),
                metric("command_help", "s", true, &same),
                metric("shutdown_busy", "s", true, &[]),
                metric("db_read", "s", true, &fast),
                metric("event_loop_lag_max", "s", true, &[0.2]),
            ],
        );
        results(
            &b,
            "optimized",
            vec![
                metric("warm_start", "s", true, &fast),
                metric("db_write_throughput", "ops/s", false, &slow),
                metric("command_help", "s", true, &same),
                metric("shutdown_busy", "s", true, &[]),
                metric("db_read", "s", true, &slow),
                metric("event_loop_lag_max", "s", true, &[0.002]),
            ],
        );
        let c = compare(&a, &b, &out, Some(10.0)).unwrap();
        let m = |i: usize| &c.json["metrics"][i];
        // Lower is better and b is faster: ratio above 1. Higher is better and b is higher: above 1 too.
        assert!(m(0)["ratio"].as_f64().unwrap() > 1.9 && m(0)["significant"] == true, "{}", m(0));
        assert!(m(1)["ratio"].as_f64().unwrap() > 1.9 && m(1)["significant"] == true, "{}", m(1));
        assert_eq!((m(2)["ratio"].as_f64(), m(2)["significant"].as_bool()), (Some(1.0), Some(false)));
        assert!(m(2)["analysis"].as_str().unwrap().starts_with("no significant difference"));
        assert_eq!((m(3)["available"].as_bool(), m(3)["ratio"].is_null()), (Some(false), true));
        assert!(m(3)["analysis"].as_str().unwrap().contains("not built yet"));
        assert_eq!(c.regressions, ["db_read"], "b is 2× slower on db_read: beyond 10%");
        assert_eq!(m(0)["baseline"]["n"], 20);
        // One sample each: a ratio, but no interval and no claim of significance.
        assert_eq!(
            (m(5)["ratio"].as_f64(), m(5)["ci95"].is_null(), m(5)["significant"].as_bool()),
            (Some(100.0), true, Some(false))
        );
        assert!(m(5)["analysis"].as_str().unwrap().contains("too few for a confidence interval"), "{}", m(5));
        for file in ["comparison.json", "comparison.md", "report.html", "performance_test_summary.json"] {
            assert!(out.join(file).exists(), "{file}");
        }
        let summary = read_json(&out.join("performance_test_summary.json")).unwrap();
        assert_eq!(summary["comparison"], json!({"significantly_better": 2, "significantly_worse": 1}));
    }
}
