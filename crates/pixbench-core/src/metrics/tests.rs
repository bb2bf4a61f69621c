use super::worth::{verdict, ADDS_LITTLE_PHASH, ADDS_LITTLE_SSIM};
use super::*;

fn view(ssim: f64, phash: u32) -> PairMetricsView {
    PairMetricsView {
        sha_a: "a".into(),
        sha_b: "b".into(),
        algo: ALGO.into(),
        width: 1024,
        height: 1024,
        ssim,
        psnr_db: Some(40.0),
        phash_distance: phash,
        computed_ms: 1.0,
        cached: false,
    }
}

#[test]
fn the_verdict_follows_the_documented_rule() {
    let (little, line) = verdict(&view(ADDS_LITTLE_SSIM, ADDS_LITTLE_PHASH), 4, Some(1500.0));
    assert!(little);
    assert_eq!(line, "adds little at the lower size: +4 credits, +1.5 s");
    let (little, line) = verdict(&view(0.91, 2), 1, None);
    assert!(!little);
    assert_eq!(line, "adds detail that shows at the lower size (SSIM 0.910): +1 credit");
    let (little, line) = verdict(&view(0.99, 5), 6, Some(-200.0));
    assert!(!little, "a high SSIM with a moved hash is not 'little'");
    assert!(line.ends_with("+6 credits, -0.2 s"), "{line}");
    let (little, line) = verdict(&view(0.2, 30), 6, None);
    assert!(!little);
    assert!(line.starts_with("a different picture (pHash 30)"), "{line}");
}

#[test]
fn bench_pairs_match_prompt_and_repeat_against_the_reference_target() {
    use crate::bench::Sample;
    let s = |seq: u32, target: u32, prompt: u32, repeat: u32, ok: bool, warmup: bool| {
        let mut v: Sample = serde_json::from_value(serde_json::json!({
            "seq": seq, "warmup": warmup, "prompt_idx": prompt, "prompt": "p", "target_idx": target,
            "model": format!("m{target}"), "n": 1, "repeat": repeat, "run_id": null, "status": "done",
            "ok": ok, "is_async": false, "images": 1, "credits": 1, "start_ms": 0.0, "end_ms": 1.0,
            "wall_ms": 1.0, "total_ms": 1.0, "send_ms": null, "ttfb_ms": null, "body_ms": null,
            "decode_ms": null, "download_ms": null, "submit_ms": null, "wait_ms": null, "polls": null,
            "http_status": 200, "attempts": 1, "request_id": null, "error_kind": null, "error": null,
            "outputs": []
        }))
        .unwrap();
        if ok {
            v.outputs = vec![format!("{seq:064}")];
        }
        v
    };
    let samples = vec![
        s(0, 0, 0, 0, true, true), // warm-up: never a reference
        s(1, 0, 0, 0, true, false),
        s(2, 1, 0, 0, true, false),
        s(3, 0, 1, 0, false, false), // the reference failed: its partner has no pair
        s(4, 1, 1, 0, true, false),
        s(5, 0, 0, 1, true, false),
        s(6, 1, 0, 1, true, false),
        s(7, 2, 0, 1, true, false),
    ];
    let got: Vec<(u32, u32)> = bench::pairs(&samples, 0).iter().map(|(a, r)| (a.seq, r.seq)).collect();
    assert_eq!(got, vec![(2, 1), (6, 5), (7, 5)]);
}

#[test]
fn decoding_refuses_a_bomb_from_its_header() {
    let mut png = Vec::new();
    {
        let mut enc = ::png::Encoder::new(&mut png, 60_000, 60_000);
        enc.set_color(::png::ColorType::Grayscale);
        let mut w = enc.write_header().unwrap();
        w.write_chunk(::png::chunk::IDAT, &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]).unwrap();
    }
    let e = decode_limited(&png).unwrap_err();
    assert!(e.contains("60000×60000"), "{e}");
    let e = compare_bytes(b"not an image", &png).unwrap_err();
    assert!(e.starts_with("The first image could not be read"), "{e}");
}
