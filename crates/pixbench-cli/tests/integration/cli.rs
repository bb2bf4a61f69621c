//! The built `pixbench` binary against a pixapi-sim started here (over loopback, with
//! `--base-url` and `PIXAPI_API_KEY`) or against its own in-process Sandbox: reports,
//! credits against the server's ledger, injected failures, exit codes, the history
//! database, Ctrl-C. Every test uses a fresh data dir.

use std::path::PathBuf;
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use pixapi_sim::{SimConfig, SimServer};
use pixbench_core::api::{HistoryFilter, RunStatus};
use pixbench_core::secrets::MemoryStore;
use pixbench_core::{Engine, EngineConfig};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_pixbench");
const KEY: &str = "sk_cli_test_0123456789";

const SMALLEST: &str = r#"prompts = ["a red fox in snow", "a blue vintage car"]
targets = ["gemini-3.1-flash-image-preview-512", "gemini-3.1-flash-image-preview"]
repeats = 2
concurrency = 4
"#;

async fn sim() -> SimServer {
    SimServer::start(SimConfig { keys: vec![KEY.into()], credits: 1_000_000, ..Default::default() })
        .await
        .expect("sim starts")
}

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env { dir: tempfile::tempdir().unwrap() }
    }
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn cmd(&self, key: Option<&str>, args: &[&str]) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(BIN);
        c.arg("--data-dir").arg(self.data()).args(args);
        c.env_remove("PIXAPI_KEY")
            .env_remove("PIXAPI_API_KEY")
            .env_remove("PIXBENCH_DATA_DIR")
            .env("HOME", self.dir.path());
        if let Some(k) = key {
            // The documented variable (docs/authentication/: `export PIXAPI_KEY=...`).
            c.env("PIXAPI_KEY", k);
        }
        c.stdin(std::process::Stdio::null());
        c
    }
    async fn run(&self, key: Option<&str>, args: &[&str]) -> Output {
        self.cmd(key, args).output().await.expect("pixbench runs")
    }
    /// An engine on the same data dir, as the app would open it afterwards.
    async fn engine(&self) -> Engine {
        Engine::open(EngineConfig::new(self.data(), Arc::new(MemoryStore::default()))).await.unwrap()
    }
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", String::from_utf8_lossy(&o.stdout), stderr(o))
    })
}

async fn inject(sim: &SimServer, fault: Value) {
    let r = reqwest::Client::new().post(format!("{}/__sim/faults", sim.base_url())).json(&fault).send().await.unwrap();
    assert!(r.status().is_success(), "fault refused: {}", r.text().await.unwrap());
}

async fn charged(sim: &SimServer) -> i64 {
    let v: Value = reqwest::get(format!("{}/__sim/state", sim.base_url())).await.unwrap().json().await.unwrap();
    v["charged"].as_i64().unwrap()
}

fn target<'a>(report: &'a Value, model: &str) -> &'a Value {
    report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["model"] == model)
        .unwrap_or_else(|| panic!("no target {model}"))
}

fn all_history() -> HistoryFilter {
    HistoryFilter { include_bench_runs: Some(true), ..Default::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_smallest_matrix_against_a_server_reports_what_it_charged() {
    let sim = sim().await;
    let env = Env::new();
    let m = env.file("matrix.toml", SMALLEST);
    let csv_path = env.path("out/report.csv");
    let json_path = env.path("report.json");
    let o = env
        .run(
            Some(KEY),
            &[
                "--base-url",
                &sim.base_url(),
                "--json",
                "--out",
                csv_path.to_str().unwrap(),
                "--out",
                json_path.to_str().unwrap(),
                "bench",
                m.to_str().unwrap(),
            ],
        )
        .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let r = json(&o);
    assert_eq!(r["requests"], 8);
    assert_eq!(r["succeeded"], 8);
    assert_eq!(r["failed"], 0);
    assert_eq!(r["status"], "complete");
    assert_eq!(r["credits"].as_i64().unwrap(), charged(&sim).await, "report credits = what the server charged");
    assert_eq!(r["credits"], 32);
    assert_eq!(r["simulated"], false);
    assert_eq!(r["percentile_method"], "nearest-rank");
    for model in ["gemini-3.1-flash-image-preview-512", "gemini-3.1-flash-image-preview"] {
        let t = target(&r, model);
        assert_eq!(t["count"], 4);
        assert_eq!(t["succeeded"], 4);
        assert_eq!(t["credits"], 16);
        assert_eq!(t["credits_per_image"], 4.0);
        assert!((t["usd_per_image"].as_f64().unwrap() - 0.04).abs() < 1e-9);
        let (min, p50, p90, p99, max) = (
            t["min_ms"].as_f64().unwrap(),
            t["p50_ms"].as_f64().unwrap(),
            t["p90_ms"].as_f64().unwrap(),
            t["p99_ms"].as_f64().unwrap(),
            t["max_ms"].as_f64().unwrap(),
        );
        assert!(min > 0.0 && min <= p50 && p50 <= p90 && p90 <= p99 && p99 <= max, "{t}");
        assert!(t["ttfb_p50_ms"].as_f64().unwrap() <= p50);
        assert!(t["images_per_minute"].as_f64().unwrap() > 0.0);
        // the p50 is one of the raw samples (nearest rank), recomputable from them
        let mut lat: Vec<f64> = r["samples"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["model"] == model && s["ok"] == true)
            .map(|s| s["total_ms"].as_f64().unwrap())
            .collect();
        lat.sort_by(f64::total_cmp);
        assert_eq!(lat.len(), 4);
        assert_eq!(p50, lat[1], "nearest rank: ceil(0.5 * 4) = 2nd sample");
        assert_eq!(p99, lat[3]);
    }
    let samples = r["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 8);
    assert!(samples.iter().all(|s| s["run_id"].is_string() && s["http_status"] == 200 && s["images"] == 1));

    // --out: the same report as JSON, and one CSV row per request
    let file: Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    assert_eq!(file["credits"], r["credits"]);
    let mut rdr = csv::Reader::from_path(&csv_path).unwrap();
    assert!(rdr.headers().unwrap().iter().any(|h| h == "total_ms"));
    assert_eq!(rdr.records().count(), 8);
    // kept with the history
    let kept: Vec<_> = std::fs::read_dir(env.data().join("benchmarks")).unwrap().collect();
    assert_eq!(kept.len(), 1);

    // The app, opening the same data dir, sees the 8 runs; its own profile choice is untouched.
    let e = env.engine().await;
    let h = e.runs.history(&all_history()).unwrap();
    assert_eq!(h.len(), 8);
    assert!(h.iter().all(|r| r.status == RunStatus::Done && r.profile_name == format!("cli {}", sim.base_url())));
    assert_eq!(e.profiles.current_id(), "sandbox", "pixbench does not change the app's selected profile");
    // ... and lists the benchmark, with the report the CLI wrote, its runs tagged with it.
    let benches = e.benchmarks.list().unwrap();
    assert_eq!(benches.len(), 1);
    assert_eq!(
        (benches[0].status.as_str(), benches[0].requests, benches[0].credits),
        ("complete", 8, r["credits"].as_i64().unwrap())
    );
    let view = e.benchmarks.get(&benches[0].id).unwrap();
    assert_eq!(view.report.expect("the CLI's report").samples.len(), 8);
    assert_eq!(r["id"].as_str(), Some(benches[0].id.as_str()));
    let run_id = r["samples"][0]["run_id"].as_str().unwrap();
    assert_eq!(e.store().run_row(run_id).unwrap().spec.bench_id.as_deref(), Some(benches[0].id.as_str()));
    assert_eq!(e.store().setting("current_profile").unwrap(), None);
    // a second run reuses the same profile
    let o = env.run(Some(KEY), &["--base-url", &sim.base_url(), "--quiet", "bench", m.to_str().unwrap()]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let cli_profiles = e.profiles.list().unwrap().into_iter().filter(|p| p.name.starts_with("cli ")).count();
    assert_eq!(cli_profiles, 1);
    assert_eq!(e.runs.history(&all_history()).unwrap().len(), 16);
    // the human table on stdout
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("p50") && table.contains("gemini-3.1-flash-image-preview-512"), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_requests_are_counted_as_failures_and_exit_1() {
    let sim = sim().await;
    let env = Env::new();
    let m = env.file("matrix.toml", SMALLEST);
    // 422 is not retried: exactly two requests of the 512 target fail.
    inject(
        &sim,
        serde_json::json!({"kind": "status", "status": 422, "count": 2, "model": "gemini-3.1-flash-image-preview-512"}),
    )
    .await;
    let o = env.run(Some(KEY), &["--base-url", &sim.base_url(), "--json", "bench", m.to_str().unwrap()]).await;
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let r = json(&o);
    assert_eq!((r["requests"].as_i64(), r["succeeded"].as_i64(), r["failed"].as_i64()), (Some(8), Some(6), Some(2)));
    let t = target(&r, "gemini-3.1-flash-image-preview-512");
    assert_eq!((t["count"].as_i64(), t["succeeded"].as_i64(), t["failed"].as_i64()), (Some(4), Some(2), Some(2)));
    assert_eq!(t["success_rate"], 0.5);
    assert_eq!(t["credits"], 8);
    assert_eq!(target(&r, "gemini-3.1-flash-image-preview")["failed"], 0);
    assert_eq!(r["credits"].as_i64().unwrap(), charged(&sim).await);
    assert_eq!(r["credits"], 24);
    let failed: Vec<&Value> = r["samples"].as_array().unwrap().iter().filter(|s| s["ok"] == false).collect();
    assert_eq!(failed.len(), 2);
    assert!(
        failed.iter().all(|s| s["http_status"] == 422 && s["error_kind"] == "prompt_rejected" && s["attempts"] == 1),
        "{failed:?}"
    );
    // the failed runs are in history too
    let e = env.engine().await;
    let h = e.runs.history(&all_history()).unwrap();
    assert_eq!(h.iter().filter(|r| r.status == RunStatus::Failed).count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_exhausts_its_retries_fails_once() {
    let sim = sim().await;
    let env = Env::new();
    let m = env.file(
        "matrix.toml",
        "prompts = [\"one\", \"two\"]\ntargets = [\"gemini-3.1-flash-image-preview\"]\nconcurrency = 1\nmode = \"sync\"\n",
    );
    // Three 500s: the first request's three attempts, one after the other.
    inject(
        &sim,
        serde_json::json!({"kind": "status", "status": 500, "count": 3, "model": "gemini-3.1-flash-image-preview"}),
    )
    .await;
    let o =
        env.run(Some(KEY), &["--base-url", &sim.base_url(), "--json", "--quiet", "bench", m.to_str().unwrap()]).await;
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let r = json(&o);
    assert_eq!((r["succeeded"].as_i64(), r["failed"].as_i64()), (Some(1), Some(1)));
    let s = &r["samples"][0];
    assert_eq!(
        (s["ok"].as_bool(), s["attempts"].as_i64(), s["http_status"].as_i64()),
        (Some(false), Some(3), Some(500))
    );
    assert_eq!(r["samples"][1]["ok"], true);
    assert_eq!(r["credits"].as_i64().unwrap(), charged(&sim).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_matrix_is_exit_2_with_line_and_field_and_sends_nothing() {
    let sim = sim().await;
    let env = Env::new();
    let m = env.file(
        "bad.toml",
        "prompts = [\"a\"]\ntargets = [\n  \"gemini-3.1-flash-image-preview\",\n  \"gemini-3.1-flash-image-preview-8k\",\n]\n",
    );
    let o = env.run(Some(KEY), &["--base-url", &sim.base_url(), "bench", m.to_str().unwrap()]).await;
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("bad.toml: line 4: field `targets[1]`"), "{err}");
    assert!(err.contains("not in the catalog"), "{err}");
    let m =
        env.file("bad2.toml", "prompts = [\"a\"]\ntargets = [\"gemini-3.1-flash-image-preview\"]\nrepeats = \"two\"\n");
    let o = env.run(Some(KEY), &["--base-url", &sim.base_url(), "bench", m.to_str().unwrap()]).await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("line 3: field `repeats`"), "{}", stderr(&o));
    let o =
        env.run(Some(KEY), &["--base-url", &sim.base_url(), "bench", env.path("missing.toml").to_str().unwrap()]).await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("cannot read"), "{}", stderr(&o));
    assert_eq!(sim.state().requests, 0);
    assert!(o.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_errors_are_exit_2() {
    let env = Env::new();
    let m = env.file("matrix.toml", SMALLEST);
    let m = m.to_str().unwrap();
    // --base-url without a key in the environment
    let o = env.run(None, &["--base-url", "http://127.0.0.1:9", "bench", m]).await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("PIXAPI_KEY"), "{}", stderr(&o));
    // two destinations
    let o = env.run(None, &["--sandbox", "--profile", "x", "bench", m]).await;
    assert_eq!(code(&o), 2);
    // an unknown profile
    let o = env.run(None, &["--profile", "nobody", "bench", m]).await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("nobody"), "{}", stderr(&o));
    // bad usage (clap)
    let o = env.run(None, &["bench"]).await;
    assert_eq!(code(&o), 2);
    let o = env.run(None, &["--sandbox", "--out", "x.txt", "bench", m]).await;
    assert_eq!(code(&o), 2);
    let o = env.run(None, &["--sandbox", "run", "--prompt", "x", "--model", "gemini-7"]).await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("not in the catalog"), "{}", stderr(&o));
    let o = env
        .run(None, &["--sandbox", "run", "--prompt", "x", "--model", "gemini-2.5-flash-image", "--size", "4K"])
        .await;
    assert_eq!(code(&o), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_needs_no_key_and_warmups_are_left_out_of_the_figures() {
    let env = Env::new();
    let m = env.file("matrix.toml", &format!("warmup = 1\n{SMALLEST}"));
    let o = env.run(None, &["--sandbox", "--json", "bench", m.to_str().unwrap()]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let r = json(&o);
    assert_eq!(r["simulated"], true);
    assert_eq!(r["profile"], "Sandbox");
    assert_eq!(r["requests"], 10);
    assert_eq!(r["warmup_requests"], 2);
    assert_eq!(r["credits"], 40, "warm-ups are charged");
    assert_eq!(r["warmup_credits"], 8);
    assert_eq!(r["preflight"]["credits"], 40, "and estimated");
    for t in r["targets"].as_array().unwrap() {
        assert_eq!(t["count"], 4, "{t}");
        assert_eq!(t["credits"], 16);
    }
    let samples = r["samples"].as_array().unwrap();
    let first_measured = samples
        .iter()
        .filter(|s| s["warmup"] == false)
        .map(|s| s["start_ms"].as_f64().unwrap())
        .fold(f64::MAX, f64::min);
    let last_warmup_end =
        samples.iter().filter(|s| s["warmup"] == true).map(|s| s["end_ms"].as_f64().unwrap()).fold(0.0, f64::max);
    assert!(first_measured >= last_warmup_end, "warm-ups finish before measuring starts");
    let e = env.engine().await;
    assert_eq!(e.runs.history(&all_history()).unwrap().len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_mode_reports_queue_wait() {
    let env = Env::new();
    let m = env.file(
        "matrix.toml",
        "prompts = [\"slowly\"]\ntargets = [\"gemini-3.1-flash-image-preview-512\"]\nrepeats = 2\nconcurrency = 2\nmode = \"async\"\n",
    );
    let o = env.run(None, &["--sandbox", "--json", "--quiet", "bench", m.to_str().unwrap()]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let r = json(&o);
    let t = &r["targets"][0];
    assert!(t["queue_wait_p50_ms"].as_f64().unwrap() > 0.0, "{t}");
    assert!(t["ttfb_p50_ms"].is_null());
    assert!(r["samples"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["is_async"] == true && s["polls"].as_i64().unwrap() >= 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_budget_stops_a_benchmark_before_it_sends_unless_yes() {
    let sim = sim().await;
    let env = Env::new();
    let m = env.file("matrix.toml", &format!("budget = 20\n{SMALLEST}"));
    let m = m.to_str().unwrap();
    let o = env.run(Some(KEY), &["--base-url", &sim.base_url(), "bench", m]).await;
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("32 credits") && err.contains("budget of 20") && err.contains("--yes"), "{err}");
    assert_eq!(sim.state().requests, 0, "nothing was sent");
    // --dry-run shows the estimate and sends nothing
    let o = env.run(Some(KEY), &["--base-url", &sim.base_url(), "--yes", "--json", "bench", "--dry-run", m]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pre = json(&o);
    assert_eq!(
        (pre["credits"].as_i64(), pre["requests"].as_i64(), pre["over_budget"].as_bool()),
        (Some(32), Some(8), Some(true))
    );
    assert_eq!(sim.state().requests, 0);
    let o = env.run(Some(KEY), &["--base-url", &sim.base_url(), "--yes", "--quiet", "bench", m]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(charged(&sim).await, 32);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_cancels_cleanly_and_keeps_what_finished() {
    let sim = sim().await;
    let env = Env::new();
    let m = env.file(
        "matrix.toml",
        "prompts = [\"a\", \"b\", \"c\", \"d\"]\ntargets = [\"gemini-3.1-flash-image-preview-512\"]\nrepeats = 3\nconcurrency = 2\nmode = \"sync\"\n",
    );
    // Every request takes about 400 ms more: 12 requests, 2 at a time, would take ~2.4 s.
    inject(&sim, serde_json::json!({"kind": "slow", "delay_ms": 400, "count": 100})).await;
    let out = env.path("partial.json");
    let mut child = env
        .cmd(Some(KEY), &["--base-url", &sim.base_url(), "--out", out.to_str().unwrap(), "bench", m.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until two requests have finished (plain progress lines on a pipe), then Ctrl-C.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut err_text = String::new();
    let mut finished = 0;
    while finished < 2 {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("progress")
            .unwrap()
            .expect("still running");
        if line.starts_with('[') && line.contains("/12]") {
            finished += 1;
        }
        err_text.push_str(&line);
        err_text.push('\n');
    }
    let pid = child.id().unwrap();
    let st = tokio::process::Command::new("kill").args(["-INT", &pid.to_string()]).status().await.unwrap();
    assert!(st.success());
    let rest = tokio::spawn(async move {
        let mut t = String::new();
        while let Ok(Some(l)) = lines.next_line().await {
            t.push_str(&l);
            t.push('\n');
        }
        t
    });
    let mut o =
        tokio::time::timeout(Duration::from_secs(10), child.wait_with_output()).await.expect("stops promptly").unwrap();
    err_text.push_str(&rest.await.unwrap());
    o.stderr = err_text.into_bytes();
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("cancelling"), "{}", stderr(&o));
    let r: Value = serde_json::from_slice(&std::fs::read(&out).expect("the partial report is written")).unwrap();
    assert_eq!(r["status"], "cancelled");
    let (ok, cancelled, not_started) =
        (r["succeeded"].as_i64().unwrap(), r["cancelled"].as_i64().unwrap(), r["not_started"].as_i64().unwrap());
    assert!(ok >= 2, "what finished is kept: {r}");
    assert!(not_started >= 1, "{r}");
    assert_eq!(r["failed"], 0, "cancelled requests are not failures");
    assert_eq!(ok + cancelled + not_started, 12);
    assert_eq!(r["samples"].as_array().unwrap().len() as i64, ok + cancelled);
    // cancelled sync requests are not charged by the server; the report agrees with it
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(r["credits"].as_i64().unwrap(), charged(&sim).await);
    let e = env.engine().await;
    let h = e.runs.history(&all_history()).unwrap();
    assert_eq!(h.len() as i64, ok + cancelled);
    assert!(h.iter().all(|r| r.status == RunStatus::Done || r.status == RunStatus::Cancelled), "no run left running");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_and_compare_on_the_sandbox() {
    let env = Env::new();
    // one generation, with a variant picked by --size
    let o = env
        .run(
            None,
            &[
                "--sandbox",
                "--json",
                "run",
                "--prompt",
                "a red fox",
                "--model",
                "nano-banana-2",
                "--size",
                "512",
                "--sync",
            ],
        )
        .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let r = json(&o);
    assert_eq!(r["requests"], 1);
    assert_eq!(r["targets"][0]["model"], "gemini-3.1-flash-image-preview-512");
    assert_eq!(r["samples"][0]["images"], 1);
    assert_eq!(r["credits"], 4);

    // an alias with an explicit 4K size: estimated, charged and recorded at 4K (8), not at
    // the alias's 1K price
    let o = env
        .run(
            None,
            &[
                "--sandbox",
                "--json",
                "run",
                "--prompt",
                "a red fox",
                "--model",
                "nano-banana-2",
                "--size",
                "4096x4096",
                "--sync",
            ],
        )
        .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let r = json(&o);
    assert_eq!(r["credits"], 8, "{r}");
    assert_eq!(r["targets"][0]["model"], "gemini-3.1-flash-image-preview-4k");

    // an edit with two reference images, saved with readable names
    let png = |rgb: [u8; 3]| {
        let img = image::RgbImage::from_pixel(32, 32, image::Rgb(rgb));
        let mut out = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
        out
    };
    std::fs::write(env.path("a.png"), png([200, 0, 0])).unwrap();
    std::fs::write(env.path("b.png"), png([0, 0, 200])).unwrap();
    let save = env.path("saved");
    let o = env
        .run(
            None,
            &[
                "--sandbox",
                "run",
                "--prompt",
                "make it a poster",
                "--model",
                "gemini-3.1-flash-image-preview",
                "--n",
                "2",
                "--image",
                env.path("a.png").to_str().unwrap(),
                "--image",
                env.path("b.png").to_str().unwrap(),
                "--save",
                save.to_str().unwrap(),
            ],
        )
        .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("1024x1024"), "{}", stderr(&o));
    assert_eq!(std::fs::read_dir(&save).unwrap().count(), 2);

    // a comparison of two targets in one run
    let o = env
        .run(
            None,
            &[
                "--sandbox",
                "--json",
                "compare",
                "--prompt",
                "a lighthouse",
                "--target",
                "gemini-3.1-flash-image-preview-512",
                "--target",
                "gemini-3.1-flash-image-preview:2",
            ],
        )
        .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let r = json(&o);
    assert_eq!(r["targets"].as_array().unwrap().len(), 2);
    assert_eq!(r["images"], 3);
    assert_eq!(r["credits"], 12);
    let run_ids: std::collections::HashSet<&str> =
        r["samples"].as_array().unwrap().iter().map(|s| s["run_id"].as_str().unwrap()).collect();
    assert_eq!(run_ids.len(), 1, "one run with two targets");

    // gpt-image-2 priced by its quality matrix (low at 1K: 1 credit)
    let o = env
        .run(
            None,
            &[
                "--sandbox",
                "--json",
                "run",
                "--prompt",
                "a lighthouse",
                "--model",
                "gpt-image-2",
                "--quality",
                "low",
                "--sync",
            ],
        )
        .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["credits"], 1);
    // a typed field cannot be overridden by --field
    let o = env.run(None, &["--sandbox", "run", "--prompt", "x", "--field", "size=4096x4096"]).await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("size"), "{}", stderr(&o));

    let e = env.engine().await;
    let h = e.runs.history(&all_history()).unwrap();
    assert_eq!(h.len(), 5);
    // what was sent is recorded: the documented model id and size, never a suffixed id
    let sent: Vec<String> = h
        .iter()
        .flat_map(|r| e.runs.get(&r.id).unwrap().targets)
        .map(|t| {
            let j = t.request.unwrap().json_body.unwrap_or_default();
            format!("{} {}", j["model"].as_str().unwrap_or("multipart"), j["size"].as_str().unwrap_or(""))
        })
        .collect();
    assert!(sent.contains(&"gemini-3.1-flash-image-preview 4096x4096".to_string()), "{sent:?}");
    assert!(sent.contains(&"gemini-3.1-flash-image-preview 512x512".to_string()), "{sent:?}");
    // history subcommand
    let o = env.run(None, &["history", "--json"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o).as_array().unwrap().len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_is_the_manual() {
    let env = Env::new();
    let o = env.run(None, &["--help"]).await;
    assert_eq!(code(&o), 0);
    let text = String::from_utf8_lossy(&o.stdout);
    for s in
        ["bench", "run", "compare", "--sandbox", "--base-url", "PIXAPI_KEY", "EXIT CODES", "prompts = [", "repeats = 2"]
    {
        assert!(text.contains(s), "--help lacks {s}:\n{text}");
    }
    let o = env.run(None, &["bench", "--help"]).await;
    let text = String::from_utf8_lossy(&o.stdout);
    for s in ["warmup", "prompts_file", "[[prompt]]", "nearest-rank", "Ctrl-C"] {
        assert!(text.contains(s), "bench --help lacks {s}");
    }
}

/// Polls the data dir's database (as a second reader) until `f` holds; bounded.
async fn wait_db(env: &Env, what: &str, mut f: impl FnMut(&pixbench_core::store::Store) -> bool) {
    let t = std::time::Instant::now();
    loop {
        if let Ok(store) = pixbench_core::store::Store::open(&env.data().join("pixbench.sqlite")) {
            if f(&store) {
                return;
            }
        }
        assert!(t.elapsed() < std::time::Duration::from_secs(30), "timed out waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

fn only_run(store: &pixbench_core::store::Store) -> Option<(String, RunStatus)> {
    let runs = store.history(&all_history()).ok()?;
    runs.first().map(|r| (r.id.clone(), r.status))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_opening_the_data_dir_leaves_the_clis_run_in_flight_alone() {
    let sim = sim().await;
    // The CLI's sync request takes 3 s to answer: the app opens meanwhile.
    inject(&sim, serde_json::json!({"kind": "slow", "delay_ms": 3000, "path": "/v1/images/generations"})).await;
    let env = Env::new();
    let cli = env
        .cmd(
            Some(KEY),
            &[
                "--base-url",
                &sim.base_url(),
                "--quiet",
                "run",
                "--prompt",
                "mine",
                "--model",
                "gemini-3.1-flash-image-preview",
                "--sync",
            ],
        )
        .spawn()
        .unwrap();
    wait_db(&env, "the CLI's run", |s| matches!(only_run(s), Some((_, RunStatus::Running)))).await;
    let (run_id, _) =
        only_run(&pixbench_core::store::Store::open(&env.data().join("pixbench.sqlite")).unwrap()).unwrap();

    let app = env.engine().await;
    // Recovery is decided while opening: the run stays the CLI's, and is not interrupted.
    let owner = app.store().run_owner(&run_id).unwrap();
    assert!(owner.is_some() && owner.as_deref() != Some(pixbench_core::owner::this_process()), "{owner:?}");
    assert_eq!(app.runs.get(&run_id).unwrap().status, RunStatus::Running);
    let benches = app.store().benchmarks(10).unwrap();
    assert!(benches.iter().all(|b| b.status == "running"), "the CLI's benchmark is not marked interrupted");

    let out = cli.wait_with_output().await.unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let done = app.runs.get(&run_id).unwrap();
    assert_eq!(done.status, RunStatus::Done, "{:?}", done.targets[0].error);
    assert_eq!(done.targets[0].outputs.len(), 1);
    assert_eq!(charged(&sim).await, 4);
    assert_eq!(done.cost.credits, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_clis_async_run_is_taken_over_by_the_next_engine_and_charged_once() {
    let sim = sim().await;
    inject(&sim, serde_json::json!({"kind": "slow", "delay_ms": 2000, "path": "/v1/images/generations"})).await;
    let env = Env::new();
    let mut cli = env
        .cmd(
            Some(KEY),
            &[
                "--base-url",
                &sim.base_url(),
                "--quiet",
                "run",
                "--prompt",
                "orphan",
                "--model",
                "gemini-3.1-flash-image-preview",
                "--async",
            ],
        )
        .spawn()
        .unwrap();
    wait_db(&env, "the task id", |s| {
        only_run(s).and_then(|(id, _)| s.targets(&id).ok()).is_some_and(|t| t[0].task_id.is_some())
    })
    .await;
    cli.kill().await.unwrap(); // SIGKILL: its owner lock goes with it
    let (run_id, status) =
        only_run(&pixbench_core::store::Store::open(&env.data().join("pixbench.sqlite")).unwrap()).unwrap();
    assert_eq!(status, RunStatus::Running);

    let mut cfg = EngineConfig::new(env.data(), Arc::new(MemoryStore::default()));
    cfg.env_key = Some(KEY.into());
    cfg.env_key_origins = vec![sim.base_url()];
    let app = Engine::open(cfg).await.unwrap();
    assert_eq!(app.store().run_owner(&run_id).unwrap().as_deref(), Some(pixbench_core::owner::this_process()));
    let done = app.runs.wait(&run_id).await.unwrap();
    assert_eq!(done.status, RunStatus::Done, "{:?}", done.targets[0].error);
    assert_eq!(charged(&sim).await, 4, "the task was polled, not sent again");
    assert_eq!(done.cost.credits, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_whose_polls_fail_is_left_waiting_and_resume_collects_it() {
    let sim = sim().await;
    let env = Env::new();
    // Every poll of the accepted task is refused: `run` returns once the run has done all
    // it can, says which task is waited for, and exits 1; nothing is resubmitted.
    inject(&sim, serde_json::json!({"kind": "status", "status": 401, "count": 1000, "path": "/v1/tasks"})).await;
    let base = sim.base_url();
    let out = env
        .run(
            Some(KEY),
            &[
                "--base-url",
                &base,
                "run",
                "--async",
                "--model",
                "gemini-3.1-flash-image-preview",
                "--prompt",
                "a heron",
            ],
        )
        .await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("accepted 1 task(s)") && err.contains("pixbench resume"), "{err}");
    assert_eq!(sim.state().tasks, 1);
    // The server answers again: `resume` takes the run over and collects the paid image.
    reqwest::Client::new().delete(format!("{base}/__sim/faults")).send().await.unwrap();
    let out = env.run(Some(KEY), &["--base-url", &base, "resume", "--wait"]).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let st = sim.state();
    assert_eq!(st.tasks, 1, "never resubmitted");
    assert_eq!(st.charged, 4);
    let e = env.engine().await;
    let runs = e.runs.history(&HistoryFilter::default()).unwrap();
    assert_eq!(runs[0].status, RunStatus::Done);
    assert_eq!(runs[0].cost.credits, 4, "the ledger has it once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_request_prints_the_servers_request_id_on_its_own_line() {
    let sim = sim().await;
    let env = Env::new();
    for shape in ["integer", "string"] {
        inject(&sim, serde_json::json!({"kind": "status", "status": 402, "shape": shape})).await;
        let o = env
            .run(
                Some(KEY),
                &["--base-url", &sim.base_url(), "run", "--prompt", "x", "--model", "gemini-3.1-flash-image-preview"],
            )
            .await;
        let err = stderr(&o);
        assert_eq!(code(&o), 1, "{err}");
        assert!(err.contains("Not enough credits"), "{err}");
        let line = err.lines().find(|l| l.trim_start().starts_with("request id: ")).unwrap_or_else(|| panic!("{err}"));
        let id = line.trim_start().trim_start_matches("request id: ");
        assert!(id.starts_with("req_") && !id.contains(' '), "{shape}: {line}");
        assert_eq!(err.matches(id).count(), 1, "the id once, on its own line: {err}");
    }
}
