//! The admin's tools: `/organize` (a file named by hand), `/organized` and `/history`
//! (what was filed, with Reorganize and Delete), `/propagate` (the rest of a season).
//!
//! Each flow is a state machine in [`session::Sessions`]; handlers here move it one step
//! per update. Callback data holds ids into server-side state only (a flow's nonce and an
//! index into its list, a record id), never a path: a forged button can at most name
//! something the server already offered.

pub mod history;
pub mod organize;
pub mod propagate;
pub mod session;

use std::path::Path;
use std::time::{Duration, SystemTime};

use bot_db::Organized;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId};

use super::{App, TgBot};
use crate::retry::retry_after;

/// A button that sends `data` back.
pub fn button(text: impl Into<String>, data: impl Into<String>) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(text.into(), data.into())
}

pub fn keyboard(rows: Vec<Vec<InlineKeyboardButton>>) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(rows.into_iter().filter(|r| !r.is_empty()))
}

/// Sends `text` as a new message without buttons (an answer, a refusal, a question).
pub async fn say(bot: &TgBot, chat: ChatId, text: impl Into<String>) -> anyhow::Result<()> {
    send(bot, chat, text.into(), keyboard(Vec::new())).await
}

/// Sends `text` with `markup` as a new message.
pub async fn send(bot: &TgBot, chat: ChatId, text: String, markup: InlineKeyboardMarkup) -> anyhow::Result<()> {
    retry_after(bot.send_message(chat, text).reply_markup(markup)).await?;
    Ok(())
}

/// Replaces the message a button sits on (a page turning in place); sends a new message
/// when the old one cannot be reached.
pub async fn edit_or_send(
    bot: &TgBot,
    at: Option<(ChatId, MessageId)>,
    chat: ChatId,
    text: String,
    markup: InlineKeyboardMarkup,
) -> anyhow::Result<()> {
    if let Some((chat, message)) = at {
        match retry_after(bot.edit_message_text(chat, message, text.clone()).reply_markup(markup.clone())).await {
            Ok(_) => return Ok(()),
            // "message is not modified": the page already shows this.
            Err(e) if e.to_string().contains("not modified") => return Ok(()),
            Err(e) => tracing::debug!(error = %e, "cannot edit the message in place; sending a new one"),
        }
    }
    send(bot, chat, text, markup).await
}

/// The chat and message a button was pressed on.
pub fn origin(query: &CallbackQuery) -> Option<(ChatId, MessageId)> {
    query.message.as_ref().map(|m| (m.chat().id, m.id()))
}

/// `path` as the admin reads it: relative to the library's base folder.
pub fn shown(app: &App, path: &Path) -> String {
    path.strip_prefix(&app.config.folders.base).unwrap_or(path).display().to_string()
}

/// "Inception (2010)", "Breaking Bad S01E02", or the original file name.
pub fn label(record: &Organized) -> String {
    let e = &record.entry;
    let fallback =
        || Path::new(&e.path).file_name().map_or_else(|| e.path.clone(), |n| n.to_string_lossy().into_owned());
    let title = e.title.clone().unwrap_or_else(fallback);
    match (e.season, e.episode, e.year) {
        (Some(s), Some(ep), _) => format!("{title} S{s:02}E{ep:02}"),
        (_, _, Some(y)) => format!("{title} ({y})"),
        _ => title,
    }
}

/// At most `max` characters, with an ellipsis when cut (button labels stay readable).
pub fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// "just now", "5 min ago", "3 h ago", "2 days ago"; "at an unknown time" for a timestamp
/// that does not parse (the original bot's records may hold anything).
pub fn ago(timestamp: Option<&str>, now: SystemTime) -> String {
    let Some(then) = timestamp.and_then(|t| humantime::parse_rfc3339_weak(t.trim_end_matches('Z')).ok()) else {
        return "at an unknown time".to_owned();
    };
    let secs = now.duration_since(then).unwrap_or(Duration::ZERO).as_secs();
    match secs {
        0..60 => "just now".to_owned(),
        60..3600 => format!("{} min ago", secs / 60),
        3600..86_400 => format!("{} h ago", secs / 3600),
        86_400..172_800 => "1 day ago".to_owned(),
        _ => format!("{} days ago", secs / 86_400),
    }
}

/// Page `page` (0-based) clamped to the pages there are (at least one).
pub fn clamp_page(page: usize, total: usize, per_page: usize) -> usize {
    page.min(total.div_ceil(per_page.max(1)).max(1) - 1)
}

/// Prev/Next buttons for a paged list; `data` makes a page's callback data.
pub fn nav_row(page: usize, pages: usize, data: impl Fn(usize) -> String) -> Vec<InlineKeyboardButton> {
    let mut row = Vec::new();
    if page > 0 {
        row.push(button("⬅️ Prev", data(page - 1)));
    }
    if page + 1 < pages {
        row.push(button("Next ➡️", data(page + 1)));
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use bot_db::{Method, OrganizedEntry};

    fn record(title: Option<&str>, year: Option<i64>, season: Option<i64>, episode: Option<i64>) -> Organized {
        Organized {
            id: 1,
            entry: OrganizedEntry {
                path: "/lib/Downloads/Some.File.mkv".into(),
                new_path: None,
                title: title.map(Into::into),
                category: None,
                year,
                season,
                episode,
                resolution: None,
                organized_by: None,
                timestamp: None,
                method: Method::Auto,
            },
        }
    }

    #[test]
    fn labels_name_a_film_an_episode_or_the_file() {
        assert_eq!(label(&record(Some("Inception"), Some(2010), None, None)), "Inception (2010)");
        assert_eq!(label(&record(Some("Breaking Bad"), None, Some(1), Some(2))), "Breaking Bad S01E02");
        assert_eq!(label(&record(None, None, None, None)), "Some.File.mkv");
    }

    #[test]
    fn relative_times_read_naturally_and_survive_garbage() {
        let now = humantime::parse_rfc3339("2026-12-03T12:00:00Z").unwrap();
        assert_eq!(ago(Some("2026-12-03T11:59:30.123456Z"), now), "just now");
        assert_eq!(ago(Some("2026-12-03T11:55:00"), now), "5 min ago");
        assert_eq!(ago(Some("2026-12-03 09:00:00"), now), "3 h ago");
        assert_eq!(ago(Some("2026-12-01T12:00:00Z"), now), "2 days ago");
        assert_eq!(ago(Some("yesterday"), now), "at an unknown time");
        assert_eq!(ago(None, now), "at an unknown time");
    }

    #[test]
    fn pages_clamp_and_cut_labels() {
        assert_eq!(clamp_page(7, 11, 5), 2);
        assert_eq!(clamp_page(3, 0, 5), 0);
        assert_eq!(short("abcdef", 4), "abc…");
        assert_eq!(short("abc", 4), "abc");
        assert_eq!(nav_row(0, 1, |p| p.to_string()).len(), 0);
        assert_eq!(nav_row(1, 3, |p| p.to_string()).len(), 2);
    }
}
