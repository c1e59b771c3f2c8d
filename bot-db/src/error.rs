//! The database's errors. Every variant that comes from the disk names the file, so the
//! message tells the user which file to look at.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("reading {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// The file is not a database this crate can read. It is left untouched.
    #[error(
        "{path}:{line}:{column}: not a valid database ({source}); \
         the file was left as it is: fix it or restore a backup"
    )]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        #[source]
        source: serde_json::Error,
    },

    /// A line of the journal, other than a torn last one, is not a journal record.
    #[error(
        "{path}:{line}: not a valid journal record ({source}); \
         the journal was left as it is: move it away to open the database without it"
    )]
    Journal {
        path: PathBuf,
        line: usize,
        #[source]
        source: serde_json::Error,
    },

    #[error("writing {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// An earlier commit failed, so what is in memory may not be on disk. Like redb's
    /// `PreviousIo`, the database refuses further work rather than pretend.
    #[error("an earlier write to {path} failed ({source}); reopen the database")]
    Poisoned {
        path: PathBuf,
        #[source]
        source: Arc<io::Error>,
    },

    #[error("the database {path} is closed")]
    Closed { path: PathBuf },
}

impl Error {
    pub(crate) fn parse(path: PathBuf, source: serde_json::Error) -> Error {
        Error::Parse { path, line: source.line(), column: source.column(), source }
    }
}
