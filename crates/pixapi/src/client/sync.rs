use std::time::Instant;

use bytes::Bytes;
use reqwest::header::CONTENT_TYPE;
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use tokio_util::sync::CancellationToken;
use tracing::debug;

use super::transport::{ms, Answer, Budget, Op};
use super::Client;
use crate::describe::redact;
use crate::error::{Endpoint, Error, Result};
use crate::types::{
    AnswerData, AnswerItem, EditEncoding, EditRequest, GenerationRequest, ImageInput, ImageSource, ImagesAnswer,
    ImagesResult, OutputImage, SyncTiming, Timing,
};
use crate::wire;
use crate::{PATH_EDITS, PATH_GENERATIONS};

fn form_text_part(name: &str, text: String) -> (String, Part) {
    (name.to_string(), Part::text(text))
}

fn file_part(img: &ImageInput) -> Result<Part> {
    Part::stream_with_length(reqwest::Body::from(img.bytes.clone()), img.bytes.len() as u64)
        .file_name(img.file_name.clone())
        .mime_str(&img.mime)
        .map_err(|_| Error::InvalidInput { detail: format!("{:?} is not a MIME type", img.mime) }.into())
}

/// An edit's request: its multipart form, or its JSON body with data URLs.
pub(super) fn edit_request(
    req: &EditRequest,
    builder: reqwest::RequestBuilder,
    json: &Option<Bytes>,
) -> Result<reqwest::RequestBuilder> {
    Ok(match json {
        Some(body) => builder.header(CONTENT_TYPE, "application/json").body(body.clone()),
        None => builder.multipart(build_form(req)?),
    })
}

/// The JSON body of a data-URL edit, encoded once (a retry sends the same bytes).
pub(super) fn edit_json(req: &EditRequest) -> Result<Option<Bytes>> {
    if req.encoding != EditEncoding::JsonDataUrl {
        return Ok(None);
    }
    serde_json::to_vec(&req.json_body(false))
        .map(|v| Some(Bytes::from(v)))
        .map_err(|e| Error::InvalidInput { detail: format!("cannot encode the request: {e}") }.into())
}

pub(super) fn build_form(req: &EditRequest) -> Result<Form> {
    let mut form = Form::new();
    for (k, v) in req.text_fields() {
        let (k, p) = form_text_part(&k, v);
        form = form.part(k, p);
    }
    let field = req.image_part_name();
    for img in &req.images {
        form = form.part(field, file_part(img)?);
    }
    if let Some(m) = &req.mask {
        form = form.part("mask", file_part(m)?);
    }
    Ok(form)
}

pub(super) fn validate_edit(req: &EditRequest) -> Result<()> {
    if req.images.is_empty() {
        return Err(Error::InvalidInput { detail: "an edit needs at least one reference image".into() }.into());
    }
    if let Some(i) = req.images.iter().find(|i| i.bytes.is_empty()) {
        return Err(Error::InvalidInput { detail: format!("reference image {:?} is empty", i.file_name) }.into());
    }
    Ok(())
}

/// What a cancel during the link downloads leaves: a sync answer's images exist only
/// in this answer, so those that came are kept; a task's links can be fetched again by
/// polling the task, so its caller gets the cancel and waits for the whole task.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Keep {
    WhatCame,
    Nothing,
}

impl Client {
    // ----- sync ------------------------------------------------------------------------

    /// `POST /v1/images/generations`: waits for the images, decodes them and downloads
    /// `url` outputs at once.
    pub async fn generate(&self, req: &GenerationRequest, cancel: &CancellationToken) -> Result<ImagesResult> {
        let answer = self.generate_answer(req, cancel).await?;
        self.fetch_at_most(answer, req.n.unwrap_or(1) as usize, cancel).await
    }

    /// Like [`generate`](Self::generate) but leaves `url` outputs undownloaded: finish
    /// with [`fetch_images`](Self::fetch_images).
    pub async fn generate_answer(&self, req: &GenerationRequest, cancel: &CancellationToken) -> Result<ImagesAnswer> {
        let started = Instant::now();
        let body = json_body(req)?;
        let url = self.url(PATH_GENERATIONS);
        debug!(url = %url, model = %req.model, "pixapi generate");
        let (a, attempts) = self
            .execute_inline(Op::SyncPost, Endpoint::Images, self.cfg.max_response_bytes, cancel, || {
                Ok(self.request(Method::POST, &url).header(CONTENT_TYPE, "application/json").body(body.clone()))
            })
            .await?;
        self.images_answer(a, attempts, started)
    }

    /// `POST /v1/images/edits` (multipart, or JSON with data URLs): like
    /// [`generate`](Self::generate).
    pub async fn edit(&self, req: &EditRequest, cancel: &CancellationToken) -> Result<ImagesResult> {
        let answer = self.edit_answer(req, cancel).await?;
        self.fetch_at_most(answer, req.n.unwrap_or(1) as usize, cancel).await
    }

    /// Like [`edit`](Self::edit) but leaves `url` outputs undownloaded.
    pub async fn edit_answer(&self, req: &EditRequest, cancel: &CancellationToken) -> Result<ImagesAnswer> {
        let started = Instant::now();
        validate_edit(req)?;
        let url = self.url(PATH_EDITS);
        debug!(url = %url, model = %req.model, images = req.images.len(), "pixapi edit");
        let json = edit_json(req)?;
        let (a, attempts) = self
            .execute_inline(Op::SyncPost, Endpoint::Images, self.cfg.max_response_bytes, cancel, || {
                edit_request(req, self.request(Method::POST, &url), &json)
            })
            .await?;
        self.images_answer(a, attempts, started)
    }

    fn images_answer(&self, mut a: Answer, attempts: u32, started: Instant) -> Result<ImagesAnswer> {
        let t = Instant::now();
        let parsed = match a.inline.as_mut().and_then(wire::images_from_skeleton) {
            Some(p) => p,
            None => {
                a.restore();
                wire::parse_images(&a.body).map_err(|k| self.answer_error(html_or(k, &a.body), &a, attempts))?
            }
        };
        let decode_ms = ms(t.elapsed());
        Ok(ImagesAnswer {
            created: parsed.created,
            items: parsed.items,
            usage: parsed.usage,
            request_id: a.request_id.clone().or(parsed.request_id),
            http_status: a.status,
            raw_body_elided: a.elided(),
            attempts,
            timing: SyncTiming {
                send_ms: a.send_ms,
                ttfb_ms: a.ttfb_ms,
                body_ms: a.body_ms,
                decode_ms,
                download_ms: 0.0,
                total_ms: 0.0,
            },
            started,
        })
    }

    /// Downloads the `url` outputs of an answer (concurrently) and completes its timing;
    /// at most [`ClientConfig::max_outputs`](crate::ClientConfig::max_outputs) of them.
    pub async fn fetch_images(&self, answer: ImagesAnswer, cancel: &CancellationToken) -> Result<ImagesResult> {
        self.fetch_at_most(answer, usize::MAX, cancel).await
    }

    /// Like [`fetch_images`](Self::fetch_images), keeping at most `n` outputs (the `n`
    /// asked for): the rest are neither downloaded nor returned.
    pub async fn fetch_at_most(
        &self,
        answer: ImagesAnswer,
        n: usize,
        cancel: &CancellationToken,
    ) -> Result<ImagesResult> {
        let t = Instant::now();
        let has_urls = answer.items.iter().any(|i| matches!(i.data, AnswerData::Url(_)));
        let (images, dropped, failed) = self.resolve_items(answer.items, n, cancel, Keep::WhatCame).await?;
        let mut timing = answer.timing;
        timing.download_ms = if has_urls { ms(t.elapsed()) } else { 0.0 };
        timing.total_ms = ms(answer.started.elapsed());
        Ok(ImagesResult {
            created: answer.created,
            images,
            usage: answer.usage,
            request_id: answer.request_id,
            http_status: answer.http_status,
            raw_body_elided: answer.raw_body_elided,
            timing: Timing::Sync(timing),
            attempts: answer.attempts,
            dropped,
            failed,
        })
    }

    /// The images of an answer's items: at most `n` (and `max_outputs`) of them, with how
    /// many were left out. Together (inline and downloaded) they stay within
    /// `max_response_bytes`: the downloads share what the inline images leave.
    pub(super) async fn resolve_items(
        &self,
        mut items: Vec<AnswerItem>,
        n: usize,
        cancel: &CancellationToken,
        on_cancel: Keep,
    ) -> Result<(Vec<OutputImage>, usize, Vec<crate::FailedOutput>)> {
        let keep = n.min(self.cfg.max_outputs).max(1);
        let dropped = items.len().saturating_sub(keep);
        items.truncate(keep);
        let budget = Budget::new(self.cfg.max_response_bytes);
        for it in &items {
            if let AnswerData::Bytes(b) = &it.data {
                if !budget.take(b.len() as u64) {
                    return Err(Error::TooLarge { limit: budget.limit }.into());
                }
            }
        }
        let budget = &budget;
        let futs = items.into_iter().map(|it| async move {
            match it.data {
                AnswerData::Bytes(bytes) => Ok::<_, crate::ApiError>(OutputImage {
                    bytes,
                    source: ImageSource::B64,
                    revised_prompt: it.revised_prompt,
                }),
                AnswerData::Url(u) => {
                    let bytes = self.download_within(&u, Some(budget), cancel).await?;
                    Ok(OutputImage { bytes, source: ImageSource::Url(u), revised_prompt: it.revised_prompt })
                }
            }
        });
        // One link that fails (a refused address, an expired link, a cancel while it was
        // downloading) does not lose the images that did come: they are paid for. Only when
        // none came is the answer an error.
        let mut images = vec![];
        let mut failed = vec![];
        let mut first_err = None;
        for (index, r) in futures::future::join_all(futs).await.into_iter().enumerate() {
            match r {
                Ok(img) => images.push(img),
                // The size limit is the answer's, shared by its links (which of them
                // crossed it depends on how their bytes interleaved): it fails the answer.
                Err(e) if matches!(e.kind, Error::TooLarge { .. }) => return Err(e),
                Err(e) if e.kind == Error::Cancelled && on_cancel == Keep::Nothing => return Err(e),
                Err(e) => {
                    failed.push(crate::FailedOutput { index, error: e.kind.clone(), message: e.user_message() });
                    first_err.get_or_insert(e);
                }
            }
        }
        match first_err {
            Some(e) if images.is_empty() => Err(e),
            _ => Ok((images, dropped, failed)),
        }
    }

    /// Downloads an output link (`data:` URLs are decoded in place; a path is taken
    /// relative to the base URL), within `max_response_bytes`. The key is sent only to
    /// the base URL's own origin. 404 or 410 give [`Error::UrlExpired`]. Only `http(s)`
    /// links to addresses the output-URL policy allows are requested, and redirects are
    /// checked the same way ([`crate::net`]); others give [`Error::RefusedUrl`].
    pub async fn download(&self, url: &str, cancel: &CancellationToken) -> Result<Bytes> {
        self.download_within(url, None, cancel).await
    }

    /// [`download`](Self::download), the bytes also taken from `budget`.
    async fn download_within(&self, url: &str, budget: Option<&Budget>, cancel: &CancellationToken) -> Result<Bytes> {
        if url.starts_with("data:") {
            // Bounded before decoding: base64 makes 3 bytes of 4 characters.
            let payload = url.split_once(',').map_or(url.len(), |(_, d)| d.len()) as u64;
            let decoded = payload / 4 * 3;
            let limit = self.cfg.max_response_bytes;
            if decoded > limit {
                return Err(Error::TooLarge { limit }.into());
            }
            if let Some(b) = budget {
                if !b.take(decoded) {
                    return Err(Error::TooLarge { limit: b.limit }.into());
                }
            }
            let v = wire::decode_b64(url).map_err(|detail| Error::Malformed { detail })?;
            return Ok(Bytes::from(v));
        }
        let full = if url.starts_with('/') { self.url(url) } else { url.to_string() };
        let parsed = url::Url::parse(&full)
            .map_err(|e| Error::Malformed { detail: format!("output URL {:?} is invalid: {e}", redact(url)) })?;
        self.policy.check_url(&parsed).map_err(|r| Error::RefusedUrl { detail: redact(&r.0) })?;
        let same_origin = url::Url::parse(&self.base).map(|b| b.origin() == parsed.origin()).unwrap_or(false);
        let (a, _) = self
            .execute_within(Op::Get, Endpoint::Download, self.cfg.max_response_bytes, budget, false, cancel, || {
                Ok(if same_origin { self.request(Method::GET, &full) } else { self.http.get(&full) })
            })
            .await?;
        if a.body.is_empty() {
            return Err(self.answer_error(Error::Malformed { detail: "the image download is empty".into() }, &a, 1));
        }
        Ok(a.body)
    }
}

/// A 2xx answer that is a web page, not the API's JSON: say so rather than quote the
/// JSON parser.
pub(super) fn html_or(kind: Error, body: &[u8]) -> Error {
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    let head = &body[start..body.len().min(start + 512)];
    let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
    if lower.starts_with("<!doctype html")
        || lower.starts_with("<html")
        || (lower.starts_with('<') && lower.contains("<body"))
    {
        return Error::Malformed {
            detail: "the server answered with an HTML page, not the API's JSON; the base URL may point at a website, a proxy or a login portal instead of the API".into(),
        };
    }
    kind
}

pub(super) fn json_body(req: &GenerationRequest) -> Result<Bytes> {
    serde_json::to_vec(req)
        .map(Bytes::from)
        .map_err(|e| Error::InvalidInput { detail: format!("cannot encode the request: {e}") }.into())
}
