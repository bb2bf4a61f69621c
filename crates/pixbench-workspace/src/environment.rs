//! Environments: named sets of variables and of where requests go, kept as
//! `environments/NAME.toml` in the workspace. A secret is never written in one: a secret
//! variable names where its value is kept (a keychain entry, or an environment variable
//! for headless runs), and is looked up when a request is resolved.
//!
//! ```toml
//! profile = "Sandbox"            # a profile's name; or base_url = "https://..."
//!
//! [vars]
//! brand = "Acme"
//! style = "flat illustration"
//!
//! [secrets]
//! watermark = { env = "ACME_WATERMARK", keychain = "acme-watermark" }
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pixbench_core::toml_place::{line_of, locate};
use serde::Deserialize;
use toml::Spanned;

use crate::error::FileError;
use crate::MAX_FILE_BYTES;

/// Where a secret variable's value is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    /// An entry of the OS keychain (the app's service), looked up by the app.
    pub keychain: Option<String>,
    /// A process environment variable, looked up headless (the CLI, CI).
    pub env: Option<String>,
}

/// Looks a secret up: the app reads the keychain, the CLI the process environment.
pub type SecretLookup<'a> = &'a dyn Fn(&SecretRef) -> Option<String>;

/// One environment, read from its file.
#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub path: PathBuf,
    /// A profile's name: requests go where it points, with its key.
    pub profile: Option<String>,
    /// Or a server's base URL (the key then comes from `PIXAPI_KEY`, as for `--base-url`).
    pub base_url: Option<String>,
    pub vars: BTreeMap<String, String>,
    pub secrets: BTreeMap<String, SecretRef>,
    lines: BTreeMap<String, usize>,
    /// Secret values looked up when the environment was opened (never written anywhere).
    secret_values: BTreeMap<String, Option<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    profile: Option<Spanned<String>>,
    base_url: Option<Spanned<String>>,
    vars: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    secrets: Option<BTreeMap<Spanned<String>, Spanned<RawSecret>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecret {
    keychain: Option<String>,
    env: Option<String>,
}

/// The names an environment may have: they are file names on every system.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && !name.starts_with('.')
}

impl Environment {
    /// An environment with nothing in it, named after `path` (a data row's own values go in).
    pub fn empty(path: &Path) -> Environment {
        Environment {
            name: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            path: path.to_path_buf(),
            profile: None,
            base_url: None,
            vars: BTreeMap::new(),
            secrets: BTreeMap::new(),
            lines: BTreeMap::new(),
            secret_values: BTreeMap::new(),
        }
    }

    /// Reads `environments/NAME.toml` under `root`, looking its secrets up with `secrets`.
    pub fn open(root: &Path, name: &str, secrets: SecretLookup) -> Result<Environment, FileError> {
        let dir = root.join("environments");
        if !valid_name(name) {
            return Err(FileError::new(
                &dir,
                0,
                "",
                format!("“{name}” is not an environment name: use letters, digits, - and _"),
            ));
        }
        let path = dir.join(format!("{name}.toml"));
        if !path.is_file() {
            let known = list(root);
            return Err(FileError::new(
                &path,
                0,
                "",
                if known.is_empty() {
                    format!("there is no environment “{name}”: the workspace has none (environments/NAME.toml)")
                } else {
                    format!("there is no environment “{name}”; the workspace has {}", known.join(", "))
                },
            ));
        }
        crate::files::refuse_link(&path)?;
        let bytes = pixbench_core::files::read_bounded_as(&path, MAX_FILE_BYTES, "environment file")
            .map_err(|r| FileError::new(&path, 0, "", r))?;
        let text = String::from_utf8(bytes).map_err(|_| FileError::new(&path, 0, "", "it is not UTF-8 text"))?;
        Environment::parse(name, &path, &text, secrets)
    }

    pub fn parse(name: &str, path: &Path, text: &str, secrets: SecretLookup) -> Result<Environment, FileError> {
        let err = |line: usize, field: &str, reason: String| FileError::new(path, line, field, reason);
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let (line, field, msg) = locate(text, &e);
            let msg = if msg.contains("unknown field") {
                format!("{msg}. An environment's keys are: profile, base_url, [vars], [secrets]")
            } else {
                msg
            };
            err(line, &field, msg)
        })?;
        let at = |o: usize| line_of(text, o);
        if let (Some(_), Some(b)) = (&raw.profile, &raw.base_url) {
            return Err(err(
                at(b.span().start),
                "base_url",
                "an environment names a profile or a base_url, not both".into(),
            ));
        }
        if let Some(b) = &raw.base_url {
            let u = b.get_ref().trim();
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(err(at(b.span().start), "base_url", format!("“{u}” is not an http(s) URL")));
            }
        }
        let mut lines = BTreeMap::new();
        let mut vars = BTreeMap::new();
        for (k, v) in raw.vars.iter().flatten() {
            lines.insert(k.get_ref().clone(), at(k.span().start));
            vars.insert(k.get_ref().trim().to_string(), v.get_ref().clone());
        }
        let mut secret_refs = BTreeMap::new();
        let mut secret_values = BTreeMap::new();
        for (k, v) in raw.secrets.iter().flatten() {
            let name = k.get_ref().trim().to_string();
            let line = at(k.span().start);
            if vars.contains_key(&name) {
                return Err(err(line, &format!("secrets.{name}"), format!("`{name}` is both a variable and a secret")));
            }
            let r = SecretRef { keychain: v.get_ref().keychain.clone(), env: v.get_ref().env.clone() };
            if r.keychain.is_none() && r.env.is_none() {
                return Err(err(
                    line,
                    &format!("secrets.{name}"),
                    "a secret names where it is kept: { keychain = \"entry\" } or { env = \"VARIABLE\" }".into(),
                ));
            }
            lines.insert(name.clone(), line);
            secret_values.insert(name.clone(), secrets(&r));
            secret_refs.insert(name, r);
        }
        Ok(Environment {
            name: name.to_string(),
            path: path.to_path_buf(),
            profile: raw.profile.map(|p| p.into_inner().trim().to_string()),
            base_url: raw.base_url.map(|b| b.into_inner().trim().trim_end_matches('/').to_string()),
            vars,
            secrets: secret_refs,
            lines,
            secret_values,
        })
    }

    /// A variable's value if this environment has the variable: `Err` for a secret whose
    /// value could not be found (saying where it was looked for).
    pub fn value(&self, name: &str) -> Option<Result<String, String>> {
        if let Some(v) = self.vars.get(name) {
            return Some(Ok(v.clone()));
        }
        let r = self.secrets.get(name)?;
        Some(self.secret_values.get(name).cloned().flatten().ok_or_else(|| {
            let mut places = Vec::new();
            if let Some(k) = &r.keychain {
                places.push(format!("the keychain entry “{k}”"));
            }
            if let Some(e) = &r.env {
                places.push(format!("the environment variable {e}"));
            }
            format!("the secret {{{{{name}}}}} has no value: set {}", places.join(" or "))
        }))
    }

    /// Whether `name` is a secret (its value is never shown or recorded).
    pub fn is_secret(&self, name: &str) -> bool {
        self.secrets.contains_key(name)
    }

    /// The line a variable or secret is on (0 if unknown).
    pub fn line_of(&self, name: &str) -> usize {
        self.lines.get(name).copied().unwrap_or(0)
    }
}

/// The environments of a workspace, by name, sorted.
pub fn list(root: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root.join("environments"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".toml").filter(|n| valid_name(n)).map(str::to_string)
        })
        .take(1000)
        .collect();
    out.sort();
    out
}

/// Looks secrets up in the process environment only (headless runs).
pub fn env_only(r: &SecretRef) -> Option<String> {
    r.env.as_deref().and_then(|v| std::env::var(v).ok()).filter(|v| !v.is_empty())
}
