//! The request body as the request log keeps it ([`crate::RequestRecord::body`]): small
//! enough to keep 2000 of, faithful enough to check a client's wire form against a spec.

use serde_json::{Map, Value};

/// Longest string kept as is when it looks like image data.
const KEEP_CHARS: usize = 64;

/// A JSON body with its image data cut: strings over 64 characters that are data URLs or
/// base64 (no spaces, only base64 characters) become `"<base64, N chars>"` /
/// `"<data URL image/png, N chars>"`. Prompts have spaces, so they are kept whole.
pub fn json(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(cut(s).unwrap_or_else(|| s.clone())),
        Value::Array(items) => Value::Array(items.iter().map(json).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), json(v))).collect()),
        other => other.clone(),
    }
}

/// The marker replacing `s`, if it is long image data.
pub fn cut(s: &str) -> Option<String> {
    let n = s.chars().count();
    if n <= KEEP_CHARS {
        return None;
    }
    if let Some(rest) = s.strip_prefix("data:") {
        let mime = rest.split([';', ',']).next().unwrap_or("");
        return Some(format!("<data URL {mime}, {n} chars>"));
    }
    let base64ish = s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'));
    base64ish.then(|| format!("<base64, {n} chars>"))
}

/// A multipart body, part by part: text fields as strings, files as `"<file NAME, N bytes>"`;
/// a repeated part name collects its values into an array, in order.
#[derive(Default)]
pub struct Multipart(Map<String, Value>);

impl Multipart {
    pub fn text(&mut self, name: &str, text: &str) {
        self.push(name, Value::String(cut(text).unwrap_or_else(|| text.to_string())));
    }

    pub fn file(&mut self, name: &str, file_name: Option<&str>, bytes: usize) {
        self.push(name, Value::String(format!("<file {}, {bytes} bytes>", file_name.unwrap_or(name))));
    }

    fn push(&mut self, name: &str, v: Value) {
        match self.0.get_mut(name) {
            None => {
                self.0.insert(name.to_string(), v);
            }
            // Values are strings, so an array is one this collected.
            Some(Value::Array(items)) => items.push(v),
            Some(prev) => *prev = Value::Array(vec![prev.take(), v]),
        }
    }

    pub fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cuts_image_data_only() {
        let long_b64 = "iVBORw0KGgo".repeat(10);
        let prompt = "a long prompt with spaces ".repeat(5);
        let v = json(
            &json!({"prompt": prompt, "images": [{"image_url": format!("data:image/png;base64,{long_b64}")}], "mask": long_b64, "n": 2}),
        );
        assert_eq!(v["prompt"], prompt);
        assert_eq!(v["images"][0]["image_url"], "<data URL image/png, 132 chars>");
        assert_eq!(v["mask"], "<base64, 110 chars>");
        assert_eq!(v["n"], 2);
    }

    #[test]
    fn multipart_repeats_become_arrays() {
        let mut m = Multipart::default();
        m.text("n", "2");
        m.file("image[]", Some("a.png"), 10);
        m.file("image[]", Some("b.png"), 20);
        m.file("image[]", None, 30);
        m.file("mask", Some("m.png"), 5);
        let v = m.into_value();
        assert_eq!(v["n"], "2");
        assert_eq!(
            v["image[]"],
            json!(["<file a.png, 10 bytes>", "<file b.png, 20 bytes>", "<file image[], 30 bytes>"])
        );
        assert_eq!(v["mask"], "<file m.png, 5 bytes>");
    }
}
