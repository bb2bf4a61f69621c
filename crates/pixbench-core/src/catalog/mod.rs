//! The catalog: which variants exist, what they cost, how each is asked for on the wire,
//! and the limits a request must respect. Prices are data: the built-in `catalog.toml` can
//! be overridden by a file of the same format in the data dir.
//!
//! A variant is a (model, size) pair: its entry names the documented model id sent as
//! `model` and the `size` sent for each aspect ratio (docs/CONTRACT.md "The wire form").
//! Billing follows the delivered output: [`Catalog::bill`] prices an image by the tier of
//! its decoded size, among the entries of the same model.

use std::path::{Path, PathBuf};

use crate::api::{
    Billing, CatalogEntry, CatalogView, Cost, EditImages, FieldSpec, PixelSize, RequestStyle, TargetSpec, TierRule,
};

const BUILT_IN: &str = include_str!("../../catalog.toml");
/// OpenAI's own Images API (the `openai` gateway preset), priced in dollars.
const BUILT_IN_OPENAI: &str = include_str!("../../catalog-openai.toml");
pub const OVERRIDE_FILE: &str = "catalog.toml";
/// The largest catalog file read (the built-in one is about 20 KiB).
const MAX_FILE_BYTES: u64 = 1024 * 1024;

mod file;
pub use file::{parse, parse_over, DEFAULT_GATEWAY};

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

/// The family of the entries made for models only the server lists.
pub const LISTED_FAMILY: &str = "listed-by-server";
/// The variant name of such an entry (its sizes are unknown: none is sent).
pub const LISTED_VARIANT: &str = "listed";

/// Request fields the run spec types; `options` cannot set them.
pub const TYPED_FIELDS: &[&str] =
    &["model", "prompt", "n", "size", "response_format", "image", "image[]", "images", "mask", "aspect_ratio"];

#[derive(Debug, Clone)]
pub struct Catalog {
    pub source: CatalogSource,
    pub credit_usd: f64,
    pub entries: Vec<CatalogEntry>,
    /// Built-in entries a user's file changed, and entries it added (by id).
    pub changed: Vec<String>,
    pub added: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CatalogSource {
    BuiltIn,
    File(PathBuf),
}

/// A catalog file that could not be used, with where and why.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{}: line {line}{}: {reason}", path.display(), field.as_deref().map(|f| format!(", `{f}`")).unwrap_or_default())]
pub struct CatalogError {
    pub path: PathBuf,
    /// 1-based: the offending key's line, else the `[[target]]` header of the offending
    /// entry; 0 only when the file could not be read.
    pub line: usize,
    /// The key at fault, when one is.
    pub field: Option<String>,
    pub reason: String,
}

/// What one delivered image is billed as: the tier asked, the tier delivered, the price.
pub type Billed = Billing;

impl Catalog {
    pub fn built_in() -> Catalog {
        // The built-in file is part of the binary and covered by tests.
        let mut c = parse(BUILT_IN, Path::new("built-in catalog.toml"), CatalogSource::BuiltIn)
            .expect("the built-in catalog parses");
        let openai = parse(BUILT_IN_OPENAI, Path::new("built-in catalog-openai.toml"), CatalogSource::BuiltIn)
            .expect("the built-in OpenAI catalog parses");
        c.entries.extend(openai.entries);
        c
    }

    /// The entries of one gateway (a preset's `catalog`), and the models its server lists.
    pub fn of_gateway(&self, gateway: &str) -> Catalog {
        let mut c = self.clone();
        c.entries.retain(|e| e.gateway == gateway || e.listed_by_server);
        c
    }

    /// The catalog in force for a data dir: the built-in one with the data dir's file laid
    /// over it (see [`parse_over`]) when there is one. A broken file is refused with its
    /// line, key and reason (and the caller decides whether to fall back to the built-in
    /// catalog and say so).
    pub fn load(data_dir: &Path) -> Result<Catalog, CatalogError> {
        let path = data_dir.join(OVERRIDE_FILE);
        let refused = |reason: String| CatalogError { path: path.clone(), line: 0, field: None, reason };
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Catalog::built_in()),
            Err(e) => return Err(refused(format!("cannot read it: {e}"))),
        };
        // A catalog is a few kilobytes: a larger file is a mistake, not something to load.
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::Read::take(file, MAX_FILE_BYTES + 1), &mut text)
            .map_err(|e| refused(format!("cannot read it as UTF-8 text: {e}")))?;
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(refused(format!("it is larger than {} KiB; a catalog is a few", MAX_FILE_BYTES / 1024)));
        }
        parse_over(&text, &path, &Catalog::built_in())
    }

    pub fn get(&self, id: &str) -> Option<&CatalogEntry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// Whether a model id the server lists is one the catalog knows (an entry's id, model
    /// id or alias).
    pub fn knows(&self, model: &str) -> bool {
        self.entries.iter().any(|e| e.id == model || e.model == model || e.alias.as_deref() == Some(model))
    }

    /// This catalog and, after its entries, one unpriced entry for each model a server of
    /// `gateway` lists that the gateway's entries do not know (in the server's order,
    /// without repeats). A listed id that is another gateway's entry id is left out: ids
    /// name one entry.
    pub fn with_listed(&self, gateway: &str, listed: &[String]) -> Catalog {
        let mut c = self.clone();
        for id in listed {
            let known = c.entries.iter().any(|e| {
                (e.gateway == gateway || e.listed_by_server)
                    && (e.id == *id || e.model == *id || e.alias.as_deref() == Some(id))
            });
            if !known && c.get(id).is_none() {
                c.entries.push(listed_entry(id));
            }
        }
        c
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

    /// The target a person means by a model (an entry id, a model id or an alias), a size
    /// and a count. A tier (512, 1K, 2K, 4K) picks the model's variant at that tier, which
    /// sends its own documented size; a `WIDTHxHEIGHT` (or `auto`) is sent as `size` as is,
    /// and priced by the tier it asks for. The CLI's `--model`/`--size` and a workspace's
    /// request files mean the same by these words.
    pub fn target(&self, model: &str, size: Option<&str>, n: u32) -> Result<TargetSpec, String> {
        let m = model.trim();
        let entry = self.find(m).ok_or_else(|| {
            format!(
                "“{m}” is not in the catalog, nor listed by the server. `pixbench models` lists the targets (with --profile or --base-url, the server's too)."
            )
        })?;
        let target = |e: &CatalogEntry, size: Option<String>| TargetSpec {
            model_id: e.id.clone(),
            n,
            size,
            ..Default::default()
        };
        let Some(size) = size.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(target(entry, None));
        };
        if ["512", "1k", "2k", "4k"].contains(&size.to_ascii_lowercase().as_str()) {
            let v = self.siblings(entry).find(|e| e.variant.eq_ignore_ascii_case(size)).ok_or_else(|| {
                let have: Vec<&str> = self.siblings(entry).map(|e| e.variant.as_str()).collect();
                format!("{} has no {size} variant (it has {}).", entry.model, have.join(", "))
            })?;
            return Ok(target(v, None));
        }
        match size_dims(size, entry.long_edge) {
            Some((w, h)) => Ok(target(self.at_tier(entry, &self.tier_of(entry, w, h)), Some(size.to_string()))),
            None => Err(format!("size {size}: use 512, 1K, 2K, 4K or WIDTHxHEIGHT (e.g. 1536x1024).")),
        }
    }

    /// The entries of the same model as `entry` at the same gateway (itself included): the
    /// same model id at two gateways is two price lists.
    pub fn siblings<'a>(&'a self, entry: &'a CatalogEntry) -> impl Iterator<Item = &'a CatalogEntry> + 'a {
        self.entries.iter().filter(move |e| e.model == entry.model && e.gateway == entry.gateway)
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
    /// An unpriced entry's image is unpriced, not guessed.
    pub fn bill(&self, asked: &CatalogEntry, width: u32, height: u32, quality: Option<&str>) -> Billed {
        if asked.unpriced {
            return Billing {
                asked_tier: asked.variant.clone(),
                billed_tier: asked.variant.clone(),
                billed_entry: asked.id.clone(),
                cost: Cost::unpriced(1),
            };
        }
        if !asked.usd_prices.is_empty() {
            // Priced by the size delivered and the quality asked (OpenAI's table).
            return Billing {
                asked_tier: asked.variant.clone(),
                billed_tier: asked.variant.clone(),
                billed_entry: asked.id.clone(),
                cost: Cost::dollars(usd_at(asked, Some(&format!("{width}x{height}")), quality)),
            };
        }
        let tier = self.tier_of(asked, width, height);
        let priced = self.at_tier(asked, &tier);
        Billing {
            asked_tier: asked.variant.clone(),
            billed_tier: priced.variant.clone(),
            billed_entry: priced.id.clone(),
            cost: self.cost(credits_at_quality(priced, quality)),
        }
    }

    /// What one image costs at most when `entry` is asked, as a [`Cost`]: in dollars for an
    /// entry priced in dollars (by the size sent, or the ratio's, and the quality), else in
    /// credits (see [`Catalog::price`]).
    pub fn price_cost(
        &self,
        entry: &CatalogEntry,
        aspect_ratio: Option<&str>,
        size: Option<&str>,
        quality: Option<&str>,
    ) -> Cost {
        if entry.unpriced {
            return Cost::unpriced(1);
        }
        if entry.usd_prices.is_empty() {
            return self.cost(self.price(entry, size, quality));
        }
        let sent = size.filter(|s| !s.eq_ignore_ascii_case("auto")).map(str::to_string).or_else(|| {
            let ratio = aspect_ratio.unwrap_or("1:1");
            entry.sizes.iter().find(|s| s.aspect_ratio == ratio).or(entry.sizes.first()).map(|s| s.size.clone())
        });
        Cost::dollars(usd_at(entry, sent.as_deref(), quality))
    }

    /// The charge of a whole answer from its `usage` token counts, for an entry with token
    /// rates (OpenAI's): `None` when either is missing or the counts are not numbers.
    pub fn usage_cost(entry: &CatalogEntry, usage: &serde_json::Value) -> Option<Cost> {
        let rates = entry.token_usd.as_ref()?;
        let count = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_u64()).filter(|n| *n <= 1 << 40);
        let output = count(usage.get("output_tokens"))?;
        let details = usage.get("input_tokens_details");
        let (text, image) = match (
            count(details.and_then(|d| d.get("text_tokens"))),
            count(details.and_then(|d| d.get("image_tokens"))),
        ) {
            (Some(t), Some(i)) => (t, i),
            // Without the split, every input token is charged as text (the cheaper rate
            // would understate it): as image input, the dearer.
            _ => (0, count(usage.get("input_tokens")).unwrap_or(0)),
        };
        let usd =
            (text as f64 * rates.text_input + image as f64 * rates.image_input + output as f64 * rates.image_output)
                / 1_000_000.0;
        Some(Cost::dollars(usd))
    }

    /// A price in credits as a [`Cost`] (with its dollar value at this catalog's rate).
    pub fn cost(&self, credits: i64) -> Cost {
        Cost::credits(credits, self.credit_usd)
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

/// The entry of a model only the server lists: sent as is, with no size (its sizes are
/// unknown), edited with file parts, and unpriced.
pub fn listed_entry(id: &str) -> CatalogEntry {
    CatalogEntry {
        id: id.into(),
        model: id.into(),
        family: LISTED_FAMILY.into(),
        label: id.into(),
        alias: None,
        variant: LISTED_VARIANT.into(),
        long_edge: 1024,
        credits: 0,
        quality_credits: vec![],
        price_from: false,
        tier_rule: TierRule::default(),
        official_usd: None,
        sizes: vec![],
        fields: vec![],
        max_references: 4,
        max_reference_bytes: DEFAULT_MAX_REF_BYTES,
        reference_formats: DEFAULT_FORMATS.iter().map(|s| s.to_string()).collect(),
        aspect_ratios: vec!["1:1".into()],
        supports_edit: true,
        default_async: false,
        max_n: 10,
        edit_images: EditImages::Files,
        unpriced: true,
        listed_by_server: true,
        gateway: String::new(),
        usd_prices: vec![],
        token_usd: None,
        b64_only: false,
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

/// Dollars per image of a dollar-priced entry at `size` and `quality`: the table's cell, or
/// where the table has none (a size or quality it does not list), the most its row (or
/// the whole table) asks, so an estimate is never below the charge.
fn usd_at(entry: &CatalogEntry, size: Option<&str>, quality: Option<&str>) -> f64 {
    let q = quality.unwrap_or("auto");
    let row: Vec<&crate::api::UsdPrice> = entry.usd_prices.iter().filter(|p| Some(p.size.as_str()) == size).collect();
    let listed = !row.is_empty();
    let row = if listed { row } else { entry.usd_prices.iter().collect() };
    let at_quality = row.iter().filter(|p| p.quality == q).map(|p| p.usd);
    let most = |it: &mut dyn Iterator<Item = f64>| it.fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
    match most(&mut at_quality.clone()) {
        // One cell when the size is listed; the dearest of that quality when it is not.
        Some(usd) if listed => at_quality.clone().next().unwrap_or(usd),
        Some(usd) => usd,
        None => most(&mut row.iter().map(|p| p.usd)).unwrap_or(0.0),
    }
}

fn credits_at_quality(entry: &CatalogEntry, quality: Option<&str>) -> i64 {
    let q = quality.unwrap_or("auto");
    entry.quality_credits.iter().find(|p| p.quality == q).map(|p| p.credits).unwrap_or(entry.credits)
}

/// The pixel size a `size` value asks for: `WxH`, a tier keyword (a square), or an aspect
/// ratio `W:H` (a model whose `size` is a ratio: the long edge at that ratio).
pub fn size_dims(size: &str, long_edge: u32) -> Option<(u32, u32)> {
    let t = size.trim();
    if t.contains(':') {
        let derived = derived_size(long_edge, t)?;
        return size_dims(&derived, long_edge);
    }
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

/// The pixel size `entry` is asked for at `aspect_ratio` (or an explicit `size`): the
/// catalog's size for the ratio, or the dimensions the `size` names.
pub fn expected_size(
    entry: &CatalogEntry,
    aspect_ratio: Option<&str>,
    explicit_size: Option<&str>,
) -> Option<PixelSize> {
    if let Some(size) = explicit_size {
        return size_dims(size, entry.long_edge).map(|(width, height)| PixelSize { width, height });
    }
    let ratio = aspect_ratio.unwrap_or("1:1");
    let opt = entry.sizes.iter().find(|s| s.aspect_ratio == ratio)?;
    (opt.width > 0 && opt.height > 0).then_some(PixelSize { width: opt.width, height: opt.height })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_size_expected_is_the_catalogs_for_the_ratio_or_the_size_sent() {
        let c = Catalog::built_in();
        let nb = c.get("gemini-3.1-flash-image-preview").unwrap();
        let wide = nb.sizes.iter().find(|s| s.aspect_ratio == "16:9").unwrap();
        let got = expected_size(nb, Some("16:9"), None).unwrap();
        assert_eq!((got.width, got.height), (wide.width, wide.height));
        assert!(got.width > got.height);
        let square = expected_size(nb, None, None).unwrap();
        assert_eq!(square.width, square.height);
        let explicit = expected_size(nb, Some("16:9"), Some("640x480")).unwrap();
        assert_eq!((explicit.width, explicit.height), (640, 480));
        assert!(expected_size(nb, Some("7:3"), None).is_none(), "a ratio the entry lacks");
        assert!(expected_size(nb, None, Some("huge")).is_none());
    }

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
        assert_eq!((b.cost.credits, b.asked_tier.as_str(), b.billed_tier.as_str()), (8, "4K", "4K"));
        assert_eq!(b.cost.usd, 0.08);
        let b = c.bill(k4, 2048, 2048, None);
        assert_eq!(
            (b.cost.credits, b.billed_entry.as_str(), b.asked_tier.as_str(), b.billed_tier.as_str()),
            (6, "gemini-3.1-flash-image-preview-2k", "4K", "2K")
        );
        // An alias with an explicit 4K size is priced at 4K, not at the alias's 1K.
        let k1 = c.find("nano-banana-2").unwrap();
        assert_eq!(k1.id, "gemini-3.1-flash-image-preview");
        assert_eq!(c.price(k1, Some("4096x4096"), None), 8);
        // Pro has no 512 tier: a tiny image bills as its nearest, 1K.
        let pro = c.get("gemini-3-pro-image-preview-2k").unwrap();
        assert_eq!(c.bill(pro, 512, 512, None).cost.credits, 8);
        assert_eq!(c.bill(pro, 4096, 4096, None).cost.credits, 16);
        // 2.5 Flash has one price.
        assert_eq!(c.bill(c.get("gemini-2.5-flash-image").unwrap(), 2048, 2048, None).cost.credits, 2);
        let g2 = c.get("gpt-image-2-4k").unwrap();
        assert_eq!(c.bill(g2, 3840, 2160, Some("medium")).cost.credits, 34);
        assert_eq!(c.bill(g2, 1024, 1024, Some("medium")).cost.credits, 4);
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
        assert_eq!(e.line, dup.lines().collect::<Vec<_>>().iter().rposition(|l| *l == "[[target]]").unwrap() + 2);
        assert_eq!(e.field.as_deref(), Some("id"));
    }

    #[test]
    fn a_users_file_changes_or_adds_single_entries() {
        let dir = tempfile::tempdir().unwrap();
        let built_in = Catalog::built_in();
        let text = "# a price change and a new model\n\n[[target]]\nid = \"gpt-image-2\"\ncredits = 20\n\n[[target]]\nid = \"acme-image-9\"\nlabel = \"Acme 9\"\nvariant = \"1K\"\nlong_edge = 1024\ncredits = 3\nsizes = { \"1:1\" = \"1024x1024\", \"16:9\" = \"1344x768\" }\n\n[[target]]\nid = \"acme-image-9-draft\"\nmodel = \"acme-image-9\"\nvariant = \"512\"\nlong_edge = 512\n";
        std::fs::write(dir.path().join(OVERRIDE_FILE), text).unwrap();
        let c = Catalog::load(dir.path()).unwrap();
        assert_eq!(c.entries.len(), built_in.entries.len() + 2, "the rest of the built-in catalog stays");
        let g2 = c.get("gpt-image-2").unwrap();
        let was = built_in.get("gpt-image-2").unwrap();
        assert_eq!(g2.credits, 20);
        assert_eq!(serde_json::to_value(&g2.sizes).unwrap(), serde_json::to_value(&was.sizes).unwrap());
        assert_eq!(
            serde_json::to_value(&g2.quality_credits).unwrap(),
            serde_json::to_value(&was.quality_credits).unwrap()
        );
        assert_eq!(g2.label, was.label);
        let acme = c.get("acme-image-9").unwrap();
        assert_eq!((acme.model.as_str(), acme.credits, acme.unpriced), ("acme-image-9", 3, false));
        assert_eq!(acme.sizes.iter().map(|s| s.size.as_str()).collect::<Vec<_>>(), ["1024x1024", "1344x768"]);
        let draft = c.get("acme-image-9-draft").unwrap();
        assert!(draft.unpriced, "no credits: the price is unknown");
        assert_eq!((draft.label.as_str(), draft.sizes[0].size.as_str()), ("acme-image-9-draft", "512x512"));
        assert_eq!(c.bill(draft, 512, 512, None).cost, Cost::unpriced(1));
        assert_eq!(c.bill(acme, 1024, 1024, None).cost.credits, 3);

        // replace = true: the file is the whole catalog.
        std::fs::write(
            dir.path().join(OVERRIDE_FILE),
            format!("replace = true\n{}", &text[text.find("[[target]]\nid = \"acme").unwrap()..]),
        )
        .unwrap();
        let c = Catalog::load(dir.path()).unwrap();
        assert_eq!(c.entries.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["acme-image-9", "acme-image-9-draft"]);
    }

    #[test]
    fn a_users_file_is_refused_with_the_line_and_the_key_at_fault() {
        let dir = tempfile::tempdir().unwrap();
        let refused = |text: &str| {
            std::fs::write(dir.path().join(OVERRIDE_FILE), text).unwrap();
            let e = Catalog::load(dir.path()).unwrap_err();
            (e.line, e.field.clone(), e.to_string())
        };
        // A new entry without what only it can say.
        let (line, field, msg) = refused("[[target]]\nid = \"new-one\"\nlong_edge = 1024\n");
        assert_eq!((line, field.as_deref()), (1, Some("variant")), "{msg}");
        assert!(msg.contains("catalog.toml: line 1, `variant`: `new-one` is new"), "{msg}");
        // A bad value: the line of its key.
        let (line, field, msg) = refused("[[target]]\nid = \"gpt-image-2\"\nlabel = \"x\"\ncredits = -3\n");
        assert_eq!((line, field.as_deref()), (4, Some("credits")), "{msg}");
        let (line, field, msg) = refused("[[target]]\nid = \"gpt-image-2\"\n\nfields = [\"quality\", \"colour\"]\n");
        assert_eq!((line, field.as_deref()), (4, Some("fields")), "{msg}");
        assert!(msg.contains("`colour`"), "{msg}");
        // Wrong types and unknown keys, as the TOML reader finds them.
        let (line, field, msg) = refused("[[target]]\nid = \"gpt-image-2\"\ncredits = \"four\"\n");
        assert_eq!((line, field.as_deref()), (3, Some("credits")), "{msg}");
        let (line, field, msg) = refused("[[target]]\nid = \"gpt-image-2\"\ncredit = 4\n");
        assert_eq!((line, field.as_deref()), (3, Some("credit")), "{msg}");
        assert!(msg.contains("unknown field"), "{msg}");
        // Not TOML at all; too large; not text.
        let (line, _, msg) = refused("[[target]\nid = 1\n");
        assert_eq!(line, 1, "{msg}");
        let (line, _, msg) = refused(&"# x\n".repeat(300_000));
        assert!(line == 0 && msg.contains("larger than 1024 KiB"), "{msg}");
        std::fs::write(dir.path().join(OVERRIDE_FILE), [0xff, 0xfe, 0x00]).unwrap();
        assert!(Catalog::load(dir.path()).unwrap_err().reason.contains("UTF-8"));
    }

    #[test]
    fn dollars() {
        let c = Catalog::built_in();
        assert_eq!(c.credits_to_usd(22), 0.22);
    }

    #[test]
    fn openai_entries_are_priced_in_dollars_by_size_and_quality() {
        let c = Catalog::built_in();
        let e = c.get("openai-gpt-image-1").unwrap();
        assert_eq!(e.gateway, "openai");
        assert!(!e.unpriced && e.credits == 0);
        let usd = |ratio: Option<&str>, size: Option<&str>, q: Option<&str>| c.price_cost(e, ratio, size, q);
        assert_eq!(usd(None, None, Some("low")), Cost::dollars(0.011));
        assert_eq!(usd(Some("3:2"), None, Some("medium")), Cost::dollars(0.063));
        assert_eq!(usd(Some("2:3"), None, Some("high")), Cost::dollars(0.25));
        // No quality (auto) is priced at the most it can cost; an explicit size wins.
        assert_eq!(usd(Some("3:2"), Some("1024x1024"), None), Cost::dollars(0.167));
        assert_eq!(usd(None, Some("auto"), Some("low")), Cost::dollars(0.011));
        // A size the table does not list: the dearest of the table, never less.
        assert_eq!(usd(None, Some("2048x2048"), Some("high")), Cost::dollars(0.25));
        // Delivered: by the size that came and the quality asked.
        assert_eq!(c.bill(e, 1536, 1024, Some("low")).cost, Cost::dollars(0.016));
        assert_eq!(c.bill(e, 1024, 1024, Some("high")).cost, Cost::dollars(0.167));
        // Pixapi's entries stay in credits.
        let g = c.get("gpt-image-2").unwrap();
        assert_eq!(c.price_cost(g, None, None, Some("low")).credits, 1);
    }

    #[test]
    fn an_answers_usage_is_charged_at_the_models_token_rates() {
        let c = Catalog::built_in();
        let e = c.get("openai-gpt-image-1").unwrap();
        let usage = serde_json::json!({
            "input_tokens": 526, "output_tokens": 4160, "total_tokens": 4686,
            "input_tokens_details": {"text_tokens": 10, "image_tokens": 516}
        });
        // 10 x $5 + 516 x $10 + 4160 x $40 per million tokens
        assert_eq!(Catalog::usage_cost(e, &usage), Some(Cost::dollars(0.17161)));
        // Without the split, input is charged at the image rate (never understated).
        let plain = serde_json::json!({"input_tokens": 100, "output_tokens": 272});
        assert_eq!(Catalog::usage_cost(e, &plain), Some(Cost::dollars(0.01188)));
        // Not counts, or an entry without token rates: no charge from usage.
        assert_eq!(Catalog::usage_cost(e, &serde_json::json!({"output_tokens": "many"})), None);
        assert_eq!(Catalog::usage_cost(c.get("gpt-image-2").unwrap(), &usage), None);
    }

    #[test]
    fn a_gateway_offers_its_own_entries_and_its_servers_unknown_models() {
        let c = Catalog::built_in();
        let openai = c.of_gateway("openai");
        assert_eq!(openai.entries.len(), 3);
        assert!(c.of_gateway("pixapi").entries.iter().all(|e| e.gateway == "pixapi"));
        // A generic gateway's server lists gpt-image-1: unknown to its (empty) catalog, so
        // offered unpriced; OpenAI's own server listing it adds nothing.
        let generic = c.with_listed("openai-compatible", &["gpt-image-1".into()]).of_gateway("openai-compatible");
        assert_eq!(generic.entries.len(), 1);
        assert!(generic.entries[0].unpriced && generic.entries[0].listed_by_server);
        assert_eq!(c.with_listed("openai", &["gpt-image-1".into()]).entries.len(), c.entries.len());
    }

    #[test]
    fn a_dollar_table_is_checked_with_its_line_and_key() {
        let base = Catalog::built_in();
        let path = Path::new("catalog.toml");
        let text = "[[target]]\nid = \"openai-gpt-image-1\"\n[target.usd]\n\"1024x1024\" = { best = 0.5 }\n";
        let e = parse_over(text, path, &base).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("usd"), "{e}");
        assert!(e.reason.contains("`best`"), "{e}");
        let text = "gateway = \"openai\"\n[[target]]\nid = \"new-gpt\"\nvariant = \"1K\"\nlong_edge = 1024\n[target.usd]\n\"1024x1024\" = { low = 0.02 }\n";
        let c = parse_over(text, path, &base).unwrap();
        let n = c.get("new-gpt").unwrap();
        assert_eq!((n.gateway.as_str(), n.unpriced), ("openai", false));
        assert_eq!(c.price_cost(n, None, None, Some("low")), Cost::dollars(0.02));
    }
}
