use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::matrix::{Job, Matrix};
use crate::api::*;
use crate::engine::Engine;
use crate::error::{ui, CoreError, CoreResult};

// ------------------------------------------------------------------------------------
// Plan and pre-flight
// ------------------------------------------------------------------------------------

/// A matrix ready to run: its jobs, and the spec of every (prompt, target) pair with the
/// reference images stored.
#[derive(Debug, Clone)]
pub struct BenchPlan {
    pub matrix: Matrix,
    pub jobs: Vec<Job>,
    specs: Vec<Vec<RunSpec>>,
}

/// What a benchmark costs at most (every image succeeding), against the budgets.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Preflight {
    pub requests: u32,
    pub warmup_requests: u32,
    /// Warm-ups included: they are sent and charged like the others.
    pub credits: i64,
    pub usd: f64,
    pub warmup_credits: i64,
    pub targets: Vec<TargetEstimate>,
    /// The session's (or profile's) budget and what the session already spent.
    pub budget_credits: Option<i64>,
    pub spent_credits: i64,
    /// The matrix's own `budget`.
    pub matrix_budget: Option<i64>,
    pub over_budget: bool,
    /// Why it cannot be sent (empty when it can).
    pub problems: Vec<String>,
    pub simulated: bool,
    pub profile: String,
}

impl Preflight {
    /// A sentence for a person.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{} requests ({} warm-up), up to {} credits (${:.2}), warm-ups included ({} credits){}",
            self.requests,
            self.warmup_requests,
            self.credits,
            self.usd,
            self.warmup_credits,
            if self.simulated { ", simulated" } else { "" }
        );
        if let Some(b) = self.budget_credits {
            s.push_str(&format!("; session budget {b} credits, {} spent", self.spent_credits));
        }
        if let Some(b) = self.matrix_budget {
            s.push_str(&format!("; matrix budget {b} credits"));
        }
        s
    }

    /// Why the budget refuses it, if it does.
    pub fn budget_problem(&self) -> Option<String> {
        if !self.over_budget {
            return None;
        }
        let mut why = Vec::new();
        if let Some(b) = self.budget_credits {
            if self.spent_credits + self.credits > b {
                why.push(format!(
                    "with {} already spent it crosses the session budget of {b} credits",
                    self.spent_credits
                ));
            }
        }
        if let Some(b) = self.matrix_budget {
            if self.credits > b {
                why.push(format!("it is above the matrix's budget of {b} credits"));
            }
        }
        Some(format!(
            "This benchmark could cost up to {} credits (${:.2}): {}. Nothing was sent.",
            self.credits,
            self.usd,
            why.join(", and ")
        ))
    }
}

impl BenchPlan {
    /// Stores the reference images and builds the specs. Fails on an image that cannot be
    /// used (with the file named).
    pub fn prepare(engine: &Engine, matrix: Matrix) -> CoreResult<BenchPlan> {
        let mut refs_of_prompt = Vec::with_capacity(matrix.prompts.len());
        for p in &matrix.prompts {
            let refs = if p.images.is_empty() {
                vec![]
            } else {
                engine.references_add_paths(&p.images)?.into_iter().map(|r| r.sha256).collect()
            };
            refs_of_prompt.push(refs);
        }
        Ok(BenchPlan::with_references(matrix, refs_of_prompt))
    }

    /// A plan whose reference images are already stored: `refs_of_prompt[i]` are the
    /// SHA-256 of prompt `i`'s references.
    pub fn with_references(matrix: Matrix, refs_of_prompt: Vec<Vec<String>>) -> BenchPlan {
        let specs = (0..matrix.prompts.len())
            .map(|p| (0..matrix.targets.len()).map(|t| matrix.spec(p, t, refs_of_prompt[p].clone())).collect())
            .collect();
        let jobs = matrix.expand();
        BenchPlan { matrix, jobs, specs }
    }

    pub fn spec(&self, job: &Job) -> RunSpec {
        self.specs[job.prompt_idx as usize][job.target_idx as usize].clone()
    }

    /// The pre-flight: the sum of the engine's estimate of every job, warm-ups included.
    pub fn preflight(&self, engine: &Engine) -> CoreResult<Preflight> {
        let catalog = engine.catalog();
        let mut problems: Vec<String> = Vec::new();
        let mut per_pair = vec![vec![0i64; self.matrix.targets.len()]; self.matrix.prompts.len()];
        let mut first: Option<Estimate> = None;
        for (p, row) in self.specs.iter().enumerate() {
            for (t, spec) in row.iter().enumerate() {
                let est = engine.estimate(spec)?;
                for pr in &est.problems {
                    if !problems.contains(pr) {
                        problems.push(pr.clone());
                    }
                }
                per_pair[p][t] = est.total_credits;
                first.get_or_insert(est);
            }
        }
        let (mut credits, mut warmup_credits) = (0i64, 0i64);
        let mut targets: Vec<TargetEstimate> = self
            .matrix
            .targets
            .iter()
            .map(|t| TargetEstimate {
                model_id: t.model.clone(),
                n: t.n,
                credits_per_image: catalog.get(&t.model).map(|e| e.credits).unwrap_or(0),
                credits: 0,
                size: None,
                price_from: catalog.get(&t.model).is_some_and(|e| e.price_from),
            })
            .collect();
        for j in &self.jobs {
            let c = per_pair[j.prompt_idx as usize][j.target_idx as usize];
            credits += c;
            targets[j.target_idx as usize].credits += c;
            if j.warmup {
                warmup_credits += c;
            }
        }
        let first = first.ok_or_else(|| CoreError::Ui(ui(ErrorKind::Invalid, "The benchmark has no request.")))?;
        let over_session = first.budget_credits.is_some_and(|b| first.spent_credits + credits > b);
        let over_matrix = self.matrix.budget.is_some_and(|b| credits > b);
        let profile = engine.profile_get(&engine.current_profile_id()).map(|p| p.name).unwrap_or_default();
        Ok(Preflight {
            requests: self.jobs.len() as u32,
            warmup_requests: self.jobs.iter().filter(|j| j.warmup).count() as u32,
            credits,
            usd: catalog.credits_to_usd(credits),
            warmup_credits,
            targets,
            budget_credits: first.budget_credits,
            spent_credits: first.spent_credits,
            matrix_budget: self.matrix.budget,
            over_budget: over_session || over_matrix,
            problems,
            simulated: first.simulated,
            profile,
        })
    }
}
