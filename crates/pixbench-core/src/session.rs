//! Sessions and the credit ledger's figures: spend by kind (real and simulated never
//! mix), by variant, over time, success rate, savings against official prices.

use std::collections::BTreeMap;

use crate::api::*;
use crate::engine::Engine;
use crate::error::CoreResult;

/// Credits spent in a session on real (or, with `simulated`, Sandbox) profiles.
pub fn spent(engine: &Engine, session_id: &str, simulated: bool) -> CoreResult<i64> {
    Ok(engine
        .store()
        .ledger_for_session(session_id)?
        .iter()
        .filter(|l| l.simulated == simulated)
        .map(|l| l.credits)
        .sum())
}

pub fn session_view(engine: &Engine, session_id: &str) -> CoreResult<SessionView> {
    let store = engine.store();
    let session = store.session(session_id)?;
    let profile = store.profile(&engine.current_profile_id())?;
    let simulated = profile.is_sandbox;
    let ledger = store.ledger_for_session(session_id)?;
    let real_credits: i64 = ledger.iter().filter(|l| !l.simulated).map(|l| l.credits).sum();
    let simulated_credits: i64 = ledger.iter().filter(|l| l.simulated).map(|l| l.credits).sum();
    let mine: Vec<_> = ledger.iter().filter(|l| l.simulated == simulated).collect();
    let credits: i64 = mine.iter().map(|l| l.credits).sum();
    let images = mine.len() as u32;
    let failed_images = store.failed_images(session_id, simulated)?;
    let mut by: BTreeMap<String, VariantSpend> = BTreeMap::new();
    let mut over_time = Vec::with_capacity(mine.len());
    let mut cumulative = 0;
    let mut official_total = 0.0;
    let mut official_known = true;
    for l in &mine {
        let e = by.entry(l.model_id.clone()).or_insert_with(|| VariantSpend {
            model_id: l.model_id.clone(),
            images: 0,
            credits: 0,
            official_usd: Some(0.0),
        });
        e.images += 1;
        e.credits += l.credits;
        match (l.official_usd, e.official_usd.as_mut()) {
            (Some(o), Some(acc)) => *acc += o,
            _ => e.official_usd = None,
        }
        match l.official_usd {
            Some(o) => official_total += o,
            None => official_known = false,
        }
        cumulative += l.credits;
        over_time.push(SpendPoint { at: l.at.clone(), cumulative_credits: cumulative });
    }
    let catalog = engine.catalog();
    let usd = catalog.credits_to_usd(credits);
    let budget = session.budget_credits.or(profile.budget_credits);
    let attempted = images + failed_images;
    Ok(SessionView {
        id: session.id,
        name: session.name,
        started_at: session.started_at,
        budget_credits: budget,
        profile_id: profile.id,
        simulated,
        credits,
        usd,
        real_credits,
        simulated_credits,
        images,
        failed_images,
        success_rate: (attempted > 0).then(|| images as f64 / attempted as f64),
        avg_credits_per_image: (images > 0).then(|| credits as f64 / images as f64),
        savings_usd: (images > 0 && official_known).then(|| ((official_total - usd) * 100.0).round() / 100.0),
        by_variant: by.into_values().collect(),
        over_time,
        budget_warning: budget.is_some_and(|b| b > 0 && credits * 10 >= b * 8),
    })
}
