//! Elision of inline base64 for display: a body as a person can read it, each long
//! `b64_json`-like string replaced by its length. Used by [`crate::wire`] on a whole body
//! and by [`crate::inline`] on the skeleton of a body decoded as it arrived.

/// Index of the closing quote of a JSON string whose content starts at `k`, and the
/// number of escape sequences in it.
fn string_end(b: &[u8], mut k: usize) -> Option<(usize, usize)> {
    let mut escapes = 0;
    loop {
        let p = memchr::memchr2(b'"', b'\\', b.get(k..)?)?;
        if b[k + p] == b'\\' {
            escapes += 1;
            k = k + p + 2;
        } else {
            return Some((k + p, escapes));
        }
    }
}

fn skip_ws(b: &[u8], mut k: usize) -> usize {
    while k < b.len() && matches!(b[k], b' ' | b'\t' | b'\r' | b'\n') {
        k += 1;
    }
    k
}

/// Longest string value kept whole in a displayed answer: a `data:` URL in `url`, or any
/// other huge value, is elided like `b64_json`.
pub const MAX_SHOWN_STRING: usize = 2048;
/// Longest displayed answer, after elision.
pub const MAX_SHOWN_BODY: usize = 64 * 1024;

/// The JSON text with every `"b64_json": "<data>"` value replaced by
/// `"<N base64 chars elided>"`, every other string value longer than
/// `MAX_SHOWN_STRING` by `"<N chars elided>"`, and the whole cut at `MAX_SHOWN_BODY`.
/// Works on the bytes (strings are skipped with memchr), so it costs about one pass over
/// the body and copies only what is kept (at most about `MAX_SHOWN_BODY` bytes, whatever
/// the body's size). Invalid UTF-8 is replaced before the cut, so the result is at most
/// `MAX_SHOWN_BODY` bytes and the `… <N bytes more>` marker; a truncated body is kept as
/// far as it goes.
pub fn elide_b64(body: &[u8]) -> String {
    elide_with(body, &|_| None, &|_| 0)
}

/// [`elide_b64`] of a body of which `body` is the skeleton ([`crate::inline`]): a
/// `b64_json` value starting at `p` has `n_at(p)` chars in the received body (when it
/// is a token), and the tokens from `p` on stand for `hidden_from(p)` bytes more than
/// their own.
pub(crate) fn elide_with(
    body: &[u8],
    n_at: &dyn Fn(usize) -> Option<usize>,
    hidden_from: &dyn Fn(usize) -> isize,
) -> String {
    // Enough kept bytes to fill the cut: copying stops there, whatever the body's size.
    let keep = MAX_SHOWN_BODY + 4;
    let mut out: Vec<u8> = Vec::with_capacity(body.len().min(8192));
    let mut copied = 0;
    let mut i = 0;
    while let Some(q) = memchr::memchr(b'"', &body[i..]) {
        if out.len() + (i - copied) > keep {
            break;
        }
        let s = i + q;
        let Some((e, _)) = string_end(body, s + 1) else {
            break;
        };
        i = e + 1;
        let colon = skip_ws(body, e + 1);
        if body.get(colon) != Some(&b':') {
            // A value (not a key): elide it if it is huge.
            if e - (s + 1) > MAX_SHOWN_STRING {
                out.extend_from_slice(&body[copied..s]);
                out.extend_from_slice(format!("\"<{} chars elided>\"", e - (s + 1)).as_bytes());
                copied = e + 1;
            }
            continue;
        }
        let is_b64 = &body[s + 1..e] == b"b64_json";
        let vs = skip_ws(body, colon + 1);
        if body.get(vs) != Some(&b'"') {
            continue;
        }
        let Some((ve, escapes)) = string_end(body, vs + 1) else {
            break;
        };
        let n = match n_at(vs + 1) {
            Some(n) if is_b64 => n,
            _ => ve - (vs + 1) - escapes,
        };
        if is_b64 || n > MAX_SHOWN_STRING {
            out.extend_from_slice(&body[copied..vs]);
            let what = if is_b64 { "base64 chars" } else { "chars" };
            out.extend_from_slice(format!("\"<{n} {what} elided>\"").as_bytes());
            copied = ve + 1;
        }
        i = ve + 1;
    }
    let end = body.len().min(copied + keep.saturating_sub(out.len()));
    out.extend_from_slice(&body[copied..end]);
    let unread = (body.len() - end).saturating_add_signed(hidden_from(end));
    // Invalid UTF-8 is replaced before the cut: a replacement char is 3 bytes for 1.
    let mut s = match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    if s.len() > MAX_SHOWN_BODY || unread > 0 {
        let mut cut = s.len().min(MAX_SHOWN_BODY);
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        let more = s.len() - cut + unread;
        s.truncate(cut);
        s.push_str(&format!("… <{more} bytes more>"));
    }
    s
}
