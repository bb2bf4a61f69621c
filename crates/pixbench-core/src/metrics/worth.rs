//! "Was the resolution worth it": in a comparison across variants of one model, each higher
//! variant's first output, downscaled to the next lower one's size, compared with it, next to
//! what the step costs in credits and time.
//!
//! The verdict rule (one line per step, [`verdict`]):
//! - pHash distance > [`DIFFERENT_PICTURE_PHASH`]: the two are different pictures (a new
//!   sample, not the same one with more detail), so the metrics cannot say what the pixels bought.
//! - SSIM ≥ [`ADDS_LITTLE_SSIM`] and pHash ≤ [`ADDS_LITTLE_PHASH`]: seen at the lower size, the
//!   higher variant is nearly the lower one: it "adds little at the lower size".
//! - otherwise it adds detail that shows even at the lower size.

use super::PairMetricsView;
use crate::api::{RunView, TargetView};
pub use crate::api::{WorthReport, WorthStep, WorthTable};
use crate::error::{CoreError, CoreResult};

/// At or above this SSIM (with a small pHash distance) a step adds little at the lower size.
pub const ADDS_LITTLE_SSIM: f64 = 0.98;
/// At or below this pHash distance (with a high SSIM) a step adds little at the lower size.
pub const ADDS_LITTLE_PHASH: u32 = 4;
/// Above this pHash distance the two outputs are different pictures.
pub const DIFFERENT_PICTURE_PHASH: u32 = 12;

/// The rule, as reports and the app print it.
pub const RULE: &str = "SSIM ≥ 0.98 and pHash ≤ 4 at the lower size: the step adds little; pHash > 12: different pictures, the metrics cannot judge detail; otherwise the step adds detail that shows at the lower size.";

/// A target of the run that delivered, as a step needs it.
#[derive(Debug, Clone)]
pub(crate) struct Delivered {
    pub target: u32,
    pub entry_id: String,
    pub tier: String,
    pub sha: String,
    pub width: u32,
    pub height: u32,
    pub credits: i64,
    pub latency_ms: Option<f64>,
}

/// Groups a run's delivering targets by the model id sent, each group ordered by delivered
/// pixel count (one target per catalog entry: the first). Models with one variant are left out.
pub(crate) fn groups(run: &RunView, catalog: &crate::catalog::Catalog) -> Vec<(String, String, Vec<Delivered>)> {
    let mut out: Vec<(String, String, Vec<Delivered>)> = Vec::new();
    for t in &run.targets {
        let Some(entry) = catalog.get(&t.model_id) else { continue };
        let Some(d) = delivered(t, catalog, entry) else { continue };
        match out.iter_mut().find(|g| g.0 == entry.model) {
            Some(g) if g.2.iter().any(|x| x.entry_id == d.entry_id) => {}
            Some(g) => g.2.push(d),
            None => out.push((entry.model.clone(), model_label(&entry.label), vec![d])),
        }
    }
    out.retain(|g| g.2.len() >= 2);
    for g in &mut out {
        g.2.sort_by_key(|d| (d.width as u64 * d.height as u64, d.target));
    }
    out
}

fn delivered(t: &TargetView, catalog: &crate::catalog::Catalog, entry: &crate::api::CatalogEntry) -> Option<Delivered> {
    let o = t.outputs.first()?;
    Some(Delivered {
        target: t.idx,
        entry_id: entry.id.clone(),
        tier: catalog.tier_of(entry, o.width, o.height),
        sha: o.sha256.clone(),
        width: o.width,
        height: o.height,
        credits: o.billing.cost.credits,
        latency_ms: t.timing.as_ref().map(|p| p.total_ms),
    })
}

/// "Nano Banana 2 · 4K" → "Nano Banana 2".
fn model_label(label: &str) -> String {
    label.rsplit_once(" · ").map(|(m, _)| m).unwrap_or(label).trim().to_string()
}

/// The one-line verdict of a step (see the module's doc for the rule), and whether it adds little.
pub fn verdict(m: &PairMetricsView, credit_delta: i64, latency_delta_ms: Option<f64>) -> (bool, String) {
    let cost = cost_phrase(credit_delta, latency_delta_ms);
    if m.phash_distance > DIFFERENT_PICTURE_PHASH {
        return (
            false,
            format!(
                "a different picture (pHash {}): the metrics cannot tell detail from a new sample; {cost}",
                m.phash_distance
            ),
        );
    }
    if m.ssim >= ADDS_LITTLE_SSIM && m.phash_distance <= ADDS_LITTLE_PHASH {
        return (true, format!("adds little at the lower size: {cost}"));
    }
    (false, format!("adds detail that shows at the lower size (SSIM {:.3}): {cost}", m.ssim))
}

fn cost_phrase(credit_delta: i64, latency_delta_ms: Option<f64>) -> String {
    let credits = format!("{credit_delta:+} credit{}", if credit_delta.abs() == 1 { "" } else { "s" });
    match latency_delta_ms {
        Some(ms) => format!("{credits}, {:+.1} s", ms / 1000.0),
        None => credits,
    }
}

impl super::Metrics {
    /// The "was the resolution worth it" tables of a run (empty when no model has two
    /// variants that delivered). Metrics are computed off the calling thread and cached.
    pub async fn worth(&self, run_id: &str) -> CoreResult<WorthReport> {
        let run = self.runs.get(run_id)?;
        let catalog = self.catalog.get();
        let mut tables = Vec::new();
        for (model, label, variants) in groups(&run, &catalog) {
            let mut steps = Vec::new();
            for pair in variants.windows(2) {
                let (lo, hi) = (&pair[0], &pair[1]);
                let credit_delta = hi.credits - lo.credits;
                let latency_delta_ms = match (hi.latency_ms, lo.latency_ms) {
                    (Some(h), Some(l)) => Some(h - l),
                    _ => None,
                };
                let (metrics, error) = match self.pair(&hi.sha, &lo.sha).await {
                    Ok(m) => (Some(m), None),
                    Err(CoreError::Ui(e)) if e.kind == crate::ErrorKind::Metrics => (None, Some(e.message)),
                    Err(e) => return Err(e),
                };
                let (adds_little, verdict) = match &metrics {
                    Some(m) => verdict(m, credit_delta, latency_delta_ms),
                    None => (false, format!("not compared: {}", error.as_deref().unwrap_or("no metrics"))),
                };
                steps.push(WorthStep {
                    step: format!("{}→{}", lo.tier, hi.tier),
                    lower_id: lo.entry_id.clone(),
                    higher_id: hi.entry_id.clone(),
                    lower_target: lo.target,
                    higher_target: hi.target,
                    lower_sha256: lo.sha.clone(),
                    higher_sha256: hi.sha.clone(),
                    lower_width: lo.width,
                    lower_height: lo.height,
                    higher_width: hi.width,
                    higher_height: hi.height,
                    metrics,
                    error,
                    credit_delta,
                    latency_delta_ms,
                    adds_little,
                    verdict,
                });
            }
            tables.push(WorthTable { model, label, steps });
        }
        Ok(WorthReport { run_id: run_id.into(), tables, rule: RULE.into(), method: super::METHOD.into() })
    }
}
