//! Objective metrics of two outputs (SSIM, PSNR, perceptual-hash distance: the method is
//! `pixbench-metrics`'), computed off the calling thread, once per pair and method, and kept
//! in the `metric_pairs` table; the "was the resolution worth it" table of a comparison
//! across one model's variants ([`worth`]); metric columns of benchmark reports ([`bench`](mod@bench)).

pub mod bench;
pub mod worth;

use crate::kind::ErrorKind;
use std::collections::HashMap;
use std::io::Cursor;
use std::sync::{Arc, Mutex, OnceLock};

use rusqlite::{params, OptionalExtension};

use crate::blobs::Blobs;
use crate::blobs::{probe, valid_sha, MAX_DECODE_PIXELS};
use crate::error::{ui, CoreError, CoreResult};
use crate::infra::CatalogHandle;
use crate::runs::Runs;
use crate::store::Store;

pub use crate::api::PairMetricsView;
pub use pixbench_metrics::ALGO;

/// One sentence describing the method, for reports and `--help`.
pub const METHOD: &str = "SSIM on luma (image-compare, 8×8 windows), PSNR over RGB in dB, and the Hamming distance of 64-bit DCT perceptual hashes (image_hasher); both images at the smaller one's size, the larger downscaled by area averaging";

/// Decodes image bytes for metrics with the core's decode limits (those of thumbnails):
/// at most [`MAX_DECODE_PIXELS`], refused from the header before any pixel is allocated.
pub fn decode_limited(bytes: &[u8]) -> Result<image::DynamicImage, String> {
    let (w, h, _) = probe(bytes).map_err(|e| e.to_string())?;
    if w as u64 * h as u64 > MAX_DECODE_PIXELS {
        return Err(format!("it declares {w}×{h} pixels, more than an image this app decodes"));
    }
    let mut reader = image::ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| e.to_string())?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(16_384);
    limits.max_image_height = Some(16_384);
    limits.max_alloc = Some(MAX_DECODE_PIXELS * 4 + (16 << 20));
    reader.limits(limits);
    reader.decode().map_err(|e| e.to_string())
}

/// Decodes and compares two encoded images (blocking: call off any UI or async thread).
pub fn compare_bytes(a: &[u8], b: &[u8]) -> Result<pixbench_metrics::PairMetrics, String> {
    let started = std::time::Instant::now();
    let ia = decode_limited(a).map_err(|e| format!("The first image could not be read: {e}."))?;
    let ib = decode_limited(b).map_err(|e| format!("The second image could not be read: {e}."))?;
    let mut m = pixbench_metrics::compare(&ia, &ib).map_err(|e| e.to_string())?;
    m.computed_ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok(m)
}

/// At most this many pairs are decoded and compared at once (a 4K pair holds ~200 MB).
const PARALLEL_PAIRS: usize = 2;

fn permits() -> &'static tokio::sync::Semaphore {
    static S: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    S.get_or_init(|| tokio::sync::Semaphore::new(PARALLEL_PAIRS))
}

/// One lock per pair being computed, so two callers asking at once compute it once.
fn pair_lock(key: &str) -> Arc<tokio::sync::Mutex<()>> {
    static LOCKS: OnceLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let mut m = LOCKS.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
    // Forget the locks nobody holds (the map stays as small as the pairs in flight).
    m.retain(|_, l| Arc::strong_count(l) > 1);
    m.entry(key.to_string()).or_default().clone()
}

fn invalid(message: impl Into<String>) -> CoreError {
    CoreError::Ui(ui(ErrorKind::Invalid, message))
}

/// The metrics service.
pub struct Metrics {
    store: Arc<Store>,
    blobs: Blobs,
    catalog: CatalogHandle,
    runs: Arc<Runs>,
}

impl Metrics {
    pub fn new(store: Arc<Store>, blobs: Blobs, catalog: CatalogHandle, runs: Arc<Runs>) -> Metrics {
        Metrics { store, blobs, catalog, runs }
    }

    /// The metrics of two stored images (by SHA-256), from the cache or computed once, off
    /// the calling thread.
    pub async fn pair(&self, sha_a: &str, sha_b: &str) -> CoreResult<PairMetricsView> {
        for s in [sha_a, sha_b] {
            if !valid_sha(s) {
                return Err(invalid(format!("“{s}” is not an image of this history (a SHA-256 in hex).")));
            }
        }
        // Stored once per unordered pair: sha_a < sha_b.
        let swap = sha_a > sha_b;
        let (lo, hi) = if swap { (sha_b, sha_a) } else { (sha_a, sha_b) };
        let lock = pair_lock(&format!("{lo}:{hi}"));
        let _held = lock.lock().await;
        let mut view = match self.cached(lo, hi)? {
            Some(v) => v,
            None => {
                let _permit =
                    permits().acquire().await.map_err(|e| CoreError::Ui(ui(ErrorKind::Internal, e.to_string())))?;
                let blobs = self.blobs.clone();
                let (a, b) = (lo.to_string(), hi.to_string());
                let m = tokio::task::spawn_blocking(move || -> Result<pixbench_metrics::PairMetrics, String> {
                    let ba = blobs.get(&a).map_err(|e| e.to_string())?;
                    let bb = blobs.get(&b).map_err(|e| e.to_string())?;
                    compare_bytes(&ba, &bb)
                })
                .await
                .map_err(|e| CoreError::Ui(ui(ErrorKind::Internal, e.to_string())))?
                .map_err(|e| CoreError::Ui(ui(ErrorKind::Metrics, e)))?;
                let v = PairMetricsView {
                    sha_a: lo.into(),
                    sha_b: hi.into(),
                    algo: ALGO.into(),
                    width: m.width,
                    height: m.height,
                    ssim: m.ssim,
                    psnr_db: m.psnr_db,
                    phash_distance: m.phash_distance,
                    computed_ms: m.computed_ms,
                    cached: false,
                };
                self.remember(&v)?;
                v
            }
        };
        if swap {
            std::mem::swap(&mut view.sha_a, &mut view.sha_b);
        }
        Ok(view)
    }

    fn cached(&self, lo: &str, hi: &str) -> CoreResult<Option<PairMetricsView>> {
        Ok(self.store.with_transaction(|tx| {
            tx.query_row(
                "SELECT width, height, ssim, psnr, phash_distance, computed_ms FROM metric_pairs
                 WHERE sha_a = ?1 AND sha_b = ?2 AND algo = ?3",
                params![lo, hi, ALGO],
                |r| {
                    Ok(PairMetricsView {
                        sha_a: lo.into(),
                        sha_b: hi.into(),
                        algo: ALGO.into(),
                        width: r.get(0)?,
                        height: r.get(1)?,
                        ssim: r.get(2)?,
                        psnr_db: r.get(3)?,
                        phash_distance: r.get(4)?,
                        computed_ms: r.get(5)?,
                        cached: true,
                    })
                },
            )
            .optional()
        })?)
    }

    fn remember(&self, v: &PairMetricsView) -> CoreResult<()> {
        self.store.with_transaction(|tx| {
            tx.execute(
                "INSERT OR REPLACE INTO metric_pairs(sha_a, sha_b, algo, width, height, ssim, psnr, phash_distance, computed_ms)
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![v.sha_a, v.sha_b, v.algo, v.width, v.height, v.ssim, v.psnr_db, v.phash_distance, v.computed_ms],
            )
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
