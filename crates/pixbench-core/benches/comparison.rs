//! A comparison of the four 3.1 Flash variants on the Sandbox's realistic profile takes
//! the time of its slowest target, not the sum. Prints wall time / slowest target
//! (goal <= 1.10) and the peak RSS of this process.
//! `cargo bench -p pixbench-core --bench comparison`

use std::sync::Arc;
use std::time::Instant;

use pixbench_core::api::*;
use pixbench_core::secrets::MemoryStore;
use pixbench_core::{Engine, EngineConfig};

fn rss_mb(field: &str) -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = EngineConfig::new(dir.path(), Arc::new(MemoryStore::default()));
    cfg.sandbox_profile = pixapi_sim::LatencyProfile::Realistic;
    let e = Engine::open(cfg).await.unwrap();
    let models = [
        "gemini-3.1-flash-image-preview-512",
        "gemini-3.1-flash-image-preview",
        "gemini-3.1-flash-image-preview-2k",
        "gemini-3.1-flash-image-preview-4k",
    ];
    let mut ratios = vec![];
    for round in 0..3 {
        let spec = Request {
            response_format: ResponseFormatChoice::B64Json,
            mode: SyncMode::Auto,
            ..Request::new(
                format!("comparison round {round}"),
                models
                    .iter()
                    .map(|m| TargetSpec { model_id: m.to_string(), n: 4, size: None, ..Default::default() })
                    .collect(),
            )
        };
        let t = Instant::now();
        let run = e.runs.start(spec, true).await.unwrap();
        let done = e.runs.wait(&run.id).await.unwrap();
        let wall = t.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(done.status, RunStatus::Done);
        let per: Vec<f64> = done.targets.iter().map(|t| t.timing.as_ref().unwrap().total_ms).collect();
        let slowest = per.iter().cloned().fold(0.0, f64::max);
        let sum: f64 = per.iter().sum();
        println!(
            "round {round}: wall {wall:7.0} ms, slowest target {slowest:7.0} ms, sum of targets {sum:7.0} ms, ratio {:.3}",
            wall / slowest
        );
        ratios.push(wall / slowest);
    }
    let worst = ratios.iter().cloned().fold(0.0, f64::max);
    println!("RESULT comparison_wall_over_slowest={worst:.3} (goal <= 1.10)");
    println!("RESULT peak_rss_mb={:.0} (16 images of 512..4K incl. the in-process sim; goal < 500)", rss_mb("VmHWM:"));
}
