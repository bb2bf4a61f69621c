//! The wire contract, held to Pixapi's pages rather than to our own catalog: every
//! catalog variant at every aspect ratio it offers must send a documented model id, a
//! documented (or model-supported) `size`, no undocumented field, and the documented part
//! names for edits; and a run of every variant, sync and async, against the strict Sandbox
//! must leave the ledger equal to what the server charged.
//!
//! The table below is transcribed from the pages (docs/CONTRACT.md quotes them; addresses
//! under pixapi.ai), not derived from `catalog.toml`: a catalog that guesses cannot pass.

use std::sync::Arc;

use crate::common::*;
use pixbench_core::api::*;
use pixbench_core::secrets::MemoryStore;
use pixbench_core::Engine;

/// One documented model, as its page gives it.
struct Documented {
    model: &'static str,
    /// `size` values the page names verbatim.
    sizes: &'static [&'static str],
    /// Aspect ratios the model offers (upstream lists for the Gemini models).
    ratios: &'static [&'static str],
    /// Fields beyond the ones every page documents (model, prompt, image, n, size,
    /// response_format). `quality` is on docs/models/gpt-image/; the rest are OpenAI's
    /// image API fields, which Pixapi says it is compatible with.
    extra_fields: &'static [&'static str],
    rule: SizeRule,
    /// `image` is "string or string[]", an "Input image URL" (JSON), not a file part.
    image_is_url: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum SizeRule {
    /// Another "model-supported size": WxH, edges multiples of 8, ratio within 3 % of an
    /// offered one; the tier by pixel count (docs/CONTRACT.md "Size tiers").
    GeminiWxH,
    /// docs/models/gpt-image/: "multiples of 16, stay between 655,360 and 8,294,400
    /// pixels, and keep aspect ratio at 3:1 or lower"; tiers by long edge (<= 1536, <= 2048,
    /// <= 3840).
    GptCustom,
    /// Only the page's sizes.
    Listed,
    /// `size` is the aspect ratio itself, one of the page's (Nano Banana 2 Lite).
    Ratio,
}

const GPT_FIELDS: &[&str] = &["quality", "background", "output_format", "output_compression", "moderation"];
const FLASH_RATIOS: &[&str] =
    &["1:1", "1:4", "1:8", "2:3", "3:2", "3:4", "4:1", "4:3", "4:5", "5:4", "8:1", "9:16", "16:9", "21:9"];
const PRO_RATIOS: &[&str] = &["1:1", "3:2", "2:3", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"];

const PAGES: &[Documented] = &[
    // docs/models/gemini-3.1-flash-image-preview/: "512x512, 1536x1024, 2K, 4K, or another
    // model-supported size"; docs/guides/async-tasks/ example "2048x2048".
    Documented {
        model: "gemini-3.1-flash-image-preview",
        sizes: &["512x512", "1536x1024", "2K", "4K", "2048x2048"],
        ratios: FLASH_RATIOS,
        extra_fields: &[],
        rule: SizeRule::GeminiWxH,
        image_is_url: false,
    },
    // docs/models/gemini-3-pro-image-preview/: "1024x1024, 2048x1152, 3840x2160".
    Documented {
        model: "gemini-3-pro-image-preview",
        sizes: &["1024x1024", "2048x1152", "3840x2160"],
        ratios: PRO_RATIOS,
        extra_fields: &[],
        rule: SizeRule::GeminiWxH,
        image_is_url: false,
    },
    // docs/models/gemini-2.5-flash-image/: "1024x1024 or another model-supported size".
    Documented {
        model: "gemini-2.5-flash-image",
        sizes: &["1024x1024"],
        ratios: PRO_RATIOS,
        extra_fields: &[],
        rule: SizeRule::GeminiWxH,
        image_is_url: false,
    },
    // docs/models/gpt-image-1.5/: "1024x1024 or auto"; OpenAI's spec adds 1536x1024, 1024x1536.
    Documented {
        model: "gpt-image-1.5",
        sizes: &["1024x1024", "auto", "1536x1024", "1024x1536"],
        ratios: &["1:1", "3:2", "2:3"],
        extra_fields: GPT_FIELDS,
        rule: SizeRule::Listed,
        image_is_url: false,
    },
    // model/gpt-image-2: "auto, preset sizes, or a valid custom WIDTHxHEIGHT size".
    Documented {
        model: "gpt-image-2",
        sizes: &["auto", "1536x1024"],
        ratios: &[],
        extra_fields: GPT_FIELDS,
        rule: SizeRule::GptCustom,
        image_is_url: false,
    },
    // docs/models/gemini-3.1-flash-lite-image/: size "Output aspect ratio such as 1:1, 4:3,
    // 3:4, 16:9, or 9:16"; image "string or string[]", "Input image URL"; "1K | 2".
    Documented {
        model: "gemini-3.1-flash-lite-image",
        sizes: &["1:1", "4:3", "3:4", "16:9", "9:16"],
        ratios: &["1:1", "4:3", "3:4", "16:9", "9:16"],
        extra_fields: &[],
        rule: SizeRule::Ratio,
        image_is_url: true,
    },
];

/// Every page documents these (model pages, "Request fields").
const COMMON_FIELDS: &[&str] = &["model", "prompt", "n", "size", "response_format"];

fn pixel_tier(w: u32, h: u32) -> &'static str {
    let px = w as u64 * h as u64;
    if px < 300_000 {
        "512"
    } else if px < 1_200_000 {
        "1K"
    } else if px < 4_800_000 {
        "2K"
    } else {
        "4K"
    }
}

fn wxh(s: &str) -> Option<(u32, u32)> {
    let (w, h) = s.split_once('x')?;
    Some((w.parse().ok()?, h.parse().ok()?))
}

fn ratio_of(r: &str) -> f64 {
    let (a, b) = r.split_once(':').unwrap();
    a.parse::<f64>().unwrap() / b.parse::<f64>().unwrap()
}

/// Checks one wire `size` for a variant of tier `tier` at aspect ratio `ratio`.
fn check_size(doc: &Documented, tier: &str, ratio: &str, size: &str) -> Result<(), String> {
    if doc.rule == SizeRule::Ratio {
        return if size == ratio && doc.sizes.contains(&size) {
            Ok(())
        } else {
            Err(format!("`{size}` is not the ratio {ratio} among {:?}", doc.sizes))
        };
    }
    let (w, h) = match (wxh(size), size) {
        (Some(d), _) => d,
        (None, "2K") if doc.model == "gemini-3.1-flash-image-preview" => (2048, 2048),
        (None, "4K") if doc.model == "gemini-3.1-flash-image-preview" => (4096, 4096),
        _ => {
            return if doc.sizes.contains(&size) {
                Ok(())
            } else {
                Err(format!("`{size}` is not a size the page documents"))
            }
        }
    };
    let off = ((w as f64 / h as f64) / ratio_of(ratio) - 1.0).abs();
    if off > 0.03 {
        return Err(format!("{size} is not {ratio}"));
    }
    match doc.rule {
        SizeRule::Listed if !doc.sizes.contains(&size) => Err(format!("{size} is not one of {:?}", doc.sizes)),
        SizeRule::Listed => Ok(()),
        SizeRule::GeminiWxH => {
            if !doc.ratios.contains(&ratio) {
                return Err(format!("{} does not offer {ratio}", doc.model));
            }
            if w % 8 != 0 || h % 8 != 0 {
                return Err(format!("{size}: edges must be multiples of 8"));
            }
            let t = pixel_tier(w, h);
            // A model with one tier bills every size as it (2.5 Flash).
            if t != tier && doc.model != "gemini-2.5-flash-image" {
                return Err(format!("{size} is a {t} size, asked as {tier}"));
            }
            Ok(())
        }
        SizeRule::Ratio => unreachable!("checked above"),
        SizeRule::GptCustom => {
            let px = w as u64 * h as u64;
            let (long, short) = (w.max(h), w.min(h));
            let t = match long {
                0..=1536 => "1K",
                1537..=2048 => "2K",
                _ => "4K",
            };
            if w % 16 != 0 || h % 16 != 0 || !(655_360..=8_294_400).contains(&px) || long > 3 * short || long > 3840 {
                Err(format!("{size} breaks the custom-size rule"))
            } else if t != tier {
                Err(format!("{size} is billed as {t} by its long edge, asked as {tier}"))
            } else {
                Ok(())
            }
        }
    }
}

fn doc_for(model: &str) -> &'static Documented {
    PAGES.iter().find(|d| d.model == model).unwrap_or_else(|| panic!("`{model}` is not a model id any page documents"))
}

/// The body fields of a request view (JSON keys, or multipart part names).
fn field_names(v: &RequestView) -> Vec<String> {
    match &v.json_body {
        Some(serde_json::Value::Object(o)) => o.keys().cloned().collect(),
        _ => v.parts.iter().map(|p| p.name.clone()).collect(),
    }
}

fn field(v: &RequestView, name: &str) -> Option<String> {
    match &v.json_body {
        Some(j) => j.get(name).and_then(|x| x.as_str()).map(str::to_string),
        None => v.parts.iter().find(|p| p.name == name).and_then(|p| p.text.clone()),
    }
}

fn with_ratio(prompt: &str, id: &str, ratio: &str) -> Request {
    let mut s = spec(prompt, &[(id, 1)]);
    s.aspect_ratio = (ratio != "1:1").then(|| ratio.to_string());
    s
}

#[tokio::test]
async fn every_variant_at_every_ratio_sends_what_the_pages_document() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    // The variants this (Pixapi) profile offers; OpenAI's entries are gateways.rs's.
    let catalog = e.catalog.current();
    let refs = [
        e.references.add_bytes("a.png", png_bytes(64, 64, [200, 20, 20])).unwrap(),
        e.references.add_bytes("b.png", png_bytes(64, 64, [20, 20, 200])).unwrap(),
    ];
    let mut checked = 0;
    for entry in &catalog.entries {
        let doc = doc_for(&entry.model);
        for size in &entry.sizes {
            let ratio = size.aspect_ratio.as_str();
            let v = &e.runs.preview(&with_ratio("wire", &entry.id, ratio)).unwrap()[0];
            assert_eq!(field(v, "model").as_deref(), Some(doc.model), "{} {ratio}", entry.id);
            let sent = field(v, "size").unwrap_or_else(|| panic!("{} {ratio}: no size sent", entry.id));
            if let Err(why) = check_size(doc, &entry.variant, ratio, &sent) {
                panic!("{} at {ratio}: {why}", entry.id);
            }
            for f in field_names(v) {
                assert!(
                    COMMON_FIELDS.contains(&f.as_str()) || doc.extra_fields.contains(&f.as_str()),
                    "{}: undocumented field `{f}`",
                    entry.id
                );
            }
            checked += 1;
        }
        // A URL `image`: JSON, one data URL as a string, several as an array.
        if entry.supports_edit && doc.image_is_url {
            for n in [1usize, 2] {
                let mut s = spec("edit", &[(&entry.id, 1)]);
                s.images = refs[..n].iter().map(|r| r.sha256.clone()).collect();
                let v = &e.runs.preview(&s).unwrap()[0];
                let body = v.json_body.as_ref().unwrap_or_else(|| panic!("{}: an edit must be JSON", entry.id));
                let urls: Vec<&str> = match &body["image"] {
                    serde_json::Value::String(u) if n == 1 => vec![u.as_str()],
                    serde_json::Value::Array(a) if n > 1 => a.iter().filter_map(|u| u.as_str()).collect(),
                    other => panic!("{}: `image` of {n} reference(s) is {other}", entry.id),
                };
                assert_eq!(urls.len(), n);
                assert!(urls.iter().all(|u| u.starts_with("data:image/png;base64,")), "{urls:?}");
                for f in field_names(v) {
                    assert!(COMMON_FIELDS.contains(&f.as_str()) || f == "image", "{}: undocumented `{f}`", entry.id);
                }
            }
        }
        // Edits: one reference is `image`; several are `image[]` (the OpenAI SDKs' form).
        if entry.supports_edit && !doc.image_is_url {
            for (n, want) in [(1usize, "image"), (2, "image[]")] {
                let mut s = spec("edit", &[(&entry.id, 1)]);
                s.images = refs[..n].iter().map(|r| r.sha256.clone()).collect();
                let v = &e.runs.preview(&s).unwrap()[0];
                let files: Vec<&str> =
                    v.parts.iter().filter(|p| p.file_name.is_some()).map(|p| p.name.as_str()).collect();
                assert_eq!(files, vec![want; n], "{} with {n} reference(s)", entry.id);
                for p in &v.parts {
                    let ok = COMMON_FIELDS.contains(&p.name.as_str())
                        || doc.extra_fields.contains(&p.name.as_str())
                        || p.name == want;
                    assert!(ok, "{}: undocumented part `{}`", entry.id, p.name);
                }
            }
        }
    }
    assert!(checked >= 60, "only {checked} (variant, ratio) pairs checked");
    // Free-form options cannot override the typed fields.
    for key in ["model", "size", "n", "image", "aspect_ratio"] {
        let mut s = spec("override", &[("gemini-3.1-flash-image-preview-4k", 1)]);
        s.fields = Some(serde_json::Map::from_iter([(key.to_string(), serde_json::json!("x"))]));
        let est = e.runs.estimate(&s).unwrap();
        assert!(est.problems.iter().any(|p| p.contains(key)), "{key}: {:?}", est.problems);
    }
    // A model-specific field goes only to the models that take it.
    let mut s = spec("quality", &[("gpt-image-2", 1), ("gemini-3.1-flash-image-preview", 1)]);
    s.fields = Some(serde_json::Map::from_iter([("quality".to_string(), serde_json::json!("low"))]));
    let v = e.runs.preview(&s).unwrap();
    assert_eq!(field(&v[0], "quality").as_deref(), Some("low"));
    assert_eq!(field(&v[1], "quality"), None);
    assert_eq!(e.runs.estimate(&s).unwrap().targets[0].per_image.credits, 1);
}

/// Runs `s` and returns (what the ledger recorded, what the server charged) for it.
async fn run_and_compare(e: &Engine, base: &str, s: Request) -> (RunView, i64, i64) {
    let before = sim_state(base).await["charged"].as_i64().unwrap();
    let r = e.runs.start(s, false).await.unwrap();
    let done = e.runs.wait(&r.id).await.unwrap();
    let after = sim_state(base).await["charged"].as_i64().unwrap();
    (
        done,
        e.store()
            .ledger_for_session(&e.sessions.id())
            .unwrap()
            .iter()
            .filter(|l| l.run_id == r.id)
            .map(|l| l.cost.credits)
            .sum(),
        after - before,
    )
}

async fn last_request(base: &str) -> serde_json::Value {
    let v: serde_json::Value = reqwest::get(format!("{base}/__sim/requests")).await.unwrap().json().await.unwrap();
    let reqs = v["requests"].as_array().unwrap();
    reqs.iter().rev().find(|r| r["method"] == "POST").cloned().unwrap()
}

#[tokio::test]
async fn a_run_of_every_variant_sync_and_async_costs_what_the_strict_sandbox_charged() {
    let sim =
        pixapi_sim::SimServer::start(pixapi_sim::SimConfig { credits: 100_000, ..Default::default() }).await.unwrap();
    let base = sim.base_url();
    let dir = tempfile::tempdir().unwrap();
    let e = engine_on(dir.path(), Arc::new(MemoryStore::default()), &base, "strict").await;
    let catalog = e.catalog.current();
    for entry in &catalog.entries {
        for mode in [SyncMode::Sync, SyncMode::Async] {
            let mut s = spec("every variant", &[(&entry.id, 1)]);
            s.mode = mode;
            let (done, ledger, charged) = run_and_compare(&e, &base, s).await;
            assert_eq!(done.status, RunStatus::Done, "{} {mode:?}: {:?}", entry.id, done.targets[0].error);
            assert_eq!(ledger, charged, "{} {mode:?}: ledger vs server", entry.id);
            assert_eq!(ledger, entry.credits, "{} {mode:?}", entry.id);
            let rec = last_request(&base).await;
            assert_eq!(rec["model"], entry.model.as_str(), "{rec}");
            assert_eq!(rec["unknown_fields"], serde_json::json!([]), "{}: {rec}", entry.id);
        }
    }
    // gpt-image-2 at two qualities, priced by its matrix.
    for (quality, credits) in [("low", 2), ("high", 67)] {
        let mut s = spec("quality", &[("gpt-image-2-2k", 1)]);
        s.fields = Some(serde_json::Map::from_iter([("quality".to_string(), serde_json::json!(quality))]));
        let (done, ledger, charged) = run_and_compare(&e, &base, s).await;
        assert_eq!(done.status, RunStatus::Done, "{:?}", done.targets[0].error);
        assert_eq!((ledger, charged), (credits, credits), "quality {quality}");
    }
    // A 16:9 comparison of the four 3.1 Flash variants: WxH sizes, delivered as asked.
    let mut s = spec("wide", &FLASH.iter().map(|m| (*m, 1)).collect::<Vec<_>>());
    s.aspect_ratio = Some("16:9".into());
    let (done, ledger, charged) = run_and_compare(&e, &base, s).await;
    assert_eq!(done.status, RunStatus::Done);
    assert_eq!((ledger, charged), (4 + 4 + 6 + 8, 4 + 4 + 6 + 8));
    let shapes: Vec<(u32, u32)> = done.targets.iter().map(|t| (t.outputs[0].width, t.outputs[0].height)).collect();
    assert_eq!(shapes, [(688, 384), (1376, 768), (2752, 1536), (5504, 3072)]);
    // An edit with two references: `image[]` twice on the wire.
    let refs = [
        e.references.add_bytes("a.png", png_bytes(64, 64, [200, 20, 20])).unwrap(),
        e.references.add_bytes("b.png", png_bytes(64, 64, [20, 20, 200])).unwrap(),
    ];
    let mut s = spec("edit", &[("gemini-3-pro-image-preview-2k", 1)]);
    s.images = refs.iter().map(|r| r.sha256.clone()).collect();
    let (done, ledger, charged) = run_and_compare(&e, &base, s).await;
    assert_eq!(done.status, RunStatus::Done, "{:?}", done.targets[0].error);
    assert_eq!((ledger, charged), (8, 8));
    let rec = last_request(&base).await;
    assert_eq!(rec["fields"].as_array().unwrap().iter().filter(|f| *f == "image[]").count(), 2, "{rec}");
    assert_eq!(rec["unknown_fields"], serde_json::json!([]), "{rec}");

    // Nano Banana 2 Lite: `size` is the ratio; an edit's reference is a data URL in JSON.
    let lite = "gemini-3.1-flash-lite-image";
    let mut s = spec("lite", &[(lite, 1)]);
    s.aspect_ratio = Some("16:9".into());
    let (done, ledger, charged) = run_and_compare(&e, &base, s).await;
    assert_eq!(done.status, RunStatus::Done, "{:?}", done.targets[0].error);
    assert_eq!((ledger, charged), (2, 2));
    let out = &done.targets[0].outputs[0];
    assert_eq!((out.width, out.height), (1376, 768));
    let expected = done.targets[0].expected_size.as_ref().unwrap();
    assert_eq!((expected.width, expected.height), (1376, 768), "the catalog's pixels for 16:9");
    let rec = last_request(&base).await;
    assert_eq!(rec["size"], "16:9", "{rec}");
    let mut s = spec("lite edit", &[(lite, 1)]);
    s.images = vec![refs[0].sha256.clone()];
    let (done, ledger, charged) = run_and_compare(&e, &base, s).await;
    assert_eq!(done.status, RunStatus::Done, "{:?}", done.targets[0].error);
    assert_eq!((ledger, charged), (2, 2));
    let rec = last_request(&base).await;
    assert_eq!(rec["path"], "/v1/images/edits", "{rec}");
    assert_eq!(rec["fields"].as_array().unwrap().iter().filter(|f| *f == "image").count(), 1, "{rec}");
    assert_eq!(rec["unknown_fields"], serde_json::json!([]), "{rec}");
    sim.shutdown().await;
}

#[tokio::test]
async fn billing_follows_the_delivered_size_and_says_so() {
    let sim = pixapi_sim::SimServer::start(Default::default()).await.unwrap();
    let base = sim.base_url();
    let dir = tempfile::tempdir().unwrap();
    let e = engine_on(dir.path(), Arc::new(MemoryStore::default()), &base, "strict").await;
    // Asked 4K, the model delivered 2K: 6 credits, not the 8 of the estimate.
    inject(&base, serde_json::json!({"kind": "deliver_size", "size": "2048x2048"})).await;
    let s = spec("smaller", &[("gemini-3.1-flash-image-preview-4k", 1)]);
    assert_eq!(e.runs.estimate(&s).unwrap().total.credits, 8);
    let (done, ledger, charged) = run_and_compare(&e, &base, s).await;
    assert_eq!((ledger, charged), (6, 6));
    let out = &done.targets[0].outputs[0];
    assert_eq!((out.width, out.height, out.billing.cost.credits), (2048, 2048, 6));
    // What was asked and what was billed travel as fields (the UI writes the sentence).
    assert_eq!((out.billing.asked_tier.as_str(), out.billing.billed_tier.as_str()), ("4K", "2K"));
    assert_eq!(out.billing.billed_entry, "gemini-3.1-flash-image-preview-2k");
    // The stored run reads back the same.
    let again = e.runs.get(&done.id).unwrap();
    assert_eq!(again.targets[0].outputs[0].billing, out.billing);
    // The alias with an explicit 4K size (what `pixbench run --model nano-banana-2 --size
    // 4096x4096` sends): estimated, charged and ledgered at 4K.
    let mut s = spec("explicit", &[("gemini-3.1-flash-image-preview", 1)]);
    s.targets[0].size = Some("4096x4096".into());
    assert_eq!(e.runs.estimate(&s).unwrap().total.credits, 8);
    let (_, ledger, charged) = run_and_compare(&e, &base, s).await;
    assert_eq!((ledger, charged), (8, 8));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_gateway_profile_can_ask_by_suffix_and_repeat_image() {
    let sim =
        pixapi_sim::SimServer::start(pixapi_sim::SimConfig { strict: false, ..Default::default() }).await.unwrap();
    let base = sim.base_url();
    let dir = tempfile::tempdir().unwrap();
    let e = engine_on(dir.path(), Arc::new(MemoryStore::default()), &base, "gateway").await;
    let p = e.profiles.list().unwrap().into_iter().find(|p| p.name == "gateway").unwrap();
    assert_eq!((p.request_style, p.image_parts), (RequestStyle::Size, ImageParts::Auto), "Pixapi's form by default");
    e.profiles
        .save(ProfileInput {
            id: Some(p.id.clone()),
            name: p.name.clone(),
            base_url: p.base_url.clone(),
            default_model: p.default_model.clone(),
            budget_credits: None,
            request_style: Some(RequestStyle::Suffix),
            image_parts: Some(ImageParts::Repeated),
            gateway: None,
        })
        .unwrap();
    let refs = [
        e.references.add_bytes("a.png", png_bytes(64, 64, [200, 20, 20])).unwrap(),
        e.references.add_bytes("b.png", png_bytes(64, 64, [20, 20, 200])).unwrap(),
    ];
    let mut s = spec("gateway", &[("gemini-3.1-flash-image-preview-2k", 1)]);
    s.images = refs.iter().map(|r| r.sha256.clone()).collect();
    let (done, ledger, charged) = run_and_compare(&e, &base, s).await;
    assert_eq!(done.status, RunStatus::Done, "{:?}", done.targets[0].error);
    assert_eq!((ledger, charged), (6, 6));
    let rec = last_request(&base).await;
    assert_eq!(rec["model"], "gemini-3.1-flash-image-preview-2k");
    assert_eq!(rec["fields"].as_array().unwrap().iter().filter(|f| *f == "image").count(), 2, "{rec}");
    sim.shutdown().await;
}
