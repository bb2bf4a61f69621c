//! Exports: "copy as curl", a comparison's contact sheet (one PNG rendered here), all of
//! a run's images with readable names, and a session's outputs (with its blind A/B votes
//! and leaderboard) as CSV or JSON.

use std::path::{Path, PathBuf};

use image::{Rgb, RgbImage};
use serde::Serialize;

use crate::api::*;
use std::sync::Arc;

use crate::blobs::Blobs;
use crate::error::{ui, CoreError, CoreResult};
use crate::files::{exports_dir, slug, unused_name, write_file};
use crate::infra::CatalogHandle;
use crate::recipe::Recipes;
use crate::runs::Runs;
use crate::session::Sessions;
use crate::store::Store;
use crate::votes::Votes;

/// The exports service.
pub struct Exports {
    store: Arc<Store>,
    blobs: Blobs,
    catalog: CatalogHandle,
    runs: Arc<Runs>,
    sessions: Arc<Sessions>,
    votes: Arc<Votes>,
    recipes: Arc<Recipes>,
    data_dir: PathBuf,
}

/// What exports need from the rest of the engine, passed in.
pub struct ExportsDeps {
    pub store: Arc<Store>,
    pub blobs: Blobs,
    pub catalog: CatalogHandle,
    pub runs: Arc<Runs>,
    pub sessions: Arc<Sessions>,
    pub votes: Arc<Votes>,
    pub recipes: Arc<Recipes>,
    pub data_dir: PathBuf,
}

impl Exports {
    pub fn new(d: ExportsDeps) -> Exports {
        Exports {
            store: d.store,
            blobs: d.blobs,
            catalog: d.catalog,
            runs: d.runs,
            sessions: d.sessions,
            votes: d.votes,
            recipes: d.recipes,
            data_dir: d.data_dir,
        }
    }

    /// A curl command for one target's request; the key is read from `$PIXAPI_KEY`,
    /// reference images are `-F` parts pointing at their stored files.
    pub fn curl(&self, run_id: &str, target_idx: u32) -> CoreResult<String> {
        let run = self.runs.get(run_id)?;
        let t = run
            .targets
            .iter()
            .find(|t| t.idx == target_idx)
            .ok_or_else(|| CoreError::Ui(ui(ErrorKind::NotFound, "That target is not part of the run.")))?;
        let req = t
            .request
            .as_ref()
            .ok_or_else(|| CoreError::Ui(ui(ErrorKind::NotFound, "This target has no stored request.")))?;
        let files: Vec<PathBuf> = run.references.iter().map(|r| self.blobs.image_path(&r.sha256)).collect();
        let desc = crate::request::request_description(req);
        Ok(pixapi::to_curl(&desc, &files))
    }

    /// Writes every image of a run into `dir` with readable names, each with its recipe
    /// (`recipe.rs`); answers how many.
    pub fn images(&self, run_id: &str, dir: &Path) -> CoreResult<usize> {
        let run = self.runs.get(run_id)?;
        let (row, catalog) = (self.store.run_row(run_id)?, self.catalog.get());
        let base = slug(&run.prompt, 40);
        let mut n = 0;
        for t in &run.targets {
            for o in &t.outputs {
                let bytes =
                    self.blobs.get(&o.sha256).map_err(|e| CoreError::Ui(ui(ErrorKind::Missing, e.to_string())))?;
                let (bytes, _) =
                    self.recipes.with_recipe(&crate::recipe::Recipe::of_output(&row, t, o, &catalog), bytes);
                let ext =
                    crate::references::sniff(&bytes).map(|f| if f == "jpeg" { "jpg" } else { f }).unwrap_or("png");
                // A catalog id comes from a file (`/`, `..`): slugged, it stays one name in `dir`.
                let stem =
                    format!("{base}_t{}_{}_{}x{}_{}", t.idx + 1, slug(&t.model_id, 60), o.width, o.height, o.idx + 1);
                write_file(&unused_name(dir, &stem, ext), &bytes)?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// A stored output's bytes, as delivered (a suite keeps them as a golden image).
    pub fn output_bytes(&self, sha256: &str) -> CoreResult<Vec<u8>> {
        self.blobs.get(sha256).map_err(|e| CoreError::Ui(ui(ErrorKind::Missing, e.to_string())))
    }

    /// One PNG of a comparison's grid: a title with the prompt, one column per target,
    /// one row per output, a label under each image. Answers the file written.
    pub fn contact_sheet(&self, run_id: &str, path: Option<PathBuf>) -> CoreResult<PathBuf> {
        let run = self.runs.get(run_id)?;
        let catalog = self.catalog.get();
        // People's names for models ("Nano Banana 2 · 4K"); the id when the catalog lacks it.
        let names: Vec<String> = run
            .targets
            .iter()
            .map(|t| catalog.get(&t.model_id).map(|e| e.label.clone()).unwrap_or_else(|| t.model_id.clone()))
            .collect();
        let mut cells: Vec<Vec<SheetCell>> = vec![];
        let rows = run.targets.iter().map(|t| t.outputs.len().max(1)).max().unwrap_or(1);
        for (t, name) in run.targets.iter().zip(&names) {
            let mut col = vec![];
            for r in 0..rows {
                let cell = match t.outputs.get(r) {
                    Some(o) => {
                        let thumb = self
                            .blobs
                            .thumb(&o.sha256)
                            .map_err(|e| CoreError::Ui(ui(ErrorKind::Missing, e.to_string())))?;
                        let img = image::load_from_memory(&thumb)
                            .map_err(|e| CoreError::Ui(ui(ErrorKind::Decode, e.to_string())))?
                            .to_rgb8();
                        let latency = t.timing.as_ref().map(|x| format!("{:.0} ms", x.total_ms)).unwrap_or_default();
                        Some((
                            img,
                            if rows > 1 { format!("{name} · image {}", o.idx + 1) } else { name.clone() },
                            format!("{}x{}  {}  {} cr", o.width, o.height, latency, o.billing.cost.credits),
                        ))
                    }
                    None => None,
                };
                col.push(cell);
            }
            cells.push(col);
        }
        let sheet = render_sheet(&run.prompt, &cells, rows, &run.targets, &names);
        let mut out = Vec::new();
        sheet
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .map_err(|e| CoreError::Ui(ui(ErrorKind::Encode, e.to_string())))?;
        let path = match path {
            Some(p) => p,
            None => exports_dir(&self.data_dir)?.join(format!(
                "contact-sheet_{}_{}.png",
                slug(&run.prompt, 30),
                &run.id[..8.min(run.id.len())]
            )),
        };
        write_file(&path, &out)?;
        Ok(path)
    }

    /// Writes the current session's outputs (one row per output) as `csv` or `json`.
    pub fn session(&self, format: ExportFormat, path: Option<PathBuf>) -> CoreResult<PathBuf> {
        let session = self.sessions.current()?;
        let rows = self.session_rows(&session.id)?;
        let (bytes, ext) = match format {
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(vec![]);
                for r in &rows {
                    w.serialize(r).map_err(|e| CoreError::Ui(ui(ErrorKind::Encode, e.to_string())))?;
                }
                (w.into_inner().map_err(|e| CoreError::Ui(ui(ErrorKind::Encode, e.to_string())))?, "csv")
            }
            ExportFormat::Json => {
                #[derive(Serialize)]
                struct Doc<'a> {
                    session: &'a SessionView,
                    outputs: &'a [ExportRow],
                    /// Blind A/B votes cast in this session, and their leaderboard.
                    votes: Vec<crate::votes::VoteRecord>,
                    leaderboard: crate::votes::Leaderboard,
                }
                let scope = crate::votes::VoteScope::Session(session.id.clone());
                let (votes, leaderboard) = (self.votes.list(&scope)?, self.votes.leaderboard(&scope)?);
                let doc = Doc { session: &session, outputs: &rows, votes, leaderboard };
                (
                    serde_json::to_vec_pretty(&doc).map_err(|e| CoreError::Ui(ui(ErrorKind::Encode, e.to_string())))?,
                    "json",
                )
            }
        };
        let path = match path {
            Some(p) => p,
            None => exports_dir(&self.data_dir)?.join(format!("session_{}.{ext}", slug(&session.name, 40))),
        };
        write_file(&path, &bytes)?;
        if ext == "csv" {
            // CSV is one table a file: the votes and the leaderboard go beside it.
            self.votes.write_vote_csvs(&path)?;
        }
        Ok(path)
    }

    /// One row per requested image of a session: delivered ones with their figures,
    /// failed ones with their status and no credits.
    pub fn session_rows(&self, session_id: &str) -> CoreResult<Vec<ExportRow>> {
        let mut rows = vec![];
        for id in self.store.session_runs(session_id)? {
            let run = self.runs.get(&id)?;
            for t in &run.targets {
                let latency = t.timing.as_ref().map(|x| x.total_ms);
                for i in 0..t.n {
                    let o = t.outputs.iter().find(|o| o.idx == i);
                    rows.push(ExportRow {
                        time: run.created_at.clone(),
                        run_id: run.id.clone(),
                        profile: run.profile_name.clone(),
                        simulated: run.simulated,
                        prompt: run.prompt.clone(),
                        target: t.model_id.clone(),
                        output: i + 1,
                        width: o.map(|o| o.width),
                        height: o.map(|o| o.height),
                        latency_ms: latency,
                        status: if o.is_some() { "done".into() } else { t.status.as_str().into() },
                        credits: o.map(|o| o.billing.cost.credits).unwrap_or(0),
                        dollars: o.map(|o| o.billing.cost.usd).unwrap_or(0.0),
                        rating: o.and_then(|o| o.rating),
                        sha256: o.map(|o| o.sha256.clone()),
                    });
                }
            }
        }
        Ok(rows)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportRow {
    pub time: String,
    pub run_id: String,
    pub profile: String,
    pub simulated: bool,
    pub prompt: String,
    pub target: String,
    pub output: u32,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub latency_ms: Option<f64>,
    pub status: String,
    pub credits: i64,
    pub dollars: f64,
    pub rating: Option<u8>,
    pub sha256: Option<String>,
}

const CELL: u32 = 320;
const PAD: u32 = 16;
const LABEL_H: u32 = 44;
const TITLE_H: u32 = 56;
const BG: Rgb<u8> = Rgb([250, 250, 252]);
const INK: Rgb<u8> = Rgb([24, 24, 28]);
const MUTED: Rgb<u8> = Rgb([100, 100, 110]);

/// One cell of the sheet: the thumbnail and its two label lines, or nothing (a failed output).
type SheetCell = Option<(RgbImage, String, String)>;

fn render_sheet(
    prompt: &str,
    cells: &[Vec<SheetCell>],
    rows: usize,
    targets: &[TargetView],
    names: &[String],
) -> RgbImage {
    let cols = cells.len().max(1) as u32;
    let w = PAD + cols * (CELL + PAD);
    let h = TITLE_H + rows as u32 * (CELL + LABEL_H + PAD) + PAD;
    let mut img = RgbImage::from_pixel(w, h, BG);
    // The whole prompt where it fits: one line, else two smaller ones (cut only past them).
    let title = format!("Pixbench · {}", prompt.split_whitespace().collect::<Vec<_>>().join(" "));
    let width = w - 2 * PAD;
    if text_width(&title, 22.0) <= width as f32 {
        draw_text(&mut img, PAD, 14, &title, 22.0, width, INK);
    } else {
        let (first, rest) = split_to_width(&title, 16.0, width);
        draw_text(&mut img, PAD, 8, first, 16.0, width, INK);
        draw_text(&mut img, PAD, 28, rest, 16.0, width, INK);
    }
    for (c, col) in cells.iter().enumerate() {
        let x0 = PAD + c as u32 * (CELL + PAD);
        for (r, cell) in col.iter().enumerate() {
            let y0 = TITLE_H + r as u32 * (CELL + LABEL_H + PAD);
            fill(&mut img, x0, y0, CELL, CELL, Rgb([232, 232, 238]));
            match cell {
                Some((thumb, l1, l2)) => {
                    let scale = CELL as f32 / thumb.width().max(thumb.height()) as f32;
                    let (tw, th) = (
                        ((thumb.width() as f32 * scale) as u32).max(1),
                        ((thumb.height() as f32 * scale) as u32).max(1),
                    );
                    let fitted = image::imageops::resize(thumb, tw, th, image::imageops::FilterType::Triangle);
                    image::imageops::overlay(
                        &mut img,
                        &fitted,
                        (x0 + (CELL - tw) / 2) as i64,
                        (y0 + (CELL - th) / 2) as i64,
                    );
                    draw_text(&mut img, x0, y0 + CELL + 6, l1, 14.0, CELL, INK);
                    draw_text(&mut img, x0, y0 + CELL + 24, l2, 13.0, CELL, MUTED);
                }
                None => {
                    let status = targets.get(c).map(|t| t.status.as_str()).unwrap_or("");
                    let model = names.get(c).map(String::as_str).unwrap_or("");
                    draw_text(&mut img, x0 + 8, y0 + CELL / 2, &format!("no image ({status})"), 14.0, CELL - 16, MUTED);
                    draw_text(&mut img, x0, y0 + CELL + 6, model, 14.0, CELL, INK);
                }
            }
        }
    }
    img
}

fn fill(img: &mut RgbImage, x: u32, y: u32, w: u32, h: u32, c: Rgb<u8>) {
    for yy in y..(y + h).min(img.height()) {
        for xx in x..(x + w).min(img.width()) {
            img.put_pixel(xx, yy, c);
        }
    }
}

/// The font of contact sheets: VL Gothic (M+ and Sazanami licences, BSD-3-Clause; see
/// `fonts/VL-Gothic-LICENSE.txt`), which covers Latin, accents and Japanese.
const SHEET_FONT: &[u8] = include_bytes!("../fonts/VL-Gothic-Regular.ttf");

fn sheet_font() -> &'static ab_glyph::FontRef<'static> {
    static FONT: std::sync::OnceLock<ab_glyph::FontRef<'static>> = std::sync::OnceLock::new();
    FONT.get_or_init(|| ab_glyph::FontRef::try_from_slice(SHEET_FONT).expect("the shipped font parses"))
}

/// The width of `text` drawn in `px` pixels.
fn text_width(text: &str, px: f32) -> f32 {
    use ab_glyph::{Font, ScaleFont};
    let font = sheet_font().as_scaled(px);
    let mut w = 0.0;
    let mut prev = None;
    for ch in text.chars() {
        let id = font.glyph_id(ch);
        if let Some(p) = prev {
            w += font.kern(p, id);
        }
        w += font.h_advance(id);
        prev = Some(id);
    }
    w
}

/// `text` split where its first part still fits `max_w`: at the last space that does, or
/// mid-word when its first word alone is wider.
fn split_to_width(text: &str, px: f32, max_w: u32) -> (&str, &str) {
    use ab_glyph::{Font, ScaleFont};
    let font = sheet_font().as_scaled(px);
    let (mut w, mut prev) = (0.0, None);
    let (mut last_fit, mut last_space) = (0, None);
    for (i, ch) in text.char_indices() {
        let id = font.glyph_id(ch);
        if let Some(p) = prev {
            w += font.kern(p, id);
        }
        w += font.h_advance(id);
        prev = Some(id);
        if w > max_w as f32 {
            break;
        }
        last_fit = i + ch.len_utf8();
        if ch == ' ' {
            last_space = Some(i);
        }
    }
    let cut = if last_fit == text.len() { last_fit } else { last_space.filter(|&s| s > 0).unwrap_or(last_fit) };
    let (a, b) = text.split_at(cut);
    (a.trim_end(), b.trim_start())
}

/// Draws `text` at (`x`, `y` = top of the line) in `px` pixels, anti-aliased, clipped to
/// `max_w` pixels (with an ellipsis when cut). Answers the width drawn.
fn draw_text(img: &mut RgbImage, x: u32, y: u32, text: &str, px: f32, max_w: u32, c: Rgb<u8>) -> u32 {
    use ab_glyph::{Font, ScaleFont};
    let font = sheet_font().as_scaled(px);
    let ascent = font.ascent();
    let fits = |s: &str| text_width(s, px);
    let mut shown: String = text.to_string();
    if fits(&shown) > max_w as f32 {
        while !shown.is_empty() && fits(&format!("{shown}…")) > max_w as f32 {
            shown.pop();
        }
        shown.push('…');
    }
    let mut caret = x as f32;
    let mut prev = None;
    for ch in shown.chars() {
        let id = font.glyph_id(ch);
        if let Some(p) = prev {
            caret += font.kern(p, id);
        }
        let glyph = id.with_scale_and_position(px, ab_glyph::point(caret, y as f32 + ascent));
        caret += font.h_advance(id);
        prev = Some(id);
        if let Some(outline) = sheet_font().outline_glyph(glyph) {
            let b = outline.px_bounds();
            outline.draw(|gx, gy, cov| {
                let (px_x, px_y) = (b.min.x as i64 + gx as i64, b.min.y as i64 + gy as i64);
                if px_x < 0 || px_y < 0 || px_x >= img.width() as i64 || px_y >= img.height() as i64 {
                    return;
                }
                let under = img.get_pixel(px_x as u32, px_y as u32);
                let mix = |a: u8, b: u8| (a as f32 * (1.0 - cov) + b as f32 * cov).round() as u8;
                let out = Rgb([mix(under[0], c[0]), mix(under[1], c[1]), mix(under[2], c[2])]);
                img.put_pixel(px_x as u32, px_y as u32, out);
            });
        }
    }
    (caret - x as f32).max(0.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_names_never_clash_or_leave_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let stem = format!("fox_t1_{}_1x1_1", slug("../../etc/gemini/x", 60));
        assert!(!stem.contains('/') && !stem.contains(".."), "{stem}");
        let a = unused_name(dir.path(), &stem, "png");
        std::fs::write(&a, b"1").unwrap();
        let b = unused_name(dir.path(), &stem, "png");
        assert_ne!(a, b);
        assert_eq!(b.parent(), Some(dir.path()));
    }

    #[test]
    fn slugs_are_readable() {
        assert_eq!(slug("A red fox, in snow!", 40), "a-red-fox-in-snow");
        assert_eq!(slug("", 10), "");
    }

    fn inked(img: &RgbImage) -> usize {
        img.pixels().filter(|p| p[0] < 128).count()
    }

    #[test]
    fn a_long_title_wraps_at_a_space_and_a_long_word_mid_word() {
        let text = "Pixbench · an isometric cozy bookshop interior, warm light, rain on the windows";
        let (first, rest) = split_to_width(text, 16.0, 320);
        assert!(text_width(first, 16.0) <= 320.0, "{first}");
        assert!(!first.ends_with(' ') && text.starts_with(first), "{first}");
        assert_eq!(format!("{first} {rest}"), text, "nothing is lost at the split");
        assert!(text[first.len()..].starts_with(' '), "split at a space: {first:?}");
        let word = "x".repeat(200);
        let (a, b) = split_to_width(&word, 16.0, 100);
        assert!(!a.is_empty() && text_width(a, 16.0) <= 100.0);
        assert_eq!(a.len() + b.len(), 200);
        assert_eq!(split_to_width("short", 16.0, 320), ("short", ""));
    }

    #[test]
    fn unicode_text_is_drawn_with_real_glyphs() {
        // Latin, an accent and Japanese all ink pixels; no glyph falls back to a box or `?`.
        for text in ["Hi", "é", "東京の夜", "café 日本"] {
            let mut img = RgbImage::from_pixel(400, 40, BG);
            let w = draw_text(&mut img, 2, 4, text, 20.0, 396, INK);
            assert!(w > 0 && inked(&img) > 20, "{text}: {} pixels", inked(&img));
            for ch in text.chars().filter(|c| !c.is_whitespace()) {
                assert_ne!(ab_glyph::Font::glyph_id(sheet_font(), ch).0, 0, "no glyph for {ch}");
            }
        }
        // Distinct text, distinct pixels.
        let draw = |t: &str| {
            let mut img = RgbImage::from_pixel(200, 40, BG);
            draw_text(&mut img, 2, 4, t, 20.0, 196, INK);
            img
        };
        assert_ne!(draw("東京").into_raw(), draw("大阪").into_raw());
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis_inside_its_width() {
        let mut img = RgbImage::from_pixel(300, 30, BG);
        let w = draw_text(&mut img, 0, 2, &"a lighthouse at dawn ".repeat(10), 16.0, 120, INK);
        assert!(w <= 120, "{w}");
        assert!((121..300).all(|x| (0..30).all(|y| img.get_pixel(x, y)[0] > 200)), "ink past the width");
    }
}
