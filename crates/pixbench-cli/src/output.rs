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
        let total = plan.jobs.len() as u32;
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
            "{} {} {} · {} image(s) · {} credits · {}{}",
            match t.status {
                RunStatus::Done => "✓",
                RunStatus::Partial => "~",
                _ => "✗",
            },
            t.model_id,
            t.status.as_str(),
            t.outputs.len(),
            t.credits,
            timing,
            t.error.as_ref().map(|e| format!("\n    {}", e.message)).unwrap_or_default()
        );
        for o in &t.outputs {
            let _ = writeln!(s, "    {}x{}  {}", o.width, o.height, engine.blobs().image_path(&o.sha256).display());
        }
    }
    s
}

/// The report as a table (stdout).
pub fn report_table(engine: &Engine, r: &BenchReport) -> String {
    let _ = engine;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}{} · {} · {}: {} requests, {} succeeded, {} failed{}{} · {} images · {} credits (${:.2}){}",
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
            r.credits,
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

pub fn models_table(c: &Catalog) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{:<38} {:<16} {:>7} {:>7} {:>8}  default", "id", "alias", "variant", "credits", "official");
    for e in &c.entries {
        let _ = writeln!(
            s,
            "{:<38} {:<16} {:>7} {:>7} {:>8}  {}",
            e.id,
            e.alias.as_deref().unwrap_or("-"),
            e.variant,
            e.credits,
            e.official_usd.map(|u| format!("${u:.3}")).unwrap_or_else(|| "-".into()),
            if e.default_async { "async" } else { "sync" }
        );
    }
    s
}
