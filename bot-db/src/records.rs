//! The records the bot reads and writes, as plain Rust types, and the pure operations on
//! [`Tables`] behind every call of [`crate::Db`]. These functions are the same in every
//! mode: the modes differ only in where the tables come from and how changes reach disk.

use serde_json::Number;

use crate::format::{DocId, ErrorDoc, Field, OrganizedDoc, QueueDoc, Scalar, StatsDoc, TableId, Tables, Text, UserDoc};

/// A Telegram user id.
pub type UserId = i64;

/// How a file was organized.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Auto,
    Manual,
}

impl Method {
    /// The word the database stores (`auto`, `manual`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Auto => "auto",
            Method::Manual => "manual",
        }
    }
}

/// A file moved into the library, as recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct OrganizedEntry {
    /// The file's path before it was organized.
    pub path: String,
    /// Its path in the library.
    pub new_path: Option<String>,
    pub title: Option<String>,
    /// `movie`, `tv`, `anime`, `music` or `other`, as the bot names them.
    pub category: Option<String>,
    pub year: Option<i64>,
    pub season: Option<i64>,
    pub episode: Option<i64>,
    pub resolution: Option<String>,
    pub organized_by: Option<UserId>,
    /// ISO 8601, as the original bot wrote it.
    pub timestamp: Option<String>,
    pub method: Method,
}

/// A recorded [`OrganizedEntry`] with its id.
#[derive(Clone, Debug, PartialEq)]
pub struct Organized {
    pub id: DocId,
    pub entry: OrganizedEntry,
}

/// One page of a list, newest first, and how many items there are in all.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Zero-based. For a page that starts at an entry, the number of pages of the list
    /// that lie above it, in part or whole.
    pub page: usize,
    pub per_page: usize,
    pub total: usize,
    /// The newest entry the list counts: later entries are left out, so a page stays the
    /// same while new ones are added. Pass it back to get the next page of the same list.
    pub through: Option<DocId>,
    /// Where the next (older) page starts, for [`PageStart::At`]; `None` on the last page.
    pub older: Option<DocId>,
    /// Where the previous (newer) page starts; `None` on the first page.
    pub newer: Option<DocId>,
    /// How many entries of the list are newer than this page's first (its rank, from 0).
    pub newer_count: usize,
}

/// Where a page of a list starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PageStart {
    /// The n-th page (from 0), counting from the newest entry.
    Number(usize),
    /// The newest entry with an id at or below this one: what [`Page::older`] and
    /// [`Page::newer`] hold. Pages that start at an entry, not at an offset, stay right
    /// while entries above them are deleted: nothing is skipped or shown twice.
    At(DocId),
}

impl<T> Page<T> {
    pub fn page_count(&self) -> usize {
        self.total.div_ceil(self.per_page.max(1))
    }
}

/// Download statistics, of one user or of everybody.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    pub files_handled: u64,
    pub successful_downloads: u64,
    pub failed_downloads: u64,
    pub total_bytes: u64,
    pub total_seconds: f64,
    pub peak_concurrent: u64,
}

/// The outcome of one download, for [`crate::Db::record_download`].
#[derive(Clone, Debug, PartialEq)]
pub struct DownloadOutcome {
    pub user: UserId,
    pub succeeded: bool,
    pub bytes: u64,
    pub seconds: f64,
    /// Downloads running when this one ended (for the peak).
    pub concurrent: u64,
}

/// A problem kept for the admin.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorEntry {
    pub error: String,
    pub file: Option<String>,
    pub stage: Option<String>,
    pub timestamp: Option<String>,
}

/// Where a download stands. Finished downloads leave the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QueueState {
    Queued,
    Running,
    Cancelled,
    Failed,
}

impl QueueState {
    fn as_str(self) -> &'static str {
        match self {
            QueueState::Queued => "queued",
            QueueState::Running => "running",
            QueueState::Cancelled => "cancelled",
            QueueState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> QueueState {
        match s {
            "running" => QueueState::Running,
            "cancelled" => QueueState::Cancelled,
            "failed" => QueueState::Failed,
            _ => QueueState::Queued,
        }
    }
}

/// A download the bot has accepted.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueEntry {
    pub user_id: UserId,
    pub chat_id: i64,
    pub file_id: String,
    pub file_unique_id: Option<String>,
    pub file_name: String,
    pub file_size: u64,
    pub mime_type: Option<String>,
    pub state: QueueState,
    pub bytes_done: u64,
    pub enqueued_at: Option<String>,
    /// The chat message that shows this download's progress.
    pub status_message_id: Option<i64>,
    pub error: Option<String>,
}

/// A [`QueueEntry`] with its id; ids grow, so id order is arrival order.
#[derive(Clone, Debug, PartialEq)]
pub struct Queued {
    pub id: DocId,
    pub entry: QueueEntry,
}

/// What [`crate::Db::update_queue`] changes; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueueUpdate {
    pub state: Option<QueueState>,
    pub bytes_done: Option<u64>,
    pub status_message_id: Option<i64>,
    pub error: Option<String>,
}

/// The documents an operation changed, so the store knows what to journal and which
/// cached answers went stale.
#[derive(Debug, Default)]
pub(crate) struct ChangeSet {
    pub touched: Vec<(TableId, DocId)>,
}

impl ChangeSet {
    fn touch(&mut self, table: TableId, id: DocId) {
        self.touched.push((table, id));
    }

    pub fn is_empty(&self) -> bool {
        self.touched.is_empty()
    }
}

fn text(field: &Field<Text>) -> Option<String> {
    field.get().map(Text::to_string)
}

fn scalar(field: &Field<Scalar>) -> Option<i64> {
    field.get().and_then(Scalar::as_i64)
}

fn number(n: Option<i64>) -> Field<Scalar> {
    n.map(|n| Scalar::Number(n.into())).into()
}

impl From<&OrganizedDoc> for OrganizedEntry {
    fn from(d: &OrganizedDoc) -> Self {
        OrganizedEntry {
            path: text(&d.path).unwrap_or_default(),
            new_path: text(&d.new_path),
            title: text(&d.title),
            category: text(&d.category),
            year: scalar(&d.year),
            season: scalar(&d.season),
            episode: scalar(&d.episode),
            resolution: text(&d.resolution),
            organized_by: scalar(&d.organized_by),
            timestamp: text(&d.timestamp),
            method: if d.method.get().is_some_and(|m| m == "manual") { Method::Manual } else { Method::Auto },
        }
    }
}

impl From<OrganizedEntry> for OrganizedDoc {
    fn from(e: OrganizedEntry) -> Self {
        OrganizedDoc {
            path: Field::Value(e.path.into()),
            new_path: e.new_path.into(),
            title: e.title.into(),
            category: e.category.into(),
            year: number(e.year),
            season: number(e.season),
            episode: number(e.episode),
            resolution: e.resolution.into(),
            organized_by: number(e.organized_by),
            timestamp: e.timestamp.into(),
            method: Field::Value(e.method.as_str().into()),
            extra: Default::default(),
        }
    }
}

impl From<&StatsDoc> for Stats {
    fn from(d: &StatsDoc) -> Self {
        Stats {
            files_handled: d.files_handled.count(),
            successful_downloads: d.successful_downloads.count(),
            failed_downloads: d.failed_downloads.count(),
            total_bytes: d.total_data.count(),
            total_seconds: d.total_time.seconds(),
            peak_concurrent: d.peak_concurrent.count(),
        }
    }
}

impl From<&QueueDoc> for QueueEntry {
    fn from(d: &QueueDoc) -> Self {
        QueueEntry {
            user_id: d.user_id.get().copied().unwrap_or_default(),
            chat_id: d.chat_id.get().copied().unwrap_or_default(),
            file_id: text(&d.file_id).unwrap_or_default(),
            file_unique_id: text(&d.file_unique_id),
            file_name: text(&d.file_name).unwrap_or_default(),
            file_size: d.file_size.get().copied().unwrap_or_default(),
            mime_type: text(&d.mime_type),
            state: d.state.get().map_or(QueueState::Queued, |s| QueueState::parse(s)),
            bytes_done: d.bytes_done.get().copied().unwrap_or_default(),
            enqueued_at: text(&d.enqueued_at),
            status_message_id: d.status_message_id.get().copied(),
            error: text(&d.error),
        }
    }
}

impl From<QueueEntry> for QueueDoc {
    fn from(e: QueueEntry) -> Self {
        QueueDoc {
            user_id: Field::Value(e.user_id),
            chat_id: Field::Value(e.chat_id),
            file_id: Field::Value(e.file_id.into()),
            file_unique_id: e.file_unique_id.into(),
            file_name: Field::Value(e.file_name.into()),
            file_size: Field::Value(e.file_size),
            mime_type: e.mime_type.into(),
            state: Field::Value(e.state.as_str().into()),
            bytes_done: Field::Value(e.bytes_done),
            enqueued_at: e.enqueued_at.into(),
            status_message_id: e.status_message_id.into(),
            error: e.error.into(),
            extra: Default::default(),
        }
    }
}

// Reads. A scan of the whole table, as TinyDB's queries are: indexes are the cache's job.

pub(crate) fn has_user(t: &Tables, id: UserId) -> bool {
    t.users.docs.values().any(|u| u.id.get() == Some(&id))
}

pub(crate) fn user_count(t: &Tables) -> usize {
    t.users.docs.len()
}

pub(crate) fn users(t: &Tables) -> Vec<UserId> {
    t.users.docs.values().filter_map(|u| u.id.get().copied()).collect()
}

fn user_stats_kind(user: UserId) -> String {
    format!("user_{user}")
}

fn find_stats<'a>(t: &'a Tables, kind: &str) -> Option<(DocId, &'a StatsDoc)> {
    t.stats.docs.iter().find(|(_, d)| d.kind.get().is_some_and(|k| k == kind)).map(|(id, d)| (*id, d))
}

pub(crate) fn global_stats(t: &Tables) -> Stats {
    find_stats(t, "global").map(|(_, d)| d.into()).unwrap_or_default()
}

pub(crate) fn user_stats(t: &Tables, user: UserId) -> Stats {
    find_stats(t, &user_stats_kind(user)).map(|(_, d)| d.into()).unwrap_or_default()
}

pub(crate) fn all_user_stats(t: &Tables) -> Vec<(UserId, Stats)> {
    t.stats
        .docs
        .values()
        .filter_map(|d| {
            let user = d.kind.get()?.strip_prefix("user_")?.parse().ok()?;
            Some((user, d.into()))
        })
        .collect()
}

pub(crate) fn organized(t: &Tables, id: DocId) -> Option<Organized> {
    t.history().docs.get(&id).map(|d| Organized { id, entry: d.into() })
}

pub(crate) fn is_organized(t: &Tables, path: &str) -> bool {
    t.history().docs.values().any(|d| d.path.get().is_some_and(|p| p == path))
}

/// The newest record of a file now at `new_path` in the library.
pub(crate) fn organized_at(t: &Tables, new_path: &str) -> Option<Organized> {
    t.history()
        .docs
        .iter()
        .rev()
        .find(|(_, d)| d.new_path.get().is_some_and(|p| p == new_path))
        .map(|(id, d)| Organized { id: *id, entry: d.into() })
}

fn is_manual(d: &OrganizedDoc) -> bool {
    d.method.get().is_some_and(|m| m == "manual")
}

/// Which organized entries a page lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum HistoryFilter {
    All,
    Manual,
}

pub(crate) fn history_page(
    t: &Tables,
    filter: HistoryFilter,
    through: Option<DocId>,
    start: PageStart,
    per_page: usize,
) -> Page<Organized> {
    let keep = |d: &OrganizedDoc| filter == HistoryFilter::All || is_manual(d);
    let listed = t.history().docs.through(through);
    let per_page = per_page.max(1);
    let kept_in = |docs: &[(DocId, OrganizedDoc)]| match filter {
        HistoryFilter::All => docs.len(),
        HistoryFilter::Manual => docs.iter().filter(|(_, d)| keep(d)).count(),
    };
    // `split`: the page lists the kept entries of `listed[..split]`, newest first;
    // `newer_count` kept entries lie above it.
    let (split, newer_count) = match start {
        PageStart::Number(page) => {
            let skip = page.saturating_mul(per_page);
            let mut seen = 0;
            let split = match filter {
                HistoryFilter::All => listed.len().saturating_sub(skip),
                HistoryFilter::Manual => listed
                    .iter()
                    .rposition(|(_, d)| {
                        let hit = keep(d) && seen == skip;
                        seen += usize::from(keep(d));
                        hit
                    })
                    .map_or(0, |i| i + 1),
            };
            (split, skip.min(kept_in(listed)))
        }
        PageStart::At(at) => {
            let split = listed.partition_point(|(id, _)| *id <= at);
            (split, kept_in(&listed[split..]))
        }
    };
    let mut below = listed[..split].iter().rev().filter(|(_, d)| keep(d));
    let items: Vec<Organized> =
        below.by_ref().take(per_page).map(|(id, d)| Organized { id: *id, entry: d.into() }).collect();
    let older = below.next().map(|(id, _)| *id);
    // The previous page starts `per_page` kept entries above this one's first.
    let newer = listed[split..].iter().filter(|(_, d)| keep(d)).take(per_page).last().map(|(id, _)| *id);
    let newest_first = listed.iter().rev().filter(|(_, d)| keep(d));
    let total = match filter {
        HistoryFilter::All => listed.len(),
        HistoryFilter::Manual => newest_first.clone().count(),
    };
    let through = newest_first.map(|(id, _)| *id).next();
    Page { items, page: newer_count.div_ceil(per_page), per_page, total, through, older, newer, newer_count }
}

/// The newest manual organize, by anyone (`by` None) or by one user.
pub(crate) fn last_manual(t: &Tables, by: Option<UserId>) -> Option<Organized> {
    t.history()
        .docs
        .iter()
        .rev()
        .find(|(_, d)| is_manual(d) && by.is_none_or(|user| scalar(&d.organized_by) == Some(user)))
        .map(|(id, d)| Organized { id: *id, entry: d.into() })
}

pub(crate) fn queue(t: &Tables) -> Vec<Queued> {
    t.queue.docs.iter().map(|(id, d)| Queued { id: *id, entry: d.into() }).collect()
}

pub(crate) fn error_count(t: &Tables) -> usize {
    t.error_log.docs.len()
}

// Writes. Each records the documents it touched in the change set.

pub(crate) fn add_user(t: &mut Tables, id: UserId, ch: &mut ChangeSet) -> bool {
    if has_user(t, id) {
        return false;
    }
    let doc_id = t.users.next_id();
    t.users.docs.insert(doc_id, UserDoc { id: Field::Value(id), extra: Default::default() });
    ch.touch(TableId::Users, doc_id);
    true
}

fn add_to(field: &mut Field<Number>, amount: u64) {
    *field = Field::Value((field.count() + amount).into());
}

pub(crate) fn record_download(t: &mut Tables, o: &DownloadOutcome, ch: &mut ChangeSet) {
    for kind in ["global".to_owned(), user_stats_kind(o.user)] {
        let id = match find_stats(t, &kind) {
            Some((id, _)) => id,
            None => {
                let id = t.stats.next_id();
                let doc = StatsDoc { kind: Field::Value(kind.into()), ..Default::default() };
                t.stats.docs.insert(id, doc);
                id
            }
        };
        let doc = t.stats.docs.get_mut(&id).expect("found or inserted above");
        add_to(&mut doc.files_handled, 1);
        add_to(if o.succeeded { &mut doc.successful_downloads } else { &mut doc.failed_downloads }, 1);
        add_to(&mut doc.total_data, o.bytes);
        let seconds = doc.total_time.seconds() + o.seconds;
        doc.total_time = Number::from_f64(seconds).map_or(Field::Null, Field::Value);
        let peak = doc.peak_concurrent.count().max(o.concurrent);
        doc.peak_concurrent = Field::Value(peak.into());
        ch.touch(TableId::Stats, id);
    }
}

pub(crate) fn insert_organized(t: &mut Tables, e: OrganizedEntry, ch: &mut ChangeSet) -> DocId {
    let id = t.history_mut().next_id();
    t.history_mut().docs.insert(id, e.into());
    ch.touch(TableId::Organized, id);
    id
}

pub(crate) fn delete_organized(t: &mut Tables, id: DocId, ch: &mut ChangeSet) -> bool {
    let removed = t.history_mut().docs.remove(&id).is_some();
    if removed {
        ch.touch(TableId::Organized, id);
    }
    removed
}

pub(crate) fn log_error(t: &mut Tables, e: ErrorEntry, ch: &mut ChangeSet) -> DocId {
    let id = t.error_log.next_id();
    let doc = ErrorDoc {
        error: Field::Value(e.error.into()),
        file: e.file.into(),
        stage: e.stage.into(),
        timestamp: e.timestamp.into(),
        extra: Default::default(),
    };
    t.error_log.docs.insert(id, doc);
    ch.touch(TableId::ErrorLog, id);
    id
}

pub(crate) fn enqueue(t: &mut Tables, e: QueueEntry, ch: &mut ChangeSet) -> DocId {
    let id = t.queue.next_id();
    t.queue.docs.insert(id, e.into());
    ch.touch(TableId::Queue, id);
    id
}

pub(crate) fn update_queue(t: &mut Tables, id: DocId, u: QueueUpdate, ch: &mut ChangeSet) -> bool {
    let Some(doc) = t.queue.docs.get_mut(&id) else { return false };
    if let Some(state) = u.state {
        doc.state = Field::Value(state.as_str().into());
    }
    if let Some(bytes) = u.bytes_done {
        doc.bytes_done = Field::Value(bytes);
    }
    if let Some(message) = u.status_message_id {
        doc.status_message_id = Field::Value(message);
    }
    if let Some(error) = u.error {
        doc.error = Field::Value(error.into());
    }
    ch.touch(TableId::Queue, id);
    true
}

pub(crate) fn remove_queue(t: &mut Tables, id: DocId, ch: &mut ChangeSet) -> bool {
    let removed = t.queue.docs.remove(&id).is_some();
    if removed {
        ch.touch(TableId::Queue, id);
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, method: Method) -> OrganizedEntry {
        OrganizedEntry {
            path: path.into(),
            new_path: None,
            title: Some("T".into()),
            category: Some("movie".into()),
            year: Some(2010),
            season: None,
            episode: None,
            resolution: None,
            organized_by: Some(1),
            timestamp: None,
            method,
        }
    }

    #[test]
    fn history_pages_are_newest_first_and_count_the_filter() {
        let mut t = Tables::default();
        let mut ch = ChangeSet::default();
        for i in 0..7 {
            let method = if i % 2 == 0 { Method::Manual } else { Method::Auto };
            insert_organized(&mut t, entry(&format!("{i}.mkv"), method), &mut ch);
        }
        let page = history_page(&t, HistoryFilter::All, None, PageStart::Number(1), 5);
        assert_eq!(page.items.iter().map(|o| o.entry.path.as_str()).collect::<Vec<_>>(), ["1.mkv", "0.mkv"]);
        assert_eq!((page.total, page.page_count()), (7, 2));
        let manual = history_page(&t, HistoryFilter::Manual, None, PageStart::Number(0), 3);
        assert_eq!(manual.items.iter().map(|o| o.entry.path.as_str()).collect::<Vec<_>>(), ["6.mkv", "4.mkv", "2.mkv"]);
        assert_eq!(manual.total, 4);
        assert_eq!(last_manual(&t, None).unwrap().entry.path, "6.mkv");
        assert_eq!(last_manual(&t, Some(1)).unwrap().entry.path, "6.mkv", "entry() files as user 1");
        assert_eq!(last_manual(&t, Some(2)), None);
    }

    #[test]
    fn a_file_is_found_by_where_it_is_now() {
        let mut t = Tables::default();
        let mut ch = ChangeSet::default();
        let at = |p: &str| OrganizedEntry { new_path: Some(p.into()), ..entry("in.mkv", Method::Auto) };
        insert_organized(&mut t, at("/lib/Other/a.mkv"), &mut ch);
        let newer = insert_organized(&mut t, at("/lib/Other/a.mkv"), &mut ch);
        assert_eq!(organized_at(&t, "/lib/Other/a.mkv").map(|o| o.id), Some(newer));
        assert_eq!(organized_at(&t, "/lib/Other/b.mkv"), None);
    }

    #[test]
    fn a_list_through_an_entry_ignores_later_ones() {
        let mut t = Tables::default();
        let mut ch = ChangeSet::default();
        let paths = |p: &Page<Organized>| p.items.iter().map(|o| o.entry.path.clone()).collect::<Vec<_>>();
        for i in 0..6 {
            insert_organized(&mut t, entry(&format!("{i}.mkv"), Method::Auto), &mut ch);
        }
        let first = history_page(&t, HistoryFilter::All, None, PageStart::Number(0), 2);
        assert_eq!(paths(&first), ["5.mkv", "4.mkv"]);
        let through = first.through;
        assert_eq!(through, Some(first.items[0].id));
        // Two more files are organized while the admin reads page 1.
        for i in 6..8 {
            insert_organized(&mut t, entry(&format!("{i}.mkv"), Method::Manual), &mut ch);
        }
        let second = history_page(&t, HistoryFilter::All, through, PageStart::Number(1), 2);
        assert_eq!(
            (paths(&second), second.total, second.through),
            (vec!["3.mkv".to_owned(), "2.mkv".to_owned()], 6, through)
        );
        assert_eq!(
            history_page(&t, HistoryFilter::All, None, PageStart::Number(1), 2).total,
            8,
            "a fresh list counts them"
        );
        // The manual filter: none up to `through`.
        let manual = history_page(&t, HistoryFilter::Manual, through, PageStart::Number(0), 2);
        assert_eq!((manual.total, manual.through), (0, None));
    }

    #[test]
    fn pages_that_start_at_an_entry_survive_deletions_above_them() {
        let mut t = Tables::default();
        let mut ch = ChangeSet::default();
        let paths = |p: &Page<Organized>| p.items.iter().map(|o| o.entry.path.clone()).collect::<Vec<_>>();
        let mut ids = Vec::new();
        for i in 0..7 {
            let method = if i % 2 == 0 { Method::Manual } else { Method::Auto };
            ids.push(insert_organized(&mut t, entry(&format!("{i}.mkv"), method), &mut ch));
        }
        let first = history_page(&t, HistoryFilter::All, None, PageStart::Number(0), 3);
        assert_eq!(
            (paths(&first), first.newer, first.older, first.newer_count),
            (vec!["6.mkv".into(), "5.mkv".into(), "4.mkv".into()], None, Some(ids[3]), 0)
        );
        // Another admin deletes an entry of the first page; the next page still starts at 3.
        delete_organized(&mut t, ids[5], &mut ch);
        let next = history_page(&t, HistoryFilter::All, first.through, PageStart::At(first.older.unwrap()), 3);
        assert_eq!(paths(&next), ["3.mkv", "2.mkv", "1.mkv"]);
        assert_eq!(
            (next.page, next.newer_count, next.total, next.older),
            (1, 2, 6, Some(ids[0])),
            "two entries above it now, and it comes after the first page"
        );
        // Back from the page the offsets would have got wrong: the two above it.
        let back = history_page(&t, HistoryFilter::All, first.through, PageStart::At(next.newer.unwrap()), 3);
        assert_eq!((paths(&back), back.newer), (vec!["6.mkv".into(), "4.mkv".into(), "3.mkv".into()], None));
        let last = history_page(&t, HistoryFilter::All, first.through, PageStart::At(ids[0]), 3);
        assert_eq!((paths(&last), last.older, last.page), (vec!["0.mkv".to_owned()], None, 2));
        // The manual filter pages over its own entries: 6, 4, 2, 0.
        let manual = history_page(&t, HistoryFilter::Manual, None, PageStart::Number(1), 2);
        assert_eq!(
            (paths(&manual), manual.newer, manual.older, manual.newer_count),
            (vec!["2.mkv".into(), "0.mkv".into()], Some(ids[6]), None, 2)
        );
        let manual_next = history_page(&t, HistoryFilter::Manual, None, PageStart::At(ids[3]), 2);
        assert_eq!(paths(&manual_next), ["2.mkv", "0.mkv"], "an id that is not in the list starts below it");
        assert!(history_page(&t, HistoryFilter::Manual, None, PageStart::Number(5), 2).items.is_empty());
    }

    #[test]
    fn record_download_updates_global_and_user_stats() {
        let mut t = Tables::default();
        let mut ch = ChangeSet::default();
        let ok = DownloadOutcome { user: 7, succeeded: true, bytes: 100, seconds: 2.0, concurrent: 2 };
        let failed = DownloadOutcome { user: 8, succeeded: false, bytes: 0, seconds: 0.5, concurrent: 1 };
        record_download(&mut t, &ok, &mut ch);
        record_download(&mut t, &failed, &mut ch);
        let global = global_stats(&t);
        assert_eq!((global.files_handled, global.successful_downloads, global.failed_downloads), (2, 1, 1));
        assert_eq!((global.total_bytes, global.total_seconds, global.peak_concurrent), (100, 2.5, 2));
        assert_eq!(user_stats(&t, 7).successful_downloads, 1);
        assert_eq!(user_stats(&t, 9), Stats::default());
        let mut users: Vec<_> = all_user_stats(&t).into_iter().map(|(u, _)| u).collect();
        users.sort();
        assert_eq!(users, [7, 8]);
    }

    #[test]
    fn add_user_is_idempotent() {
        let mut t = Tables::default();
        let mut ch = ChangeSet::default();
        assert!(add_user(&mut t, 5, &mut ch));
        assert!(!add_user(&mut t, 5, &mut ch));
        assert_eq!((user_count(&t), ch.touched.len()), (1, 1));
    }
}
