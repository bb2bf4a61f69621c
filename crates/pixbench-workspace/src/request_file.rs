//! One saved request: its file's words (those of a benchmark matrix, for one prompt), read
//! with the line of every value so that each problem names its place, and resolved into
//! the app's one request type.
//!
//! ```toml
//! name = "Hero shot, four tiers"
//! prompt = "a {{style}} lighthouse at dusk for {{brand}}"
//! targets = ["gemini-3.1-flash-image-preview-1k", "gpt-image-2-1k:2", { model = "gpt-image-2", size = "1536x1024" }]
//! aspect_ratio = "16:9"
//! mode = "auto"
//! images = ["refs/logo.png"]
//!
//! [fields]
//! quality = "high"
//!
//! [vars]
//! style = ["watercolor", "photo"]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pixbench_core::api::{
    EnvironmentValue, Request, ResponseFormatChoice, RunEnvironment, SweepAxis, SweepVariable, SyncMode, TargetSpec,
};
use pixbench_core::catalog::Catalog;
use pixbench_core::toml_place::{line_of, locate};
use serde::Deserialize;
use toml::Spanned;

use crate::environment::Environment;
use crate::error::FileError;

/// The keys a request file may have, in the order a new file is written.
pub const KEYS: &[&str] = &[
    "name",
    "notes",
    "prompt",
    "targets",
    "n",
    "aspect_ratio",
    "size",
    "mode",
    "response_format",
    "images",
    "data",
    "fields",
    "sweep",
    "vars",
    "expect",
];

/// The most targets, images, fields, axes or variables one file may list (a request file
/// is written by hand; a longer list is a mistake or an attack).
pub const MAX_LIST: usize = 256;

/// A target as written: `"ID"`, `"ID:N"` or `{ model = "ID", n = N, size = "2K" }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileTarget {
    /// A catalog entry id, a model id or an alias.
    pub model: String,
    pub n: Option<u32>,
    /// A tier (512, 1K, 2K, 4K) or WIDTHxHEIGHT.
    pub size: Option<String>,
}

/// A request file's values, each `None` when the file does not set it (a folder's
/// `defaults.toml` or the workspace's may). `lines` holds the line each value is on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestFile {
    pub name: Option<String>,
    pub notes: Option<String>,
    pub prompt: Option<String>,
    pub targets: Option<Vec<FileTarget>>,
    pub n: Option<u32>,
    pub aspect_ratio: Option<String>,
    pub size: Option<String>,
    pub mode: Option<SyncMode>,
    pub response_format: Option<ResponseFormatChoice>,
    /// Reference images, as written: paths relative to the file.
    pub images: Option<Vec<String>>,
    /// A CSV or JSON Lines file of variable values (one run per row: the suites' part).
    pub data: Option<String>,
    pub fields: Option<serde_json::Map<String, serde_json::Value>>,
    pub sweep: Vec<SweepAxis>,
    pub vars: Vec<SweepVariable>,
    /// Expectations, kept as written for the suites that check them.
    pub expect: Option<toml::Table>,
    /// The file each value came from and its line there (`prompt`, `targets[1]`, `vars.style`).
    pub places: BTreeMap<String, (PathBuf, usize)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: Option<Spanned<String>>,
    notes: Option<Spanned<String>>,
    prompt: Option<Spanned<String>>,
    targets: Option<Spanned<Vec<Spanned<toml::Value>>>>,
    n: Option<Spanned<i64>>,
    aspect_ratio: Option<Spanned<String>>,
    size: Option<Spanned<String>>,
    mode: Option<Spanned<String>>,
    response_format: Option<Spanned<String>>,
    images: Option<Spanned<Vec<Spanned<String>>>>,
    data: Option<Spanned<String>>,
    fields: Option<Spanned<toml::Table>>,
    sweep: Option<BTreeMap<Spanned<String>, Spanned<Values>>>,
    vars: Option<BTreeMap<Spanned<String>, Spanned<Values>>>,
    expect: Option<Spanned<BTreeMap<Spanned<String>, Spanned<toml::Value>>>>,
}

/// A `[sweep]` axis's or `[vars]` variable's values: one, or a list.
#[derive(Deserialize)]
#[serde(untagged, expecting = "a value as a string, or a list of strings")]
enum Values {
    One(String),
    Many(Vec<String>),
}

/// Reads a request file (or a `defaults.toml`: the same keys, none required).
pub fn parse(text: &str, path: &Path) -> Result<RequestFile, FileError> {
    let err = |line: usize, field: &str, reason: String| FileError::new(path, line, field, reason);
    let at = |span: std::ops::Range<usize>| line_of(text, span.start);
    let raw: Raw = toml::from_str(text).map_err(|e| {
        let (line, field, msg) = locate(text, &e);
        let msg = if msg.contains("unknown field") && !msg.contains("expected one of") {
            format!("{msg}. A request file's keys are: {}", KEYS.join(", "))
        } else {
            msg
        };
        err(line, &field, msg)
    })?;
    let mut out = RequestFile::default();
    let place = |out: &mut RequestFile, key: String, line: usize| {
        out.places.insert(key, (path.to_path_buf(), line));
    };
    let text_value = |v: &Option<Spanned<String>>| -> Option<(String, usize)> {
        v.as_ref().map(|s| (s.get_ref().clone(), at(s.span())))
    };
    for (key, v) in [("name", &raw.name), ("notes", &raw.notes), ("data", &raw.data)] {
        if let Some((s, line)) = text_value(v) {
            place(&mut out, key.into(), line);
            match key {
                "name" => out.name = Some(s),
                "notes" => out.notes = Some(s),
                _ => out.data = Some(s),
            }
        }
    }
    if let Some(p) = &raw.prompt {
        if p.get_ref().trim().is_empty() {
            return Err(err(at(p.span()), "prompt", "the prompt is empty".into()));
        }
        if p.get_ref().chars().count() > pixbench_core::api::MAX_PROMPT_CHARS {
            return Err(err(
                at(p.span()),
                "prompt",
                format!("the prompt is longer than {} characters", pixbench_core::api::MAX_PROMPT_CHARS),
            ));
        }
        place(&mut out, "prompt".into(), at(p.span()));
        out.prompt = Some(p.get_ref().clone());
    }
    if let Some(n) = &raw.n {
        let x = *n.get_ref();
        if !(1..=10).contains(&x) {
            return Err(err(at(n.span()), "n", format!("must be a number from 1 to 10, not {x}")));
        }
        place(&mut out, "n".into(), at(n.span()));
        out.n = Some(x as u32);
    }
    if let Some(a) = &raw.aspect_ratio {
        let v = a.get_ref().trim();
        let ok = v
            .split_once(':')
            .is_some_and(|(w, h)| w.parse::<u32>().is_ok_and(|w| w > 0) && h.parse::<u32>().is_ok_and(|h| h > 0));
        if !ok {
            return Err(err(at(a.span()), "aspect_ratio", format!("must be a ratio such as \"16:9\", not \"{v}\"")));
        }
        place(&mut out, "aspect_ratio".into(), at(a.span()));
        out.aspect_ratio = Some(v.to_string());
    }
    if let Some(s) = &raw.size {
        if raw.aspect_ratio.is_some() {
            return Err(err(
                at(s.span()),
                "size",
                "a request has `aspect_ratio` or `size`, not both: the size already says its shape".into(),
            ));
        }
        place(&mut out, "size".into(), at(s.span()));
        out.size = Some(s.get_ref().trim().to_string());
    }
    if let Some(m) = &raw.mode {
        out.mode = Some(match m.get_ref().trim().to_ascii_lowercase().as_str() {
            "auto" => SyncMode::Auto,
            "sync" => SyncMode::Sync,
            "async" => SyncMode::Async,
            other => {
                return Err(err(
                    at(m.span()),
                    "mode",
                    format!("must be \"sync\", \"async\" or \"auto\", not \"{other}\""),
                ))
            }
        });
        place(&mut out, "mode".into(), at(m.span()));
    }
    if let Some(r) = &raw.response_format {
        out.response_format = Some(match r.get_ref().trim() {
            "b64_json" => ResponseFormatChoice::B64Json,
            "url" => ResponseFormatChoice::Url,
            other => {
                return Err(err(
                    at(r.span()),
                    "response_format",
                    format!("must be \"b64_json\" or \"url\", not \"{other}\""),
                ))
            }
        });
        place(&mut out, "response_format".into(), at(r.span()));
    }
    if let Some(ts) = &raw.targets {
        if ts.get_ref().len() > MAX_LIST {
            return Err(err(at(ts.span()), "targets", format!("more than {MAX_LIST} targets")));
        }
        let mut targets = Vec::new();
        for (i, v) in ts.get_ref().iter().enumerate() {
            let field = format!("targets[{i}]");
            let line = at(v.span());
            let t = target_of(v.get_ref()).map_err(|r| err(line, &field, r))?;
            if targets.contains(&t) {
                return Err(err(line, &field, format!("the target `{}` is listed twice", t.model)));
            }
            place(&mut out, field, line);
            targets.push(t);
        }
        place(&mut out, "targets".into(), at(ts.span()));
        out.targets = Some(targets);
    }
    if let Some(ims) = &raw.images {
        if ims.get_ref().len() > MAX_LIST {
            return Err(err(at(ims.span()), "images", format!("more than {MAX_LIST} images")));
        }
        let mut images = Vec::new();
        for (i, im) in ims.get_ref().iter().enumerate() {
            let field = format!("images[{i}]");
            let p = im.get_ref().trim();
            if p.is_empty() || Path::new(p).is_absolute() || p.contains('\\') {
                return Err(err(
                    at(im.span()),
                    &field,
                    format!("“{p}” must be a path relative to this file, with `/` between folders"),
                ));
            }
            place(&mut out, field, at(im.span()));
            images.push(p.to_string());
        }
        place(&mut out, "images".into(), at(ims.span()));
        out.images = Some(images);
    }
    if let Some(f) = &raw.fields {
        let mut fields = serde_json::Map::new();
        for (k, v) in f.get_ref() {
            let value = match v {
                toml::Value::String(s) => serde_json::Value::String(s.clone()),
                toml::Value::Integer(i) => serde_json::Value::from(*i),
                toml::Value::Float(x) => serde_json::Value::from(*x),
                toml::Value::Boolean(b) => serde_json::Value::Bool(*b),
                other => {
                    return Err(err(
                        at(f.span()),
                        &format!("fields.{k}"),
                        format!("a field is a string, a number or true/false, not {}", other.type_str()),
                    ))
                }
            };
            fields.insert(k.clone(), value);
        }
        place(&mut out, "fields".into(), at(f.span()));
        out.fields = Some(fields);
    }
    for (table, raw_axes) in [("sweep", &raw.sweep), ("vars", &raw.vars)] {
        let Some(axes) = raw_axes else { continue };
        // A TOML table's keys come sorted; the file's order is the order they were written.
        let mut axes: Vec<_> = axes.iter().collect();
        axes.sort_by_key(|(k, _)| k.span().start);
        if axes.len() > MAX_LIST {
            return Err(err(0, table, format!("more than {MAX_LIST} entries")));
        }
        for (k, values) in axes {
            let name = k.get_ref().trim().to_string();
            let field = format!("{table}.{name}");
            let line = at(k.span());
            let vals: Vec<String> = match values.get_ref() {
                Values::One(v) => vec![v.trim().to_string()],
                Values::Many(vs) => vs.iter().map(|v| v.trim().to_string()).collect(),
            };
            if vals.is_empty() || vals.iter().any(String::is_empty) {
                return Err(err(line, &field, "give it at least one value, and no empty one".into()));
            }
            if vals.len() > MAX_LIST {
                return Err(err(line, &field, format!("more than {MAX_LIST} values")));
            }
            place(&mut out, field, line);
            if table == "sweep" {
                out.sweep.push(SweepAxis { axis: name, values: vals });
            } else {
                out.vars.push(SweepVariable { name, values: vals });
            }
        }
    }
    if let Some(e) = &raw.expect {
        place(&mut out, "expect".into(), at(e.span()));
        let mut table = toml::Table::new();
        for (k, v) in e.get_ref() {
            // Each expectation's own line, for an error about it (`expect.max_credits`).
            place(&mut out, format!("expect.{}", k.get_ref()), at(k.span()));
            table.insert(k.get_ref().clone(), v.get_ref().clone());
        }
        out.expect = Some(table);
    }
    Ok(out)
}

/// A target from its written form (the matrix file's grammar, with a `size` in a table).
fn target_of(v: &toml::Value) -> Result<FileTarget, String> {
    match v {
        toml::Value::String(s) => {
            let s = s.trim();
            let (model, n) = match s.rsplit_once(':') {
                // A ratio-like id never has a number after its last colon; "ID:N" does.
                Some((m, n)) if n.trim().chars().all(|c| c.is_ascii_digit()) && !n.trim().is_empty() => {
                    let n: u32 = n.trim().parse().map_err(|_| format!("`{s}`: the number of images is too large"))?;
                    (m.trim(), Some(n))
                }
                Some((m, _)) => return Err(format!("`{s}`: the part after `:` must be a number of images, e.g. `{m}:2`")),
                None => (s, None),
            };
            if model.is_empty() {
                return Err("a target needs a model id".into());
            }
            if let Some(n) = n.filter(|n| !(1..=10).contains(n)) {
                return Err(format!("`{s}`: n must be a number from 1 to 10, not {n}"));
            }
            Ok(FileTarget { model: model.to_string(), n, size: None })
        }
        toml::Value::Table(t) => {
            if let Some(k) = t.keys().find(|k| !["model", "n", "size"].contains(&k.as_str())) {
                return Err(format!("unknown key `{k}` in a target table (use `model`, `n` and `size`)"));
            }
            let model = t
                .get("model")
                .and_then(|m| m.as_str())
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .ok_or("a target table needs `model = \"...\"`")?;
            let n = match t.get("n") {
                None => None,
                Some(toml::Value::Integer(n)) if (1..=10).contains(n) => Some(*n as u32),
                Some(other) => return Err(format!("n must be a number from 1 to 10, not {other}")),
            };
            let size = match t.get("size") {
                None => None,
                Some(toml::Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
                Some(other) => return Err(format!("size must be a tier (\"2K\") or \"WIDTHxHEIGHT\", not {other}")),
            };
            Ok(FileTarget { model: model.to_string(), n, size })
        }
        other => Err(format!(
            "a target is a string like \"MODEL\" or \"MODEL:N\", or {{ model = \"...\", n = N, size = \"2K\" }}; found {}",
            other.type_str()
        )),
    }
}

impl RequestFile {
    /// This file's values over `defaults` (a folder's or the workspace's): each value this
    /// file does not set comes from them, with the place it was written.
    pub fn over(mut self, defaults: &RequestFile) -> RequestFile {
        macro_rules! fill {
            ($($f:ident),*) => {$(
                if self.$f.is_none() && defaults.$f.is_some() {
                    self.$f = defaults.$f.clone();
                    self.inherit(defaults, stringify!($f));
                }
            )*};
        }
        // A file's name and notes are its own; a shape (ratio or size) is taken whole.
        let own_shape = self.aspect_ratio.is_some() || self.size.is_some();
        fill!(prompt, targets, n, mode, response_format, images, data, fields, expect);
        if !own_shape {
            fill!(aspect_ratio, size);
        }
        if self.sweep.is_empty() && !defaults.sweep.is_empty() {
            self.sweep = defaults.sweep.clone();
            self.inherit(defaults, "sweep");
        }
        // Variables merge one by one: a folder's brand, this file's style.
        for v in &defaults.vars {
            if !self.vars.iter().any(|x| x.name == v.name) {
                self.vars.push(v.clone());
                self.inherit(defaults, &format!("vars.{}", v.name));
            }
        }
        self
    }

    fn inherit(&mut self, from: &RequestFile, key: &str) {
        for (k, v) in &from.places {
            if k == key || k.starts_with(&format!("{key}[")) || k.starts_with(&format!("{key}.")) {
                self.places.insert(k.clone(), v.clone());
            }
        }
    }

    /// Where a value was written, for an error about it (the file's own path when unknown).
    pub fn place_of(&self, key: &str, fallback: &Path) -> (PathBuf, usize) {
        self.places.get(key).cloned().unwrap_or_else(|| (fallback.to_path_buf(), 0))
    }

    /// The app's request this file describes, with the environment's values in. Reference
    /// images are returned as paths (checked to be regular files inside `root`, the
    /// workspace) for the caller to store; `request.images` is left empty.
    pub fn resolve(
        &self,
        path: &Path,
        root: &Path,
        env: Option<&Environment>,
        catalog: &Catalog,
    ) -> Result<Resolved, FileError> {
        let mut resolved = self.draft(path, root, catalog)?;
        if let Some(e) = env {
            resolved.from_env = fill_from_environment(&mut resolved.request, e)?;
            resolved.environment = Some(e.name.clone());
        }
        let names = pixbench_core::sweep::template_variables(&resolved.request.prompt)
            .map_err(|r| self.error_at("prompt", path, r))?;
        if let Some(name) = names.iter().find(|n| !resolved.request.vars.iter().any(|v| &&v.name == n)) {
            let where_env = match env {
                Some(e) => format!("in the environment “{}”", e.name),
                None => "in an environment".to_string(),
            };
            return Err(self.error_at(
                "prompt",
                path,
                format!("{{{{{name}}}}} has no value: set it {where_env}, or list its values under [vars]"),
            ));
        }
        Ok(resolved)
    }

    fn error_at(&self, key: &str, path: &Path, reason: String) -> FileError {
        let (p, line) = self.place_of(key, path);
        FileError::new(p, line, key, reason)
    }

    /// The request as the file writes it, for the composer: as [`RequestFile::resolve`] but
    /// with no environment, and a `{{variable}}` the file's `[vars]` does not list left
    /// unfilled (an environment fills it when it runs).
    pub fn draft(&self, path: &Path, root: &Path, catalog: &Catalog) -> Result<Resolved, FileError> {
        let err = |key: &str, reason: String| self.error_at(key, path, reason);
        let prompt = self
            .prompt
            .clone()
            .ok_or_else(|| FileError::new(path, 0, "prompt", "no prompt: write `prompt = \"...\"`".to_string()))?;
        let file_targets = self.targets.as_ref().filter(|t| !t.is_empty()).ok_or_else(|| {
            FileError::new(
                path,
                0,
                "targets",
                "no target: write e.g. `targets = [\"gemini-3.1-flash-image-preview\"]`".to_string(),
            )
        })?;
        if self.data.is_some() {
            return Err(err(
                "data",
                "data rows run from the command line (`pixbench test` or `pixbench run`), not in the app yet: run it there, or list the values under [vars]"
                    .into(),
            ));
        }
        let mut targets: Vec<TargetSpec> = Vec::new();
        for (i, t) in file_targets.iter().enumerate() {
            let size = t.size.as_deref().or(self.size.as_deref());
            let n = t.n.or(self.n).unwrap_or(1);
            let spec = catalog.target(&t.model, size, n).map_err(|r| err(&format!("targets[{i}]"), r))?;
            if targets.iter().any(|x| x.model_id == spec.model_id && x.size == spec.size) {
                return Err(err(
                    &format!("targets[{i}]"),
                    format!("`{}` asks for the same target as another line", t.model),
                ));
            }
            targets.push(spec);
        }

        // The file's own values of the prompt's variables, in the prompt's order.
        let names = pixbench_core::sweep::template_variables(&prompt).map_err(|r| err("prompt", r))?;
        let vars: Vec<SweepVariable> =
            names.iter().filter_map(|name| self.vars.iter().find(|v| &v.name == name).cloned()).collect();

        let mut image_paths = Vec::new();
        let dir = path.parent().unwrap_or(root);
        for (i, im) in self.images.iter().flatten().enumerate() {
            let key = format!("images[{i}]");
            // A defaults file's images are relative to that file.
            let base = self.places.get(&key).and_then(|(p, _)| p.parent()).unwrap_or(dir);
            image_paths.push(inside(root, &base.join(im)).map_err(|r| err(&key, r))?);
        }

        let mut request = Request::new(prompt, targets);
        request.aspect_ratio = self.aspect_ratio.clone();
        request.mode = self.mode.unwrap_or_default();
        request.response_format = self.response_format.unwrap_or_default();
        request.fields = self.fields.clone().filter(|f| !f.is_empty());
        request.sweep = self.sweep.clone();
        request.vars = vars;
        Ok(Resolved { request, image_paths, environment: None, from_env: vec![] })
    }
}

/// Fills the prompt's `{{variables}}` that the environment has, over the request's own
/// values (an environment's value comes first), and records them in
/// `request.environment`; answers the values it filled. A secret is refused: a prompt is
/// kept in history and reports, and sent to a server that may log it.
pub fn fill_from_environment(request: &mut Request, env: &Environment) -> Result<Vec<(String, String)>, FileError> {
    let names = pixbench_core::sweep::template_variables(&request.prompt)
        .map_err(|r| FileError::new(&env.path, 0, "prompt", r))?;
    let mut filled = Vec::new();
    for name in &names {
        if env.is_secret(name) {
            return Err(FileError::new(
                &env.path,
                env.line_of(name),
                format!("secrets.{name}"),
                format!(
                    "{{{{{name}}}}} is a secret, and a prompt is kept in history and reports: put a value that may be written under [vars] instead"
                ),
            ));
        }
        let Some(value) = env.value(name) else { continue };
        let value = value.map_err(|r| FileError::new(&env.path, env.line_of(name), format!("vars.{name}"), r))?;
        let var = SweepVariable { name: name.clone(), values: vec![value.clone()] };
        match request.vars.iter_mut().find(|v| &v.name == name) {
            Some(v) => *v = var,
            None => request.vars.push(var),
        }
        filled.push((name.clone(), value));
    }
    request.environment = Some(RunEnvironment {
        name: env.name.clone(),
        values: filled
            .iter()
            .map(|(name, value)| EnvironmentValue { name: name.clone(), value: value.clone() })
            .collect(),
    });
    Ok(filled)
}

/// A request file made ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// The request, its `images` still empty (see `image_paths`).
    pub request: Request,
    /// The reference images, in order, each a regular file inside the workspace.
    pub image_paths: Vec<PathBuf>,
    /// The environment used, if any.
    pub environment: Option<String>,
    /// The variables the environment filled, and their values (what the run records).
    pub from_env: Vec<(String, String)>,
}

/// `path` if it is a regular file inside `root` once links are followed: a request file
/// from someone else cannot send any image on the disk (`../../.ssh/id_rsa.png`).
pub fn inside(root: &Path, path: &Path) -> Result<PathBuf, String> {
    let real = std::fs::canonicalize(path).map_err(|_| format!("{} is missing or unreadable", path.display()))?;
    let base = std::fs::canonicalize(root).map_err(|_| format!("the workspace {} is unreadable", root.display()))?;
    if !real.starts_with(&base) {
        return Err(format!(
            "{} is outside the workspace: a request may name only files inside its workspace folder",
            path.display()
        ));
    }
    if !real.is_file() {
        return Err(format!("{} is not a file", path.display()));
    }
    Ok(real)
}

/// Reads a file of the workspace, bounded ([`crate::MAX_FILE_BYTES`]) and UTF-8.
pub fn read_text(path: &Path) -> Result<String, FileError> {
    let bytes = pixbench_core::files::read_bounded_as(path, crate::MAX_FILE_BYTES, "request file")
        .map_err(|r| FileError::new(path, 0, "", r))?;
    String::from_utf8(bytes).map_err(|_| FileError::new(path, 0, "", "it is not UTF-8 text"))
}

/// Reads and parses a request file.
pub fn load(path: &Path) -> Result<RequestFile, FileError> {
    parse(&read_text(path)?, path)
}

impl RequestFile {
    /// The file's words for an app request (what Save writes): `images` are the reference
    /// paths relative to the file, which the caller has copied into the workspace. Values
    /// that are the defaults (n = 1, auto, b64_json) are left out, so a file says only what
    /// was chosen. Keeps `self`'s name, notes, data and expectations.
    pub fn with_request(mut self, request: &Request, images: Vec<String>) -> RequestFile {
        self.prompt = Some(request.prompt.clone());
        self.targets = Some(
            request
                .targets
                .iter()
                .map(|t| FileTarget { model: t.model_id.clone(), n: (t.n != 1).then_some(t.n), size: t.size.clone() })
                .collect(),
        );
        self.n = None;
        self.aspect_ratio = request.aspect_ratio.clone();
        self.size = None;
        self.mode = (request.mode != SyncMode::Auto).then_some(request.mode);
        self.response_format =
            (request.response_format != ResponseFormatChoice::B64Json).then_some(request.response_format);
        self.images = (!images.is_empty()).then_some(images);
        self.fields = request.fields.clone().filter(|f| !f.is_empty());
        // An axis or a variable with no value yet (the composer lists every `{{name}}` of
        // the prompt) is not written: an environment or the folder's defaults fill it.
        self.sweep = request.sweep.iter().filter(|a| !a.values.is_empty()).cloned().collect();
        self.vars = request.vars.iter().filter(|v| !v.values.is_empty()).cloned().collect();
        self
    }
}

impl RequestFile {
    /// Leaves out the values `original` (the file as it was) did not write and `defaults`
    /// (its folders' and the workspace's) already give: saving a request opened with a
    /// folder's targets does not copy them into the file, so a change to the folder's
    /// defaults still reaches it.
    pub fn without_defaults(mut self, original: &RequestFile, defaults: &RequestFile) -> RequestFile {
        macro_rules! drop_inherited {
            ($($f:ident),*) => {$(
                if original.$f.is_none() && self.$f.is_some() && self.$f == defaults.$f {
                    self.$f = None;
                }
            )*};
        }
        drop_inherited!(prompt, targets, aspect_ratio, mode, response_format, images, fields);
        if original.sweep.is_empty() && self.sweep == defaults.sweep {
            self.sweep.clear();
        }
        // A variable the file did not list, with the defaults' values, stays the defaults'.
        self.vars.retain(|v| original.vars.iter().any(|o| o.name == v.name) || !defaults.vars.contains(v));
        self
    }
}
