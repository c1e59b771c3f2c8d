//! A two-minute look at the product without a Telegram token: the real bot binary against
//! the local Telegram and TMDb servers, a scripted user who sends a film, an episode, an
//! anime episode and a few commands, the conversation printed as it happens, and the
//! library the bot built. `cargo xtask demo` builds the bot and runs this.
//!
//! Usage: `demo --bot PATH`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use perf::{BotEvent, BotEventKind, Catalogue, DocumentSpec, FileMode, TelegramOptions, TelegramServer, TmdbServer};

const USER: i64 = 1000;
const WAIT: Duration = Duration::from_secs(60);

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("demo: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Kills the bot if the demo ends early.
struct Bot(Child);

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let bot_path = match args.iter().position(|a| a == "--bot").and_then(|i| args.get(i + 1)) {
        Some(p) => std::fs::canonicalize(p).with_context(|| format!("the bot binary {p}"))?,
        None => bail!("usage: demo --bot PATH"),
    };
    // A local Bot API server's mode: files over 20 MB are fine, and taken from disk.
    let telegram =
        TelegramServer::start(TelegramOptions { file_mode: FileMode::Local, ..TelegramOptions::default() }).await?;
    let tmdb = TmdbServer::start(Catalogue::builtin()).await?;
    let dir = tempfile::tempdir()?;
    let library = dir.path().join("library");
    println!("Local Telegram server: {}   local TMDb server: {}", telegram.api_url(), tmdb.api_url());
    println!("Library: {}\n", library.display());

    let started = Instant::now();
    let child = Command::new(&bot_path)
        .current_dir(dir.path())
        .env_clear()
        .env("BOT_TOKEN", telegram.token())
        .env("TELEGRAM_API_URL", telegram.api_url())
        .env("TMDB_API_URL", tmdb.api_url())
        .env("TMDB_API_KEY", tmdb.api_key())
        .env("ADMIN_IDS", USER.to_string())
        .env("BASE_DIR", &library)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("bot.log"))?)
        .spawn()
        .with_context(|| format!("starting {}", bot_path.display()))?;
    let mut bot = Bot(child);
    let user = telegram.user(USER);
    let ready = telegram.wait_for_call("getUpdates", WAIT).await?;
    println!("The bot is ready {:.1} ms after it started.\n", (ready - started).as_secs_f64() * 1e3);

    let mut seen = 0;
    say("/start");
    user.send_command("start");
    seen = show_until(&telegram, seen, |e| e.message.text.contains("/help")).await?;

    for (name, size) in [
        ("Inception.2010.1080p.BluRay.x264.mkv", 48_000_000),
        ("Breaking.Bad.S01E02.720p.HDTV.x264.mkv", 24_000_000),
        ("One.Piece.S01E05.1080p.WEB.mkv", 12_000_000),
    ] {
        say(&format!("(sends the file {name}, {} MB)", size / 1_000_000));
        user.send_document(DocumentSpec::generated(name, size)).await?;
        seen = show_until(&telegram, seen, |e| e.message.text.starts_with("📁") || e.message.text.starts_with('⚠'))
            .await?;
    }
    for command in ["stats", "queue"] {
        say(&format!("/{command}"));
        user.send_command(command);
        seen = show_until(&telegram, seen, |e| e.kind == BotEventKind::Sent).await?;
    }

    // SAFETY: kill(2) on the child we started, with SIGTERM.
    unsafe { libc::kill(bot.0.id() as i32, libc::SIGTERM) };
    let mut status = None;
    for _ in 0..1000 {
        if let Some(s) = bot.0.try_wait()? {
            status = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let Some(status) = status else {
        let log = std::fs::read_to_string(dir.path().join("bot.log")).unwrap_or_default();
        let calls: Vec<String> = telegram.calls().iter().rev().take(10).map(|c| c.method.clone()).collect();
        bail!("the bot did not stop within 10 s of SIGTERM; its last calls: {calls:?}; its log:\n{log}");
    };
    println!("\nSent SIGTERM: the bot stopped ({status}).\n\nThe library it built:");
    print_tree(&library, &library)?;
    Ok(())
}

fn say(text: &str) {
    println!("you  > {text}");
}

fn print_event(e: &BotEvent) {
    let kind = match e.kind {
        BotEventKind::Sent => "bot  <",
        BotEventKind::Edited => "bot  ~",
        BotEventKind::Deleted => "bot  x",
    };
    let mut lines = e.message.text.lines();
    println!("{kind} {}", lines.next().unwrap_or_default());
    for line in lines {
        println!("       {line}");
    }
    let buttons: Vec<String> = e.message.buttons().into_iter().map(|b| format!("[{}]", b.text)).collect();
    if !buttons.is_empty() {
        println!("       {}", buttons.join(" "));
    }
}

/// Prints the bot's events as they come, until one that `done` accepts.
async fn show_until(
    telegram: &TelegramServer,
    mut seen: usize,
    done: impl Fn(&BotEvent) -> bool,
) -> anyhow::Result<usize> {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let events = telegram.bot_events_after(seen, left).await;
        if events.is_empty() {
            bail!("the bot went quiet for {} s", WAIT.as_secs());
        }
        for e in &events {
            seen += 1;
            print_event(e);
            if done(e) {
                return Ok(seen);
            }
        }
    }
}

fn print_tree(root: &Path, dir: &Path) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let depth = path.strip_prefix(root).map_or(0, |p| p.components().count());
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if path.is_dir() {
            println!("{}{name}/", "  ".repeat(depth));
            print_tree(root, &path)?;
        } else {
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            println!("{}{name}  ({:.1} MB)", "  ".repeat(depth), size as f64 / 1e6);
        }
    }
    Ok(())
}
