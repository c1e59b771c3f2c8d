//! The Bot API server through a plain HTTP client: encodings, errors, long polling, files,
//! faults, and the scripted user's view of the chat.

use std::time::{Duration, Instant};

use perf::{generated_bytes, BotEventKind, DocumentSpec, Fault, FileMode, TelegramOptions, TelegramServer, WaitError};
use serde_json::json;

use crate::{answer, method_url, post_json, start, WAIT};

#[tokio::test]
async fn every_request_encoding_reaches_the_method() {
    let server = start().await;
    let user = server.user(42);
    let client = reqwest::Client::new();
    let url = method_url(&server, "sendMessage");

    let (status, body) =
        answer(client.get(&url).query(&[("chat_id", "42"), ("text", "by query")]).send().await.unwrap()).await;
    assert_eq!((status, &body["ok"]), (200, &json!(true)), "{body}");

    let (status, _) = post_json(&server, "sendMessage", json!({"chat_id": 42, "text": "by json"})).await;
    assert_eq!(status, 200);

    let markup = json!({"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}).to_string();
    let form = [("chat_id", "42"), ("text", "by form"), ("reply_markup", markup.as_str())];
    let (status, body) = answer(client.post(&url).form(&form).send().await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["reply_markup"]["inline_keyboard"][0][0]["text"], "Go");

    let multipart = reqwest::multipart::Form::new().text("chat_id", "42").text("text", "by multipart");
    let (status, _) = answer(client.post(&url).multipart(multipart).send().await.unwrap()).await;
    assert_eq!(status, 200);

    let texts: Vec<String> = server.chat(42).into_iter().map(|m| m.text).collect();
    assert_eq!(texts, ["by query", "by json", "by form", "by multipart"]);
    // The chat's first message waits walk through them in order.
    let first = user.next_bot_message(|_| true, WAIT).await.unwrap();
    assert_eq!(first.text, "by query");
    let calls = server.calls_of("sendMessage");
    assert_eq!(calls.len(), 4);
    assert_eq!(calls[3].params["text"], "by multipart");
    server.shutdown().await;
}

#[tokio::test]
async fn wrong_token_unknown_method_and_case() {
    let server = start().await;
    let client = reqwest::Client::new();

    let url = format!("{}/bot1:wrong/getMe", server.api_url());
    let (status, body) = answer(client.get(url).send().await.unwrap()).await;
    assert_eq!((status, body), (401, json!({"ok": false, "error_code": 401, "description": "Unauthorized"})));

    let (status, body) = post_json(&server, "sendTelepathy", json!({})).await;
    assert_eq!((status, body), (404, json!({"ok": false, "error_code": 404, "description": "Not Found"})));

    let (status, body) = answer(client.get(method_url(&server, "GETME")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body["result"]["id"], server.bot_id());
    assert_eq!(body["result"]["is_bot"], true);
    // The unauthorized call is not the bot's: only the two authorized ones are logged.
    assert_eq!(server.calls()[1].method, "getMe", "the log uses the canonical name");

    let (status, body) = post_json(&server, "sendMessage", json!({"chat_id": 7, "text": "hi"})).await;
    assert_eq!((status, body["description"].as_str()), (400, Some("Bad Request: chat not found")));
    server.user(7);
    let (status, body) = post_json(&server, "sendMessage", json!({"chat_id": 7})).await;
    assert_eq!((status, body["description"].as_str()), (400, Some("Bad Request: message text is empty")));
    let resp = client
        .post(method_url(&server, "sendMessage"))
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(answer(resp).await.0, 400);
    server.shutdown().await;
}

#[tokio::test]
async fn a_waiting_long_poll_returns_as_soon_as_an_update_arrives() {
    let server = start().await;
    let user = server.user(5);
    let url = method_url(&server, "getUpdates");
    let poll = tokio::spawn(async move {
        let resp = reqwest::Client::new().post(url).json(&json!({"timeout": 30})).send().await.unwrap();
        (answer(resp).await, Instant::now())
    });
    server.wait_for_call("getUpdates", WAIT).await.unwrap();
    let sent_at = Instant::now();
    user.send_command("start");
    let ((status, body), answered_at) = poll.await.unwrap();
    assert_eq!(status, 200);
    assert!(
        answered_at - sent_at < Duration::from_millis(500),
        "the poll answered {:?} after the update",
        answered_at - sent_at
    );
    let update = &body["result"][0];
    assert_eq!(update["message"]["text"], "/start");
    assert_eq!(update["message"]["entities"], json!([{"type": "bot_command", "offset": 0, "length": 6}]));
    assert_eq!(
        update["message"]["chat"],
        json!({"id": 5, "type": "private", "first_name": "User 5", "username": "user5"})
    );

    // Not confirmed yet: asked again, it comes again.
    let id = update["update_id"].as_i64().unwrap();
    let (_, again) = post_json(&server, "getUpdates", json!({})).await;
    assert_eq!(again["result"][0]["update_id"], id);
    // `offset` confirms it; `limit` caps the batch.
    user.send_text("two");
    user.send_text("three");
    let (_, body) = post_json(&server, "getUpdates", json!({"offset": id + 1, "limit": 1})).await;
    assert_eq!(body["result"].as_array().unwrap().len(), 1);
    assert_eq!(body["result"][0]["message"]["text"], "two");
    assert_eq!(server.pending_updates(), 2);
    let (_, body) = post_json(&server, "getUpdates", json!({"offset": id + 3, "timeout": 0})).await;
    assert_eq!(body["result"], json!([]));
    assert_eq!(server.pending_updates(), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn a_long_poll_with_nothing_to_deliver_waits_its_timeout() {
    let server = start().await;
    let began = Instant::now();
    let (status, body) = post_json(&server, "getUpdates", json!({"timeout": 1})).await;
    assert_eq!((status, &body["result"]), (200, &json!([])));
    let waited = began.elapsed();
    assert!(waited >= Duration::from_millis(950) && waited < Duration::from_secs(3), "waited {waited:?}");
    server.shutdown().await;
}

async fn get_file(server: &TelegramServer, file_id: &str) -> (u16, serde_json::Value) {
    post_json(server, "getFile", json!({"file_id": file_id})).await
}

#[tokio::test]
async fn cloud_mode_refuses_files_over_20_mb() {
    let server = start().await;
    let user = server.user(9);
    // Generated content: these sizes cost no memory.
    let small = user.send_document(DocumentSpec::generated("ok.mkv", 20 * 1024 * 1024)).await.unwrap();
    let big = user.send_document(DocumentSpec::generated("big.mkv", 20 * 1024 * 1024 + 1)).await.unwrap();

    let (status, body) = get_file(&server, &small.file_id).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["file_path"], "documents/file_1.mkv");
    assert_eq!(body["result"]["file_size"], 20 * 1024 * 1024);

    let (status, body) = get_file(&server, &big.file_id).await;
    assert_eq!(
        (status, body),
        (400, json!({"ok": false, "error_code": 400, "description": "Bad Request: file is too big"}))
    );
    let (status, _) = get_file(&server, "no-such-file").await;
    assert_eq!(status, 400);
    server.shutdown().await;
}

#[tokio::test]
async fn local_mode_gives_an_absolute_path_to_the_bytes() {
    let opts = TelegramOptions { file_mode: FileMode::Local, ..TelegramOptions::default() };
    let server = TelegramServer::start(opts).await.unwrap();
    let user = server.user(9);
    let sent = user
        .send_document(DocumentSpec::bytes("Show.S01E02.mkv", b"local bytes".to_vec()).caption("ep 2"))
        .await
        .unwrap();
    let big = user.send_document(DocumentSpec::generated("big.mkv", 21 * 1024 * 1024)).await.unwrap();

    let (status, body) = get_file(&server, &sent.file_id).await;
    assert_eq!(status, 200, "{body}");
    let path = body["result"]["file_path"].as_str().unwrap();
    assert!(std::path::Path::new(path).is_absolute(), "{path}");
    assert_eq!(std::fs::read(path).unwrap(), b"local bytes");

    // Over the cloud limit, within the local one; the bytes on disk are the generated ones.
    let (status, body) = get_file(&server, &big.file_id).await;
    assert_eq!(status, 200, "{body}");
    let on_disk = std::fs::read(body["result"]["file_path"].as_str().unwrap()).unwrap();
    assert_eq!(on_disk.len(), 21 * 1024 * 1024);
    assert!(
        on_disk[..4096] == generated_bytes(0, 0, 4096)[..]
            && on_disk[on_disk.len() - 100..] == generated_bytes(0, 21 * 1024 * 1024 - 100, 100)[..]
    );
    server.shutdown().await;
}

#[tokio::test]
async fn downloads_stream_with_length_and_resume_with_range() {
    let server = start().await;
    let user = server.user(3);
    let size = 300_000u64;
    let sent = user.send_document(DocumentSpec::generated("movie.mkv", size)).await.unwrap();
    let url = format!("{}/file/bot{}/{}", server.api_url(), server.token(), sent.file_path);
    let client = reqwest::Client::new();

    let resp = client.get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-length"], size.to_string().as_str());
    assert_eq!(resp.bytes().await.unwrap(), generated_bytes(0, 0, size as usize));

    let resp = client.get(&url).header("range", "bytes=100000-").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 206);
    assert_eq!(resp.headers()["content-range"], "bytes 100000-299999/300000");
    assert_eq!(resp.bytes().await.unwrap(), generated_bytes(0, 100_000, 200_000));

    let resp = client.get(&url).header("range", "bytes=10-19").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 206);
    assert_eq!(resp.bytes().await.unwrap(), generated_bytes(0, 10, 10));

    let resp = client.get(&url).header("range", "bytes=300000-").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 416);
    assert_eq!(resp.headers()["content-range"], "bytes */300000");

    // Bytes held in memory, with the file path percent-encoded as clients send it.
    let doc = user.send_document(DocumentSpec::bytes("a.srt", b"0123456789".to_vec())).await.unwrap();
    let encoded = doc.file_path.replace('/', "%2F");
    let url = format!("{}/file/bot{}/{encoded}", server.api_url(), server.token());
    let resp = client.get(&url).header("range", "bytes=-3").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 206);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"789");

    // The download route takes faults under the name "download"; "*" hits any method.
    server.faults().fail_next("download", 1, Fault::Status(502));
    server.faults().fail_next("*", 1, Fault::Drop);
    assert_eq!(client.get(&url).send().await.unwrap().status().as_u16(), 502);
    assert!(client.get(&url).send().await.is_err(), "the wildcard fault drops the next call of any method");
    assert_eq!(client.get(&url).send().await.unwrap().status().as_u16(), 200);

    let bad = format!("{}/file/bot{}/documents/nothing", server.api_url(), server.token());
    assert_eq!(client.get(bad).send().await.unwrap().status().as_u16(), 404);
    server.shutdown().await;
}

#[tokio::test]
async fn each_fault_kind_answers_then_the_method_recovers() {
    let server = start().await;
    let client = reqwest::Client::new();
    let url = method_url(&server, "getMe");
    let faults = server.faults();
    faults.fail_next("getme", 1, Fault::Status(502));
    faults.fail_next("getMe", 1, Fault::Garbage);
    faults.fail_next("getMe", 1, Fault::TooManyRequests { retry_after: 7 });
    faults.fail_next("getMe", 1, Fault::Drop);
    assert_eq!(faults.pending("getMe"), 4);

    let (status, body) = answer(client.get(&url).send().await.unwrap()).await;
    assert_eq!((status, body), (502, json!({"ok": false, "error_code": 502, "description": "Bad Gateway"})));

    let resp = client.get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(serde_json::from_str::<serde_json::Value>(&resp.text().await.unwrap()).is_err(), "garbage must not parse");

    let (status, body) = answer(client.get(&url).send().await.unwrap()).await;
    assert_eq!(status, 429);
    assert_eq!(body["parameters"]["retry_after"], 7);
    assert_eq!(body["description"], "Too Many Requests: retry after 7");

    let dropped = client.get(&url).send().await;
    assert!(dropped.is_err(), "the connection should have been dropped: {dropped:?}");

    let (status, _) = answer(client.get(&url).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(faults.pending("getMe"), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn latency_and_bandwidth_knobs_slow_calls_down() {
    let server = start().await;
    let user = server.user(1);
    server.faults().set_latency("getMe", Duration::from_millis(150));
    let began = Instant::now();
    assert_eq!(post_json(&server, "getMe", json!({})).await.0, 200);
    assert!(began.elapsed() >= Duration::from_millis(150), "{:?}", began.elapsed());
    let began = Instant::now();
    assert_eq!(post_json(&server, "deleteWebhook", json!({})).await.0, 200);
    assert!(began.elapsed() < Duration::from_millis(150), "latency is per method");

    // 200 KB at 1 MB/s: at least about 0.2 s, and the bytes still right.
    server.faults().set_bandwidth(Some(1_000_000));
    let sent = user.send_document(DocumentSpec::bytes("x.mkv", generated_bytes(3, 0, 200_000))).await.unwrap();
    let url = format!("{}/file/bot{}/{}", server.api_url(), server.token(), sent.file_path);
    let began = Instant::now();
    let bytes = reqwest::get(url).await.unwrap().bytes().await.unwrap();
    let took = began.elapsed();
    assert_eq!(bytes, generated_bytes(3, 0, 200_000));
    assert!(took >= Duration::from_millis(180) && took < Duration::from_secs(2), "took {took:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn the_chat_tracks_edits_deletions_and_button_presses() {
    let server = start().await;
    let user = server.user(11);
    let keyboard = json!({"inline_keyboard": [[{"text": "Cancel download", "callback_data": "cancel:1"}], [{"text": "Docs", "url": "https://example.invalid"}]]});
    let (_, sent) =
        post_json(&server, "sendMessage", json!({"chat_id": 11, "text": "Downloading 0%", "reply_markup": keyboard}))
            .await;
    let message_id = sent["result"]["message_id"].as_i64().unwrap();

    let (status, body) = post_json(
        &server,
        "editMessageText",
        json!({"chat_id": 11, "message_id": message_id, "text": "Downloading 50%", "reply_markup": keyboard}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["result"]["edit_date"].is_i64());
    let (status, body) = post_json(
        &server,
        "editMessageText",
        json!({"chat_id": 11, "message_id": message_id, "text": "Downloading 50%", "reply_markup": keyboard}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body["description"].as_str().unwrap().starts_with("Bad Request: message is not modified"));

    let edited = user.next_bot_message(|m| m.text.ends_with("50%"), WAIT).await.unwrap();
    assert_eq!((edited.edits, edited.has_button("Cancel download")), (1, true));

    let query_id = user.press_button("Cancel download").unwrap();
    let (_, updates) = post_json(&server, "getUpdates", json!({})).await;
    let query = &updates["result"][0]["callback_query"];
    assert_eq!((query["id"].as_str(), query["data"].as_str()), (Some(query_id.as_str()), Some("cancel:1")));
    assert_eq!(query["message"]["text"], "Downloading 50%");
    assert!(user.press_button("Docs").is_err(), "a url button has no callback");
    let missing = user.press_button("Nope").unwrap_err().to_string();
    assert!(missing.contains("Cancel download"), "the error lists the buttons there: {missing}");

    let (status, _) =
        post_json(&server, "answerCallbackQuery", json!({"callback_query_id": query_id, "text": "Cancelled"})).await;
    assert_eq!(status, 200);
    assert_eq!(server.callback_answer(&query_id).unwrap().text.as_deref(), Some("Cancelled"));
    assert_eq!(post_json(&server, "answerCallbackQuery", json!({"callback_query_id": "bogus"})).await.0, 400);

    // An edit without reply_markup removes the keyboard, as in Telegram.
    post_json(&server, "editMessageReplyMarkup", json!({"chat_id": 11, "message_id": message_id})).await;
    assert_eq!(server.chat(11)[0].reply_markup, None);
    let (status, _) = post_json(&server, "deleteMessage", json!({"chat_id": 11, "message_id": message_id})).await;
    assert_eq!(status, 200);
    assert!(server.chat(11).is_empty());
    assert_eq!(server.bot_events().last().unwrap().kind, BotEventKind::Deleted);
    assert_eq!(post_json(&server, "deleteMessage", json!({"chat_id": 11, "message_id": message_id})).await.0, 400);

    for (method, params) in [
        ("sendChatAction", json!({"chat_id": 11, "action": "typing"})),
        ("setMyCommands", json!({"commands": [{"command": "start", "description": "Start"}]})),
        ("deleteWebhook", json!({"drop_pending_updates": false})),
    ] {
        let (status, body) = post_json(&server, method, params).await;
        assert_eq!((status, &body["result"]), (200, &json!(true)), "{method}");
    }
    assert_eq!(server.my_commands().unwrap()[0]["command"], "start");
    server.shutdown().await;
}

#[tokio::test]
async fn a_wait_that_times_out_says_what_the_bot_did_send() {
    let server = start().await;
    let user = server.user(12);
    user.send_command("/stats");
    post_json(&server, "sendMessage", json!({"chat_id": 12, "text": "Uptime: 3s"})).await;
    let err =
        user.next_bot_message(|m| m.text.contains("Files handled"), Duration::from_millis(200)).await.unwrap_err();
    assert!(matches!(err, WaitError::NoMessage { chat_id: 12, .. }));
    let message = err.to_string();
    assert!(message.contains("sent #2 \"Uptime: 3s\""), "{message}");
    server.shutdown().await;
}
