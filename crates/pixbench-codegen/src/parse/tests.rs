use super::*;
use crate::{render_curl, WireCall};

fn ok(s: &str) -> CurlRequest {
    match parse_curl(s) {
        Ok(r) => r,
        Err(e) => panic!("{s}\n→ {e}"),
    }
}

#[test]
fn pixapi_docs_generation_example() {
    let r = ok(r#"curl https://api.pixapi.ai/v1/images/generations \
  -H "Authorization: Bearer $PIXAPI_KEY" \
  -H "Content-Type: application/json" \
  -d '{
    "model": "gemini-3-pro-image-preview",
    "prompt": "A cinematic product photo of a ceramic coffee cup",
    "n": 1,
    "size": "1024x1024"
  }'"#);
    assert_eq!(r.endpoint, Endpoint::Generation);
    assert!(!r.is_async);
    assert_eq!(r.base_url.as_deref(), Some("https://api.pixapi.ai"));
    assert_eq!(r.model.as_deref(), Some("gemini-3-pro-image-preview"));
    assert_eq!(r.prompt, "A cinematic product photo of a ceramic coffee cup");
    assert_eq!(r.n, Some(1));
    assert_eq!(r.size.as_deref(), Some("1024x1024"));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn pixapi_docs_async_and_edit_examples() {
    let r = ok(r#"curl https://api.pixapi.ai/v1/async/images/generations \
  -H "Authorization: Bearer $PIXAPI_KEY" \
  -H "Content-Type: application/json" \
  -d '{"model": "gemini-3.1-flash-image-preview", "prompt": "A cinematic product photo of a ceramic coffee cup", "size": "2048x2048"}'"#);
    assert!(r.is_async);
    assert_eq!(r.endpoint, Endpoint::Generation);
    assert_eq!(r.n, None);

    let r = ok(
        r#"curl https://api.pixapi.ai/v1/images/edits -H "Authorization: Bearer $PIXAPI_KEY" -F "model=gpt-image-1.5" -F "prompt=Replace the background with a bright studio setup" -F "image=@input.png" -F "n=1" -F "size=1024x1024""#,
    );
    assert_eq!(r.endpoint, Endpoint::Edit);
    assert_eq!(r.model.as_deref(), Some("gpt-image-1.5"));
    assert_eq!(r.images, vec![PathBuf::from("input.png")]);
    assert_eq!(r.image_part, ImagePart::Image);
    assert_eq!(r.n, Some(1));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn several_image_parts_and_curl_quoting() {
    let r = ok(r#"curl -sS -X POST 'http://127.0.0.1:8787/v1/async/images/edits' \
  -F 'image[]=@"dir/a;b.png";type=image/png' \
  -F "image[]=@b.webp;type=image/webp" \
  --form-string 'prompt=@not a file' \
  --form-string model=nano-banana-2 \
  -F quality=high"#);
    assert!(r.is_async);
    assert_eq!(r.images, vec![PathBuf::from("dir/a;b.png"), PathBuf::from("b.webp")]);
    assert_eq!(r.image_part, ImagePart::ImageArray);
    assert_eq!(r.prompt, "@not a file");
    assert_eq!(r.fields.get("quality"), Some(&Value::from("high")));
    assert_eq!(r.base_url.as_deref(), Some("http://127.0.0.1:8787"));
}

#[test]
fn a_literal_key_is_dropped_and_said() {
    let r = ok(
        r#"curl https://api.pixapi.ai/v1/images/generations -H 'Authorization: Bearer sk_live_abc123' -d '{"model":"gpt-image-2","prompt":"x"}'"#,
    );
    assert_eq!(r.warnings.len(), 1);
    assert!(r.warnings[0].contains("key"), "{:?}", r.warnings);
    assert!(!format!("{r:?}").contains("sk_live_abc123"));
}

#[test]
fn flags_it_cannot_use_are_named() {
    let r = ok(r#"curl -k -b 'session=1' -H 'X-Trace: 1' --proxy http://p:3128 -sSL --compressed -o out.json \
  "https://api.pixapi.ai/v1/images/generations?debug=1" -d '{"prompt":"x","model":"m","stream":false}'"#);
    let all = r.warnings.join("\n");
    for needle in ["-k", "--cookie", "X-Trace", "--proxy", "?debug=1", "--compressed"] {
        assert!(all.contains(needle), "{needle} not named in {all}");
    }
    assert_eq!(r.fields.get("stream"), Some(&Value::Bool(false)));
    // curl's own output options change nothing sent: not named.
    for quiet in ["--silent", "--location", "--output"] {
        assert!(!all.contains(quiet), "{quiet} named in {all}");
    }
}

#[test]
fn not_an_image_request_is_an_error_with_a_sentence() {
    for (text, want) in [
        ("ls -la", CurlError::NotCurl),
        ("", CurlError::NotCurl),
        (
            "curl https://api.pixapi.ai/v1/models -H 'Authorization: Bearer $PIXAPI_KEY'",
            CurlError::NotImageEndpoint { url: "https://api.pixapi.ai/v1/models".into() },
        ),
        ("curl https://api.pixapi.ai/v1/images/generations -d '{\"model\":\"m\"}'", CurlError::NoPrompt),
        ("curl https://api.pixapi.ai/v1/images/generations -d '{\"model\":", CurlError::Quoting),
        (
            "curl https://api.pixapi.ai/v1/images/generate -d '{}'",
            CurlError::Legacy { path: "/v1/images/generate".into() },
        ),
        (
            "curl -d @body.json https://api.pixapi.ai/v1/images/generations",
            CurlError::BodyFromFile { arg: "--data @body.json".into() },
        ),
    ] {
        let got = parse_curl(text).unwrap_err();
        assert_eq!(got, want, "{text}");
        let s = got.to_string();
        assert!(s.ends_with('.') && s.contains(':'), "{s}");
    }
    assert!(matches!(parse_curl("curl https://x/v1/images/generations -d '[1]'"), Err(CurlError::BadJson { .. })));
}

#[test]
fn input_and_parts_are_bounded() {
    let big = format!("curl https://x/v1/images/generations -d '{{\"prompt\":\"{}\"}}'", "a".repeat(MAX_INPUT_BYTES));
    assert!(matches!(parse_curl(&big), Err(CurlError::TooLarge { .. })));
    let parts: String = (0..=MAX_PARTS).map(|i| format!(" -F image=@{i}.png")).collect();
    let cmd = format!("curl https://x/v1/images/edits -F prompt=p{parts}");
    assert!(matches!(parse_curl(&cmd), Err(CurlError::TooManyParts { .. })));
}

#[test]
fn variables_in_the_url() {
    let r =
        ok(r#"curl "${PIXAPI_BASE_URL:-http://localhost:9}/v1/images/generations" -d '{"prompt":"p","model":"m"}'"#);
    assert_eq!(r.base_url.as_deref(), Some("http://localhost:9"));
    assert!(r.warnings.is_empty());
    let r = ok(r#"curl "$PIXAPI_BASE_URL/v1/images/generations" -d '{"prompt":"p","model":"m"}'"#);
    assert_eq!(r.base_url, None);
    assert!(r.warnings[0].contains("PIXAPI_BASE_URL"));
}

#[test]
fn our_own_script_imports_its_first_request() {
    let mk = |model: &str| WireCall {
        label: format!("target {model}"),
        model: model.into(),
        prompt: "a fox".into(),
        n: Some(2),
        ..Default::default()
    };
    let script = render_curl(&[mk("a"), mk("b")], true, "http://127.0.0.1:1");
    let r = ok(&script);
    assert_eq!(r.model.as_deref(), Some("a"));
    assert!(r.is_async);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(r.warnings[0].contains("1 more"));
}

#[test]
fn the_apps_copy_as_curl_with_data_urls() {
    // pixapi::to_curl's form for a model whose edit images are data URLs.
    let text = "curl -sS -X POST http://127.0.0.1:5/v1/images/edits \\\n  -H \"Authorization: Bearer $PIXAPI_KEY\" \\\n  -H 'Content-Type: application/json' \\\n  --data-binary @- <<PIXBENCH_JSON\n{\"image\":[\"data:image/png;base64,$(base64 < 'my ref.png' | tr -d '\\n')\",\"data:image/png;base64,$(base64 < b.png | tr -d '\\n')\"],\"model\":\"gemini-3.1-flash-lite-image\",\"prompt\":\"cost \\$5\"}\nPIXBENCH_JSON";
    let r = ok(text);
    assert_eq!(r.images, vec![PathBuf::from("my ref.png"), PathBuf::from("b.png")]);
    assert_eq!(r.image_encoding, ImageEncoding::DataUrl);
    assert_eq!(r.prompt, "cost $5");
    assert!(r.image_urls.is_empty());
}

#[test]
fn comments_prompts_and_windows_line_ends() {
    let r = ok("# make a fox\r\n$ curl https://h/v1/images/generations \\\r\n  -d '{\"prompt\":\"# not a comment; a | b & c\",\"model\":\"m\"}'\r\n");
    assert_eq!(r.prompt, "# not a comment; a | b & c");
}
