//! The chat side of the fake server: the bot's messages as they read now (after edits and
//! deletions), the log of what the bot did, and the [`ScriptedUser`] a test uses to talk
//! to the bot and to wait for its answers.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::files::{self, DocumentSpec, SentDocument};
use super::{Shared, State};

/// One of the bot's messages, as it read at some moment.
#[derive(Debug, Clone, PartialEq)]
pub struct BotMessage {
    pub chat_id: i64,
    pub message_id: i32,
    /// The text as the bot sent it (formatting given by `parse_mode` is not rendered).
    pub text: String,
    /// The inline keyboard (`{"inline_keyboard": [[…]]}`), if the message has one.
    pub reply_markup: Option<Value>,
    /// How many times the bot edited the message so far.
    pub edits: u32,
    pub deleted: bool,
    /// Unix time the message was sent, as in its `date` field.
    pub date: i64,
}

/// An inline keyboard button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub text: String,
    pub callback_data: Option<String>,
    pub url: Option<String>,
}

impl BotMessage {
    /// The inline keyboard's buttons, row after row.
    pub fn buttons(&self) -> Vec<Button> {
        let rows = self
            .reply_markup
            .as_ref()
            .and_then(|m| m.get("inline_keyboard"))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        rows.iter()
            .filter_map(Value::as_array)
            .flatten()
            .map(|b| Button {
                text: b.get("text").and_then(Value::as_str).unwrap_or_default().to_owned(),
                callback_data: b.get("callback_data").and_then(Value::as_str).map(str::to_owned),
                url: b.get("url").and_then(Value::as_str).map(str::to_owned),
            })
            .collect()
    }

    pub fn has_button(&self, text: &str) -> bool {
        self.buttons().iter().any(|b| b.text == text)
    }
}

/// What the bot did to a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BotEventKind {
    Sent,
    Edited,
    Deleted,
}

/// One thing the bot did in a chat, with the message as it read right after.
#[derive(Debug, Clone)]
pub struct BotEvent {
    pub kind: BotEventKind,
    pub message: BotMessage,
    pub at: Instant,
}

/// The bot's answer to a callback query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackAnswer {
    pub text: Option<String>,
    pub show_alert: bool,
}

/// Waiting for the bot failed.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    #[error("no matching bot message in chat {chat_id} within {timeout:?}; the bot did: {}", describe(.seen))]
    NoMessage { chat_id: i64, timeout: Duration, seen: Vec<BotEvent> },
    #[error("no {method} call within {timeout:?}; calls made: {seen:?}")]
    NoCall { method: String, timeout: Duration, seen: Vec<String> },
}

fn describe(events: &[BotEvent]) -> String {
    if events.is_empty() {
        return "nothing".to_owned();
    }
    let items: Vec<String> = events
        .iter()
        .map(|e| {
            let buttons: Vec<String> = e.message.buttons().into_iter().map(|b| b.text).collect();
            let kind = match e.kind {
                BotEventKind::Sent => "sent",
                BotEventKind::Edited => "edited",
                BotEventKind::Deleted => "deleted",
            };
            if buttons.is_empty() {
                format!("{kind} #{} {:?}", e.message.message_id, e.message.text)
            } else {
                format!("{kind} #{} {:?} buttons {buttons:?}", e.message.message_id, e.message.text)
            }
        })
        .collect();
    items.join("; ")
}

/// Pressing a button failed.
#[derive(Debug, thiserror::Error)]
pub enum PressError {
    #[error("no button {text:?} in the bot's messages in chat {chat_id}; buttons there: {available:?}")]
    NoSuchButton { text: String, chat_id: i64, available: Vec<String> },
    #[error("button {text:?} in chat {chat_id} has no callback_data (a url button cannot be pressed here)")]
    NotACallbackButton { text: String, chat_id: i64 },
}

/// A user talking to the bot in a private chat (chat id = user id).
#[derive(Clone)]
pub struct ScriptedUser {
    shared: Arc<Shared>,
    id: i64,
}

impl fmt::Debug for ScriptedUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScriptedUser").field("id", &self.id).finish()
    }
}

impl ScriptedUser {
    pub(crate) fn new(shared: Arc<Shared>, id: i64) -> ScriptedUser {
        ScriptedUser { shared, id }
    }

    pub fn id(&self) -> i64 {
        self.id
    }

    /// Sends a text message; a leading `/command` gets its `bot_command` entity, as Telegram
    /// marks it. Returns the message id.
    pub fn send_text(&self, text: &str) -> i32 {
        let mut state = self.shared.lock();
        let message_id = self.begin_action(&mut state);
        let mut message = self.message_json(message_id);
        message["text"] = json!(text);
        let entities = command_entities(text);
        if !entities.is_empty() {
            message["entities"] = Value::Array(entities);
        }
        self.shared.push_update(&mut state, "message", message);
        message_id
    }

    /// Sends `/command` (the slash is added when missing).
    pub fn send_command(&self, command: &str) -> i32 {
        if command.starts_with('/') {
            self.send_text(command)
        } else {
            self.send_text(&format!("/{command}"))
        }
    }

    /// Sends a document. In local mode its bytes are first written to the server's folder,
    /// so this can take a while for a large generated file.
    pub async fn send_document(&self, spec: DocumentSpec) -> std::io::Result<SentDocument> {
        let stored = files::store(&self.shared, &spec).await?;
        let mut state = self.shared.lock();
        let message_id = self.begin_action(&mut state);
        let mut message = self.message_json(message_id);
        message["document"] = stored.document_json();
        if let Some(caption) = &spec.caption {
            message["caption"] = json!(caption);
        }
        let file_id = stored.file_id.clone();
        let file_path = stored.file_path.clone();
        files::register(&mut state, stored);
        self.shared.push_update(&mut state, "message", message);
        Ok(SentDocument { message_id, file_id, file_path })
    }

    /// Presses the inline button with this text on the newest bot message in this chat
    /// that has one, which sends the bot a `callback_query` update. Returns the callback
    /// query's id (see [`super::TelegramServer::callback_answer`]).
    pub fn press_button(&self, text: &str) -> Result<String, PressError> {
        let mut state = self.shared.lock();
        let mut live = live_messages(&state, self.id);
        live.reverse();
        let Some((message, button)) =
            live.iter().find_map(|m| m.buttons().into_iter().find(|b| b.text == text).map(|b| (m, b)))
        else {
            let available = live.iter().flat_map(|m| m.buttons()).map(|b| b.text).collect();
            return Err(PressError::NoSuchButton { text: text.to_owned(), chat_id: self.id, available });
        };
        let Some(data) = button.callback_data else {
            return Err(PressError::NotACallbackButton { text: text.to_owned(), chat_id: self.id });
        };
        state.next_callback += 1;
        let query_id = format!("{}{:06}", self.id, state.next_callback);
        let payload = json!({
            "id": query_id,
            "from": self.shared.user_json(self.id),
            "message": self.shared.bot_message_json(message),
            "chat_instance": format!("{}", self.id.wrapping_mul(7919)),
            "data": data,
        });
        state.callbacks.insert(query_id.clone(), None);
        let now = state.events.len();
        state.cursors.insert(self.id, now);
        self.shared.push_update(&mut state, "callback_query", payload);
        Ok(query_id)
    }

    /// Presses a button with this exact `data` on `message` (which may be in another
    /// chat), as when a user presses a button on a message forwarded to them, or a client
    /// forges callback data. Returns the callback query's id.
    pub fn press_data(&self, message: &BotMessage, data: &str) -> String {
        let mut state = self.shared.lock();
        state.next_callback += 1;
        let query_id = format!("{}{:06}", self.id, state.next_callback);
        let payload = json!({
            "id": query_id,
            "from": self.shared.user_json(self.id),
            "message": self.shared.bot_message_json(message),
            "chat_instance": format!("{}", self.id.wrapping_mul(7919)),
            "data": data,
        });
        state.callbacks.insert(query_id.clone(), None);
        let now = state.events.len();
        state.cursors.insert(self.id, now);
        self.shared.push_update(&mut state, "callback_query", payload);
        query_id
    }

    /// Waits for the bot's next message or edit in this chat that `pred` accepts.
    ///
    /// "Next" means: after this user's last action (send or press) and after the last
    /// message this chat's waits returned, so answers that came before the wait started
    /// are found, and consecutive waits walk forward through the conversation.
    pub async fn next_bot_message(
        &self,
        pred: impl Fn(&BotMessage) -> bool,
        timeout: Duration,
    ) -> Result<BotMessage, WaitError> {
        next_bot_message(&self.shared, self.id, &pred, timeout).await
    }

    /// Takes a message id in this chat and moves the chat's wait cursor to "now".
    fn begin_action(&self, state: &mut State) -> i32 {
        state.users.insert(self.id);
        let len = state.events.len();
        state.cursors.insert(self.id, len);
        state.next_message_id(self.id)
    }

    fn message_json(&self, message_id: i32) -> Value {
        json!({
            "message_id": message_id,
            "from": self.shared.user_json(self.id),
            "chat": self.shared.chat_json(self.id),
            "date": super::unix_now(),
        })
    }
}

/// `bot_command` entities for every `/command` at the start of a word, with offsets and
/// lengths in UTF-16 code units as the Bot API counts them.
fn command_entities(text: &str) -> Vec<Value> {
    let mut entities = Vec::new();
    let mut utf16_pos = 0usize;
    let mut prev: Option<char> = None;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '/' && prev.is_none_or(char::is_whitespace) {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_' || chars[j] == '@') {
                j += 1;
            }
            if j > i + 1 {
                let len: usize = chars[i..j].iter().map(|c| c.len_utf16()).sum();
                entities.push(json!({ "type": "bot_command", "offset": utf16_pos, "length": len }));
                utf16_pos += len;
                prev = Some(chars[j - 1]);
                i = j;
                continue;
            }
        }
        utf16_pos += c.len_utf16();
        prev = Some(c);
        i += 1;
    }
    entities
}

pub(crate) fn live_messages(state: &State, chat_id: i64) -> Vec<BotMessage> {
    let mut messages: Vec<BotMessage> =
        state.messages.values().filter(|m| m.chat_id == chat_id && !m.deleted).cloned().collect();
    messages.sort_by_key(|m| m.message_id);
    messages
}

pub(crate) async fn next_bot_message(
    shared: &Shared,
    chat_id: i64,
    pred: &dyn Fn(&BotMessage) -> bool,
    timeout: Duration,
) -> Result<BotMessage, WaitError> {
    // Subscribe before looking, so an event recorded between the look and the wait still
    // wakes us.
    let mut changes = shared.events_changed.subscribe();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        {
            let mut state = shared.lock();
            let from = state.cursors.get(&chat_id).copied().unwrap_or(0);
            let found = state.events[from.min(state.events.len())..]
                .iter()
                .enumerate()
                .find(|(_, e)| e.message.chat_id == chat_id && e.kind != BotEventKind::Deleted && pred(&e.message))
                .map(|(i, e)| (from + i, e.message.clone()));
            if let Some((index, message)) = found {
                state.cursors.insert(chat_id, index + 1);
                return Ok(message);
            }
        }
        if tokio::time::timeout_at(deadline, changes.changed()).await.is_err() {
            let state = shared.lock();
            let from = state.cursors.get(&chat_id).copied().unwrap_or(0);
            let seen = state.events[from.min(state.events.len())..]
                .iter()
                .filter(|e| e.message.chat_id == chat_id)
                .cloned()
                .collect();
            return Err(WaitError::NoMessage { chat_id, timeout, seen });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: &[(usize, usize)]) {
        let got: Vec<(usize, usize)> = command_entities(text)
            .iter()
            .map(|e| (e["offset"].as_u64().unwrap() as usize, e["length"].as_u64().unwrap() as usize))
            .collect();
        assert_eq!(got, expected, "entities of {text:?}");
    }

    #[test]
    fn command_entities_follow_the_bot_api() {
        check("/start", &[(0, 6)]);
        check("/queue 2", &[(0, 6)]);
        check("/start@local_test_bot now", &[(0, 21)]);
        check("hello", &[]);
        check("a/b", &[]);
        check("/", &[]);
        // Offsets count UTF-16 code units: the emoji takes two.
        check("🎬 /help", &[(3, 5)]);
    }
}
