//! `pixbench metrics`: SSIM, PSNR and perceptual-hash distance of two image files, or the
//! "was the resolution worth it" tables of a run in history.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use pixbench_core::files::{read_bounded, MAX_REFERENCE_FILE};
use pixbench_core::metrics::worth::WorthReport;
use pixbench_core::metrics::{compare_bytes, ALGO, METHOD};

use crate::{open_engine_plain, CliError, Global, Res};

pub const METRICS_AFTER_HELP: &str = "\
EXAMPLES
  pixbench metrics a.png b.png              # two files (any size, same aspect ratio)
  pixbench metrics --run RUN_ID             # a run of one model's variants: worth-it table
  pixbench metrics a.png b.png --json

THE FIGURES
  Both images are compared at the smaller one's size (the larger is downscaled by area
  averaging); images whose aspect ratios differ by more than 1% are refused.
  SSIM: structural similarity on luma (image-compare, 8x8 windows), 1 = identical.
  PSNR: over RGB, in dB; inf for identical images.
  pHash: Hamming distance of 64-bit DCT perceptual hashes (image_hasher): 0 = same
  picture, about 32 = unrelated.

WAS THE RESOLUTION WORTH IT (--run)
  For each model with two variants or more in the run (catalog entries sharing the model
  id sent), ordered by delivered pixels: each higher variant's first image downscaled to
  the lower one's size and compared with it, with the credit and latency deltas. Verdict:
  SSIM >= 0.98 and pHash <= 4 -> adds little at the lower size; pHash > 12 -> a different
  picture (the metrics cannot tell detail from a new sample); otherwise it adds detail.
  Metrics of stored images are cached in the history database.";

#[derive(Args)]
pub struct MetricsArgs {
    /// Two image files to compare.
    #[arg(value_name = "IMAGE", num_args = 0..=2)]
    files: Vec<PathBuf>,
    /// A run in history: its "was the resolution worth it" tables.
    #[arg(long, value_name = "RUN_ID", conflicts_with = "files")]
    run: Option<String>,
}

pub async fn metrics_cmd(g: &Global, a: MetricsArgs) -> Res<ExitCode> {
    if let Some(run_id) = a.run {
        let (engine, _) = open_engine_plain(g).await?;
        let report = engine.metrics.worth(&run_id).await?;
        if g.json {
            println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
        } else {
            print!("{}", worth_text(&report));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let [fa, fb] = a.files.as_slice() else {
        return Err(CliError::Config(
            "Give two image files (pixbench metrics A.png B.png) or a run (pixbench metrics --run RUN_ID).".into(),
        ));
    };
    let read = |p: &PathBuf| {
        read_bounded(p, MAX_REFERENCE_FILE)
            .map_err(|e| CliError::Config(format!("Could not read {}: {e}.", p.display())))
    };
    let (ba, bb) = (read(fa)?, read(fb)?);
    let m = tokio::task::spawn_blocking(move || compare_bytes(&ba, &bb))
        .await
        .map_err(|e| CliError::Config(e.to_string()))?
        .map_err(CliError::Config)?;
    if g.json {
        let doc = serde_json::json!({
            "a": fa, "b": fb, "width": m.width, "height": m.height, "ssim": m.ssim,
            "psnr_db": m.psnr_db, "phash_distance": m.phash_distance, "computed_ms": m.computed_ms,
            "algo": ALGO, "method": METHOD,
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        println!("compared at  {} x {} (the smaller image's size)", m.width, m.height);
        println!("SSIM         {:.4}", m.ssim);
        println!(
            "PSNR         {}",
            m.psnr_db.map(|p| format!("{p:.2} dB")).unwrap_or_else(|| "inf (identical)".into())
        );
        println!("pHash        {} of 64 bits differ", m.phash_distance);
        println!("time         {:.0} ms", m.computed_ms);
    }
    Ok(ExitCode::SUCCESS)
}

/// The worth-it tables as text: one table per model, one row per step.
pub fn worth_text(r: &WorthReport) -> String {
    let mut s = String::new();
    if r.tables.is_empty() {
        let _ = writeln!(s, "No model has two variants with an image in run {}: nothing to compare.", r.run_id);
        return s;
    }
    for t in &r.tables {
        let _ = writeln!(s, "{} ({})", t.label, t.model);
        let _ = writeln!(
            s,
            "  {:<10} {:>6} {:>9} {:>6} {:>8} {:>8}  verdict",
            "step", "SSIM", "PSNR", "pHash", "credits", "latency"
        );
        for st in &t.steps {
            let (ssim, psnr, phash) = match &st.metrics {
                Some(m) => (
                    format!("{:.3}", m.ssim),
                    m.psnr_db.map(|p| format!("{p:.1} dB")).unwrap_or_else(|| "inf".into()),
                    m.phash_distance.to_string(),
                ),
                None => ("-".into(), "-".into(), "-".into()),
            };
            let latency = st.latency_delta_ms.map(|ms| format!("{:+.1} s", ms / 1000.0)).unwrap_or_else(|| "-".into());
            let _ = writeln!(
                s,
                "  {:<10} {:>6} {:>9} {:>6} {:>8} {:>8}  {}",
                st.step,
                ssim,
                psnr,
                phash,
                format!("{:+}", st.credit_delta),
                latency,
                st.verdict
            );
        }
    }
    let _ = writeln!(s, "rule: {}", r.rule);
    s
}
