//! A run as stored: the request as it was asked and the targets it expanded to (one per
//! request the run makes: a sweep's combinations, each with its own prompt, fields and the
//! axis values it stands for), and the benchmark it is a request of. Runs stored before
//! the request type (a flat spec: `mode` generate/edit, `syncMode`, `references`,
//! `options`) read into it.

use serde::{Deserialize, Serialize};

use crate::api::*;

/// A run's request and what it expanded to.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    /// As asked (its sweep and variables included, not expanded).
    pub request: Request,
    /// The requests it makes, in order: a target's own aspect ratio, size, fields and
    /// prompt are those it sends.
    pub targets: Vec<TargetSpec>,
    /// The benchmark this run is one request of: bounded by the benchmark's concurrency,
    /// not the engine's limit for comparisons.
    pub bench_id: Option<String>,
}

impl RunSpec {
    /// A request that makes exactly these targets (no sweep to expand).
    pub fn of(request: Request) -> RunSpec {
        RunSpec { targets: request.targets.clone(), request, bench_id: None }
    }
}

/// How a run spec is written: the request and its targets.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    request: Request,
    targets: Vec<TargetSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bench_id: Option<String>,
}

/// How a run spec was written before the request type.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Flat {
    prompt: String,
    targets: Vec<TargetSpec>,
    #[serde(default)]
    aspect_ratio: Option<String>,
    #[serde(default)]
    response_format: ResponseFormatChoice,
    #[serde(default)]
    sync_mode: SyncMode,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    options: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    bench_id: Option<String>,
    #[serde(default)]
    parent: Option<OutputRef>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Written {
    Stored(Stored),
    Flat(Flat),
}

impl Serialize for RunSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Stored { request: self.request.clone(), targets: self.targets.clone(), bench_id: self.bench_id.clone() }
            .serialize(s)
    }
}

impl<'de> Deserialize<'de> for RunSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Written::deserialize(d)? {
            Written::Stored(s) => RunSpec { request: s.request, targets: s.targets, bench_id: s.bench_id },
            // A flat spec's targets were already expanded: the request makes them as they are.
            Written::Flat(f) => RunSpec {
                request: Request {
                    prompt: f.prompt,
                    targets: f.targets.clone(),
                    aspect_ratio: f.aspect_ratio,
                    mode: f.sync_mode,
                    response_format: f.response_format,
                    images: f.references,
                    fields: f.options,
                    sweep: vec![],
                    vars: vec![],
                    parent: f.parent,
                    environment: None,
                },
                targets: f.targets,
                bench_id: f.bench_id,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_spec_of_an_older_version_reads_as_a_request() {
        let old = r#"{"mode":"edit","prompt":"a fox","targets":[{"modelId":"m","n":2,"axes":[{"axis":"quality","value":"low"}],"fields":{"quality":"low"}}],
            "aspectRatio":"16:9","responseFormat":"url","syncMode":"async","references":["aa"],"options":{"background":"opaque"},
            "ignoreBudget":true,"benchId":"b1","parent":{"runId":"r","targetIdx":0,"outputIdx":1}}"#;
        let s: RunSpec = serde_json::from_str(old).unwrap();
        assert_eq!(s.request.prompt, "a fox");
        assert_eq!(s.request.kind(), RunKind::Edit);
        assert_eq!(s.request.images, vec!["aa".to_string()]);
        assert_eq!(s.request.mode, SyncMode::Async);
        assert_eq!(s.request.response_format, ResponseFormatChoice::Url);
        assert_eq!(s.request.fields.as_ref().unwrap()["background"], "opaque");
        assert_eq!(s.request.aspect_ratio.as_deref(), Some("16:9"));
        assert_eq!(s.request.parent.as_ref().unwrap().output_idx, 1);
        assert_eq!(s.targets.len(), 1);
        assert_eq!(s.targets[0].axes[0].value, "low");
        assert_eq!(s.bench_id.as_deref(), Some("b1"));
        // Written again, it reads back the same.
        let again: RunSpec = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(again, s);
    }
}
