//! What the local Bot API server costs per call, measured from a plain HTTP client over
//! loopback: a `sendMessage` round trip, and the wake-up of a waiting long poll when an
//! update arrives. Both must stay well under 100 µs so that the server is never the
//! bottleneck of an end-to-end measurement of the bot.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use perf::{TelegramOptions, TelegramServer};
use serde_json::json;

fn servers(c: &mut Criterion) {
    // One thread for the server and the client: no cross-thread wake-ups in the figures,
    // so a round trip is the CPU both sides spend plus the loopback, an upper bound on the
    // server's own time.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let server = rt.block_on(TelegramServer::start(TelegramOptions::default())).expect("server");
    let user = server.user(1);
    let client = reqwest::Client::new();
    let send_url = format!("{}/bot{}/sendMessage", server.api_url(), server.token());
    let poll_url = format!("{}/bot{}/getUpdates", server.api_url(), server.token());

    let mut group = c.benchmark_group("telegram_server");
    group.measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_secs(1));

    group.bench_function("send_message_round_trip", |b| {
        b.iter(|| {
            rt.block_on(async {
                let resp =
                    client.post(&send_url).json(&json!({"chat_id": 1, "text": "bench"})).send().await.expect("send");
                resp.bytes().await.expect("body")
            })
        });
        // The bench would otherwise keep every message and call it made.
        server.clear_calls();
    });

    // Outside the routine: criterion calls it more than once, and each update must be
    // confirmed once, or the next poll would answer at once with an old one.
    let mut offset = 0i64;
    group.bench_function("long_poll_wakeup", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    server.clear_calls();
                    let request = client.post(&poll_url).json(&json!({"offset": offset, "timeout": 10}));
                    let poll = async {
                        let resp = request.send().await;
                        resp.expect("poll").json::<serde_json::Value>().await.expect("json")
                    };
                    let mut poll = std::pin::pin!(poll);
                    // Drive the request, unmeasured, until it is parked in the server.
                    let parked = async {
                        while server.calls().is_empty() {
                            tokio::time::sleep(Duration::from_micros(20)).await;
                        }
                        tokio::time::sleep(Duration::from_micros(200)).await;
                    };
                    tokio::select! {
                        biased;
                        answer = &mut poll => panic!("the long poll answered before any update: {answer}"),
                        _ = parked => {}
                    }
                    let sent = Instant::now();
                    user.send_text("wake up");
                    let body = poll.await;
                    total += sent.elapsed();
                    offset = body["result"][0]["update_id"].as_i64().expect("an update") + 1;
                }
                total
            })
        });
    });
    group.finish();
}

criterion_group!(benches, servers);
criterion_main!(benches);
