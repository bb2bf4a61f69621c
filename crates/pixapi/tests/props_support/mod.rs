//! Strategies shared by the property tests of this crate: `tests/props.rs` (the public
//! API) and `src/props.rs` (the crate-private answer and error readers), which includes
//! this file with `#[path]`.
#![allow(dead_code)]

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value};

/// A bounded run that writes no failure files into the repository. `PROPTEST_CASES`
/// overrides the number of cases (for a longer run by hand).
pub fn config(cases: u32) -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases),
        failure_persistence: None,
        max_shrink_iters: 2048,
        ..Config::default()
    }
}

/// Keys the readers look for, and a few they do not.
pub fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(&[
            "data", "b64_json", "url", "status", "state", "error", "result", "images", "id",
            "task_id", "progress", "message", "msg", "detail", "reason", "code", "type", "param",
            "field", "request_id", "created", "usage", "models", "name", "owned_by",
            "fail_reason", "failure_reason", "revised_prompt", "object",
        ][..])
        .prop_map(str::to_string),
        1 => "[a-z_]{0,8}",
    ]
}

/// Something shaped like a key: `sk_` and six or more key characters.
pub fn secret() -> impl Strategy<Value = String> {
    "sk_(live_|test_)?[A-Za-z0-9_-]{6,24}"
}

/// String values: statuses, codes, base64, data URLs, secrets, long strings (around the
/// elision limit), and arbitrary Unicode.
pub fn string_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(&[
            "completed", "COMPLETED", " succeeded ", "failed", "error", "running", "queued",
            "", " ", "50%", "42", "NaN", "inf", "-1e308", "1e999", "invalid_request_error",
            "insufficient_credits", "model_not_found", "prompt_rejected", "rate_limit_exceeded",
            "content_policy", "invalid_api_key", "size", "image[]", "Bearer abc.def",
        ][..])
        .prop_map(str::to_string),
        2 => proptest::collection::vec(any::<u8>(), 0..48).prop_map(|b| STANDARD.encode(b)),
        1 => proptest::collection::vec(any::<u8>(), 0..48).prop_map(|b| URL_SAFE_NO_PAD.encode(b)),
        1 => proptest::collection::vec(any::<u8>(), 0..48)
            .prop_map(|b| format!("data:image/png;base64,{}", STANDARD.encode(b))),
        1 => secret(),
        1 => ("[ -~]{0,12}", secret(), "[ -~]{0,12}").prop_map(|(a, k, b)| format!("{a} {k} {b}")),
        1 => (2040usize..2060, any::<char>()).prop_map(|(n, c)| c.to_string().repeat(n)),
        2 => any::<String>(),
    ]
}

pub fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from), // NaN and infinities become null
        (0i64..=100).prop_map(Value::from),
        string_value().prop_map(Value::String),
    ]
}

/// Arbitrary JSON, biased to the keys and values of answers and error bodies.
pub fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec((key(), inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<
                String,
                Value,
            >>(
            ))),
        ]
    })
}

/// JSON text of a value, compact or pretty (the readers see both).
pub fn json_text() -> impl Strategy<Value = Vec<u8>> {
    (json(), any::<bool>()).prop_map(|(v, pretty)| {
        if pretty {
            serde_json::to_vec_pretty(&v).unwrap()
        } else {
            serde_json::to_vec(&v).unwrap()
        }
    })
}

/// Arbitrary bytes, JSON, and JSON cut or with a byte changed.
pub fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => proptest::collection::vec(any::<u8>(), 0..512),
        3 => json_text(),
        2 => (json_text(), any::<prop::sample::Index>()).prop_map(|(b, i)| {
            let cut = if b.is_empty() { 0 } else { i.index(b.len()) };
            b[..cut].to_vec()
        }),
        2 => (json_text(), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(mut b, i, x)| {
            if !b.is_empty() {
                let at = i.index(b.len());
                b[at] = x;
            }
            b
        }),
    ]
}

/// The byte length at which `s` has a token `sk_` + 6 or more key characters at a word
/// start, if it has one (what `redact` must have masked).
pub fn unmasked_key(s: &str) -> Option<usize> {
    let is_key = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    let b = s.as_bytes();
    (0..b.len()).find(|&i| {
        b[i..].starts_with(b"sk_")
            && (i == 0 || !is_key(b[i - 1]))
            && b[i + 3..].iter().take_while(|c| is_key(**c)).count() >= 6
    })
}
