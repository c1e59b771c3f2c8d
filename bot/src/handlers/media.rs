//! Files sent to the bot. Which attachments are taken, and what happens to them.
//!
//! Not built yet: the download queue (see the bot-core issue). Until it is, the bot says
//! so plainly instead of pretending to download.

use teloxide::prelude::*;

use super::{App, HandlerResult, TgBot};

/// The file in a message, if it carries one the bot could take: its name and size.
pub fn attachment(msg: &Message) -> Option<(String, u64)> {
    if let Some(d) = msg.document() {
        return Some((d.file_name.clone().unwrap_or_else(|| "document".into()), u64::from(d.file.size)));
    }
    if let Some(v) = msg.video() {
        return Some((v.file_name.clone().unwrap_or_else(|| "video.mp4".into()), u64::from(v.file.size)));
    }
    if let Some(a) = msg.audio() {
        return Some((a.file_name.clone().unwrap_or_else(|| "audio.mp3".into()), u64::from(a.file.size)));
    }
    None
}

pub async fn received(bot: TgBot, msg: Message, app: App) -> HandlerResult {
    let user = msg.from.as_ref().map_or(0, |u| u.id.0 as i64);
    app.db.add_user(user).await?;
    let (name, _) = attachment(&msg).unwrap_or_default();
    let text = if app.shutdown.is_triggered() {
        format!("The bot is shutting down: send {name} again once it is back.")
    } else {
        format!("Downloads are not available in this build yet, so {name} was not downloaded.")
    };
    bot.send_message(msg.chat.id, text).await?;
    Ok(())
}
