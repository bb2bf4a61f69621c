//! Requests: the checks a run spec must pass before anything is sent, and the wire request
//! each target sends, built exactly as Pixapi documents it (docs/CONTRACT.md).

use crate::api::*;
use crate::blobs::Blobs;
use crate::catalog::{wire_model_and_size, Catalog};
use crate::error::{ui, CoreError, CoreResult};
use crate::store::ProfileRow;

/// Reasons the contract (or the catalog's limits) would refuse a request whose requests are
/// `targets` (the request's own, or its sweep's expansion).
pub fn problems(spec: &Request, targets: &[TargetSpec], catalog: &Catalog, refs: &[ReferenceView]) -> Vec<String> {
    let mut p = Vec::new();
    if spec.prompt.trim().is_empty() {
        p.push("Write a prompt first.".to_string());
    }
    if targets.is_empty() {
        p.push("Pick at least one target.".to_string());
    }
    if let Some(opts) = &spec.fields {
        p.extend(field_problems(opts));
    }
    for t in targets {
        let Some(e) = catalog.get(&t.model_id) else {
            p.push(format!("“{}” is not in the catalog.", t.model_id));
            continue;
        };
        if t.n < 1 || t.n > e.max_n {
            p.push(format!("{}: n must be between 1 and {}.", e.label, e.max_n));
        }
        if let Some(ar) = target_aspect(spec, t) {
            if t.size.is_none() && !e.aspect_ratios.iter().any(|a| a == ar) {
                p.push(format!("{} does not offer the aspect ratio {ar}.", e.label));
            }
        }
        if let Some(size) = &t.size {
            if crate::catalog::size_dims(size, e.long_edge).is_none() {
                p.push(format!("{}: the size “{size}” is not WIDTHxHEIGHT (e.g. 1536x1024) or 2K / 4K.", e.label));
            }
        }
        if let Some(fields) = &t.fields {
            for problem in field_problems(fields) {
                let problem = format!("{}: {problem}", e.label);
                if !p.contains(&problem) {
                    p.push(problem);
                }
            }
        }
        if t.prompt.as_deref().is_some_and(|s| s.trim().is_empty()) {
            p.push(format!("{}: this target's prompt is empty.", e.label));
        }
        if spec.kind() == RunKind::Edit {
            if !e.supports_edit {
                p.push(format!("{} does not take reference images.", e.label));
            } else if spec.images.len() > e.max_references as usize {
                p.push(format!(
                    "{} takes at most {} reference images; there are {}.",
                    e.label,
                    e.max_references,
                    spec.images.len()
                ));
            }
            for r in refs {
                if r.bytes > e.max_reference_bytes {
                    p.push(format!("{} is too large for {} ({} bytes max).", r.name, e.label, e.max_reference_bytes));
                }
            }
        }
    }
    p
}

/// Reasons the model-specific fields of `opts` would be refused.
fn field_problems(opts: &serde_json::Map<String, serde_json::Value>) -> Vec<String> {
    let mut p = Vec::new();
    for key in opts.keys() {
        if crate::catalog::TYPED_FIELDS.contains(&key.as_str()) {
            p.push(format!(
                "The extra field “{key}” cannot be set by hand: the request sets it from the composer (target, n, size, format, images)."
            ));
        }
    }
    for spec_field in crate::catalog::field_specs() {
        let Some(v) = opts.get(&spec_field.name) else { continue };
        let ok = if spec_field.values.is_empty() {
            v.as_u64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())).is_some_and(|n| {
                spec_field.min.is_none_or(|m| n >= m as u64) && spec_field.max.is_none_or(|m| n <= m as u64)
            })
        } else {
            v.as_str().is_some_and(|s| spec_field.values.iter().any(|x| x == s))
        };
        if !ok {
            let allowed = if spec_field.values.is_empty() {
                format!("a whole number from {} to {}", spec_field.min.unwrap_or(0), spec_field.max.unwrap_or(100))
            } else {
                spec_field.values.join(", ")
            };
            p.push(format!("{} must be {allowed}.", spec_field.label));
        }
    }
    p
}

/// The aspect ratio a target is asked at: its own (a sweep's), else the run's.
pub fn target_aspect<'a>(spec: &'a Request, target: &'a TargetSpec) -> Option<&'a str> {
    target.aspect_ratio.as_deref().or(spec.aspect_ratio.as_deref())
}

/// The prompt a target sends: its own (a sweep's expanded template), else the run's.
pub fn target_prompt<'a>(spec: &'a Request, target: &'a TargetSpec) -> &'a str {
    target.prompt.as_deref().unwrap_or(&spec.prompt)
}

/// The model-specific fields a target is asked with: its own over the run's.
pub fn target_options(spec: &Request, target: &TargetSpec) -> serde_json::Map<String, serde_json::Value> {
    let mut out = spec.fields.clone().unwrap_or_default();
    for (k, v) in target.fields.iter().flatten() {
        out.insert(k.clone(), v.clone());
    }
    out
}

pub(crate) enum WireRequest {
    Generate(pixapi::GenerationRequest),
    Edit(pixapi::EditRequest),
}

/// The `quality` a target is asked at, if its model takes one.
pub(crate) fn quality_for(spec: &Request, target: &TargetSpec, entry: &CatalogEntry) -> Option<String> {
    if !entry.fields.iter().any(|f| f == "quality") {
        return None;
    }
    if let Some(q) = target.fields.as_ref().and_then(|f| f.get("quality")) {
        return q.as_str().map(str::to_string);
    }
    spec.fields.as_ref()?.get("quality")?.as_str().map(str::to_string)
}

/// The extra fields one target is sent: the model-specific fields its entry lists, and any
/// free-form field no catalog field names (for other gateways). Typed fields never.
fn extra_fields(
    spec: &Request,
    target: &TargetSpec,
    entry: &CatalogEntry,
) -> serde_json::Map<String, serde_json::Value> {
    let known: Vec<String> = crate::catalog::field_specs().into_iter().map(|f| f.name).collect();
    let mut out = serde_json::Map::new();
    for (k, v) in target_options(spec, target) {
        if crate::catalog::TYPED_FIELDS.contains(&k.as_str()) {
            continue;
        }
        if !known.contains(&k) || entry.fields.contains(&k) {
            out.insert(k, v);
        }
    }
    out
}

/// The fields one target sends, as a generation (an edit sends the same beside its images):
/// `model` and `size` in the profile's style, the target's prompt, `n`, the response format
/// its model takes, and its extra fields. The one place these rules are applied: the runner
/// and the code export (`code_calls`) both call it.
pub(crate) fn generation_for(
    spec: &Request,
    entry: &CatalogEntry,
    target: &TargetSpec,
    profile: &ProfileRow,
) -> pixapi::GenerationRequest {
    let (model, size) =
        wire_model_and_size(entry, target_aspect(spec, target), target.size.as_deref(), profile.request_style);
    let prompt = target_prompt(spec, target).to_string();
    // A model that always answers base64 refuses the field (OpenAI's gpt-image models).
    let response_format = (!entry.b64_only).then_some(match spec.response_format {
        ResponseFormatChoice::B64Json => pixapi::ResponseFormat::B64Json,
        ResponseFormatChoice::Url => pixapi::ResponseFormat::Url,
    });
    let extra = extra_fields(spec, target, entry);
    pixapi::GenerationRequest { model, prompt, n: Some(target.n), size, response_format, extra }
}

/// How a profile names several image parts.
pub(crate) fn image_field_style(profile: &ProfileRow) -> pixapi::ImageFieldStyle {
    match profile.image_parts {
        ImageParts::Auto => pixapi::ImageFieldStyle::Auto,
        ImageParts::Repeated => pixapi::ImageFieldStyle::Repeated,
    }
}

/// How a model's edits carry their images.
pub(crate) fn edit_encoding(entry: &CatalogEntry) -> pixapi::EditEncoding {
    match entry.edit_images {
        EditImages::Files => pixapi::EditEncoding::Multipart,
        EditImages::DataUrl => pixapi::EditEncoding::JsonDataUrl,
    }
}

pub(crate) fn build_request(
    blobs: &Blobs,
    spec: &Request,
    entry: &CatalogEntry,
    target: &TargetSpec,
    profile: &ProfileRow,
    refs: &[ReferenceView],
) -> CoreResult<WireRequest> {
    let g = generation_for(spec, entry, target, profile);
    Ok(match spec.kind() {
        RunKind::Generate => WireRequest::Generate(g),
        RunKind::Edit => {
            let mut images = Vec::with_capacity(refs.len());
            for r in refs {
                let bytes = blobs.get(&r.sha256).map_err(|e| CoreError::Ui(ui(ErrorKind::Missing, e.to_string())))?;
                let mut input = pixapi::ImageInput::from_bytes(r.name.clone(), bytes);
                input.mime = r.mime.clone();
                images.push(input);
            }
            let mut e = pixapi::EditRequest::new(g.model, g.prompt, images);
            e.n = g.n;
            e.size = g.size;
            e.response_format = g.response_format;
            e.extra = g.extra;
            e.image_field = image_field_style(profile);
            e.encoding = edit_encoding(entry);
            WireRequest::Edit(e)
        }
    })
}

pub(crate) fn describe(client: &pixapi::Client, req: &WireRequest, is_async: bool) -> RequestView {
    let d = match (req, is_async) {
        (WireRequest::Generate(g), false) => client.describe_generation(g),
        (WireRequest::Generate(g), true) => client.describe_async_generation(g),
        (WireRequest::Edit(e), false) => client.describe_edit(e),
        (WireRequest::Edit(e), true) => client.describe_async_edit(e),
    };
    request_view(d)
}

pub fn request_view(d: pixapi::RequestDescription) -> RequestView {
    let (json_body, parts) = match d.body {
        pixapi::RequestBody::None => (None, vec![]),
        pixapi::RequestBody::Json(v) => (Some(v), vec![]),
        pixapi::RequestBody::Multipart(ps) => (
            None,
            ps.into_iter()
                .map(|p| RequestPart {
                    name: p.name,
                    file_name: p.file_name,
                    mime: p.mime,
                    size: p.size as u64,
                    text: p.text,
                })
                .collect(),
        ),
    };
    RequestView { method: d.method, url: d.url, headers: d.headers, json_body, parts }
}

pub fn request_description(v: &RequestView) -> pixapi::RequestDescription {
    pixapi::RequestDescription {
        method: v.method.clone(),
        url: v.url.clone(),
        headers: v.headers.clone(),
        body: match (&v.json_body, v.parts.is_empty()) {
            (Some(j), _) => pixapi::RequestBody::Json(j.clone()),
            (None, false) => pixapi::RequestBody::Multipart(
                v.parts
                    .iter()
                    .map(|p| pixapi::PartDescription {
                        name: p.name.clone(),
                        file_name: p.file_name.clone(),
                        mime: p.mime.clone(),
                        size: p.size as usize,
                        text: p.text.clone(),
                    })
                    .collect(),
            ),
            (None, true) => pixapi::RequestBody::None,
        },
    }
}
