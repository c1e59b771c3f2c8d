//! Measurement hooks for the perf suite, off unless asked for.
//!
//! - `BOT_STARTUP_TIMELINE=/path`: each start-up phase appends `<phase> <CLOCK_MONOTONIC
//!   nanoseconds> <VmRSS kB>`. The suite reads the same clock just before it spawns the
//!   bot, so "time since exec" is a subtraction, with no clock of the bot's own involved.
//! - `BOT_METRICS=/path`: at exit the bot writes `METRIC:<name>:<value>:<unit>` lines
//!   (rust-analyzer's protocol), for what only the bot can see: `event_loop_lag_max`,
//!   the worst lateness of a 10 ms timer tick on the async runtime.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Nanoseconds on CLOCK_MONOTONIC.
pub fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Resident memory of this process, in kB.
pub fn rss_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(0) as u64;
    pages * page / 1024
}

/// The start-up timeline; does nothing unless `BOT_STARTUP_TIMELINE` is set.
#[derive(Clone, Default)]
pub struct Timeline {
    file: Option<Arc<Mutex<std::fs::File>>>,
}

impl Timeline {
    pub fn from_env() -> Timeline {
        let file = std::env::var_os("BOT_STARTUP_TIMELINE")
            .and_then(|path| std::fs::OpenOptions::new().create(true).append(true).open(path).ok());
        Timeline { file: file.map(|f| Arc::new(Mutex::new(f))) }
    }

    pub fn mark(&self, phase: &str) {
        if let Some(file) = &self.file {
            let line = format!("{phase} {} {}\n", monotonic_ns(), rss_kib());
            let _ = file.lock().unwrap_or_else(PoisonError::into_inner).write_all(line.as_bytes());
        }
    }
}

/// Watches the async runtime for stalls when `BOT_METRICS` is set.
#[derive(Clone, Default)]
pub struct Metrics {
    path: Option<std::path::PathBuf>,
    lag_max_ns: Arc<AtomicU64>,
}

impl Metrics {
    pub fn from_env() -> Metrics {
        Metrics { path: std::env::var_os("BOT_METRICS").map(Into::into), lag_max_ns: Arc::default() }
    }

    /// Starts the lag monitor (on the current runtime) if metrics were asked for.
    pub fn start(&self) {
        if self.path.is_none() {
            return;
        }
        let lag = Arc::clone(&self.lag_max_ns);
        tokio::spawn(async move {
            let period = Duration::from_millis(10);
            let mut expected = Instant::now() + period;
            loop {
                tokio::time::sleep_until(expected.into()).await;
                let late = Instant::now().saturating_duration_since(expected);
                lag.fetch_max(late.as_nanos() as u64, Ordering::Relaxed);
                expected = Instant::now() + period;
            }
        });
    }

    /// Writes the METRIC lines; called once, at exit.
    pub fn write(&self) {
        let Some(path) = &self.path else { return };
        let lag = self.lag_max_ns.load(Ordering::Relaxed) as f64 / 1e9;
        let text = format!("METRIC:event_loop_lag_max:{lag:.9}:s\n");
        if let Err(e) = std::fs::write(path, text) {
            tracing::warn!(error = %e, path = %path.display(), "cannot write BOT_METRICS");
        }
    }
}
