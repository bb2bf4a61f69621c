//! A hostile server: for each `hostile` variant of pixapi-sim, one run against a sim
//! answering it. Every run ends (no hang), says what happened in a sentence (its kind and
//! a phrase are checked), enters in the ledger only images that were delivered and decode,
//! and leaves a database that opens again and lists the run. The sim's own books
//! (`charged`) are checked too: it bills most of these answers, the app must not.
//!
//! Every connection is to loopback (the sims; the address policy for the LAN and metadata
//! addresses is unit-tested in `pixapi::net`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::*;
use pixbench_core::api::*;
use pixbench_core::secrets::MemoryStore;
use pixbench_core::{Engine, EngineConfig};
use serde_json::json;

const MODEL: &str = "gemini-3.1-flash-image-preview";
const PRICE: i64 = 4;

struct Case {
    sim: pixapi_sim::SimServer,
    dir: tempfile::TempDir,
    secrets: Arc<MemoryStore>,
    engine: Engine,
}

/// An engine (profile "live", a loopback sim of its own) with the client's limits tuned.
async fn open(
    dir: &std::path::Path,
    secrets: Arc<MemoryStore>,
    base: &str,
    tune: impl Fn(&mut EngineConfig),
) -> Engine {
    let mut cfg = EngineConfig::new(dir, secrets.clone() as Arc<dyn pixbench_core::secrets::SecretStore>);
    tune(&mut cfg);
    let e = Engine::open(cfg).await.expect("engine opens");
    crate::common::use_live_profile(&e, base, "live");
    e
}

async fn case(fault: serde_json::Value, tune: impl Fn(&mut EngineConfig)) -> Case {
    let sim =
        pixapi_sim::SimServer::start(pixapi_sim::SimConfig { credits: 1_000_000, ..Default::default() }).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let engine = open(dir.path(), secrets.clone(), &sim.base_url(), tune).await;
    inject(&sim.base_url(), fault).await;
    Case { sim, dir, secrets, engine }
}

fn no_tuning(_: &mut EngineConfig) {}

/// Runs one sync request of `n` images and waits for it (bounded).
async fn run(c: &Case, n: u32, format: ResponseFormatChoice) -> RunView {
    let mut s = spec("hostile", &[(MODEL, n)]);
    s.mode = SyncMode::Sync;
    s.response_format = format;
    let r = c.engine.runs.start(s, false).await.unwrap();
    tokio::time::timeout(Duration::from_secs(30), c.engine.runs.wait(&r.id)).await.expect("the run ends").unwrap()
}

fn ledger(c: &Case, run: &RunView) -> (usize, i64) {
    let rows: Vec<_> = c
        .engine
        .store()
        .ledger_for_session(&run.session_id)
        .unwrap()
        .into_iter()
        .filter(|l| l.run_id == run.id)
        .collect();
    (rows.len(), rows.iter().map(|l| l.cost.credits).sum())
}

/// Image files in the data folder's image store.
fn stored_images(c: &Case) -> usize {
    fn count(p: &std::path::Path) -> usize {
        std::fs::read_dir(p)
            .map(|d| {
                d.flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            count(&e.path())
                        } else {
                            usize::from(!e.file_name().to_string_lossy().starts_with(".tmp"))
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    count(&c.engine.blobs().root().join("images"))
}

/// The failed target's error: its kind, and that its message has `phrase` and reads as
/// a sentence.
fn assert_error(run: &RunView, kind: ErrorKind, phrase: &str) -> String {
    let t = &run.targets[0];
    let e = t.error.as_ref().unwrap_or_else(|| panic!("no error on {t:?}"));
    assert_eq!(e.kind, kind, "{e:?}");
    assert!(e.message.contains(phrase), "{:?} lacks {phrase:?}", e.message);
    assert!(
        e.message.starts_with(char::is_uppercase) && e.message.trim_end().ends_with(['.', ')']),
        "not a sentence: {:?}",
        e.message
    );
    assert!(e.message.len() < 600, "{}", e.message);
    e.message.clone()
}

/// The database opens again (a new engine on the same folder), passes SQLite's integrity
/// check and lists the run as it was.
async fn assert_intact(c: Case, run: &RunView) {
    let Case { sim, dir, secrets, engine } = c;
    drop(engine);
    let db = rusqlite::Connection::open(dir.path().join("pixbench.sqlite")).unwrap();
    let ok: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
    drop(db);
    let e = open(dir.path(), secrets, &sim.base_url(), no_tuning).await;
    let all = e
        .runs
        .history(&HistoryFilter { limit: Some(100), include_bench_runs: Some(true), ..Default::default() })
        .unwrap();
    let listed = all.iter().find(|r| r.id == run.id).expect("the run is listed");
    assert_eq!(listed.status, run.status);
    let again = e.runs.get(&run.id).unwrap();
    assert_eq!(again.targets[0].error.as_ref().map(|x| &x.kind), run.targets[0].error.as_ref().map(|x| &x.kind));
    assert_eq!(again.cost.credits, run.cost.credits);
    drop(e);
    sim.shutdown().await;
}

/// A failed run that delivered no image: nothing in the ledger or the image store.
fn assert_nothing_counted(c: &Case, run: &RunView) {
    assert_eq!(run.status, RunStatus::Failed, "{:?}", run.targets[0]);
    assert_eq!(ledger(c, run), (0, 0));
    assert_eq!(run.cost.credits, 0);
    assert!(run.targets[0].outputs.is_empty());
    assert_eq!(stored_images(c), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extra_items_keep_only_the_n_asked() {
    let c = case(json!({"kind": "hostile", "variant": "extra_items", "items": 2000}), no_tuning).await;
    let run = run(&c, 2, ResponseFormatChoice::Url).await;
    assert_eq!(run.status, RunStatus::Done, "{:?}", run.targets[0].error);
    assert_error(&run, ErrorKind::ExtraOutputs, "2000 more image(s) than the 2 asked for");
    assert_eq!(run.targets[0].outputs.len(), 2);
    assert_eq!(stored_images(&c), 2);
    assert_eq!(ledger(&c, &run), (2, 2 * PRICE));
    // The server billed all it answered; the app counts what it kept.
    assert_eq!(c.sim.state().charged, 2002 * PRICE);
    assert_intact(c, &run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_that_are_not_an_image_are_not_counted() {
    let c = case(json!({"kind": "hostile", "variant": "not_image"}), no_tuning).await;
    let run = run(&c, 1, ResponseFormatChoice::B64Json).await;
    assert_error(&run, ErrorKind::NotAnImage, "not an image");
    assert_nothing_counted(&c, &run);
    assert_eq!(c.sim.state().charged, PRICE, "the sim charged it as delivered");
    assert_intact(c, &run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decode_bomb_is_not_decoded_or_counted() {
    let c = case(json!({"kind": "hostile", "variant": "bomb"}), no_tuning).await;
    let t = Instant::now();
    let run = run(&c, 1, ResponseFormatChoice::B64Json).await;
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    assert_error(&run, ErrorKind::NotAnImage, "not an image");
    assert_nothing_counted(&c, &run);
    assert_eq!(c.sim.state().charged, PRICE);
    assert_intact(c, &run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_body_stops_at_the_answer_limit() {
    // 32 MiB here to keep the suite fast; the default (256 MiB) is measured by the
    // hostile_rss bench.
    let c =
        case(json!({"kind": "hostile", "variant": "huge_body"}), |cfg| cfg.client_max_response_bytes = Some(32 << 20))
            .await;
    let run = run(&c, 1, ResponseFormatChoice::B64Json).await;
    assert_error(&run, ErrorKind::TooLarge, "larger than the 32 MiB limit");
    assert_nothing_counted(&c, &run);
    assert_eq!(c.sim.state().charged, PRICE);
    assert_intact(c, &run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_links_share_the_answer_limit() {
    // Ten links of 600 MiB each: together they may take 8 MiB here (256 MiB by default,
    // measured by the hostile_rss bench), not ten times the limit.
    let c =
        case(json!({"kind": "hostile", "variant": "huge_body"}), |cfg| cfg.client_max_response_bytes = Some(8 << 20))
            .await;
    let run = run(&c, 10, ResponseFormatChoice::Url).await;
    assert_error(&run, ErrorKind::TooLarge, "larger than the 8 MiB limit");
    assert_nothing_counted(&c, &run);
    assert_eq!(c.sim.state().charged, 10 * PRICE);
    assert_intact(c, &run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_url_is_not_opened() {
    let c = case(json!({"kind": "hostile", "variant": "file_url"}), no_tuning).await;
    let run = run(&c, 1, ResponseFormatChoice::Url).await;
    let m = assert_error(&run, ErrorKind::RefusedUrl, "file: URL");
    assert!(!m.contains("root:"), "{m}");
    assert_nothing_counted(&c, &run);
    assert_eq!(c.sim.state().charged, PRICE);
    assert_intact(c, &run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_refused_link_does_not_lose_the_images_that_came() {
    let c = case(json!({"kind": "hostile", "variant": "mixed_urls"}), no_tuning).await;
    let run = run(&c, 3, ResponseFormatChoice::Url).await;
    let t = &run.targets[0];
    assert_eq!(t.status, RunStatus::Partial, "{:?}", t.error);
    assert_eq!(t.outputs.len(), 2, "the two good links are kept");
    let e = t.error.as_ref().expect("says why one is missing");
    assert_eq!(e.kind, ErrorKind::RefusedUrl, "{e:?}");
    assert!(e.message.contains("1 of the answer's images could not be fetched"), "{}", e.message);
    assert!(!e.message.contains("root:"), "{}", e.message);
    // The ledger counts what came; the server billed all three.
    assert_eq!(ledger(&c, &run), (2, 2 * PRICE));
    assert_eq!(c.sim.state().charged, 3 * PRICE);
    assert_eq!(stored_images(&c), 2);
    assert_intact(c, &run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_a_file_url_is_not_followed() {
    let c = case(json!({"kind": "hostile", "variant": "redirect", "to": "file:///etc/passwd"}), no_tuning).await;
    let run = run(&c, 1, ResponseFormatChoice::Url).await;
    assert_error(&run, ErrorKind::RefusedUrl, "redirected to a file: URL");
    assert_nothing_counted(&c, &run);
    assert_eq!(c.sim.state().charged, PRICE);
    assert_intact(c, &run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_loop_is_cut() {
    let c = case(json!({"kind": "hostile", "variant": "redirect", "to": "http://127.0.0.1:1/", "hops": 40}), no_tuning)
        .await;
    let run = run(&c, 1, ResponseFormatChoice::Url).await;
    assert_error(&run, ErrorKind::RefusedUrl, "redirected more than 5 times");
    assert_nothing_counted(&c, &run);
    assert_intact(c, &run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_that_mixes_both_documented_shapes_is_read_by_its_status() {
    // The errors page's numeric code and type, the guide's request_id, a code that names
    // another case, a terminal escape in the message and a request id no one could quote.
    let body = json!({"error": {
        "code": 429, "type": "rate_limited", "message": "Balance low\u{1b}[2J, top up.",
        "request_id": "r".repeat(4000),
    }, "code": "model_unavailable"})
    .to_string();
    let c = case(json!({"kind": "status", "status": 402, "body": body, "path": "/v1/images"}), no_tuning).await;
    let run = run(&c, 1, ResponseFormatChoice::B64Json).await;
    assert_error(&run, ErrorKind::InsufficientCredits, "credits");
    let e = run.targets[0].error.clone().unwrap();
    // The id is the one the server's header gave (a usable one), never the 4,000 r's.
    let id = e.request_id.expect("the header's request id");
    assert!(id.starts_with("req_") && id.len() < 64, "{id}");
    assert!(!e.message.contains('\u{1b}'), "{:?}", e.message);
    assert_eq!(run.targets[0].attempts, 1, "a 402 is not retried, whatever its body says");
    assert_nothing_counted(&c, &run);
    assert_intact(c, &run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_page_says_it_is_one() {
    let c = case(json!({"kind": "hostile", "variant": "html"}), no_tuning).await;
    let run = run(&c, 1, ResponseFormatChoice::B64Json).await;
    assert_error(&run, ErrorKind::Malformed, "HTML page");
    assert_nothing_counted(&c, &run);
    assert_eq!(c.sim.state().charged, 0, "a page in front of the API charges nothing");
    assert_intact(c, &run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drip_is_cut_off_by_the_read_timeout() {
    // A byte every 50 ms for a minute: never idle for the read timeout (1 s), but far
    // slower than the pace a body must keep.
    let c = case(json!({"kind": "hostile", "variant": "drip", "interval_ms": 50, "delay_ms": 60000}), |cfg| {
        cfg.client_read_timeout = Some(Duration::from_secs(1))
    })
    .await;
    let t = Instant::now();
    let run = run(&c, 1, ResponseFormatChoice::B64Json).await;
    assert!(t.elapsed() < Duration::from_secs(8), "{:?}", t.elapsed());
    assert_error(&run, ErrorKind::TooSlow, "arrived too slowly");
    assert_nothing_counted(&c, &run);
    assert_eq!(c.sim.state().charged, PRICE, "the sim made and billed the image it was sending");
    assert_intact(c, &run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_30_mib_data_url_is_decoded_within_the_limit() {
    let c = case(json!({"kind": "hostile", "variant": "data_url"}), no_tuning).await;
    let run = run(&c, 1, ResponseFormatChoice::Url).await;
    // A real (zero-padded) PNG: delivered, stored once, counted once, as the sim billed.
    assert_eq!(run.status, RunStatus::Done, "{:?}", run.targets[0].error);
    assert_eq!(run.targets[0].outputs.len(), 1);
    assert!(run.targets[0].outputs[0].bytes > 20 << 20);
    assert_eq!(ledger(&c, &run), (1, PRICE));
    assert_eq!(c.sim.state().charged, PRICE);
    let raw = run.targets[0].response_raw.as_deref().unwrap_or_default();
    assert!(raw.len() < 4096 && raw.contains("chars elided"), "{}", raw.len());
    assert_intact(c, &run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_url_over_the_limit_is_refused() {
    let c =
        case(json!({"kind": "hostile", "variant": "data_url"}), |cfg| cfg.client_max_response_bytes = Some(16 << 20))
            .await;
    let run = run(&c, 1, ResponseFormatChoice::Url).await;
    assert_error(&run, ErrorKind::TooLarge, "larger than the 16 MiB limit");
    assert_nothing_counted(&c, &run);
    assert_intact(c, &run).await;
}
