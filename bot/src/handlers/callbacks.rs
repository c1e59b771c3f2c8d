//! Inline buttons. Callback data never carries a path or anything the server trusts:
//! only an id into server-side state, checked against who pressed. The prefix says whose
//! button it is: `cancel:` (a download's status message) and `q`/`qc` (`/queue`) are the
//! users'; `o` (`/organize`), `p` (`/propagate`), `h*` (`/history`) and `m*`
//! (`/organized`) are the admins', and refused to anyone else, even on a forwarded message.

use std::time::Duration;

use teloxide::prelude::*;

use super::admin::{history, organize, propagate};
use super::{queue, App, HandlerResult, TgBot};

const INVALID: &str = "This button is no longer valid.";

/// Telegram shows a spinner on a button until its press is answered, and refuses an
/// answer that comes too late. Most buttons are done in milliseconds and answer with their
/// result; one whose work takes longer (filing a large file across filesystems, a slow
/// TMDb) is answered after this long, and its result goes to the chat when it is done.
const ANSWER_WITHIN: Duration = Duration::from_secs(2);

const WORKING: &str = "Working on it…";

const FAILED: &str = "Something went wrong with that button; try again, or send the command again.";

pub async fn pressed(bot: TgBot, query: CallbackQuery, app: App) -> HandlerResult {
    let presser = query.from.id.0 as i64;
    let data = query.data.clone().unwrap_or_default();
    if !app.config.is_allowed(presser) {
        return answer(&bot, &query, &format!("Sorry, this bot is private (your user id is {presser}).")).await;
    }
    let work = route(&bot, &query, &app, presser, &data);
    tokio::pin!(work);
    let outcome = tokio::select! {
        outcome = &mut work => outcome,
        () = tokio::time::sleep(ANSWER_WITHIN) => {
            // Never drop the work for this: it may be halfway through moving a file.
            if let Err(e) = answer(&bot, &query, WORKING).await {
                tracing::warn!(error = %app.redactor.clean(&format!("{e:#}")), "answering a slow button failed");
            }
            let text = outcome_text(&app, &data, work.await);
            if !text.is_empty() {
                let chat = query.message.as_ref().map_or(ChatId(presser), |m| m.chat().id);
                crate::retry::retry_after(bot.send_message(chat, text)).await?;
            }
            return Ok(());
        }
    };
    answer(&bot, &query, &outcome_text(&app, &data, outcome)).await
}

/// What the presser is told: the button's answer, or that it failed (logged here).
fn outcome_text(app: &App, data: &str, outcome: anyhow::Result<String>) -> String {
    outcome.unwrap_or_else(|e| {
        tracing::error!(error = %app.redactor.clean(&format!("{e:#}")), data, "a button failed");
        FAILED.to_owned()
    })
}

/// Answers the press, with `text` as a short notice if there is one.
async fn answer(bot: &TgBot, query: &CallbackQuery, text: &str) -> HandlerResult {
    let mut reply = bot.answer_callback_query(query.id.clone());
    if !text.is_empty() {
        // Telegram takes at most 200 characters here.
        reply = reply.text(super::admin::short(text, 200));
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
