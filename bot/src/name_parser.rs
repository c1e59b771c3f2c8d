//! One thread that runs every file-name parse.
//!
//! hunch holds its compiled rules (14.7 MB resident, measured with
//! `cargo run --release -p bot --example parse_rss`) and, on top, a regex cache for every
//! thread that has parsed (2.2 MB each, kept for the life of the process). Parsing on the
//! async workers and the main thread paid that cache three times; one thread pays it once,
//! and keeps a parse (CPU work of a millisecond or more) off the threads that answer users.

use std::sync::mpsc;

use tokio::sync::oneshot;

use crate::naming::{self, Parsed};

type Job = (String, oneshot::Sender<Parsed>);

#[derive(Clone)]
pub struct NameParser {
    jobs: mpsc::Sender<Job>,
}

impl NameParser {
    /// Starts the thread. With `warm`, hunch's tables are built before this returns (the
    /// baseline's eager start-up); without, on the first parse.
    pub fn start(warm: bool) -> std::io::Result<NameParser> {
        let (jobs, inbox) = mpsc::channel::<Job>();
        let (warmed, wait_warm) = mpsc::channel::<()>();
        std::thread::Builder::new().name("name-parser".into()).spawn(move || {
            if warm {
                naming::warm_up();
            }
            drop(warmed);
            // Ends when the last `NameParser` is dropped.
            for (name, reply) in inbox {
                let _ = reply.send(naming::parse(&name));
            }
        })?;
        // Returns once the thread dropped `warmed` (after the warm-up, when asked for).
        let _ = wait_warm.recv();
        Ok(NameParser { jobs })
    }

    /// Parses `file_name` on the parser thread.
    pub async fn parse(&self, file_name: &str) -> Parsed {
        let (reply, answer) = oneshot::channel();
        if self.jobs.send((file_name.to_owned(), reply)).is_ok() {
            if let Ok(parsed) = answer.await {
                return parsed;
            }
        }
        // The thread is gone (hunch panicked on some name): parse here rather than lose
        // the file; a panic again would stay inside this handler's task.
        tracing::warn!(file = file_name, "the name-parser thread is gone; parsing on this thread");
        naming::parse(file_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn parses_on_its_thread_like_the_pure_function() {
        for warm in [false, true] {
            let parser = NameParser::start(warm).unwrap();
            let name = "The.Matrix.1999.1080p.BluRay.x264.mkv";
            assert_eq!(parser.parse(name).await, naming::parse(name));
        }
    }
}
