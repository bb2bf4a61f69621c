use super::*;
use image::imageops::{self, FilterType as Resize};

fn spec(prompt: &str, index: u32, w: u32, h: u32) -> Spec {
    Spec { prompt: prompt.into(), index, width: w, height: h, references: vec![], encoding: Encoding::Png }
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

/// Mean absolute difference per channel value.
fn mad(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| x.abs_diff(*y) as u64).sum();
    sum as f64 / a.as_raw().len() as f64
}

/// Mean absolute luminance gradient (total variation per pixel) of the rows from `top`
/// (a fraction of the height) down: how much detail a picture has, independent of how
/// sharp its edges are (an edge blurred over k pixels has the same total variation).
fn detail(img: &RgbImage, top: f64) -> f64 {
    let (w, h) = img.dimensions();
    let luma = |x: u32, y: u32| {
        let p = img.get_pixel(x, y).0;
        0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64
    };
    let (mut sum, mut n) = (0f64, 0u64);
    for y in ((h as f64 * top) as u32)..h - 1 {
        for x in 0..w - 1 {
            let l = luma(x, y);
            sum += (luma(x + 1, y) - l).abs() + (luma(x, y + 1) - l).abs();
            n += 1;
        }
    }
    sum / n as f64
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
fn threads_do_not_change_the_bytes() {
    // 1024x1024 is drawn on several threads, in bands handed out as they finish; the
    // pixels must not depend on which thread drew which band.
    let s = spec("bands", 2, 1024, 1024);
    let (a, b) = (render(&s), render(&s));
    assert!(a.as_raw() == b.as_raw());
}

#[test]
fn prompts_differ_visibly_and_indices_share_the_palette() {
    let fox = render(&spec("a red fox", 0, 128, 128));
    let fox1 = render(&spec("a red fox", 1, 128, 128));
    let whale = render(&spec("a blue whale", 0, 128, 128));
    assert!(mad(&fox, &whale) > 20.0, "prompts: {}", mad(&fox, &whale));
    // Another index moves things (visibly different) but keeps the palette (means close).
    assert!(mad(&fox, &fox1) > 3.0, "indices: {}", mad(&fox, &fox1));
    let (m0, m1) = (mean(&fox), mean(&fox1));
    let dm = (0..3).map(|k| (m0[k] - m1[k]).abs()).fold(0.0, f64::max);
    assert!(dm < 25.0, "{m0:?} vs {m1:?}");
}

#[test]
fn many_prompts_all_differ() {
    let prompts = ["a cat", "a dog", "a castle at dawn", "neon city", "a bowl of fruit", "mountains", "x", "y"];
    let imgs: Vec<RgbImage> = prompts.iter().map(|p| render(&spec(p, 0, 96, 96))).collect();
    for i in 0..imgs.len() {
        for j in i + 1..imgs.len() {
            let d = mad(&imgs[i], &imgs[j]);
            assert!(d > 8.0, "{:?} vs {:?}: {d}", prompts[i], prompts[j]);
        }
    }
}

#[test]
fn odd_sizes_render() {
    for (w, h) in [(1, 1), (8, 512), (512, 64), (1023, 17), (3, 700)] {
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
fn a_larger_variant_shows_the_same_scene_with_finer_detail() {
    let one_k = render(&spec("a detailed city", 0, 1024, 1024));
    let four_k = render(&spec("a detailed city", 0, 4096, 4096));
    let other = render(&spec("a quiet harbour", 0, 1024, 1024));

    // Downscaled (area average) to 1K, the 4K looks like the 1K: far closer to it than
    // another prompt is, but not the same picture.
    let down = imageops::thumbnail(&four_k, 1024, 1024);
    let (same, different) = (mad(&down, &one_k), mad(&other, &one_k));
    assert!(same < 8.0 && same * 4.0 < different, "4K->1K vs 1K: {same}, other prompt: {different}");
    assert!(same > 0.3, "the 4K must not be the 1K scaled up: {same}");

    // At a common 2K, the 4K keeps texture the 1K never had: more detail on the ground.
    let down2k = imageops::thumbnail(&four_k, 2048, 2048);
    let up2k = imageops::resize(&one_k, 2048, 2048, Resize::Triangle);
    let (fine, coarse) = (detail(&down2k, 0.6), detail(&up2k, 0.6));
    eprintln!("MAD 4K->1K vs 1K {same:.2}, vs another prompt {different:.2}; detail at 2K {fine:.2} vs {coarse:.2}");
    assert!(fine > coarse * 1.3, "detail 4K->2K {fine:.2}, 1K->2K {coarse:.2}");
}

#[test]
fn png_sizes_are_those_of_photographs() {
    // Real outputs: about 1-2 MB at 1K, several MB at 2K, 10-20 MB at 4K.
    for prompt in ["a red fox", "a detailed city"] {
        let sizes: Vec<usize> =
            [1024, 2048, 4096].iter().map(|&e| encode_png(&render(&spec(prompt, 0, e, e))).len()).collect();
        let mb: Vec<f64> = sizes.iter().map(|&b| b as f64 / 1e6).collect();
        eprintln!("{prompt}: PNG MB at 1K, 2K, 4K {mb:.2?}");
        assert!((0.5..3.0).contains(&mb[0]), "{prompt} 1K: {mb:?} MB");
        assert!((2.5..8.0).contains(&mb[1]), "{prompt} 2K: {mb:?} MB");
        assert!((10.0..20.0).contains(&mb[2]), "{prompt} 4K: {mb:?} MB");
    }
}

#[test]
fn encodings_decode_as_their_format() {
    let img = render(&spec("formats", 0, 320, 200));
    for (enc, fmt) in [
        (Encoding::Png, image::ImageFormat::Png),
        (Encoding::Jpeg { quality: 90 }, image::ImageFormat::Jpeg),
        (Encoding::WebP, image::ImageFormat::WebP),
    ] {
        let bytes = encode(&img, enc);
        assert_eq!(image::guess_format(&bytes).unwrap(), fmt, "{enc:?}");
        let back = image::load_from_memory_with_format(&bytes, fmt).unwrap().to_rgb8();
        assert_eq!(back.dimensions(), (320, 200));
        // Lossless formats give the pixels back; JPEG close to them.
        let limit = if matches!(enc, Encoding::Jpeg { .. }) { 6.0 } else { 0.0 };
        assert!(mad(&back, &img) <= limit, "{enc:?}: {}", mad(&back, &img));
    }
    let q100 = encode(&img, Encoding::Jpeg { quality: 100 }).len();
    let q30 = encode(&img, Encoding::Jpeg { quality: 30 }).len();
    assert!(q30 * 2 < q100, "quality 30: {q30} bytes, 100: {q100}");
}

#[test]
fn encoding_from_request_fields() {
    assert_eq!(Encoding::from_request(None, None), Some(Encoding::Png));
    assert_eq!(Encoding::from_request(Some("png"), Some(10)), Some(Encoding::Png));
    assert_eq!(Encoding::from_request(Some("jpeg"), None), Some(Encoding::Jpeg { quality: 100 }));
    assert_eq!(Encoding::from_request(Some("jpeg"), Some(0)), Some(Encoding::Jpeg { quality: 1 }));
    assert_eq!(Encoding::from_request(Some("jpeg"), Some(55)), Some(Encoding::Jpeg { quality: 55 }));
    assert_eq!(Encoding::from_request(Some("webp"), Some(55)), Some(Encoding::WebP));
    assert_eq!(Encoding::from_request(Some("gif"), None), None);
    assert_eq!(Encoding::Jpeg { quality: 3 }.mime(), "image/jpeg");
    assert_eq!(Encoding::WebP.extension(), "webp");
}

#[test]
fn cache_keys_include_the_encoding_and_evict_by_bytes() {
    let cache = ImageCache::new(2_000_000);
    let s = spec("cache me", 0, 128, 128);
    let a = cache.image(&s);
    let b = cache.image(&s);
    assert_eq!(a, b);
    assert_eq!(cache.hits(), 1);
    let jpeg = cache.image(&Spec { encoding: Encoding::Jpeg { quality: 80 }, ..s.clone() });
    assert_eq!(image::guess_format(&jpeg).unwrap(), image::ImageFormat::Jpeg);
    assert_eq!(cache.hits(), 1);
    for i in 0..60 {
        cache.image(&spec("fill", i, 256, 256));
    }
    assert!(cache.inner.lock().unwrap().bytes <= 2_000_000);
}
