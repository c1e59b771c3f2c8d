//! What the suite itself adds to a command's round trip. A trivial bot (a reqwest client,
//! the HTTP stack teloxide uses, long-polling getUpdates and answering every message with
//! one sendMessage) replaces the real bot, on the core the bot would run on, and the same
//! round trip is timed the same way. Whatever that takes (the local server, loopback HTTP,
//! waking a long poll, JSON both ways) is in every `command_*` figure too: it is the
//! floor no bot can go under on this machine.
//!
//! The same client also takes the concurrency scenario's largest burst ([`burst_floor`]):
//! with hundreds of commands in flight the suite's core (the server parsing every
//! sendMessage, the scripted users queueing updates) can be the bottleneck rather than
//! the bot's, and the trivial client's p99 says how much of the bot's p99 is the harness.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::e2e::{burst, round_trip};
use super::process::{pin_current_thread, ADMIN, USERS};
use super::stats::Summary;
use super::SuiteError;
use crate::{ScriptedUser, TelegramOptions, TelegramServer};

/// A local Telegram server with the trivial bot long-polling it from its own thread.
struct TrivialSetup {
    server: TelegramServer,
    stop: Arc<AtomicBool>,
    client: std::thread::JoinHandle<()>,
}

impl TrivialSetup {
    async fn start(client_cpus: &[usize]) -> Result<TrivialSetup, SuiteError> {
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
        server.wait_for_call("getUpdates", Duration::from_secs(10)).await?;
        Ok(TrivialSetup { server, stop, client })
    }

    async fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake its long poll so it sees the flag.
        self.server.user(1).send_text("stop");
        let client = self.client;
        let _ = tokio::task::spawn_blocking(move || client.join()).await;
        self.server.shutdown().await;
    }
}

/// Round trips of /start through the trivial client: `samples` kept after `warmup`.
pub async fn overhead(samples: usize, warmup: usize, client_cpus: &[usize]) -> Result<(Summary, Vec<f64>), SuiteError> {
    let setup = TrivialSetup::start(client_cpus).await?;
    let user = setup.server.user(1);
    let mut kept = Vec::with_capacity(samples);
    for i in 0..warmup + samples {
        match round_trip(&setup.server, &user, "/start").await {
            Ok((latency, _)) if i >= warmup => kept.push(latency),
            Ok(_) => {}
            Err(e) => {
                setup.stop().await;
                return Err(e);
            }
        }
    }
    setup.stop().await;
    let summary =
        Summary::of(&kept).ok_or_else(|| SuiteError::Stuck { what: "the trivial client answered nothing".into() })?;
    Ok((summary, kept))
}

/// `rounds` bursts of `n` commands in flight, sent exactly as the concurrency scenario
/// sends them to the bot (same users, same round-robin, one warm-up command per user
/// first), answered by the trivial client: the latencies of every reply.
pub async fn burst_floor(n: usize, rounds: usize, client_cpus: &[usize]) -> Result<Summary, SuiteError> {
    let setup = TrivialSetup::start(client_cpus).await?;
    let users: Vec<ScriptedUser> = (0..USERS).map(|i| setup.server.user(ADMIN + i)).collect();
    let measured = async {
        for u in &users {
            round_trip(&setup.server, u, "/stats").await?;
        }
        let mut lat = Vec::with_capacity(n * rounds);
        for _ in 0..rounds {
            lat.extend(burst(&setup.server, &users, n).await?.0);
        }
        Summary::of(&lat).ok_or_else(|| SuiteError::Stuck { what: "the trivial client answered no burst".into() })
    }
    .await;
    setup.stop().await;
    measured
}

/// The trivial bot: its own single-threaded runtime, pinned where the bot would run.
/// Like teloxide's dispatcher, it answers each chat's messages in order on a worker of
/// that chat's own, and many chats at once, so a burst from 100 users has up to 100
/// replies in flight, as the bot has.
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
        let send_url: Arc<str> = format!("{base}/sendMessage").into();
        let mut chats: HashMap<i64, mpsc::UnboundedSender<()>> = HashMap::new();
        let mut offset = 0i64;
        while !stop.load(Ordering::SeqCst) {
            let resp =
                http.post(format!("{base}/getUpdates")).json(&json!({"offset": offset, "timeout": 10})).send().await;
            let Ok(resp) = resp else { break };
            let Ok(body) = resp.json::<Value>().await else { break };
            for update in body["result"].as_array().into_iter().flatten() {
                offset = offset.max(update["update_id"].as_i64().unwrap_or(0) + 1);
                let Some(chat) = update["message"]["chat"]["id"].as_i64() else { continue };
                if stop.load(Ordering::SeqCst) {
                    continue;
                }
                let worker = chats.entry(chat).or_insert_with(|| {
                    let (tx, mut rx) = mpsc::unbounded_channel::<()>();
                    let (http, url) = (http.clone(), send_url.clone());
                    tokio::spawn(async move {
                        while rx.recv().await.is_some() {
                            let sent = http.post(&*url).json(&json!({"chat_id": chat, "text": "ok"})).send().await;
                            // Read the answer to the end, so the connection is reused as a bot's is.
                            if let Ok(resp) = sent {
                                let _ = resp.bytes().await;
                            }
                        }
                    });
                    tx
                });
                let _ = worker.send(());
            }
        }
    });
}
