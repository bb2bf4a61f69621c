//! Property tests of the crate-private readers of untrusted answers: images, task
//! results, task status, models, error bodies and their classification. (The public
//! readers are in `tests/props.rs`.) Bounded: a few hundred cases each, no failure files.

#[path = "../tests/props_support/mod.rs"]
pub(crate) mod support;

use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use bytes::Bytes;
use proptest::prelude::*;
use serde_json::{json, Value};
use support::*;

use crate::error::{classify, field_from_message, parse_error_body, truncate, Endpoint, Error};
use crate::types::{AnswerData, TaskState};
use crate::wire::{parse_images, parse_models, parse_task_images, task_info};

/// One output as a server may send it, and what the client must read from it.
#[derive(Clone, Debug)]
enum Out {
    B64 { bytes: Vec<u8>, url_safe: bool },
    Url(String),
}

impl Out {
    fn item(&self) -> Value {
        match self {
            Out::B64 { bytes, url_safe: false } => json!({"b64_json": STANDARD.encode(bytes)}),
            Out::B64 { bytes, url_safe: true } => json!({"b64_json": URL_SAFE_NO_PAD.encode(bytes), "url": null}),
            Out::Url(u) => json!({"url": u, "b64_json": ""}),
        }
    }
    fn want(&self) -> AnswerData {
        match self {
            Out::B64 { bytes, .. } => AnswerData::Bytes(Bytes::from(bytes.clone())),
            Out::Url(u) => AnswerData::Url(u.clone()),
        }
    }
}

fn out() -> impl Strategy<Value = Out> {
    prop_oneof![
        3 => (proptest::collection::vec(any::<u8>(), 1..400), any::<bool>())
            .prop_map(|(bytes, url_safe)| Out::B64 { bytes, url_safe }),
        1 => "https://[a-z]{1,8}\\.test/[a-z0-9/]{1,12}\\.png".prop_map(Out::Url),
    ]
}

/// Fields a reader must ignore (none it reads).
fn noise() -> impl Strategy<Value = Vec<(String, Value)>> {
    proptest::collection::vec(("x_[a-z]{1,6}", json()), 0..4)
}

/// `v` as text, compact or pretty, with `/` written `\/` (valid JSON, and what some
/// servers send) when `escape` is set.
fn text_of(v: &Value, pretty: bool, escape: bool) -> Vec<u8> {
    let s = if pretty { serde_json::to_string_pretty(v) } else { serde_json::to_string(v) }.unwrap();
    (if escape { s.replace('/', "\\/") } else { s }).into_bytes()
}

/// A text a person sees: no key may be left in it.
fn shows_no_key(what: &str, s: &str) -> Result<(), TestCaseError> {
    match unmasked_key(s) {
        Some(at) => Err(TestCaseError::fail(format!("{what} shows a key at {at}: {s:?}"))),
        None => Ok(()),
    }
}

fn endpoint() -> impl Strategy<Value = Endpoint> {
    proptest::sample::select(&[Endpoint::Images, Endpoint::Models, Endpoint::Task, Endpoint::Download][..])
}

/// Error bodies: arbitrary, or both documented shapes with arbitrary values.
fn error_body() -> impl Strategy<Value = Vec<u8>> {
    let field = prop_oneof![leaf(), json()];
    prop_oneof![
        2 => body(),
        3 => (field.clone(), field.clone(), field.clone(), field.clone(), field.clone(), noise())
            .prop_map(|(code, message, typ, param, rid, extra)| {
                let mut e = serde_json::Map::new();
                e.insert("code".into(), code);
                e.insert("message".into(), message);
                e.insert("type".into(), typ);
                e.insert("param".into(), param);
                e.insert("request_id".into(), rid);
                let mut top: serde_json::Map<String, Value> = extra.into_iter().collect();
                top.insert("error".into(), Value::Object(e));
                serde_json::to_vec(&Value::Object(top)).unwrap()
            }),
        1 => (field.clone(), field).prop_map(|(d, f)| serde_json::to_vec(&json!({"detail": d, "field": f})).unwrap()),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn answer_readers_never_panic(body in body()) {
        if let Ok(p) = parse_images(&body) {
            prop_assert!(!p.items.is_empty());
        }
        if let Ok(p) = parse_task_images(&body) {
            prop_assert!(!p.items.is_empty());
        }
        if let Ok(models) = parse_models(&body) {
            for m in models {
                prop_assert!(!m.id.trim().is_empty(), "a model with a blank id: {:?}", m.raw);
            }
        }
        let _ = parse_error_body(&body);
    }

    #[test]
    fn images_are_read_back_whatever_the_noise(
        outs in proptest::collection::vec(out(), 1..5),
        extra in noise(),
        created in proptest::option::of(any::<i32>()),
        pretty in any::<bool>(),
        escape in any::<bool>(),
    ) {
        let mut top: serde_json::Map<String, Value> = extra.into_iter().collect();
        top.insert("data".into(), Value::Array(outs.iter().map(Out::item).collect()));
        if let Some(c) = created {
            top.insert("created".into(), json!(c));
        }
        let body = text_of(&Value::Object(top), pretty, escape);
        let p = parse_images(&body).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(p.items.iter().map(|i| i.data.clone()).collect::<Vec<_>>(), outs.iter().map(Out::want).collect::<Vec<_>>());
        prop_assert_eq!(p.created, created.map(i64::from));
    }

    #[test]
    fn task_images_are_found_where_servers_put_them(
        outs in proptest::collection::vec(out(), 1..4),
        place in 0..5u8,
        other_result in prop_oneof![Just(Value::Null), Just(json!("ok")), Just(json!(1)), Just(json!(true)), Just(json!({}))],
        extra in noise(),
        escape in any::<bool>(),
    ) {
        let items = Value::Array(outs.iter().map(Out::item).collect());
        let mut top: serde_json::Map<String, Value> = extra.into_iter().collect();
        top.insert("id".into(), json!("task_1"));
        top.insert("status".into(), json!("completed"));
        match place {
            0 => { top.insert("result".into(), json!({"data": items})); }
            1 => { top.insert("result".into(), json!({"images": items})); }
            2 => { top.insert("result".into(), items); }
            3 => { top.insert("data".into(), items); }
            // Top-level `data[]` beside a `result` that holds no images.
            _ => { top.insert("data".into(), items); top.insert("result".into(), other_result); }
        }
        let body = text_of(&Value::Object(top), false, escape);
        let p = parse_task_images(&body)
            .map_err(|e| TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(&body))))?;
        prop_assert_eq!(p.items.iter().map(|i| i.data.clone()).collect::<Vec<_>>(), outs.iter().map(Out::want).collect::<Vec<_>>());
    }

    #[test]
    fn task_info_reads_any_object_sanely(
        v in json(),
        status in proptest::option::of(string_value()),
        progress in proptest::option::of(leaf()),
        error in proptest::option::of(prop_oneof![
            leaf(),
            (key(), leaf(), leaf()).prop_map(|(k, m, c)| json!({k: m, "code": c})),
        ]),
        under_data in any::<bool>(),
    ) {
        let mut v = v;
        if let Value::Object(o) = &mut v {
            if let Some(e) = error {
                o.insert("error".into(), e);
            }
            if let Some(s) = status {
                o.insert("status".into(), Value::String(s));
            }
            if let Some(p) = progress {
                o.insert("progress".into(), p);
            }
        }
        if under_data {
            v = json!({"data": v});
        }
        let t = task_info(&v);
        prop_assert_eq!(t.state, TaskState::from_status(&t.status));
        if let Some(p) = t.progress {
            prop_assert!(p.is_finite(), "progress {p} from {v}");
        }
        if let Some(e) = &t.error {
            prop_assert!(!e.trim().is_empty(), "a blank failure reason {:?}", e.chars().take(20).collect::<String>());
        }
    }

    #[test]
    fn classify_follows_the_status(
        status in 100u16..=599,
        body in error_body(),
        endpoint in endpoint(),
        retry_after in proptest::option::of((0u64..100_000).prop_map(Duration::from_millis)),
    ) {
        let info = parse_error_body(&body);
        let kind = classify(status, &info, retry_after, endpoint);
        let code = format!("{} {}", info.code.as_deref().unwrap_or(""), info.typ.as_deref().unwrap_or("")).to_ascii_lowercase();
        if kind.is_retryable() {
            prop_assert!(
                status == 429 || (500..=599).contains(&status) || code.contains("rate_limit"),
                "HTTP {status} with code {code:?} classified as retryable {kind:?}"
            );
        }
        match &kind {
            Error::Server { status: s } => prop_assert!(*s == status && (500..=599).contains(s) && *s != 503),
            Error::UnexpectedStatus { status: s } => prop_assert_eq!(*s, status),
            Error::Unavailable => prop_assert_eq!(status, 503),
            Error::TaskNotFound => prop_assert!(status == 404 && endpoint == Endpoint::Task),
            Error::UrlExpired => prop_assert!(matches!(status, 404 | 410) && endpoint == Endpoint::Download),
            _ => {}
        }
        if (200..300).contains(&status) {
            let server_side = matches!(kind, Error::Server { .. } | Error::Unavailable | Error::TaskNotFound | Error::UrlExpired);
            prop_assert!(!server_side, "HTTP {} classified as {:?}", status, kind);
        }
        // What a person is shown of an error body never holds a key.
        shows_no_key("the error", &kind.to_string())?;
        shows_no_key("the user message", &kind.user_message())?;
        if let Some(m) = &info.message {
            shows_no_key("the message", &crate::redact(m))?;
        }
        for (what, s) in [("param", &info.param), ("request_id", &info.request_id)] {
            if let Some(s) = s {
                shows_no_key(what, s)?;
            }
        }
    }

    #[test]
    fn field_from_message_names_an_identifier(m in prop_oneof![any::<String>(), string_value(), "(field|parameter|param) [`'\"]?[a-z_\\[\\]]{0,45}[`'\"]? .{0,10}"]) {
        if let Some(f) = field_from_message(&m) {
            prop_assert!(!f.is_empty() && f.len() <= 40 && f.chars().all(|c| c.is_ascii_alphanumeric() || "_[]".contains(c)), "{f:?}");
        }
    }

    #[test]
    fn truncate_is_bounded_and_char_safe(s in any::<String>(), max in 0usize..64) {
        let t = truncate(s.clone(), max);
        prop_assert!(t.len() <= max + "…[truncated]".len());
        prop_assert!(s.starts_with(t.trim_end_matches("…[truncated]")));
    }
}
