//! A 4K pair (4096 × 4096, photo-like) compared at full size, and a 4K output against a 2K
//! one (downscaled first, as the resolution-worth-it table does). Goal: under 1 s each.
//! `cargo bench -p pixbench-metrics --bench pair`
//!
//! Before criterion's figures it prints each case's CPU time per pair (user + system, from
//! /proc/self/stat on Linux): unlike wall time it does not grow when other processes load
//! the machine; wall time on an idle machine lies between CPU time / cores and CPU time.

use criterion::{criterion_group, Criterion};
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

/// CPU seconds this process has used (Linux; `None` elsewhere).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) end at its closing parenthesis.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0) // USER_HZ is 100 on Linux
}

fn cpu_figures() {
    let a = photo_like(4096, 1);
    let b = photo_like(4096, 2);
    let half = photo_like(2048, 3);
    for (name, x, y) in [("4096x4096 vs 4096x4096", &a, &b), ("4096x4096 vs 2048x2048", &a, &half)] {
        let runs = 5;
        let (c0, t0) = (cpu_seconds(), std::time::Instant::now());
        for _ in 0..runs {
            std::hint::black_box(pixbench_metrics::compare(x, y).unwrap());
        }
        let wall = t0.elapsed().as_secs_f64() / runs as f64;
        match (c0, cpu_seconds()) {
            (Some(c0), Some(c1)) => {
                println!(
                    "{name}: {:.0} ms CPU per pair, {:.0} ms wall",
                    (c1 - c0) / runs as f64 * 1000.0,
                    wall * 1000.0
                )
            }
            _ => println!("{name}: {:.0} ms wall per pair", wall * 1000.0),
        }
    }
}

criterion_group!(benches, pairs);

fn main() {
    cpu_figures();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
