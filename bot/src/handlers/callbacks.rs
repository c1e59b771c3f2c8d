//! Inline buttons. Callback data never carries a path or anything the server trusts:
//! only an id into server-side state, checked against who pressed. The prefix says whose
//! button it is: `cancel:` (a download's status message) and `q`/`qc` (`/queue`) are the
//! users'; `o` (`/organize`), `p` (`/propagate`), `h*` (`/history`) and `m*`
//! (`/organized`) are the admins', and refused to anyone else, even on a forwarded message.

use teloxide::prelude::*;

use super::admin::{history, organize, propagate};
use super::{queue, App, HandlerResult, TgBot};

const INVALID: &str = "This button is no longer valid.";

pub async fn pressed(bot: TgBot, query: CallbackQuery, app: App) -> HandlerResult {
    let presser = query.from.id.0 as i64;
    let data = query.data.clone().unwrap_or_default();
    let answer = if !app.config.is_allowed(presser) {
        format!("Sorry, this bot is private (your user id is {presser}).")
    } else {
        match route(&bot, &query, &app, presser, &data).await {
            Ok(answer) => answer,
            // The press is answered anyway, or the user's button spins until it times out.
            Err(e) => {
                tracing::error!(error = %app.redactor.clean(&format!("{e:#}")), data, "a button failed");
                "Something went wrong with that button; try again, or send the command again.".to_owned()
            }
        }
    };
    let mut reply = bot.answer_callback_query(query.id.clone());
    if !answer.is_empty() {
        // Telegram takes at most 200 characters here.
        reply = reply.text(super::admin::short(&answer, 200));
    }
    reply.await?;
    Ok(())
}

async fn route(bot: &TgBot, query: &CallbackQuery, app: &App, presser: i64, data: &str) -> anyhow::Result<String> {
    let prefix = data.split(':').next().unwrap_or_default();
    let admin_button = matches!(prefix, "o" | "p" | "h" | "hd" | "hr" | "hx" | "m" | "mr" | "mx");
    if admin_button && !app.config.is_admin(presser) {
        return Ok("Only the bot's admins can use this button.".to_owned());
    }
    // `o:<nonce>:<action>` and `p:<nonce>:<verb>`.
    let flow_nonce = || data.split(':').nth(1).and_then(|n| n.parse::<u64>().ok());
    let flow_rest = || data.splitn(3, ':').nth(2).unwrap_or_default();
    Ok(match prefix {
        "cancel" => match data.strip_prefix("cancel:").and_then(|id| id.parse().ok()) {
            Some(id) => cancel(app, id, presser).await?,
            None => INVALID.to_owned(),
        },
        "q" | "qc" => queue::pressed(bot, query, app, presser, data).await?,
        "o" => match flow_nonce() {
            Some(nonce) => organize::pressed(bot, query, app, presser, nonce, flow_rest()).await?,
            None => INVALID.to_owned(),
        },
        "p" => match flow_nonce() {
            Some(nonce) => propagate::pressed(bot, query, app, presser, nonce, flow_rest()).await?,
            None => INVALID.to_owned(),
        },
        _ if admin_button => history::pressed(bot, query, app, presser, data).await?,
        _ => INVALID.to_owned(),
    })
}

/// Cancels download `id` for `presser` (its sender or an admin); returns the answer.
pub async fn cancel(app: &App, id: bot_db::DocId, presser: i64) -> anyhow::Result<String> {
    let Some(queued) = app.db.queue().await?.into_iter().find(|q| q.id == id) else {
        return Ok("This download is no longer in the queue.".to_owned());
    };
    if queued.entry.user_id != presser && !app.config.is_admin(presser) {
        return Ok("Only the person who sent this file, or an admin, can cancel it.".to_owned());
    }
    Ok(if app.downloads.cancel(id).await? {
        format!("Cancelling {}…", queued.entry.file_name)
    } else {
        "This download is no longer in the queue.".to_owned()
    })
}
