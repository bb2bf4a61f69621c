//! Reading answers: images (sync and task results), task status, models; elision of
//! inline base64 for display. Big bodies are parsed from the byte slice with borrowed
//! strings, so a base64 payload is never copied before it is decoded.

use std::borrow::Cow;

use base64::Engine;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;

pub use crate::elide::elide_b64;
use crate::error::{plausible_request_id, Error};
use crate::inline::Inline;
use crate::types::{AnswerData, AnswerItem, ModelInfo, TaskState};

/// Decodes base64 as servers send it: standard alphabet, padded or not, with line
/// breaks, URL-safe alphabet, or a `data:...;base64,` URL.
pub fn decode_b64(s: &str) -> Result<Vec<u8>, String> {
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
    use base64::engine::DecodePaddingMode;
    let s = match s.strip_prefix("data:") {
        Some(rest) => rest.split_once(',').map(|(_, d)| d).unwrap_or(rest),
        None => s,
    };
    match STANDARD.decode(s) {
        Ok(v) => Ok(v),
        Err(first) => {
            let cleaned: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            let cfg = GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
            GeneralPurpose::new(&base64::alphabet::STANDARD, cfg)
                .decode(&cleaned)
                .or_else(|_| GeneralPurpose::new(&base64::alphabet::URL_SAFE, cfg).decode(&cleaned))
                .map_err(|_| format!("bad base64: {first}"))
        }
    }
}

/// A string borrowed from the body when it has no escapes.
#[derive(Deserialize)]
struct Str<'a>(#[serde(borrow)] Cow<'a, str>);

#[derive(Deserialize)]
struct WireItem<'a> {
    #[serde(borrow, default)]
    b64_json: Option<Str<'a>>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    revised_prompt: Option<String>,
}

#[derive(Deserialize)]
struct WireAnswer<'a> {
    #[serde(default)]
    created: Option<Value>,
    #[serde(borrow, default)]
    data: Option<Vec<WireItem<'a>>>,
    #[serde(default)]
    usage: Option<Value>,
    #[serde(default)]
    request_id: Option<Value>,
    #[serde(default)]
    id: Option<Value>,
}

/// A parsed images answer.
#[derive(Debug)]
pub(crate) struct ParsedImages {
    pub created: Option<i64>,
    pub items: Vec<AnswerItem>,
    pub usage: Option<Value>,
    pub request_id: Option<String>,
}

fn as_i64(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)).or_else(|| v.as_str()?.parse().ok())
}

fn as_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The items' images; a `b64_json` value that is a token of `inline` is the bytes
/// decoded while the body arrived.
fn decode_items(items: Vec<WireItem<'_>>, mut inline: Option<&mut Inline>) -> Result<Vec<AnswerItem>, Error> {
    let mut out = Vec::with_capacity(items.len());
    for (i, it) in items.into_iter().enumerate() {
        let data = match (it.b64_json, it.url) {
            (Some(b), _) if !b.0.is_empty() => AnswerData::Bytes(match inline.as_mut().and_then(|x| x.take(&b.0)) {
                Some(bytes) => bytes,
                None => Bytes::from(
                    decode_b64(&b.0).map_err(|e| Error::Malformed { detail: format!("data[{i}].b64_json: {e}") })?,
                ),
            }),
            (_, Some(u)) if !u.is_empty() => AnswerData::Url(u),
            _ => return Err(Error::Malformed { detail: format!("data[{i}] has neither b64_json nor url") }),
        };
        out.push(AnswerItem { data, revised_prompt: it.revised_prompt });
    }
    Ok(out)
}

/// Reads a sync images answer (`{"created", "data": [...], "usage"}`). An answer with
/// no `data` items is malformed.
pub(crate) fn parse_images(body: &[u8]) -> Result<ParsedImages, Error> {
    images_in(body, None)
}

/// [`parse_images`] of a body read by [`crate::inline::InlineScan`], from its skeleton:
/// `None` when that gives an error or leaves a token unused (in a field kept as is);
/// the caller then reads the restored body whole, so the outcome is always
/// `parse_images(body)`'s.
pub(crate) fn images_from_skeleton(inline: &mut Inline) -> Option<ParsedImages> {
    from_skeleton(inline, images_in)
}

fn from_skeleton<T>(inline: &mut Inline, parse: fn(&[u8], Option<&mut Inline>) -> Result<T, Error>) -> Option<T> {
    let skeleton = std::mem::take(&mut inline.skeleton);
    let p = parse(&skeleton, Some(inline));
    inline.skeleton = skeleton;
    p.ok().filter(|_| inline.all_used())
}

fn images_in(body: &[u8], inline: Option<&mut Inline>) -> Result<ParsedImages, Error> {
    let w: WireAnswer<'_> = serde_json::from_slice(body)
        .map_err(|e| Error::Malformed { detail: format!("answer is not the expected JSON: {e}") })?;
    let items = decode_items(w.data.unwrap_or_default(), inline)?;
    if items.is_empty() {
        return Err(Error::Malformed { detail: "the answer holds no images".into() });
    }
    Ok(ParsedImages {
        created: w.created.as_ref().and_then(as_i64),
        items,
        usage: w.usage,
        request_id: w.request_id.as_ref().or(w.id.as_ref()).and_then(as_string).and_then(|s| plausible_request_id(&s)),
    })
}

#[derive(Deserialize)]
struct WireResultObj<'a> {
    #[serde(borrow, default)]
    data: Option<Vec<WireItem<'a>>>,
    #[serde(borrow, default)]
    images: Option<Vec<WireItem<'a>>>,
    #[serde(default)]
    created: Option<Value>,
    #[serde(default)]
    usage: Option<Value>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum WireResult<'a> {
    #[serde(borrow)]
    Obj(WireResultObj<'a>),
    #[serde(borrow)]
    List(Vec<WireItem<'a>>),
    Other(#[allow(dead_code)] Value),
}

#[derive(Deserialize)]
struct WireTask<'a> {
    #[serde(borrow, default)]
    result: Option<WireResultObj<'a>>,
    #[serde(borrow, default)]
    data: Option<Vec<WireItem<'a>>>,
    #[serde(default)]
    created: Option<Value>,
    #[serde(default)]
    usage: Option<Value>,
}

/// Reads the images of a completed task: `result.data[]` (documented), or
/// `result.images[]`, `result` as a list, or top-level `data[]`.
pub(crate) fn parse_task_images(body: &[u8]) -> Result<ParsedImages, Error> {
    task_images_in(body, None)
}

/// [`parse_task_images`] from a skeleton (see [`images_from_skeleton`]).
pub(crate) fn task_images_from_skeleton(inline: &mut Inline) -> Option<ParsedImages> {
    from_skeleton(inline, task_images_in)
}

fn task_images_in(body: &[u8], inline: Option<&mut Inline>) -> Result<ParsedImages, Error> {
    let bad = |e: serde_json::Error| Error::Malformed { detail: format!("task answer is not the expected JSON: {e}") };
    let (items, created, usage) = match serde_json::from_slice::<WireTask<'_>>(body) {
        Ok(t) => {
            let (r_items, r_created, r_usage) = match t.result {
                Some(r) => (r.data.or(r.images), r.created, r.usage),
                None => (None, None, None),
            };
            (r_items.or(t.data), r_created.or(t.created), r_usage.or(t.usage))
        }
        Err(_) => {
            // `result` is not an object: try it as a list.
            #[derive(Deserialize)]
            struct Loose<'a> {
                #[serde(borrow, default)]
                result: Option<WireResult<'a>>,
                #[serde(borrow, default)]
                data: Option<WireResult<'a>>,
                #[serde(default)]
                created: Option<Value>,
                #[serde(default)]
                usage: Option<Value>,
            }
            let l: Loose<'_> = serde_json::from_slice(body).map_err(bad)?;
            let (items, created, usage) = match l.result {
                Some(WireResult::List(v)) => (Some(v), None, None),
                Some(WireResult::Obj(o)) => (o.data.or(o.images), o.created, o.usage),
                _ => (None, None, None),
            };
            // A `result` that holds no images (`"ok"`, a number): top-level `data[]`.
            let data = match l.data {
                Some(WireResult::List(v)) => Some(v),
                _ => None,
            };
            (items.or(data), created.or(l.created), usage.or(l.usage))
        }
    };
    let items = decode_items(items.unwrap_or_default(), inline)?;
    if items.is_empty() {
        return Err(Error::Malformed { detail: "the completed task holds no images".into() });
    }
    Ok(ParsedImages { created: created.as_ref().and_then(as_i64), items, usage, request_id: None })
}

/// What a task answer (submit or poll) says, read from its elided JSON.
#[derive(Debug, PartialEq)]
pub(crate) struct TaskInfo {
    pub id: Option<String>,
    pub status: String,
    pub state: TaskState,
    pub progress: Option<f64>,
    pub error: Option<String>,
    pub request_id: Option<String>,
}

fn progress_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().trim_end_matches('%').trim().parse().ok(),
        _ => None,
    }
    // `"NaN"` and `"inf"` parse as floats: no progress is better than a NaN one.
    .filter(|p| p.is_finite())
}

fn error_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Object(o) => {
            let msg =
                ["message", "msg", "detail", "reason", "error"].iter().find_map(|k| o.get(*k).and_then(error_text));
            let code = o.get("code").and_then(as_string).filter(|c| !c.trim().is_empty());
            match (msg, code) {
                (Some(m), _) => Some(m),
                (None, Some(c)) => Some(c),
                (None, None) => None,
            }
        }
        _ => None,
    }
}

/// Reads a task object tolerantly: `id`/`task_id` (also under `data`), `status`/`state`,
/// `progress` (number or "50%"), and a failure reason from `error` (string or object),
/// `result.error`, `message`, `fail_reason`, `failure_reason` or `detail`.
pub(crate) fn task_info(v: &Value) -> TaskInfo {
    let obj = match v.get("data") {
        Some(d @ Value::Object(_)) if v.get("status").is_none() && v.get("id").is_none() => d,
        _ => v,
    };
    let get = |k: &str| obj.get(k).or_else(|| v.get(k));
    let id = ["id", "task_id"].iter().find_map(|k| get(k).and_then(as_string));
    let status = ["status", "state"]
        .iter()
        .find_map(|k| get(k).and_then(|s| s.as_str().map(str::to_string)))
        .unwrap_or_default();
    let state = TaskState::from_status(&status);
    let progress = get("progress").and_then(progress_of);
    let error = get("error")
        .and_then(error_text)
        .or_else(|| get("result").and_then(|r| r.get("error")).and_then(error_text))
        .or_else(|| {
            if state == TaskState::Failed {
                ["message", "fail_reason", "failure_reason", "detail", "reason"]
                    .iter()
                    .find_map(|k| get(k).and_then(error_text))
            } else {
                None
            }
        });
    let request_id = get("request_id").and_then(as_string).and_then(|s| plausible_request_id(&s));
    TaskInfo { id, status, state, progress, error, request_id }
}

/// Reads `GET /v1/models`: `data[].id`, a bare list, or `models[]`; entries may be
/// objects with `id` (or `name`) or plain strings. Entries without an id (or a blank
/// one) are skipped.
pub(crate) fn parse_models(body: &[u8]) -> Result<Vec<ModelInfo>, Error> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| Error::Malformed { detail: format!("models answer is not JSON: {e}") })?;
    let list = match &v {
        Value::Array(a) => a.as_slice(),
        Value::Object(o) => match o.get("data").or_else(|| o.get("models")) {
            Some(Value::Array(a)) => a.as_slice(),
            _ => return Err(Error::Malformed { detail: "models answer has no data[]".into() }),
        },
        _ => return Err(Error::Malformed { detail: "models answer has no data[]".into() }),
    };
    Ok(list
        .iter()
        .filter_map(|m| match m {
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(ModelInfo { id: s.clone(), owned_by: None, created: None, raw: m.clone() }),
            Value::Object(o) => {
                let id =
                    o.get("id").or_else(|| o.get("name")).and_then(as_string).filter(|id| !id.trim().is_empty())?;
                Some(ModelInfo {
                    id,
                    owned_by: o.get("owned_by").and_then(as_string),
                    created: o.get("created").and_then(as_i64),
                    raw: m.clone(),
                })
            }
            _ => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    #[test]
    fn elision_replaces_only_b64_values() {
        let body = br#"{"created":1,"data":[{"b64_json":"QUJD\/REVG","revised_prompt":"say \"b64_json\": \"x\""},{ "b64_json" :  "AAAA" },{"url":"http://x/a.png"}],"note":"b64_json"}"#;
        let s = elide_b64(body);
        let v: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["data"][0]["b64_json"], "<9 base64 chars elided>");
        assert_eq!(v["data"][0]["revised_prompt"], "say \"b64_json\": \"x\"");
        assert_eq!(v["data"][1]["b64_json"], "<4 base64 chars elided>");
        assert_eq!(v["data"][2]["url"], "http://x/a.png");
        assert_eq!(v["note"], "b64_json");
        // Nested (task result) and non-JSON input.
        let t = elide_b64(br#"{"result":{"data":[{"b64_json":"AAAAAAAA"}]}}"#);
        assert_eq!(t, r#"{"result":{"data":[{"b64_json":"<8 base64 chars elided>"}]}}"#);
        assert_eq!(elide_b64(b"not json"), "not json");
        assert_eq!(elide_b64(br#"{"b64_json":"unterminated"#), r#"{"b64_json":"unterminated"#);
    }

    #[test]
    fn huge_strings_of_any_field_are_elided_and_the_whole_is_bounded() {
        let data_url = format!("data:image/png;base64,{}", "A".repeat(300_000));
        let body = format!(r#"{{"data":[{{"url":"{data_url}"}}],"list":["{}"]}}"#, "b".repeat(5000));
        let s = elide_b64(body.as_bytes());
        assert!(s.len() < 200, "{}", s.len());
        let v: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["data"][0]["url"], format!("<{} chars elided>", data_url.len()));
        assert_eq!(v["list"][0], "<5000 chars elided>");
        // Many short strings are kept, but the whole is cut.
        let many = format!("[{}]", vec!["\"abcdefgh\""; 20_000].join(","));
        let s = elide_b64(many.as_bytes());
        assert!(s.len() <= crate::elide::MAX_SHOWN_BODY + 64, "{}", s.len());
        assert!(s.ends_with("bytes more>"), "{}", &s[s.len() - 40..]);
    }

    #[test]
    fn parse_images_b64_and_url() {
        let png = b"\x89PNG\r\n\x1a\nrest";
        let b64 = STANDARD.encode(png);
        let body = format!(
            r#"{{"created":1713833628,"data":[{{"b64_json":"{b64}","revised_prompt":"rp"}},{{"url":"https://x/1.png"}}],"usage":{{"total_tokens":3}},"extra":[1,2]}}"#
        );
        let p = parse_images(body.as_bytes()).unwrap();
        assert_eq!(p.created, Some(1713833628));
        assert_eq!(p.items.len(), 2);
        assert_eq!(p.items[0].data, AnswerData::Bytes(Bytes::from_static(png)));
        assert_eq!(p.items[0].revised_prompt.as_deref(), Some("rp"));
        assert_eq!(p.items[1].data, AnswerData::Url("https://x/1.png".into()));
        assert_eq!(p.usage.unwrap()["total_tokens"], 3);
    }

    #[test]
    fn parse_images_escaped_slashes_and_errors() {
        let raw = [0xFFu8; 30];
        let b64 = STANDARD.encode(raw).replace('/', "\\/");
        let body = format!(r#"{{"data":[{{"b64_json":"{b64}"}}]}}"#);
        let p = parse_images(body.as_bytes()).unwrap();
        assert_eq!(p.items[0].data, AnswerData::Bytes(Bytes::copy_from_slice(&raw)));
        assert!(matches!(parse_images(br#"{"data":[]}"#), Err(Error::Malformed { .. })));
        assert!(matches!(parse_images(br#"{"data":[{"b64_json":"!!!"}]}"#), Err(Error::Malformed { .. })));
        assert!(matches!(parse_images(br#"{"data":[{"b64_json":"QUJD"#), Err(Error::Malformed { .. })));
        assert!(matches!(parse_images(br#"{"data":[{}]}"#), Err(Error::Malformed { .. })));
    }

    #[test]
    fn lenient_base64() {
        assert_eq!(decode_b64("QUJD").unwrap(), b"ABC");
        assert_eq!(decode_b64("QUI").unwrap(), b"AB");
        assert_eq!(decode_b64("QU\nJD").unwrap(), b"ABC");
        assert_eq!(decode_b64("data:image/png;base64,QUJD").unwrap(), b"ABC");
        assert_eq!(decode_b64("_-8").unwrap(), vec![0xff, 0xef]);
        assert!(decode_b64("***").is_err());
    }

    #[test]
    fn task_results_in_several_places() {
        let b64 = STANDARD.encode(b"img");
        for body in [
            format!(r#"{{"id":"t","status":"completed","result":{{"data":[{{"b64_json":"{b64}"}}]}}}}"#),
            format!(r#"{{"id":"t","status":"completed","result":{{"images":[{{"b64_json":"{b64}"}}]}}}}"#),
            format!(r#"{{"id":"t","status":"completed","result":[{{"b64_json":"{b64}"}}]}}"#),
            format!(r#"{{"id":"t","status":"completed","data":[{{"b64_json":"{b64}"}}]}}"#),
        ] {
            let p = parse_task_images(body.as_bytes()).unwrap_or_else(|e| panic!("{body}: {e}"));
            assert_eq!(p.items[0].data, AnswerData::Bytes(Bytes::from_static(b"img")));
        }
        assert!(matches!(
            parse_task_images(br#"{"id":"t","status":"completed","result":{}}"#),
            Err(Error::Malformed { .. })
        ));
    }

    #[test]
    fn task_info_tolerant() {
        let v: Value = serde_json::from_str(
            r#"{"status":"submitted","id":"task_01KPQ7J7DWB7QZ3WCEK3YVPBRA","progress":0,"created_at":1703884800,"model":"veo"}"#,
        )
        .unwrap();
        let t = task_info(&v);
        assert_eq!(t.id.as_deref(), Some("task_01KPQ7J7DWB7QZ3WCEK3YVPBRA"));
        assert_eq!(t.state, TaskState::Running);
        assert_eq!(t.progress, Some(0.0));

        let v: Value = serde_json::from_str(r#"{"task_id":"x","state":"warming_up","progress":"42%"}"#).unwrap();
        let t = task_info(&v);
        assert_eq!((t.id.as_deref(), t.state, t.progress), (Some("x"), TaskState::Running, Some(42.0)));

        let v: Value = serde_json::from_str(r#"{"data":{"task_id":"y","status":"queued"}}"#).unwrap();
        assert_eq!(task_info(&v).id.as_deref(), Some("y"));

        for (body, want) in [
            (r#"{"status":"failed","error":{"code":"upstream_error","message":"boom"}}"#, "boom"),
            (r#"{"status":"failed","error":"plain"}"#, "plain"),
            (r#"{"status":"failed","result":{"error":{"message":"deep"}}}"#, "deep"),
            (r#"{"status":"failed","message":"top"}"#, "top"),
            (r#"{"status":"failed","error":{"code":"only_code"}}"#, "only_code"),
        ] {
            let v: Value = serde_json::from_str(body).unwrap();
            let t = task_info(&v);
            assert_eq!(t.state, TaskState::Failed);
            assert_eq!(t.error.as_deref(), Some(want), "{body}");
        }
    }

    #[test]
    fn models_any_shape() {
        let m =
            parse_models(br#"{"object":"list","data":[{"id":"a","owned_by":"o","created":5},{"id":"b"}]}"#).unwrap();
        assert_eq!(m.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(m[0].owned_by.as_deref(), Some("o"));
        assert_eq!(m[0].created, Some(5));
        let m = parse_models(br#"["x",{"name":"y"}]"#).unwrap();
        assert_eq!(m.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["x", "y"]);
        let m = parse_models(br#"{"models":[{"id":"z"}]}"#).unwrap();
        assert_eq!(m[0].id, "z");
        assert!(parse_models(b"{}").is_err());
    }
}
