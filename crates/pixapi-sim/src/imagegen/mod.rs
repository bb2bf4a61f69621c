//! Deterministic PNG outputs.
//!
//! An output is drawn from two seeds: the *prompt seed* (SHA-256 of the prompt) picks the
//! palette gradient and the main shapes, the *index seed* (prompt, output index and, for
//! edits, the digests of the references) adds a few shapes of its own. Shapes are placed
//! in coordinates relative to the image, so the 512, 1K, 2K and 4K variants of one prompt
//! show the same picture at different resolutions; two indices of one prompt share the
//! composition but differ visibly; two prompts differ entirely. The output index is shown
//! as `index + 1` white squares on a dark bar in the top-left corner.
//!
//! An edit tiles its references (resized to a grid of cells covering the whole output)
//! and blends them 70/30 over the prompt's gradient, then overlays the prompt's shapes
//! faintly: its colours are mostly the references'.
//!
//! Same (prompt, index, size, references) gives the same bytes. Encoded PNGs are kept in a
//! small LRU so repeated requests do not redraw.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ImageEncoder, RgbImage};
use sha2::{Digest, Sha256};

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
}

impl Spec {
    fn prompt_seed(&self) -> u64 {
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

    fn cache_key(&self) -> (u64, u32, u32) {
        (self.seed(), self.width, self.height)
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

/// SplitMix64: small, fast, stable across crate versions.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn f(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.f()
    }
}

fn hsv(h: f32, s: f32, v: f32) -> [u8; 3] {
    let h = h.rem_euclid(360.0) / 60.0;
    let c = v * s;
    let x = c * (1.0 - (h % 2.0 - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    [((r + m) * 255.0) as u8, ((g + m) * 255.0) as u8, ((b + m) * 255.0) as u8]
}

/// A canvas over an RGB buffer with alpha-blended span fills.
struct Canvas<'a> {
    buf: &'a mut [u8],
    w: i64,
    h: i64,
}

impl Canvas<'_> {
    /// Blends `color` with alpha `a` (0..=256) over x in [x0, x1) of row y.
    fn span(&mut self, y: i64, x0: i64, x1: i64, color: [u8; 3], a: u32) {
        if y < 0 || y >= self.h {
            return;
        }
        let (x0, x1) = (x0.max(0), x1.min(self.w));
        if x0 >= x1 {
            return;
        }
        let start = ((y * self.w + x0) * 3) as usize;
        let end = ((y * self.w + x1) * 3) as usize;
        let inv = 256 - a;
        let c = [color[0] as u32 * a, color[1] as u32 * a, color[2] as u32 * a];
        for px in self.buf[start..end].chunks_exact_mut(3) {
            px[0] = ((c[0] + px[0] as u32 * inv) >> 8) as u8;
            px[1] = ((c[1] + px[1] as u32 * inv) >> 8) as u8;
            px[2] = ((c[2] + px[2] as u32 * inv) >> 8) as u8;
        }
    }

    fn rect(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, color: [u8; 3], a: u32) {
        for y in y0.max(0)..y1.min(self.h) {
            self.span(y, x0, x1, color, a);
        }
    }

    /// A filled disc (inner = 0) or a ring of radii [inner, outer].
    fn ring(&mut self, cx: i64, cy: i64, outer: i64, inner: i64, color: [u8; 3], a: u32) {
        let (ro2, ri2) = (outer * outer, inner * inner);
        for dy in -outer..=outer {
            let y = cy + dy;
            if y < 0 || y >= self.h {
                continue;
            }
            let dy2 = dy * dy;
            let xo = ((ro2 - dy2) as f64).sqrt() as i64;
            if inner <= 0 || dy2 >= ri2 {
                self.span(y, cx - xo, cx + xo + 1, color, a);
            } else {
                let xi = ((ri2 - dy2) as f64).sqrt() as i64;
                self.span(y, cx - xo, cx - xi, color, a);
                self.span(y, cx + xi + 1, cx + xo + 1, color, a);
            }
        }
    }

    /// Diagonal stripes of period `p` px inside a rectangle.
    fn stripes(&mut self, r: [i64; 4], p: i64, color: [u8; 3], a: u32) {
        let p = p.max(2);
        for y in r[1].max(0)..r[3].min(self.h) {
            // Stripe k covers x + y in [2kp, 2kp + p).
            let mut x = r[0] - (r[0] + y).rem_euclid(2 * p);
            while x < r[2] {
                self.span(y, x.max(r[0]), (x + p).min(r[2]), color, a);
                x += 2 * p;
            }
        }
    }
}

/// Linear gradient between two colours along an angle.
fn gradient(buf: &mut [u8], w: u32, h: u32, c1: [u8; 3], c2: [u8; 3], angle: f32) {
    let (cos, sin) = (angle.cos(), angle.sin());
    let norm = 0.5 * (cos.abs() + sin.abs()).max(1e-3);
    let (fw, fh) = (w as f32, h as f32);
    let dx = cos / fw / norm * 0.5;
    let c1f = [c1[0] as f32, c1[1] as f32, c1[2] as f32];
    let d = [c2[0] as f32 - c1f[0], c2[1] as f32 - c1f[1], c2[2] as f32 - c1f[2]];
    for (y, row) in buf.chunks_exact_mut(w as usize * 3).enumerate() {
        let mut t = 0.5 + ((-0.5) * cos + ((y as f32 + 0.5) / fh - 0.5) * sin) / norm * 0.5;
        for px in row.chunks_exact_mut(3) {
            let tc = t.clamp(0.0, 1.0);
            px[0] = (c1f[0] + d[0] * tc) as u8;
            px[1] = (c1f[1] + d[1] * tc) as u8;
            px[2] = (c1f[2] + d[2] * tc) as u8;
            t += dx;
        }
    }
}

/// Tiles the references over the canvas and blends them (70 %) over what is there.
fn tile_references(img: &mut RgbImage, refs: &[Reference]) {
    let (w, h) = img.dimensions();
    let k = refs.len() as u32;
    let cols = (k as f64).sqrt().ceil() as u32;
    let rows = k.div_ceil(cols);
    for (i, r) in refs.iter().enumerate() {
        let (col, row) = (i as u32 % cols, i as u32 / cols);
        let x0 = w * col / cols;
        let x1 = if col + 1 == cols || i as u32 + 1 == k { w } else { w * (col + 1) / cols };
        let y0 = h * row / rows;
        let y1 = h * (row + 1) / rows;
        let (cw, ch) = ((x1 - x0).max(1), (y1 - y0).max(1));
        let src = &*r.image;
        let scaled;
        let cell: &RgbImage = if src.width() >= cw && src.height() >= ch {
            scaled = image::imageops::thumbnail(src, cw, ch);
            &scaled
        } else {
            src // upscaled by nearest sampling below
        };
        let (sw, sh) = (cell.width() as usize, cell.height() as usize);
        let xmap: Vec<usize> = (0..cw as usize).map(|x| x * sw / cw as usize * 3).collect();
        let stride = w as usize * 3;
        let buf: &mut [u8] = &mut *img;
        for y in 0..ch as usize {
            let sy = y * sh / ch as usize;
            let src_row = &cell.as_raw()[sy * sw * 3..(sy + 1) * sw * 3];
            let start = (y0 as usize + y) * stride + x0 as usize * 3;
            let dst_row = &mut buf[start..start + cw as usize * 3];
            for (d, &sx) in dst_row.chunks_exact_mut(3).zip(&xmap) {
                for c in 0..3 {
                    d[c] = ((src_row[sx + c] as u32 * 179 + d[c] as u32 * 77) >> 8) as u8;
                }
            }
        }
    }
}

/// Draws one output.
pub fn render(spec: &Spec) -> RgbImage {
    let (w, h) = (spec.width.max(1), spec.height.max(1));
    let mut img = RgbImage::new(w, h);
    let mut pr = Rng(spec.prompt_seed());
    let hue = pr.range(0.0, 360.0);
    let c1 = hsv(hue, pr.range(0.5, 0.85), pr.range(0.8, 1.0));
    let c2 = hsv(hue + pr.range(90.0, 210.0), pr.range(0.5, 0.9), pr.range(0.3, 0.6));
    let angle = pr.range(0.0, std::f32::consts::TAU);
    gradient(&mut img, w, h, c1, c2, angle);

    let edit = !spec.references.is_empty();
    if edit {
        tile_references(&mut img, &spec.references);
    }
    let (wi, hi) = (w as i64, h as i64);
    let short = wi.min(hi) as f32;
    let px = |v: f32, len: i64| (v * len as f32) as i64;
    let alpha = |a: u32| if edit { a / 2 } else { a };
    let mut canvas = Canvas { buf: &mut img, w: wi, h: hi };

    // The prompt's shapes.
    let stripes_color = hsv(hue + 180.0, 0.6, 0.95);
    let (sx, sy) = (pr.range(0.0, 0.6), pr.range(0.0, 0.6));
    let rect = [px(sx, wi), px(sy, hi), px(sx + pr.range(0.25, 0.4), wi), px(sy + pr.range(0.25, 0.4), hi)];
    let period = (short * pr.range(0.015, 0.05)) as i64;
    canvas.stripes(rect, period, stripes_color, alpha(110));
    let shapes = 5 + (pr.next_u64() % 5) as usize;
    for _ in 0..shapes {
        let color = hsv(hue + pr.range(-60.0, 240.0), pr.range(0.4, 1.0), pr.range(0.5, 1.0));
        let (cx, cy) = (px(pr.f(), wi), px(pr.f(), hi));
        let r = (short * pr.range(0.05, 0.22)) as i64;
        let kind = pr.next_u64() % 3;
        let a = alpha(120 + (pr.next_u64() % 90) as u32);
        match kind {
            0 => canvas.ring(cx, cy, r, 0, color, a),
            1 => canvas.ring(cx, cy, r, (r as f32 * pr.range(0.5, 0.8)) as i64, color, a),
            _ => canvas.rect(cx - r, cy - r / 2, cx + r, cy + r / 2, color, a),
        }
    }

    // The output's own shapes.
    let mut ir = Rng(spec.seed());
    for _ in 0..3 {
        let color = hsv(ir.range(0.0, 360.0), ir.range(0.6, 1.0), ir.range(0.6, 1.0));
        let (cx, cy) = (px(ir.f(), wi), px(ir.f(), hi));
        let r = (short * ir.range(0.06, 0.16)) as i64;
        if ir.next_u64() & 1 == 0 {
            canvas.ring(cx, cy, r, r * 2 / 3, color, alpha(220));
        } else {
            canvas.ring(cx, cy, r, 0, color, alpha(200));
        }
    }

    // The index marker: index + 1 white squares on a dark bar, top left.
    let s = ((short / 40.0) as i64).max(3);
    let count = spec.index as i64 + 1;
    canvas.rect(0, 0, s * (2 * count + 1), s * 3, [16, 16, 16], 256);
    for i in 0..count {
        let x = s + i * 2 * s;
        canvas.rect(x, s, x + s, 2 * s, [255, 255, 255], 256);
    }
    img
}

/// Encodes as PNG, fast compression.
pub fn encode_png(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::with_capacity(img.as_raw().len() / 4);
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Sub)
        .write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgb8)
        .expect("encoding an in-memory RGB image cannot fail");
    out
}

/// An LRU of encoded outputs, bounded by total bytes.
pub struct PngCache {
    inner: Mutex<CacheInner>,
    max_bytes: usize,
}

struct CacheInner {
    map: HashMap<(u64, u32, u32), (Bytes, u64)>,
    bytes: usize,
    tick: u64,
    hits: u64,
}

impl PngCache {
    pub fn new(max_bytes: usize) -> Self {
        PngCache { inner: Mutex::new(CacheInner { map: HashMap::new(), bytes: 0, tick: 0, hits: 0 }), max_bytes }
    }

    fn get(&self, key: &(u64, u32, u32)) -> Option<Bytes> {
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

    fn put(&self, key: (u64, u32, u32), png: Bytes) {
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

    /// The PNG of `spec`: from the cache, or drawn and encoded (blocking; call it from
    /// `spawn_blocking`).
    pub fn png(&self, spec: &Spec) -> Bytes {
        let key = spec.cache_key();
        if let Some(b) = self.get(&key) {
            return b;
        }
        let png = Bytes::from(encode_png(&render(spec)));
        self.put(key, png.clone());
        png
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(prompt: &str, index: u32, w: u32, h: u32) -> Spec {
        Spec { prompt: prompt.into(), index, width: w, height: h, references: vec![] }
    }

    fn mean(img: &RgbImage) -> [f64; 3] {
        let mut s = [0f64; 3];
        for p in img.pixels() {
            for (acc, v) in s.iter_mut().zip(p.0) {
                *acc += v as f64;
            }
        }
        let n = (img.width() * img.height()) as f64;
        [s[0] / n, s[1] / n, s[2] / n]
    }

    #[test]
    fn deterministic_and_distinct() {
        let a = encode_png(&render(&spec("a red fox", 0, 256, 256)));
        let b = encode_png(&render(&spec("a red fox", 0, 256, 256)));
        let c = encode_png(&render(&spec("a red fox", 1, 256, 256)));
        let d = encode_png(&render(&spec("a blue whale", 0, 256, 256)));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        let img = image::load_from_memory(&a).unwrap();
        assert_eq!((img.width(), img.height()), (256, 256));
    }

    #[test]
    fn prompts_differ_visibly() {
        let a = render(&spec("a red fox", 0, 128, 128));
        let d = render(&spec("a blue whale", 0, 128, 128));
        let diff: u64 = a.as_raw().iter().zip(d.as_raw()).map(|(x, y)| x.abs_diff(*y) as u64).sum();
        assert!(diff / a.as_raw().len() as u64 > 20, "mean abs diff too small: {diff}");
    }

    #[test]
    fn odd_sizes_render() {
        for (w, h) in [(1, 1), (8, 512), (512, 64), (1023, 17)] {
            let img = render(&spec("x", 9, w, h));
            assert_eq!(img.dimensions(), (w, h));
        }
    }

    #[test]
    fn edit_follows_reference_colours() {
        let red = std::sync::Arc::new(RgbImage::from_pixel(64, 64, image::Rgb([255, 0, 0])));
        let mut s = spec("a calm lake", 0, 256, 256);
        let plain = mean(&render(&s));
        s.references = vec![Reference { digest: [1; 32], image: red }];
        let edited = mean(&render(&s));
        let dist = |m: [f64; 3]| ((m[0] - 255.0).powi(2) + m[1].powi(2) + m[2].powi(2)).sqrt();
        assert!(dist(edited) < dist(plain) / 2.0, "{edited:?} vs {plain:?}");
    }

    #[test]
    fn cache_reuses_and_evicts() {
        let cache = PngCache::new(200_000);
        let s = spec("cache me", 0, 128, 128);
        let a = cache.png(&s);
        let b = cache.png(&s);
        assert_eq!(a, b);
        assert_eq!(cache.hits(), 1);
        for i in 0..50 {
            cache.png(&spec("fill", i, 128, 128));
        }
        assert!(cache.inner.lock().unwrap().bytes <= 200_000);
    }
}

#[cfg(test)]
mod timing {
    use super::*;

    /// `cargo test -p pixapi-sim --lib timing -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn render_and_encode_4k() {
        for (w, h) in [(1024, 1024), (2048, 2048), (4096, 4096)] {
            let spec = Spec { prompt: "timing".into(), index: 0, width: w, height: h, references: vec![] };
            let t = std::time::Instant::now();
            let img = render(&spec);
            let r = t.elapsed();
            let png = encode_png(&img);
            println!("{w}x{h}: render {r:?}, encode {:?}, {} bytes", t.elapsed() - r, png.len());
        }
        let red = std::sync::Arc::new(RgbImage::from_pixel(800, 600, image::Rgb([255, 0, 0])));
        let refs = (0..3).map(|i| Reference { digest: [i; 32], image: red.clone() }).collect();
        let spec = Spec { prompt: "timing".into(), index: 0, width: 4096, height: 4096, references: refs };
        let t = std::time::Instant::now();
        let img = render(&spec);
        println!("edit 4096 x3 refs: render {:?}", t.elapsed());
        drop(img);
    }
}
