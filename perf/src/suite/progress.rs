//! Progress inside a group of measurements: how many samples are done, out of how many,
//! and about how long the rest will take.
//!
//! On a terminal the line is redrawn in place. Anywhere else (a CI log, a file) it is a
//! plain line at most every [`LOG_EVERY`], so a log stays readable and short. Printing
//! happens between samples, never inside a timed section.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How often a plain (not a terminal) progress line is written.
const LOG_EVERY: Duration = Duration::from_secs(10);
/// How often the terminal line is redrawn.
const REDRAW_EVERY: Duration = Duration::from_millis(250);

pub struct Progress {
    what: String,
    total: usize,
    started: Instant,
    last_print: Instant,
    terminal: bool,
}

impl Progress {
    pub fn new(what: impl Into<String>, total: usize) -> Progress {
        let now = Instant::now();
        Progress { what: what.into(), total, started: now, last_print: now, terminal: std::io::stderr().is_terminal() }
    }

    /// `done` of the total are finished.
    pub fn done(&mut self, done: usize) {
        let now = Instant::now();
        let finished = done >= self.total;
        let due = now.duration_since(self.last_print) >= if self.terminal { REDRAW_EVERY } else { LOG_EVERY };
        if !(due || (finished && self.terminal)) {
            return;
        }
        self.last_print = now;
        let line = line(&self.what, done, self.total, now.duration_since(self.started));
        let mut err = std::io::stderr().lock();
        let _ = if self.terminal {
            write!(err, "\r\x1b[K{line}{}", if finished { "\n" } else { "" })
        } else {
            writeln!(err, "{line}")
        };
    }
}

/// `  commands: 120 of 880 samples, 14 s so far, about 89 s left`.
fn line(what: &str, done: usize, total: usize, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    let left = if done == 0 || done >= total {
        String::new()
    } else {
        format!(", about {:.0} s left", secs / done as f64 * (total - done) as f64)
    };
    format!("  {what}: {done} of {total} samples, {secs:.0} s so far{left}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_estimates_what_is_left_from_the_pace_so_far() {
        assert_eq!(
            line("commands", 25, 100, Duration::from_secs(10)),
            "  commands: 25 of 100 samples, 10 s so far, about 30 s left"
        );
        assert_eq!(line("commands", 0, 100, Duration::ZERO), "  commands: 0 of 100 samples, 0 s so far");
        assert_eq!(line("commands", 100, 100, Duration::from_secs(40)), "  commands: 100 of 100 samples, 40 s so far");
    }
}
