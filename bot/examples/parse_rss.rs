//! What hunch costs in resident memory: its rule tables, then a regex cache per thread
//! that parses. `cargo run --release -p bot --example parse_rss`. The figures are quoted in
//! `bot/src/name_parser.rs` and performance_optimization_plan.md.

fn rss() -> u64 {
    bot::timeline::rss_kib()
}

fn main() {
    println!("before any parse: {} kB", rss());
    bot::naming::warm_up();
    // Give back what the compilation freed, so what is left is what hunch keeps.
    // SAFETY: malloc_trim has no preconditions.
    unsafe { libc::malloc_trim(0) };
    println!("rules built (trimmed): {} kB", rss());
    for i in 0..50 {
        bot::naming::parse(&format!("Show.Name.S01E{i:02}.1080p.WEB-DL.x264-GRP.mkv"));
    }
    println!("after 50 parses on the same thread: {} kB", rss());
    for t in 0..4 {
        std::thread::spawn(move || {
            for i in 0..20 {
                bot::naming::parse(&format!("Movie.Title.{}.2019.720p.BluRay.mkv", t * 100 + i));
            }
        })
        .join()
        .expect("the parsing thread panicked");
        unsafe { libc::malloc_trim(0) };
        println!("after a parse on new thread {} (exited, trimmed): {} kB", t + 1, rss());
    }
}
