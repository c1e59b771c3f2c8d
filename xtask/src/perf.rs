//! `cargo xtask perf ...`: build variants of the bot, run the perf suite on each, and
//! hand the results to the suite's `merge` and `compare` (the statistics live in `perf`).
//!
//! Variants build in one target directory of their own, `target/perf-build`, apart from
//! the developer's `target/release`. Sharing it evicts nothing: cargo keys every artifact
//! by its feature set, so the variants' builds of bot-db, bot and perf sit side by side and
//! the dependencies compile once. Only the final binaries share a path, and each is copied
//! to `target/perf/<variant>/` as soon as it is built. Rounds of the suite alternate between the variants
//! (A B A B …), so a drift of the machine (another job, thermal throttling) hits both alike.

use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand};
use xshell::{cmd, Shell};

use crate::variants::Variant;

#[derive(Subcommand)]
pub enum PerfCmd {
    /// Build the bot with no optimization feature and measure it.
    Baseline(RunArgs),
    /// Build two variants (baseline and optimized unless told) and compare them.
    Compare {
        /// The first variant's features (comma-separated; empty for the baseline).
        #[arg(long, default_value = "")]
        a: String,
        /// The second variant's features.
        #[arg(long, default_value = "optimized")]
        b: String,
        /// Exit non-zero when b is significantly worse than a on any metric by more than
        /// this many percent.
        #[arg(long, value_name = "PCT")]
        fail_on_regression: Option<f64>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Build one variant, with any set of the bot's features, and measure it.
    Run {
        /// Comma-separated: lazy-init, db-cache, db-batch, optimized (empty: baseline).
        #[arg(long, default_value = "")]
        features: String,
        #[command(flatten)]
        run: RunArgs,
    },
}

#[derive(Args, Clone)]
pub struct RunArgs {
    /// Fewer samples and smaller sizes (the CI form): a few minutes in all.
    #[arg(long)]
    quick: bool,
    /// Rounds of the suite per variant [default: 1 with --quick, 3 otherwise].
    #[arg(long)]
    rounds: Option<usize>,
}

impl RunArgs {
    fn rounds(&self) -> usize {
        self.rounds.unwrap_or(if self.quick { 1 } else { 3 }).max(1)
    }
}

/// Prints a phase's name when it starts and its duration when it ends (xshell's
/// `Section`), so the log shows where the time went without bookkeeping.
struct Section {
    name: String,
    start: Instant,
}

impl Section {
    fn new(name: impl Into<String>) -> Section {
        let name = name.into();
        eprintln!("\n=== {name}");
        Section { name, start: Instant::now() }
    }
}

impl Drop for Section {
    fn drop(&mut self) {
        eprintln!("=== {} done in {:.1?}", self.name, self.start.elapsed());
    }
}

impl PerfCmd {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        match self {
            PerfCmd::Baseline(args) => measure(sh, &[Variant::baseline()], &args),
            PerfCmd::Run { features, run } => measure(sh, &[Variant::parse(&features)?], &run),
            PerfCmd::Compare { a, b, fail_on_regression, run } => {
                let (a, b) = (Variant::parse(&a)?, Variant::parse(&b)?);
                anyhow::ensure!(a != b, "--a and --b name the same variant ({})", a.name);
                measure(sh, &[a.clone(), b.clone()], &run)?;
                let _s = Section::new(format!("compare {} with {}", a.name, b.name));
                let suite = format!("target/perf/{}/perf-suite", b.name);
                let (dir_a, dir_b) = (format!("target/perf/{}", a.name), format!("target/perf/{}", b.name));
                let threshold: Vec<String> =
                    fail_on_regression.map(|p| vec!["--fail-on-regression".into(), p.to_string()]).unwrap_or_default();
                cmd!(sh, "{suite} compare --a {dir_a} --b {dir_b} --out target/perf {threshold...}")
                    .run()
                    .context("comparing the variants")?;
                eprintln!(
                    "\nWrote target/perf/comparison.json, comparison.md, report.html, performance_test_summary.json"
                );
                Ok(())
            }
        }
    }
}

/// Builds each variant, runs the suite's rounds interleaved, and merges each variant's
/// rounds into `target/perf/<variant>/performance_e2e_results.json`.
fn measure(sh: &Shell, variants: &[Variant], args: &RunArgs) -> anyhow::Result<()> {
    for v in variants {
        build(sh, v)?;
    }
    let rounds = args.rounds();
    let quick: Option<&str> = args.quick.then_some("--quick");
    let runs = rounds * variants.len();
    // Each variant's own run times: the baseline's rounds take about three times the
    // optimized build's, so one average over both would misjudge the time left.
    let mut took: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    let mut done = 0;
    for round in 1..=rounds {
        for (i, v) in variants.iter().enumerate() {
            if done > 0 {
                // Plain lines, not a redrawn bar: the output is often a CI log.
                let left = time_left(&took, round, i, rounds);
                eprintln!("=== progress: {done} of {runs} suite runs done, about {left:.0}s left");
            }
            done += 1;
            let started = Instant::now();
            let _s = Section::new(format!("round {round} of {rounds}: {}", v.name));
            let (name, out) = (&v.name, format!("target/perf/{}/rounds/{round}", v.name));
            let features = v.features.join(",");
            sh.remove_path(&out)?;
            cmd!(sh, "target/perf/{name}/perf-suite --bot target/perf/{name}/bot --bot-features {features} --variant {name} --out {out} {quick...}")
                .run()
                .with_context(|| format!("the perf suite failed on {name} (round {round})"))?;
            took[i].push(started.elapsed().as_secs_f64());
        }
    }
    for v in variants {
        let name = &v.name;
        let files: Vec<String> =
            (1..=rounds).map(|r| format!("target/perf/{name}/rounds/{r}/performance_e2e_results.json")).collect();
        cmd!(sh, "target/perf/{name}/perf-suite merge --out target/perf/{name} {files...}")
            .run()
            .with_context(|| format!("merging the rounds of {name}"))?;
    }
    Ok(())
}

/// Seconds left before variant `next` starts round `round` of `rounds`: each run still to
/// come is estimated from its own variant's runs so far, or from all runs so far when its
/// variant has not run yet.
fn time_left(took: &[Vec<f64>], round: usize, next: usize, rounds: usize) -> f64 {
    let all: Vec<f64> = took.iter().flatten().copied().collect();
    let mean = |xs: &[f64]| if xs.is_empty() { None } else { Some(xs.iter().sum::<f64>() / xs.len() as f64) };
    let overall = mean(&all).unwrap_or(0.0);
    let mut left = 0.0;
    for (i, runs) in took.iter().enumerate() {
        // Runs of variant i still to come: the rest of this round (if it is not past
        // i yet), then every later round.
        let this_round = usize::from(i >= next);
        let remaining = this_round + (rounds - round);
        left += remaining as f64 * mean(runs).unwrap_or(overall);
    }
    left
}

/// Builds the bot and the suite with `v`'s features and copies both binaries to
/// `target/perf/<variant>/`.
fn build(sh: &Shell, v: &Variant) -> anyhow::Result<()> {
    let _s = Section::new(format!("build {}", v.name));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target_dir = "target/perf-build";
    let features = v.cargo_features();
    cmd!(sh, "{cargo} build --release --locked -p bot -p perf --bin bot --bin perf-suite --target-dir {target_dir} {features...}")
        .run()
        .with_context(|| format!("building the {} variant", v.name))?;
    let out = format!("target/perf/{}", v.name);
    sh.create_dir(&out)?;
    for bin in ["bot", "perf-suite"] {
        sh.copy_file(format!("{target_dir}/release/{bin}"), format!("{out}/{bin}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::time_left;

    #[test]
    fn time_left_counts_each_variant_at_its_own_pace() {
        // Three rounds of a slow and a fast variant; after round 1 of both, two rounds of
        // each are left: 2 × 300 + 2 × 90.
        let took = vec![vec![300.0], vec![90.0]];
        assert_eq!(time_left(&took, 2, 0, 3), 780.0);
        // After the slow one's first run only: the fast one (not run yet) is guessed at
        // the average so far, once this round and twice later; the slow one twice.
        let took = vec![vec![300.0], vec![]];
        assert_eq!(time_left(&took, 1, 1, 3), 300.0 * 3.0 + 300.0 * 2.0);
        // Before the last run: only the fast one's.
        let took = vec![vec![300.0, 310.0, 290.0], vec![90.0, 80.0]];
        assert_eq!(time_left(&took, 3, 1, 3), 85.0);
    }
}
