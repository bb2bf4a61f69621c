//! History at scale: fills a database with 10,000 runs, then measures opening it and
//! listing / filtering the history as the sidebar does. Goal: under 50 ms.
//! `cargo bench -p pixbench-core --bench history`

use std::time::Instant;

use pixbench_core::api::HistoryFilter;
use pixbench_core::store::Store;
use rusqlite::params;

const RUNS: usize = 10_000;

fn filter() -> HistoryFilter {
    HistoryFilter::default()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pixbench.sqlite");
    let words = ["fox", "car", "lighthouse", "teapot", "forest", "city", "portrait", "poster", "logo", "ocean"];
    let models = [
        "gemini-3.1-flash-image-preview-512",
        "gemini-3.1-flash-image-preview",
        "gemini-3.1-flash-image-preview-4k",
        "gemini-2.5-flash-image",
    ];
    {
        let store = Store::open(&path).unwrap();
        let t = Instant::now();
        store
            .with_transaction(|tx| {
                for i in 0..RUNS {
                    let id = format!("run-{i:06}");
                    let prompt = format!("a {} number {i} in the style {}", words[i % 10], words[(i / 10) % 10]);
                    let model = models[i % 4];
                    let spec = serde_json::json!({"mode":"generate","prompt":prompt,"targets":[{"modelId":model,"n":1}],"aspectRatio":null,"responseFormat":"b64_json","syncMode":"auto","references":[],"options":null,"ignoreBudget":false});
                    tx.execute(
                        "INSERT INTO runs(id, session_id, profile_id, profile_name, simulated, created_at, mode, prompt, models, spec_json, status, estimate_credits, credits) VALUES(?1,'s','sandbox','Sandbox',1,?2,'generate',?3,?4,?5,'done',4,4)",
                        params![id, format!("2026-01-01T00:{:02}:{:02}.{:06}Z", (i / 60) % 60, i % 60, i), prompt, format!(",{model},"), spec.to_string()],
                    )?;
                    tx.execute(
                        "INSERT INTO outputs(run_id, target_idx, idx, sha256, width, height, bytes, credits) VALUES(?1,0,0,?2,1024,1024,1000000,4)",
                        params![id, format!("{:064x}", i)],
                    )?;
                }
                Ok(())
            })
            .unwrap();
        println!("filled {RUNS} runs in {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);
    }
    let t = Instant::now();
    let store = Store::open(&path).unwrap();
    let first = store.history(&filter()).unwrap();
    let open_ms = t.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(first.len(), 200);
    println!("open + first page (200 newest of {RUNS}): {open_ms:.2} ms");

    let cases: Vec<(&str, HistoryFilter)> = vec![
        ("newest 200", filter()),
        ("text 'lighthouse'", HistoryFilter { text: Some("lighthouse".into()), ..filter() }),
        ("text 'number 9999'", HistoryFilter { text: Some("number 9999".into()), ..filter() }),
        ("model 4k", HistoryFilter { model: Some("gemini-3.1-flash-image-preview-4k".into()), ..filter() }),
        (
            "text + model",
            HistoryFilter {
                text: Some("fox".into()),
                model: Some("gemini-3.1-flash-image-preview-512".into()),
                ..filter()
            },
        ),
    ];
    let mut worst: f64 = open_ms;
    for (name, f) in cases {
        let samples: Vec<f64> = (0..30)
            .map(|_| {
                let t = Instant::now();
                let rows = store.history(&f).unwrap();
                std::hint::black_box(rows);
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        let m = median(samples.clone());
        let max = samples.iter().cloned().fold(0.0, f64::max);
        worst = worst.max(m);
        println!("filter {name:<22} median {m:6.2} ms  max {max:6.2} ms");
    }
    println!("RESULT history_10k_worst_median_ms={worst:.2} (goal < 50)");
}
