//! Removes the keys themselves from what a server said. Pattern redaction
//! (`pixapi::redact`: `sk_…`, `Bearer …`) misses keys of other shapes; a server echoing
//! "Incorrect API key provided: pk-live-…" would otherwise put the key into the database,
//! the events and the inspector. The engine knows the keys it has sent, so it replaces
//! each one exactly, wherever it appears in a target's stored text.

use crate::api::TargetView;

/// What a key is replaced with.
pub const MASK: &str = "[key]";

/// Keys shorter than this are not scrubbed (they would match ordinary text); no real key is.
const MIN_KEY_LEN: usize = 8;

/// `s` with every occurrence of every key replaced by [`MASK`]; `None` when none occurs.
pub fn scrub(s: &str, keys: &[String]) -> Option<String> {
    let mut out: Option<String> = None;
    for k in keys.iter().filter(|k| k.len() >= MIN_KEY_LEN) {
        let cur = out.as_deref().unwrap_or(s);
        if cur.contains(k.as_str()) {
            out = Some(cur.replace(k.as_str(), MASK));
        }
    }
    out
}

fn scrub_in_place(s: &mut String, keys: &[String]) {
    if let Some(clean) = scrub(s, keys) {
        *s = clean;
    }
}

/// Scrubs every text of a target that comes from a server or could hold a key.
pub fn scrub_target(t: &mut TargetView, keys: &[String]) {
    if keys.is_empty() {
        return;
    }
    if let Some(e) = &mut t.error {
        scrub_in_place(&mut e.message, keys);
        if let Some(d) = &mut e.detail {
            scrub_in_place(d, keys);
        }
    }
    if let Some(raw) = &mut t.response_raw {
        scrub_in_place(raw, keys);
    }
    if let Some(id) = &mut t.request_id {
        scrub_in_place(id, keys);
    }
    if let Some(id) = &mut t.task_id {
        scrub_in_place(id, keys);
    }
    for p in &mut t.polls {
        scrub_in_place(&mut p.status, keys);
    }
    if let Some(req) = &mut t.request {
        scrub_in_place(&mut req.url, keys);
        for (_, v) in &mut req.headers {
            scrub_in_place(v, keys);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_each_key_exactly_and_leaves_other_text() {
        let keys = vec!["pk-live-ABCDEFGH1234".to_string(), "short".to_string()];
        assert_eq!(
            scrub("Incorrect API key provided: pk-live-ABCDEFGH1234.", &keys).as_deref(),
            Some("Incorrect API key provided: [key].")
        );
        assert_eq!(scrub("pk-live-ABCDEFGH1234pk-live-ABCDEFGH1234", &keys).as_deref(), Some("[key][key]"));
        assert_eq!(scrub("nothing secret, and short is short", &keys), None);
        assert_eq!(scrub("pk-live-ABCDEFGH123 is another key", &keys), None);
    }
}
