//! Property tests of decoding inline images while the body arrives ([`crate::inline`]):
//! whatever the chunking, a body gives exactly what reading it whole gives, images and
//! errors alike; the body restored from the skeleton is the body, and so is its elided
//! text; and a strict base64 answer really is decoded on the way.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::error::Error;
use crate::inline::{InlineScan, Streamed, MAX_VALUES};
use crate::props::support::*;
use crate::types::AnswerItem;
use crate::wire::{
    elide_b64, images_from_skeleton, parse_images, parse_task_images, task_images_from_skeleton, ParsedImages,
};

type Outcome = Result<(Option<i64>, Vec<AnswerItem>, Option<Value>, Option<String>), Error>;

fn outcome(r: Result<ParsedImages, Error>) -> Outcome {
    r.map(|p| (p.created, p.items, p.usage, p.request_id))
}

/// `body` fed in chunks of the given sizes (cycled).
fn scanned(body: &[u8], sizes: &[usize]) -> Streamed {
    let mut s = InlineScan::new(Some(body.len() as u64));
    let (mut at, mut k) = (0, 0);
    while at < body.len() {
        let n = sizes[k % sizes.len()].max(1).min(body.len() - at);
        s.feed(&body[at..at + n]);
        at += n;
        k += 1;
    }
    s.finish()
}

/// What the client reads from `body` received in chunks of `sizes` (images or task
/// images), and whether it was decoded on the way; checks that what is kept gives the
/// body back, and its elided text.
fn read(body: &[u8], sizes: &[usize], task: bool) -> Result<(Outcome, bool), TestCaseError> {
    let whole = |b: &[u8]| outcome(if task { parse_task_images(b) } else { parse_images(b) });
    match scanned(body, sizes) {
        Streamed::Whole(b) => {
            prop_assert!(&b[..] == body, "the body kept is not the body");
            Ok((whole(&b), false))
        }
        Streamed::Decoded(mut inl) => {
            prop_assert!(inl.original() == body, "the restored body is not the body");
            prop_assert_eq!(inl.elided(), elide_b64(body));
            let fast = if task { task_images_from_skeleton(&mut inl) } else { images_from_skeleton(&mut inl) };
            match fast {
                Some(p) => Ok((outcome(Ok(p)), true)),
                None => Ok((whole(&inl.original()), true)),
            }
        }
    }
}
/// An output as servers send it: strict base64 (the fast path), URL-safe unpadded (the
/// fallback), or a link.
fn item() -> impl Strategy<Value = Value> {
    let bytes = prop_oneof![
        4 => proptest::collection::vec(any::<u8>(), 1..600),
        1 => proptest::collection::vec(any::<u8>(), 12_000..40_000),
    ];
    prop_oneof![
        6 => (bytes.clone(), proptest::option::of("[a-z \"\\\\/]{0,12}"))
            .prop_map(|(b, rp)| json!({"b64_json": STANDARD.encode(b), "revised_prompt": rp})),
        1 => bytes.prop_map(|b| json!({"b64_json": URL_SAFE_NO_PAD.encode(b)})),
        1 => "https://[a-z]{1,8}\\.test/[a-z0-9/]{1,12}\\.png".prop_map(|u| json!({"url": u, "b64_json": ""})),
    ]
}

/// How a valid answer is spoiled, if at all.
#[derive(Clone, Debug)]
enum Spoil {
    None,
    /// Cut at a fraction of its length.
    Truncate(prop::sample::Index),
    /// One byte (at a fraction) replaced.
    Byte(prop::sample::Index, u8),
    /// Wrapped in this many arrays.
    Nest(usize),
    /// `data` given twice.
    DuplicateData,
    /// A `b64_json` under `usage` (a field the answer keeps).
    B64InUsage,
}

fn spoil() -> impl Strategy<Value = Spoil> {
    prop_oneof![
        4 => Just(Spoil::None),
        1 => any::<prop::sample::Index>().prop_map(Spoil::Truncate),
        2 => (any::<prop::sample::Index>(), proptest::sample::select(&b"!=- \n\"\\\x00\xffA/"[..])).prop_map(|(i, b)| Spoil::Byte(i, b)),
        1 => (100usize..200).prop_map(Spoil::Nest),
        1 => Just(Spoil::DuplicateData),
        1 => Just(Spoil::B64InUsage),
    ]
}

fn answer(items: Vec<Value>, created: Option<i32>, escape: bool, pretty: bool, spoil: &Spoil, task: bool) -> Vec<u8> {
    let mut top = serde_json::Map::new();
    let data = Value::Array(items);
    if task {
        top.insert("id".into(), json!("task_1"));
        top.insert("status".into(), json!("completed"));
        top.insert("result".into(), json!({"data": data}));
    } else {
        top.insert("data".into(), data);
    }
    if let Some(c) = created {
        top.insert("created".into(), json!(c));
    }
    if let Spoil::B64InUsage = spoil {
        top.insert("usage".into(), json!({"b64_json": "QUJD"}));
    }
    let v = Value::Object(top);
    let s = if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) }.unwrap();
    let mut b = (if escape { s.replace('/', "\\/") } else { s }).into_bytes();
    match spoil {
        Spoil::Truncate(i) => b.truncate(i.index(b.len())),
        Spoil::Byte(i, c) => {
            let k = i.index(b.len());
            b[k] = *c;
        }
        Spoil::Nest(depth) => b = [vec![b'['; *depth], b, vec![b']'; *depth]].concat(),
        Spoil::DuplicateData => {
            let k = b.len() - 1;
            b.splice(k..k, br#","data":[{"b64_json":"QUJD"}]"#.iter().copied());
        }
        Spoil::None | Spoil::B64InUsage => {}
    }
    b
}

fn sizes() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(prop_oneof![1usize..8, 8usize..300, 300usize..70_000], 1..6)
}

proptest! {
    #![proptest_config(config(192))]

    #[test]
    fn any_chunking_gives_what_the_whole_body_gives(
        items in proptest::collection::vec(item(), 1..4),
        created in proptest::option::of(any::<i32>()),
        escape in any::<bool>(),
        pretty in any::<bool>(),
        spoil in spoil(),
        task in any::<bool>(),
        sizes in sizes(),
    ) {
        // Every inline value strict base64: the answer must be decoded on the way.
        let values: Vec<&str> = items.iter().filter_map(|i| i["b64_json"].as_str()).filter(|s| !s.is_empty()).collect();
        let strict = !values.is_empty() && values.iter().all(|s| STANDARD.decode(s).is_ok());
        let body = answer(items, created, escape, pretty, &spoil, task);
        let (streamed, decoded) = read(&body, &sizes, task)?;
        if strict && matches!(spoil, Spoil::None) {
            prop_assert!(decoded, "a strict base64 answer was not decoded on the way");
        }
        let whole = if task { parse_task_images(&body) } else { parse_images(&body) };
        prop_assert_eq!(streamed, outcome(whole));
    }

    #[test]
    fn arbitrary_bodies_read_alike(body in body(), sizes in sizes()) {
        prop_assert_eq!(read(&body, &sizes, false)?.0, outcome(parse_images(&body)));
        prop_assert_eq!(read(&body, &sizes, true)?.0, outcome(parse_task_images(&body)));
    }

    #[test]
    fn strict_base64_decodes_like_the_whole_string(
        s in "[A-Za-z0-9+/=]{1,40}",
        escape in any::<bool>(),
        sizes in proptest::collection::vec(1usize..6, 1..4),
    ) {
        let text = if escape { s.replace('/', "\\/") } else { s.clone() };
        let body = format!(r#"{{"data":[{{"b64_json":"{text}"}}]}}"#).into_bytes();
        let (streamed, decoded) = read(&body, &sizes, false)?;
        // Decoded on the way exactly when STANDARD takes the whole string.
        prop_assert_eq!(decoded, STANDARD.decode(&s).is_ok(), "{}", s);
        prop_assert_eq!(streamed, outcome(parse_images(&body)));
    }
}

fn no_check(body: &[u8], sizes: &[usize], task: bool) -> (Outcome, bool) {
    read(body, sizes, task).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn many_values_are_read_whole() {
    let body = format!(r#"{{"data":[{}]}}"#, vec![r#"{"b64_json":"QUJD"}"#; MAX_VALUES + 3].join(","));
    let (out, decoded) = no_check(body.as_bytes(), &[100], false);
    assert!(!decoded);
    assert_eq!(out.unwrap().1.len(), MAX_VALUES + 3);
}

#[test]
fn a_token_left_in_a_kept_field_falls_back() {
    let body = br#"{"data":[{"b64_json":"QUJD"}],"usage":{"b64_json":"REVG"}}"#;
    let (out, decoded) = no_check(body, &[7], false);
    assert!(decoded);
    assert_eq!(out.unwrap().2.unwrap()["b64_json"], "REVG");
}

#[test]
fn a_forged_token_is_only_a_string() {
    // A server cannot know the nonce: a token-like value (under a key the scanner does
    // not take for `b64_json`, but serde does) is read as base64, and fails as such.
    let body = br#"{"data":[{"b64_json":"QUJD"},{"b64\u005fjson":"pixapi-inline-0000000000000000-00"}]}"#;
    let (out, decoded) = no_check(body, &[5], false);
    assert!(decoded);
    assert!(
        matches!(&out, Err(Error::Malformed { detail }) if detail.starts_with("data[1].b64_json: bad base64")),
        "{out:?}"
    );
    assert_eq!(out, outcome(parse_images(body)));
}

#[test]
fn mixed_slash_escapes_are_read_whole_and_restored() {
    let raw = [0xFFu8; 30];
    let b64 = STANDARD.encode(raw);
    let mixed = b64.replacen('/', "\\/", 1);
    let body = format!(r#"{{"data":[{{"b64_json":"{b64}"}},{{"b64_json":"{mixed}"}}]}}"#);
    for chunk in [1, 2, 3, 7, 64, 1000] {
        let (out, _) = no_check(body.as_bytes(), &[chunk], false);
        assert_eq!(out, outcome(parse_images(body.as_bytes())));
    }
}
