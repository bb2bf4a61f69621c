//! The model catalog: ids, aliases, variants, prices, and how a request's `model`,
//! `size` (and, lenient only, `aspect_ratio`) and `quality` resolve to one output size,
//! and how a delivered output is priced.
//!
//! ## Strict (the default): what Pixapi's pages document
//! - `model` is a canonical id or its alias (`gemini-3.1-flash-image-preview` /
//!   `nano-banana-2`, ...). The suffixed ids of the price tables (`-512`, `-2k`, `-4k`) are not
//!   model ids: "Use the size field to request compact, standard, 2K, or 4K outputs instead
//!   of switching model ids" (docs/models/gemini-3.1-flash-image-preview/). They answer 404
//!   `model_not_found`.
//! - `size` is a `WIDTHxHEIGHT` the model supports, or a documented keyword (`2K`, `4K` for
//!   3.1 Flash; `auto` for the GPT models). "Model-supported" (the pages' words) is read as:
//!   both edges multiples of 8, the ratio within 3 % of one of the family's aspect ratios,
//!   and a pixel count within the family's tiers (3.1 Flash 0.2..17.5 MP, 3 Pro 0.3..17.5 MP,
//!   2.5 Flash 0.3..1.2 MP). `512`, `1K` and the like are refused with a 400 naming `size`.
//!   The output is exactly the size asked (keywords: 2048x2048, 4096x4096).
//! - `aspect_ratio` is not a documented field: it is ignored and reported as unknown.
//!
//! ## Lenient (`--lenient`): today's tolerance for other gateways
//! - A suffixed id selects its variant; a `size` keyword (`512`, `1K`, `2K`, `4K`) sent with
//!   a suffixed id is ignored: **the suffix wins**. An explicit `WxH` always wins: its long
//!   edge picks the tier (`<=512` 512, `<=1024` 1K, `<=2048` 2K, else 4K), its ratio is
//!   honoured. `aspect_ratio` (`16:9`, ...; the family's list) shapes keyword/default sizes.
//! - The output's long edge is exactly the tier's edge (512/1024/2048/4096); the short edge
//!   is `long * short_ratio / long_ratio` rounded to the nearest multiple of 8 (min 8),
//!   so 16:9 at 1K is 1024x576 and 21:9 at 1K is 1024x440.
//!
//! ## Billing, in both modes: by what is delivered
//! "Final billing follows the actual model output" (the model pages). A Gemini output's tier
//! is decided by its pixel count (ours, docs/CONTRACT.md "Size tiers": < 0.3 MP 512,
//! < 1.2 MP 1K, < 4.8 MP 2K, else 4K; a family without that tier bills its nearest one).
//! gpt-image-2 follows its page: tiers by long edge (<= 1536 1K, <= 2048 2K, <= 3840 4K) x
//! quality (`auto` or absent bills as `high`). gpt-image-1.5 is "from 1" credit: 1 here.
//!
//! Nano Banana 2 Lite (`gemini-3.1-flash-lite-image`, docs/models/gemini-3.1-flash-lite-image/):
//! one 1K tier at 2 credits; its `size` is an "Output aspect ratio such as 1:1, 4:3, 3:4,
//! 16:9, or 9:16" (strict: those five, as `W:H`; a `WxH` is refused naming them; lenient: a
//! `WxH` too), delivered at Nano Banana 2's 1K size for the ratio (1376x768 for 16:9: the
//! page gives no pixels, so ours); its edits take `image` as "string or string[]", an "Input
//! image URL" (strict: a data URL or URL in a JSON body, not a file part; see request.rs).
//!
//! OpenAI families: `gpt-image-1.5` (sizes `1024x1024`, `1536x1024`, `1024x1536`, `auto`
//! = 1024x1024); `gpt-image-2` (`auto` = 1024x1024 or any `WxH` with both edges multiples of
//! 16, 655,360..=8,294,400 pixels, ratio at most 3:1, long edge at most 3840).

use crate::errors::ApiError;

/// A model family of the catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// gemini-3.1-flash-image-preview (nano-banana-2)
    Flash31,
    /// gemini-3-pro-image-preview (nano-banana-pro)
    Pro3,
    /// gemini-2.5-flash-image (nano-banana)
    Flash25,
    /// gemini-3.1-flash-lite-image (Nano Banana 2 Lite; no alias on its page)
    FlashLite,
    /// gpt-image-1.5
    GptImage15,
    /// gpt-image-2
    GptImage2,
}

/// A resolution tier of the Gemini families (the long edge of the output).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    T512,
    T1K,
    T2K,
    T4K,
}

impl Tier {
    pub fn edge(self) -> u32 {
        match self {
            Tier::T512 => 512,
            Tier::T1K => 1024,
            Tier::T2K => 2048,
            Tier::T4K => 4096,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Tier::T512 => "512",
            Tier::T1K => "1K",
            Tier::T2K => "2K",
            Tier::T4K => "4K",
        }
    }
    const ALL: [Tier; 4] = [Tier::T512, Tier::T1K, Tier::T2K, Tier::T4K];
}

/// One entry of `GET /v1/models`.
#[derive(Clone, Copy, Debug)]
pub struct ModelEntry {
    pub id: &'static str,
    pub owned_by: &'static str,
    pub created: i64,
    pub family: Family,
    /// `Some` for a suffixed / base Gemini id (the variant it names); `None` for aliases
    /// and OpenAI models.
    pub tier: Option<Tier>,
    /// True if this id names a variant explicitly by suffix.
    pub suffixed: bool,
}

const G: &str = "google";
const O: &str = "openai";

/// Every id the simulator knows, variants and aliases alike.
pub const MODELS: &[ModelEntry] = &[
    m("gemini-3.1-flash-image-preview-512", G, Family::Flash31, Some(Tier::T512), true),
    m("gemini-3.1-flash-image-preview", G, Family::Flash31, Some(Tier::T1K), false),
    m("gemini-3.1-flash-image-preview-2k", G, Family::Flash31, Some(Tier::T2K), true),
    m("gemini-3.1-flash-image-preview-4k", G, Family::Flash31, Some(Tier::T4K), true),
    m("nano-banana-2", G, Family::Flash31, None, false),
    m("gemini-3-pro-image-preview", G, Family::Pro3, Some(Tier::T1K), false),
    m("gemini-3-pro-image-preview-2k", G, Family::Pro3, Some(Tier::T2K), true),
    m("gemini-3-pro-image-preview-4k", G, Family::Pro3, Some(Tier::T4K), true),
    m("nano-banana-pro", G, Family::Pro3, None, false),
    m("gemini-2.5-flash-image", G, Family::Flash25, Some(Tier::T1K), false),
    m("nano-banana", G, Family::Flash25, None, false),
    m("gemini-3.1-flash-lite-image", G, Family::FlashLite, Some(Tier::T1K), false),
    m("gpt-image-1.5", O, Family::GptImage15, None, false),
    m("gpt-image-2", O, Family::GptImage2, None, false),
];

const fn m(id: &'static str, owned_by: &'static str, family: Family, tier: Option<Tier>, suffixed: bool) -> ModelEntry {
    ModelEntry { id, owned_by, created: 1_767_225_600, family, tier, suffixed }
}

/// An extra model of the configuration (a model the client does not know): Nano Banana's
/// family, 1K. Its id lives as long as the process (a server's configuration does).
pub fn extra_model(id: &str) -> ModelEntry {
    let id: &'static str = Box::leak(id.to_string().into_boxed_str());
    ModelEntry {
        id,
        owned_by: "pixapi-sim",
        created: 1_767_225_600,
        family: Family::Flash25,
        tier: Some(Tier::T1K),
        suffixed: false,
    }
}

/// Finds a model by id or alias (exact, case-sensitive like the real gateway).
pub fn lookup(id: &str) -> Option<&'static ModelEntry> {
    MODELS.iter().find(|e| e.id == id)
}

/// Finds a model as a strict or lenient server would: strict knows only the documented
/// ids (canonical ids and aliases), not the suffixed names of the price tables.
pub fn lookup_mode(id: &str, strict: bool) -> Option<&'static ModelEntry> {
    lookup(id).filter(|e| !(strict && e.suffixed))
}

/// The ids `GET /v1/models` lists.
pub fn listed(strict: bool) -> impl Iterator<Item = &'static ModelEntry> {
    MODELS.iter().filter(move |e| !(strict && e.suffixed))
}

/// A Gemini output's tier by its pixel count (ours: cuts at 0.3, 1.2 and 4.8 MP).
pub fn tier_of_pixels(width: u32, height: u32) -> Tier {
    let px = width as u64 * height as u64;
    if px < 300_000 {
        Tier::T512
    } else if px < 1_200_000 {
        Tier::T1K
    } else if px < 4_800_000 {
        Tier::T2K
    } else {
        Tier::T4K
    }
}

/// gpt-image-2's tier by long edge, as its page prices it (0: 1K, 1: 2K, 2: 4K).
fn gpt2_tier_index(width: u32, height: u32) -> usize {
    match width.max(height) {
        0..=1536 => 0,
        1537..=2048 => 1,
        _ => 2,
    }
}

const GPT2_TABLE: [[i64; 3]; 3] = [[1, 4, 14], [2, 17, 67], [4, 34, 133]];

/// The quality column of gpt-image-2's table. `quality` is read as `openai_quality` validates
/// it (trimmed, any case), so `"LOW"` bills as low; anything else (`auto`, `high`) as high.
fn gpt2_quality_index(quality: &str) -> usize {
    match quality.trim().to_ascii_lowercase().as_str() {
        "low" => 0,
        "medium" => 1,
        _ => 2,
    }
}

/// The tier and the credits of one delivered output of `family` at `width x height`
/// (`quality`: gpt-image-2 only; `None` or `auto` bills as high).
pub fn price_delivered(family: Family, width: u32, height: u32, quality: Option<&str>) -> (Tier, i64) {
    match family {
        Family::GptImage2 => {
            let t = gpt2_tier_index(width, height);
            let q = gpt2_quality_index(quality.unwrap_or("auto"));
            ([Tier::T1K, Tier::T2K, Tier::T4K][t], GPT2_TABLE[t][q])
        }
        Family::GptImage15 => (tier_of_pixels(width, height).max(Tier::T1K), 1),
        _ => {
            let tiers = family.tiers();
            let t = tier_of_pixels(width, height);
            let t = t.clamp(tiers[0], tiers[tiers.len() - 1]);
            (t, family.gemini_price(t))
        }
    }
}

impl Family {
    pub fn base_id(self) -> &'static str {
        match self {
            Family::Flash31 => "gemini-3.1-flash-image-preview",
            Family::Pro3 => "gemini-3-pro-image-preview",
            Family::Flash25 => "gemini-2.5-flash-image",
            Family::FlashLite => "gemini-3.1-flash-lite-image",
            Family::GptImage15 => "gpt-image-1.5",
            Family::GptImage2 => "gpt-image-2",
        }
    }

    pub fn is_gemini(self) -> bool {
        matches!(self, Family::Flash31 | Family::Pro3 | Family::Flash25 | Family::FlashLite)
    }

    /// The tiers this family offers (Gemini only).
    pub fn tiers(self) -> &'static [Tier] {
        match self {
            Family::Flash31 => &Tier::ALL,
            Family::Pro3 => &[Tier::T1K, Tier::T2K, Tier::T4K],
            Family::Flash25 | Family::FlashLite => &[Tier::T1K],
            _ => &[],
        }
    }

    /// The aspect ratios a model whose `size` is a ratio documents (Nano Banana 2 Lite's
    /// page: "1:1, 4:3, 3:4, 16:9, or 9:16"); empty for the others.
    pub fn size_ratios(self) -> &'static [(u32, u32)] {
        match self {
            Family::FlashLite => &[(1, 1), (4, 3), (3, 4), (16, 9), (9, 16)],
            _ => &[],
        }
    }

    /// Whether the page documents `image` as an input image URL (string or string[]) rather
    /// than a file upload.
    pub fn image_is_url(self) -> bool {
        self == Family::FlashLite
    }

    /// Aspect ratios accepted in `aspect_ratio` (Gemini only).
    pub fn aspect_ratios(self) -> &'static [(u32, u32)] {
        const FLASH31: &[(u32, u32)] = &[
            (1, 1),
            (1, 4),
            (1, 8),
            (2, 3),
            (3, 2),
            (3, 4),
            (4, 1),
            (4, 3),
            (4, 5),
            (5, 4),
            (8, 1),
            (9, 16),
            (16, 9),
            (21, 9),
        ];
        const PRO: &[(u32, u32)] = &[(1, 1), (3, 2), (2, 3), (3, 4), (4, 3), (4, 5), (5, 4), (9, 16), (16, 9), (21, 9)];
        match self {
            Family::Flash31 => FLASH31,
            Family::Pro3 | Family::Flash25 => PRO,
            Family::FlashLite => &[(1, 1), (4, 3), (3, 4), (16, 9), (9, 16)],
            _ => &[],
        }
    }

    /// Largest long/short ratio accepted for an explicit `WxH`.
    fn max_ratio(self) -> f64 {
        match self {
            Family::Flash31 => 8.0,
            Family::Pro3 | Family::Flash25 => 21.0 / 9.0,
            Family::FlashLite => 16.0 / 9.0,
            Family::GptImage15 | Family::GptImage2 => 3.0,
        }
    }

    /// The `output_format` values this family documents (OpenAI's image API for the GPT
    /// models: png, jpeg, webp); none for the Gemini families, whose outputs are PNG.
    pub fn output_formats(self) -> &'static [&'static str] {
        match self {
            Family::GptImage15 | Family::GptImage2 => &["png", "jpeg", "webp"],
            _ => &[],
        }
    }

    /// Most reference images an edit may carry for this family (before `max_images`).
    pub fn max_references(self) -> usize {
        match self {
            Family::Flash25 => 3,
            Family::GptImage15 | Family::GptImage2 => 16,
            _ => 14,
        }
    }

    /// Credits per image of a Gemini tier.
    fn gemini_price(self, tier: Tier) -> i64 {
        match (self, tier) {
            (Family::Flash31, Tier::T512 | Tier::T1K) => 4,
            (Family::Flash31, Tier::T2K) => 6,
            (Family::Flash31, Tier::T4K) => 8,
            (Family::Pro3, Tier::T4K) => 16,
            (Family::Pro3, _) => 8,
            (Family::Flash25, _) => 2,
            (Family::FlashLite, _) => 2,
            _ => 0,
        }
    }

    /// The id of a Gemini variant.
    pub fn variant_id(self, tier: Tier) -> String {
        let base = self.base_id();
        match tier {
            Tier::T1K => base.to_string(),
            Tier::T512 => format!("{base}-512"),
            Tier::T2K => format!("{base}-2k"),
            Tier::T4K => format!("{base}-4k"),
        }
    }
}

/// The fields of a request that select a variant and a price.
#[derive(Clone, Debug, Default)]
pub struct VariantQuery<'a> {
    pub size: Option<&'a str>,
    pub aspect_ratio: Option<&'a str>,
    pub quality: Option<&'a str>,
}

/// A fully resolved request target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub family: Family,
    /// The priced variant's id (e.g. `gemini-3.1-flash-image-preview-2k`, `gpt-image-2`).
    pub variant_id: String,
    /// `512`, `1K`, `2K`, `4K` (the latency tier too).
    pub tier: Tier,
    pub width: u32,
    pub height: u32,
    pub credits_per_image: i64,
}

enum SizeSpec {
    Default,
    Keyword(Tier),
    Explicit(u32, u32),
}

fn parse_size(s: &str) -> Option<SizeSpec> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("auto") {
        return Some(SizeSpec::Default);
    }
    for tier in Tier::ALL {
        if t.eq_ignore_ascii_case(tier.label()) {
            return Some(SizeSpec::Keyword(tier));
        }
    }
    let (w, h) = t.split_once(['x', 'X'])?;
    let w: u32 = w.trim().parse().ok()?;
    let h: u32 = h.trim().parse().ok()?;
    if w == 0 || h == 0 {
        return None;
    }
    Some(SizeSpec::Explicit(w, h))
}

fn parse_ratio(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.trim().split_once(':')?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

/// Rounds to the nearest multiple of 8, at least 8.
fn round8(v: f64) -> u32 {
    (((v / 8.0).round() as u32) * 8).max(8)
}

/// Output dimensions for a long edge and a w:h ratio.
pub fn dims_for(edge: u32, rw: u32, rh: u32) -> (u32, u32) {
    if rw >= rh {
        (edge, round8(edge as f64 * rh as f64 / rw as f64).min(edge))
    } else {
        (round8(edge as f64 * rw as f64 / rh as f64).min(edge), edge)
    }
}

fn bad_size(msg: impl Into<String>) -> ApiError {
    ApiError::invalid(msg, "size")
}

/// Resolves a catalog entry and the variant fields of a request (lenient rules).
pub fn resolve(entry: &ModelEntry, q: &VariantQuery<'_>) -> Result<Resolved, ApiError> {
    resolve_mode(entry, q, false)
}

/// Resolves a catalog entry and the variant fields of a request, strictly (the pages'
/// sizes only; `aspect_ratio` is not read) or leniently.
pub fn resolve_mode(entry: &ModelEntry, q: &VariantQuery<'_>, strict: bool) -> Result<Resolved, ApiError> {
    let mut r = match (entry.family.is_gemini(), strict) {
        _ if entry.family == Family::FlashLite => resolve_lite(entry, q.size, strict)?,
        (true, true) => resolve_gemini_strict(entry, q.size)?,
        (true, false) => resolve_gemini(entry, q)?,
        (false, _) => resolve_openai(entry, q)?,
    };
    // Billing follows the output: price the size this request delivers.
    let (tier, credits) = price_delivered(r.family, r.width, r.height, q.quality);
    if r.family.is_gemini() {
        r.tier = tier;
        r.variant_id = r.family.variant_id(tier);
    }
    r.credits_per_image = credits;
    Ok(r)
}

impl Family {
    /// The pixel counts a strict server accepts in a `WxH` size for this Gemini family.
    fn strict_pixels(self) -> std::ops::Range<u64> {
        match self {
            Family::Flash31 => 200_000..17_500_000,
            Family::Pro3 => 300_000..17_500_000,
            _ => 300_000..1_200_000,
        }
    }
    /// The sizes a page names for this family, for error messages.
    fn documented_sizes(self) -> &'static str {
        match self {
            Family::Flash31 => "512x512, 1536x1024, 2048x2048, 2K, 4K",
            Family::Pro3 => "1024x1024, 2048x1152, 3840x2160",
            _ => "1024x1024",
        }
    }
}

/// Nano Banana 2's 1K output for a ratio (Google's published sizes), which Lite delivers.
fn lite_dims(r: (u32, u32)) -> (u32, u32) {
    match r {
        (16, 9) => (1376, 768),
        (9, 16) => (768, 1376),
        (4, 3) => (1200, 896),
        (3, 4) => (896, 1200),
        _ => (1024, 1024),
    }
}

/// Nano Banana 2 Lite: `size` is one of its page's aspect ratios (strict), or also a `WxH`
/// of a listed ratio (lenient); absent is 1:1.
fn resolve_lite(entry: &ModelEntry, size: Option<&str>, strict: bool) -> Result<Resolved, ApiError> {
    let fam = entry.family;
    let list = || fam.size_ratios().iter().map(|(a, b)| format!("{a}:{b}")).collect::<Vec<_>>().join(", ");
    let ratio = match size.map(str::trim).filter(|s| !s.is_empty()) {
        None => (1, 1),
        Some(s) => {
            let as_ratio = parse_ratio(s);
            let as_dims = (!strict).then(|| parse_size(s)).flatten().and_then(|spec| match spec {
                SizeSpec::Explicit(w, h) => fam.size_ratios().iter().copied().find(|&(a, b)| {
                    (w as f64 / h as f64) / (a as f64 / b as f64) > 0.97
                        && (w as f64 / h as f64) / (a as f64 / b as f64) < 1.03
                }),
                _ => None,
            });
            as_ratio.filter(|r| fam.size_ratios().contains(r)).or(as_dims).ok_or_else(|| {
                bad_size(format!(
                    "Invalid size '{s}' for {}: its size is an output aspect ratio, one of {}.",
                    fam.base_id(),
                    list()
                ))
            })?
        }
    };
    let (width, height) = lite_dims(ratio);
    Ok(Resolved { family: fam, variant_id: fam.base_id().into(), tier: Tier::T1K, width, height, credits_per_image: 2 })
}

fn resolve_gemini_strict(entry: &ModelEntry, size: Option<&str>) -> Result<Resolved, ApiError> {
    let fam = entry.family;
    let refuse = |s: &str, why: &str| {
        bad_size(format!(
            "Invalid size '{s}' for {}: {why}. Use WIDTHxHEIGHT, e.g. {}.",
            fam.base_id(),
            fam.documented_sizes()
        ))
    };
    let (width, height) = match size {
        None => (1024, 1024),
        Some("2K") if fam == Family::Flash31 => (2048, 2048),
        Some("4K") if fam == Family::Flash31 => (4096, 4096),
        Some(s) => {
            let (w, h) = s.split_once('x').ok_or_else(|| refuse(s, "not a size this model documents"))?;
            let digits = |t: &str| !t.is_empty() && t.len() <= 5 && t.bytes().all(|b| b.is_ascii_digit());
            if !digits(w) || !digits(h) {
                return Err(refuse(s, "not a size this model documents"));
            }
            let (w, h): (u32, u32) = (w.parse().unwrap_or(0), h.parse().unwrap_or(0));
            if w == 0 || h == 0 || w % 8 != 0 || h % 8 != 0 {
                return Err(refuse(s, "both edges must be positive multiples of 8"));
            }
            let ratio = w as f64 / h as f64;
            let near = fam.aspect_ratios().iter().any(|&(a, b)| (ratio / (a as f64 / b as f64) - 1.0).abs() <= 0.03);
            if !near {
                return Err(refuse(s, "its aspect ratio is not one this model offers"));
            }
            if !fam.strict_pixels().contains(&(w as u64 * h as u64)) {
                return Err(refuse(s, "its pixel count is outside what this model offers"));
            }
            (w, h)
        }
    };
    let tier = tier_of_pixels(width, height);
    Ok(Resolved { family: fam, variant_id: fam.variant_id(tier), tier, width, height, credits_per_image: 0 })
}

fn resolve_gemini(entry: &ModelEntry, q: &VariantQuery<'_>) -> Result<Resolved, ApiError> {
    let fam = entry.family;
    let spec = match q.size {
        None => SizeSpec::Default,
        Some(s) => parse_size(s)
            .ok_or_else(|| bad_size(format!("Invalid size '{s}': use 512, 1K, 2K, 4K or WxH (e.g. 1024x1024).")))?,
    };
    let ratio = match q.aspect_ratio.map(str::trim).filter(|s| !s.is_empty()) {
        None => (1, 1),
        Some(s) => {
            let r = parse_ratio(s).filter(|r| fam.aspect_ratios().contains(r));
            r.ok_or_else(|| {
                let list: Vec<String> = fam.aspect_ratios().iter().map(|(a, b)| format!("{a}:{b}")).collect();
                ApiError::invalid(
                    format!("Invalid aspect_ratio '{s}' for {}: use one of {}.", entry.id, list.join(", ")),
                    "aspect_ratio",
                )
            })?
        }
    };
    let (tier, width, height) = match spec {
        SizeSpec::Explicit(w, h) => {
            let (long, short) = (w.max(h), w.min(h));
            if long > 8192 {
                return Err(bad_size(format!("Invalid size '{w}x{h}': edges are at most 8192.")));
            }
            if long as f64 / short as f64 > fam.max_ratio() + 1e-9 {
                return Err(bad_size(format!(
                    "Invalid size '{w}x{h}': the aspect ratio is too extreme for {}.",
                    entry.id
                )));
            }
            let tier = fam.tiers().iter().copied().find(|t| t.edge() >= long.min(4096));
            let tier = tier.ok_or_else(|| {
                bad_size(format!("Invalid size '{w}x{h}': {} offers only {}.", entry.id, tier_list(fam)))
            })?;
            let (ow, oh) = dims_for(tier.edge(), w, h);
            (tier, ow, oh)
        }
        SizeSpec::Keyword(kw) => {
            let tier = if entry.suffixed { entry.tier.unwrap_or(Tier::T1K) } else { kw };
            if !fam.tiers().contains(&tier) {
                return Err(bad_size(format!(
                    "Invalid size '{}': {} offers only {}.",
                    q.size.unwrap_or_default(),
                    entry.id,
                    tier_list(fam)
                )));
            }
            let (w, h) = dims_for(tier.edge(), ratio.0, ratio.1);
            (tier, w, h)
        }
        SizeSpec::Default => {
            let tier = entry.tier.unwrap_or(Tier::T1K);
            let (w, h) = dims_for(tier.edge(), ratio.0, ratio.1);
            (tier, w, h)
        }
    };
    Ok(Resolved {
        family: fam,
        variant_id: fam.variant_id(tier),
        tier,
        width,
        height,
        credits_per_image: fam.gemini_price(tier),
    })
}

fn tier_list(fam: Family) -> String {
    fam.tiers().iter().map(|t| t.label()).collect::<Vec<_>>().join(", ")
}

fn openai_quality(q: Option<&str>) -> Result<&'static str, ApiError> {
    match q.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("auto") => Ok("auto"),
        Some("low") => Ok("low"),
        Some("medium") => Ok("medium"),
        Some("high") => Ok("high"),
        Some(other) => {
            Err(ApiError::invalid(format!("Invalid quality '{other}': use low, medium, high or auto."), "quality"))
        }
    }
}

fn resolve_openai(entry: &ModelEntry, q: &VariantQuery<'_>) -> Result<Resolved, ApiError> {
    let fam = entry.family;
    let quality = openai_quality(q.quality)?;
    let size = q.size.map(str::trim).unwrap_or("auto");
    let (w, h) = if size.is_empty() || size.eq_ignore_ascii_case("auto") {
        (1024, 1024)
    } else {
        match parse_size(size) {
            Some(SizeSpec::Explicit(w, h)) => (w, h),
            _ => return Err(bad_size(format!("Invalid size '{size}' for {}: use WxH or auto.", entry.id))),
        }
    };
    match fam {
        Family::GptImage15 => {
            if !matches!((w, h), (1024, 1024) | (1536, 1024) | (1024, 1536)) {
                return Err(bad_size(format!(
                    "Invalid size '{size}' for gpt-image-1.5: use 1024x1024, 1536x1024, 1024x1536 or auto."
                )));
            }
            Ok(Resolved {
                family: fam,
                variant_id: entry.id.to_string(),
                tier: if w.max(h) <= 1024 { Tier::T1K } else { Tier::T2K },
                width: w,
                height: h,
                credits_per_image: 1,
            })
        }
        _ => {
            let px = w as u64 * h as u64;
            let (long, short) = (w.max(h), w.min(h));
            let problem = if w % 16 != 0 || h % 16 != 0 {
                Some("both edges must be multiples of 16")
            } else if !(655_360..=8_294_400).contains(&px) {
                Some("the pixel count must be between 655,360 and 8,294,400")
            } else if long > 3 * short {
                Some("the aspect ratio must be at most 3:1")
            } else if long > 3840 {
                Some("the long edge must be at most 3840")
            } else {
                None
            };
            if let Some(p) = problem {
                return Err(bad_size(format!("Invalid size '{size}' for gpt-image-2: {p}.")));
            }
            let tier_idx = gpt2_tier_index(w, h);
            Ok(Resolved {
                family: fam,
                variant_id: entry.id.to_string(),
                tier: [Tier::T1K, Tier::T2K, Tier::T4K][tier_idx],
                width: w,
                height: h,
                credits_per_image: GPT2_TABLE[tier_idx][gpt2_quality_index(quality)],
            })
        }
    }
}

#[cfg(test)]
mod tests;
