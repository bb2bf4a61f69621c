//! Calls as Python 3 with the official `openai` SDK.

use std::fmt::Write as _;

use serde_json::Value;

use crate::{file_name, mime_of, one_line, part_text, summary, Endpoint, ImageEncoding, ImagePart, WireCall};

/// A Python literal of a JSON value.
pub(crate) fn py(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        // JSON's string escapes are Python's too.
        Value::String(s) => Value::from(s.clone()).to_string(),
        Value::Array(a) => format!("[{}]", a.iter().map(py).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter().map(|(k, v)| format!("{}: {}", py(&Value::from(k.clone())), py(v))).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn py_str(s: &str) -> String {
    py(&Value::from(s))
}

/// A dict literal, one entry per line, at `indent` spaces.
fn py_dict(entries: &[(String, String)], indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut s = String::from("{\n");
    for (k, v) in entries {
        let _ = writeln!(s, "{pad}    {}: {v},", py_str(k));
    }
    let _ = write!(s, "{pad}}}");
    s
}

fn path_expr(p: &std::path::Path) -> String {
    format!("Path({})", py_str(&p.to_string_lossy()))
}

pub(crate) fn render(calls: &[WireCall], is_async: bool, base: &str) -> String {
    let data_urls =
        calls.iter().any(|c| c.is_json() && c.image_encoding == ImageEncoding::DataUrl && !c.images.is_empty());
    let mut s = String::new();
    let _ = writeln!(s, "\"\"\"Made by Pixbench: {}.", one_line(&summary(calls, is_async)).replace('\\', "/"));
    s.push('\n');
    s.push_str("The key is read from PIXAPI_KEY; the server from PIXAPI_BASE_URL (without /v1), else\n");
    let _ = writeln!(
        s,
        "{}. Needs the official SDK: pip install openai",
        one_line(base).replace('\\', "/").replace("\"\"\"", "\"")
    );
    s.push_str("\"\"\"\n\n");
    s.push_str("import base64\nimport os\n");
    if is_async {
        s.push_str("import time\n");
    }
    s.push_str("from pathlib import Path\n\nfrom openai import OpenAI\n\n");
    let _ = write!(
        s,
        "client = OpenAI(\n    api_key=os.environ[\"PIXAPI_KEY\"],\n    base_url=(os.environ.get(\"PIXAPI_BASE_URL\") or {}).rstrip(\"/\") + \"/v1\",\n)\n",
        py_str(base)
    );
    s.push_str(
        r#"

def save_images(images, stem, ext):
    """Writes each base64 image to STEM-N.EXT and prints its name; prints each URL."""
    for i, image in enumerate(images or [], 1):
        if not isinstance(image, dict):
            image = image.model_dump()
        if image.get("b64_json"):
            name = f"{stem}-{i}.{ext}"
            Path(name).write_bytes(base64.b64decode(image["b64_json"]))
            print(name)
        elif image.get("url"):
            print(image["url"])
"#,
    );
    if data_urls {
        s.push_str(
            r#"

def data_url(path, mime):
    """The file as a base64 data URL."""
    return f"data:{mime};base64," + base64.b64encode(Path(path).read_bytes()).decode()
"#,
        );
    }
    if is_async {
        s.push_str(
            r#"

def wait_for_task(task):
    """Polls the submitted task until it is completed (answers its images) or failed (raises)."""
    while True:
        task = client.get(f"/tasks/{task['id']}", cast_to=dict)
        if task.get("status") == "completed":
            return (task.get("result") or {}).get("data") or task.get("data") or []
        if task.get("status") == "failed":
            raise RuntimeError(f"Task {task['id']} failed: {task.get('error')}")
        time.sleep(2)
"#,
        );
    }
    s.push('\n');
    for (i, c) in calls.iter().enumerate() {
        let stem = py_str(&format!("pixbench-{}", i + 1));
        let ext = py_str(c.output_ext());
        let _ = write!(s, "\n# {}\n", one_line(&c.label));
        s.push_str(&call(c, is_async));
        if is_async {
            let _ = writeln!(s, "save_images(wait_for_task(task), {stem}, {ext})");
        } else if c.endpoint == Endpoint::Generation || typed_edit(c).is_some() {
            let _ = writeln!(s, "save_images(result.data, {stem}, {ext})");
        } else {
            let _ = writeln!(s, "save_images(result[\"data\"], {stem}, {ext})");
        }
    }
    s
}

/// For a multipart edit the SDK's `images.edit` sends as the app does (one file as `image`,
/// files as `image[]`): its `image=` argument.
fn typed_edit(c: &WireCall) -> Option<String> {
    if c.is_json() {
        return None;
    }
    match (c.image_part, c.images.len()) {
        (ImagePart::Image, 1) => Some(path_expr(&c.images[0])),
        (ImagePart::ImageArray, n) if n > 0 => {
            Some(format!("[{}]", c.images.iter().map(|p| path_expr(p)).collect::<Vec<_>>().join(", ")))
        }
        _ => None,
    }
}

fn call(c: &WireCall, is_async: bool) -> String {
    let path = c.endpoint.path(is_async).trim_start_matches("/v1");
    let target = if is_async { "task" } else { "result" };
    // A generation: the SDK's own call when sync.
    if c.endpoint == Endpoint::Generation && !is_async {
        return typed("client.images.generate", c, None, false);
    }
    if !c.is_json() && !is_async {
        if let Some(image) = typed_edit(c) {
            return typed("client.images.edit", c, Some(image), true);
        }
    }
    let mut s = format!("{target} = client.post(\n    {},\n    cast_to=dict,\n", py_str(path));
    if c.is_json() {
        let mut entries: Vec<(String, String)> = c.scalar_fields().iter().map(|(k, v)| (k.clone(), py(v))).collect();
        if c.endpoint == Endpoint::Edit {
            let mut images: Vec<String> = Vec::new();
            if c.image_encoding == ImageEncoding::DataUrl {
                images.extend(
                    c.images
                        .iter()
                        .map(|p| format!("data_url({}, {})", py_str(&p.to_string_lossy()), py_str(mime_of(p)))),
                );
            }
            images.extend(c.image_urls.iter().map(|u| py_str(u)));
            match images.len() {
                0 => {}
                1 => entries.push(("image".into(), images.remove(0))),
                _ => entries.push(("image".into(), format!("[{}]", images.join(", ")))),
            }
        }
        let _ = writeln!(s, "    body={},", py_dict(&entries, 4));
    } else {
        let entries: Vec<(String, String)> =
            c.scalar_fields().iter().map(|(k, v)| (k.clone(), py_str(&part_text(v)))).collect();
        let _ = writeln!(s, "    body={},", py_dict(&entries, 4));
        let files: Vec<String> = c
            .images
            .iter()
            .map(|p| {
                format!(
                    "({}, ({}, {}.read_bytes(), {}))",
                    py_str(c.image_part.name()),
                    py_str(&file_name(p)),
                    path_expr(p),
                    py_str(mime_of(p))
                )
            })
            .collect();
        let _ = writeln!(
            s,
            "    files=[\n{}\n    ],",
            files.iter().map(|f| format!("        {f},")).collect::<Vec<_>>().join("\n")
        );
        s.push_str("    options={\"headers\": {\"Content-Type\": \"multipart/form-data\"}},\n");
    }
    s.push_str(")\n");
    s
}

/// `result = client.images.generate(...)` / `.edit(...)`, the other fields in `extra_body`.
fn typed(func: &str, c: &WireCall, image: Option<String>, multipart: bool) -> String {
    let mut s = format!("result = {func}(\n");
    let _ = writeln!(s, "    model={},", py_str(&c.model));
    if let Some(image) = image {
        let _ = writeln!(s, "    image={image},");
    }
    let _ = writeln!(s, "    prompt={},", py_str(&c.prompt));
    if let Some(n) = c.n {
        let _ = writeln!(s, "    n={n},");
    }
    if let Some(size) = &c.size {
        let _ = writeln!(s, "    size={},", py_str(size));
    }
    if let Some(r) = &c.response_format {
        let _ = writeln!(s, "    response_format={},", py_str(r));
    }
    let extra: Vec<(String, String)> = c
        .fields
        .iter()
        .filter(|(k, _)| !crate::RESERVED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), if multipart { py_str(&part_text(v)) } else { py(v) }))
        .collect();
    if !extra.is_empty() {
        let _ = writeln!(s, "    extra_body={},", py_dict(&extra, 4));
    }
    s.push_str(")\n");
    s
}
