//! What pixbench prints: progress on stderr (indicatif on a terminal, plain lines
//! otherwise), tables on stdout.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use pixbench_core::api::*;
use pixbench_core::bench::{BenchPlan, BenchProgress, BenchReport, BenchStatus};
use pixbench_core::catalog::Catalog;
use pixbench_core::Engine;

pub fn ms(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(x) if x >= 10_000.0 => format!("{:.1}s", x / 1000.0),
        Some(x) if x >= 1000.0 => format!("{:.2}s", x / 1000.0),
        Some(x) if x >= 100.0 => format!("{x:.0}ms"),
        Some(x) => format!("{x:.1}ms"),
    }
}

fn secs(ms: f64) -> String {
    let s = ms / 1000.0;
    if s >= 3600.0 {
        format!("{}h{:02}m", (s / 3600.0) as u64, ((s % 3600.0) / 60.0) as u64)
    } else if s >= 60.0 {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else {
        format!("{s:.1}s")
    }
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Progress of a benchmark.
pub enum Progress {
    Quiet,
    Plain { total: u32, last: Option<Instant>, every: Duration, width: usize },
    Bars { _mp: MultiProgress, overall: ProgressBar, targets: Vec<ProgressBar> },
}

impl Progress {
    pub fn new(plan: &BenchPlan, quiet: bool) -> Progress {
        let total = u32::try_from(plan.requests()).unwrap_or(u32::MAX);
        if quiet {
            return Progress::Quiet;
        }
        if !std::io::stderr().is_terminal() {
            // One line per request for small runs; at most one a second for big ones.
            let every = if total <= 200 { Duration::ZERO } else { Duration::from_secs(1) };
            let width = plan.matrix.targets.iter().map(|t| t.model.len()).max().unwrap_or(10).min(48);
            return Progress::Plain { total, last: None, every, width };
        }
        let mp = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let overall = mp.add(ProgressBar::new(total as u64));
        overall.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30.cyan/blue} {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        overall.enable_steady_tick(Duration::from_millis(120));
        let width = plan.matrix.targets.iter().map(|t| t.model.len() + 4).max().unwrap_or(20).min(48);
        let style = ProgressStyle::with_template(&format!(
            "  {{prefix:<{width}}} {{bar:20.green/white}} {{pos}}/{{len}} {{msg}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        let per = (plan.matrix.prompts.len() as u64) * plan.matrix.repeats as u64;
        let targets = plan
            .matrix
            .targets
            .iter()
            .map(|t| {
                let b = mp.add(ProgressBar::new(per));
                b.set_style(style.clone());
                b.set_prefix(if t.n > 1 { format!("{}:{}", t.model, t.n) } else { t.model.clone() });
                b
            })
            .collect();
        Progress::Bars { _mp: mp, overall, targets }
    }

    pub fn update(&mut self, p: &BenchProgress) {
        match self {
            Progress::Quiet => {}
            Progress::Plain { total, last, every, width: mw } => {
                let Some(s) = &p.last else {
                    eprintln!(
                        "pixbench: starting {total} requests{}",
                        if p.warming_up { " (warm-ups first)" } else { "" }
                    );
                    return;
                };
                let now = Instant::now();
                let due = last.is_none_or(|l| now.duration_since(l) >= *every) || p.remaining == 0;
                if !due {
                    return;
                }
                *last = Some(now);
                let width = total.to_string().len();
                let what = if s.ok {
                    format!("ok        {}", ms(s.total_ms))
                } else {
                    format!("{:<9} {}", s.status, s.error_kind.map(|k| k.as_str()).unwrap_or(""))
                };
                let mw = *mw;
                let eta = p.eta_ms.map(secs).unwrap_or_else(|| "-".into());
                eprintln!(
                    "[{:>width$}/{total}] {}{:<mw$} {what} | done {}, failed {}, remaining {}, elapsed {}, ETA {}",
                    p.done,
                    if s.warmup { "warm-up " } else { "" },
                    short(&s.model, 48),
                    p.done,
                    p.failed,
                    p.remaining,
                    secs(p.elapsed_ms),
                    eta
                );
            }
            Progress::Bars { overall, targets, .. } => {
                overall.set_position(p.done as u64);
                let eta = p.eta_ms.map(secs).unwrap_or_else(|| "-".into());
                overall.set_message(format!(
                    "ok {} · failed {} · in flight {} · ETA {} · {} credits{}",
                    p.succeeded,
                    p.failed,
                    p.in_flight,
                    eta,
                    p.credits,
                    if p.warming_up { " · warming up" } else { "" }
                ));
                for (b, t) in targets.iter().zip(&p.targets) {
                    b.set_position((t.succeeded + t.failed) as u64);
                    b.set_message(format!(
                        "ok {} · failed {} · p50 {} · p90 {}",
                        t.succeeded,
                        t.failed,
                        ms(t.p50_ms),
                        ms(t.p90_ms)
                    ));
                }
            }
        }
    }

    pub fn finish(&mut self, r: &BenchReport) {
        let line = format!(
            "{} in {}: {} requests, {} succeeded, {} failed{}{}",
            match r.status {
                BenchStatus::Cancelled => "cancelled",
                BenchStatus::Stopped => "stopped",
                BenchStatus::Complete => "finished",
            },
            secs(r.elapsed_ms),
            r.requests,
            r.succeeded,
            r.failed,
            if r.cancelled > 0 { format!(", {} cancelled", r.cancelled) } else { String::new() },
            if r.not_started > 0 { format!(", {} not started", r.not_started) } else { String::new() },
        );
        match self {
            Progress::Quiet => {}
            Progress::Plain { .. } => eprintln!("pixbench: {line}"),
            Progress::Bars { overall, targets, .. } => {
                for b in targets.iter() {
                    b.abandon();
                }
                overall.abandon_with_message(line);
            }
        }
    }
}

/// A spinner for one run (terminal only).
pub struct Spinner(Option<ProgressBar>);

impl Spinner {
    pub fn new(quiet: bool, run: &RunView) -> Spinner {
        if quiet || !std::io::stderr().is_terminal() {
            return Spinner(None);
        }
        let b = ProgressBar::new_spinner();
        b.set_draw_target(ProgressDrawTarget::stderr());
        b.enable_steady_tick(Duration::from_millis(120));
        let models: Vec<&str> = run.targets.iter().map(|t| t.model_id.as_str()).collect();
        b.set_message(format!("running {} (Ctrl-C cancels)", models.join(", ")));
        Spinner(Some(b))
    }
    pub fn finish(self) {
        if let Some(b) = self.0 {
            b.finish_and_clear();
        }
    }
}

/// The images of a run, one line each (stderr: for a person).
pub fn run_outputs(engine: &Engine, run: &RunView) -> String {
    let mut s = String::new();
    for t in &run.targets {
        let timing = t
            .timing
            .as_ref()
            .map(|x| {
                let phase = match (x.ttfb_ms, x.wait_ms) {
                    (Some(tt), _) => format!(", ttfb {}", ms(Some(tt))),
                    (None, Some(w)) => format!(", queue wait {}", ms(Some(w))),
                    _ => String::new(),
                };
                format!("{}{}", ms(Some(x.total_ms)), phase)
            })
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            s,
            "{} {} {} · {} image(s) · {} · {}{}",
            match t.status {
                RunStatus::Done => "✓",
                RunStatus::Partial => "~",
                RunStatus::Waiting => "…",
                _ => "✗",
            },
            t.model_id,
            t.status.as_str(),
            t.outputs.len(),
            cost_text(&t.cost),
            timing,
            t.error.as_ref().map(error_lines).unwrap_or_default()
        );
        for o in &t.outputs {
            let _ = writeln!(s, "    {}x{}  {}", o.width, o.height, engine.blobs().image_path(&o.sha256).display());
        }
    }
    s
}

/// A target's error under its line: the sentence, and the server's request id to quote to
/// its support when it gave one.
fn error_lines(e: &pixbench_core::api::UiError) -> String {
    let mut s = format!("\n    {}", clean(&e.message));
    if let Some(id) = &e.request_id {
        s.push_str(&format!("\n    request id: {}", clean(id)));
    }
    s
}

/// "4 credits", "$0.032025" (a gateway that bills in dollars), "price unknown",
/// "4 credits + 2 unpriced".
pub fn cost_text(c: &pixbench_core::api::Cost) -> String {
    match (c.credits, c.unpriced) {
        (0, 0) if c.usd > 0.0 => usd_text(c.usd),
        (_, 0) => format!("{} credits", c.credits),
        (0, _) => "price unknown".into(),
        (cr, n) => format!("{cr} credits + {n} unpriced"),
    }
}

/// Dollars to the micro-dollar a token charge has, without trailing zeros ("$0.25",
/// "$0.032025").
pub fn usd_text(usd: f64) -> String {
    let s = format!("{usd:.6}");
    let s = s.trim_end_matches('0');
    let s = if s.ends_with('.') { format!("{s}00") } else { s.to_string() };
    let s = match s.split_once('.') {
        Some((w, f)) if f.len() < 2 => format!("{w}.{f:0<2}"),
        _ => s,
    };
    format!("${s}")
}

/// The report as a table (stdout).
pub fn report_table(engine: &Engine, r: &BenchReport) -> String {
    let _ = engine;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}{} · {} · {}: {} requests, {} succeeded, {} failed{}{} · {} images · {} credits (${:.2}){}{}",
        r.name.as_deref().map(|n| format!("{n} · ")).unwrap_or_default(),
        match r.status {
            BenchStatus::Cancelled => "CANCELLED",
            BenchStatus::Stopped => "STOPPED",
            BenchStatus::Complete => "complete",
        },
        r.profile,
        secs(r.elapsed_ms),
        r.requests,
        r.succeeded,
        r.failed,
        if r.cancelled > 0 { format!(", {} cancelled", r.cancelled) } else { String::new() },
        if r.not_started > 0 { format!(", {} not started", r.not_started) } else { String::new() },
        r.images,
        r.credits,
        r.usd,
        if r.unpriced > 0 { format!(" + {} image(s) of unknown price", r.unpriced) } else { String::new() },
        if r.simulated { " simulated" } else { "" },
    );
    if r.warmup_requests > 0 {
        let _ = writeln!(
            s,
            "{} warm-up requests ({} credits) are not in the figures below.",
            r.warmup_requests, r.warmup_credits
        );
    }
    let w = r.targets.iter().map(|t| t.model.len() + if t.n > 1 { 3 } else { 0 }).max().unwrap_or(6).max(6);
    let _ = writeln!(
        s,
        "{:<w$} {:>5} {:>5} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>7} {:>7} {:>8}",
        "target",
        "count",
        "ok%",
        "min",
        "p50",
        "p90",
        "p99",
        "max",
        "ttfb p50",
        "wait p50",
        "cr/img",
        "$/img",
        "img/min"
    );
    for t in &r.targets {
        let name = if t.n > 1 { format!("{}:{}", t.model, t.n) } else { t.model.clone() };
        let _ = writeln!(
            s,
            "{:<w$} {:>5} {:>5} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>7} {:>7} {:>8}",
            name,
            t.count,
            t.success_rate.map(|x| format!("{:.0}%", x * 100.0)).unwrap_or_else(|| "-".into()),
            ms(t.min_ms),
            ms(t.p50_ms),
            ms(t.p90_ms),
            ms(t.p99_ms),
            ms(t.max_ms),
            ms(t.ttfb_p50_ms),
            ms(t.queue_wait_p50_ms),
            t.credits_per_image.map(|x| format!("{x:.1}")).unwrap_or_else(|| "-".into()),
            t.usd_per_image.map(|x| format!("{x:.3}")).unwrap_or_else(|| "-".into()),
            t.images_per_minute.map(|x| format!("{x:.1}")).unwrap_or_else(|| "-".into()),
        );
    }
    if let Some(why) = &r.stop_reason {
        let _ = writeln!(s, "{why}");
    }
    if !r.failures.is_empty() {
        let _ = writeln!(s, "failures:");
        for g in &r.failures {
            let _ = writeln!(s, "  {} x {} {}: {}", g.count, g.model, g.kind, short(&g.message, 160));
        }
    }
    s
}

pub fn history_table(rows: &[RunSummary]) -> String {
    let mut s = String::new();
    for r in rows {
        let _ = writeln!(
            s,
            "{}  {:<11} {:>4} cr {:>2} img  {:<10} {}  {}",
            &r.created_at[..r.created_at.len().min(19)],
            r.status.as_str(),
            r.cost.credits,
            r.images,
            short(&r.profile_name, 10),
            short(&r.models.join(","), 40),
            short(&r.prompt, 60)
        );
    }
    if rows.is_empty() {
        s.push_str("(no runs)\n");
    }
    s
}

/// The models a server listed: each with its catalog entries, or "listed by the server".
pub fn server_models_table(m: &pixbench_core::api::ServerModels) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\nListed by the server ({} models):", m.models.len());
    for model in &m.models {
        let known = if model.entry_ids.is_empty() {
            "not in the catalog: price unknown".to_string()
        } else {
            format!("catalog: {}", model.entry_ids.join(", "))
        };
        let _ = writeln!(s, "  {:<38} {}", clean(&model.id), known);
    }
    if let Some(p) = &m.problem {
        let _ = writeln!(s, "  ({})", clean(p));
    }
    s
}

pub fn models_table(c: &Catalog) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{:<38} {:<16} {:>7} {:>13} {:>8}  default", "id", "alias", "variant", "price", "official");
    for e in &c.entries {
        let _ = writeln!(
            s,
            "{:<38} {:<16} {:>7} {:>13} {:>8}  {}",
            e.id,
            e.alias.as_deref().unwrap_or("-"),
            e.variant,
            price_cell(e),
            e.official_usd.map(|u| format!("${u:.3}")).unwrap_or_else(|| "-".into()),
            if e.default_async { "async" } else { "sync" }
        );
    }
    s
}

/// An entry's price per image: credits, a dollar range (by size and quality), or unknown.
fn price_cell(e: &pixbench_core::api::CatalogEntry) -> String {
    if e.unpriced {
        return "unknown".into();
    }
    if e.usd_prices.is_empty() {
        return format!("{} cr", e.credits);
    }
    let lo = e.usd_prices.iter().map(|p| p.usd).fold(f64::INFINITY, f64::min);
    let hi = e.usd_prices.iter().map(|p| p.usd).fold(0.0, f64::max);
    format!("${lo:.3}-{hi:.3}")
}

/// The report as the CLI prints it in JSON: where an image could not be priced (a model
/// only the server lists), `credits` is `null` (the whole is unknown) with the priced part
/// beside it as `priced_credits` and the count as `unpriced`; for the report and each of
/// its requests.
pub fn report_json(report: &pixbench_core::bench::BenchReport) -> serde_json::Value {
    let mut v = serde_json::to_value(report).unwrap_or(serde_json::Value::Null);
    fn unknown_whole(o: &mut serde_json::Value) {
        let unpriced = o.get("unpriced").and_then(|u| u.as_u64()).unwrap_or(0);
        if unpriced > 0 {
            let priced = o.get("credits").cloned().unwrap_or(serde_json::Value::Null);
            o["priced_credits"] = priced;
            o["credits"] = serde_json::Value::Null;
        }
    }
    unknown_whole(&mut v);
    if let Some(samples) = v.get_mut("samples").and_then(|s| s.as_array_mut()) {
        samples.iter_mut().for_each(unknown_whole);
    }
    v
}

/// Text from a server or a file, safe to print on a terminal: control characters (an escape
/// sequence could rewrite the screen or the title) are shown as `\u{..}`.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        // Controls, and the marks that reorder text on screen (a prompt could show one
        // thing and be another).
        let reorders = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if (c.is_control() && c != '\n' && c != '\t') || reorders {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod clean_tests {
    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(super::clean("a\u{1b}[2Jb\u{7}"), "a\\u{1b}[2Jb\\u{7}");
        assert_eq!(super::clean("line\nnext\ttab"), "line\nnext\ttab");
        // A right-to-left override would make "gnp.exe" read as "exe.png".
        assert_eq!(super::clean("a\u{202e}gnp.exe"), "a\\u{202e}gnp.exe");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pixbench_core::api::Cost;

    #[test]
    fn a_cost_reads_in_the_unit_its_gateway_bills() {
        assert_eq!(cost_text(&Cost::credits(4, 0.01)), "4 credits");
        assert_eq!(cost_text(&Cost::dollars(0.032025)), "$0.032025");
        assert_eq!(cost_text(&Cost::dollars(0.25)), "$0.25");
        assert_eq!(cost_text(&Cost::dollars(3.0)), "$3.00");
        assert_eq!(cost_text(&Cost::unpriced(2)), "price unknown");
    }
}
