//! The performance suite's harness and the local stand-ins for the services the bot talks
//! to: a Telegram Bot API server ([`TelegramServer`]) and a TMDb v3 server ([`TmdbServer`]),
//! both real HTTP servers on 127.0.0.1. The bot's integration tests and the performance
//! suite start them in-process; the `fake-telegram` binary starts both for running the bot
//! by hand.
//!
//! Both servers share the fault and realism knobs in [`Faults`] (latency, bandwidth, and
//! scripted failures of the next calls of a method).

mod http;
pub mod telegram;

pub use http::{Fault, Faults};
pub use telegram::{
    generated_bytes, BotEvent, BotEventKind, BotMessage, Button, Call, CallbackAnswer, Content, DocumentSpec, FileMode,
    PressError, ScriptedUser, SentDocument, TelegramOptions, TelegramServer, WaitError,
};
pub mod tmdb;

pub use tmdb::{Catalogue, Movie, Show, TmdbServer};
