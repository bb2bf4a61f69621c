use std::time::Instant;

use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, RequestBuilder};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tracing::debug;

use super::sync::{edit_json, edit_request, json_body, validate_edit};
use super::transport::{ms, sleep_or_cancel, Answer, Op, RAW_BODY_KEEP};
use super::Client;
use crate::describe::redact;
use crate::error::{truncate, ApiError, Endpoint, Error, Result};
use crate::types::{
    AnswerData, AsyncTiming, EditRequest, GenerationRequest, ImagesResult, TaskHandle, TaskState, TaskStatus, Timing,
};
use crate::wire;
use crate::{PATH_ASYNC_EDITS, PATH_ASYNC_GENERATIONS, PATH_TASKS};

impl Client {
    // ----- async -----------------------------------------------------------------------

    /// `POST /v1/async/images/generations`: the task handle. Persist `id` before polling.
    pub async fn submit_generation(&self, req: &GenerationRequest, cancel: &CancellationToken) -> Result<TaskHandle> {
        let body = json_body(req)?;
        let url = self.url(PATH_ASYNC_GENERATIONS);
        debug!(url = %url, model = %req.model, "pixapi submit generation");
        self.submit(cancel, || {
            Ok(self.request(Method::POST, &url).header(CONTENT_TYPE, "application/json").body(body.clone()))
        })
        .await
    }

    /// `POST /v1/async/images/edits` (multipart, or JSON with data URLs): the task handle.
    pub async fn submit_edit(&self, req: &EditRequest, cancel: &CancellationToken) -> Result<TaskHandle> {
        validate_edit(req)?;
        let url = self.url(PATH_ASYNC_EDITS);
        debug!(url = %url, model = %req.model, "pixapi submit edit");
        let json = edit_json(req)?;
        self.submit(cancel, || edit_request(req, self.request(Method::POST, &url), &json)).await
    }

    async fn submit<F>(&self, cancel: &CancellationToken, build: F) -> Result<TaskHandle>
    where
        F: Fn() -> Result<RequestBuilder>,
    {
        let started = Instant::now();
        let (a, attempts) =
            self.execute(Op::Submit, Endpoint::Images, self.cfg.max_response_bytes, cancel, build).await?;
        let raw: Value = serde_json::from_slice(&a.body).map_err(|e| {
            self.answer_error(
                super::sync::html_or(Error::Malformed { detail: format!("submit answer is not JSON: {e}") }, &a.body),
                &a,
                attempts,
            )
        })?;
        let info = wire::task_info(&raw);
        let Some(id) = info.id else {
            return Err(self.answer_error(
                Error::Malformed { detail: "the submit answer has no task id".into() },
                &a,
                attempts,
            ));
        };
        debug!(task = %id, status = %info.status, attempts, "pixapi task submitted");
        Ok(TaskHandle {
            id,
            status: if info.status.is_empty() { "submitted".into() } else { info.status },
            progress: info.progress,
            raw,
            request_id: a.request_id.or(info.request_id),
            attempts,
            submit_ms: ms(started.elapsed()),
        })
    }

    fn task_url(&self, id: &str) -> Result<String> {
        if id.trim().is_empty() {
            return Err(Error::InvalidInput { detail: "empty task id".into() }.into());
        }
        let mut enc = String::with_capacity(id.len());
        for b in id.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                enc.push(b as char);
            } else {
                enc.push_str(&format!("%{b:02X}"));
            }
        }
        Ok(format!("{}{}/{}", self.base, PATH_TASKS, enc))
    }

    /// Reads a task answer; returns the status and the elided body text.
    fn task_status_from(&self, a: &Answer, id: &str) -> Result<(TaskStatus, String), Error> {
        let elided = a.elided();
        let raw: Value = serde_json::from_str(&elided).map_err(|e| {
            super::sync::html_or(Error::Malformed { detail: format!("task answer is not JSON: {e}") }, &a.full_body())
        })?;
        let info = wire::task_info(&raw);
        let status = TaskStatus {
            id: info.id.unwrap_or_else(|| id.to_string()),
            status: info.status,
            state: info.state,
            progress: info.progress,
            error: info.error.map(|e| redact(&e)),
            raw,
            http_status: a.status,
            request_id: a.request_id.clone().or(info.request_id),
        };
        Ok((status, elided))
    }

    /// `GET /v1/tasks/{id}` once (retried on transient failures).
    pub async fn get_task(&self, id: &str, cancel: &CancellationToken) -> Result<TaskStatus> {
        let url = self.task_url(id)?;
        let (a, attempts) = self
            .execute(Op::Get, Endpoint::Task, self.cfg.max_response_bytes, cancel, || {
                Ok(self.request(Method::GET, &url))
            })
            .await?;
        self.task_status_from(&a, id).map(|(s, _)| s).map_err(|k| self.answer_error(k, &a, attempts))
    }

    /// Polls `GET /v1/tasks/{id}` with backoff until the task is `completed` (then
    /// decodes and downloads its images) or `failed` ([`Error::TaskFailed`]).
    /// `on_update` sees every status read. Unknown statuses count as running. Transient
    /// failures of a poll are answered by polling again (at most
    /// `poll.max_consecutive_errors` in a row); the task is never resubmitted. Past
    /// `poll.deadline`: [`Error::PollDeadline`].
    pub async fn wait_task(
        &self,
        id: &str,
        cancel: &CancellationToken,
        mut on_update: impl FnMut(&TaskStatus) + Send,
    ) -> Result<ImagesResult> {
        self.wait_inner(id, cancel, &mut on_update, Instant::now(), AsyncTiming::default(), 1, None).await
    }

    /// Submit, then [`wait_task`](Self::wait_task). `on_submitted` is called with the
    /// handle before the first poll: persist the task id there.
    pub async fn generate_async(
        &self,
        req: &GenerationRequest,
        cancel: &CancellationToken,
        on_submitted: impl FnOnce(&TaskHandle) + Send,
        mut on_update: impl FnMut(&TaskStatus) + Send,
    ) -> Result<ImagesResult> {
        let started = Instant::now();
        let h = self.submit_generation(req, cancel).await?;
        self.wait_submitted(h, started, cancel, on_submitted, &mut on_update).await
    }

    /// Submit an edit, then [`wait_task`](Self::wait_task).
    pub async fn edit_async(
        &self,
        req: &EditRequest,
        cancel: &CancellationToken,
        on_submitted: impl FnOnce(&TaskHandle) + Send,
        mut on_update: impl FnMut(&TaskStatus) + Send,
    ) -> Result<ImagesResult> {
        let started = Instant::now();
        let h = self.submit_edit(req, cancel).await?;
        self.wait_submitted(h, started, cancel, on_submitted, &mut on_update).await
    }

    /// The task just submitted: hands its id over, then polls it to the end.
    async fn wait_submitted(
        &self,
        h: TaskHandle,
        started: Instant,
        cancel: &CancellationToken,
        on_submitted: impl FnOnce(&TaskHandle) + Send,
        on_update: &mut (dyn FnMut(&TaskStatus) + Send),
    ) -> Result<ImagesResult> {
        on_submitted(&h);
        let timing = AsyncTiming { submit_ms: h.submit_ms, ..Default::default() };
        self.wait_inner(&h.id, cancel, on_update, started, timing, h.attempts, h.request_id.clone()).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn wait_inner(
        &self,
        id: &str,
        cancel: &CancellationToken,
        on_update: &mut (dyn FnMut(&TaskStatus) + Send),
        started: Instant,
        mut timing: AsyncTiming,
        attempts: u32,
        submit_request_id: Option<String>,
    ) -> Result<ImagesResult> {
        let url = self.task_url(id)?;
        let policy = &self.cfg.poll;
        let wait_start = Instant::now();
        let deadline = wait_start + policy.deadline;
        let mut interval = policy.initial_interval;
        let mut errors = 0u32;
        loop {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled.into());
            }
            timing.polls += 1;
            let outcome = match self
                .attempt(self.request(Method::GET, &url), self.cfg.max_response_bytes, None, cancel, true, false)
                .await
            {
                Ok(mut a) if (200..300).contains(&a.status) => match self.task_status_from(&a, id) {
                    Ok((st, elided)) => Ok((a, st, elided)),
                    Err(k) => {
                        a.restore();
                        Err((self.answer_error(k, &a, 1), None))
                    }
                },
                Ok(a) => Err((self.error_from(&a, Endpoint::Task, 1), a.retry_after)),
                Err(k) => Err((k.into(), None)),
            };
            let pause = match outcome {
                Ok((mut a, st, elided)) => {
                    errors = 0;
                    debug!(task = %id, status = %st.status, progress = ?st.progress, poll = timing.polls, "pixapi poll");
                    on_update(&st);
                    match st.state {
                        TaskState::Completed => {
                            timing.wait_ms = ms(wait_start.elapsed());
                            let t = Instant::now();
                            let parsed = match a.inline.as_mut().and_then(wire::task_images_from_skeleton) {
                                Some(p) => p,
                                None => {
                                    a.restore();
                                    wire::parse_task_images(&a.body).map_err(|k| self.answer_error(k, &a, attempts))?
                                }
                            };
                            timing.decode_ms = ms(t.elapsed());
                            let t = Instant::now();
                            let has_urls = parsed.items.iter().any(|i| matches!(i.data, AnswerData::Url(_)));
                            // A task's `n` is not known here (a resumed task): the
                            // caller keeps what it asked for.
                            let (images, dropped, failed) = self
                                .resolve_items(parsed.items, usize::MAX, cancel, super::sync::Keep::Nothing)
                                .await?;
                            timing.download_ms = if has_urls { ms(t.elapsed()) } else { 0.0 };
                            timing.total_ms = ms(started.elapsed());
                            return Ok(ImagesResult {
                                created: parsed.created,
                                images,
                                usage: parsed.usage,
                                request_id: submit_request_id.or(st.request_id),
                                http_status: a.status,
                                raw_body_elided: elided,
                                timing: Timing::Async(timing),
                                attempts,
                                dropped,
                                failed,
                            });
                        }
                        TaskState::Failed => {
                            let message = st.error.clone().unwrap_or_else(|| "the server gave no reason".into());
                            return Err(ApiError {
                                kind: Error::TaskFailed { message: message.clone() },
                                request_id: st.request_id.or(submit_request_id),
                                message: Some(message),
                                raw_body: Some(truncate(redact(&elided), RAW_BODY_KEEP)),
                                http_status: Some(a.status),
                                attempts,
                            });
                        }
                        TaskState::Running => {
                            let p = interval;
                            interval = policy.next_interval(interval);
                            p
                        }
                    }
                }
                Err((e, retry_after)) => {
                    let transient = matches!(
                        e.kind,
                        Error::Connect { .. }
                            | Error::ConnectionLost { .. }
                            | Error::Timeout
                            | Error::TooSlow { .. }
                            | Error::Server { .. }
                            | Error::Unavailable
                            | Error::RateLimited { .. }
                            | Error::Malformed { .. }
                    );
                    errors += 1;
                    debug!(task = %id, error = %e.kind, errors, transient, "pixapi poll failed");
                    if !transient || errors > policy.max_consecutive_errors {
                        return Err(ApiError { attempts, ..e });
                    }
                    match retry_after {
                        Some(ra) if self.cfg.retry.honour_retry_after => ra.min(self.cfg.retry.max_retry_after),
                        _ => interval,
                    }
                }
            };
            let now = Instant::now();
            if now >= deadline {
                return Err(ApiError { attempts, ..Error::PollDeadline.into() });
            }
            sleep_or_cancel(cancel, pause.min(deadline - now)).await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClientConfig;

    #[test]
    fn task_ids_are_escaped() {
        let c = Client::new(ClientConfig::new("http://h:1")).unwrap();
        assert_eq!(c.task_url("task_01AB").unwrap(), "http://h:1/v1/tasks/task_01AB");
        assert_eq!(c.task_url("a/b c").unwrap(), "http://h:1/v1/tasks/a%2Fb%20c");
        assert!(c.task_url(" ").is_err());
    }
}
