//! `cargo xtask ...`: the project's automation, in Rust (matklad's cargo-xtask pattern).
//!
//! - `cargo xtask perf baseline`: build the bot with no optimization, run the perf suite,
//!   keep the results under `target/perf/baseline/`.
//! - `cargo xtask perf compare`: build the baseline and the optimized bot, run the suite on
//!   both interleaved, and write `target/perf/comparison.{json,md}`, `report.html` and
//!   `performance_test_summary.json`.
//! - `cargo xtask perf run --features lazy-init,db-cache`: one variant, any feature set.
//! - `cargo xtask demo`: the bot against the local servers with a scripted user, the
//!   conversation printed as it happens, then the library it built. No token needed.
//!
//! Every task starts in the workspace root, whatever the caller's folder.

mod perf;
mod variants;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "The project's automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build variants of the bot and measure them with the performance suite.
    Perf {
        #[command(subcommand)]
        command: perf::PerfCmd,
    },
    /// A two-minute look at the bot, without a Telegram token: a scripted user sends a film,
    /// an episode and a few commands to the real bot running against local servers.
    Demo,
}

fn main() -> ExitCode {
    match try_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn try_main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let sh = xshell::Shell::new()?;
    sh.change_dir(project_root());
    match cli.command {
        Command::Perf { command } => command.run(&sh),
        Command::Demo => {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            xshell::cmd!(sh, "{cargo} build --release --locked -p bot -p perf --bin bot --bin demo").run()?;
            xshell::cmd!(sh, "target/release/demo --bot target/release/bot").run()?;
            Ok(())
        }
    }
}

/// The workspace root: xtask's manifest is one folder below it.
fn project_root() -> PathBuf {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    PathBuf::from(manifest).parent().expect("xtask lives in the workspace").to_path_buf()
}
