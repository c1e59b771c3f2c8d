//! Files sent to the bot: which attachments are taken, and the reply at once (the
//! download itself runs in `crate::downloads`).

use teloxide::prelude::*;

use super::{App, HandlerResult, TgBot};
use crate::downloads::{Accepted, Request};
use crate::naming::classify_extension;

/// The file a message carries, as the download queue needs it.
pub struct Attachment {
    pub file_id: String,
    pub file_unique_id: String,
    pub name: String,
    pub size: u64,
    pub mime_type: Option<String>,
}

pub fn attachment(msg: &Message) -> Option<Attachment> {
    let (file, name, mime) = if let Some(d) = msg.document() {
        (&d.file, d.file_name.clone().unwrap_or_else(|| "document".into()), d.mime_type.as_ref())
    } else if let Some(v) = msg.video() {
        (
            &v.file,
            v.file_name.clone().unwrap_or_else(|| format!("video-{}.mp4", v.file.unique_id)),
            v.mime_type.as_ref(),
        )
    } else if let Some(a) = msg.audio() {
        (
            &a.file,
            a.file_name.clone().unwrap_or_else(|| format!("audio-{}.mp3", a.file.unique_id)),
            a.mime_type.as_ref(),
        )
    } else {
        return None;
    };
    Some(Attachment {
        file_id: file.id.to_string(),
        file_unique_id: file.unique_id.to_string(),
        name,
        size: u64::from(file.size),
        mime_type: mime.map(|m| m.to_string()),
    })
}

pub async fn received(bot: TgBot, msg: Message, app: App) -> HandlerResult {
    let user = msg.from.as_ref().map_or(0, |u| u.id.0 as i64);
    app.db.add_user(user).await?;
    let Some(file) = attachment(&msg) else { return Ok(()) };
    let text = if app.shutdown.is_triggered() {
        format!("The bot is shutting down: send {} again once it is back.", file.name)
    } else if classify_extension(&file.name).is_none() {
        format!("Ignoring {}: unsupported extension. I take video, audio and subtitle files.", file.name)
    } else if let Err(refused) = app.limiter.check(user, crate::rate_limit::Action::Download) {
        format!("{} {} was not downloaded: send it again then.", refused.message(), file.name)
    } else {
        let request = Request {
            user,
            chat: msg.chat.id.0,
            file_id: file.file_id,
            file_unique_id: Some(file.file_unique_id),
            file_name: file.name.clone(),
            file_size: file.size,
            mime_type: file.mime_type,
        };
        match app.downloads.enqueue(request).await?.1 {
            Accepted::Starting => format!("Starting download: {}", file.name),
            Accepted::Queued { position } => format!("Added to queue (position {position}): {}", file.name),
        }
    };
    crate::retry::retry_after(bot.send_message(msg.chat.id, text)).await?;
    Ok(())
}
