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
        /// The server's id for the failed request, to quote to its support (Pixapi:
        /// "Log request_id when available"): shown with a copy button wherever the error is.
        #[serde(default)]
        pub request_id: Option<String>,
    }

    pub struct AppInfo {
        pub version: String,
        pub data_dir: String,
        /// The data dir's catalog file in force over the built-in one, if there is one.
        pub catalog_file: Option<String>,
        /// Why the data dir's catalog file was refused (its line and key); the built-in
        /// catalog is in force then.
        pub catalog_problem: Option<String>,
        /// The ids of built-in entries that file changes, and of the entries it adds.
        pub catalog_changed: Vec<String>,
        pub catalog_added: Vec<String>,
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
        /// How an edit carries its reference images: file parts, or base64 data URLs in a
        /// JSON `image` field (a model whose page documents `image` as an input image URL).
        #[serde(default)]
        pub edit_images: EditImages,
        /// No price is known (a model only the server lists, or a catalog file's entry
        /// without `credits`): estimates cannot bound it, outputs are ledgered unpriced.
        #[serde(default)]
        pub unpriced: bool,
        /// Not in the catalog: listed by the profile's server (`GET /v1/models`).
        #[serde(default)]
        pub listed_by_server: bool,
        /// The gateway whose catalog the entry is in (a preset's `catalog`: `pixapi`,
        /// `openai`); the composer offers the current profile's gateway's entries.
        #[serde(default)]
        pub gateway: String,
        /// Dollars per image by `size` and `quality`, for a gateway that bills in dollars
        /// (OpenAI's published table); empty for one that bills in credits.
        #[serde(default)]
        pub usd_prices: Vec<UsdPrice>,
        /// Dollars per million tokens: what an answer's `usage` is charged, where it has one.
        #[serde(default)]
        pub token_usd: Option<TokenRates>,
        /// The model always answers `b64_json` and refuses `response_format` (OpenAI's spec
        /// for the gpt-image models): it is not sent.
        #[serde(default)]
        pub b64_only: bool,
    }

    /// One cell of a dollar price table: an image of `size` at `quality`.
    pub struct UsdPrice {
        pub size: String,
        pub quality: String,
        pub usd: f64,
    }

    /// Dollars per million tokens of each kind an images answer's `usage` counts.
    pub struct TokenRates {
        pub text_input: f64,
        pub image_input: f64,
        pub image_output: f64,
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
        /// The most requests one run may make, its sweep, variables and data rows counted
        /// (default 64); `None` when saving keeps it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub max_requests: Option<u32>,
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
        /// The gateway preset it speaks to (`pixapi`, `openai`, `openai-compatible`).
        #[serde(default)]
        pub gateway: String,
        /// What its gateway bills in (from the preset).
        #[serde(default)]
        pub billing: BillingUnit,
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
        /// A gateway preset's id; `None` keeps the profile's (or `pixapi`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub gateway: Option<String>,
    }

    /// A gateway preset: what a new profile starts from and what a profile speaks to (its
    /// catalog, its billing, where its key may come from). One data file each.
    pub struct GatewayPreset {
        pub id: String,
        pub name: String,
        pub description: String,
        /// Filled into a new profile; empty when the user gives one.
        pub base_url: String,
        /// The environment variable a key may come from, honoured only for `base_url`'s host.
        pub key_env: Option<String>,
        /// The `gateway` of the built-in catalog entries it offers.
        pub catalog: String,
        /// The entry a new profile runs when none is chosen; empty: the server's first.
        pub default_model: String,
        pub billing: BillingUnit,
        pub request_style: RequestStyle,
        pub image_parts: ImageParts,
        /// Whether it has Pixapi's async task endpoints.
        pub async_tasks: bool,
        /// `pixapi-sim --flavour`: the Sandbox mode that behaves like it.
        pub sandbox_flavour: String,
        pub docs_url: Option<String>,
    }

    /// The models a profile's server lists (`GET /v1/models`), as last read.
    pub struct ServerModels {
        pub profile_id: String,
        /// When they were read (RFC 3339); none before the first read.
        pub fetched_at: Option<String>,
        pub models: Vec<ListedModel>,
        /// Why the last read failed, if it did (the list is then the one before).
        pub problem: Option<String>,
    }

    pub struct ListedModel {
        /// As the server lists it.
        pub id: String,
        pub owned_by: Option<String>,
        /// The catalog entries of this model (its variants); empty when the catalog does
        /// not know it (it is offered as "listed by the server", price unknown).
        pub entry_ids: Vec<String>,
    }

    /// A run's images saved into a folder the user chose (`export_images`).
    pub struct ImagesSaved {
        pub count: u32,
        /// The folder, as the toast names it and "Show in folder" opens it.
        pub dir: String,
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

    /// What a user asks, whole: one prompt (a template when it names `{{variables}}`), its
    /// targets and options, the images it edits (none: a generation), and a sweep's axes
    /// and variables. The one request type: the composer sends it to `estimate` and
    /// `run_start`, a recipe and "edit from this" hand it back, the CLI builds it from its
    /// flags, and a saved request file and a benchmark matrix's entries are it written
    /// down (in the matrix file's words: `mode` is sync | async | auto, `fields` the
    /// model-specific fields).
    #[derive(PartialEq)]
    pub struct Request {
        /// The prompt; `{{name}}` is filled by each value of the variable `name` (`vars`).
        pub prompt: String,
        /// Catalog entries, each with its `n` (and its own `size`, aspect ratio or fields).
        pub targets: Vec<TargetSpec>,
        /// e.g. "16:9"; `None` for the model's default (square).
        #[serde(default)]
        pub aspect_ratio: Option<String>,
        /// sync, async, or auto (async for the large variants, as the contract advises).
        #[serde(default)]
        pub mode: SyncMode,
        #[serde(default)]
        pub response_format: ResponseFormatChoice,
        /// SHA-256 of stored reference images, in order: a request with images is an edit.
        #[serde(default)]
        pub images: Vec<String>,
        /// Model-specific fields (`quality`, `background`, ...): each goes to the targets whose
        /// catalog entry lists it; any other key goes to every target as is (other gateways).
        /// Fields the request types (`model`, `prompt`, `n`, `size`, `response_format`,
        /// images) cannot be set here.
        #[serde(default)]
        pub fields: Option<serde_json::Map<String, serde_json::Value>>,
        /// Axes swept: every combination is one request of the run.
        #[serde(default)]
        pub sweep: Vec<SweepAxis>,
        /// Values of the prompt's `{{variables}}`: each multiplies the requests.
        #[serde(default)]
        pub vars: Vec<SweepVariable>,
        /// The output this edit starts from (its lineage): checked to be an output of that
        /// run, and recorded with the run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub parent: Option<OutputRef>,
        /// The workspace environment that filled the prompt's `{{variables}}`, as recorded
        /// with the run. Set by whoever fills them (the app's shell, the CLI), never trusted
        /// from the UI.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub environment: Option<RunEnvironment>,
    }

    /// A request ready for the composer, not sent, and the reference images it names (with
    /// their thumbnails), e.g. "edit from this output".
    pub struct RunDraft {
        pub request: Request,
        pub references: Vec<ReferenceView>,
    }

    /// What something costs or may cost. `credits` are what a gateway that bills in credits
    /// (Pixapi) charges; `usd` is the whole in dollars (credits at the catalog's rate, plus
    /// what a gateway that bills in dollars charges); `unpriced` counts the images the
    /// catalog could not price (a model only the server lists): when it is not zero, the
    /// figures are the priced part only and the whole is unknown.
    #[derive(Default, PartialEq)]
    pub struct Cost {
        pub credits: i64,
        pub usd: f64,
        pub unpriced: u32,
    }

    /// How one delivered output was billed: the tier asked, the tier its delivered size
    /// falls in (which sets the price), and what that cost. The sentence a person reads is
    /// the UI's to write from these.
    #[derive(PartialEq)]
    pub struct Billing {
        /// e.g. "4K": the tier of the catalog entry the target asked for.
        pub asked_tier: String,
        /// e.g. "2K": the tier of the delivered size (`OutputView.width` × `height`).
        pub billed_tier: String,
        /// The catalog entry whose price applied (the billed tier's).
        pub billed_entry: String,
        pub cost: Cost,
    }

    /// The balance of a session as each output is recorded (the `spend-updated` event):
    /// a running sum, not a re-read of the ledger.
    pub struct SessionSpend {
        pub session_id: String,
        /// The kind the figures are of: the current profile's (real or simulated).
        pub simulated: bool,
        pub spent: Cost,
        pub images: u32,
        pub budget_credits: Option<i64>,
        /// True at 80% of the budget or more.
        pub budget_warning: bool,
    }

    pub struct TargetEstimate {
        pub model_id: String,
        pub n: u32,
        /// Requests this target makes (its sweep's combinations; 1 without a sweep).
        pub requests: u32,
        /// One image, as asked.
        pub per_image: Cost,
        /// All its images.
        pub cost: Cost,
        /// The `size` this target will send.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub size: Option<String>,
        /// The price is a floor ("from N credits"): the server may charge more.
        #[serde(default)]
        pub price_from: bool,
    }

    /// The pre-flight: what a request makes and costs at most, and whether it may be sent;
    /// computed without expanding its sweep.
    pub struct Estimate {
        /// Requests it makes: targets × the sweep's combinations (an axis a model does not
        /// take counts once for it) × the variables' values.
        pub count: u32,
        /// The user's limit on `count` (`Settings.maxRequests`).
        pub limit: u32,
        /// One per target of the request (with all its sweep's requests).
        pub targets: Vec<TargetEstimate>,
        /// The most it costs if every image is delivered and billed as asked.
        pub total: Cost,
        pub simulated: bool,
        pub budget_credits: Option<i64>,
        /// What this session has spent on this kind (real or simulated), with what the runs
        /// in flight may still cost.
        pub spent: Cost,
        /// The budget would be crossed if every image succeeded.
        pub over_budget: bool,
        /// Reasons the request would be refused; empty when it can be sent.
        pub problems: Vec<String>,
        /// The sweep's axes as a preview shows them (models, fields, variables); empty
        /// without a sweep.
        pub axes: Vec<SweepAxisPlan>,
        /// What a person should know, e.g. which axis is not sent to which model.
        pub notes: Vec<String>,
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
        pub billing: Billing,
        pub rating: Option<u8>,
        pub note: Option<String>,
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
        /// What its delivered outputs were billed (the sum of theirs).
        #[serde(default)]
        pub cost: Cost,
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
        /// Set while the server's accepted task is waited for in the background.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub waiting: Option<TaskWait>,
        /// The pixel size asked for (the catalog's, for the `size` sent), shown while the
        /// image is on its way; none when the catalog cannot say.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub expected_size: Option<PixelSize>,
    }

    /// A width and a height in pixels.
    pub struct PixelSize {
        pub width: u32,
        pub height: u32,
    }

    /// An accepted task whose outcome has not reached Pixbench: the server has it (and
    /// may charge it), so it is checked again until it delivers, the server says it
    /// failed, or the user gives it up.
    pub struct TaskWait {
        /// When the waiting began (RFC 3339).
        pub since: String,
        /// Checks made since.
        pub checks: u32,
        /// When the next check is due (RFC 3339); none while one is going.
        pub next_check_at: Option<String>,
        /// Why the last check did not deliver, for a person.
        pub last_problem: Option<String>,
        /// The user had cancelled it after the server accepted it.
        pub after_cancel: bool,
    }

    pub struct RunView {
        pub id: String,
        pub created_at: String,
        pub session_id: String,
        pub profile_id: String,
        pub profile_name: String,
        pub simulated: bool,
        /// A generation, or an edit of `references`.
        pub kind: RunKind,
        /// The request as it was run (a sweep's axes and variables included).
        pub request: Request,
        pub prompt: String,
        pub aspect_ratio: Option<String>,
        pub response_format: ResponseFormatChoice,
        pub mode: SyncMode,
        pub references: Vec<ReferenceView>,
        pub status: RunStatus,
        /// The most it could cost, as estimated when it started.
        pub estimate: Cost,
        /// What its delivered outputs were billed.
        pub cost: Cost,
        pub targets: Vec<TargetView>,
        /// The benchmark this run is one request of.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub bench_id: Option<String>,
        /// The output this edit started from.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        pub parent: Option<OutputRef>,
    }

    pub struct RunSummary {
        pub id: String,
        pub created_at: String,
        pub prompt: String,
        pub kind: RunKind,
        pub status: RunStatus,
        pub models: Vec<String>,
        pub profile_name: String,
        pub simulated: bool,
        pub cost: Cost,
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
        pub progress: BenchProgress,
    }

    /// A benchmark as the app shows it: its summary, and its report once finished.
    pub struct BenchView {
        pub summary: BenchSummary,
        pub report: Option<BenchReport>,
        /// `pxb://localhost`: thumbnails are `{imageBase}/thumb/{sha256}`.
        pub image_base: String,
    }

    /// Every field empty: the most recent runs, of any kind (benchmark runs left out).
    #[derive(Default)]
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
        pub cost: Cost,
        pub official_usd: Option<f64>,
    }

    pub struct SpendPoint {
        pub at: String,
        pub cumulative_credits: i64,
    }

    /// A run of an earlier session that this start resumed (its async tasks polled again):
    /// what it has cost so far counts in its own session, not the current one.
    pub struct ResumedRun {
        pub run_id: String,
        pub prompt: String,
        pub session_id: String,
        pub started_at: String,
        pub status: RunStatus,
        pub cost: Cost,
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
        pub spent: Cost,
        pub real_spent: Cost,
        pub simulated_spent: Cost,
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

/// What pressing Run did: the run started, or nothing was sent and the estimate says why
/// (its `problems`, or `over_budget` when the budget would be crossed and the user has not
/// said "run anyway"). One call answers both, so the UI asks nothing before it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(tag = "outcome", rename_all = "camelCase")]
#[ts(export)]
pub enum RunStart {
    Started { run: Box<RunView> },
    Refused { estimate: Box<Estimate> },
}

/// How an edit sends its reference images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum EditImages {
    /// `multipart/form-data`, one file part per image.
    #[default]
    Files,
    /// JSON, `image` a base64 data URL (an array for several).
    DataUrl,
}

/// A run's lifecycle, also each target's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum RunStatus {
    Queued,
    Running,
    /// The server accepted the task, but its outcome has not reached Pixbench: it is
    /// checked again in the background until it delivers, the server says it failed, or
    /// the user gives it up (see `TargetView::waiting`).
    Waiting,
    Done,
    Failed,
    Cancelled,
    Interrupted,
    Partial,
}

/// What a run does: a generation, or an edit of reference images (a request with images).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum RunKind {
    Generate,
    Edit,
}

/// How a request is sent: sync, async (submit a task, then poll it), or auto (async for
/// the variants whose catalog entry says so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum SyncMode {
    #[default]
    Auto,
    Sync,
    Async,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ResponseFormatChoice {
    #[default]
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

/// What a gateway bills in: credits (Pixapi), dollars (OpenAI), or nothing known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum BillingUnit {
    #[default]
    Credits,
    Usd,
    Unknown,
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
            RunStatus::Waiting => "waiting",
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
            "waiting" => RunStatus::Waiting,
            "done" => RunStatus::Done,
            "failed" => RunStatus::Failed,
            "cancelled" => RunStatus::Cancelled,
            "partial" => RunStatus::Partial,
            _ => RunStatus::Interrupted,
        }
    }
    pub fn is_terminal(&self) -> bool {
        !matches!(self, RunStatus::Queued | RunStatus::Running | RunStatus::Waiting)
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

impl Request {
    /// A generation, or an edit of its images.
    pub fn kind(&self) -> RunKind {
        if self.images.is_empty() {
            RunKind::Generate
        } else {
            RunKind::Edit
        }
    }

    /// A request of `prompt` to these targets, with every option at its default.
    pub fn new(prompt: impl Into<String>, targets: Vec<TargetSpec>) -> Request {
        Request {
            prompt: prompt.into(),
            targets,
            aspect_ratio: None,
            mode: SyncMode::Auto,
            response_format: ResponseFormatChoice::B64Json,
            images: vec![],
            fields: None,
            sweep: vec![],
            vars: vec![],
            parent: None,
            environment: None,
        }
    }
}

impl Cost {
    /// Nothing.
    pub const ZERO: Cost = Cost { credits: 0, usd: 0.0, unpriced: 0 };

    /// A price in credits, worth `credit_usd` dollars each.
    pub fn credits(credits: i64, credit_usd: f64) -> Cost {
        Cost { credits, usd: round_micros(credits as f64 * credit_usd), unpriced: 0 }
    }

    /// A price in dollars (a gateway that bills in dollars).
    pub fn dollars(usd: f64) -> Cost {
        Cost { credits: 0, usd: round_micros(usd), unpriced: 0 }
    }

    /// `n` images the catalog cannot price.
    pub fn unpriced(n: u32) -> Cost {
        Cost { credits: 0, usd: 0.0, unpriced: n }
    }

    /// The whole is known (nothing unpriced in it).
    pub fn is_known(&self) -> bool {
        self.unpriced == 0
    }

    /// `n` of these.
    pub fn times(&self, n: u32) -> Cost {
        Cost {
            credits: self.credits.saturating_mul(n as i64),
            usd: round_micros(self.usd * n as f64),
            unpriced: self.unpriced.saturating_mul(n),
        }
    }
}

impl std::ops::Add for Cost {
    type Output = Cost;
    fn add(self, o: Cost) -> Cost {
        Cost {
            credits: self.credits.saturating_add(o.credits),
            usd: round_micros(self.usd + o.usd),
            unpriced: self.unpriced.saturating_add(o.unpriced),
        }
    }
}

impl std::ops::AddAssign for Cost {
    fn add_assign(&mut self, o: Cost) {
        *self = self.clone() + o;
    }
}

impl std::iter::Sum for Cost {
    fn sum<I: Iterator<Item = Cost>>(it: I) -> Cost {
        it.fold(Cost::ZERO, |a, b| a + b)
    }
}

/// Dollars to the micro-dollar: sums of many small prices do not drift (a price may be a
/// fraction of a cent, so cents are only for display).
fn round_micros(usd: f64) -> f64 {
    (usd * 1e6).round() / 1e6
}

/// The longest prompt Pixbench reads or builds, in characters (a recipe's, one that
/// variables fill).
pub const MAX_PROMPT_CHARS: usize = 32_000;

impl UiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        UiError { kind, message: message.into(), detail: None, request_id: None }
    }
}

impl std::fmt::Display for UiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for UiError {}

// The IPC types of each area, declared after `ipc!` so they can use it.
mod bench;
mod lineage;
mod metrics;
mod recipe;
mod sweep;
mod votes;
mod workspace;
pub use bench::*;
pub use lineage::*;
pub use metrics::*;
pub use recipe::*;
pub use sweep::*;
pub use votes::*;
pub use workspace::*;
