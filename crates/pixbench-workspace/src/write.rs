//! Writing a request file. A file someone edited by hand keeps its comments, its order and
//! its formatting: only the values that changed are replaced (a format-preserving editor),
//! so a pull request that changes a prompt reads as a one-line diff. Lists of targets and
//! images are written one item a line, so adding one is a one-line diff too.

use pixbench_core::api::{ResponseFormatChoice, SyncMode};
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value};

use crate::error::FileError;
use crate::request_file::{parse, FileTarget, RequestFile, KEYS};

/// The text of `file`: `existing` (the file as it is on disk) with the values that differ
/// replaced, or a new file when there is none. A file on disk that is not a valid request
/// file is refused with its problem: saving over it would rewrite what the person wrote.
pub fn render(existing: Option<&str>, file: &RequestFile) -> Result<String, FileError> {
    let (old, mut doc) = match existing {
        Some(t) => (parse(t, std::path::Path::new(""))?, t.parse::<DocumentMut>().unwrap_or_default()),
        None => (RequestFile::default(), DocumentMut::new()),
    };
    for key in KEYS {
        let (changed, item) = match *key {
            "name" => (old.name != file.name, file.name.as_deref().map(string)),
            "notes" => (old.notes != file.notes, file.notes.as_deref().map(string)),
            "prompt" => (old.prompt != file.prompt, file.prompt.as_deref().map(string)),
            "targets" => (old.targets != file.targets, file.targets.as_deref().map(targets)),
            "n" => (old.n != file.n, file.n.map(|n| Item::Value(Value::from(n as i64)))),
            "aspect_ratio" => (old.aspect_ratio != file.aspect_ratio, file.aspect_ratio.as_deref().map(string)),
            "size" => (old.size != file.size, file.size.as_deref().map(string)),
            "mode" => (old.mode != file.mode, file.mode.map(|m| string(mode_word(m)))),
            "response_format" => (
                old.response_format != file.response_format,
                file.response_format.map(|r| {
                    string(match r {
                        ResponseFormatChoice::B64Json => "b64_json",
                        ResponseFormatChoice::Url => "url",
                    })
                }),
            ),
            "images" => (old.images != file.images, file.images.as_deref().map(|v| list(v.iter().map(String::as_str)))),
            "data" => (old.data != file.data, file.data.as_deref().map(string)),
            "fields" => (old.fields != file.fields, file.fields.as_ref().filter(|f| !f.is_empty()).map(fields)),
            "sweep" => (
                old.sweep != file.sweep,
                (!file.sweep.is_empty())
                    .then(|| lists(file.sweep.iter().map(|a| (a.axis.as_str(), a.values.as_slice())))),
            ),
            "vars" => (
                old.vars != file.vars,
                (!file.vars.is_empty())
                    .then(|| lists(file.vars.iter().map(|v| (v.name.as_str(), v.values.as_slice())))),
            ),
            "expect" => (
                old.expect != file.expect,
                file.expect
                    .as_ref()
                    .and_then(|t| toml::to_string(t).ok())
                    .and_then(|s| s.parse::<DocumentMut>().ok().map(|d| Item::Table(d.as_table().clone()))),
            ),
            _ => (false, None),
        };
        if !changed {
            continue;
        }
        match item {
            Some(Item::Table(new)) if doc.get(key).is_some_and(Item::is_table) => {
                if let Some(t) = doc.get_mut(key).and_then(Item::as_table_mut) {
                    merge_table(t, new);
                }
            }
            Some(item) => set(&mut doc, key, item),
            None => {
                doc.remove(key);
            }
        }
    }
    let out = doc.to_string();
    Ok(if existing.is_some() || out.ends_with('\n') { out } else { out + "\n" })
}

/// A table changed key by key: an unchanged key keeps its text and the comment above it,
/// a changed one its place, a removed one goes, a new one comes last.
fn merge_table(old: &mut Table, new: Table) {
    let gone: Vec<String> = old.iter().map(|(k, _)| k.to_string()).filter(|k| !new.contains_key(k)).collect();
    for k in gone {
        old.remove(&k);
    }
    for (k, item) in new.into_iter() {
        match (old.get_mut(&k).and_then(Item::as_value_mut), item) {
            (Some(v), Item::Value(n)) => {
                if !same_value(v, &n) {
                    let decor = v.decor().clone();
                    *v = n;
                    *v.decor_mut() = decor;
                }
            }
            (_, item) => {
                old.insert(&k, item);
            }
        }
    }
}

/// Whether two values say the same (a lone string and a list of it do, as in [vars]).
fn same_value(a: &Value, b: &Value) -> bool {
    fn norm(v: &Value) -> Vec<String> {
        match v {
            Value::Array(a) => a.iter().map(|x| x.clone().decorated("", "").to_string()).collect(),
            other => vec![other.clone().decorated("", "").to_string()],
        }
    }
    norm(a) == norm(b)
}

/// Sets a key, keeping its place (and the comment above it) when it is there; a new plain
/// key goes after the others, before the first table, as a person would write it.
fn set(doc: &mut DocumentMut, key: &str, item: Item) {
    if let Some(slot) = doc.get_mut(key) {
        match (slot.as_value_mut(), item) {
            (Some(v), Item::Value(new)) => {
                // Keep the value's own spacing and trailing comment.
                let decor = v.decor().clone();
                *v = new;
                *v.decor_mut() = decor;
            }
            (_, item) => *slot = item,
        }
        return;
    }
    let is_table = item.is_table();
    doc.insert(key, item);
    if is_table {
        if let Some(t) = doc.get_mut(key).and_then(Item::as_table_mut) {
            t.set_position(None);
            t.decor_mut().set_prefix("\n");
        }
    }
}

fn mode_word(m: SyncMode) -> &'static str {
    match m {
        SyncMode::Auto => "auto",
        SyncMode::Sync => "sync",
        SyncMode::Async => "async",
    }
}

fn string(s: &str) -> Item {
    Item::Value(Value::from(s))
}

/// An array written one item a line when it has more than one.
fn list<'a>(items: impl Iterator<Item = &'a str>) -> Item {
    let mut a: Array = items.map(Value::from).collect();
    one_a_line(&mut a);
    Item::Value(Value::Array(a))
}

fn one_a_line(a: &mut Array) {
    if a.len() > 1 {
        for v in a.iter_mut() {
            v.decor_mut().set_prefix("\n  ");
            v.decor_mut().set_suffix("");
        }
        a.set_trailing_comma(true);
        a.set_trailing("\n");
    }
}

fn targets(ts: &[FileTarget]) -> Item {
    let mut a = Array::new();
    for t in ts {
        match (&t.size, t.n) {
            (None, None) => a.push(t.model.as_str()),
            (None, Some(n)) => a.push(format!("{}:{n}", t.model)),
            (Some(size), n) => {
                let mut tab = InlineTable::new();
                tab.insert("model", Value::from(t.model.as_str()));
                if let Some(n) = n {
                    tab.insert("n", Value::from(n as i64));
                }
                tab.insert("size", Value::from(size.as_str()));
                a.push(Value::InlineTable(tab));
            }
        }
    }
    one_a_line(&mut a);
    Item::Value(Value::Array(a))
}

fn fields(f: &serde_json::Map<String, serde_json::Value>) -> Item {
    let mut t = Table::new();
    for (k, v) in f {
        let value = match v {
            serde_json::Value::String(s) => Value::from(s.as_str()),
            serde_json::Value::Bool(b) => Value::from(*b),
            serde_json::Value::Number(n) if n.is_i64() => Value::from(n.as_i64().unwrap_or_default()),
            serde_json::Value::Number(n) => Value::from(n.as_f64().unwrap_or_default()),
            other => Value::from(other.to_string()),
        };
        t.insert(k, Item::Value(value));
    }
    Item::Table(t)
}

fn lists<'a>(rows: impl Iterator<Item = (&'a str, &'a [String])>) -> Item {
    let mut t = Table::new();
    for (k, values) in rows {
        let a: Array = values.iter().map(|v| Value::from(v.as_str())).collect();
        t.insert(k, Item::Value(Value::Array(a)));
    }
    Item::Table(t)
}
