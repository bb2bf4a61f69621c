//! A 4K pair (4096 × 4096, photo-like) compared at full size, and a 4K output against a 2K
//! one (downscaled first, as the resolution-worth-it table does). Goal: under 1 s each.
//! `cargo bench -p pixbench-metrics --bench pair`

use criterion::{criterion_group, criterion_main, Criterion};
use image::{DynamicImage, RgbImage};

fn photo_like(edge: u32, seed: u32) -> DynamicImage {
    let mut s = seed.wrapping_mul(0x9E37_79B9) | 1;
    DynamicImage::ImageRgb8(RgbImage::from_fn(edge, edge, |x, y| {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        let n = (s & 0x1f) as f32 - 16.0;
        let (fx, fy) = (x as f32 / edge as f32, y as f32 / edge as f32);
        let r = 128.0 + 100.0 * (fx * 9.0).sin() * (fy * 4.0).cos() + n;
        let g = 128.0 + 90.0 * (fy * 7.0 + fx * 3.0).sin() + n;
        let b = 128.0 + 80.0 * ((fx - fy) * 11.0).cos() + n;
        image::Rgb([r.clamp(0.0, 255.0) as u8, g.clamp(0.0, 255.0) as u8, b.clamp(0.0, 255.0) as u8])
    }))
}

fn pairs(c: &mut Criterion) {
    let a = photo_like(4096, 1);
    let b = photo_like(4096, 2);
    let half = photo_like(2048, 3);
    let mut g = c.benchmark_group("metrics");
    g.sample_size(10);
    g.bench_function("4096x4096 vs 4096x4096", |bench| bench.iter(|| pixbench_metrics::compare(&a, &b).unwrap()));
    g.bench_function("4096x4096 vs 2048x2048 (downscale)", |bench| {
        bench.iter(|| pixbench_metrics::compare(&a, &half).unwrap())
    });
    g.finish();
}

criterion_group!(benches, pairs);
criterion_main!(benches);
