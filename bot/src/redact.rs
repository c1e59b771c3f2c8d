//! Keeps the bot token out of every log line. The Bot API puts the token in the URL
//! (`/bot<token>/getUpdates`), and HTTP client errors quote the URL, so any error text
//! may hold it: everything logged from an error passes through [`Redactor::clean`].

use std::fmt::Debug;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use teloxide::error_handlers::ErrorHandler;

#[derive(Clone)]
pub struct Redactor {
    secrets: Arc<Vec<String>>,
}

impl Redactor {
    /// Hides each of `secrets` (empty ones are ignored).
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Redactor {
        Redactor { secrets: Arc::new(secrets.into_iter().filter(|s| !s.is_empty()).collect()) }
    }

    pub fn clean(&self, text: &str) -> String {
        self.secrets.iter().fold(text.to_owned(), |t, s| t.replace(s.as_str(), "<redacted>"))
    }
}

/// teloxide's error handler for the dispatcher and the update listener, redacting.
pub struct LogRedacted {
    pub redactor: Redactor,
    pub what: &'static str,
}

impl<E: Debug + std::fmt::Display + Send + Sync + 'static> ErrorHandler<E> for LogRedacted {
    fn handle_error(self: Arc<Self>, error: E) -> BoxFuture<'static, ()> {
        let message = self.redactor.clean(&format!("{error:#}"));
        tracing::error!(error = %message, "{}", self.what);
        Box::pin(async {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_every_secret() {
        let r = Redactor::new(["123:abc".to_owned(), String::new(), "tmdb-secret".to_owned()]);
        assert_eq!(
            r.clean("error sending request for url (http://h/bot123:abc/getMe) api_key=tmdb-secret"),
            "error sending request for url (http://h/bot<redacted>/getMe) api_key=<redacted>"
        );
    }
}
