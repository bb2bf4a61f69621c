//! Calls as a POSIX shell script of curl commands.

use std::fmt::Write as _;

use serde_json::Value;

use crate::{mime_of, one_line, part_text, summary, ImageEncoding, WireCall};

/// The heredoc delimiter of a JSON body written by the shell (data URL images).
pub(crate) const HEREDOC: &str = "PIXBENCH_JSON";

pub(crate) fn render(calls: &[WireCall], is_async: bool, base: &str) -> String {
    let mut s = String::new();
    s.push_str("#!/bin/sh\n");
    let _ = writeln!(s, "# Made by Pixbench: {}.", summary(calls, is_async));
    let _ = writeln!(s, "# The key is read from PIXAPI_KEY; the server from PIXAPI_BASE_URL (without /v1), else");
    let _ = writeln!(s, "# {}. Needs curl and a POSIX shell.", one_line(base));
    s.push_str("set -eu\n");
    s.push_str(": \"${PIXAPI_KEY:?Set PIXAPI_KEY to your Pixapi key}\"\n");
    if is_async {
        s.push_str(&wait_for_task(base));
    }
    for c in calls {
        let _ = write!(s, "\n# {}\n", one_line(&c.label));
        s.push_str(&command(c, is_async, base));
    }
    s
}

/// The shell function that reads a submitted task on stdin and polls it.
fn wait_for_task(base: &str) -> String {
    format!(
        r#"
# Reads a submitted task (JSON) on stdin and polls GET /v1/tasks/{{id}} until it is
# completed (prints it) or failed (prints it on stderr and fails).
wait_for_task() {{
  answer=$(cat)
  id=$(printf '%s' "$answer" | sed -n 's/.*"id" *: *"\([^"]*\)".*/\1/p' | head -n 1)
  if [ -z "$id" ]; then
    printf 'Not submitted: %s\n' "$answer" >&2
    return 1
  fi
  while :; do
    answer=$(curl -sS "{url}/v1/tasks/$id" -H "Authorization: Bearer $PIXAPI_KEY")
    status=$(printf '%s' "$answer" | sed -n 's/.*"status" *: *"\([^"]*\)".*/\1/p' | head -n 1)
    case "$status" in
      completed) printf '%s\n' "$answer"; return 0 ;;
      failed | "") printf 'Task %s: %s\n' "$id" "$answer" >&2; return 1 ;;
    esac
    sleep 2
  done
}}
"#,
        url = base_url_word(base)
    )
}

/// `${PIXAPI_BASE_URL:-BASE}`, for inside double quotes.
fn base_url_word(base: &str) -> String {
    let escaped: String = base
        .chars()
        .flat_map(|c| match c {
            '\\' | '"' | '$' | '`' | '}' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("${{PIXAPI_BASE_URL:-{escaped}}}")
}

/// Quotes for a POSIX shell: as is when plainly safe, else `'...'` with `'` as `'\''`.
pub(crate) fn quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c)) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A JSON object of `entries`, one per line, values compact.
pub(crate) fn json_object(entries: &[(String, Value)]) -> String {
    let mut s = String::from("{\n");
    for (i, (k, v)) in entries.iter().enumerate() {
        let comma = if i + 1 < entries.len() { "," } else { "" };
        let _ = writeln!(s, "  {}: {}{comma}", Value::from(k.clone()), v);
    }
    s.push('}');
    s
}

/// A file path inside `-F name=@...`: bare, or in curl's own double quotes when curl would
/// read part of it as an option (`;`, `,`, `"`).
fn form_file(path: &str) -> String {
    if path.contains([';', ',', '"', '\\']) || path.starts_with(' ') || path.ends_with(' ') {
        format!("\"{}\"", path.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        path.to_string()
    }
}

fn command(c: &WireCall, is_async: bool, base: &str) -> String {
    let mut s = format!("curl -sS \"{}{}\"", base_url_word(base), c.endpoint.path(is_async));
    let mut line = |flag: &str, value: &str| {
        s.push_str(" \\\n  ");
        s.push_str(flag);
        s.push(' ');
        s.push_str(value);
    };
    line("-H", "\"Authorization: Bearer $PIXAPI_KEY\"");
    let mut heredoc = None;
    if c.is_json() {
        line("-H", "'Content-Type: application/json'");
        let mut entries = c.scalar_fields();
        let mut images: Vec<Value> = Vec::new();
        if c.endpoint == crate::Endpoint::Edit {
            if c.image_encoding == ImageEncoding::DataUrl {
                for (i, p) in c.images.iter().enumerate() {
                    images.push(Value::from(format!("data:{};base64,\u{1}{i}\u{1}", mime_of(p))));
                }
            }
            images.extend(c.image_urls.iter().cloned().map(Value::from));
            match images.len() {
                0 => {}
                1 => entries.push(("image".into(), images.remove(0))),
                _ => entries.push(("image".into(), Value::Array(images))),
            }
        }
        let json = json_object(&entries);
        if c.image_encoding == ImageEncoding::DataUrl && !c.images.is_empty() && c.endpoint == crate::Endpoint::Edit {
            line("--data-binary", &format!("@- <<{HEREDOC}"));
            heredoc = Some(heredoc_json(&json, c));
        } else {
            line("-d", &quote(&json));
        }
    } else {
        for (k, v) in c.scalar_fields() {
            line("--form-string", &quote(&format!("{k}={}", part_text(&v))));
        }
        for p in &c.images {
            let path = p.to_string_lossy();
            let mut spec = format!("{}=@{}", c.image_part.name(), form_file(&path));
            // curl names the type of .png, .jpg and .gif itself.
            let mime = mime_of(p);
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
            if !["png", "jpg", "jpeg", "gif"].contains(&ext.as_str()) {
                spec.push_str(&format!(";type={mime}"));
            }
            line("-F", &quote(&spec));
        }
    }
    if is_async {
        s.push_str(" | wait_for_task");
    }
    s.push('\n');
    if let Some(h) = heredoc {
        s.push_str(&h);
        s.push('\n');
        s.push_str(HEREDOC);
        s.push('\n');
    }
    if !is_async {
        s.push_str("echo\n");
    }
    s
}

/// The JSON text for an unquoted here-document: `\`, `$` and backquotes escaped, each
/// image's marker replaced by the shell's base64 of its file.
fn heredoc_json(json: &str, c: &WireCall) -> String {
    let mut out = json.replace('\\', "\\\\").replace('$', "\\$").replace('`', "\\`");
    for (i, p) in c.images.iter().enumerate() {
        let marker = format!("\\\\u0001{i}\\\\u0001");
        let sub = format!("$(base64 < {} | tr -d '\\n')", quote(&p.to_string_lossy()));
        out = out.replacen(&marker, &sub, 1);
    }
    out
}
