//! Inline buttons. Callback data never carries a path or anything the server trusts:
//! only an id into server-side state, checked against who pressed.

use teloxide::prelude::*;

use super::{App, HandlerResult, TgBot};

pub async fn pressed(bot: TgBot, query: CallbackQuery, app: App) -> HandlerResult {
    let presser = query.from.id.0 as i64;
    let answer = if !app.config.is_allowed(presser) {
        format!("Sorry, this bot is private (your user id is {presser}).")
    } else {
        match query.data.as_deref().and_then(|d| d.strip_prefix("cancel:")).and_then(|id| id.parse().ok()) {
            Some(id) => cancel(&app, id, presser).await?,
            None => "This button is no longer valid.".to_owned(),
        }
    };
    bot.answer_callback_query(query.id.clone()).text(answer).await?;
    Ok(())
}

async fn cancel(app: &App, id: bot_db::DocId, presser: i64) -> anyhow::Result<String> {
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
