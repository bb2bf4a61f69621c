//! Property tests of the readers of untrusted input: reference files (`references`), matrix
//! files (`bench::Matrix::parse`) and catalog override files (`catalog::parse`). Bounded:
//! a few hundred cases each (fewer where images are encoded), no failure files.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use pixbench_core::bench::Matrix;
use pixbench_core::catalog::{self, Catalog, CatalogSource};
use pixbench_core::references::{prepare, sniff};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};

const BUILT_IN: &str = include_str!("../../catalog.toml");

/// A bounded run that writes no failure files into the repository. `PROPTEST_CASES`
/// overrides the number of cases (for a longer run by hand).
fn config(cases: u32) -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases),
        failure_persistence: None,
        max_shrink_iters: 1024,
        ..Config::default()
    }
}

// ------------------------------------------------------------------------------------
// Reference files
// ------------------------------------------------------------------------------------

const ALL_FORMATS: &[&str] = &["png", "jpeg", "webp", "heic", "heif", "gif", "bmp", "avif"];

fn formats() -> impl Strategy<Value = Vec<String>> {
    proptest::sample::subsequence(ALL_FORMATS, 1..=ALL_FORMATS.len())
        .prop_map(|v| v.into_iter().map(str::to_string).collect())
}

/// A small image with noise (so it does not compress to nothing), maybe with alpha.
fn noisy(w: u32, h: u32, seed: u32, alpha: bool) -> image::DynamicImage {
    let mut x = seed | 1;
    let mut next = move || {
        x = x.wrapping_mul(1664525).wrapping_add(1013904223);
        (x >> 24) as u8
    };
    if alpha {
        image::DynamicImage::ImageRgba8(image::RgbaImage::from_fn(w, h, |_, _| {
            image::Rgba([next(), next(), next(), next()])
        }))
    } else {
        image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |_, _| image::Rgb([next(), next(), next()])))
    }
}

fn encode(img: &image::DynamicImage, fmt: image::ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    match fmt {
        image::ImageFormat::Jpeg => image::DynamicImage::ImageRgb8(img.to_rgb8()).write_to(&mut out, fmt),
        _ => img.write_to(&mut out, fmt),
    }
    .unwrap();
    out.into_inner()
}

const MAGIC: &[&[u8]] = &[
    b"\x89PNG\r\n\x1a\n",
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x20\0\0\0\x20\0\x08\x02\0\0\0",
    b"\xff\xd8\xff",
    b"\xff\xd8\xff\xe0\0\x10JFIF\0",
    b"RIFF\0\0\0\0WEBPVP8 ",
    b"RIFF\0\0\0\0WEBPVP8L",
    b"\0\0\0\x18ftypheic",
    b"\0\0\0\x18ftypmif1",
    b"\0\0\0\x18ftypavif",
    b"GIF89a",
    b"BM",
    b"%PDF-1.7",
];

const BRANDS: &[&[u8]] = &[b"heic", b"heif", b"mif1", b"avif"];
const BOXES: &[&[u8]] = &[b"meta", b"mdat", b"moov", b"free"];

/// Bytes a person may drop as a reference: anything, image magic and garbage, real
/// images cut or with bytes changed.
fn reference_bytes() -> impl Strategy<Value = Vec<u8>> {
    let real = (1u32..40, 1u32..40, any::<u32>(), any::<bool>(), 0..5usize).prop_map(|(w, h, seed, alpha, f)| {
        let fmt = [
            image::ImageFormat::Png,
            image::ImageFormat::Jpeg,
            image::ImageFormat::WebP,
            image::ImageFormat::Gif,
            image::ImageFormat::Bmp,
        ][f];
        encode(&noisy(w, h, seed, alpha), fmt)
    });
    prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..256),
        2 => (proptest::sample::select(MAGIC), proptest::collection::vec(any::<u8>(), 0..256))
            .prop_map(|(m, rest)| [m, &rest[..]].concat()),
        // ISO-BMFF: an ftyp box of any size, boxes or garbage after it.
        2 => (0u32..64, proptest::sample::select(BRANDS),
              proptest::collection::vec(prop_oneof![
                  proptest::collection::vec(any::<u8>(), 0..24),
                  (0u32..40, proptest::sample::select(BOXES), 0usize..40)
                      .prop_map(|(size, kind, n)| [&size.to_be_bytes()[..], kind, &vec![0u8; n]].concat()),
              ], 0..4))
            .prop_map(|(size, brand, rest)| [&size.to_be_bytes()[..], b"ftyp", brand, &[0u8; 12][..], &rest.concat()].concat()),
        1 => real.clone(),
        2 => (real.clone(), any::<Index>()).prop_map(|(b, i)| b[..i.index(b.len())].to_vec()),
        2 => (real, proptest::collection::vec((any::<Index>(), any::<u8>()), 1..6)).prop_map(|(mut b, edits)| {
            for (i, x) in edits {
                let at = i.index(b.len());
                b[at] = x;
            }
            b
        }),
    ]
}

/// The ISO-BMFF shape of a HEIF file: an `ftyp` box of a plausible size, and more after it.
fn plausible_heif(b: &[u8]) -> bool {
    let size = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
    size >= 16 && size.is_multiple_of(4) && b.len() > size
}

fn check_prepared(bytes: &[u8], formats: &[String], max: u64) -> Result<(), TestCaseError> {
    let Ok(r) = prepare("ref.bin", bytes.to_vec(), formats, max) else {
        return Ok(());
    };
    let fmt = sniff(&r.bytes).ok_or_else(|| TestCaseError::fail("stored bytes are not an image"))?;
    prop_assert_eq!(&r.mime, &format!("image/{fmt}"));
    prop_assert!(formats.iter().any(|f| f == fmt), "stored a {} the model does not take ({:?})", fmt, formats);
    prop_assert!(r.bytes.len() as u64 <= max, "stored {} bytes over the {} limit", r.bytes.len(), max);
    if fmt == "heic" || fmt == "heif" {
        prop_assert!(
            plausible_heif(&r.bytes),
            "stored a HEIF that is only a signature: {:?}",
            &r.bytes[..r.bytes.len().min(32)]
        );
    } else {
        let img = image::load_from_memory(&r.bytes)
            .map_err(|e| TestCaseError::fail(format!("stored bytes that do not decode: {e}")))?;
        prop_assert_eq!((img.width(), img.height()), (r.width, r.height));
        prop_assert!(r.width > 0 && r.height > 0);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn a_reference_is_an_image_the_model_takes_or_refused(
        bytes in reference_bytes(),
        formats in formats(),
        max in prop_oneof![Just(7u64 << 20), 64u64..1 << 20],
    ) {
        check_prepared(&bytes, &formats, max)?;
    }
}

proptest! {
    #![proptest_config(config(48))]

    /// Downscaling (over the byte limit) keeps to the formats the model takes.
    #[test]
    fn a_downscaled_reference_is_in_a_format_the_model_takes(
        w in 64u32..220,
        h in 64u32..220,
        seed in any::<u32>(),
        alpha in any::<bool>(),
        src in 0..3usize,
        extra in formats(),
        shrink in 0.15f64..0.9,
    ) {
        let (fmt, name) = [
            (image::ImageFormat::Png, "png"),
            (image::ImageFormat::Jpeg, "jpeg"),
            (image::ImageFormat::WebP, "webp"),
        ][src];
        let bytes = encode(&noisy(w, h, seed, alpha), fmt);
        // The model takes the source's format, maybe with others.
        let mut formats: Vec<String> = extra.into_iter().filter(|f| rand_keep(f, seed)).collect();
        if !formats.iter().any(|f| f == name) {
            formats.push(name.to_string());
        }
        let max = ((bytes.len() as f64) * shrink) as u64;
        check_prepared(&bytes, &formats, max)?;
    }
}

/// Drops about half of the extra formats, so "only the source's" comes up often.
fn rand_keep(f: &str, seed: u32) -> bool {
    (f.bytes().map(u32::from).sum::<u32>() ^ seed).is_multiple_of(2)
}

/// Through the engine: a refused file leaves nothing behind, a taken one is stored once.
#[test]
fn the_engine_stores_only_what_it_takes() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = rt.block_on(crate::common::engine(dir.path()));
    let _guard = rt.enter();
    let blobs = dir.path().join("blobs");
    let stored = || -> usize { walk(&blobs).len() };
    let mut runner = TestRunner::new(config(48));
    runner
        .run(&reference_bytes(), |bytes| {
            let before = stored();
            match engine.references.add_bytes("drop.bin", bytes.clone()) {
                Err(_) => prop_assert_eq!(stored(), before, "a refused reference left a file"),
                Ok(view) => {
                    prop_assert!(view.mime.starts_with("image/"));
                    let back = engine.blobs().get(&view.sha256).map_err(|e| TestCaseError::fail(e.to_string()))?;
                    prop_assert_eq!(back.len() as u64, view.bytes);
                    prop_assert!(engine.references.get(&view.sha256).is_ok());
                }
            }
            Ok(())
        })
        .unwrap();
    drop(engine);
    rt.shutdown_background();
}

fn walk(p: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            let path = e.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

// ------------------------------------------------------------------------------------
// Mutated TOML: matrices and catalogs
// ------------------------------------------------------------------------------------

/// Pieces of TOML (and not) that a hand edit or a bad paste leaves.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(&[
            "[[target]]", "[[ target ]]", "[[target]] # x", "[target.sizes]", "[target.quality_credits]",
            "[[prompt]]", "[prompt]", "=", " = ", "\"", "'", "\"\"\"", "'''", "[", "]", "{", "}", ",", "#",
            "\n", "\r\n", "\r", "\t", "\\", "\\u", "é", "日本", "\u{0}", "\u{feff}", "-1", "0", "1e400",
            "99999999999999999999", "true", "nan", "inf", "\"x\"", "[]", "{}", "id = \"dup\"",
            "credits = -1", "variant = \"8K\"", "long_edge = 0", "long_edge = 9000", "fields = [\"zzz\"]",
            "sizes = {}", "low = -5", "credit_usd = 0", "credit_usd = nan", "\"1:1\" = \"0x0\"",
            "aspect_ratios = [\"a:b\", \"0:1\"]", "targets = []", "targets = [1]",
            "targets = [{ model = \"gemini-3.1-flash-image-preview\", n = 11 }]", "repeats = 0",
            "concurrency = 65", "warmup = 101", "mode = \"batch\"", "n = 99", "budget = -1",
            "prompts = [\"\"]", "prompts = [\" \", 3]", "prompts_file = \"nope.txt\"", "images = [\"nope.png\"]",
            "text = \"\"", "aspect_ratio = \"16:9\"", "response_format = \"png\"", "max_n = 0",
            "reference_formats = []", "supports_edit = false", "max_references = 0",
        ][..])
        .prop_map(str::to_string),
        1 => any::<String>(),
        1 => "[ -~]{0,12}",
    ]
}

#[derive(Clone, Debug)]
enum Edit {
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    Insert(Index, String),
    ReplaceLine(Index, String),
    DeleteChars(Index, usize),
    Truncate(Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        1 => any::<Index>().prop_map(Edit::DeleteLine),
        1 => any::<Index>().prop_map(Edit::DuplicateLine),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        3 => (any::<Index>(), token()).prop_map(|(i, t)| Edit::Insert(i, t)),
        2 => (any::<Index>(), token()).prop_map(|(i, t)| Edit::ReplaceLine(i, t)),
        1 => (any::<Index>(), 1usize..12).prop_map(|(i, n)| Edit::DeleteChars(i, n)),
        1 => any::<Index>().prop_map(Edit::Truncate),
    ]
}

/// The char boundaries of `s` (its end included).
fn boundaries(s: &str) -> Vec<usize> {
    s.char_indices().map(|(i, _)| i).chain(std::iter::once(s.len())).collect()
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut s = text.to_string();
    for e in edits {
        let mut lines: Vec<String> = s.split('\n').map(str::to_string).collect();
        match e {
            Edit::DeleteLine(i) => {
                lines.remove(i.index(lines.len()));
                s = lines.join("\n");
            }
            Edit::DuplicateLine(i) => {
                let k = i.index(lines.len());
                lines.insert(k, lines[k].clone());
                s = lines.join("\n");
            }
            Edit::SwapLines(a, b) => {
                let (a, b) = (a.index(lines.len()), b.index(lines.len()));
                lines.swap(a, b);
                s = lines.join("\n");
            }
            Edit::ReplaceLine(i, t) => {
                let k = i.index(lines.len());
                lines[k] = t.clone();
                s = lines.join("\n");
            }
            Edit::Insert(i, t) => {
                let b = boundaries(&s);
                s.insert_str(b[i.index(b.len())], t);
            }
            Edit::DeleteChars(i, n) => {
                let b = boundaries(&s);
                let start = i.index(b.len());
                let end = (start + n).min(b.len() - 1);
                s.replace_range(b[start]..b[end], "");
            }
            Edit::Truncate(i) => {
                let b = boundaries(&s);
                s.truncate(b[i.index(b.len())]);
            }
        }
    }
    s
}

/// Lines as an editor numbers them (a final newline opens no line of its own).
fn line_count(text: &str) -> usize {
    text.lines().count()
}

const MATRICES: &[&str] = &[
    "prompts = [\"a red fox in snow\", \"a blue vintage car\"]\ntargets = [\"gemini-3.1-flash-image-preview-512\", \"gemini-3.1-flash-image-preview\"]\nrepeats = 2\nconcurrency = 4\n",
    "name = \"everything\"\nprompts = [\"typed\"]\ntargets = [\"gemini-3.1-flash-image-preview-512:2\", { model = \"gemini-3.1-flash-image-preview-2k\", n = 3 }, \"gemini-3.1-flash-image-preview\"]\nrepeats = 3\nconcurrency = 8\nwarmup = 2\nmode = \"async\"\nn = 2\naspect_ratio = \"16:9\"\nresponse_format = \"url\"\nbudget = 1000\n\n[[prompt]]\ntext = \"an edit\"\n\n[[prompt]]\ntext = \"\"\"multi\nline\"\"\"\n",
    "targets = [\n  \"gemini-3.1-flash-image-preview\",\n  \"gpt-image-1.5:2\",\n]\nprompts = [\n  'literal',\n  \"escaped \\\" quote é\",\n]\n",
];

fn matrix_text() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => any::<String>(),
        1 => proptest::collection::vec(token(), 0..12).prop_map(|t| t.join("\n")),
        6 => (proptest::sample::select(MATRICES), proptest::collection::vec(edit(), 1..5))
            .prop_map(|(m, e)| apply(m, &e)),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn matrix_errors_point_into_the_file(text in matrix_text()) {
        let dir = std::env::temp_dir();
        let cat = Catalog::built_in();
        match Matrix::parse(&text, Some(Path::new("m.toml")), &dir.join("pixbench-props-none"), &cat) {
            Err(e) => {
                let n = line_count(&text);
                prop_assert!(e.line == 0 || (1..=n).contains(&e.line), "line {} of a {}-line file: {}", e.line, n, e);
                prop_assert!(!e.reason.trim().is_empty());
                let _ = e.to_string();
            }
            Ok(m) => {
                prop_assert_eq!(m.validate(&cat), Ok(()));
                if m.total_jobs() <= 20_000 {
                    prop_assert_eq!(m.expand().len() as u64, m.total_jobs());
                }
            }
        }
    }

    #[test]
    fn catalog_errors_point_into_the_file(edits in proptest::collection::vec(edit(), 1..5)) {
        let text = apply(BUILT_IN, &edits);
        match catalog::parse(&text, Path::new("catalog.toml"), CatalogSource::File("catalog.toml".into())) {
            Err(e) => {
                let n = line_count(&text);
                prop_assert!((1..=n.max(1)).contains(&e.line), "line {} of a {}-line file: {}", e.line, n, e);
                prop_assert!(!e.reason.trim().is_empty());
            }
            Ok(c) => {
                prop_assert!(!c.entries.is_empty());
                prop_assert!(c.credit_usd > 0.0);
                let mut ids: Vec<&str> = c.entries.iter().map(|e| e.id.as_str()).collect();
                ids.sort_unstable();
                let len = ids.len();
                ids.dedup();
                prop_assert_eq!(ids.len(), len, "duplicate ids");
                for e in &c.entries {
                    prop_assert!(!e.sizes.is_empty() && e.credits >= 0 && (1..=8192).contains(&e.long_edge), "{}", e.id);
                    // Pricing an entry's own sizes must not panic.
                    for s in &e.sizes {
                        let _ = c.bill(e, s.width, s.height, None);
                        let _ = c.price(e, Some(&s.size), Some("high"));
                    }
                }
            }
        }
    }

    /// An entry at fault is named at its own lines, however its header is spelled.
    #[test]
    fn a_bad_entry_is_named_at_its_lines(
        k in any::<Index>(),
        header in proptest::sample::select(&["[[target]]", "[[ target ]]", "[[target]] # edited", "  [[target]]", "[[\"target\"]]"][..]),
        fault in proptest::sample::select(&[
            "credits = -1", "variant = \"8K\"", "long_edge = 0", "fields = [\"zzz\"]", "id = \"gemini-2.5-flash-image\"",
            "id = \" \"", "credits = \"four\"", "no_such_key = 1", "max_n = -1",
        ][..]),
    ) {
        let mut lines: Vec<String> = BUILT_IN.lines().map(str::to_string).collect();
        let headers: Vec<usize> = (0..lines.len()).filter(|&i| lines[i] == "[[target]]").collect();
        let at = headers[k.index(headers.len())];
        let end = headers.iter().copied().find(|&h| h > at).unwrap_or(lines.len());
        lines[at] = header.to_string();
        // The fault replaces the key it sets (or goes after the header).
        let key = fault.split('=').next().unwrap().trim();
        match (at + 1..end).find(|&i| lines[i].split('=').next().unwrap().trim() == key) {
            // The entry already says it: not a fault.
            Some(i) if lines[i] == fault => return Ok(()),
            Some(i) => lines[i] = fault.to_string(),
            None => lines.insert(at + 1, fault.to_string()),
        }
        let text = lines.join("\n") + "\n";
        let e = catalog::parse(&text, Path::new("catalog.toml"), CatalogSource::File("catalog.toml".into()))
            .err()
            .ok_or_else(|| TestCaseError::fail(format!("`{fault}` in entry at line {} was taken", at + 1)))?;
        // Within the entry (1-based: its header to the line before the next header), or,
        // for a duplicate id, at the `id` line of the other entry with that id.
        let end = (at + 1..lines.len()).find(|&i| lines[i] == "[[target]]").unwrap_or(lines.len());
        let in_entry = (at + 1..=end).contains(&e.line);
        let at_other_id = fault.starts_with("id = \"gemini") && e.line >= 1 && lines[e.line - 1] == fault;
        prop_assert!(in_entry || at_other_id, "{} (entry at lines {}..={})", e, at + 1, end);
    }

    #[test]
    fn any_text_as_a_catalog_names_a_line(text in prop_oneof![any::<String>(), proptest::collection::vec(token(), 0..16).prop_map(|t| t.join("\n"))]) {
        if let Err(e) = catalog::parse(&text, Path::new("catalog.toml"), CatalogSource::File("catalog.toml".into())) {
            let n = line_count(&text);
            prop_assert!((1..=n.max(1)).contains(&e.line), "line {} of a {}-line file: {}", e.line, n, e);
        }
    }
}

/// A small file that declares more pixels than the app decodes (a thumbnail of it would be
/// refused) is refused from its header, not decoded and stored.
#[test]
fn a_reference_over_the_decode_limit_is_refused_from_its_header() {
    let (w, h) = (8200u32, 8200u32); // just over MAX_DECODE_PIXELS (8192 × 8192)
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::One);
        let mut wr = enc.write_header().unwrap();
        wr.write_image_data(&vec![0u8; (w as usize).div_ceil(8) * h as usize]).unwrap();
    }
    assert!(out.len() < 1 << 20, "{} bytes", out.len());
    let t = std::time::Instant::now();
    let e = match prepare("bomb.png", out, &["png".to_string()], 7 << 20) {
        Ok(r) => panic!("taken: {}×{}", r.width, r.height),
        Err(e) => e,
    };
    assert!(e.contains("bomb.png") && e.contains("8200×8200"), "{e}");
    assert!(t.elapsed() < std::time::Duration::from_millis(500), "took {:?}", t.elapsed());
}
