//! Tests of the local test servers themselves, through real HTTP on 127.0.0.1: a plain
//! HTTP client for the protocol details, and teloxide as a real Bot API client for a
//! whole conversation.

mod telegram;
mod teloxide_client;
mod tmdb;

use std::time::Duration;

use perf::{TelegramOptions, TelegramServer};
use serde_json::Value;

/// Long enough for a loaded CI machine, short enough that a broken test fails quickly.
pub const WAIT: Duration = Duration::from_secs(5);

pub async fn start() -> TelegramServer {
    TelegramServer::start(TelegramOptions::default()).await.expect("starting the Telegram server")
}

pub fn method_url(server: &TelegramServer, method: &str) -> String {
    format!("{}/bot{}/{method}", server.api_url(), server.token())
}

/// POSTs `body` as JSON to a Bot API method; returns the status and the parsed answer.
pub async fn post_json(server: &TelegramServer, method: &str, body: Value) -> (u16, Value) {
    let resp = reqwest::Client::new().post(method_url(server, method)).json(&body).send().await.expect("request");
    answer(resp).await
}

pub async fn answer(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("answer is not JSON ({e}): {text}"));
    (status, json)
}
