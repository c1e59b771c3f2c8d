//! The `cache` feature: a bounded LRU (crate `lru`) of answers to read queries, in front of
//! whatever serves reads (the file in the baseline, memory with `batch`).
//!
//! Coherence: every table has a generation number, bumped by each write that changes the
//! table, before that write returns. A cached answer remembers the generation of the table
//! it was computed from, and a lookup that finds an older generation is a miss. So a write
//! never needs to know which answers it invalidated, and an answer can never outlive the
//! data it came from.

use std::any::Any;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use lru::LruCache;

use crate::format::{DocId, TableId};
use crate::records::{HistoryFilter, PageStart, UserId};

/// A read query, as a cache key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Query {
    HasUser(UserId),
    UserCount,
    Users,
    GlobalStats,
    UserStats(UserId),
    AllUserStats,
    Organized(DocId),
    IsOrganized(String),
    OrganizedAt(String),
    History { filter: HistoryFilter, through: Option<DocId>, start: PageStart, per_page: usize },
    LastManual(Option<UserId>),
    Queue,
    ErrorCount,
}

impl Query {
    /// The table whose content decides the answer.
    pub fn table(&self) -> TableId {
        match self {
            Query::HasUser(_) | Query::UserCount | Query::Users => TableId::Users,
            Query::GlobalStats | Query::UserStats(_) | Query::AllUserStats => TableId::Stats,
            Query::Organized(_)
            | Query::IsOrganized(_)
            | Query::OrganizedAt(_)
            | Query::History { .. }
            | Query::LastManual(_) => TableId::Organized,
            Query::Queue => TableId::Queue,
            Query::ErrorCount => TableId::ErrorLog,
        }
    }
}

type Answer = Arc<dyn Any + Send + Sync>;

pub(crate) struct QueryCache {
    /// A std mutex: it is held for a hash lookup and never across an `.await`.
    entries: Mutex<LruCache<Query, (u64, Answer)>>,
}

/// One generation counter per table (see the module docs).
#[derive(Default)]
pub(crate) struct Generations([AtomicU64; TableId::ALL.len()]);

impl Generations {
    pub fn get(&self, table: TableId) -> u64 {
        self.0[table.index()].load(Ordering::Acquire)
    }

    pub fn bump(&self, table: TableId) {
        self.0[table.index()].fetch_add(1, Ordering::AcqRel);
    }
}

impl QueryCache {
    pub fn new(capacity: NonZeroUsize) -> Self {
        QueryCache { entries: Mutex::new(LruCache::new(capacity)) }
    }

    /// The cached answer to `query`, if it was computed from the table's current generation.
    pub fn get<R: Clone + 'static>(&self, query: &Query, generations: &Generations) -> Option<R> {
        let current = generations.get(query.table());
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        match entries.get(query) {
            Some((generation, answer)) if *generation == current => answer.downcast_ref::<R>().cloned(),
            Some(_) => {
                entries.pop(query);
                None
            }
            None => None,
        }
    }

    /// Remembers `answer`, computed from generation `generation` of the query's table.
    pub fn put<R: Send + Sync + 'static>(&self, query: Query, generation: u64, answer: R) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.put(query, (generation, Arc::new(answer)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_to_the_table_makes_its_answers_stale() {
        let cache = QueryCache::new(NonZeroUsize::new(4).unwrap());
        let gens = Generations::default();
        cache.put(Query::UserCount, gens.get(TableId::Users), 3usize);
        cache.put(Query::Queue, gens.get(TableId::Queue), 1usize);
        assert_eq!(cache.get::<usize>(&Query::UserCount, &gens), Some(3));
        gens.bump(TableId::Users);
        assert_eq!(cache.get::<usize>(&Query::UserCount, &gens), None);
        assert_eq!(cache.get::<usize>(&Query::Queue, &gens), Some(1), "other tables stay cached");
    }

    #[test]
    fn it_is_bounded() {
        let cache = QueryCache::new(NonZeroUsize::new(2).unwrap());
        let gens = Generations::default();
        for id in 0..3 {
            cache.put(Query::HasUser(id), 0, true);
        }
        assert_eq!(cache.get::<bool>(&Query::HasUser(0), &gens), None, "the oldest was evicted");
        assert_eq!(cache.get::<bool>(&Query::HasUser(2), &gens), Some(true));
    }
}
