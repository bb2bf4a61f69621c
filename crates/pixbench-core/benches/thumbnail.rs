//! Thumbnails: a photo-like 4096 px PNG becomes a grid thumbnail in at most 1.3x the time
//! of merely decoding that PNG. `cargo bench -p pixbench-core --bench thumbnail`

use std::io::Cursor;
use std::time::Instant;

fn photo_like(edge: u32) -> Vec<u8> {
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

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let png = photo_like(4096);
    println!("4096x4096 PNG: {:.1} MB", png.len() as f64 / 1e6);
    let runs = 7;
    let decode: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(image::load_from_memory(&png).unwrap());
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let thumb: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(pixbench_core::blobs::make_thumbnail(&png, pixbench_core::blobs::THUMB_EDGE).unwrap());
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let (d, t) = (median(decode), median(thumb));
    println!("decode only        median {d:7.1} ms");
    println!("decode + thumbnail median {t:7.1} ms");
    println!("RESULT thumbnail_over_decode_ratio={:.2} (goal <= 1.30)", t / d);
}
