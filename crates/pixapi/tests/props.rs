//! Property tests of the public readers of untrusted bytes: `elide_b64`, `decode_b64`,
//! `redact`, `sniff_mime`, `parse_retry_after`. (The crate-private answer and error
//! readers are covered by `src/props.rs`, run with the unit tests.) Bounded: a few
//! hundred cases each, no failure files.

mod props_support;

use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use pixapi::{decode_b64, elide_b64, parse_retry_after, redact, sniff_mime};
use props_support::*;
use proptest::prelude::*;
use serde_json::{json, Value};

/// `pixapi::wire::MAX_SHOWN_BODY` and `MAX_SHOWN_STRING` (the module is private).
const MAX_SHOWN_BODY: usize = 64 * 1024;
const MAX_SHOWN_STRING: usize = 2048;

const PIECES: &[&[u8]] = &[
    b"\xff",
    b"\xc3",
    b"\xe2\x82\xac",
    b"\"abcdefgh\",",
    b"\"b64_json\":\"",
    b"\"b64_json\" : ",
    b"AAAA",
    b"\\",
    b"\\\"",
    b"\"",
    b"{\"url\":\"",
    b"\"}",
    b"[",
    b"]",
    b":",
    b" ",
];

/// Big bodies made of repeated pieces: invalid UTF-8, escapes, keys, strings, braces.
fn big_body() -> impl Strategy<Value = Vec<u8>> {
    let piece = proptest::sample::select(PIECES);
    proptest::collection::vec((piece, 1usize..6000), 1..8).prop_map(|ps| {
        let mut out = Vec::new();
        for (p, k) in ps {
            for _ in 0..k {
                out.extend_from_slice(p);
            }
        }
        out
    })
}

/// A JSON value with big strings and inline images mixed in.
fn answer_like() -> impl Strategy<Value = Value> {
    let item = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..6000)
            .prop_map(|b| json!({"b64_json": STANDARD.encode(b), "revised_prompt": "p"})),
        (1usize..9000).prop_map(|n| json!({"url": format!("data:image/png;base64,{}", "A".repeat(n))})),
        json(),
    ];
    (proptest::collection::vec(item, 0..6), json())
        .prop_map(|(items, extra)| json!({"created": 1, "data": items, "extra": extra}))
}

/// The text between the quotes of `s` as serde_json writes it.
fn escaped_len(s: &str) -> usize {
    serde_json::to_string(s).unwrap().len() - 2
}

fn elision_count(s: &str) -> Option<(usize, bool)> {
    let rest = s.strip_prefix('<')?.strip_suffix(" elided>")?;
    let (n, what) = rest.split_once(' ')?;
    let n = n.parse().ok()?;
    match what {
        "chars" => Some((n, false)),
        "base64 chars" => Some((n, true)),
        _ => None,
    }
}

/// `out` is `inp` with the string values that must be elided replaced by a marker, and
/// nothing else changed.
fn same_but_elided(inp: &Value, out: &Value, under_b64_key: bool) -> Result<(), String> {
    match (inp, out) {
        (Value::String(a), Value::String(b)) => {
            let must = under_b64_key || a.len() > MAX_SHOWN_STRING;
            let may = must || escaped_len(a) > MAX_SHOWN_STRING;
            if a == b && !must {
                return Ok(());
            }
            match elision_count(b) {
                Some((n, b64)) if may => {
                    if b64 != under_b64_key {
                        return Err(format!("marker {b:?} for a value under b64_json={under_b64_key}"));
                    }
                    if a.is_ascii() && escaped_len(a) == a.len() && n != a.len() {
                        return Err(format!("marker {b:?} for {} chars", a.len()));
                    }
                    Ok(())
                }
                _ => Err(format!("string of {} bytes became {:?}", a.len(), b.chars().take(60).collect::<String>())),
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Err("array length changed".into());
            }
            a.iter().zip(b).try_for_each(|(x, y)| same_but_elided(x, y, false))
        }
        (Value::Object(a), Value::Object(b)) => {
            if a.len() != b.len() || a.keys().ne(b.keys()) {
                return Err("keys changed".into());
            }
            a.iter().zip(b.values()).try_for_each(|((k, x), y)| same_but_elided(x, y, k == "b64_json"))
        }
        (a, b) if a == b => Ok(()),
        // serde_json reads floats back to within an ulp or so (no `float_roundtrip`).
        (Value::Number(a), Value::Number(b))
            if a.as_f64().zip(b.as_f64()).is_some_and(|(x, y)| (x - y).abs() <= 1e-12 * x.abs().max(y.abs())) =>
        {
            Ok(())
        }
        (a, b) => Err(format!("{a} became {b}")),
    }
}

/// `s` with a line break every `every` characters.
fn wrapped(s: &str, every: usize, crlf: bool) -> String {
    let nl = if crlf { "\r\n" } else { "\n" };
    s.as_bytes().chunks(every).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(nl)
}

const MAGIC: &[&[u8]] = &[b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"RIFF", b"BM", b"\0\0\0\x18ftyp"];

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn elide_b64_is_bounded_on_any_bytes(body in prop_oneof![body(), big_body()]) {
        let out = elide_b64(&body);
        prop_assert!(out.len() <= MAX_SHOWN_BODY + 64, "{} bytes out of {}", out.len(), body.len());
    }

    #[test]
    fn elide_b64_keeps_json_valid_and_only_elides(v in prop_oneof![json(), answer_like()], pretty in any::<bool>()) {
        let text = if pretty { serde_json::to_vec_pretty(&v).unwrap() } else { serde_json::to_vec(&v).unwrap() };
        let out = elide_b64(&text);
        prop_assert!(out.len() <= MAX_SHOWN_BODY + 64);
        if !out.ends_with(" bytes more>") {
            let back: Value = serde_json::from_str(&out)
                .map_err(|e| TestCaseError::fail(format!("not JSON any more ({e}): {}", &out[..out.len().min(300)])))?;
            same_but_elided(&v, &back, false).map_err(TestCaseError::fail)?;
        }
    }

    #[test]
    fn decode_b64_reads_every_form(
        data in proptest::collection::vec(any::<u8>(), 0..300),
        alphabet in 0..4u8,
        wrap in proptest::option::of((1usize..90, any::<bool>(), any::<bool>())),
        data_url in proptest::option::of("[a-z]{1,6}/[a-z0-9.+-]{1,10}"),
    ) {
        let mut s = match alphabet {
            0 => STANDARD.encode(&data),
            1 => STANDARD_NO_PAD.encode(&data),
            2 => URL_SAFE.encode(&data),
            _ => URL_SAFE_NO_PAD.encode(&data),
        };
        if let Some((every, crlf, trailing)) = wrap {
            s = wrapped(&s, every, crlf);
            if trailing {
                s.push('\n');
            }
        }
        if let Some(mime) = data_url {
            s = format!("data:{mime};base64,{s}");
        }
        prop_assert_eq!(decode_b64(&s).map_err(|e| TestCaseError::fail(format!("{s:?}: {e}")))?, data);
    }

    #[test]
    fn decode_b64_never_panics(s in prop_oneof![any::<String>(), "[A-Za-z0-9+/=_\\-\r\n ]{0,64}", "data:[ -~]{0,40}"]) {
        let _ = decode_b64(&s);
    }

    #[test]
    fn redact_leaves_no_key(s in prop_oneof![
        any::<String>(),
        string_value(),
        (any::<String>(), secret(), any::<String>()).prop_map(|(a, k, b)| format!("{a}{k}{b}")),
        (proptest::collection::vec(prop_oneof![secret(), "[ -~]{0,6}", Just("Bearer ".to_string()), Just("sk_".to_string())], 0..12))
            .prop_map(|v| v.concat()),
    ]) {
        let out = redact(&s);
        if let Some(at) = unmasked_key(&out) {
            return Err(TestCaseError::fail(format!("{out:?} still shows a key at {at}")));
        }
        prop_assert_eq!(redact(&out), out.clone(), "redact is not idempotent");
        let lower = s.to_ascii_lowercase();
        if !lower.contains("sk_") && !lower.contains("bearer") {
            prop_assert_eq!(out, s);
        }
    }

    #[test]
    fn redact_masks_a_planted_key_or_token(
        a in any::<String>(),
        b in any::<String>(),
        key in secret(),
        token in "[A-Za-z0-9._~+/-]{12,40}",
        bearer in any::<bool>(),
    ) {
        let (planted, secret_part) = if bearer {
            (format!("{a} Authorization: Bearer {token} {b}"), token.clone())
        } else {
            (format!("{a} {key}"), key[3..].to_string())
        };
        let out = redact(&planted);
        prop_assert!(!out.contains(&secret_part), "{out:?} shows {secret_part:?}");
    }

    #[test]
    fn sniff_mime_never_panics_and_names_images(b in prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        (proptest::sample::select(MAGIC),
         proptest::collection::vec(any::<u8>(), 0..16))
            .prop_map(|(m, rest)| [m, &rest[..]].concat()),
    ]) {
        if let Some(m) = sniff_mime(&b) {
            prop_assert!(m.starts_with("image/"), "{m}");
        }
    }

    #[test]
    fn sniff_mime_knows_encoded_images(w in 1u32..24, h in 1u32..24, seed in any::<u32>(), which in 0..5usize) {
        let mut x = seed;
        let img = image::RgbImage::from_fn(w, h, |_, _| {
            x = x.wrapping_mul(1664525).wrapping_add(1013904223);
            image::Rgb([(x >> 24) as u8, (x >> 16) as u8, (x >> 8) as u8])
        });
        let (fmt, mime) = [
            (image::ImageFormat::Png, "image/png"),
            (image::ImageFormat::Jpeg, "image/jpeg"),
            (image::ImageFormat::Gif, "image/gif"),
            (image::ImageFormat::Bmp, "image/bmp"),
            (image::ImageFormat::WebP, "image/webp"),
        ][which];
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, fmt).unwrap();
        prop_assert_eq!(sniff_mime(out.get_ref()), Some(mime));
    }

    #[test]
    fn retry_after_never_panics_and_reads_seconds_and_dates(
        s in prop_oneof![any::<String>(), "[0-9. eE+-]{0,24}", "[A-Za-z]{3}, [0-9]{2} [A-Za-z]{3} [0-9]{4} [0-9:]{8} GMT"],
        secs in 0u64..10_000_000,
        ahead in 0u64..100_000,
    ) {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let _ = parse_retry_after(&s, now);
        prop_assert_eq!(parse_retry_after(&format!(" {secs} "), now), Some(Duration::from_secs(secs)));
        let date = httpdate::fmt_http_date(now + Duration::from_secs(ahead));
        prop_assert_eq!(parse_retry_after(&date, now), Some(Duration::from_secs(ahead)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(ahead));
        prop_assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
    }
}
