//! Objective metrics of two images, beside the eyes: SSIM, PSNR and a perceptual-hash
//! distance, computed at one common size.
//!
//! The method, in full (and named by [`ALGO`], which caches key on):
//! - **Common size**: the smaller image's width × height (by pixel count). The larger one is
//!   downscaled to it by area averaging (a box filter over each output pixel's footprint:
//!   every source pixel counts, nothing aliases; `image`'s `thumbnail`). Images whose aspect
//!   ratios differ by more than [`MAX_ASPECT_DIFFERENCE`] are refused: they are not one
//!   picture at two sizes.
//! - **Alpha** is dropped (pixels are compared as stored, not composited).
//! - **SSIM**: `image-compare`'s mean SSIM over 8 × 8 windows, on luma (Rec. 709), 1.0 = identical.
//!   That crate sums (does not average) the windows' variances, so local contrast weighs more
//!   than in Wang et al.'s SSIM: losing grain or fine texture (a blur) lowers it clearly.
//! - **PSNR**: over the three 8-bit RGB channels, in dB; `None` when the images are identical
//!   (infinite).
//! - **pHash distance**: `image_hasher`'s DCT median hash (classic pHash), 8 × 8 = 64 bits, on
//!   the common-size luma; the Hamming distance of the two hashes, 0..=64.

use std::borrow::Cow;
use std::time::Instant;

use image::imageops::FilterType;
use image::{DynamicImage, GrayImage, RgbImage};

/// Names the method; bump it when any part of the method changes (cached results are keyed on it).
pub const ALGO: &str =
    "pxm1:common=smaller,area-average;ssim=image-compare-0.5,mssim-8x8,luma709;psnr=rgb8;phash=image_hasher-3,dct-median-64";

/// Largest relative difference of aspect ratio (width / height) compared: 1 %.
pub const MAX_ASPECT_DIFFERENCE: f64 = 0.01;

/// Bits in the perceptual hash, so the largest possible distance.
pub const PHASH_BITS: u32 = 64;

/// Metrics of one pair of images.
#[derive(Clone, Debug, PartialEq)]
pub struct PairMetrics {
    /// Structural similarity, 1.0 = identical (can dip below 0 for anti-correlated images).
    pub ssim: f64,
    /// Peak signal-to-noise ratio in dB; `None` = identical (infinite).
    pub psnr_db: Option<f64>,
    /// Hamming distance of the two 64-bit perceptual hashes: 0 = same picture, ~32 = unrelated.
    pub phash_distance: u32,
    /// The common size the two were compared at.
    pub width: u32,
    pub height: u32,
    /// Time spent, milliseconds (resize + metrics; decoding is the caller's).
    pub computed_ms: f64,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MetricsError {
    #[error(
        "These images have different shapes ({}×{} and {}×{}): metrics compare one picture at two sizes, so choose two outputs of the same aspect ratio.",
        a.0, a.1, b.0, b.1
    )]
    AspectMismatch { a: (u32, u32), b: (u32, u32) },
    #[error("An image has no pixels ({}×{}); there is nothing to compare.", .0.0, .0.1)]
    Empty((u32, u32)),
    #[error("Could not compute SSIM: {0}")]
    Ssim(String),
}

/// The size two images are compared at: the smaller one's (by pixel count). Refuses images
/// that are empty or whose aspect ratios differ by more than [`MAX_ASPECT_DIFFERENCE`].
pub fn common_size(a: (u32, u32), b: (u32, u32)) -> Result<(u32, u32), MetricsError> {
    for d in [a, b] {
        if d.0 == 0 || d.1 == 0 {
            return Err(MetricsError::Empty(d));
        }
    }
    let ra = a.0 as f64 / a.1 as f64;
    let rb = b.0 as f64 / b.1 as f64;
    if (ra / rb - 1.0).abs() > MAX_ASPECT_DIFFERENCE {
        return Err(MetricsError::AspectMismatch { a, b });
    }
    let area = |d: (u32, u32)| d.0 as u64 * d.1 as u64;
    Ok(if area(a) <= area(b) { a } else { b })
}

/// Compares two decoded images at their common size (see the crate's doc for the method).
pub fn compare(a: &DynamicImage, b: &DynamicImage) -> Result<PairMetrics, MetricsError> {
    let started = Instant::now();
    let (w, h) = common_size((a.width(), a.height()), (b.width(), b.height()))?;
    let ra = at_size(a, w, h);
    let rb = at_size(b, w, h);
    let la = luma(&ra);
    let lb = luma(&rb);
    let ssim = image_compare::gray_similarity_structure(&image_compare::Algorithm::MSSIMSimple, &la, &lb)
        .map_err(|e| MetricsError::Ssim(e.to_string()))?
        .score;
    let psnr_db = psnr(&ra, &rb);
    let phash_distance = phash(&la).dist(&phash(&lb));
    Ok(PairMetrics { ssim, psnr_db, phash_distance, width: w, height: h, computed_ms: ms_since(started) })
}

/// The image as 8-bit RGB at exactly `w` × `h` (borrowed when it already is).
fn at_size(img: &DynamicImage, w: u32, h: u32) -> Cow<'_, RgbImage> {
    let rgb: Cow<'_, RgbImage> = match img.as_rgb8() {
        Some(r) => Cow::Borrowed(r),
        None => Cow::Owned(img.to_rgb8()),
    };
    if rgb.dimensions() == (w, h) {
        return rgb;
    }
    let (sw, sh) = rgb.dimensions();
    if w <= sw && h <= sh {
        // Area averaging: every source pixel counts once (no aliasing), exact for the 2×
        // steps between variants, and ~10× cheaper than a bicubic kernel at 4K.
        return Cow::Owned(image::imageops::thumbnail(rgb.as_ref(), w, h));
    }
    // Only within the 1 % aspect tolerance can one side grow, by a pixel or so.
    Cow::Owned(image::imageops::resize(rgb.as_ref(), w, h, FilterType::CatmullRom))
}

fn luma(rgb: &RgbImage) -> GrayImage {
    // Rec. 709 weights in fixed point (image's own `to_luma8` uses the same weights).
    let (w, h) = rgb.dimensions();
    let px: Vec<u8> = rgb
        .as_raw()
        .chunks_exact(3)
        .map(|p| ((2126 * p[0] as u32 + 7152 * p[1] as u32 + 722 * p[2] as u32 + 5000) / 10_000) as u8)
        .collect();
    GrayImage::from_raw(w, h, px).expect("one byte per pixel")
}

/// PSNR over the RGB channels, in dB; `None` when identical.
fn psnr(a: &RgbImage, b: &RgbImage) -> Option<f64> {
    let sum_sq: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| {
            let d = x as i32 - y as i32;
            (d * d) as u64
        })
        .sum();
    if sum_sq == 0 {
        return None;
    }
    let mse = sum_sq as f64 / a.as_raw().len() as f64;
    Some(10.0 * (255.0f64 * 255.0 / mse).log10())
}

fn phash(l: &GrayImage) -> image_hasher::ImageHash {
    // The hasher resizes to 16 × 16 itself; a fast area-averaging pre-shrink to 256 px keeps a
    // 4K input from costing a wide Lanczos kernel, without changing what 16 × 16 can see.
    let small;
    let input = if l.width().max(l.height()) > 256 {
        small = DynamicImage::ImageLuma8(l.clone()).thumbnail(256, 256).to_luma8();
        &small
    } else {
        l
    };
    image_hasher::HasherConfig::new()
        .hash_alg(image_hasher::HashAlg::Median)
        .hash_size(8, 8)
        .preproc_dct()
        .to_hasher()
        .hash_image(input)
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_size_is_the_smaller_and_shapes_must_agree() {
        assert_eq!(common_size((2048, 2048), (1024, 1024)), Ok((1024, 1024)));
        assert_eq!(common_size((1024, 1536), (2048, 3072)), Ok((1024, 1536)));
        // within 1 %: the larger is stretched by < 1 % to the smaller's exact size
        assert_eq!(common_size((1000, 1000), (2000, 1990)), Ok((1000, 1000)));
        let e = common_size((1024, 1024), (1536, 1024)).unwrap_err();
        assert!(e.to_string().contains("1024×1024 and 1536×1024"), "{e}");
        assert!(matches!(common_size((0, 10), (10, 10)), Err(MetricsError::Empty((0, 10)))));
    }
}
