//! Seeded noise in continuous image coordinates, evaluated a row at a time.
//!
//! Coordinates are fractions of the image's long edge, so one noise function gives the same
//! picture at every size of one aspect ratio; a larger size only samples it more finely.
//! A 2D octave is value noise: random values on a lattice of `freq` cells per long edge,
//! blended with smoothstep weights. Rows are evaluated through [`RowCache`], which keeps
//! the two lattice rows around the current pixel row already interpolated along x, so a
//! pixel costs one lerp per octave, and a new lattice row one lerp per pixel.

/// SplitMix64: small, fast, stable across crate versions.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn f(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.f()
    }
    /// A new seed for a sub-stream.
    pub fn fork(&mut self) -> u64 {
        self.next_u64()
    }
}

/// A 64-bit hash of a seed and a lattice point.
#[inline]
pub fn hash2(seed: u64, i: i64, j: i64) -> u64 {
    let mut h = seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (j as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    h ^= h >> 32;
    h = h.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    h ^= h >> 32;
    h = h.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    h ^ (h >> 32)
}

/// The lattice value at (i, j), uniform in [-1, 1).
#[inline]
fn lattice(seed: u64, i: i64, j: i64) -> f32 {
    (hash2(seed, i, j) >> 40) as f32 * (2.0 / (1u64 << 24) as f32) - 1.0
}

/// `x.floor()` as an integer, without a libm call (for |x| < 2^31).
#[inline]
pub fn floor(x: f32) -> i64 {
    let i = x as i64;
    if (i as f32) > x {
        i - 1
    } else {
        i
    }
}

#[inline]
fn smooth(t: f32) -> f32 {
    t * t * (3.0 - 2.0 * t)
}

/// 1D value noise at `x` (in cells), in [-1, 1).
pub fn noise1(seed: u64, x: f32) -> f32 {
    let i = floor(x);
    let t = smooth(x - i as f32);
    let (a, b) = (lattice(seed, i, 0), lattice(seed, i + 1, 0));
    a + (b - a) * t
}

/// 2D value noise at (x, y) (in cells), in [-1, 1): what a [`RowCache`] row holds.
#[cfg(test)]
pub fn noise2(seed: u64, x: f32, y: f32) -> f32 {
    let (i, j) = (floor(x), floor(y));
    let (tx, ty) = (smooth(x - i as f32), smooth(y - j as f32));
    let top = lattice(seed, i, j) + (lattice(seed, i + 1, j) - lattice(seed, i, j)) * tx;
    let bot = lattice(seed, i, j + 1) + (lattice(seed, i + 1, j + 1) - lattice(seed, i, j + 1)) * tx;
    top + (bot - top) * ty
}

/// Where the lattice values come from.
pub enum Source {
    /// Hashed from a seed (one octave of value noise).
    Hash(u64),
    /// A precomputed table (`cols` values a row, row-major), e.g. several coarse octaves
    /// summed on a fixed grid. Indices outside it are clamped.
    Table { values: Vec<f32>, cols: usize, rows: usize },
}

impl Source {
    fn value(&self, i: i64, j: i64) -> f32 {
        match self {
            Source::Hash(seed) => lattice(*seed, i, j),
            Source::Table { values, cols, rows } => {
                let i = i.clamp(0, *cols as i64 - 1) as usize;
                let j = j.clamp(0, *rows as i64 - 1) as usize;
                values[j * cols + i]
            }
        }
    }
}

/// One layer of lattice values, laid over a raster of `width` x `height` pixels whose long
/// edge is `long`.
pub struct Layer {
    source: Source,
    /// Lattice cells per long edge.
    freq: f32,
    long: f32,
    amp: f32,
    /// Per column: the lattice column left of the pixel's centre, and the smoothstep weight.
    cols: Vec<(i64, f32)>,
}

impl Layer {
    pub fn new(source: Source, freq: f32, amp: f32, width: u32, height: u32) -> Layer {
        Layer::over(source, freq, amp, width, width.max(height) as f32)
    }

    /// A layer over `width` columns of a raster whose long edge is `long` pixels.
    fn over(source: Source, freq: f32, amp: f32, width: u32, long: f32) -> Layer {
        let cols = (0..width)
            .map(|x| {
                let lx = (x as f32 + 0.5) / long * freq;
                let i = floor(lx);
                (i, smooth(lx - i as f32))
            })
            .collect();
        Layer { source, freq, long, amp, cols }
    }

    fn interpolated_row(&self, j: i64, values: &mut Vec<f32>, out: &mut Vec<f32>) {
        let (first, last) = match (self.cols.first(), self.cols.last()) {
            (Some(f), Some(l)) => (f.0, l.0 + 1),
            _ => return,
        };
        values.clear();
        values.extend((first..=last).map(|i| self.source.value(i, j)));
        out.clear();
        out.extend(self.cols.iter().map(|&(i, t)| {
            let k = (i - first) as usize;
            values[k] + (values[k + 1] - values[k]) * t
        }));
    }
}

/// The x-interpolated lattice rows of one [`Layer`] around the current pixel row. One per
/// layer per thread.
pub struct RowCache {
    j: i64,
    above: Vec<f32>,
    below: Vec<f32>,
    /// The lattice values of one row (scratch).
    values: Vec<f32>,
}

impl Default for RowCache {
    fn default() -> Self {
        RowCache { j: i64::MIN, above: Vec::new(), below: Vec::new(), values: Vec::new() }
    }
}

impl RowCache {
    /// Adds `amp x layer` at pixel row `y` to `out` (one value per column).
    pub fn add_row(&mut self, layer: &Layer, y: u32, out: &mut [f32]) {
        self.add_row_at(layer, y as f32 + 0.5, out)
    }

    /// The same at a vertical position `yc` in pixels (a row's centre is y + 0.5).
    fn add_row_at(&mut self, layer: &Layer, yc: f32, out: &mut [f32]) {
        let ly = yc / layer.long * layer.freq;
        let j = floor(ly);
        let ty = smooth(ly - j as f32);
        if j != self.j {
            if j == self.j.wrapping_add(1) {
                std::mem::swap(&mut self.above, &mut self.below);
            } else {
                layer.interpolated_row(j, &mut self.values, &mut self.above);
            }
            layer.interpolated_row(j + 1, &mut self.values, &mut self.below);
            self.j = j;
        }
        let amp = layer.amp;
        for ((o, a), b) in out.iter_mut().zip(&self.above).zip(&self.below) {
            *o += amp * (a + (b - a) * ty);
        }
    }
}

/// Sums octaves of 2D value noise at the points of a grid of `grid` cells per long edge,
/// covering a `width` x `height` raster: a [`Source::Table`] for the coarse octaves, which
/// then cost one lerp a pixel together. The grid depends on the aspect ratio only, so every
/// size of one ratio gets the same table. Each octave is `(seed, cells per long edge along
/// x, along y, amplitude)`.
pub fn coarse_table(octaves: &[(u64, f32, f32, f32)], grid: u32, width: u32, height: u32) -> Source {
    let long = width.max(height) as f32;
    let cols = (grid as f32 * width as f32 / long).ceil() as usize + 2;
    let rows = (grid as f32 * height as f32 / long).ceil() as usize + 2;
    // Drawn as a small raster whose long edge counts `grid` pixels (grid point i sits at
    // (i + 0.5) / grid); anisotropic octaves as a stretched raster.
    let mut values = vec![0f32; cols * rows];
    for &(seed, fx, fy, amp) in octaves {
        let layer = Layer::over(Source::Hash(seed), fx, amp, cols as u32, grid as f32);
        let mut cache = RowCache::default();
        let stretch = fy / fx;
        for (j, row) in values.chunks_exact_mut(cols).enumerate() {
            cache.add_row_at(&layer, (j as f32 + 0.5) * stretch, row);
        }
    }
    Source::Table { values, cols, rows }
}

/// 1D fractal noise along x, one value per column: octaves from `base_freq` cells per long
/// edge doubling while a cell is at least `min_px` pixels; each octave's amplitude is
/// `gain` times the previous one.
pub fn fbm_columns(seed: u64, width: u32, long: u32, base_freq: f32, gain: f32, min_px: f32) -> Vec<f32> {
    let mut out = vec![0f32; width as usize];
    let (mut freq, mut amp, mut k) = (base_freq, 1f32, 0u64);
    while long as f32 / freq >= min_px {
        let s = seed.wrapping_add(k.wrapping_mul(0x632B_E59B_D9B4_E019));
        for (x, o) in out.iter_mut().enumerate() {
            *o += amp * noise1(s, (x as f32 + 0.5) / long as f32 * freq);
        }
        freq *= 2.0;
        amp *= gain;
        k += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_cache_matches_direct_evaluation() {
        let (w, h) = (37, 23);
        let layer = Layer::new(Source::Hash(7), 5.0, 1.0, w, h);
        let mut cache = RowCache::default();
        for y in [0, 1, 2, 5, 4, 22] {
            let mut row = vec![0f32; w as usize];
            cache.add_row(&layer, y, &mut row);
            for (x, v) in row.iter().enumerate() {
                let d = noise2(7, (x as f32 + 0.5) / 37.0 * 5.0, (y as f32 + 0.5) / 37.0 * 5.0);
                assert!((v - d).abs() < 1e-5, "({x}, {y}): {v} vs {d}");
            }
        }
    }

    #[test]
    fn noise_is_bounded_and_varies() {
        let vals: Vec<f32> = (0..1000).map(|i| noise2(3, i as f32 * 0.37, i as f32 * 0.11)).collect();
        assert!(vals.iter().all(|v| (-1.0..1.0).contains(v)));
        let mean = vals.iter().sum::<f32>() / vals.len() as f32;
        assert!(mean.abs() < 0.15, "{mean}");
        assert!(vals.iter().any(|v| *v > 0.5) && vals.iter().any(|v| *v < -0.5));
    }
}
