//! The admin flows' state: one conversation per admin, kept server-side, as a state
//! machine. Nothing waits: each button press or text answer is one update that looks
//! the state up, moves it one step, and returns, so a flow never blocks the bot or the
//! other users. Buttons carry the flow's number (`nonce`), so a button from a flow that
//! ended, was replaced or expired is recognised as stale.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bot_db::Organized;
use teloxide::types::ChatId;

use crate::naming::Category;
use crate::organize::{FoundEpisode, ManualName};

/// Where an `/organize` flow is.
// At most one per admin: the size of the largest variant costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Flow {
    /// The candidates are listed; the admin picks one.
    Pick { files: Vec<PathBuf>, page: usize },
    /// One file, its name being built one answer at a time.
    Name { file: PathBuf, draft: Draft, step: Step },
    /// `/propagate`: the episodes still to ask about (the first is on screen).
    Propagate { template: ManualName, pending: VecDeque<FoundEpisode>, filed: usize, skipped: usize },
}

/// The question on screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Kind,
    Title,
    Year,
    Season,
    Episode,
}

/// The answers so far, and what to suggest for the rest (from the file name, or from the
/// record when reorganizing).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Draft {
    pub category: Option<Category>,
    pub title: Option<String>,
    pub year: Option<u16>,
    pub season: Option<u32>,
    pub episode: Option<u32>,
    pub resolution: Option<String>,
    pub suggest: Suggestions,
    /// The record a reorganize replaces.
    pub replaces: Option<Organized>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Suggestions {
    pub category: Option<Category>,
    pub title: Option<String>,
    pub year: Option<u16>,
    pub season: Option<u32>,
    pub episode: Option<u32>,
}

/// Why a button or an answer found no flow to act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stale {
    /// No flow, or another one replaced it.
    Gone,
    /// The flow was left alone longer than the timeout.
    Expired,
}

struct Session {
    nonce: u64,
    /// The chat the flow runs in: its questions go there, and only answers there count.
    chat: ChatId,
    touched: Instant,
    flow: Flow,
}

/// An admin's flow as a handler sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Current {
    pub nonce: u64,
    pub chat: ChatId,
    pub flow: Flow,
}

/// Every admin's current flow.
#[derive(Clone)]
pub struct Sessions {
    inner: Arc<Mutex<Inner>>,
    timeout: Duration,
}

#[derive(Default)]
struct Inner {
    by_admin: HashMap<i64, Session>,
    last_nonce: u64,
}

impl Sessions {
    pub fn new(timeout: Duration) -> Sessions {
        Sessions { inner: Arc::default(), timeout }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a flow for `admin`, replacing any other (one flow per admin); returns its
    /// nonce, for its buttons.
    pub fn begin(&self, admin: i64, chat: ChatId, flow: Flow) -> u64 {
        let mut inner = self.lock();
        inner.last_nonce += 1;
        let nonce = inner.last_nonce;
        inner.by_admin.insert(admin, Session { nonce, chat, touched: Instant::now(), flow });
        nonce
    }

    /// The flow a button of flow `nonce` acts on (or the current one, for a text answer,
    /// with `nonce` None), and its nonce. An expired flow is removed.
    pub fn current(&self, admin: i64, nonce: Option<u64>) -> Result<Current, Stale> {
        self.current_at(admin, nonce, Instant::now())
    }

    fn current_at(&self, admin: i64, nonce: Option<u64>, now: Instant) -> Result<Current, Stale> {
        let mut inner = self.lock();
        let session = inner.by_admin.get(&admin).ok_or(Stale::Gone)?;
        if nonce.is_some_and(|n| n != session.nonce) {
            return Err(Stale::Gone);
        }
        if now.saturating_duration_since(session.touched) >= self.timeout {
            inner.by_admin.remove(&admin);
            return Err(Stale::Expired);
        }
        Ok(Current { nonce: session.nonce, chat: session.chat, flow: session.flow.clone() })
    }

    /// Moves flow `nonce` to `flow` (if it is still the admin's current one).
    pub fn update(&self, admin: i64, nonce: u64, flow: Flow) {
        if let Some(session) = self.lock().by_admin.get_mut(&admin).filter(|s| s.nonce == nonce) {
            session.flow = flow;
            session.touched = Instant::now();
        }
    }

    /// What to tell the admin about a stale button or answer.
    pub fn explain(&self, stale: Stale) -> String {
        match stale {
            Stale::Gone => "This belongs to a flow that has ended or was replaced. Send /organize or /propagate to start again.".to_owned(),
            Stale::Expired => format!(
                "This flow expired after {} without an answer; nothing more was moved. Send /organize or /propagate to start again.",
                crate::report::duration(self.timeout)
            ),
        }
    }

    /// Restarts flow `nonce`'s silence timer (an answer came, even a wrong one).
    pub fn touch(&self, admin: i64, nonce: u64) {
        if let Some(session) = self.lock().by_admin.get_mut(&admin).filter(|s| s.nonce == nonce) {
            session.touched = Instant::now();
        }
    }

    /// Ends `admin`'s flow (expired or not); returns it, if there was one.
    pub fn end(&self, admin: i64) -> Option<Flow> {
        self.lock().by_admin.remove(&admin).map(|s| s.flow)
    }

    /// Ends flow `nonce`, if it is still `admin`'s current one (not a newer flow).
    pub fn end_if(&self, admin: i64, nonce: u64) {
        let mut inner = self.lock();
        if inner.by_admin.get(&admin).is_some_and(|s| s.nonce == nonce) {
            inner.by_admin.remove(&admin);
        }
    }

    /// Whether `admin` has a flow in `chat` at one of its questions, so a typed text is an
    /// answer (at the Movie/TV/Anime question the answer is to tap a button, and the flow
    /// says so rather than the generic hint).
    pub fn wants_text(&self, admin: i64, chat: ChatId) -> bool {
        self.lock().by_admin.get(&admin).is_some_and(|s| s.chat == chat && matches!(s.flow, Flow::Name { .. }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHAT: ChatId = ChatId(1);

    fn pick() -> Flow {
        Flow::Pick { files: vec![PathBuf::from("/d/a.mkv")], page: 0 }
    }

    #[test]
    fn one_flow_per_admin_and_old_buttons_are_stale() {
        let sessions = Sessions::new(Duration::from_secs(1800));
        let first = sessions.begin(1, CHAT, pick());
        assert_eq!(sessions.current(1, Some(first)).unwrap().nonce, first);
        let second = sessions.begin(1, CHAT, pick());
        assert_eq!(sessions.current(1, Some(first)), Err(Stale::Gone));
        assert!(sessions.current(1, Some(second)).is_ok());
        assert_eq!(sessions.current(2, None), Err(Stale::Gone), "another admin has none");
        sessions.update(1, first, Flow::Pick { files: Vec::new(), page: 3 });
        assert_eq!(sessions.current(1, None).unwrap().flow, pick(), "a stale nonce changes nothing");
        sessions.end_if(1, first);
        assert!(sessions.current(1, Some(second)).is_ok(), "ending a replaced flow leaves the new one");
        assert!(sessions.end(1).is_some());
        assert!(sessions.end(1).is_none());
    }

    #[test]
    fn flows_expire_after_the_timeout_of_silence() {
        let sessions = Sessions::new(Duration::from_secs(1800));
        let nonce = sessions.begin(1, CHAT, pick());
        let later = Instant::now() + Duration::from_secs(1799);
        assert!(sessions.current_at(1, Some(nonce), later).is_ok());
        let expired = Instant::now() + Duration::from_secs(1801);
        assert_eq!(sessions.current_at(1, Some(nonce), expired), Err(Stale::Expired));
        assert_eq!(sessions.current_at(1, Some(nonce), expired), Err(Stale::Gone), "removed once found expired");
    }

    #[test]
    fn only_a_question_waits_for_text() {
        let sessions = Sessions::new(Duration::from_secs(60));
        sessions.begin(1, CHAT, pick());
        assert!(!sessions.wants_text(1, CHAT));
        let draft = Draft::default();
        let nonce =
            sessions.begin(1, CHAT, Flow::Name { file: "/d/a.mkv".into(), draft: draft.clone(), step: Step::Kind });
        assert!(sessions.wants_text(1, CHAT), "text at the Movie/TV question reaches the flow, which says to tap");
        sessions.update(1, nonce, Flow::Name { file: "/d/a.mkv".into(), draft, step: Step::Title });
        assert!(sessions.wants_text(1, CHAT));
        assert!(!sessions.wants_text(1, ChatId(-100)), "only answers in the flow's chat count");
    }
}
