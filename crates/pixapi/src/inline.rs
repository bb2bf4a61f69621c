//! Decoding inline images while the body arrives.
//!
//! A 4K `b64_json` answer is 15–25 MB of base64. Read whole, then JSON-parsed, then
//! decoded, all of that decoding happens after the last byte. [`InlineScan`] is fed each
//! chunk as it comes and decodes every `"b64_json": "<base64>"` value on the way; at the
//! end the answer is parsed from a *skeleton* (the body with each decoded value replaced
//! by a short token), and the tokens are mapped back to the decoded bytes.
//!
//! It is an optimisation only, never a second reader: the values it finds are the ones
//! [`elide_b64`](crate::wire::elide_b64) elides (a string followed by `:` whose raw text
//! is `b64_json`, then a string), it decodes only strict standard base64 (padded, no
//! whitespace, `\/` the only escape), and anything else (another escape, URL-safe or
//! unpadded base64, a `data:` URL, a truncated body, more values than
//! [`MAX_VALUES`]) gives up, so the caller reads the whole body as before. The caller
//! also falls back when the skeleton does not parse, or parses without using every
//! token exactly once: whatever the body, the result or the error is the whole-body
//! path's (`props.rs` checks it on arbitrary chunkings and hostile bodies).
//! The scanner holds a few bytes of state and at most [`FLUSH`] pending base64 chars;
//! the decoded bytes are bounded by the body's own limit (3 bytes per 4 chars).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use bytes::Bytes;

/// Most `b64_json` values decoded in one answer; past it the body is read whole
/// (a body of many tiny values would otherwise cost more in records than in bytes).
pub(crate) const MAX_VALUES: usize = 64;
/// Base64 chars gathered before a block is decoded (when a chunk cannot be decoded in place).
const FLUSH: usize = 16 * 1024;

const KEY: &[u8] = b"b64_json";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Between strings.
    Outside,
    /// In a string that may turn out to be a key; `esc` after a backslash.
    Str { esc: bool },
    /// In the string value of a key (never itself taken for a key).
    Value { esc: bool },
    /// After a string: a `:` makes it a key.
    AfterStr { b64_key: bool },
    /// After a key's `:`: a `"` starts its value.
    AfterColon { b64_key: bool },
    /// In a `b64_json` value being decoded.
    B64 { esc: bool },
}

/// One decoded value: where its content lies in the body, and its bytes.
struct Decoded {
    start: usize,
    end: usize,
    bytes: Bytes,
}

/// The streaming scanner (see the module doc).
pub(crate) struct InlineScan {
    state: State,
    /// Bytes fed so far (the offset of the next chunk in the body).
    pos: usize,
    /// The raw text of the current candidate key: its first bytes and its length.
    key: [u8; 8],
    key_len: usize,
    /// The current `b64_json` value: where its content starts, chars not yet decoded,
    /// and the bytes decoded so far.
    start: usize,
    pending: Vec<u8>,
    out: Vec<u8>,
    done: Vec<Decoded>,
    /// Body length announced (`Content-Length`): what a value may reserve.
    expected: Option<usize>,
    gave_up: bool,
}

impl InlineScan {
    pub(crate) fn new(expected: Option<u64>) -> InlineScan {
        InlineScan {
            state: State::Outside,
            pos: 0,
            key: [0; 8],
            key_len: 0,
            start: 0,
            pending: Vec::new(),
            out: Vec::new(),
            done: Vec::new(),
            expected: expected.map(|e| e as usize),
            gave_up: false,
        }
    }

    fn give_up(&mut self) {
        self.gave_up = true;
        self.pending = Vec::new();
        self.out = Vec::new();
        self.done = Vec::new();
    }

    /// Feeds the next bytes of the body.
    pub(crate) fn feed(&mut self, chunk: &[u8]) {
        if !self.gave_up {
            self.scan(chunk);
        }
        self.pos += chunk.len();
    }

    fn scan(&mut self, c: &[u8]) {
        let mut i = 0;
        while i < c.len() && !self.gave_up {
            match self.state {
                State::Outside => match memchr::memchr(b'"', &c[i..]) {
                    Some(p) => {
                        i += p + 1;
                        self.key_len = 0;
                        self.state = State::Str { esc: false };
                    }
                    None => i = c.len(),
                },
                State::Str { esc } | State::Value { esc } => {
                    let is_key = matches!(self.state, State::Str { .. });
                    if esc {
                        if is_key {
                            self.key_byte(c[i]);
                        }
                        i += 1;
                        self.state = if is_key { State::Str { esc: false } } else { State::Value { esc: false } };
                        continue;
                    }
                    match memchr::memchr2(b'"', b'\\', &c[i..]) {
                        Some(p) => {
                            if is_key {
                                c[i..i + p].iter().for_each(|&b| self.key_byte(b));
                            }
                            i += p;
                            if c[i] == b'\\' {
                                if is_key {
                                    self.key_byte(b'\\');
                                }
                                self.state = if is_key { State::Str { esc: true } } else { State::Value { esc: true } };
                            } else if is_key {
                                let b64_key = self.key_len == KEY.len() && &self.key[..] == KEY;
                                self.state = State::AfterStr { b64_key };
                            } else {
                                self.state = State::Outside;
                            }
                            i += 1;
                        }
                        None => {
                            if is_key {
                                c[i..].iter().for_each(|&b| self.key_byte(b));
                            }
                            i = c.len();
                        }
                    }
                }
                State::AfterStr { b64_key } => match c[i] {
                    b' ' | b'\t' | b'\r' | b'\n' => i += 1,
                    b':' => {
                        i += 1;
                        self.state = State::AfterColon { b64_key };
                    }
                    // Not a key: this byte is read again between strings.
                    _ => self.state = State::Outside,
                },
                State::AfterColon { b64_key } => match c[i] {
                    b' ' | b'\t' | b'\r' | b'\n' => i += 1,
                    b'"' => {
                        i += 1;
                        if b64_key {
                            self.begin_value(self.pos + i);
                        } else {
                            self.state = State::Value { esc: false };
                        }
                    }
                    _ => self.state = State::Outside,
                },
                State::B64 { esc: true } => {
                    // `\/` is the one escape a strict base64 value may hold.
                    if c[i] != b'/' {
                        return self.give_up();
                    }
                    self.take_chars(b"/");
                    i += 1;
                    self.state = State::B64 { esc: false };
                }
                State::B64 { esc: false } => match memchr::memchr2(b'"', b'\\', &c[i..]) {
                    Some(p) => {
                        self.take_chars(&c[i..i + p]);
                        i += p;
                        if c[i] == b'\\' {
                            self.state = State::B64 { esc: true };
                        } else {
                            self.end_value(self.pos + i);
                        }
                        i += 1;
                    }
                    None => {
                        self.take_chars(&c[i..]);
                        i = c.len();
                    }
                },
            }
        }
    }

    fn key_byte(&mut self, b: u8) {
        if self.key_len < self.key.len() {
            self.key[self.key_len] = b;
        }
        self.key_len = self.key_len.saturating_add(1);
    }

    fn begin_value(&mut self, start: usize) {
        if self.done.len() >= MAX_VALUES {
            return self.give_up();
        }
        self.state = State::B64 { esc: false };
        self.start = start;
        self.pending.clear();
        self.out = Vec::new();
        // At most what the rest of the announced body decodes to; never more than that.
        if let Some(e) = self.expected {
            self.out.reserve(e.saturating_sub(start) / 4 * 3);
        }
    }

    /// Decodes `block` (whole quads, not the value's last) onto `out`.
    fn decode_block(&mut self, block: &[u8]) -> bool {
        // A quad ending in `=` is a last quad: more chars follow, so the value is not
        // strict base64 (STANDARD would accept the block on its own).
        if block.last() == Some(&b'=') {
            return false;
        }
        STANDARD.decode_vec(block, &mut self.out).is_ok()
    }

    /// Takes chars of the value, decoding whole quads in place when it can, and always
    /// leaving at least one char pending (the last quad is decoded at the closing quote).
    fn take_chars(&mut self, mut s: &[u8]) {
        if !self.pending.is_empty() && self.pending.len() < FLUSH {
            // Complete the pending quads from `s` so that the rest can go in place.
            let want = (4 - self.pending.len() % 4) % 4;
            if s.len() <= want + 4 {
                self.pending.extend_from_slice(s);
                return;
            }
            self.pending.extend_from_slice(&s[..want]);
            s = &s[want..];
            let p = std::mem::take(&mut self.pending);
            let ok = self.decode_block(&p);
            self.pending = p;
            self.pending.clear();
            if !ok {
                return self.give_up();
            }
        }
        if self.pending.is_empty() && s.len() > 4 {
            let m = (s.len() - 1) / 4 * 4;
            if !self.decode_block(&s[..m]) {
                return self.give_up();
            }
            s = &s[m..];
        }
        self.pending.extend_from_slice(s);
        if self.pending.len() >= FLUSH {
            let m = (self.pending.len() - 1) / 4 * 4;
            let p = std::mem::take(&mut self.pending);
            let ok = self.decode_block(&p[..m]);
            self.pending = p;
            self.pending.drain(..m);
            if !ok {
                self.give_up();
            }
        }
    }

    fn end_value(&mut self, end: usize) {
        self.state = State::Outside;
        // An empty value is left to the parser (it means "no inline image").
        if end == self.start {
            return;
        }
        let p = std::mem::take(&mut self.pending);
        if STANDARD.decode_vec(&p, &mut self.out).is_err() {
            return self.give_up();
        }
        self.pending = p;
        let mut out = std::mem::take(&mut self.out);
        out.shrink_to_fit();
        self.done.push(Decoded { start: self.start, end, bytes: Bytes::from(out) });
    }

    /// The decoded values and the skeleton of `body` (the bytes fed), or `None` when the
    /// scanner gave up, the body ended inside a value, or nothing was decoded.
    pub(crate) fn finish(self, body: &[u8]) -> Option<Inline> {
        if self.gave_up || self.done.is_empty() || matches!(self.state, State::B64 { .. }) || body.len() != self.pos {
            return None;
        }
        let nonce: u64 = rand::random();
        let mut skeleton = Vec::with_capacity(body.len() - self.done.iter().map(|d| d.end - d.start).sum::<usize>());
        let mut at = 0;
        let mut bytes = Vec::with_capacity(self.done.len());
        for (k, d) in self.done.into_iter().enumerate() {
            skeleton.extend_from_slice(&body[at..d.start]);
            skeleton.extend_from_slice(format!("{TOKEN}{nonce:016x}-{k}").as_bytes());
            at = d.end;
            bytes.push(Some(d.bytes));
        }
        skeleton.extend_from_slice(&body[at..]);
        Some(Inline { prefix: format!("{TOKEN}{nonce:016x}-"), skeleton, bytes })
    }
}

const TOKEN: &str = "pixapi-inline-";

/// The outcome of a finished [`InlineScan`]: the skeleton to parse and the decoded values
/// its tokens stand for.
pub(crate) struct Inline {
    /// Every token starts with it; its nonce is random, so a server cannot forge one.
    prefix: String,
    pub(crate) skeleton: Vec<u8>,
    bytes: Vec<Option<Bytes>>,
}

impl Inline {
    /// The bytes `value` stands for, if it is one of this answer's tokens not yet used;
    /// `None` for any other string (which the caller decodes itself).
    pub(crate) fn take(&mut self, value: &str) -> Option<Bytes> {
        let k: usize = value.strip_prefix(self.prefix.as_str())?.parse().ok()?;
        self.bytes.get_mut(k)?.take()
    }

    /// Whether every token was used (so none was left in a field the caller keeps).
    pub(crate) fn all_used(&self) -> bool {
        self.bytes.iter().all(Option::is_none)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(body: &[u8], chunk: usize) -> Option<Inline> {
        let mut s = InlineScan::new(Some(body.len() as u64));
        for c in body.chunks(chunk.max(1)) {
            s.feed(c);
        }
        s.finish(body)
    }

    #[test]
    fn values_are_decoded_across_any_chunking() {
        let body = br#"{"data":[{"b64_json":"QUJD\/RVGRw==","revised_prompt":"b64_json"},{ "b64_json" : "AAAA"}]}"#;
        for chunk in 1..body.len() + 1 {
            let mut inl = scan(body, chunk).unwrap_or_else(|| panic!("chunk {chunk}"));
            let sk = String::from_utf8(inl.skeleton.clone()).unwrap();
            let v: serde_json::Value = serde_json::from_str(&sk).unwrap();
            let t0 = v["data"][0]["b64_json"].as_str().unwrap().to_string();
            let t1 = v["data"][1]["b64_json"].as_str().unwrap().to_string();
            assert_eq!(v["data"][0]["revised_prompt"], "b64_json");
            assert_eq!(&inl.take(&t0).unwrap()[..], b"ABC\xfd\x15\x46G");
            assert!(inl.take(&t0).is_none(), "a token is used once");
            assert!(!inl.all_used());
            assert_eq!(&inl.take(&t1).unwrap()[..], &[0, 0, 0]);
            assert!(inl.all_used());
        }
    }

    #[test]
    fn anything_but_strict_base64_gives_up() {
        for body in [
            &br#"{"b64_json":"QUI"}"#[..],
            br#"{"b64_json":"QU\nJD"}"#,
            br#"{"b64_json":"QU JD"}"#,
            br#"{"b64_json":"_-8A"}"#,
            br#"{"b64_json":"QUI=QUJD"}"#,
            br#"{"b64_json":"QUJD\u0041AAA"}"#,
            br#"{"b64_json":"data:image/png;base64,QUJD"}"#,
            br#"{"b64_json":"QUJD"#,
            br#"{"b64_json":""}"#,
            br#"{"url":"QUJD"}"#,
        ] {
            for chunk in [1, 3, 1000] {
                assert!(scan(body, chunk).is_none(), "{}", String::from_utf8_lossy(body));
            }
        }
    }

    #[test]
    fn only_key_strings_named_b64_json_count() {
        // A value "b64_json" followed by `:` in an array is what elide_b64 takes for a key too.
        let body = br#"{"x":"b64_json","b64\u005fjson":"QUJD","k":["a","b64_json"],"b64_json":"QUJD"}"#;
        let inl = scan(body, 5).unwrap();
        let sk = String::from_utf8(inl.skeleton).unwrap();
        assert!(
            sk.starts_with(r#"{"x":"b64_json","b64\u005fjson":"QUJD","k":["a","b64_json"],"b64_json":"pixapi-inline-"#),
            "{sk}"
        );
    }

    #[test]
    fn too_many_values_give_up() {
        let body = format!("[{}]", vec![r#"{"b64_json":"QUJD"}"#; MAX_VALUES + 1].join(","));
        assert!(scan(body.as_bytes(), 64).is_none());
        let body = format!("[{}]", vec![r#"{"b64_json":"QUJD"}"#; MAX_VALUES].join(","));
        assert!(scan(body.as_bytes(), 64).is_some());
    }
}
