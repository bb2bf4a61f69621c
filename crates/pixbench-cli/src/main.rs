//! `pixbench`: Pixbench headless. The same core as the desktop app (an `Engine` on the same
//! data dir, so every request lands in the app's history), driven from a terminal or a
//! script: one run, one comparison, or a benchmark matrix. See `pixbench --help`.

mod code_cmd;
mod file_cmd;
mod import_cmd;
mod leaderboard;
mod lineage_cmd;
mod metrics_cmd;
mod output;
mod recipe_cmd;
mod resume_cmd;
mod sweep_cmd;
mod test_cmd;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use pixbench_core::api::*;
use pixbench_core::bench::{self, BenchPlan, BenchReport, BenchTarget, Matrix, RunOptions};
use pixbench_core::catalog::Catalog;
use pixbench_core::secrets::KeyringStore;
use pixbench_core::store::SANDBOX_ID;
use pixbench_core::{CoreError, Engine, EngineConfig};
use tokio_util::sync::CancellationToken;

/// The app's identifier: its data dir is `<platform data dir>/dev.pixbench.desktop`.
const APP_ID: &str = "dev.pixbench.desktop";

const ABOUT: &str = "Pixbench headless: run, compare and benchmark image APIs (Pixapi, or the built-in sandbox).";

const LONG_ABOUT: &str = "\
Pixbench headless: run, compare and benchmark image APIs (Pixapi, or the built-in sandbox).

Every request goes through the same core as the desktop app and is written to the same
history database when pointed at the same data dir: what you run here shows in the app.

WHERE REQUESTS GO (pick one; default: the profile currently selected in the app)
  --sandbox            an in-process Pixapi simulator: offline, no key, nothing real charged
  --profile NAME       a saved profile; its key comes from the OS keychain (or PIXAPI_KEY)
  --base-url URL       any Pixapi-compatible server; the key must be in PIXAPI_KEY
                       (a profile named \"cli URL\" is created for it, so runs show in history)
The app's selected profile is never changed by pixbench.

DATA DIR
  --data-dir DIR, else $PIXBENCH_DATA_DIR, else the app's: ~/.local/share/dev.pixbench.desktop
  on Linux (~/Library/Application Support/dev.pixbench.desktop on macOS, %APPDATA% on Windows).

OUTPUT
  stdout gets a summary table, or with --json the report as JSON (nothing else on stdout).
  stderr gets the pre-flight, progress (a bar on a terminal, plain lines otherwise) and errors.
  --out FILE.json / --out FILE.csv writes the report (CSV: one row per request, raw figures).
  Benchmark reports are also kept in DATA_DIR/benchmarks/ and listed in the app's Benchmark panel.

EXIT CODES
  0  every request succeeded
  1  some requests failed, or the run was cancelled (Ctrl-C; what finished is kept)
  2  usage or configuration error (bad arguments, bad matrix file, no key, over budget)";

const AFTER_HELP: &str = "\
EXAMPLES
  pixbench --sandbox run --prompt \"a red fox in snow\" --model gemini-3.1-flash-image-preview
  pixbench --sandbox run --prompt \"make it a poster\" --image a.png --image b.png --async
  pixbench --sandbox run --model gpt-image-2 --prompt \"a {{animal}} at dawn\" \\
      --sweep quality=low,high --sweep aspect_ratio=1:1,16:9 --var animal=fox,owl
  pixbench --profile work compare --prompt \"a lighthouse\" \\
      --target gemini-3.1-flash-image-preview-512 --target gemini-3.1-flash-image-preview-4k:2
  PIXAPI_KEY=sk_... pixbench --base-url https://api.pixapi.ai bench matrix.toml --out r.csv
  pixbench --sandbox bench matrix.toml --json > report.json
  pixbench recipe out/fox.png    # what an exported image was made with (run --recipe: again)
  pixbench leaderboard --all            # the blind A/B votes' scores (vote in the app)
  pixbench metrics a.png b.png          # SSIM / PSNR / pHash of two images
  pixbench metrics --run RUN_ID         # was the resolution worth it, per model

A MATRIX FILE (matrix.toml)
  prompts = [\"a red fox in snow\", \"a blue vintage car\"]
  targets = [\"gemini-3.1-flash-image-preview-512\", \"gemini-3.1-flash-image-preview\"]
  repeats = 2
  concurrency = 4

  See `pixbench bench --help` for every key.";

// The matrix format is written once, in docs/matrix-file.txt (the core's rustdoc shows it too).
const BENCH_AFTER_HELP: &str = concat!(
    include_str!("../../../docs/matrix-file.txt"),
    "
BEFORE IT STARTS
  The pre-flight shows the requests and the most they can cost (every image succeeding,
  warm-ups included) against the session budget and the matrix's budget. Over budget it
  stops with exit code 2 unless --yes. --dry-run shows the pre-flight and stops.

WHILE IT RUNS
  Progress: done / failed / remaining, elapsed, ETA, and per target p50 / p90 so far.
  Ctrl-C cancels cleanly: requests in flight are cancelled, finished ones are kept, the
  partial report is written, exit code 1. A second Ctrl-C quits at once.

THE REPORT
  Per target: count, success rate, latency min / p50 / p90 / p99 / max (the client's own
  timing of each successful request), time to first byte (sync) or queue wait (async)
  percentiles, credits and dollars per image, images per minute. Percentiles are
  nearest-rank: exact, always one of the samples. `samples` holds every request's raw
  figures, so anyone can recompute. Top-level `credits` is everything charged, warm-ups
  included.
  Image metrics (see `pixbench metrics --help`): each request's first image against the
  first target's for the same prompt and repeat; JSON `metrics`, CSV columns ref_seq, ssim,
  psnr_db (inf = identical), phash_distance (empty for the first target itself)."
);

#[derive(Parser)]
#[command(name = "pixbench", version, about = ABOUT, long_about = LONG_ABOUT, after_long_help = AFTER_HELP)]
struct Cli {
    #[command(flatten)]
    g: Global,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Args, Clone)]
struct Global {
    /// Use a saved profile (key from the OS keychain, or PIXAPI_KEY).
    #[arg(long, global = true, value_name = "NAME")]
    profile: Option<String>,
    /// Use any Pixapi-compatible server; the key must be in PIXAPI_KEY (or, with
    /// --gateway openai and OpenAI's own URL, in OPENAI_API_KEY).
    #[arg(long, global = true, value_name = "URL")]
    base_url: Option<String>,
    /// With --base-url: the gateway preset the server speaks (pixapi, openai,
    /// openai-compatible): its models, its billing (credits or dollars), its key variable.
    #[arg(long, global = true, value_name = "ID", requires = "base_url", default_value = "pixapi")]
    gateway: String,
    /// Use the in-process sandbox (pixapi-sim): offline, no key needed.
    #[arg(long, global = true)]
    sandbox: bool,
    /// The data dir (history database and images). Default: $PIXBENCH_DATA_DIR, else the app's.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Write the report to FILE: .json or .csv (repeatable).
    #[arg(long, global = true, value_name = "FILE")]
    out: Vec<PathBuf>,
    /// Print the report as JSON on stdout (machine output; nothing else on stdout).
    #[arg(long, global = true)]
    json: bool,
    /// Run even if the estimate crosses a budget.
    #[arg(long, global = true, visible_alias = "ignore-budget")]
    yes: bool,
    /// No progress on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// The most requests one run or benchmark may make, for this command only (default:
    /// the app's setting, 64 unless changed in Settings).
    #[arg(long, global = true, value_name = "N")]
    max_requests: Option<u32>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a benchmark matrix: prompts x targets x repeats.
    #[command(after_long_help = BENCH_AFTER_HELP)]
    Bench(BenchArgs),
    /// One generation, or an edit with --image.
    Run(RunArgs),
    /// One prompt on several targets at once, side by side.
    Compare(CompareArgs),
    /// Recent runs of the history database.
    History(HistoryArgs),
    /// The catalog: targets, variants and prices; with --sandbox, --profile or --base-url,
    /// the models that server lists too (those the catalog does not know run unpriced).
    Models,
    /// The blind A/B leaderboard: scores, intervals, W/L/T and cost per win of the votes.
    #[command(after_long_help = leaderboard::LEADERBOARD_AFTER_HELP)]
    Leaderboard(leaderboard::LeaderboardArgs),
    /// The recipe an exported image carries (prompt, model, size, fields, run, credits).
    #[command(after_long_help = recipe_cmd::RECIPE_AFTER_HELP)]
    Recipe(recipe_cmd::RecipeArgs),
    /// SSIM / PSNR / pHash of two image files, or a run's "was the resolution worth it" table.
    #[command(after_long_help = metrics_cmd::METRICS_AFTER_HELP)]
    Metrics(metrics_cmd::MetricsArgs),
    /// Where a run came from and what was made from its images, as a tree.
    #[command(after_long_help = lineage_cmd::LINEAGE_AFTER_HELP)]
    Lineage(lineage_cmd::LineageArgs),
    /// A request from elsewhere as a request file: `pixbench import curl 'curl ...' --out FILE.toml`.
    Import(import_cmd::ImportArgs),
    /// The request the flags describe as code: curl, Python or JavaScript (openai SDK), sync
    /// or async; the key is read from PIXAPI_KEY when it runs. Nothing is sent.
    #[command(after_long_help = code_cmd::CODE_AFTER_HELP)]
    Code(code_cmd::CodeArgs),
    /// The request files under PATH as a test suite: each runs, its expectations are checked per
    /// target, and the result is printed and written as JUnit XML or JSON for CI.
    #[command(after_long_help = test_cmd::TEST_AFTER_HELP)]
    Test(test_cmd::TestArgs),
    /// Takes over what a stopped Pixbench left: tasks Pixapi accepted whose images have not
    /// come yet, and runs cut off; waits for them.
    #[command(after_long_help = resume_cmd::RESUME_AFTER_HELP)]
    Resume(resume_cmd::ResumeArgs),
}

#[derive(Args)]
struct BenchArgs {
    /// The matrix file (TOML; see below).
    matrix: PathBuf,
    /// Show the pre-flight estimate and stop.
    #[arg(long)]
    dry_run: bool,
    /// Override the matrix's concurrency.
    #[arg(long, value_name = "N")]
    concurrency: Option<u32>,
    /// Override the matrix's repeats.
    #[arg(long, value_name = "N")]
    repeats: Option<u32>,
    /// Override the matrix's warm-ups per target.
    #[arg(long, value_name = "N")]
    warmup: Option<u32>,
}

#[derive(Args, Clone)]
struct RequestArgs {
    /// The prompt (required, except with `run --recipe` or `run --from-output`, where it
    /// replaces the recipe's or the run's).
    #[arg(long, short, default_value = "", hide_default_value = true)]
    prompt: String,
    /// Aspect ratio, e.g. 16:9 (must be offered by the target): sent as the target's
    /// documented WIDTHxHEIGHT for that ratio (Pixapi has no `aspect_ratio` field).
    #[arg(long, value_name = "W:H")]
    aspect_ratio: Option<String>,
    /// A reference image (repeatable): makes the request an edit.
    #[arg(long, value_name = "PATH")]
    image: Vec<PathBuf>,
    /// Use the async endpoints (submit, then poll).
    #[arg(long = "async", conflicts_with = "sync")]
    use_async: bool,
    /// Use the sync endpoints.
    #[arg(long)]
    sync: bool,
    /// How images come back: b64_json (default) or url.
    #[arg(long, value_name = "FORMAT", default_value = "b64_json")]
    response_format: String,
    /// `quality` for models that take it (gpt-image: low, medium, high, auto); priced by it.
    #[arg(long, value_name = "Q")]
    quality: Option<String>,
    /// A model-specific field, KEY=VALUE (repeatable): background, output_format,
    /// output_compression, moderation go to the models that take them; any other key goes
    /// to every target as is (other gateways). model, n, size and the images cannot be set.
    #[arg(long, value_name = "KEY=VALUE")]
    field: Vec<String>,
    /// Also copy the images into DIR.
    #[arg(long, value_name = "DIR")]
    save: Option<PathBuf>,
}

#[derive(Args)]
struct RunArgs {
    /// A saved request file (TOML) of a workspace, or a folder: every request under it, in
    /// one report. The flags given beside it override the file's values (--prompt, --model,
    /// --size, -n, --aspect-ratio, --async/--sync, --quality, --field). See docs/WORKSPACES.md.
    #[arg(value_name = "FILE|DIR", conflicts_with_all = ["recipe", "from_output"])]
    file: Option<PathBuf>,
    /// With FILE|DIR: the workspace environment (environments/NAME.toml) whose variables
    /// fill the prompt and whose profile or base URL the requests go to (unless --profile,
    /// --base-url or --sandbox is given).
    #[arg(long, value_name = "NAME", requires = "file")]
    env: Option<String>,
    #[command(flatten)]
    req: RequestArgs,
    /// The target: a catalog id or an alias (default: the profile's default model).
    #[arg(long, short, value_name = "MODEL")]
    model: Option<String>,
    /// Images to make (default 1, or a request file's).
    #[arg(long, short)]
    n: Option<u32>,
    /// 512, 1K, 2K or 4K (picks the model's variant, which sends its documented size), or
    /// WIDTHxHEIGHT (sent as `size` as is, priced by its tier).
    #[arg(long, value_name = "SIZE")]
    size: Option<String>,
    /// Make an exported image again: its recipe's prompt, model, size, fields and
    /// references (see `pixbench recipe --help`).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["model", "size", "image"])]
    recipe: Option<PathBuf>,
    /// Sweep an axis (repeatable): aspect_ratio, size, or a field the model documents
    /// (quality, output_format, background), e.g. --sweep quality=low,high. Every combination
    /// is one request of one run; the count and estimate are printed first, and a sweep past
    /// the limit (the app's Settings, default 64 requests) is refused.
    #[arg(long = "sweep", value_name = "AXIS=V1,V2", conflicts_with = "recipe")]
    sweep: Vec<String>,
    /// Values of a prompt variable (repeatable): --prompt "a {{animal}}" --var animal=fox,owl.
    #[arg(long = "var", value_name = "NAME=V1,V2", conflicts_with = "recipe")]
    vars: Vec<String>,
    /// Edit from an output of a past run, RUN[/TARGET/IMAGE] (1-based; RUN alone is its
    /// first image): its model, size, ratio and fields, and its prompt unless --prompt is
    /// given. The run records where it came from (see `pixbench lineage --help`).
    #[arg(long, value_name = "RUN[/T/I]", conflicts_with_all = ["model", "size", "image", "recipe", "sweep", "vars"])]
    from_output: Option<String>,
}

#[derive(Args)]
struct CompareArgs {
    #[command(flatten)]
    req: RequestArgs,
    /// A target, MODEL or MODEL:N (repeatable, at least two make a comparison).
    #[arg(long = "target", short = 't', value_name = "MODEL[:N]", required = true)]
    targets: Vec<String>,
}

#[derive(Args)]
struct HistoryArgs {
    /// How many runs.
    #[arg(long, default_value_t = 20)]
    limit: u32,
    /// Only runs whose prompt contains this.
    #[arg(long)]
    text: Option<String>,
}

/// Why pixbench stops early.
#[derive(Debug)]
enum CliError {
    /// Usage or configuration: exit 2.
    Config(String),
}

impl From<CoreError> for CliError {
    fn from(e: CoreError) -> Self {
        let u: UiError = e.into();
        match u.request_id {
            Some(id) => CliError::Config(format!("{}\n  request id: {}", u.message, output::clean(&id))),
            None => CliError::Config(u.message),
        }
    }
}

type Res<T> = Result<T, CliError>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PIXBENCH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error")),
        )
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("pixbench: cannot start: {e}");
            return ExitCode::from(2);
        }
    };
    let code = rt.block_on(async move {
        match dispatch(cli).await {
            Ok(code) => code,
            Err(CliError::Config(msg)) => {
                eprintln!("pixbench: {msg}");
                ExitCode::from(2)
            }
        }
    });
    // Do not wait for the Sandbox server's idle connections.
    rt.shutdown_background();
    code
}

async fn dispatch(cli: Cli) -> Res<ExitCode> {
    // `import` writes a request file with --out; every other command a report.
    check_target_flags(&cli.g, !matches!(cli.cmd, Cmd::Import(_)))?;
    match cli.cmd {
        Cmd::Bench(a) => bench_cmd(&cli.g, a).await,
        Cmd::Run(a) => run_cmd(&cli.g, a).await,
        Cmd::Compare(a) => compare_cmd(&cli.g, a).await,
        Cmd::History(a) => history_cmd(&cli.g, a).await,
        Cmd::Models => models_cmd(&cli.g).await,
        Cmd::Leaderboard(a) => leaderboard::leaderboard_cmd(&cli.g, a).await,
        Cmd::Recipe(a) => recipe_cmd::recipe_cmd(&cli.g, a).await,
        Cmd::Metrics(a) => metrics_cmd::metrics_cmd(&cli.g, a).await,
        Cmd::Lineage(a) => lineage_cmd::lineage_cmd(&cli.g, a).await,
        Cmd::Resume(a) => resume_cmd::resume_cmd(&cli.g, a).await,
        Cmd::Code(a) => code_cmd::code_cmd(&cli.g, a).await,
        Cmd::Test(a) => test_cmd::test_cmd(&cli.g, a).await,
        Cmd::Import(a) => import_cmd::import_cmd(&cli.g, a),
    }
}

fn check_target_flags(g: &Global, out_is_report: bool) -> Res<()> {
    let n = [g.sandbox, g.profile.is_some(), g.base_url.is_some()].iter().filter(|b| **b).count();
    if n > 1 {
        return Err(CliError::Config(
            "--sandbox, --profile and --base-url choose where requests go: give one of them.".into(),
        ));
    }
    for o in g.out.iter().filter(|_| out_is_report) {
        let ext = o.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        if ext != "json" && ext != "csv" {
            return Err(CliError::Config(format!("--out {}: the file must end in .json or .csv.", o.display())));
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------
// Opening the engine
// ------------------------------------------------------------------------------------

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn data_dir(g: &Global) -> Res<PathBuf> {
    let given = g.data_dir.clone().or_else(|| env_nonempty("PIXBENCH_DATA_DIR").map(PathBuf::from));
    if let Some(d) = given {
        // Absolute, so the image paths printed are usable from anywhere.
        return std::path::absolute(&d).map_err(|e| CliError::Config(format!("--data-dir {}: {e}", d.display())));
    }
    dirs::data_dir().map(|d| d.join(APP_ID)).ok_or_else(|| {
        CliError::Config("No data folder is known for this user: pass --data-dir DIR or set PIXBENCH_DATA_DIR.".into())
    })
}

/// An engine just opened, after saying what a person must know about it (a refused
/// catalog file: its line and key, and that the built-in catalog is in force).
fn opened(engine: Engine) -> Engine {
    if let Some(p) = engine.catalog.problem() {
        eprintln!("pixbench: {p}");
    }
    engine
}

/// The catalog in force for the data dir (as the engine will load it).
fn catalog_for(dir: &Path) -> Catalog {
    Catalog::load(dir).unwrap_or_else(|e| {
        eprintln!("pixbench: the catalog file was refused ({e}); the built-in catalog is in force.");
        Catalog::built_in()
    })
}

/// Opens the engine on the data dir and makes the chosen profile current for this
/// process only (the app's selection is not changed).
async fn open_engine(g: &Global, max_concurrency: u32) -> Res<(Engine, ProfileView)> {
    open_engine_resuming(g, max_concurrency, false).await
}

/// [`open_engine`]; with `resume`, it also takes over the runs a stopped process left
/// (never those of a process still running, such as the open app).
async fn open_engine_resuming(g: &Global, max_concurrency: u32, resume: bool) -> Res<(Engine, ProfileView)> {
    open_engine_with(g, max_concurrency, resume, true).await
}

/// [`open_engine_resuming`]; without `need_key`, for a command that sends nothing (`code`),
/// no key is asked for.
async fn open_engine_with(
    g: &Global,
    max_concurrency: u32,
    resume: bool,
    need_key: bool,
) -> Res<(Engine, ProfileView)> {
    let dir = data_dir(g)?;
    let mut cfg = EngineConfig::from_env(&dir, Arc::new(KeyringStore));
    if !pixbench_core::presets::exists(&g.gateway) {
        let ids: Vec<String> = pixbench_core::presets::all().into_iter().map(|p| p.id).collect();
        return Err(CliError::Config(format!(
            "--gateway {}: there is no such gateway; one of {}.",
            g.gateway,
            ids.join(", ")
        )));
    }
    let preset = pixbench_core::presets::get(&g.gateway);
    let preset_key =
        preset.key_env.as_deref().filter(|v| *v != pixapi::API_KEY_ENV).and_then(|v| std::env::var(v).ok());
    if need_key && g.base_url.is_some() && cfg.env_key.is_none() && preset_key.is_none() {
        return Err(CliError::Config(format!(
            "--base-url needs the API key in the environment variable {} (keys are never taken on the command line). Or use --profile NAME, or --sandbox.",
            preset.key_env.as_deref().unwrap_or(pixapi::API_KEY_ENV)
        )));
    }
    // The user paired this URL with the key in the same command.
    cfg.env_key_origins = g.base_url.iter().cloned().collect();
    cfg.max_concurrency = max_concurrency.max(1) as usize;
    // The open app (if any) owns the runs it has in flight; only `resume` takes over the
    // runs of a process that is gone.
    cfg.resume_unfinished = resume;
    let engine = opened(Engine::open(cfg).await?);
    if let Some(n) = g.max_requests {
        engine.settings.set_max_requests_for_now(n)?;
    }

    let profile = if g.sandbox {
        engine.profiles.use_for_process(SANDBOX_ID)?
    } else if let Some(url) = &g.base_url {
        let url = url.trim().trim_end_matches('/').to_string();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(CliError::Config(format!(
                "--base-url {url}: the URL must start with https:// (or http:// for a local server)."
            )));
        }
        let name = format!("cli {url}");
        let existing = engine.store().profiles().map_err(CoreError::from)?.into_iter().find(|p| p.name == name);
        let id = match existing {
            Some(p) if p.gateway == g.gateway => p.id,
            // The same URL named with another gateway: the profile speaks that one now.
            Some(p) => {
                engine
                    .profiles
                    .save(ProfileInput {
                        id: Some(p.id),
                        name,
                        base_url: url,
                        default_model: String::new(),
                        budget_credits: p.budget_credits,
                        request_style: None,
                        image_parts: None,
                        gateway: Some(g.gateway.clone()),
                    })?
                    .id
            }
            None => {
                engine
                    .profiles
                    .save(ProfileInput {
                        id: None,
                        name,
                        base_url: url,
                        default_model: String::new(),
                        budget_credits: None,
                        request_style: None,
                        image_parts: None,
                        gateway: Some(g.gateway.clone()),
                    })?
                    .id
            }
        };
        engine.profiles.use_for_process(&id)?
    } else if let Some(name) = &g.profile {
        let rows = engine.store().profiles().map_err(CoreError::from)?;
        let Some(p) = rows.iter().find(|p| &p.name == name || &p.id == name) else {
            let known: Vec<String> = rows.iter().map(|p| format!("“{}”", p.name)).collect();
            return Err(CliError::Config(format!(
                "There is no profile named “{name}”. Known profiles: {}.",
                known.join(", ")
            )));
        };
        engine.profiles.use_for_process(&p.id)?
    } else {
        engine.profiles.get(&engine.profiles.current_id())?
    };
    // A key problem is a configuration problem: say it before anything is sent.
    if need_key {
        engine.profiles.client_for(&profile.id)?;
    }
    Ok((engine, profile))
}

/// Cancels `cancel` on Ctrl-C; a second Ctrl-C quits at once.
fn cancel_on_ctrl_c(cancel: &CancellationToken) {
    let cancel = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\npixbench: cancelling: stopping the requests in flight and keeping what finished (Ctrl-C again to quit at once)");
            cancel.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
}

/// Writes `--out` files, prints the report (JSON or table), answers the exit code.
fn finish(g: &Global, engine: &Engine, report: &BenchReport, saved: Option<PathBuf>) -> Res<ExitCode> {
    for path in &g.out {
        bench::write_report_file(report, path)
            .map_err(|e| CliError::Config(format!("Could not write {}: {e}", path.display())))?;
        if !g.quiet {
            eprintln!("pixbench: wrote {}", path.display());
        }
    }
    if let Some(p) = saved {
        if !g.quiet {
            eprintln!("pixbench: report kept with the history: {}", p.display());
        }
    }
    if g.json {
        let mut out = std::io::stdout().lock();
        use std::io::Write;
        // A closed pipe (`| head`) is the reader's choice, not an error.
        let v = output::report_json(report);
        let _ = serde_json::to_writer_pretty(&mut out, &v).map_err(std::io::Error::other).and_then(|_| writeln!(out));
    } else {
        print!("{}", output::report_table(engine, report));
    }
    Ok(if report.all_fine() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

// ------------------------------------------------------------------------------------
// bench
// ------------------------------------------------------------------------------------

async fn bench_cmd(g: &Global, a: BenchArgs) -> Res<ExitCode> {
    let dir = data_dir(g)?;
    let catalog = catalog_for(&dir);
    let mut matrix = Matrix::load(&a.matrix, &catalog).map_err(|e| CliError::Config(e.to_string()))?;
    if let Some(c) = a.concurrency {
        matrix.concurrency = c;
    }
    if let Some(r) = a.repeats {
        matrix.repeats = r;
    }
    if let Some(w) = a.warmup {
        matrix.warmup = w;
    }
    matrix.validate(&catalog).map_err(CliError::Config)?;
    if matrix.warmup > bench::MAX_WARMUP {
        return Err(CliError::Config(format!("--warmup must be at most {}.", bench::MAX_WARMUP)));
    }
    if matrix.name.is_none() {
        matrix.name = a.matrix.file_stem().map(|s| s.to_string_lossy().into_owned());
    }
    let (engine, profile) = open_engine(g, matrix.concurrency).await?;
    let plan = BenchPlan::prepare(&engine.benchmarks, matrix)?;
    let pre = plan.preflight(&engine.benchmarks)?;
    if !g.quiet || a.dry_run {
        eprintln!(
            "pixbench: {} on {} ({}): {}",
            plan.matrix.name.as_deref().unwrap_or("benchmark"),
            profile.name,
            profile.base_url,
            pre.describe()
        );
    }
    if !pre.problems.is_empty() {
        return Err(CliError::Config(format!("The matrix cannot be sent: {}", pre.problems.join(" "))));
    }
    if a.dry_run {
        if g.json {
            println!("{}", serde_json::to_string_pretty(&pre).unwrap_or_default());
        }
        return Ok(if pre.over_budget && !g.yes { ExitCode::from(2) } else { ExitCode::SUCCESS });
    }
    if let Some(why) = pre.budget_problem() {
        if !g.yes {
            return Err(CliError::Config(format!("{why} Pass --yes to run anyway.")));
        }
        eprintln!("pixbench: over budget, running anyway (--yes).");
    }

    let cancel = CancellationToken::new();
    cancel_on_ctrl_c(&cancel);
    let mut progress = output::Progress::new(&plan, g.quiet);
    let report = bench::run(
        &engine.benchmarks,
        &plan,
        &RunOptions { ignore_budget: g.yes, bench_id: Some(bench::new_bench_id()) },
        Some(pre),
        &cancel,
        |p| progress.update(p),
    )
    .await;
    progress.finish(&report);
    let saved = match bench::save_report(&engine.benchmarks, &report) {
        Ok(p) => Some(p),
        Err(e) => {
            eprintln!("pixbench: {}", UiError::from(e).message);
            None
        }
    };
    finish(g, &engine, &report, saved)
}

// ------------------------------------------------------------------------------------
// run and compare
// ------------------------------------------------------------------------------------

/// The catalog in force, with the server's models read first when it does not know
/// `model` (a model only the server lists runs unpriced; a warning says so).
async fn catalog_knowing(g: &Global, engine: &Engine, model: &str) -> Res<Arc<Catalog>> {
    // The current profile's gateway's entries: `gpt-image-1.5` is another entry at OpenAI.
    let mut catalog = Arc::new(engine.catalog.current());
    if catalog.find(model.trim()).is_none() {
        let listed = engine.server_models.refresh().await?;
        if let Some(p) = &listed.problem {
            eprintln!("pixbench: {}", output::clean(p));
        }
        catalog = Arc::new(engine.catalog.current());
    }
    if catalog.get(model.trim()).is_some_and(|e| e.listed_by_server) && !g.quiet {
        eprintln!(
            "pixbench: “{}” is listed by the server but not in the catalog: its price is unknown, and its images are recorded as unpriced.",
            output::clean(model.trim())
        );
    }
    Ok(catalog)
}

/// A catalog entry by id, or by model id or alias (its 1K variant).
fn find_entry<'a>(catalog: &'a Catalog, model: &str) -> Res<&'a CatalogEntry> {
    let m = model.trim();
    catalog.find(m).ok_or_else(|| {
        CliError::Config(format!(
            "“{}” is not in the catalog, nor listed by the server. `pixbench models` lists the targets (with --profile or --base-url, the server's too).",
            output::clean(m)
        ))
    })
}

/// The target for `--model` and `--size` (see [`Catalog::target`]).
fn resolve_model(catalog: &Catalog, model: &str, size: Option<&str>, n: u32) -> Res<TargetSpec> {
    catalog.target(model, size, n).map_err(|e| CliError::Config(output::clean(&e).replace("size ", "--size ")))
}

/// `--quality` and `--field KEY=VALUE` as the run's model-specific fields.
fn field_options(req: &RequestArgs) -> Res<Option<serde_json::Map<String, serde_json::Value>>> {
    let mut m = serde_json::Map::new();
    if let Some(q) = &req.quality {
        m.insert("quality".into(), serde_json::Value::String(q.clone()));
    }
    for f in &req.field {
        let Some((k, v)) = f.split_once('=').filter(|(k, _)| !k.trim().is_empty()) else {
            return Err(CliError::Config(format!("--field {f}: use KEY=VALUE, e.g. --field background=opaque.")));
        };
        m.insert(k.trim().to_string(), serde_json::Value::String(v.trim().to_string()));
    }
    Ok((!m.is_empty()).then_some(m))
}

/// The request the flags describe (reference files stored first).
fn request_of(
    engine: &Engine,
    req: &RequestArgs,
    targets: Vec<TargetSpec>,
    options: Option<serde_json::Map<String, serde_json::Value>>,
) -> Res<Request> {
    let references = if req.image.is_empty() {
        vec![]
    } else {
        engine.references.add_paths(&req.image)?.into_iter().map(|r| r.sha256).collect()
    };
    let response_format = match req.response_format.as_str() {
        "b64_json" => ResponseFormatChoice::B64Json,
        "url" => ResponseFormatChoice::Url,
        other => return Err(CliError::Config(format!("--response-format {other}: use b64_json or url."))),
    };
    Ok(Request {
        aspect_ratio: req.aspect_ratio.clone(),
        response_format,
        mode: if req.use_async {
            SyncMode::Async
        } else if req.sync {
            SyncMode::Sync
        } else {
            SyncMode::Auto
        },
        images: references,
        fields: options,
        ..Request::new(req.prompt.clone(), targets)
    })
}

/// Pre-flight (the count and the most it costs, printed), run, wait (Ctrl-C cancels), report.
async fn run_request(g: &Global, engine: &Engine, request: Request, save: Option<&Path>) -> Res<ExitCode> {
    let started_at = pixbench_core::store::now_rfc3339();
    let t0 = Instant::now();
    let done = send_and_wait(g, engine, request).await?;
    if let Some(dir) = save {
        let n = engine.exports.images(&done.id, dir)?;
        if !g.quiet {
            eprintln!("pixbench: copied {n} image(s) to {}", dir.display());
        }
    }
    let report = bench::report_of_run(&engine.benchmarks, &done, t0.elapsed().as_secs_f64() * 1000.0, started_at);
    finish(g, engine, &report, None)
}

/// Pre-flight (the count and the most it costs, printed; refused over the budget unless
/// --yes), then the run, waited for (Ctrl-C cancels), its outputs listed on stderr.
async fn send_and_wait(g: &Global, engine: &Engine, request: Request) -> Res<RunView> {
    let est = engine.runs.estimate(&request)?;
    if !g.quiet {
        sweep_cmd::say_plan(&est);
    }
    if !est.problems.is_empty() {
        return Err(CliError::Config(format!("The request cannot be sent: {}", est.problems.join(" "))));
    }
    if !g.quiet {
        let budget = est
            .budget_credits
            .map(|b| format!("; budget {b} credits, {} spent", est.spent.credits))
            .unwrap_or_default();
        eprintln!(
            "pixbench: {} request(s), up to {} credits (${:.2}){}{}{}",
            est.count,
            est.total.credits,
            est.total.usd,
            if est.total.unpriced > 0 {
                format!(" + {} image(s) of unknown price", est.total.unpriced)
            } else {
                String::new()
            },
            if est.simulated { ", simulated" } else { "" },
            budget
        );
    }
    if est.over_budget && !g.yes && est.total.unpriced > 0 {
        return Err(CliError::Config(format!(
            "The price of {} image(s) is unknown (a model only the server lists), so this run cannot be held to the budget of {} credits. Nothing was sent. Pass --yes to run anyway.",
            est.total.unpriced,
            est.budget_credits.unwrap_or(0)
        )));
    }
    if est.over_budget && !g.yes {
        return Err(CliError::Config(format!(
            "This could cost up to {} credits, which crosses the budget of {} credits ({} spent). Nothing was sent. Pass --yes to run anyway.",
            est.total.credits,
            est.budget_credits.unwrap_or(0),
            est.spent.credits
        )));
    }
    let run = engine.runs.start(request, g.yes).await?;
    let cancel = CancellationToken::new();
    cancel_on_ctrl_c(&cancel);
    let spinner = output::Spinner::new(g.quiet, &run);
    // Until the run has done all it can now: a task Pixapi accepted whose images have not
    // come is left waiting for the app (or `pixbench resume`) to collect.
    let done = tokio::select! {
        v = engine.runs.wait_settled(&run.id) => v,
        _ = cancel.cancelled() => {
            engine.runs.cancel(&run.id);
            engine.runs.wait_settled(&run.id).await
        }
    }?;
    spinner.finish();
    resume_cmd::say_what_is_waited_for(g, &done);
    if !g.json && !g.quiet {
        eprint!("{}", output::run_outputs(engine, &done));
    }
    Ok(done)
}

async fn run_cmd(g: &Global, a: RunArgs) -> Res<ExitCode> {
    if let Some(path) = &a.file {
        return file_cmd::run_files(g, &a, path).await;
    }
    if let Some(file) = &a.recipe {
        return recipe_cmd::run_recipe(g, &a, file).await;
    }
    if let Some(from) = &a.from_output {
        return lineage_cmd::run_from_output(g, &a, from).await;
    }
    let (engine, profile) = open_engine(g, 1).await?;
    let (request, _) = request_from_flags(
        g,
        &engine,
        &profile,
        &a.req,
        a.model.as_deref(),
        a.size.as_deref(),
        a.n.unwrap_or(1),
        &a.sweep,
        &a.vars,
    )
    .await?;
    run_request(g, &engine, request, a.req.save.as_deref()).await
}

/// The request `run`'s flags describe (`code` takes the same), and the catalog it was
/// resolved in.
#[allow(clippy::too_many_arguments)]
async fn request_from_flags(
    g: &Global,
    engine: &Engine,
    profile: &ProfileView,
    req: &RequestArgs,
    model: Option<&str>,
    size: Option<&str>,
    n: u32,
    sweep: &[String],
    vars: &[String],
) -> Res<(Request, Arc<Catalog>)> {
    let model = model.map(str::to_string).unwrap_or_else(|| profile.default_model.clone());
    let catalog = catalog_knowing(g, engine, &model).await?;
    let target = resolve_model(&catalog, &model, size, n)?;
    let options = field_options(req)?;
    let mut request = request_of(engine, req, vec![target], options)?;
    sweep_cmd::add_sweep(&mut request, sweep, vars)?;
    Ok((request, catalog))
}

async fn compare_cmd(g: &Global, a: CompareArgs) -> Res<ExitCode> {
    let (engine, _) = open_engine(g, a.targets.len() as u32).await?;
    // The profile's gateway's entries: a model id may be another entry at another gateway.
    let catalog = engine.catalog.current();
    let mut targets = Vec::new();
    for t in &a.targets {
        let bt = BenchTarget::parse(t, 1).map_err(|e| CliError::Config(format!("--target {e}")))?;
        let id = find_entry(&catalog, &bt.model)?.id.clone();
        targets.push(TargetSpec { model_id: id, n: bt.n, size: None, ..Default::default() });
    }
    let options = field_options(&a.req)?;
    let request = request_of(&engine, &a.req, targets, options)?;
    run_request(g, &engine, request, a.req.save.as_deref()).await
}

// ------------------------------------------------------------------------------------
// history and models
// ------------------------------------------------------------------------------------

async fn history_cmd(g: &Global, a: HistoryArgs) -> Res<ExitCode> {
    let (engine, _) = open_engine_plain(g).await?;
    // The CLI lists every run, a benchmark's requests included.
    let filter =
        HistoryFilter { text: a.text, limit: Some(a.limit), include_bench_runs: Some(true), ..Default::default() };
    let rows = engine.runs.history(&filter)?;
    if g.json {
        println!("{}", serde_json::to_string_pretty(&rows).unwrap_or_default());
    } else {
        print!("{}", output::history_table(&rows));
    }
    Ok(ExitCode::SUCCESS)
}

/// The catalog; with a server (--sandbox, --profile, --base-url), what it lists too.
async fn models_cmd(g: &Global) -> Res<ExitCode> {
    if !g.sandbox && g.profile.is_none() && g.base_url.is_none() {
        let catalog = catalog_for(&data_dir(g)?);
        if g.json {
            println!("{}", serde_json::to_string_pretty(&catalog.view()).unwrap_or_default());
        } else {
            print!("{}", output::models_table(&catalog));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (engine, _) = open_engine(g, 1).await?;
    let listed = engine.server_models.refresh().await?;
    // The profile's gateway's entries; the models only its server lists come below.
    let mut catalog = engine.catalog.current();
    catalog.entries.retain(|e| !e.listed_by_server);
    if g.json {
        let v = serde_json::json!({ "catalog": catalog.view(), "server": listed });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        print!("{}", output::models_table(&catalog));
        print!("{}", output::server_models_table(&listed));
    }
    Ok(ExitCode::SUCCESS)
}

/// For read-only commands: no key needed.
async fn open_engine_plain(g: &Global) -> Res<(Engine, ())> {
    let dir = data_dir(g)?;
    let mut cfg = EngineConfig::from_env(&dir, Arc::new(KeyringStore));
    cfg.resume_unfinished = false;
    Ok((opened(Engine::open(cfg).await?), ()))
}
