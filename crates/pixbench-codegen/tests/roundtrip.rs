//! Render curl for random calls, parse it back: the same call.

use std::path::PathBuf;

use pixbench_codegen::{parse_curl, render_curl, Endpoint, ImageEncoding, ImagePart, WireCall};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Text a user may type: any printable character, quotes, `$`, backslashes, newlines.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ,.]{1,30}",
        "[ -~]{1,40}",
        "[a-z]{1,5}[\\n\\t'\"$`\\\\@<;|&#(){}]{1,6}[a-z]{0,5}",
        any::<String>().prop_map(|s| s.chars().filter(|c| *c != '\0' && *c != '\r').collect::<String>()),
    ]
    .prop_filter("not blank", |s: &String| !s.trim().is_empty())
}

fn path() -> impl Strategy<Value = PathBuf> {
    "[a-zA-Z0-9_ ;,\"'$.-]{1,12}(/[a-zA-Z0-9_ .-]{1,8})?\\.(png|jpg|webp)".prop_map(PathBuf::from)
}

fn value(multipart: bool) -> BoxedStrategy<Value> {
    if multipart {
        text().prop_map(Value::from).boxed()
    } else {
        prop_oneof![
            text().prop_map(Value::from),
            any::<u32>().prop_map(Value::from),
            any::<bool>().prop_map(Value::from)
        ]
        .boxed()
    }
}

fn fields(multipart: bool) -> impl Strategy<Value = Map<String, Value>> {
    proptest::collection::btree_map("[a-z_]{1,12}", value(multipart), 0..4).prop_map(|m| {
        m.into_iter()
            .filter(|(k, _)| {
                !["model", "prompt", "n", "size", "response_format", "image", "mask"].contains(&k.as_str())
            })
            .collect()
    })
}

fn call() -> impl Strategy<Value = WireCall> {
    let kind = 0..4u8; // generation, multipart edit, data-URL edit, URL edit
    (kind, text(), text(), proptest::option::of(1..10u32), proptest::option::of("[0-9]{3,4}x[0-9]{3,4}|2K|16:9"))
        .prop_flat_map(|(kind, model, prompt, n, size)| {
            let multipart = kind == 1;
            (
                Just((kind, model, prompt, n, size)),
                proptest::option::of(prop_oneof![Just("b64_json".to_string()), Just("url".to_string())]),
                fields(multipart),
                proptest::collection::vec(path(), 1..4),
                proptest::collection::vec("https://[a-z]{1,8}\\.example/[a-z0-9]{1,8}\\.png", 1..3),
                any::<bool>(),
            )
        })
        .prop_map(|((kind, model, prompt, n, size), response_format, fields, images, urls, brackets)| {
            let mut c = WireCall {
                label: "x".into(),
                endpoint: if kind == 0 { Endpoint::Generation } else { Endpoint::Edit },
                model,
                prompt,
                n,
                size,
                response_format,
                fields,
                ..Default::default()
            };
            match kind {
                1 => {
                    c.images = images;
                    c.image_part = if brackets { ImagePart::ImageArray } else { ImagePart::Image };
                }
                2 => {
                    c.images = images;
                    c.image_encoding = ImageEncoding::DataUrl;
                }
                3 => c.image_urls = urls,
                _ => {}
            }
            c
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn curl_round_trips(c in call(), is_async in any::<bool>()) {
        let script = render_curl(std::slice::from_ref(&c), is_async, "http://127.0.0.1:8787");
        let parsed = match parse_curl(&script) {
            Ok(p) => p,
            Err(e) => return Err(TestCaseError::fail(format!("{e}\n{script}"))),
        };
        prop_assert!(parsed.warnings.is_empty(), "{:?}\n{}", parsed.warnings, script);
        prop_assert_eq!(parsed.is_async, is_async);
        prop_assert_eq!(parsed.base_url.as_deref(), Some("http://127.0.0.1:8787"));
        prop_assert_eq!(parsed.to_wire_call("x"), c, "{}", script);
    }
}
