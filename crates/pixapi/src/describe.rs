//! What a request looks like on the wire, for an inspector and for "copy as curl";
//! and [`redact`], which masks anything shaped like a key.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::API_KEY_ENV;

/// A request as it will be sent, with the key replaced by `$PIXAPI_KEY`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestDescription {
    pub method: String,
    pub url: String,
    /// In sending order. `Authorization` is `Bearer $PIXAPI_KEY` (or absent when
    /// the client has no key).
    pub headers: Vec<(String, String)>,
    pub body: RequestBody,
}

/// The body of a [`RequestDescription`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum RequestBody {
    None,
    Json(Value),
    Multipart(Vec<PartDescription>),
}

/// One part of a multipart body: a text field (`text` set) or a file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartDescription {
    pub name: String,
    pub file_name: Option<String>,
    pub mime: Option<String>,
    /// Bytes of the part's content.
    pub size: usize,
    pub text: Option<String>,
}

/// Quotes for a POSIX shell: `'...'` with `'` written as `'\''`.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c)) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A curl command that sends the described request, reading the key from
/// `$PIXAPI_KEY`. For multipart bodies, file parts take their paths from
/// `file_paths` in order (images, then the mask); missing paths fall back to the
/// part's file name. Text parts use `--form-string`, so values starting with `@` or
/// `<` are sent as text.
/// What an elided data URL's base64 is replaced by in a description (see
/// `EditRequest::json_body`): `data:MIME;base64,<N bytes>`.
const DATA_URL_MARK: &str = ";base64,<";

/// JSON text for an unquoted here-document: `\`, `$` and backquotes escaped, and each
/// elided data URL's `<N bytes>` (in order) replaced by the base64 of the next file.
fn json_with_files(json: &str, files: &[PathBuf]) -> String {
    let escaped = json.replace('\\', "\\\\").replace('$', "\\$").replace('`', "\\`");
    let mut out = String::with_capacity(escaped.len());
    let mut rest = escaped.as_str();
    let mut files = files.iter();
    while let Some(at) = rest.find(DATA_URL_MARK) {
        let start = at + DATA_URL_MARK.len() - 1;
        let Some(len) = rest[start..].find(" bytes>").map(|e| e + " bytes>".len()) else { break };
        let Some(file) = files.next() else { break };
        out.push_str(&rest[..start]);
        out.push_str(&format!("$(base64 < {} | tr -d '\\n')", shell_quote(&file.to_string_lossy())));
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

pub fn to_curl(desc: &RequestDescription, file_paths: &[PathBuf]) -> String {
    let mut out = String::from("curl -sS");
    if desc.method != "GET" {
        out.push_str(" -X ");
        out.push_str(&desc.method);
    }
    out.push(' ');
    out.push_str(&shell_quote(&desc.url));
    let mut opt = |flag: &str, value: String| {
        out.push_str(" \\\n  ");
        out.push_str(flag);
        out.push(' ');
        out.push_str(&value);
    };
    for (name, value) in &desc.headers {
        // curl writes its own multipart Content-Type (with the boundary); User-Agent is
        // left to curl.
        if matches!(desc.body, RequestBody::Multipart(_)) && name.eq_ignore_ascii_case("content-type") {
            continue;
        }
        if name.eq_ignore_ascii_case("user-agent") {
            continue;
        }
        if value.contains(&format!("${API_KEY_ENV}")) {
            // Double quotes so the shell expands the variable.
            let v = format!("{name}: {value}").replace('\\', "\\\\").replace('"', "\\\"").replace('`', "\\`");
            opt("-H", format!("\"{v}\""));
        } else {
            opt("-H", shell_quote(&format!("{name}: {value}")));
        }
    }
    match &desc.body {
        RequestBody::None => {}
        RequestBody::Json(v) if !file_paths.is_empty() && v.to_string().contains(DATA_URL_MARK) => {
            // An edit whose images are data URLs: the body is written by the shell, each
            // image encoded from its file when the command runs.
            out.push_str(" \\\n  --data-binary @- <<PIXBENCH_JSON\n");
            out.push_str(&json_with_files(&v.to_string(), file_paths));
            out.push_str("\nPIXBENCH_JSON");
        }
        RequestBody::Json(v) => opt("-d", shell_quote(&v.to_string())),
        RequestBody::Multipart(parts) => {
            let mut files = file_paths.iter();
            for p in parts {
                match &p.text {
                    Some(t) => opt("--form-string", shell_quote(&format!("{}={t}", p.name))),
                    None => {
                        let path = files
                            .next()
                            .map(|p| p.to_string_lossy().into_owned())
                            .or_else(|| p.file_name.clone())
                            .unwrap_or_else(|| "image.png".into());
                        // curl's own quoting of a file name inside -F.
                        let mut spec = format!("{}=@\"{}\"", p.name, path.replace('\\', "\\\\").replace('"', "\\\""));
                        if let Some(m) = &p.mime {
                            spec.push_str(&format!(";type={m}"));
                        }
                        if let Some(f) = &p.file_name {
                            if !path.ends_with(f.as_str()) {
                                spec.push_str(&format!(";filename=\"{}\"", f.replace('"', "\\\"")));
                            }
                        }
                        opt("-F", shell_quote(&spec));
                    }
                }
            }
        }
    }
    out
}

fn is_key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// Masks anything shaped like a key: `sk_` followed by six or more of `[A-Za-z0-9_-]`
/// (at a word start) becomes `sk_***`, and the token after `Bearer ` becomes `***`
/// (an environment variable reference like `$PIXAPI_KEY` is kept).
pub fn redact(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut last = 0;
    while i < b.len() {
        // sk_ keys
        if b[i] == b's' && b[i..].starts_with(b"sk_") && (i == 0 || !is_key_char(b[i - 1])) {
            let mut j = i + 3;
            while j < b.len() && is_key_char(b[j]) {
                j += 1;
            }
            if j - (i + 3) >= 6 {
                out.push_str(&s[last..i]);
                out.push_str("sk_***");
                last = j;
                i = j;
                continue;
            }
        }
        // Bearer <token>
        if (b[i] == b'B' || b[i] == b'b')
            && b.len() >= i + 7
            && b[i..i + 6].eq_ignore_ascii_case(b"bearer")
            && b[i + 6] == b' '
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
        {
            let start = {
                let mut k = i + 7;
                while k < b.len() && b[k] == b' ' {
                    k += 1;
                }
                k
            };
            let mut j = start;
            while j < b.len() && !b[j].is_ascii_whitespace() && !matches!(b[j], b'"' | b'\'' | b',' | b';') {
                j += 1;
            }
            if j > start && b[start] != b'$' && !s[start..j].starts_with("***") {
                out.push_str(&s[last..start]);
                out.push_str("***");
                last = j;
                i = j;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&s[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_masks_keys_and_bearer_tokens() {
        assert_eq!(redact("key sk_live_ABCdef123-xyz done"), "key sk_*** done");
        assert_eq!(redact("Authorization: Bearer abc.def"), "Authorization: Bearer ***");
        assert_eq!(redact("authorization: bearer sk_test_1"), "authorization: bearer ***");
        assert_eq!(redact("Bearer $PIXAPI_KEY"), "Bearer $PIXAPI_KEY");
        // Task ids and short tokens are not keys.
        assert_eq!(redact("task_01KPQ7J7DWB7QZ3WCEK3YVPBRA"), "task_01KPQ7J7DWB7QZ3WCEK3YVPBRA");
        assert_eq!(redact("sk_abc"), "sk_abc");
        assert_eq!(redact("(sk_0123456789)"), "(sk_***)");
        assert_eq!(redact("é sk_0123456789 é"), "é sk_*** é");
        assert_eq!(redact(""), "");
        assert_eq!(redact("Bearer"), "Bearer");
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("abc"), "abc");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    fn json_desc() -> RequestDescription {
        RequestDescription {
            method: "POST".into(),
            url: "http://127.0.0.1:8080/v1/images/generations".into(),
            headers: vec![
                ("Authorization".into(), "Bearer $PIXAPI_KEY".into()),
                ("Content-Type".into(), "application/json".into()),
                ("User-Agent".into(), "pixapi-rs/0.1.0".into()),
            ],
            body: RequestBody::Json(serde_json::json!({"model":"m","prompt":"it's a cat"})),
        }
    }

    #[test]
    fn curl_for_json() {
        let c = to_curl(&json_desc(), &[]);
        assert!(c.starts_with("curl -sS -X POST http://127.0.0.1:8080/v1/images/generations"), "{c}");
        assert!(c.contains(r#"-H "Authorization: Bearer $PIXAPI_KEY""#), "{c}");
        assert!(c.contains("-H 'Content-Type: application/json'"), "{c}");
        assert!(c.contains(r#"-d '{"model":"m","prompt":"it'\''s a cat"}'"#), "{c}");
        assert!(!c.contains("User-Agent"));
    }

    #[test]
    fn curl_for_multipart() {
        let d = RequestDescription {
            method: "POST".into(),
            url: "http://h/v1/images/edits".into(),
            headers: vec![
                ("Authorization".into(), "Bearer $PIXAPI_KEY".into()),
                ("Content-Type".into(), "multipart/form-data; boundary=<generated>".into()),
            ],
            body: RequestBody::Multipart(vec![
                PartDescription { name: "model".into(), file_name: None, mime: None, size: 1, text: Some("m".into()) },
                PartDescription {
                    name: "prompt".into(),
                    file_name: None,
                    mime: None,
                    size: 5,
                    text: Some("@home".into()),
                },
                PartDescription {
                    name: "image[]".into(),
                    file_name: Some("a.png".into()),
                    mime: Some("image/png".into()),
                    size: 10,
                    text: None,
                },
                PartDescription {
                    name: "image[]".into(),
                    file_name: Some("b.jpg".into()),
                    mime: Some("image/jpeg".into()),
                    size: 10,
                    text: None,
                },
            ]),
        };
        let c = to_curl(&d, &[PathBuf::from("/tmp/my dir/a.png")]);
        assert!(c.contains("--form-string model=m"), "{c}");
        assert!(c.contains("--form-string prompt=@home"), "{c}");
        assert!(c.contains(r#"-F 'image[]=@"/tmp/my dir/a.png";type=image/png'"#), "{c}");
        assert!(c.contains(r#"-F 'image[]=@"b.jpg";type=image/jpeg'"#), "{c}");
        assert!(!c.contains("boundary"), "{c}");
    }

    #[test]
    fn description_serializes() {
        let v = serde_json::to_value(json_desc()).unwrap();
        assert_eq!(v["body"]["kind"], "json");
        assert_eq!(v["headers"][0][1], "Bearer $PIXAPI_KEY");
    }
}
