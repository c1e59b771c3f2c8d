//! The commands. The doc comment of each variant of [`Command`] is its line in `/help`
//! and in the menu registered with `setMyCommands`, so they cannot drift apart.

use anyhow::Context;
use teloxide::prelude::*;
use teloxide::utils::command::BotCommands;

use super::admin::history::List;
use super::admin::{history, organize, propagate};
use super::{queue, App, HandlerResult, TgBot};
use crate::rate_limit::Action;
use crate::{diagnostics, report};

#[derive(BotCommands, Clone, Debug, PartialEq)]
#[command(rename_rule = "lowercase")]
pub enum Command {
    /// Welcome, and what this bot does.
    Start,
    /// The list of commands.
    Help,
    /// Download statistics and what is running.
    Stats,
    /// The same as /stats.
    Status,
    /// What is downloading and what waits (/queue 2 for the second page).
    Queue(String),
    /// Checks the library folders, free space, Telegram and TMDb.
    Test,
    /// (admin) File a file from Downloads or Other by hand: pick it, say what it is.
    Organize,
    /// (admin) Files organized by hand, with Reorganize and Delete (/organized 2 for page 2).
    Organized(String),
    /// (admin) Everything organized, newest first, with details (/history 2 for page 2).
    History(String),
    /// (admin) After organizing an episode by hand, file the season's later episodes.
    Propagate,
    /// (admin) Leave the /organize or /propagate flow.
    Cancel,
    /// (admin) How many people have used the bot.
    Users,
    /// (admin) Stops the bot gracefully; nothing queued is lost.
    Shutdown,
}

/// The menu for `setMyCommands`. The Bot API wants names without the slash (lowercase
/// letters, digits and underscores), which teloxide's list includes.
pub fn menu() -> Vec<teloxide::types::BotCommand> {
    Command::bot_commands()
        .into_iter()
        .map(|c| teloxide::types::BotCommand::new(c.command.trim_start_matches('/'), c.description))
        .collect()
}

pub async fn run(bot: TgBot, msg: Message, app: App, command: Command) -> HandlerResult {
    let user = msg.from.as_ref().map_or(0, |u| u.id.0 as i64);
    app.db.add_user(user).await.context("recording the user")?;
    let admin = app.config.is_admin(user);
    let chat = msg.chat.id;
    // Admins are limited too, but an admin's /shutdown always gets through, and so does
    // /cancel: a limit must never keep anyone inside a flow.
    if !(admin && command == Command::Shutdown) && command != Command::Cancel {
        if let Err(refused) = app.limiter.check(user, Action::Command) {
            crate::retry::retry_after(bot.send_message(chat, refused.message())).await?;
            return Ok(());
        }
    }
    let admin_only = matches!(
        command,
        Command::Users
            | Command::Shutdown
            | Command::Organize
            | Command::Organized(_)
            | Command::History(_)
            | Command::Propagate
            | Command::Cancel
    );
    let text = match command {
        _ if admin_only && !admin => "Permission denied: only the bot's admins may do that.".to_owned(),
        Command::Start => format!(
            "👋 Hello! Send me a video, audio or subtitle file and I'll download it and file it, \
             correctly named, in the Jellyfin library.\n\n{}",
            Command::descriptions()
        ),
        Command::Help => Command::descriptions().to_string(),
        Command::Stats | Command::Status => stats(&app, user, admin).await?,
        Command::Queue(page) => return queue::command(&bot, chat, &app, &page).await,
        Command::Test => diagnostics::run(&bot, &app).await,
        Command::Organize => return organize::start(&bot, chat, &app, user).await,
        Command::Organized(page) => return history::command(&bot, chat, &app, List::Manual, &page).await,
        Command::History(page) => return history::command(&bot, chat, &app, List::History, &page).await,
        Command::Propagate => return propagate::start(&bot, chat, &app, user).await,
        Command::Cancel => organize::cancel(&app, user),
        Command::Users => format!(
            "👥 {} people have used the bot.\nDatabase: {}",
            app.db.user_count().await?,
            app.config.db_file.display()
        ),
        Command::Shutdown => {
            tracing::info!(user, "shutdown asked for by an admin");
            let text = "Shutting down gracefully: running downloads stop at a safe point and resume at the next start.";
            crate::retry::retry_after(bot.send_message(chat, text)).await?;
            app.shutdown.trigger();
            return Ok(());
        }
    };
    crate::retry::retry_after(bot.send_message(msg.chat.id, text)).await?;
    Ok(())
}

async fn stats(app: &App, user: i64, admin: bool) -> anyhow::Result<String> {
    let (active, queued) = app.downloads.counts();
    let activity = report::Activity {
        uptime: app.started.elapsed(),
        active,
        queued,
        max_concurrent: app.config.max_concurrent_downloads,
    };
    let own = app.db.user_stats(user).await?;
    Ok(if admin {
        let global = app.db.global_stats().await?;
        let users = app.db.all_user_stats().await?;
        report::stats(&activity, &own, Some((&global, &users)))
    } else {
        report::stats(&activity, &own, None)
    })
}
