//! Types that cross the IPC boundary to the UI. TypeScript is generated from these by
//! ts-rs (`cargo test -p pixbench-core export_bindings`) into `ui/src/bindings/`.
//! Field names are camelCase on the wire.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::kind::ErrorKind;

/// Where ts-rs writes the bindings, relative to this crate.
macro_rules! ipc {
    ($($item:item)*) => {
        $(
            #[derive(Debug, Clone, Serialize, Deserialize, TS)]
            #[serde(rename_all = "camelCase")]
            #[ts(export)]
            $item
        )*
    };
}

ipc! {
    /// An error as the UI shows it: a sentence for a person plus details for the inspector.
    pub struct UiError {
        /// What kind of failure it is (the UI picks its title and tone by it).
        pub kind: ErrorKind,
        /// What happened and what to do, for a person.
        pub message: String,
        /// Raw details (server body, request id), never containing a key.
        pub detail: Option<String>,
    }

    pub struct AppInfo {
        pub version: String,
        pub data_dir: String,
        /// "built-in" or the path of the catalog file in force.
        pub catalog_source: String,
        /// `None` when the OS keychain works; otherwise why it does not.
        pub keychain_problem: Option<String>,
        /// Base URL of the in-process Sandbox server (pixapi-sim).
        pub sandbox_url: String,
    }

    /// One variant a run can target: a documented model id asked at one size tier.
    pub struct CatalogEntry {
        /// The variant's name, e.g. `gemini-3.1-flash-image-preview-4k` (Pixapi's price-table
        /// rule). What a user types and history records; not sent as `model`.
        pub id: String,
        /// The model id sent as `model`, e.g. `gemini-3.1-flash-image-preview`.
        pub model: String,
        /// The group the composer shows the variant in (the model id, for Pixapi).
        pub family: String,
        /// A short label for people, e.g. "Nano Banana 2 · 4K".
        pub label: String,
        pub alias: Option<String>,
        /// The size tier: "512", "1K", "2K", "4K".
        pub variant: String,
        /// Long edge in pixels of a square output.
        pub long_edge: u32,
        /// Credits per delivered image (without `quality`: what `auto` costs).
        pub credits: i64,
        /// Credits per image by `quality`, where the model prices it (gpt-image-2).
        pub quality_credits: Vec<QualityPrice>,
        /// The page gives a floor ("from 1 credit"), not a price.
        pub price_from: bool,
        /// How a delivered image's tier is decided.
        pub tier_rule: TierRule,
        /// Official price per image in dollars, for savings.
        pub official_usd: Option<f64>,
        /// The `size` sent for each aspect ratio.
        pub sizes: Vec<SizeOption>,
        /// Model-specific fields this model takes (`quality`, `background`, ...).
        pub fields: Vec<String>,
        pub max_references: u32,
        pub max_reference_bytes: u64,
        pub reference_formats: Vec<String>,
        /// The aspect ratios of `sizes`, in display order.
        pub aspect_ratios: Vec<String>,
        pub supports_edit: bool,
        /// Async is the safer default for large variants.
        pub default_async: bool,
        pub max_n: u32,
    }

    /// The `size` a variant sends for one aspect ratio.
    pub struct SizeOption {
        pub aspect_ratio: String,
        /// As sent: `WIDTHxHEIGHT` or a documented keyword (`2K`, `4K`).
        pub size: String,
        pub width: u32,
        pub height: u32,
    }

    pub struct QualityPrice {
        pub quality: String,
        pub credits: i64,
    }

    /// A model-specific request field the composer can offer.
    pub struct FieldSpec {
        pub name: String,
        pub label: String,
        /// The values it takes; empty for an integer field.
        pub values: Vec<String>,
        /// Bounds of an integer field.
        pub min: Option<u32>,
        pub max: Option<u32>,
        /// Where the field is documented.
        pub source: String,
    }

    /// The user's settings.
    pub struct Settings {
        /// Whether the app starts a new session each time or continues today's.
        pub session_mode: SessionMode,
        /// The most requests one sweep may make (default 64); `None` when saving keeps it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub max_sweep_requests: Option<u32>,
    }

    pub struct CatalogView {
        pub source: String,
        pub entries: Vec<CatalogEntry>,
        /// The model-specific fields any entry may list.
        pub fields: Vec<FieldSpec>,
    }

    pub struct ProfileView {
        pub id: String,
        pub name: String,
        pub base_url: String,
        pub default_model: String,
        pub budget_credits: Option<i64>,
        pub is_sandbox: bool,
        pub is_current: bool,
        /// e.g. `sk_…9f2c`; never the key.
        pub key_mask: Option<String>,
        pub key_state: KeyState,
        /// A sentence about the key state, when it is not fine.
        pub key_note: Option<String>,
        /// How this profile asks for a variant (default `size`, as Pixapi documents).
        pub request_style: RequestStyle,
        /// How this profile names several reference images' parts.
        pub image_parts: ImageParts,
    }

    pub struct ProfileInput {
        pub id: Option<String>,
        pub name: String,
        pub base_url: String,
        pub default_model: String,
        pub budget_credits: Option<i64>,
        /// `None` keeps the profile's (or the default, `size`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub request_style: Option<RequestStyle>,
        /// `None` keeps the profile's (or the default, `auto`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub image_parts: Option<ImageParts>,
    }

    pub struct KeyTestResult {
        pub ok: bool,
        pub message: String,
        pub models: u32,
        pub latency_ms: f64,
    }

    #[derive(Default, PartialEq)]
    pub struct TargetSpec {
        /// A catalog entry's id.
        pub model_id: String,
        pub n: u32,
        /// An explicit `size` (`WIDTHxHEIGHT` or a keyword) instead of the entry's size for
        /// the run's aspect ratio; it is priced by its own tier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub size: Option<String>,
        /// This target's aspect ratio, overriding the run's (a sweep's aspect axis).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub aspect_ratio: Option<String>,
        /// Model-specific fields for this target only, merged over the run's `options`
        /// (a sweep's `quality` / `output_format` / `background` axes).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub fields: Option<serde_json::Map<String, serde_json::Value>>,
        /// This target's prompt after a sweep's variables are expanded; the run's prompt
        /// stays the template.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub prompt: Option<String>,
        /// The sweep axis values this target stands for, in axis order (for labels and
        /// ranking); empty outside a sweep.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        #[ts(as = "Option<Vec<AxisValue>>", optional)]
        pub axes: Vec<AxisValue>,
    }

    /// One axis value of a sweep target, e.g. `quality` = `high`, or the variable
    /// `animal` = `fox` (variables are named `{{animal}}`).
    #[derive(PartialEq, Eq, Hash)]
    pub struct AxisValue {
        pub axis: String,
        pub value: String,
    }

    /// What the composer sends to run.
    pub struct RunSpec {
        pub mode: RunMode,
        pub prompt: String,
        pub targets: Vec<TargetSpec>,
        /// e.g. "16:9"; `None` for the model's default (square).
        pub aspect_ratio: Option<String>,
        pub response_format: ResponseFormatChoice,
        pub sync_mode: SyncMode,
        /// SHA-256 of stored reference images, in order.
        pub references: Vec<String>,
        /// Model-specific fields (`quality`, `background`, ...): each goes to the targets whose
        /// catalog entry lists it; any other key goes to every target as is (other gateways).
        /// Fields the spec types (`model`, `prompt`, `n`, `size`, `response_format`, images)
        /// cannot be set here.
        pub options: Option<serde_json::Map<String, serde_json::Value>>,
        /// Run even if the budget would be crossed (the user said "run anyway").
        pub ignore_budget: bool,
        /// The benchmark this run is one request of. Such runs are bounded by the
        /// benchmark's own concurrency, not the engine's limit for comparisons.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub bench_id: Option<String>,
        /// The output this edit starts from (its lineage): checked to be an output of that
        /// run, and recorded with the run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub parent: Option<crate::lineage::OutputRef>,
    }

    /// A request ready for the composer, not sent: a spec and the reference images it names
    /// (with their thumbnails), e.g. "edit from this output".
    pub struct RunDraft {
        pub spec: RunSpec,
        pub references: Vec<ReferenceView>,
    }

    pub struct TargetEstimate {
        pub model_id: String,
        pub n: u32,
        pub credits_per_image: i64,
        pub credits: i64,
        /// The `size` this target will send.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub size: Option<String>,
        /// The price is a floor ("from N credits"): the server may charge more.
        #[serde(default)]
        pub price_from: bool,
    }

    /// The pre-flight: what a spec costs at most, and whether it may be sent.
    pub struct Estimate {
        pub targets: Vec<TargetEstimate>,
        pub total_credits: i64,
        pub total_usd: f64,
        pub simulated: bool,
        pub budget_credits: Option<i64>,
        pub spent_credits: i64,
        /// The budget would be crossed if every image succeeded.
        pub over_budget: bool,
        /// Reasons the request would be refused; empty when it can be sent.
        pub problems: Vec<String>,
    }

    pub struct PhaseTimings {
        pub send_ms: Option<f64>,
        pub ttfb_ms: Option<f64>,
        pub body_ms: Option<f64>,
        pub decode_ms: Option<f64>,
        pub submit_ms: Option<f64>,
        pub wait_ms: Option<f64>,
        pub download_ms: Option<f64>,
        pub polls: Option<u32>,
        pub total_ms: f64,
    }

    pub struct OutputView {
        pub idx: u32,
        pub sha256: String,
        pub width: u32,
        pub height: u32,
        pub bytes: u64,
        pub url: String,
        pub thumb_url: String,
        pub credits: i64,
        pub rating: Option<u8>,
        pub note: Option<String>,
        /// Set when the delivered image was billed at another tier than asked, e.g.
        /// "Asked 4K, delivered 2048×2048 (2K): 6 credits."
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub billing_note: Option<String>,
    }

    pub struct RequestPart {
        pub name: String,
        pub file_name: Option<String>,
        pub mime: Option<String>,
        pub size: u64,
        pub text: Option<String>,
    }

    /// The exact request, key redacted.
    pub struct RequestView {
        pub method: String,
        pub url: String,
        pub headers: Vec<(String, String)>,
        pub json_body: Option<serde_json::Value>,
        pub parts: Vec<RequestPart>,
    }

    pub struct TaskPoll {
        pub at_ms: f64,
        pub status: String,
        pub progress: Option<f64>,
    }

    pub struct TargetView {
        pub idx: u32,
        pub model_id: String,
        pub n: u32,
        pub status: RunStatus,
        pub is_async: bool,
        /// 0..1 while running, when known.
        pub progress: Option<f64>,
        pub task_id: Option<String>,
        pub polls: Vec<TaskPoll>,
        pub outputs: Vec<OutputView>,
        pub credits: i64,
        pub timing: Option<PhaseTimings>,
        pub error: Option<UiError>,
        pub request: Option<RequestView>,
        pub http_status: Option<u16>,
        pub request_id: Option<String>,
        /// The answer, with base64 image data elided to its length.
        pub response_raw: Option<String>,
        pub attempts: u32,
        /// From the answer in hand to every image saved with its thumbnail, ready to show.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub saved_ms: Option<f64>,
        /// The sweep axis values this target stands for (its spec's), for the grid's labels.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        #[ts(as = "Option<Vec<AxisValue>>", optional)]
        pub axes: Vec<AxisValue>,
        /// The prompt this target sent when it is not the run's (a sweep's variables expanded).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub prompt: Option<String>,
    }

    pub struct RunView {
        pub id: String,
        pub created_at: String,
        pub session_id: String,
        pub profile_id: String,
        pub profile_name: String,
        pub simulated: bool,
        pub mode: RunMode,
        pub prompt: String,
        pub aspect_ratio: Option<String>,
        pub response_format: ResponseFormatChoice,
        pub sync_mode: SyncMode,
        pub references: Vec<ReferenceView>,
        pub status: RunStatus,
        pub estimate_credits: i64,
        pub credits: i64,
        pub targets: Vec<TargetView>,
        /// The benchmark this run is one request of.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub bench_id: Option<String>,
        /// The output this edit started from.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub parent: Option<crate::lineage::OutputRef>,
    }

    pub struct RunSummary {
        pub id: String,
        pub created_at: String,
        pub prompt: String,
        pub mode: RunMode,
        pub status: RunStatus,
        pub models: Vec<String>,
        pub profile_name: String,
        pub simulated: bool,
        pub credits: i64,
        pub images: u32,
        pub thumb_url: Option<String>,
        /// The run whose output this edit started from.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub parent_run_id: Option<String>,
        /// How many runs started from this run's outputs (omitted when none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub children: Option<u32>,
    }

    /// What the benchmark form sends (the app's side of a matrix file).
    pub struct BenchInput {
        pub name: Option<String>,
        /// Prompts, each with its own reference images (file paths) if any.
        pub prompts: Vec<BenchPromptInput>,
        /// SHA-256 of stored reference images (the composer's), used by every prompt that
        /// has no images of its own: the benchmark then measures edits.
        pub references: Vec<String>,
        pub targets: Vec<TargetSpec>,
        pub repeats: u32,
        pub concurrency: u32,
        pub warmup: u32,
        pub sync_mode: SyncMode,
        pub aspect_ratio: Option<String>,
        pub response_format: ResponseFormatChoice,
        /// The most this benchmark may cost, in credits.
        pub budget: Option<i64>,
        /// Start even if a budget would be crossed.
        pub ignore_budget: bool,
    }

    pub struct BenchPromptInput {
        pub text: String,
        pub images: Vec<String>,
    }

    /// A benchmark in history (running or finished).
    pub struct BenchSummary {
        pub id: String,
        pub name: Option<String>,
        /// running, complete, cancelled, interrupted (the app stopped while it ran).
        pub status: String,
        pub started_at: String,
        pub finished_at: Option<String>,
        pub profile: String,
        pub simulated: bool,
        /// Requests planned, warm-ups included.
        pub requests: u32,
        pub succeeded: u32,
        pub failed: u32,
        pub cancelled: u32,
        pub credits: i64,
        pub usd: f64,
        pub targets: Vec<String>,
        pub elapsed_ms: Option<f64>,
        /// The full report (JSON) once finished.
        pub report_path: Option<String>,
    }

    /// A benchmark's progress, sent as the `bench-progress` event.
    pub struct BenchProgressEvent {
        pub id: String,
        pub progress: crate::bench::BenchProgress,
    }

    /// A benchmark as the app shows it: its summary, and its report once finished.
    pub struct BenchView {
        pub summary: BenchSummary,
        pub report: Option<crate::bench::BenchReport>,
        /// `pxb://localhost`: thumbnails are `{imageBase}/thumb/{sha256}`.
        pub image_base: String,
    }

    pub struct HistoryFilter {
        pub text: Option<String>,
        pub model: Option<String>,
        pub status: Option<RunStatus>,
        pub profile_id: Option<String>,
        /// RFC 3339 bounds.
        pub since: Option<String>,
        pub until: Option<String>,
        pub limit: Option<u32>,
        /// Also list the runs of benchmarks (left out by default).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub include_bench_runs: Option<bool>,
    }

    pub struct ReferenceView {
        pub sha256: String,
        pub name: String,
        pub mime: String,
        pub width: u32,
        pub height: u32,
        pub bytes: u64,
        pub thumb_url: String,
        /// Set when the file was downscaled to fit the byte limit: what it was.
        pub original_bytes: Option<u64>,
        pub original_width: Option<u32>,
        pub original_height: Option<u32>,
        /// A sentence about what was done to the file, if anything.
        pub note: Option<String>,
    }

    pub struct VariantSpend {
        pub model_id: String,
        pub images: u32,
        pub credits: i64,
        pub official_usd: Option<f64>,
    }

    pub struct SpendPoint {
        pub at: String,
        pub cumulative_credits: i64,
    }

    pub struct SessionView {
        pub id: String,
        pub name: String,
        pub started_at: String,
        pub budget_credits: Option<i64>,
        /// The profile the header shows spend for.
        pub profile_id: String,
        pub simulated: bool,
        /// Spend of this session on the current profile's kind (real or simulated).
        pub credits: i64,
        pub usd: f64,
        pub real_credits: i64,
        pub simulated_credits: i64,
        pub images: u32,
        pub failed_images: u32,
        pub success_rate: Option<f64>,
        pub avg_credits_per_image: Option<f64>,
        pub savings_usd: Option<f64>,
        pub by_variant: Vec<VariantSpend>,
        pub over_time: Vec<SpendPoint>,
        /// True at 80% of the budget or more.
        pub budget_warning: bool,
    }

}

/// A run's lifecycle, also each target's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum RunStatus {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
    Interrupted,
    Partial,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum RunMode {
    Generate,
    Edit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum SyncMode {
    Auto,
    Sync,
    Async,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ResponseFormatChoice {
    B64Json,
    Url,
}

/// How a profile asks for a variant: `size` (Pixapi's documented form: the model id and a
/// `size`) or `suffix` (the variant's name as `model`, for gateways that want it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum RequestStyle {
    #[default]
    Size,
    Suffix,
}

/// How a profile names the multipart parts of several reference images: `auto` sends one
/// image as `image` and several as `image[]` (as the official OpenAI SDKs do); `repeated`
/// sends `image` once per file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ImageParts {
    #[default]
    Auto,
    Repeated,
}

/// How a delivered image's tier is decided: by its pixel count (< 0.3 MP 512, < 1.2 MP 1K,
/// < 4.8 MP 2K, else 4K) or by its long edge against the variants' `long_edge`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TierRule {
    #[default]
    PixelCount,
    LongEdge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum KeyState {
    Sandbox,
    Stored,
    Missing,
    Env,
    Unavailable,
}

impl RunStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Done => "done",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Partial => "partial",
        }
    }
    pub fn parse(s: &str) -> RunStatus {
        match s {
            "queued" => RunStatus::Queued,
            "running" => RunStatus::Running,
            "done" => RunStatus::Done,
            "failed" => RunStatus::Failed,
            "cancelled" => RunStatus::Cancelled,
            "partial" => RunStatus::Partial,
            _ => RunStatus::Interrupted,
        }
    }
    pub fn is_terminal(&self) -> bool {
        !matches!(self, RunStatus::Queued | RunStatus::Running)
    }
}

/// What a session is when the app starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SessionMode {
    /// A new session every time the app starts (the default).
    #[default]
    NewEachStart,
    /// Go on with the last session if it was started today.
    ContinueToday,
}

impl SessionMode {
    /// The name stored in settings.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionMode::NewEachStart => "new_each_start",
            SessionMode::ContinueToday => "continue_today",
        }
    }

    /// The mode of a stored name; a name this build does not know is the default.
    pub fn from_stored(name: &str) -> SessionMode {
        [SessionMode::NewEachStart, SessionMode::ContinueToday]
            .into_iter()
            .find(|m| m.as_str() == name)
            .unwrap_or_default()
    }
}

/// The formats a table (a session, a benchmark report) exports as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ExportFormat {
    /// One row per output or request.
    Csv,
    /// Everything, as one document.
    Json,
}

impl ExportFormat {
    /// The file extension, which is also the name users type (`--format csv`).
    pub fn ext(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }
}

impl UiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        UiError { kind, message: message.into(), detail: None }
    }
}

impl std::fmt::Display for UiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for UiError {}
