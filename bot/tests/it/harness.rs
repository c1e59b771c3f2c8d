//! Starting the bot against the local servers, talking to it as a user, stopping it.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use perf::{TelegramOptions, TelegramServer};

pub const ADMIN: i64 = 1000;
pub const USER: i64 = 2000;
pub const STRANGER: i64 = 3000;
/// Generous: the machine is shared; these bound a wait, they do not measure anything.
pub const WAIT: Duration = Duration::from_secs(20);

pub struct Bot {
    pub telegram: TelegramServer,
    pub dir: tempfile::TempDir,
    child: KillOnDrop,
    stderr: Arc<Mutex<String>>,
}

/// Kills the bot if a test ends (or fails) without stopping it.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The environment a test bot runs with: this test's servers and folders, nothing else.
pub fn base_env(telegram: &TelegramServer, dir: &Path) -> Vec<(String, String)> {
    [
        ("BOT_TOKEN", telegram.token().to_owned()),
        ("TELEGRAM_API_URL", telegram.api_url()),
        ("ADMIN_IDS", ADMIN.to_string()),
        ("ALLOWED_USERS", USER.to_string()),
        ("BASE_DIR", dir.join("library").display().to_string()),
        // A port nothing listens on: no test may reach the real TMDb.
        ("TMDB_API_URL", "http://127.0.0.1:9/3".to_owned()),
        // Tests send commands faster than people do; the limits have their own test.
        ("RATE_LIMITS", "off".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Runs the bot binary in `dir` with exactly `env`, its stderr collected.
pub fn spawn(dir: &Path, env: &[(String, String)]) -> (Child, Arc<Mutex<String>>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bot"))
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the bot binary");
    let stderr = Arc::new(Mutex::new(String::new()));
    let mut pipe = child.stderr.take().unwrap();
    let sink = Arc::clone(&stderr);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    (child, stderr)
}

impl Bot {
    /// Starts the bot with the standard test setup plus `extra` settings, and waits until
    /// it is ready (its first `getUpdates`).
    pub async fn start(extra: &[(&str, &str)]) -> Bot {
        let telegram = TelegramServer::start(TelegramOptions::default()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        Bot::start_in(telegram, dir, extra).await
    }

    pub async fn start_in(telegram: TelegramServer, dir: tempfile::TempDir, extra: &[(&str, &str)]) -> Bot {
        for id in [ADMIN, USER, STRANGER] {
            telegram.user(id);
        }
        let mut env = base_env(&telegram, dir.path());
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let (child, stderr) = spawn(dir.path(), &env);
        let bot = Bot { telegram, dir, child: KillOnDrop(child), stderr };
        if let Err(e) = bot.telegram.wait_for_call("getUpdates", WAIT).await {
            panic!("the bot never became ready: {e}\nits log:\n{}", bot.log());
        }
        bot
    }

    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until `done` holds, for what the bot does in the background (the command menu,
    /// a log line); panics with the bot's log if it never does.
    pub async fn wait_until(&self, what: &str, done: impl Fn() -> bool) {
        for _ in 0..(WAIT.as_millis() / 10) {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{what} never happened\nthe bot's log:\n{}", self.log());
    }

    /// Sends `text` as `user` and returns the bot's next message to them.
    pub async fn ask(&self, user: i64, text: &str) -> String {
        let scripted = self.telegram.user(user);
        scripted.send_text(text);
        match scripted.next_bot_message(|_| true, WAIT).await {
            Ok(m) => m.text,
            Err(e) => panic!("no answer to {text:?}: {e}\nthe bot's log:\n{}", self.log()),
        }
    }

    /// Sends `text` as `user` and waits until the reply's sendMessage reaches the server
    /// (not its answer: the tests that use this make the server slow to answer).
    pub async fn send_and_wait_for_reply_call(&self, user: i64, text: &str) {
        let before = self.telegram.calls_of("sendMessage").len();
        self.telegram.user(user).send_text(text);
        self.wait_until(&format!("the reply to {text:?} going out"), || {
            self.telegram.calls_of("sendMessage").len() > before
        })
        .await;
    }

    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) with a pid we own and a valid signal number.
        unsafe { libc::kill(self.child.0.id() as i32, signal) };
    }

    /// Waits (boundedly) for the bot to exit; returns its status and log.
    pub async fn exit(mut self) -> (ExitStatus, String, TelegramServer, tempfile::TempDir) {
        let status =
            wait_exit(&mut self.child.0).await.unwrap_or_else(|| panic!("the bot did not exit\n{}", self.log()));
        // Let the reader thread drain what the process wrote last.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let log = self.log();
        (status, log, self.telegram, self.dir)
    }
}

pub async fn wait_exit(child: &mut Child) -> Option<ExitStatus> {
    for _ in 0..(WAIT.as_millis() / 10) {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}
