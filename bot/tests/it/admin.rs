//! The admin's tools, walked as an admin would: tapping buttons, typing answers (wrong
//! ones too), `/cancel`, expiry, stale and forged buttons; then the files on disk and the
//! records are checked.

use std::path::{Path, PathBuf};
use std::time::Duration;

use perf::{BotMessage, DocumentSpec, ScriptedUser};

use crate::harness::{Bot, ADMIN, USER, WAIT};

/// The admin's side of a conversation, with the bot's log in every failure.
struct Admin<'a> {
    bot: &'a Bot,
    me: ScriptedUser,
}

impl<'a> Admin<'a> {
    fn of(bot: &'a Bot, id: i64) -> Admin<'a> {
        Admin { bot, me: bot.telegram.user(id) }
    }

    /// Sends `text`; returns the bot's next message (or edit).
    async fn say(&self, text: &str) -> BotMessage {
        self.me.send_text(text);
        self.next(&format!("an answer to {text:?}")).await
    }

    async fn next(&self, what: &str) -> BotMessage {
        self.next_where(what, |_| true).await
    }

    /// Sends `text`; returns the bot's next message (or edit) that starts with `prefix`
    /// (a download's progress edits may come in between).
    async fn say_expecting(&self, text: &str, prefix: &str) -> BotMessage {
        self.me.send_text(text);
        self.next_where(&format!("an answer to {text:?} starting {prefix:?}"), |m| m.text.starts_with(prefix)).await
    }

    async fn next_where(&self, what: &str, pred: impl Fn(&BotMessage) -> bool) -> BotMessage {
        match self.me.next_bot_message(pred, WAIT).await {
            Ok(m) => m,
            Err(e) => panic!("no {what}: {e}\nthe bot's log:\n{}", self.bot.log()),
        }
    }

    /// Taps the button with this text on the newest message that has it; returns the
    /// callback query's id.
    fn tap(&self, text: &str) -> String {
        self.me.press_button(text).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Taps, and returns the bot's next message (or the edit the tap caused).
    async fn tap_then(&self, text: &str) -> BotMessage {
        self.tap(text);
        self.next(&format!("message after tapping {text:?}")).await
    }

    /// What the bot answered to callback `query` (the small notice on the button).
    async fn answer(&self, query: &str) -> String {
        for _ in 0..(WAIT.as_millis() / 10) {
            if let Some(answer) = self.bot.telegram.callback_answer(query) {
                return answer.text.unwrap_or_default();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("callback {query} was never answered\n{}", self.bot.log());
    }
}

fn library(bot: &Bot) -> PathBuf {
    bot.dir.path().join("library")
}

/// Puts a file with distinct bytes in `folder` (relative to the library); returns them.
fn put(bot: &Bot, folder: &str, name: &str) -> Vec<u8> {
    let dir = library(bot).join(folder);
    std::fs::create_dir_all(&dir).unwrap();
    let bytes = format!("contents of {name}").into_bytes();
    std::fs::write(dir.join(name), &bytes).unwrap();
    bytes
}

fn assert_file(path: &Path, bytes: &[u8]) {
    let found = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(found, bytes, "{} holds other bytes", path.display());
}

/// The database as the bot left it (read after it stopped, or flushed).
fn organized_records(dir: &Path) -> Vec<serde_json::Value> {
    let db: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("library/db.json")).unwrap()).unwrap();
    db.get("organized").and_then(|t| t.as_object()).map(|t| t.values().cloned().collect()).unwrap_or_default()
}

#[tokio::test]
async fn a_slow_button_is_answered_in_time_and_its_work_still_done() {
    let bot = Bot::start(&[]).await;
    let bytes = put(&bot, "Downloads", "Slow.Film.2001.mkv");
    let admin = Admin::of(&bot, ADMIN);
    admin.say("/organize").await;
    // From now on each message the bot sends or edits takes Telegram 4 s: twice as long
    // as the bot waits before it answers a press.
    bot.telegram.faults().set_latency("editMessageText", Duration::from_secs(4));
    bot.telegram.faults().set_latency("sendMessage", Duration::from_secs(4));
    let query = admin.tap("Slow.Film.2001.mkv");
    assert_eq!(admin.answer(&query).await, "Working on it…", "answered while its work was still waiting on Telegram");
    let kind = admin.next("the next step, once Telegram takes it").await;
    assert!(kind.text.ends_with("What is it?"), "{}", kind.text);
    bot.telegram.faults().clear();
    // The flow goes on from there, and the quick presses answer with their result.
    admin.tap_then("Movie").await;
    admin.tap_then("✅ Slow Film").await;
    let filed = admin.say("2001").await;
    assert!(filed.text.starts_with("✅ Filed Slow.Film.2001.mkv"), "{}", filed.text);
    assert_file(&library(&bot).join("Movies/Slow Film (2001)/Slow Film (2001).mkv"), &bytes);
}

#[tokio::test]
async fn a_movie_filed_by_hand_with_wrong_answers_retried() {
    let bot = Bot::start(&[]).await;
    let bytes = put(&bot, "Downloads", "sm.rnd.mv.1080p.mkv");
    put(&bot, "Downloads", "notes.txt"); // not media: never offered
    let admin = Admin::of(&bot, ADMIN);

    let list = admin.say("/organize").await;
    assert!(list.text.starts_with("📂 1 file(s) to organize"), "{}", list.text);
    assert!(!list.has_button("notes.txt"), "{:?}", list.buttons());
    let kind = admin.tap_then("sm.rnd.mv.1080p.mkv").await;
    assert!(kind.text.contains("Detected resolution: 1080p") && kind.text.ends_with("What is it?"), "{}", kind.text);
    for b in ["Movie", "TV", "Anime", "Skip"] {
        assert!(kind.has_button(b), "{b}: {:?}", kind.buttons());
    }
    // Typing instead of tapping: the flow says what it wants.
    let typed = admin.say("movie").await;
    assert_eq!(typed.text, "Tap Movie, TV, Anime or Skip above. Try again, or /cancel.");
    let title = admin.tap_then("Movie").await;
    assert!(title.text.starts_with("Title?"), "{}", title.text);
    assert!(
        title.buttons().iter().any(|b| b.text.starts_with("✅ ")),
        "the parsed title is suggested: {:?}",
        title.buttons()
    );

    let wrong = admin.say("...").await;
    assert_eq!(wrong.text, "A title needs at least one letter or digit. Try again, or /cancel.");
    let year = admin.say("  The   Real Film ").await;
    assert!(year.text.starts_with("Year?") && year.has_button("No year"), "{}", year.text);
    let wrong = admin.say("99").await;
    assert!(wrong.text.starts_with("\"99\" is not a year"), "{}", wrong.text);
    let done = admin.say("2011").await;
    let expected = "Movies/The Real Film (2011)/The Real Film (2011) [1080p].mkv";
    assert_eq!(done.text, format!("✅ Filed sm.rnd.mv.1080p.mkv as {expected}"));
    assert_file(&library(&bot).join(expected), &bytes);
    assert!(!library(&bot).join("Downloads/sm.rnd.mv.1080p.mkv").exists());

    // The flow is over: a plain text is no answer any more, and the list is empty.
    let hint = admin.say("2012").await;
    assert!(hint.text.starts_with("Send me a video"), "{}", hint.text);
    let empty = admin.say("/organize").await;
    assert!(empty.text.starts_with("Nothing to organize"), "{}", empty.text);

    let manual = admin.say("/organized").await;
    assert!(manual.text.contains("1. The Real Film (2011) · movie · manual · just now"), "{}", manual.text);
    assert!(manual.has_button("♻️ Reorganize 1") && manual.has_button("🗑 Delete entry 1"), "{:?}", manual.buttons());

    bot.signal(libc::SIGTERM);
    let (status, log, _telegram, dir) = bot.exit().await;
    assert!(status.success(), "{log}");
    let records = organized_records(dir.path());
    assert_eq!(records.len(), 1, "{records:?}");
    let r = &records[0];
    assert_eq!(
        (r["method"].as_str(), r["category"].as_str(), r["title"].as_str()),
        (Some("manual"), Some("movie"), Some("The Real Film"))
    );
    assert_eq!(
        (r["year"].as_i64(), r["resolution"].as_str(), r["organized_by"].as_i64()),
        (Some(2011), Some("1080p"), Some(ADMIN))
    );
    assert!(r["path"].as_str().unwrap().ends_with("Downloads/sm.rnd.mv.1080p.mkv"), "{r}");
}

#[tokio::test]
async fn an_episode_by_hand_then_the_rest_of_the_season_by_propagate() {
    let bot = Bot::start(&[]).await;
    let e1 = put(&bot, "Downloads", "Some.Show.S01E01.720p.mkv");
    let e2 = put(&bot, "Downloads", "Some.Show.S01E02.720p.mkv");
    let e3 = put(&bot, "Downloads", "Some.Show.S01E03.720p.mkv");
    let e4 = put(&bot, "Downloads", "Some.Show.S01E04.720p.mkv");
    put(&bot, "Downloads", "Some.Show.S02E01.720p.mkv"); // another season
    put(&bot, "Downloads", "Other.Thing.S01E05.720p.mkv"); // another show
    let admin = Admin::of(&bot, ADMIN);

    let nothing = admin.say("/propagate").await;
    assert!(nothing.text.starts_with("Nothing to propagate"), "{}", nothing.text);

    admin.say("/organize").await;
    admin.tap_then("Some.Show.S01E01.720p.mkv").await;
    admin.tap_then("TV").await;
    let season = admin.say("Proper Show Name").await;
    assert!(
        season.text.starts_with("Season number?") && season.has_button("✅ 1"),
        "{} {:?}",
        season.text,
        season.buttons()
    );
    let wrong = admin.say("one").await;
    assert!(wrong.text.starts_with("\"one\" is not a season number"), "{}", wrong.text);
    let episode = admin.tap_then("✅ 1").await;
    assert!(episode.text.starts_with("Episode number?") && episode.has_button("✅ 1"), "{}", episode.text);
    let done = admin.tap_then("✅ 1").await;
    let show = "TV/Proper Show Name/Season 01";
    assert!(
        done.text
            .starts_with(&format!("✅ Filed Some.Show.S01E01.720p.mkv as {show}/Proper Show Name - S01E01 [720p].mkv")),
        "{}",
        done.text
    );
    assert!(done.text.contains("/propagate"), "{}", done.text);
    assert_file(&library(&bot).join(format!("{show}/Proper Show Name - S01E01 [720p].mkv")), &e1);

    let ask = admin.say("/propagate").await;
    assert_eq!(ask.text, "📺 Proper Show Name season 1: 3 more found.\nFile Some.Show.S01E02.720p.mkv as episode 2?");
    let asked_in = ask.message_id;
    let ask = admin.tap_then("No").await;
    assert_eq!(ask.message_id, asked_in, "the same message, edited in place");
    assert!(ask.text.ends_with("2 more found.\nFile Some.Show.S01E03.720p.mkv as episode 3?"), "{}", ask.text);
    let ask = admin.tap_then("Yes").await;
    assert!(ask.text.contains("✅ TV/Proper Show Name/Season 01/Proper Show Name - S01E03 [720p].mkv"), "{}", ask.text);
    assert!(ask.text.ends_with("File Some.Show.S01E04.720p.mkv as episode 4?"), "{}", ask.text);
    let end = admin.tap_then("All").await;
    assert_eq!(end.message_id, asked_in);
    assert!(end.text.ends_with("Done with Proper Show Name season 1: 2 filed, 1 skipped."), "{}", end.text);

    assert_file(&library(&bot).join(format!("{show}/Proper Show Name - S01E03 [720p].mkv")), &e3);
    assert_file(&library(&bot).join(format!("{show}/Proper Show Name - S01E04 [720p].mkv")), &e4);
    assert_file(&library(&bot).join("Downloads/Some.Show.S01E02.720p.mkv"), &e2);
    assert!(library(&bot).join("Downloads/Some.Show.S02E01.720p.mkv").exists());
    assert!(library(&bot).join("Downloads/Other.Thing.S01E05.720p.mkv").exists());

    bot.signal(libc::SIGTERM);
    let (status, log, _telegram, dir) = bot.exit().await;
    assert!(status.success(), "{log}");
    let mut records: Vec<_> = organized_records(dir.path())
        .iter()
        .map(|r| {
            (
                r["episode"].as_i64(),
                r["season"].as_i64(),
                r["method"].as_str().map(str::to_owned),
                r["category"].as_str().map(str::to_owned),
                r["title"].as_str().map(str::to_owned),
            )
        })
        .collect();
    records.sort();
    let expect =
        |e| (Some(e), Some(1), Some("manual".to_owned()), Some("tv".to_owned()), Some("Proper Show Name".to_owned()));
    assert_eq!(records, [expect(1), expect(3), expect(4)]);
}

#[tokio::test]
async fn a_long_list_pages_then_an_anime_episode_and_a_skip() {
    let bot = Bot::start(&[]).await;
    // Nine films and one anime episode: more than one page of eight. Sorted by name, the
    // anime episode comes last, on page 2.
    for i in 1..=9 {
        put(&bot, "Downloads", &format!("Film.{i}.2001.mkv"));
    }
    let anime = put(&bot, "Downloads", "Show.Of.Spirits.E07.1080p.mkv");
    let admin = Admin::of(&bot, ADMIN);

    let page1 = admin.say("/organize").await;
    assert!(page1.text.starts_with("📂 10 file(s) to organize (page 1 of 2)"), "{}", page1.text);
    assert!(page1.has_button("Film.8.2001.mkv") && !page1.has_button("Film.9.2001.mkv"), "{:?}", page1.buttons());
    assert!(page1.has_button("Next ➡️") && !page1.has_button("⬅️ Prev"), "{:?}", page1.buttons());
    let page2 = admin.tap_then("Next ➡️").await;
    assert_eq!(page2.message_id, page1.message_id, "the list turns its page in place");
    assert!(
        page2.text.contains("(page 2 of 2)") && page2.has_button("⬅️ Prev") && !page2.has_button("Next ➡️"),
        "{}",
        page2.text
    );
    assert!(
        page2.has_button("Film.9.2001.mkv") && page2.has_button("Show.Of.Spirits.E07.1080p.mkv"),
        "{:?}",
        page2.buttons()
    );

    admin.tap_then("Show.Of.Spirits.E07.1080p.mkv").await;
    let title = admin.tap_then("Anime").await;
    assert!(title.text.starts_with("Title?"), "{}", title.text);
    admin.say("Spirit Show").await;
    let episode = admin.say("2").await; // season 2
    assert!(
        episode.text.starts_with("Episode number?") && episode.has_button("✅ 7"),
        "the parsed episode is suggested: {} {:?}",
        episode.text,
        episode.buttons()
    );
    let wrong = admin.say("0").await;
    assert!(wrong.text.starts_with("\"0\" is not an episode number"), "{}", wrong.text);
    let done = admin.tap_then("✅ 7").await;
    let expected = "Anime/Spirit Show/Season 02/Spirit Show - S02E07 [1080p].mkv";
    assert_eq!(
        done.text.lines().next().unwrap(),
        format!("✅ Filed Show.Of.Spirits.E07.1080p.mkv as {expected}"),
        "{}",
        done.text
    );
    assert_file(&library(&bot).join(expected), &anime);

    // Skip: the file stays where it is, unrecorded, and is offered again.
    let list = admin.say("/organize").await;
    assert!(list.text.starts_with("📂 9 file(s) to organize"), "{}", list.text);
    admin.tap_then("Film.1.2001.mkv").await;
    let skipped = admin.tap("Skip");
    assert_eq!(admin.answer(&skipped).await, "Skipped");
    let said = admin.next_where("the skip's message", |m| m.text.starts_with("Skipped")).await;
    assert_eq!(said.text, "Skipped Film.1.2001.mkv: it stays where it is. Send /organize for the list.");
    assert!(library(&bot).join("Downloads/Film.1.2001.mkv").exists());
    assert!(admin.say("/organize").await.text.starts_with("📂 9 file(s) to organize"));

    bot.signal(libc::SIGTERM);
    let (status, log, _telegram, dir) = bot.exit().await;
    assert!(status.success(), "{log}");
    let records = organized_records(dir.path());
    assert_eq!(records.len(), 1, "only the anime episode is recorded: {records:?}");
    let r = &records[0];
    assert_eq!(
        (r["category"].as_str(), r["season"].as_i64(), r["episode"].as_i64()),
        (Some("anime"), Some(2), Some(7)),
        "{r}"
    );
}

#[tokio::test]
async fn propagate_left_by_cancel_or_by_silence_keeps_what_it_filed() {
    let bot = Bot::start(&[("ORGANIZE_TIMEOUT", "2")]).await;
    let episodes: Vec<Vec<u8>> =
        (1..=4).map(|e| put(&bot, "Downloads", &format!("Night.Watch.S02E0{e}.mkv"))).collect();
    let admin = Admin::of(&bot, ADMIN);
    admin.say("/organize").await;
    admin.tap_then("Night.Watch.S02E01.mkv").await;
    admin.tap_then("TV").await;
    admin.say("Night Watch").await;
    admin.say("2").await;
    let done = admin.say("1").await;
    assert!(done.text.starts_with("✅ Filed Night.Watch.S02E01.mkv"), "{}", done.text);
    let show = library(&bot).join("TV/Night Watch/Season 02");

    // Yes to episode 2, then /cancel: episode 2 stays filed, the rest stay put.
    admin.say("/propagate").await;
    let ask = admin.tap_then("Yes").await;
    assert!(ask.text.ends_with("File Night.Watch.S02E03.mkv as episode 3?"), "{}", ask.text);
    let left = admin.say("/cancel").await;
    assert_eq!(
        left.text,
        "Left /propagate of Night Watch season 2: 1 filed, 0 skipped; the other 2 stay in Downloads."
    );
    let stale = admin.tap("Yes");
    assert!(admin.answer(&stale).await.starts_with("This belongs to a flow that has ended"));
    assert_file(&show.join("Night Watch - S02E02.mkv"), &episodes[1]);
    assert_file(&library(&bot).join("Downloads/Night.Watch.S02E03.mkv"), &episodes[2]);

    // /propagate again goes on after the newest episode filed by hand (2, by the Yes).
    // Then silence past the timeout: a late Yes files nothing.
    let ask = admin.say("/propagate").await;
    assert_eq!(ask.text, "📺 Night Watch season 2: 2 more found.\nFile Night.Watch.S02E03.mkv as episode 3?");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let late = admin.tap("Yes");
    assert_eq!(admin.answer(&late).await, "This flow expired after 2s without an answer; nothing more was moved. Send /organize or /propagate to start again.");
    assert_file(&library(&bot).join("Downloads/Night.Watch.S02E03.mkv"), &episodes[2]);
    assert_file(&library(&bot).join("Downloads/Night.Watch.S02E04.mkv"), &episodes[3]);
    assert!(!show.join("Night Watch - S02E03.mkv").exists());
    assert!(!bot.log().contains("panicked"), "{}", bot.log());
}

#[tokio::test]
async fn a_file_the_bot_put_in_other_is_refiled_by_hand_and_its_record_replaced() {
    let bot = Bot::start(&[]).await;
    let sender = bot.telegram.user(USER);
    sender.send_document(DocumentSpec::generated("VID_20230101_123456.mp4", 5000)).await.unwrap();
    let filed = sender.next_bot_message(|m| m.text.starts_with("📁"), WAIT).await.unwrap();
    assert_eq!(filed.text, "📁 Filed in the library: Other/VID_20230101_123456.mp4");
    let admin = Admin::of(&bot, ADMIN);
    admin.say("/organize").await;
    admin.tap_then("Other/VID_20230101_123456.mp4").await;
    admin.tap_then("Movie").await;
    admin.say("Birthday Party").await;
    let done = admin.say("no year").await;
    assert_eq!(done.text, "✅ Filed VID_20230101_123456.mp4 as Movies/Birthday Party/Birthday Party.mp4");
    let history = admin.say("/history").await;
    assert!(
        history.text.starts_with("🗂 Organized files: 1,")
            && history.text.contains("1. Birthday Party · movie · manual"),
        "{}",
        history.text
    );
    assert!(!library(&bot).join("Other/VID_20230101_123456.mp4").exists(), "the file left Other/");
    assert!(library(&bot).join("Movies/Birthday Party/Birthday Party.mp4").exists());
    bot.signal(libc::SIGTERM);
    let (status, log, _telegram, dir) = bot.exit().await;
    assert!(status.success(), "{log}");
    let records = organized_records(dir.path());
    assert_eq!(records.len(), 1, "the automatic record was replaced, not added to: {records:?}");
    assert_eq!(
        (records[0]["title"].as_str(), records[0]["method"].as_str()),
        (Some("Birthday Party"), Some("manual")),
        "{records:?}"
    );
    assert!(
        records[0]["new_path"].as_str().is_some_and(|p| p.ends_with("Movies/Birthday Party/Birthday Party.mp4")),
        "{records:?}"
    );
}

#[tokio::test]
async fn cancel_expiry_and_stale_buttons_are_answered_plainly() {
    let bot = Bot::start(&[("ORGANIZE_TIMEOUT", "2")]).await;
    let bytes = put(&bot, "Other", "Mystery.File.mkv");
    let admin = Admin::of(&bot, ADMIN);

    // /cancel at the title question: nothing moves, the old buttons are stale.
    let list = admin.say("/organize").await;
    assert!(list.has_button("Other/Mystery.File.mkv"), "{:?}", list.buttons());
    admin.tap_then("Other/Mystery.File.mkv").await;
    admin.tap_then("Anime").await;
    assert_eq!(admin.say("/cancel").await.text, "Left the organize flow; nothing was moved.");
    assert_eq!(admin.say("/cancel").await.text, "There is nothing to cancel.");
    let stale = admin.tap("Movie");
    assert_eq!(
        admin.answer(&stale).await,
        "This belongs to a flow that has ended or was replaced. Send /organize or /propagate to start again."
    );
    assert_file(&library(&bot).join("Other/Mystery.File.mkv"), &bytes);

    // A new /organize replaces the flow: buttons of the previous list are stale.
    admin.say("/organize").await;
    admin.say("/organize").await;
    let messages = bot.telegram.chat(ADMIN);
    let older = messages.iter().rev().filter(|m| m.text.starts_with("📂")).nth(1).unwrap();
    let data = older.buttons()[0].callback_data.clone().unwrap();
    let stale = admin.me.press_data(older, &data);
    assert!(admin.answer(&stale).await.starts_with("This belongs to a flow that has ended"));

    // Silence past ORGANIZE_TIMEOUT: the flow expires; a late answer is told so.
    admin.tap_then("Other/Mystery.File.mkv").await;
    admin.tap_then("Movie").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let late = admin.say("Too Late").await;
    assert_eq!(late.text, "This flow expired after 2s without an answer; nothing more was moved. Send /organize or /propagate to start again.");
    assert_file(&library(&bot).join("Other/Mystery.File.mkv"), &bytes);

    // A file that vanished between the list and the tap.
    admin.say("/organize").await;
    std::fs::remove_file(library(&bot).join("Other/Mystery.File.mkv")).unwrap();
    let gone = admin.tap("Other/Mystery.File.mkv");
    assert!(admin.answer(&gone).await.starts_with("That file is no longer there"), "{}", bot.log());
    assert!(!bot.log().contains("panicked"), "{}", bot.log());
}

#[tokio::test]
async fn only_admins_may_use_admin_commands_and_buttons() {
    let bot = Bot::start(&[]).await;
    put(&bot, "Downloads", "Some.Film.2001.mkv");
    let admin = Admin::of(&bot, ADMIN);
    let user = Admin::of(&bot, USER);
    for command in ["/organize", "/organized", "/history", "/propagate", "/cancel"] {
        assert_eq!(user.say(command).await.text, "Permission denied: only the bot's admins may do that.", "{command}");
    }
    // The admin's list, forwarded to a user who presses its button, and forged data.
    let list = admin.say("/organize").await;
    let data = list.buttons()[0].callback_data.clone().unwrap();
    for data in [data.as_str(), "hx:1:0", "mr:1", "p:1:a"] {
        let query = user.me.press_data(&list, data);
        assert_eq!(user.answer(&query).await, "Only the bot's admins can use this button.", "{data}");
    }
    let nonce = data.split(':').nth(1).unwrap();
    let invalid = "This button is no longer valid.";
    let ended = "This belongs to a flow that has ended or was replaced. Send /organize or /propagate to start again.";
    for (junk, expected) in [
        ("o:x".to_owned(), invalid),
        (format!("o:{nonce}"), invalid),
        (format!("o:{nonce}:f:99"), invalid),
        (format!("o:{nonce}:k:movie"), "That question was already answered. Answer the latest one, or /cancel."),
        ("o:999999:f:0".to_owned(), ended),
        ("qc:zz".to_owned(), invalid),
        ("hd:1".to_owned(), invalid),
        ("nonsense".to_owned(), invalid),
        (String::new(), invalid),
        ("cancel:-1".to_owned(), invalid),
        ("cancel:12345".to_owned(), "This download is no longer in the queue."),
    ] {
        let query = admin.me.press_data(&list, &junk);
        assert_eq!(admin.answer(&query).await, expected, "{junk:?}");
    }
    assert!(library(&bot).join("Downloads/Some.Film.2001.mkv").exists());
    assert!(!bot.log().contains("panicked"), "{}", bot.log());
}

#[tokio::test]
async fn history_pages_details_delete_and_reorganize() {
    let bot = Bot::start(&[]).await;
    let sender = bot.telegram.user(USER);
    let names: Vec<String> = (1..=7).map(|i| format!("Film.Number.{i}.{}.1080p.mkv", 2000 + i)).collect();
    for name in &names {
        sender.send_document(DocumentSpec::generated(name, 1000)).await.unwrap();
        sender
            .next_bot_message(|m| m.text.starts_with("📁"), WAIT)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", bot.log()));
    }
    let admin = Admin::of(&bot, ADMIN);
    let page1 = admin.say("/history").await;
    assert!(page1.text.starts_with("🗂 Organized files: 7, newest first (page 1 of 2)"), "{}", page1.text);
    assert!(page1.text.contains("1. Film Number 7 (2007) · movie · auto · just now"), "{}", page1.text);
    assert!(page1.has_button("Next ➡️") && !page1.has_button("⬅️ Prev"), "{:?}", page1.buttons());
    let page2 = admin.tap_then("Next ➡️").await;
    assert_eq!(page2.message_id, page1.message_id, "pages turn in place");
    assert!(page2.text.contains("(page 2 of 2)") && page2.text.contains("7. Film Number 1 (2001)"), "{}", page2.text);

    // Details, then Delete Entry: the record goes, the file stays.
    let details = admin.tap_then("7. Film Number 1 (2001)").await;
    assert!(details.text.starts_with("🔎 Film Number 1 (2001)\nOriginal file: Film.Number.1.2001.1080p.mkv\nNow at: Movies/Film Number 1 (2001)/Film Number 1 (2001) [1080p].mkv"), "{}", details.text);
    assert!(
        details.text.contains("Method: auto · Category: movie · Resolution: 1080p\nOrganized just now"),
        "{}",
        details.text
    );
    let query = admin.tap("🗑 Delete Entry");
    assert_eq!(admin.answer(&query).await, "Entry deleted; the file stays where it is.");
    let after = admin.next("the page after the delete").await;
    assert!(after.text.starts_with("🗂 Organized files: 6, newest first (page 2 of 2)"), "{}", after.text);
    assert!(library(&bot).join("Movies/Film Number 1 (2001)/Film Number 1 (2001) [1080p].mkv").exists());

    // The deleted entry's old Details button: told so, and the page redrawn.
    let deleted_id = details
        .buttons()
        .iter()
        .find_map(|b| b.callback_data.as_deref()?.strip_prefix("hx:")?.split(':').next().map(str::to_owned))
        .unwrap();
    let stale = admin.me.press_data(&details, &format!("hd:{deleted_id}:1:0"));
    assert_eq!(admin.answer(&stale).await, "That entry was deleted meanwhile.");

    // A file organized while the list is open does not shift its pages: Prev shows the
    // same first page as before; a new /history counts it.
    sender.send_document(DocumentSpec::generated("Film.Number.8.2008.1080p.mkv", 1000)).await.unwrap();
    sender.next_bot_message(|m| m.text.starts_with("📁"), WAIT).await.unwrap_or_else(|e| panic!("{e}\n{}", bot.log()));
    admin.tap("⬅️ Prev");
    let same = admin.next_where("page 1 of the open list", |m| m.text.contains("(page 1 of 2)")).await;
    assert!(
        same.text.starts_with("🗂 Organized files: 6,") && same.text.contains("1. Film Number 7 (2007)"),
        "{}",
        same.text
    );
    let fresh = admin.say("/history").await;
    assert!(
        fresh.text.starts_with("🗂 Organized files: 7,") && fresh.text.contains("1. Film Number 8 (2008)"),
        "{}",
        fresh.text
    );
    let details = admin.tap_then("2. Film Number 7 (2007)").await;
    assert!(details.has_button("♻️ Reorganize"), "{:?}", details.buttons());

    // Reorganize: the flow again, suggesting the recorded values.
    let kind = admin.tap_then("♻️ Reorganize").await;
    assert!(kind.text.contains("Now at: Movies/Film Number 7 (2007)/"), "{}", kind.text);
    let title = admin.tap_then("Movie").await;
    assert!(title.has_button("✅ Film Number 7"), "{:?}", title.buttons());
    admin.say("Film Seven").await;
    let done = admin.tap_then("✅ 2007").await;
    let target = "Movies/Film Seven (2007)/Film Seven (2007) [1080p].mkv";
    assert_eq!(done.text, format!("✅ Filed Film Number 7 (2007) [1080p].mkv as {target}"));
    assert!(library(&bot).join(target).exists());
    let manual = admin.say("/organized").await;
    assert!(manual.text.contains("1. Film Seven (2007) · movie · manual"), "{}", manual.text);
    admin.say("/history").await;
    let seven = admin.tap_then("1. Film Seven (2007)").await;
    assert!(
        seven.text.contains("Original file: Film.Number.7.2007.1080p.mkv"),
        "the original name is kept: {}",
        seven.text
    );
    admin.say("/organized").await;
    let history = admin.say("/history").await;
    assert!(history.text.starts_with("🗂 Organized files: 7,"), "reorganize replaces the record: {}", history.text);

    // Delete from /organized.
    let query = admin.tap("🗑 Delete entry 1");
    assert_eq!(admin.answer(&query).await, "Entry deleted; the file stays where it is.");
    let emptied = admin.next("the /organized page after the delete").await;
    assert!(emptied.text.starts_with("No file has been organized by hand yet"), "{}", emptied.text);
    assert!(library(&bot).join(target).exists());

    bot.signal(libc::SIGTERM);
    let (status, log, _telegram, dir) = bot.exit().await;
    assert!(status.success(), "{log}");
    let records = organized_records(dir.path());
    assert_eq!(records.len(), 6, "7 filed + 1 more, 1 deleted here, 1 in /organized: {records:?}");
    assert!(!records.iter().any(|r| r["title"] == "Film Seven"), "deleted through /organized");
    assert!(records.iter().all(|r| r["method"] == "auto"), "{records:?}");
}

#[tokio::test]
async fn a_page_turned_after_an_entry_above_it_was_deleted_skips_nothing() {
    let bot = Bot::start(&[]).await;
    let sender = bot.telegram.user(USER);
    for i in 1..=7 {
        sender
            .send_document(DocumentSpec::generated(&format!("Film.Number.{i}.{}.1080p.mkv", 2000 + i), 1000))
            .await
            .unwrap();
        sender
            .next_bot_message(|m| m.text.starts_with("📁"), WAIT)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", bot.log()));
    }
    let admin = Admin::of(&bot, ADMIN);
    let first = admin.say("/history").await;
    assert!(first.text.contains("5. Film Number 3 (2003)"), "{}", first.text);
    // From a second /history, the entry of Film 5 (on page 1) is deleted.
    admin.say("/history").await;
    admin.tap_then("3. Film Number 5 (2005)").await;
    let query = admin.tap("🗑 Delete Entry");
    assert_eq!(admin.answer(&query).await, "Entry deleted; the file stays where it is.");
    admin.next("the page after the delete").await;
    // The first message's Next still starts right below Film 3: page offsets would now
    // skip Film 2, which moved up onto page 1.
    let next =
        first.buttons().into_iter().find(|b| b.text == "Next ➡️").and_then(|b| b.callback_data).expect("a Next button");
    admin.me.press_data(&first, &next);
    let page2 = admin.next_where("page 2 of the first list", |m| m.message_id == first.message_id).await;
    assert!(
        page2.text.contains("5. Film Number 2 (2002)") && page2.text.contains("6. Film Number 1 (2001)"),
        "{}",
        page2.text
    );
    assert!(page2.text.starts_with("🗂 Organized files: 6, newest first (page 2 of 2)"), "{}", page2.text);
    assert!(!page2.text.contains("Film Number 3"), "{}", page2.text);
    let prev = admin.tap_then("⬅️ Prev").await;
    assert!(
        prev.text.contains("1. Film Number 7 (2007)") && prev.text.contains("4. Film Number 3 (2003)"),
        "{}",
        prev.text
    );
    assert!(!prev.text.contains("Film Number 5"), "{}", prev.text);
}

#[tokio::test]
async fn the_queue_pages_and_cancels_in_place() {
    let other_user = 2001;
    let bot = Bot::start(&[("MAX_CONCURRENT_DOWNLOADS", "1"), ("ALLOWED_USERS", "2000,2001")]).await;
    bot.telegram.faults().set_bandwidth(Some(20_000));
    let sender = bot.telegram.user(USER);
    for i in 1..=12 {
        sender.send_document(DocumentSpec::generated(&format!("Queued.Film.{i:02}.mkv"), 2_000_000)).await.unwrap();
        let prefix = if i == 1 { "Starting download" } else { "Added to queue" };
        sender
            .next_bot_message(|m| m.text.starts_with(prefix), WAIT)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", bot.log()));
    }
    let user = Admin::of(&bot, USER);
    let page1 = user.say_expecting("/queue", "⬇️ Downloading now").await;
    assert!(page1.text.starts_with("⬇️ Downloading now\n▶1 Queued.Film.01.mkv ["), "{}", page1.text);
    assert!(
        page1.text.contains("⏳ Up next (11 waiting, page 1 of 2)") && page1.text.contains("10. Queued.Film.11.mkv"),
        "{}",
        page1.text
    );
    assert!(
        page1.has_button("✖ Cancel ▶1: Queued.Film.01.mkv") && page1.has_button("✖ Cancel 10: Queued.Film.11.mkv"),
        "{:?}",
        page1.buttons()
    );
    user.tap("More (page 2) ➡️");
    let page2 = user.next_where("page 2", |m| m.text.starts_with("⬇️ Downloading now")).await;
    assert_eq!(page2.message_id, page1.message_id);
    assert!(page2.text.contains("page 2 of 2") && page2.text.contains("11. Queued.Film.12.mkv"), "{}", page2.text);
    let query = user.tap("✖ Cancel 11: Queued.Film.12.mkv");
    assert_eq!(user.answer(&query).await, "Cancelling Queued.Film.12.mkv…");
    let redrawn = user.next_where("the queue after the cancel", |m| m.text.starts_with("⬇️ Downloading now")).await;
    assert!(redrawn.text.contains("10 waiting, page 1 of 1") && !redrawn.text.contains("Film.12"), "{}", redrawn.text);
    // A file arrives meanwhile; Refresh redraws the page in place with it.
    let late = bot.telegram.user(other_user);
    late.send_document(DocumentSpec::generated("Queued.Film.13.mkv", 2_000_000)).await.unwrap();
    late.next_bot_message(|m| m.text.starts_with("Added to queue"), WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log()));
    let query = user.tap("🔄 Refresh");
    user.answer(&query).await;
    let back = user
        .next_where("the refreshed queue", |m| m.message_id == page1.message_id && m.text.contains("11 waiting"))
        .await;
    assert!(back.text.contains("page 1 of 2"), "{}", back.text);
    // Someone else's entry: another user may not cancel it; an admin may.
    let data = back
        .buttons()
        .iter()
        .find(|b| b.text.starts_with("✖ Cancel 1:"))
        .and_then(|b| b.callback_data.clone())
        .unwrap();
    let other = Admin::of(&bot, other_user);
    let query = other.me.press_data(&back, &data);
    assert_eq!(other.answer(&query).await, "Only the person who sent this file, or an admin, can cancel it.");
    let admin = Admin::of(&bot, ADMIN);
    let query = admin.me.press_data(&back, &data);
    assert_eq!(admin.answer(&query).await, "Cancelling Queued.Film.02.mkv…");
}

#[tokio::test]
async fn rate_limits_say_when_to_come_back_and_never_block_shutdown() {
    let bot = Bot::start(&[("RATE_LIMITS", "commands=5/60,downloads=1/60,organize=1/300")]).await;
    let admin = Admin::of(&bot, ADMIN);
    put(&bot, "Downloads", "First.Film.2001.mkv");
    put(&bot, "Downloads", "Second.Film.2002.mkv");
    for name in ["First.Film.2001.mkv", "Second.Film.2002.mkv"] {
        admin.say("/organize").await;
        admin.tap_then(name).await;
        admin.tap_then("Movie").await;
        admin.tap_then(&format!("✅ {}", if name.starts_with("First") { "First Film" } else { "Second Film" })).await;
        let last = admin.say("No year").await;
        if name.starts_with("First") {
            assert!(last.text.starts_with("✅ Filed First.Film.2001.mkv"), "{}", last.text);
        } else {
            assert!(
                last.text.starts_with("⏳ Slow down: at most 1 organize action every 5 minutes. Try again in "),
                "{}",
                last.text
            );
        }
    }
    assert!(library(&bot).join("Downloads/Second.Film.2002.mkv").exists(), "refused, so not moved");
    for _ in 0..3 {
        assert!(admin.say("/help").await.text.contains("/organize"), "commands 3 to 5");
    }
    let refused = admin.say("/help").await;
    assert!(refused.text.starts_with("⏳ Slow down: at most 5 commands a minute. Try again in "), "{}", refused.text);
    let user = bot.telegram.user(USER);
    user.send_document(DocumentSpec::generated("First.File.2001.mkv", 1000)).await.unwrap();
    user.next_bot_message(|m| m.text.starts_with("Starting download"), WAIT).await.unwrap();
    user.send_document(DocumentSpec::generated("Second.File.2002.mkv", 1000)).await.unwrap();
    let slow = user.next_bot_message(|m| m.text.starts_with("⏳"), WAIT).await.unwrap();
    assert!(
        slow.text.contains("at most 1 file a minute")
            && slow.text.ends_with("Second.File.2002.mkv was not downloaded: send it again then."),
        "{}",
        slow.text
    );
    // /shutdown always gets through.
    admin.say("/shutdown").await;
    let (status, log, _, _) = bot.exit().await;
    assert!(status.success(), "{log}");
}
