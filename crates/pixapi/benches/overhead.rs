//! Client overhead over curl and over a bare reqwest call, for the same sync 1K
//! `b64_json` generation against an in-process simulator (fast profile).
//!
//! `cargo bench -p pixapi --bench overhead` (N from `PIXAPI_BENCH_N`, default 50).
//!
//! Methods, each run N times in sequence after a warm-up, with the same prompt (the
//! simulator caches the PNG, so its server time is the same for every request):
//! - `pixapi`: `Client::generate`, request to decoded PNG bytes (JSON parse and base64
//!   decode included), over a pooled keep-alive connection.
//! - `reqwest`: a bare `reqwest` POST reading the body as bytes (no parsing), pooled.
//! - `curl`: `curl -s -o /dev/null -w '%{time_total}'`, one process per request; its own
//!   `time_total` is reported (process start-up excluded; a new connection each time,
//!   no parsing), and so is the wall time of the process for reference.
//!
//! The budget (docs/DESIGN.md) is pixapi / curl <= 1.10 on medians.

use std::process::Command;
use std::time::{Duration, Instant};

use pixapi::{Client, ClientConfig, GenerationRequest, ResponseFormat};
use pixapi_sim::{SimConfig, SimServer};
use tokio_util::sync::CancellationToken;

const KEY: &str = "sk_bench_1";

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p / 100.0 * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

struct Stats {
    name: &'static str,
    ms: Vec<f64>,
}

impl Stats {
    fn new(name: &'static str, mut ms: Vec<f64>) -> Self {
        ms.sort_by(|a, b| a.total_cmp(b));
        Stats { name, ms }
    }
    fn median(&self) -> f64 {
        percentile(&self.ms, 50.0)
    }
    fn p90(&self) -> f64 {
        percentile(&self.ms, 90.0)
    }
    fn print(&self) {
        println!(
            "{:<34} median {:>8.3} ms   p90 {:>8.3} ms   min {:>8.3} ms   max {:>8.3} ms",
            self.name,
            self.median(),
            self.p90(),
            self.ms.first().copied().unwrap_or(f64::NAN),
            self.ms.last().copied().unwrap_or(f64::NAN)
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let n: usize = std::env::var("PIXAPI_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let sim = rt
        .block_on(SimServer::start(SimConfig {
            keys: vec![KEY.to_string()],
            credits: 1_000_000_000,
            max_concurrency: 64,
            ..SimConfig::default()
        }))
        .expect("sim starts");
    // The budget is for the 1K case; 4K shows how decoding scales with a ~6 MB answer.
    scenario(&rt, &sim.base_url(), "1K", "nano-banana-2", n, true);
    scenario(&rt, &sim.base_url(), "4K", "gemini-3.1-flash-image-preview-4k", (n / 5).max(10), false);
    rt.block_on(sim.shutdown());
}

fn scenario(rt: &tokio::runtime::Runtime, base: &str, label: &str, model: &str, n: usize, budget: bool) {
    let warmup = 5;
    let url = format!("{base}{}", pixapi::PATH_GENERATIONS);
    let mut req = GenerationRequest::new(model, "overhead benchmark: a lighthouse at dusk");
    req.response_format = Some(ResponseFormat::B64Json);
    let body = serde_json::to_string(&req).expect("json");

    let client = Client::new(ClientConfig::new(base.to_string()).with_api_key(KEY)).expect("client");
    let bare = reqwest::Client::new();
    let cancel = CancellationToken::new();
    // (a) pixapi client, end to end.
    let (client_ms, client_inner, png_len) = rt.block_on(async {
        let mut wall = Vec::with_capacity(n);
        let mut inner = Vec::with_capacity(n);
        let mut len = 0;
        for i in 0..warmup + n {
            let t = Instant::now();
            let out = client.generate(&req, &cancel).await.expect("generate");
            let e = ms(t.elapsed());
            assert_eq!(out.images.len(), 1);
            len = out.images[0].bytes.len();
            if i >= warmup {
                wall.push(e);
                inner.push(out.timing.as_sync().expect("sync").clone());
            }
        }
        (wall, inner, len)
    });

    // (b) bare reqwest, body as bytes.
    let (bare_ms, answer_len) = rt.block_on(async {
        let mut v = Vec::with_capacity(n);
        let mut len = 0;
        for i in 0..warmup + n {
            let t = Instant::now();
            let r = bare
                .post(&url)
                .bearer_auth(KEY)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .expect("send");
            assert!(r.status().is_success());
            let b = r.bytes().await.expect("body");
            let e = ms(t.elapsed());
            len = b.len();
            if i >= warmup {
                v.push(e);
            }
        }
        (v, len)
    });

    // (c) curl, one process per request (blocking; the sim runs on the runtime's workers).
    let curl_available = Command::new("curl").arg("--version").output().is_ok();
    let mut curl_total = Vec::with_capacity(n);
    let mut curl_wall = Vec::with_capacity(n);
    if curl_available {
        for i in 0..warmup + n {
            let t = Instant::now();
            let out = Command::new("curl")
                .args(["-s", "-o", "/dev/null", "-w", "%{time_total} %{http_code}", "-X", "POST", &url])
                .args(["-H", &format!("Authorization: Bearer {KEY}"), "-H", "Content-Type: application/json"])
                .args(["-d", &body])
                .output()
                .expect("curl runs");
            let wall = ms(t.elapsed());
            let text = String::from_utf8_lossy(&out.stdout);
            let mut it = text.split_whitespace();
            let total: f64 = it.next().and_then(|s| s.parse().ok()).expect("time_total");
            assert_eq!(it.next(), Some("200"), "curl answer: {text}");
            if i >= warmup {
                curl_total.push(total * 1000.0);
                curl_wall.push(wall);
            }
        }
    }

    let client_s = Stats::new("pixapi Client::generate (decoded)", client_ms);
    let ttfb_body =
        Stats::new("  of which send..last body byte", client_inner.iter().map(|t| t.ttfb_ms + t.body_ms).collect());
    let decode = Stats::new("  of which decode (JSON+base64)", client_inner.iter().map(|t| t.decode_ms).collect());
    let bare_s = Stats::new("bare reqwest (bytes, no parse)", bare_ms);
    let curl_s = Stats::new("curl %{time_total}", curl_total);
    let curl_w = Stats::new("curl process wall time", curl_wall);

    println!();
    println!("pixapi overhead benchmark: N={n} (after {warmup} warm-up), sync {label} b64_json ({model}), fast profile, loopback");
    println!("answer body {answer_len} bytes, decoded PNG {png_len} bytes");
    println!();
    client_s.print();
    ttfb_body.print();
    decode.print();
    bare_s.print();
    if curl_available {
        curl_s.print();
        curl_w.print();
    } else {
        println!("curl not found: curl figures skipped");
    }
    println!();
    println!(
        "ratio pixapi / bare reqwest (median): {:.3}   overhead {:+.3} ms",
        client_s.median() / bare_s.median(),
        client_s.median() - bare_s.median()
    );
    if curl_available {
        let ratio = client_s.median() / curl_s.median();
        println!(
            "ratio pixapi / curl time_total (median): {:.3}   (p90: {:.3}){}",
            ratio,
            client_s.p90() / curl_s.p90(),
            match (budget, ratio <= 1.10) {
                (false, _) => "",
                (true, true) => "   budget <= 1.10: met",
                (true, false) => "   budget <= 1.10: NOT met",
            }
        );
    }
}
