//! A curl command back into a request: [`parse_curl`].

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Endpoint, ImageEncoding, ImagePart, WireCall};

/// The most text `parse_curl` reads (a command with its JSON body, or a script of them).
pub const MAX_INPUT_BYTES: usize = 1 << 20;
/// The most form parts (`-F`, `--form-string`) or images one command may carry.
pub const MAX_PARTS: usize = 64;

/// What a curl command asks, in the app's words.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CurlRequest {
    pub endpoint: Endpoint,
    /// The URL was one of the `/v1/async/...` endpoints.
    pub is_async: bool,
    /// Scheme, host, port (and any path before `/v1`), without `/v1`; `None` when the URL
    /// starts with a shell variable that has no default.
    pub base_url: Option<String>,
    /// `None` when the command names no model.
    pub model: Option<String>,
    pub prompt: String,
    pub n: Option<u32>,
    pub size: Option<String>,
    pub response_format: Option<String>,
    /// Every other body field, as sent (form parts as strings).
    pub fields: Map<String, Value>,
    /// Reference image files (`-F image=@file`, or files encoded by the shell into data URLs).
    pub images: Vec<PathBuf>,
    /// Reference images given as URLs or data URLs in the JSON `image` field (or as text parts).
    pub image_urls: Vec<String>,
    /// The multipart name the image parts had.
    pub image_part: ImagePart,
    /// How `images` were sent.
    pub image_encoding: ImageEncoding,
    /// One sentence per flag, header or part that could not be used, and for a key dropped.
    pub warnings: Vec<String>,
}

impl CurlRequest {
    /// The call this command makes (the model empty when it names none).
    pub fn to_wire_call(&self, label: impl Into<String>) -> WireCall {
        WireCall {
            label: label.into(),
            endpoint: self.endpoint,
            model: self.model.clone().unwrap_or_default(),
            prompt: self.prompt.clone(),
            n: self.n,
            size: self.size.clone(),
            response_format: self.response_format.clone(),
            fields: self.fields.clone(),
            images: self.images.clone(),
            image_urls: self.image_urls.clone(),
            image_part: self.image_part,
            image_encoding: self.image_encoding,
        }
    }
}

/// Why a text is not an image request; each says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CurlError {
    TooLarge { bytes: usize },
    NotCurl,
    Quoting,
    NoUrl,
    NotImageEndpoint { url: String },
    Legacy { path: String },
    BadJson { reason: String },
    BodyFromFile { arg: String },
    NoPrompt,
    TooManyParts { count: usize },
}

impl fmt::Display for CurlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CurlError::TooLarge { bytes } => write!(
                f,
                "The text is {bytes} bytes, more than a curl command of an image request needs (at most {MAX_INPUT_BYTES}): paste the command alone."
            ),
            CurlError::NotCurl => f.write_str(
                "This is not a curl command: paste a command that starts with curl, such as the examples on Pixapi's documentation pages.",
            ),
            CurlError::Quoting => f.write_str(
                "The command's quotes are not closed: copy the whole command, up to its last quote.",
            ),
            CurlError::NoUrl => f.write_str(
                "The curl command has no URL: it needs one ending in /v1/images/generations or /v1/images/edits.",
            ),
            CurlError::NotImageEndpoint { url } => write!(
                f,
                "The command calls {url}, which is not an image endpoint: import a request to /v1/images/generations or /v1/images/edits (or their /v1/async/ twins)."
            ),
            CurlError::Legacy { path } => write!(
                f,
                "{path} is Pixapi's legacy endpoint, kept only for transition: rewrite the request for /v1/images/generations or /v1/images/edits before importing it."
            ),
            CurlError::BadJson { reason } => write!(
                f,
                "The request body is not a JSON object ({reason}): Pixapi's image requests send JSON like {{\"model\": \"...\", \"prompt\": \"...\"}}."
            ),
            CurlError::BodyFromFile { arg } => write!(
                f,
                "The body is read from a file ({arg}), which cannot be imported: paste the JSON itself after -d."
            ),
            CurlError::NoPrompt => f.write_str(
                "The request has no prompt: add \"prompt\" to its JSON body (or -F prompt=...), then import it again.",
            ),
            CurlError::TooManyParts { count } => write!(
                f,
                "The command has {count} form parts or images, more than the {MAX_PARTS} one request may carry: remove some."
            ),
        }
    }
}

impl std::error::Error for CurlError {}

/// One shell command's text, and the here-document fed to it, if any.
struct Command {
    text: String,
    heredoc: Option<String>,
}

/// Splits a shell text into commands (at unquoted newlines, `;`, `&`, `|`), joining `\`
/// continuations, dropping comments, and taking here-document bodies out.
fn split_commands(input: &str) -> Result<Vec<Command>, CurlError> {
    #[derive(PartialEq)]
    enum Q {
        None,
        Single,
        Double,
    }
    let chars: Vec<char> = input.chars().collect();
    let mut cmds: Vec<Command> = Vec::new();
    let mut cur = String::new();
    let mut q = Q::None;
    let mut depth = 0usize;
    let mut pending: Vec<(usize, String, bool)> = Vec::new();
    let mut i = 0;
    let finish = |cur: &mut String, cmds: &mut Vec<Command>| {
        if !cur.trim().is_empty() {
            cmds.push(Command { text: std::mem::take(cur), heredoc: None });
        }
        cur.clear();
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match q {
            Q::Single => {
                cur.push(c);
                if c == '\'' {
                    q = Q::None;
                }
                i += 1;
                continue;
            }
            Q::Double => {
                if c == '\\' && next == Some('\n') {
                    i += 2;
                    continue;
                }
                cur.push(c);
                if c == '\\' {
                    if let Some(n) = next {
                        cur.push(n);
                        i += 1;
                    }
                } else if c == '"' {
                    q = Q::None;
                }
                i += 1;
                continue;
            }
            Q::None => {}
        }
        match c {
            '\\' if next == Some('\n') => i += 2,
            '\\' => {
                cur.push(c);
                if let Some(n) = next {
                    cur.push(n);
                }
                i += 2;
            }
            '\'' => {
                q = Q::Single;
                cur.push(c);
                i += 1;
            }
            '"' => {
                q = Q::Double;
                cur.push(c);
                i += 1;
            }
            '#' if cur.is_empty() || cur.ends_with(char::is_whitespace) => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '$' if next == Some('(') => {
                depth += 1;
                cur.push_str("$(");
                i += 2;
            }
            '(' if depth > 0 => {
                depth += 1;
                cur.push(c);
                i += 1;
            }
            ')' if depth > 0 => {
                depth -= 1;
                cur.push(c);
                i += 1;
            }
            '<' if depth == 0 && next == Some('<') && chars.get(i + 2) != Some(&'<') => {
                // A here-document: `<<WORD`, `<<-WORD`, `<<'WORD'`, `<<"WORD"`.
                let mut j = i + 2;
                let dash = chars.get(j) == Some(&'-');
                if dash {
                    j += 1;
                }
                while chars.get(j).is_some_and(|c| *c == ' ' || *c == '\t') {
                    j += 1;
                }
                let mut word = String::new();
                while let Some(&c) = chars.get(j) {
                    if c.is_whitespace() || ";&|<>()".contains(c) {
                        break;
                    }
                    if c != '\'' && c != '"' {
                        word.push(c);
                    }
                    j += 1;
                }
                if word.is_empty() {
                    cur.push(c);
                    i += 1;
                } else {
                    pending.push((cmds.len(), word, dash));
                    i = j;
                }
            }
            '\n' | ';' | '&' | '|' if depth == 0 => {
                finish(&mut cur, &mut cmds);
                i += 1;
                if c == '\n' && !pending.is_empty() {
                    for (at, word, dash) in std::mem::take(&mut pending) {
                        let mut body = Vec::new();
                        loop {
                            if i >= chars.len() {
                                break;
                            }
                            let end = chars[i..].iter().position(|c| *c == '\n').map(|p| i + p).unwrap_or(chars.len());
                            let line: String = chars[i..end].iter().collect();
                            i = end + 1;
                            let check = if dash { line.trim_start_matches('\t') } else { line.as_str() };
                            if check.trim_end() == word {
                                break;
                            }
                            body.push(line);
                        }
                        // The body belongs to the command that was current at `<<`.
                        if let Some(cmd) = cmds.get_mut(at) {
                            cmd.heredoc = Some(body.join("\n"));
                        }
                    }
                }
            }
            _ => {
                cur.push(c);
                i += 1;
            }
        }
    }
    if q != Q::None {
        return Err(CurlError::Quoting);
    }
    finish(&mut cur, &mut cmds);
    Ok(cmds)
}

/// The command's words after leading `VAR=value` assignments and a prompt's `$`, if it is curl.
fn curl_words(words: &[String]) -> Option<&[String]> {
    let start = words.iter().position(|w| !(w == "$" || is_assignment(w)))?;
    let first = &words[start];
    let name = first.rsplit(['/', '\\']).next().unwrap_or(first);
    (name == "curl" || name.eq_ignore_ascii_case("curl.exe")).then(|| &words[start + 1..])
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// curl's short options that take a value, and their long names.
const SHORT_WITH_VALUE: &[(char, &str)] = &[
    ('X', "--request"),
    ('H', "--header"),
    ('d', "--data"),
    ('F', "--form"),
    ('o', "--output"),
    ('u', "--user"),
    ('A', "--user-agent"),
    ('e', "--referer"),
    ('b', "--cookie"),
    ('w', "--write-out"),
    ('m', "--max-time"),
    ('x', "--proxy"),
    ('T', "--upload-file"),
    ('E', "--cert"),
    ('K', "--config"),
    ('c', "--cookie-jar"),
    ('r', "--range"),
    ('U', "--proxy-user"),
    ('Y', "--speed-limit"),
    ('y', "--speed-time"),
    ('z', "--time-cond"),
    ('C', "--continue-at"),
    ('D', "--dump-header"),
    ('P', "--ftp-port"),
    ('Q', "--quote"),
    ('t', "--telnet-option"),
];

/// curl's short options without a value, and their long names.
const SHORT_FLAGS: &[(char, &str)] = &[
    ('s', "--silent"),
    ('S', "--show-error"),
    ('v', "--verbose"),
    ('i', "--include"),
    ('L', "--location"),
    ('k', "--insecure"),
    ('f', "--fail"),
    ('g', "--globoff"),
    ('G', "--get"),
    ('I', "--head"),
    ('N', "--no-buffer"),
    ('O', "--remote-name"),
    ('J', "--remote-header-name"),
    ('q', "--disable"),
    ('R', "--remote-time"),
    ('n', "--netrc"),
    ('#', "--progress-bar"),
    ('0', "--http1.0"),
    ('1', "--tlsv1"),
    ('2', "--sslv2"),
    ('3', "--sslv3"),
    ('4', "--ipv4"),
    ('6', "--ipv6"),
];

/// Long options that take a value.
const LONG_WITH_VALUE: &[&str] = &[
    "--request",
    "--header",
    "--data",
    "--data-raw",
    "--data-binary",
    "--data-ascii",
    "--data-urlencode",
    "--json",
    "--form",
    "--form-string",
    "--url",
    "--output",
    "--user",
    "--user-agent",
    "--referer",
    "--cookie",
    "--cookie-jar",
    "--write-out",
    "--max-time",
    "--connect-timeout",
    "--retry",
    "--retry-delay",
    "--retry-max-time",
    "--proxy",
    "--upload-file",
    "--cert",
    "--key",
    "--cacert",
    "--config",
    "--range",
    "--proxy-user",
    "--oauth2-bearer",
    "--resolve",
    "--connect-to",
    "--interface",
    "--limit-rate",
    "--max-filesize",
    "--dump-header",
    "--variable",
    "--expect100-timeout",
    "--aws-sigv4",
];

/// Options about curl's own output, progress and patience, which change nothing about the
/// request sent: accepted without a word. Every other option is named in the warnings.
const HARMLESS: &[&str] = &[
    "--silent",
    "--show-error",
    "--verbose",
    "--include",
    "--location",
    "--fail",
    "--fail-with-body",
    "--progress-bar",
    "--no-progress-meter",
    "--output",
    "--write-out",
    "--max-time",
    "--connect-timeout",
    "--retry",
    "--retry-delay",
    "--retry-max-time",
    "--retry-all-errors",
    "--retry-connrefused",
    "--dump-header",
    "--trace-ascii",
    "--stderr",
];

/// The words as (option, value) pairs: long options with their value, short clusters
/// unfolded (`-sSX POST` is `--silent`, `--show-error`, `--request POST`), and positional
/// words as `("", word)`.
fn options(words: &[String]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        i += 1;
        if w.starts_with("--") && w.len() > 2 {
            if LONG_WITH_VALUE.contains(&w.as_str()) {
                let v = words.get(i).cloned().unwrap_or_default();
                i += 1;
                out.push((w.clone(), v));
            } else {
                out.push((w.clone(), String::new()));
            }
        } else if w.starts_with('-') && w.len() > 1 {
            let chars: Vec<char> = w.chars().skip(1).collect();
            let mut k = 0;
            while k < chars.len() {
                let c = chars[k];
                if let Some((_, long)) = SHORT_WITH_VALUE.iter().find(|(s, _)| *s == c) {
                    let rest: String = chars[k + 1..].iter().collect();
                    let v = if rest.is_empty() {
                        let v = words.get(i).cloned().unwrap_or_default();
                        i += 1;
                        v
                    } else {
                        rest
                    };
                    out.push((long.to_string(), v));
                    break;
                }
                match SHORT_FLAGS.iter().find(|(s, _)| *s == c) {
                    Some((_, long)) => out.push((long.to_string(), String::new())),
                    None => out.push((format!("-{c}"), String::new())),
                }
                k += 1;
            }
        } else {
            out.push((String::new(), w.clone()));
        }
    }
    out
}

/// A URL with `${VAR:-default}` / `${VAR-default}` replaced by the default; `$VAR` or
/// `${VAR}` without one kept, answered as the variable's name.
fn resolve_vars(url: &str) -> (String, Option<String>) {
    let mut out = String::new();
    let mut unknown = None;
    let mut rest = url;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(inner) = after.strip_prefix('{') {
            let Some(close) = inner.find('}') else {
                out.push_str(&rest[at..]);
                rest = "";
                break;
            };
            let body = &inner[..close];
            let (name, default) = match body.split_once(":-").or_else(|| body.split_once('-')) {
                Some((n, d)) => (n, Some(d)),
                None => (body, None),
            };
            match default {
                Some(d) => out.push_str(d),
                None => {
                    unknown.get_or_insert_with(|| name.to_string());
                    out.push_str(&format!("${{{name}}}"));
                }
            }
            rest = &inner[close + 1..];
        } else {
            let len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
            if len == 0 {
                out.push('$');
            } else {
                unknown.get_or_insert_with(|| after[..len].to_string());
                out.push_str(&rest[at..at + 1 + len]);
            }
            rest = &after[len..];
        }
    }
    out.push_str(rest);
    (out, unknown)
}

/// The endpoint a URL path names, or why not.
fn endpoint_of(url: &str, warnings: &mut Vec<String>) -> Result<(Endpoint, bool, Option<String>), CurlError> {
    let (resolved, unknown) = resolve_vars(url);
    let mut u = resolved.trim().to_string();
    if let Some(q) = u.find(['?', '#']) {
        warnings.push(format!("The URL's query “{}” is not imported: Pixapi's image endpoints take none.", &u[q..]));
        u.truncate(q);
    }
    let trimmed = u.trim_end_matches('/');
    let (after_scheme, scheme) = match trimmed.split_once("://") {
        Some((s, rest)) => (rest, Some(s)),
        None => (trimmed, None),
    };
    let Some(slash) = after_scheme.find('/') else {
        return Err(CurlError::NotImageEndpoint { url: url.to_string() });
    };
    let path = &after_scheme[slash..];
    let ends = [
        ("/v1/images/generations", Endpoint::Generation, false),
        ("/v1/images/edits", Endpoint::Edit, false),
        ("/v1/async/images/generations", Endpoint::Generation, true),
        ("/v1/async/images/edits", Endpoint::Edit, true),
    ];
    for (suffix, endpoint, is_async) in ends {
        if let Some(prefix) = path.strip_suffix(suffix) {
            let base = match (&unknown, scheme) {
                (Some(var), _) => {
                    warnings.push(format!(
                        "The URL starts with the variable ${var}, which has no value here: the request goes to the profile's server."
                    ));
                    None
                }
                (None, Some(s)) => Some(format!("{s}://{}{prefix}", &after_scheme[..slash])),
                (None, None) => Some(format!("https://{}{prefix}", &after_scheme[..slash])),
            };
            return Ok((endpoint, is_async, base));
        }
    }
    for legacy in ["/v1/images/generate", "/v1/images/edit"] {
        if path.ends_with(legacy) {
            return Err(CurlError::Legacy { path: legacy.to_string() });
        }
    }
    Err(CurlError::NotImageEndpoint { url: url.to_string() })
}

/// The marker a shell-encoded file leaves in a here-document's JSON.
const FILE_MARK: &str = "@@PIXBENCH_FILE_";

/// A here-document's JSON with each `$(base64 < FILE | tr -d '\n')` replaced by a marker
/// (its file kept), and the unquoted here-document's escapes undone.
fn heredoc_json(body: &str, files: &mut Vec<PathBuf>) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some(at) = rest.find("$(base64") {
        let Some(end) = rest[at..].find(')').map(|e| at + e) else { break };
        let inner = &rest[at + 2..end];
        let words = shlex::split(inner.split('|').next().unwrap_or("")).unwrap_or_default();
        let path = match words.as_slice() {
            [_, lt, p, ..] if lt == "<" => Some(p.clone()),
            [_, p] if !p.starts_with('-') => Some(p.clone()),
            [_, flag, p] if flag.starts_with('-') => Some(p.clone()),
            _ => None,
        };
        out.push_str(&rest[..at]);
        match path {
            Some(p) => {
                out.push_str(&format!("{FILE_MARK}{}@@", files.len()));
                files.push(PathBuf::from(p));
            }
            None => out.push_str(&rest[at..=end]),
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    // An unquoted here-document: `\$`, `` \` `` and `\\` stand for the character.
    let mut unescaped = String::with_capacity(out.len());
    let mut chars = out.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&n) = chars.peek() {
                if n == '$' || n == '`' || n == '\\' {
                    unescaped.push(n);
                    chars.next();
                    continue;
                }
            }
        }
        unescaped.push(c);
    }
    unescaped
}

/// Reads a curl command (or a shell script holding one) as an image request. See the
/// crate docs; errors are one sentence saying what to do.
pub fn parse_curl(command: &str) -> Result<CurlRequest, CurlError> {
    if command.len() > MAX_INPUT_BYTES {
        return Err(CurlError::TooLarge { bytes: command.len() });
    }
    let text = command.replace("\r\n", "\n");
    let mut found: Vec<(Vec<String>, Option<String>)> = Vec::new();
    for cmd in split_commands(&text)? {
        let words = shlex::split(&cmd.text).ok_or(CurlError::Quoting)?;
        if let Some(args) = curl_words(&words) {
            found.push((args.to_vec(), cmd.heredoc));
        }
    }
    if found.is_empty() {
        return Err(CurlError::NotCurl);
    }
    // The first command to an image endpoint; the others are named.
    let mut first_error = None;
    let mut chosen = None;
    let mut others = 0;
    for (args, heredoc) in &found {
        let opts = options(args);
        let url = opts.iter().find(|(k, _)| k.is_empty() || k == "--url").map(|(_, v)| v.clone());
        let Some(url) = url else {
            first_error.get_or_insert(CurlError::NoUrl);
            continue;
        };
        let mut w = Vec::new();
        match endpoint_of(&url, &mut w) {
            Ok(e) if chosen.is_none() => chosen = Some((opts, heredoc.clone(), e, w)),
            Ok(_) => others += 1,
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let Some((opts, heredoc, (endpoint, is_async, base_url), mut warnings)) = chosen else {
        return Err(first_error.unwrap_or(CurlError::NoUrl));
    };
    if others > 0 {
        warnings.push(format!(
            "The text holds {} more image request(s) after the first: only the first was imported.",
            others
        ));
    }
    let mut req = CurlRequest { endpoint, is_async, base_url, ..Default::default() };
    let mut body: Option<(String, String)> = None;
    let mut parts: Vec<(String, String, bool)> = Vec::new();
    let mut urls_seen = 0;
    for (flag, value) in opts {
        match flag.as_str() {
            "" | "--url" => {
                urls_seen += 1;
                if urls_seen > 1 {
                    warnings.push(format!("The second URL “{value}” is not imported: one request has one URL."));
                }
            }
            "--request" => {
                if !value.eq_ignore_ascii_case("POST") {
                    warnings.push(format!("-X {value} is not used: image requests are sent with POST."));
                }
            }
            "--header" => header(&value, &mut warnings),
            "--oauth2-bearer" => warnings.push(key_dropped()),
            "--user" => warnings.push(
                "The credentials of -u were dropped: keys live in the keychain (Profiles), never in a request.".into(),
            ),
            "--data" | "--data-raw" | "--data-binary" | "--data-ascii" | "--json" => {
                let v = if flag != "--data-raw" && value == "@-" {
                    match &heredoc {
                        Some(h) => h.clone(),
                        None => return Err(CurlError::BodyFromFile { arg: format!("{flag} @-") }),
                    }
                } else if flag != "--data-raw" && value.starts_with('@') {
                    return Err(CurlError::BodyFromFile { arg: format!("{flag} {value}") });
                } else {
                    value
                };
                if body.is_some() {
                    warnings.push(format!("A second body ({flag}) is not imported: the first one is."));
                } else {
                    body = Some((flag.clone(), v));
                }
            }
            "--data-urlencode" => {
                warnings.push(format!("--data-urlencode {value} is not imported: Pixapi's image requests send JSON."))
            }
            "--form" | "--form-string" => {
                if parts.len() >= MAX_PARTS {
                    return Err(CurlError::TooManyParts { count: parts.len() + 1 });
                }
                match value.split_once('=') {
                    Some((name, v)) => parts.push((name.to_string(), v.to_string(), flag == "--form")),
                    None => warnings.push(format!("{flag} {value} is not imported: a part is NAME=VALUE.")),
                }
            }
            f if HARMLESS.contains(&f) => {}
            "--insecure" => {
                warnings.push("-k (--insecure) is not used: Pixbench always checks the server's certificate.".into())
            }
            f => {
                let shown = if value.is_empty() { f.to_string() } else { format!("{f} {value}") };
                warnings.push(format!("curl's {shown} is not imported: Pixbench has no use for it."));
            }
        }
    }
    if let Some((flag, text)) = body {
        if !parts.is_empty() {
            warnings
                .push("The command has both a body and form parts: the body is imported, the parts are not.".into());
            parts.clear();
        }
        let mut files = Vec::new();
        let json_text = if heredoc.is_some() && flag != "--data-raw" && text.contains("$(") {
            heredoc_json(&text, &mut files)
        } else {
            text
        };
        let v: Value =
            serde_json::from_str(json_text.trim()).map_err(|e| CurlError::BadJson { reason: e.to_string() })?;
        let Value::Object(obj) = v else {
            return Err(CurlError::BadJson { reason: "it is not an object".into() });
        };
        json_fields(&mut req, obj, &files, &mut warnings);
    } else {
        form_fields(&mut req, parts, &mut warnings)?;
    }
    if req.images.len() + req.image_urls.len() > MAX_PARTS {
        return Err(CurlError::TooManyParts { count: req.images.len() + req.image_urls.len() });
    }
    if req.prompt.trim().is_empty() {
        return Err(CurlError::NoPrompt);
    }
    if req.model.is_none() {
        warnings.push("The request names no model: pick a target before sending it.".into());
    }
    match req.endpoint {
        Endpoint::Edit if req.images.is_empty() && req.image_urls.is_empty() => {
            warnings.push("This edit names no image: add reference images before sending it.".into())
        }
        Endpoint::Generation if !req.images.is_empty() || !req.image_urls.is_empty() => {
            warnings.push(
                "The images of a request to /v1/images/generations are not imported: send references to /v1/images/edits."
                    .into(),
            );
            req.images.clear();
            req.image_urls.clear();
        }
        _ => {}
    }
    req.warnings = warnings;
    Ok(req)
}

fn key_dropped() -> String {
    "The key in the Authorization header was dropped: keys live in the keychain (Profiles) or in PIXAPI_KEY, never in a request.".into()
}

/// Whether a header value is only a shell variable (`$PIXAPI_KEY`, `${PIXAPI_KEY}`).
fn is_variable(v: &str) -> bool {
    let v = v.trim();
    let name = v.strip_prefix("${").and_then(|r| r.strip_suffix('}')).or_else(|| v.strip_prefix('$'));
    name.is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

fn header(h: &str, warnings: &mut Vec<String>) {
    let (name, value) = h.split_once(':').map(|(n, v)| (n.trim(), v.trim())).unwrap_or((h.trim(), ""));
    match name.to_ascii_lowercase().as_str() {
        "authorization" => {
            let token = value.split_once(' ').map(|(_, t)| t).unwrap_or(value);
            if !is_variable(token) && !token.is_empty() {
                warnings.push(key_dropped());
            }
        }
        "x-api-key" | "api-key" => {
            if !is_variable(value) {
                warnings.push(key_dropped());
            }
        }
        "content-type" | "accept" => {}
        _ => warnings.push(format!("The header “{name}” is not imported: Pixbench sends its own headers.")),
    }
}

/// `n` from a JSON number or a numeric string.
fn n_of(v: &Value, warnings: &mut Vec<String>) -> Option<u32> {
    let n = v.as_u64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())).and_then(|n| u32::try_from(n).ok());
    if n.is_none() {
        warnings.push(format!("n = {v} is not a whole number: it is not imported (1 image)."));
    }
    n
}

fn string_of(key: &str, v: Value, warnings: &mut Vec<String>) -> Option<String> {
    match v {
        Value::String(s) => Some(s),
        other => {
            warnings.push(format!("{key} = {other} is not a string: it is not imported."));
            None
        }
    }
}

fn json_fields(req: &mut CurlRequest, obj: Map<String, Value>, files: &[PathBuf], warnings: &mut Vec<String>) {
    for (k, v) in obj {
        match k.as_str() {
            "model" => req.model = string_of("model", v, warnings),
            "prompt" => req.prompt = string_of("prompt", v, warnings).unwrap_or_default(),
            "n" => req.n = n_of(&v, warnings),
            "size" => req.size = string_of("size", v, warnings),
            "response_format" => req.response_format = string_of("response_format", v, warnings),
            "image" | "image[]" => {
                let items = match v {
                    Value::Array(a) => a,
                    other => vec![other],
                };
                for item in items {
                    match item {
                        Value::String(s) => match file_marker(&s, files) {
                            Some(p) => {
                                req.images.push(p);
                                req.image_encoding = ImageEncoding::DataUrl;
                            }
                            None => req.image_urls.push(s),
                        },
                        other => warnings.push(format!("The image {other} is not a URL: it is not imported.")),
                    }
                }
            }
            "mask" => warnings.push("The mask is not imported: Pixbench's requests carry no mask.".into()),
            _ => {
                req.fields.insert(k, v);
            }
        }
    }
}

/// The file a `data:...;base64,@@PIXBENCH_FILE_N@@` string stands for.
fn file_marker(s: &str, files: &[PathBuf]) -> Option<PathBuf> {
    let at = s.find(FILE_MARK)?;
    let rest = &s[at + FILE_MARK.len()..];
    let idx: usize = rest.strip_suffix("@@")?.parse().ok()?;
    s.starts_with("data:").then(|| files.get(idx).cloned()).flatten()
}

/// A `-F` file value: the path after `@`, without curl's `;type=` / `;filename=`.
fn form_file_path(v: &str) -> String {
    let v = v.trim_start();
    if let Some(q) = v.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = q.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                }
                '"' => break,
                c => out.push(c),
            }
        }
        out
    } else {
        v.split(';').next().unwrap_or("").to_string()
    }
}

fn form_fields(
    req: &mut CurlRequest,
    parts: Vec<(String, String, bool)>,
    warnings: &mut Vec<String>,
) -> Result<(), CurlError> {
    let mut style = None;
    for (name, value, is_form) in parts {
        let file = if is_form { value.strip_prefix('@') } else { None };
        if is_form && value.starts_with('<') {
            warnings
                .push(format!("-F {name}={value} reads a file's text, which is not imported: paste the text itself."));
            continue;
        }
        match (name.as_str(), file) {
            ("image" | "image[]", Some(f)) => {
                req.images.push(PathBuf::from(form_file_path(f)));
                style.get_or_insert(if name == "image" { ImagePart::Image } else { ImagePart::ImageArray });
            }
            ("image" | "image[]", None) => {
                req.image_urls.push(value);
                style.get_or_insert(if name == "image" { ImagePart::Image } else { ImagePart::ImageArray });
            }
            ("mask", _) => warnings.push("The mask is not imported: Pixbench's requests carry no mask.".into()),
            (_, Some(f)) => {
                warnings.push(format!("The file part {name}=@{f} is not imported: only image parts carry files."))
            }
            ("model", None) => req.model = Some(value),
            ("prompt", None) => req.prompt = value,
            ("n", None) => req.n = n_of(&Value::from(value), warnings),
            ("size", None) => req.size = Some(value),
            ("response_format", None) => req.response_format = Some(value),
            (_, None) => {
                req.fields.insert(name, Value::from(value));
            }
        }
    }
    req.image_part = style.unwrap_or_default();
    Ok(())
}

#[cfg(test)]
mod tests;
