//! `/propagate`: after a TV or anime file was organized by hand, the later episodes of
//! that season waiting in the staging folder, asked about one by one in one message
//! edited in place: Yes files it, No skips it, All files the rest.

use std::collections::VecDeque;

use teloxide::prelude::*;
use teloxide::types::InlineKeyboardMarkup;

use super::session::{Current, Flow};
use super::{button, edit_or_send, keyboard, say, send, shown};
use crate::handlers::{App, TgBot};
use crate::naming::Category;
use crate::organize::{FoundEpisode, ManualName};
use crate::rate_limit::Action;

pub async fn start(bot: &TgBot, chat: ChatId, app: &App, admin: i64) -> anyhow::Result<()> {
    let Some(last) = app.db.last_manual_organize_by(admin).await? else {
        return say(bot, chat, "Nothing to propagate: organize one episode by hand first (/organize).").await;
    };
    let e = &last.entry;
    let category = match e.category.as_deref() {
        Some("tv") => Category::Tv,
        Some("anime") => Category::Anime,
        _ => {
            let text = format!(
                "Nothing to propagate: the last file organized by hand, {}, is not a TV or anime episode.",
                super::label(&last)
            );
            return say(bot, chat, text).await;
        }
    };
    let (Some(title), Some(season), Some(episode)) = (e.title.clone(), e.season, e.episode) else {
        return say(bot, chat, "Nothing to propagate: the last manual organize has no season and episode.").await;
    };
    let found = app.organizer.remaining_episodes(&last).await?;
    if found.is_empty() {
        let text =
            format!("No later episodes of {title} season {season} (after episode {episode}) in the Downloads folder.");
        return say(bot, chat, text).await;
    }
    let template =
        ManualName { category, title, year: None, season: u32::try_from(season).ok(), episode: None, resolution: None };
    let pending: VecDeque<FoundEpisode> = found.into();
    let flow = Flow::Propagate { template: template.clone(), pending: pending.clone(), filed: 0, skipped: 0 };
    let nonce = app.flows.begin(admin, chat, flow);
    let (text, markup) = question(&template, &pending, nonce, "");
    send(bot, chat, text, markup).await
}

fn question(
    template: &ManualName,
    pending: &VecDeque<FoundEpisode>,
    nonce: u64,
    before: &str,
) -> (String, InlineKeyboardMarkup) {
    let Some(next) = pending.front() else { unreachable!("asked only while episodes are pending") };
    let name = next.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let text = format!(
        "{before}📺 {} season {}: {} more found.\nFile {name} as episode {}?",
        template.title,
        template.season.unwrap_or(1),
        pending.len(),
        next.episode
    );
    // The count left says which question a button answers: a double tap, or a tap on an
    // older copy of the message, is refused instead of filing the next episode.
    let left = pending.len();
    let data = |v: &str| format!("p:{nonce}:{left}:{v}");
    (text, keyboard(vec![vec![button("Yes", data("y")), button("No", data("n")), button("All", data("a"))]]))
}

/// Lines of filed paths shown at most; the rest are counted (a message holds 4096 chars).
const SHOWN_LINES: usize = 10;

/// A Yes / No / All press of flow `nonce`; `rest` is `<left>:<verb>`.
pub async fn pressed(
    bot: &TgBot,
    query: &CallbackQuery,
    app: &App,
    admin: i64,
    nonce: u64,
    rest: &str,
) -> anyhow::Result<String> {
    let at = super::origin(query);
    let Current { nonce, chat, flow } = match app.flows.current(admin, Some(nonce)) {
        Ok(current) => current,
        Err(stale) => return Ok(app.flows.explain(stale)),
    };
    let Flow::Propagate { template, mut pending, mut filed, mut skipped } = flow else {
        return Ok("This button is no longer valid.".into());
    };
    let (left, verb) = rest.split_once(':').unwrap_or(("", rest));
    if left.parse::<usize>().ok() != Some(pending.len()) {
        return Ok("That question was already answered: use the buttons of the latest one.".into());
    }
    let mut notes = String::new();
    let mut lines = 0usize;
    let mut note = |line: String| {
        lines += 1;
        if lines <= SHOWN_LINES {
            notes.push_str(&super::short(&line, 200));
            notes.push('\n');
        } else if lines == SHOWN_LINES + 1 {
            notes.push_str("…\n");
        }
    };
    let take = match verb {
        "y" => 1,
        "a" => pending.len(),
        "n" => {
            pending.pop_front();
            skipped += 1;
            0
        }
        _ => return Ok("This button is no longer valid.".into()),
    };
    let mut limited = None;
    for _ in 0..take {
        // Each file filed is one organize action.
        if let Err(refused) = app.limiter.check(admin, Action::Organize) {
            limited = Some(refused.message());
            break;
        }
        let Some(episode) = pending.pop_front() else { break };
        let name =
            ManualName { episode: Some(episode.episode), resolution: episode.resolution.clone(), ..template.clone() };
        match app.organizer.organize_manual(&episode.file, &name, admin, None).await {
            Ok(placed) => {
                filed += 1;
                note(format!("✅ {}", shown(app, &placed.path)));
            }
            Err(e) => {
                skipped += 1;
                note(format!("❌ episode {}: {e:#}", episode.episode));
            }
        }
    }
    if let Some(message) = &limited {
        notes.push_str(message);
        notes.push('\n');
    }
    if pending.is_empty() {
        app.flows.end_if(admin, nonce);
        let text = format!(
            "{notes}Done with {} season {}: {filed} filed, {skipped} skipped.",
            template.title,
            template.season.unwrap_or(1)
        );
        edit_or_send(bot, at, chat, text, keyboard(Vec::new())).await?;
    } else {
        app.flows.update(
            admin,
            nonce,
            Flow::Propagate { template: template.clone(), pending: pending.clone(), filed, skipped },
        );
        let (text, markup) = question(&template, &pending, nonce, &notes);
        edit_or_send(bot, at, chat, text, markup).await?;
    }
    Ok(limited.unwrap_or_default())
}
