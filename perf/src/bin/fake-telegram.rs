//! `fake-telegram`: starts the local Bot API server and the local TMDb server on
//! 127.0.0.1, prints how to point the bot at them, and plays the user on standard input,
//! so the real bot can be run and tried by hand with no Telegram account and no network.
//!
//! Usage: `cargo run -p perf --bin fake-telegram -- [--local] [--user ID]`.
//! Each line typed is sent to the bot as a message from the user; `:press TEXT` presses
//! an inline button, `:doc NAME SIZE` sends a generated document of SIZE bytes. What the
//! bot sends, edits and deletes is printed as it happens. Ctrl-C stops both servers.

use std::time::Duration;

use perf::{BotEventKind, Catalogue, DocumentSpec, FileMode, TelegramOptions, TelegramServer, TmdbServer};
use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("fake-telegram: {err}");
            std::process::ExitCode::from(2)
        }
    }
}

async fn run() -> Result<(), String> {
    let mut file_mode = FileMode::Cloud;
    let mut user_id: i64 = 1000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--local" => file_mode = FileMode::Local,
            "--user" => {
                let value = args.next().ok_or("--user needs a user id")?;
                user_id = value.parse().map_err(|_| format!("--user: not a user id: {value}"))?;
            }
            other => return Err(format!("unknown argument {other} (known: --local, --user ID)")),
        }
    }

    let telegram = TelegramServer::start(TelegramOptions { file_mode, ..TelegramOptions::default() })
        .await
        .map_err(|e| format!("starting the Telegram server: {e}"))?;
    let tmdb = TmdbServer::start(Catalogue::builtin()).await.map_err(|e| format!("starting the TMDb server: {e}"))?;
    let user = telegram.user(user_id);

    println!("Local Telegram Bot API server: {} ({file_mode:?} file mode)", telegram.api_url());
    println!("Local TMDb server:             {}", tmdb.api_url());
    println!();
    println!("Run the bot with:");
    println!("  TELEGRAM_API_URL={} \\", telegram.api_url());
    println!("  BOT_TOKEN={} \\", telegram.token());
    println!("  TMDB_API_URL={} TMDB_API_KEY={} \\", tmdb.api_url(), tmdb.api_key());
    println!("  ADMIN_IDS={user_id} cargo run -p bot");
    println!();
    println!("You are user {user_id}. Type a message, `:press BUTTON TEXT`, or `:doc NAME SIZE`. Ctrl-C stops.");

    let console = async {
        let mut lines = BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if let Some(text) = line.strip_prefix(":press ") {
                match user.press_button(text.trim()) {
                    Ok(_) => println!("> pressed {text:?}"),
                    Err(err) => println!("! {err}"),
                }
            } else if let Some(rest) = line.strip_prefix(":doc ") {
                let mut parts = rest.split_whitespace();
                match (parts.next(), parts.next().and_then(|s| s.parse::<u64>().ok())) {
                    (Some(name), Some(size)) => match user.send_document(DocumentSpec::generated(name, size)).await {
                        Ok(sent) => println!("> sent document {name} ({size} bytes) as {}", sent.file_path),
                        Err(err) => println!("! writing the document: {err}"),
                    },
                    _ => println!("! usage: :doc NAME SIZE"),
                }
            } else {
                user.send_text(line);
            }
        }
        // Standard input closed (e.g. run in the background): keep serving until Ctrl-C.
        std::future::pending::<()>().await;
    };

    let follow = async {
        let mut seen = 0;
        loop {
            for event in telegram.bot_events_after(seen, Duration::from_secs(3600)).await {
                seen += 1;
                let m = &event.message;
                let buttons: Vec<String> = m.buttons().into_iter().map(|b| format!("[{}]", b.text)).collect();
                let kind = match event.kind {
                    BotEventKind::Sent => "bot",
                    BotEventKind::Edited => "bot (edited)",
                    BotEventKind::Deleted => "bot (deleted)",
                };
                println!("< {kind} #{} in {}: {} {}", m.message_id, m.chat_id, m.text, buttons.join(" "));
            }
        }
    };

    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = console => {}
        _ = follow => {}
    }
    println!("stopping");
    telegram.shutdown().await;
    tmdb.shutdown().await;
    Ok(())
}
