//! The bot under test as a child process, measured from outside: an isolated data folder
//! per run, the environment CONTRACT.md names (and nothing else), the two measurement
//! hooks (`BOT_STARTUP_TIMELINE`, `BOT_METRICS`), RSS from `/proc/<pid>/status`, SIGTERM,
//! CPU pinning, and dropping files from the page cache for a cold start.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use super::SuiteError;
use crate::{TelegramServer, TmdbServer};

/// The admin the suite talks as; [`USERS`] more ids are allowed users.
pub const ADMIN: i64 = 1_000_000;
/// How many distinct users the suite can talk as (admin included): ids ADMIN..ADMIN+USERS.
pub const USERS: i64 = 100;

/// CLOCK_MONOTONIC in nanoseconds: the clock the bot's timeline uses (Rust's `Instant` on
/// Linux), so the two can be subtracted.
pub fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec we own; CLOCK_MONOTONIC always exists
    // on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// The CPUs the calling thread may run on (at start, the whole process's set).
pub fn allowed_cpus() -> Vec<usize> {
    allowed_cpus_of_thread()
}

fn allowed_cpus_of_thread() -> Vec<usize> {
    // SAFETY: sched_getaffinity writes into the zeroed set we own.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) } == 0;
    if !ok {
        return Vec::new();
    }
    (0..libc::CPU_SETSIZE as usize).filter(|&c| unsafe { libc::CPU_ISSET(c, &set) }).collect()
}

/// Restricts the calling thread (pid 0) to `cpus`. Threads it creates later inherit it.
pub fn pin_current_thread(cpus: &[usize]) -> std::io::Result<()> {
    set_affinity(cpus)
}

fn set_affinity(cpus: &[usize]) -> std::io::Result<()> {
    // SAFETY: a zeroed cpu_set_t is the empty set; CPU_SET only writes inside it, and
    // sched_setaffinity only reads it.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for &c in cpus {
        unsafe { libc::CPU_SET(c, &mut set) };
    }
    if unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Resident memory of `pid` in bytes (VmRSS), `None` once the process is gone.
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_vm_rss(&status)
}

fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Asks the kernel to drop `path`'s pages from the page cache, and says how much of the file
/// is still resident afterwards (0.0 = all dropped). Best effort: without root (no
/// `/proc/sys/vm/drop_caches`) this is what a user can do, and it cannot evict pages another
/// process has mapped or the shared libraries the binary links against.
pub fn drop_from_page_cache(path: &Path) -> Result<f64, SuiteError> {
    let io = |what: &str, e: std::io::Error| SuiteError::Io { what: format!("{what} {}", path.display()), source: e };
    let file = std::fs::File::open(path).map_err(|e| io("opening", e))?;
    // Dirty pages cannot be dropped: write them out first.
    file.sync_all().map_err(|e| io("syncing", e))?;
    use std::os::fd::AsRawFd;
    // SAFETY: a valid fd we own; offset 0, length 0 means the whole file.
    let rc = unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
    if rc != 0 {
        return Err(io("posix_fadvise(DONTNEED) on", std::io::Error::from_raw_os_error(rc)));
    }
    resident_fraction(&file).map_err(|e| io("mincore on", e))
}

/// The fraction of `file`'s pages in the page cache (mmap + mincore; mapping does not fault
/// pages in).
fn resident_fraction(file: &std::fs::File) -> std::io::Result<f64> {
    use std::os::fd::AsRawFd;
    let len = file.metadata()?.len() as usize;
    if len == 0 {
        return Ok(0.0);
    }
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as usize;
    let pages = len.div_ceil(page);
    // SAFETY: a read-only shared mapping of a file we hold open; unmapped below; mincore
    // writes one byte per page into a vector of exactly that many bytes.
    unsafe {
        let addr = libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_SHARED, file.as_raw_fd(), 0);
        if addr == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        let mut vec = vec![0u8; pages];
        let rc = libc::mincore(addr, len, vec.as_mut_ptr());
        let err = std::io::Error::last_os_error();
        libc::munmap(addr, len);
        if rc != 0 {
            return Err(err);
        }
        Ok(vec.iter().filter(|&&b| b & 1 == 1).count() as f64 / pages as f64)
    }
}

/// One start-up phase the bot wrote to `BOT_STARTUP_TIMELINE`.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    pub name: String,
    /// CLOCK_MONOTONIC nanoseconds.
    pub at_ns: u64,
    pub rss_bytes: u64,
}

/// Parses `<phase-name> <monotonic ns> <VmRSS kB>` lines; malformed lines are skipped (a
/// half-written last line of a killed process must not fail the run).
pub fn parse_timeline(text: &str) -> Vec<Phase> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            let name = parts.next()?.to_owned();
            let at_ns = parts.next()?.parse().ok()?;
            let kb: u64 = parts.next()?.parse().ok()?;
            Some(Phase { name, at_ns, rss_bytes: kb * 1024 })
        })
        .collect()
}

/// One `METRIC:<name>:<value>:<unit>` line the bot wrote to `BOT_METRICS`.
#[derive(Debug, Clone, PartialEq)]
pub struct BotMetric {
    pub name: String,
    pub value: f64,
    pub unit: String,
}

pub fn parse_metrics(text: &str) -> Vec<BotMetric> {
    text.lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("METRIC:")?;
            let mut parts = rest.splitn(3, ':');
            let name = parts.next()?.to_owned();
            let value = parts.next()?.parse().ok()?;
            let unit = parts.next()?.to_owned();
            Some(BotMetric { name, value, unit })
        })
        .collect()
}

/// How the bot is launched: the binary and the CPUs it is pinned to (empty: not pinned).
#[derive(Debug, Clone)]
pub struct Launcher {
    pub bot: PathBuf,
    pub bot_cpus: Vec<usize>,
}

/// A bot's data folder for one run: `BASE_DIR`, its database, the hook files, its stderr.
pub struct DataDir {
    dir: tempfile::TempDir,
}

impl DataDir {
    /// A fresh folder holding a `db.json` with `rows` organized files and the suite's users.
    pub fn new(rows: usize) -> Result<DataDir, SuiteError> {
        let dir = tempfile::Builder::new()
            .prefix("perf-suite-")
            .tempdir()
            .map_err(|e| SuiteError::Io { what: "creating a temporary data folder".into(), source: e })?;
        let db = dir.path().join("db.json");
        bot_db::fixture::write_db(&db, rows, ADMIN, USERS as usize)
            .map_err(|e| SuiteError::Io { what: format!("writing {}", db.display()), source: e })?;
        Ok(DataDir { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    pub fn db(&self) -> PathBuf {
        self.dir.path().join("db.json")
    }
    pub fn timeline(&self) -> PathBuf {
        self.dir.path().join("startup_timeline.raw")
    }
    pub fn metrics(&self) -> PathBuf {
        self.dir.path().join("bot_metrics.txt")
    }
    pub fn stderr(&self) -> PathBuf {
        self.dir.path().join("bot.stderr")
    }

    /// The last lines of the bot's stderr, for an error message.
    pub fn stderr_tail(&self) -> String {
        let text = std::fs::read_to_string(self.stderr()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    pub fn read_timeline(&self) -> Option<Vec<Phase>> {
        std::fs::read_to_string(self.timeline()).ok().map(|t| parse_timeline(&t))
    }

    pub fn read_metrics(&self) -> Option<Vec<BotMetric>> {
        std::fs::read_to_string(self.metrics()).ok().map(|t| parse_metrics(&t))
    }
}

/// A running bot.
pub struct BotProcess {
    child: Child,
    pub pid: u32,
    /// Just before `spawn` (Instant and CLOCK_MONOTONIC, taken back to back).
    pub spawned_at: Instant,
    pub spawned_ns: u64,
    /// VmRSS read as soon as `spawn` returned (exec has happened by then).
    pub rss_after_exec: Option<u64>,
}

impl Launcher {
    /// Starts the bot with only the variables CONTRACT.md names (plus the two hooks and
    /// `RUST_LOG=warn`, so logging to a file does not weigh on the figures).
    pub fn spawn(
        &self,
        data: &DataDir,
        telegram: &TelegramServer,
        tmdb: &TmdbServer,
    ) -> Result<BotProcess, SuiteError> {
        self.spawn_with(data, telegram, tmdb, &[])
    }

    /// [`Launcher::spawn`] with more variables set (e.g. `MAX_CONCURRENT_DOWNLOADS`), for
    /// the scenarios that need a setting the bot reads from its environment.
    pub fn spawn_with(
        &self,
        data: &DataDir,
        telegram: &TelegramServer,
        tmdb: &TmdbServer,
        extra_env: &[(&str, String)],
    ) -> Result<BotProcess, SuiteError> {
        let allowed: Vec<String> = (1..USERS).map(|i| (ADMIN + i).to_string()).collect();
        let stderr = std::fs::File::create(data.stderr())
            .map_err(|e| SuiteError::Io { what: format!("creating {}", data.stderr().display()), source: e })?;
        let mut cmd = Command::new(&self.bot);
        cmd.env_clear()
            .env("BOT_TOKEN", telegram.token())
            .env("TELEGRAM_API_URL", telegram.api_url())
            .env("ADMIN_IDS", ADMIN.to_string())
            .env("ALLOWED_USERS", allowed.join(","))
            .env("BASE_DIR", data.path())
            .env("TMDB_API_URL", tmdb.api_url())
            .env("TMDB_API_KEY", tmdb.api_key())
            .env("BOT_STARTUP_TIMELINE", data.timeline())
            .env("BOT_METRICS", data.metrics())
            .env("RUST_LOG", "warn")
            // The suite sends hundreds of commands a minute as one admin: limits this high
            // are never reached, but every command still goes through the limiter, so its
            // cost stays in the figures.
            .env("RATE_LIMITS", "commands=100000000/60,downloads=100000000/60,organize=100000000/300")
            .envs(extra_env.iter().map(|(k, v)| (*k, v.as_str())))
            .current_dir(data.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            // A failed measurement must not leave a bot running.
            .kill_on_drop(true);
        // The bot inherits the spawning thread's CPU set. Pinning through `pre_exec`
        // instead would make std fork the whole suite (threads, servers, buffers) rather
        // than `posix_spawn`, and that copy would be counted as the bot's start-up.
        let own_cpus = if self.bot_cpus.is_empty() { Vec::new() } else { allowed_cpus_of_thread() };
        if !self.bot_cpus.is_empty() {
            set_affinity(&self.bot_cpus)
                .map_err(|e| SuiteError::Io { what: "pinning the bot's CPUs".into(), source: e })?;
        }
        let spawned_at = Instant::now();
        let spawned_ns = monotonic_ns();
        let spawned = cmd.spawn();
        if !own_cpus.is_empty() {
            set_affinity(&own_cpus)
                .map_err(|e| SuiteError::Io { what: "restoring the suite's CPUs".into(), source: e })?;
        }
        let child = spawned
            .map_err(|e| SuiteError::Io { what: format!("starting the bot {}", self.bot.display()), source: e })?;
        let pid = child.id().unwrap_or(0);
        let rss_after_exec = rss_bytes(pid);
        Ok(BotProcess { child, pid, spawned_at, spawned_ns, rss_after_exec })
    }
}

impl BotProcess {
    pub fn rss(&self) -> Option<u64> {
        rss_bytes(self.pid)
    }

    /// Sends SIGTERM and waits (up to `timeout`) for the exit: the time from the signal to
    /// the exit being reaped, and the exit status. SIGKILLs it after the timeout.
    pub async fn terminate(mut self, timeout: Duration) -> Result<(Duration, ExitStatus), SuiteError> {
        let sent = Instant::now();
        // SAFETY: kill with a pid we spawned and have not reaped yet.
        unsafe { libc::kill(self.pid as libc::pid_t, libc::SIGTERM) };
        match tokio::time::timeout(timeout, self.child.wait()).await {
            Ok(Ok(status)) => Ok((sent.elapsed(), status)),
            Ok(Err(e)) => Err(SuiteError::Io { what: "waiting for the bot to exit".into(), source: e }),
            Err(_) => {
                let _ = self.child.kill().await;
                Err(SuiteError::Stuck { what: format!("the bot did not exit within {timeout:?} of SIGTERM") })
            }
        }
    }

    /// The exit status if the bot has already exited (it should not have).
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

/// "exit 0", "exit 2", "signal 9".
pub fn describe_exit(status: &ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(sig)) => format!("signal {sig}"),
        _ => "unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeline_lines_parse_and_bad_ones_are_skipped() {
        let text = "runtime 1000 2048\nconfig 2000 3000\ntruncated 30\n\ndb-open 5000 4096 extra\n";
        assert_eq!(
            parse_timeline(text),
            [
                Phase { name: "runtime".into(), at_ns: 1000, rss_bytes: 2048 * 1024 },
                Phase { name: "config".into(), at_ns: 2000, rss_bytes: 3000 * 1024 },
                Phase { name: "db-open".into(), at_ns: 5000, rss_bytes: 4096 * 1024 },
            ]
        );
    }

    #[test]
    fn metric_lines_follow_the_rust_analyzer_protocol() {
        let text = "METRIC:event_loop_lag_max:0.0123:s\nnoise\nMETRIC:bad:x:s\nMETRIC:rss:1e6:bytes\n";
        assert_eq!(
            parse_metrics(text),
            [
                BotMetric { name: "event_loop_lag_max".into(), value: 0.0123, unit: "s".into() },
                BotMetric { name: "rss".into(), value: 1e6, unit: "bytes".into() },
            ]
        );
    }

    #[test]
    fn vm_rss_is_read_in_bytes() {
        assert_eq!(parse_vm_rss("Name:\tbot\nVmRSS:\t    5120 kB\nVmSwap: 0 kB\n"), Some(5120 * 1024));
        assert_eq!(parse_vm_rss("Name: zombie\n"), None);
        // Our own process has a resident set.
        assert!(rss_bytes(std::process::id()).is_some_and(|b| b > 0));
    }

    #[test]
    fn dropping_a_file_from_the_page_cache_is_measured() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, vec![7u8; 1 << 20]).unwrap();
        let left = drop_from_page_cache(&path).unwrap();
        // Best effort by design: some filesystems (tmpfs) keep every page; the figure must
        // still be a fraction.
        assert!((0.0..=1.0).contains(&left), "{left}");
    }

    #[test]
    fn monotonic_clock_matches_instant() {
        // Both read CLOCK_MONOTONIC: two readings around an Instant bracket it in time.
        let a = monotonic_ns();
        std::thread::sleep(Duration::from_millis(2));
        let b = monotonic_ns();
        assert!(b - a >= 2_000_000, "{a} {b}");
        assert!(!allowed_cpus().is_empty());
    }
}
