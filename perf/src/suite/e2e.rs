//! The end-to-end scenarios: the real bot binary against the local Telegram and TMDb
//! servers, measured from outside. Each scenario starts its own bot process (fresh servers,
//! fresh data folder), so one scenario's leftovers never weigh on another's figures.
//!
//! The round-trip clock: a command's latency runs from the moment the suite queues the
//! update at the server (the bot's long poll is woken at once) to the moment the bot's
//! `sendMessage` reaches the server (`Call::at`, taken before the body is read). The
//! harness's share of that is measured separately (`harness.rs`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::metric::{human, spread, Measured};
use super::process::{describe_exit, drop_from_page_cache, BotProcess, DataDir, Launcher, ADMIN, USERS};
use super::progress::Progress;
use super::stats::{least_squares_slope, median, second_half_slope, Summary};
use super::{Plan, SuiteError};
use crate::{Call, Catalogue, ScriptedUser, TelegramOptions, TelegramServer, TmdbServer};

/// How long a bot may take to become ready before the run fails.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one reply may take before the run fails (a baseline bot on a loaded machine
/// can be slow; a lost reply is a bug either way).
const REPLY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the commands scenario waits for a command menu before measuring every command:
/// a bot without one still gets measured, it only loses the "not offered" verdicts.
const MENU_WAIT: Duration = Duration::from_secs(2);
pub(crate) const EXIT_TIMEOUT: Duration = Duration::from_secs(15);

/// A bot running against its own servers, ready (its first getUpdates arrived).
pub struct Running {
    pub data: DataDir,
    pub telegram: TelegramServer,
    pub tmdb: TmdbServer,
    pub bot: BotProcess,
    pub ready_at: Instant,
}

impl Running {
    /// Starts servers and the bot and waits for readiness. `before_spawn` runs last thing
    /// before the spawn (the cold start drops pages there).
    pub async fn start(
        launcher: &Launcher,
        rows: usize,
        before_spawn: impl FnOnce(&DataDir) -> Result<Value, SuiteError>,
    ) -> Result<(Running, Value), SuiteError> {
        Running::start_with(launcher, rows, TelegramOptions::default(), &[], before_spawn).await
    }

    /// [`Running::start`] with a Telegram server of these options (local file mode, say)
    /// and more environment variables for the bot.
    pub async fn start_with(
        launcher: &Launcher,
        rows: usize,
        options: TelegramOptions,
        extra_env: &[(&str, String)],
        before_spawn: impl FnOnce(&DataDir) -> Result<Value, SuiteError>,
    ) -> Result<(Running, Value), SuiteError> {
        let data = DataDir::new(rows)?;
        let io = |what: &str| {
            let what = what.to_owned();
            move |e| SuiteError::Io { what, source: e }
        };
        let telegram = TelegramServer::start(options).await.map_err(io("starting the local Telegram server"))?;
        let tmdb = TmdbServer::start(Catalogue::builtin()).await.map_err(io("starting the local TMDb server"))?;
        let prepared = before_spawn(&data)?;
        let bot = launcher.spawn_with(&data, &telegram, &tmdb, extra_env)?;
        let (bot, ready_at) = ready(&telegram, &data, bot).await?;
        Ok((Running { data, telegram, tmdb, bot, ready_at }, prepared))
    }

    /// Starts a new bot process on this run's data folder and servers, after the previous
    /// one exited (a restart: what it left in the queue is still there). Forgets the call
    /// log first, so readiness is the new process's first getUpdates.
    pub async fn restart(
        launcher: &Launcher,
        data: DataDir,
        telegram: TelegramServer,
        tmdb: TmdbServer,
        extra_env: &[(&str, String)],
    ) -> Result<Running, SuiteError> {
        telegram.clear_calls();
        let bot = launcher.spawn_with(&data, &telegram, &tmdb, extra_env)?;
        let (bot, ready_at) = ready(&telegram, &data, bot).await?;
        Ok(Running { data, telegram, tmdb, bot, ready_at })
    }

    /// Stops the bot (SIGTERM) and the servers; the time to exit and the exit status.
    pub async fn stop(self) -> Result<(f64, String), SuiteError> {
        let (took, status) = self.bot.terminate(EXIT_TIMEOUT).await?;
        self.telegram.shutdown().await;
        self.tmdb.shutdown().await;
        Ok((took.as_secs_f64(), describe_exit(&status)))
    }

    /// Stops the bot where the stop itself is not what is measured: a bot that does not exit
    /// is killed and the failure is described, not raised, so the scenario's figures stay.
    pub async fn stop_noting(self) -> String {
        match self.stop().await {
            Ok((secs, exit)) => format!("{exit} {:.1} ms after SIGTERM", secs * 1e3),
            Err(e) => format!("shutdown failed: {e}"),
        }
    }

    /// The command menu, waiting up to `MENU_WAIT` for it: a bot may register it after it
    /// starts polling, since commands work without it.
    pub async fn menu_once_registered(&self) -> Option<Vec<String>> {
        let deadline = Instant::now() + MENU_WAIT;
        loop {
            let menu = self.menu();
            if menu.is_some() || Instant::now() >= deadline {
                return menu;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The commands the bot registered with setMyCommands (without slashes), if it did.
    pub fn menu(&self) -> Option<Vec<String>> {
        let raw = self.telegram.my_commands()?;
        // A form-encoded request carries the list as a JSON string.
        let list = match raw {
            Value::String(s) => serde_json::from_str(&s).ok()?,
            v => v,
        };
        Some(
            list.as_array()?
                .iter()
                .filter_map(|c| c.get("command").and_then(Value::as_str))
                .map(|c| c.trim_start_matches('/').to_owned())
                .collect(),
        )
    }
}

/// Waits for the bot's first getUpdates; the bot's exit and stderr if it never comes.
async fn ready(
    telegram: &TelegramServer,
    data: &DataDir,
    mut bot: BotProcess,
) -> Result<(BotProcess, Instant), SuiteError> {
    match telegram.wait_for_call("getUpdates", READY_TIMEOUT).await {
        Ok(at) => Ok((bot, at)),
        Err(e) => {
            let exit = bot.exited().map(|s| describe_exit(&s)).unwrap_or_else(|| "still running".into());
            Err(SuiteError::NotReady { reason: e.to_string(), exit, stderr: data.stderr_tail() })
        }
    }
}

pub(crate) fn chat_of(params: &Value) -> Option<i64> {
    match &params["chat_id"] {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// One command round trip: update queued → the bot's sendMessage in that chat arrives.
/// Clears the call log first (a long run would otherwise keep every call).
pub async fn round_trip(
    telegram: &TelegramServer,
    user: &ScriptedUser,
    text: &str,
) -> Result<(f64, String), SuiteError> {
    telegram.clear_calls();
    let sent = Instant::now();
    user.send_text(text);
    let reply = user.next_bot_message(|_| true, REPLY_TIMEOUT).await?;
    let call =
        telegram.calls_of("sendMessage").into_iter().find(|c| chat_of(&c.params) == Some(user.id())).ok_or_else(
            || SuiteError::Stuck { what: format!("the reply to {text} came without a sendMessage call") },
        )?;
    Ok((call.at.saturating_duration_since(sent).as_secs_f64(), reply.text))
}

/// Median of the values per key, over runs.
fn medians(per_run: &BTreeMap<String, Vec<f64>>) -> serde_json::Map<String, Value> {
    per_run.iter().filter_map(|(k, v)| median(v).map(|m| (k.clone(), json!(m)))).collect()
}

pub(crate) fn ms(x: f64) -> String {
    human(x, "s")
}

/// What one start-up run measured.
struct StartRun {
    cold: bool,
    ready: f64,
    init: Option<f64>,
    calls: Vec<(String, f64)>,
    first_command: f64,
    shutdown: f64,
    exit: String,
    rss_after_exec: Option<u64>,
    rss_ready: Option<u64>,
    phases: Option<Vec<(String, f64, u64)>>,
    resident_left: Option<(f64, f64)>,
}

/// The start-up timeline of the last warm run, for `startup_timeline.txt`.
#[derive(Debug, Clone)]
pub struct Timeline {
    pub calls: Vec<(String, f64)>,
    pub phases: Option<Vec<(String, f64, u64)>>,
    pub ready: f64,
    pub rss_ready: Option<u64>,
    pub rss_after_exec: Option<u64>,
}

/// Cold and warm start-up, interleaved (cold, then warm, so the warm run really finds the
/// pages the cold run loaded), with the first command, the idle shutdown and the memory at
/// start of every run.
pub async fn startup(
    launcher: &Launcher,
    plan: &Plan,
) -> Result<(Vec<Measured>, Option<Timeline>, Option<Vec<String>>), SuiteError> {
    let mut runs = Vec::new();
    let mut menu = None;
    let total = plan.start_warmup + plan.start_runs;
    let mut progress = Progress::new("start-up (cold and warm, warm-up included)", 2 * total);
    for i in 0..total {
        for (k, cold) in [true, false].into_iter().enumerate() {
            let bot_path = launcher.bot.clone();
            let (running, prepared) = Running::start(launcher, plan.bot_rows, |data| {
                if !cold {
                    return Ok(Value::Null);
                }
                let bin = drop_from_page_cache(&bot_path)?;
                let db = drop_from_page_cache(&data.db())?;
                Ok(json!([bin, db]))
            })
            .await?;
            let ready = running.ready_at.saturating_duration_since(running.bot.spawned_at).as_secs_f64();
            let rss_ready = running.bot.rss();
            let before: Vec<Call> = running.telegram.calls().into_iter().filter(|c| c.at <= running.ready_at).collect();
            let spawned = running.bot.spawned_at;
            let calls: Vec<(String, f64)> = before
                .iter()
                .map(|c| (c.method.clone(), c.at.saturating_duration_since(spawned).as_secs_f64()))
                .collect();
            let init = before.first().map(|c| running.ready_at.saturating_duration_since(c.at).as_secs_f64());
            let admin = running.telegram.user(ADMIN);
            let (first_command, _) = round_trip(&running.telegram, &admin, "/start").await?;
            menu = running.menu().or(menu);
            let phases = running.data.read_timeline().map(|p| {
                p.into_iter()
                    .map(|ph| (ph.name, ph.at_ns.saturating_sub(running.bot.spawned_ns) as f64 / 1e9, ph.rss_bytes))
                    .collect()
            });
            let rss_after_exec = running.bot.rss_after_exec;
            let (shutdown, exit) = running.stop().await?;
            let resident_left =
                prepared.as_array().map(|a| (a[0].as_f64().unwrap_or(f64::NAN), a[1].as_f64().unwrap_or(f64::NAN)));
            if i >= plan.start_warmup {
                runs.push(StartRun {
                    cold,
                    ready,
                    init,
                    calls,
                    first_command,
                    shutdown,
                    exit,
                    rss_after_exec,
                    rss_ready,
                    phases,
                    resident_left,
                });
            }
            progress.done(2 * i + k + 1);
        }
    }
    Ok((summarise_startup(&runs), timeline_of(&runs), menu))
}

fn timeline_of(runs: &[StartRun]) -> Option<Timeline> {
    let last = runs.iter().rev().find(|r| !r.cold)?;
    Some(Timeline {
        calls: last.calls.clone(),
        phases: last.phases.clone(),
        ready: last.ready,
        rss_ready: last.rss_ready,
        rss_after_exec: last.rss_after_exec,
    })
}

fn summarise_startup(runs: &[StartRun]) -> Vec<Measured> {
    let pick = |cold: bool| -> Vec<&StartRun> { runs.iter().filter(|r| r.cold == cold).collect() };
    let mut out = Vec::new();
    let phase_components = |rs: &[&StartRun]| {
        let mut at: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for r in rs {
            for (name, t, _) in r.phases.iter().flatten() {
                at.entry(name.clone()).or_default().push(*t);
            }
        }
        at
    };
    let call_components = |rs: &[&StartRun]| {
        let mut at: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for r in rs {
            let mut seen = std::collections::HashSet::new();
            for (method, t) in &r.calls {
                if seen.insert(method.clone()) {
                    at.entry(format!("{method}_arrives_s")).or_default().push(*t);
                }
            }
        }
        at
    };
    for cold in [true, false] {
        let rs = pick(cold);
        let name = if cold { "cold_start" } else { "warm_start" };
        let samples: Vec<f64> = rs.iter().map(|r| r.ready).collect();
        let mut m = Measured::new(name, samples.clone())
            .component("first_call_of_each_method_since_exec_median", json!(medians(&call_components(&rs))))
            .component("bot_phases_since_exec_median", json!(medians(&phase_components(&rs))));
        if cold {
            let bin: Vec<f64> = rs.iter().filter_map(|r| r.resident_left.map(|x| x.0)).collect();
            let db: Vec<f64> = rs.iter().filter_map(|r| r.resident_left.map(|x| x.1)).collect();
            m = m
                .component("binary_fraction_still_cached_after_drop", json!(median(&bin)))
                .component("db_fraction_still_cached_after_drop", json!(median(&db)))
                .component("cache_drop_method", "posix_fadvise(POSIX_FADV_DONTNEED) on the executable and db.json after fsync; shared libraries stay cached (no root drop_caches)");
        }
        if rs.iter().all(|r| r.phases.is_none()) {
            m = m.component("bot_phases_since_exec_median", "unavailable: the bot wrote no BOT_STARTUP_TIMELINE file");
        }
        if let Some(s) = Summary::of(&samples) {
            let other = pick(!cold).iter().map(|r| r.ready).collect::<Vec<_>>();
            let vs = median(&other)
                .map(|o| format!(" ({} is {})", if cold { "warm" } else { "cold" }, ms(o)))
                .unwrap_or_default();
            let cached = if cold {
                let bin: Vec<f64> = rs.iter().filter_map(|r| r.resident_left.map(|x| x.0)).collect();
                match median(&bin) {
                    Some(f) if f > 0.5 => format!(" The page-cache drop did not take ({:.0}% of the binary stayed cached: tmpfs or an overlay keeps pages), so this is closer to a warm start than a cold one.", f * 100.0),
                    Some(f) => format!(" {:.0}% of the binary stayed cached after the drop.", f * 100.0),
                    None => String::new(),
                }
            } else {
                String::new()
            };
            m = m.analysis(format!(
                "exec → first getUpdates: median {}{vs}, against 1.5 s promised by the original (its Python bot took 3.6 s: {:.0}× faster); {}.{cached}",
                ms(s.median),
                3.6 / s.median,
                spread(&s)
            ));
        }
        out.push(m);
    }
    let all: Vec<&StartRun> = runs.iter().collect();
    let warm = pick(false);
    let init: Vec<f64> = warm.iter().filter_map(|r| r.init).collect();
    let mut methods: Vec<String> = Vec::new();
    for r in &warm {
        for (method, _) in &r.calls {
            if !methods.contains(method) {
                methods.push(method.clone());
            }
        }
    }
    let mut m = Measured::new("bot_init", init.clone())
        .component("calls_before_ready", json!(methods))
        .component("first_call_of_each_method_since_exec_median", json!(medians(&call_components(&warm))))
        .component("bot_phases_since_exec_median", json!(medians(&phase_components(&warm))));
    if let Some(s) = Summary::of(&init) {
        m = m.analysis(format!(
            "first Bot API call → first getUpdates, warm runs: median {}; the bot made {} before listening; {}.",
            ms(s.median),
            methods.join(", "),
            spread(&s)
        ));
    }
    out.push(m);

    let first: Vec<f64> = all.iter().map(|r| r.first_command).collect();
    let mut m = Measured::new("first_command", first.clone())
        .component("command", "/start, right after readiness, one per run (cold and warm runs)");
    if let Some(s) = Summary::of(&first) {
        m = m.analysis(format!(
            "/start as the first update: median {}, {:.0}× under the Python bot's ~500 ms; {}.",
            ms(s.median),
            0.5 / s.median,
            spread(&s)
        ));
    }
    out.push(m);

    let shut: Vec<f64> = all.iter().map(|r| r.shutdown).collect();
    let exits: Vec<&str> = all.iter().map(|r| r.exit.as_str()).collect();
    let clean = exits.iter().filter(|e| **e == "exit 0").count();
    let mut m = Measured::new("shutdown_idle", shut.clone())
        .component("exit_statuses", json!(exits))
        .component("measured", "SIGTERM sent → exit reaped by the suite, idle bot after one command");
    if let Some(s) = Summary::of(&shut) {
        m = m.analysis(format!(
            "SIGTERM → exit: median {} (max {}); {clean} of {} runs exited 0{}; the Python bot took about 2 s.",
            ms(s.median),
            ms(s.max),
            exits.len(),
            if clean == exits.len() { "" } else { ": a non-zero exit is a bug in the graceful shutdown" }
        ));
    }
    out.push(m);

    let from_timeline: Vec<f64> =
        all.iter().filter_map(|r| r.phases.as_ref().and_then(|p| p.first()).map(|p| p.2 as f64)).collect();
    let (base, source) = if from_timeline.len() == all.len() && !all.is_empty() {
        (from_timeline, "VmRSS at the first phase of the bot's start-up timeline")
    } else {
        (
            all.iter().filter_map(|r| r.rss_after_exec.map(|b| b as f64)).collect(),
            "VmRSS read by the suite right after spawn returned (exec done, before the bot's main ran far); the bot wrote no timeline",
        )
    };
    let mut m = Measured::new("memory_baseline", base.clone()).component("source", source);
    if let Some(s) = Summary::of(&base) {
        m = m.analysis(format!("{}: median {}; {}.", source, human(s.median, "bytes"), spread(&s)));
    }
    out.push(m);

    let ready_rss: Vec<f64> = all.iter().filter_map(|r| r.rss_ready.map(|b| b as f64)).collect();
    let mut m = Measured::new("memory_after_init", ready_rss.clone())
        .component("source", "VmRSS read right after the first getUpdates arrived");
    if let Some(s) = Summary::of(&ready_rss) {
        m = m.analysis(format!(
            "idle and ready: median {}, against 60 MB promised by the original (80 MB measured) and 12 MB for this project; {}.",
            human(s.median, "bytes"),
            spread(&s)
        ));
    }
    out.push(m);
    out
}

/// Which of the commands the bot offers, judged by the menu it registered. `None` when
/// it registered none (then every command is tried).
pub fn offered(menu: &Option<Vec<String>>, command: &str) -> Result<(), String> {
    match menu {
        Some(list) if !list.iter().any(|c| c == command) => Err(format!(
            "the bot does not offer /{command}: it is not in the command menu the bot registered with setMyCommands ({}), so there is nothing to measure yet",
            list.iter().map(|c| format!("/{c}")).collect::<Vec<_>>().join(" ")
        )),
        _ => Ok(()),
    }
}

pub const COMMANDS: [(&str, &str); 8] = [
    ("command_start", "start"),
    ("command_help", "help"),
    ("command_stats", "stats"),
    ("command_queue", "queue"),
    ("command_test", "test"),
    ("command_history", "history"),
    ("command_users", "users"),
    ("command_organize", "organize"),
];

/// Every command, many round trips each, interleaved round-robin so a drift of the
/// machine's load touches every command alike. Sent by the admin (who may run them all).
/// The staging folder holds `organize_files` media files, so `/organize` lists real
/// candidates. `/history` runs in a bot of its own whose database holds `history_rows`
/// organized files: the scale at which a page must still be quick.
pub async fn commands(
    launcher: &Launcher,
    plan: &Plan,
    menu: &Option<Vec<String>>,
    wanted: &dyn Fn(&str) -> bool,
    harness: Option<&Summary>,
) -> Result<Vec<Measured>, SuiteError> {
    let seed = |data: &DataDir| seed_staging(data, plan.organize_files).map(|_| Value::Null);
    let (running, _) = Running::start(launcher, plan.bot_rows, seed).await?;
    let menu = running.menu_once_registered().await.or_else(|| menu.clone());
    let mut active = Vec::new();
    let mut at_scale = Vec::new();
    let mut out = Vec::new();
    for (metric, command) in COMMANDS {
        if !wanted(metric) {
            continue;
        }
        match offered(&menu, command) {
            Ok(()) if metric == "command_history" => at_scale.push((metric, command)),
            Ok(()) => active.push((metric, command)),
            Err(reason) => out.push(Measured::unavailable(metric, reason)),
        }
    }
    let mut measured = round_robin(&running, plan, &active).await?;
    running.stop().await?;
    let mut rows = BTreeMap::new();
    for (metric, _) in &active {
        rows.insert(*metric, plan.bot_rows);
    }
    if !at_scale.is_empty() {
        let (big, _) = Running::start(launcher, plan.history_rows, |_| Ok(Value::Null)).await?;
        measured.extend(round_robin(&big, plan, &at_scale).await?);
        big.stop().await?;
        for (metric, _) in &at_scale {
            rows.insert(*metric, plan.history_rows);
        }
    }
    for (metric, command) in active.into_iter().chain(at_scale) {
        let (v, reply) = measured.remove(metric).unwrap_or_default();
        let first_line: String = reply.lines().next().unwrap_or("").chars().take(80).collect();
        let db_rows = rows.get(metric).copied().unwrap_or(plan.bot_rows);
        let mut m = Measured::new(metric, v.clone())
            .component("command", format!("/{command}"))
            .component("db_rows", db_rows)
            .component("reply_bytes", reply.len())
            .component("reply_first_line", first_line)
            .component("warmup_discarded", plan.command_warmup);
        if metric == "command_organize" {
            m = m.component("staging_files", plan.organize_files);
        }
        if let Some(h) = harness {
            m = m.component("harness_round_trip_median", h.median);
        }
        if let Some(s) = Summary::of(&v) {
            let harness_text = harness
                .map(|h| format!(" The harness alone (servers + HTTP, a trivial client instead of the bot) takes {} of that, so the bot's own share is about {}.", ms(h.median), ms((s.median - h.median).max(0.0))))
                .unwrap_or_default();
            m = m.analysis(format!(
                "/{command} round trip with {db_rows} organized rows in the database: median {}, p99 {}, {:.0}× under the Python bot's ~500 ms; {}.{harness_text}",
                ms(s.median),
                ms(s.p99),
                0.5 / s.median,
                spread(&s)
            ));
        }
        out.push(m);
    }
    Ok(out)
}

/// Round trips of each command, round-robin, as the admin: per metric, the samples after
/// the warm-up and the last reply.
async fn round_robin(
    running: &Running,
    plan: &Plan,
    commands: &[(&'static str, &'static str)],
) -> Result<BTreeMap<&'static str, (Vec<f64>, String)>, SuiteError> {
    let admin = running.telegram.user(ADMIN);
    let mut out: BTreeMap<&str, (Vec<f64>, String)> = BTreeMap::new();
    let rounds = plan.command_warmup + plan.command_samples;
    let names: Vec<String> = commands.iter().map(|(_, c)| format!("/{c}")).collect();
    let mut progress =
        Progress::new(format!("round trips of {} (warm-up included)", names.join(" ")), rounds * commands.len());
    for round in 0..rounds {
        for (metric, command) in commands {
            let (latency, reply) = round_trip(&running.telegram, &admin, &format!("/{command}")).await?;
            let entry = out.entry(metric).or_default();
            if round >= plan.command_warmup {
                entry.0.push(latency);
            }
            entry.1 = reply;
        }
        progress.done((round + 1) * commands.len());
    }
    Ok(out)
}

/// `count` small media files in the staging folder (`BASE_DIR/Downloads`), episodes of
/// one show, as a user's downloads that the auto-organizer could not place would be.
fn seed_staging(data: &DataDir, count: usize) -> Result<(), SuiteError> {
    let staging = data.path().join("Downloads");
    let io = |what: String| move |e| SuiteError::Io { what, source: e };
    std::fs::create_dir_all(&staging).map_err(io(format!("creating {}", staging.display())))?;
    for i in 1..=count {
        let file = staging.join(format!("Seeded.Show.S01E{i:02}.720p.WEB.mkv"));
        std::fs::write(&file, vec![0u8; 4096]).map_err(io(format!("writing {}", file.display())))?;
    }
    Ok(())
}

/// What database writes cost the bot's other users: the admin's `/help` round trip
/// (which reads, and writes nothing), first alone, then while writer users keep the bot
/// writing (each is a new user whose `/start` records them: one durable write each,
/// `write_cost_writers` of them in flight, a closed loop). Returns a component for
/// `db_write` and a sentence for its analysis.
pub async fn write_cost(launcher: &Launcher, plan: &Plan) -> Result<(Value, String), SuiteError> {
    // Writer ids start far above the suite's users; each writes once.
    const FIRST_WRITER: i64 = ADMIN + 1_000_000;
    let writer_ids: Vec<i64> = (0..plan.write_cost_users as i64).map(|i| FIRST_WRITER + i).collect();
    let mut allowed: Vec<String> = (1..USERS).map(|i| (ADMIN + i).to_string()).collect();
    allowed.extend(writer_ids.iter().map(i64::to_string));
    let env = [("ALLOWED_USERS", allowed.join(","))];
    let (running, _) =
        Running::start_with(launcher, plan.bot_rows, TelegramOptions::default(), &env, |_| Ok(Value::Null)).await?;
    let admin = running.telegram.user(ADMIN);
    let gap = Duration::from_millis(5);
    let sample = |n: usize| {
        let (telegram, admin) = (&running.telegram, &admin);
        async move {
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                v.push(round_trip(telegram, admin, "/help").await?.0);
                tokio::time::sleep(gap).await;
            }
            Ok::<_, SuiteError>(v)
        }
    };
    sample(plan.command_warmup).await?;
    let idle = sample(plan.command_samples).await?;

    // The suite's runtime has one thread (and the scripted users' futures are not Send):
    // the writers and the sampler run as futures joined in this task.
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let users: Vec<ScriptedUser> = writer_ids.iter().map(|id| running.telegram.user(*id)).collect();
    let writer = || async {
        let mut done = 0usize;
        while !stop.load(Ordering::Relaxed) {
            let Some(user) = users.get(next.fetch_add(1, Ordering::Relaxed)) else { break };
            user.send_text("/start");
            if user.next_bot_message(|_| true, REPLY_TIMEOUT).await.is_ok() {
                done += 1;
            }
        }
        done
    };
    let writers = futures_util::future::join_all((0..plan.write_cost_writers).map(|_| writer()));
    let measure = async {
        let began = Instant::now();
        let loaded = sample(plan.command_samples).await;
        stop.store(true, Ordering::Relaxed);
        (loaded, began.elapsed().as_secs_f64())
    };
    let (done, (loaded, window)) = tokio::join!(writers, measure);
    let loaded = loaded?;
    let writes: usize = done.into_iter().sum();
    let ran_out = next.load(Ordering::Relaxed) >= writer_ids.len();
    running.stop().await?;

    let (Some(i), Some(l)) = (Summary::of(&idle), Summary::of(&loaded)) else {
        return Ok((json!("unavailable: no samples"), String::new()));
    };
    let rate = writes as f64 / window.max(1e-9);
    let component = json!({
        "command": "/help (reads only)",
        "idle": {"median": i.median, "p95": i.p95, "n": i.n},
        "while_writing": {"median": l.median, "p95": l.p95, "n": l.n},
        "median_ratio_writing_over_idle": l.median / i.median,
        "writes_completed": writes,
        "writes_per_s": rate,
        "writers_in_flight": plan.write_cost_writers,
        "writers_ran_out": ran_out,
        "db_rows": plan.bot_rows,
    });
    let out_of_writers =
        if ran_out { " (the writers ran out of new users before the end: the load stopped early)" } else { "" };
    let sentence = format!(
        " What writes cost the bot: a /help round trip takes {} median ({} p95) alone and {} ({} p95) while {} writers keep the bot writing, {:.2}× ({writes} durable writes, {rate:.0}/s, at {} rows){out_of_writers}.",
        ms(i.median),
        ms(i.p95),
        ms(l.median),
        ms(l.p95),
        plan.write_cost_writers,
        l.median / i.median,
        plan.bot_rows
    );
    Ok((component, sentence))
}

/// 5, 50 and 500 commands in flight from [`USERS`] users at once, every one answered; then
/// the bot's own worst event-loop stall from its BOT_METRICS file. `floor` is the trivial
/// client's answer to the largest burst ([`super::harness::burst_floor`]), when measured.
pub async fn concurrency(
    launcher: &Launcher,
    plan: &Plan,
    floor: Option<&Summary>,
) -> Result<Vec<Measured>, SuiteError> {
    let (running, _) = Running::start(launcher, plan.bot_rows, |_| Ok(Value::Null)).await?;
    let tg = &running.telegram;
    let users: Vec<ScriptedUser> = (0..USERS).map(|i| tg.user(ADMIN + i)).collect();
    // Warm-up: one command per user, so every chat and the HTTP pool exist before measuring.
    for u in &users {
        round_trip(tg, u, "/stats").await?;
    }
    let mut levels = serde_json::Map::new();
    let mut at_top: Vec<f64> = Vec::new();
    let top = plan.concurrency.iter().map(|l| l.0).max().unwrap_or(0);
    let mut progress = Progress::new("bursts", plan.concurrency.iter().map(|l| l.1).sum());
    let mut bursts = 0;
    for &(n, rounds) in &plan.concurrency {
        let mut lat = Vec::new();
        let mut wall = Vec::new();
        for _ in 0..rounds {
            let (l, w) = burst(tg, &users, n).await?;
            lat.extend(l);
            wall.push(w);
            bursts += 1;
            progress.done(bursts);
        }
        if let Some(s) = Summary::of(&lat) {
            levels.insert(
                format!("in_flight_{n}"),
                json!({"median": s.median, "p95": s.p95, "p99": s.p99, "max": s.max, "n": s.n, "rounds": rounds,
                       "all_answered": true, "burst_wall_median_s": median(&wall)}),
            );
        }
        if n == top {
            at_top = lat;
        }
    }
    let (_, exit) = running.bot.terminate(EXIT_TIMEOUT).await.map(|(d, s)| (d, describe_exit(&s)))?;
    let bot_metrics = running.data.read_metrics();
    running.telegram.shutdown().await;
    running.tmdb.shutdown().await;

    let mut out = Vec::new();
    let s = Summary::of(&at_top);
    let mut m = Measured::new("concurrent_commands", at_top.clone())
        .component("levels", json!(levels))
        .component("command", "/stats, spread over 100 users (the dispatcher serialises each chat)")
        .component("db_rows", plan.bot_rows);
    let mut p = Measured::new("concurrent_commands_p99", s.map(|s| vec![s.p99]).unwrap_or_default())
        .component("levels", json!(levels));
    if let Some(f) = floor {
        let floor_json = json!({"median": f.median, "p95": f.p95, "p99": f.p99, "max": f.max, "n": f.n, "in_flight": top,
                                "what": "the same bursts answered by the suite's trivial client on the bot's CPU instead of the bot"});
        m = m.component("harness_floor", floor_json.clone());
        p = p.component("harness_floor", floor_json);
    }
    let floor_text = |ours: f64, theirs: f64| {
        format!(
            " The same bursts answered by a trivial client instead of the bot: {} ({:.0}% of the bot's figure), the floor this harness sets.",
            ms(theirs),
            100.0 * theirs / ours
        )
    };
    if let Some(s) = s {
        let low = levels.get("in_flight_5").and_then(|v| v["median"].as_f64());
        let growth = low
            .map(|l| format!(" (with 5 in flight: median {}; ×{:.1} at {top})", ms(l), s.median / l))
            .unwrap_or_default();
        m = m.analysis(format!(
            "{top} commands in flight, all answered: median {}{growth}, p99 {}; {}. Growth with load is queueing: per chat in the dispatcher, and behind anything that blocks a runtime worker.{}",
            ms(s.median),
            ms(s.p99),
            spread(&s),
            floor.map(|f| floor_text(s.median, f.median)).unwrap_or_default()
        ));
        p = p.analysis(format!(
            "the p99 of the {} replies with {top} in flight: {} (one figure per suite run, so n = 1; the samples are in concurrent_commands).{}",
            s.n,
            ms(s.p99),
            floor.map(|f| floor_text(s.p99, f.p99)).unwrap_or_default()
        ));
    }
    out.push(m);
    out.push(p);
    let lag = bot_metrics.as_ref().and_then(|ms| ms.iter().find(|m| m.name == "event_loop_lag_max").cloned());
    out.push(match lag {
        Some(l) if l.unit == "s" => Measured::new("event_loop_lag_max", vec![l.value])
            .component("source", "METRIC:event_loop_lag_max from the bot's BOT_METRICS file, written at exit")
            .component("bot_exit", exit)
            .analysis(format!(
                "the worst stall of the bot's event loop over its whole run (warm-up and the bursts of up to {top} commands): {}.",
                ms(l.value)
            )),
        Some(l) => Measured::unavailable("event_loop_lag_max", format!("the bot reported event_loop_lag_max in {:?}, not in seconds", l.unit)),
        None if bot_metrics.is_none() => Measured::unavailable(
            "event_loop_lag_max",
            "the bot wrote no BOT_METRICS file at exit: this build does not have the measurement hook",
        ),
        None => Measured::unavailable("event_loop_lag_max", "the bot's BOT_METRICS file has no event_loop_lag_max line"),
    });
    Ok(out)
}

/// Sends `n` /stats commands at once, round-robin over the users, and waits for every
/// reply. Each reply is matched to its command by order within its chat (the dispatcher
/// answers one chat's updates in order). Returns each command's latency and the burst's
/// wall time.
pub(crate) async fn burst(
    tg: &TelegramServer,
    users: &[ScriptedUser],
    n: usize,
) -> Result<(Vec<f64>, f64), SuiteError> {
    tg.clear_calls();
    let seen = tg.bot_events().len();
    let mut sent: BTreeMap<i64, Vec<Instant>> = BTreeMap::new();
    let began = Instant::now();
    for i in 0..n {
        let u = &users[i % users.len()];
        let at = Instant::now();
        u.send_text("/stats");
        sent.entry(u.id()).or_default().push(at);
    }
    wait_for_events(tg, seen, n, REPLY_TIMEOUT).await?;
    let wall = began.elapsed().as_secs_f64();
    let mut replies: BTreeMap<i64, Vec<Instant>> = BTreeMap::new();
    for c in tg.calls_of("sendMessage") {
        if let Some(chat) = chat_of(&c.params) {
            replies.entry(chat).or_default().push(c.at);
        }
    }
    let mut lat = Vec::with_capacity(n);
    for (chat, sends) in &sent {
        let answers = replies.get(chat).map(Vec::as_slice).unwrap_or_default();
        if answers.len() < sends.len() {
            return Err(SuiteError::Stuck {
                what: format!("chat {chat}: {} commands, {} replies", sends.len(), answers.len()),
            });
        }
        for (s, a) in sends.iter().zip(answers) {
            lat.push(a.saturating_duration_since(*s).as_secs_f64());
        }
    }
    Ok((lat, wall))
}

/// Thousands of commands in batches, RSS after each batch: the bot's memory after them and
/// its growth per 1,000 commands (least squares over the checkpoints).
///
/// The warm-up runs first in the same pattern as the checkpoints (batches of
/// `memory_batch` sent at once over the same users), long enough for what grows once to
/// have grown: the HTTP connection pool reaches the bursts' concurrency, every chat gets
/// its dispatcher state, caches fill. The slope over the second half of the checkpoints
/// is reported beside the whole one: growth still settling shows as a whole slope well
/// above the second half's; a leak keeps both alike.
pub async fn memory(launcher: &Launcher, plan: &Plan, menu: &Option<Vec<String>>) -> Result<Vec<Measured>, SuiteError> {
    let mix: Vec<&str> = ["start", "help", "stats", "queue", "history", "users"]
        .into_iter()
        .filter(|c| offered(menu, c).is_ok())
        .collect();
    let mut finals = Vec::new();
    let mut slopes = Vec::new();
    let mut second_halves = Vec::new();
    let mut warmup_growth = Vec::new();
    let mut checkpoints_json = Vec::new();
    let mut stops = Vec::new();
    let mut progress = Progress::new("memory checkpoints", plan.memory_runs * plan.memory_checkpoints);
    let mut checkpoints_done = 0;
    for _ in 0..plan.memory_runs {
        let (running, _) = Running::start(launcher, plan.bot_rows, |_| Ok(Value::Null)).await?;
        let tg = &running.telegram;
        let users: Vec<ScriptedUser> = (0..USERS).map(|i| tg.user(ADMIN + i)).collect();
        let mut sent = 0usize;
        let mut run_batch = |count: usize| {
            let texts: Vec<String> = (0..count).map(|k| format!("/{}", mix[(sent + k) % mix.len()])).collect();
            sent += count;
            texts
        };
        let before_warmup = running.bot.rss().unwrap_or(0) as f64;
        let mut warmed = 0usize;
        while warmed < plan.memory_warmup {
            let count = plan.memory_batch.min(plan.memory_warmup - warmed);
            let batch = run_batch(count);
            send_and_wait(tg, &users, &batch).await?;
            warmed += count;
        }
        let mut points = Vec::new();
        let mut done = 0usize;
        points.push((0.0, running.bot.rss().unwrap_or(0) as f64));
        warmup_growth.push(points[0].1 - before_warmup);
        for _ in 0..plan.memory_checkpoints {
            let batch = run_batch(plan.memory_batch);
            send_and_wait(tg, &users, &batch).await?;
            done += batch.len();
            checkpoints_done += 1;
            progress.done(checkpoints_done);
            points.push((done as f64, running.bot.rss().unwrap_or(0) as f64));
        }
        let stop = running.stop_noting().await;
        if !stop.starts_with("exit 0") {
            eprintln!("perf-suite:   note: {stop}");
        }
        stops.push(stop);
        if let Some(slope) = least_squares_slope(&points) {
            slopes.push(slope * 1000.0);
        }
        if let Some(slope) = second_half_slope(&points) {
            second_halves.push(slope * 1000.0);
        }
        if let Some(last) = points.last() {
            finals.push(last.1);
        }
        checkpoints_json.push(json!({
            "rss_before_warmup_bytes": before_warmup,
            "points": points.iter().map(|p| json!({"commands_after_warmup": p.0, "rss_bytes": p.1})).collect::<Vec<_>>(),
        }));
    }
    let total = plan.memory_checkpoints * plan.memory_batch;
    let mut after = Measured::new("memory_after_commands", finals.clone())
        .component("commands_after_warmup", total)
        .component("warmup_commands", plan.memory_warmup)
        .component("command_mix", json!(mix))
        .component("checkpoints", json!(checkpoints_json))
        .component("bot_stop", json!(stops));
    if let Some(s) = Summary::of(&finals) {
        after = after.analysis(format!(
            "after {} warm-up and {total} measured commands (sent {} at a time, spread over {USERS} users): median {}; {}.",
            plan.memory_warmup,
            plan.memory_batch,
            human(s.median, "bytes"),
            spread(&s)
        ));
    }
    let second = median(&second_halves);
    let mut growth = Measured::new("memory_growth", slopes.clone())
        .component(
            "method",
            "least-squares slope of VmRSS over the command count, over the checkpoints after the warm-up, in bytes per 1,000 commands; VmRSS is resident memory, not the live heap",
        )
        .component("warmup_commands", plan.memory_warmup)
        .component("warmup_rss_growth_bytes", json!(warmup_growth))
        .component("checkpoints_count", plan.memory_checkpoints)
        .component("commands_per_checkpoint", plan.memory_batch)
        .component("second_half_slope_per_1000", json!(second_halves))
        .component("checkpoints", json!(checkpoints_json));
    if let Some(s) = Summary::of(&slopes) {
        growth = growth.analysis(growth_analysis(s.median, second, median(&warmup_growth), plan));
    }
    Ok(vec![after, growth])
}

/// How to read the leak check, from its figures (bytes per 1,000 commands): the slope over
/// every checkpoint, over the second half, and the RSS the warm-up added.
fn growth_analysis(whole: f64, second_half: Option<f64>, warmup: Option<f64>, plan: &Plan) -> String {
    // RSS moves in pages: a slope under a page per thousand commands is noise.
    const PAGE: f64 = 4096.0;
    let per = |x: f64| format!("{} per 1,000 commands", human(x, "bytes"));
    let mut text = format!(
        "{} over {} checkpoints of {} commands, after a warm-up of {} commands in the same batches",
        per(whole),
        plan.memory_checkpoints,
        plan.memory_batch,
        plan.memory_warmup
    );
    if let Some(w) = warmup {
        text.push_str(&format!(" (which itself added {} of RSS)", human(w, "bytes")));
    }
    let verdict = match second_half {
        _ if whole.abs() < PAGE => "flat: under one 4 KiB page per 1,000 commands, no sign of a leak".to_owned(),
        Some(h) => {
            text.push_str(&format!("; over the second half of the checkpoints alone: {}", per(h)));
            if h.abs() < PAGE {
                "the growth stops in the second half: what grew was the end of the warm-up (pools, per-chat state, allocator arenas), not a leak".to_owned()
            } else if h < whole / 2.0 {
                "still growing but slowing down: more likely settling than leaking; a run with more checkpoints tells the two apart".to_owned()
            } else if whole > 0.0 {
                "growing at a steady rate in both halves: either a leak or the allocator keeping freed memory (RSS cannot tell which; a heap profile such as valgrind's massif can)".to_owned()
            } else {
                "shrinking: the allocator gave memory back after the warm-up".to_owned()
            }
        }
        None if whole > 0.0 => "growing; too few checkpoints for a second-half slope".to_owned(),
        None => "shrinking: the allocator gave memory back after the warm-up".to_owned(),
    };
    text.push_str(&format!(": {verdict}. "));
    text.push_str(
        "What this figure can tell: whether the process's resident memory keeps rising with the command count. \
         What it cannot: whether that memory is live. RSS counts pages the allocator keeps after free() as well \
         as live objects, and moves in 4 KiB pages, so a steady creep of a fraction of a megabyte per 1,000 commands \
         is consistent with allocator retention; only a heap profile (valgrind --tool=massif, heaptrack) separates that from a leak.",
    );
    text
}

/// Sends the texts, spread over the users, and waits until the bot has answered them all.
async fn send_and_wait(tg: &TelegramServer, users: &[ScriptedUser], texts: &[String]) -> Result<(), SuiteError> {
    tg.clear_calls();
    let seen = tg.bot_events().len();
    for (i, t) in texts.iter().enumerate() {
        users[i % users.len()].send_text(t);
    }
    wait_for_events(tg, seen, texts.len(), REPLY_TIMEOUT * 2).await?;
    Ok(())
}

/// Waits until the bot has done `n` things in chats after the first `seen`. Follows the
/// log by its tail only: cloning the whole log at every wake would load the suite's core,
/// the one the server records arrival times on.
async fn wait_for_events(tg: &TelegramServer, seen: usize, n: usize, timeout: Duration) -> Result<(), SuiteError> {
    let deadline = Instant::now() + timeout;
    let mut count = seen;
    while count - seen < n {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(SuiteError::Stuck {
                what: format!("only {} of {n} commands were answered within {timeout:?}", count - seen),
            });
        }
        count += tg.bot_events_after(count, left).await.len();
    }
    Ok(())
}
