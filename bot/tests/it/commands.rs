//! Every command, as each kind of user sees it.

use crate::harness::{Bot, ADMIN, STRANGER, USER};

#[tokio::test]
async fn every_command_answers_an_allowed_user() {
    let bot = Bot::start(&[]).await;
    let start = bot.ask(USER, "/start").await;
    assert!(start.contains("Send me a video") && start.contains("/stats"), "{start}");
    let help = bot.ask(USER, "/help").await;
    for command in ["/start", "/help", "/stats", "/status", "/queue", "/test", "/users", "/shutdown"] {
        assert!(help.contains(command), "/help lacks {command}: {help}");
    }
    for command in ["/stats", "/status"] {
        let stats = bot.ask(USER, command).await;
        assert!(
            stats.contains("Uptime:") && stats.contains("Your downloads") && stats.contains("Files handled: 0"),
            "{stats}"
        );
        assert!(stats.contains("Active downloads: 0 of 3 · Queued: 0"), "{stats}");
    }
    assert_eq!(bot.ask(USER, "/queue").await, "Nothing is downloading and nothing is waiting.");
    let test = bot.ask(USER, "/test").await;
    for line in [
        "✅ Downloads: writable",
        "✅ Movies: writable",
        "✅ Other: writable",
        "✅ Telegram: connected as @local_test_bot",
        "ℹ️ TMDb: not configured",
        "✅ Naming: Inception.2010.1080p.BluRay.x264.mkv → Movies/Inception (2010)/Inception (2010) [1080p].mkv",
    ] {
        assert!(test.contains(line), "/test lacks {line:?}: {test}");
    }
    let denied = bot.ask(USER, "/users").await;
    assert!(denied.starts_with("Permission denied"), "{denied}");
    let unknown = bot.ask(USER, "/frobnicate now").await;
    assert_eq!(unknown, "I don't know the command /frobnicate. Send /help for the list.");
}

#[tokio::test]
async fn admins_see_everyone() {
    let bot = Bot::start(&[]).await;
    bot.ask(USER, "/start").await;
    let users = bot.ask(ADMIN, "/users").await;
    assert!(users.starts_with("👥 2 people have used the bot."), "{users}");
    assert!(users.contains("db.json"), "{users}");
    let stats = bot.ask(ADMIN, "/stats").await;
    assert!(stats.contains("All users") && stats.contains("Peak concurrent downloads: 0 of 3"), "{stats}");
}

#[tokio::test]
async fn a_stranger_is_refused_with_their_id_and_not_recorded() {
    let bot = Bot::start(&[]).await;
    for text in ["/start", "/stats", "hello"] {
        let answer = bot.ask(STRANGER, text).await;
        assert!(answer.starts_with("Sorry, this bot is private. Your Telegram user id is 3000"), "{answer}");
    }
    let users = bot.ask(ADMIN, "/users").await;
    assert!(users.starts_with("👥 1 people"), "only the admin was recorded: {users}");
}

#[tokio::test]
async fn the_command_menu_is_registered_and_its_refusal_is_survived() {
    let bot = Bot::start(&[]).await;
    // The menu goes out beside the first getUpdates, not before it.
    bot.wait_until("setMyCommands", || bot.telegram.my_commands().is_some()).await;
    let menu = bot.telegram.my_commands().unwrap();
    let names: Vec<_> = menu.as_array().unwrap().iter().map(|c| c["command"].as_str().unwrap().to_owned()).collect();
    assert_eq!(
        names,
        [
            "start",
            "help",
            "stats",
            "status",
            "queue",
            "test",
            "organize",
            "organized",
            "history",
            "propagate",
            "cancel",
            "users",
            "shutdown"
        ]
    );

    let telegram = perf::TelegramServer::start(perf::TelegramOptions::default()).await.unwrap();
    telegram.faults().fail_next("setMyCommands", 1, perf::Fault::Status(500));
    let bot = Bot::start_in(telegram, tempfile::tempdir().unwrap(), &[]).await;
    assert!(bot.ask(USER, "/help").await.contains("/stats"));
    bot.wait_until("the refusal logged", || bot.log().contains("setMyCommands")).await;
    assert!(bot.ask(USER, "/help").await.contains("/stats"), "still answering after the refusal");
}
