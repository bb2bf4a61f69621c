//! `pixbench metrics` on two files and on a run of one model's variants (its worth-it
//! table), and the metric columns of a benchmark's CSV, all on the in-process Sandbox.

use std::path::Path;

use crate::common::pixbench;
fn text(o: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn png(path: &Path, edge: u32, shift: f32) {
    let img = image::RgbImage::from_fn(edge, edge, |x, y| {
        let (fx, fy) = (x as f32 / edge as f32, y as f32 / edge as f32);
        let v = 128.0 + 100.0 * ((fx + shift) * 9.0).sin() * ((fy - shift) * 5.0).cos();
        image::Rgb([v as u8, (255.0 - v) as u8, (fx * 255.0) as u8])
    });
    img.save(path).unwrap();
}

#[test]
fn two_files_print_their_metrics_and_bad_input_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, wide) = (dir.path().join("a.png"), dir.path().join("b.png"), dir.path().join("wide.png"));
    png(&a, 256, 0.0);
    png(&b, 512, 0.0);
    image::RgbImage::new(300, 100).save(&wide).unwrap();
    let data = dir.path().join("data");

    let o = pixbench(&data, &["metrics", a.to_str().unwrap(), a.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("SSIM         1.0000") && out.contains("inf (identical)") && out.contains("0 of 64"), "{out}");

    let o = pixbench(&data, &["metrics", a.to_str().unwrap(), b.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((v["width"].as_u64(), v["height"].as_u64()), (Some(256), Some(256)), "{v}");
    assert!(v["ssim"].as_f64().unwrap() > 0.95, "{v}");

    let o = pixbench(&data, &["metrics", a.to_str().unwrap(), wide.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("same aspect ratio"), "{}", text(&o));
    let o = pixbench(&data, &["metrics", a.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("Give two image files"), "{}", text(&o));
}

#[test]
fn a_comparison_of_variants_gets_a_worth_table_and_a_bench_csv_metric_columns() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let o = pixbench(
        &data,
        &[
            "--sandbox",
            "--json",
            "compare",
            "--prompt",
            "a lighthouse at dusk",
            "--target",
            "gemini-3.1-flash-image-preview-512",
            "--target",
            "gemini-3.1-flash-image-preview",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let run_id = r["samples"][0]["run_id"].as_str().unwrap().to_string();

    let o = pixbench(&data, &["metrics", "--run", &run_id]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("gemini-3.1-flash-image-preview)"), "{out}");
    let rows: Vec<&str> = out.lines().filter(|l| l.trim_start().starts_with("512→1K")).collect();
    assert_eq!(rows.len(), 1, "{out}");
    assert!(out.contains("rule: SSIM ≥ 0.98"), "{out}");

    let m = dir.path().join("m.toml");
    std::fs::write(
        &m,
        "prompts = [\"a red fox\"]\ntargets = [\"gemini-3.1-flash-image-preview-512\", \"gemini-3.1-flash-image-preview\"]\n",
    )
    .unwrap();
    let csv_path = dir.path().join("r.csv");
    let o = pixbench(&data, &["--sandbox", "-q", "bench", m.to_str().unwrap(), "--out", csv_path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let mut rdr = csv::Reader::from_path(&csv_path).unwrap();
    let head = rdr.headers().unwrap().clone();
    let col = |n: &str| head.iter().position(|h| h == n).unwrap_or_else(|| panic!("no column {n}"));
    let (model, ssim, phash, ref_seq) = (col("model"), col("ssim"), col("phash_distance"), col("ref_seq"));
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        if &row[model] == "gemini-3.1-flash-image-preview-512" {
            assert_eq!(&row[ssim], "", "the reference has no metrics against itself");
        } else {
            let v: f64 = row[ssim].parse().unwrap();
            assert!(v > 0.0 && v <= 1.0, "{v}");
            assert!(row[phash].parse::<u32>().is_ok());
            assert!(!row[ref_seq].is_empty());
        }
    }
}
