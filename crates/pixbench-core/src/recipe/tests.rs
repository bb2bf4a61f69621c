use super::container::*;
use super::*;
use proptest::prelude::*;

const JSON: &str = r#"{"format":"pixbench-recipe","prompt":"a fox <in> \"snow\" & ice — 雪"}"#;

fn embed_args<'a>() -> Embed<'a> {
    Embed { recipe_json: JSON, description: "a fox <in> \"snow\" & ice — 雪", software: "Pixbench test" }
}

fn gradient(w: u32, h: u32) -> image::RgbaImage {
    image::RgbaImage::from_fn(w, h, |x, y| image::Rgba([(x * 7) as u8, (y * 5) as u8, ((x + y) * 3) as u8, 255]))
}

fn encode(img: &image::RgbaImage, f: image::ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    let dynimg = image::DynamicImage::ImageRgba8(img.clone());
    let dynimg = if f == image::ImageFormat::Jpeg { image::DynamicImage::ImageRgb8(dynimg.to_rgb8()) } else { dynimg };
    dynimg.write_to(&mut std::io::Cursor::new(&mut out), f).unwrap();
    out
}

fn pixels(bytes: &[u8]) -> Vec<u8> {
    image::load_from_memory(bytes).expect("still decodes").to_rgba8().into_raw()
}

fn round_trip(f: image::ImageFormat, c: Container) {
    let original = encode(&gradient(67, 41), f);
    assert_eq!(extract(&original).unwrap(), (c, None), "a fresh file has no recipe");
    let with = embed(&original, &embed_args()).unwrap();
    assert_eq!(pixels(&with), pixels(&original), "{c:?}: the pixels are untouched");
    assert_eq!(extract(&with).unwrap(), (c, Some(JSON.to_string())));
    // Exported again: still one recipe, the newer one.
    let newer = JSON.replace("fox", "owl");
    let again = embed(&with, &Embed { recipe_json: &newer, ..embed_args() }).unwrap();
    assert_eq!(extract(&again).unwrap().1.as_deref(), Some(newer.as_str()));
    assert_eq!(
        memchr::memmem::find_iter(&again, b"pixbench:recipe").count(),
        memchr::memmem::find_iter(&with, b"pixbench:recipe").count()
    );
    assert_eq!(pixels(&again), pixels(&original));
}

#[test]
fn png_round_trip_keeps_pixels_and_reads_back() {
    round_trip(image::ImageFormat::Png, Container::Png);
}

#[test]
fn jpeg_round_trip_keeps_pixels_and_reads_back() {
    round_trip(image::ImageFormat::Jpeg, Container::Jpeg);
}

#[test]
fn webp_round_trip_keeps_pixels_and_reads_back() {
    round_trip(image::ImageFormat::WebP, Container::Webp);
}

#[test]
fn png_text_chunks_are_well_formed_for_another_reader() {
    let with = embed(&encode(&gradient(8, 8), image::ImageFormat::Png), &embed_args()).unwrap();
    // The png crate checks every chunk's CRC and parses iTXt itself.
    let mut dec = png::Decoder::new(std::io::Cursor::new(&with)).read_info().unwrap();
    let mut buf = vec![0; dec.output_buffer_size()];
    dec.next_frame(&mut buf).unwrap();
    dec.finish().unwrap();
    let texts: Vec<(String, String)> =
        dec.info().utf8_text.iter().map(|t| (t.keyword.clone(), t.get_text().unwrap())).collect();
    assert!(texts.contains(&(PNG_KEYWORD.to_string(), JSON.to_string())), "{texts:?}");
    assert!(texts.contains(&("Description".to_string(), "a fox <in> \"snow\" & ice — 雪".to_string())));
    assert!(texts.contains(&("Software".to_string(), "Pixbench test".to_string())));
}

#[test]
fn simple_webp_becomes_extended_with_its_canvas_and_alpha() {
    let mut img = gradient(300, 20);
    img.put_pixel(0, 0, image::Rgba([0, 0, 0, 10]));
    let with = embed(&encode(&img, image::ImageFormat::WebP), &embed_args()).unwrap();
    assert_eq!(&with[12..16], b"VP8X");
    let flags = with[20];
    assert_eq!(flags & 0x04, 0x04, "XMP flag");
    assert_eq!(flags & 0x10, 0x10, "alpha flag, the image has alpha");
    let w = u32::from_le_bytes([with[24], with[25], with[26], 0]) + 1;
    let h = u32::from_le_bytes([with[27], with[28], with[29], 0]) + 1;
    assert_eq!((w, h), (300, 20));
    assert_eq!(u32::from_le_bytes(with[4..8].try_into().unwrap()) as usize, with.len() - 8, "RIFF size");
}

#[test]
fn a_lossy_vp8_header_gives_the_canvas() {
    // A VP8 key frame header: tag, start code, 14-bit width and height (only the header is read).
    let mut vp8 = vec![0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A];
    vp8.extend_from_slice(&1376u16.to_le_bytes());
    vp8.extend_from_slice(&768u16.to_le_bytes());
    vp8.extend_from_slice(&[0; 7]); // odd length: a padding byte follows
    let mut file = b"RIFF\0\0\0\0WEBPVP8 ".to_vec();
    file.extend_from_slice(&(vp8.len() as u32).to_le_bytes());
    file.extend_from_slice(&vp8);
    file.push(0);
    let riff = (file.len() - 8) as u32;
    file[4..8].copy_from_slice(&riff.to_le_bytes());
    let with = embed(&file, &embed_args()).unwrap();
    let w = u32::from_le_bytes([with[24], with[25], with[26], 0]) + 1;
    let h = u32::from_le_bytes([with[27], with[28], with[29], 0]) + 1;
    assert_eq!((w, h, with[20]), (1376, 768, 0x04));
    assert_eq!(extract(&with).unwrap().1.as_deref(), Some(JSON));
}

#[test]
fn jpeg_xmp_goes_after_jfif() {
    let original = encode(&gradient(16, 16), image::ImageFormat::Jpeg);
    let with = embed(&original, &embed_args()).unwrap();
    assert_eq!(&with[2..4], &[0xFF, 0xE0], "JFIF still first");
    let app0_len = u16::from_be_bytes([with[4], with[5]]) as usize;
    assert_eq!(&with[4 + app0_len..6 + app0_len], &[0xFF, 0xE1]);
}

#[test]
fn a_long_prompt_still_fits_a_jpeg_once() {
    let prompt = "é".repeat(20_000);
    let json = serde_json::json!({ "prompt": prompt }).to_string();
    let original = encode(&gradient(16, 16), image::ImageFormat::Jpeg);
    let with = embed(&original, &Embed { recipe_json: &json, description: &prompt, software: "P" }).unwrap();
    assert_eq!(extract(&with).unwrap().1.as_deref(), Some(json.as_str()));
    let huge = "x".repeat(70_000);
    assert_eq!(
        embed(&original, &Embed { recipe_json: &huge, description: "", software: "P" }),
        Err(ContainerError::TooLarge)
    );
}

// ---------------- hostile files ----------------

fn png_with_chunk(kind: &[u8; 4], data: &[u8], declared_len: u32) -> Vec<u8> {
    let base = encode(&gradient(4, 4), image::ImageFormat::Png);
    let iend = base.len() - 12;
    let mut out = base[..iend].to_vec();
    out.extend_from_slice(&declared_len.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&base[iend..]);
    out
}

#[test]
fn huge_length_fields_are_refused_without_allocating() {
    for len in [u32::MAX, 0x7FFF_FFFF, 1 << 30] {
        let f = png_with_chunk(b"iTXt", b"pixbench:recipe\0", len);
        assert!(matches!(extract(&f), Err(ContainerError::Damaged("png", _))), "{len}");
        assert!(embed(&f, &embed_args()).is_err());
    }
    let mut webp = encode(&gradient(4, 4), image::ImageFormat::WebP);
    webp[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(extract(&webp), Err(ContainerError::Damaged("webp", _))));
    let mut webp = encode(&gradient(4, 4), image::ImageFormat::WebP);
    webp[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(extract(&webp), Err(ContainerError::Damaged("webp", _))));
}

#[test]
fn a_bad_crc_on_the_recipe_is_a_clear_error() {
    let with = embed(&encode(&gradient(4, 4), image::ImageFormat::Png), &embed_args()).unwrap();
    let at = memchr::memmem::find(&with, JSON.as_bytes()).unwrap();
    let mut bad = with.clone();
    bad[at + 3] ^= 0x20;
    let err = extract(&bad).unwrap_err();
    assert_eq!(err.to_string(), "This png file is damaged: the recipe chunk's checksum is wrong.");
}

#[test]
fn a_recipe_chunk_that_is_only_its_keyword_is_damaged_not_a_panic() {
    // An iTXt chunk whose data is exactly `pixbench:recipe` (no NUL), with a valid CRC.
    let data = b"pixbench:recipe";
    let mut f = png_with_chunk(b"iTXt", data, data.len() as u32);
    let mut h = crc32fast::Hasher::new();
    h.update(b"iTXt");
    h.update(data);
    let crc_at = f.len() - 12 - 4;
    f[crc_at..crc_at + 4].copy_from_slice(&h.finalize().to_be_bytes());
    assert!(matches!(extract(&f), Err(ContainerError::Damaged("png", _))), "{:?}", extract(&f));
}

#[test]
fn a_file_of_tiny_parts_is_refused_by_its_count_not_listed_whole() {
    // A JPEG whose header is 100,000 empty APP segments (4 bytes each), then its image.
    let real = encode(&gradient(4, 4), image::ImageFormat::Jpeg);
    let mut f = vec![0xFF, 0xD8];
    for _ in 0..100_000 {
        f.extend_from_slice(&[0xFF, 0xE5, 0x00, 0x02]);
    }
    f.extend_from_slice(&real[2..]);
    let e = extract(&f).unwrap_err();
    assert!(e.to_string().contains("more than 65536 segments"), "{e}");
    assert!(embed(&f, &embed_args()).is_err());
    // A PNG of 300,000 empty chunks.
    let base = encode(&gradient(4, 4), image::ImageFormat::Png);
    let iend = base.len() - 12;
    let mut p = base[..iend].to_vec();
    for _ in 0..300_000 {
        p.extend_from_slice(&[0, 0, 0, 0, b'z', b'z', b'z', b'z', 0, 0, 0, 0]);
    }
    p.extend_from_slice(&base[iend..]);
    assert!(extract(&p).unwrap_err().to_string().contains("more than 262144 chunks"));
}

#[test]
fn a_recipe_over_the_bound_is_refused() {
    let big = format!("pixbench:recipe\0\0\0\0\0{}", "x".repeat(MAX_RECIPE_BYTES + 1));
    let mut f = png_with_chunk(b"iTXt", big.as_bytes(), big.len() as u32);
    // A correct CRC, so the bound is what refuses it.
    let crc_at = f.len() - 12 - 4;
    let mut h = crc32fast::Hasher::new();
    h.update(b"iTXt");
    h.update(big.as_bytes());
    f[crc_at..crc_at + 4].copy_from_slice(&h.finalize().to_be_bytes());
    assert_eq!(extract(&f), Err(ContainerError::TooLarge));
    assert_eq!(
        embed(&f[..], &Embed { recipe_json: &big, description: "", software: "" }),
        Err(ContainerError::TooLarge)
    );
}

#[test]
fn a_hundred_thousand_chunks_are_walked_not_kept() {
    let base = encode(&gradient(4, 4), image::ImageFormat::Png);
    let iend = base.len() - 12;
    let mut f = base[..iend].to_vec();
    for _ in 0..100_000 {
        f.extend_from_slice(&png_chunk_bytes(b"tEXt", b"k\0v"));
    }
    f.extend_from_slice(&base[iend..]);
    assert_eq!(extract(&f).unwrap(), (Container::Png, None));
    let with = embed(&f, &embed_args()).unwrap();
    assert_eq!(extract(&with).unwrap().1.as_deref(), Some(JSON));
    // A JPEG of 30k empty COM segments before its scan.
    let jpeg = encode(&gradient(8, 8), image::ImageFormat::Jpeg);
    let mut j = jpeg[..2].to_vec();
    for _ in 0..30_000 {
        j.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x02]);
    }
    j.extend_from_slice(&jpeg[2..]);
    assert_eq!(extract(&j).unwrap(), (Container::Jpeg, None));
}

fn png_chunk_bytes(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut h = crc32fast::Hasher::new();
    h.update(kind);
    h.update(data);
    out.extend_from_slice(&h.finalize().to_be_bytes());
    out
}

#[test]
fn every_truncation_is_an_error_or_no_recipe_never_a_panic() {
    for f in [image::ImageFormat::Png, image::ImageFormat::Jpeg, image::ImageFormat::WebP] {
        let with = embed(&encode(&gradient(9, 7), f), &embed_args()).unwrap();
        for cut in 0..with.len() {
            let part = &with[..cut];
            if let Ok((_, Some(text))) = extract(part) {
                assert_eq!(text, JSON, "{f:?} cut at {cut}: a recipe read must be the whole one");
            }
            let _ = embed(part, &embed_args());
        }
    }
}

#[test]
fn not_an_image_says_so() {
    assert_eq!(extract(b"GIF89a...."), Err(ContainerError::NotAnImage));
    assert_eq!(extract(b""), Err(ContainerError::NotAnImage));
    assert_eq!(ContainerError::NotAnImage.to_string(), "This file is not a PNG, JPEG or WebP image.");
}

fn samples() -> Vec<Vec<u8>> {
    [image::ImageFormat::Png, image::ImageFormat::Jpeg, image::ImageFormat::WebP]
        .iter()
        .map(|f| embed(&encode(&gradient(6, 5), *f), &embed_args()).unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_files_never_panic(which in 0usize..3, edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut f = samples()[which].clone();
        for (i, b) in edits {
            let at = i.index(f.len());
            f[at] = b;
        }
        let _ = extract(&f);
        if let Ok(out) = embed(&f, &embed_args()) {
            // Whatever was accepted gives back the recipe just written.
            prop_assert_eq!(extract(&out).map(|r| r.1), Ok(Some(JSON.to_string())));
        }
    }

    #[test]
    fn random_bytes_behind_a_signature_never_panic(which in 0usize..3, tail in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut f = [&b"\x89PNG\r\n\x1a\n"[..], &[0xFF, 0xD8, 0xFF][..], &b"RIFF\x20\0\0\0WEBP"[..]][which].to_vec();
        f.extend_from_slice(&tail);
        let _ = extract(&f);
        let _ = embed(&f, &embed_args());
    }

    #[test]
    fn any_text_survives_the_xmp_round_trip(prompt in "\\PC{0,200}") {
        let json = serde_json::json!({ "prompt": prompt }).to_string();
        let jpeg = encode(&gradient(4, 4), image::ImageFormat::Jpeg);
        let with = embed(&jpeg, &Embed { recipe_json: &json, description: &prompt, software: "P" }).unwrap();
        prop_assert_eq!(extract(&with).unwrap().1, Some(json));
    }
}

// ---------------- the recipe itself ----------------

fn recipe() -> Recipe {
    Recipe {
        format: RECIPE_FORMAT.into(),
        version: RECIPE_VERSION,
        prompt: "a lighthouse at dawn".into(),
        mode: RunKind::Generate,
        model_id: "gemini-3.1-flash-image-preview-2k".into(),
        model: "gemini-3.1-flash-image-preview".into(),
        size: Some("2K".into()),
        aspect_ratio: Some("16:9".into()),
        fields: Map::new(),
        references: vec![],
        n: 2,
        run_id: "r1".into(),
        target_idx: 0,
        output_idx: 1,
        credits: 6,
        simulated: true,
        created_at: "2026-12-02T00:00:00Z".into(),
        app_version: "0.1.0".into(),
    }
}

#[test]
fn a_known_recipe_becomes_its_spec_with_no_notes() {
    let c = Catalog::built_in();
    let r = recipe();
    let e = c.get(&r.model_id).expect("in the built-in catalog");
    let r = Recipe { size: wire_model_and_size(e, Some("16:9"), None, RequestStyle::Size).1, ..r };
    let (spec, notes, known) = r.to_request(&c, |_| true);
    assert!(known && notes.is_empty(), "{notes:?}");
    assert_eq!(spec.prompt, "a lighthouse at dawn");
    assert_eq!(spec.aspect_ratio.as_deref(), Some("16:9"));
    assert_eq!(
        (spec.targets[0].model_id.as_str(), spec.targets[0].n, spec.targets[0].size.as_ref()),
        (e.id.as_str(), 2, None)
    );
    assert!(crate::request::problems(&spec, &spec.targets, &c, &[]).is_empty());
}

#[test]
fn untrusted_contents_are_bounded_and_noted() {
    let c = Catalog::built_in();
    let mut r = recipe();
    r.model_id = "made-up-model\u{7}".into();
    r.model = "made-up".into();
    let (spec, notes, known) = r.to_request(&c, |_| true);
    assert!(!known && spec.targets.is_empty());
    assert_eq!(notes, ["The model “made-up-model” is not in this catalog: pick a model to run this prompt with."]);

    let mut r = recipe();
    r.n = 1000;
    r.mode = RunKind::Edit;
    r.references = vec!["a".repeat(64), "../../etc/passwd".into(), "b".repeat(64)];
    r.fields.insert("quality".into(), "high".into());
    r.fields.insert("model".into(), "other".into());
    r.fields.insert("nested".into(), serde_json::json!({ "x": [1] }));
    let (spec, notes, _) = r.to_request(&c, |sha| sha.starts_with('a'));
    // The path is dropped; the image not in this history stays, so the edit is refused
    // (by the estimate) until it is added again, not sent as a generation.
    assert_eq!(spec.images, vec!["a".repeat(64), "b".repeat(64)]);
    assert!(spec.targets[0].n <= 10);
    let opts = spec.fields.unwrap();
    assert_eq!(opts.keys().collect::<Vec<_>>(), ["quality"]);
    let text = notes.join(" | ");
    assert!(text.contains("1000 images were asked"), "{text}");
    assert!(text.contains("2 of the recipe's 3 reference images are not in this history"), "{text}");
    assert!(text.contains("“model” was left out") && text.contains("“nested” was left out"), "{text}");
}

#[test]
fn parse_refuses_what_is_not_a_bounded_recipe() {
    let ok = serde_json::to_string(&recipe()).unwrap();
    assert_eq!(Recipe::parse(&ok).unwrap(), recipe());
    let other = ok.replace(RECIPE_FORMAT, "something-else");
    assert_eq!(Recipe::parse(&other).unwrap_err(), "The metadata in this file is not a Pixbench recipe.");
    let long = serde_json::to_string(&Recipe { prompt: "x".repeat(MAX_PROMPT_CHARS + 1), ..recipe() }).unwrap();
    assert!(Recipe::parse(&long).unwrap_err().contains("over 32000 characters"));
    let long_id = serde_json::to_string(&Recipe { model_id: "m".repeat(500), ..recipe() }).unwrap();
    assert!(Recipe::parse(&long_id).unwrap_err().contains("model id is over 200"));
    assert!(Recipe::parse("[[[[").unwrap_err().starts_with("The recipe in this file could not be read"));
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(Recipe::parse(&deep).is_err());
    // A newer version is read; what it adds is ignored, and said so.
    let newer = ok.replace("\"version\":1", "\"version\":7").replace("\"n\":2", "\"n\":2,\"future\":true");
    let r = Recipe::parse(&newer).unwrap();
    assert!(r.to_request(&Catalog::built_in(), |_| true).1[0].contains("newer Pixbench"));
}
