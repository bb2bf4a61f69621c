//! Peak memory of the app against a hostile server, per case: each `hostile` variant of
//! pixapi-sim is answered to one run of an engine in a child process of its own (this
//! binary re-executed with `--case`), with the client's default limits (answers up to
//! 256 MiB), and the child reports its peak RSS (`VmHWM`). The sim runs in this (parent)
//! process, so the figures are the app's alone. Fails if a case goes over 1 GiB.
//! `cargo bench -p pixbench-core --bench hostile_rss` (Linux: reads /proc/self/status).

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pixbench_core::api::*;
use pixbench_core::secrets::MemoryStore;
use pixbench_core::{Engine, EngineConfig};
use serde_json::{json, Value};

/// The bound every case must stay under.
const LIMIT_KIB: u64 = 1 << 20;

struct Case {
    name: &'static str,
    /// The fault queued before the run (`None`: a plain run, the baseline).
    fault: Option<Value>,
    n: u32,
    url: bool,
}

fn cases() -> Vec<Case> {
    let h = |variant: &str| Some(json!({"kind": "hostile", "variant": variant}));
    vec![
        Case { name: "baseline", fault: None, n: 1, url: false },
        Case {
            name: "extra_items",
            fault: Some(json!({"kind": "hostile", "variant": "extra_items", "items": 2000})),
            n: 2,
            url: true,
        },
        Case { name: "not_image", fault: h("not_image"), n: 1, url: false },
        Case { name: "bomb", fault: h("bomb"), n: 1, url: false },
        Case { name: "huge_body", fault: h("huge_body"), n: 1, url: false },
        Case { name: "huge_links", fault: h("huge_body"), n: 10, url: true },
        Case { name: "file_url", fault: h("file_url"), n: 1, url: true },
        Case { name: "redirect", fault: h("redirect"), n: 1, url: true },
        Case { name: "html", fault: h("html"), n: 1, url: false },
        Case {
            name: "drip",
            fault: Some(json!({"kind": "hostile", "variant": "drip", "interval_ms": 50, "delay_ms": 60000})),
            n: 1,
            url: false,
        },
        Case { name: "data_url", fault: h("data_url"), n: 1, url: true },
        // The largest answer the default limit lets through whole: one 250 MiB data: URL.
        Case {
            name: "data_url_250m",
            fault: Some(json!({"kind": "hostile", "variant": "data_url", "bytes": 250u64 << 20})),
            n: 1,
            url: true,
        },
    ]
}

fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The child: one run against `base`, then one line `RESULT <status> <kind> <VmHWM kB>`.
async fn child(name: &str, base: &str) {
    let case = cases().into_iter().find(|c| c.name == name).expect("a known case");
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = EngineConfig::new(dir.path(), Arc::new(MemoryStore::default()));
    // Only the drip needs a short read timeout (it lasts a minute otherwise); memory
    // limits stay at their defaults.
    if name == "drip" {
        cfg.client_read_timeout = Some(Duration::from_secs(2));
    }
    let e = Engine::open(cfg).await.unwrap();
    let p = e
        .profiles
        .save(ProfileInput {
            id: None,
            name: "live".into(),
            base_url: base.into(),
            default_model: String::new(),
            budget_credits: None,
            request_style: None,
            image_parts: None,
            gateway: None,
        })
        .unwrap();
    e.profiles.set_key(&p.id, "sk_test_1").unwrap();
    e.select_profile(&p.id).unwrap();
    let spec = Request {
        response_format: if case.url { ResponseFormatChoice::Url } else { ResponseFormatChoice::B64Json },
        mode: SyncMode::Sync,
        ..Request::new(
            format!("hostile {name}"),
            vec![TargetSpec {
                model_id: "gemini-3.1-flash-image-preview".into(),
                n: case.n,
                size: None,
                ..Default::default()
            }],
        )
    };
    let run = e.runs.start(spec, true).await.unwrap();
    let done = e.runs.wait(&run.id).await.unwrap();
    let kind = done.targets[0].error.as_ref().map(|x| x.kind.as_str()).unwrap_or("-");
    println!("RESULT {:?} {kind} {} {}", done.status, done.targets[0].outputs.len(), vm_hwm_kib());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--case") {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(child(&args[i + 1], &args[i + 2]));
        return;
    }
    if !std::path::Path::new("/proc/self/status").exists() {
        println!("hostile_rss: needs /proc/self/status (Linux); skipped");
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let exe = std::env::current_exe().unwrap();
    println!("peak RSS (VmHWM) of one engine run per hostile answer; bound {} MiB", LIMIT_KIB >> 10);
    println!("{:<14} {:>10} {:>8}  {:<8} {:<14} outputs", "case", "peak MiB", "secs", "status", "error kind");
    let mut over = vec![];
    for case in cases() {
        let sim = rt
            .block_on(pixapi_sim::SimServer::start(pixapi_sim::SimConfig { credits: 1_000_000, ..Default::default() }))
            .unwrap();
        if let Some(f) = &case.fault {
            let f: pixapi_sim::Fault = serde_json::from_value(f.clone()).unwrap();
            sim.try_inject(f).unwrap();
        }
        let t = Instant::now();
        let mut child = Command::new(&exe)
            .args(["--case", case.name, &sim.base_url()])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        // The sim serves from this runtime's threads while the child runs.
        let out = rt.block_on(async {
            let deadline = Instant::now() + Duration::from_secs(180);
            loop {
                if let Some(status) = child.try_wait().unwrap() {
                    break Some(status);
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        let secs = t.elapsed().as_secs_f64();
        let mut stdout = String::new();
        if let Some(mut s) = child.stdout.take() {
            use std::io::Read;
            let _ = s.read_to_string(&mut stdout);
        }
        let line = stdout.lines().find(|l| l.starts_with("RESULT ")).map(str::to_string);
        match (out, line) {
            (Some(st), Some(line)) if st.success() => {
                let f: Vec<&str> = line.split_whitespace().collect();
                let kib: u64 = f[4].parse().unwrap_or(u64::MAX);
                println!(
                    "{:<14} {:>10.1} {:>8.2}  {:<8} {:<14} {}",
                    case.name,
                    kib as f64 / 1024.0,
                    secs,
                    f[1],
                    f[2],
                    f[3]
                );
                if kib >= LIMIT_KIB {
                    over.push(format!("{} used {:.0} MiB", case.name, kib as f64 / 1024.0));
                }
            }
            (st, _) => over.push(format!("{} did not finish cleanly ({st:?}): {stdout}", case.name)),
        }
        rt.block_on(sim.shutdown());
    }
    if !over.is_empty() {
        eprintln!("hostile_rss FAILED: over the {} MiB bound or broken: {}", LIMIT_KIB >> 10, over.join("; "));
        std::process::exit(1);
    }
    println!("every case stayed under {} MiB", LIMIT_KIB >> 10);
}
