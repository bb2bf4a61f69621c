//! Tests of the catalog's resolution and pricing rules, strict and lenient.
use super::*;

fn r(id: &str, size: Option<&str>, ar: Option<&str>, quality: Option<&str>) -> Resolved {
    let e = lookup(id).expect("known id");
    resolve(e, &VariantQuery { size, aspect_ratio: ar, quality }).expect("resolves")
}
fn err(id: &str, size: Option<&str>, ar: Option<&str>, quality: Option<&str>) -> ApiError {
    let e = lookup(id).expect("known id");
    resolve(e, &VariantQuery { size, aspect_ratio: ar, quality }).expect_err("must fail")
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
    assert_eq!(r("nano-banana-2", Some("4k"), None, None).credits_per_image, 8);
    assert_eq!(r("nano-banana-pro", Some("4K"), None, None).credits_per_image, 16);
    assert_eq!(r("gemini-3-pro-image-preview-2k", None, None, None).credits_per_image, 8);
    assert_eq!(r("nano-banana", None, None, None).credits_per_image, 2);
}

#[test]
fn suffix_wins_over_keyword_but_not_over_wxh() {
    let a = r("gemini-3.1-flash-image-preview-4k", Some("1K"), None, None);
    assert_eq!((a.width, a.credits_per_image), (4096, 8));
    let b = r("gemini-3.1-flash-image-preview-4k", Some("1024x1024"), None, None);
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
    assert_eq!(r("nano-banana-pro", Some("512x512"), None, None).width, 1024);
    assert_eq!(r("nano-banana-2", Some("5000x5000"), None, None).width, 4096);
}

#[test]
fn aspect_ratio_field() {
    let a = r("nano-banana-2", None, Some("16:9"), None);
    assert_eq!((a.width, a.height), (1024, 576));
    let b = r("nano-banana-2", Some("2K"), Some("9:16"), None);
    assert_eq!((b.width, b.height), (1152, 2048));
    let c = r("nano-banana-2", None, Some("21:9"), None);
    assert_eq!((c.width, c.height), (1024, 440));
    assert_eq!(err("nano-banana-pro", None, Some("8:1"), None).param(), Some("aspect_ratio"));
    assert_eq!(err("nano-banana-2", None, Some("7:3"), None).param(), Some("aspect_ratio"));
}

#[test]
fn unavailable_tiers_are_rejected_naming_size() {
    assert_eq!(err("gemini-2.5-flash-image", Some("2K"), None, None).param(), Some("size"));
    assert_eq!(err("nano-banana", Some("2048x2048"), None, None).param(), Some("size"));
    assert_eq!(err("nano-banana-pro", Some("512"), None, None).param(), Some("size"));
    assert_eq!(err("nano-banana-2", Some("huge"), None, None).param(), Some("size"));
    assert_eq!(err("nano-banana-2", Some("0x100"), None, None).param(), Some("size"));
}

#[test]
fn gpt_image_prices() {
    assert_eq!(r("gpt-image-1.5", None, None, None).credits_per_image, 1);
    assert_eq!(r("gpt-image-1.5", Some("1536x1024"), None, None).width, 1536);
    assert_eq!(err("gpt-image-1.5", Some("2048x2048"), None, None).param(), Some("size"));
    assert_eq!(r("gpt-image-2", None, None, None).credits_per_image, 14);
    assert_eq!(r("gpt-image-2", Some("auto"), None, Some("low")).credits_per_image, 1);
    assert_eq!(r("gpt-image-2", Some("1536x1024"), None, Some("medium")).credits_per_image, 4);
    assert_eq!(r("gpt-image-2", Some("2048x1152"), None, Some("medium")).credits_per_image, 17);
    assert_eq!(r("gpt-image-2", Some("2048x2048"), None, Some("high")).credits_per_image, 67);
    assert_eq!(r("gpt-image-2", Some("3840x2160"), None, Some("low")).credits_per_image, 4);
    assert_eq!(r("gpt-image-2", Some("3840x2160"), None, Some("auto")).credits_per_image, 133);
    assert_eq!(err("gpt-image-2", Some("1000x1000"), None, None).param(), Some("size"));
    assert_eq!(err("gpt-image-2", Some("512x512"), None, None).param(), Some("size"));
    assert_eq!(err("gpt-image-2", Some("3072x1008"), None, None).param(), Some("size"));
    assert_eq!(err("gpt-image-2", Some("4096x2048"), None, None).param(), Some("size"));
    assert_eq!(err("gpt-image-2", None, None, Some("ultra")).param(), Some("quality"));
}

fn strict(id: &str, size: Option<&str>, ar: Option<&str>, quality: Option<&str>) -> Result<Resolved, ApiError> {
    let e = lookup_mode(id, true).expect("documented id");
    resolve_mode(e, &VariantQuery { size, aspect_ratio: ar, quality }, true)
}
fn dims_credits(r: &Resolved) -> (u32, u32, i64) {
    (r.width, r.height, r.credits_per_image)
}

#[test]
fn strict_lookup_knows_only_documented_ids() {
    for id in [
        "gemini-3.1-flash-image-preview",
        "nano-banana-2",
        "gemini-3-pro-image-preview",
        "nano-banana-pro",
        "gemini-2.5-flash-image",
        "nano-banana",
        "gemini-3.1-flash-lite-image",
        "gpt-image-1.5",
        "gpt-image-2",
    ] {
        assert!(lookup_mode(id, true).is_some(), "{id}");
        assert!(lookup_mode(id, false).is_some(), "{id}");
    }
    for id in [
        "gemini-3.1-flash-image-preview-512",
        "gemini-3.1-flash-image-preview-2k",
        "gemini-3.1-flash-image-preview-4k",
        "gemini-3-pro-image-preview-2k",
        "gemini-3-pro-image-preview-4k",
    ] {
        assert!(lookup_mode(id, true).is_none(), "{id} is a price-table name, not a model");
        assert!(lookup_mode(id, false).is_some(), "lenient still knows {id}");
    }
    assert!(lookup_mode("Nano-Banana-2", true).is_none(), "ids are case-sensitive");
    assert_eq!(listed(true).count(), 9);
    assert!(listed(true).all(|e| !e.suffixed));
    assert_eq!(listed(false).count(), MODELS.len());
}

#[test]
fn strict_delivers_the_documented_sizes_exactly() {
    // (id, size, quality, (width, height, credits), tier)
    type Case = (&'static str, &'static str, Option<&'static str>, (u32, u32, i64), Tier);
    let cases: &[Case] = &[
        ("gemini-3.1-flash-image-preview", "512x512", None, (512, 512, 4), Tier::T512),
        ("gemini-3.1-flash-image-preview", "1024x1024", None, (1024, 1024, 4), Tier::T1K),
        ("gemini-3.1-flash-image-preview", "1536x1024", None, (1536, 1024, 6), Tier::T2K),
        ("gemini-3.1-flash-image-preview", "2048x2048", None, (2048, 2048, 6), Tier::T2K),
        ("gemini-3.1-flash-image-preview", "2K", None, (2048, 2048, 6), Tier::T2K),
        ("gemini-3.1-flash-image-preview", "4K", None, (4096, 4096, 8), Tier::T4K),
        ("nano-banana-2", "1024x576", None, (1024, 576, 4), Tier::T1K),
        ("nano-banana-2", "4096x512", None, (4096, 512, 6), Tier::T2K),
        ("gemini-3-pro-image-preview", "1024x1024", None, (1024, 1024, 8), Tier::T1K),
        ("gemini-3-pro-image-preview", "2048x1152", None, (2048, 1152, 8), Tier::T2K),
        ("gemini-3-pro-image-preview", "3840x2160", None, (3840, 2160, 16), Tier::T4K),
        ("nano-banana-pro", "4096x4096", None, (4096, 4096, 16), Tier::T4K),
        ("gemini-2.5-flash-image", "1024x1024", None, (1024, 1024, 2), Tier::T1K),
        ("nano-banana", "1024x768", None, (1024, 768, 2), Tier::T1K),
        ("gpt-image-1.5", "1024x1024", None, (1024, 1024, 1), Tier::T1K),
        ("gpt-image-1.5", "auto", None, (1024, 1024, 1), Tier::T1K),
        ("gpt-image-1.5", "1024x1536", Some("high"), (1024, 1536, 1), Tier::T2K),
        ("gpt-image-2", "1536x1024", Some("low"), (1536, 1024, 1), Tier::T1K),
        ("gpt-image-2", "1536x1024", Some("medium"), (1536, 1024, 4), Tier::T1K),
        ("gpt-image-2", "1536x1024", Some("high"), (1536, 1024, 14), Tier::T1K),
        ("gpt-image-2", "2560x1440", Some("low"), (2560, 1440, 4), Tier::T4K),
    ];
    for &(id, size, quality, want, tier) in cases {
        let got = strict(id, Some(size), None, quality).unwrap_or_else(|e| panic!("{id} {size}: {e}"));
        assert_eq!(dims_credits(&got), want, "{id} {size} {quality:?}");
        assert_eq!(got.tier, tier, "{id} {size}");
    }
    // No size: 1024x1024 everywhere.
    for id in ["nano-banana-2", "nano-banana-pro", "nano-banana", "gpt-image-1.5", "gpt-image-2"] {
        let got = strict(id, None, None, None).unwrap();
        assert_eq!((got.width, got.height), (1024, 1024), "{id}");
    }
    // The priced variant follows the delivered tier.
    assert_eq!(
        strict("nano-banana-2", Some("1536x1024"), None, None).unwrap().variant_id,
        "gemini-3.1-flash-image-preview-2k"
    );
    assert_eq!(
        strict("nano-banana-2", Some("512x512"), None, None).unwrap().variant_id,
        "gemini-3.1-flash-image-preview-512"
    );
}

#[test]
fn strict_ignores_aspect_ratio() {
    // Not read at all: neither shaping the output nor validated.
    let a = strict("nano-banana-2", None, Some("16:9"), None).unwrap();
    assert_eq!(dims_credits(&a), (1024, 1024, 4));
    let b = strict("nano-banana-2", Some("2048x2048"), Some("9:16"), None).unwrap();
    assert_eq!((b.width, b.height), (2048, 2048));
    assert!(strict("nano-banana-pro", None, Some("7:5"), None).is_ok());
}

#[test]
fn strict_refuses_undocumented_sizes_naming_size() {
    let cases: &[(&str, &str)] = &[
        ("nano-banana-2", "512"),
        ("nano-banana-2", "1K"),
        ("nano-banana-2", "1k"),
        ("nano-banana-2", "2k"),
        ("nano-banana-2", "8K"),
        ("nano-banana-2", "auto"),
        ("nano-banana-2", "huge"),
        ("nano-banana-2", ""),
        ("nano-banana-2", "1000x300"),
        ("nano-banana-2", "5000x5000"),
        ("nano-banana-2", "1020x1020"),
        ("nano-banana-2", "1024x600"),
        ("nano-banana-2", "0x1024"),
        ("nano-banana-2", "256x256"),
        ("nano-banana-2", "1024X1024"),
        ("nano-banana-2", "-1024x1024"),
        ("gemini-3-pro-image-preview", "2K"),
        ("gemini-3-pro-image-preview", "4K"),
        ("gemini-3-pro-image-preview", "512x512"),
        ("gemini-3-pro-image-preview", "4096x512"),
        ("gemini-2.5-flash-image", "2K"),
        ("gemini-2.5-flash-image", "2048x2048"),
        ("gpt-image-1.5", "2048x2048"),
        ("gpt-image-1.5", "1K"),
        ("gpt-image-2", "1000x1000"),
        ("gpt-image-2", "4096x2048"),
        ("gpt-image-2", "2K"),
    ];
    for &(id, size) in cases {
        match strict(id, Some(size), None, None) {
            Ok(r) => panic!("{id} {size:?} accepted as {}x{}", r.width, r.height),
            Err(e) => assert_eq!(e.param(), Some("size"), "{id} {size:?}: {e}"),
        }
    }
    // The 3 % ratio tolerance: 1360x768 is 16:9 within 0.4 %.
    assert!(strict("nano-banana-2", Some("1360x768"), None, None).is_ok());
}

#[test]
fn tier_of_pixels_cuts_at_0_3_1_2_and_4_8_mp() {
    assert_eq!(tier_of_pixels(1, 299_999), Tier::T512);
    assert_eq!(tier_of_pixels(1, 300_000), Tier::T1K);
    assert_eq!(tier_of_pixels(1, 1_199_999), Tier::T1K);
    assert_eq!(tier_of_pixels(1, 1_200_000), Tier::T2K);
    assert_eq!(tier_of_pixels(1, 4_799_999), Tier::T2K);
    assert_eq!(tier_of_pixels(1, 4_800_000), Tier::T4K);
    for (w, h, t) in [
        (512, 512, Tier::T512),
        (1024, 1024, Tier::T1K),
        (1024, 576, Tier::T1K),
        (1536, 1024, Tier::T2K),
        (2048, 1152, Tier::T2K),
        (2048, 2048, Tier::T2K),
        (2560, 1440, Tier::T2K),
        (3840, 2160, Tier::T4K),
        (4096, 4096, Tier::T4K),
    ] {
        assert_eq!(tier_of_pixels(w, h), t, "{w}x{h}");
        assert_eq!(tier_of_pixels(h, w), t, "{h}x{w}");
    }
}

#[test]
fn price_delivered_follows_the_contract_tables() {
    use Family::*;
    type Case = (Family, u32, u32, Option<&'static str>, (Tier, i64));
    let cases: &[Case] = &[
        (Flash31, 512, 512, None, (Tier::T512, 4)),
        (Flash31, 1024, 1024, None, (Tier::T1K, 4)),
        (Flash31, 1536, 1024, None, (Tier::T2K, 6)),
        (Flash31, 2048, 2048, None, (Tier::T2K, 6)),
        (Flash31, 4096, 4096, None, (Tier::T4K, 8)),
        // Gemini ignores quality.
        (Flash31, 4096, 4096, Some("low"), (Tier::T4K, 8)),
        // 3 Pro has no 512 tier: a small output bills as 1K.
        (Pro3, 512, 512, None, (Tier::T1K, 8)),
        (Pro3, 1024, 1024, None, (Tier::T1K, 8)),
        (Pro3, 2048, 1152, None, (Tier::T2K, 8)),
        (Pro3, 3840, 2160, None, (Tier::T4K, 16)),
        // 2.5 Flash has one tier and one price.
        (Flash25, 512, 512, None, (Tier::T1K, 2)),
        (Flash25, 4096, 4096, None, (Tier::T1K, 2)),
        (GptImage15, 1024, 1024, None, (Tier::T1K, 1)),
        (GptImage15, 1536, 1024, Some("high"), (Tier::T2K, 1)),
        // gpt-image-2: long edge x quality; auto or absent bills as high.
        (GptImage2, 1024, 1024, None, (Tier::T1K, 14)),
        (GptImage2, 1536, 1024, Some("low"), (Tier::T1K, 1)),
        (GptImage2, 1536, 1024, Some("medium"), (Tier::T1K, 4)),
        (GptImage2, 1536, 1024, Some("high"), (Tier::T1K, 14)),
        (GptImage2, 1536, 1024, Some("auto"), (Tier::T1K, 14)),
        (GptImage2, 2048, 1152, Some("low"), (Tier::T2K, 2)),
        (GptImage2, 2048, 1152, Some("medium"), (Tier::T2K, 17)),
        (GptImage2, 2048, 2048, Some("high"), (Tier::T2K, 67)),
        (GptImage2, 2560, 1440, Some("low"), (Tier::T4K, 4)),
        (GptImage2, 3840, 2160, Some("medium"), (Tier::T4K, 34)),
        (GptImage2, 3840, 2160, None, (Tier::T4K, 133)),
    ];
    for &(fam, w, h, q, want) in cases {
        assert_eq!(price_delivered(fam, w, h, q), want, "{fam:?} {w}x{h} {q:?}");
    }
}

#[test]
fn quality_is_billed_as_it_is_validated() {
    // `quality` is accepted trimmed and in any case; it must be billed the same way.
    for mode in [true, false] {
        let e = lookup("gpt-image-2").unwrap();
        for q in ["LOW", "Low", " low "] {
            let r =
                resolve_mode(e, &VariantQuery { size: Some("1536x1024"), aspect_ratio: None, quality: Some(q) }, mode)
                    .unwrap();
            assert_eq!(r.credits_per_image, 1, "quality {q:?} (strict: {mode})");
        }
    }
    assert_eq!(price_delivered(Family::GptImage2, 2048, 2048, Some("MEDIUM")).1, 17);
}

#[test]
fn lite_takes_an_aspect_ratio_as_its_size_and_bills_two() {
    let e = lookup("gemini-3.1-flash-lite-image").expect("listed");
    assert!(listed(true).any(|m| m.id == "gemini-3.1-flash-lite-image"));
    let strict = |size: Option<&str>| resolve_mode(e, &VariantQuery { size, aspect_ratio: None, quality: None }, true);
    for (size, dims) in [
        (None, (1024, 1024)),
        (Some("16:9"), (1376, 768)),
        (Some("9:16"), (768, 1376)),
        (Some("4:3"), (1200, 896)),
        (Some("3:4"), (896, 1200)),
        (Some("1:1"), (1024, 1024)),
    ] {
        let r = strict(size).unwrap();
        assert_eq!(((r.width, r.height), r.credits_per_image, r.tier), (dims, 2, Tier::T1K), "{size:?}");
        assert_eq!(r.variant_id, "gemini-3.1-flash-lite-image");
    }
    // Its page lists five ratios; a WxH or another ratio is refused naming them.
    for bad in ["1024x1024", "21:9", "2K", "wide"] {
        let err = strict(Some(bad)).unwrap_err();
        assert!(err.message().contains("one of 1:1, 4:3, 3:4, 16:9, 9:16"), "{bad}: {}", err.message());
    }
    // Lenient also reads a WxH of a listed ratio.
    assert_eq!(r("gemini-3.1-flash-lite-image", Some("1920x1080"), None, None).width, 1376);
}
