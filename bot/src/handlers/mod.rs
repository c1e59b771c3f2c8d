//! The dispatch tree: who may do what, and which handler an update goes to.
//!
//! Order of the branches: strangers are refused first (nothing of theirs is recorded or
//! downloaded), then commands, then files, then anything else gets a hint. Handlers are
//! thin: they take the injected [`App`], call code that does not know teloxide, and send
//! the reply.

pub mod admin;
pub mod callbacks;
pub mod commands;
pub mod media;
pub mod queue;

use std::sync::Arc;
use std::time::Instant;

use teloxide::dispatching::{HandlerExt, UpdateFilterExt, UpdateHandler};
use teloxide::prelude::*;

use crate::config::Config;
use crate::redact::Redactor;
use crate::shutdown::Shutdown;

pub type HandlerResult = anyhow::Result<()>;

/// The bot as handlers see it. `CacheMe` answers `getMe` from the start-up call, so
/// teloxide's dispatcher does not call it a second time (the contract: once).
pub type TgBot = teloxide::adaptors::CacheMe<Bot>;

/// Everything a handler may need, injected by the dispatcher. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub db: bot_db::Db,
    pub shutdown: Shutdown,
    /// When the bot started, for the uptime in `/stats`.
    pub started: Instant,
    pub redactor: Redactor,
    pub downloads: crate::downloads::Downloads,
    pub organizer: crate::organize::Organizer,
    /// The admins' `/organize` and `/propagate` flows.
    pub flows: admin::session::Sessions,
    pub limiter: crate::rate_limit::Limiter,
}

pub fn schema() -> UpdateHandler<anyhow::Error> {
    let message = Update::filter_message()
        .branch(dptree::filter(|msg: Message, app: App| !sender_allowed(&msg, &app.config)).endpoint(refuse_stranger))
        .branch(dptree::entry().filter_command::<commands::Command>().endpoint(commands::run))
        .branch(dptree::filter(|msg: Message| media::attachment(&msg).is_some()).endpoint(media::received))
        .branch(dptree::filter(|msg: Message, app: App| awaits_answer(&msg, &app)).endpoint(flow_answer))
        .branch(dptree::endpoint(hint));
    dptree::entry().branch(message).branch(Update::filter_callback_query().endpoint(callbacks::pressed))
}

/// A plain text from an admin whose flow asked a question.
fn awaits_answer(msg: &Message, app: &App) -> bool {
    let Some(user) = msg.from.as_ref().map(|u| u.id.0 as i64) else { return false };
    msg.text().is_some_and(|t| !t.starts_with('/'))
        && app.config.is_admin(user)
        && app.flows.wants_text(user, msg.chat.id)
}

async fn flow_answer(bot: TgBot, msg: Message, app: App) -> HandlerResult {
    let admin = msg.from.as_ref().map_or(0, |u| u.id.0 as i64);
    admin::organize::answered(&bot, &msg, &app, admin).await
}

fn sender_allowed(msg: &Message, config: &Config) -> bool {
    msg.from.as_ref().is_some_and(|user| config.is_allowed(user.id.0 as i64))
}

async fn refuse_stranger(bot: TgBot, msg: Message) -> HandlerResult {
    let text = match &msg.from {
        Some(user) => format!(
            "Sorry, this bot is private. Your Telegram user id is {}: send it to the bot's admin, \
             who can add it to ALLOWED_USERS.",
            user.id
        ),
        None => "Sorry, this bot only answers messages from its users.".to_owned(),
    };
    crate::retry::retry_after(bot.send_message(msg.chat.id, text)).await?;
    Ok(())
}

async fn hint(bot: TgBot, msg: Message) -> HandlerResult {
    let text = match msg.text() {
        Some(t) if t.starts_with('/') => {
            let name = t.split_whitespace().next().unwrap_or(t);
            format!("I don't know the command {name}. Send /help for the list.")
        }
        _ => "Send me a video, audio or subtitle file and I'll put it in the library. /help lists the commands."
            .to_owned(),
    };
    crate::retry::retry_after(bot.send_message(msg.chat.id, text)).await?;
    Ok(())
}
