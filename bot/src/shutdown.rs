//! Where shutdown is signalled. One [`Shutdown`] is shared by everything that must stop:
//! SIGINT, SIGTERM and the admin's `/shutdown` all trigger it, and `app::run` waits for
//! it to stop intake, let running work reach a safe point, and close the database.
//!
//! A second signal forces an immediate exit. That loses nothing acknowledged: every
//! database write is durable before its caller goes on.

use tokio::signal::unix::{signal, SignalKind};
use tokio_util::sync::CancellationToken;

/// A cheap, clonable handle on "the bot is shutting down".
#[derive(Clone, Debug, Default)]
pub struct Shutdown {
    token: CancellationToken,
}

impl Shutdown {
    pub fn new() -> Shutdown {
        Shutdown::default()
    }

    /// Starts the graceful shutdown; calling it again does nothing.
    pub fn trigger(&self) {
        self.token.cancel();
    }

    pub fn is_triggered(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Resolves once shutdown has been triggered.
    pub async fn wait(&self) {
        self.token.cancelled().await
    }

    /// A token that is cancelled with this shutdown, for tasks to watch.
    pub fn token(&self) -> CancellationToken {
        self.token.clone()
    }
}

/// Resolves at the next SIGINT or SIGTERM.
pub async fn next_signal() -> std::io::Result<&'static str> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(tokio::select! {
        _ = interrupt.recv() => "SIGINT",
        _ = terminate.recv() => "SIGTERM",
    })
}

/// Triggers `shutdown` at the first signal, and exits the process at the second.
pub async fn watch_signals(shutdown: Shutdown) -> std::io::Result<()> {
    let first = next_signal().await?;
    tracing::info!(signal = first, "shutting down gracefully (send it again to exit at once)");
    shutdown.trigger();
    let second = next_signal().await?;
    tracing::warn!(signal = second, "second signal: exiting now");
    std::process::exit(130);
}
