//! The OpenAI flavour ([`crate::Flavour::OpenAi`]): OpenAI's Images API as its published
//! OpenAPI spec defines it (`tests/spec/openai-images.yml`: `CreateImageRequest`,
//! `CreateImageEditRequest`, `EditImageBodyJsonParam`, `ImagesResponse`, `ImagesUsage`,
//! `ErrorResponse`), for the GPT image models, with token usage and dollar billing.
//!
//! The rules where the spec is silent or names what the Sandbox cannot serve are ours and
//! are documented in the crate doc ("OpenAI flavour"); each is marked "Sandbox rule" here.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::StatusCode;
use serde_json::Value;

use crate::catalog::{Family, ModelEntry, Resolved, Tier};
use crate::errors::{ApiError, OpenAiCode as Code};
use crate::imagegen::Encoding;
use crate::request::{self, ImageRequest, ImageSrc, Raw, ResponseFormat, MAX_PROMPT_CHARS};
use crate::state::Shared;

/// The models this flavour serves (besides `SimConfig::extra_models`). All take the GPT
/// image sizes; `family` only picks the output encodings and latency tiers.
pub const MODELS: &[ModelEntry] = &[model("gpt-image-1"), model("gpt-image-1-mini"), model("gpt-image-1.5")];

const fn model(id: &'static str) -> ModelEntry {
    ModelEntry {
        id,
        owned_by: "openai",
        created: 1_767_225_600,
        family: Family::GptImage15,
        tier: None,
        suffixed: false,
    }
}

/// The model of a request in this flavour: ours, or an extra of the configuration.
pub fn lookup<'a>(shared: &'a Shared, id: &str) -> Option<&'a ModelEntry> {
    MODELS.iter().find(|e| e.id == id).or_else(|| shared.extras.iter().find(|e| e.id == id))
}

/// Fields of `CreateImageRequest` (generations, JSON).
const GENERATION_FIELDS: &[&str] = &[
    "prompt",
    "model",
    "n",
    "quality",
    "response_format",
    "output_format",
    "output_compression",
    "stream",
    "partial_images",
    "size",
    "moderation",
    "background",
    "style",
    "user",
];
/// Fields of `CreateImageEditRequest` (edits, multipart). `image[]` is how the SDKs send the
/// `image` array. No `moderation` here: the spec has none on multipart edits.
const EDIT_MULTIPART_FIELDS: &[&str] = &[
    "image",
    "image[]",
    "prompt",
    "mask",
    "background",
    "model",
    "n",
    "size",
    "response_format",
    "output_format",
    "output_compression",
    "user",
    "input_fidelity",
    "stream",
    "partial_images",
    "quality",
];
/// Fields of `EditImageBodyJsonParam` (edits, JSON).
const EDIT_JSON_FIELDS: &[&str] = &[
    "model",
    "images",
    "mask",
    "prompt",
    "n",
    "quality",
    "input_fidelity",
    "size",
    "user",
    "output_format",
    "output_compression",
    "moderation",
    "background",
    "stream",
    "partial_images",
];

/// Most images an edit takes ("You can provide up to 16 images").
const MAX_EDIT_IMAGES: usize = 16;
pub use crate::openai_bill::{rates, text_tokens, OpenAiJob, IMAGE_TOKENS_PER_INPUT};

fn bad(param: &str, code: Code, message: String) -> ApiError {
    ApiError::openai(StatusCode::BAD_REQUEST, message, Some(param), Some(code))
}

fn unknown(name: &str) -> ApiError {
    bad(name, Code::UnknownParameter, format!("Unknown parameter: '{name}'."))
}

fn missing(name: &str, more: &str) -> ApiError {
    bad(name, Code::MissingRequiredParameter, format!("Missing required parameter: '{name}'.{more}"))
}

pub fn model_not_found(model: &str) -> ApiError {
    ApiError::openai(
        StatusCode::NOT_FOUND,
        format!("The model `{model}` does not exist or you do not have access to it."),
        None,
        Some(Code::ModelNotFound),
    )
}

/// A path this flavour does not serve (Pixapi's async endpoints), as OpenAI words it.
pub fn no_route(method: &str, path: &str) -> ApiError {
    ApiError::not_found(format!("Invalid URL ({method} {path})"))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a decimal",
        Value::Bool(_) => "a boolean",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
        Value::Null => "null",
    }
}

fn invalid_type(name: &str, expected: &str, got: &Value) -> ApiError {
    bad(
        name,
        Code::InvalidType,
        format!("Invalid type for '{name}': expected {expected}, but got {} instead.", type_name(got)),
    )
}

/// A field's value; `null` is absent (the spec marks the optional fields nullable).
fn value<'a>(raw: &'a Raw, name: &str) -> Option<&'a Value> {
    raw.fields.get(name).filter(|v| !v.is_null())
}

fn get_str<'a>(raw: &'a Raw, name: &str) -> Result<Option<&'a str>, ApiError> {
    match value(raw, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(invalid_type(name, "a string", v)),
    }
}

/// An integer field in `min..=max`; a multipart text part is parsed.
fn get_int(raw: &Raw, name: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
    let n = match value(raw, name) {
        None => return Ok(None),
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64().unwrap_or_default(),
        Some(v @ Value::String(s)) if raw.multipart => {
            s.trim().parse().map_err(|_| invalid_type(name, "an integer", v))?
        }
        Some(v) => return Err(invalid_type(name, "an integer", v)),
    };
    if n < min {
        let msg =
            format!("Invalid '{name}': integer below minimum value. Expected a value >= {min}, but got {n} instead.");
        return Err(bad(name, Code::IntegerBelowMinValue, msg));
    }
    if n > max {
        let msg =
            format!("Invalid '{name}': integer above maximum value. Expected a value <= {max}, but got {n} instead.");
        return Err(bad(name, Code::IntegerAboveMaxValue, msg));
    }
    Ok(Some(n))
}

fn get_bool(raw: &Raw, name: &str) -> Result<Option<bool>, ApiError> {
    match value(raw, name) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if raw.multipart && s.trim().eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if raw.multipart && s.trim().eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(v) => Err(invalid_type(name, "a boolean", v)),
    }
}

/// A string field that must be one of `allowed` (exact, as the spec's enums).
fn one_of(raw: &Raw, name: &str, allowed: &[&'static str]) -> Result<Option<&'static str>, ApiError> {
    let Some(v) = get_str(raw, name)? else { return Ok(None) };
    allowed.iter().copied().find(|a| *a == v).map(Some).ok_or_else(|| {
        let quoted: Vec<String> = allowed.iter().map(|a| format!("'{a}'")).collect();
        let (last, init) = quoted.split_last().expect("a non-empty list");
        bad(
            name,
            Code::InvalidValue,
            format!("Invalid value: '{v}'. Supported values are: {}, and {last}.", init.join(", ")),
        )
    })
}

/// Reads the body: JSON (generations, edits), or multipart (edits only).
async fn read(shared: &Shared, req: Request, edit: bool, body_out: &mut Option<Value>) -> Result<Raw, ApiError> {
    if request::content_type(&req).starts_with("multipart/form-data") {
        if !edit {
            return Err(ApiError::bad_body("Image generations take an application/json body."));
        }
        return request::multipart_body(shared, req, body_out).await;
    }
    let bytes = request::body_bytes(shared, req).await?;
    let raw = request::json_object(&bytes)?;
    *body_out = Some(raw.log.clone());
    Ok(raw)
}

/// An `ImageRefParam` of a JSON edit: `{"image_url": ..}` (a data URL, or this server's
/// own `/files/` URL); `file_id` needs OpenAI's Files API, which the Sandbox has not.
fn image_ref(v: &Value, param: &str) -> Result<ImageSrc, ApiError> {
    let Value::Object(o) = v else { return Err(invalid_type(param, "an object", v)) };
    if let Some(extra) = o.keys().find(|k| !matches!(k.as_str(), "image_url" | "file_id")) {
        return Err(unknown(&format!("{param}.{extra}")));
    }
    match (o.get("image_url"), o.get("file_id")) {
        (Some(Value::String(url)), None) => Ok(ImageSrc::Text(url.clone())),
        (Some(u), None) => Err(invalid_type(&format!("{param}.image_url"), "a string", u)),
        (None, Some(_)) => Err(bad(
            param,
            Code::InvalidValue,
            "The Sandbox has no Files API: reference images by 'image_url' (a data URL).".into(),
        )),
        _ => Err(bad(param, Code::InvalidValue, format!("'{param}' takes exactly one of 'image_url' or 'file_id'."))),
    }
}

/// The reference images and mask of an edit.
fn edit_images(raw: &mut Raw) -> Result<(Vec<ImageSrc>, Option<ImageSrc>), ApiError> {
    if raw.multipart {
        // The spec's `image` and `mask` are binary files: a text part is not one.
        let param = if raw.names.iter().any(|n| n == "image[]") { "image[]" } else { "image" };
        if raw.images.iter().any(|i| matches!(i, ImageSrc::Text(_))) {
            return Err(bad(param, Code::InvalidValue, "Send each image as a file part (binary), not text.".into()));
        }
        if matches!(raw.mask, Some(ImageSrc::Text(_))) {
            return Err(bad("mask", Code::InvalidValue, "Send the mask as a file part (binary), not text.".into()));
        }
        if raw.images.is_empty() {
            return Err(missing("image", ""));
        }
        return Ok((std::mem::take(&mut raw.images), raw.mask.take()));
    }
    let images = match value(raw, "images") {
        None => return Err(missing("images", "")),
        Some(Value::Array(items)) if items.is_empty() => {
            return Err(bad(
                "images",
                Code::EmptyArray,
                "Invalid 'images': empty array. Expected at least 1 item.".into(),
            ))
        }
        Some(Value::Array(items)) => items.iter().map(|v| image_ref(v, "images")).collect::<Result<Vec<_>, _>>()?,
        Some(v) => return Err(invalid_type("images", "an array", v)),
    };
    let mask = value(raw, "mask").map(|m| image_ref(m, "mask")).transpose()?;
    Ok((images, mask))
}

/// Reads and validates an image request as OpenAI's Images API would (see the module doc);
/// `body_out` receives the body as the request log keeps it as soon as it is read.
pub async fn parse(
    shared: &Arc<Shared>,
    req: Request,
    edit: bool,
    body_out: &mut Option<Value>,
) -> Result<ImageRequest, ApiError> {
    let host_base = crate::state::base_url_of(shared, req.headers());
    let mut raw = read(shared, req, edit, body_out).await?;
    let allowed = match (edit, raw.multipart) {
        (false, _) => GENERATION_FIELDS,
        (true, true) => EDIT_MULTIPART_FIELDS,
        (true, false) => EDIT_JSON_FIELDS,
    };
    if let Some(name) = raw.names.iter().find(|n| !allowed.contains(&n.as_str())) {
        return Err(unknown(name));
    }
    // In the spec for DALL-E; OpenAI refuses them for the GPT image models as unknown
    // parameters ("isn't supported for the GPT image models, which always return base64").
    if let Some(name) = ["response_format", "style"].into_iter().find(|n| raw.fields.contains_key(*n)) {
        return Err(unknown(name));
    }

    // Generations default to dall-e-2, which the Sandbox does not serve (Sandbox rule: a
    // 400); edits default to gpt-image-1.5, as both edit schemas say.
    let model = match get_str(&raw, "model")? {
        Some(m) => m.to_string(),
        None if edit => "gpt-image-1.5".to_string(),
        None => {
            return Err(missing(
                "model",
                " The default model of this endpoint, dall-e-2, is not served here: name gpt-image-1, gpt-image-1-mini or gpt-image-1.5.",
            ))
        }
    };
    let entry = *lookup(shared, &model).ok_or_else(|| model_not_found(&model))?;
    let prompt = get_str(&raw, "prompt")?.ok_or_else(|| missing("prompt", ""))?.to_string();
    if prompt.is_empty() {
        let msg = "Invalid 'prompt': string too short. Expected a string with minimum length 1, but got an empty string instead.";
        return Err(bad("prompt", Code::StringBelowMinLength, msg.into()));
    }
    let chars = prompt.chars().count();
    if chars > MAX_PROMPT_CHARS {
        let msg = format!("Invalid 'prompt': string too long. Expected a string with maximum length {MAX_PROMPT_CHARS}, but got a string with length {chars} instead.");
        return Err(bad("prompt", Code::StringAboveMaxLength, msg));
    }
    let n = get_int(&raw, "n", 1, 10)?.unwrap_or(1) as u32;
    let size = one_of(&raw, "size", &["1024x1024", "1536x1024", "1024x1536", "auto"])?;
    let (width, height) = match size.unwrap_or("auto") {
        "1536x1024" => (1536, 1024),
        "1024x1536" => (1024, 1536),
        _ => (1024, 1024),
    };
    // `auto` (and absent) is served as `high`: Sandbox rule.
    let quality = match one_of(&raw, "quality", &["low", "medium", "high", "auto"])? {
        Some("low") => "low",
        Some("medium") => "medium",
        _ => "high",
    };
    let background = one_of(&raw, "background", &["transparent", "opaque", "auto"])?;
    let output_format = one_of(&raw, "output_format", &["png", "jpeg", "webp"])?.unwrap_or("png");
    if background == Some("transparent") && output_format == "jpeg" {
        let msg = "A transparent background needs an output_format that supports transparency: 'png' or 'webp'.";
        return Err(bad("background", Code::InvalidValue, msg.into()));
    }
    let compression = get_int(&raw, "output_compression", 0, 100)?;
    one_of(&raw, "moderation", &["low", "auto"])?;
    get_str(&raw, "user")?;
    if one_of(&raw, "input_fidelity", &["high", "low"])?.is_some() && model == "gpt-image-1-mini" {
        let msg = "'input_fidelity' is not supported for gpt-image-1-mini.";
        return Err(bad("input_fidelity", Code::UnsupportedParameter, msg.into()));
    }
    if get_bool(&raw, "stream")? == Some(true) {
        let msg = "The Sandbox does not stream: send 'stream': false or leave it out.";
        return Err(bad("stream", Code::UnsupportedValue, msg.into()));
    }
    // Only meaningful when streaming, which never happens here: checked, then ignored.
    get_int(&raw, "partial_images", 0, 3)?;

    let mut references = Vec::new();
    let mut image_tokens = 0;
    if edit {
        let (images, mask) = edit_images(&mut raw)?;
        let param = if raw.multipart { "image" } else { "images" };
        if images.len() > MAX_EDIT_IMAGES {
            let msg = format!("Too many images: {} sent, at most {MAX_EDIT_IMAGES}.", images.len());
            return Err(bad(param, Code::InvalidValue, msg));
        }
        image_tokens = IMAGE_TOKENS_PER_INPUT * (images.len() + usize::from(mask.is_some())) as i64;
        let mut blobs = Vec::new();
        for (i, src) in images.into_iter().enumerate() {
            blobs.push(request::load_source(shared, &host_base, src, param, i)?);
        }
        let mask = mask.map(|m| request::load_source(shared, &host_base, m, "mask", 0)).transpose()?;
        references = request::decode_all(blobs, mask).await?;
    }
    let job = OpenAiJob {
        quality,
        background: if background == Some("transparent") { "transparent" } else { "opaque" },
        output_format,
        text_tokens: text_tokens(&prompt),
        image_tokens,
        rates: rates(&model),
    };
    let resolved = Resolved {
        family: Family::GptImage15,
        variant_id: entry.id.to_string(),
        tier: if width.max(height) <= 1024 { Tier::T1K } else { Tier::T2K },
        width,
        height,
        credits_per_image: 0,
    };
    Ok(ImageRequest {
        model,
        resolved,
        prompt,
        n,
        response_format: ResponseFormat::B64Json,
        references,
        size: get_str(&raw, "size")?.map(str::to_string),
        quality: get_str(&raw, "quality")?.map(str::to_string),
        encoding: Encoding::from_request(Some(output_format), compression).unwrap_or_default(),
        fields: raw.names,
        unknown_fields: vec![],
        openai: Some(job),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openai_bill::output_tokens_per_image;

    #[test]
    fn token_table_and_rates() {
        assert_eq!(output_tokens_per_image("low", 1024, 1024), 272);
        assert_eq!(output_tokens_per_image("medium", 1536, 1024), 1568);
        assert_eq!(output_tokens_per_image("high", 1024, 1536), 6240);
        assert_eq!(output_tokens_per_image("high", 2048, 2048), 4 * 4160);
        assert_eq!((text_tokens("a fox"), text_tokens("abcd"), text_tokens("")), (2, 1, 0));
        let job = OpenAiJob {
            quality: "low",
            background: "opaque",
            output_format: "png",
            text_tokens: 2,
            image_tokens: 516,
            rates: rates("gpt-image-1-mini"),
        };
        let (usage, usd) = job.bill(1024, 1024, 2);
        assert_eq!(usage["output_tokens"], 544);
        assert_eq!(usage["input_tokens"], 518);
        assert_eq!(usage["total_tokens"], 1062);
        // 2 x $2 + 516 x $2.50 + 544 x $8 per million.
        assert_eq!(usd, 4 + 1290 + 4352);
    }
}
