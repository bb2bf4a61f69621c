//! What the rendered code says, in each language.

use std::path::PathBuf;

use pixbench_codegen::{render, Endpoint, ImageEncoding, ImagePart, Lang, WireCall};

fn calls() -> Vec<WireCall> {
    let mut fields = serde_json::Map::new();
    fields.insert("quality".into(), "high".into());
    vec![
        WireCall {
            label: "GPT Image 2 · 1K (gpt-image-2)".into(),
            model: "gpt-image-2".into(),
            prompt: "a fox's \"den\" at $HOME".into(),
            n: Some(2),
            size: Some("1536x1024".into()),
            response_format: Some("b64_json".into()),
            fields,
            ..Default::default()
        },
        WireCall {
            label: "Nano Banana 2 · 1K (gemini-3.1-flash-image-preview)".into(),
            endpoint: Endpoint::Edit,
            model: "gemini-3.1-flash-image-preview".into(),
            prompt: "make it a poster".into(),
            n: Some(1),
            size: Some("1024x1024".into()),
            images: vec![PathBuf::from("refs/a.png"), PathBuf::from("b c.webp")],
            image_part: ImagePart::ImageArray,
            ..Default::default()
        },
        WireCall {
            label: "Nano Banana 2 Lite (gemini-3.1-flash-lite-image)".into(),
            endpoint: Endpoint::Edit,
            model: "gemini-3.1-flash-lite-image".into(),
            prompt: "lite".into(),
            images: vec![PathBuf::from("a.png")],
            image_encoding: ImageEncoding::DataUrl,
            ..Default::default()
        },
    ]
}

#[test]
fn every_language_reads_the_key_from_the_environment_and_names_each_call() {
    for lang in [Lang::Curl, Lang::Python, Lang::Js] {
        for is_async in [false, true] {
            let code = render(&calls(), lang, is_async, "http://127.0.0.1:8787/v1/");
            if std::env::var("SHOW_CODE").is_ok() {
                println!("===== {lang:?} async={is_async}\n{code}");
            }
            assert!(code.contains("PIXAPI_KEY"), "{code}");
            assert!(code.contains("PIXAPI_BASE_URL"), "{code}");
            assert!(code.contains("http://127.0.0.1:8787"), "{code}");
            assert!(!code.contains("8787/v1"), "the fallback is held without /v1: {code}");
            for c in calls() {
                assert!(code.contains(&c.label), "{lang:?} names {}", c.label);
            }
            let async_path = code.contains("/async/images/");
            assert_eq!(async_path, is_async, "{lang:?}");
            assert_eq!(code.contains("/tasks/"), is_async, "{lang:?}");
        }
    }
}

#[test]
fn the_python_sync_code_uses_the_sdks_own_calls() {
    let code = render(&calls(), Lang::Python, false, "https://api.pixapi.ai");
    assert!(code.contains("client.images.generate("));
    assert!(code.contains("extra_body={\n        \"quality\": \"high\",\n    },"), "{code}");
    assert!(code.contains("image=[Path(\"refs/a.png\"), Path(\"b c.webp\")]"), "{code}");
    assert!(code.contains("data_url(\"a.png\", \"image/png\")"), "{code}");
}
