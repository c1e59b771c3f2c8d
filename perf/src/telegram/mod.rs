//! A local Telegram Bot API server for tests, measurements and demos.
//!
//! It speaks the public Bot API over HTTP on 127.0.0.1 (`/bot<token>/<method>` and the
//! download route `/file/bot<token>/<file_path>`), so the real bot, or any Bot API client,
//! talks to it exactly as it would talk to `api.telegram.org` or to a local
//! `telegram-bot-api` server. The test drives the other side of the chat through
//! [`ScriptedUser`]s and watches what the bot did through [`TelegramServer::next_bot_message`]
//! and [`TelegramServer::calls`].
//!
//! The pieces: `params.rs` reads a request in any of the four encodings, `api.rs` carries
//! out the methods, `chat.rs` holds the chat state and the scripted user, `files.rs` the
//! documents and their download route.

mod api;
mod chat;
mod files;
mod params;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{json, Value};
use tokio::sync::watch;

use crate::http::{self, Body, DropConnection, Fault, Faults, Listening};

pub use chat::{BotEvent, BotEventKind, BotMessage, Button, CallbackAnswer, PressError, ScriptedUser, WaitError};
pub use files::{generated_bytes, Content, DocumentSpec, SentDocument};

/// The largest file `getFile` hands out in cloud mode (Telegram's limit for bots).
pub const CLOUD_FILE_LIMIT: u64 = 20 * 1024 * 1024;
/// The largest file a local (`telegram-bot-api --local`) server hands out.
pub const LOCAL_FILE_LIMIT: u64 = 2000 * 1024 * 1024;

/// How the server hands out files, as the two kinds of real Bot API server do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileMode {
    /// `api.telegram.org`: `getFile` refuses files over 20 MB; `file_path` is relative and
    /// the bytes come from the download route.
    #[default]
    Cloud,
    /// `telegram-bot-api --local`: files up to 2000 MB; `file_path` is an absolute path to
    /// the file on this machine, in a temporary folder the server owns.
    Local,
}

/// How to start a [`TelegramServer`].
#[derive(Debug, Clone)]
pub struct TelegramOptions {
    /// The bot token clients must use; its numeric prefix is the bot's user id.
    pub token: String,
    pub file_mode: FileMode,
    pub bot_username: String,
    pub bot_first_name: String,
}

impl Default for TelegramOptions {
    fn default() -> TelegramOptions {
        TelegramOptions {
            token: "123456789:AAFakeLocalTokenForTests_0123456789".to_owned(),
            file_mode: FileMode::Cloud,
            bot_username: "local_test_bot".to_owned(),
            bot_first_name: "Local Test Bot".to_owned(),
        }
    }
}

/// One Bot API call the bot made, as the server received it.
#[derive(Debug, Clone)]
pub struct Call {
    /// The method's canonical name (`getUpdates`, whatever case the client used); an
    /// unknown method keeps the name it was called by.
    pub method: String,
    /// When the request reached the server (before its body was read).
    pub at: Instant,
    /// Every parameter, from the query string and the body merged.
    pub params: Value,
}

/// A running local Bot API server. Dropping it stops it; [`TelegramServer::shutdown`]
/// also waits for that.
pub struct TelegramServer {
    shared: Arc<Shared>,
    listening: Listening,
}

impl TelegramServer {
    /// Starts a server on 127.0.0.1 on a free port.
    pub async fn start(opts: TelegramOptions) -> std::io::Result<TelegramServer> {
        let shared = Arc::new(Shared::new(opts)?);
        let for_requests = shared.clone();
        let listening = Listening::start(move |req| {
            let shared = for_requests.clone();
            async move { shared.handle(req).await }
        })
        .await?;
        Ok(TelegramServer { shared, listening })
    }

    /// The URL to give a client as its Bot API server, e.g. `http://127.0.0.1:40123`.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.listening.addr)
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.listening.addr
    }

    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// The bot's own user id (the token's numeric prefix).
    pub fn bot_id(&self) -> i64 {
        self.shared.bot.id
    }

    pub fn file_mode(&self) -> FileMode {
        self.shared.file_mode
    }

    /// The scripted user with this id (its private chat with the bot has the same id).
    /// The user exists, for the bot, from this call on.
    pub fn user(&self, id: i64) -> ScriptedUser {
        self.shared.lock().users.insert(id);
        ScriptedUser::new(self.shared.clone(), id)
    }

    /// Waits for the bot's next message or edit in `chat_id` that `pred` accepts, see
    /// [`ScriptedUser::next_bot_message`] for what "next" means.
    pub async fn next_bot_message(
        &self,
        chat_id: i64,
        pred: impl Fn(&BotMessage) -> bool,
        timeout: Duration,
    ) -> Result<BotMessage, WaitError> {
        chat::next_bot_message(&self.shared, chat_id, &pred, timeout).await
    }

    /// The bot's messages in `chat_id` that are not deleted, oldest first, as they read now.
    pub fn chat(&self, chat_id: i64) -> Vec<BotMessage> {
        chat::live_messages(&self.shared.lock(), chat_id)
    }

    /// Everything the bot did in chats (sends, edits, deletions), oldest first.
    pub fn bot_events(&self) -> Vec<BotEvent> {
        self.shared.lock().events.clone()
    }

    /// The bot's events after the first `seen` ones, waiting up to `timeout` for at least
    /// one (an empty answer means none came). For following the chat as it goes.
    pub async fn bot_events_after(&self, seen: usize, timeout: Duration) -> Vec<BotEvent> {
        let mut changes = self.shared.events_changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            {
                let state = self.shared.lock();
                if state.events.len() > seen {
                    return state.events[seen..].to_vec();
                }
            }
            if tokio::time::timeout_at(deadline, changes.changed()).await.is_err() {
                return Vec::new();
            }
        }
    }

    /// The full log of calls the bot made, in arrival order.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    /// The calls of one method (case-insensitive), in arrival order.
    pub fn calls_of(&self, method: &str) -> Vec<Call> {
        let state = self.shared.lock();
        state.calls.iter().filter(|c| c.method.eq_ignore_ascii_case(method)).cloned().collect()
    }

    /// When the first call of `method` arrived, e.g. the bot's readiness (`getUpdates`).
    pub fn first_call(&self, method: &str) -> Option<Instant> {
        let state = self.shared.lock();
        state.calls.iter().find(|c| c.method.eq_ignore_ascii_case(method)).map(|c| c.at)
    }

    /// Waits until a call of `method` arrives (or has arrived), and returns when it did.
    pub async fn wait_for_call(&self, method: &str, timeout: Duration) -> Result<Instant, WaitError> {
        let mut changes = self.shared.calls_changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(at) = self.first_call(method) {
                return Ok(at);
            }
            if tokio::time::timeout_at(deadline, changes.changed()).await.is_err() {
                let seen = self.calls().into_iter().map(|c| c.method).collect();
                return Err(WaitError::NoCall { method: method.to_owned(), timeout, seen });
            }
        }
    }

    /// Forgets the log of calls (a long benchmark would otherwise keep them all).
    pub fn clear_calls(&self) {
        self.shared.lock().calls.clear();
    }

    /// The commands the bot last set with `setMyCommands`, as it sent them.
    pub fn my_commands(&self) -> Option<Value> {
        self.shared.lock().commands.clone()
    }

    /// How the bot answered a callback query, once it has (`None` before).
    pub fn callback_answer(&self, callback_query_id: &str) -> Option<CallbackAnswer> {
        self.shared.lock().callbacks.get(callback_query_id).cloned().flatten()
    }

    /// The updates not yet confirmed by the bot through `getUpdates`' `offset`.
    pub fn pending_updates(&self) -> usize {
        self.shared.lock().updates.len()
    }

    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Stops the server, closing open connections (a held long poll ends with an error on
    /// the client's side), and waits until it has stopped.
    pub async fn shutdown(self) {
        self.listening.shutdown().await;
    }
}

/// Who the bot is, from the token and the options.
struct BotIdentity {
    id: i64,
    username: String,
    first_name: String,
}

/// What every request handler shares.
pub(crate) struct Shared {
    token: String,
    bot: BotIdentity,
    file_mode: FileMode,
    /// Local mode's folder for documents; removed when the server is dropped.
    files_dir: Option<tempfile::TempDir>,
    faults: Faults,
    /// A std Mutex: it is never held across an await, and every critical section is a few
    /// map operations, which keeps a recorded `sendMessage` cheap.
    state: Mutex<State>,
    /// Bumped on every new update: wakes waiting `getUpdates` calls.
    updates_changed: watch::Sender<u64>,
    /// Bumped on every bot send, edit or deletion: wakes `next_bot_message` waiters.
    events_changed: watch::Sender<u64>,
    /// Bumped on every call: wakes `wait_for_call` waiters.
    calls_changed: watch::Sender<u64>,
}

#[derive(Default)]
pub(crate) struct State {
    users: HashSet<i64>,
    next_update_id: i64,
    /// Updates not yet confirmed, oldest first, with their ids.
    updates: VecDeque<(i64, Value)>,
    /// Private chats count message ids per chat, for both sides' messages.
    last_message_id: HashMap<i64, i32>,
    /// The bot's messages by (chat id, message id), as they read now.
    messages: HashMap<(i64, i32), BotMessage>,
    events: Vec<BotEvent>,
    /// Per chat, the first event `next_bot_message` still looks at.
    cursors: HashMap<i64, usize>,
    files: HashMap<String, Arc<files::StoredFile>>,
    /// file_path → file_id, for the download route.
    paths: HashMap<String, String>,
    next_file: u64,
    /// Callback query id → the bot's answer once given.
    callbacks: HashMap<String, Option<CallbackAnswer>>,
    next_callback: u64,
    calls: Vec<Call>,
    commands: Option<Value>,
}

impl State {
    fn next_message_id(&mut self, chat_id: i64) -> i32 {
        let id = self.last_message_id.entry(chat_id).or_insert(0);
        *id += 1;
        *id
    }
}

impl Shared {
    fn new(opts: TelegramOptions) -> std::io::Result<Shared> {
        let id = opts.token.split(':').next().and_then(|s| s.parse().ok()).unwrap_or(1);
        let files_dir = match opts.file_mode {
            FileMode::Local => Some(tempfile::Builder::new().prefix("fake-telegram-").tempdir()?),
            FileMode::Cloud => None,
        };
        Ok(Shared {
            token: opts.token,
            bot: BotIdentity { id, username: opts.bot_username, first_name: opts.bot_first_name },
            file_mode: opts.file_mode,
            files_dir,
            faults: Faults::default(),
            state: Mutex::new(State { next_update_id: 1, ..State::default() }),
            updates_changed: watch::Sender::new(0),
            events_changed: watch::Sender::new(0),
            calls_changed: watch::Sender::new(0),
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // Handlers never panic while holding the lock on purpose; if one did, the state is
        // still a consistent set of maps, so carry on rather than fail every later test call.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Entry point of every request.
    async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Result<Response<Body>, DropConnection> {
        let at = Instant::now();
        let path = http::decode_path(req.uri().path());
        if let Some(rest) = path.strip_prefix("/file/bot") {
            let Some((token, file_path)) = rest.split_once('/') else {
                return Ok(ApiError::not_found().response());
            };
            if token != self.token {
                return Ok(ApiError::new(401, "Unauthorized").response());
            }
            self.record(at, "download", json!({ "file_path": file_path }));
            if let Some(resp) = self.apply_fault("download").await? {
                return Ok(resp);
            }
            return Ok(files::download(&self, file_path, &req));
        }
        let Some((token, method)) = path.strip_prefix("/bot").and_then(|rest| rest.split_once('/')) else {
            return Ok(ApiError::not_found().response());
        };
        if token != self.token {
            return Ok(ApiError::new(401, "Unauthorized").response());
        }
        let method = api::canonical(method);
        let params = match params::Params::read(req).await {
            Ok(params) => params,
            Err(err) => {
                self.record(at, &method, Value::Null);
                return Ok(err.response());
            }
        };
        self.record(at, &method, params.clone().into_value());
        if let Some(resp) = self.apply_fault(&method).await? {
            return Ok(resp);
        }
        let answer = api::call(&self, &method, &params).await;
        Ok(match answer {
            Ok(result) => http::json_response(200, &json!({ "ok": true, "result": result })),
            Err(err) => err.response(),
        })
    }

    fn record(&self, at: Instant, method: &str, params: Value) {
        self.lock().calls.push(Call { method: method.to_owned(), at, params });
        self.calls_changed.send_modify(|n| *n += 1);
    }

    /// Waits the method's latency, then answers the call's scripted fault, if any.
    async fn apply_fault(&self, method: &str) -> Result<Option<Response<Body>>, DropConnection> {
        let (fault, latency) = self.faults.on_call(&method.to_ascii_lowercase());
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        Ok(match fault {
            None => None,
            Some(Fault::Drop) => return Err(DropConnection),
            Some(Fault::Garbage) => Some(http::raw_response(200, "application/json", b"{\"ok\":tru".to_vec())),
            Some(Fault::Status(code)) => Some(ApiError::new(code, status_text(code)).response()),
            Some(Fault::TooManyRequests { retry_after }) => Some(
                ApiError {
                    code: 429,
                    description: format!("Too Many Requests: retry after {retry_after}"),
                    retry_after: Some(retry_after),
                }
                .response(),
            ),
        })
    }

    fn user_json(&self, id: i64) -> Value {
        json!({
            "id": id,
            "is_bot": false,
            "first_name": format!("User {id}"),
            "username": format!("user{id}"),
            "language_code": "en",
        })
    }

    fn chat_json(&self, id: i64) -> Value {
        json!({ "id": id, "type": "private", "first_name": format!("User {id}"), "username": format!("user{id}") })
    }

    fn bot_user_json(&self) -> Value {
        json!({
            "id": self.bot.id,
            "is_bot": true,
            "first_name": self.bot.first_name,
            "username": self.bot.username,
        })
    }

    /// Queues an update and wakes the long polls waiting for one.
    fn push_update(&self, state: &mut State, kind: &str, payload: Value) -> i64 {
        let id = state.next_update_id;
        state.next_update_id += 1;
        let mut update = serde_json::Map::new();
        update.insert("update_id".to_owned(), json!(id));
        update.insert(kind.to_owned(), payload);
        state.updates.push_back((id, Value::Object(update)));
        self.updates_changed.send_modify(|n| *n += 1);
        id
    }
}

fn status_text(code: u16) -> String {
    hyper::StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Internal Server Error")
        .to_owned()
}

/// A Bot API error answer: `{"ok":false,"error_code":…,"description":…}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    code: u16,
    description: String,
    retry_after: Option<u32>,
}

impl ApiError {
    fn new(code: u16, description: impl Into<String>) -> ApiError {
        ApiError { code, description: description.into(), retry_after: None }
    }

    /// Telegram's 400 answers all read "Bad Request: <what>".
    fn bad_request(what: impl std::fmt::Display) -> ApiError {
        ApiError::new(400, format!("Bad Request: {what}"))
    }

    fn not_found() -> ApiError {
        ApiError::new(404, "Not Found")
    }

    fn response(&self) -> Response<Body> {
        let mut body = json!({ "ok": false, "error_code": self.code, "description": self.description });
        if let Some(secs) = self.retry_after {
            body["parameters"] = json!({ "retry_after": secs });
        }
        http::json_response(self.code, &body)
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
