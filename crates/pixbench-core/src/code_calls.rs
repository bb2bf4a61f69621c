//! A request as code: the [`WireCall`]s the app would send for a [`Request`], one per
//! request it makes (its sweep expanded), built by the same functions the runner builds its
//! wire requests with (`request::generation_for`), so the code cannot drift from what the
//! app sends. `pixbench_codegen` renders them as curl, Python or JavaScript.

use std::path::PathBuf;

use pixbench_codegen::{Endpoint, ImageEncoding, ImagePart, WireCall};

use crate::api::*;
use crate::catalog::Catalog;
use crate::error::{ui, CoreError, CoreResult};
use crate::store::ProfileRow;

/// The most calls one code export lists.
pub const MAX_CALLS: u64 = 1000;

/// The calls `request` makes through `profile` (its request style and image part names),
/// in the runner's order. `image_paths` are the files of `request.images`, in order (for a
/// stored reference, its blob's path). Refused, with the sentences the runner would say,
/// when the request could not be sent.
pub fn wire_calls(
    request: &Request,
    catalog: &Catalog,
    profile: &ProfileRow,
    image_paths: &[PathBuf],
) -> CoreResult<Vec<WireCall>> {
    let invalid = |m: String| CoreError::Ui(ui(ErrorKind::Invalid, m));
    if image_paths.len() != request.images.len() {
        return Err(invalid(format!(
            "The request has {} reference image(s) but {} file(s) were given for them.",
            request.images.len(),
            image_paths.len()
        )));
    }
    let plan = crate::sweep::plan(request, catalog);
    if !plan.problems.is_empty() {
        return Err(invalid(plan.problems.join(" ")));
    }
    if plan.count > MAX_CALLS {
        return Err(invalid(format!(
            "The request makes {} requests; code lists at most {MAX_CALLS}: sweep fewer values.",
            plan.count
        )));
    }
    let targets = crate::sweep::expand(request, catalog);
    let problems = crate::request::problems(request, &targets, catalog, &[]);
    if !problems.is_empty() {
        return Err(invalid(problems.join(" ")));
    }
    let mut out = Vec::with_capacity(targets.len());
    for t in &targets {
        let entry =
            catalog.get(&t.model_id).ok_or_else(|| invalid(format!("“{}” is not in the catalog.", t.model_id)))?;
        let g = crate::request::generation_for(request, entry, t, profile);
        let mut label = format!("{} ({})", entry.label, entry.id);
        for a in &t.axes {
            label.push_str(&format!(" · {} {}", a.axis, a.value));
        }
        let mut call = WireCall {
            label,
            endpoint: Endpoint::Generation,
            model: g.model,
            prompt: g.prompt,
            n: g.n,
            size: g.size,
            response_format: g.response_format.and_then(|r| serde_json::to_value(r).ok()?.as_str().map(str::to_string)),
            fields: g.extra,
            ..Default::default()
        };
        if request.kind() == RunKind::Edit {
            call.endpoint = Endpoint::Edit;
            call.images = image_paths.to_vec();
            call.image_part = match crate::request::image_field_style(profile).part_name(image_paths.len()) {
                "image[]" => ImagePart::ImageArray,
                _ => ImagePart::Image,
            };
            call.image_encoding = match crate::request::edit_encoding(entry) {
                pixapi::EditEncoding::JsonDataUrl => ImageEncoding::DataUrl,
                pixapi::EditEncoding::Multipart => ImageEncoding::Multipart,
            };
        }
        out.push(call);
    }
    Ok(out)
}

/// The base URL code falls back to when `PIXAPI_BASE_URL` is unset: the profile's, or for
/// the Sandbox (gone when the app or CLI exits) a `pixapi-sim --port 8787` run beside the
/// code, so code made on the Sandbox never reaches a paid API by accident.
pub fn code_base_url(profile: &ProfileRow) -> String {
    if profile.is_sandbox {
        SANDBOX_CODE_URL.to_string()
    } else {
        profile.base_url.clone()
    }
}

/// Where code made on the Sandbox sends when `PIXAPI_BASE_URL` is unset.
pub const SANDBOX_CODE_URL: &str = "http://127.0.0.1:8787";

/// `request` as code in `lang` (async when asked or when the request would go async), for
/// `profile`; `image_paths` name the files of `request.images`, in order.
pub fn code(
    request: &Request,
    catalog: &Catalog,
    profile: &ProfileRow,
    image_paths: &[PathBuf],
    lang: pixbench_codegen::Lang,
    force_async: bool,
) -> CoreResult<String> {
    let calls = wire_calls(request, catalog, profile, image_paths)?;
    let is_async = force_async || uses_async(request, catalog);
    Ok(pixbench_codegen::render(&calls, lang, is_async, &code_base_url(profile)))
}

/// Whether the code uses the async endpoints: as the request asks; for `auto`, when any of
/// its targets would go async (the catalog advises it for the large variants).
pub fn uses_async(request: &Request, catalog: &Catalog) -> bool {
    match request.mode {
        SyncMode::Async => true,
        SyncMode::Sync => false,
        SyncMode::Auto => request
            .targets
            .iter()
            .any(|t| catalog.get(&t.model_id).is_some_and(|e| crate::runs::is_async(SyncMode::Auto, e))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(parts: ImageParts) -> ProfileRow {
        ProfileRow {
            id: "p".into(),
            name: "p".into(),
            base_url: "http://127.0.0.1:1".into(),
            default_model: String::new(),
            budget_credits: None,
            is_sandbox: false,
            key_mask: None,
            request_style: RequestStyle::Size,
            image_parts: parts,
            key_origin: None,
            gateway: crate::presets::PIXAPI.into(),
        }
    }

    fn target(id: &str, n: u32) -> TargetSpec {
        TargetSpec { model_id: id.into(), n, ..Default::default() }
    }

    #[test]
    fn a_generation_is_one_call_per_target_as_the_runner_builds_it() {
        let c = Catalog::built_in();
        let mut r =
            Request::new("a fox", vec![target("gpt-image-2", 2), target("gemini-3.1-flash-image-preview-4k", 1)]);
        r.fields = Some(serde_json::json!({"quality": "high"}).as_object().unwrap().clone());
        r.aspect_ratio = Some("16:9".into());
        let p = profile(ImageParts::Auto);
        let calls = wire_calls(&r, &c, &p, &[]).unwrap();
        assert_eq!(calls.len(), 2);
        for (call, t) in calls.iter().zip(&r.targets) {
            let e = c.get(&t.model_id).unwrap();
            let g = crate::request::generation_for(&r, e, t, &p);
            assert_eq!((&call.model, &call.size, call.n), (&g.model, &g.size, g.n));
            assert_eq!(call.fields, g.extra);
            assert!(call.label.contains(&e.label), "{}", call.label);
            assert_eq!(call.endpoint, Endpoint::Generation);
        }
        assert_eq!(calls[0].fields.get("quality"), Some(&serde_json::Value::from("high")));
        assert!(calls[1].fields.get("quality").is_none(), "a Gemini model takes no quality");
        assert_eq!(calls[0].response_format.as_deref(), Some("b64_json"));
        assert!(uses_async(&r, &c), "auto: the 4K target goes async");
    }

    #[test]
    fn an_edit_names_its_files_and_the_profiles_part_names() {
        let c = Catalog::built_in();
        let mut r = Request::new("make it a poster", vec![target("gemini-3.1-flash-image-preview", 1)]);
        r.images = vec!["a".repeat(64), "b".repeat(64)];
        let files = vec![PathBuf::from("a.png"), PathBuf::from("b.png")];
        let auto = wire_calls(&r, &c, &profile(ImageParts::Auto), &files).unwrap();
        assert_eq!(auto[0].endpoint, Endpoint::Edit);
        assert_eq!(auto[0].images, files);
        assert_eq!(auto[0].image_part, ImagePart::ImageArray);
        let repeated = wire_calls(&r, &c, &profile(ImageParts::Repeated), &files).unwrap();
        assert_eq!(repeated[0].image_part, ImagePart::Image);
        assert!(wire_calls(&r, &c, &profile(ImageParts::Auto), &files[..1]).is_err());
    }

    #[test]
    fn a_sweep_is_one_call_per_combination_and_a_bad_request_is_refused() {
        let c = Catalog::built_in();
        let mut r = Request::new("a {{animal}}", vec![target("gpt-image-2", 1)]);
        r.sweep = vec![SweepAxis { axis: "quality".into(), values: vec!["low".into(), "high".into()] }];
        r.vars = vec![SweepVariable { name: "animal".into(), values: vec!["fox".into(), "owl".into()] }];
        let calls = wire_calls(&r, &c, &profile(ImageParts::Auto), &[]).unwrap();
        assert_eq!(calls.len(), 4);
        assert!(calls.iter().any(|c| c.prompt == "a owl" && c.fields.get("quality") == Some(&"high".into())));
        let empty = Request::new(" ", vec![target("gpt-image-2", 1)]);
        assert!(wire_calls(&empty, &c, &profile(ImageParts::Auto), &[]).is_err());
    }
}
