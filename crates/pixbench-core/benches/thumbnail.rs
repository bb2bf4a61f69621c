//! Thumbnails: a 4096 px PNG becomes a grid thumbnail in at most 1.3x the time of merely
//! decoding that PNG. Measured on the Sandbox's own photo-like 4K output (the bytes a
//! 4K answer delivers, about 14 MB) and, for comparison with earlier figures, on a
//! synthetic gradient-and-noise PNG. `cargo bench -p pixbench-core --bench thumbnail`

use std::io::Cursor;
use std::time::Instant;

use pixapi_sim::imagegen::{encode, render, Encoding, Spec};

fn synthetic(edge: u32) -> Vec<u8> {
    // Smooth gradients plus fine noise, so the PNG compresses like a photo (~10 MB).
    let mut seed = 0x9E3779B9u32;
    let img = image::RgbImage::from_fn(edge, edge, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let n = (seed & 0x1f) as i32 - 16;
        let fx = x as f32 / edge as f32;
        let fy = y as f32 / edge as f32;
        let r = (128.0 + 100.0 * (fx * 9.0).sin() * (fy * 4.0).cos()) as i32 + n;
        let g = (128.0 + 90.0 * (fy * 7.0 + fx * 3.0).sin()) as i32 + n;
        let b = (128.0 + 80.0 * ((fx - fy) * 11.0).cos()) as i32 + n;
        image::Rgb([r.clamp(0, 255) as u8, g.clamp(0, 255) as u8, b.clamp(0, 255) as u8])
    });
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

fn sandbox(edge: u32) -> Vec<u8> {
    let spec = Spec {
        prompt: "thumbnail benchmark: a harbour at dawn".into(),
        index: 0,
        width: edge,
        height: edge,
        references: vec![],
        encoding: Encoding::Png,
    };
    encode(&render(&spec), Encoding::Png)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn measure(label: &str, png: &[u8]) -> f64 {
    println!("{label}: 4096x4096 PNG, {:.1} MB", png.len() as f64 / 1e6);
    let runs = 7;
    // Turns taken, so that other load on the machine falls on both alike.
    let (mut decode, mut thumb) = (vec![], vec![]);
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(image::load_from_memory(png).unwrap());
        decode.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        std::hint::black_box(pixbench_core::blobs::make_thumbnail(png, pixbench_core::blobs::THUMB_EDGE).unwrap());
        thumb.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (d, t) = (median(decode), median(thumb));
    println!("  decode only        median {d:7.1} ms ({runs} runs)");
    println!("  decode + thumbnail median {t:7.1} ms");
    t / d
}

fn main() {
    let sandbox_ratio = measure("Sandbox 4K output", &sandbox(4096));
    let synthetic_ratio = measure("synthetic", &synthetic(4096));
    println!("RESULT thumbnail_over_decode_ratio={sandbox_ratio:.2} (Sandbox 4K; goal <= 1.30)");
    println!("RESULT thumbnail_over_decode_ratio_synthetic={synthetic_ratio:.2}");
}
