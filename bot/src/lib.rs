//! The bot as a library: everything `main.rs` runs, in modules that tests and benchmarks
//! can reach. Modules that touch neither Telegram nor the disk (naming) are pure functions.
pub mod naming;
pub mod tmdb;
