//! Reference images for edits: recognised by their bytes (not their names), validated
//! against a model's limits, and downscaled when over the byte limit.

use std::io::Cursor;
use std::path::PathBuf;
use std::sync::Arc;

use crate::api::*;
use crate::blobs::{probe, BlobError, Blobs, MAX_DECODE_PIXELS};
use crate::error::{ui, CoreError, CoreResult};
use crate::infra::{CatalogHandle, ImageUrls};
use crate::store::Store;

/// The references service: files and pasted bytes become stored reference images.
pub struct References {
    store: Arc<Store>,
    blobs: Blobs,
    catalog: CatalogHandle,
    urls: ImageUrls,
}

impl References {
    pub fn new(store: Arc<Store>, blobs: Blobs, catalog: CatalogHandle, urls: ImageUrls) -> References {
        References { store, blobs, catalog, urls }
    }

    /// The strictest limits among the catalog's targets that take references: a file
    /// that passes them passes for every model.
    fn limits(&self) -> (Vec<String>, u64) {
        let c = self.catalog.get();
        let max = c.entries.iter().map(|e| e.max_reference_bytes).min().unwrap_or(7 << 20);
        let formats = c.entries.first().map(|e| e.reference_formats.clone()).unwrap_or_default();
        (formats, max)
    }

    pub fn add_bytes(&self, name: &str, bytes: Vec<u8>) -> CoreResult<ReferenceView> {
        let (formats, max) = self.limits();
        let prepared = crate::references::prepare(name, bytes, &formats, max)
            .map_err(|m| CoreError::Ui(ui(ErrorKind::Invalid, m)))?;
        let sha = self.blobs.put(&prepared.bytes).map_err(|e| CoreError::Ui(ui(ErrorKind::Disk, e.to_string())))?;
        let view = ReferenceView {
            sha256: sha.clone(),
            name: prepared.name,
            mime: prepared.mime,
            width: prepared.width,
            height: prepared.height,
            bytes: prepared.bytes.len() as u64,
            thumb_url: self.urls.thumb(&sha),
            original_bytes: prepared.original.map(|o| o.0),
            original_width: prepared.original.map(|o| o.1),
            original_height: prepared.original.map(|o| o.2),
            note: prepared.note,
        };
        self.store.upsert_reference(&view)?;
        Ok(view)
    }

    pub fn add_paths(&self, paths: &[PathBuf]) -> CoreResult<Vec<ReferenceView>> {
        let mut out = Vec::new();
        for p in paths {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "image".into());
            let bytes = crate::files::read_bounded(p, crate::files::MAX_REFERENCE_FILE)
                .map_err(|why| CoreError::Ui(ui(ErrorKind::Invalid, format!("{name} could not be added: {why}."))))?;
            out.push(self.add_bytes(&name, bytes)?);
        }
        Ok(out)
    }

    /// Where a stored reference's file is (to name it in code).
    pub fn file_path(&self, sha: &str) -> PathBuf {
        self.blobs.image_path(sha)
    }

    /// A stored reference's bytes (as they are sent), e.g. to save it into a workspace.
    pub fn bytes(&self, sha: &str) -> CoreResult<Vec<u8>> {
        self.blobs.get(sha).map_err(|e| CoreError::Ui(ui(ErrorKind::Missing, e.to_string())))
    }

    pub fn get(&self, sha: &str) -> CoreResult<ReferenceView> {
        let mut r = self.store.reference(sha)?;
        r.thumb_url = self.urls.thumb(sha);
        Ok(r)
    }
}

/// What a file turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedReference {
    pub name: String,
    pub mime: String,
    /// The bytes to store and send (possibly downscaled).
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub original: Option<(u64, u32, u32)>,
    pub note: Option<String>,
}

/// Sniffs the format from magic bytes. `Some("pdf")` and friends name what it is not.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some("png");
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some("jpeg");
    }
    if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some("webp");
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let brand = &bytes[8..12];
        if [b"heic", b"heix", b"hevc", b"heim", b"heis"].iter().any(|b| brand == *b) {
            return Some("heic");
        }
        if [b"mif1", b"msf1", b"heif"].iter().any(|b| brand == *b) {
            return Some("heif");
        }
        if brand == b"avif" {
            return Some("avif");
        }
    }
    if bytes.starts_with(b"GIF8") {
        return Some("gif");
    }
    if bytes.starts_with(b"%PDF") {
        return Some("pdf");
    }
    if bytes.starts_with(b"BM") {
        return Some("bmp");
    }
    None
}

fn mime_of(fmt: &str) -> String {
    format!("image/{fmt}")
}

fn human_bytes(n: u64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", n.div_ceil(1024))
    }
}

/// Validates a file as a reference image for models taking `formats` up to `max_bytes`.
/// Over the limit, decodable images are downscaled (re-encoded as JPEG, or PNG when they
/// have transparency) until they fit, and the note says by how much.
pub fn prepare(name: &str, bytes: Vec<u8>, formats: &[String], max_bytes: u64) -> Result<PreparedReference, String> {
    let fmt = match sniff(&bytes) {
        Some(f) => f,
        None if bytes.is_empty() => return Err(format!("{name} is empty.")),
        None => return Err(format!("{name} is not an image this app recognises (PNG, JPEG, WebP, HEIC or HEIF).")),
    };
    if fmt == "pdf" {
        return Err(format!("{name} is a PDF, not an image. Export the page as PNG or JPEG first."));
    }
    if !formats.iter().any(|f| f == fmt) {
        return Err(format!(
            "{name} is a {} image; the model takes {}.",
            fmt.to_uppercase(),
            formats.iter().map(|f| f.to_uppercase()).collect::<Vec<_>>().join(", ")
        ));
    }
    let size = bytes.len() as u64;
    if fmt == "heic" || fmt == "heif" {
        // No HEIC decoder here: sent as is, the model decodes it. Its boxes are checked,
        // so that a signature with nothing (or garbage, or half a file) behind it is not
        // taken for an image.
        if let Err(why) = heif_boxes(&bytes) {
            return Err(format!(
                "{name} is not a readable {} file ({why}); it may be truncated or damaged.",
                fmt.to_uppercase()
            ));
        }
        if size > max_bytes {
            return Err(format!(
                "{name} is {} and the model takes at most {}; HEIC cannot be downscaled here. Convert it to JPEG first.",
                human_bytes(size),
                human_bytes(max_bytes)
            ));
        }
        return Ok(PreparedReference {
            name: name.into(),
            mime: mime_of(fmt),
            bytes,
            width: 0,
            height: 0,
            original: None,
            note: Some("HEIC is sent as is; no preview here.".into()),
        });
    }
    // Refused from its header when it declares more pixels than the app decodes (a small
    // file may declare 8K × 8K and more: a decompression bomb, whose thumbnail would be
    // refused anyway).
    if let Ok((w, h, _)) = probe(&bytes) {
        if w as u64 * h as u64 > MAX_DECODE_PIXELS {
            return Err(format!("{name} declares {w}×{h} pixels, more than this app handles; use a smaller image."));
        }
    }
    // Decode fully once: a truncated file must be refused now, not by the server.
    let mut reader = image::ImageReader::new(Cursor::new(&bytes))
        .with_guessed_format()
        .map_err(|e| format!("{name} could not be read: {e}"))?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODE_PIXELS * 4 + (16 << 20));
    reader.limits(limits);
    let img =
        reader.decode().map_err(|e| format!("{name} could not be decoded ({e}); it may be truncated or damaged."))?;
    let (w, h) = (img.width(), img.height());
    if size <= max_bytes {
        return Ok(PreparedReference {
            name: name.into(),
            mime: mime_of(fmt),
            bytes,
            width: w,
            height: h,
            original: None,
            note: None,
        });
    }
    let has_alpha = img.color().has_alpha();
    // Re-encoded as JPEG (or PNG, to keep transparency), among the formats the model
    // takes; WebP (lossless here) when it takes neither.
    let takes = |f: &str| formats.iter().any(|x| x == f);
    let preferred: &[&str] = if has_alpha { &["png", "jpeg", "webp"] } else { &["jpeg", "png", "webp"] };
    let Some(fmt_out) = preferred.iter().copied().find(|f| takes(f)) else {
        return Err(format!(
            "{name} is {} and the model takes at most {}; it cannot be downscaled to a format the model takes ({}).",
            human_bytes(size),
            human_bytes(max_bytes),
            formats.iter().map(|f| f.to_uppercase()).collect::<Vec<_>>().join(", ")
        ));
    };
    let mut scale = ((max_bytes as f64 / size as f64).sqrt() * 0.95).min(0.95);
    for _ in 0..8 {
        let nw = ((w as f64 * scale).round() as u32).max(1);
        let nh = ((h as f64 * scale).round() as u32).max(1);
        let small = img.resize(nw, nh, image::imageops::FilterType::Triangle);
        let mut out = Vec::new();
        let res = match fmt_out {
            "jpeg" => {
                let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
                small.to_rgb8().write_with_encoder(enc)
            }
            "png" => small.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png),
            _ => image::DynamicImage::ImageRgba8(small.to_rgba8())
                .write_to(&mut Cursor::new(&mut out), image::ImageFormat::WebP),
        };
        res.map_err(|e| format!("{name} could not be re-encoded: {e}"))?;
        if (out.len() as u64) <= max_bytes {
            let note = format!(
                "Downscaled from {w}×{h} ({}) to {}×{} ({}) to fit the model's {} limit.",
                human_bytes(size),
                small.width(),
                small.height(),
                human_bytes(out.len() as u64),
                human_bytes(max_bytes)
            );
            return Ok(PreparedReference {
                name: name.into(),
                mime: mime_of(fmt_out),
                width: small.width(),
                height: small.height(),
                bytes: out,
                original: Some((size, w, h)),
                note: Some(note),
            });
        }
        scale *= 0.8;
    }
    Err(format!("{name} could not be made small enough for the model's {} limit.", human_bytes(max_bytes)))
}

/// Checks the top-level boxes of an ISO-BMFF (HEIF, HEIC, AVIF) file: an `ftyp` box of
/// a possible size, then whole boxes up to the end, one of them `meta` (a still image's
/// items) or `moov` (a sequence).
fn heif_boxes(b: &[u8]) -> Result<(), &'static str> {
    let be32 = |at: usize| b.get(at..at + 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as u64);
    let ftyp = be32(0).ok_or("no ftyp box")?;
    // Size, type, major brand, minor version, then 4-byte compatible brands.
    if ftyp < 16 || ftyp % 4 != 0 || ftyp > b.len() as u64 {
        return Err("its ftyp box is damaged");
    }
    let mut at = ftyp;
    let mut has_items = false;
    while at < b.len() as u64 {
        let pos = at as usize;
        let (Some(size), Some(kind)) = (be32(pos), b.get(pos + 4..pos + 8)) else {
            return Err("it ends inside a box header");
        };
        has_items |= kind == b"meta" || kind == b"moov";
        let (size, header) = match size {
            0 => (b.len() as u64 - at, 8), // to the end of the file
            1 => {
                let (Some(hi), Some(lo)) = (be32(pos + 8), be32(pos + 12)) else {
                    return Err("it ends inside a box header");
                };
                ((hi << 32) | lo, 16)
            }
            n => (n, 8),
        };
        // Checked: a 64-bit size near u64::MAX must not wrap `at` back into the file (a
        // walk that never ends).
        match at.checked_add(size) {
            Some(end) if size >= header && end <= b.len() as u64 => at = end,
            _ => return Err("a box runs past the end of the file"),
        }
    }
    if !has_items {
        return Err("it has no image items");
    }
    Ok(())
}

/// Pixel size of stored reference bytes (0×0 for HEIC).
pub fn dimensions(bytes: &[u8]) -> (u32, u32) {
    match probe(bytes) {
        Ok((w, h, _)) => (w, h),
        Err(BlobError::Decode(_)) | Err(_) => (0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formats() -> Vec<String> {
        ["png", "jpeg", "webp", "heic", "heif"].iter().map(|s| s.to_string()).collect()
    }

    fn noisy_png(w: u32, h: u32) -> Vec<u8> {
        let mut seed = 12345u32;
        let img = image::RgbImage::from_fn(w, h, |_, _| {
            seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
            image::Rgb([(seed >> 24) as u8, (seed >> 16) as u8, (seed >> 8) as u8])
        });
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
        out
    }

    #[test]
    fn accepts_png_and_heic_refuses_pdf_and_truncated() {
        let png = noisy_png(40, 30);
        let r = prepare("a.png", png.clone(), &formats(), 7 << 20).unwrap();
        assert_eq!((r.width, r.height, r.mime.as_str()), (40, 30, "image/png"));
        assert!(r.note.is_none());

        let r = prepare("IMG_1.HEIC", heic_shaped(), &formats(), 7 << 20).unwrap();
        assert_eq!(r.mime, "image/heic");
        // A signature alone, or a file cut inside a box, is not an image.
        let mut sig = vec![0, 0, 0, 24];
        sig.extend_from_slice(b"ftypheic");
        sig.extend_from_slice(&[0; 12]);
        let e = prepare("sig.heic", sig, &formats(), 7 << 20).unwrap_err();
        assert!(e.contains("sig.heic") && e.contains("HEIC"), "{e}");
        let cut = heic_shaped()[..40].to_vec();
        let e = prepare("cut.heic", cut, &formats(), 7 << 20).unwrap_err();
        assert!(e.contains("truncated"), "{e}");

        let e = prepare("doc.pdf", b"%PDF-1.7 ...".to_vec(), &formats(), 7 << 20).unwrap_err();
        assert!(e.contains("doc.pdf") && e.contains("PDF"), "{e}");

        let truncated = png[..png.len() / 2].to_vec();
        let e = prepare("cut.png", truncated, &formats(), 7 << 20).unwrap_err();
        assert!(e.contains("cut.png") && e.contains("truncated"), "{e}");

        let e = prepare("x.webp", b"RIFF\0\0\0\0WEBPVP8 ".to_vec(), &["png".to_string()], 7 << 20).unwrap_err();
        assert!(e.contains("WEBP"), "{e}");
    }

    #[test]
    fn a_64_bit_box_size_that_wraps_is_refused_not_walked_forever() {
        // 56 bytes: ftyp, then a box whose largesize brings the walk back to offset 0
        // (it looped forever in release builds and overflowed in debug ones).
        let mut b = vec![0, 0, 0, 24];
        b.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
        b.extend_from_slice(&[0, 0, 0, 1]);
        b.extend_from_slice(b"meta");
        b.extend_from_slice(&(u64::MAX - 23).to_be_bytes());
        b.extend_from_slice(&[0; 16]);
        assert_eq!(b.len(), 56);
        assert_eq!(heif_boxes(&b), Err("a box runs past the end of the file"));
        let e = prepare("loop.heic", b, &formats(), 7 << 20).unwrap_err();
        assert!(e.contains("loop.heic"), "{e}");
        // A largesize smaller than its own 16-byte header is damaged too.
        let mut b = heic_shaped()[..24].to_vec();
        b.extend_from_slice(&[0, 0, 0, 1]);
        b.extend_from_slice(b"meta");
        b.extend_from_slice(&12u64.to_be_bytes());
        assert!(heif_boxes(&b).is_err());
    }

    /// The boxes of a HEIC file (their contents are not read here).
    fn heic_shaped() -> Vec<u8> {
        let mut b = vec![0, 0, 0, 24];
        b.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
        b.extend_from_slice(&[0, 0, 0, 20]);
        b.extend_from_slice(b"meta");
        b.extend_from_slice(&[0; 12]);
        b.extend_from_slice(&[0, 0, 0, 16]);
        b.extend_from_slice(b"mdat");
        b.extend_from_slice(&[7; 8]);
        b
    }

    #[test]
    fn downscaled_output_keeps_to_the_model_formats() {
        let png = noisy_png(300, 200);
        let limit = (png.len() / 3) as u64;
        // A PNG-only model gets a PNG, not the JPEG an opaque image would become.
        let r = prepare("big.png", png.clone(), &["png".to_string()], limit).unwrap();
        assert_eq!(r.mime, "image/png");
        assert!(r.bytes.len() as u64 <= limit);
        assert_eq!(sniff(&r.bytes), Some("png"));
        let r = prepare("big.png", png, &formats(), limit).unwrap();
        assert_eq!(r.mime, "image/jpeg");
    }

    #[test]
    fn downscales_over_the_limit_and_says_so() {
        let png = noisy_png(800, 600);
        let limit = (png.len() / 4) as u64;
        let r = prepare("big.png", png.clone(), &formats(), limit).unwrap();
        assert!(r.bytes.len() as u64 <= limit);
        assert!(r.width < 800 && r.height < 600);
        assert_eq!(r.original, Some((png.len() as u64, 800, 600)));
        let note = r.note.unwrap();
        assert!(note.contains("Downscaled from 800×600"), "{note}");
        // aspect ratio preserved within a pixel
        assert!(((r.width as f64 / r.height as f64) - 800.0 / 600.0).abs() < 0.02);
    }
}
