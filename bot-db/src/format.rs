//! The on-disk types: TinyDB 4's layout, as the Python bot wrote it.
//!
//! A database file is one JSON object of tables; each table is an object from string doc
//! ids ("1", "2", …) to documents. Users keep their old `db.json`, so these types are a
//! boundary: they accept what the Python bot wrote (a `year` that is a string, a number or
//! null; gaps in doc ids; fields and tables this crate does not know) and write it back
//! unchanged in content. Known fields are [`Field`]s, which tell "absent" from "null", and
//! every document keeps its unknown fields in `extra`.
//!
//! The visitors are written by hand (no `#[serde(flatten)]`) because flatten buffers every
//! document through an intermediate map, which triples the time to open a large file.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

/// Text in a document. Short strings are stored inline, without a heap allocation.
pub type Text = compact_str::CompactString;

/// A TinyDB document id.
pub type DocId = u64;

/// A known field of a document: absent, `null`, or a value.
///
/// Absent and null are kept apart so that a document read from an old file is written back
/// with the same keys it had.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Field<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<T> Field<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Field::Absent)
    }

    pub fn get(&self) -> Option<&T> {
        match self {
            Field::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl<T> From<Option<T>> for Field<T> {
    fn from(value: Option<T>) -> Self {
        match value {
            Some(v) => Field::Value(v),
            None => Field::Null,
        }
    }
}

impl From<Option<String>> for Field<Text> {
    fn from(value: Option<String>) -> Self {
        value.map(Text::from).into()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<T>::deserialize(d)?.into())
    }
}

impl<T: Serialize> Serialize for Field<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Value(v) => v.serialize(s),
            Field::Absent | Field::Null => s.serialize_none(),
        }
    }
}

impl Field<Number> {
    /// A counter's value; floats (which some Python code wrote) are truncated.
    pub fn count(&self) -> u64 {
        match self.get() {
            Some(n) => n.as_u64().unwrap_or_else(|| n.as_f64().map_or(0, |f| f.max(0.0) as u64)),
            None => 0,
        }
    }

    pub fn seconds(&self) -> f64 {
        self.get().and_then(Number::as_f64).unwrap_or(0.0)
    }
}

/// A number or a string, as old files hold years, seasons and user ids.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Number(Number),
    Text(String),
}

impl Scalar {
    /// The integer it holds, parsing a text form such as `"2010"`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Scalar::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Scalar::Text(s) => s.trim().parse().ok(),
        }
    }
}

impl Serialize for Scalar {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Scalar::Number(n) => n.serialize(s),
            Scalar::Text(t) => s.serialize_str(t),
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl Visitor<'_> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a string")
            }
            fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Number(v.into()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Number(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Number::from_f64(v).map(Scalar::Number).ok_or_else(|| E::custom("a number that is not finite"))
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::Text(v))
            }
        }
        d.deserialize_any(ScalarVisitor)
    }
}

/// A key of a document: one of its known field names, or another one kept in `extra`.
enum Key {
    Known(&'static str),
    Unknown(String),
}

/// Matches a key against a document's known names without allocating for them.
struct KeySeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E>(self, v: &str) -> Result<Key, E> {
        Ok(match self.0.iter().find(|k| **k == v) {
            Some(k) => Key::Known(k),
            None => Key::Unknown(v.to_owned()),
        })
    }
}

/// Declares a document type: its known fields (each a [`Field`]) with their JSON names,
/// plus `extra` for the rest, and the serde impls that keep both.
macro_rules! document {
    ($(#[$meta:meta])* pub struct $name:ident {
        $($(#[$fmeta:meta])* $key:literal => $field:ident : $ty:ty,)*
    }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: Field<$ty>,)*
            /// Fields this crate does not know, kept so that they survive a round trip.
            pub extra: Map<String, Value>,
        }

        impl $name {
            const FIELDS: &'static [&'static str] = &[$($key),*];
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct DocVisitor;
                impl<'de> Visitor<'de> for DocVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " object"))
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        let mut doc = $name::default();
                        while let Some(key) = map.next_key_seed(KeySeed($name::FIELDS))? {
                            match key {
                                $(Key::Known($key) => doc.$field = map.next_value()?,)*
                                Key::Known(other) => unreachable!("{other} is in FIELDS"),
                                Key::Unknown(k) => {
                                    doc.extra.insert(k, map.next_value()?);
                                }
                            }
                        }
                        Ok(doc)
                    }
                }
                d.deserialize_map(DocVisitor)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(None)?;
                $(if !self.$field.is_absent() {
                    m.serialize_entry($key, &self.$field)?;
                })*
                for (k, v) in &self.extra {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
    };
}

document! {
    /// A user who has used the bot (`users` table).
    pub struct UserDoc {
        "id" => id: i64,
    }
}

document! {
    /// Download statistics, global (`type: "global"`) or of one user (`type: "user_<id>"`).
    pub struct StatsDoc {
        "type" => kind: Text,
        "files_handled" => files_handled: Number,
        "successful_downloads" => successful_downloads: Number,
        "failed_downloads" => failed_downloads: Number,
        "total_data" => total_data: Number,
        /// Seconds spent downloading, for the average speed and time per file.
        "total_time" => total_time: Number,
        "peak_concurrent" => peak_concurrent: Number,
    }
}

document! {
    /// A file that was moved into the library (`organized` table).
    pub struct OrganizedDoc {
        /// Where the file was before it was organized (the staging or Other folder).
        "path" => path: Text,
        /// Where it is now, inside the library.
        "new_path" => new_path: Text,
        "title" => title: Text,
        "category" => category: Text,
        "year" => year: Scalar,
        "season" => season: Scalar,
        "episode" => episode: Scalar,
        "resolution" => resolution: Text,
        "organized_by" => organized_by: Scalar,
        "timestamp" => timestamp: Text,
        "method" => method: Text,
    }
}

document! {
    /// Something that went wrong, kept for the admin (`error_log` table).
    pub struct ErrorDoc {
        "error" => error: Text,
        "file" => file: Text,
        "stage" => stage: Text,
        "timestamp" => timestamp: Text,
    }
}

document! {
    /// A download waiting or running (`queue` table, new in the Rust bot), so the queue
    /// survives a restart.
    pub struct QueueDoc {
        "user_id" => user_id: i64,
        "chat_id" => chat_id: i64,
        "file_id" => file_id: Text,
        "file_unique_id" => file_unique_id: Text,
        "file_name" => file_name: Text,
        "file_size" => file_size: u64,
        "mime_type" => mime_type: Text,
        "state" => state: Text,
        "bytes_done" => bytes_done: u64,
        "enqueued_at" => enqueued_at: Text,
        "status_message_id" => status_message_id: i64,
        "error" => error: Text,
    }
}

/// A table's documents, sorted by id, in a vector: a B-tree's spare node space cost a
/// third of a large history's memory. Ids only grow (TinyDB's next id is one past the
/// largest), so an insert is a push; deletions, rare, shift the rest.
#[derive(Clone, Debug, PartialEq)]
pub struct Docs<T>(Vec<(DocId, T)>);

impl<T> Default for Docs<T> {
    fn default() -> Self {
        Docs(Vec::new())
    }
}

impl<T> Docs<T> {
    fn position(&self, id: DocId) -> Result<usize, usize> {
        self.0.binary_search_by_key(&id, |(k, _)| *k)
    }

    pub fn get(&self, id: &DocId) -> Option<&T> {
        self.position(*id).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut(&mut self, id: &DocId) -> Option<&mut T> {
        self.position(*id).ok().map(|i| &mut self.0[i].1)
    }

    pub fn insert(&mut self, id: DocId, doc: T) {
        match self.0.last() {
            Some((last, _)) if *last >= id => match self.position(id) {
                Ok(i) => self.0[i].1 = doc,
                Err(i) => self.0.insert(i, (id, doc)),
            },
            _ => self.0.push((id, doc)),
        }
    }

    pub fn remove(&mut self, id: &DocId) -> Option<T> {
        self.position(*id).ok().map(|i| self.0.remove(i).1)
    }

    /// In id order; `.rev()` for newest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&DocId, &T)> + Clone {
        self.0.iter().map(|(id, doc)| (id, doc))
    }

    /// The documents with ids up to `last` (all with `None`), in id order.
    pub fn through(&self, last: Option<DocId>) -> &[(DocId, T)] {
        let end = last.map_or(self.0.len(), |last| self.0.partition_point(|(id, _)| *id <= last));
        &self.0[..end]
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &T> + Clone {
        self.0.iter().map(|(_, doc)| doc)
    }

    pub fn last_id(&self) -> Option<DocId> {
        self.0.last().map(|(id, _)| *id)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One table: documents by id, in id order (which is insertion order).
#[derive(Clone, Debug, PartialEq)]
pub struct Table<T> {
    pub docs: Docs<T>,
    /// Whether the file had this table, so an empty table the file lacked is not added.
    pub present: bool,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table { docs: Docs::default(), present: false }
    }
}

impl<T> Table<T> {
    /// TinyDB's next id: one past the largest.
    pub fn next_id(&self) -> DocId {
        self.docs.last_id().map_or(1, |last| last + 1)
    }

    fn should_write(&self) -> bool {
        self.present || !self.docs.is_empty()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Table<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TableVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for TableVisitor<T> {
            type Value = Table<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table (an object from document ids to documents)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Table<T>, A::Error> {
                let mut docs = Vec::with_capacity(map.size_hint().unwrap_or(0));
                let mut sorted = true;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let id: DocId = key
                        .parse()
                        .map_err(|_| de::Error::custom(format!("document id {key:?} is not a whole number")))?;
                    sorted &= docs.last().is_none_or(|(last, _)| *last < id);
                    docs.push((id, map.next_value()?));
                }
                if !sorted {
                    // TinyDB writes ids in order, but a hand-edited file may not; a
                    // repeated id keeps its last document, as a JSON object would.
                    docs.reverse();
                    docs.sort_by_key(|(id, _)| *id);
                    docs.dedup_by_key(|(id, _)| *id);
                }
                docs.shrink_to_fit();
                Ok(Table { docs: Docs(docs), present: true })
            }
        }
        d.deserialize_map(TableVisitor(PhantomData))
    }
}

impl<T: Serialize> Serialize for Table<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.docs.len()))?;
        for (id, doc) in self.docs.iter() {
            m.serialize_entry(&id.to_string(), doc)?;
        }
        m.end()
    }
}

/// The names of the tables this crate knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TableId {
    Users,
    Stats,
    Organized,
    ErrorLog,
    Queue,
}

impl TableId {
    pub const ALL: [TableId; 5] =
        [TableId::Users, TableId::Stats, TableId::Organized, TableId::ErrorLog, TableId::Queue];

    pub fn name(self) -> &'static str {
        match self {
            TableId::Users => "users",
            TableId::Stats => "stats",
            TableId::Organized => "organized",
            TableId::ErrorLog => "error_log",
            TableId::Queue => "queue",
        }
    }

    pub fn from_name(name: &str) -> Option<TableId> {
        TableId::ALL.into_iter().find(|t| t.name() == name)
    }

    #[cfg_attr(not(feature = "cache"), allow(dead_code))] // indexes the cache's generations
    pub fn index(self) -> usize {
        self as usize
    }
}

/// The whole database as the file holds it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tables {
    pub users: Table<UserDoc>,
    pub stats: Table<StatsDoc>,
    /// The history; reach it through [`Tables::history`] and [`Tables::history_mut`].
    organized: History,
    pub error_log: Table<ErrorDoc>,
    pub queue: Table<QueueDoc>,
    /// Tables this crate does not know (TinyDB's `_default`, say), kept as they are.
    pub other: Map<String, Value>,
}

/// The `organized` table, the largest by far: read into documents, or still the file's
/// text. The `batch` form opens with the text (its syntax checked) and reads the
/// documents on first use, so start-up does not pay for a history it may not need.
#[derive(Clone, Debug)]
enum History {
    Read(Table<OrganizedDoc>),
    Unread(UnreadHistory),
}

impl Default for History {
    fn default() -> Self {
        History::Read(Table::default())
    }
}

impl PartialEq for History {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (History::Read(a), History::Read(b)) => a == b,
            (History::Unread(a), History::Unread(b)) => a.json() == b.json(),
            _ => false,
        }
    }
}

/// The history's JSON as the file held it, and where in the file it began (1-based line
/// and 0-based byte column), so that an error found when it is read names the file's line.
/// It keeps the whole file's text rather than a copy of the history's part: at start-up a
/// second allocation of that size, and its page faults, cost a tenth of the open. Shared,
/// so a clone is cheap and the parse can run without holding the tables' lock.
#[derive(Clone, Debug)]
#[cfg_attr(not(feature = "batch"), allow(dead_code))] // only the batch form leaves it unread
pub struct UnreadHistory {
    file: Arc<str>,
    range: std::ops::Range<usize>,
    pub line: usize,
    pub column: usize,
}

impl UnreadHistory {
    /// The history's JSON text (its syntax was checked at open).
    pub fn json(&self) -> &str {
        &self.file[self.range.clone()]
    }
}

/// Runs `$body` with `$table` bound to the typed table that `$id` names.
macro_rules! with_table {
    ($tables:expr, $id:expr, |$table:ident| $body:expr) => {
        match $id {
            TableId::Users => {
                let $table = &mut $tables.users;
                $body
            }
            TableId::Stats => {
                let $table = &mut $tables.stats;
                $body
            }
            TableId::Organized => {
                let $table = $tables.history_mut();
                $body
            }
            TableId::ErrorLog => {
                let $table = &mut $tables.error_log;
                $body
            }
            TableId::Queue => {
                let $table = &mut $tables.queue;
                $body
            }
        }
    };
}

impl Tables {
    /// The history's documents.
    ///
    /// # Panics
    /// If the history is still unread: every caller reads it first (`Db`'s history
    /// operations do), so this is a bug in bot-db, not something a file can cause.
    pub fn history(&self) -> &Table<OrganizedDoc> {
        match &self.organized {
            History::Read(table) => table,
            History::Unread(_) => panic!("bot-db bug: the history was used before it was read"),
        }
    }

    /// The history's documents, to change. Panics like [`Tables::history`].
    pub fn history_mut(&mut self) -> &mut Table<OrganizedDoc> {
        match &mut self.organized {
            History::Read(table) => table,
            History::Unread(_) => panic!("bot-db bug: the history was used before it was read"),
        }
    }

    /// The history's text, if it has not been read into documents yet.
    #[cfg_attr(not(feature = "batch"), allow(dead_code))] // only the batch form leaves it unread
    pub fn unread_history(&self) -> Option<&UnreadHistory> {
        match &self.organized {
            History::Unread(unread) => Some(unread),
            History::Read(_) => None,
        }
    }

    #[cfg_attr(not(feature = "batch"), allow(dead_code))]
    pub fn set_history(&mut self, table: Table<OrganizedDoc>) {
        self.organized = History::Read(table);
    }

    /// Writes document `id` of `table` as JSON (`null` when it does not exist).
    #[cfg_attr(not(feature = "batch"), allow(dead_code))] // only the batch mode writes journals
    pub fn write_doc_json(&mut self, table: TableId, id: DocId, out: &mut Vec<u8>) {
        let result = with_table!(self, table, |t| serde_json::to_writer(&mut *out, &t.docs.get(&id)));
        // Serializing our own types into memory cannot fail: they are maps of strings,
        // numbers and JSON values.
        result.expect("serializing a document into memory");
    }

    /// Puts (or, with `None`, deletes) document `id` of `table` from its JSON form.
    pub fn apply_json(&mut self, table: TableId, id: DocId, doc: Option<Value>) -> serde_json::Result<()> {
        with_table!(self, table, |t| {
            t.present = true;
            match doc {
                Some(v) => {
                    t.docs.insert(id, serde_json::from_value(v)?);
                }
                None => {
                    t.docs.remove(&id);
                }
            }
            Ok(())
        })
    }
}

impl<'de> Deserialize<'de> for Tables {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(TablesVisitor { history_of: None })
    }
}

/// Reads a database with its history left unread: the history's syntax is checked, and
/// its documents are read on first use from the file's text, which it keeps.
pub fn parse_with_unread_history(file: String) -> serde_json::Result<Tables> {
    let file: Arc<str> = file.into();
    let mut de = serde_json::Deserializer::from_str(&file);
    let tables = de.deserialize_map(TablesVisitor { history_of: Some(&file) })?;
    de.end()?;
    Ok(tables)
}

struct TablesVisitor<'a> {
    /// With the file's text (which the deserializer reads): keep the history unread.
    history_of: Option<&'a Arc<str>>,
}

impl<'de> Visitor<'de> for TablesVisitor<'de> {
    type Value = Tables;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object of tables")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tables, A::Error> {
        let mut t = Tables::default();
        while let Some(key) = map.next_key::<String>()? {
            match TableId::from_name(&key) {
                Some(TableId::Users) => t.users = map.next_value()?,
                Some(TableId::Stats) => t.stats = map.next_value()?,
                Some(TableId::Organized) => {
                    t.organized = match self.history_of {
                        None => History::Read(map.next_value()?),
                        Some(file) => History::Unread(unread(file, map.next_value()?)),
                    }
                }
                Some(TableId::ErrorLog) => t.error_log = map.next_value()?,
                Some(TableId::Queue) => t.queue = map.next_value()?,
                None => {
                    t.other.insert(key, map.next_value()?);
                }
            }
        }
        Ok(t)
    }
}

/// The unread history `json`, borrowed from `file`, and where it lies there.
fn unread(file: &Arc<str>, json: &serde_json::value::RawValue) -> UnreadHistory {
    let text = json.get();
    // The deserializer borrows from `file`, so `text` lies inside it.
    let start = (text.as_ptr() as usize).saturating_sub(file.as_ptr() as usize).min(file.len());
    let before = &file.as_bytes()[..start];
    let line = 1 + before.iter().filter(|b| **b == b'\n').count();
    let column = start - before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    UnreadHistory { file: Arc::clone(file), range: start..start + text.len(), line, column }
}

impl Serialize for Tables {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        for (k, v) in &self.other {
            m.serialize_entry(k, v)?;
        }
        if self.users.should_write() {
            m.serialize_entry("users", &self.users)?;
        }
        if self.stats.should_write() {
            m.serialize_entry("stats", &self.stats)?;
        }
        match &self.organized {
            History::Read(table) if table.should_write() => m.serialize_entry("organized", table)?,
            History::Read(_) => {}
            // Unread, it is written back as the file had it.
            History::Unread(unread) => {
                // Checked at open, so this scan cannot fail; it only hands serde the text.
                // It costs a raw scan (about 0.2 ms per 1,000 rows) at each fold while unread.
                let raw: &serde_json::value::RawValue =
                    serde_json::from_str(unread.json()).map_err(serde::ser::Error::custom)?;
                m.serialize_entry("organized", raw)?
            }
        }
        if self.error_log.should_write() {
            m.serialize_entry("error_log", &self.error_log)?;
        }
        if self.queue.should_write() {
            m.serialize_entry("queue", &self.queue)?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(json: &str) -> Value {
        let tables: Tables = serde_json::from_str(json).unwrap();
        serde_json::to_value(&tables).unwrap()
    }

    #[test]
    fn keeps_absent_null_string_and_number_years() {
        let json = r#"{"organized": {
            "1": {"path": "a.mkv", "year": "2010"},
            "2": {"path": "b.mkv", "year": 2011},
            "3": {"path": "c.mkv", "year": null},
            "4": {"path": "d.mkv"}}}"#;
        assert_eq!(round_trip(json), serde_json::from_str::<Value>(json).unwrap());
        let t: Tables = serde_json::from_str(json).unwrap();
        let years: Vec<_> = t.history().docs.values().map(|d| d.year.get().and_then(Scalar::as_i64)).collect();
        assert_eq!(years, [Some(2010), Some(2011), None, None]);
    }

    #[test]
    fn keeps_unknown_fields_tables_and_id_gaps() {
        let json = r#"{"_default": {}, "users": {"1": {"id": 5, "name": "ann"}, "7": {"id": 6}},
                       "custom": {"1": {"x": [1, 2]}}}"#;
        assert_eq!(round_trip(json), serde_json::from_str::<Value>(json).unwrap());
        let t: Tables = serde_json::from_str(json).unwrap();
        assert_eq!(t.users.next_id(), 8);
    }

    #[test]
    fn does_not_add_empty_tables_the_file_lacked() {
        assert_eq!(round_trip("{}"), serde_json::json!({}));
    }

    #[test]
    fn rejects_wrong_types_and_bad_ids() {
        for bad in [
            r#"{"users": {"1": {"id": "five"}}}"#,
            r#"{"users": {"one": {"id": 5}}}"#,
            r#"{"users": []}"#,
            r#"[]"#,
            r#"{"organized": {"1": {"year": [2010]}}}"#,
        ] {
            assert!(serde_json::from_str::<Tables>(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn ids_out_of_order_are_sorted_and_a_repeated_id_keeps_its_last_document() {
        let t: Tables = serde_json::from_str(r#"{"users": {"3": {"id": 1}, "1": {"id": 2}, "3": {"id": 9}}}"#).unwrap();
        let docs: Vec<_> = t.users.docs.iter().map(|(id, d)| (*id, d.id.get().copied())).collect();
        assert_eq!(docs, [(1, Some(2)), (3, Some(9))]);
        assert_eq!(t.users.next_id(), 4);
    }

    #[test]
    fn docs_insert_in_the_middle_replace_and_remove() {
        let mut docs = Docs::default();
        for id in [1, 5, 3, 5] {
            docs.insert(id, id * 10);
        }
        assert_eq!(docs.iter().map(|(id, v)| (*id, *v)).collect::<Vec<_>>(), [(1, 10), (3, 30), (5, 50)]);
        assert_eq!(docs.remove(&3), Some(30));
        assert_eq!((docs.remove(&3), docs.len(), docs.last_id()), (None, 2, Some(5)));
    }

    #[test]
    fn counters_accept_integers_and_floats() {
        let doc: StatsDoc = serde_json::from_str(r#"{"files_handled": 3, "total_data": 1.5e3}"#).unwrap();
        assert_eq!(doc.files_handled.count(), 3);
        assert_eq!(doc.total_data.count(), 1500);
        assert_eq!(doc.failed_downloads.count(), 0);
    }
}
