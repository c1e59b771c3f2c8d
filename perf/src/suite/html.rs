//! `report.html`: the comparison for people, in one self-contained file. It opens from
//! disk with no network and no script: the charts are SVG drawn here, one per group of
//! metrics, each metric a pair of bars (the medians, with a whisker to the p95) scaled to
//! its own row, and the original's target as a dashed line. Then the table, and each
//! metric's `why` and `analysis`.

use std::fmt::Write as _;

use serde_json::Value;

use super::metric::human;

const GROUPS: &[(&str, &[&str])] = &[
    ("Start-up", &["cold_start", "warm_start", "bot_init", "first_command"]),
    (
        "Commands",
        &[
            "command_start",
            "command_help",
            "command_stats",
            "command_queue",
            "command_test",
            "command_history",
            "command_users",
            "command_organize",
        ],
    ),
    ("Under load", &["concurrent_commands", "concurrent_commands_p99", "event_loop_lag_max"]),
    ("Database (10,000 rows)", &["db_read", "db_write", "db_query", "db_write_throughput"]),
    ("Shutdown", &["shutdown_idle", "shutdown_busy"]),
    (
        "Memory",
        &["memory_baseline", "memory_after_init", "memory_after_commands", "memory_growth", "memory_during_download"],
    ),
    ("Downloads", &["download_throughput"]),
];

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

const ROW: f64 = 46.0;
const LABEL: f64 = 190.0;
const WIDTH: f64 = 760.0;
const BAR: f64 = 360.0;

fn chart(title: &str, names: &[&str], metrics: &[Value], a: &str, b: &str) -> String {
    let rows: Vec<&Value> = names.iter().filter_map(|n| metrics.iter().find(|m| m["name"] == *n)).collect();
    let height = 30.0 + ROW * rows.len() as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<figure><figcaption>{}</figcaption><svg role="img" aria-label="{}" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title),
        escape(title)
    );
    for (i, m) in rows.iter().enumerate() {
        let y = 20.0 + ROW * i as f64;
        let name = m["name"].as_str().unwrap_or_default();
        let unit = m["unit"].as_str().unwrap_or("s");
        let _ = write!(s, r#"<text x="0" y="{}" class="label">{}</text>"#, y + 18.0, escape(name));
        let (ma, mb) = (&m[a], &m[b]);
        if ma["n"].as_u64().unwrap_or(0) == 0 && mb["n"].as_u64().unwrap_or(0) == 0 {
            let _ = write!(s, r#"<text x="{LABEL}" y="{}" class="na">not measured in either variant</text>"#, y + 18.0);
            continue;
        }
        let target = f(&m["target"]);
        let scale = [f(&ma["p95"]), f(&mb["p95"]), f(&ma["median"]), f(&mb["median"]), target]
            .into_iter()
            .fold(0.0, f64::max)
            .max(1e-12);
        for (j, (variant, v, class)) in [(a, ma, "a"), (b, mb, "b")].into_iter().enumerate() {
            let by = y + 4.0 + 18.0 * j as f64;
            if v["n"].as_u64().unwrap_or(0) == 0 {
                let _ = write!(
                    s,
                    r#"<text x="{LABEL}" y="{}" class="na">{}: not measured</text>"#,
                    by + 12.0,
                    escape(variant)
                );
                continue;
            }
            let w = BAR * f(&v["median"]) / scale;
            let p95 = LABEL + BAR * f(&v["p95"]) / scale;
            let _ = write!(
                s,
                r#"<rect x="{LABEL}" y="{by}" width="{w:.1}" height="14" class="{class}"><title>{} median {}, p95 {}, n = {}</title></rect><line x1="{:.1}" x2="{p95:.1}" y1="{}" y2="{}" class="whisker"/><text x="{}" y="{}" class="value">{} {}</text>"#,
                escape(variant),
                human(f(&v["median"]), unit),
                human(f(&v["p95"]), unit),
                v["n"],
                LABEL + w,
                by + 7.0,
                by + 7.0,
                LABEL + BAR + 10.0,
                by + 12.0,
                escape(variant),
                human(f(&v["median"]), unit),
            );
        }
        if target > 0.0 {
            let x = LABEL + BAR * target / scale;
            let _ = write!(
                s,
                r#"<line x1="{x:.1}" x2="{x:.1}" y1="{}" y2="{}" class="target"><title>original target {}</title></line>"#,
                y,
                y + 40.0,
                human(target, unit)
            );
        }
    }
    s.push_str("</svg></figure>");
    s
}

/// The whole page for a `comparison.json` value.
pub fn report(c: &Value) -> String {
    let (a, b) = (c["a"].as_str().unwrap_or("a"), c["b"].as_str().unwrap_or("b"));
    let metrics: Vec<Value> = c["metrics"].as_array().cloned().unwrap_or_default();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{a} against {b}</title><style>
body{{font-family:sans-serif;max-width:70rem;margin:2rem auto;color:#222}} figure{{margin:1.5rem 0}} figcaption{{font-weight:bold;margin-bottom:.5rem}}
.label{{font-size:13px}} .value{{font-size:12px}} .na{{font-size:12px;fill:#888}} .a{{fill:#7a8fb0}} .b{{fill:#2e9e6b}}
.whisker{{stroke:#333;stroke-width:1.5}} .target{{stroke:#c0392b;stroke-dasharray:4 3;stroke-width:1.5}}
table{{border-collapse:collapse;font-size:13px}} td,th{{border:1px solid #ccc;padding:3px 6px;text-align:left}} .legend span{{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}}
</style></head><body><h1>{a} against {b}</h1>
<p class="legend">Bars: median, whisker to p95. <span style="background:#7a8fb0"></span>{a} <span style="background:#2e9e6b"></span>{b} <span style="border-top:2px dashed #c0392b;height:0"></span>the original's target. A ratio above 1 means {b} is better.</p>"#,
        a = escape(a),
        b = escape(b)
    );
    for (title, names) in GROUPS {
        s.push_str(&chart(title, names, &metrics, a, b));
    }
    let _ = write!(s, "<h2>Table</h2><table><tr><th>metric</th><th>{}</th><th>{}</th><th>ratio (95% CI)</th><th>significant</th></tr>", escape(a), escape(b));
    for m in &metrics {
        let unit = m["unit"].as_str().unwrap_or("s");
        let cell = |v: &Value| {
            if v["n"].as_u64().unwrap_or(0) == 0 {
                "—".to_owned()
            } else {
                format!("{} (p95 {}, n = {})", human(f(&v["median"]), unit), human(f(&v["p95"]), unit), v["n"])
            }
        };
        let ratio = match (m["ratio"].as_f64(), m["ci95"].as_array()) {
            (Some(r), Some(ci)) => format!("{r:.2} ({:.2}–{:.2})", f(&ci[0]), f(&ci[1])),
            (Some(r), None) => format!("{r:.2} (no interval: too few samples)"),
            _ => "not compared".into(),
        };
        let _ = write!(
            s,
            "<tr id=\"{name}\"><td>{name}</td><td>{}</td><td>{}</td><td>{ratio}</td><td>{}</td></tr>",
            escape(&cell(&m[a])),
            escape(&cell(&m[b])),
            if m["significant"].as_bool() == Some(true) { "yes" } else { "no" },
            name = escape(m["name"].as_str().unwrap_or_default()),
        );
    }
    s.push_str("</table><h2>What each figure says</h2><dl>");
    for m in &metrics {
        let _ = write!(
            s,
            "<dt><b>{}</b></dt><dd><p>Why: {}</p><p>{}</p></dd>",
            escape(m["name"].as_str().unwrap_or_default()),
            escape(m["why"].as_str().unwrap_or_default()),
            escape(m["analysis"].as_str().unwrap_or_default())
        );
    }
    s.push_str("</dl></body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_charts_show_every_metric_once() {
        super::super::metric::assert_groups_cover_every_metric_once("report.html's charts", GROUPS);
    }

    #[test]
    fn every_metric_appears_and_text_is_escaped() {
        let c = json!({"a": "baseline", "b": "optimized", "metrics": [
            {"name": "cold_start", "unit": "s", "target": 1.5, "ratio": 2.0, "ci95": [1.8, 2.2], "significant": true,
             "baseline": {"median": 0.08, "p95": 0.09, "n": 6}, "optimized": {"median": 0.04, "p95": 0.05, "n": 6},
             "why": "users <wait>", "analysis": "a & b"},
            {"name": "shutdown_busy", "unit": "s", "baseline": {"n": 0}, "optimized": {"n": 0}, "analysis": "not compared"}
        ]});
        let page = report(&c);
        assert!(page.contains("<tr id=\"cold_start\">") && page.contains("<tr id=\"shutdown_busy\">"));
        assert!(page.contains("users &lt;wait&gt;") && page.contains("a &amp; b"));
        assert!(page.contains("not measured in either variant"));
        assert!(!page.contains("<script"), "no scripts");
        assert_eq!(page.matches("<svg").count(), GROUPS.len());
    }
}
