//! Data rows: a CSV or JSON Lines file whose columns fill a request's `{{variables}}`, one
//! run of the request per row. A row's value comes before the environment's, which comes
//! before the request's `[vars]`. Two columns are the request's own: `prompt` (the whole
//! prompt) and `images` (reference images, `;`-separated, as a benchmark's prompts file
//! writes them). A row file is read bounded (size, rows, columns, value length), and every
//! problem names the file and the line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::environment::Environment;
use crate::FileError;

/// The largest data file read.
pub const MAX_DATA_BYTES: u64 = 8 * 1024 * 1024;
/// The most rows one file runs (the request limit refuses far fewer first).
pub const MAX_ROWS: usize = 10_000;
pub const MAX_COLUMNS: usize = 64;
/// The longest value (a prompt is far below).
pub const MAX_VALUE_CHARS: usize = 8_000;

/// One row: its line in the file (for errors and names) and its values by column.
#[derive(Debug, Clone, PartialEq)]
pub struct DataRow {
    pub line: usize,
    pub values: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DataRows {
    pub path: PathBuf,
    pub rows: Vec<DataRow>,
}

/// Reads a `.csv` (a header line, then rows) or a `.jsonl` / `.ndjson` file (one JSON
/// object a line, string, number or boolean values).
pub fn read(path: &Path) -> Result<DataRows, FileError> {
    let bad = |line: usize, reason: String| FileError::new(path, line, "", reason);
    let meta = std::fs::metadata(path).map_err(|e| bad(0, format!("the data file cannot be read: {e}")))?;
    if !meta.is_file() {
        return Err(bad(0, "the data file is not a regular file".into()));
    }
    if meta.len() > MAX_DATA_BYTES {
        return Err(bad(0, format!("the data file is larger than {} MB", MAX_DATA_BYTES / 1024 / 1024)));
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| bad(0, format!("the data file cannot be read as text: {e}")))?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let rows = match ext.as_str() {
        "csv" => csv_rows(&text, &bad)?,
        "jsonl" | "ndjson" => jsonl_rows(&text, &bad)?,
        _ => {
            return Err(bad(
                0,
                "a data file is .csv (a header line, then rows) or .jsonl (one JSON object a line)".into(),
            ))
        }
    };
    if rows.is_empty() {
        return Err(bad(0, "the data file has no rows".into()));
    }
    Ok(DataRows { path: path.to_path_buf(), rows })
}

fn check_row(
    values: &BTreeMap<String, String>,
    line: usize,
    bad: &dyn Fn(usize, String) -> FileError,
) -> Result<(), FileError> {
    if values.len() > MAX_COLUMNS {
        return Err(bad(line, format!("more than {MAX_COLUMNS} columns")));
    }
    for (k, v) in values {
        if k.trim().is_empty() {
            return Err(bad(line, "a column has no name".into()));
        }
        if v.chars().count() > MAX_VALUE_CHARS {
            return Err(bad(line, format!("the value of `{k}` is longer than {MAX_VALUE_CHARS} characters")));
        }
    }
    Ok(())
}

fn csv_rows(text: &str, bad: &dyn Fn(usize, String) -> FileError) -> Result<Vec<DataRow>, FileError> {
    let mut r = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(text.as_bytes());
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| bad(1, format!("the header line cannot be read: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if headers.iter().any(String::is_empty) {
        return Err(bad(1, "a column has no name in the header line".into()));
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(dup) = headers.iter().find(|h| !seen.insert(h.as_str())) {
        return Err(bad(1, format!("the column `{dup}` is named twice")));
    }
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
            bad(line, format!("a row cannot be read: {e}"))
        })?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        if rows.len() >= MAX_ROWS {
            return Err(bad(line, format!("more than {MAX_ROWS} rows")));
        }
        let values: BTreeMap<String, String> =
            headers.iter().cloned().zip(rec.iter().map(|v| v.trim().to_string())).collect();
        check_row(&values, line, bad)?;
        rows.push(DataRow { line, values });
    }
    Ok(rows)
}

fn jsonl_rows(text: &str, bad: &dyn Fn(usize, String) -> FileError) -> Result<Vec<DataRow>, FileError> {
    let mut rows = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        if rows.len() >= MAX_ROWS {
            return Err(bad(line, format!("more than {MAX_ROWS} rows")));
        }
        let v: serde_json::Value =
            serde_json::from_str(raw).map_err(|e| bad(line, format!("not a JSON object: {e}")))?;
        let serde_json::Value::Object(map) = v else {
            return Err(bad(line, "each line is one JSON object, e.g. {\"brand\": \"Acme\"}".into()));
        };
        let mut values = BTreeMap::new();
        for (k, v) in map {
            let s = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                _ => return Err(bad(line, format!("`{k}`: give a string, a number or a boolean"))),
            };
            values.insert(k, s);
        }
        check_row(&values, line, bad)?;
        rows.push(DataRow { line, values });
    }
    Ok(rows)
}

impl DataRow {
    /// The environment a row runs in: its values over `env`'s (a row's value wins, also
    /// over a secret of that name), named after the data file and the row's line.
    pub fn environment(&self, data: &Path, env: Option<&Environment>) -> Environment {
        let name = format!(
            "{}{} line {}",
            env.map(|e| format!("{} · ", e.name)).unwrap_or_default(),
            data.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            self.line
        );
        let mut out = env.cloned().unwrap_or_else(|| Environment::empty(data));
        out.name = name;
        for (k, v) in &self.values {
            if k == "prompt" || k == "images" {
                continue;
            }
            out.secrets.remove(k);
            out.vars.insert(k.clone(), v.clone());
        }
        out
    }

    /// The row's `images` column: reference paths, `;`-separated.
    pub fn images(&self) -> Option<Vec<String>> {
        self.values
            .get("images")
            .map(|s| s.split(';').map(str::trim).filter(|p| !p.is_empty()).map(String::from).collect())
    }

    /// The row's `prompt` column, when it has one that is not empty.
    pub fn prompt(&self) -> Option<&str> {
        self.values.get("prompt").map(String::as_str).filter(|p| !p.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        (dir, p)
    }

    #[test]
    fn reads_csv_rows_with_their_lines() {
        let (_d, p) = file("rows.csv", "brand,style\nAcme,watercolor\n\"Tea, Ltd\",photo\n");
        let d = read(&p).unwrap();
        assert_eq!(d.rows.len(), 2);
        assert_eq!(d.rows[1].values["brand"], "Tea, Ltd");
        assert_eq!(d.rows[0].line, 2);
        assert_eq!(d.rows[1].line, 3);
    }

    #[test]
    fn reads_json_lines_and_stringifies_numbers() {
        let (_d, p) = file("rows.jsonl", "{\"brand\": \"Acme\", \"n\": 3}\n\n{\"brand\": \"Tea\", \"on\": true}\n");
        let d = read(&p).unwrap();
        assert_eq!(d.rows.len(), 2);
        assert_eq!(d.rows[0].values["n"], "3");
        assert_eq!(d.rows[1].values["on"], "true");
        assert_eq!(d.rows[1].line, 3);
    }

    #[test]
    fn a_bad_file_says_where() {
        for (name, text, line, why) in [
            ("a.csv", "brand,brand\nx,y\n", 1, "named twice"),
            ("b.csv", "brand,style\nAcme\n", 2, "cannot be read"),
            ("c.jsonl", "{\"brand\": \"x\"}\n[1,2]\n", 2, "one JSON object"),
            ("d.jsonl", "{\"brand\": {\"deep\": 1}}\n", 1, "string, a number or a boolean"),
            ("e.csv", "brand\n", 0, "no rows"),
            ("f.txt", "x", 0, ".csv"),
        ] {
            let (_d, p) = file(name, text);
            let e = read(&p).unwrap_err();
            assert_eq!(e.line, line, "{name}: {e}");
            assert!(e.reason.contains(why), "{name}: {}", e.reason);
        }
    }

    #[test]
    fn a_huge_file_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.csv");
        let f = std::fs::File::create(&p).unwrap();
        f.set_len(MAX_DATA_BYTES + 1).unwrap();
        assert!(read(&p).unwrap_err().reason.contains("larger than"));
    }

    #[test]
    fn a_row_comes_before_the_environment_and_keeps_prompt_and_images_apart() {
        let row = DataRow {
            line: 4,
            values: BTreeMap::from([
                ("brand".to_string(), "Acme".to_string()),
                ("prompt".to_string(), "a tin for {{brand}}".to_string()),
                ("images".to_string(), "refs/a.png; refs/b.png;".to_string()),
            ]),
        };
        let env = row.environment(Path::new("data/rows.csv"), None);
        assert_eq!(env.name, "rows.csv line 4");
        assert_eq!(env.vars.get("brand").map(String::as_str), Some("Acme"));
        assert!(!env.vars.contains_key("prompt"));
        assert_eq!(row.images(), Some(vec!["refs/a.png".to_string(), "refs/b.png".to_string()]));
        assert_eq!(row.prompt(), Some("a tin for {{brand}}"));
    }
}
