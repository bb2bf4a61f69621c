//! A request file's `[expect]`: read and checked against the file (an unknown key or an
//! impossible value names the file, the line and the key), then held against a run, each
//! expectation per target with the figure that decided it.

use std::path::Path;

use pixbench_core::api::{RunStatus, RunView, TargetView};
use pixbench_metrics::PairMetrics;
use pixbench_workspace::{FileError, RequestFile};

use crate::golden::GoldenOutcome;
use serde::Serialize;

/// What a request expects of its run. A request without `[expect]` expects `ok = true`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expectations {
    /// Every request succeeded.
    pub ok: bool,
    /// This many images per request.
    pub images: Option<u32>,
    /// The delivered size is the tier asked for.
    pub tier_as_asked: bool,
    /// The request as a whole costs at most this many credits.
    pub max_credits: Option<i64>,
    /// Each request takes at most this many seconds.
    pub max_seconds: Option<f64>,
    /// Each image against its case's golden image.
    pub min_ssim: Option<f64>,
    pub max_phash: Option<u32>,
    /// The judge's score (not built in this version: reported as skipped).
    pub judge_min: Option<u8>,
    pub rubric: Option<String>,
}

impl Default for Expectations {
    fn default() -> Self {
        Expectations {
            ok: true,
            images: None,
            tier_as_asked: false,
            max_credits: None,
            max_seconds: None,
            min_ssim: None,
            max_phash: None,
            judge_min: None,
            rubric: None,
        }
    }
}

/// Every key `[expect]` takes, as the error for an unknown one lists them.
pub const KEYS: &[&str] =
    &["ok", "images", "tier_as_asked", "max_credits", "max_seconds", "min_ssim", "max_phash", "judge_min", "rubric"];

/// The most images a request asks (the catalog's largest `n` is far below).
const MAX_IMAGES: i64 = 100;
/// A day: a request expected to take longer is a typo.
const MAX_SECONDS: f64 = 86_400.0;

impl Expectations {
    /// The expectations of `file` (read from `path`, which names it in errors).
    pub fn of_file(file: &RequestFile, path: &Path) -> Result<Expectations, FileError> {
        let mut e = Expectations::default();
        let Some(table) = &file.expect else { return Ok(e) };
        for (key, value) in table {
            let (at, line) = file.place_of(&format!("expect.{key}"), path);
            let field = format!("expect.{key}");
            let bad = |reason: String| FileError::new(at.clone(), line, field.clone(), reason);
            let int = |lo: i64, hi: i64| -> Result<i64, FileError> {
                match value.as_integer() {
                    Some(n) if (lo..=hi).contains(&n) => Ok(n),
                    Some(n) => Err(bad(format!("{n} is out of range: give a whole number from {lo} to {hi}"))),
                    None => Err(bad(format!("give a whole number from {lo} to {hi}, not {value}"))),
                }
            };
            let number = |lo: f64, hi: f64, lo_open: bool| -> Result<f64, FileError> {
                let n = value.as_float().or_else(|| value.as_integer().map(|i| i as f64));
                match n {
                    Some(n) if n.is_finite() && n <= hi && (n > lo || (!lo_open && n == lo)) => Ok(n),
                    _ => Err(bad(format!(
                        "give a number {} {lo} and at most {hi}, not {value}",
                        if lo_open { "above" } else { "from" }
                    ))),
                }
            };
            let flag = || value.as_bool().ok_or_else(|| bad(format!("give true or false, not {value}")));
            match key.as_str() {
                "ok" => e.ok = flag()?,
                "images" => e.images = Some(int(1, MAX_IMAGES)? as u32),
                "tier_as_asked" => e.tier_as_asked = flag()?,
                "max_credits" => e.max_credits = Some(int(0, i64::from(u32::MAX))?),
                "max_seconds" => e.max_seconds = Some(number(0.0, MAX_SECONDS, true)?),
                "min_ssim" => e.min_ssim = Some(number(0.0, 1.0, false)?),
                "max_phash" => e.max_phash = Some(int(0, 64)? as u32),
                "judge_min" => e.judge_min = Some(int(1, 5)? as u8),
                "rubric" => match value.as_str() {
                    Some(s) if !s.trim().is_empty() && s.len() <= 2000 => e.rubric = Some(s.trim().to_string()),
                    _ => return Err(bad("give the rubric as text of at most 2,000 characters".into())),
                },
                _ => {
                    return Err(bad(format!("unknown expectation; expected one of {}", KEYS.join(", "))));
                }
            }
        }
        if e.rubric.is_some() && e.judge_min.is_none() {
            let (at, line) = file.place_of("expect.rubric", path);
            return Err(FileError::new(
                at,
                line,
                "expect.rubric",
                "a rubric is for the judge: give `judge_min` too (its lowest passing score, 1 to 5)",
            ));
        }
        Ok(e)
    }
}

/// How one expectation came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    /// Not checked, and why is in the detail (no golden image kept, no judge).
    Skip,
}

/// One expectation held against one target (or, for `max_credits`, the request).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// The target it is about ("Nano Banana 2 · 4K"), or "request" for the whole.
    pub target: String,
    /// The expectation as written ("max_seconds = 10").
    pub expectation: String,
    pub outcome: Outcome,
    /// The figure that decided it ("12.4 s", "asked 4K, got 2K").
    pub detail: String,
}

fn seconds(t: &TargetView) -> Option<f64> {
    t.timing.as_ref().map(|x| x.total_ms / 1000.0)
}

/// Holds `e` against `run`; `label` names a target for people (its catalog label), and
/// `golden` compares a target's output (by index) with its case's golden image.
pub fn check(
    e: &Expectations,
    run: &RunView,
    label: &dyn Fn(&TargetView) -> String,
    golden: &dyn Fn(&TargetView, usize) -> GoldenOutcome,
) -> Vec<Check> {
    let mut out = Vec::new();
    let mut add = |target: String, expectation: String, outcome: Outcome, detail: String| {
        out.push(Check { target, expectation, outcome, detail });
    };
    for t in &run.targets {
        let who = label(t);
        if e.ok {
            let done = t.status == RunStatus::Done && t.error.is_none();
            let detail = match (&t.error, done) {
                (_, true) => "done".to_string(),
                (Some(err), _) => format!("{}: {}", status_word(t.status), err.message),
                (None, _) => status_word(t.status).to_string(),
            };
            add(who.clone(), "ok = true".into(), held(done), detail);
        }
        if let Some(n) = e.images {
            let got = t.outputs.len();
            add(who.clone(), format!("images = {n}"), held(got == n as usize), format!("{got} image(s)"));
        }
        if e.tier_as_asked {
            let off: Vec<String> = t
                .outputs
                .iter()
                .filter(|o| !o.billing.billed_tier.is_empty() && o.billing.billed_tier != o.billing.asked_tier)
                .map(|o| {
                    format!("asked {}, got {} ({}×{})", o.billing.asked_tier, o.billing.billed_tier, o.width, o.height)
                })
                .collect();
            let detail = if t.outputs.is_empty() {
                "no image to measure".to_string()
            } else if off.is_empty() {
                let o = &t.outputs[0];
                format!("{} as asked ({}×{})", o.billing.asked_tier, o.width, o.height)
            } else {
                off.join("; ")
            };
            add(who.clone(), "tier_as_asked = true".into(), held(!t.outputs.is_empty() && off.is_empty()), detail);
        }
        if let Some(max) = e.max_seconds {
            match seconds(t) {
                Some(s) => add(who.clone(), format!("max_seconds = {max}"), held(s <= max), format!("{s:.1} s")),
                None => add(
                    who.clone(),
                    format!("max_seconds = {max}"),
                    Outcome::Fail,
                    "no timing: the request did not finish".into(),
                ),
            }
        }
        if e.min_ssim.is_some() || e.max_phash.is_some() {
            if t.outputs.is_empty() {
                for x in
                    [e.min_ssim.map(|v| format!("min_ssim = {v}")), e.max_phash.map(|v| format!("max_phash = {v}"))]
                        .into_iter()
                        .flatten()
                {
                    add(who.clone(), x, Outcome::Fail, "no image to compare with the golden".into());
                }
            }
            for i in 0..t.outputs.len() {
                let who = if t.outputs.len() > 1 { format!("{who} · image {}", i + 1) } else { who.clone() };
                let outcome = golden(t, i);
                let mut judge = |expectation: String, decide: &dyn Fn(&PairMetrics) -> (bool, String)| {
                    let (pass, detail) = match &outcome {
                        GoldenOutcome::Missing => (
                            false,
                            "no golden image yet: `pixbench test --update-golden` keeps this output as it".into(),
                        ),
                        GoldenOutcome::Failed(why) => (false, why.clone()),
                        GoldenOutcome::Compared(m) => decide(m),
                    };
                    add(who.clone(), expectation, held(pass), detail);
                };
                if let Some(v) = e.min_ssim {
                    judge(format!("min_ssim = {v}"), &|m| {
                        (m.ssim >= v, format!("SSIM {:.4} against the golden", m.ssim))
                    });
                }
                if let Some(v) = e.max_phash {
                    judge(format!("max_phash = {v}"), &|m| {
                        (m.phash_distance <= v, format!("pHash distance {} of 64 from the golden", m.phash_distance))
                    });
                }
            }
        }
        if let Some(v) = e.judge_min {
            // Not a pass: a skipped check says why, and never counts as held.
            add(who.clone(), format!("judge_min = {v}"), Outcome::Skip, "the judge is not built yet".into());
        }
    }
    if let Some(max) = e.max_credits {
        let spent: i64 = run.targets.iter().map(|t| t.cost.credits).sum();
        out.push(Check {
            target: "request".into(),
            expectation: format!("max_credits = {max}"),
            outcome: if spent <= max { Outcome::Pass } else { Outcome::Fail },
            detail: format!("{spent} credit(s)"),
        });
    }
    out
}

fn held(pass: bool) -> Outcome {
    if pass {
        Outcome::Pass
    } else {
        Outcome::Fail
    }
}

fn status_word(s: RunStatus) -> &'static str {
    match s {
        RunStatus::Queued => "queued",
        RunStatus::Running => "running",
        RunStatus::Waiting => "waiting for the server",
        RunStatus::Done => "done",
        RunStatus::Failed => "failed",
        RunStatus::Cancelled => "cancelled",
        RunStatus::Interrupted => "interrupted",
        RunStatus::Partial => "partial",
    }
}

#[cfg(test)]
mod tests;
