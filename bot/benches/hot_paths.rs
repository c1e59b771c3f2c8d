//! The bot's hot paths without Telegram or the disk: what naming a file costs (hunch's
//! parse, the title similarity, the path it gets) and what rendering a reply costs
//! (`/queue` with 100 entries, `/stats` for an admin). Each is a pure function, so the
//! figures are CPU time alone; the end-to-end suite (`perf-suite`) measures the same work
//! inside the running bot, plus everything around it.
//!
//! `cargo bench -p bot --bench hot_paths` (add `-- --quick` for a shorter run).

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use bot::naming::{self, LibraryDirs, Thresholds, TmdbKind, TmdbMatch};
use bot::report::{self, Activity};
use bot_db::{QueueEntry, QueueState, Queued, Stats};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

/// Release names as they arrive: a film, an episode, an anime episode with a group tag, a
/// name with noise around the title, a song.
const NAMES: [(&str, &str); 5] = [
    ("movie", "Inception.2010.1080p.BluRay.x264-GROUP.mkv"),
    ("episode", "Breaking.Bad.S01E02.720p.HDTV.x264-CTU.mkv"),
    ("anime", "[SubsPlease] One Piece - 1071 (1080p) [8B3E2C1A].mkv"),
    (
        "noisy",
        "The.Lord.of.the.Rings.The.Fellowship.of.the.Ring.2001.EXTENDED.2160p.UHD.BluRay.REMUX.HDR.HEVC.Atmos-FGT.mkv",
    ),
    ("music", "Pink Floyd - Comfortably Numb.mp3"),
];

fn naming(c: &mut Criterion) {
    // hunch compiles its rule tables on the first call (tens of milliseconds): pay that
    // here, so no sample below contains it.
    naming::warm_up();

    let mut group = c.benchmark_group("naming");
    group.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    for (label, name) in NAMES {
        group.bench_with_input(BenchmarkId::new("parse", label), name, |b, name| {
            b.iter(|| naming::parse(black_box(name)))
        });
    }

    // The comparison the organizer makes for each TMDb candidate: a close match, a
    // distant one, and a long title against its original.
    let pairs = [
        (
            "close",
            "The Lord of the Rings The Fellowship of the Ring",
            "The Lord of the Rings: The Fellowship of the Ring",
        ),
        ("distant", "Breaking Bad", "Bad Boys"),
        ("long", "Harry Potter and the Philosopher's Stone Extended Edition", "Harry Potter and the Sorcerer's Stone"),
    ];
    for (label, a, b_title) in pairs {
        group.bench_with_input(BenchmarkId::new("similarity", label), &(a, b_title), |b, (x, y)| {
            b.iter(|| naming::similarity(black_box(x), black_box(y)))
        });
    }

    // From a parsed name to its library path: identify (weighing a TMDb match by
    // similarity) then plan_path, which runs every component through sanitize_component.
    let library = LibraryDirs::under(Path::new("/data/jellyfin"));
    let movie = naming::parse(NAMES[0].1);
    let inception = TmdbMatch {
        id: 27205,
        kind: TmdbKind::Movie,
        title: "Inception".into(),
        original_title: "Inception".into(),
        year: Some(2010),
        original_language: "en".into(),
        genre_ids: vec![28, 878],
        keywords: Vec::new(),
    };
    let episode = naming::parse(NAMES[1].1);
    group.bench_function("identify_and_plan_path/movie_with_tmdb_match", |b| {
        b.iter(|| {
            let identified = naming::identify(black_box(&movie), Some(black_box(&inception)), Thresholds::default());
            naming::plan_path(&identified, &library)
        })
    });
    group.bench_function("identify_and_plan_path/episode_without_match", |b| {
        b.iter(|| {
            let identified = naming::identify(black_box(&episode), None, Thresholds::default());
            naming::plan_path(&identified, &library)
        })
    });
    let hostile = format!("..{}CON<>:\"|?*\u{0}{}.mkv", "/".repeat(3), "é".repeat(200));
    group.bench_function("sanitize_component/hostile_300_bytes", |b| {
        b.iter(|| naming::sanitize_component(black_box(&hostile)))
    });
    group.finish();
}

fn queued(id: u64, state: QueueState) -> Queued {
    let entry = QueueEntry {
        user_id: 1_000_000 + (id % 7) as i64,
        chat_id: 1_000_000 + (id % 7) as i64,
        file_id: format!("BQACAgIAAxkBAAI{id:08}Fake"),
        file_unique_id: Some(format!("AgAD{id:06}")),
        file_name: format!("Some.Show.S01E{:02}.1080p.WEB-DL.x264-GROUP.mkv", id % 100),
        file_size: 1_500_000_000 + id * 1_000_000,
        mime_type: Some("video/x-matroska".into()),
        state,
        bytes_done: if state == QueueState::Running { 700_000_000 } else { 0 },
        enqueued_at: Some("2025-03-01T10:15:30.123456".into()),
        status_message_id: None,
        error: None,
    };
    Queued { id, entry }
}

fn rendering(c: &mut Criterion) {
    let mut group = c.benchmark_group("report");
    group.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    // 100 entries as the queue holds them: 3 running (the default concurrency), 97 waiting.
    let entries: Vec<Queued> =
        (1..=100).map(|id| queued(id, if id <= 3 { QueueState::Running } else { QueueState::Queued })).collect();
    group.bench_function("queue_view/100_entries_first_page", |b| {
        b.iter(|| report::queue_view(black_box(&entries), 0, 10))
    });
    group.bench_function("queue_view/100_entries_last_page", |b| {
        b.iter(|| report::queue_view(black_box(&entries), 9, 10))
    });

    let activity = Activity { uptime: Duration::from_secs(183_840), active: 3, queued: 97, max_concurrent: 3 };
    let stats = |n: u64| Stats {
        files_handled: 100 + n,
        successful_downloads: 95 + n,
        failed_downloads: 5,
        total_bytes: (100 + n) << 30,
        total_seconds: 3600.0 + n as f64,
        peak_concurrent: 3,
    };
    let own = stats(0);
    // The admin view lists every user: 100, the suite's user count.
    let users: Vec<(i64, Stats)> = (0..100).map(|u| (1_000_000 + u, stats(u as u64))).collect();
    group.bench_function("stats/user", |b| b.iter(|| report::stats(black_box(&activity), black_box(&own), None)));
    group.bench_function("stats/admin_100_users", |b| {
        b.iter(|| report::stats(black_box(&activity), black_box(&own), Some((black_box(&own), black_box(&users)))))
    });
    group.finish();
}

criterion_group!(benches, naming, rendering);
criterion_main!(benches);
