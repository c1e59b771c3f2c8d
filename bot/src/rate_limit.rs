//! Per-user rate limits, as the original bot had them: 10 commands a minute, 5 files a
//! minute, 20 organize actions in 5 minutes. Over the limit, the user is told when the
//! next one will be taken. A sliding window (the times of the last N actions), so the
//! answer "in 23 s" is exact rather than "at the next minute".
//!
//! `RATE_LIMITS` overrides the limits (`commands=10/60,downloads=5/60,organize=20/300`,
//! any subset; `off` for none): a busy household may want more, and the tests and the perf
//! suite set them out of the way of what they measure.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// What is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Any command (`/shutdown` is never refused, see [`Limiter::check`]).
    Command,
    /// A file accepted for download.
    Download,
    /// A change made through the admin flows: a file organized by hand, a record deleted,
    /// an episode filed by `/propagate`.
    Organize,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Action::Command => "commands",
            Action::Download => "downloads",
            Action::Organize => "organize",
        }
    }

    fn what(self, count: usize) -> String {
        let noun = match self {
            Action::Command => "command",
            Action::Download => "file",
            Action::Organize => "organize action",
        };
        if count == 1 {
            noun.to_owned()
        } else {
            format!("{noun}s")
        }
    }
}

/// At most `count` actions in any `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub count: usize,
    pub window: Duration,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    pub commands: Option<Limit>,
    pub downloads: Option<Limit>,
    pub organize: Option<Limit>,
}

impl Default for Limits {
    fn default() -> Limits {
        let per = |count, secs| Some(Limit { count, window: Duration::from_secs(secs) });
        Limits { commands: per(10, 60), downloads: per(5, 60), organize: per(20, 300) }
    }
}

impl Limits {
    pub fn off() -> Limits {
        Limits { commands: None, downloads: None, organize: None }
    }

    fn of(&self, action: Action) -> Option<Limit> {
        match action {
            Action::Command => self.commands,
            Action::Download => self.downloads,
            Action::Organize => self.organize,
        }
    }

    /// Parses `RATE_LIMITS`: `off`, or `name=count/seconds` pairs separated by commas
    /// (names: commands, downloads, organize; a count of 0 turns that limit off). Names
    /// not given keep their defaults.
    pub fn parse(text: &str) -> Result<Limits, String> {
        if text.trim().eq_ignore_ascii_case("off") {
            return Ok(Limits::off());
        }
        let mut limits = Limits::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = || format!("{part:?} is not name=count/seconds (e.g. commands=10/60), nor off");
            let (name, value) = part.split_once('=').ok_or_else(bad)?;
            let (count, secs) = value.trim().split_once('/').ok_or_else(bad)?;
            let count: usize = count.trim().parse().map_err(|_| bad())?;
            let secs: u64 = secs.trim().parse().map_err(|_| bad())?;
            if secs == 0 {
                return Err(format!("{part:?}: the window must be at least 1 second"));
            }
            let limit = (count > 0).then_some(Limit { count, window: Duration::from_secs(secs) });
            match name.trim() {
                "commands" => limits.commands = limit,
                "downloads" => limits.downloads = limit,
                "organize" => limits.organize = limit,
                other => return Err(format!("{other:?} is not a limit name (commands, downloads, organize)")),
            }
        }
        Ok(limits)
    }

    /// `commands=10/60,…` as [`Limits::parse`] reads it, for messages.
    pub fn describe(&self) -> String {
        [Action::Command, Action::Download, Action::Organize]
            .into_iter()
            .map(|a| match self.of(a) {
                Some(l) => format!("{}={}/{}", a.name(), l.count, l.window.as_secs()),
                None => format!("{}=off", a.name()),
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The over-the-limit answer: what was refused and when to try again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    pub action: Action,
    pub limit: Limit,
    pub retry_in: Duration,
}

impl Refused {
    pub fn message(&self) -> String {
        let secs = self.retry_in.as_secs_f64().ceil().max(1.0) as u64;
        format!(
            "⏳ Slow down: at most {} {} {}. Try again in {secs} s.",
            self.limit.count,
            self.action.what(self.limit.count),
            per(self.limit.window)
        )
    }
}

/// "a minute", "every 5 minutes", "every 90 s".
fn per(window: Duration) -> String {
    match window.as_secs() {
        60 => "a minute".to_owned(),
        s if s % 60 == 0 => format!("every {} minutes", s / 60),
        s => format!("every {s} s"),
    }
}

/// The times of each user's latest actions of each kind, oldest first.
type Recent = HashMap<(i64, Action), VecDeque<Instant>>;

/// The counters of every user, shared by all handlers.
#[derive(Clone)]
pub struct Limiter {
    limits: Arc<Limits>,
    recent: Arc<Mutex<Recent>>,
}

impl Limiter {
    pub fn new(limits: Limits) -> Limiter {
        Limiter { limits: Arc::new(limits), recent: Arc::default() }
    }

    /// Counts one `action` by `user` now, or refuses it (and then does not count it).
    pub fn check(&self, user: i64, action: Action) -> Result<(), Refused> {
        self.check_at(user, action, Instant::now())
    }

    fn check_at(&self, user: i64, action: Action, now: Instant) -> Result<(), Refused> {
        let Some(limit) = self.limits.of(action) else { return Ok(()) };
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        let times = recent.entry((user, action)).or_default();
        while times.front().is_some_and(|t| now.saturating_duration_since(*t) >= limit.window) {
            times.pop_front();
        }
        if times.len() >= limit.count {
            let oldest = *times.front().expect("count is at least 1, so the window is not empty");
            return Err(Refused {
                action,
                limit,
                retry_in: limit.window.saturating_sub(now.saturating_duration_since(oldest)),
            });
        }
        times.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_slides_and_says_when_to_come_back() {
        let limiter = Limiter::new(Limits::default());
        let t0 = Instant::now();
        for i in 0..10 {
            limiter.check_at(1, Action::Command, t0 + Duration::from_secs(i)).unwrap();
        }
        let refused = limiter.check_at(1, Action::Command, t0 + Duration::from_secs(20)).unwrap_err();
        assert_eq!(refused.retry_in, Duration::from_secs(40));
        assert_eq!(refused.message(), "⏳ Slow down: at most 10 commands a minute. Try again in 40 s.");
        // Another user, another kind of action: their own counters.
        limiter.check_at(2, Action::Command, t0 + Duration::from_secs(20)).unwrap();
        limiter.check_at(1, Action::Download, t0 + Duration::from_secs(20)).unwrap();
        // The first command leaves the window at t0 + 60 s: one more is taken, then not.
        limiter.check_at(1, Action::Command, t0 + Duration::from_secs(60)).unwrap();
        let again = limiter.check_at(1, Action::Command, t0 + Duration::from_secs(60)).unwrap_err();
        assert_eq!(again.retry_in, Duration::from_secs(1));
    }

    #[test]
    fn refusals_are_not_counted() {
        let limiter = Limiter::new(Limits::parse("downloads=1/60").unwrap());
        let t0 = Instant::now();
        limiter.check_at(1, Action::Download, t0).unwrap();
        for s in 1..59 {
            assert!(limiter.check_at(1, Action::Download, t0 + Duration::from_secs(s)).is_err());
        }
        limiter.check_at(1, Action::Download, t0 + Duration::from_secs(60)).unwrap();
    }

    #[test]
    fn rate_limits_parse_and_refuse_nonsense() {
        assert_eq!(Limits::parse("off").unwrap(), Limits::off());
        let l = Limits::parse(" commands=100/10 , organize=0/5").unwrap();
        assert_eq!(l.commands, Some(Limit { count: 100, window: Duration::from_secs(10) }));
        assert_eq!(l.downloads, Limits::default().downloads);
        assert_eq!(l.organize, None);
        assert_eq!(l.describe(), "commands=100/10,downloads=5/60,organize=off");
        for bad in ["commands", "commands=10", "commands=x/60", "commands=10/0", "files=1/1", "commands=-1/60"] {
            assert!(Limits::parse(bad).is_err(), "{bad}");
        }
        assert!(Limiter::new(Limits::off()).check(1, Action::Command).is_ok());
    }
}
