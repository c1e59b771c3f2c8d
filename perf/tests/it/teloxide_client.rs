//! A whole conversation driven by teloxide 0.17, the client library the bot uses: if
//! teloxide can parse every answer and object here, the bot can too.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use perf::{generated_bytes, DocumentSpec, Fault};
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageEntityKind, UpdateKind};
use teloxide::utils::command::BotCommands;
use teloxide::RequestError;

use crate::{start, WAIT};

#[derive(BotCommands, Debug, PartialEq)]
#[command(rename_rule = "lowercase")]
enum Command {
    Start,
    Queue(String),
}

/// Long-polls until one update arrives, confirming it on the next call as teloxide's own
/// polling does.
async fn next_update(bot: &Bot, offset: &mut i32) -> Update {
    loop {
        let updates = bot.get_updates().offset(*offset).timeout(10).await.expect("getUpdates");
        if let Some(update) = updates.into_iter().next() {
            *offset = update.id.0 as i32 + 1;
            return update;
        }
    }
}

#[tokio::test]
async fn teloxide_holds_a_whole_conversation() {
    let server = start().await;
    let user = server.user(777);
    let url = reqwest::Url::parse(&server.api_url()).unwrap();
    let bot = Bot::new(server.token()).set_api_url(url);

    // getMe, as the bot does once at start-up.
    let me = bot.get_me().await.expect("getMe");
    assert_eq!(me.id.0 as i64, server.bot_id());
    assert_eq!(me.username(), "local_test_bot");

    // A command arrives through long polling and parses as one.
    let mut offset = 0;
    user.send_command("/queue 2");
    let update = next_update(&bot, &mut offset).await;
    let UpdateKind::Message(msg) = update.kind else { panic!("expected a message, got {update:?}") };
    assert!(msg.entities().unwrap().iter().any(|e| e.kind == MessageEntityKind::BotCommand));
    assert_eq!(Command::parse(msg.text().unwrap(), me.username()).unwrap(), Command::Queue("2".into()));
    assert_eq!(msg.chat.id, ChatId(777));

    // The reply carries a button; the scripted user sees it and presses it.
    let keyboard = InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("Cancel", "cancel:7")]]);
    let reply = bot.send_message(msg.chat.id, "Queue page 2").reply_markup(keyboard).await.expect("sendMessage");
    let seen = user.next_bot_message(|m| m.has_button("Cancel"), WAIT).await.unwrap();
    assert_eq!((seen.message_id, seen.text.as_str()), (reply.id.0, "Queue page 2"));
    let query_id = user.press_button("Cancel").unwrap();

    let update = next_update(&bot, &mut offset).await;
    let UpdateKind::CallbackQuery(query) = update.kind else { panic!("expected a callback query, got {update:?}") };
    assert_eq!(query.data.as_deref(), Some("cancel:7"));
    assert_eq!(query.regular_message().map(|m| m.id), Some(reply.id));
    bot.answer_callback_query(query.id.clone()).text("Cancelled").await.expect("answerCallbackQuery");
    assert_eq!(server.callback_answer(&query_id).unwrap().text.as_deref(), Some("Cancelled"));
    let edited = bot.edit_message_text(msg.chat.id, reply.id, "Cancelled: item 7").await.expect("editMessageText");
    assert!(edited.edit_date().is_some());
    let seen = user.next_bot_message(|m| m.edits == 1, WAIT).await.unwrap();
    assert_eq!((seen.text.as_str(), seen.reply_markup.as_ref()), ("Cancelled: item 7", None));

    // A document: getFile, a whole download, then an interrupted one resumed with Range.
    let size = 1_000_000;
    user.send_document(DocumentSpec::generated("Movie.2019.1080p.mkv", size).caption("a film")).await.unwrap();
    let update = next_update(&bot, &mut offset).await;
    let UpdateKind::Message(msg) = update.kind else { panic!("expected a message, got {update:?}") };
    let document = msg.document().expect("a document");
    assert_eq!(document.file_name.as_deref(), Some("Movie.2019.1080p.mkv"));
    assert_eq!(msg.caption(), Some("a film"));
    let file = bot.get_file(document.file.id.clone()).await.expect("getFile");
    assert_eq!(file.size as u64, size);

    let mut whole = Vec::new();
    bot.download_file(&file.path, &mut whole).await.expect("download_file");
    assert_eq!(whole, generated_bytes(0, 0, size as usize));

    let mut partial = Vec::new();
    let mut stream = bot.download_file_stream(&file.path);
    while partial.len() < 200_000 {
        partial.extend_from_slice(&stream.next().await.expect("more bytes").expect("a chunk"));
    }
    drop(stream); // The connection breaks here.
    let url = format!("{}/file/bot{}/{}", server.api_url(), server.token(), file.path);
    let rest =
        reqwest::Client::new().get(url).header("range", format!("bytes={}-", partial.len())).send().await.unwrap();
    assert_eq!(rest.status().as_u16(), 206);
    partial.extend_from_slice(&rest.bytes().await.unwrap());
    assert_eq!(partial, whole);

    // A 429: teloxide reports the exact retry_after; waiting that long, the retry passes.
    server.faults().fail_next("sendMessage", 1, Fault::TooManyRequests { retry_after: 1 });
    let err = bot.send_message(ChatId(777), "Done").await.unwrap_err();
    let RequestError::RetryAfter(secs) = err else { panic!("expected RetryAfter, got {err:?}") };
    assert_eq!(secs.seconds(), 1);
    let limited_at = Instant::now();
    tokio::time::sleep(secs.duration()).await;
    bot.send_message(ChatId(777), "Done").await.expect("sendMessage after retry_after");
    assert!(limited_at.elapsed() >= Duration::from_secs(1));
    user.next_bot_message(|m| m.text == "Done", WAIT).await.unwrap();
    let sends = server.calls_of("sendMessage");
    let (first, retry) = (&sends[sends.len() - 2], &sends[sends.len() - 1]);
    assert!(retry.at - first.at >= Duration::from_secs(1), "the retry came {:?} after the 429", retry.at - first.at);

    server.shutdown().await;
}
