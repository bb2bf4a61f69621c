//! The catalog file's format (`catalog.toml`, built in and in the data dir) and its
//! parser, with errors that name the line and the field.
//!
//! The built-in file is the whole catalog. A user's file in the data dir lies over it: an
//! entry with a built-in id changes only the keys it gives (`credits = 5` is a price
//! change), an entry with a new id is added (it needs `variant` and `long_edge`; without
//! `credits` its price is unknown), and `replace = true` makes the file the whole catalog.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::*;
use crate::api::{CatalogEntry, EditImages, QualityPrice, RequestStyle, SizeOption, TierRule, TokenRates, UsdPrice};
use crate::toml_place::{key_on_line, line_of};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    /// A user's file: the whole catalog instead of changes to the built-in one.
    replace: Option<bool>,
    credit_usd: Option<toml::Spanned<f64>>,
    /// The gateway of the file's entries (default `pixapi`); an entry may name its own.
    gateway: Option<String>,
    /// Spanned: an entry's errors name the line of its `[[target]]` header (or of the key).
    #[serde(default)]
    target: Vec<toml::Spanned<TargetRow>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetRow {
    id: String,
    /// Sent as `model`; older files name it `family`.
    model: Option<String>,
    family: Option<String>,
    label: Option<String>,
    alias: Option<String>,
    variant: Option<String>,
    long_edge: Option<u32>,
    /// Absent: the price is unknown (estimates cannot bound it; outputs are unpriced).
    credits: Option<i64>,
    official_usd: Option<f64>,
    /// Older files chose suffix or size per entry; it is a profile's choice now (ignored).
    #[allow(dead_code)]
    request_style: Option<RequestStyle>,
    sizes: Option<BTreeMap<String, String>>,
    /// The pixels expected per ratio, where a `size` (a ratio) does not say them.
    pixels: Option<BTreeMap<String, String>>,
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
    edit_images: Option<EditImages>,
    gateway: Option<String>,
    /// Dollars per image: `size` -> `quality` -> price (a gateway that bills in dollars).
    usd: Option<BTreeMap<String, BTreeMap<String, f64>>>,
    /// Dollars per million tokens, for the charge from an answer's `usage`.
    token_usd: Option<TokenRatesRow>,
    /// The model refuses `response_format` (it always answers `b64_json`).
    b64_only: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRatesRow {
    text_input: f64,
    image_input: f64,
    image_output: f64,
}

/// The gateway of the built-in `catalog.toml` and of an entry that names none.
pub const DEFAULT_GATEWAY: &str = "pixapi";

/// The line of `key = ...` in the table whose header is on `header_line`, else the header's.
fn key_line(text: &str, header_line: usize, key: &str) -> usize {
    for (i, l) in text.lines().enumerate().skip(header_line) {
        let l = l.trim_start();
        if l.starts_with('[') {
            break;
        }
        if l.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('=')) {
            return i + 1;
        }
    }
    header_line
}

/// A whole catalog: the built-in file (or a user's with `replace = true`).
pub fn parse(text: &str, path: &Path, source: CatalogSource) -> Result<Catalog, CatalogError> {
    read(text, path, source, None)
}

/// A user's file over `base`: its entries change or add single entries (see the module).
pub fn parse_over(text: &str, path: &Path, base: &Catalog) -> Result<Catalog, CatalogError> {
    read(text, path, CatalogSource::File(path.to_path_buf()), Some(base))
}

fn read(text: &str, path: &Path, source: CatalogSource, base: Option<&Catalog>) -> Result<Catalog, CatalogError> {
    let err = |line: usize, field: Option<&str>, reason: String| CatalogError {
        path: path.to_path_buf(),
        line,
        field: field.map(String::from),
        reason,
    };
    let file: FileFormat = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
        err(line, key_on_line(text, line).as_deref(), e.message().to_string())
    })?;
    let base = base.filter(|_| file.replace != Some(true));
    let credit_usd = file.credit_usd.as_ref().map(|c| *c.get_ref()).or(base.map(|b| b.credit_usd)).unwrap_or(0.01);
    // Written so that NaN is refused too.
    if credit_usd.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        let line = file.credit_usd.as_ref().map(|c| line_of(text, c.span().start)).unwrap_or(1);
        return Err(err(line, Some("credit_usd"), "credit_usd must be a positive number of dollars".into()));
    }
    let mut entries: Vec<CatalogEntry> = base.map(|b| b.entries.clone()).unwrap_or_default();
    let mut seen: Vec<String> = Vec::with_capacity(file.target.len());
    let (mut changed, mut added) = (Vec::new(), Vec::new());
    for row in file.target {
        // The header's line (however it is spelled), or the inline table's.
        let line = line_of(text, row.span().start);
        let row = row.into_inner();
        let at = |key: &str, reason: String| err(key_line(text, line, key), Some(key), reason);
        if row.id.trim().is_empty() {
            return Err(at("id", "target id is empty".into()));
        }
        if seen.contains(&row.id) {
            return Err(at("id", format!("target id `{}` appears twice", row.id)));
        }
        seen.push(row.id.clone());
        let under = base.and_then(|b| b.get(&row.id));
        let mut entry =
            entry_of(row, under, source != CatalogSource::BuiltIn).map_err(|(key, reason)| at(key, reason))?;
        if entry.gateway.is_empty() {
            entry.gateway = file.gateway.clone().unwrap_or_else(|| DEFAULT_GATEWAY.into());
        }
        match entries.iter_mut().find(|e| e.id == entry.id) {
            Some(e) => {
                changed.push(entry.id.clone());
                *e = entry;
            }
            None => {
                if base.is_some() {
                    added.push(entry.id.clone());
                }
                entries.push(entry)
            }
        }
    }
    if entries.is_empty() {
        return Err(err(1, Some("target"), "the catalog has no [[target]]".into()));
    }
    Ok(Catalog { source, credit_usd, entries, changed, added })
}

/// One file row as an entry: its keys, the rest from `under` (the entry it changes) or the
/// defaults. An error names the key at fault.
fn entry_of(
    row: TargetRow,
    under: Option<&CatalogEntry>,
    user_file: bool,
) -> Result<CatalogEntry, (&'static str, String)> {
    let id = row.id.clone();
    let variant = match (row.variant, under) {
        (Some(v), _) => v,
        (None, Some(u)) => u.variant.clone(),
        (None, None) => return Err(("variant", format!("`{id}` is new: it needs a variant (512, 1K, 2K or 4K)"))),
    };
    if !matches!(variant.as_str(), "512" | "1K" | "2K" | "4K") {
        return Err(("variant", format!("variant of `{id}` must be one of 512, 1K, 2K, 4K")));
    }
    let long_edge = match (row.long_edge, under) {
        (Some(l), _) => l,
        (None, Some(u)) => u.long_edge,
        (None, None) => {
            return Err((
                "long_edge",
                format!("`{id}` is new: it needs a long_edge (its images' long side, in pixels)"),
            ))
        }
    };
    if long_edge == 0 || long_edge > 8192 {
        return Err(("long_edge", format!("long_edge of `{id}` must be between 1 and 8192")));
    }
    if row.credits.is_some_and(|c| c < 0) {
        return Err(("credits", format!("credits of `{id}` must not be negative")));
    }
    let model = match row.model.clone().or(row.family.clone()) {
        Some(m) if m.trim().is_empty() => {
            return Err(("model", format!("`{id}` needs a model (the id sent as `model`)")));
        }
        Some(m) => m,
        None => under.map(|u| u.model.clone()).unwrap_or_else(|| id.clone()),
    };
    let (sizes, aspect_ratios) = match (&row.sizes, &row.aspect_ratios, under) {
        (Some(map), _, _) => {
            let mut v: Vec<SizeOption> = Vec::with_capacity(map.len());
            for (ratio, size) in map {
                let pixels = row.pixels.as_ref().and_then(|p| p.get(ratio));
                let dims = match pixels {
                    Some(p) => match size_dims(p, long_edge) {
                        Some(d) if !p.contains(':') => Some(d),
                        _ => return Err(("pixels", format!("pixels `{p}` of `{id}` for {ratio} is not WIDTHxHEIGHT"))),
                    },
                    None => size_dims(size, long_edge),
                };
                let Some((width, height)) = dims else {
                    return Err((
                        "sizes",
                        format!("size `{size}` of `{id}` for {ratio} is not WIDTHxHEIGHT, W:H or 512/1K/2K/4K/auto"),
                    ));
                };
                v.push(SizeOption { aspect_ratio: ratio.clone(), size: size.clone(), width, height });
            }
            v.sort_by_key(|s| ratio_rank(&s.aspect_ratio));
            let ratios = v.iter().map(|s| s.aspect_ratio.clone()).collect();
            (v, ratios)
        }
        (None, None, Some(u)) => (u.sizes.clone(), u.aspect_ratios.clone()),
        (None, ratios, _) => {
            // An older file: the built-in entry's sizes if it has one, else derived.
            let ratios = ratios.clone().unwrap_or_else(|| vec!["1:1".into()]);
            let built_in = user_file.then(Catalog::built_in);
            let known = under.cloned().or_else(|| built_in.as_ref().and_then(|c| c.get(&id).cloned()));
            let mut v = Vec::new();
            for r in &ratios {
                let size = known
                    .as_ref()
                    .and_then(|k| k.sizes.iter().find(|s| &s.aspect_ratio == r).map(|s| s.size.clone()))
                    .or_else(|| derived_size(long_edge, r));
                let Some(size) = size else {
                    return Err(("aspect_ratios", format!("aspect ratio `{r}` of `{id}` is not W:H")));
                };
                let (width, height) = size_dims(&size, long_edge).unwrap_or((long_edge, long_edge));
                v.push(SizeOption { aspect_ratio: r.clone(), size, width, height });
            }
            (v, ratios)
        }
    };
    if sizes.is_empty() {
        return Err(("sizes", format!("`{id}` has no sizes")));
    }
    let known_fields: Vec<String> = field_specs().into_iter().map(|f| f.name).collect();
    let fields = match (row.fields, under) {
        (Some(f), _) => f,
        (None, Some(u)) => u.fields.clone(),
        (None, None) => vec![],
    };
    if let Some(f) = fields.iter().find(|f| !known_fields.contains(f)) {
        return Err(("fields", format!("field `{f}` of `{id}` is not one of {}", known_fields.join(", "))));
    }
    let quality_credits = match (row.quality_credits, under) {
        (Some(q), _) => {
            let mut q: Vec<QualityPrice> =
                q.into_iter().map(|(quality, credits)| QualityPrice { quality, credits }).collect();
            q.sort_by_key(|q| ["low", "medium", "high", "auto"].iter().position(|o| *o == q.quality).unwrap_or(9));
            if q.iter().any(|q| q.credits < 0) {
                return Err(("quality_credits", format!("quality_credits of `{id}` must not be negative")));
            }
            q
        }
        (None, Some(u)) => u.quality_credits.clone(),
        (None, None) => vec![],
    };
    let usd_prices = match (row.usd, under) {
        (Some(table), _) => {
            let mut v = Vec::new();
            for (size, by_quality) in table {
                if size_dims(&size, long_edge).is_none() {
                    return Err(("usd", format!("usd of `{id}`: `{size}` is not WIDTHxHEIGHT or auto")));
                }
                for (quality, usd) in by_quality {
                    if !["low", "medium", "high", "auto"].contains(&quality.as_str()) {
                        return Err((
                            "usd",
                            format!("usd of `{id}`: quality `{quality}` is not low, medium, high or auto"),
                        ));
                    }
                    // Written so that NaN is refused too.
                    if !(usd.is_finite() && usd >= 0.0) {
                        return Err(("usd", format!("usd of `{id}`: {size} {quality} must be a number of dollars")));
                    }
                    v.push(UsdPrice { size: size.clone(), quality, usd });
                }
            }
            v
        }
        (None, Some(u)) => u.usd_prices.clone(),
        (None, None) => vec![],
    };
    let token_usd = match (row.token_usd, under) {
        (Some(t), _) => {
            let rates = [t.text_input, t.image_input, t.image_output];
            if rates.iter().any(|r| !(r.is_finite() && *r >= 0.0)) {
                return Err(("token_usd", format!("token_usd of `{id}` must be dollars per million tokens")));
            }
            Some(TokenRates { text_input: t.text_input, image_input: t.image_input, image_output: t.image_output })
        }
        (None, Some(u)) => u.token_usd.clone(),
        (None, None) => None,
    };
    let (credits, unpriced) = match (row.credits, under) {
        (Some(c), _) => (c, false),
        (None, Some(u)) => (u.credits, u.unpriced && usd_prices.is_empty()),
        (None, None) => (0, usd_prices.is_empty()),
    };
    let default_formats = || DEFAULT_FORMATS.iter().map(|s| s.to_string()).collect();
    Ok(CatalogEntry {
        family: row.family.or(under.map(|u| u.family.clone())).unwrap_or_else(|| model.clone()),
        label: row.label.or(under.map(|u| u.label.clone())).unwrap_or_else(|| id.clone()),
        alias: row.alias.or(under.and_then(|u| u.alias.clone())),
        id,
        model,
        variant,
        long_edge,
        credits,
        unpriced,
        listed_by_server: false,
        quality_credits,
        price_from: row.price_from.or(under.map(|u| u.price_from)).unwrap_or(false),
        tier_rule: row.tier_rule.or(under.map(|u| u.tier_rule)).unwrap_or_default(),
        official_usd: row.official_usd.or(under.and_then(|u| u.official_usd)),
        sizes,
        fields,
        max_references: row.max_references.or(under.map(|u| u.max_references)).unwrap_or(14),
        max_reference_bytes: row
            .max_reference_bytes
            .or(under.map(|u| u.max_reference_bytes))
            .unwrap_or(DEFAULT_MAX_REF_BYTES),
        reference_formats: row
            .reference_formats
            .or(under.map(|u| u.reference_formats.clone()))
            .unwrap_or_else(default_formats),
        aspect_ratios,
        supports_edit: row.supports_edit.or(under.map(|u| u.supports_edit)).unwrap_or(true),
        default_async: row.default_async.or(under.map(|u| u.default_async)).unwrap_or(false),
        max_n: row.max_n.or(under.map(|u| u.max_n)).unwrap_or(10),
        edit_images: row.edit_images.or(under.map(|u| u.edit_images)).unwrap_or_default(),
        gateway: row.gateway.or(under.map(|u| u.gateway.clone())).unwrap_or_default(),
        usd_prices,
        token_usd,
        b64_only: row.b64_only.or(under.map(|u| u.b64_only)).unwrap_or(false),
    })
}
