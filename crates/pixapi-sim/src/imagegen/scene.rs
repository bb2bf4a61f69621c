//! The picture: a seeded landscape drawn like a photograph.
//!
//! Layout and palette come from the prompt seed: a sky gradient of the prompt's hue with
//! clouds, a sun and its glow, 2 to 4 ranges of hills fading into haze, and a few shaded
//! boulders or trees with their shadows. The index seed moves things within that layout
//! (ridge lines, where the objects stand, the sun a little, the texture), as a model's
//! several outputs of one prompt differ.
//!
//! Everything is placed in continuous image coordinates (fractions of the width and
//! height; noise in fractions of the long edge), so every size of one aspect ratio shows
//! the same scene. Detail is sampled down to the delivered pixel: ridge lines, the texture
//! on the ground and on the objects are octaves of noise whose finest cell is about 1.3 px
//! at the size delivered, and anti-aliased edges are one pixel wide. So a 4K output
//! resolves detail its 1K variant cannot show, and downscaled to 1K looks like the 1K one
//! without being identical. Film grain (per pixel, up to about 0.4 levels r.m.s., stronger where the texture is) makes the PNGs as
//! incompressible as photographs.

use image::RgbImage;

use super::noise::{coarse_table, fbm_columns, hash2, Layer, Rng, RowCache, Source};
use super::{Reference, Spec};

type Rgb = [f32; 3];

fn hsv(h: f32, s: f32, v: f32) -> Rgb {
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
    [(r + m) * 255.0, (g + m) * 255.0, (b + m) * 255.0]
}

fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

fn scale(a: Rgb, k: f32) -> Rgb {
    [a[0] * k, a[1] * k, a[2] * k]
}

fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// The colours of a scene: one of a few lights (day, golden hour, dusk, overcast, or a
/// painter's palette of any hue), varied within it.
struct Palette {
    sky_top: Rgb,
    sky_low: Rgb,
    cloud: Rgb,
    sun: Rgb,
    /// Hue, saturation and value ranges of the land.
    ground_hue: f32,
    ground_sat: (f32, f32),
    ground_val: (f32, f32),
}

impl Palette {
    fn new(pr: &mut Rng) -> Palette {
        let mood = pr.next_u64() % 5;
        let (top, low, ground_hue, ground_sat, ground_val) = match mood {
            // Day: blue sky, green land.
            0 => (
                (pr.range(200.0, 225.0), 0.6, 0.8),
                (pr.range(190.0, 215.0), 0.22, 0.97),
                pr.range(70.0, 130.0),
                (0.35, 0.7),
                (0.3, 0.65),
            ),
            // Golden hour: warm low sky, ochre land.
            1 => (
                (pr.range(210.0, 245.0), 0.45, 0.62),
                (pr.range(22.0, 45.0), 0.55, 1.0),
                pr.range(25.0, 60.0),
                (0.4, 0.75),
                (0.3, 0.65),
            ),
            // Dusk: violet above, pink low, dark blue land.
            2 => (
                (pr.range(250.0, 285.0), 0.5, 0.4),
                (pr.range(330.0, 370.0), 0.45, 0.92),
                pr.range(230.0, 290.0),
                (0.25, 0.55),
                (0.15, 0.4),
            ),
            // Overcast, snow and rock.
            3 => {
                let h = pr.range(180.0, 240.0);
                ((h, 0.08, 0.68), (h, 0.05, 0.9), pr.range(20.0, 220.0), (0.04, 0.22), (0.55, 0.9))
            }
            // Any hue.
            _ => {
                let h = pr.range(0.0, 360.0);
                (
                    (h, 0.6, 0.65),
                    (h + pr.range(-40.0, 40.0), 0.25, 0.92),
                    h + pr.range(70.0, 200.0),
                    (0.3, 0.75),
                    (0.3, 0.7),
                )
            }
        };
        let jitter = |pr: &mut Rng, (h, s, v): (f32, f32, f32)| {
            hsv(h + pr.range(-8.0, 8.0), (s * pr.range(0.8, 1.2)).min(1.0), (v * pr.range(0.9, 1.1)).min(1.0))
        };
        let sky_top = jitter(pr, top);
        let sky_low = jitter(pr, low);
        let cloud = mix(hsv(low.0, 0.05, 1.0), sky_low, pr.range(0.0, 0.4));
        let sun = mix(hsv(low.0 + pr.range(-15.0, 15.0), pr.range(0.05, 0.3), 1.0), [255.0; 3], 0.3);
        Palette { sky_top, sky_low, cloud, sun, ground_hue, ground_sat, ground_val }
    }

    /// A colour of the land, within `spread` degrees of its hue.
    fn ground(&self, pr: &mut Rng, spread: f32) -> Rgb {
        let h = self.ground_hue + pr.range(-spread, spread);
        hsv(h, pr.range(self.ground_sat.0, self.ground_sat.1), pr.range(self.ground_val.0, self.ground_val.1))
    }
}

/// Cells per long edge of the coarsest fine-texture octave (finer ones double it).
const FINE_BASE_FREQ: f32 = 192.0;
/// The finest octave drawn has cells of at least this many pixels.
const FINEST_CELL_PX: f32 = 1.25;
/// Grid (cells per long edge) of the coarse tables.
const COARSE_GRID: u32 = 256;
/// Strength of the fine texture (a brightness modulation) where it is fullest.
const TEXTURE: f32 = 0.08;
/// Film grain: peak amplitude, in levels of 255, of the triangular per-channel noise.
const GRAIN: f32 = 1.0;

/// A range of hills: its ridge line per column (as a fraction of the height, from the top).
struct Hill {
    ridge: Vec<f32>,
    /// Per column, 1 / (1 - ridge): how far down the range a row is.
    inv_span: Vec<f32>,
    /// The highest and lowest points of the ridge.
    min: f32,
    max: f32,
    top: Rgb,
    bottom: Rgb,
    texture: f32,
}

impl Hill {
    /// The colour of the range at row `v`, column `x`: lighter at the ridge, darker below,
    /// tinted by the coarse noise.
    fn color(&self, v: f32, x: usize, coarse: f32) -> Rgb {
        let depth = ((v - self.ridge[x]) * self.inv_span[x]).clamp(0.0, 1.0);
        let tint = 1.0 + 0.3 * coarse.clamp(-1.0, 1.0);
        scale(mix(self.top, self.bottom, depth * (2.0 - depth)), tint)
    }
}

/// A boulder or a tree: a shaded ellipsoid (and a trunk), with a shadow on the ground.
struct Object {
    cx: f32,
    cy: f32,
    rx: f32,
    ry: f32,
    color: Rgb,
    trunk: Option<(f32, f32, Rgb)>,
}

impl Object {
    /// Rows touched (crown, trunk and shadow), in pixels.
    fn rows(&self) -> (f32, f32) {
        let bottom = self.trunk.map_or(self.cy + self.ry, |(_, len, _)| self.cy + self.ry * 0.6 + len);
        (self.cy - self.ry - 1.0, bottom + self.ry * 0.35 + 1.0)
    }
    fn ground(&self) -> f32 {
        self.trunk.map_or(self.cy + self.ry * 0.85, |(_, len, _)| self.cy + self.ry * 0.6 + len)
    }
}

/// A reference of an edit placed in its cell of the output.
struct Cell<'a> {
    image: &'a RgbImage,
    x0: usize,
    x1: usize,
    y0: usize,
    y1: usize,
}

struct Scene<'a> {
    w: u32,
    h: u32,
    sky_top: Rgb,
    sky_low: Rgb,
    cloud: Rgb,
    cloudiness: f32,
    horizon: f32,
    sun: (f32, f32, f32, Rgb),
    light: [f32; 3],
    hills: Vec<Hill>,
    objects: Vec<Object>,
    coarse: Layer,
    clouds: Layer,
    fine: Vec<Layer>,
    grain_seed: u64,
    /// Per column: the vignette's share of (u - 0.5)^2.
    vignette_cols: Vec<f32>,
    vignette: f32,
    cells: Vec<Cell<'a>>,
}

impl<'a> Scene<'a> {
    fn new(spec: &'a Spec) -> Scene<'a> {
        let (w, h) = (spec.width.max(1), spec.height.max(1));
        let long = w.max(h);
        let mut pr = Rng(spec.prompt_seed());
        let mut ir = Rng(spec.seed());

        let p = Palette::new(&mut pr);
        let (sky_top, sky_low, cloud, sun_col) = (p.sky_top, p.sky_low, p.cloud, p.sun);
        let cloudiness = pr.range(0.15, 0.9);
        let horizon = pr.range(0.3, 0.62);
        let layers = 2 + (pr.next_u64() % 3) as usize;
        let sun_u = pr.range(0.12, 0.88) + ir.range(-0.05, 0.05);
        let sun_v = horizon * pr.range(0.25, 0.75) + ir.range(-0.03, 0.03);
        let sun_r = pr.range(0.02, 0.05);
        // The light comes from the sun's side, from above.
        let lx = (sun_u - 0.5) * 1.6;
        let norm = (lx * lx + 0.8f32 * 0.8 + 0.5f32 * 0.5).sqrt();
        let light = [lx / norm, -0.8 / norm, 0.5 / norm];

        let mut hills = Vec::with_capacity(layers);
        for i in 0..layers {
            let near = (i + 1) as f32 / layers as f32;
            let base = horizon + (1.0 - horizon) * 0.55 * (i as f32 / layers as f32);
            let height = (1.0 - near) * pr.range(0.12, 0.3) + pr.range(0.02, 0.08);
            let base_freq = pr.range(1.5, 4.0);
            let rough = pr.range(0.5, 0.62);
            let n = fbm_columns(ir.fork(), w, long, base_freq, rough, 1.5);
            let ridge: Vec<f32> = n.iter().map(|v| base - height * (0.55 + 0.45 * v)).collect();
            let inv_span = ridge.iter().map(|r| 1.0 / (1.0 - r).max(0.05)).collect();
            let min = ridge.iter().copied().fold(f32::INFINITY, f32::min);
            let max = ridge.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let haze = (1.0 - near) * 0.75;
            let col = p.ground(&mut pr, 35.0);
            let top = mix(col, sky_low, haze);
            let bottom = mix(scale(col, 0.55), sky_low, haze * 0.8);
            hills.push(Hill { ridge, inv_span, min, max, top, bottom, texture: 0.1 + 0.9 * near * near });
        }

        let short = w.min(h) as f32;
        let count = 3 + (pr.next_u64() % 6) as usize;
        let trees = pr.f();
        let mut objects = Vec::with_capacity(count);
        for _ in 0..count {
            // On one of the two nearest ranges, below its ridge.
            let layer = layers - 1 - (ir.next_u64() % 2.min(layers as u64)) as usize;
            let u = ir.range(0.02, 0.98);
            let col_x = ((u * w as f32) as usize).min(w as usize - 1);
            let ground = hills[layer].ridge[col_x] + ir.range(0.02, 0.12);
            let depth = 0.55 + 0.45 * ground.clamp(0.0, 1.0);
            let r = short * ir.range(0.025, 0.08) * depth;
            let color = p.ground(&mut pr, 50.0);
            let tree = ir.f() < trees;
            let (rx, ry) = if tree { (r * ir.range(0.7, 0.95), r * ir.range(1.1, 1.5)) } else { (r, r * 0.75) };
            let trunk = tree.then(|| (rx * 0.14, ry * ir.range(0.6, 1.0), hsv(30.0, 0.5, 0.25)));
            let cy = ground * h as f32 - trunk.map_or(ry * 0.85, |(_, len, _)| ry * 0.6 + len);
            objects.push(Object { cx: u * w as f32, cy, rx, ry, color, trunk });
        }
        // Back to front: the lower an object stands, the nearer it is.
        objects.sort_by(|a, b| a.ground().total_cmp(&b.ground()));

        let coarse_octaves: Vec<_> = (0..6)
            .map(|k| {
                let f = 3.0 * (1 << k) as f32;
                (ir.fork(), f, f, 0.55f32.powi(k))
            })
            .collect();
        let coarse = Layer::new(coarse_table(&coarse_octaves, COARSE_GRID, w, h), COARSE_GRID as f32, 0.6, w, h);
        // Clouds: stretched sideways.
        let cloud_octaves: Vec<_> = (0..5)
            .map(|k| {
                let f = 2.0 * (1 << k) as f32;
                (ir.fork(), f, f * 3.0, 0.5f32.powi(k))
            })
            .collect();
        let clouds = Layer::new(coarse_table(&cloud_octaves, COARSE_GRID, w, h), COARSE_GRID as f32, 1.0, w, h);
        let mut fine = Vec::new();
        let (mut freq, mut amp) = (FINE_BASE_FREQ, 1.0f32);
        while long as f32 / freq >= FINEST_CELL_PX {
            fine.push(Layer::new(Source::Hash(ir.fork()), freq, amp, w, h));
            freq *= 2.0;
            amp *= 0.72;
        }

        let cells = place_references(&spec.references, w as usize, h as usize);
        Scene {
            w,
            h,
            sky_top,
            sky_low,
            cloud,
            cloudiness,
            horizon,
            sun: (sun_u, sun_v, sun_r, sun_col),
            light,
            hills,
            objects,
            coarse,
            clouds,
            fine,
            grain_seed: ir.fork(),
            vignette_cols: (0..w).map(|x| ((x as f32 + 0.5) / w as f32 - 0.5).powi(2)).collect(),
            vignette: pr.range(0.15, 0.45),
            cells,
        }
    }
}

/// Tiles the references over the output: a grid of cells covering all of it.
fn place_references(refs: &[Reference], w: usize, h: usize) -> Vec<Cell<'_>> {
    let k = refs.len();
    if k == 0 {
        return Vec::new();
    }
    let cols = (k as f64).sqrt().ceil() as usize;
    let rows = k.div_ceil(cols);
    refs.iter()
        .enumerate()
        .map(|(i, r)| {
            let (col, row) = (i % cols, i / cols);
            let x1 = if col + 1 == cols || i + 1 == k { w } else { w * (col + 1) / cols };
            Cell { image: &r.image, x0: w * col / cols, x1, y0: h * row / rows, y1: h * (row + 1) / rows }
        })
        .collect()
}

/// Per-thread row buffers and noise caches.
struct Rows {
    rgb: Vec<Rgb>,
    texture: Vec<f32>,
    coarse: Vec<f32>,
    clouds: Vec<f32>,
    fine: Vec<f32>,
    coarse_cache: RowCache,
    cloud_cache: RowCache,
    fine_caches: Vec<RowCache>,
}

impl Rows {
    fn new(scene: &Scene) -> Rows {
        let w = scene.w as usize;
        Rows {
            rgb: vec![[0.0; 3]; w],
            texture: vec![0.0; w],
            coarse: vec![0.0; w],
            clouds: vec![0.0; w],
            fine: vec![0.0; w],
            coarse_cache: RowCache::default(),
            cloud_cache: RowCache::default(),
            fine_caches: scene.fine.iter().map(|_| RowCache::default()).collect(),
        }
    }
}

impl Scene<'_> {
    /// Draws pixel row `y` into `out` (RGB8).
    fn row(&self, y: u32, rows: &mut Rows, out: &mut [u8]) {
        let (w, h) = (self.w as usize, self.h as f32);
        let v = (y as f32 + 0.5) / h;
        for buf in [&mut rows.coarse, &mut rows.fine] {
            buf.fill(0.0);
        }
        rows.coarse_cache.add_row(&self.coarse, y, &mut rows.coarse);
        for (layer, cache) in self.fine.iter().zip(&mut rows.fine_caches) {
            cache.add_row(layer, y, &mut rows.fine);
        }

        // The nearest range that covers the whole row hides the sky and the ranges behind.
        let px = 1.0 / h;
        let first = self.hills.iter().rposition(|hill| v > hill.max + px);
        match first {
            Some(k) => {
                let hill = &self.hills[k];
                for x in 0..w {
                    rows.rgb[x] = hill.color(v, x, rows.coarse[x]);
                    rows.texture[x] = hill.texture;
                }
            }
            None => self.sky_row(y, rows),
        }
        for hill in &self.hills[first.map_or(0, |k| k + 1)..] {
            if v < hill.min - px {
                continue;
            }
            for x in 0..w {
                let c = ((v - hill.ridge[x]) * h + 0.5).clamp(0.0, 1.0);
                if c <= 0.0 {
                    continue;
                }
                rows.rgb[x] = mix(rows.rgb[x], hill.color(v, x, rows.coarse[x]), c);
                rows.texture[x] += (hill.texture - rows.texture[x]) * c;
            }
        }

        let yc = y as f32 + 0.5;
        for o in &self.objects {
            let (top, bottom) = o.rows();
            if yc < top || yc > bottom {
                continue;
            }
            self.object_row(o, yc, rows);
        }

        for cell in &self.cells {
            if (cell.y0..cell.y1).contains(&(y as usize)) {
                blend_reference_row(cell, y as usize, rows);
            }
        }

        // Texture, vignette, grain.
        let dv = (v - 0.5) * (v - 0.5);
        for (x, px) in out.chunks_exact_mut(3).enumerate() {
            let vignette = 1.0 - self.vignette * 1.6 * (self.vignette_cols[x] + dv);
            let m = (1.0 + rows.texture[x] * TEXTURE * rows.fine[x]) * vignette;
            let g = hash2(self.grain_seed, x as i64, y as i64);
            // Grain shows in the textured parts; smooth sky keeps a trace of it.
            let grain_amp = GRAIN / 255.0 * (0.25 + rows.texture[x]);
            let col = rows.rgb[x];
            for (k, p) in px.iter_mut().enumerate() {
                let a = ((g >> (k * 16)) & 0xFF) as f32;
                let b = ((g >> (k * 16 + 8)) & 0xFF) as f32;
                let grain = (a + b - 255.0) * grain_amp;
                // `as u8` saturates: 0..=255, rounded by the + 0.5.
                *p = (col[k] * m + grain + 0.5) as u8;
            }
        }
    }

    /// Sky, clouds and the sun over row `y`.
    fn sky_row(&self, y: u32, rows: &mut Rows) {
        let (w, h) = (self.w as usize, self.h as f32);
        let v = (y as f32 + 0.5) / h;
        rows.clouds.fill(0.0);
        rows.cloud_cache.add_row(&self.clouds, y, &mut rows.clouds);
        let long = self.w.max(self.h) as f32;
        let t = (v / self.horizon).clamp(0.0, 1.0);
        let sky = mix(self.sky_top, self.sky_low, t.powf(0.7));
        let cloud_amount = self.cloudiness * (1.0 - 0.6 * t);
        for x in 0..w {
            let c = smoothstep(0.05, 0.6, rows.clouds[x] + 0.35 * self.cloudiness - 0.2) * cloud_amount;
            let shade = 0.82 + 0.18 * rows.coarse[x].clamp(-1.0, 1.0);
            rows.rgb[x] = mix(sky, scale(self.cloud, shade), c);
            rows.texture[x] = 0.03 + 0.1 * c;
        }
        // The sun's glow reaches `reach` (in long edges) from its centre.
        let (su, sv, sr, sun_col) = self.sun;
        let reach = sr * 10.0;
        let dy = (v - sv) * h / long;
        if dy.abs() >= reach {
            return;
        }
        let half = (reach * reach - dy * dy).sqrt() * long;
        let cx = su * self.w as f32;
        let x0 = (cx - half).max(0.0) as usize;
        let x1 = ((cx + half).max(0.0) as usize + 1).min(w);
        for x in x0..x1 {
            let dx = (x as f32 + 0.5 - cx) / long;
            let d2 = dx * dx + dy * dy;
            // (The sky's texture amount says how cloudy this pixel is.)
            let cloud = ((rows.texture[x] - 0.03) * 10.0).clamp(0.0, 1.0);
            let fall = (1.0 - d2 / (reach * reach)).max(0.0);
            let glow = 0.55 * fall * fall * fall * (1.0 - 0.7 * cloud);
            let mut col = mix(rows.rgb[x], sun_col, glow);
            if d2 < (sr + 2.0 / long) * (sr + 2.0 / long) {
                let disc = ((sr - d2.sqrt()) * long + 0.5).clamp(0.0, 1.0) * (1.0 - 0.8 * cloud);
                col = mix(col, sun_col, disc);
            }
            rows.rgb[x] = col;
        }
    }

    /// One row of an object: its shadow on the ground, trunk and shaded crown.
    fn object_row(&self, o: &Object, yc: f32, rows: &mut Rows) {
        let w = self.w as usize;
        let span = |cx: f32, half: f32| {
            let x0 = (cx - half - 1.0).floor().max(0.0) as usize;
            let x1 = ((cx + half + 1.0).ceil().max(0.0) as usize).min(w);
            x0..x1
        };
        let ground = o.ground();
        let (sx, sy) = (o.rx * 1.3, o.ry * 0.3);
        let shadow_cx = o.cx - self.light[0] * o.rx * 0.8;
        let dy = (yc - ground) / sy;
        if dy.abs() < 1.0 {
            for x in span(shadow_cx, sx) {
                let dx = (x as f32 + 0.5 - shadow_cx) / sx;
                let d2 = dx * dx + dy * dy;
                if d2 < 1.0 {
                    let k = 1.0 - 0.45 * (1.0 - d2);
                    rows.rgb[x] = scale(rows.rgb[x], k);
                }
            }
        }
        if let Some((half, len, col)) = o.trunk {
            let top = o.cy + o.ry * 0.6;
            if yc >= top && yc <= top + len {
                for x in span(o.cx, half) {
                    let dx = (x as f32 + 0.5 - o.cx) / half;
                    let c = ((1.0 - dx.abs()) * half + 0.5).clamp(0.0, 1.0);
                    let lit = 0.6 + 0.4 * (-dx * self.light[0]).max(0.0);
                    rows.rgb[x] = mix(rows.rgb[x], scale(col, lit), c);
                    rows.texture[x] += (0.6 - rows.texture[x]) * c;
                }
            }
        }
        let ny = (yc - o.cy) / o.ry;
        if ny.abs() < 1.0 {
            for x in span(o.cx, o.rx) {
                let nx = (x as f32 + 0.5 - o.cx) / o.rx;
                let d2 = nx * nx + ny * ny;
                let d = d2.sqrt();
                let c = ((1.0 - d) * o.rx.min(o.ry) + 0.5).clamp(0.0, 1.0);
                if c <= 0.0 {
                    continue;
                }
                let nz = (1.0 - d2).max(0.0).sqrt();
                let l = self.light;
                let lambert = (nx * l[0] + ny * l[1] + nz * l[2]).max(0.0);
                let rim = 0.25 * (1.0 - nz);
                let col = scale(o.color, 0.35 + 0.8 * lambert + rim);
                rows.rgb[x] = mix(rows.rgb[x], col, c);
                rows.texture[x] += (0.75 - rows.texture[x]) * c;
            }
        }
    }
}

/// Blends a reference (70 %) over row `y` of its cell, sampled bilinearly.
fn blend_reference_row(cell: &Cell, y: usize, rows: &mut Rows) {
    let img = cell.image;
    let (sw, sh) = (img.width() as usize, img.height() as usize);
    if sw == 0 || sh == 0 {
        return;
    }
    let (cw, ch) = ((cell.x1 - cell.x0).max(1) as f32, (cell.y1 - cell.y0).max(1) as f32);
    let sy = ((y - cell.y0) as f32 + 0.5) / ch * sh as f32 - 0.5;
    let y0 = sy.floor().clamp(0.0, (sh - 1) as f32) as usize;
    let y1 = (y0 + 1).min(sh - 1);
    let fy = (sy - y0 as f32).clamp(0.0, 1.0);
    let raw = img.as_raw();
    for x in cell.x0..cell.x1 {
        let sx = ((x - cell.x0) as f32 + 0.5) / cw * sw as f32 - 0.5;
        let x0 = sx.floor().clamp(0.0, (sw - 1) as f32) as usize;
        let x1 = (x0 + 1).min(sw - 1);
        let fx = (sx - x0 as f32).clamp(0.0, 1.0);
        let px = |xx: usize, yy: usize, k: usize| raw[(yy * sw + xx) * 3 + k] as f32;
        let mut col = [0f32; 3];
        for (k, c) in col.iter_mut().enumerate() {
            let top = px(x0, y0, k) + (px(x1, y0, k) - px(x0, y0, k)) * fx;
            let bot = px(x0, y1, k) + (px(x1, y1, k) - px(x0, y1, k)) * fx;
            *c = top + (bot - top) * fy;
        }
        rows.rgb[x] = mix(rows.rgb[x], col, 0.7);
        rows.texture[x] *= 0.6;
    }
}

/// Rows a worker takes at a time.
const BAND_ROWS: usize = 32;

/// Draws one output, on up to 4 threads for large ones.
pub fn render(spec: &Spec) -> RgbImage {
    let scene = Scene::new(spec);
    let w = scene.w as usize;
    let mut img = RgbImage::new(scene.w, scene.h);
    let threads = if w * scene.h as usize >= 512 * 512 {
        std::thread::available_parallelism().map_or(1, |n| n.get()).min(4)
    } else {
        1
    };
    let bands: Vec<(usize, &mut [u8])> = img.chunks_mut(w * 3 * BAND_ROWS).enumerate().collect();
    let queue = std::sync::Mutex::new(bands.into_iter());
    let work = || {
        let mut rows = Rows::new(&scene);
        loop {
            let next = queue.lock().expect("band queue").next();
            let Some((band, buf)) = next else { break };
            for (k, out) in buf.chunks_exact_mut(w * 3).enumerate() {
                scene.row((band * BAND_ROWS + k) as u32, &mut rows, out);
            }
        }
    };
    if threads <= 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(work);
            }
        });
    }
    img
}
