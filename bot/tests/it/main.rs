//! The bot's integration tests: the real `bot` binary, started as a process, talking over
//! real HTTP on 127.0.0.1 to the local Telegram (and TMDb) servers from `perf`, with its
//! library in a temporary folder. One binary (ripgrep's layout); `.ci/run` runs it for the
//! baseline and the optimized build.

mod admin;
mod commands;
mod downloads;
mod harness;
mod lifecycle;
