//! The performance suite's command line: runs a bot binary through every end-to-end
//! measurement and writes the reports (see `perf::suite` and PERFORMANCE_TESTING.md).
//!
//! `cargo run -p perf --release -- --bot target/release/bot [--quick] [--only cold_start,db_read]`
//! `perf-suite merge --out DIR ROUND.json...`: pool rounds of one variant.
//! `perf-suite compare --a DIR --b DIR --out DIR [--fail-on-regression PCT]`: the reports.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use perf::suite::{self, SuiteOptions};

/// Measures a bot binary end to end against local Telegram and TMDb servers.
#[derive(Parser, Debug)]
#[command(name = "perf-suite", args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: Args,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Pools the rounds of one variant into one performance_e2e_results.json.
    Merge {
        #[arg(long)]
        out: PathBuf,
        /// The rounds' performance_e2e_results.json files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Compares two variants' results: comparison.json, comparison.md, report.html,
    /// performance_test_summary.json.
    Compare {
        #[arg(long)]
        a: PathBuf,
        #[arg(long)]
        b: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Exit 1 when b is significantly worse than a on any metric by more than PCT.
        #[arg(long, value_name = "PCT")]
        fail_on_regression: Option<f64>,
    },
}

#[derive(clap::Args, Debug)]
struct Args {
    /// The bot binary to measure (e.g. target/release/bot).
    #[arg(long, required = false)]
    bot: Option<PathBuf>,
    /// The cargo features the bot was built with (for the reports).
    #[arg(long, value_delimiter = ',')]
    bot_features: Vec<String>,
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
        Ok(code) => code,
        Err(e) => {
            eprintln!("perf-suite: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn try_main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Merge { out, files }) => {
            let targets = perf::suite::targets::Targets::builtin()?;
            perf::suite::compare::merge(&files, &out, &targets)?;
            println!("Merged {} rounds into {}/performance_e2e_results.json", files.len(), out.display());
            return Ok(ExitCode::SUCCESS);
        }
        Some(Command::Compare { a, b, out, fail_on_regression }) => {
            let c = perf::suite::compare::compare(&a, &b, &out, fail_on_regression)?;
            print!("{}", perf::suite::compare::markdown(&c.json));
            if !c.regressions.is_empty() {
                eprintln!("perf-suite: significant regressions beyond the threshold: {}", c.regressions.join(", "));
                return Ok(ExitCode::from(1));
            }
            return Ok(ExitCode::SUCCESS);
        }
        None => {}
    }
    let args = cli.run;
    let bot = args.bot.context("--bot PATH is required to run the suite")?;
    let out = args.out.unwrap_or_else(|| PathBuf::from("target/perf").join(&args.variant));
    let report = suite::run(SuiteOptions {
        bot,
        out: out.clone(),
        variant: args.variant,
        quick: args.quick,
        only: args.only,
        targets: args.targets,
        pin: !args.no_pin,
        bot_features: args.bot_features,
    })
    .context("the performance suite failed")?;
    print!("{}", suite::report::summary_text(&report));
    println!(
        "\nWrote {}/performance_e2e_results.json, startup_timeline.txt, summary.txt, performance_test_summary.json",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
