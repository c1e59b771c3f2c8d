//! The bot binary: configuration from the environment, logging, the signal handler, then
//! [`bot::app::run`]. A bad setting exits with code 2 and one line naming it; a graceful
//! shutdown exits 0.

use std::process::ExitCode;

use bot::config::{Config, LogFormat};
use bot::shutdown::{watch_signals, Shutdown};
use bot::timeline::{Metrics, Timeline};

fn main() -> ExitCode {
    let timeline = Timeline::from_env();
    timeline.mark("main");
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("bot: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    timeline.mark("config");
    init_logging(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bot: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    timeline.mark("runtime");
    let metrics = Metrics::from_env();
    let result = runtime.block_on(async {
        metrics.start();
        let shutdown = Shutdown::new();
        let signals = shutdown.clone();
        tokio::spawn(async move {
            if let Err(e) = watch_signals(signals).await {
                tracing::error!(error = %e, "cannot listen for SIGINT/SIGTERM");
            }
        });
        bot::app::run(config, shutdown, timeline).await
    });
    metrics.write();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "the bot stopped");
            eprintln!("bot: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,teloxide=warn,reqwest=warn,hyper=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
