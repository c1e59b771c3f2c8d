//! The performance suite's command line: runs a bot binary through every end-to-end
//! measurement and writes the reports (see `perf::suite` and PERFORMANCE_TESTING.md).
//!
//! `cargo run -p perf --release -- --bot target/release/bot [--quick] [--only cold_start,db_read]`

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use perf::suite::{self, SuiteOptions};

/// Measures a bot binary end to end against local Telegram and TMDb servers.
#[derive(Parser, Debug)]
#[command(name = "perf-suite")]
struct Args {
    /// The bot binary to measure (e.g. target/release/bot).
    #[arg(long)]
    bot: PathBuf,
    /// Where to write the reports [default: target/perf/<variant>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// The variant's name in the reports.
    #[arg(long, default_value = "local")]
    variant: String,
    /// Fewer samples and smaller sizes: the whole run in under two minutes (CI).
    #[arg(long)]
    quick: bool,
    /// Only these metrics (comma-separated contract names); the rest are reported as not run.
    #[arg(long, value_delimiter = ',')]
    only: Option<Vec<String>>,
    /// A targets file instead of the built-in perf/targets.toml.
    #[arg(long)]
    targets: Option<PathBuf>,
    /// Do not pin the bot and the suite to different CPUs.
    #[arg(long)]
    no_pin: bool,
}

fn main() -> ExitCode {
    match try_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("perf-suite: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn try_main() -> anyhow::Result<()> {
    let args = Args::parse();
    let out = args.out.unwrap_or_else(|| PathBuf::from("target/perf").join(&args.variant));
    let report = suite::run(SuiteOptions {
        bot: args.bot,
        out: out.clone(),
        variant: args.variant,
        quick: args.quick,
        only: args.only,
        targets: args.targets,
        pin: !args.no_pin,
    })
    .context("the performance suite failed")?;
    print!("{}", suite::report::summary_text(&report));
    println!("\nWrote {}/performance_e2e_results.json, startup_timeline.txt, summary.txt, performance_test_summary.json", out.display());
    Ok(())
}
