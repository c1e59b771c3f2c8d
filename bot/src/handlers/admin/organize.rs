//! `/organize`: pick a file, say what it is, answer title and year (or season and
//! episode), and the bot files it. Also the Reorganize of `/history` and `/organized`,
//! which enters the same flow with the recorded values as suggestions.

use std::path::{Path, PathBuf};

use bot_db::Organized;
use teloxide::prelude::*;
use teloxide::types::InlineKeyboardMarkup;

use super::session::{Current, Draft, Flow, Step, Suggestions};
use super::{button, edit_or_send, keyboard, nav_row, say, send, short, shown};
use crate::handlers::{App, TgBot};
use crate::naming::{Category, MediaKind};
use crate::organize::ManualName;
use crate::rate_limit::Action;

/// Files per page of the pick list.
const PICK_PAGE: usize = 8;
const MAX_TITLE_CHARS: usize = 200;

/// `/organize`: lists the candidates.
pub async fn start(bot: &TgBot, chat: ChatId, app: &App, admin: i64) -> anyhow::Result<()> {
    let files = app.organizer.candidates().await?;
    if files.is_empty() {
        return say(bot, chat, "Nothing to organize: the Downloads and Other folders hold no media files.").await;
    }
    let nonce = app.flows.begin(admin, chat, Flow::Pick { files: files.clone(), page: 0 });
    let (text, markup) = pick_page(app, nonce, &files, 0);
    send(bot, chat, text, markup).await
}

fn pick_page(app: &App, nonce: u64, files: &[PathBuf], page: usize) -> (String, InlineKeyboardMarkup) {
    let pages = files.len().div_ceil(PICK_PAGE).max(1);
    let page = page.min(pages - 1);
    let text = format!("📂 {} file(s) to organize (page {} of {pages}). Pick one:", files.len(), page + 1);
    let mut rows: Vec<_> = files
        .iter()
        .enumerate()
        .skip(page * PICK_PAGE)
        .take(PICK_PAGE)
        .map(|(i, f)| vec![button(short(&pick_label(app, f), 48), format!("o:{nonce}:f:{i}"))])
        .collect();
    rows.push(nav_row(page, pages, |p| format!("o:{nonce}:p:{p}")));
    rows.push(vec![button("✖ Cancel", format!("o:{nonce}:x"))]);
    (text, keyboard(rows))
}

/// The file's name, with `Other/` in front for the files there (a name can be in both).
fn pick_label(app: &App, file: &Path) -> String {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if file.starts_with(&app.config.folders.other) {
        format!("Other/{name}")
    } else {
        name
    }
}

/// `/cancel`.
pub fn cancel(app: &App, admin: i64) -> String {
    match app.flows.end(admin) {
        None => "There is nothing to cancel.".to_owned(),
        Some(Flow::Propagate { template, pending, filed, skipped }) => format!(
            "Left /propagate of {} season {}: {filed} filed, {skipped} skipped; the other {} stay in Downloads.",
            template.title,
            template.season.unwrap_or(1),
            pending.len()
        ),
        Some(_) => "Left the organize flow; nothing was moved.".to_owned(),
    }
}

/// A button of flow `nonce`: `action` is what follows `o:<nonce>:`. Returns the short
/// answer shown on the button press.
pub async fn pressed(
    bot: &TgBot,
    query: &CallbackQuery,
    app: &App,
    admin: i64,
    nonce: u64,
    action: &str,
) -> anyhow::Result<String> {
    let Current { nonce, chat, flow } = match app.flows.current(admin, Some(nonce)) {
        Ok(current) => current,
        Err(stale) => return Ok(app.flows.explain(stale)),
    };
    let (verb, arg) = action.split_once(':').unwrap_or((action, ""));
    if !matches!(verb, "x" | "p" | "f" | "k" | "t" | "y" | "ny" | "s" | "e") {
        return Ok("This button is no longer valid.".into());
    }
    match (verb, flow) {
        ("x", _) => {
            app.flows.end_if(admin, nonce);
            edit_or_send(
                bot,
                super::origin(query),
                chat,
                "Left the organize flow; nothing was moved.".into(),
                keyboard(Vec::new()),
            )
            .await?;
            Ok("Cancelled".into())
        }
        ("p", Flow::Pick { files, .. }) => {
            let page = arg.parse().unwrap_or(0);
            app.flows.update(admin, nonce, Flow::Pick { files: files.clone(), page });
            let (text, markup) = pick_page(app, nonce, &files, page);
            edit_or_send(bot, super::origin(query), chat, text, markup).await?;
            Ok(String::new())
        }
        ("f", Flow::Pick { files, .. }) => {
            let Some(file) = arg.parse::<usize>().ok().and_then(|i| files.get(i)).cloned() else {
                return Ok("This button is no longer valid.".into());
            };
            if !tokio::fs::try_exists(&file).await.unwrap_or(false) {
                return Ok("That file is no longer there (moved or deleted). Send /organize for a fresh list.".into());
            }
            let name = file_name(&file);
            let parsed = app.organizer.parse(&name).await?;
            let episode = parsed.is_episode() || parsed.kind == MediaKind::Episode;
            let draft = Draft {
                resolution: parsed.resolution.clone(),
                suggest: Suggestions {
                    category: Some(if episode { Category::Tv } else { Category::Movie }),
                    title: parsed.title.clone(),
                    year: parsed.year,
                    season: parsed.season.or(episode.then_some(1)),
                    episode: parsed.episode,
                },
                ..Draft::default()
            };
            let nonce =
                app.flows.begin(admin, chat, Flow::Name { file: file.clone(), draft: draft.clone(), step: Step::Kind });
            ask(bot, chat, app, nonce, &file, &draft, Step::Kind).await?;
            Ok(String::new())
        }
        ("k", Flow::Name { file, mut draft, step: Step::Kind }) => {
            let category = match arg {
                "movie" => Category::Movie,
                "tv" => Category::Tv,
                "anime" => Category::Anime,
                "skip" => {
                    app.flows.end_if(admin, nonce);
                    say(
                        bot,
                        chat,
                        format!("Skipped {}: it stays where it is. Send /organize for the list.", file_name(&file)),
                    )
                    .await?;
                    return Ok("Skipped".into());
                }
                _ => return Ok("This button is no longer valid.".into()),
            };
            draft.category = Some(category);
            next(bot, chat, app, admin, nonce, file, draft, Step::Title).await?;
            Ok(String::new())
        }
        ("t", Flow::Name { file, mut draft, step: Step::Title }) => {
            match draft.suggest.title.as_deref().map(valid_title) {
                Some(Ok(title)) => {
                    draft.title = Some(title);
                    let after = if draft.category == Some(Category::Movie) { Step::Year } else { Step::Season };
                    next(bot, chat, app, admin, nonce, file, draft, after).await?;
                    Ok(String::new())
                }
                _ => Ok("There is no usable suggestion: type the title.".into()),
            }
        }
        (y @ ("y" | "ny"), Flow::Name { file, mut draft, step: Step::Year }) => {
            draft.year = if y == "y" { draft.suggest.year } else { None };
            finish(bot, chat, app, admin, nonce, &file, draft).await?;
            Ok(String::new())
        }
        ("s", Flow::Name { file, mut draft, step: Step::Season }) => {
            draft.season = draft.suggest.season;
            next(bot, chat, app, admin, nonce, file, draft, Step::Episode).await?;
            Ok(String::new())
        }
        ("e", Flow::Name { file, mut draft, step: Step::Episode }) => {
            draft.episode = draft.suggest.episode;
            finish(bot, chat, app, admin, nonce, &file, draft).await?;
            Ok(String::new())
        }
        // A button of this flow, but for a step it has left (pressed twice, or an old
        // question scrolled up).
        _ => Ok("That question was already answered. Answer the latest one, or /cancel.".into()),
    }
}

/// A typed answer to the open question.
pub async fn answered(bot: &TgBot, msg: &Message, app: &App, admin: i64) -> anyhow::Result<()> {
    let chat = msg.chat.id;
    let text = msg.text().unwrap_or_default().trim().to_owned();
    let Current { nonce, flow, .. } = match app.flows.current(admin, None) {
        Ok(current) => current,
        Err(stale) => return say(bot, chat, app.flows.explain(stale)).await,
    };
    let Flow::Name { file, mut draft, step } = flow else {
        return say(bot, chat, "No question is open. Send /organize to start, or /help.").await;
    };
    let retry = |problem: String| async move {
        app.flows.touch(admin, nonce);
        say(bot, chat, format!("{problem} Try again, or /cancel.")).await
    };
    match step {
        Step::Kind => retry("Tap Movie, TV, Anime or Skip above.".into()).await,
        Step::Title => match valid_title(&text) {
            Ok(title) => {
                draft.title = Some(title);
                let after = if draft.category == Some(Category::Movie) { Step::Year } else { Step::Season };
                next(bot, chat, app, admin, nonce, file, draft, after).await
            }
            Err(problem) => retry(problem).await,
        },
        Step::Year => match valid_year(&text) {
            Ok(year) => {
                draft.year = year;
                finish(bot, chat, app, admin, nonce, &file, draft).await
            }
            Err(problem) => retry(problem).await,
        },
        Step::Season => match valid_number(&text, "season", 0, 999) {
            Ok(season) => {
                draft.season = Some(season);
                next(bot, chat, app, admin, nonce, file, draft, Step::Episode).await
            }
            Err(problem) => retry(problem).await,
        },
        Step::Episode => match valid_number(&text, "episode", 1, 9999) {
            Ok(episode) => {
                draft.episode = Some(episode);
                finish(bot, chat, app, admin, nonce, &file, draft).await
            }
            Err(problem) => retry(problem).await,
        },
    }
}

/// Reorganize (from `/history` or `/organized`): the same flow, for a file already in the
/// library, with the record's values as the suggestions.
pub async fn reorganize(bot: &TgBot, chat: ChatId, app: &App, admin: i64, record: Organized) -> anyhow::Result<String> {
    let Some(file) = record.entry.new_path.as_deref().map(PathBuf::from) else {
        return Ok("This entry has no library path, so there is no file to reorganize.".into());
    };
    let inside = app.config.folders.named().iter().any(|(_, root)| crate::naming::is_inside(root, &file));
    if !inside || !tokio::fs::try_exists(&file).await.unwrap_or(false) {
        return Ok(format!("The file of this entry is no longer at {}: it cannot be reorganized.", shown(app, &file)));
    }
    let e = &record.entry;
    let category = match e.category.as_deref() {
        Some("movie") => Some(Category::Movie),
        Some("tv") => Some(Category::Tv),
        Some("anime") => Some(Category::Anime),
        _ => None,
    };
    let number = |n: Option<i64>| n.and_then(|n| u32::try_from(n).ok());
    let draft = Draft {
        resolution: e.resolution.clone(),
        suggest: Suggestions {
            category,
            title: e.title.clone(),
            year: e.year.and_then(|y| u16::try_from(y).ok()),
            season: number(e.season),
            episode: number(e.episode),
        },
        replaces: Some(record),
        ..Draft::default()
    };
    let nonce = app.flows.begin(admin, chat, Flow::Name { file: file.clone(), draft: draft.clone(), step: Step::Kind });
    ask(bot, chat, app, nonce, &file, &draft, Step::Kind).await?;
    Ok("Reorganizing".into())
}

#[allow(clippy::too_many_arguments)]
async fn next(
    bot: &TgBot,
    chat: ChatId,
    app: &App,
    admin: i64,
    nonce: u64,
    file: PathBuf,
    draft: Draft,
    step: Step,
) -> anyhow::Result<()> {
    app.flows.update(admin, nonce, Flow::Name { file: file.clone(), draft: draft.clone(), step });
    ask(bot, chat, app, nonce, &file, &draft, step).await
}

/// Sends the question for `step`, with its suggestion as a button.
async fn ask(
    bot: &TgBot,
    chat: ChatId,
    app: &App,
    nonce: u64,
    file: &Path,
    draft: &Draft,
    step: Step,
) -> anyhow::Result<()> {
    let s = &draft.suggest;
    let data = |verb: &str| format!("o:{nonce}:{verb}");
    let cancel = vec![button("✖ Cancel", data("x"))];
    let (text, rows) = match step {
        Step::Kind => {
            let resolution = draft.resolution.as_deref().unwrap_or("unknown");
            let now = draft.replaces.as_ref().map(|_| format!("\nNow at: {}", shown(app, file))).unwrap_or_default();
            (
                format!("🎞 {}{now}\nDetected resolution: {resolution}\nWhat is it?", file_name(file)),
                vec![
                    vec![
                        button("Movie", data("k:movie")),
                        button("TV", data("k:tv")),
                        button("Anime", data("k:anime")),
                    ],
                    vec![button("Skip", data("k:skip"))],
                ],
            )
        }
        Step::Title => (
            "Title? Type it, or tap the suggestion.".to_owned(),
            vec![
                s.title
                    .as_deref()
                    .and_then(|t| valid_title(t).ok())
                    .map(|t| vec![button(short(&format!("✅ {t}"), 60), data("t"))])
                    .unwrap_or_default(),
                cancel,
            ],
        ),
        Step::Year => (
            "Year? Type it (e.g. 2010), or tap a button.".to_owned(),
            vec![
                s.year
                    .map(|y| button(format!("✅ {y}"), data("y")))
                    .into_iter()
                    .chain([button("No year", data("ny"))])
                    .collect(),
                cancel,
            ],
        ),
        Step::Season => (
            "Season number? (0 for specials)".to_owned(),
            vec![s.season.map(|n| vec![button(format!("✅ {n}"), data("s"))]).unwrap_or_default(), cancel],
        ),
        Step::Episode => (
            "Episode number?".to_owned(),
            vec![s.episode.map(|n| vec![button(format!("✅ {n}"), data("e"))]).unwrap_or_default(), cancel],
        ),
    };
    send(bot, chat, text, keyboard(rows)).await
}

/// Every answer is in: file it, record it, end the flow.
async fn finish(
    bot: &TgBot,
    chat: ChatId,
    app: &App,
    admin: i64,
    nonce: u64,
    file: &Path,
    draft: Draft,
) -> anyhow::Result<()> {
    if let Err(refused) = app.limiter.check(admin, Action::Organize) {
        // The flow stays where it is: the same answer works once the window has passed.
        app.flows.touch(admin, nonce);
        return say(bot, chat, refused.message()).await;
    }
    app.flows.end_if(admin, nonce);
    let (Some(category), Some(title)) = (draft.category, draft.title.clone()) else {
        return say(bot, chat, "The flow lost its answers; send /organize to start again.").await;
    };
    let name = ManualName {
        category,
        title,
        year: draft.year,
        season: draft.season,
        episode: draft.episode,
        resolution: draft.resolution.clone(),
    };
    let text = match app.organizer.organize_manual(file, &name, admin, draft.replaces.as_ref()).await {
        Ok(placed) => {
            let mut text = format!("✅ Filed {} as {}", file_name(file), shown(app, &placed.path));
            if matches!(category, Category::Tv | Category::Anime) {
                text.push_str("\nSend /propagate to file the season's later episodes from the Downloads folder.");
            }
            text
        }
        Err(e) => {
            format!("❌ Could not file {}: {e:#}. Nothing was lost: send /organize to try again.", file_name(file))
        }
    };
    say(bot, chat, text).await
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn valid_title(text: &str) -> Result<String, String> {
    let title = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(format!("That title is {} characters long; the most is {MAX_TITLE_CHARS}.", title.chars().count()));
    }
    if !title.chars().any(char::is_alphanumeric) {
        return Err("A title needs at least one letter or digit.".into());
    }
    if title.starts_with('/') {
        return Err(format!("{} looks like a command, not a title.", short(&title, 40)));
    }
    Ok(title)
}

fn valid_year(text: &str) -> Result<Option<u16>, String> {
    if matches!(text.to_ascii_lowercase().as_str(), "-" | "none" | "no" | "no year") {
        return Ok(None);
    }
    match whole_number(text).and_then(|n| u16::try_from(n).ok()) {
        Some(year) if (1870..=2100).contains(&year) => Ok(Some(year)),
        _ => Err(format!("{:?} is not a year: type four digits like 2010, or tap No year.", short(text, 40))),
    }
}

/// A season (season 0 holds the specials) or an episode (from 1). One letter in front is
/// allowed, as people write them: `S02`, `e7`.
fn valid_number(text: &str, what: &str, min: u32, max: u32) -> Result<u32, String> {
    let letter = if what == "season" { 's' } else { 'e' };
    let digits = text.strip_prefix([letter, letter.to_ascii_uppercase()]).unwrap_or(text);
    match whole_number(digits) {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        _ => {
            let a = if what == "episode" { "an" } else { "a" };
            Err(format!("{:?} is not {a} {what} number: type a whole number from {min} to {max}.", short(text, 40)))
        }
    }
}

/// Digits only: `str::parse` would also take a sign, and "+3" is not what anyone types
/// for episode 3.
fn whole_number(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_checked() {
        assert_eq!(valid_title("  The   Matrix ").unwrap(), "The Matrix");
        assert!(valid_title("...").is_err());
        assert!(valid_title(&"x".repeat(201)).is_err());
        assert!(valid_title("/start").is_err());
        assert_eq!(valid_year("1999"), Ok(Some(1999)));
        assert_eq!(valid_year("No year"), Ok(None));
        for bad in ["99", "year", "3000", "19999", "+2010", " 2010"] {
            assert!(valid_year(bad).is_err(), "{bad}");
        }
        assert_eq!(valid_number("S02", "season", 0, 999), Ok(2));
        assert_eq!(valid_number("12", "episode", 1, 9999), Ok(12));
        assert_eq!(valid_number("e7", "episode", 1, 9999), Ok(7));
        for bad in ["-1", "+3", "S+3", "two", "1000", "", "SE3", "SS3", "E3", "S", "99999999999"] {
            assert!(valid_number(bad, "season", 0, 999).is_err(), "{bad}");
        }
        for bad in ["0", "S3", "EE3"] {
            assert!(valid_number(bad, "episode", 1, 9999).is_err(), "{bad}");
        }
    }
}
