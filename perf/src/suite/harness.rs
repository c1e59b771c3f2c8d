//! What the suite itself adds to a command's round trip. A trivial bot (a reqwest client,
//! the HTTP stack teloxide uses, long-polling getUpdates and answering every message with
//! one sendMessage) replaces the real bot, on the core the bot would run on, and the same
//! round trip is timed the same way. Whatever that takes (the local server, loopback HTTP,
//! waking a long poll, JSON both ways) is in every `command_*` figure too: it is the
//! floor no bot can go under on this machine.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::e2e::round_trip;
use super::process::pin_current_thread;
use super::stats::Summary;
use super::SuiteError;
use crate::{TelegramOptions, TelegramServer};

/// Round trips of /start through the trivial client: `samples` kept after `warmup`.
pub async fn overhead(samples: usize, warmup: usize, client_cpus: &[usize]) -> Result<(Summary, Vec<f64>), SuiteError> {
    let server = TelegramServer::start(TelegramOptions::default())
        .await
        .map_err(|e| SuiteError::Io { what: "starting the local Telegram server".into(), source: e })?;
    let stop = Arc::new(AtomicBool::new(false));
    let base = format!("{}/bot{}", server.api_url(), server.token());
    let cpus = client_cpus.to_vec();
    let stop_client = stop.clone();
    let client = std::thread::Builder::new()
        .name("trivial-bot".into())
        .spawn(move || trivial_bot(base, cpus, stop_client))
        .map_err(|e| SuiteError::Io { what: "starting the trivial client's thread".into(), source: e })?;
    server
        .wait_for_call("getUpdates", Duration::from_secs(10))
        .await?;
    let user = server.user(1);
    let mut kept = Vec::with_capacity(samples);
    for i in 0..warmup + samples {
        let (latency, _) = round_trip(&server, &user, "/start").await?;
        if i >= warmup {
            kept.push(latency);
        }
    }
    stop.store(true, Ordering::SeqCst);
    // Wake its long poll so it sees the flag.
    user.send_text("stop");
    let _ = tokio::task::spawn_blocking(move || client.join()).await;
    server.shutdown().await;
    let summary = Summary::of(&kept).ok_or_else(|| SuiteError::Stuck { what: "the trivial client answered nothing".into() })?;
    Ok((summary, kept))
}

/// The trivial bot: its own single-threaded runtime, pinned where the bot would run.
fn trivial_bot(base: String, cpus: Vec<usize>, stop: Arc<AtomicBool>) {
    if !cpus.is_empty() {
        // Unpinned is still a valid (noisier) measurement.
        let _ = pin_current_thread(&cpus);
    }
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        return;
    };
    rt.block_on(async move {
        let http = reqwest::Client::new();
        let mut offset = 0i64;
        while !stop.load(Ordering::SeqCst) {
            let resp = http
                .post(format!("{base}/getUpdates"))
                .json(&json!({"offset": offset, "timeout": 10}))
                .send()
                .await;
            let Ok(resp) = resp else { break };
            let Ok(body) = resp.json::<Value>().await else { break };
            for update in body["result"].as_array().into_iter().flatten() {
                offset = offset.max(update["update_id"].as_i64().unwrap_or(0) + 1);
                let chat = &update["message"]["chat"]["id"];
                if stop.load(Ordering::SeqCst) || chat.is_null() {
                    continue;
                }
                let sent = http
                    .post(format!("{base}/sendMessage"))
                    .json(&json!({"chat_id": chat, "text": "ok"}))
                    .send()
                    .await;
                // Read the answer to the end, so the connection is reused as a bot's is.
                if let Ok(resp) = sent {
                    let _ = resp.bytes().await;
                }
            }
        }
    });
}
