//! The model catalog: ids, aliases, variants, prices, and how a request's `model`,
//! `size`, `aspect_ratio` and `quality` resolve to one priced output size.
//!
//! Resolution rules (Gemini families):
//! - A suffixed id (`-512`, `-2k`, `-4k`) selects its variant. A `size` keyword
//!   (`512`, `1K`, `2K`, `4K`) sent with a suffixed id is ignored: **the suffix wins**.
//! - An explicit `WxH` size always wins, with the base id, the alias or a suffixed id:
//!   its long edge picks the tier (the smallest tier of the family whose edge is at least
//!   the long edge: `<=512` 512, `<=1024` 1K, `<=2048` 2K, else 4K) and its ratio is honoured.
//! - The base id and the alias without a size are the 1K variant.
//! - `aspect_ratio` (`16:9`, ...; the family's list) shapes keyword/default sizes; with an
//!   explicit `WxH` it is ignored.
//! - The output's long edge is exactly the tier's edge (512/1024/2048/4096); the short edge
//!   is `long * short_ratio / long_ratio` rounded to the nearest multiple of 8 (min 8),
//!   so 16:9 at 1K is 1024x576 and 21:9 at 1K is 1024x440.
//! - The price is that of the resolved variant (whose id is reported in `usage.model`).
//!
//! OpenAI families: `gpt-image-1.5` (sizes `1024x1024`, `1536x1024`, `1024x1536`, `auto`
//! = 1024x1024; 1 credit per image); `gpt-image-2` (`auto` = 1024x1024 or any `WxH` with
//! both edges multiples of 16, 655,360..=8,294,400 pixels, ratio at most 3:1, long edge at
//! most 3840; priced by tier x quality, `quality` absent or `auto` bills as `high`).

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
    m(
        "gemini-3.1-flash-image-preview-512",
        G,
        Family::Flash31,
        Some(Tier::T512),
        true,
    ),
    m(
        "gemini-3.1-flash-image-preview",
        G,
        Family::Flash31,
        Some(Tier::T1K),
        false,
    ),
    m(
        "gemini-3.1-flash-image-preview-2k",
        G,
        Family::Flash31,
        Some(Tier::T2K),
        true,
    ),
    m(
        "gemini-3.1-flash-image-preview-4k",
        G,
        Family::Flash31,
        Some(Tier::T4K),
        true,
    ),
    m("nano-banana-2", G, Family::Flash31, None, false),
    m(
        "gemini-3-pro-image-preview",
        G,
        Family::Pro3,
        Some(Tier::T1K),
        false,
    ),
    m(
        "gemini-3-pro-image-preview-2k",
        G,
        Family::Pro3,
        Some(Tier::T2K),
        true,
    ),
    m(
        "gemini-3-pro-image-preview-4k",
        G,
        Family::Pro3,
        Some(Tier::T4K),
        true,
    ),
    m("nano-banana-pro", G, Family::Pro3, None, false),
    m(
        "gemini-2.5-flash-image",
        G,
        Family::Flash25,
        Some(Tier::T1K),
        false,
    ),
    m("nano-banana", G, Family::Flash25, None, false),
    m("gpt-image-1.5", O, Family::GptImage15, None, false),
    m("gpt-image-2", O, Family::GptImage2, None, false),
];

const fn m(
    id: &'static str,
    owned_by: &'static str,
    family: Family,
    tier: Option<Tier>,
    suffixed: bool,
) -> ModelEntry {
    ModelEntry {
        id,
        owned_by,
        created: 1_767_225_600,
        family,
        tier,
        suffixed,
    }
}

/// Finds a model by id or alias (exact, case-sensitive like the real gateway).
pub fn lookup(id: &str) -> Option<&'static ModelEntry> {
    MODELS.iter().find(|e| e.id == id)
}

impl Family {
    pub fn base_id(self) -> &'static str {
        match self {
            Family::Flash31 => "gemini-3.1-flash-image-preview",
            Family::Pro3 => "gemini-3-pro-image-preview",
            Family::Flash25 => "gemini-2.5-flash-image",
            Family::GptImage15 => "gpt-image-1.5",
            Family::GptImage2 => "gpt-image-2",
        }
    }

    pub fn is_gemini(self) -> bool {
        matches!(self, Family::Flash31 | Family::Pro3 | Family::Flash25)
    }

    /// The tiers this family offers (Gemini only).
    pub fn tiers(self) -> &'static [Tier] {
        match self {
            Family::Flash31 => &Tier::ALL,
            Family::Pro3 => &[Tier::T1K, Tier::T2K, Tier::T4K],
            Family::Flash25 => &[Tier::T1K],
            _ => &[],
        }
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
        const PRO: &[(u32, u32)] = &[
            (1, 1),
            (3, 2),
            (2, 3),
            (3, 4),
            (4, 3),
            (4, 5),
            (5, 4),
            (9, 16),
            (16, 9),
            (21, 9),
        ];
        match self {
            Family::Flash31 => FLASH31,
            Family::Pro3 | Family::Flash25 => PRO,
            _ => &[],
        }
    }

    /// Largest long/short ratio accepted for an explicit `WxH`.
    fn max_ratio(self) -> f64 {
        match self {
            Family::Flash31 => 8.0,
            Family::Pro3 | Family::Flash25 => 21.0 / 9.0,
            Family::GptImage15 | Family::GptImage2 => 3.0,
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

/// Resolves a catalog entry and the variant fields of a request.
pub fn resolve(entry: &ModelEntry, q: &VariantQuery<'_>) -> Result<Resolved, ApiError> {
    if entry.family.is_gemini() {
        resolve_gemini(entry, q)
    } else {
        resolve_openai(entry, q)
    }
}

fn resolve_gemini(entry: &ModelEntry, q: &VariantQuery<'_>) -> Result<Resolved, ApiError> {
    let fam = entry.family;
    let spec = match q.size {
        None => SizeSpec::Default,
        Some(s) => parse_size(s).ok_or_else(|| {
            bad_size(format!(
                "Invalid size '{s}': use 512, 1K, 2K, 4K or WxH (e.g. 1024x1024)."
            ))
        })?,
    };
    let ratio = match q.aspect_ratio.map(str::trim).filter(|s| !s.is_empty()) {
        None => (1, 1),
        Some(s) => {
            let r = parse_ratio(s).filter(|r| fam.aspect_ratios().contains(r));
            r.ok_or_else(|| {
                let list: Vec<String> = fam
                    .aspect_ratios()
                    .iter()
                    .map(|(a, b)| format!("{a}:{b}"))
                    .collect();
                ApiError::invalid(
                    format!(
                        "Invalid aspect_ratio '{s}' for {}: use one of {}.",
                        entry.id,
                        list.join(", ")
                    ),
                    "aspect_ratio",
                )
            })?
        }
    };
    let (tier, width, height) = match spec {
        SizeSpec::Explicit(w, h) => {
            let (long, short) = (w.max(h), w.min(h));
            if long > 8192 {
                return Err(bad_size(format!(
                    "Invalid size '{w}x{h}': edges are at most 8192."
                )));
            }
            if long as f64 / short as f64 > fam.max_ratio() + 1e-9 {
                return Err(bad_size(format!(
                    "Invalid size '{w}x{h}': the aspect ratio is too extreme for {}.",
                    entry.id
                )));
            }
            let tier = fam
                .tiers()
                .iter()
                .copied()
                .find(|t| t.edge() >= long.min(4096));
            let tier = tier.ok_or_else(|| {
                bad_size(format!(
                    "Invalid size '{w}x{h}': {} offers only {}.",
                    entry.id,
                    tier_list(fam)
                ))
            })?;
            let (ow, oh) = dims_for(tier.edge(), w, h);
            (tier, ow, oh)
        }
        SizeSpec::Keyword(kw) => {
            let tier = if entry.suffixed {
                entry.tier.unwrap_or(Tier::T1K)
            } else {
                kw
            };
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
    fam.tiers()
        .iter()
        .map(|t| t.label())
        .collect::<Vec<_>>()
        .join(", ")
}

fn openai_quality(q: Option<&str>) -> Result<&'static str, ApiError> {
    match q.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("auto") => Ok("auto"),
        Some("low") => Ok("low"),
        Some("medium") => Ok("medium"),
        Some("high") => Ok("high"),
        Some(other) => Err(ApiError::invalid(
            format!("Invalid quality '{other}': use low, medium, high or auto."),
            "quality",
        )),
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
            _ => {
                return Err(bad_size(format!(
                    "Invalid size '{size}' for {}: use WxH or auto.",
                    entry.id
                )))
            }
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
                tier: if w.max(h) <= 1024 {
                    Tier::T1K
                } else {
                    Tier::T2K
                },
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
                return Err(bad_size(format!(
                    "Invalid size '{size}' for gpt-image-2: {p}."
                )));
            }
            let tier_idx = if long <= 1536 {
                0
            } else if long <= 2048 {
                1
            } else {
                2
            };
            const TABLE: [[i64; 3]; 3] = [[1, 4, 14], [2, 17, 67], [4, 34, 133]];
            let qi = match quality {
                "low" => 0,
                "medium" => 1,
                _ => 2,
            };
            Ok(Resolved {
                family: fam,
                variant_id: entry.id.to_string(),
                tier: [Tier::T1K, Tier::T2K, Tier::T4K][tier_idx],
                width: w,
                height: h,
                credits_per_image: TABLE[tier_idx][qi],
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(id: &str, size: Option<&str>, ar: Option<&str>, quality: Option<&str>) -> Resolved {
        let e = lookup(id).expect("known id");
        resolve(
            e,
            &VariantQuery {
                size,
                aspect_ratio: ar,
                quality,
            },
        )
        .expect("resolves")
    }
    fn err(id: &str, size: Option<&str>, ar: Option<&str>, quality: Option<&str>) -> ApiError {
        let e = lookup(id).expect("known id");
        resolve(
            e,
            &VariantQuery {
                size,
                aspect_ratio: ar,
                quality,
            },
        )
        .expect_err("must fail")
    }

    #[test]
    fn suffixed_ids_and_sizes_agree() {
        let a = r("gemini-3.1-flash-image-preview-2k", None, None, None);
        let b = r("gemini-3.1-flash-image-preview", Some("2k"), None, None);
        let c = r("nano-banana-2", Some("2K"), None, None);
        for x in [&a, &b, &c] {
            assert_eq!((x.width, x.height, x.credits_per_image), (2048, 2048, 6));
            assert_eq!(x.variant_id, "gemini-3.1-flash-image-preview-2k");
        }
        assert_eq!(r("nano-banana-2", None, None, None).credits_per_image, 4);
        assert_eq!(r("nano-banana-2", Some("512"), None, None).width, 512);
        assert_eq!(
            r("nano-banana-2", Some("4k"), None, None).credits_per_image,
            8
        );
        assert_eq!(
            r("nano-banana-pro", Some("4K"), None, None).credits_per_image,
            16
        );
        assert_eq!(
            r("gemini-3-pro-image-preview-2k", None, None, None).credits_per_image,
            8
        );
        assert_eq!(r("nano-banana", None, None, None).credits_per_image, 2);
    }

    #[test]
    fn suffix_wins_over_keyword_but_not_over_wxh() {
        let a = r("gemini-3.1-flash-image-preview-4k", Some("1K"), None, None);
        assert_eq!((a.width, a.credits_per_image), (4096, 8));
        let b = r(
            "gemini-3.1-flash-image-preview-4k",
            Some("1024x1024"),
            None,
            None,
        );
        assert_eq!((b.width, b.credits_per_image), (1024, 4));
        assert_eq!(b.variant_id, "gemini-3.1-flash-image-preview");
    }

    #[test]
    fn wxh_tiers_and_ratios() {
        let a = r("nano-banana-2", Some("1536x1024"), None, None);
        assert_eq!((a.width, a.height, a.tier), (2048, 1368, Tier::T2K));
        let b = r("nano-banana-2", Some("300x600"), None, None);
        assert_eq!((b.width, b.height), (512, 1024));
        let c = r("nano-banana-2", Some("200x400"), None, None);
        assert_eq!((c.width, c.height), (256, 512));
        // Pro has no 512 tier: a small WxH rounds up to 1K.
        assert_eq!(
            r("nano-banana-pro", Some("512x512"), None, None).width,
            1024
        );
        assert_eq!(
            r("nano-banana-2", Some("5000x5000"), None, None).width,
            4096
        );
    }

    #[test]
    fn aspect_ratio_field() {
        let a = r("nano-banana-2", None, Some("16:9"), None);
        assert_eq!((a.width, a.height), (1024, 576));
        let b = r("nano-banana-2", Some("2K"), Some("9:16"), None);
        assert_eq!((b.width, b.height), (1152, 2048));
        let c = r("nano-banana-2", None, Some("21:9"), None);
        assert_eq!((c.width, c.height), (1024, 440));
        assert_eq!(
            err("nano-banana-pro", None, Some("8:1"), None).param(),
            Some("aspect_ratio")
        );
        assert_eq!(
            err("nano-banana-2", None, Some("7:3"), None).param(),
            Some("aspect_ratio")
        );
    }

    #[test]
    fn unavailable_tiers_are_rejected_naming_size() {
        assert_eq!(
            err("gemini-2.5-flash-image", Some("2K"), None, None).param(),
            Some("size")
        );
        assert_eq!(
            err("nano-banana", Some("2048x2048"), None, None).param(),
            Some("size")
        );
        assert_eq!(
            err("nano-banana-pro", Some("512"), None, None).param(),
            Some("size")
        );
        assert_eq!(
            err("nano-banana-2", Some("huge"), None, None).param(),
            Some("size")
        );
        assert_eq!(
            err("nano-banana-2", Some("0x100"), None, None).param(),
            Some("size")
        );
    }

    #[test]
    fn gpt_image_prices() {
        assert_eq!(r("gpt-image-1.5", None, None, None).credits_per_image, 1);
        assert_eq!(
            r("gpt-image-1.5", Some("1536x1024"), None, None).width,
            1536
        );
        assert_eq!(
            err("gpt-image-1.5", Some("2048x2048"), None, None).param(),
            Some("size")
        );
        assert_eq!(r("gpt-image-2", None, None, None).credits_per_image, 14);
        assert_eq!(
            r("gpt-image-2", Some("auto"), None, Some("low")).credits_per_image,
            1
        );
        assert_eq!(
            r("gpt-image-2", Some("1536x1024"), None, Some("medium")).credits_per_image,
            4
        );
        assert_eq!(
            r("gpt-image-2", Some("2048x1152"), None, Some("medium")).credits_per_image,
            17
        );
        assert_eq!(
            r("gpt-image-2", Some("2048x2048"), None, Some("high")).credits_per_image,
            67
        );
        assert_eq!(
            r("gpt-image-2", Some("3840x2160"), None, Some("low")).credits_per_image,
            4
        );
        assert_eq!(
            r("gpt-image-2", Some("3840x2160"), None, Some("auto")).credits_per_image,
            133
        );
        assert_eq!(
            err("gpt-image-2", Some("1000x1000"), None, None).param(),
            Some("size")
        );
        assert_eq!(
            err("gpt-image-2", Some("512x512"), None, None).param(),
            Some("size")
        );
        assert_eq!(
            err("gpt-image-2", Some("3072x1008"), None, None).param(),
            Some("size")
        );
        assert_eq!(
            err("gpt-image-2", Some("4096x2048"), None, None).param(),
            Some("size")
        );
        assert_eq!(
            err("gpt-image-2", None, None, Some("ultra")).param(),
            Some("quality")
        );
    }
}
