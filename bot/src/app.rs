//! The bot's life: start-up, the dispatcher, and the shutdown order.
//!
//! Start-up: the library folders; then the database (a broken `db.json` stops the bot
//! here, untouched) read while `getMe` goes to Telegram; then long polling, with the
//! command menu (`setMyCommands`) sent just after the first `getUpdates`. Readiness is
//! the first `getUpdates`.
//!
//! Shutdown, once [`Shutdown`] is triggered: stop intake (the listener's stop token drops
//! the in-flight long poll and confirms the last update with one `getUpdates` of timeout
//! 0, so nothing handled is delivered again), let running handlers finish, then close the
//! database, which commits everything.

use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::Stream;
use teloxide::prelude::*;
use teloxide::requests::RequesterExt;
use teloxide::stop::StopToken;
use teloxide::types::AllowedUpdate;
use teloxide::update_listeners::{AsUpdateStream, Polling, UpdateListener};
use tokio::sync::oneshot;

use crate::config::Config;
use crate::downloads::Downloads;
use crate::handlers::{self, commands, App, TgBot};
use crate::organize::Organizer;
use crate::redact::{LogRedacted, Redactor};
use crate::shutdown::Shutdown;
use crate::timeline::Timeline;

/// How long after the first getUpdates is built the command menu goes out: time enough for
/// that request to be sent (tens of µs here), too short for anyone to see a bot without its
/// menu.
const MENU_AFTER_FIRST_POLL: Duration = Duration::from_millis(1);

/// How long each getUpdates may wait on the server for an update (long polling). Without
/// it the Bot API answers at once, and the bot would ask again in a tight loop: hundreds of
/// requests a second against a local server, one CPU kept busy. Under the 17 s timeout of
/// teloxide's HTTP client, as teloxide's own `polling_default` has it.
const LONG_POLL: Duration = Duration::from_secs(10);

/// How long a graceful shutdown waits for handlers that are still answering.
const HANDLER_GRACE: Duration = Duration::from_secs(5);

pub async fn run(config: Config, shutdown: Shutdown, timeline: Timeline) -> anyhow::Result<()> {
    let started = Instant::now();
    for (name, dir) in config.folders.named() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating the {name} folder {}", dir.display()))?;
    }
    timeline.mark("folders");

    let redactor = Redactor::new(
        [Some(config.bot_token.expose()), config.tmdb_api_key.as_ref().map(|k| k.expose())]
            .into_iter()
            .flatten()
            .map(str::to_owned),
    );
    let api_url = reqwest::Url::parse(&config.telegram_api_url).context("TELEGRAM_API_URL is not a valid URL")?;
    let bot = Bot::new(config.bot_token.expose()).set_api_url(api_url).cache_me();

    // The database is read (on the blocking pool) while Telegram is asked who the bot is:
    // neither needs the other, and both must be done before the first getUpdates. A broken
    // database ends start-up at once, even while getMe is still being retried.
    let open_db = async {
        let db = bot_db::Db::open(&config.db_file)
            .await
            .with_context(|| format!("opening the database {}", config.db_file.display()))?;
        timeline.mark("db_open");
        anyhow::Ok(db)
    };
    let meet_telegram = async {
        let Some(me) = get_me(&bot, &redactor, &shutdown).await else {
            return anyhow::Ok(None);
        };
        timeline.mark("get_me");
        tracing::info!(bot = %me.username(), "connected to Telegram");
        Ok(Some(me))
    };
    let (db, me) = tokio::try_join!(open_db, meet_telegram)?;
    if me.is_none() {
        // Shutdown came before Telegram answered.
        db.close().await.context("closing the database")?;
        return Ok(());
    }

    let config = Arc::new(config);
    let organizer = Organizer::new(Arc::clone(&config), db.clone())?;
    timeline.mark("organizer");
    let downloads = Downloads::start(
        bot.clone(),
        db.clone(),
        Arc::clone(&config),
        organizer.clone(),
        shutdown.token(),
        redactor.clone(),
    )?;
    downloads.resume().await?;
    timeline.mark("downloads_resumed");
    let app = App {
        flows: handlers::admin::session::Sessions::new(config.organize_timeout),
        limiter: crate::rate_limit::Limiter::new(config.rate_limits.clone()),
        config,
        db: db.clone(),
        shutdown: shutdown.clone(),
        started,
        redactor: redactor.clone(),
        downloads: downloads.clone(),
        organizer,
    };
    let mut dispatcher = Dispatcher::builder(bot.clone(), handlers::schema())
        .dependencies(dptree::deps![app])
        .default_handler(|_| async {})
        .error_handler(Arc::new(LogRedacted { redactor: redactor.clone(), what: "a handler failed" }))
        .build();
    // The command menu only decorates Telegram's input field; commands work without it.
    // So readiness does not wait for its round trip: it goes out just after the first
    // getUpdates.
    let (first_poll_notice, first_poll) = oneshot::channel();
    let menu = tokio::spawn(register_menu(bot.clone(), redactor.clone(), timeline.clone(), first_poll));
    let mut listener = NotifyingPolling {
        inner: Polling::builder(bot).timeout(LONG_POLL).build(),
        first_poll: Some(first_poll_notice),
    };
    // Intake stops by stopping the listener, which is what the dispatcher's own shutdown
    // token ends up doing. That token wakes the dispatcher with Notify::notify_waiters, and
    // the wake-up is lost when it comes while the dispatcher is handing an update to a
    // worker: a /shutdown then waited out HANDLER_GRACE, without the final getUpdates that
    // confirms it. The listener's stop is a flag that stays set, so it cannot be missed.
    let stop_intake = listener.stop_token();
    let shutdown_wait = shutdown.clone();
    let stopper = tokio::spawn(async move {
        shutdown.wait().await;
        stop_intake.stop();
    });
    timeline.mark("dispatching");
    let listener_errors = Arc::new(LogRedacted { redactor, what: "getUpdates failed; retrying" });
    let dispatch = dispatcher.dispatch_with_listener(listener, listener_errors);
    tokio::select! {
        () = dispatch => {}
        // A handler stuck in a slow Telegram request would hold the shutdown for the HTTP
        // client's whole timeout: give handlers a bounded time, then stop without them.
        () = async { shutdown_wait.wait().await; tokio::time::sleep(HANDLER_GRACE).await } => {
            tracing::warn!(grace = ?HANDLER_GRACE, "handlers still busy after the shutdown signal; stopping without them");
        }
    }
    stopper.abort();
    menu.abort();
    // Intake has stopped; the shutdown token already told each download to stop at a
    // safe point. Wait for them, then commit the database.
    downloads.stopped().await;

    db.close().await.context("closing the database")?;
    tracing::info!("stopped");
    Ok(())
}

/// Registers the command menu once the first getUpdates is built; a refusal is logged, and
/// the bot goes on without it.
async fn register_menu(bot: TgBot, redactor: Redactor, timeline: Timeline, first_poll: oneshot::Receiver<()>) {
    if first_poll.await.is_err() {
        return; // The dispatcher never polled: the bot is stopping.
    }
    // The getUpdates is built, not yet written. Building the menu's request meanwhile
    // would delay it on a busy CPU: let it go out first.
    tokio::time::sleep(MENU_AFTER_FIRST_POLL).await;
    if let Err(e) = bot.set_my_commands(commands::menu()).await {
        tracing::warn!(error = %redactor.clean(&e.to_string()), "the server refused the command menu (setMyCommands); commands still work");
    }
    timeline.mark("commands_registered");
}

/// `getMe`, retried with back-off while Telegram is unreachable or failing (the bot waits
/// for it rather than exit); `None` if shutdown comes first.
async fn get_me(bot: &TgBot, redactor: &Redactor, shutdown: &Shutdown) -> Option<teloxide::types::Me> {
    let mut delay = Duration::from_millis(250);
    loop {
        let attempt = tokio::select! {
            result = bot.get_me() => result,
            _ = shutdown.wait() => return None,
        };
        match attempt {
            Ok(me) => return Some(me),
            Err(teloxide::RequestError::RetryAfter(after)) => delay = after.duration(),
            Err(teloxide::RequestError::Api(teloxide::ApiError::InvalidToken)) => {
                tracing::error!("Telegram refused the token (getMe): check BOT_TOKEN; retrying in case it was a fault");
            }
            Err(e) => {
                tracing::warn!(error = %redactor.clean(&e.to_string()), retry_in = ?delay, "getMe failed; retrying")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shutdown.wait() => return None,
        }
        delay = (delay * 2).min(Duration::from_secs(30));
    }
}

/// The polling listener, with a notice when the dispatcher first polls it: that is when the
/// first getUpdates is built (teloxide then sends it at once, on its next poll).
struct NotifyingPolling {
    inner: Polling<TgBot>,
    first_poll: Option<oneshot::Sender<()>>,
}

impl<'a> AsUpdateStream<'a> for NotifyingPolling {
    type StreamErr = <Polling<TgBot> as AsUpdateStream<'a>>::StreamErr;
    type Stream = NotifyingStream<<Polling<TgBot> as AsUpdateStream<'a>>::Stream>;

    fn as_stream(&'a mut self) -> Self::Stream {
        let first_poll = self.first_poll.take();
        NotifyingStream { inner: Box::pin(self.inner.as_stream()), first_poll }
    }
}

impl UpdateListener for NotifyingPolling {
    type Err = <Polling<TgBot> as UpdateListener>::Err;

    fn stop_token(&mut self) -> StopToken {
        self.inner.stop_token()
    }

    fn hint_allowed_updates(&mut self, hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        self.inner.hint_allowed_updates(hint);
    }
}

struct NotifyingStream<S> {
    inner: Pin<Box<S>>,
    first_poll: Option<oneshot::Sender<()>>,
}

impl<S: Stream> Stream for NotifyingStream<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Option<S::Item>> {
        let polled = self.inner.as_mut().poll_next(cx);
        if let Some(notice) = self.first_poll.take() {
            let _ = notice.send(());
        }
        polled
    }
}
