//! `/queue [page]`: what downloads now (with progress bars), and what waits, 10 a page,
//! with a Cancel button per entry and More/Back buttons; presses redraw the page in place.
//! Callback data: `q:<page>` turns or refreshes the page, `qc:<id>:<page>` cancels.

use teloxide::prelude::*;
use teloxide::types::InlineKeyboardMarkup;

use super::admin::{button, edit_or_send, keyboard, send, short};
use super::{App, TgBot};
use crate::report;

pub const QUEUE_PAGE: usize = 10;

pub async fn render(app: &App, page: usize) -> anyhow::Result<(String, InlineKeyboardMarkup)> {
    let mut entries = app.db.queue().await?;
    let live = app.downloads.progress();
    for q in &mut entries {
        if let Some(done) = live.get(&q.id) {
            q.entry.bytes_done = *done;
        }
    }
    let view = report::queue_view(&entries, page, QUEUE_PAGE);
    let mut rows: Vec<Vec<_>> = view
        .shown
        .iter()
        .map(|(label, id, name)| {
            vec![button(short(&format!("✖ Cancel {label}: {name}"), 48), format!("qc:{id}:{}", view.page))]
        })
        .collect();
    let mut nav = Vec::new();
    if view.page > 0 {
        nav.push(button("⬅️ Back", format!("q:{}", view.page - 1)));
    }
    nav.push(button("🔄 Refresh", format!("q:{}", view.page)));
    if view.page + 1 < view.pages {
        nav.push(button(format!("More (page {}) ➡️", view.page + 2), format!("q:{}", view.page + 1)));
    }
    if !view.shown.is_empty() {
        rows.push(nav);
    }
    Ok((view.text, keyboard(rows)))
}

/// `/queue [page]`, the page counted from 1.
pub async fn command(bot: &TgBot, chat: ChatId, app: &App, page: &str) -> anyhow::Result<()> {
    let page = page.trim().parse::<usize>().map_or(0, |p| p.saturating_sub(1));
    let (text, markup) = render(app, page).await?;
    send(bot, chat, text, markup).await
}

/// A `q:` or `qc:` press by `presser`; returns the answer.
pub async fn pressed(
    bot: &TgBot,
    query: &CallbackQuery,
    app: &App,
    presser: i64,
    data: &str,
) -> anyhow::Result<String> {
    let chat = super::admin::origin(query).map_or(ChatId(presser), |(chat, _)| chat);
    let mut parts = data.split(':').skip(1).map(|p| p.parse::<u64>().ok());
    let answer = if data.starts_with("qc:") {
        let (Some(Some(id)), Some(Some(page))) = (parts.next(), parts.next()) else {
            return Ok("This button is no longer valid.".into());
        };
        let answer = super::callbacks::cancel(app, id, presser).await?;
        let (text, markup) = render(app, page as usize).await?;
        edit_or_send(bot, super::admin::origin(query), chat, text, markup).await?;
        answer
    } else {
        let Some(Some(page)) = parts.next() else { return Ok("This button is no longer valid.".into()) };
        let (text, markup) = render(app, page as usize).await?;
        edit_or_send(bot, super::admin::origin(query), chat, text, markup).await?;
        String::new()
    };
    Ok(answer)
}
