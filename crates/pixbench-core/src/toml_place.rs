//! Where a problem in a TOML file is: its line and the key it concerns. Shared by every
//! file a user writes by hand (a benchmark matrix, a catalog, a workspace's requests), so
//! each error names the file, the line and the field the same way.

/// The 1-based line of a byte offset (on a char boundary or not); an error at the end of
/// the file (an unclosed array, say) is on its last line, not on the empty one after its
/// final newline.
pub fn line_of(text: &str, offset: usize) -> usize {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (text[..end].matches('\n').count() + 1).min(text.lines().count().max(1))
}

/// The key assigned on a line (`credits = "four"` → `credits`), if it assigns one.
pub fn key_on_line(text: &str, line: usize) -> Option<String> {
    let l = text.lines().nth(line.checked_sub(1)?)?;
    let (k, _) = l.split_once('=')?;
    let k = k.trim().trim_matches(|c| c == '"' || c == '\'');
    (!k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
        .then(|| k.to_string())
}

/// The table header a line is under (`prompt` for lines after `[[prompt]]`), if any.
pub fn table_of_line(text: &str, line: usize) -> Option<String> {
    text.lines()
        .take(line)
        .filter_map(|l| {
            let t = l.trim();
            t.starts_with('[').then(|| t.trim_matches(|c| c == '[' || c == ']').trim().to_string())
        })
        .last()
}

/// The text between the first pair of backticks after `after` in `s`.
pub fn between_backticks(s: &str, after: &str) -> Option<String> {
    let rest = &s[s.find(after)? + after.len()..];
    let start = rest.find('`')? + 1;
    let end = rest[start..].find('`')? + start;
    Some(rest[start..end].to_string())
}

/// A deserialising error's line, field (`table.key` under a table) and message.
pub fn locate(text: &str, e: &toml::de::Error) -> (usize, String, String) {
    let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
    let msg = e.message().trim().to_string();
    let key = between_backticks(&msg, "unknown field")
        .or_else(|| between_backticks(&msg, "missing field"))
        .or_else(|| key_on_line(text, line));
    let on_header = text.lines().nth(line.saturating_sub(1)).unwrap_or("").trim_start().starts_with('[');
    let field = match (key, table_of_line(text, line)) {
        (Some(k), Some(t)) if !on_header => format!("{t}.{k}"),
        (Some(k), _) => k,
        (None, Some(t)) => t,
        (None, None) => String::new(),
    };
    (line, field, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_counted_from_one_and_the_end_is_the_last_line() {
        let text = "a = 1\nb = 2\n";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 6), 2);
        assert_eq!(line_of(text, text.len()), 2);
    }

    #[test]
    fn an_unknown_key_under_a_table_is_named_with_its_table() {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Inner {
            a: i64,
        }
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Outer {
            t: Inner,
        }
        let text = "[t]\na = 1\nbogus = 2\n";
        let e = toml::from_str::<Outer>(text).err().expect("refused");
        let (line, field, msg) = locate(text, &e);
        assert_eq!((line, field.as_str()), (3, "t.bogus"), "{msg}");
    }
}
