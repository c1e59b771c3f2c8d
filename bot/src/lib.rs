//! The bot as a library: everything `main.rs` runs, in modules that tests and benchmarks
//! can reach. Modules that touch neither Telegram nor the disk (naming, report) are pure
//! functions.

pub mod app;
pub mod clock;
pub mod config;
pub mod diagnostics;
pub mod downloads;
pub mod handlers;
pub mod name_parser;
pub mod naming;
pub mod organize;
pub mod rate_limit;
pub mod redact;
pub mod report;
pub mod retry;
pub mod shutdown;
pub mod timeline;
pub mod tmdb;
