//! The catalog: which targets exist, what they cost, how a variant is asked for, and the
//! limits a request must respect. Prices are data: the built-in `catalog.toml` can be
//! overridden by a file of the same format in the data dir.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::api::{CatalogEntry, CatalogView, RequestStyle};

const BUILT_IN: &str = include_str!("../catalog.toml");
pub const OVERRIDE_FILE: &str = "catalog.toml";

const DEFAULT_FORMATS: &[&str] = &["png", "jpeg", "webp", "heic", "heif"];
const DEFAULT_MAX_REF_BYTES: u64 = 7 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Catalog {
    pub source: CatalogSource,
    pub credit_usd: f64,
    pub entries: Vec<CatalogEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CatalogSource {
    BuiltIn,
    File(PathBuf),
}

/// A catalog file that could not be used, with where and why.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{}: line {line}: {reason}", path.display())]
pub struct CatalogError {
    pub path: PathBuf,
    pub line: usize,
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    credit_usd: Option<f64>,
    target: Vec<TargetRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetRow {
    id: String,
    family: String,
    label: String,
    alias: Option<String>,
    variant: String,
    long_edge: u32,
    credits: i64,
    official_usd: Option<f64>,
    request_style: RequestStyle,
    max_references: Option<u32>,
    max_reference_bytes: Option<u64>,
    reference_formats: Option<Vec<String>>,
    aspect_ratios: Option<Vec<String>>,
    supports_edit: Option<bool>,
    default_async: Option<bool>,
    max_n: Option<u32>,
}

impl Catalog {
    pub fn built_in() -> Catalog {
        // The built-in file is part of the binary and covered by tests.
        parse(BUILT_IN, Path::new("built-in catalog.toml"), CatalogSource::BuiltIn)
            .expect("the built-in catalog parses")
    }

    /// The catalog in force for a data dir: its override file when present and valid.
    /// A broken override is refused with the line and the reason (and the caller decides
    /// whether to fall back to the built-in one and say so).
    pub fn load(data_dir: &Path) -> Result<Catalog, CatalogError> {
        let path = data_dir.join(OVERRIDE_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => parse(&text, &path, CatalogSource::File(path.clone())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Catalog::built_in()),
            Err(e) => Err(CatalogError { path, line: 0, reason: format!("cannot read it: {e}") }),
        }
    }

    pub fn get(&self, id: &str) -> Option<&CatalogEntry> {
        self.entries.iter().find(|e| e.id == id)
    }

    pub fn view(&self) -> CatalogView {
        CatalogView {
            source: match &self.source {
                CatalogSource::BuiltIn => "built-in".into(),
                CatalogSource::File(p) => p.display().to_string(),
            },
            entries: self.entries.clone(),
        }
    }

    pub fn credits_to_usd(&self, credits: i64) -> f64 {
        (credits as f64 * self.credit_usd * 100.0).round() / 100.0
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Finds the line where `[[target]]` number `index` (0-based) starts.
fn line_of_target(text: &str, index: usize) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[target]]")
        .nth(index)
        .map(|(i, _)| i + 1)
        .unwrap_or(0)
}

pub fn parse(text: &str, path: &Path, source: CatalogSource) -> Result<Catalog, CatalogError> {
    let err = |line: usize, reason: String| CatalogError { path: path.to_path_buf(), line, reason };
    let file: FileFormat = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
        err(line, e.message().to_string())
    })?;
    let credit_usd = file.credit_usd.unwrap_or(0.01);
    if !(credit_usd > 0.0) {
        return Err(err(1, "credit_usd must be a positive number of dollars".into()));
    }
    let mut entries: Vec<CatalogEntry> = Vec::with_capacity(file.target.len());
    for (i, row) in file.target.into_iter().enumerate() {
        let line = line_of_target(text, i);
        if row.id.trim().is_empty() {
            return Err(err(line, "target id is empty".into()));
        }
        if entries.iter().any(|e| e.id == row.id) {
            return Err(err(line, format!("target id `{}` appears twice", row.id)));
        }
        if row.credits < 0 {
            return Err(err(line, format!("credits of `{}` must not be negative", row.id)));
        }
        if !matches!(row.variant.as_str(), "512" | "1K" | "2K" | "4K") {
            return Err(err(line, format!("variant of `{}` must be one of 512, 1K, 2K, 4K", row.id)));
        }
        if row.long_edge == 0 || row.long_edge > 8192 {
            return Err(err(line, format!("long_edge of `{}` must be between 1 and 8192", row.id)));
        }
        entries.push(CatalogEntry {
            id: row.id,
            family: row.family,
            label: row.label,
            alias: row.alias,
            variant: row.variant,
            long_edge: row.long_edge,
            credits: row.credits,
            official_usd: row.official_usd,
            request_style: row.request_style,
            max_references: row.max_references.unwrap_or(14),
            max_reference_bytes: row.max_reference_bytes.unwrap_or(DEFAULT_MAX_REF_BYTES),
            reference_formats: row
                .reference_formats
                .unwrap_or_else(|| DEFAULT_FORMATS.iter().map(|s| s.to_string()).collect()),
            aspect_ratios: row.aspect_ratios.unwrap_or_else(|| vec!["1:1".into()]),
            supports_edit: row.supports_edit.unwrap_or(true),
            default_async: row.default_async.unwrap_or(false),
            max_n: row.max_n.unwrap_or(10),
        });
    }
    if entries.is_empty() {
        return Err(err(1, "the catalog has no [[target]]".into()));
    }
    Ok(Catalog { source, credit_usd, entries })
}

/// The `model` and `size` fields that ask for this target, honouring its request style.
pub fn wire_model_and_size(entry: &CatalogEntry) -> (String, Option<String>) {
    match entry.request_style {
        RequestStyle::Suffix => (entry.id.clone(), None),
        RequestStyle::Size => (entry.family.clone(), Some(entry.variant.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_has_the_contract_prices() {
        let c = Catalog::built_in();
        let price = |id: &str| c.get(id).unwrap().credits;
        assert_eq!(price("gemini-3.1-flash-image-preview-512"), 4);
        assert_eq!(price("gemini-3.1-flash-image-preview"), 4);
        assert_eq!(price("gemini-3.1-flash-image-preview-2k"), 6);
        assert_eq!(price("gemini-3.1-flash-image-preview-4k"), 8);
        assert_eq!(price("gemini-3-pro-image-preview-4k"), 16);
        assert_eq!(price("gemini-2.5-flash-image"), 2);
        assert_eq!(c.get("gemini-2.5-flash-image").unwrap().max_references, 3);
        assert_eq!(c.get("gemini-3.1-flash-image-preview-4k").unwrap().long_edge, 4096);
        assert!(c.get("gemini-3.1-flash-image-preview-4k").unwrap().default_async);
        assert!(!c.get("gemini-3.1-flash-image-preview").unwrap().default_async);
        assert_eq!(c.source, CatalogSource::BuiltIn);
    }

    #[test]
    fn both_request_styles() {
        let mut e = Catalog::built_in().get("gemini-3.1-flash-image-preview-2k").unwrap().clone();
        assert_eq!(wire_model_and_size(&e), ("gemini-3.1-flash-image-preview-2k".into(), None));
        e.request_style = RequestStyle::Size;
        assert_eq!(
            wire_model_and_size(&e),
            ("gemini-3.1-flash-image-preview".into(), Some("2K".into()))
        );
    }

    #[test]
    fn override_file_wins_and_broken_file_names_line() {
        let dir = tempfile::tempdir().unwrap();
        let good = BUILT_IN.replace("credits = 6\n", "credits = 7\n");
        std::fs::write(dir.path().join(OVERRIDE_FILE), &good).unwrap();
        let c = Catalog::load(dir.path()).unwrap();
        assert_eq!(c.get("gemini-3.1-flash-image-preview-2k").unwrap().credits, 7);
        assert!(matches!(c.source, CatalogSource::File(_)));

        let bad = BUILT_IN.replacen("credits = 4\n", "credits = \"four\"\n", 1);
        std::fs::write(dir.path().join(OVERRIDE_FILE), &bad).unwrap();
        let e = Catalog::load(dir.path()).unwrap_err();
        let expected_line = bad.lines().position(|l| l.contains("\"four\"")).unwrap() + 1;
        assert_eq!(e.line, expected_line, "{e}");

        let dup = format!("{BUILT_IN}\n[[target]]\nid = \"gemini-2.5-flash-image\"\nfamily = \"x\"\nlabel = \"x\"\nvariant = \"1K\"\nlong_edge = 1024\ncredits = 1\nrequest_style = \"suffix\"\n");
        std::fs::write(dir.path().join(OVERRIDE_FILE), &dup).unwrap();
        let e = Catalog::load(dir.path()).unwrap_err();
        assert!(e.reason.contains("twice"), "{e}");
        assert_eq!(e.line, dup.lines().collect::<Vec<_>>().iter().rposition(|l| *l == "[[target]]").unwrap() + 1);
    }

    #[test]
    fn dollars() {
        let c = Catalog::built_in();
        assert_eq!(c.credits_to_usd(22), 0.22);
    }
}
