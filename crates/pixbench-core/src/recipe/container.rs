//! Putting a recipe into an image file and reading it back, without re-encoding a pixel:
//! PNG gets text chunks spliced before `IEND`, JPEG an APP1 XMP segment after SOI (and
//! after JFIF/Exif), WebP an `XMP ` chunk (the file made extended, `VP8X`, if it was not).
//!
//! The bytes read are untrusted: every length is checked against what is left before it
//! is used, nothing is allocated from a length field, and the text read is bounded by
//! [`MAX_RECIPE_BYTES`].

/// The PNG iTXt keyword (and the XMP property, `pixbench:recipe`) holding the recipe JSON.
pub const PNG_KEYWORD: &str = "pixbench:recipe";
/// The XMP namespace of the `pixbench:recipe` property.
pub const XMP_NAMESPACE: &str = "https://pixbench.app/ns/recipe/1.0/";
/// The most recipe text read or written (its JSON, UTF-8).
pub const MAX_RECIPE_BYTES: usize = 256 * 1024;

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";
const XMP_APP1_HEADER: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
/// A JPEG segment's payload is at most 65535 bytes minus its two length bytes.
const MAX_JPEG_SEGMENT: usize = 65533;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Png,
    Jpeg,
    Webp,
}

impl Container {
    pub fn name(self) -> &'static str {
        match self {
            Container::Png => "png",
            Container::Jpeg => "jpeg",
            Container::Webp => "webp",
        }
    }

    pub fn sniff(bytes: &[u8]) -> Option<Container> {
        if bytes.starts_with(PNG_SIGNATURE) {
            Some(Container::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Container::Jpeg)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Container::Webp)
        } else {
            None
        }
    }
}

/// Why a file could not carry or give a recipe, as a sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContainerError {
    #[error("This file is not a PNG, JPEG or WebP image.")]
    NotAnImage,
    #[error("This {0} file is damaged: {1}.")]
    Damaged(&'static str, String),
    #[error("The recipe in this file is over {} KB; it was not read.", MAX_RECIPE_BYTES / 1024)]
    TooLarge,
    #[error("The recipe in this file is not UTF-8 text.")]
    NotText,
}

fn damaged(c: Container, why: impl Into<String>) -> ContainerError {
    ContainerError::Damaged(c.name(), why.into())
}

/// What is written besides the recipe: the prompt as the file's description, and the tool.
pub struct Embed<'a> {
    pub recipe_json: &'a str,
    pub description: &'a str,
    pub software: &'a str,
}

/// The file with the recipe in it, in the same container; an older Pixbench recipe in it
/// is replaced.
pub fn embed(bytes: &[u8], e: &Embed<'_>) -> Result<Vec<u8>, ContainerError> {
    if e.recipe_json.len() > MAX_RECIPE_BYTES {
        return Err(ContainerError::TooLarge);
    }
    match Container::sniff(bytes).ok_or(ContainerError::NotAnImage)? {
        Container::Png => png_embed(bytes, e),
        Container::Jpeg => jpeg_embed(bytes, e),
        Container::Webp => webp_embed(bytes, e),
    }
}

/// The recipe text of a file: `Ok(None)` when it carries none.
pub fn extract(bytes: &[u8]) -> Result<(Container, Option<String>), ContainerError> {
    let c = Container::sniff(bytes).ok_or(ContainerError::NotAnImage)?;
    let text = match c {
        Container::Png => png_extract(bytes)?,
        Container::Jpeg => jpeg_extract(bytes)?,
        Container::Webp => webp_extract(bytes)?,
    };
    Ok((c, text))
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

// The parts of a file are listed before they are scanned: their count is bounded, so a
// 200 MB file of 4-byte segments cannot take gigabytes (a real image has a few dozen
// segments before its scan, or some thousands of IDAT chunks).
const MAX_PNG_CHUNKS: usize = 262_144;
const MAX_JPEG_SEGMENTS: usize = 65_536;
const MAX_WEBP_CHUNKS: usize = 65_536;

// ---------------- PNG ----------------

/// One chunk: where it starts (its length field) and ends (after its CRC), its type and data.
struct PngChunk<'a> {
    start: usize,
    end: usize,
    kind: [u8; 4],
    data: &'a [u8],
    crc: u32,
}

/// Every chunk up to and including IEND; an error when a length runs past the file or
/// IEND never comes.
fn png_chunks(bytes: &[u8]) -> Result<Vec<PngChunk<'_>>, ContainerError> {
    let c = Container::Png;
    let mut out = Vec::new();
    let mut pos = PNG_SIGNATURE.len();
    loop {
        let rest = bytes.len() - pos;
        if rest < 12 {
            return Err(damaged(c, "it ends inside a chunk (no IEND)"));
        }
        let len = be32(&bytes[pos..]) as usize;
        if len > 0x7FFF_FFFF || len > rest - 12 {
            return Err(damaged(c, format!("a chunk says it is {len} bytes, past the end of the file")));
        }
        let kind: [u8; 4] = bytes[pos + 4..pos + 8].try_into().expect("4 bytes");
        let data = &bytes[pos + 8..pos + 8 + len];
        let crc = be32(&bytes[pos + 8 + len..]);
        let end = pos + 12 + len;
        if out.len() == MAX_PNG_CHUNKS {
            return Err(damaged(c, format!("it has more than {MAX_PNG_CHUNKS} chunks")));
        }
        out.push(PngChunk { start: pos, end, kind, data, crc });
        if &kind == b"IEND" {
            return Ok(out);
        }
        pos = end;
    }
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 12);
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut h = crc32fast::Hasher::new();
    h.update(kind);
    h.update(data);
    out.extend_from_slice(&h.finalize().to_be_bytes());
    out
}

/// An uncompressed iTXt chunk's data: keyword, flags, empty language and translation, text.
fn itxt_data(keyword: &str, text: &str) -> Vec<u8> {
    let mut d = Vec::with_capacity(keyword.len() + text.len() + 5);
    d.extend_from_slice(keyword.as_bytes());
    d.extend_from_slice(&[0, 0, 0, 0, 0]);
    d.extend_from_slice(text.as_bytes());
    d
}

/// The keyword of a tEXt, zTXt or iTXt chunk.
fn text_keyword(data: &[u8]) -> &[u8] {
    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len()).min(79);
    &data[..end]
}

fn png_embed(bytes: &[u8], e: &Embed<'_>) -> Result<Vec<u8>, ContainerError> {
    let chunks = png_chunks(bytes)?;
    let is_text = |k: &[u8; 4]| k == b"tEXt" || k == b"iTXt" || k == b"zTXt";
    let has_keyword = |kw: &str| chunks.iter().any(|c| is_text(&c.kind) && text_keyword(c.data) == kw.as_bytes());
    let iend = chunks.last().expect("png_chunks ends at IEND");
    let mut out = Vec::with_capacity(bytes.len() + e.recipe_json.len() + e.description.len() + 128);
    out.extend_from_slice(PNG_SIGNATURE);
    for c in &chunks[..chunks.len() - 1] {
        // An earlier recipe (a file exported, then exported again) is replaced.
        if is_text(&c.kind) && text_keyword(c.data) == PNG_KEYWORD.as_bytes() {
            continue;
        }
        out.extend_from_slice(&bytes[c.start..c.end]);
    }
    out.extend_from_slice(&png_chunk(b"iTXt", &itxt_data(PNG_KEYWORD, e.recipe_json)));
    // The server's own description or software tag, if any, is kept.
    if !has_keyword("Description") && !e.description.is_empty() {
        out.extend_from_slice(&png_chunk(b"iTXt", &itxt_data("Description", e.description)));
    }
    if !has_keyword("Software") {
        out.extend_from_slice(&png_chunk(b"iTXt", &itxt_data("Software", e.software)));
    }
    out.extend_from_slice(&bytes[iend.start..]);
    Ok(out)
}

fn png_extract(bytes: &[u8]) -> Result<Option<String>, ContainerError> {
    let c = Container::Png;
    for ch in png_chunks(bytes)? {
        if &ch.kind != b"iTXt" || text_keyword(ch.data) != PNG_KEYWORD.as_bytes() {
            continue;
        }
        let mut h = crc32fast::Hasher::new();
        h.update(&ch.kind);
        h.update(ch.data);
        if h.finalize() != ch.crc {
            return Err(damaged(c, "the recipe chunk's checksum is wrong"));
        }
        // keyword \0 compression-flag method language \0 translated-keyword \0 text
        // The keyword may fill the chunk with no NUL after it: nothing follows then.
        let rest = ch.data.get(PNG_KEYWORD.len() + 1..).unwrap_or_default();
        if rest.len() < 2 {
            return Err(damaged(c, "the recipe chunk is cut short"));
        }
        if rest[0] != 0 {
            return Err(damaged(c, "the recipe chunk is compressed, which Pixbench does not write"));
        }
        let rest = &rest[2..];
        let lang_end = rest.iter().position(|&b| b == 0).ok_or_else(|| damaged(c, "the recipe chunk is cut short"))?;
        let rest = &rest[lang_end + 1..];
        let tkw_end = rest.iter().position(|&b| b == 0).ok_or_else(|| damaged(c, "the recipe chunk is cut short"))?;
        return bounded_text(&rest[tkw_end + 1..]).map(Some);
    }
    Ok(None)
}

fn bounded_text(b: &[u8]) -> Result<String, ContainerError> {
    if b.len() > MAX_RECIPE_BYTES {
        return Err(ContainerError::TooLarge);
    }
    String::from_utf8(b.to_vec()).map_err(|_| ContainerError::NotText)
}

// ---------------- XMP (JPEG and WebP) ----------------

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 has no way to write other control characters.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn xml_unescape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find(';').filter(|&e| e <= 10)?;
        let ch = match &tail[1..end] {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            n if n.starts_with("#x") => char::from_u32(u32::from_str_radix(&n[2..], 16).ok()?)?,
            n if n.starts_with('#') => char::from_u32(n[1..].parse().ok()?)?,
            _ => return None,
        };
        out.push(ch);
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// An XMP packet with the prompt as `dc:description`, the tool as `xmp:CreatorTool` and
/// the recipe JSON as `pixbench:recipe`.
fn xmp_packet(e: &Embed<'_>, with_description: bool) -> String {
    let description = if with_description && !e.description.is_empty() {
        format!(
            "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></dc:description>",
            xml_escape(e.description)
        )
    } else {
        String::new()
    };
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" xmlns:pixbench=\"{XMP_NAMESPACE}\">\
<xmp:CreatorTool>{}</xmp:CreatorTool>{description}<pixbench:recipe>{}</pixbench:recipe>\
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>",
        xml_escape(e.software),
        xml_escape(e.recipe_json)
    )
}

/// The `pixbench:recipe` text of an XMP packet, if it has one.
fn xmp_recipe(packet: &[u8]) -> Result<Option<String>, ContainerError> {
    const OPEN: &[u8] = b"<pixbench:recipe>";
    const CLOSE: &[u8] = b"</pixbench:recipe>";
    let Some(start) = memchr::memmem::find(packet, OPEN).map(|i| i + OPEN.len()) else { return Ok(None) };
    let len = memchr::memmem::find(&packet[start..], CLOSE).ok_or(ContainerError::NotText)?;
    let text = bounded_text(&packet[start..start + len])?;
    xml_unescape(&text).map(Some).ok_or(ContainerError::NotText)
}

// ---------------- JPEG ----------------

/// One marker segment before the scan: where it starts (its 0xFF) and ends, its marker and payload.
struct JpegSegment<'a> {
    start: usize,
    end: usize,
    marker: u8,
    payload: &'a [u8],
}

/// The segments after SOI up to (not including) the first scan.
fn jpeg_segments(bytes: &[u8]) -> Result<Vec<JpegSegment<'_>>, ContainerError> {
    let c = Container::Jpeg;
    let mut out = Vec::new();
    let mut pos = 2;
    loop {
        if pos >= bytes.len() {
            return Err(damaged(c, "it ends before its image data"));
        }
        if bytes[pos] != 0xFF {
            return Err(damaged(c, format!("a marker was expected at byte {pos}")));
        }
        let start = pos;
        // Fill bytes (0xFF repeated) may come before a marker.
        while pos < bytes.len() && bytes[pos] == 0xFF {
            pos += 1;
        }
        let Some(&marker) = bytes.get(pos) else { return Err(damaged(c, "it ends inside a marker")) };
        pos += 1;
        match marker {
            0xDA | 0xD9 => return Ok(out),
            0x01 | 0xD0..=0xD7 => continue,
            0x00 => return Err(damaged(c, format!("a marker was expected at byte {start}"))),
            _ => {}
        }
        if bytes.len() - pos < 2 {
            return Err(damaged(c, "it ends inside a segment"));
        }
        let len = u16::from_be_bytes([bytes[pos], bytes[pos + 1]]) as usize;
        if len < 2 || len > bytes.len() - pos {
            return Err(damaged(c, format!("a segment says it is {len} bytes, past the end of the file")));
        }
        if out.len() == MAX_JPEG_SEGMENTS {
            return Err(damaged(c, format!("it has more than {MAX_JPEG_SEGMENTS} segments before its image data")));
        }
        out.push(JpegSegment { start, end: pos + len, marker, payload: &bytes[pos + 2..pos + len] });
        pos += len;
    }
}

fn is_xmp(s: &JpegSegment<'_>) -> bool {
    s.marker == 0xE1 && s.payload.starts_with(XMP_APP1_HEADER)
}

fn jpeg_embed(bytes: &[u8], e: &Embed<'_>) -> Result<Vec<u8>, ContainerError> {
    let segments = jpeg_segments(bytes)?;
    let mut packet = xmp_packet(e, true);
    if XMP_APP1_HEADER.len() + packet.len() > MAX_JPEG_SEGMENT {
        // A long prompt is in the recipe already; one segment cannot hold it twice.
        packet = xmp_packet(e, false);
    }
    if XMP_APP1_HEADER.len() + packet.len() > MAX_JPEG_SEGMENT {
        return Err(ContainerError::TooLarge);
    }
    let ours = |s: &JpegSegment<'_>| is_xmp(s) && memchr::memmem::find(s.payload, XMP_NAMESPACE.as_bytes()).is_some();
    // JFIF (APP0) and Exif (APP1) want to come first; the XMP segment follows them.
    let lead = segments
        .iter()
        .take_while(|s| s.marker == 0xE0 || (s.marker == 0xE1 && s.payload.starts_with(b"Exif\0")))
        .count();
    let insert_at = if lead == 0 { 2 } else { segments[lead - 1].end };
    let mut out = Vec::with_capacity(bytes.len() + packet.len() + 64);
    out.extend_from_slice(&bytes[..insert_at]);
    let len = (2 + XMP_APP1_HEADER.len() + packet.len()) as u16;
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(XMP_APP1_HEADER);
    out.extend_from_slice(packet.as_bytes());
    let mut pos = insert_at;
    for s in segments.iter().filter(|s| s.start >= insert_at && ours(s)) {
        out.extend_from_slice(&bytes[pos..s.start]);
        pos = s.end;
    }
    out.extend_from_slice(&bytes[pos..]);
    Ok(out)
}

fn jpeg_extract(bytes: &[u8]) -> Result<Option<String>, ContainerError> {
    for s in jpeg_segments(bytes)? {
        if is_xmp(&s) {
            if let Some(text) = xmp_recipe(&s.payload[XMP_APP1_HEADER.len()..])? {
                return Ok(Some(text));
            }
        }
    }
    Ok(None)
}

// ---------------- WebP ----------------

struct RiffChunk<'a> {
    start: usize,
    /// After the payload and its padding byte.
    end: usize,
    fourcc: [u8; 4],
    payload: &'a [u8],
}

/// The chunks inside `RIFF....WEBP`, bounded by the RIFF size and the file.
fn webp_chunks(bytes: &[u8]) -> Result<Vec<RiffChunk<'_>>, ContainerError> {
    let c = Container::Webp;
    let riff_end = (le32(&bytes[4..]) as usize).saturating_add(8);
    if riff_end > bytes.len() {
        return Err(damaged(c, "its RIFF size runs past the end of the file"));
    }
    let mut out = Vec::new();
    let mut pos = 12;
    while pos < riff_end {
        if riff_end - pos < 8 {
            return Err(damaged(c, "it ends inside a chunk header"));
        }
        let fourcc: [u8; 4] = bytes[pos..pos + 4].try_into().expect("4 bytes");
        let len = le32(&bytes[pos + 4..]) as usize;
        if len > riff_end - pos - 8 {
            return Err(damaged(c, format!("a chunk says it is {len} bytes, past the end of the file")));
        }
        let payload = &bytes[pos + 8..pos + 8 + len];
        let end = (pos + 8 + len + (len & 1)).min(riff_end);
        if out.len() == MAX_WEBP_CHUNKS {
            return Err(damaged(c, format!("it has more than {MAX_WEBP_CHUNKS} chunks")));
        }
        out.push(RiffChunk { start: pos, end, fourcc, payload });
        pos = end;
    }
    if out.is_empty() {
        return Err(damaged(c, "it has no image chunk"));
    }
    Ok(out)
}

const VP8X_XMP: u8 = 0x04;
const VP8X_ALPHA: u8 = 0x10;

/// The canvas size and alpha of a simple (`VP8 ` or `VP8L`) WebP's image chunk.
fn simple_webp_canvas(ch: &RiffChunk<'_>) -> Result<(u32, u32, bool), ContainerError> {
    let c = Container::Webp;
    let p = ch.payload;
    match &ch.fourcc {
        b"VP8 " => {
            if p.len() < 10 || p[3..6] != [0x9D, 0x01, 0x2A] {
                return Err(damaged(c, "its VP8 frame header is missing"));
            }
            let w = u16::from_le_bytes([p[6], p[7]]) & 0x3FFF;
            let h = u16::from_le_bytes([p[8], p[9]]) & 0x3FFF;
            Ok((w as u32, h as u32, false))
        }
        b"VP8L" => {
            if p.len() < 5 || p[0] != 0x2F {
                return Err(damaged(c, "its VP8L header is missing"));
            }
            let bits = le32(&p[1..]);
            Ok(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, (bits >> 28) & 1 == 1))
        }
        other => Err(damaged(c, format!("its first chunk is {:?}, not an image", String::from_utf8_lossy(other)))),
    }
}

fn riff_chunk(fourcc: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 9);
    out.extend_from_slice(fourcc);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    if payload.len() & 1 == 1 {
        out.push(0);
    }
    out
}

fn webp_embed(bytes: &[u8], e: &Embed<'_>) -> Result<Vec<u8>, ContainerError> {
    let chunks = webp_chunks(bytes)?;
    let mut body = Vec::with_capacity(bytes.len() + e.recipe_json.len() + 512);
    let first = &chunks[0];
    if &first.fourcc == b"VP8X" {
        if first.payload.len() < 10 {
            return Err(damaged(Container::Webp, "its VP8X chunk is cut short"));
        }
        let mut vp8x = first.payload.to_vec();
        vp8x[0] |= VP8X_XMP;
        body.extend_from_slice(&riff_chunk(b"VP8X", &vp8x));
    } else {
        let (w, h, alpha) = simple_webp_canvas(first)?;
        if w == 0 || h == 0 {
            return Err(damaged(Container::Webp, "its image is 0 pixels wide or high"));
        }
        let mut vp8x = vec![VP8X_XMP | if alpha { VP8X_ALPHA } else { 0 }, 0, 0, 0];
        vp8x.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
        vp8x.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
        body.extend_from_slice(&riff_chunk(b"VP8X", &vp8x));
        body.extend_from_slice(&bytes[first.start..first.end]);
    }
    for ch in &chunks[1..] {
        // One XMP chunk per file: ours replaces any other (it comes last, as the spec orders).
        if &ch.fourcc != b"XMP " {
            body.extend_from_slice(&bytes[ch.start..ch.end]);
        }
    }
    body.extend_from_slice(&riff_chunk(b"XMP ", xmp_packet(e, true).as_bytes()));
    let mut out = Vec::with_capacity(body.len() + 12);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&((body.len() + 4) as u32).to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&body);
    Ok(out)
}

fn webp_extract(bytes: &[u8]) -> Result<Option<String>, ContainerError> {
    for ch in webp_chunks(bytes)? {
        if &ch.fourcc == b"XMP " {
            return xmp_recipe(ch.payload);
        }
    }
    Ok(None)
}
