//! Sessions and the credit ledger's figures: the session in force (new at each start, or
//! today's), its budget, and its spend by kind (real and simulated never mix), by variant,
//! over time, success rate, savings against official prices.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::api::*;
use crate::error::{ui, CoreError, CoreResult};
use crate::infra::{lock, Clock, EngineEvent, Events};
use crate::profiles::Profiles;
use crate::store::{SessionRow, Store};

/// The budget is 80% spent or more (the one rule the header, the panel and the events use).
pub fn budget_warning(spent: &Cost, budget: Option<i64>) -> bool {
    budget.is_some_and(|b| b > 0 && spent.credits * 10 >= b * 8)
}

/// The sessions service.
pub struct Sessions {
    store: Arc<Store>,
    profiles: Arc<Profiles>,
    events: Events,
    clock: Arc<dyn Clock>,
    current: Mutex<String>,
    /// The running sums of the session last asked about: read from the ledger once, then
    /// moved by each recorded output, so an estimate never re-reads the ledger.
    totals: Mutex<Option<Totals>>,
}

/// What a session spent, by kind.
#[derive(Debug, Clone, Default)]
struct Totals {
    session_id: String,
    real: Tally,
    simulated: Tally,
}

#[derive(Debug, Clone, Default)]
struct Tally {
    spent: Cost,
    images: u32,
}

impl Totals {
    fn of(&mut self, simulated: bool) -> &mut Tally {
        if simulated {
            &mut self.simulated
        } else {
            &mut self.real
        }
    }
}

impl Sessions {
    /// Starts a new session, or goes on with today's when the settings say so.
    pub fn open(
        store: Arc<Store>,
        profiles: Arc<Profiles>,
        events: Events,
        clock: Arc<dyn Clock>,
    ) -> CoreResult<Sessions> {
        let session = Self::start_or_continue(&store, clock.as_ref())?;
        Ok(Sessions { store, profiles, events, clock, current: Mutex::new(session.id), totals: Mutex::new(None) })
    }

    fn start_or_continue(store: &Store, clock: &dyn Clock) -> CoreResult<SessionRow> {
        let continue_today =
            store.setting("session_mode")?.is_some_and(|m| SessionMode::from_stored(&m) == SessionMode::ContinueToday);
        if continue_today {
            if let Some(s) = store.latest_session()? {
                let today = &clock.now_rfc3339()[..10];
                if s.started_at.starts_with(today) {
                    return Ok(s);
                }
            }
        }
        let s = SessionRow {
            id: uuid::Uuid::now_v7().to_string(),
            name: format!("Session {}", clock.now_rfc3339()[..16].replace('T', " ")),
            started_at: clock.now_rfc3339(),
            budget_credits: None,
        };
        store.insert_session(&s)?;
        Ok(s)
    }

    pub fn id(&self) -> String {
        lock(&self.current).clone()
    }

    pub fn new_session(&self, name: &str) -> CoreResult<SessionView> {
        let name = name.trim();
        let s = SessionRow {
            id: uuid::Uuid::now_v7().to_string(),
            name: if name.is_empty() {
                format!("Session {}", self.clock.now_rfc3339()[..16].replace('T', " "))
            } else {
                name.into()
            },
            started_at: self.clock.now_rfc3339(),
            budget_credits: None,
        };
        self.store.insert_session(&s)?;
        *lock(&self.current) = s.id.clone();
        let v = self.current()?;
        self.events.emit(EngineEvent::SessionUpdated(v.clone()));
        Ok(v)
    }

    pub fn set_budget(&self, credits: Option<i64>) -> CoreResult<SessionView> {
        if credits.is_some_and(|c| c < 0) {
            return Err(CoreError::Ui(ui(ErrorKind::Invalid, "A budget cannot be negative.")));
        }
        self.store.set_session_budget(&self.id(), credits)?;
        let v = self.current()?;
        self.events.emit(EngineEvent::SessionUpdated(v.clone()));
        Ok(v)
    }

    pub fn current(&self) -> CoreResult<SessionView> {
        self.view(&self.id())
    }

    /// Credits spent in a session on real (or, with `simulated`, Sandbox) profiles.
    /// What a session spent on real (or, with `simulated`, Sandbox) profiles: its running
    /// sum, read from the ledger once.
    pub fn spent(&self, session_id: &str, simulated: bool) -> CoreResult<Cost> {
        let mut totals = lock(&self.totals);
        Ok(self.totals_of(&mut totals, session_id)?.of(simulated).spent.clone())
    }

    /// The running sums of `session_id`, loaded when another session was cached.
    fn totals_of<'a>(&self, slot: &'a mut Option<Totals>, session_id: &str) -> CoreResult<&'a mut Totals> {
        if slot.as_ref().is_none_or(|t| t.session_id != session_id) {
            let mut t = Totals { session_id: session_id.to_string(), ..Default::default() };
            for l in self.store.ledger_for_session(session_id)? {
                let tally = t.of(l.simulated);
                tally.spent += l.cost;
                tally.images += 1;
            }
            *slot = Some(t);
        }
        Ok(slot.as_mut().expect("set above"))
    }

    /// An output was entered in the ledger: the running sum moves, and the UI is told
    /// (`spend-updated`) when it is the current session's.
    pub fn charged(&self, session_id: &str, simulated: bool, cost: &Cost) {
        let spend = {
            let mut totals = lock(&self.totals);
            match totals.as_mut() {
                // Loaded: it is moved here. Not loaded: the next read takes the ledger.
                Some(t) if t.session_id == session_id => {
                    let tally = t.of(simulated);
                    tally.spent += cost.clone();
                    tally.images += 1;
                }
                _ => {}
            }
            self.spend_now(&mut totals, session_id)
        };
        if let Some(spend) = spend {
            self.events.emit(EngineEvent::SpendUpdated(spend));
        }
    }

    /// The current session's spend on the current profile's kind, if `session_id` is it.
    fn spend_now(&self, totals: &mut Option<Totals>, session_id: &str) -> Option<SessionSpend> {
        if session_id != self.id() {
            return None;
        }
        let profile = self.profiles.current().ok()?;
        let session = self.store.session(session_id).ok()?;
        let tally = self.totals_of(totals, session_id).ok()?.of(profile.is_sandbox).clone();
        let budget = session.budget_credits.or(profile.budget_credits);
        Some(SessionSpend {
            session_id: session_id.to_string(),
            simulated: profile.is_sandbox,
            budget_warning: budget_warning(&tally.spent, budget),
            spent: tally.spent,
            images: tally.images,
            budget_credits: budget,
        })
    }

    pub fn view(&self, session_id: &str) -> CoreResult<SessionView> {
        let store = &self.store;
        let session = store.session(session_id)?;
        let profile = self.profiles.current()?;
        let simulated = profile.is_sandbox;
        let ledger = store.ledger_for_session(session_id)?;
        let real_spent: Cost = ledger.iter().filter(|l| !l.simulated).map(|l| l.cost.clone()).sum();
        let simulated_spent: Cost = ledger.iter().filter(|l| l.simulated).map(|l| l.cost.clone()).sum();
        let mine: Vec<_> = ledger.iter().filter(|l| l.simulated == simulated).collect();
        let spent: Cost = mine.iter().map(|l| l.cost.clone()).sum();
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
                cost: Cost::ZERO,
                official_usd: Some(0.0),
            });
            e.images += 1;
            e.cost += l.cost.clone();
            match (l.official_usd, e.official_usd.as_mut()) {
                (Some(o), Some(acc)) => *acc += o,
                _ => e.official_usd = None,
            }
            match l.official_usd {
                Some(o) => official_total += o,
                None => official_known = false,
            }
            cumulative += l.cost.credits;
            over_time.push(SpendPoint { at: l.at.clone(), cumulative_credits: cumulative });
        }
        let budget = session.budget_credits.or(profile.budget_credits);
        let attempted = images + failed_images;
        // Savings mean something only when every image has an official price and a known cost.
        let comparable = images > 0 && official_known && spent.is_known();
        Ok(SessionView {
            id: session.id,
            name: session.name,
            started_at: session.started_at,
            budget_credits: budget,
            profile_id: profile.id,
            simulated,
            images,
            failed_images,
            success_rate: (attempted > 0).then(|| images as f64 / attempted as f64),
            avg_credits_per_image: (images > 0).then(|| spent.credits as f64 / images as f64),
            savings_usd: comparable.then(|| ((official_total - spent.usd) * 100.0).round() / 100.0),
            by_variant: by.into_values().collect(),
            over_time,
            budget_warning: budget_warning(&spent, budget),
            spent,
            real_spent,
            simulated_spent,
        })
    }

    /// Tells the UI the current session's figures (after a charge, or a profile change).
    pub fn publish(&self) {
        if let Ok(v) = self.current() {
            self.events.emit(EngineEvent::SessionUpdated(v));
        }
    }
}
