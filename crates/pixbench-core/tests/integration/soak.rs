//! A soak that proves the ledger: many runs through the engine against the Sandbox (a real
//! HTTP server) with random faults, cancels of accepted tasks and kills of the engine with
//! tasks in flight, then: the ledger equals what the Sandbox charged, every recorded image
//! is on disk, and SQLite's integrity check passes.
//!
//! The faults are those after which the server's charge is knowable: errors that charge
//! nothing (5xx, 429, a failed task), partial answers (only delivered images are charged),
//! slow answers, and cancels of async tasks (the task is still collected). A sync request
//! cancelled or killed in flight is left out on purpose: the server may charge it and no
//! client can know (the app says so; see `runs/target.rs`).
//!
//! `SOAK_RUNS` sets the number of runs (default 36, a few seconds; `make soak` runs 2,000)
//! and `SOAK_SEED` the seed; the figures are printed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::*;
use pixapi_sim::{Fault, FaultKind, SimConfig, SimServer};
use pixbench_core::api::*;
use pixbench_core::secrets::MemoryStore;
use pixbench_core::{Engine, EngineConfig};

const MODELS: &[&str] = &[
    "gemini-3.1-flash-image-preview-512",
    "gemini-3.1-flash-image-preview",
    "gemini-2.5-flash-image",
    "gemini-3.1-flash-image-preview-2k",
];

/// xorshift64*: deterministic for a seed, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn quick(cfg: &mut EngineConfig) {
    cfg.client_poll = Some(pixapi::PollPolicy {
        initial_interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(60),
        backoff_factor: 1.5,
        deadline: Duration::from_secs(20),
        max_consecutive_errors: 3,
    });
    cfg.task_recheck_after = Duration::from_millis(100);
}

fn fault(rng: &mut Rng) -> Fault {
    match rng.below(7) {
        0 => Fault::status(500),
        1 => Fault { retry_after: Some(0), ..Fault::status(429) },
        2 => Fault::status(503),
        3 => Fault::partial(1),
        4 => Fault::new(FaultKind::TaskFail),
        5 => Fault::slow(150),
        _ => Fault::status(500).path("/v1/tasks"),
    }
}

#[derive(Default, Debug)]
struct Figures {
    runs: u64,
    faults: u64,
    cancels: u64,
    kills: u64,
}

fn open(rt: &tokio::runtime::Runtime, dir: &std::path::Path, secrets: &Arc<MemoryStore>, base: &str) -> Engine {
    rt.block_on(engine_on_with(dir, secrets.clone(), base, "live", quick))
}

/// Starts a run of 1 to 3 random targets; `sync` or async as asked.
fn start(rt: &tokio::runtime::Runtime, e: &Engine, rng: &mut Rng, sync: bool) -> String {
    let k = 1 + rng.below(3) as usize;
    let targets: Vec<(&str, u32)> =
        (0..k).map(|_| (MODELS[rng.below(MODELS.len() as u64) as usize], 1 + rng.below(2) as u32)).collect();
    let mut s = spec("soak", &targets);
    s.mode = if sync { SyncMode::Sync } else { SyncMode::Async };
    rt.block_on(e.runs.start(s, false)).expect("the run starts").id
}

/// Waits until every target of the run has its task id (or has settled).
fn until_accepted(rt: &tokio::runtime::Runtime, e: &Engine, id: &str) {
    let t0 = Instant::now();
    loop {
        let v = e.runs.get(id).unwrap();
        if v.targets.iter().all(|t| t.task_id.is_some() || !matches!(t.status, RunStatus::Queued | RunStatus::Running))
        {
            return;
        }
        assert!(t0.elapsed() < Duration::from_secs(30), "no task id came: {:?}", v.targets);
        rt.block_on(async { tokio::time::sleep(Duration::from_millis(10)).await });
    }
}

fn settle(rt: &tokio::runtime::Runtime, e: &Engine, id: &str) -> RunView {
    rt.block_on(async { tokio::time::timeout(Duration::from_secs(90), e.runs.wait(id)).await })
        .unwrap_or_else(|_| panic!("run {id} did not settle: {:?}", e.runs.get(id).map(|v| v.targets)))
        .expect("the run settles")
}

#[test]
fn the_ledger_equals_what_the_server_charged_through_faults_cancels_and_kills() {
    let total: u64 = std::env::var("SOAK_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(36);
    let seed: u64 = std::env::var("SOAK_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(7);
    let mut rng = Rng(seed.max(1));
    let started = Instant::now();
    let main_rt = tokio::runtime::Runtime::new().unwrap();
    let sim = main_rt.block_on(SimServer::start(SimConfig { credits: 1_000_000_000, ..Default::default() })).unwrap();
    let base = sim.base_url();
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let mut fig = Figures::default();

    // A kill of the engine every hundred runs or so, at least twice.
    let lives = (total / 100).max(3);
    let per_life = total.div_ceil(lives);
    for life in 0..lives {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let e = open(&rt, dir.path(), &secrets, &base);
        let mut done_here = 0;
        while done_here < per_life && fig.runs < total {
            // A batch of up to 4 runs at once, with a fault or two queued for them.
            for _ in 0..1 + rng.below(2) {
                sim.inject(fault(&mut rng));
                fig.faults += 1;
            }
            let batch: Vec<(String, bool)> = (0..(1 + rng.below(4)).min(per_life - done_here))
                .map(|_| {
                    let sync = rng.below(2) == 0;
                    (start(&rt, &e, &mut rng, sync), sync)
                })
                .collect();
            for (id, sync) in &batch {
                // Cancel some async runs once their tasks were accepted: they are still ours.
                if !sync && rng.below(4) == 0 {
                    until_accepted(&rt, &e, id);
                    e.runs.cancel(id);
                    fig.cancels += 1;
                }
            }
            for (id, _) in &batch {
                settle(&rt, &e, id);
            }
            done_here += batch.len() as u64;
            fig.runs += batch.len() as u64;
        }
        if life + 1 < lives {
            // A kill with async tasks in flight: the next engine takes them over.
            let ids: Vec<String> = (0..2).map(|_| start(&rt, &e, &mut rng, false)).collect();
            for id in &ids {
                until_accepted(&rt, &e, id);
            }
            fig.runs += ids.len() as u64;
            fig.kills += 1;
            drop(e);
            rt.shutdown_background();
        } else {
            drop(e);
            rt.shutdown_timeout(Duration::from_secs(5));
        }
    }

    // The last engine collects what a kill left, with the server answering normally.
    sim.clear_faults();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let e = open(&rt, dir.path(), &secrets, &base);
    let all = e.runs.history(&HistoryFilter { limit: Some(100_000), ..Default::default() }).unwrap();
    for r in all.iter().filter(|r| matches!(r.status, RunStatus::Queued | RunStatus::Running | RunStatus::Waiting)) {
        settle(&rt, &e, &r.id);
    }
    drop(e);
    rt.shutdown_timeout(Duration::from_secs(5));

    let db = rusqlite::Connection::open(dir.path().join("pixbench.sqlite")).unwrap();
    let ledger: i64 = db.query_row("SELECT COALESCE(SUM(credits), 0) FROM ledger", [], |r| r.get(0)).unwrap();
    let ok: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    let shas: Vec<String> = {
        let mut st = db.prepare("SELECT sha256 FROM outputs").unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    let blobs = pixbench_core::blobs::Blobs::new(dir.path().join("blobs"));
    let missing = shas.iter().filter(|s| !blobs.image_path(s).exists()).count();
    let st = sim.state();
    eprintln!(
        "soak: {} runs, {} faults, {} cancels, {} kills; {} requests, {} images served, {} outputs recorded; ledger {} = charged {}; {:.1} s",
        fig.runs,
        fig.faults,
        fig.cancels,
        fig.kills,
        st.requests,
        st.images_served,
        shas.len(),
        ledger,
        st.charged,
        started.elapsed().as_secs_f64()
    );
    if ledger != st.charged {
        // Which targets: those with fewer recorded images than asked, and why they say so.
        let mut q = db
            .prepare(
                "SELECT t.run_id, t.idx, t.status, json_extract(t.state_json, '$.n'),
                        (SELECT COUNT(*) FROM outputs o WHERE o.run_id = t.run_id AND o.target_idx = t.idx),
                        json_extract(t.state_json, '$.taskId'), json_extract(t.state_json, '$.error.kind'),
                        json_extract(t.state_json, '$.error.message')
                 FROM run_targets t",
            )
            .unwrap();
        type Row = (String, i64, String, i64, i64, Option<String>, Option<String>, Option<String>);
        let rows: Vec<Row> = q
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for r in rows.iter().filter(|r| r.4 < r.3 && r.6.as_deref() != Some("partial")) {
            eprintln!("soak: short target {r:?}");
        }
    }
    assert_eq!(ok, "ok");
    assert_eq!(missing, 0, "recorded outputs without their file");
    assert_eq!(ledger, st.charged, "the ledger and the server's charges differ ({fig:?})");
    assert_eq!(shas.len() as u64, st.images_served, "every image served is recorded once");
    main_rt.block_on(sim.shutdown());
}
