//! `/history` (everything filed, 5 a page, with a Details view) and `/organized` (what
//! was filed by hand, 10 a page). Pages are read fresh from the database on every press,
//! buttons name records by id, and every button carries the id of the newest entry the
//! list was opened with (`through`): files organized meanwhile do not shift the pages
//! (they appear when the list is opened again). A page button names the entry its page
//! starts at, not a page number, so an entry deleted above it (by another admin, or a
//! reorganize replacing its record) makes the next page neither skip nor repeat one.

use std::time::SystemTime;

use bot_db::{DocId, Organized, Page, PageStart};
use teloxide::prelude::*;
use teloxide::types::InlineKeyboardMarkup;

use super::{ago, button, clamp_page, edit_or_send, keyboard, label, send, short, shown};
use crate::handlers::{App, TgBot};
use crate::rate_limit::Action;

pub const HISTORY_PAGE: usize = 5;
pub const ORGANIZED_PAGE: usize = 10;

/// Which list a page belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    /// `/history`: callback data `h:<at>:<through>`, `hd:<id>:<at>:<through>`,
    /// `hr:<id>`, `hx:<id>:<at>:<through>`, where `<at>` is the entry the page starts at
    /// ([`PageStart::At`]) and `through` 0 means the whole list.
    History,
    /// `/organized`: `m:<at>:<through>`, `mr:<id>`, `mx:<id>:<at>:<through>`.
    Manual,
}

impl List {
    fn per_page(self) -> usize {
        match self {
            List::History => HISTORY_PAGE,
            List::Manual => ORGANIZED_PAGE,
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            List::History => "h",
            List::Manual => "m",
        }
    }

    async fn page(self, app: &App, start: PageStart, through: Option<DocId>) -> anyhow::Result<Page<Organized>> {
        let per_page = self.per_page();
        let read = |start| async move {
            match self {
                List::History => app.db.history_page_at(through, start, per_page).await,
                List::Manual => app.db.manual_page_at(through, start, per_page).await,
            }
        };
        let first = read(start).await?;
        if !first.items.is_empty() || first.total == 0 {
            return Ok(first);
        }
        // Entries deleted meanwhile can leave the start past the end: show the last page.
        Ok(read(PageStart::Number(clamp_page(usize::MAX, first.total, per_page))).await?)
    }
}

/// The page as text and buttons.
pub async fn render(
    app: &App,
    list: List,
    start: PageStart,
    through: Option<DocId>,
) -> anyhow::Result<(String, InlineKeyboardMarkup)> {
    let page = list.page(app, start, through).await?;
    let t = page.through.unwrap_or(0);
    // Where this page starts, for the buttons that come back to it.
    let here = page.items.first().map_or(0, |r| r.id);
    if page.total == 0 {
        let text = match list {
            List::History => "Nothing has been organized yet.",
            List::Manual => "No file has been organized by hand yet. /organize files one.",
        };
        return Ok((text.to_owned(), keyboard(Vec::new())));
    }
    let pages = page.page_count();
    let now = SystemTime::now();
    let heading = match list {
        List::History => {
            format!("🗂 Organized files: {}, newest first (page {} of {pages})", page.total, (page.page + 1).min(pages))
        }
        List::Manual => format!(
            "✋ Organized by hand: {}, newest first (page {} of {pages})",
            page.total,
            (page.page + 1).min(pages)
        ),
    };
    let mut text = heading;
    let mut rows = Vec::new();
    let p = list.prefix();
    for (i, record) in page.items.iter().enumerate() {
        let n = page.newer_count + i + 1;
        let e = &record.entry;
        let category = e.category.as_deref().unwrap_or("?");
        text.push_str(&format!(
            "\n{n}. {} · {category} · {} · {}",
            label(record),
            e.method.as_str(),
            ago(e.timestamp.as_deref(), now)
        ));
        rows.push(match list {
            List::History => {
                vec![button(short(&format!("{n}. {}", label(record)), 48), format!("hd:{}:{here}:{t}", record.id))]
            }
            List::Manual => vec![
                button(format!("♻️ Reorganize {n}"), format!("mr:{}", record.id)),
                // The record only: the file stays where it is (the answer says so).
                button(format!("🗑 Delete entry {n}"), format!("mx:{}:{here}:{t}", record.id)),
            ],
        });
    }
    let mut nav = Vec::new();
    if let Some(newer) = page.newer {
        nav.push(button("⬅️ Prev", format!("{p}:{newer}:{t}")));
    }
    if let Some(older) = page.older {
        nav.push(button("Next ➡️", format!("{p}:{older}:{t}")));
    }
    rows.push(nav);
    Ok((text, keyboard(rows)))
}

/// `/history [page]` or `/organized [page]` (pages counted from 1 by the admin).
pub async fn command(bot: &TgBot, chat: ChatId, app: &App, list: List, page: &str) -> anyhow::Result<()> {
    let page = page.trim().parse::<usize>().map_or(0, |p| p.saturating_sub(1));
    let (text, markup) = render(app, list, PageStart::Number(page), None).await?;
    send(bot, chat, text, markup).await
}

/// A history or organized button; `data` is the whole callback data. Returns the answer.
pub async fn pressed(bot: &TgBot, query: &CallbackQuery, app: &App, admin: i64, data: &str) -> anyhow::Result<String> {
    let at = super::origin(query);
    let chat = at.map_or(ChatId(admin), |(chat, _)| chat);
    let mut parts = data.split(':');
    let kind = parts.next().unwrap_or_default();
    let mut number = || parts.next().and_then(|n| n.parse::<u64>().ok());
    let invalid = || Ok("This button is no longer valid.".to_owned());
    match kind {
        "h" | "m" => {
            let (Some(start), through) = (number(), number()) else { return invalid() };
            let list = if kind == "h" { List::History } else { List::Manual };
            let (text, markup) = render(app, list, PageStart::At(start), anchor(through)).await?;
            edit_or_send(bot, at, chat, text, markup).await?;
            Ok(String::new())
        }
        "hd" => {
            let (Some(id), Some(here), through) = (number(), number(), number()) else { return invalid() };
            let through = anchor(through);
            let Some(record) = app.db.organized(id).await? else {
                let (text, markup) = render(app, List::History, PageStart::At(here), through).await?;
                edit_or_send(bot, at, chat, text, markup).await?;
                return Ok("That entry was deleted meanwhile.".into());
            };
            let (text, markup) = details(app, &record, here, through);
            edit_or_send(bot, at, chat, text, markup).await?;
            Ok(String::new())
        }
        "hr" | "mr" => {
            let Some(id) = number() else { return invalid() };
            match app.db.organized(id).await? {
                Some(record) => super::organize::reorganize(bot, chat, app, admin, record).await,
                None => Ok("That entry was deleted meanwhile.".into()),
            }
        }
        "hx" | "mx" => {
            let (Some(id), Some(here), through) = (number(), number(), number()) else { return invalid() };
            if let Err(refused) = app.limiter.check(admin, Action::Organize) {
                return Ok(refused.message());
            }
            let answer = if app.db.delete_organized(id).await? {
                "Entry deleted; the file stays where it is."
            } else {
                "That entry was already deleted."
            };
            let list = if kind == "hx" { List::History } else { List::Manual };
            let (text, markup) = render(app, list, PageStart::At(here), anchor(through)).await?;
            edit_or_send(bot, at, chat, text, markup).await?;
            Ok(answer.into())
        }
        _ => invalid(),
    }
}

/// The list a button's `through` names (0 or missing: the whole list).
fn anchor(through: Option<u64>) -> Option<DocId> {
    through.filter(|t| *t > 0)
}

/// One record in full, with Reorganize, Delete Entry and Back (to the page starting at
/// `here`).
fn details(app: &App, record: &Organized, here: DocId, through: Option<DocId>) -> (String, InlineKeyboardMarkup) {
    let t = through.unwrap_or(0);
    let e = &record.entry;
    let original =
        std::path::Path::new(&e.path).file_name().map_or_else(|| e.path.clone(), |n| n.to_string_lossy().into_owned());
    let library = e.new_path.as_deref().map_or_else(|| "—".to_owned(), |p| shown(app, std::path::Path::new(p)));
    let text = format!(
        "🔎 {}\nOriginal file: {original}\nNow at: {library}\nMethod: {} · Category: {} · Resolution: {}\nOrganized {}",
        label(record),
        e.method.as_str(),
        e.category.as_deref().unwrap_or("unknown"),
        e.resolution.as_deref().unwrap_or("unknown"),
        ago(e.timestamp.as_deref(), SystemTime::now()),
    );
    let rows = vec![
        vec![
            button("♻️ Reorganize", format!("hr:{}", record.id)),
            button("🗑 Delete Entry", format!("hx:{}:{here}:{t}", record.id)),
        ],
        vec![button("⬅️ Back", format!("h:{here}:{t}"))],
    ];
    (text, keyboard(rows))
}
