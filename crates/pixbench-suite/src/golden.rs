//! Golden images: one approved output per case, kept in the workspace beside its request
//! (`hero.toml` → `hero.golden/`), so a pull request shows a changed golden as a changed
//! image. A case is the target (model and swept values) and the image's index; its file
//! name is safe on every system (`:`, `/`, braces and spaces replaced).

use std::path::{Path, PathBuf};

use pixbench_core::api::TargetView;
use pixbench_metrics::PairMetrics;

/// The largest golden read back (a 4K PNG is far below).
const MAX_GOLDEN_BYTES: u64 = 64 * 1024 * 1024;
/// The formats a golden is kept in (an output's own).
const EXTENSIONS: &[&str] = &["png", "jpg", "webp"];

/// The golden folder of one request file.
#[derive(Debug, Clone)]
pub struct Goldens {
    pub dir: PathBuf,
}

/// How an output compared with its golden.
#[derive(Debug, Clone, PartialEq)]
pub enum GoldenOutcome {
    /// There is no golden for this case yet.
    Missing,
    Compared(PairMetrics),
    /// The golden or the output could not be read or compared (the reason, for a person).
    Failed(String),
}

impl Goldens {
    /// The goldens of the request file at `request` (its folder, its stem + `.golden`).
    pub fn beside(request: &Path) -> Goldens {
        let stem = request.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "request".into());
        let dir = request.parent().unwrap_or(Path::new(".")).join(format!("{stem}.golden"));
        Goldens { dir }
    }

    /// The case's file name without its extension: `gpt-image-2_quality-high_1`, after
    /// `row-N_` for a data row (N its line in the data file).
    pub fn case_name(target: &TargetView, output_idx: usize, row: Option<usize>) -> String {
        let mut parts: Vec<String> = row.map(|l| format!("row-{l}")).into_iter().collect();
        parts.push(target.model_id.clone());
        for a in target.axes.iter().filter(|a| a.axis != "model") {
            parts.push(format!("{}-{}", a.axis.trim_matches(|c| c == '{' || c == '}'), a.value));
        }
        parts.push((output_idx + 1).to_string());
        safe_name(&parts.join("_"))
    }

    /// The golden kept for a case, in whichever format it was kept.
    pub fn find(&self, case: &str) -> Option<PathBuf> {
        EXTENSIONS.iter().map(|e| self.dir.join(format!("{case}.{e}"))).find(|p| p.is_file())
    }

    /// Keeps `bytes` (an output as delivered) as the case's golden, replacing one of
    /// another format. Answers the file written.
    pub fn write(&self, case: &str, bytes: &[u8]) -> Result<PathBuf, String> {
        let ext = match pixbench_core::references::sniff(bytes) {
            Some("png") => "png",
            Some("jpeg") => "jpg",
            Some("webp") => "webp",
            other => return Err(format!("an output of format {} cannot be a golden", other.unwrap_or("unknown"))),
        };
        let path = self.dir.join(format!("{case}.{ext}"));
        pixbench_core::blobs::write_atomic(&path, bytes).map_err(|e| e.to_string())?;
        for e in EXTENSIONS.iter().filter(|e| **e != ext) {
            let _ = std::fs::remove_file(self.dir.join(format!("{case}.{e}")));
        }
        Ok(path)
    }

    /// Compares an output (its bytes) with the case's golden.
    pub fn compare(&self, case: &str, output: &[u8]) -> GoldenOutcome {
        let Some(path) = self.find(case) else { return GoldenOutcome::Missing };
        let golden = match read_bounded(&path) {
            Ok(b) => b,
            Err(e) => return GoldenOutcome::Failed(e),
        };
        let decode =
            |b: &[u8], what: &str| image::load_from_memory(b).map_err(|e| format!("{what} cannot be decoded: {e}"));
        let (a, b) = match (decode(&golden, "the golden"), decode(output, "the output")) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => return GoldenOutcome::Failed(e),
        };
        match pixbench_metrics::compare(&b, &a) {
            Ok(m) => GoldenOutcome::Compared(m),
            Err(e) => GoldenOutcome::Failed(e.to_string()),
        }
    }
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let f = std::fs::File::open(path).map_err(|e| format!("the golden {name} cannot be read: {e}"))?;
    let mut out = Vec::new();
    f.take(MAX_GOLDEN_BYTES + 1).read_to_end(&mut out).map_err(|e| format!("the golden {name} cannot be read: {e}"))?;
    if out.len() as u64 > MAX_GOLDEN_BYTES {
        return Err(format!("the golden {name} is larger than {} MB", MAX_GOLDEN_BYTES / 1024 / 1024));
    }
    Ok(out)
}

/// A file name every system takes: letters, digits, `.`, `_` and `-`; anything else
/// becomes `-` (so `16:9` is `16-9`, a `/` in an id is no folder). Bounded in length.
pub fn safe_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let ok = c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-';
        let c = if ok { c } else { '-' };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    let out = out.trim_matches(|c| c == '-' || c == '.').to_string();
    let mut out: String = out.chars().take(120).collect();
    if out.is_empty() {
        out.push_str("case");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_on_every_system() {
        assert_eq!(safe_name("gpt-image-2_aspect_ratio-16:9_1"), "gpt-image-2_aspect_ratio-16-9_1");
        assert_eq!(safe_name("org/model:v2 {{style}}_1"), "org-model-v2-style-_1");
        assert_eq!(safe_name("../../etc/passwd"), "etc-passwd");
        assert_eq!(safe_name("::"), "case");
        assert_eq!(safe_name(&"x".repeat(500)).len(), 120);
    }

    #[test]
    fn the_golden_folder_sits_beside_the_request() {
        assert_eq!(Goldens::beside(Path::new("ws/hero/banner.toml")).dir, Path::new("ws/hero/banner.golden"));
    }

    #[test]
    fn a_golden_is_written_read_back_and_compared() {
        let dir = tempfile::tempdir().unwrap();
        let g = Goldens { dir: dir.path().join("a.golden") };
        let img = image::RgbImage::from_fn(64, 64, |x, y| image::Rgb([(x * 4) as u8, (y * 4) as u8, 128]));
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(img.clone())
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert_eq!(g.compare("c_1", &png), GoldenOutcome::Missing);
        let path = g.write("c_1", &png).unwrap();
        assert!(path.ends_with("a.golden/c_1.png"));
        match g.compare("c_1", &png) {
            GoldenOutcome::Compared(m) => assert!(m.ssim > 0.999 && m.phash_distance == 0, "{m:?}"),
            other => panic!("{other:?}"),
        }
        // Another picture of the same shape compares, and differs.
        let flipped = image::imageops::flip_horizontal(&img);
        let mut other = Vec::new();
        image::DynamicImage::ImageRgb8(flipped)
            .write_to(&mut std::io::Cursor::new(&mut other), image::ImageFormat::Png)
            .unwrap();
        match g.compare("c_1", &other) {
            GoldenOutcome::Compared(m) => assert!(m.ssim < 0.9, "{m:?}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(g.compare("c_1", b"not an image"), GoldenOutcome::Failed(e) if e.contains("the output")));
        assert!(g.write("c_2", b"GIF89a").is_err(), "only an output's own formats");
    }
}
