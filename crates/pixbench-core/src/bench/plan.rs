use super::history::Benchmarks;
use super::matrix::{Job, Matrix};
pub use crate::api::Preflight;
use crate::api::*;
use crate::error::{ui, CoreError, CoreResult};

// ------------------------------------------------------------------------------------
// Plan and pre-flight
// ------------------------------------------------------------------------------------

/// A matrix ready to run: the request of every (prompt, target) pair with the reference
/// images stored. Its jobs (pairs × repeats, and warm-ups) are counted, not listed, until
/// it runs: a matrix past the limit on requests is refused by its count.
#[derive(Debug, Clone)]
pub struct BenchPlan {
    pub matrix: Matrix,
    specs: Vec<Vec<Request>>,
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
    pub fn prepare(b: &Benchmarks, matrix: Matrix) -> CoreResult<BenchPlan> {
        let mut refs_of_prompt = Vec::with_capacity(matrix.prompts.len());
        for p in &matrix.prompts {
            let refs = if p.images.is_empty() {
                vec![]
            } else {
                b.references.add_paths(&p.images)?.into_iter().map(|r| r.sha256).collect()
            };
            refs_of_prompt.push(refs);
        }
        Ok(BenchPlan::with_references(matrix, refs_of_prompt))
    }

    /// A plan whose reference images are already stored: `refs_of_prompt[i]` are the
    /// SHA-256 of prompt `i`'s references.
    pub fn with_references(matrix: Matrix, refs_of_prompt: Vec<Vec<String>>) -> BenchPlan {
        let specs = (0..matrix.prompts.len())
            .map(|p| (0..matrix.targets.len()).map(|t| matrix.request(p, t, refs_of_prompt[p].clone())).collect())
            .collect();
        BenchPlan { matrix, specs }
    }

    /// How many requests it makes, warm-ups included.
    pub fn requests(&self) -> u64 {
        self.matrix.total_jobs()
    }

    pub fn request(&self, job: &Job) -> Request {
        self.specs[job.prompt_idx as usize][job.target_idx as usize].clone()
    }

    /// The pre-flight: the sum of the engine's estimate of every job, warm-ups included.
    pub fn preflight(&self, b: &Benchmarks) -> CoreResult<Preflight> {
        let catalog = b.catalog.get();
        let mut problems: Vec<String> = Vec::new();
        let mut per_pair = vec![vec![0i64; self.matrix.targets.len()]; self.matrix.prompts.len()];
        let mut first: Option<Estimate> = None;
        // What one image of each target costs as it is asked (a sweep's quality included).
        let mut per_image: Vec<Option<Cost>> = vec![None; self.matrix.targets.len()];
        for (p, row) in self.specs.iter().enumerate() {
            for (t, spec) in row.iter().enumerate() {
                let est = b.runs.estimate(spec)?;
                if per_image[t].is_none() {
                    per_image[t] = est.targets.first().map(|e| e.per_image.clone());
                }
                for pr in &est.problems {
                    if !problems.contains(pr) {
                        problems.push(pr.clone());
                    }
                }
                per_pair[p][t] = est.total.credits;
                first.get_or_insert(est);
            }
        }
        let (mut credits, mut warmup_credits) = (0i64, 0i64);
        let mut targets: Vec<TargetEstimate> = self
            .matrix
            .targets
            .iter()
            .zip(per_image)
            .map(|(t, per_image)| TargetEstimate {
                model_id: t.model.clone(),
                n: t.n,
                requests: 0,
                per_image: per_image
                    .unwrap_or_else(|| catalog.cost(catalog.get(&t.model).map(|e| e.credits).unwrap_or(0))),
                cost: Cost::ZERO,
                size: None,
                price_from: catalog.get(&t.model).is_some_and(|e| e.price_from),
            })
            .collect();
        // Every pair `repeats` times, and warm-up `w` of target `t` on prompt (w + t) mod
        // prompts (as `Matrix::expand` lists them), summed without listing them.
        let m = &self.matrix;
        let (prompts, repeats) = (m.prompts.len(), m.repeats as i64);
        for (t, target) in targets.iter_mut().enumerate() {
            let mut c: i64 = (0..prompts).map(|p| per_pair[p][t]).sum::<i64>().saturating_mul(repeats);
            let mut warm = 0i64;
            for w in 0..m.warmup as usize {
                warm += per_pair[(w + t) % prompts][t];
            }
            c = c.saturating_add(warm);
            credits = credits.saturating_add(c);
            warmup_credits += warm;
            target.cost += catalog.cost(c);
            target.requests = (prompts as u32).saturating_mul(m.repeats).saturating_add(m.warmup);
        }
        let limit = b.settings.max_requests()?;
        if let Some(p) = crate::sweep::limit_problem(self.requests(), limit) {
            problems.push(p);
        }
        let first = first.ok_or_else(|| CoreError::Ui(ui(ErrorKind::Invalid, "The benchmark has no request.")))?;
        let over_session = first.budget_credits.is_some_and(|b| first.spent.credits + credits > b);
        let over_matrix = self.matrix.budget.is_some_and(|b| credits > b);
        let profile = b.profiles.current().map(|p| p.name).unwrap_or_default();
        Ok(Preflight {
            requests: u32::try_from(self.requests()).unwrap_or(u32::MAX),
            warmup_requests: u32::try_from(m.warmup_jobs()).unwrap_or(u32::MAX),
            credits,
            usd: catalog.credits_to_usd(credits),
            warmup_credits,
            targets,
            budget_credits: first.budget_credits,
            spent_credits: first.spent.credits,
            matrix_budget: self.matrix.budget,
            over_budget: over_session || over_matrix,
            problems,
            simulated: first.simulated,
            profile,
        })
    }
}
