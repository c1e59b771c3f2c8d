//! Start-up and shutdown: configuration errors, readiness, signals, `/shutdown`, a broken
//! database, faults of the Telegram server, and the token kept out of the logs.

use std::time::Duration;

use perf::{Fault, TelegramOptions, TelegramServer};

use crate::harness::{base_env, spawn, wait_exit, Bot, KillOnDrop, ADMIN, USER};

#[tokio::test]
async fn a_missing_or_bad_setting_exits_2_naming_it() {
    let telegram = TelegramServer::start(TelegramOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let env = base_env(&telegram, dir.path());
    let without_token: Vec<_> = env.iter().filter(|(k, _)| k != "BOT_TOKEN").cloned().collect();
    let mut bad_limit = env.clone();
    bad_limit.push(("MAX_CONCURRENT_DOWNLOADS".into(), "lots".into()));
    for (env, variable) in [(without_token, "BOT_TOKEN"), (bad_limit, "MAX_CONCURRENT_DOWNLOADS")] {
        let (child, stderr) = spawn(dir.path(), &env);
        let mut child = KillOnDrop(child);
        let status = wait_exit(&mut child.0).await.expect("the bot exits");
        tokio::time::sleep(Duration::from_millis(50)).await;
        let log = stderr.lock().unwrap().clone();
        assert_eq!(status.code(), Some(2), "{log}");
        assert_eq!(log.lines().count(), 1, "one line: {log}");
        assert!(log.contains(variable), "{log}");
    }
    assert!(telegram.calls().is_empty(), "nothing reached Telegram");
}

#[tokio::test]
async fn get_me_comes_once_before_the_first_get_updates() {
    let bot = Bot::start(&[]).await;
    let methods: Vec<_> = bot.telegram.calls().into_iter().map(|c| c.method).collect();
    let first_poll = methods.iter().position(|m| m == "getUpdates").unwrap();
    assert_eq!(methods[..first_poll].iter().filter(|m| *m == "getMe").count(), 1, "{methods:?}");
}

#[tokio::test]
async fn sigterm_and_sigint_stop_the_bot_cleanly() {
    for signal in [libc::SIGTERM, libc::SIGINT] {
        let bot = Bot::start(&[]).await;
        bot.ask(USER, "/start").await;
        bot.signal(signal);
        let (status, log, _telegram, dir) = bot.exit().await;
        assert_eq!(status.code(), Some(0), "{log}");
        let db = std::fs::read(dir.path().join("library/db.json")).unwrap();
        let db: serde_json::Value = serde_json::from_slice(&db).unwrap();
        assert_eq!(db["users"]["1"]["id"], USER, "the user was saved: {db}");
        assert!(!dir.path().join("library/db.json.journal").exists(), "the journal was folded away");
    }
}

#[tokio::test]
async fn an_idle_bot_waits_on_the_server_instead_of_asking_again_and_again() {
    let bot = Bot::start(&[]).await;
    bot.ask(USER, "/start").await;
    let before = bot.telegram.calls_of("getUpdates").len();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let polls = bot.telegram.calls_of("getUpdates");
    // A long poll is held by the server until an update comes or its timeout ends: a second
    // of quiet takes at most the one still waiting, however slow or fast the machine.
    assert!(polls.len() - before <= 1, "{} getUpdates in a quiet second", polls.len() - before);
    for poll in &polls {
        assert_eq!(poll.params["timeout"], 10, "every getUpdates is a long poll: {:?}", poll.params);
    }
}

#[tokio::test]
async fn an_admin_can_shut_the_bot_down_and_a_user_cannot() {
    let bot = Bot::start(&[]).await;
    assert!(bot.ask(USER, "/shutdown").await.starts_with("Permission denied"));
    assert!(bot.ask(ADMIN, "/shutdown").await.starts_with("Shutting down gracefully"));
    let (status, log, telegram, _dir) = bot.exit().await;
    assert_eq!(status.code(), Some(0), "{log}");
    // The update that asked for the shutdown was confirmed, so it is not handled again.
    let polls = telegram.calls_of("getUpdates");
    let last_poll = polls.last().unwrap();
    let seen: Vec<_> = polls.iter().map(|c| (c.at, &c.params)).collect();
    assert_eq!(last_poll.params["timeout"], 0, "a final confirming getUpdates; all of them: {seen:#?}\n{log}");
    assert_eq!(telegram.pending_updates(), 0);
}

/// Starts the bot on a `db.json` holding `broken` and checks that it stops with exit
/// code 1, a message naming the file and `line`, and the file untouched.
async fn refuses_broken_database(telegram: &TelegramServer, broken: &[u8], line: usize) {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("library");
    std::fs::create_dir_all(&library).unwrap();
    std::fs::write(library.join("db.json"), broken).unwrap();
    let (child, stderr) = spawn(dir.path(), &base_env(telegram, dir.path()));
    let mut child = KillOnDrop(child);
    let status = wait_exit(&mut child.0).await.expect("the bot exits");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let log = stderr.lock().unwrap().clone();
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(
        log.contains(&format!("db.json:{line}:")) && log.contains("left as it is"),
        "names the file and the line: {log}"
    );
    assert_eq!(std::fs::read(library.join("db.json")).unwrap(), broken);
}

#[tokio::test]
async fn a_broken_database_stops_start_up_and_is_left_alone() {
    let telegram = TelegramServer::start(TelegramOptions::default()).await.unwrap();
    refuses_broken_database(&telegram, b"{\"users\": {\"1\": {\"id\": 5}},\n \"organized\": {\"1\": ", 2).await;
}

#[tokio::test]
async fn a_broken_database_stops_start_up_even_while_telegram_is_failing() {
    // The database is read while getMe is being retried: its error must not wait for
    // Telegram (the harness gives up long before 1,000 failed getMe).
    let telegram = TelegramServer::start(TelegramOptions::default()).await.unwrap();
    telegram.faults().fail_next("getMe", 1_000, Fault::Status(502));
    refuses_broken_database(&telegram, b"{\"users\": [", 1).await;
    assert!(telegram.calls_of("getUpdates").is_empty(), "it never polled");
}

#[tokio::test]
async fn telegram_faults_are_survived_and_the_token_never_logged() {
    let telegram = TelegramServer::start(TelegramOptions::default()).await.unwrap();
    telegram.faults().fail_next("getMe", 1, Fault::Status(502));
    telegram.faults().fail_next("getUpdates", 1, Fault::Garbage);
    telegram.faults().fail_next("getUpdates", 1, Fault::Drop);
    let token = telegram.token().to_owned();
    let bot = Bot::start_in(telegram, tempfile::tempdir().unwrap(), &[]).await;
    bot.telegram.faults().fail_next("sendMessage", 1, Fault::TooManyRequests { retry_after: 1 });
    // The answer is refused with 429 and retry_after 1: it is sent again, a second later.
    assert!(bot.ask(USER, "/help").await.contains("/stats"));
    let sends = bot.telegram.calls_of("sendMessage");
    let waited = sends[1].at - sends[0].at;
    assert!(waited >= std::time::Duration::from_secs(1), "retry_after honoured: waited {waited:?}");
    assert!(bot.ask(USER, "/start").await.contains("Hello"));
    let log = bot.log();
    assert!(log.contains("getMe failed") && log.contains("getUpdates failed"), "faults are logged: {log}");
    assert!(!log.contains(&token) && !log.contains(token.split(':').nth(1).unwrap()), "the token leaked: {log}");
}

#[tokio::test]
async fn json_logs_are_one_object_per_line() {
    let bot = Bot::start(&[("LOG_FORMAT", "json")]).await;
    bot.ask(USER, "/start").await;
    bot.signal(libc::SIGTERM);
    let (status, log, _, _) = bot.exit().await;
    assert_eq!(status.code(), Some(0));
    assert!(log.lines().count() >= 2, "{log}");
    for line in log.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(v["level"].is_string() && v["fields"].is_object(), "{line}");
    }
}

#[tokio::test]
async fn the_startup_timeline_and_metrics_are_written_when_asked_for() {
    let out = tempfile::tempdir().unwrap();
    let timeline = out.path().join("timeline.txt");
    let metrics = out.path().join("metrics.txt");
    let bot =
        Bot::start(&[("BOT_STARTUP_TIMELINE", timeline.to_str().unwrap()), ("BOT_METRICS", metrics.to_str().unwrap())])
            .await;
    bot.ask(USER, "/start").await;
    bot.wait_until("the menu's phase", || std::fs::read_to_string(&timeline).unwrap().contains("commands_registered"))
        .await;
    bot.signal(libc::SIGTERM);
    let (status, log, _, _) = bot.exit().await;
    assert_eq!(status.code(), Some(0), "{log}");
    let text = std::fs::read_to_string(&timeline).unwrap();
    let phases: Vec<(&str, u64, u64)> = text
        .lines()
        .map(|l| {
            let f: Vec<_> = l.split(' ').collect();
            (f[0], f[1].parse().unwrap(), f[2].parse().unwrap())
        })
        .collect();
    let all: Vec<_> = phases.iter().map(|p| p.0).collect();
    // The command menu is sent once getMe has answered, beside the first getUpdates: it may
    // land anywhere after get_me.
    let menu_at = all.iter().position(|n| *n == "commands_registered").expect(&text);
    assert!(all.iter().position(|n| *n == "get_me") < Some(menu_at), "the menu is registered after getMe: {text}");
    let names: Vec<_> = all.iter().copied().filter(|n| *n != "commands_registered").collect();
    // The database is read while getMe goes out, so db_open and get_me come in either
    // order; every other phase has its place.
    let mut telegram_and_db = names[4..6].to_vec();
    telegram_and_db.sort_unstable();
    assert_eq!(telegram_and_db, ["db_open", "get_me"], "{text}");
    assert_eq!(names[..4], ["main", "config", "runtime", "folders"], "{text}");
    assert_eq!(names[6..], ["organizer", "downloads_resumed", "dispatching"], "{text}");
    assert!(phases.windows(2).all(|w| w[0].1 <= w[1].1), "the clock only moves forward: {text}");
    assert!(phases.iter().all(|p| p.2 > 0), "every phase has its RSS: {text}");
    let metrics = std::fs::read_to_string(&metrics).unwrap();
    let line = metrics.lines().find(|l| l.starts_with("METRIC:event_loop_lag_max:")).expect(&metrics);
    let value: f64 = line.split(':').nth(2).unwrap().parse().unwrap();
    assert!(line.ends_with(":s") && value >= 0.0, "{line}");
}

#[tokio::test]
async fn a_second_signal_exits_at_once() {
    let bot = Bot::start(&[]).await;
    bot.ask(USER, "/start").await;
    // A reply stuck behind a slow Telegram holds up the graceful shutdown...
    bot.telegram.faults().set_latency("sendMessage", Duration::from_secs(30));
    // Its sendMessage arrives, then hangs for 30 s.
    bot.send_and_wait_for_reply_call(USER, "/help").await;
    bot.signal(libc::SIGTERM);
    tokio::time::sleep(Duration::from_millis(200)).await;
    // ...and the second signal does not wait for it.
    bot.signal(libc::SIGINT);
    let (status, log, telegram, dir) = bot.exit().await;
    assert_eq!(status.code(), Some(130), "{log}");
    assert!(log.contains("second signal"), "{log}");
    // Nothing acknowledged was lost: the next start reads the same database.
    telegram.faults().clear();
    let bot = Bot::start_in(telegram, dir, &[]).await;
    assert!(bot.ask(ADMIN, "/users").await.starts_with("👥 2 people"));
}

#[tokio::test]
async fn a_handler_stuck_on_telegram_does_not_hold_the_shutdown_forever() {
    let bot = Bot::start(&[]).await;
    bot.ask(USER, "/start").await;
    bot.telegram.faults().set_latency("sendMessage", Duration::from_secs(60));
    bot.send_and_wait_for_reply_call(USER, "/help").await;
    bot.signal(libc::SIGTERM);
    // Exits after the bounded grace (5 s), well before the 60 s request would end.
    let (status, log, _, dir) = bot.exit().await;
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(log.contains("handlers still busy"), "{log}");
    assert!(!dir.path().join("library/db.json.journal").exists(), "the database was still closed properly");
}
