//! The performance suite's harness and the local stand-ins for the services the bot talks
//! to: a Telegram Bot API server ([`TelegramServer`]) and a TMDb v3 server ([`TmdbServer`]),
//! both real HTTP servers on 127.0.0.1. The bot's integration tests and the performance
//! suite start them in-process; the `fake-telegram` binary starts both for running the bot
//! by hand.
//!
//! The end-to-end performance suite that drives the bot binary against them is [`suite`]
//! (its binary: `perf-suite`).
//!
//! Both servers share the fault and realism knobs in [`Faults`] (latency, bandwidth, and
//! scripted failures of the next calls of a method).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! let telegram = perf::TelegramServer::start(perf::TelegramOptions::default()).await?;
//! // Point the bot at telegram.api_url() with telegram.token(), then:
//! let user = telegram.user(1000);
//! user.send_command("start");
//! let reply = user.next_bot_message(|m| m.text.contains("Welcome"), Duration::from_secs(5)).await?;
//! println!("the bot answered {:?}", reply.text);
//! # Ok(()) }
//! ```

mod http;
pub mod suite;
pub mod telegram;
pub mod tmdb;

pub use http::{Fault, Faults};
pub use telegram::{
    generated_bytes, BotEvent, BotEventKind, BotMessage, Button, Call, CallbackAnswer, Content, DocumentSpec, FileMode,
    PressError, ScriptedUser, SentDocument, TelegramOptions, TelegramServer, WaitError,
};
pub use tmdb::{Catalogue, Movie, Show, TmdbServer};
