//! Image bytes on disk, content-addressed by SHA-256 and written atomically (temp file +
//! rename), plus thumbnails made once per image. Metadata lives in SQLite; bytes live here.
//!
//! A paid image that cannot be written (a full disk, a folder gone) is held in memory
//! instead of dropped: it is served from there, and written as soon as a write works
//! again ([`Blobs::flush_held`]). Held images are bounded ([`MAX_HELD_BYTES`]).

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Long edge of grid thumbnails.
pub const THUMB_EDGE: u32 = 512;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("Could not write to the data folder {}: {source}. Free some disk space or choose another data folder (PIXBENCH_DATA_DIR); nothing already saved was lost.", dir.display())]
    Write { dir: PathBuf, source: std::io::Error },
    #[error("Image {0} is missing from the data folder.")]
    Missing(String),
    #[error("Could not read image {sha}: {source}")]
    Read { sha: String, source: std::io::Error },
    #[error("Could not decode image: {0}")]
    Decode(String),
}

#[derive(Clone, Debug)]
pub struct Blobs {
    root: PathBuf,
    held: std::sync::Arc<std::sync::Mutex<Held>>,
    /// Held while a deleted run's files are checked and removed, and while a saved
    /// output's file is checked after its row is recorded: see [`Blobs::remove_unused`].
    removal: std::sync::Arc<std::sync::Mutex<()>>,
}

/// Images that could not be written yet, by hash.
#[derive(Debug, Default)]
struct Held {
    images: std::collections::HashMap<String, std::sync::Arc<Vec<u8>>>,
    bytes: usize,
}

/// At most this much image data is held in memory waiting for the disk (past it, a
/// failed write is an error, as before).
pub const MAX_HELD_BYTES: usize = 1 << 30;

/// How [`Blobs::put_or_hold`] kept an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// On disk.
    Saved(String),
    /// In memory only, because the write failed (the sentence says why).
    Held(String, String),
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Whether `sha` is a SHA-256 in lowercase hex: the only names this store reads or writes.
pub fn valid_sha(sha: &str) -> bool {
    sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// Largest image (in pixels) decoded for a thumbnail: 8K x 8K. A small file may declare a
/// huge size (a decode bomb); past this it is refused before any pixel is allocated.
pub const MAX_DECODE_PIXELS: u64 = 8192 * 8192;

impl Blobs {
    pub fn new(root: impl Into<PathBuf>) -> Blobs {
        Blobs { root: root.into(), held: Default::default(), removal: Default::default() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where an image lives. A name that is not a hash maps to a path that never exists
    /// (a path from outside — `pxb://`, the webview — never leaves the store).
    pub fn image_path(&self, sha: &str) -> PathBuf {
        match valid_sha(sha) {
            true => self.root.join("images").join(&sha[..2]).join(sha),
            false => self.root.join("images").join("invalid"),
        }
    }

    pub fn thumb_path(&self, sha: &str) -> PathBuf {
        match valid_sha(sha) {
            true => self.root.join("thumbs").join(&sha[..2]).join(format!("{sha}.jpg")),
            false => self.root.join("thumbs").join("invalid"),
        }
    }

    /// Stores bytes once; answers their SHA-256. Writing the same bytes again is a no-op.
    pub fn put(&self, bytes: &[u8]) -> Result<String, BlobError> {
        let sha = sha256_hex(bytes);
        let path = self.image_path(&sha);
        if path.exists() {
            return Ok(sha);
        }
        write_atomic(&path, bytes)?;
        Ok(sha)
    }

    /// Stores bytes like [`Blobs::put`]; when the write fails, holds them in memory (if
    /// there is room) so that a paid image is never dropped.
    pub fn put_or_hold(&self, bytes: &[u8]) -> Result<Stored, BlobError> {
        match self.put(bytes) {
            Ok(sha) => Ok(Stored::Saved(sha)),
            Err(e) => {
                let sha = sha256_hex(bytes);
                let mut held = self.held();
                if !held.images.contains_key(&sha) {
                    if held.bytes + bytes.len() > MAX_HELD_BYTES {
                        return Err(e);
                    }
                    held.bytes += bytes.len();
                    held.images.insert(sha.clone(), std::sync::Arc::new(bytes.to_vec()));
                }
                Ok(Stored::Held(sha, e.to_string()))
            }
        }
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many images wait in memory for the disk.
    pub fn held_count(&self) -> usize {
        self.held().images.len()
    }

    /// Writes the held images that can be written now; answers the hashes written.
    pub fn flush_held(&self) -> Vec<String> {
        let pending: Vec<(String, std::sync::Arc<Vec<u8>>)> =
            self.held().images.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let mut written = vec![];
        for (sha, bytes) in pending {
            if write_atomic(&self.image_path(&sha), &bytes).is_ok() {
                let mut held = self.held();
                if let Some(b) = held.images.remove(&sha) {
                    held.bytes -= b.len();
                }
                written.push(sha);
            }
        }
        written
    }

    pub fn get(&self, sha: &str) -> Result<Vec<u8>, BlobError> {
        if !valid_sha(sha) {
            return Err(BlobError::Missing(sha.into()));
        }
        if let Some(b) = self.held().images.get(sha) {
            return Ok(b.as_ref().clone());
        }
        std::fs::read(self.image_path(sha)).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                BlobError::Missing(sha.into())
            } else {
                BlobError::Read { sha: sha.into(), source: e }
            }
        })
    }

    /// Removes the files of `sha` if `unused` still says so, checked under the removal
    /// lock: a save of the same bytes that recorded its row first keeps them.
    pub fn remove_unused(&self, sha: &str, unused: impl FnOnce(&str) -> bool) {
        let _g = self.removal.lock().unwrap_or_else(|p| p.into_inner());
        if unused(sha) {
            self.remove(sha);
        }
    }

    /// After an output's row is recorded: its file is there, written again from `bytes` if
    /// a deletion removed it between the save (which found it present) and the record.
    pub fn ensure(&self, sha: &str, bytes: &[u8]) -> Result<(), BlobError> {
        let _g = self.removal.lock().unwrap_or_else(|p| p.into_inner());
        if self.image_path(sha).exists() || self.held().images.contains_key(sha) {
            return Ok(());
        }
        write_atomic(&self.image_path(sha), bytes)?;
        let _ = self.thumb(sha);
        Ok(())
    }

    pub fn remove(&self, sha: &str) {
        if valid_sha(sha) {
            let mut held = self.held();
            if let Some(b) = held.images.remove(sha) {
                held.bytes -= b.len();
            }
            drop(held);
            let _ = std::fs::remove_file(self.image_path(sha));
            let _ = std::fs::remove_file(self.thumb_path(sha));
        }
    }

    /// Removes temp files (`.tmp-*`) a crash left behind, older than `age`: a write in
    /// progress is never that old. Answers how many were removed.
    pub fn sweep_temp(&self, age: std::time::Duration) -> usize {
        let mut removed = 0;
        for top in ["images", "thumbs"] {
            let Ok(shards) = std::fs::read_dir(self.root.join(top)) else { continue };
            for shard in shards.flatten() {
                let Ok(files) = std::fs::read_dir(shard.path()) else { continue };
                for f in files.flatten() {
                    let old = f
                        .metadata()
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|e| e >= age);
                    if f.file_name().to_string_lossy().starts_with(".tmp-")
                        && old
                        && std::fs::remove_file(f.path()).is_ok()
                    {
                        removed += 1;
                    }
                }
            }
        }
        removed
    }

    /// The thumbnail's bytes (JPEG), made on first use and kept.
    pub fn thumb(&self, sha: &str) -> Result<Vec<u8>, BlobError> {
        if !valid_sha(sha) {
            return Err(BlobError::Missing(sha.into()));
        }
        let path = self.thumb_path(sha);
        if let Ok(b) = std::fs::read(&path) {
            return Ok(b);
        }
        let full = self.get(sha)?;
        let jpeg = make_thumbnail(&full, THUMB_EDGE)?;
        if let Err(e) = write_atomic(&path, &jpeg) {
            // A held image's thumbnail is made again from memory until the disk works.
            if !self.held().images.contains_key(sha) {
                return Err(e);
            }
        }
        Ok(jpeg)
    }
}

pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), BlobError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let werr = |source| BlobError::Write { dir: dir.to_path_buf(), source };
    std::fs::create_dir_all(dir).map_err(werr)?;
    let (tmp_path, mut file) = tempfile_in(dir).map_err(werr)?;
    // Whatever fails after the temporary file exists removes it: the held images' retry
    // every 15 s must not refill, one leftover at a time, the space a user just freed.
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp_path, path)) {
        let _ = std::fs::remove_file(&tmp_path);
        return Err(werr(e));
    }
    // The rename is durable only once the directory entry is on disk.
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    for _ in 0..8 {
        let name = format!(".tmp-{}", uuid::Uuid::new_v4().simple());
        let p = dir.join(name);
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&p) {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("could not create a temporary file"))
}

/// Pixel size and format of encoded image bytes, reading only the header.
pub fn probe(bytes: &[u8]) -> Result<(u32, u32, image::ImageFormat), BlobError> {
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| BlobError::Decode(e.to_string()))?;
    let format = reader.format().ok_or_else(|| BlobError::Decode("unknown image format".into()))?;
    let (w, h) = reader.into_dimensions().map_err(|e| BlobError::Decode(e.to_string()))?;
    Ok((w, h, format))
}

/// A JPEG thumbnail whose long edge is at most `edge`. Images over [`MAX_DECODE_PIXELS`]
/// are refused from their header, before decoding.
pub fn make_thumbnail(bytes: &[u8], edge: u32) -> Result<Vec<u8>, BlobError> {
    let (w, h, _) = probe(bytes)?;
    if w as u64 * h as u64 > MAX_DECODE_PIXELS {
        return Err(BlobError::Decode(format!("it declares {w}×{h} pixels, more than an image this app decodes")));
    }
    let mut reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| BlobError::Decode(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(16_384);
    limits.max_image_height = Some(16_384);
    limits.max_alloc = Some(MAX_DECODE_PIXELS * 4 + (16 << 20));
    reader.limits(limits);
    let img = reader.decode().map_err(|e| BlobError::Decode(e.to_string()))?;
    let small = if img.width().max(img.height()) > edge { shrink(&img, edge) } else { img };
    let rgb = small.to_rgb8();
    let mut out = Vec::with_capacity(64 * 1024);
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
    rgb.write_with_encoder(enc).map_err(|e| BlobError::Decode(e.to_string()))?;
    Ok(out)
}

/// `img` fitted inside `edge`×`edge`: an area average (a box filter over each output
/// pixel's footprint), with fast_image_resize's SIMD; pixel types it does not take go
/// through `image`'s own area-averaging `thumbnail`.
fn shrink(img: &image::DynamicImage, edge: u32) -> image::DynamicImage {
    let (w, h) = (img.width(), img.height());
    let scale = edge as f64 / w.max(h) as f64;
    let (tw, th) =
        (((w as f64 * scale).round() as u32).clamp(1, edge), ((h as f64 * scale).round() as u32).clamp(1, edge));
    let mut out = image::DynamicImage::new(tw, th, img.color());
    let options = fast_image_resize::ResizeOptions::new()
        .resize_alg(fast_image_resize::ResizeAlg::Convolution(fast_image_resize::FilterType::Box));
    match fast_image_resize::Resizer::new().resize(img, &mut out, &options) {
        Ok(()) => out,
        Err(_) => img.thumbnail(edge, edge),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A write the file system refuses part-way (the file size limit, as a full disk would)
    /// leaves no temporary file behind. The limit is set for a child process only.
    #[test]
    #[cfg(unix)]
    fn a_write_refused_part_way_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new("sh")
            .arg("-c")
            // Ignored signals stay ignored across exec: EFBIG instead of SIGXFSZ.
            .arg("trap '' XFSZ; ulimit -f 8; exec \"$0\" --exact blobs::tests::write_past_the_size_limit --ignored")
            .arg(std::env::current_exe().unwrap())
            .env("PIXBENCH_TEST_DIR", dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("1 passed"), "the child ran");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(left.is_empty(), "left behind: {left:?}");
    }

    /// The child of the test above (run alone it does nothing).
    #[test]
    #[ignore]
    fn write_past_the_size_limit() {
        let Some(dir) = std::env::var_os("PIXBENCH_TEST_DIR") else { return };
        let r = write_atomic(&std::path::Path::new(&dir).join("big.bin"), &vec![7u8; 64 * 1024]);
        assert!(r.is_err(), "the limit refuses 64 KiB");
    }

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
        out
    }

    #[test]
    fn put_is_content_addressed_and_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let b = Blobs::new(dir.path());
        let bytes = png(64, 32);
        let sha = b.put(&bytes).unwrap();
        assert_eq!(sha, sha256_hex(&bytes));
        assert_eq!(b.put(&bytes).unwrap(), sha);
        assert_eq!(b.get(&sha).unwrap(), bytes);
        assert!(matches!(b.get(&"0".repeat(64)), Err(BlobError::Missing(_))));
        assert!(matches!(b.get("../../etc/passwd"), Err(BlobError::Missing(_))));
        // no temp files left behind
        let leftovers: Vec<_> = walk(dir.path()).into_iter().filter(|p| p.contains(".tmp-")).collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    fn walk(p: &Path) -> Vec<String> {
        let mut v = vec![];
        for e in std::fs::read_dir(p).unwrap() {
            let e = e.unwrap().path();
            if e.is_dir() {
                v.extend(walk(&e));
            } else {
                v.push(e.display().to_string());
            }
        }
        v
    }

    #[test]
    fn a_thumbnail_averages_the_pixels_it_covers() {
        // A one-pixel checkerboard: nearest-neighbour sampling would answer black or white.
        let img = image::RgbImage::from_fn(2048, 1024, |x, y| {
            if (x + y) % 2 == 0 {
                image::Rgb([255; 3])
            } else {
                image::Rgb([0; 3])
            }
        });
        let small = shrink(&image::DynamicImage::ImageRgb8(img), 512).to_rgb8();
        assert_eq!(small.dimensions(), (512, 256));
        assert!(small.pixels().all(|p| (120..=135).contains(&p[0])), "not averaged: {:?}", small.get_pixel(10, 10));
        // Pixel types the SIMD resizer does not take still shrink.
        let la = image::DynamicImage::ImageLumaA16(image::ImageBuffer::new(1000, 10));
        assert_eq!((shrink(&la, 100).width(), shrink(&la, 100).height()), (100, 1));
    }

    #[test]
    fn thumbnail_keeps_aspect_and_is_cached() {
        let dir = tempfile::tempdir().unwrap();
        let b = Blobs::new(dir.path());
        let sha = b.put(&png(2048, 1024)).unwrap();
        let t = b.thumb(&sha).unwrap();
        let (w, h, f) = probe(&t).unwrap();
        assert_eq!((w, h, f), (512, 256, image::ImageFormat::Jpeg));
        assert!(b.thumb_path(&sha).exists());
    }

    #[test]
    fn names_that_are_not_hashes_never_leave_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("x");
        std::fs::write(secret.with_extension("jpg"), b"secret").unwrap();
        std::fs::write(&secret, b"secret").unwrap();
        let b = Blobs::new(dir.path());
        // `pxb://localhost/thumb//abs/path` used to join an absolute path
        for name in [
            secret.display().to_string(),
            format!("/{}", secret.display()),
            "€".into(),
            "../x".into(),
            "C:\\x".into(),
            String::new(),
        ] {
            assert!(b.thumb(&name).is_err(), "{name}");
            assert!(b.get(&name).is_err(), "{name}");
            assert!(b.image_path(&name).starts_with(dir.path()), "{name}");
            assert!(b.thumb_path(&name).starts_with(dir.path()), "{name}");
        }
    }

    #[test]
    fn a_decode_bomb_is_refused_from_its_header() {
        // A valid PNG header declaring 60000 x 60000, with (almost) no data.
        let mut png = Vec::new();
        {
            let mut enc = ::png::Encoder::new(&mut png, 60_000, 60_000);
            enc.set_color(::png::ColorType::Grayscale);
            let mut w = enc.write_header().unwrap();
            // An IDAT with a tiny zlib stream: the header is complete, the pixels are not.
            w.write_chunk(::png::chunk::IDAT, &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]).unwrap();
        }
        let (w, h, _) = probe(&png).unwrap();
        assert_eq!((w, h), (60_000, 60_000));
        let e = make_thumbnail(&png, THUMB_EDGE).unwrap_err();
        assert!(e.to_string().contains("60000×60000"), "{e}");
    }

    #[test]
    fn temp_files_left_by_a_crash_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let b = Blobs::new(dir.path());
        let sha = b.put(&png(8, 8)).unwrap();
        let shard = b.image_path(&sha).parent().unwrap().to_path_buf();
        std::fs::write(shard.join(".tmp-left"), b"half").unwrap();
        assert_eq!(b.sweep_temp(std::time::Duration::from_secs(3600)), 0, "a fresh one may be a write in progress");
        assert_eq!(b.sweep_temp(std::time::Duration::ZERO), 1);
        assert!(b.get(&sha).is_ok(), "images are kept");
    }

    #[test]
    fn unwritable_dir_is_a_clear_error() {
        let b = Blobs::new("/proc/definitely-not-writable");
        let e = b.put(b"x").unwrap_err();
        assert!(e.to_string().contains("Could not write"), "{e}");
    }
}
