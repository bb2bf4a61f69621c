use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::api::*;
pub use crate::api::{BenchPrompt, BenchTarget, Matrix};
use crate::catalog::Catalog;
use crate::toml_place::{line_of, locate};

pub const DEFAULT_CONCURRENCY: u32 = 4;
pub const MAX_CONCURRENCY: u32 = 64;
pub const MAX_REPEATS: u32 = 100_000;
pub const MAX_WARMUP: u32 = 100;

// ------------------------------------------------------------------------------------
// The matrix
// ------------------------------------------------------------------------------------

impl BenchTarget {
    /// The target as reports name it: its model, then its sweep values, e.g.
    /// `gpt-image-2 quality=low aspect_ratio=16:9`.
    pub fn label(&self) -> String {
        let mut out = self.model.clone();
        for a in &self.axes {
            out.push_str(&format!(" {}={}", a.axis, a.value));
        }
        out
    }

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
        Ok(BenchTarget { model: model.to_string(), n, axes: vec![] })
    }
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
        let mut jobs = Vec::with_capacity(usize::try_from(self.total_jobs()).unwrap_or(0));
        if self.prompts.is_empty() || self.targets.is_empty() {
            return jobs;
        }
        for w in 0..self.warmup {
            for t in 0..self.targets.len() {
                let p = (w as usize + t) % self.prompts.len();
                jobs.push(Job {
                    seq: jobs.len() as u32,
                    prompt_idx: p as u32,
                    target_idx: t as u32,
                    repeat: w,
                    warmup: true,
                });
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

    pub fn warmup_jobs(&self) -> u64 {
        self.warmup as u64 * self.targets.len() as u64
    }

    /// Prompts × targets × repeats, counted (saturating), never listed.
    pub fn measured_jobs(&self) -> u64 {
        (self.prompts.len() as u64).saturating_mul(self.targets.len() as u64).saturating_mul(self.repeats as u64)
    }

    pub fn total_jobs(&self) -> u64 {
        self.warmup_jobs().saturating_add(self.measured_jobs())
    }

    /// The request of one (prompt, target) pair, with its references already stored: the
    /// target as its sweep values make it (its own aspect ratio and fields).
    pub fn request(&self, prompt: usize, target: usize, references: Vec<String>) -> Request {
        let t = &self.targets[target];
        Request {
            aspect_ratio: self.aspect_ratio.clone(),
            mode: self.mode,
            response_format: self.response_format,
            images: references,
            ..Request::new(
                self.prompts[prompt].text.clone(),
                vec![crate::sweep::target_from_axes(&t.model, t.n, &t.axes)],
            )
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
            return Err(format!(
                "{} does not offer the aspect ratio {a} (it offers {})",
                t.model,
                e.aspect_ratios.join(", ")
            ));
        }
    }
    if max_refs > 0 {
        if !e.supports_edit {
            return Err(format!("{} does not take reference images, and a prompt has some", t.model));
        }
        if max_refs > e.max_references as usize {
            return Err(format!(
                "{} takes at most {} reference images; a prompt has {max_refs}",
                t.model, e.max_references
            ));
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
    sweep: Option<super::matrix_sweep::RawAxes>,
    vars: Option<super::matrix_sweep::RawAxes>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrompt {
    text: Spanned<String>,
    #[serde(default)]
    images: Vec<Spanned<String>>,
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
        let (line, field, msg) = locate(text, &e);
        let msg = if msg.contains("unknown field") {
            format!(
                "{msg}. Known keys: name, prompts, prompts_file, [[prompt]] (text, images), targets, repeats, concurrency, warmup, mode, n, aspect_ratio, response_format, budget, [sweep], [vars]"
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
            other => {
                return Err(err(
                    at(s.span()),
                    "mode",
                    format!("must be \"sync\", \"async\" or \"auto\", not \"{other}\""),
                ))
            }
        },
    };
    let response_format = match &raw.response_format {
        None => ResponseFormatChoice::B64Json,
        Some(s) => match s.get_ref().trim() {
            "b64_json" => ResponseFormatChoice::B64Json,
            "url" => ResponseFormatChoice::Url,
            other => {
                return Err(err(
                    at(s.span()),
                    "response_format",
                    format!("must be \"b64_json\" or \"url\", not \"{other}\""),
                ))
            }
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
        let file = within(base_dir, f.get_ref()).map_err(|reason| err(at(f.span()), "prompts_file", reason))?;
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
            let path = within(base_dir, im.get_ref())
                .map_err(|reason| err(at(im.span()), &format!("prompt[{i}].images[{j}]"), reason))?;
            images.push(path);
        }
        prompts.push((BenchPrompt { text: p.text.get_ref().clone(), images }, at(p.text.span()), field));
    }
    let prompts = super::matrix_sweep::expand_prompts(prompts, raw.vars.as_ref(), &|o| line_of(text, o))
        .map_err(|(line, field, reason)| err(line, &field, reason))?;
    if prompts.is_empty() {
        return Err(err(
            0,
            "prompts",
            "no prompt: write `prompts = [\"...\"]`, `prompts_file = \"...\"` or a [[prompt]] table".into(),
        ));
    }

    // Targets.
    let Some(ts) = &raw.targets else {
        return Err(err(0, "targets", "no target: write e.g. `targets = [\"gemini-3.1-flash-image-preview\"]`".into()));
    };
    if ts.get_ref().is_empty() {
        return Err(err(at(ts.span()), "targets", "the list of targets is empty".into()));
    }
    let mut targets: Vec<(BenchTarget, usize, String)> = Vec::new();
    let mut seen = HashSet::new();
    for (i, v) in ts.get_ref().iter().enumerate() {
        let field = format!("targets[{i}]");
        let line = at(v.span());
        let t = match v.get_ref() {
            toml::Value::String(s) => BenchTarget::parse(s, default_n).map_err(|r| err(line, &field, r))?,
            toml::Value::Table(tab) => {
                for k in tab.keys() {
                    if k != "model" && k != "n" {
                        return Err(err(
                            line,
                            &field,
                            format!("unknown key `{k}` in a target table (use `model` and `n`)"),
                        ));
                    }
                }
                let model = tab
                    .get("model")
                    .and_then(|m| m.as_str())
                    .ok_or_else(|| err(line, &field, "a target table needs `model = \"...\"`".into()))?;
                let n = match tab.get("n") {
                    None => default_n,
                    Some(toml::Value::Integer(n)) if (1..=10).contains(n) => *n as u32,
                    Some(other) => {
                        return Err(err(line, &field, format!("n must be a number from 1 to 10, not {other}")))
                    }
                };
                BenchTarget { model: model.trim().to_string(), n, axes: vec![] }
            }
            other => {
                return Err(err(
                    line,
                    &field,
                    format!(
                        "a target is a string like \"MODEL\" or \"MODEL:N\", or {{ model = \"...\", n = N }}; found {}",
                        other.type_str()
                    ),
                ))
            }
        };
        if !seen.insert((t.model.clone(), t.n)) {
            return Err(err(line, &field, format!("target `{}` with n = {} appears twice", t.model, t.n)));
        }
        let refs = prompts.iter().map(|p| p.0.images.len()).max().unwrap_or(0);
        // Named at the target's line (an aspect ratio it lacks, too many references...).
        check_target(catalog, &t, aspect_ratio.as_deref(), refs).map_err(|r| err(line, &field, r))?;
        targets.push((t, line, field));
    }
    let targets =
        super::matrix_sweep::expand_targets(targets, raw.sweep.as_ref(), aspect_ratio.as_deref(), catalog, &|o| {
            line_of(text, o)
        })
        .map_err(|(line, field, reason)| err(line, &field, reason))?;

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
/// The largest prompts file read.
pub const MAX_PROMPTS_FILE: u64 = 16 * 1024 * 1024;

/// A file a matrix names, which must be a regular file in the matrix's folder or below it:
/// a matrix from someone else cannot send `~/.bash_history` as prompts, or any image on the
/// disk as a reference (the app grants the paths a matrix names).
pub fn within(base_dir: &Path, name: &str) -> Result<PathBuf, String> {
    let path = base_dir.join(name);
    let unreadable = || format!("{} is not a readable file", path.display());
    let real = std::fs::canonicalize(&path).map_err(|_| unreadable())?;
    let base = std::fs::canonicalize(base_dir).map_err(|_| unreadable())?;
    if !real.starts_with(&base) {
        return Err(format!(
            "{} is outside the matrix file's folder: a matrix may name only files in its folder or below it",
            path.display()
        ));
    }
    if !real.is_file() {
        return Err(unreadable());
    }
    Ok(path)
}

pub fn read_prompts_file(path: &Path) -> Result<Vec<BenchPrompt>, String> {
    let bytes = crate::files::read_bounded_as(path, MAX_PROMPTS_FILE, "prompts file")
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))?;
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
            let p = within(&dir, img).map_err(|e| format!("{} line {line}: image {e}", path.display()))?;
            images.push(p);
        }
        out.push(BenchPrompt { text: prompt.to_string(), images });
    }
    Ok(out)
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
                BenchTarget { model: "gemini-3.1-flash-image-preview-512".into(), n: 1, axes: vec![] },
                BenchTarget { model: "gemini-3.1-flash-image-preview".into(), n: 1, axes: vec![] }
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
        let e =
            bad("prompts = [\"a\"]\ntargets = [\n  \"gemini-3.1-flash-image-preview\",\n  \"gemini-9-ultra\",\n]\n");
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
        let e = bad(
            "prompts = [\"a\"]\ntargets = [\"gemini-3.1-flash-image-preview\", \"gemini-3.1-flash-image-preview\"]\n",
        );
        assert!(e.reason.contains("twice"), "{e}");
        // a key inside [[prompt]]
        let e =
            bad("targets = [\"gemini-3.1-flash-image-preview\"]\n\n[[prompt]]\ntext = \"x\"\nimage = [\"a.png\"]\n");
        assert_eq!(e.line, 5, "{e}");
        assert_eq!(e.field, "prompt.image", "{e}");
        // a missing reference image
        let e =
            bad("targets = [\"gemini-3.1-flash-image-preview\"]\n[[prompt]]\ntext = \"x\"\nimages = [\"nope.png\"]\n");
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
        let spec = m.request(3, 1, vec!["abc".into()]);
        assert_eq!(spec.kind(), RunKind::Edit);
        assert_eq!(spec.targets[0].n, 3);
        assert_eq!(spec.mode, SyncMode::Async);

        let csv_m = Matrix::parse(
            "prompts_file = \"more.csv\"\ntargets = [\"gemini-3.1-flash-image-preview\"]\n",
            None,
            dir.path(),
            &cat(),
        )
        .unwrap();
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
    fn a_matrix_names_only_regular_files_in_its_folder() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("suite");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(root.path().join("secret.txt"), "my shell history\n").unwrap();
        std::fs::write(root.path().join("photo.png"), b"x").unwrap();
        let parse = |text: &str| Matrix::parse(text, None, &dir, &cat());
        let t = "targets = [\"gemini-3.1-flash-image-preview\"]\n";
        for text in [
            format!("{t}prompts_file = \"../secret.txt\"\n"),
            format!("{t}prompts_file = \"{}\"\n", root.path().join("secret.txt").display()),
            format!("{t}[[prompt]]\ntext = \"x\"\nimages = [\"../photo.png\"]\n"),
        ] {
            let e = parse(&text).unwrap_err();
            assert!(e.reason.contains("outside the matrix file's folder"), "{e}");
        }
        // A link inside the folder that points out of it is outside too.
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.path().join("secret.txt"), dir.join("prompts.txt")).unwrap();
            let e = parse(&format!("{t}prompts_file = \"prompts.txt\"\n")).unwrap_err();
            assert!(e.reason.contains("outside"), "{e}");
            // A device or a FIFO is not read (it would never end, or block).
            std::os::unix::fs::symlink("/dev/zero", dir.join("zero.txt")).unwrap();
            assert!(parse(&format!("{t}prompts_file = \"zero.txt\"\n")).is_err());
            let fifo = dir.join("fifo.txt");
            assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
            let e = parse(&format!("{t}prompts_file = \"fifo.txt\"\n")).unwrap_err();
            assert!(e.reason.contains("not a readable"), "{e}");
        }
        // Below the folder is fine.
        std::fs::create_dir(dir.join("data")).unwrap();
        std::fs::write(dir.join("data/p.txt"), "a fox\n").unwrap();
        let m = parse(&format!("{t}prompts_file = \"data/p.txt\"\n")).unwrap();
        assert_eq!(m.prompts[0].text, "a fox");
    }

    #[test]
    fn targets_parse() {
        assert_eq!(BenchTarget::parse("m:3", 1).unwrap(), BenchTarget { model: "m".into(), n: 3, axes: vec![] });
        assert_eq!(BenchTarget::parse(" m ", 2).unwrap(), BenchTarget { model: "m".into(), n: 2, axes: vec![] });
        assert!(BenchTarget::parse("m:x", 1).is_err());
        assert!(BenchTarget::parse(":2", 1).is_err());
    }
}
