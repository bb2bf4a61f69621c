//! Decoding inline images while the body arrives.
//!
//! A 4K `b64_json` answer is 15–25 MB of base64. Read whole, then JSON-parsed, then
//! decoded, all of that decoding happens after the last byte, and the body is held
//! beside its image. [`InlineScan`] is fed each chunk as it comes and decodes every
//! `"b64_json": "<base64>"` value on the way, keeping only the rest of the body: a
//! *skeleton* in which each decoded value is a short token. The answer is parsed from the
//! skeleton, and the tokens are mapped back to the decoded bytes.
//!
//! It is an optimisation only, never a second reader: the values it finds are the ones
//! [`elide_b64`](crate::elide::elide_b64) elides (a string followed by `:` whose raw text
//! is `b64_json`, then a string), it decodes only strict standard base64 (padded, no
//! whitespace, `\/` the only escape, used for every `/` of the value or none), and on
//! anything else (another escape, URL-safe or unpadded base64, a `data:` URL, a body
//! ending inside a value, more than [`MAX_VALUES`] values) it gives up and restores the
//! body byte for byte (strict base64 re-encodes to itself), so the caller reads it whole
//! as before. The caller also restores it when the skeleton does not parse, or parses
//! without using every token exactly once: whatever the body, the result or the error
//! is the whole-body path's (`props_inline.rs` checks it on arbitrary chunkings and
//! hostile bodies, and that the restored body is the body).
//! The scanner holds a few bytes of state and at most about [`FLUSH`] pending base64
//! chars; the decoded bytes are bounded by the body's own limit (3 bytes per 4 chars).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use bytes::Bytes;

/// Most `b64_json` values decoded in one answer; past it the body is read whole.
pub(crate) const MAX_VALUES: usize = 64;
/// Base64 chars gathered before a block is decoded (when chunks cannot be decoded in place).
const FLUSH: usize = 16 * 1024;

const KEY: &[u8] = b"b64_json";
const TOKEN: &str = "pixapi-inline-";
/// `TOKEN`, a 16-digit nonce, `-`, a 2-digit index.
const TOKEN_LEN: usize = TOKEN.len() + 16 + 1 + 2;

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

/// One decoded value.
struct Decoded {
    /// Where its token starts in the skeleton.
    at: usize,
    bytes: Bytes,
    /// Every `/` of it was written `\/`.
    escaped: bool,
    /// Its length in chars (escapes unescaped), as `elide_b64` counts it.
    chars: usize,
    /// Its length in the body.
    raw: usize,
}

/// The streaming scanner (see the module doc).
pub(crate) struct InlineScan {
    state: State,
    /// The raw text of the current candidate key: its first bytes and its length.
    key: [u8; 8],
    key_len: usize,
    /// The current `b64_json` value: chars not yet decoded, the bytes decoded so far,
    /// how it writes `/` (`Some(true)`: `\/`), its chars so far.
    pending: Vec<u8>,
    out: Vec<u8>,
    slash: Option<bool>,
    chars: usize,
    escapes: usize,
    /// What is kept of the body: the skeleton so far, or (given up) the body as received.
    body: Vec<u8>,
    done: Vec<Decoded>,
    nonce: u64,
    /// Body length announced (`Content-Length`): what a value may reserve.
    expected: Option<usize>,
    /// Bytes fed so far.
    fed: usize,
    gave_up: bool,
}

/// What a finished [`InlineScan`] holds.
pub(crate) enum Streamed {
    /// Values were decoded: the skeleton and the bytes.
    Decoded(Inline),
    /// Nothing was: the body as received.
    Whole(Bytes),
}

fn escaped(b64: &[u8], escape: bool) -> Vec<u8> {
    if !escape {
        return b64.to_vec();
    }
    let mut v = Vec::with_capacity(b64.len() + b64.len() / 32);
    for &c in b64 {
        if c == b'/' {
            v.push(b'\\');
        }
        v.push(c);
    }
    v
}

/// `skeleton` with each token put back as the text it stood for.
fn restore(skeleton: &[u8], done: &[Decoded]) -> Vec<u8> {
    let extra: usize = done.iter().map(|d| d.chars + d.chars / 32).sum();
    let mut v = Vec::with_capacity(skeleton.len() + extra);
    let mut at = 0;
    for d in done {
        v.extend_from_slice(&skeleton[at..d.at]);
        v.extend_from_slice(&escaped(STANDARD.encode(&d.bytes).as_bytes(), d.escaped));
        at = d.at + TOKEN_LEN;
    }
    v.extend_from_slice(&skeleton[at..]);
    v
}

impl InlineScan {
    pub(crate) fn new(expected: Option<u64>) -> InlineScan {
        InlineScan {
            state: State::Outside,
            key: [0; 8],
            key_len: 0,
            pending: Vec::new(),
            out: Vec::new(),
            slash: None,
            chars: 0,
            escapes: 0,
            body: Vec::with_capacity(expected.unwrap_or(0).min(64 * 1024) as usize),
            done: Vec::new(),
            nonce: rand::random(),
            expected: expected.map(|e| e as usize),
            fed: 0,
            gave_up: false,
        }
    }

    /// Feeds the next bytes of the body.
    pub(crate) fn feed(&mut self, chunk: &[u8]) {
        if self.gave_up {
            self.body.extend_from_slice(chunk);
        } else {
            self.scan(chunk);
        }
        self.fed += chunk.len();
    }

    /// Gives up: the body so far is restored (tokens and the value in progress put back
    /// as received), then `extra` and `rest` (the unscanned rest of the chunk) follow.
    fn give_up(&mut self, extra: &[u8], rest: &[u8]) {
        let mut body = restore(&self.body, &self.done);
        if let State::B64 { .. } = self.state {
            let mut text = STANDARD.encode(&self.out).into_bytes();
            text.extend_from_slice(&self.pending);
            body.extend_from_slice(&escaped(&text, self.slash == Some(true)));
        }
        body.extend_from_slice(extra);
        body.extend_from_slice(rest);
        self.body = body;
        self.gave_up = true;
        self.pending = Vec::new();
        self.out = Vec::new();
        self.done = Vec::new();
    }

    fn scan(&mut self, c: &[u8]) {
        let mut i = 0;
        // Where the bytes still to keep start in `c` (none inside a value being decoded).
        let mut keep: Option<usize> = if let State::B64 { .. } = self.state { None } else { Some(0) };
        while i < c.len() {
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
                        if !b64_key {
                            self.state = State::Value { esc: false };
                        } else if self.done.len() >= MAX_VALUES {
                            let k = keep.unwrap_or(0);
                            return self.give_up(b"", &c[k..]);
                        } else {
                            self.body.extend_from_slice(&c[keep.unwrap_or(0)..i]);
                            keep = None;
                            self.begin_value();
                        }
                    }
                    _ => self.state = State::Outside,
                },
                State::B64 { esc: true } => {
                    // `\/` is the one escape a strict base64 value may hold, for every `/` or none.
                    if c[i] != b'/' || self.slash == Some(false) {
                        return self.give_up(b"\\", &c[i..]);
                    }
                    self.slash = Some(true);
                    if !self.take_chars(b"/") {
                        return self.give_up(b"\\", &c[i..]);
                    }
                    self.escapes += 1;
                    i += 1;
                    self.state = State::B64 { esc: false };
                }
                State::B64 { esc: false } => {
                    let p = memchr::memchr2(b'"', b'\\', &c[i..]).unwrap_or(c.len() - i);
                    let seg = &c[i..i + p];
                    if self.slash != Some(false) && memchr::memchr(b'/', seg).is_some() {
                        if self.slash == Some(true) {
                            return self.give_up(b"", &c[i..]);
                        }
                        self.slash = Some(false);
                    }
                    if !self.take_chars(seg) {
                        return self.give_up(b"", &c[i..]);
                    }
                    i += p;
                    if i < c.len() {
                        if c[i] == b'\\' {
                            self.state = State::B64 { esc: true };
                            i += 1;
                        } else {
                            if !self.end_value() {
                                return self.give_up(b"", &c[i..]);
                            }
                            // The closing quote is kept.
                            keep = Some(i);
                            i += 1;
                        }
                    }
                }
            }
        }
        if let Some(k) = keep {
            self.body.extend_from_slice(&c[k..]);
        }
    }

    fn key_byte(&mut self, b: u8) {
        if self.key_len < self.key.len() {
            self.key[self.key_len] = b;
        }
        self.key_len = self.key_len.saturating_add(1);
    }

    fn begin_value(&mut self) {
        self.state = State::B64 { esc: false };
        self.pending.clear();
        self.slash = None;
        self.chars = 0;
        self.escapes = 0;
        self.out = Vec::new();
        // At most what the rest of the announced body decodes to.
        if let Some(e) = self.expected {
            self.out.reserve(e.saturating_sub(self.fed) / 4 * 3);
        }
    }

    /// Decodes `block` (whole quads, not the value's last) onto `out`; on failure `out`
    /// is as it was.
    fn decode_block(&mut self, block: &[u8]) -> bool {
        let len = self.out.len();
        // A quad ending in `=` is a last quad: more chars follow, so the value is not
        // strict base64 (STANDARD would accept the block on its own).
        if block.last() == Some(&b'=') || STANDARD.decode_vec(block, &mut self.out).is_err() {
            self.out.truncate(len);
            return false;
        }
        true
    }

    /// Takes chars of the value, decoding whole quads in place when it can and always
    /// leaving at least one char pending (the last quad is decoded at the closing
    /// quote). `false`, and nothing taken, if they are not strict base64.
    fn take_chars(&mut self, s: &[u8]) -> bool {
        let out_len = self.out.len();
        let p = self.pending.len();
        let want = (4 - p % 4) % 4;
        if p > 0 && s.len() <= want + 4 {
            // Too few to decode in place: gathered (and a full buffer flushed).
            self.pending.extend_from_slice(s);
            if self.pending.len() >= FLUSH {
                let m = (self.pending.len() - 1) / 4 * 4;
                let block = std::mem::take(&mut self.pending);
                let ok = self.decode_block(&block[..m]);
                self.pending = block;
                if !ok {
                    self.pending.truncate(p);
                    return false;
                }
                self.pending.drain(..m);
            }
            self.chars += s.len();
            return true;
        }
        let mut rest = s;
        if p > 0 {
            // The whole quads of `pending`, then its partial quad completed from `s`.
            let whole = p / 4 * 4;
            let block = std::mem::take(&mut self.pending);
            let mut ok = whole == 0 || self.decode_block(&block[..whole]);
            if ok && want > 0 {
                let mut quad = [0u8; 4];
                quad[..4 - want].copy_from_slice(&block[whole..]);
                quad[4 - want..].copy_from_slice(&s[..want]);
                ok = self.decode_block(&quad);
            }
            self.pending = block;
            if !ok {
                self.out.truncate(out_len);
                return false;
            }
            rest = &s[want..];
        }
        if rest.len() > 4 {
            let m = (rest.len() - 1) / 4 * 4;
            if !self.decode_block(&rest[..m]) {
                self.out.truncate(out_len);
                return false;
            }
            rest = &rest[m..];
        }
        self.pending.clear();
        self.pending.extend_from_slice(rest);
        self.chars += s.len();
        true
    }

    /// At the closing quote: decodes the last quad and puts the token in the skeleton.
    fn end_value(&mut self) -> bool {
        // An empty value is left to the parser (it means "no inline image").
        if self.chars == 0 {
            self.state = State::Outside;
            return true;
        }
        let len = self.out.len();
        if STANDARD.decode_vec(&self.pending, &mut self.out).is_err() {
            self.out.truncate(len);
            return false;
        }
        self.state = State::Outside;
        let mut out = std::mem::take(&mut self.out);
        out.shrink_to_fit();
        let k = self.done.len();
        let at = self.body.len();
        self.body.extend_from_slice(format!("{TOKEN}{:016x}-{k:02}", self.nonce).as_bytes());
        self.done.push(Decoded {
            at,
            bytes: Bytes::from(out),
            escaped: self.slash == Some(true),
            chars: self.chars,
            raw: self.chars + self.escapes,
        });
        self.pending.clear();
        true
    }

    /// The skeleton and the decoded values, or the body as received when nothing was
    /// decoded (given up, a body ending inside a value, no value).
    pub(crate) fn finish(mut self) -> Streamed {
        if let State::B64 { .. } = self.state {
            if !self.gave_up {
                let esc: &[u8] = if self.state == (State::B64 { esc: true }) { b"\\" } else { b"" };
                self.give_up(esc, b"");
            }
        }
        if self.gave_up || self.done.is_empty() {
            return Streamed::Whole(Bytes::from(self.body));
        }
        Streamed::Decoded(Inline {
            prefix: format!("{TOKEN}{:016x}-", self.nonce),
            used: vec![false; self.done.len()],
            skeleton: self.body,
            done: self.done,
        })
    }
}

/// The outcome of an [`InlineScan`] that decoded values: the skeleton to parse and the
/// values its tokens stand for.
pub(crate) struct Inline {
    /// Every token starts with it; its nonce is random, so a server cannot forge one.
    prefix: String,
    pub(crate) skeleton: Vec<u8>,
    done: Vec<Decoded>,
    used: Vec<bool>,
}

impl Inline {
    /// The bytes `value` stands for, if it is one of this answer's tokens not yet used;
    /// `None` for any other string (which the caller decodes itself).
    pub(crate) fn take(&mut self, value: &str) -> Option<Bytes> {
        let k: usize = value.strip_prefix(self.prefix.as_str())?.parse().ok()?;
        if std::mem::replace(self.used.get_mut(k)?, true) {
            return None;
        }
        Some(self.done[k].bytes.clone())
    }

    /// Whether every token was used (so none was left in a field the caller keeps).
    pub(crate) fn all_used(&self) -> bool {
        self.used.iter().all(|u| *u)
    }

    /// The body as it was received.
    pub(crate) fn original(&self) -> Vec<u8> {
        restore(&self.skeleton, &self.done)
    }

    /// `elide_b64` of the body as it was received, from the skeleton.
    pub(crate) fn elided(&self) -> String {
        let n_at = |pos: usize| self.done.iter().find(|d| d.at == pos).map(|d| d.chars);
        // Bytes of the received body that tokens from `pos` on stand for, beyond their own.
        let hidden_from = |pos: usize| {
            self.done.iter().filter(|d| d.at >= pos).map(|d| d.raw as isize - TOKEN_LEN as isize).sum::<isize>()
        };
        crate::elide::elide_with(&self.skeleton, &n_at, &hidden_from)
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
        match s.finish() {
            Streamed::Decoded(i) => {
                assert_eq!(i.original(), body);
                Some(i)
            }
            Streamed::Whole(b) => {
                assert_eq!(&b[..], body);
                None
            }
        }
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
            assert_eq!(inl.elided(), crate::elide::elide_b64(body));
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
