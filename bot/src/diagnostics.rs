//! `/test`: is every library folder there and writable, how much room is left, does
//! Telegram answer, is TMDb configured and answering. It only contacts the configured
//! Telegram and TMDb servers, never another host.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::{Duration, Instant};

use teloxide::prelude::*;

use crate::handlers::{App, TgBot};
use crate::organize::SERVICE_REQUEST_TIMEOUT;
use crate::{naming, report};

/// Bytes free for an unprivileged user on the filesystem holding `path`.
pub fn free_space(path: &Path) -> io::Result<u64> {
    let c_path = CString::new(path.as_os_str().as_bytes()).map_err(|_| io::Error::other("a path with a NUL byte"))?;
    // SAFETY: statvfs only writes into the zeroed struct we own, and reads a valid C string.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(stat.f_bavail as u64 * stat.f_frsize as u64)
}

/// Whether a file can be created in `dir` (it is created and removed again).
fn writable(dir: &Path) -> io::Result<()> {
    let probe = dir.join(format!(".bot-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)
}

fn folder_line(name: &str, dir: &Path) -> String {
    match writable(dir) {
        Ok(()) => match free_space(dir) {
            Ok(free) => format!("✅ {name}: writable, {} free", report::bytes(free)),
            Err(e) => format!("⚠️ {name}: writable, free space unknown ({e})"),
        },
        Err(e) => format!("❌ {name}: not writable ({e}): check {}", dir.display()),
    }
}

fn millis(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1e3)
}

pub async fn run(bot: &TgBot, app: &App) -> String {
    let mut lines = vec!["🔧 Diagnostics".to_owned()];
    for (name, dir) in app.config.folders.named() {
        lines.push(folder_line(name, dir));
    }
    let start = Instant::now();
    // The inner bot: the cached answer would not test the connection.
    lines.push(match bot.inner().get_me().await {
        Ok(me) => format!("✅ Telegram: connected as @{} ({})", me.username(), millis(start.elapsed())),
        Err(e) => format!("❌ Telegram: {}", app.redactor.clean(&e.to_string())),
    });
    lines.push(tmdb_line(app).await);
    lines.push(sample_line(app).await);
    lines.join("\n")
}

/// A sample name through the naming layer, from the file name alone.
async fn sample_line(app: &App) -> String {
    const SAMPLE: &str = "Inception.2010.1080p.BluRay.x264.mkv";
    let config = &app.config;
    let parsed = match app.organizer.parse(SAMPLE).await {
        Ok(parsed) => parsed,
        Err(e) => return format!("❌ Naming: {e:#}"),
    };
    let thresholds = naming::Thresholds { low: config.low_confidence, high: config.high_confidence };
    let identified = naming::identify(&parsed, None, thresholds);
    let planned = naming::plan_path(&identified, &crate::organize::library_dirs(config));
    let shown = planned.strip_prefix(&config.folders.base).unwrap_or(&planned);
    format!("✅ Naming: {SAMPLE} → {}", shown.display())
}

async fn tmdb_line(app: &App) -> String {
    let Some(key) = &app.config.tmdb_api_key else {
        return "ℹ️ TMDb: not configured (names come from the file name alone; set TMDB_API_KEY to look titles up)"
            .to_owned();
    };
    let url = format!("{}/configuration", app.config.tmdb_api_url);
    let start = Instant::now();
    let answer = match app.organizer.services_http() {
        Ok(client) => {
            client.get(&url).timeout(SERVICE_REQUEST_TIMEOUT).query(&[("api_key", key.expose())]).send().await
        }
        Err(e) => return format!("❌ TMDb: {e:#}"),
    };
    match answer {
        Ok(r) if r.status().is_success() => format!("✅ TMDb: reachable ({})", millis(start.elapsed())),
        Ok(r) if r.status() == reqwest::StatusCode::UNAUTHORIZED => {
            "❌ TMDb: the API key was refused: check TMDB_API_KEY".to_owned()
        }
        Ok(r) => format!("❌ TMDb: answered {}", r.status()),
        Err(e) => format!("❌ TMDb: unreachable ({})", app.redactor.clean(&e.without_url().to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_line_says_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        assert!(folder_line("Movies", dir.path()).starts_with("✅ Movies: writable, "));
        let missing = dir.path().join("missing");
        let line = folder_line("TV", &missing);
        assert!(line.starts_with("❌ TV: not writable") && line.contains("missing"), "{line}");
        assert!(free_space(dir.path()).unwrap() > 0);
    }
}
