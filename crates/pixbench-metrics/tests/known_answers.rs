//! Metrics on pairs whose answer is known: an image against itself, a blurred copy, a
//! different picture, a 2× upscaled copy.

use image::{DynamicImage, RgbImage};
use pixbench_metrics::{compare, MetricsError};

/// A photo-like picture: smooth gradients, a soft disc, mid-frequency texture and a little
/// grain. `seed` 1 and 4 draw different compositions (the disc, the light, the texture move).
fn scene(edge: u32, seed: u32) -> DynamicImage {
    let mut s = seed.wrapping_mul(0x9E37_79B9) | 1;
    let k = seed as f32;
    DynamicImage::ImageRgb8(RgbImage::from_fn(edge, edge, |x, y| {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        let grain = (s & 0x03) as f32 - 1.5;
        let (fx, fy) = (x as f32 / edge as f32, y as f32 / edge as f32);
        let (cx, cy) = (0.2 + 0.15 * k % 0.6, 0.8 - 0.15 * k % 0.6);
        let disc = 70.0 * (-((fx - cx).powi(2) + (fy - cy).powi(2)) / 0.02).exp();
        let light = 80.0 * if seed % 2 == 1 { fx } else { 1.0 - fy };
        let texture = 18.0 * (fx * 40.0 * k.sqrt()).sin() * (fy * 33.0 + k).sin();
        let r = 60.0 + light + disc + texture + grain;
        let g = 50.0 + 0.7 * light + 40.0 * (fy * 3.0 * k).sin() + texture + grain;
        let b = 90.0 + 60.0 * ((fx - fy) * 2.0 * k).cos() - 0.5 * disc + grain;
        image::Rgb([r.clamp(0.0, 255.0) as u8, g.clamp(0.0, 255.0) as u8, b.clamp(0.0, 255.0) as u8])
    }))
}

#[test]
fn an_image_against_itself_is_identical() {
    let a = scene(512, 1);
    let m = compare(&a, &a.clone()).unwrap();
    assert_eq!(m.ssim, 1.0);
    assert_eq!(m.psnr_db, None, "identical = infinite PSNR");
    assert_eq!(m.phash_distance, 0);
    assert_eq!((m.width, m.height), (512, 512));
}

#[test]
fn a_blurred_copy_is_close_but_not_identical() {
    let a = scene(512, 1);
    let blurred = a.blur(1.5);
    let m = compare(&a, &blurred).unwrap();
    // The blur takes the grain and the finest texture: SSIM (which weighs local contrast) drops
    // clearly, while PSNR stays high (the blur moves each pixel little) and the hash barely moves.
    assert!(m.ssim < 0.95 && m.ssim > 0.7, "ssim {}", m.ssim);
    let psnr = m.psnr_db.unwrap();
    assert!(psnr > 35.0 && psnr < 60.0, "psnr {psnr}");
    assert!(m.phash_distance <= 6, "phash {}", m.phash_distance);
}

#[test]
fn a_different_picture_is_far() {
    let m = compare(&scene(512, 1), &scene(512, 4)).unwrap();
    assert!(m.ssim < 0.5, "ssim {}", m.ssim);
    assert!(m.psnr_db.unwrap() < 18.0, "psnr {:?}", m.psnr_db);
    assert!(m.phash_distance >= 16, "phash {} (unrelated pictures sit near 32 of 64)", m.phash_distance);
}

#[test]
fn a_2x_upscaled_copy_is_compared_at_the_smaller_size_and_is_near_identical() {
    let a = scene(512, 1);
    let big = a.resize_exact(1024, 1024, image::imageops::FilterType::Triangle);
    for (x, y) in [(&a, &big), (&big, &a)] {
        let m = compare(x, y).unwrap();
        assert_eq!((m.width, m.height), (512, 512));
        // Up then down again loses a little grain, nothing else.
        assert!(m.ssim > 0.9, "ssim {}", m.ssim);
        assert!(m.psnr_db.unwrap() > 45.0, "psnr {:?}", m.psnr_db);
        assert!(m.phash_distance <= 4, "phash {}", m.phash_distance);
    }
}

#[test]
fn different_shapes_are_refused_with_a_sentence() {
    let a = scene(512, 1);
    let wide = a.resize_exact(768, 512, image::imageops::FilterType::Triangle);
    let e = compare(&a, &wide).unwrap_err();
    assert!(matches!(e, MetricsError::AspectMismatch { .. }));
    assert!(e.to_string().contains("same aspect ratio"), "{e}");
}

#[test]
fn alpha_and_grey_inputs_are_compared_as_rgb() {
    let a = scene(256, 2);
    let rgba = DynamicImage::ImageRgba8(a.to_rgba8());
    let m = compare(&a, &rgba).unwrap();
    assert_eq!((m.ssim, m.psnr_db, m.phash_distance), (1.0, None, 0));
    let grey = DynamicImage::ImageLuma8(a.to_luma8());
    assert!(compare(&a, &grey).unwrap().psnr_db.is_some());
}
