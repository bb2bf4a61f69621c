//! What a `hostile` fault can answer ([`HostileVariant`]) and its defaults and bounds: the
//! description the fault queue checks (`faults`) and the answers obey (`hostile`).

use serde::{Deserialize, Serialize};

/// What a `hostile` fault answers.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum HostileVariant {
    /// `n + items` outputs, each a `url` to the sim's own files.
    ExtraItems,
    /// `b64_json` that is not an image: `"string"` (what mock servers generated from the
    /// OpenAPI schema answer), or the base64 of `body` when given.
    NotImage,
    /// A valid PNG header declaring 60000x60000 pixels with a tiny IDAT (a decode bomb).
    Bomb,
    /// A 200 JSON body of `bytes` (default 600 MiB), streamed in 1 MiB chunks without a
    /// `Content-Length`, never held in memory. Asked with `response_format=url`: `n`
    /// links to `/__sim/huge`, each streaming `bytes` the same way.
    HugeBody,
    /// `url` = `to` (default `file:///etc/passwd`).
    FileUrl,
    /// `n` links: all but the last to the sim's own files (real images), the last = `to`
    /// (default `file:///etc/passwd`): one bad link among good ones.
    MixedUrls,
    /// `url` = the sim's own `/__sim/redirect`, which answers 302 to `to` (default
    /// `file:///etc/passwd`), after `hops` redirects to itself.
    Redirect,
    /// 200 with `Content-Type: text/html` and a login page (or `body`).
    Html,
    /// The real answer, its first bytes sent one every `interval_ms` for `delay_ms`
    /// (then the rest).
    Drip,
    /// `url` = a `data:image/png;base64,` URL of `bytes` (default 30 MiB): the real PNG,
    /// zero-padded after its end.
    DataUrl,
}

impl HostileVariant {
    pub fn as_str(self) -> &'static str {
        match self {
            HostileVariant::ExtraItems => "extra_items",
            HostileVariant::NotImage => "not_image",
            HostileVariant::Bomb => "bomb",
            HostileVariant::HugeBody => "huge_body",
            HostileVariant::FileUrl => "file_url",
            HostileVariant::MixedUrls => "mixed_urls",
            HostileVariant::Redirect => "redirect",
            HostileVariant::Html => "html",
            HostileVariant::Drip => "drip",
            HostileVariant::DataUrl => "data_url",
        }
    }

    /// Every variant.
    pub const ALL: [HostileVariant; 10] = [
        HostileVariant::ExtraItems,
        HostileVariant::NotImage,
        HostileVariant::Bomb,
        HostileVariant::HugeBody,
        HostileVariant::FileUrl,
        HostileVariant::MixedUrls,
        HostileVariant::Redirect,
        HostileVariant::Html,
        HostileVariant::Drip,
        HostileVariant::DataUrl,
    ];

    /// Whether the sim charges the request (as the images it believes it delivered).
    pub fn charged(self) -> bool {
        self != HostileVariant::Html
    }
}

pub const DEFAULT_EXTRA_ITEMS: u32 = 2000;
/// Most extra items accepted in a fault.
pub const MAX_EXTRA_ITEMS: u32 = 100_000;
pub const DEFAULT_HUGE_BODY: u64 = 600 << 20;
pub const DEFAULT_DATA_URL: u64 = 30 << 20;
/// Largest `data:` URL a fault builds (it is held in the sim's memory).
pub const MAX_DATA_URL: u64 = 512 << 20;
pub const DEFAULT_DRIP_MS: u64 = 10_000;
pub const DEFAULT_DRIP_INTERVAL_MS: u64 = 100;
pub const DEFAULT_TARGET: &str = "file:///etc/passwd";
/// The width and height a `bomb` declares.
pub const BOMB_EDGE: u32 = 60_000;
