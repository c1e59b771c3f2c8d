//! The Bot API methods the server implements, with the answers and the error texts the
//! official server gives (core.telegram.org/bots/api). Anything else answers 404
//! `Not Found`, as Telegram does for a method it does not know.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::chat::{BotEvent, BotEventKind, BotMessage, CallbackAnswer};
use super::params::Params;
use super::{files, ApiError, Shared, State};

/// The implemented methods, by canonical name. Lookup is case-insensitive, as Telegram's.
const METHODS: &[&str] = &[
    "getMe",
    "getUpdates",
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "deleteMessage",
    "answerCallbackQuery",
    "sendChatAction",
    "setMyCommands",
    "deleteWebhook",
    "getFile",
];

/// The canonical spelling of a method name; an unknown name is kept as it came.
pub(crate) fn canonical(method: &str) -> String {
    METHODS.iter().find(|m| m.eq_ignore_ascii_case(method)).map_or(method, |m| *m).to_owned()
}

pub(crate) async fn call(shared: &Shared, method: &str, params: &Params) -> Result<Value, ApiError> {
    match method {
        "getMe" => Ok(get_me(shared)),
        "getUpdates" => get_updates(shared, params).await,
        "sendMessage" => send_message(shared, params),
        "editMessageText" => edit_message(shared, params, true),
        "editMessageReplyMarkup" => edit_message(shared, params, false),
        "deleteMessage" => delete_message(shared, params),
        "answerCallbackQuery" => answer_callback_query(shared, params),
        "sendChatAction" => {
            known_chat(shared, params)?;
            params.string("action").ok_or_else(|| ApiError::bad_request("wrong parameter action in request"))?;
            Ok(json!(true))
        }
        "setMyCommands" => {
            let commands =
                params.json("commands")?.ok_or_else(|| ApiError::bad_request("parameter \"commands\" is required"))?;
            if !commands.is_array() {
                return Err(ApiError::bad_request("can't parse commands JSON object"));
            }
            shared.lock().commands = Some(commands);
            Ok(json!(true))
        }
        "deleteWebhook" => Ok(json!(true)),
        "getFile" => {
            let file_id = params.string("file_id").ok_or_else(|| ApiError::bad_request("file_id not specified"))?;
            files::get_file(shared, &file_id)
        }
        _ => Err(ApiError::not_found()),
    }
}

fn get_me(shared: &Shared) -> Value {
    let mut me = shared.bot_user_json();
    me["can_join_groups"] = json!(true);
    me["can_read_all_group_messages"] = json!(false);
    me["supports_inline_queries"] = json!(false);
    me["can_connect_to_business"] = json!(false);
    me["has_main_web_app"] = json!(false);
    me
}

/// Long polling: answers at once when updates are waiting, otherwise holds the request
/// until one arrives or `timeout` seconds pass.
async fn get_updates(shared: &Shared, params: &Params) -> Result<Value, ApiError> {
    let offset = params.i64("offset")?.unwrap_or(0);
    let limit = params.i64("limit")?.unwrap_or(100).clamp(1, 100) as usize;
    let timeout = params.i64("timeout")?.unwrap_or(0).max(0) as u64;
    // Subscribe before looking, so an update queued between the look and the wait wakes us.
    let mut changes = shared.updates_changed.subscribe();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    loop {
        {
            let mut state = shared.lock();
            confirm(&mut state, offset);
            let batch: Vec<Value> =
                state.updates.iter().filter(|(id, _)| *id >= offset).take(limit).map(|(_, u)| u.clone()).collect();
            if !batch.is_empty() || timeout == 0 {
                return Ok(Value::Array(batch));
            }
        }
        if tokio::time::timeout_at(deadline, changes.changed()).await.is_err() {
            return Ok(json!([]));
        }
    }
}

/// Forgets the updates an `offset` confirms: those before it, or all but the last
/// `-offset` ones when it is negative.
fn confirm(state: &mut State, offset: i64) {
    if offset > 0 {
        while state.updates.front().is_some_and(|(id, _)| *id < offset) {
            state.updates.pop_front();
        }
    } else if offset < 0 {
        let keep = offset.unsigned_abs() as usize;
        while state.updates.len() > keep {
            state.updates.pop_front();
        }
    }
}

/// The private chat `chat_id` names, which must be one of the server's users.
fn known_chat(shared: &Shared, params: &Params) -> Result<i64, ApiError> {
    let chat_not_found = || ApiError::bad_request("chat not found");
    let chat_id = match params.i64("chat_id") {
        Ok(Some(id)) => id,
        Ok(None) => return Err(ApiError::bad_request("chat_id is empty")),
        // "@channelusername": no channels live here.
        Err(_) => return Err(chat_not_found()),
    };
    if shared.lock().users.contains(&chat_id) {
        Ok(chat_id)
    } else {
        Err(chat_not_found())
    }
}

/// The `reply_markup` a message keeps: only an inline keyboard shows in `Message`; reply
/// keyboards and the like are accepted and not shown.
fn inline_markup(params: &Params) -> Result<Option<Value>, ApiError> {
    let Some(markup) = params.json("reply_markup")? else {
        return Ok(None);
    };
    let Some(rows) = markup.get("inline_keyboard") else {
        return Ok(None);
    };
    let valid = rows.as_array().is_some_and(|rows| {
        rows.iter().all(|row| {
            row.as_array().is_some_and(|buttons| buttons.iter().all(|b| b.get("text").is_some_and(Value::is_string)))
        })
    });
    if !valid {
        return Err(ApiError::bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        ));
    }
    Ok(Some(markup))
}

fn message_text(params: &Params) -> Result<String, ApiError> {
    match params.string("text") {
        Some(text) if !text.trim().is_empty() => {
            if text.chars().map(char::len_utf16).sum::<usize>() > 4096 {
                Err(ApiError::bad_request("message is too long"))
            } else {
                Ok(text)
            }
        }
        _ => Err(ApiError::bad_request("message text is empty")),
    }
}

fn send_message(shared: &Shared, params: &Params) -> Result<Value, ApiError> {
    let chat_id = known_chat(shared, params)?;
    let text = message_text(params)?;
    let reply_markup = inline_markup(params)?;
    let mut state = shared.lock();
    let message_id = state.next_message_id(chat_id);
    let message =
        BotMessage { chat_id, message_id, text, reply_markup, edits: 0, deleted: false, date: super::unix_now() };
    let json = shared.bot_message_json(&message);
    state.messages.insert((chat_id, message_id), message.clone());
    shared.record_event(&mut state, BotEventKind::Sent, message);
    Ok(json)
}

fn message_id(params: &Params) -> Result<i32, ApiError> {
    match params.i64("message_id")? {
        Some(id) => i32::try_from(id).map_err(|_| ApiError::bad_request("message identifier is not specified")),
        None => Err(ApiError::bad_request("message identifier is not specified")),
    }
}

fn edit_message(shared: &Shared, params: &Params, with_text: bool) -> Result<Value, ApiError> {
    if params.string("inline_message_id").is_some() {
        return Err(ApiError::bad_request("inline messages are not supported by this test server"));
    }
    let chat_id = known_chat(shared, params)?;
    let message_id = message_id(params)?;
    let text = if with_text { Some(message_text(params)?) } else { None };
    // As in Telegram, an edit without reply_markup removes the inline keyboard.
    let reply_markup = inline_markup(params)?;
    let mut state = shared.lock();
    let message = live_message(&mut state, chat_id, message_id, "edit")?;
    let new_text = text.unwrap_or_else(|| message.text.clone());
    if new_text == message.text && reply_markup == message.reply_markup {
        return Err(ApiError::bad_request(
            "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
        ));
    }
    message.text = new_text;
    message.reply_markup = reply_markup;
    message.edits += 1;
    let message = message.clone();
    let json = shared.bot_message_json(&message);
    shared.record_event(&mut state, BotEventKind::Edited, message);
    Ok(json)
}

/// The bot's message `message_id` in `chat_id`, unless it was never sent or is deleted
/// (Telegram's 400 "message to <action> not found").
fn live_message<'a>(
    state: &'a mut State,
    chat_id: i64,
    message_id: i32,
    action: &str,
) -> Result<&'a mut BotMessage, ApiError> {
    state
        .messages
        .get_mut(&(chat_id, message_id))
        .filter(|m| !m.deleted)
        .ok_or_else(|| ApiError::bad_request(format!("message to {action} not found")))
}

fn delete_message(shared: &Shared, params: &Params) -> Result<Value, ApiError> {
    let chat_id = known_chat(shared, params)?;
    let message_id = message_id(params)?;
    let mut state = shared.lock();
    let message = live_message(&mut state, chat_id, message_id, "delete")?;
    message.deleted = true;
    let message = message.clone();
    shared.record_event(&mut state, BotEventKind::Deleted, message);
    Ok(json!(true))
}

fn answer_callback_query(shared: &Shared, params: &Params) -> Result<Value, ApiError> {
    let id = params.string("callback_query_id").unwrap_or_default();
    let mut state = shared.lock();
    match state.callbacks.get_mut(&id) {
        Some(answer @ None) => {
            *answer = Some(CallbackAnswer { text: params.string("text"), show_alert: params.bool("show_alert") });
            Ok(json!(true))
        }
        _ => Err(ApiError::bad_request("query is too old and response timeout expired or query ID is invalid")),
    }
}

impl Shared {
    /// The `Message` object of one of the bot's messages.
    pub(crate) fn bot_message_json(&self, message: &BotMessage) -> Value {
        let mut json = json!({
            "message_id": message.message_id,
            "from": self.bot_user_json(),
            "chat": self.chat_json(message.chat_id),
            "date": message.date,
            "text": message.text,
        });
        if let Some(markup) = &message.reply_markup {
            json["reply_markup"] = markup.clone();
        }
        if message.edits > 0 {
            json["edit_date"] = json!(super::unix_now());
        }
        json
    }

    fn record_event(&self, state: &mut State, kind: BotEventKind, message: BotMessage) {
        state.events.push(BotEvent { kind, message, at: Instant::now() });
        self.events_changed.send_modify(|n| *n += 1);
    }
}
