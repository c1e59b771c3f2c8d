//! The text of the bot's replies, as plain functions of plain data, so that handlers stay
//! thin and every message can be unit-tested (and benchmarked) without Telegram.

use std::fmt::Write;
use std::time::Duration;

use bot_db::{QueueState, Queued, Stats};

/// `1.5 GB`, `320 KB`, `12 B` (powers of 1024, as file managers show them).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `2d 03h 04m`, `1h 02m 03s`, `4m 05s`, `6s`.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs();
    let (days, hours, minutes, seconds) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds}s"),
        (0, 0, _) => format!("{minutes}m {seconds:02}s"),
        (0, _, _) => format!("{hours}h {minutes:02}m {seconds:02}s"),
        _ => format!("{days}d {hours:02}h {minutes:02}m"),
    }
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0%".into();
    }
    format!("{:.0}%", part as f64 * 100.0 / whole as f64)
}

/// What `/stats` and `/status` show about the bot right now.
#[derive(Clone, Debug, PartialEq)]
pub struct Activity {
    pub uptime: Duration,
    pub active: usize,
    pub queued: usize,
    pub max_concurrent: usize,
}

fn stats_lines(out: &mut String, s: &Stats) {
    let average_speed = if s.total_seconds > 0.0 { s.total_bytes as f64 / s.total_seconds } else { 0.0 };
    let average_time = if s.successful_downloads > 0 { s.total_seconds / s.successful_downloads as f64 } else { 0.0 };
    let _ = writeln!(out, "Files handled: {}", s.files_handled);
    let _ = writeln!(
        out,
        "Successful: {} ({}) · Failed: {} ({})",
        s.successful_downloads,
        percent(s.successful_downloads, s.files_handled),
        s.failed_downloads,
        percent(s.failed_downloads, s.files_handled)
    );
    let _ = writeln!(out, "Total data: {}", bytes(s.total_bytes));
    let _ = writeln!(out, "Average speed: {}/s", bytes(average_speed as u64));
    let _ = writeln!(out, "Average time per file: {}", duration(Duration::from_secs_f64(average_time)));
}

/// `/stats`: the caller's own figures, or for an admin the global ones and each user's.
pub fn stats(activity: &Activity, own: &Stats, admin_view: Option<(&Stats, &[(i64, Stats)])>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "📊 Bot status");
    let _ = writeln!(out, "Uptime: {}", duration(activity.uptime));
    let _ = writeln!(
        out,
        "Active downloads: {} of {} · Queued: {}",
        activity.active, activity.max_concurrent, activity.queued
    );
    match admin_view {
        Some((global, users)) => {
            let _ = writeln!(out, "\nAll users");
            stats_lines(&mut out, global);
            let _ =
                writeln!(out, "Peak concurrent downloads: {} of {}", global.peak_concurrent, activity.max_concurrent);
            for (user, s) in users {
                let _ = writeln!(
                    out,
                    "\nUser {user}: {} files, {} ok, {} failed, {}",
                    s.files_handled,
                    s.successful_downloads,
                    s.failed_downloads,
                    bytes(s.total_bytes)
                );
            }
        }
        None => {
            let _ = writeln!(out, "\nYour downloads");
            stats_lines(&mut out, own);
        }
    }
    out.trim_end().to_owned()
}

/// A 10-cell progress bar: `[██████░░░░] 60%`.
pub fn progress_bar(done: u64, total: u64) -> String {
    let fraction = if total == 0 { 0.0 } else { (done as f64 / total as f64).clamp(0.0, 1.0) };
    let filled = (fraction * 10.0).round() as usize;
    format!("[{}{}] {:.0}%", "█".repeat(filled), "░".repeat(10 - filled), fraction * 100.0)
}

/// One page of `/queue`: its text, and the entries it shows with the label each has in
/// the text (`▶1` for a running one, the position for a waiting one), for their buttons.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueView {
    pub text: String,
    /// The page shown (clamped), from 0, and how many there are.
    pub page: usize,
    pub pages: usize,
    pub shown: Vec<(String, bot_db::DocId, String)>,
}

/// `/queue`: running downloads with their progress, then up to `per_page` waiting ones.
pub fn queue_view(entries: &[Queued], page: usize, per_page: usize) -> QueueView {
    let running: Vec<_> = entries.iter().filter(|q| q.entry.state == QueueState::Running).collect();
    let waiting: Vec<_> = entries.iter().filter(|q| q.entry.state == QueueState::Queued).collect();
    let pages = waiting.len().div_ceil(per_page.max(1)).max(1);
    let page = page.min(pages - 1);
    let mut view = QueueView { text: String::new(), page, pages, shown: Vec::new() };
    if running.is_empty() && waiting.is_empty() {
        view.text = "Nothing is downloading and nothing is waiting.".into();
        return view;
    }
    let out = &mut view.text;
    if !running.is_empty() {
        let _ = writeln!(out, "⬇️ Downloading now");
        for (i, q) in running.iter().enumerate() {
            let e = &q.entry;
            let label = format!("▶{}", i + 1);
            let _ = writeln!(
                out,
                "{label} {} {}\n  {} of {}",
                e.file_name,
                progress_bar(e.bytes_done, e.file_size),
                bytes(e.bytes_done),
                bytes(e.file_size)
            );
            view.shown.push((label, q.id, e.file_name.clone()));
        }
    }
    if !waiting.is_empty() {
        let _ = writeln!(out, "\n⏳ Up next ({} waiting, page {} of {pages})", waiting.len(), page + 1);
        for (i, q) in waiting.iter().enumerate().skip(page * per_page).take(per_page) {
            let _ = writeln!(out, "{}. {} ({})", i + 1, q.entry.file_name, bytes(q.entry.file_size));
            view.shown.push(((i + 1).to_string(), q.id, q.entry.file_name.clone()));
        }
    }
    view.text = view.text.trim().to_owned();
    view
}

#[cfg(test)]
mod tests {
    use super::*;
    use bot_db::QueueEntry;

    #[test]
    fn sizes_and_durations_read_naturally() {
        for (n, text) in [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KB"), (5 << 30, "5.0 GB"), (1 << 50, "1.0 PB")] {
            assert_eq!(bytes(n), text);
        }
        for (s, text) in [(6, "6s"), (245, "4m 05s"), (3723, "1h 02m 03s"), (183_840, "2d 03h 04m")] {
            assert_eq!(duration(Duration::from_secs(s)), text);
        }
    }

    #[test]
    fn progress_bars() {
        assert_eq!(progress_bar(0, 0), "[░░░░░░░░░░] 0%");
        assert_eq!(progress_bar(60, 100), "[██████░░░░] 60%");
        assert_eq!(progress_bar(200, 100), "[██████████] 100%");
    }

    #[test]
    fn stats_for_a_user_and_for_an_admin() {
        let activity = Activity { uptime: Duration::from_secs(3723), active: 1, queued: 2, max_concurrent: 3 };
        let own = Stats {
            files_handled: 4,
            successful_downloads: 3,
            failed_downloads: 1,
            total_bytes: 3 << 20,
            total_seconds: 3.0,
            peak_concurrent: 2,
        };
        let text = stats(&activity, &own, None);
        assert!(text.contains("Uptime: 1h 02m 03s"), "{text}");
        assert!(text.contains("Successful: 3 (75%) · Failed: 1 (25%)"), "{text}");
        assert!(text.contains("Average speed: 1.0 MB/s"), "{text}");
        assert!(text.contains("Active downloads: 1 of 3 · Queued: 2"), "{text}");
        let users = [(42, own.clone())];
        let text = stats(&activity, &own, Some((&own, &users)));
        assert!(text.contains("Peak concurrent downloads: 2 of 3") && text.contains("User 42: 4 files"), "{text}");
    }

    fn queued(id: u64, name: &str, state: QueueState, done: u64, size: u64) -> Queued {
        let entry = QueueEntry {
            user_id: 1,
            chat_id: 1,
            file_id: name.into(),
            file_unique_id: None,
            file_name: name.into(),
            file_size: size,
            mime_type: None,
            state,
            bytes_done: done,
            enqueued_at: None,
            status_message_id: None,
            error: None,
        };
        Queued { id, entry }
    }

    #[test]
    fn queue_pages() {
        assert_eq!(queue_view(&[], 0, 10).text, "Nothing is downloading and nothing is waiting.");
        let mut entries = vec![queued(1, "a.mkv", QueueState::Running, 50, 100)];
        entries.extend((2..14).map(|i| queued(i, &format!("w{i}.mkv"), QueueState::Queued, 0, 2048)));
        entries.push(queued(20, "gone.mkv", QueueState::Cancelled, 0, 1));
        let view = queue_view(&entries, 0, 10);
        let first = &view.text;
        assert!(first.contains("▶1 a.mkv [█████░░░░░] 50%") && first.contains("12 waiting, page 1 of 2"), "{first}");
        assert!(
            first.contains("10. w11.mkv (2.0 KB)") && !first.contains("w12.mkv") && !first.contains("gone"),
            "{first}"
        );
        assert_eq!(view.shown.len(), 11);
        assert_eq!(view.shown[0], ("▶1".to_owned(), 1, "a.mkv".to_owned()));
        assert_eq!(view.shown[10], ("10".to_owned(), 11, "w11.mkv".to_owned()));
        let second = queue_view(&entries, 5, 10);
        assert_eq!((second.page, second.pages), (1, 2));
        assert!(second.text.contains("page 2 of 2") && second.text.contains("12. w13.mkv"), "{}", second.text);
    }
}
