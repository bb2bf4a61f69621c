//! The catalog: which variants exist, what they cost, how each is asked for on the wire,
//! and the limits a request must respect. Prices are data: the built-in `catalog.toml` can
//! be overridden by a file of the same format in the data dir.
//!
//! A variant is a (model, size) pair: its entry names the documented model id sent as
//! `model` and the `size` sent for each aspect ratio (docs/CONTRACT.md "The wire form").
//! Billing follows the delivered output: [`Catalog::bill`] prices an image by the tier of
//! its decoded size, among the entries of the same model.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::api::{CatalogEntry, CatalogView, FieldSpec, QualityPrice, RequestStyle, SizeOption, TierRule};

const BUILT_IN: &str = include_str!("../catalog.toml");
pub const OVERRIDE_FILE: &str = "catalog.toml";

const DEFAULT_FORMATS: &[&str] = &["png", "jpeg", "webp", "heic", "heif"];
const DEFAULT_MAX_REF_BYTES: u64 = 7 * 1024 * 1024;
const TIERS: [&str; 4] = ["512", "1K", "2K", "4K"];
/// Display order of aspect ratios; others follow, sorted.
const RATIO_ORDER: &[&str] =
    &["1:1", "16:9", "9:16", "3:2", "2:3", "4:3", "3:4", "5:4", "4:5", "21:9", "4:1", "1:4", "8:1", "1:8"];

/// The model-specific fields an entry may list, with the values their documentation gives.
pub fn field_specs() -> Vec<FieldSpec> {
    let f = |name: &str, label: &str, values: &[&str], source: &str| FieldSpec {
        name: name.into(),
        label: label.into(),
        values: values.iter().map(|v| v.to_string()).collect(),
        min: None,
        max: None,
        source: source.into(),
    };
    vec![
        f("quality", "Quality", &["auto", "low", "medium", "high"], "pixapi.ai/docs/models/gpt-image/"),
        f("background", "Background", &["auto", "opaque", "transparent"], "OpenAI image API"),
        f("output_format", "Format", &["png", "jpeg", "webp"], "OpenAI image API"),
        FieldSpec { min: Some(0), max: Some(100), ..f("output_compression", "Compression %", &[], "OpenAI image API") },
        f("moderation", "Moderation", &["auto", "low"], "OpenAI image API"),
    ]
}

/// Request fields the run spec types; `options` cannot set them.
pub const TYPED_FIELDS: &[&str] =
    &["model", "prompt", "n", "size", "response_format", "image", "image[]", "images", "mask", "aspect_ratio"];

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
    /// 1-based: the offending line, or the `[[target]]` header of the offending entry;
    /// 0 only when the file could not be read.
    pub line: usize,
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    credit_usd: Option<toml::Spanned<f64>>,
    /// Spanned: an entry's errors name the line of its `[[target]]` header.
    target: Vec<toml::Spanned<TargetRow>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetRow {
    id: String,
    /// Sent as `model`; older files name it `family`.
    model: Option<String>,
    family: Option<String>,
    label: String,
    alias: Option<String>,
    variant: String,
    long_edge: u32,
    credits: i64,
    official_usd: Option<f64>,
    /// Older files chose suffix or size per entry; it is a profile's choice now (ignored).
    #[allow(dead_code)]
    request_style: Option<RequestStyle>,
    sizes: Option<BTreeMap<String, String>>,
    quality_credits: Option<BTreeMap<String, i64>>,
    price_from: Option<bool>,
    tier_rule: Option<TierRule>,
    fields: Option<Vec<String>>,
    max_references: Option<u32>,
    max_reference_bytes: Option<u64>,
    reference_formats: Option<Vec<String>>,
    /// Older files listed ratios without sizes: their sizes are derived.
    aspect_ratios: Option<Vec<String>>,
    supports_edit: Option<bool>,
    default_async: Option<bool>,
    max_n: Option<u32>,
}

/// What one delivered image is billed as.
#[derive(Debug, Clone, PartialEq)]
pub struct Billed {
    /// The entry whose price applies (the delivered tier's).
    pub entry_id: String,
    pub tier: String,
    pub credits: i64,
    /// Set when the delivered tier is not the one asked.
    pub note: Option<String>,
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

    /// The entry a person means by `name`: an entry id, else a model id or alias (its 1K
    /// entry, or its first).
    pub fn find(&self, name: &str) -> Option<&CatalogEntry> {
        self.get(name).or_else(|| {
            let of_model: Vec<&CatalogEntry> =
                self.entries.iter().filter(|e| e.model == name || e.alias.as_deref() == Some(name)).collect();
            of_model.iter().find(|e| e.variant == "1K").or(of_model.first()).copied()
        })
    }

    /// The entries of the same model as `entry` (itself included).
    pub fn siblings<'a>(&'a self, entry: &'a CatalogEntry) -> impl Iterator<Item = &'a CatalogEntry> + 'a {
        self.entries.iter().filter(move |e| e.model == entry.model)
    }

    /// The entry of `entry`'s model at `tier`, else the nearest tier it has.
    pub fn at_tier<'a>(&'a self, entry: &'a CatalogEntry, tier: &str) -> &'a CatalogEntry {
        let want = tier_index(tier);
        self.siblings(entry).min_by_key(|e| (tier_index(&e.variant) - want).abs()).unwrap_or(entry)
    }

    /// The tier of an image of `width x height` for `entry`'s model.
    pub fn tier_of(&self, entry: &CatalogEntry, width: u32, height: u32) -> String {
        match entry.tier_rule {
            TierRule::PixelCount => tier_of_pixels(width, height).to_string(),
            TierRule::LongEdge => {
                let long = width.max(height);
                let mut rows: Vec<&CatalogEntry> = self.siblings(entry).collect();
                rows.sort_by_key(|e| e.long_edge);
                rows.iter().find(|e| e.long_edge >= long).or(rows.last()).map(|e| e.variant.clone()).unwrap_or_default()
            }
        }
    }

    /// What one image costs at most when `entry` is asked (with an explicit `size`, at that
    /// size's tier), for the estimate.
    pub fn price(&self, entry: &CatalogEntry, size: Option<&str>, quality: Option<&str>) -> i64 {
        let priced = match size.and_then(|s| size_dims(s, entry.long_edge)) {
            Some((w, h)) => self.at_tier(entry, &self.tier_of(entry, w, h)),
            None => entry,
        };
        credits_at_quality(priced, quality)
    }

    /// What one delivered image of `width x height` is billed, for the ledger: the price of
    /// its model's entry at the delivered tier ("Final billing follows the actual model output").
    pub fn bill(&self, asked: &CatalogEntry, width: u32, height: u32, quality: Option<&str>) -> Billed {
        let tier = self.tier_of(asked, width, height);
        let priced = self.at_tier(asked, &tier);
        let credits = credits_at_quality(priced, quality);
        let note = (priced.variant != asked.variant).then(|| {
            format!(
                "Asked {}, delivered {width}×{height} ({}): {credits} credit{}.",
                asked.variant,
                priced.variant,
                if credits == 1 { "" } else { "s" }
            )
        });
        Billed { entry_id: priced.id.clone(), tier: priced.variant.clone(), credits, note }
    }

    pub fn view(&self) -> CatalogView {
        CatalogView {
            source: match &self.source {
                CatalogSource::BuiltIn => "built-in".into(),
                CatalogSource::File(p) => p.display().to_string(),
            },
            entries: self.entries.clone(),
            fields: field_specs(),
        }
    }

    pub fn credits_to_usd(&self, credits: i64) -> f64 {
        (credits as f64 * self.credit_usd * 100.0).round() / 100.0
    }
}

fn tier_index(tier: &str) -> i32 {
    TIERS.iter().position(|t| t.eq_ignore_ascii_case(tier)).map(|i| i as i32).unwrap_or(1)
}

/// A delivered image's tier by its pixel count (ours, docs/CONTRACT.md "Size tiers"):
/// 512 ≈ 0.26 MP, 1K ≈ 1 MP, 2K ≈ 4 MP, 4K ≈ 16 MP, cut at 0.3, 1.2 and 4.8 MP.
pub fn tier_of_pixels(width: u32, height: u32) -> &'static str {
    match width as u64 * height as u64 {
        0..300_000 => "512",
        300_000..1_200_000 => "1K",
        1_200_000..4_800_000 => "2K",
        _ => "4K",
    }
}

fn credits_at_quality(entry: &CatalogEntry, quality: Option<&str>) -> i64 {
    let q = quality.unwrap_or("auto");
    entry.quality_credits.iter().find(|p| p.quality == q).map(|p| p.credits).unwrap_or(entry.credits)
}

/// The pixel size a `size` value asks for: `WxH`, or a tier keyword (a square).
pub fn size_dims(size: &str, long_edge: u32) -> Option<(u32, u32)> {
    let t = size.trim();
    if let Some((w, h)) = t.split_once(['x', 'X']) {
        let (w, h): (u32, u32) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
        return (w > 0 && h > 0 && w <= 16384 && h <= 16384).then_some((w, h));
    }
    let edge = match t.to_ascii_uppercase().as_str() {
        "512" => 512,
        "1K" => 1024,
        "2K" => 2048,
        "4K" => 4096,
        "AUTO" => long_edge.min(1024),
        _ => return None,
    };
    Some((edge, edge))
}

fn ratio_rank(r: &str) -> (usize, String) {
    (RATIO_ORDER.iter().position(|o| *o == r).unwrap_or(RATIO_ORDER.len()), r.to_string())
}

/// Sizes for a file that lists only ratios: the long edge kept, the short edge to a multiple of 8.
fn derived_size(long_edge: u32, ratio: &str) -> Option<String> {
    let (a, b) = ratio.split_once(':')?;
    let (a, b): (u32, u32) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    if a == 0 || b == 0 {
        return None;
    }
    let short = |x: u32, y: u32| ((long_edge as f64 * x as f64 / y as f64 / 8.0).round() as u32 * 8).max(8);
    Some(if a >= b { format!("{long_edge}x{}", short(b, a)) } else { format!("{}x{long_edge}", short(a, b)) })
}

/// The `model` and `size` sent for `entry` at `aspect_ratio` (or an explicit `size`), in the
/// profile's request style. `size` style (Pixapi's pages): the model id and a size, always.
/// `suffix` style: the entry's id as `model`, and a size only for a non-square shape.
pub fn wire_model_and_size(
    entry: &CatalogEntry,
    aspect_ratio: Option<&str>,
    explicit_size: Option<&str>,
    style: RequestStyle,
) -> (String, Option<String>) {
    let ratio = aspect_ratio.unwrap_or("1:1");
    let mapped = || entry.sizes.iter().find(|s| s.aspect_ratio == ratio).map(|s| s.size.clone());
    let size = explicit_size.map(str::to_string);
    match style {
        RequestStyle::Size => (entry.model.clone(), size.or_else(mapped)),
        RequestStyle::Suffix => (entry.id.clone(), size.or_else(|| (ratio != "1:1").then(mapped).flatten())),
    }
}

/// The 1-based line of a byte offset (on a char boundary or not); an error at the end of
/// the file is on its last line, not on the empty one after its final newline.
fn line_of(text: &str, offset: usize) -> usize {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (text[..end].matches('\n').count() + 1).min(text.lines().count().max(1))
}

pub fn parse(text: &str, path: &Path, source: CatalogSource) -> Result<Catalog, CatalogError> {
    let err = |line: usize, reason: String| CatalogError { path: path.to_path_buf(), line, reason };
    let file: FileFormat = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
        err(line, e.message().to_string())
    })?;
    let credit_usd = file.credit_usd.as_ref().map(|c| *c.get_ref()).unwrap_or(0.01);
    // Written so that NaN is refused too.
    if credit_usd.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        let line = file.credit_usd.as_ref().map(|c| line_of(text, c.span().start)).unwrap_or(1);
        return Err(err(line, "credit_usd must be a positive number of dollars".into()));
    }
    let mut entries: Vec<CatalogEntry> = Vec::with_capacity(file.target.len());
    for row in file.target {
        // The header's line (however it is spelled), or the inline table's.
        let line = line_of(text, row.span().start);
        let row = row.into_inner();
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
        let Some(model) = row.model.clone().or(row.family.clone()).filter(|m| !m.trim().is_empty()) else {
            return Err(err(line, format!("`{}` needs a model (the id sent as `model`)", row.id)));
        };
        let (sizes, aspect_ratios) = match (&row.sizes, &row.aspect_ratios) {
            (Some(map), _) => {
                let mut v: Vec<SizeOption> = Vec::with_capacity(map.len());
                for (ratio, size) in map {
                    let Some((width, height)) = size_dims(size, row.long_edge) else {
                        return Err(err(
                            line,
                            format!(
                                "size `{size}` of `{}` for {ratio} is not WIDTHxHEIGHT or 512/1K/2K/4K/auto",
                                row.id
                            ),
                        ));
                    };
                    v.push(SizeOption { aspect_ratio: ratio.clone(), size: size.clone(), width, height });
                }
                v.sort_by_key(|s| ratio_rank(&s.aspect_ratio));
                let ratios = v.iter().map(|s| s.aspect_ratio.clone()).collect();
                (v, ratios)
            }
            (None, ratios) => {
                // An older file: the built-in entry's sizes if it has one, else derived.
                let ratios = ratios.clone().unwrap_or_else(|| vec!["1:1".into()]);
                let built_in = (source != CatalogSource::BuiltIn).then(Catalog::built_in);
                let known = built_in.as_ref().and_then(|c| c.get(&row.id).cloned());
                let mut v = Vec::new();
                for r in &ratios {
                    let size = known
                        .as_ref()
                        .and_then(|k| k.sizes.iter().find(|s| &s.aspect_ratio == r).map(|s| s.size.clone()))
                        .or_else(|| derived_size(row.long_edge, r));
                    let Some(size) = size else {
                        return Err(err(line, format!("aspect ratio `{r}` of `{}` is not W:H", row.id)));
                    };
                    let (width, height) = size_dims(&size, row.long_edge).unwrap_or((row.long_edge, row.long_edge));
                    v.push(SizeOption { aspect_ratio: r.clone(), size, width, height });
                }
                (v, ratios)
            }
        };
        if sizes.is_empty() {
            return Err(err(line, format!("`{}` has no sizes", row.id)));
        }
        let known_fields: Vec<String> = field_specs().into_iter().map(|f| f.name).collect();
        let fields = row.fields.clone().unwrap_or_default();
        if let Some(f) = fields.iter().find(|f| !known_fields.contains(f)) {
            return Err(err(line, format!("field `{f}` of `{}` is not one of {}", row.id, known_fields.join(", "))));
        }
        let mut quality_credits: Vec<QualityPrice> = row
            .quality_credits
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|(quality, credits)| QualityPrice { quality, credits })
            .collect();
        quality_credits
            .sort_by_key(|q| ["low", "medium", "high", "auto"].iter().position(|o| *o == q.quality).unwrap_or(9));
        if quality_credits.iter().any(|q| q.credits < 0) {
            return Err(err(line, format!("quality_credits of `{}` must not be negative", row.id)));
        }
        entries.push(CatalogEntry {
            id: row.id,
            family: row.family.unwrap_or_else(|| model.clone()),
            model,
            label: row.label,
            alias: row.alias,
            variant: row.variant,
            long_edge: row.long_edge,
            credits: row.credits,
            quality_credits,
            price_from: row.price_from.unwrap_or(false),
            tier_rule: row.tier_rule.unwrap_or_default(),
            official_usd: row.official_usd,
            sizes,
            fields,
            max_references: row.max_references.unwrap_or(14),
            max_reference_bytes: row.max_reference_bytes.unwrap_or(DEFAULT_MAX_REF_BYTES),
            reference_formats: row
                .reference_formats
                .unwrap_or_else(|| DEFAULT_FORMATS.iter().map(|s| s.to_string()).collect()),
            aspect_ratios,
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
    fn every_variant_sends_the_documented_model_and_a_size() {
        let c = Catalog::built_in();
        let wire = |id: &str, ar: &str| wire_model_and_size(c.get(id).unwrap(), Some(ar), None, RequestStyle::Size);
        let m = "gemini-3.1-flash-image-preview";
        assert_eq!(wire("gemini-3.1-flash-image-preview-4k", "1:1"), (m.into(), Some("4K".into())));
        assert_eq!(wire("gemini-3.1-flash-image-preview-2k", "1:1"), (m.into(), Some("2K".into())));
        assert_eq!(wire("gemini-3.1-flash-image-preview-512", "1:1"), (m.into(), Some("512x512".into())));
        assert_eq!(wire("gemini-3.1-flash-image-preview", "16:9"), (m.into(), Some("1376x768".into())));
        assert_eq!(wire("gemini-3-pro-image-preview-4k", "16:9").1.as_deref(), Some("3840x2160"));
        assert_eq!(wire("gemini-3-pro-image-preview-2k", "16:9").1.as_deref(), Some("2048x1152"));
        for e in &c.entries {
            assert!(!e.model.ends_with("-2k") && !e.model.ends_with("-4k") && !e.model.ends_with("-512"), "{}", e.id);
            assert!(!e.sizes.is_empty() && e.sizes[0].aspect_ratio == "1:1", "{}", e.id);
            // Every size is billed as the entry itself.
            for sz in &e.sizes {
                assert_eq!(c.at_tier(e, &c.tier_of(e, sz.width, sz.height)).id, e.id, "{} {}", e.id, sz.size);
            }
        }
        // A gateway that wants suffixed ids: the entry's id, a size only for a shape.
        let e = c.get("gemini-3.1-flash-image-preview-2k").unwrap();
        assert_eq!(wire_model_and_size(e, None, None, RequestStyle::Suffix), (e.id.clone(), None));
        assert_eq!(
            wire_model_and_size(e, Some("16:9"), None, RequestStyle::Suffix),
            (e.id.clone(), Some("2752x1536".into()))
        );
        // An explicit size wins over the ratio's.
        assert_eq!(
            wire_model_and_size(e, Some("16:9"), Some("2048x2048"), RequestStyle::Size).1.as_deref(),
            Some("2048x2048")
        );
    }

    #[test]
    fn tiers_by_pixel_count_and_gpt_image_2_by_long_edge() {
        assert_eq!(tier_of_pixels(512, 512), "512");
        assert_eq!(tier_of_pixels(1376, 768), "1K");
        assert_eq!(tier_of_pixels(1536, 1024), "2K");
        assert_eq!(tier_of_pixels(2048, 2048), "2K");
        assert_eq!(tier_of_pixels(3840, 2160), "4K");
        let c = Catalog::built_in();
        let g2 = c.get("gpt-image-2").unwrap();
        assert_eq!(c.tier_of(g2, 1536, 1024), "1K");
        assert_eq!(c.tier_of(g2, 2560, 1440), "4K");
        assert_eq!(c.price(g2, Some("3840x2160"), Some("low")), 4);
        assert_eq!(c.price(g2, Some("2048x1152"), Some("medium")), 17);
        assert_eq!(c.price(g2, None, None), 14, "auto bills as high");
        assert_eq!(c.price(g2, None, Some("high")), 14);
    }

    #[test]
    fn billing_follows_the_delivered_size() {
        let c = Catalog::built_in();
        let k4 = c.get("gemini-3.1-flash-image-preview-4k").unwrap();
        let b = c.bill(k4, 4096, 4096, None);
        assert_eq!((b.credits, b.note.as_deref()), (8, None));
        let b = c.bill(k4, 2048, 2048, None);
        assert_eq!((b.credits, b.entry_id.as_str(), b.tier.as_str()), (6, "gemini-3.1-flash-image-preview-2k", "2K"));
        assert_eq!(b.note.as_deref(), Some("Asked 4K, delivered 2048×2048 (2K): 6 credits."));
        // An alias with an explicit 4K size is priced at 4K, not at the alias's 1K.
        let k1 = c.find("nano-banana-2").unwrap();
        assert_eq!(k1.id, "gemini-3.1-flash-image-preview");
        assert_eq!(c.price(k1, Some("4096x4096"), None), 8);
        // Pro has no 512 tier: a tiny image bills as its nearest, 1K.
        let pro = c.get("gemini-3-pro-image-preview-2k").unwrap();
        assert_eq!(c.bill(pro, 512, 512, None).credits, 8);
        assert_eq!(c.bill(pro, 4096, 4096, None).credits, 16);
        // 2.5 Flash has one price.
        assert_eq!(c.bill(c.get("gemini-2.5-flash-image").unwrap(), 2048, 2048, None).credits, 2);
        let g2 = c.get("gpt-image-2-4k").unwrap();
        assert_eq!(c.bill(g2, 3840, 2160, Some("medium")).credits, 34);
        assert_eq!(c.bill(g2, 1024, 1024, Some("medium")).credits, 4);
    }

    #[test]
    fn an_older_override_file_still_loads() {
        let dir = tempfile::tempdir().unwrap();
        let old = "[[target]]\nid = \"gemini-3.1-flash-image-preview-2k\"\nfamily = \"gemini-3.1-flash-image-preview\"\nlabel = \"x\"\nvariant = \"2K\"\nlong_edge = 2048\ncredits = 7\nrequest_style = \"suffix\"\naspect_ratios = [\"1:1\", \"16:9\"]\n\n[[target]]\nid = \"my-model\"\nfamily = \"my-model\"\nlabel = \"y\"\nvariant = \"1K\"\nlong_edge = 1024\ncredits = 1\nrequest_style = \"size\"\naspect_ratios = [\"1:1\", \"16:9\"]\n";
        std::fs::write(dir.path().join(OVERRIDE_FILE), old).unwrap();
        let c = Catalog::load(dir.path()).unwrap();
        let e = c.get("gemini-3.1-flash-image-preview-2k").unwrap();
        assert_eq!((e.model.as_str(), e.credits), ("gemini-3.1-flash-image-preview", 7));
        assert_eq!(e.sizes.iter().map(|s| s.size.as_str()).collect::<Vec<_>>(), ["2K", "2752x1536"]);
        let m = c.get("my-model").unwrap();
        assert_eq!(m.sizes[1].size, "1024x576");
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
