//! Fault injection: `POST /__sim/faults` queues faults that the next matching `/v1/*`
//! requests consume (oldest first, one fault per request).

use std::sync::Mutex;
use std::time::Duration;

use axum::http::HeaderValue;
use serde::{Deserialize, Serialize};

pub use crate::errors::ErrorShape;
pub use crate::hostile_variant::HostileVariant;
use crate::hostile_variant::*;

/// What an injected fault does.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer `status` in the documented error shape for it (or `body` verbatim).
    Status,
    /// Accept the request and never answer, until the client goes away.
    Hang,
    /// Send a 200 head and part of a JSON body, then drop the connection.
    CloseMidBody,
    /// Answer 200 with a truncated JSON body.
    MalformedJson,
    /// The next async task(s) created end as `failed`, charging nothing.
    TaskFail,
    /// The answer carries `n - fail_outputs` images; only those are charged.
    Partial,
    /// Add `delay_ms` before answering (async submissions: to the task's processing time).
    Slow,
    /// Deliver the outputs at `size` (`WxH`) instead of the size asked, billed by what is
    /// delivered (a model that answered smaller or larger than asked).
    DeliverSize,
    /// A hostile or broken server's answer, by `variant` (see [`HostileVariant`]); sync
    /// image requests only.
    Hostile,
}

impl FaultKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::Status => "status",
            FaultKind::Hang => "hang",
            FaultKind::CloseMidBody => "close_mid_body",
            FaultKind::MalformedJson => "malformed_json",
            FaultKind::TaskFail => "task_fail",
            FaultKind::Partial => "partial",
            FaultKind::Slow => "slow",
            FaultKind::DeliverSize => "deliver_size",
            FaultKind::Hostile => "hostile",
        }
    }
}

fn one() -> u32 {
    1
}

/// The JSON body of `POST /__sim/faults`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    /// How many matching requests consume it (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Only requests whose path starts with this (e.g. `/v1/images/generations`, `/v1/tasks`).
    /// A fault reaches an output link's download (`/files`) only when it names that path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Only requests whose model (as sent, or the resolved variant id) equals this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// HTTP status of a `status` fault (default 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The error body's shape of a `status` fault (default: the one documented for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<ErrorShape>,
    /// Seconds for a `Retry-After` header on a `status` fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// A raw body replacing the documented error body (`status`, `malformed_json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Outputs that fail in a `partial` fault (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_outputs: Option<u32>,
    /// Delay of a `slow` fault in ms (default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// `WxH` of a `deliver_size` fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// What a `hostile` fault answers (required for that kind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<HostileVariant>,
    /// `hostile` `extra_items`: items beyond `n` (default 2000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<u32>,
    /// `hostile` `huge_body`: body length (default 600 MiB); `data_url`: length of each
    /// `data:` URL (default 30 MiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// `hostile` `drip`: one byte every `interval_ms` (default 100) for `delay_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_ms: Option<u64>,
    /// `hostile` `redirect`: where the redirect points (default `file:///etc/passwd`);
    /// `file_url`: the `url` answered (same default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// `hostile` `redirect`: redirects of the sim to itself before the one to `to`
    /// (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hops: Option<u32>,
}

impl Fault {
    /// A fault of `kind` for the next request, with every option at its default.
    pub fn new(kind: FaultKind) -> Self {
        Fault {
            kind,
            count: 1,
            path: None,
            model: None,
            status: None,
            shape: None,
            retry_after: None,
            body: None,
            fail_outputs: None,
            delay_ms: None,
            size: None,
            variant: None,
            items: None,
            bytes: None,
            interval_ms: None,
            to: None,
            hops: None,
        }
    }
    /// A `hostile` fault of `variant`, its options at their defaults.
    pub fn hostile(variant: HostileVariant) -> Self {
        Fault { variant: Some(variant), ..Fault::new(FaultKind::Hostile) }
    }
    pub fn items(mut self, items: u32) -> Self {
        self.items = Some(items);
        self
    }
    pub fn bytes(mut self, bytes: u64) -> Self {
        self.bytes = Some(bytes);
        self
    }
    pub fn delay_ms(mut self, ms: u64) -> Self {
        self.delay_ms = Some(ms);
        self
    }
    pub fn interval_ms(mut self, ms: u64) -> Self {
        self.interval_ms = Some(ms);
        self
    }
    pub fn to(mut self, to: impl Into<String>) -> Self {
        self.to = Some(to.into());
        self
    }
    pub fn hops(mut self, hops: u32) -> Self {
        self.hops = Some(hops);
        self
    }
    /// A `deliver_size` fault: outputs at `width x height`.
    pub fn deliver_size(width: u32, height: u32) -> Self {
        Fault { size: Some(format!("{width}x{height}")), ..Fault::new(FaultKind::DeliverSize) }
    }
    /// The size a `deliver_size` fault delivers.
    pub fn delivered_size(&self) -> Option<(u32, u32)> {
        if self.kind != FaultKind::DeliverSize {
            return None;
        }
        let (w, h) = self.size.as_deref()?.split_once('x')?;
        let (w, h): (u32, u32) = (w.parse().ok()?, h.parse().ok()?);
        (w > 0 && h > 0 && w <= 8192 && h <= 8192).then_some((w, h))
    }
    /// A `status` fault.
    pub fn status(status: u16) -> Self {
        Fault { status: Some(status), ..Fault::new(FaultKind::Status) }
    }
    /// A `slow` fault.
    pub fn slow(delay_ms: u64) -> Self {
        Fault { delay_ms: Some(delay_ms), ..Fault::new(FaultKind::Slow) }
    }
    /// A `partial` fault.
    pub fn partial(fail_outputs: u32) -> Self {
        Fault { fail_outputs: Some(fail_outputs), ..Fault::new(FaultKind::Partial) }
    }
    pub fn count(mut self, count: u32) -> Self {
        self.count = count;
        self
    }
    pub fn path(mut self, prefix: impl Into<String>) -> Self {
        self.path = Some(prefix.into());
        self
    }
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Checks the options and fills in defaults.
    pub fn normalized(mut self) -> Result<Fault, String> {
        if self.count == 0 {
            return Err("count must be at least 1".into());
        }
        match self.kind {
            FaultKind::Status => {
                let s = self.status.unwrap_or(500);
                if !(400..=599).contains(&s) {
                    return Err(format!("status must be 400..=599, got {s}"));
                }
                self.status = Some(s);
            }
            FaultKind::Partial => {
                self.fail_outputs = Some(self.fail_outputs.unwrap_or(1));
            }
            FaultKind::Slow => {
                self.delay_ms = Some(self.delay_ms.unwrap_or(1000));
            }
            FaultKind::DeliverSize if self.delivered_size().is_none() => {
                return Err("deliver_size needs a size WIDTHxHEIGHT (edges 1..=8192)".into());
            }
            FaultKind::Hostile => normalize_hostile(&mut self)?,
            _ => {}
        }
        Ok(self)
    }

    /// The delay of a `slow` fault.
    pub fn delay(&self) -> Duration {
        match self.kind {
            FaultKind::Slow => Duration::from_millis(self.delay_ms.unwrap_or(1000)),
            _ => Duration::ZERO,
        }
    }
}

/// A pending fault as `GET /__sim/faults` lists it (`count` = remaining uses).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PendingFault {
    pub id: String,
    #[serde(flatten)]
    pub fault: Fault,
}

/// What kind of request is asking for a fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestClass {
    /// A sync image request.
    Images,
    /// An async submission.
    AsyncSubmit,
    /// Any other `/v1/*` request (task polls, models).
    Other,
}

impl FaultKind {
    fn applies_to(self, class: RequestClass) -> bool {
        match self {
            FaultKind::TaskFail => class == RequestClass::AsyncSubmit,
            FaultKind::Partial | FaultKind::DeliverSize => class != RequestClass::Other,
            FaultKind::Hostile => class == RequestClass::Images,
            _ => true,
        }
    }
}

#[derive(Default)]
pub struct FaultStore {
    inner: Mutex<(u64, Vec<PendingFault>)>,
}

impl FaultStore {
    /// Queues a (normalized) fault; returns its id.
    pub fn push(&self, fault: Fault) -> String {
        let mut g = self.inner.lock().expect("faults lock");
        g.0 += 1;
        let id = format!("fault_{}", g.0);
        g.1.push(PendingFault { id: id.clone(), fault });
        id
    }

    pub fn list(&self) -> Vec<PendingFault> {
        self.inner.lock().expect("faults lock").1.clone()
    }

    /// Removes every pending fault; returns how many there were.
    pub fn clear(&self) -> usize {
        let mut g = self.inner.lock().expect("faults lock");
        let n = g.1.len();
        g.1.clear();
        n
    }

    /// Consumes one use of the oldest fault matching this request.
    pub fn take(&self, path: &str, models: &[&str], class: RequestClass) -> Option<Fault> {
        // Outside `/v1/` (an output link's `/files/...`) only a fault that names the path.
        let api = path.starts_with("/v1/");
        let mut g = self.inner.lock().expect("faults lock");
        let pos = g.1.iter().position(|p| {
            let f = &p.fault;
            f.kind.applies_to(class)
                && (api || f.path.is_some())
                && f.path.as_deref().is_none_or(|pre| path.starts_with(pre))
                && f.model.as_deref().is_none_or(|m| models.contains(&m))
        })?;
        let entry = &mut g.1[pos];
        let fault = entry.fault.clone();
        entry.fault.count -= 1;
        if entry.fault.count == 0 {
            g.1.remove(pos);
        }
        Some(fault)
    }
}

/// Checks a `hostile` fault and fills in its defaults.
fn normalize_hostile(f: &mut Fault) -> Result<(), String> {
    let variant = f.variant.ok_or_else(|| {
        let names: Vec<&str> = HostileVariant::ALL.iter().map(|v| v.as_str()).collect();
        format!("hostile needs a variant: one of {}", names.join(", "))
    })?;
    match variant {
        HostileVariant::ExtraItems => {
            let items = f.items.unwrap_or(DEFAULT_EXTRA_ITEMS);
            if items > MAX_EXTRA_ITEMS {
                return Err(format!("items must be at most {MAX_EXTRA_ITEMS}"));
            }
            f.items = Some(items);
        }
        HostileVariant::HugeBody => f.bytes = Some(f.bytes.unwrap_or(DEFAULT_HUGE_BODY)),
        HostileVariant::DataUrl => {
            let b = f.bytes.unwrap_or(DEFAULT_DATA_URL);
            if b > MAX_DATA_URL {
                return Err(format!("bytes of a data_url must be at most {MAX_DATA_URL}"));
            }
            f.bytes = Some(b);
        }
        HostileVariant::Drip => {
            f.delay_ms = Some(f.delay_ms.unwrap_or(DEFAULT_DRIP_MS));
            f.interval_ms = Some(f.interval_ms.unwrap_or(DEFAULT_DRIP_INTERVAL_MS).max(1));
        }
        HostileVariant::FileUrl | HostileVariant::Redirect => {
            let to = f.to.clone().unwrap_or_else(|| DEFAULT_TARGET.to_string());
            if HeaderValue::from_str(&to).is_err() {
                return Err("to must be a URL that fits in a Location header".into());
            }
            f.to = Some(to);
            if variant == HostileVariant::Redirect {
                f.hops = Some(f.hops.unwrap_or(0).min(100));
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_defaults() {
        let f: Fault = serde_json::from_str(r#"{"kind":"status","status":503,"retry_after":2}"#).unwrap();
        assert_eq!(f.count, 1);
        assert_eq!(f, Fault::status(503).retry_after(2));
        let f: Fault = serde_json::from_str(r#"{"kind":"slow"}"#).unwrap();
        assert_eq!(f.normalized().unwrap().delay_ms, Some(1000));
        let f: Fault = serde_json::from_str(r#"{"kind":"status","status":200}"#).unwrap();
        assert!(f.normalized().is_err());
        assert!(serde_json::from_str::<Fault>(r#"{"kind":"explode"}"#).is_err());
    }

    #[test]
    fn matching_and_consumption() {
        let s = FaultStore::default();
        s.push(Fault::new(FaultKind::TaskFail));
        s.push(Fault::status(500).count(2).path("/v1/images/generations").model("nano-banana-2"));
        // task_fail only matches async submissions.
        assert!(s.take("/v1/images/generations", &["x"], RequestClass::Images).is_none());
        assert!(s.take("/v1/images/edits", &["nano-banana-2"], RequestClass::Images).is_none());
        assert!(s.take("/__sim/state", &[], RequestClass::Other).is_none());
        let hit = s.take("/v1/images/generations", &["nano-banana-2"], RequestClass::Images);
        assert_eq!(hit.unwrap().kind, FaultKind::Status);
        assert_eq!(s.list()[1].fault.count, 1);
        s.take("/v1/images/generations", &["y", "nano-banana-2"], RequestClass::Images).unwrap();
        assert_eq!(s.list().len(), 1);
        let t = s.take("/v1/async/images/generations", &[], RequestClass::AsyncSubmit).unwrap();
        assert_eq!(t.kind, FaultKind::TaskFail);
        assert!(s.list().is_empty());
    }
}
