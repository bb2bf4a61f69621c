//! Runner overhead: what a benchmark reports for a request to the Sandbox (pixapi-sim,
//! fast profile, in-process, loopback) against the latency the simulator was configured
//! to add (512: 5 ms, 1K: 8 ms; `x-sim-latency-ms`) and the time it says it spent
//! (`x-sim-server-ms`, from its request log).
//!
//! `cargo bench -p pixbench-cli --bench runner_overhead` (requests per target from
//! `PIXBENCH_BENCH_N`, default 200). Goal: reported p50 - configured latency < 2 ms.
//!
//! Each target runs through the real path: `bench::run` -> `Engine::run_start` (stored
//! in a history database before it is sent) -> the pixapi client -> the simulator ->
//! decode -> the image stored and thumbnailed -> `Engine::wait_run`. Sync mode,
//! b64_json, one request in flight (concurrency 1) after 5 warm-ups, the same prompt each
//! time (the simulator caches the PNG, so its own time stays flat). Then the same at
//! concurrency 4 for reference.
//!
//! Figures:
//! - `reported`: the report's latency (`total_ms`, the client's timing of the call).
//! - `server`: the simulator's handling time of the same requests (`x-sim-server-ms`).
//! - `over cfg`: reported p50 - configured latency: everything that is not the
//!   configured wait (loopback HTTP, the PNG drawn on a cache miss, base64, JSON, decode).
//! - `client`: p50 of (reported - server) per request: the client side alone.
//! - `wall`: p50 from `run_start` to the stored result (history rows, PNG written,
//!   thumbnail made): what a benchmark's throughput pays per request, not its latency.

use std::sync::Arc;

use pixbench_core::api::SyncMode;
use pixbench_core::bench::{self, percentile, sorted, BenchPlan, BenchPrompt, BenchTarget, Matrix, RunOptions};
use pixbench_core::secrets::MemoryStore;
use pixbench_core::{Engine, EngineConfig};
use tokio_util::sync::CancellationToken;

const GOAL_MS: f64 = 2.0;

struct Row {
    label: String,
    configured: f64,
    reported: Vec<f64>,
    server: Vec<f64>,
    client: Vec<f64>,
    wall: Vec<f64>,
    failed: u32,
}

async fn measure(engine: &Engine, model: &str, configured: f64, n: u32, concurrency: u32) -> Row {
    engine.sandbox().reset();
    let mut m = Matrix::new(
        vec![BenchPrompt { text: "a red fox in snow, overhead bench".into(), images: vec![] }],
        vec![BenchTarget { model: model.into(), n: 1, axes: vec![] }],
    );
    m.repeats = n;
    m.warmup = 5;
    m.concurrency = concurrency;
    m.mode = SyncMode::Sync;
    let plan = BenchPlan::prepare(&engine.benchmarks, m).expect("plan");
    let report = bench::run(
        &engine.benchmarks,
        &plan,
        &RunOptions { ignore_budget: true, ..Default::default() },
        None,
        &CancellationToken::new(),
        |_| {},
    )
    .await;
    let measured: Vec<&bench::Sample> = report.samples.iter().filter(|s| !s.warmup && s.ok).collect();
    // The simulator's log, in arrival order; with one request in flight it pairs with the samples.
    let log: Vec<f64> = engine
        .sandbox()
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/images/generations" && r.status == 200)
        .map(|r| r.server_ms)
        .collect();
    let server: Vec<f64> = log.iter().skip(5).copied().collect();
    let client: Vec<f64> = if concurrency == 1 && server.len() == measured.len() {
        measured.iter().zip(&server).map(|(s, srv)| s.total_ms.unwrap_or(f64::NAN) - srv).collect()
    } else {
        vec![]
    };
    Row {
        label: format!("{model} (c={concurrency})"),
        configured,
        reported: sorted(measured.iter().filter_map(|s| s.total_ms)),
        server: sorted(server),
        client: sorted(client),
        wall: sorted(measured.iter().map(|s| s.wall_ms)),
        failed: report.failed,
    }
}

fn f(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.3}")).unwrap_or_else(|| "-".into())
}

fn main() {
    let n: u32 = std::env::var("PIXBENCH_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut cfg = EngineConfig::new(dir.path(), Arc::new(MemoryStore::default()));
        cfg.max_concurrency = 4;
        let engine = Engine::open(cfg).await.expect("engine");
        println!("runner overhead: {n} sync b64_json requests per row after 5 warm-ups, Sandbox fast profile, ms");
        println!(
            "{:<46} {:>4} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "target", "cfg", "rep p50", "rep p90", "rep p99", "srv p50", "over cfg", "client", "wall p50"
        );
        let mut verdict = Vec::new();
        for (model, configured, c) in [
            ("gemini-3.1-flash-image-preview-512", 5.0, 1),
            ("gemini-3.1-flash-image-preview", 8.0, 1),
            ("gemini-3.1-flash-image-preview", 8.0, 4),
        ] {
            let r = measure(&engine, model, configured, n, c).await;
            let p50 = percentile(&r.reported, 50.0);
            let over = p50.map(|p| p - r.configured);
            println!(
                "{:<46} {:>4} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}{}",
                r.label,
                r.configured,
                f(p50),
                f(percentile(&r.reported, 90.0)),
                f(percentile(&r.reported, 99.0)),
                f(percentile(&r.server, 50.0)),
                f(over),
                f(percentile(&r.client, 50.0)),
                f(percentile(&r.wall, 50.0)),
                if r.failed > 0 { format!("  ({} failed)", r.failed) } else { String::new() }
            );
            if c == 1 {
                let sim_own = percentile(&r.server, 50.0).map(|p| p - r.configured);
                verdict.push((r.label, over, sim_own, percentile(&r.client, 50.0)));
            }
        }
        for (label, over, sim_own, client) in verdict {
            let ok = over.is_some_and(|o| o < GOAL_MS);
            println!(
                "{label}: reported p50 - configured = {} ms (goal < {GOAL_MS} ms): {}; of it, the simulator's own time past its configured latency (server p50 - configured) {} ms and the client side (p50 of reported - server) {} ms",
                f(over),
                if ok { "ok" } else { "OVER" },
                f(sim_own),
                f(client)
            );
        }
    });
}
