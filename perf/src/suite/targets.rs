//! The targets each result is marked against: `perf/targets.toml`, two sets per metric
//! (the original Python bot's promises and this project's stricter goals). The file is
//! compiled into the suite so the binary runs from any folder; `--targets PATH` reads
//! another one.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::stats::Summary;
use super::SuiteError;

/// The repository's targets, as compiled in.
pub const BUILTIN: &str = include_str!("../../targets.toml");

/// One bound on one statistic of a metric.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// `median`, `p95`, `p99`, `min` or `max`.
    pub stat: String,
    /// Upper bound: met when the statistic is at most this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Lower bound: met when the statistic is at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Where the figure comes from, for the reader.
    #[serde(default)]
    pub from: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MetricTargets {
    #[serde(default)]
    original: Vec<Target>,
    #[serde(default)]
    project: Vec<Target>,
}

/// Every metric's targets.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    by_metric: BTreeMap<String, MetricTargets>,
}

/// One target checked against a result.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Check {
    #[serde(flatten)]
    pub target: Target,
    /// The statistic's measured value; `None` when the metric is unavailable.
    pub value: Option<f64>,
    /// `None` when the metric is unavailable: not met, not failed, unknown.
    pub met: Option<bool>,
}

/// A metric's result against both sets.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Verdict {
    pub original: Vec<Check>,
    pub project: Vec<Check>,
    /// All of the set met (`None`: no target in the set, or the metric is unavailable).
    pub original_met: Option<bool>,
    pub project_met: Option<bool>,
}

impl Targets {
    pub fn parse(text: &str, origin: &str) -> Result<Targets, SuiteError> {
        let by_metric: BTreeMap<String, MetricTargets> = toml::from_str(text)
            .map_err(|e| SuiteError::Targets { origin: origin.to_owned(), reason: e.to_string() })?;
        for (metric, t) in &by_metric {
            for target in t.original.iter().chain(&t.project) {
                let bad = Summary::of(&[0.0]).and_then(|s| s.stat(&target.stat)).is_none()
                    || target.max.is_some() == target.min.is_some();
                if bad {
                    return Err(SuiteError::Targets {
                        origin: origin.to_owned(),
                        reason: format!(
                            "{metric}: each target needs a known stat and exactly one of max or min, got {target:?}"
                        ),
                    });
                }
            }
        }
        Ok(Targets { by_metric })
    }

    pub fn builtin() -> Result<Targets, SuiteError> {
        Targets::parse(BUILTIN, "perf/targets.toml (built in)")
    }

    pub fn load(path: &Path) -> Result<Targets, SuiteError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SuiteError::Io { what: format!("reading targets {}", path.display()), source: e })?;
        Targets::parse(&text, &path.display().to_string())
    }

    pub fn metrics(&self) -> impl Iterator<Item = &str> {
        self.by_metric.keys().map(String::as_str)
    }

    /// Checks `summary` (None: the metric is unavailable) against the metric's targets.
    pub fn verdict(&self, metric: &str, summary: Option<&Summary>) -> Verdict {
        let Some(t) = self.by_metric.get(metric) else {
            return Verdict::default();
        };
        let check_all = |set: &[Target]| -> (Vec<Check>, Option<bool>) {
            let checks: Vec<Check> = set
                .iter()
                .map(|target| {
                    let value = summary.and_then(|s| s.stat(&target.stat));
                    let met = value.map(|v| match (target.max, target.min) {
                        (Some(max), _) => v <= max,
                        (_, Some(min)) => v >= min,
                        (None, None) => false,
                    });
                    Check { target: target.clone(), value, met }
                })
                .collect();
            let all = if checks.is_empty() || checks.iter().any(|c| c.met.is_none()) {
                None
            } else {
                Some(checks.iter().all(|c| c.met == Some(true)))
            };
            (checks, all)
        };
        let (original, original_met) = check_all(&t.original);
        let (project, project_met) = check_all(&t.project);
        Verdict { original, project, original_met, project_met }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_file_parses_and_names_only_contract_metrics() {
        let targets = Targets::builtin().expect("perf/targets.toml parses");
        for metric in targets.metrics() {
            assert!(
                super::super::METRICS.iter().any(|m| m.name == metric),
                "perf/targets.toml names {metric}, which is not a contract metric: fix the name"
            );
        }
        // The original's six promises are all there.
        for (metric, bound) in [
            ("cold_start", 1.5),
            ("command_start", 0.2),
            ("db_read", 0.005),
            ("db_write", 0.010),
            ("memory_after_init", 60e6),
            ("shutdown_idle", 1.0),
        ] {
            let v = targets.verdict(metric, Summary::of(&[0.0]).as_ref());
            assert_eq!(v.original[0].target.max, Some(bound), "{metric}");
        }
    }

    #[test]
    fn verdicts_on_known_values() {
        let targets = Targets::parse(
            r#"
            [a]
            original = [{ stat = "median", max = 1.0 }]
            project = [{ stat = "median", max = 0.1 }, { stat = "p99", max = 0.5 }]
            [b]
            project = [{ stat = "median", min = 100.0 }]
            "#,
            "test",
        )
        .unwrap();
        let s = Summary::of(&[0.05, 0.06, 0.07, 0.9]).unwrap();
        let v = targets.verdict("a", Some(&s));
        assert_eq!(v.original_met, Some(true));
        // median 0.065 ≤ 0.1 but p99 0.9 > 0.5.
        assert_eq!(v.project.iter().map(|c| c.met).collect::<Vec<_>>(), [Some(true), Some(false)]);
        assert_eq!(v.project_met, Some(false));
        let fast = Summary::of(&[150.0]).unwrap();
        assert_eq!(targets.verdict("b", Some(&fast)).project_met, Some(true));
        assert_eq!(targets.verdict("b", Some(&fast)).original_met, None);
        // Unavailable: unknown, not failed.
        let v = targets.verdict("a", None);
        assert_eq!((v.original_met, v.project_met), (None, None));
        assert_eq!(v.project[0].met, None);
        assert_eq!(targets.verdict("unknown", Some(&s)), Verdict::default());
    }

    #[test]
    fn malformed_targets_are_refused_with_the_metric_named() {
        for bad in [
            "[a]\noriginal = [{ stat = \"mean\", max = 1.0 }]",
            "[a]\noriginal = [{ stat = \"median\" }]",
            "[a]\noriginal = [{ stat = \"median\", max = 1.0, min = 0.0 }]",
            "[a]\nother = []",
        ] {
            let err = Targets::parse(bad, "test").unwrap_err().to_string();
            assert!(err.contains("test"), "{err}");
        }
    }
}
