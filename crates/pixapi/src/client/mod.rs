//! The HTTP client.

mod sync;
mod tasks;
mod transport;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderValue, AUTHORIZATION};
use reqwest::{Method, RequestBuilder};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::config::{mask_key, ClientConfig};
use crate::describe::{redact, PartDescription, RequestBody, RequestDescription};
use crate::error::{Endpoint, Error, Result};
use crate::types::{EditEncoding, EditRequest, GenerationRequest, ImageInput, ModelInfo};
use crate::wire;
use crate::{API_KEY_ENV, PATH_ASYNC_EDITS, PATH_ASYNC_GENERATIONS, PATH_EDITS, PATH_GENERATIONS, PATH_MODELS};

use transport::{root_cause, Op};

/// The Pixapi client. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    cfg: Arc<ClientConfig>,
    base: Arc<str>,
    auth: Option<HeaderValue>,
    /// Where output links may lead ([`crate::net`]).
    policy: Arc<crate::net::OutputPolicy>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("base_url", &self.base).field("config", &self.cfg).finish()
    }
}

fn normalize_base(base: &str) -> Result<String> {
    let trimmed = base.trim().trim_end_matches('/');
    let trimmed = trimmed.strip_suffix("/v1").unwrap_or(trimmed).trim_end_matches('/');
    let url = url::Url::parse(trimmed)
        .map_err(|e| Error::InvalidInput { detail: format!("base URL {:?} is not a URL: {e}", redact(base)) })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(
            Error::InvalidInput { detail: format!("base URL {:?} must be http(s)://host", redact(base)) }.into()
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::InvalidInput { detail: "base URL must not have a query or fragment".into() }.into());
    }
    Ok(trimmed.to_string())
}

fn auth_header(key: Option<&str>) -> Result<Option<HeaderValue>> {
    match key {
        None => Ok(None),
        Some(k) => {
            let k = k.trim();
            if k.is_empty() {
                return Ok(None);
            }
            let mut v = HeaderValue::from_str(&format!("Bearer {k}")).map_err(|_| Error::InvalidInput {
                detail: format!("the API key ({}) contains characters not allowed in a header", mask_key(k)),
            })?;
            v.set_sensitive(true);
            Ok(Some(v))
        }
    }
}

impl Client {
    /// A client for `cfg.base_url`. Fails only on a bad base URL or key, or if the TLS
    /// backend cannot start.
    pub fn new(cfg: ClientConfig) -> Result<Client> {
        let base = normalize_base(&cfg.base_url)?;
        let auth = auth_header(cfg.api_key.as_deref())?;
        // Every name resolved and every redirect followed goes through the output-URL
        // policy (crate::net); the base URL's own host is trusted.
        let policy = crate::net::OutputPolicy::for_base(&base);
        let resolver = crate::net::PolicyResolver {
            policy: policy.clone(),
            inner: cfg.resolver.clone().unwrap_or_else(|| Arc::new(crate::net::SystemResolver)),
        };
        let http = reqwest::Client::builder()
            .connect_timeout(cfg.connect_timeout)
            .user_agent(cfg.user_agent.clone())
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(60))
            .dns_resolver(Arc::new(resolver))
            .redirect(crate::net::redirect_policy(policy.clone()))
            .build()
            .map_err(|e| Error::InvalidInput { detail: format!("cannot build the HTTP client: {}", root_cause(&e)) })?;
        Ok(Client { http, cfg: Arc::new(cfg), base: Arc::from(base), auth, policy: Arc::new(policy) })
    }

    /// The same client (and connection pool) with another key.
    pub fn with_key(&self, key: impl Into<String>) -> Result<Client> {
        let key = key.into();
        let auth = auth_header(Some(&key))?;
        let mut cfg = (*self.cfg).clone();
        cfg.api_key = Some(key);
        Ok(Client {
            http: self.http.clone(),
            cfg: Arc::new(cfg),
            base: self.base.clone(),
            auth,
            policy: self.policy.clone(),
        })
    }

    /// The normalized base URL (no trailing `/` or `/v1`).
    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub fn config(&self) -> &ClientConfig {
        &self.cfg
    }

    /// `base_url` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn request(&self, method: Method, url: &str) -> RequestBuilder {
        let rb = self.http.request(method, url);
        match &self.auth {
            Some(a) => rb.header(AUTHORIZATION, a.clone()),
            None => rb,
        }
    }
    // ----- models ----------------------------------------------------------------------

    /// `GET /v1/models`: every entry with an id, whatever the answer's shape.
    pub async fn list_models(&self, cancel: &CancellationToken) -> Result<Vec<ModelInfo>> {
        let url = self.url(PATH_MODELS);
        let (a, attempts) = self
            .execute(Op::Get, Endpoint::Models, self.cfg.max_response_bytes, cancel, || {
                Ok(self.request(Method::GET, &url))
            })
            .await?;
        wire::parse_models(&a.body).map_err(|k| self.answer_error(k, &a, attempts))
    }

    // ----- description -----------------------------------------------------------------

    fn described_headers(&self, content_type: &str) -> Vec<(String, String)> {
        let mut h = Vec::new();
        if self.auth.is_some() {
            h.push(("Authorization".to_string(), format!("Bearer ${API_KEY_ENV}")));
        }
        h.push(("Content-Type".to_string(), content_type.to_string()));
        h.push(("User-Agent".to_string(), self.cfg.user_agent.clone()));
        h
    }

    fn describe_json(&self, path: &str, req: &GenerationRequest) -> RequestDescription {
        RequestDescription {
            method: "POST".into(),
            url: self.url(path),
            headers: self.described_headers("application/json"),
            body: RequestBody::Json(serde_json::to_value(req).unwrap_or(Value::Null)),
        }
    }

    fn describe_multipart(&self, path: &str, req: &EditRequest) -> RequestDescription {
        let mut parts: Vec<PartDescription> = req
            .text_fields()
            .into_iter()
            .map(|(name, text)| PartDescription {
                name,
                file_name: None,
                mime: None,
                size: text.len(),
                text: Some(text),
            })
            .collect();
        let file = |name: &str, i: &ImageInput| PartDescription {
            name: name.to_string(),
            file_name: Some(i.file_name.clone()),
            mime: Some(i.mime.clone()),
            size: i.bytes.len(),
            text: None,
        };
        parts.extend(req.images.iter().map(|i| file(req.image_part_name(), i)));
        parts.extend(req.mask.iter().map(|m| file("mask", m)));
        RequestDescription {
            method: "POST".into(),
            url: self.url(path),
            headers: self.described_headers("multipart/form-data; boundary=<generated>"),
            body: RequestBody::Multipart(parts),
        }
    }

    /// What [`generate`](Self::generate) sends, the key shown as `$PIXAPI_KEY`.
    pub fn describe_generation(&self, req: &GenerationRequest) -> RequestDescription {
        self.describe_json(PATH_GENERATIONS, req)
    }

    /// What [`submit_generation`](Self::submit_generation) sends.
    pub fn describe_async_generation(&self, req: &GenerationRequest) -> RequestDescription {
        self.describe_json(PATH_ASYNC_GENERATIONS, req)
    }

    /// What [`edit`](Self::edit) sends: one part per field and per file, in order (or the
    /// JSON body, each data URL shown by its size).
    pub fn describe_edit(&self, req: &EditRequest) -> RequestDescription {
        self.describe_edit_at(PATH_EDITS, req)
    }

    /// What [`submit_edit`](Self::submit_edit) sends.
    pub fn describe_async_edit(&self, req: &EditRequest) -> RequestDescription {
        self.describe_edit_at(PATH_ASYNC_EDITS, req)
    }

    fn describe_edit_at(&self, path: &str, req: &EditRequest) -> RequestDescription {
        match req.encoding {
            EditEncoding::Multipart => self.describe_multipart(path, req),
            EditEncoding::JsonDataUrl => RequestDescription {
                method: "POST".into(),
                url: self.url(path),
                headers: self.described_headers("application/json"),
                body: RequestBody::Json(req.json_body(true)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every call's future is `Send`, so callers can `tokio::spawn` it.
    #[allow(dead_code)]
    fn futures_are_send(c: &Client, g: &GenerationRequest, e: &EditRequest, t: &CancellationToken) {
        fn send<T: Send>(_: T) {}
        send(c.generate(g, t));
        send(c.generate_answer(g, t));
        send(c.edit(e, t));
        send(c.submit_generation(g, t));
        send(c.submit_edit(e, t));
        send(c.get_task("x", t));
        send(c.wait_task("x", t, |_| {}));
        send(c.generate_async(g, t, |_| {}, |_| {}));
        send(c.edit_async(e, t, |_| {}, |_| {}));
        send(c.list_models(t));
        send(c.download("x", t));
    }

    #[test]
    fn base_url_normalization() {
        assert_eq!(normalize_base("https://api.pixapi.ai/").unwrap(), "https://api.pixapi.ai");
        assert_eq!(normalize_base("https://api.pixapi.ai/v1/").unwrap(), "https://api.pixapi.ai");
        assert_eq!(normalize_base("http://127.0.0.1:9/prefix").unwrap(), "http://127.0.0.1:9/prefix");
        assert!(normalize_base("ftp://x").is_err());
        assert!(normalize_base("not a url").is_err());
    }

    #[test]
    fn client_debug_hides_key() {
        let c = Client::new(ClientConfig::new("http://h:1").with_api_key("sk_live_0123456789abcdefXYZW")).unwrap();
        let s = format!("{c:?}");
        assert!(!s.contains("0123456789abcdef"), "{s}");
        let c2 = c.with_key("sk_other_key_987654321").unwrap();
        assert!(!format!("{c2:?}").contains("987654321"));
        assert_eq!(c2.base_url(), "http://h:1");
    }

    #[test]
    fn describe_hides_key() {
        let c = Client::new(ClientConfig::new("http://h:1").with_api_key("sk_live_0123456789abcdef")).unwrap();
        let mut req = GenerationRequest::new("m", "p");
        req.n = Some(1);
        let d = c.describe_generation(&req);
        assert_eq!(d.url, "http://h:1/v1/images/generations");
        assert_eq!(d.headers[0], ("Authorization".into(), "Bearer $PIXAPI_KEY".into()));
        assert!(!serde_json::to_string(&d).unwrap().contains("0123456789"));
        let e = EditRequest::new("m", "p", vec![ImageInput::from_bytes("a.png", &b"\x89PNG\r\n\x1a\nxx"[..])]);
        let d = c.describe_edit(&e);
        match &d.body {
            // One image is `image`, as every Pixapi example sends it.
            RequestBody::Multipart(parts) => {
                let img = parts.iter().find(|p| p.name == "image").unwrap();
                assert_eq!(img.size, 10);
                assert_eq!(img.mime.as_deref(), Some("image/png"));
            }
            b => panic!("{b:?}"),
        }
        // Several are `image[]` (the OpenAI SDKs' form), or `image` repeated on request.
        let mut two = e.clone();
        two.images.push(ImageInput::from_bytes("b.png", &b"\x89PNG\r\n\x1a\nyy"[..]));
        for (style, want) in [(crate::ImageFieldStyle::Auto, "image[]"), (crate::ImageFieldStyle::Repeated, "image")] {
            two.image_field = style;
            match &c.describe_edit(&two).body {
                RequestBody::Multipart(parts) => {
                    let names: Vec<&str> =
                        parts.iter().filter(|p| p.file_name.is_some()).map(|p| p.name.as_str()).collect();
                    assert_eq!(names, [want, want]);
                }
                b => panic!("{b:?}"),
            }
        }
    }
}
