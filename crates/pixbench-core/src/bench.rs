//! Benchmarks: a matrix of prompts x targets x repeats, run through the [`Engine`] like
//! any other run (so every request lands in history and in the ledger), with a bounded
//! number of requests in flight, warm-ups first and left out of the figures, a pre-flight
//! estimate against the budget, progress as it goes, a clean cancel that keeps what
//! finished, and a report with exact percentiles and every request's raw figures.
//!
//! ## The matrix file (TOML)
//! ```toml
//! name = "flash 512 vs 1K"          # optional
//! prompts = ["a red fox in snow", "a blue vintage car"]
//! targets = ["gemini-3.1-flash-image-preview-512", "gemini-3.1-flash-image-preview:2"]
//! repeats = 2                       # default 1
//! concurrency = 4                   # requests in flight at most; default 4
//! warmup = 1                        # warm-up requests per target, not counted; default 0
//! mode = "auto"                     # "sync" | "async" | "auto" (the catalog's default)
//! n = 1                             # images per request unless a target says `model:N`
//! aspect_ratio = "16:9"             # optional
//! response_format = "b64_json"      # or "url"
//! budget = 500                      # refuse to start if the estimate is above (credits)
//! prompts_file = "prompts.csv"      # more prompts: .txt one a line, or .csv `prompt,images`
//!
//! [[prompt]]                        # a prompt with reference images (an edit)
//! text = "make it a poster"
//! images = ["ref/a.png", "ref/b.jpg"]   # relative to the matrix file
//! ```
//! A target is `"MODEL"`, `"MODEL:N"` or `{ model = "MODEL", n = N }`. The prompts are
//! those of `prompts`, then `prompts_file`, then the `[[prompt]]` tables. (In TOML, top-level
//! keys must come before the first `[[prompt]]` table.)
//!
//! ## How it runs
//! [`Matrix::expand`] makes the jobs: `warmup` warm-ups per target first (cycling
//! through the prompts), then for each repeat, each prompt, each target one job: targets
//! interleave, so a slow period of the server does not fall on one target only. Each job is
//! one `Engine::run_start` with a single target; at most `concurrency` are in flight. All
//! warm-ups finish before the first measured job starts.
//!
//! ## Figures
//! - A request *succeeded* when its run ended `done` or `partial` with at least one image.
//! - Latency percentiles are over the succeeded, non-warm-up requests of a target, from the
//!   client's own timing of the call (`total_ms`: request to decoded images, retries
//!   included; storing and thumbnailing are not in it, they are in `wall_ms`).
//! - Percentiles are **nearest-rank** ([`percentile`]): exact, always one of the samples.
//! - Time to first byte (sync) and queue wait (async: from the first poll until a poll said
//!   `completed`) have their own percentiles.
//! - `credits` of the report is everything charged for delivered images, warm-ups
//!   included (what the server's ledger shows); per-target credits are the measured ones.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use tokio_util::sync::CancellationToken;
use toml::Spanned;

use crate::api::*;
use crate::catalog::Catalog;
use crate::engine::Engine;
use crate::error::{ui, CoreError, CoreResult};
use crate::store::now_rfc3339;

/// The `format` field of every report.
pub const REPORT_FORMAT: &str = "pixbench-bench/1";
/// How percentiles are computed, as the report says it.
pub const PERCENTILE_METHOD: &str = "nearest-rank";

pub const DEFAULT_CONCURRENCY: u32 = 4;
pub const MAX_CONCURRENCY: u32 = 64;
pub const MAX_REPEATS: u32 = 100_000;
pub const MAX_WARMUP: u32 = 100;

// ------------------------------------------------------------------------------------
// Percentiles
// ------------------------------------------------------------------------------------

/// The nearest-rank percentile `p` (0..=100) of samples sorted ascending: the smallest
/// sample such that at least `p` % of the samples are less than or equal to it
/// (1-based rank `ceil(p / 100 * N)`; `p = 0` gives the minimum). Exact: always one of the
/// samples, never an average of two. `None` for no samples.
///
/// For 1..=100: p50 = 50, p90 = 90, p99 = 99, p100 = 100; for one sample, every
/// percentile is that sample.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || p.is_nan() {
        return None;
    }
    let n = sorted.len();
    let p = p.clamp(0.0, 100.0);
    // p * n first, then / 100, with a little slack: 0.9 * 100 must rank 90, not 91.
    let rank = ((p * n as f64) / 100.0 - 1e-9).ceil().max(1.0) as usize;
    Some(sorted[rank.min(n) - 1])
}

/// Sorts a copy ascending (NaN last) for [`percentile`].
pub fn sorted(values: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.into_iter().collect();
    v.sort_by(f64::total_cmp);
    v
}

// ------------------------------------------------------------------------------------
// The matrix
// ------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BenchPrompt {
    pub text: String,
    /// Reference images (absolute, or relative to the working directory): an edit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BenchTarget {
    /// A catalog id (a model and its variant).
    pub model: String,
    /// Images per request.
    pub n: u32,
}

impl BenchTarget {
    /// Parses `MODEL` or `MODEL:N` (N defaults to `default_n`).
    pub fn parse(s: &str, default_n: u32) -> Result<BenchTarget, String> {
        let s = s.trim();
        let (model, n) = match s.rsplit_once(':') {
            Some((m, n)) => {
                let n: u32 = n
                    .trim()
                    .parse()
                    .map_err(|_| format!("`{s}`: the part after `:` must be a number of images, e.g. `{m}:2`"))?;
                (m.trim(), n)
            }
            None => (s, default_n),
        };
        if model.is_empty() {
            return Err("a target needs a model id".into());
        }
        Ok(BenchTarget { model: model.to_string(), n })
    }
}

/// What to benchmark, validated against the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Matrix {
    pub name: Option<String>,
    pub prompts: Vec<BenchPrompt>,
    pub targets: Vec<BenchTarget>,
    pub repeats: u32,
    pub concurrency: u32,
    /// Warm-up requests per target, sent first and left out of the figures.
    pub warmup: u32,
    pub mode: SyncMode,
    pub aspect_ratio: Option<String>,
    pub response_format: ResponseFormatChoice,
    /// The most this benchmark may cost, in credits (on top of any session budget).
    pub budget: Option<i64>,
}

impl Matrix {
    /// A matrix with the defaults: 1 repeat, concurrency 4, no warm-up, auto mode, b64_json.
    pub fn new(prompts: Vec<BenchPrompt>, targets: Vec<BenchTarget>) -> Matrix {
        Matrix {
            name: None,
            prompts,
            targets,
            repeats: 1,
            concurrency: DEFAULT_CONCURRENCY,
            warmup: 0,
            mode: SyncMode::Auto,
            aspect_ratio: None,
            response_format: ResponseFormatChoice::B64Json,
            budget: None,
        }
    }

    /// Reads and validates a matrix file.
    pub fn load(path: &Path, catalog: &Catalog) -> Result<Matrix, MatrixError> {
        let text = std::fs::read_to_string(path).map_err(|e| MatrixError {
            path: Some(path.to_path_buf()),
            line: 0,
            field: String::new(),
            reason: format!("cannot read it: {e}"),
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Matrix::parse(&text, Some(path), &base, catalog)
    }

    /// Parses and validates a matrix; relative paths are taken from `base_dir`.
    pub fn parse(text: &str, path: Option<&Path>, base_dir: &Path, catalog: &Catalog) -> Result<Matrix, MatrixError> {
        parse_matrix(text, path, base_dir, catalog)
    }

    /// Every request of the benchmark, in the order they are started.
    pub fn expand(&self) -> Vec<Job> {
        let mut jobs = Vec::with_capacity(self.total_jobs());
        if self.prompts.is_empty() || self.targets.is_empty() {
            return jobs;
        }
        for w in 0..self.warmup {
            for t in 0..self.targets.len() {
                let p = (w as usize + t) % self.prompts.len();
                jobs.push(Job { seq: jobs.len() as u32, prompt_idx: p as u32, target_idx: t as u32, repeat: w, warmup: true });
            }
        }
        for r in 0..self.repeats {
            for p in 0..self.prompts.len() {
                for t in 0..self.targets.len() {
                    jobs.push(Job {
                        seq: jobs.len() as u32,
                        prompt_idx: p as u32,
                        target_idx: t as u32,
                        repeat: r,
                        warmup: false,
                    });
                }
            }
        }
        jobs
    }

    pub fn warmup_jobs(&self) -> usize {
        self.warmup as usize * self.targets.len()
    }

    pub fn measured_jobs(&self) -> usize {
        self.prompts.len() * self.targets.len() * self.repeats as usize
    }

    pub fn total_jobs(&self) -> usize {
        self.warmup_jobs() + self.measured_jobs()
    }

    /// The run spec of one (prompt, target) pair, with its references already stored.
    pub fn spec(&self, prompt: usize, target: usize, references: Vec<String>) -> RunSpec {
        let t = &self.targets[target];
        RunSpec {
            mode: if references.is_empty() { RunMode::Generate } else { RunMode::Edit },
            prompt: self.prompts[prompt].text.clone(),
            targets: vec![TargetSpec { model_id: t.model.clone(), n: t.n }],
            aspect_ratio: self.aspect_ratio.clone(),
            response_format: self.response_format,
            sync_mode: self.mode,
            references,
            options: None,
            ignore_budget: false,
            bench_id: None,
        }
    }

    /// Checks the matrix against the catalog (for matrices built in code; files are
    /// checked with line numbers while parsed).
    pub fn validate(&self, catalog: &Catalog) -> Result<(), String> {
        if self.prompts.is_empty() {
            return Err("a benchmark needs at least one prompt".into());
        }
        if self.targets.is_empty() {
            return Err("a benchmark needs at least one target".into());
        }
        if !(1..=MAX_REPEATS).contains(&self.repeats) {
            return Err(format!("repeats must be between 1 and {MAX_REPEATS}"));
        }
        if !(1..=MAX_CONCURRENCY).contains(&self.concurrency) {
            return Err(format!("concurrency must be between 1 and {MAX_CONCURRENCY}"));
        }
        for p in &self.prompts {
            if p.text.trim().is_empty() {
                return Err("a prompt is empty".into());
            }
        }
        for t in &self.targets {
            check_target(catalog, t, self.aspect_ratio.as_deref(), max_images(&self.prompts))?;
        }
        Ok(())
    }
}

fn max_images(prompts: &[BenchPrompt]) -> usize {
    prompts.iter().map(|p| p.images.len()).max().unwrap_or(0)
}

fn check_target(catalog: &Catalog, t: &BenchTarget, aspect: Option<&str>, max_refs: usize) -> Result<(), String> {
    let Some(e) = catalog.get(&t.model) else {
        let known: Vec<&str> = catalog.entries.iter().map(|e| e.id.as_str()).collect();
        return Err(format!("`{}` is not in the catalog; known targets: {}", t.model, known.join(", ")));
    };
    if t.n < 1 || t.n > e.max_n {
        return Err(format!("{}: n must be between 1 and {}, not {}", t.model, e.max_n, t.n));
    }
    if let Some(a) = aspect {
        if !e.aspect_ratios.iter().any(|x| x == a) {
            return Err(format!("{} does not offer the aspect ratio {a} (it offers {})", t.model, e.aspect_ratios.join(", ")));
        }
    }
    if max_refs > 0 {
        if !e.supports_edit {
            return Err(format!("{} does not take reference images, and a prompt has some", t.model));
        }
        if max_refs > e.max_references as usize {
            return Err(format!("{} takes at most {} reference images; a prompt has {max_refs}", t.model, e.max_references));
        }
    }
    Ok(())
}

/// One request of a benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub seq: u32,
    pub prompt_idx: u32,
    pub target_idx: u32,
    /// The repeat (or, for a warm-up, the warm-up round).
    pub repeat: u32,
    pub warmup: bool,
}

/// A matrix that cannot be used: where and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct MatrixError {
    pub path: Option<PathBuf>,
    /// 1-based; 0 when the problem is not on one line (e.g. a missing key).
    pub line: usize,
    /// The key (or `targets[1]`, `prompt[0].images` ...); empty when none applies.
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for MatrixError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        parts.push(match &self.path {
            Some(p) => p.display().to_string(),
            None => "matrix".to_string(),
        });
        if self.line > 0 {
            parts.push(format!("line {}", self.line));
        }
        if !self.field.is_empty() {
            parts.push(format!("field `{}`", self.field));
        }
        write!(f, "{}: {}", parts.join(": "), self.reason)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatrix {
    name: Option<Spanned<String>>,
    prompts: Option<Spanned<Vec<Spanned<String>>>>,
    prompts_file: Option<Spanned<String>>,
    prompt: Option<Vec<Spanned<RawPrompt>>>,
    targets: Option<Spanned<Vec<Spanned<toml::Value>>>>,
    repeats: Option<Spanned<i64>>,
    concurrency: Option<Spanned<i64>>,
    warmup: Option<Spanned<i64>>,
    mode: Option<Spanned<String>>,
    n: Option<Spanned<i64>>,
    aspect_ratio: Option<Spanned<String>>,
    response_format: Option<Spanned<String>>,
    budget: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrompt {
    text: Spanned<String>,
    #[serde(default)]
    images: Vec<Spanned<String>>,
}

fn line_of(text: &str, offset: usize) -> usize {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].matches('\n').count() + 1
}

/// The key written on a line, `key = ...` (for errors whose message does not name it).
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let l = text.lines().nth(line.checked_sub(1)?)?;
    let (k, _) = l.split_once('=')?;
    let k = k.trim().trim_matches(|c| c == '"' || c == '\'');
    (!k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')).then(|| k.to_string())
}

/// The table header a line is under (`prompt` for lines after `[[prompt]]`), if any.
fn table_of_line(text: &str, line: usize) -> Option<String> {
    text.lines()
        .take(line)
        .filter_map(|l| {
            let t = l.trim();
            t.starts_with('[').then(|| t.trim_matches(|c| c == '[' || c == ']').trim().to_string())
        })
        .last()
}

fn between_backticks(s: &str, after: &str) -> Option<String> {
    let rest = &s[s.find(after)? + after.len()..];
    let start = rest.find('`')? + 1;
    let end = rest[start..].find('`')? + start;
    Some(rest[start..end].to_string())
}

fn parse_matrix(text: &str, path: Option<&Path>, base_dir: &Path, catalog: &Catalog) -> Result<Matrix, MatrixError> {
    let err = |line: usize, field: &str, reason: String| MatrixError {
        path: path.map(Path::to_path_buf),
        line,
        field: field.to_string(),
        reason,
    };
    let at = |span: std::ops::Range<usize>| line_of(text, span.start);

    let raw: RawMatrix = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
        let msg = e.message().trim().to_string();
        let key = between_backticks(&msg, "unknown field")
            .or_else(|| between_backticks(&msg, "missing field"))
            .or_else(|| key_on_line(text, line));
        let field = match (key, table_of_line(text, line)) {
            (Some(k), Some(t)) if !text.lines().nth(line.saturating_sub(1)).unwrap_or("").trim_start().starts_with('[') => {
                format!("{t}.{k}")
            }
            (Some(k), _) => k,
            (None, Some(t)) => t,
            (None, None) => String::new(),
        };
        let msg = if msg.contains("unknown field") {
            format!(
                "{msg}. Known keys: name, prompts, prompts_file, [[prompt]] (text, images), targets, repeats, concurrency, warmup, mode, n, aspect_ratio, response_format, budget"
            )
        } else {
            msg
        };
        err(line, &field, msg)
    })?;

    let int = |v: &Option<Spanned<i64>>, field: &str, default: u32, min: i64, max: i64| -> Result<u32, MatrixError> {
        match v {
            None => Ok(default),
            Some(s) => {
                let x = *s.get_ref();
                if x < min || x > max {
                    Err(err(at(s.span()), field, format!("must be between {min} and {max}, not {x}")))
                } else {
                    Ok(x as u32)
                }
            }
        }
    };
    let repeats = int(&raw.repeats, "repeats", 1, 1, MAX_REPEATS as i64)?;
    let concurrency = int(&raw.concurrency, "concurrency", DEFAULT_CONCURRENCY, 1, MAX_CONCURRENCY as i64)?;
    let warmup = int(&raw.warmup, "warmup", 0, 0, MAX_WARMUP as i64)?;
    let default_n = int(&raw.n, "n", 1, 1, 10)?;
    let mode = match &raw.mode {
        None => SyncMode::Auto,
        Some(s) => match s.get_ref().trim().to_ascii_lowercase().as_str() {
            "auto" => SyncMode::Auto,
            "sync" => SyncMode::Sync,
            "async" => SyncMode::Async,
            other => return Err(err(at(s.span()), "mode", format!("must be \"sync\", \"async\" or \"auto\", not \"{other}\""))),
        },
    };
    let response_format = match &raw.response_format {
        None => ResponseFormatChoice::B64Json,
        Some(s) => match s.get_ref().trim() {
            "b64_json" => ResponseFormatChoice::B64Json,
            "url" => ResponseFormatChoice::Url,
            other => return Err(err(at(s.span()), "response_format", format!("must be \"b64_json\" or \"url\", not \"{other}\""))),
        },
    };
    let budget = match &raw.budget {
        None => None,
        Some(b) if *b.get_ref() < 0 => return Err(err(at(b.span()), "budget", "a budget cannot be negative".into())),
        Some(b) => Some(*b.get_ref()),
    };
    let aspect_ratio = raw.aspect_ratio.as_ref().map(|a| a.get_ref().trim().to_string()).filter(|a| !a.is_empty());

    // Prompts: `prompts`, then `prompts_file`, then [[prompt]]; each with the line it came from.
    let mut prompts: Vec<(BenchPrompt, usize, String)> = Vec::new();
    if let Some(ps) = &raw.prompts {
        for (i, p) in ps.get_ref().iter().enumerate() {
            let field = format!("prompts[{i}]");
            if p.get_ref().trim().is_empty() {
                return Err(err(at(p.span()), &field, "a prompt is empty".into()));
            }
            prompts.push((BenchPrompt { text: p.get_ref().clone(), images: vec![] }, at(p.span()), field));
        }
    }
    if let Some(f) = &raw.prompts_file {
        let file = base_dir.join(f.get_ref());
        let loaded = read_prompts_file(&file).map_err(|reason| err(at(f.span()), "prompts_file", reason))?;
        if loaded.is_empty() {
            return Err(err(at(f.span()), "prompts_file", format!("{} has no prompt", file.display())));
        }
        let line = at(f.span());
        prompts.extend(loaded.into_iter().map(|p| (p, line, "prompts_file".to_string())));
    }
    for (i, p) in raw.prompt.iter().flatten().enumerate() {
        let p = p.get_ref();
        let field = format!("prompt[{i}].text");
        if p.text.get_ref().trim().is_empty() {
            return Err(err(at(p.text.span()), &field, "a prompt is empty".into()));
        }
        let mut images = Vec::new();
        for (j, im) in p.images.iter().enumerate() {
            let path = base_dir.join(im.get_ref());
            if !path.is_file() {
                return Err(err(
                    at(im.span()),
                    &format!("prompt[{i}].images[{j}]"),
                    format!("{} is not a readable file", path.display()),
                ));
            }
            images.push(path);
        }
        prompts.push((BenchPrompt { text: p.text.get_ref().clone(), images }, at(p.text.span()), field));
    }
    if prompts.is_empty() {
        return Err(err(0, "prompts", "no prompt: write `prompts = [\"...\"]`, `prompts_file = \"...\"` or a [[prompt]] table".into()));
    }

    // Targets.
    let Some(ts) = &raw.targets else {
        return Err(err(0, "targets", "no target: write e.g. `targets = [\"gemini-3.1-flash-image-preview\"]`".into()));
    };
    if ts.get_ref().is_empty() {
        return Err(err(at(ts.span()), "targets", "the list of targets is empty".into()));
    }
    let mut targets: Vec<BenchTarget> = Vec::new();
    let mut seen = HashSet::new();
    for (i, v) in ts.get_ref().iter().enumerate() {
        let field = format!("targets[{i}]");
        let line = at(v.span());
        let t = match v.get_ref() {
            toml::Value::String(s) => BenchTarget::parse(s, default_n).map_err(|r| err(line, &field, r))?,
            toml::Value::Table(tab) => {
                for k in tab.keys() {
                    if k != "model" && k != "n" {
                        return Err(err(line, &field, format!("unknown key `{k}` in a target table (use `model` and `n`)")));
                    }
                }
                let model = tab
                    .get("model")
                    .and_then(|m| m.as_str())
                    .ok_or_else(|| err(line, &field, "a target table needs `model = \"...\"`".into()))?;
                let n = match tab.get("n") {
                    None => default_n,
                    Some(toml::Value::Integer(n)) if (1..=10).contains(n) => *n as u32,
                    Some(other) => return Err(err(line, &field, format!("n must be a number from 1 to 10, not {other}"))),
                };
                BenchTarget { model: model.trim().to_string(), n }
            }
            other => {
                return Err(err(
                    line,
                    &field,
                    format!("a target is a string like \"MODEL\" or \"MODEL:N\", or {{ model = \"...\", n = N }}; found {}", other.type_str()),
                ))
            }
        };
        if !seen.insert((t.model.clone(), t.n)) {
            return Err(err(line, &field, format!("target `{}` with n = {} appears twice", t.model, t.n)));
        }
        let refs = prompts.iter().map(|p| p.0.images.len()).max().unwrap_or(0);
        // Named at the target's line (an aspect ratio it lacks, too many references...).
        check_target(catalog, &t, aspect_ratio.as_deref(), refs).map_err(|r| err(line, &field, r))?;
        targets.push(t);
    }

    Ok(Matrix {
        name: raw.name.map(|n| n.into_inner()).filter(|n| !n.trim().is_empty()),
        prompts: prompts.into_iter().map(|p| p.0).collect(),
        targets,
        repeats,
        concurrency,
        warmup,
        mode,
        aspect_ratio,
        response_format,
        budget,
    })
}

/// Prompts from a file: `.csv` (columns `prompt` and optional `images`, `;`-separated
/// paths relative to the file; a header row `prompt,...` is skipped), else text with one
/// prompt a line (blank lines and lines starting with `#` skipped).
pub fn read_prompts_file(path: &Path) -> Result<Vec<BenchPrompt>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let is_csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let mut out = Vec::new();
    if !is_csv {
        for l in text.lines() {
            let t = l.trim();
            if !t.is_empty() && !t.starts_with('#') {
                out.push(BenchPrompt { text: t.to_string(), images: vec![] });
            }
        }
        return Ok(out);
    }
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| format!("{}: {e}", path.display()))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(i as u64 + 1);
        let prompt = rec.get(0).unwrap_or("").trim();
        if i == 0 && prompt.eq_ignore_ascii_case("prompt") {
            continue;
        }
        if prompt.is_empty() || prompt.starts_with('#') {
            continue;
        }
        let mut images = Vec::new();
        for img in rec.get(1).unwrap_or("").split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let p = dir.join(img);
            if !p.is_file() {
                return Err(format!("{} line {line}: image {} is not a readable file", path.display(), p.display()));
            }
            images.push(p);
        }
        out.push(BenchPrompt { text: prompt.to_string(), images });
    }
    Ok(out)
}

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
        let first = first.ok_or_else(|| CoreError::Ui(ui("invalid", "The benchmark has no request.")))?;
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

// ------------------------------------------------------------------------------------
// Samples, statistics, the report
// ------------------------------------------------------------------------------------

/// One request's raw figures. Times in ms; `start_ms` / `end_ms` from the benchmark's start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Sample {
    pub seq: u32,
    pub warmup: bool,
    pub prompt_idx: u32,
    pub prompt: String,
    pub target_idx: u32,
    pub model: String,
    pub n: u32,
    pub repeat: u32,
    /// The run in history (none when the engine refused to start it).
    pub run_id: Option<String>,
    /// The run target's final status: done, partial, failed, cancelled, interrupted, or
    /// `refused` when the engine did not start it.
    pub status: String,
    pub ok: bool,
    pub is_async: bool,
    pub images: u32,
    pub credits: i64,
    pub start_ms: f64,
    pub end_ms: f64,
    /// From `run_start` to the stored result (storing and thumbnails included).
    pub wall_ms: f64,
    /// The client's timing of the call (retries included); none when nothing came back.
    pub total_ms: Option<f64>,
    pub send_ms: Option<f64>,
    pub ttfb_ms: Option<f64>,
    pub body_ms: Option<f64>,
    pub decode_ms: Option<f64>,
    pub download_ms: Option<f64>,
    pub submit_ms: Option<f64>,
    /// Async: queue and processing as seen by polling.
    pub wait_ms: Option<f64>,
    pub polls: Option<u32>,
    pub http_status: Option<u16>,
    pub attempts: u32,
    pub request_id: Option<String>,
    pub error_kind: Option<String>,
    pub error: Option<String>,
    /// SHA-256 of the stored output images.
    pub outputs: Vec<String>,
}

impl Sample {
    /// A job's sample with no result yet: every figure empty.
    fn blank(job: &Job, prompt: &str, model: &str, n: u32, start_ms: f64, end_ms: f64) -> Sample {
        Sample {
            seq: job.seq,
            warmup: job.warmup,
            prompt_idx: job.prompt_idx,
            prompt: prompt.to_string(),
            target_idx: job.target_idx,
            model: model.to_string(),
            n,
            repeat: job.repeat,
            run_id: None,
            status: String::new(),
            ok: false,
            is_async: false,
            images: 0,
            credits: 0,
            start_ms,
            end_ms,
            wall_ms: end_ms - start_ms,
            total_ms: None,
            send_ms: None,
            ttfb_ms: None,
            body_ms: None,
            decode_ms: None,
            download_ms: None,
            submit_ms: None,
            wait_ms: None,
            polls: None,
            http_status: None,
            attempts: 0,
            request_id: None,
            error_kind: None,
            error: None,
            outputs: vec![],
        }
    }

    /// The sample of one target of a finished run.
    pub fn from_target(job: &Job, run: &RunView, t: &TargetView, start_ms: f64, end_ms: f64) -> Sample {
        let tm = t.timing.as_ref();
        Sample {
            run_id: Some(run.id.clone()),
            status: t.status.as_str().to_string(),
            ok: matches!(t.status, RunStatus::Done | RunStatus::Partial) && !t.outputs.is_empty(),
            is_async: t.is_async,
            images: t.outputs.len() as u32,
            credits: t.credits,
            total_ms: tm.map(|x| x.total_ms),
            send_ms: tm.and_then(|x| x.send_ms),
            ttfb_ms: tm.and_then(|x| x.ttfb_ms),
            body_ms: tm.and_then(|x| x.body_ms),
            decode_ms: tm.and_then(|x| x.decode_ms),
            download_ms: tm.and_then(|x| x.download_ms),
            submit_ms: tm.and_then(|x| x.submit_ms),
            wait_ms: tm.and_then(|x| x.wait_ms),
            polls: tm.and_then(|x| x.polls),
            http_status: t.http_status,
            attempts: t.attempts,
            request_id: t.request_id.clone(),
            error_kind: t.error.as_ref().map(|e| e.kind.clone()),
            error: t.error.as_ref().map(|e| e.message.clone()),
            outputs: t.outputs.iter().map(|o| o.sha256.clone()).collect(),
            ..Sample::blank(job, &run.prompt, &t.model_id, t.n, start_ms, end_ms)
        }
    }

    /// A job the engine did not start (or whose result could not be read).
    pub fn refused(job: &Job, spec: &RunSpec, err: UiError, start_ms: f64, end_ms: f64) -> Sample {
        let t = &spec.targets[0];
        Sample {
            status: "refused".into(),
            error_kind: Some(err.kind),
            error: Some(err.message),
            ..Sample::blank(job, &spec.prompt, &t.model_id, t.n, start_ms, end_ms)
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.status == "cancelled"
    }

    pub fn is_failed(&self) -> bool {
        !self.ok && !self.is_cancelled()
    }
}

/// The figures of one target over its measured (non-warm-up) requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TargetStats {
    pub model: String,
    pub n: u32,
    /// Measured requests that finished (succeeded + failed; cancelled ones are not counted).
    pub count: u32,
    pub succeeded: u32,
    pub failed: u32,
    pub cancelled: u32,
    /// succeeded / count.
    pub success_rate: Option<f64>,
    pub images: u32,
    pub credits: i64,
    pub usd: f64,
    /// Latency of the succeeded requests (`total_ms`), nearest-rank percentiles.
    pub min_ms: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub mean_ms: Option<f64>,
    /// Time to first byte of the succeeded sync requests.
    pub ttfb_p50_ms: Option<f64>,
    pub ttfb_p90_ms: Option<f64>,
    pub ttfb_p99_ms: Option<f64>,
    /// Queue wait (polling until completed) of the succeeded async requests.
    pub queue_wait_p50_ms: Option<f64>,
    pub queue_wait_p90_ms: Option<f64>,
    pub queue_wait_p99_ms: Option<f64>,
    pub credits_per_image: Option<f64>,
    pub usd_per_image: Option<f64>,
    /// Images delivered per minute over the span of this target's measured requests
    /// (first start to last end).
    pub images_per_minute: Option<f64>,
}

/// Per-target figures from samples (warm-ups left out), in the order of `targets`.
pub fn target_stats(targets: &[BenchTarget], samples: &[Sample], credit_usd: f64) -> Vec<TargetStats> {
    targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mine: Vec<&Sample> = samples.iter().filter(|s| s.target_idx as usize == i && !s.warmup).collect();
            let ok: Vec<&Sample> = mine.iter().copied().filter(|s| s.ok).collect();
            let succeeded = ok.len() as u32;
            let cancelled = mine.iter().filter(|s| s.is_cancelled()).count() as u32;
            let failed = mine.iter().filter(|s| s.is_failed()).count() as u32;
            let count = succeeded + failed;
            let lat = sorted(ok.iter().filter_map(|s| s.total_ms));
            let ttfb = sorted(ok.iter().filter_map(|s| s.ttfb_ms));
            let wait = sorted(ok.iter().filter(|s| s.is_async).filter_map(|s| s.wait_ms));
            let images: u32 = mine.iter().map(|s| s.images).sum();
            let credits: i64 = mine.iter().map(|s| s.credits).sum();
            let span = match (
                mine.iter().map(|s| s.start_ms).min_by(f64::total_cmp),
                mine.iter().map(|s| s.end_ms).max_by(f64::total_cmp),
            ) {
                (Some(a), Some(b)) if b > a => Some(b - a),
                _ => None,
            };
            TargetStats {
                model: t.model.clone(),
                n: t.n,
                count,
                succeeded,
                failed,
                cancelled,
                success_rate: (count > 0).then(|| succeeded as f64 / count as f64),
                images,
                credits,
                usd: round_usd(credits as f64 * credit_usd),
                min_ms: lat.first().copied(),
                p50_ms: percentile(&lat, 50.0),
                p90_ms: percentile(&lat, 90.0),
                p99_ms: percentile(&lat, 99.0),
                max_ms: lat.last().copied(),
                mean_ms: (!lat.is_empty()).then(|| lat.iter().sum::<f64>() / lat.len() as f64),
                ttfb_p50_ms: percentile(&ttfb, 50.0),
                ttfb_p90_ms: percentile(&ttfb, 90.0),
                ttfb_p99_ms: percentile(&ttfb, 99.0),
                queue_wait_p50_ms: percentile(&wait, 50.0),
                queue_wait_p90_ms: percentile(&wait, 90.0),
                queue_wait_p99_ms: percentile(&wait, 99.0),
                credits_per_image: (images > 0).then(|| credits as f64 / images as f64),
                usd_per_image: (images > 0).then(|| credits as f64 * credit_usd / images as f64),
                images_per_minute: span.filter(|_| images > 0).map(|ms| images as f64 * 60_000.0 / ms),
            }
        })
        .collect()
}

fn round_usd(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum BenchStatus {
    /// Every job was sent and finished.
    Complete,
    /// Cancelled: what finished is kept, the rest was not sent.
    Cancelled,
    /// Stopped by a failure every later request would share (a rejected key, no credits
    /// left): what finished is kept, the rest was not sent. See `stop_reason`.
    Stopped,
}

/// Error kinds after which the next requests would fail the same way: a benchmark stops
/// sending at the first one instead of spending its whole matrix on them.
pub const STOP_KINDS: &[&str] = &["unauthorized", "insufficient_credits"];

/// Failed requests of the same target and kind, with the message of the first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FailureGroup {
    pub model: String,
    pub kind: String,
    pub message: String,
    pub count: u32,
}

/// The failed requests grouped by target and error kind, in order of first appearance.
pub fn failure_groups(samples: &[Sample]) -> Vec<FailureGroup> {
    let mut out: Vec<FailureGroup> = Vec::new();
    for f in samples.iter().filter(|s| s.is_failed()) {
        let kind = f.error_kind.clone().unwrap_or_else(|| f.status.clone());
        match out.iter_mut().find(|g| g.model == f.model && g.kind == kind) {
            Some(g) => g.count += 1,
            None => out.push(FailureGroup { model: f.model.clone(), kind, message: f.error.clone().unwrap_or_default(), count: 1 }),
        }
    }
    out
}

/// A benchmark's result: totals, per-target figures and every request's raw figures.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BenchReport {
    pub format: String,
    /// The benchmark's id in history (none for a report not kept there).
    #[serde(default)]
    pub id: Option<String>,
    pub name: Option<String>,
    pub status: BenchStatus,
    pub started_at: String,
    pub finished_at: String,
    pub profile: String,
    pub base_url: String,
    pub simulated: bool,
    pub matrix: Matrix,
    pub preflight: Option<Preflight>,
    /// Requests sent (warm-ups included): succeeded + failed + cancelled.
    pub requests: u32,
    pub succeeded: u32,
    pub failed: u32,
    pub cancelled: u32,
    /// Jobs never sent because the benchmark was cancelled or stopped.
    pub not_started: u32,
    /// Why a `stopped` benchmark stopped.
    #[serde(default)]
    pub stop_reason: Option<String>,
    pub warmup_requests: u32,
    pub images: u32,
    /// Credits of every delivered image, warm-ups included: what the server charged.
    pub credits: i64,
    pub warmup_credits: i64,
    pub usd: f64,
    pub credit_usd: f64,
    pub elapsed_ms: f64,
    /// Measured images per minute over the measured phase.
    pub images_per_minute: Option<f64>,
    pub percentile_method: String,
    pub targets: Vec<TargetStats>,
    /// The failed requests grouped by target and error kind.
    #[serde(default)]
    pub failures: Vec<FailureGroup>,
    pub samples: Vec<Sample>,
}

/// What a report needs besides its samples.
#[derive(Debug, Clone)]
pub struct ReportMeta {
    pub matrix: Matrix,
    pub preflight: Option<Preflight>,
    pub started_at: String,
    pub status: BenchStatus,
    pub not_started: u32,
    pub stop_reason: Option<String>,
    pub elapsed_ms: f64,
}

impl BenchReport {
    pub fn build(engine: &Engine, meta: ReportMeta, mut samples: Vec<Sample>) -> BenchReport {
        let catalog = engine.catalog();
        let profile = engine.profile_get(&engine.current_profile_id()).ok();
        samples.sort_by_key(|s| s.seq);
        let mut r = BenchReport::from_samples(meta, samples, catalog.credit_usd);
        if let Some(p) = profile {
            r.profile = p.name;
            r.base_url = p.base_url;
            r.simulated = p.is_sandbox;
        }
        r
    }

    /// The report of samples alone (no engine): every figure is computed from them.
    pub fn from_samples(meta: ReportMeta, samples: Vec<Sample>, credit_usd: f64) -> BenchReport {
        let count = |f: &dyn Fn(&Sample) -> bool| samples.iter().filter(|s| f(s)).count() as u32;
        let credits: i64 = samples.iter().map(|s| s.credits).sum();
        let warmup_credits: i64 = samples.iter().filter(|s| s.warmup).map(|s| s.credits).sum();
        let measured: Vec<&Sample> = samples.iter().filter(|s| !s.warmup).collect();
        let measured_images: u32 = measured.iter().map(|s| s.images).sum();
        let span = match (
            measured.iter().map(|s| s.start_ms).min_by(f64::total_cmp),
            measured.iter().map(|s| s.end_ms).max_by(f64::total_cmp),
        ) {
            (Some(a), Some(b)) if b > a => Some(b - a),
            _ => None,
        };
        BenchReport {
            format: REPORT_FORMAT.into(),
            id: None,
            name: meta.matrix.name.clone(),
            status: meta.status,
            started_at: meta.started_at,
            finished_at: now_rfc3339(),
            profile: String::new(),
            base_url: String::new(),
            simulated: false,
            targets: target_stats(&meta.matrix.targets, &samples, credit_usd),
            matrix: meta.matrix,
            preflight: meta.preflight,
            requests: samples.len() as u32,
            succeeded: count(&|s| s.ok),
            failed: count(&|s| s.is_failed()),
            cancelled: count(&|s| s.is_cancelled()),
            not_started: meta.not_started,
            stop_reason: meta.stop_reason,
            warmup_requests: count(&|s| s.warmup),
            images: samples.iter().map(|s| s.images).sum(),
            credits,
            warmup_credits,
            usd: round_usd(credits as f64 * credit_usd),
            credit_usd,
            elapsed_ms: meta.elapsed_ms,
            images_per_minute: span.filter(|_| measured_images > 0).map(|ms| measured_images as f64 * 60_000.0 / ms),
            percentile_method: PERCENTILE_METHOD.into(),
            failures: failure_groups(&samples),
            samples,
        }
    }

    /// True when every request succeeded and nothing was cancelled.
    pub fn all_fine(&self) -> bool {
        self.status == BenchStatus::Complete && self.failed == 0 && self.cancelled == 0
    }
}

/// The CSV header of [`write_csv`].
pub const CSV_COLUMNS: &[&str] = &[
    "seq", "warmup", "prompt_idx", "prompt", "target_idx", "model", "n", "repeat", "run_id", "status", "ok",
    "is_async", "images", "credits", "usd", "start_ms", "end_ms", "wall_ms", "total_ms", "send_ms", "ttfb_ms",
    "body_ms", "decode_ms", "download_ms", "submit_ms", "wait_ms", "polls", "http_status", "attempts",
    "request_id", "error_kind", "error", "outputs",
];

/// Every request's raw figures, one row each (`outputs` is a `;`-separated list of SHA-256).
pub fn write_csv<W: std::io::Write>(report: &BenchReport, w: W) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(CSV_COLUMNS)?;
    let f = |x: Option<f64>| x.map(|v| format!("{v:.3}")).unwrap_or_default();
    let o = |x: Option<String>| x.unwrap_or_default();
    for s in &report.samples {
        out.write_record([
            s.seq.to_string(),
            s.warmup.to_string(),
            s.prompt_idx.to_string(),
            s.prompt.clone(),
            s.target_idx.to_string(),
            s.model.clone(),
            s.n.to_string(),
            s.repeat.to_string(),
            o(s.run_id.clone()),
            s.status.clone(),
            s.ok.to_string(),
            s.is_async.to_string(),
            s.images.to_string(),
            s.credits.to_string(),
            format!("{:.4}", s.credits as f64 * report.credit_usd),
            format!("{:.3}", s.start_ms),
            format!("{:.3}", s.end_ms),
            format!("{:.3}", s.wall_ms),
            f(s.total_ms),
            f(s.send_ms),
            f(s.ttfb_ms),
            f(s.body_ms),
            f(s.decode_ms),
            f(s.download_ms),
            f(s.submit_ms),
            f(s.wait_ms),
            s.polls.map(|p| p.to_string()).unwrap_or_default(),
            s.http_status.map(|p| p.to_string()).unwrap_or_default(),
            s.attempts.to_string(),
            o(s.request_id.clone()),
            o(s.error_kind.clone()),
            o(s.error.clone()),
            s.outputs.join(";"),
        ])?;
    }
    out.flush()
}

/// The report as pretty JSON.
pub fn write_json<W: std::io::Write>(report: &BenchReport, w: W) -> std::io::Result<()> {
    serde_json::to_writer_pretty(w, report).map_err(std::io::Error::other)
}

/// Writes the report to `path`: CSV when it ends in `.csv`, else JSON.
pub fn write_report_file(report: &BenchReport, path: &Path) -> std::io::Result<()> {
    let mut buf = Vec::new();
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
        write_csv(report, &mut buf)?;
    } else {
        write_json(report, &mut buf)?;
        buf.push(b'\n');
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    crate::blobs::write_atomic(path, &buf).map_err(|e| std::io::Error::other(e.to_string()))
}

/// Keeps a report with the history: the file `<data dir>/benchmarks/<time>-<name>.json`,
/// and a row in the history database (so the app lists benchmarks the CLI ran). A report
/// without an id gets one.
pub fn save_report(engine: &Engine, report: &BenchReport) -> CoreResult<PathBuf> {
    let dir = engine.data_dir().join("benchmarks");
    let stamp: String = report.started_at.chars().filter(|c| c.is_ascii_digit()).take(14).collect();
    let slug = match crate::export::slug(report.name.as_deref().unwrap_or("bench"), 40) {
        s if s.is_empty() => "bench".to_string(),
        s => s,
    };
    let mut path = dir.join(format!("{stamp}-{slug}.json"));
    let mut i = 2;
    while path.exists() {
        path = dir.join(format!("{stamp}-{slug}-{i}.json"));
        i += 1;
    }
    let id = report.id.clone().unwrap_or_else(new_bench_id);
    let write = |r: &BenchReport| {
        write_report_file(r, &path).map_err(|e| CoreError::Ui(ui("disk", format!("Could not save the report: {e}"))))
    };
    if report.id.is_some() {
        write(report)?;
    } else {
        write(&BenchReport { id: Some(id.clone()), ..report.clone() })?;
    }
    engine.store().upsert_benchmark(&summary_of(report, &id, Some(&path)))?;
    Ok(path)
}

/// A new benchmark id (time-ordered).
pub fn new_bench_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A finished report's row in history.
pub fn summary_of(report: &BenchReport, id: &str, path: Option<&Path>) -> BenchSummary {
    BenchSummary {
        id: id.to_string(),
        name: report.name.clone(),
        status: match report.status {
            BenchStatus::Complete => "complete".into(),
            BenchStatus::Cancelled => "cancelled".into(),
            BenchStatus::Stopped => "stopped".into(),
        },
        started_at: report.started_at.clone(),
        finished_at: Some(report.finished_at.clone()),
        profile: report.profile.clone(),
        simulated: report.simulated,
        requests: report.requests + report.not_started,
        succeeded: report.succeeded,
        failed: report.failed,
        cancelled: report.cancelled,
        credits: report.credits,
        usd: report.usd,
        targets: report.matrix.targets.iter().map(|t| t.model.clone()).collect(),
        elapsed_ms: Some(report.elapsed_ms),
        report_path: path.map(|p| p.display().to_string()),
    }
}

/// Reports saved by [`save_report`], newest first.
pub fn saved_reports(engine: &Engine) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(engine.data_dir().join("benchmarks"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "json")).collect())
        .unwrap_or_default();
    v.sort();
    v.reverse();
    v
}

// ------------------------------------------------------------------------------------
// Running
// ------------------------------------------------------------------------------------

/// Live figures of one target while a benchmark runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TargetLive {
    pub model: String,
    pub n: u32,
    /// Measured jobs of this target.
    pub total: u32,
    pub succeeded: u32,
    pub failed: u32,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
}

/// Where a benchmark is, after each finished request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BenchProgress {
    pub total: u32,
    /// Finished requests (succeeded, failed or cancelled).
    pub done: u32,
    pub succeeded: u32,
    pub failed: u32,
    pub cancelled: u32,
    pub in_flight: u32,
    /// Jobs not finished yet (in flight included).
    pub remaining: u32,
    pub warming_up: bool,
    pub elapsed_ms: f64,
    /// From the rate so far; none before the first request finished.
    pub eta_ms: Option<f64>,
    pub credits: i64,
    pub targets: Vec<TargetLive>,
    /// The request that just finished.
    pub last: Option<Sample>,
}

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Send even if a budget would be crossed.
    pub ignore_budget: bool,
    /// The benchmark's id: its runs are tagged with it, and so is the report.
    pub bench_id: Option<String>,
}

async fn run_job(engine: Engine, job: Job, spec: RunSpec, t0: Instant, cancel: CancellationToken) -> Sample {
    let ms = |i: Instant| i.duration_since(t0).as_secs_f64() * 1000.0;
    let start = Instant::now();
    let refused = |spec: &RunSpec, e: CoreError| {
        let end = Instant::now();
        Sample::refused(&job, spec, e.into(), ms(start), ms(end))
    };
    let run = match engine.run_start(spec.clone()).await {
        Ok(r) => r,
        Err(e) => return refused(&spec, e),
    };
    let view = tokio::select! {
        v = engine.wait_run(&run.id) => v,
        _ = cancel.cancelled() => {
            engine.run_cancel(&run.id);
            engine.wait_run(&run.id).await
        }
    };
    let end = Instant::now();
    match view {
        Ok(v) => match v.targets.first() {
            Some(t) => Sample::from_target(&job, &v, t, ms(start), ms(end)),
            None => Sample::refused(&job, &spec, ui("store", "The run has no target."), ms(start), ms(end)),
        },
        Err(e) => refused(&spec, e),
    }
}

/// Runs a plan. Returns when every job finished, or soon after `cancel` fired (in-flight
/// runs are cancelled through the engine and kept as `cancelled`; jobs not started are
/// counted in `not_started`). `on_progress` is called at the start and after every
/// finished request.
pub async fn run<F>(engine: &Engine, plan: &BenchPlan, opts: &RunOptions, preflight: Option<Preflight>, cancel: &CancellationToken, mut on_progress: F) -> BenchReport
where
    F: FnMut(&BenchProgress),
{
    let started_at = now_rfc3339();
    let t0 = Instant::now();
    let m = &plan.matrix;
    let concurrency = m.concurrency.max(1) as usize;
    let total = plan.jobs.len() as u32;
    let mut samples: Vec<Sample> = Vec::with_capacity(plan.jobs.len());
    let mut live: Vec<TargetLive> = m
        .targets
        .iter()
        .map(|t| TargetLive {
            model: t.model.clone(),
            n: t.n,
            total: (m.prompts.len() as u32) * m.repeats,
            succeeded: 0,
            failed: 0,
            p50_ms: None,
            p90_ms: None,
        })
        .collect();
    let mut lat: Vec<Vec<f64>> = vec![Vec::new(); m.targets.len()];
    let mut in_flight = tokio::task::JoinSet::new();
    let mut running: std::collections::HashMap<tokio::task::Id, (Job, RunSpec, f64)> = Default::default();
    let mut next = 0usize;
    let mut warmups_left = m.warmup_jobs().min(plan.jobs.iter().filter(|j| j.warmup).count());

    let progress = |samples: &[Sample], live: &[TargetLive], in_flight: usize, warming: bool, last: Option<Sample>| {
        let done = samples.len() as u32;
        let elapsed_ms = t0.elapsed().as_secs_f64() * 1000.0;
        let remaining = total - done;
        BenchProgress {
            total,
            done,
            succeeded: samples.iter().filter(|s| s.ok).count() as u32,
            failed: samples.iter().filter(|s| s.is_failed()).count() as u32,
            cancelled: samples.iter().filter(|s| s.is_cancelled()).count() as u32,
            in_flight: in_flight as u32,
            remaining,
            warming_up: warming,
            elapsed_ms,
            eta_ms: (done > 0).then(|| elapsed_ms / done as f64 * remaining as f64),
            credits: samples.iter().map(|s| s.credits).sum(),
            targets: live.to_vec(),
            last,
        }
    };
    on_progress(&progress(&samples, &live, 0, warmups_left > 0, None));
    let mut stop_reason: Option<String> = None;

    loop {
        // Start what may start; a measured job only once every warm-up has finished.
        while !cancel.is_cancelled() && stop_reason.is_none() && in_flight.len() < concurrency && next < plan.jobs.len() {
            let job = plan.jobs[next];
            if !job.warmup && warmups_left > 0 {
                break;
            }
            let mut spec = plan.spec(&job);
            spec.ignore_budget = opts.ignore_budget;
            spec.bench_id = opts.bench_id.clone();
            let at = t0.elapsed().as_secs_f64() * 1000.0;
            let h = in_flight.spawn(run_job(engine.clone(), job, spec.clone(), t0, cancel.clone()));
            running.insert(h.id(), (job, spec, at));
            next += 1;
        }
        let Some(joined) = in_flight.join_next_with_id().await else { break };
        let sample = match joined {
            Ok((id, s)) => {
                running.remove(&id);
                s
            }
            Err(e) => {
                // A job that panicked: kept as a failed request rather than lost.
                let Some((job, spec, at)) = running.remove(&e.id()) else { continue };
                let now = t0.elapsed().as_secs_f64() * 1000.0;
                Sample::refused(&job, &spec, ui("internal", format!("The benchmark job ended abnormally: {e}")), at, now)
            }
        };
        if sample.warmup {
            warmups_left = warmups_left.saturating_sub(1);
        } else {
            let l = &mut live[sample.target_idx as usize];
            if sample.ok {
                l.succeeded += 1;
                if let Some(ms) = sample.total_ms {
                    let v = &mut lat[sample.target_idx as usize];
                    let pos = v.partition_point(|x| *x < ms);
                    v.insert(pos, ms);
                    l.p50_ms = percentile(v, 50.0);
                    l.p90_ms = percentile(v, 90.0);
                }
            } else if sample.is_failed() {
                l.failed += 1;
            }
        }
        if stop_reason.is_none() && sample.is_failed() && sample.error_kind.as_deref().is_some_and(|k| STOP_KINDS.contains(&k)) {
            let left = plan.jobs.len() - next;
            stop_reason = Some(format!(
                "Stopped: {} The other {left} requests would fail the same way, so they were not sent.",
                sample.error.as_deref().unwrap_or("a request was refused.")
            ));
        }
        samples.push(sample.clone());
        on_progress(&progress(&samples, &live, in_flight.len(), warmups_left > 0 && !cancel.is_cancelled(), Some(sample)));
    }

    let not_started = (plan.jobs.len() - next) as u32;
    let status = if cancel.is_cancelled() && (not_started > 0 || samples.iter().any(|s| s.is_cancelled())) {
        BenchStatus::Cancelled
    } else if stop_reason.is_some() {
        BenchStatus::Stopped
    } else {
        BenchStatus::Complete
    };
    let meta = ReportMeta {
        matrix: m.clone(),
        preflight,
        started_at,
        status,
        not_started,
        stop_reason,
        elapsed_ms: t0.elapsed().as_secs_f64() * 1000.0,
    };
    let mut report = BenchReport::build(engine, meta, samples);
    report.id = opts.bench_id.clone();
    report
}

/// A report of one finished run (the CLI's `run` and `compare`): each target one sample.
pub fn report_of_run(engine: &Engine, run: &RunView, elapsed_ms: f64, started_at: String) -> BenchReport {
    let prompts = vec![BenchPrompt {
        text: run.prompt.clone(),
        images: run.references.iter().map(|r| engine.blobs().image_path(&r.sha256)).collect(),
    }];
    let targets: Vec<BenchTarget> = run.targets.iter().map(|t| BenchTarget { model: t.model_id.clone(), n: t.n }).collect();
    let mut matrix = Matrix::new(prompts, targets);
    matrix.concurrency = run.targets.len().max(1) as u32;
    matrix.mode = run.sync_mode;
    matrix.aspect_ratio = run.aspect_ratio.clone();
    matrix.response_format = run.response_format;
    let samples = run
        .targets
        .iter()
        .map(|t| {
            let job = Job { seq: t.idx, prompt_idx: 0, target_idx: t.idx, repeat: 0, warmup: false };
            let total = t.timing.as_ref().map(|x| x.total_ms).unwrap_or(elapsed_ms);
            Sample::from_target(&job, run, t, 0.0, total)
        })
        .collect();
    let status = if run.status == RunStatus::Cancelled || run.targets.iter().any(|t| t.status == RunStatus::Cancelled) {
        BenchStatus::Cancelled
    } else {
        BenchStatus::Complete
    };
    let meta = ReportMeta { matrix, preflight: None, started_at, status, not_started: 0, stop_reason: None, elapsed_ms };
    BenchReport::build(engine, meta, samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Catalog {
        Catalog::built_in()
    }

    const SMALLEST: &str = r#"prompts = ["a red fox in snow", "a blue vintage car"]
targets = ["gemini-3.1-flash-image-preview-512", "gemini-3.1-flash-image-preview"]
repeats = 2
concurrency = 4
"#;

    fn parse(text: &str) -> Result<Matrix, MatrixError> {
        Matrix::parse(text, Some(Path::new("m.toml")), Path::new("."), &cat())
    }

    #[test]
    fn the_smallest_matrix_parses_with_defaults() {
        let m = parse(SMALLEST).unwrap();
        assert_eq!(m.prompts.len(), 2);
        assert_eq!(
            m.targets,
            vec![
                BenchTarget { model: "gemini-3.1-flash-image-preview-512".into(), n: 1 },
                BenchTarget { model: "gemini-3.1-flash-image-preview".into(), n: 1 }
            ]
        );
        assert_eq!((m.repeats, m.concurrency, m.warmup), (2, 4, 0));
        assert_eq!(m.mode, SyncMode::Auto);
        assert_eq!(m.response_format, ResponseFormatChoice::B64Json);
        assert!(m.validate(&cat()).is_ok());
    }

    #[test]
    fn expansion_counts_and_order() {
        let mut m = parse(SMALLEST).unwrap();
        let jobs = m.expand();
        assert_eq!(jobs.len(), 2 * 2 * 2);
        assert!(jobs.iter().all(|j| !j.warmup));
        // every (prompt, target, repeat) exactly once
        let set: HashSet<(u32, u32, u32)> = jobs.iter().map(|j| (j.prompt_idx, j.target_idx, j.repeat)).collect();
        assert_eq!(set.len(), 8);
        // targets interleave
        assert_eq!(jobs.iter().take(4).map(|j| j.target_idx).collect::<Vec<_>>(), vec![0, 1, 0, 1]);

        m.warmup = 1;
        let jobs = m.expand();
        assert_eq!(jobs.len(), 2 * 2 * 2 + 2, "one warm-up per target");
        assert_eq!(m.total_jobs(), 10);
        assert_eq!((m.warmup_jobs(), m.measured_jobs()), (2, 8));
        assert!(jobs[..2].iter().all(|j| j.warmup), "warm-ups first");
        assert!(jobs[2..].iter().all(|j| !j.warmup));
        assert_eq!(jobs.iter().map(|j| j.seq).collect::<Vec<_>>(), (0..10).collect::<Vec<_>>());
        m.warmup = 3;
        assert_eq!(m.expand().iter().filter(|j| j.warmup).count(), 6);
    }

    #[test]
    fn percentiles_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(|x| x as f64).collect();
        assert_eq!(percentile(&v, 50.0), Some(50.0));
        assert_eq!(percentile(&v, 90.0), Some(90.0));
        assert_eq!(percentile(&v, 99.0), Some(99.0));
        assert_eq!(percentile(&v, 100.0), Some(100.0));
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&v, 99.9), Some(100.0));
        assert_eq!(percentile(&v, 0.5), Some(1.0));
        assert_eq!(percentile(&v, 1.0), Some(1.0));
        assert_eq!(percentile(&v, 1.01), Some(2.0));
        // 1..=1000: p99.9 = 999, p99 = 990
        let w: Vec<f64> = (1..=1000).map(|x| x as f64).collect();
        assert_eq!(percentile(&w, 99.9), Some(999.0));
        assert_eq!(percentile(&w, 99.0), Some(990.0));
        assert_eq!(percentile(&w, 50.0), Some(500.0));
        // odd count: the true median
        assert_eq!(percentile(&[1.0, 2.0, 3.0], 50.0), Some(2.0));
        // even count: the lower middle (nearest rank), never an average
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 50.0), Some(2.0));
        // one sample
        for p in [0.0, 50.0, 90.0, 99.0, 100.0] {
            assert_eq!(percentile(&[7.5], p), Some(7.5));
        }
        // empty
        assert_eq!(percentile(&[], 50.0), None);
        // a skewed distribution: 90 fast, 10 slow — p50 fast, p90 fast, p99 slow, mean misleading
        let mut skew = vec![10.0; 90];
        skew.extend(vec![1000.0; 10]);
        let skew = sorted(skew);
        assert_eq!(percentile(&skew, 50.0), Some(10.0));
        assert_eq!(percentile(&skew, 90.0), Some(10.0));
        assert_eq!(percentile(&skew, 91.0), Some(1000.0));
        assert_eq!(percentile(&skew, 99.0), Some(1000.0));
        // unsorted input is the caller's job; `sorted` does it
        assert_eq!(sorted([3.0, 1.0, 2.0]), vec![1.0, 2.0, 3.0]);
    }

    fn sample(seq: u32, target: u32, warmup: bool, ok: bool, total: f64, credits: i64) -> Sample {
        Sample {
            seq,
            warmup,
            prompt_idx: 0,
            prompt: "p".into(),
            target_idx: target,
            model: format!("m{target}"),
            n: 1,
            repeat: 0,
            run_id: Some(format!("r{seq}")),
            status: if ok { "done".into() } else { "failed".into() },
            ok,
            is_async: false,
            images: ok as u32,
            credits,
            start_ms: seq as f64 * 10.0,
            end_ms: seq as f64 * 10.0 + total,
            wall_ms: total,
            total_ms: ok.then_some(total),
            send_ms: None,
            ttfb_ms: ok.then_some(total / 2.0),
            body_ms: None,
            decode_ms: None,
            download_ms: None,
            submit_ms: None,
            wait_ms: None,
            polls: None,
            http_status: Some(if ok { 200 } else { 500 }),
            attempts: 1,
            request_id: None,
            error_kind: (!ok).then(|| "server_error".into()),
            error: None,
            outputs: vec![],
        }
    }

    #[test]
    fn stats_and_cost_sums() {
        let targets = vec![BenchTarget { model: "m0".into(), n: 1 }, BenchTarget { model: "m1".into(), n: 1 }];
        let mut samples = vec![
            sample(0, 0, true, true, 500.0, 4), // warm-up: charged, not in stats
            sample(1, 1, true, true, 500.0, 6),
        ];
        for i in 0..100u32 {
            samples.push(sample(2 + i, 0, false, true, (i + 1) as f64, 4));
        }
        samples.push(sample(102, 1, false, true, 20.0, 6));
        samples.push(sample(103, 1, false, false, 0.0, 0));
        let mut cancelled = sample(104, 1, false, false, 0.0, 0);
        cancelled.status = "cancelled".into();
        samples.push(cancelled);

        let st = target_stats(&targets, &samples, 0.01);
        let a = &st[0];
        assert_eq!((a.count, a.succeeded, a.failed, a.cancelled), (100, 100, 0, 0));
        assert_eq!((a.min_ms, a.p50_ms, a.p90_ms, a.p99_ms, a.max_ms), (Some(1.0), Some(50.0), Some(90.0), Some(99.0), Some(100.0)));
        assert_eq!(a.ttfb_p50_ms, Some(25.0));
        assert_eq!(a.mean_ms, Some(50.5));
        assert_eq!(a.credits, 400, "warm-up credits are not the target's");
        assert_eq!(a.images, 100);
        assert_eq!(a.credits_per_image, Some(4.0));
        assert!((a.usd_per_image.unwrap() - 0.04).abs() < 1e-12);
        assert_eq!(a.usd, 4.0);
        assert_eq!(a.queue_wait_p50_ms, None);
        assert!(a.images_per_minute.unwrap() > 0.0);
        let b = &st[1];
        assert_eq!((b.count, b.succeeded, b.failed, b.cancelled), (2, 1, 1, 1));
        assert_eq!(b.success_rate, Some(0.5));
        assert_eq!((b.p50_ms, b.p99_ms), (Some(20.0), Some(20.0)));
        assert_eq!(b.credits, 6);

        let matrix = Matrix::new(vec![BenchPrompt { text: "p".into(), images: vec![] }], targets);
        let meta = ReportMeta {
            matrix,
            preflight: None,
            started_at: "2026-01-01T00:00:00Z".into(),
            status: BenchStatus::Complete,
            not_started: 0,
            stop_reason: None,
            elapsed_ms: 1000.0,
        };
        let r = BenchReport::from_samples(meta, samples, 0.01);
        assert_eq!(r.requests, 105);
        assert_eq!((r.succeeded, r.failed, r.cancelled, r.warmup_requests), (103, 1, 1, 2));
        assert_eq!(r.credits, 4 + 6 + 400 + 6, "everything charged, warm-ups included");
        assert_eq!(r.warmup_credits, 10);
        assert_eq!(r.usd, 4.16);
        assert!(!r.all_fine());

        // JSON has the documented top-level keys; CSV one row per request.
        let json: serde_json::Value = serde_json::to_value(&r).unwrap();
        for k in ["requests", "succeeded", "failed", "credits", "targets", "samples"] {
            assert!(json.get(k).is_some(), "{k}");
        }
        for k in ["model", "count", "succeeded", "credits", "p50_ms", "p90_ms", "p99_ms", "min_ms", "max_ms", "credits_per_image", "usd_per_image", "images_per_minute", "ttfb_p50_ms", "queue_wait_p50_ms"] {
            assert!(json["targets"][0].get(k).is_some(), "{k}");
        }
        let mut csv_bytes = Vec::new();
        write_csv(&r, &mut csv_bytes).unwrap();
        let text = String::from_utf8(csv_bytes).unwrap();
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(rdr.headers().unwrap().len(), CSV_COLUMNS.len());
        let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 105);
        // recompute a p50 from the CSV: the same figure
        let idx = CSV_COLUMNS.iter().position(|c| *c == "total_ms").unwrap();
        let m0: Vec<f64> = sorted(
            rows.iter()
                .filter(|r| &r[5] == "m0" && &r[1] == "false" && &r[10] == "true")
                .map(|r| r[idx].parse::<f64>().unwrap()),
        );
        assert_eq!(percentile(&m0, 50.0), r.targets[0].p50_ms);
    }

    fn bad(text: &str) -> MatrixError {
        parse(text).unwrap_err()
    }

    #[test]
    fn bad_matrices_name_line_and_field() {
        // a wrong type
        let e = bad("prompts = [\"a\"]\ntargets = [\"gemini-3.1-flash-image-preview\"]\nrepeats = \"two\"\n");
        assert_eq!((e.line, e.field.as_str()), (3, "repeats"), "{e}");
        assert!(e.to_string().starts_with("m.toml: line 3: field `repeats`:"), "{e}");
        // an unknown target, third line of a multi-line list
        let e = bad("prompts = [\"a\"]\ntargets = [\n  \"gemini-3.1-flash-image-preview\",\n  \"gemini-9-ultra\",\n]\n");
        assert_eq!((e.line, e.field.as_str()), (4, "targets[1]"), "{e}");
        assert!(e.reason.contains("gemini-9-ultra") && e.reason.contains("not in the catalog"), "{e}");
        // an unknown key
        let e = bad("prompts = [\"a\"]\ntargets = [\"gemini-3.1-flash-image-preview\"]\nrepeat = 2\n");
        assert_eq!((e.line, e.field.as_str()), (3, "repeat"), "{e}");
        assert!(e.reason.contains("Known keys"), "{e}");
        // out of range
        let e = bad("prompts = [\"a\"]\ntargets = [\"gemini-3.1-flash-image-preview\"]\n\nconcurrency = 0\n");
        assert_eq!((e.line, e.field.as_str()), (4, "concurrency"), "{e}");
        // n above the model's maximum
        let e = bad("prompts = [\"a\"]\ntargets = [\"gemini-3.1-flash-image-preview:11\"]\n");
        assert_eq!((e.line, e.field.as_str()), (2, "targets[0]"), "{e}");
        // mode
        let e = bad("prompts = [\"a\"]\ntargets = [\"gemini-3.1-flash-image-preview\"]\nmode = \"batch\"\n");
        assert_eq!((e.line, e.field.as_str()), (3, "mode"), "{e}");
        // aspect ratio not offered by a target
        let e = bad("aspect_ratio = \"16:9\"\nprompts = [\"a\"]\ntargets = [\"gemini-3.1-flash-image-preview\", \"gemini-3-pro-image-preview\", \"gpt-image-1.5\"]\n");
        assert_eq!(e.line, 3, "{e}");
        assert!(e.field.starts_with("targets["), "{e}");
        // syntax error
        let e = bad("prompts = [\"a\"\ntargets = 3\n");
        assert!(e.line >= 1, "{e}");
        // missing targets / prompts
        let e = bad("prompts = [\"a\"]\n");
        assert_eq!(e.field, "targets");
        let e = bad("targets = [\"gemini-3.1-flash-image-preview\"]\n");
        assert_eq!(e.field, "prompts");
        // duplicate target
        let e = bad("prompts = [\"a\"]\ntargets = [\"gemini-3.1-flash-image-preview\", \"gemini-3.1-flash-image-preview\"]\n");
        assert!(e.reason.contains("twice"), "{e}");
        // a key inside [[prompt]]
        let e = bad("targets = [\"gemini-3.1-flash-image-preview\"]\n\n[[prompt]]\ntext = \"x\"\nimage = [\"a.png\"]\n");
        assert_eq!(e.line, 5, "{e}");
        assert_eq!(e.field, "prompt.image", "{e}");
        // a missing reference image
        let e = bad("targets = [\"gemini-3.1-flash-image-preview\"]\n[[prompt]]\ntext = \"x\"\nimages = [\"nope.png\"]\n");
        assert_eq!((e.line, e.field.as_str()), (4, "prompt[0].images[0]"), "{e}");
    }

    #[test]
    fn all_the_keys() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ref.png"), b"not checked here").unwrap();
        std::fs::write(dir.path().join("more.txt"), "# comment\nfrom the file\n\nanother one\n").unwrap();
        std::fs::write(dir.path().join("more.csv"), "prompt,images\n\"with, comma\",ref.png\nplain,\n").unwrap();
        let text = r#"
name = "everything"
prompts = ["typed"]
prompts_file = "more.txt"
targets = ["gemini-3.1-flash-image-preview-512:2", { model = "gemini-3.1-flash-image-preview-2k", n = 3 }, "gemini-3.1-flash-image-preview"]
repeats = 3
concurrency = 8
warmup = 2
mode = "async"
n = 2
aspect_ratio = "16:9"
response_format = "url"
budget = 1000

[[prompt]]
text = "an edit"
images = ["ref.png"]
"#;
        let m = Matrix::parse(text, None, dir.path(), &cat()).unwrap();
        assert_eq!(m.name.as_deref(), Some("everything"));
        let texts: Vec<&str> = m.prompts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, vec!["typed", "from the file", "another one", "an edit"]);
        assert_eq!(m.prompts[3].images, vec![dir.path().join("ref.png")]);
        assert_eq!(m.targets.iter().map(|t| t.n).collect::<Vec<_>>(), vec![2, 3, 2]);
        assert_eq!((m.repeats, m.concurrency, m.warmup, m.budget), (3, 8, 2, Some(1000)));
        assert_eq!(m.mode, SyncMode::Async);
        assert_eq!(m.response_format, ResponseFormatChoice::Url);
        assert_eq!(m.aspect_ratio.as_deref(), Some("16:9"));
        assert_eq!(m.total_jobs(), 2 * 3 + 4 * 3 * 3);
        let spec = m.spec(3, 1, vec!["abc".into()]);
        assert_eq!(spec.mode, RunMode::Edit);
        assert_eq!(spec.targets[0].n, 3);
        assert_eq!(spec.sync_mode, SyncMode::Async);

        let csv_m = Matrix::parse("prompts_file = \"more.csv\"\ntargets = [\"gemini-3.1-flash-image-preview\"]\n", None, dir.path(), &cat()).unwrap();
        assert_eq!(csv_m.prompts.len(), 2);
        assert_eq!(csv_m.prompts[0].text, "with, comma");
        assert_eq!(csv_m.prompts[0].images, vec![dir.path().join("ref.png")]);
        assert!(csv_m.prompts[1].images.is_empty());

        // the 2.5 Flash takes no more than 3 references
        std::fs::write(dir.path().join("r.png"), b"x").unwrap();
        let e = Matrix::parse(
            "targets = [\"gemini-2.5-flash-image\"]\n[[prompt]]\ntext = \"x\"\nimages = [\"r.png\", \"r.png\", \"r.png\", \"r.png\"]\n",
            None,
            dir.path(),
            &cat(),
        )
        .unwrap_err();
        assert!(e.reason.contains("at most 3"), "{e}");
        assert_eq!(e.line, 1);
    }

    #[test]
    fn targets_parse() {
        assert_eq!(BenchTarget::parse("m:3", 1).unwrap(), BenchTarget { model: "m".into(), n: 3 });
        assert_eq!(BenchTarget::parse(" m ", 2).unwrap(), BenchTarget { model: "m".into(), n: 2 });
        assert!(BenchTarget::parse("m:x", 1).is_err());
        assert!(BenchTarget::parse(":2", 1).is_err());
    }
}
