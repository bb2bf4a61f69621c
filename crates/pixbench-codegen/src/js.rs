//! Calls as a JavaScript ES module with the official `openai` npm package, JSDoc-typed so
//! that `tsc --checkJs --strict` checks it.

use std::fmt::Write as _;

use serde_json::Value;

use crate::{file_name, mime_of, one_line, part_text, summary, Endpoint, ImageEncoding, WireCall};

fn js_str(s: &str) -> String {
    Value::from(s).to_string()
}

/// An object literal, one entry per line, at `indent` spaces.
fn js_object(entries: &[(String, String)], indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut s = String::from("{\n");
    for (k, v) in entries {
        let _ = writeln!(s, "{pad}  {}: {v},", js_str(k));
    }
    let _ = write!(s, "{pad}}}");
    s
}

pub(crate) fn render(calls: &[WireCall], is_async: bool, base: &str) -> String {
    let data_urls =
        calls.iter().any(|c| c.is_json() && c.image_encoding == ImageEncoding::DataUrl && !c.images.is_empty());
    let mut s = String::from("// @ts-check\n");
    let _ = writeln!(s, "// Made by Pixbench: {}.", one_line(&summary(calls, is_async)));
    s.push_str("// The key is read from PIXAPI_KEY; the server from PIXAPI_BASE_URL (without /v1), else\n");
    let _ = writeln!(s, "// {}.", one_line(base));
    s.push_str(
        "// An ES module for Node 20+ with the official SDK (npm install openai); tsc --checkJs checks its types.\n",
    );
    s.push_str("import fs from \"node:fs\";\nimport OpenAI from \"openai\";\n\n");
    s.push_str("const apiKey = process.env.PIXAPI_KEY;\n");
    s.push_str("if (!apiKey) throw new Error(\"Set PIXAPI_KEY to your Pixapi key.\");\n");
    let _ = write!(
        s,
        "const client = new OpenAI({{\n  apiKey,\n  baseURL: (process.env.PIXAPI_BASE_URL || {}).replace(/\\/+$/, \"\") + \"/v1\",\n}});\n",
        js_str(base)
    );
    s.push_str(
        r#"
/**
 * Writes each base64 image to STEM-N.EXT and prints its name; prints each URL.
 * @param {Array<{ b64_json?: string | null, url?: string | null }> | null | undefined} images
 * @param {string} stem
 * @param {string} ext
 */
function saveImages(images, stem, ext) {
  (images ?? []).forEach((image, i) => {
    if (image.b64_json) {
      const name = `${stem}-${i + 1}.${ext}`;
      fs.writeFileSync(name, Buffer.from(image.b64_json, "base64"));
      console.log(name);
    } else if (image.url) {
      console.log(image.url);
    }
  });
}
"#,
    );
    if data_urls {
        s.push_str(
            r#"
/**
 * The file as a base64 data URL.
 * @param {string} path
 * @param {string} mime
 */
function dataUrl(path, mime) {
  return `data:${mime};base64,${fs.readFileSync(path).toString("base64")}`;
}
"#,
        );
    }
    if is_async {
        s.push_str(
            r#"
/** @typedef {{ b64_json?: string | null, url?: string | null }} Image */
/** @typedef {{ id: string, status?: string, error?: unknown, data?: Image[], result?: { data?: Image[] } }} Task */

/**
 * Polls the submitted task until it is completed (answers its images) or failed (throws).
 * @param {Task} submitted
 * @returns {Promise<Image[]>}
 */
async function waitForTask(submitted) {
  for (;;) {
    const task = /** @type {Task} */ (await client.get(`/tasks/${submitted.id}`));
    if (task.status === "completed") return task.result?.data ?? task.data ?? [];
    if (task.status === "failed") throw new Error(`Task ${submitted.id} failed: ${JSON.stringify(task.error)}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}
"#,
        );
    }
    for (i, c) in calls.iter().enumerate() {
        let k = i + 1;
        let _ = write!(s, "\n// {}\n", one_line(&c.label));
        s.push_str(&call(c, k, is_async));
    }
    s
}

fn call(c: &WireCall, k: usize, is_async: bool) -> String {
    let path = js_str(c.endpoint.path(is_async).trim_start_matches("/v1"));
    let mut s = String::new();
    let body = if c.is_json() {
        let mut entries: Vec<(String, String)> =
            c.scalar_fields().iter().map(|(k, v)| (k.clone(), v.to_string())).collect();
        if c.endpoint == Endpoint::Edit {
            let mut images: Vec<String> = Vec::new();
            if c.image_encoding == ImageEncoding::DataUrl {
                images.extend(
                    c.images
                        .iter()
                        .map(|p| format!("dataUrl({}, {})", js_str(&p.to_string_lossy()), js_str(mime_of(p)))),
                );
            }
            images.extend(c.image_urls.iter().map(|u| js_str(u)));
            match images.len() {
                0 => {}
                1 => entries.push(("image".into(), images.remove(0))),
                _ => entries.push(("image".into(), format!("[{}]", images.join(", ")))),
            }
        }
        js_object(&entries, 4)
    } else {
        let _ = writeln!(s, "const form{k} = new FormData();");
        for (name, v) in c.scalar_fields() {
            let _ = writeln!(s, "form{k}.append({}, {});", js_str(&name), js_str(&part_text(&v)));
        }
        for p in &c.images {
            let _ = writeln!(
                s,
                "form{k}.append({}, await fs.openAsBlob({}, {{ type: {} }}), {});",
                js_str(c.image_part.name()),
                js_str(&p.to_string_lossy()),
                js_str(mime_of(p)),
                js_str(&file_name(p))
            );
        }
        format!("form{k}")
    };
    let stem = js_str(&format!("pixbench-{k}"));
    let ext = js_str(c.output_ext());
    if is_async {
        let _ = writeln!(
            s,
            "const task{k} = /** @type {{Task}} */ (\n  await client.post({path}, {{\n    body: {body},\n  }})\n);"
        );
        let _ = writeln!(s, "saveImages(await waitForTask(task{k}), {stem}, {ext});");
    } else {
        let _ = writeln!(
            s,
            "const result{k} = /** @type {{OpenAI.ImagesResponse}} */ (\n  await client.post({path}, {{\n    body: {body},\n  }})\n);"
        );
        let _ = writeln!(s, "saveImages(result{k}.data, {stem}, {ext});");
    }
    s
}
