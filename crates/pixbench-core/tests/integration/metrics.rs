//! Metrics through the engine: a pair computed once and cached in `metric_pairs` (either
//! order), and the "was the resolution worth it" table of a comparison of one model's
//! variants on the Sandbox.

use crate::common::*;
use pixbench_core::ErrorKind;

use pixbench_core::metrics::ALGO;

fn picture(edge: u32, shift: f32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(edge, edge, |x, y| {
        let (fx, fy) = (x as f32 / edge as f32, y as f32 / edge as f32);
        let v = 128.0 + 100.0 * ((fx + shift) * 9.0).sin() * ((fy - shift) * 5.0).cos();
        image::Rgb([v as u8, (255.0 - v) as u8, (fx * 255.0) as u8])
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

#[tokio::test]
async fn a_pair_is_computed_once_cached_and_answered_in_either_order() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let a = e.blobs().put(&picture(256, 0.0)).unwrap();
    let b = e.blobs().put(&picture(512, 0.0)).unwrap(); // the same picture, twice the size
    let c = e.blobs().put(&picture(256, 0.4)).unwrap();

    let first = e.metrics.pair(&b, &a).await.unwrap();
    assert!(!first.cached);
    assert_eq!((first.sha_a.as_str(), first.sha_b.as_str()), (b.as_str(), a.as_str()), "answered in the order asked");
    assert_eq!((first.width, first.height), (256, 256), "compared at the smaller size");
    assert!(first.ssim > 0.95, "{first:?}");
    assert_eq!(first.algo, ALGO);
    let again = e.metrics.pair(&a, &b).await.unwrap();
    assert!(again.cached);
    assert_eq!((again.ssim, again.psnr_db, again.phash_distance), (first.ssim, first.psnr_db, first.phash_distance));

    let rows: Vec<(String, String, String)> = e
        .store()
        .with_transaction(|tx| {
            let mut st = tx.prepare("SELECT sha_a, sha_b, algo FROM metric_pairs")?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect();
            rows
        })
        .unwrap();
    let (lo, hi) = if a < b { (a.clone(), b.clone()) } else { (b.clone(), a.clone()) };
    assert_eq!(rows, vec![(lo, hi, ALGO.to_string())], "one row, sha_a < sha_b");

    let same = e.metrics.pair(&a, &a).await.unwrap();
    assert_eq!((same.ssim, same.psnr_db, same.phash_distance), (1.0, None, 0), "NULL psnr reads back as infinite");
    assert!(e.metrics.pair(&a, &a).await.unwrap().cached);
    let far = e.metrics.pair(&a, &c).await.unwrap();
    assert!(far.ssim < first.ssim && far.phash_distance > first.phash_distance, "{far:?}");

    let bad = e.metrics.pair("nope", &a).await.unwrap_err();
    assert!(pixbench_core::api::UiError::from(bad).message.contains("not an image of this history"));
    let missing = e.metrics.pair(&"0".repeat(64), &a).await.unwrap_err();
    assert_eq!(pixbench_core::api::UiError::from(missing).kind, ErrorKind::Metrics);
}

#[tokio::test]
async fn different_shapes_answer_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let square = e.blobs().put(&png_bytes(64, 64, [10, 20, 30])).unwrap();
    let wide = e.blobs().put(&png_bytes(128, 64, [10, 20, 30])).unwrap();
    let e = pixbench_core::api::UiError::from(e.metrics.pair(&square, &wide).await.unwrap_err());
    assert_eq!(e.kind, ErrorKind::Metrics);
    assert!(e.message.contains("64×64 and 128×64") && e.message.contains("same aspect ratio"), "{}", e.message);
}

#[tokio::test]
async fn the_worth_table_has_one_step_per_variant_pair_of_each_model() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    // Flash at 512, 1K and 2K (out of order) plus one gpt-image-2 variant alone: one table.
    let s = spec("a lighthouse at dusk", &[(FLASH[2], 1), (FLASH[0], 1), (FLASH[1], 1), ("gpt-image-2", 1)]);
    let r = e.runs.start(s, false).await.unwrap();
    let run = e.runs.wait(&r.id).await.unwrap();
    assert_eq!(run.status, pixbench_core::api::RunStatus::Done);

    let w = e.metrics.worth(&r.id).await.unwrap();
    assert_eq!(w.tables.len(), 1, "{w:?}");
    let t = &w.tables[0];
    assert_eq!(t.model, "gemini-3.1-flash-image-preview");
    let steps: Vec<&str> = t.steps.iter().map(|s| s.step.as_str()).collect();
    assert_eq!(steps, vec!["512→1K", "1K→2K"]);
    let cat = e.catalog.get();
    let price = |id: &str| cat.get(id).unwrap().credits;
    for (s, (lo, hi)) in t.steps.iter().zip([(FLASH[0], FLASH[1]), (FLASH[1], FLASH[2])]) {
        assert_eq!((s.lower_id.as_str(), s.higher_id.as_str()), (lo, hi));
        assert_eq!(s.credit_delta, price(hi) - price(lo));
        let m = s.metrics.as_ref().expect("compared");
        assert_eq!((m.width, m.height), (s.lower_width, s.lower_height), "at the lower variant's size");
        assert!(s.higher_width > s.lower_width);
        assert!(s.latency_delta_ms.is_some());
        assert!(s.verdict.contains(&format!("{:+} credits", s.credit_delta)), "{}", s.verdict);
        assert_eq!(s.adds_little, s.verdict.starts_with("adds little"));
    }
    assert!(w.rule.contains("0.98"));
    // Asked again: every pair from the cache.
    let again = e.metrics.worth(&r.id).await.unwrap();
    assert!(again.tables[0].steps.iter().all(|s| s.metrics.as_ref().unwrap().cached));
}
