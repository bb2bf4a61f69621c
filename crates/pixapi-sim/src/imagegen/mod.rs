//! Deterministic outputs that look like photographs, encoded as PNG, JPEG or WebP.
//!
//! An output is drawn from two seeds: the *prompt seed* (SHA-256 of the prompt) picks the
//! palette and the layout of a landscape, the *index seed* (prompt, output index and, for
//! edits, the digests of the references) moves things within it: ridge lines, objects,
//! texture. The scene is placed in continuous image coordinates, so the 512, 1K, 2K and 4K
//! variants of one prompt show the same picture, each resolving detail down to its own
//! pixel ([`scene`]): a 4K output has fine detail its 1K variant cannot show. Two indices of
//! one prompt share palette and layout but differ visibly; two prompts differ entirely.
//!
//! An edit tiles its references (scaled to a grid of cells covering the whole output) and
//! blends them 70/30 over the scene, then adds the texture and grain: its colours are
//! mostly the references'.
//!
//! Same (prompt, index, size, references, encoding) gives the same bytes. Encoded outputs
//! are kept in an LRU bounded by bytes so repeated requests do not redraw.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder, RgbImage};
use sha2::{Digest, Sha256};

mod noise;
pub mod scene;

pub use scene::render;

/// The file format of an output (`output_format`, where a model documents it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Encoding {
    #[default]
    Png,
    /// `quality` 1..=100 (from `output_compression`; OpenAI's default is 100).
    Jpeg { quality: u8 },
    /// Lossless (the image crate's encoder has no lossy mode), so `output_compression`
    /// does not change it.
    WebP,
}

impl Encoding {
    pub fn mime(self) -> &'static str {
        match self {
            Encoding::Png => "image/png",
            Encoding::Jpeg { .. } => "image/jpeg",
            Encoding::WebP => "image/webp",
        }
    }

    /// The file extension of its URLs (`/files/{token}.{ext}`).
    pub fn extension(self) -> &'static str {
        match self {
            Encoding::Png => "png",
            Encoding::Jpeg { .. } => "jpeg",
            Encoding::WebP => "webp",
        }
    }

    /// The encoding asked by `output_format` (`png`, `jpeg`, `webp`) and
    /// `output_compression` (0..=100, JPEG quality; absent: 100). `None` for another format.
    pub fn from_request(format: Option<&str>, compression: Option<i64>) -> Option<Encoding> {
        match format.map(str::trim) {
            None | Some("") | Some("png") => Some(Encoding::Png),
            Some("jpeg") => Some(Encoding::Jpeg { quality: compression.unwrap_or(100).clamp(1, 100) as u8 }),
            Some("webp") => Some(Encoding::WebP),
            Some(_) => None,
        }
    }
}

/// A decoded reference image of an edit.
#[derive(Clone)]
pub struct Reference {
    pub digest: [u8; 32],
    pub image: std::sync::Arc<RgbImage>,
}

/// What to draw.
#[derive(Clone)]
pub struct Spec {
    pub prompt: String,
    pub index: u32,
    pub width: u32,
    pub height: u32,
    pub references: Vec<Reference>,
    pub encoding: Encoding,
}

impl Spec {
    pub fn prompt_seed(&self) -> u64 {
        seed_of(&[self.prompt.as_bytes()])
    }

    /// The seed of this one output: (prompt, index, references). Size is not part of it,
    /// on purpose: variants of one prompt look alike.
    pub fn seed(&self) -> u64 {
        let idx = self.index.to_le_bytes();
        let mut parts: Vec<&[u8]> = vec![self.prompt.as_bytes(), b"\0", &idx];
        for r in &self.references {
            parts.push(&r.digest);
        }
        seed_of(&parts)
    }

    fn cache_key(&self) -> CacheKey {
        (self.seed(), self.width, self.height, self.encoding)
    }
}

fn seed_of(parts: &[&[u8]]) -> u64 {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    let d = h.finalize();
    u64::from_le_bytes(d[..8].try_into().expect("8 bytes"))
}

/// Encodes as PNG, fast compression.
pub fn encode_png(img: &RgbImage) -> Vec<u8> {
    encode(img, Encoding::Png)
}

/// Encodes in `encoding`.
pub fn encode(img: &RgbImage, encoding: Encoding) -> Vec<u8> {
    let mut out = Vec::with_capacity(img.as_raw().len() / 3);
    let (raw, w, h) = (img.as_raw(), img.width(), img.height());
    let r =
        match encoding {
            Encoding::Png => PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Sub)
                .write_image(raw, w, h, ExtendedColorType::Rgb8),
            Encoding::Jpeg { quality } => {
                JpegEncoder::new_with_quality(&mut out, quality).write_image(raw, w, h, ExtendedColorType::Rgb8)
            }
            Encoding::WebP => WebPEncoder::new_lossless(&mut out).write_image(raw, w, h, ExtendedColorType::Rgb8),
        };
    r.expect("encoding an in-memory RGB image within the formats' limits cannot fail");
    out
}

type CacheKey = (u64, u32, u32, Encoding);

/// An LRU of encoded outputs, bounded by total bytes.
pub struct ImageCache {
    inner: Mutex<CacheInner>,
    max_bytes: usize,
}

struct CacheInner {
    map: HashMap<CacheKey, (Bytes, u64)>,
    bytes: usize,
    tick: u64,
    hits: u64,
}

impl ImageCache {
    pub fn new(max_bytes: usize) -> Self {
        ImageCache { inner: Mutex::new(CacheInner { map: HashMap::new(), bytes: 0, tick: 0, hits: 0 }), max_bytes }
    }

    fn get(&self, key: &CacheKey) -> Option<Bytes> {
        let mut g = self.inner.lock().expect("cache lock");
        g.tick += 1;
        let tick = g.tick;
        let hit = g.map.get_mut(key).map(|e| {
            e.1 = tick;
            e.0.clone()
        });
        if hit.is_some() {
            g.hits += 1;
        }
        hit
    }

    fn put(&self, key: CacheKey, png: Bytes) {
        if png.len() > self.max_bytes {
            return;
        }
        let mut g = self.inner.lock().expect("cache lock");
        g.tick += 1;
        let tick = g.tick;
        if let Some(old) = g.map.insert(key, (png.clone(), tick)) {
            g.bytes -= old.0.len();
        }
        g.bytes += png.len();
        while g.bytes > self.max_bytes {
            let Some((&k, _)) = g.map.iter().min_by_key(|(_, v)| v.1) else {
                break;
            };
            if let Some(v) = g.map.remove(&k) {
                g.bytes -= v.0.len();
            }
        }
    }

    /// How many lookups were answered from the cache.
    pub fn hits(&self) -> u64 {
        self.inner.lock().expect("cache lock").hits
    }

    pub fn clear(&self) {
        let mut g = self.inner.lock().expect("cache lock");
        g.map.clear();
        g.bytes = 0;
    }

    /// The encoded output of `spec`: from the cache, or drawn and encoded (blocking; call
    /// it from `spawn_blocking`).
    pub fn image(&self, spec: &Spec) -> Bytes {
        let key = spec.cache_key();
        if let Some(b) = self.get(&key) {
            return b;
        }
        let bytes = Bytes::from(encode(&render(spec), spec.encoding));
        self.put(key, bytes.clone());
        bytes
    }
}

#[cfg(test)]
mod tests;
