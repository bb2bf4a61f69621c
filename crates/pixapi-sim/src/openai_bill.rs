//! The OpenAI flavour's bill: OpenAI's token tables and prices, and what one request read
//! (`OpenAiJob`) is charged. A leaf module: the request reader and the flavour both use it.

use serde_json::{json, Value};

use crate::catalog::Resolved;

/// Input tokens per reference image (and mask): Sandbox rule.
pub const IMAGE_TOKENS_PER_INPUT: i64 = 258;

/// Dollar rates of a model, in tenths of a micro-dollar per token (= dollars per 10M
/// tokens), so that $2.50 per million is exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rates {
    pub text_in: i64,
    pub image_in: i64,
    pub image_out: i64,
}

/// OpenAI's published prices per million tokens (taken 2026-12-05): gpt-image-1 $5 text,
/// $10 image input, $40 image output; gpt-image-1-mini $2, $2.50, $8; gpt-image-1.5 $5, $8,
/// $32. Extra models are priced as gpt-image-1.
pub fn rates(model: &str) -> Rates {
    match model {
        "gpt-image-1-mini" => Rates { text_in: 20, image_in: 25, image_out: 80 },
        "gpt-image-1.5" => Rates { text_in: 50, image_in: 80, image_out: 320 },
        _ => Rates { text_in: 50, image_in: 100, image_out: 400 },
    }
}

/// Output tokens of one image (OpenAI's published table; `auto` is served as `high`). A
/// size outside the table (only a `deliver_size` fault makes one) scales the square's count
/// by pixel area: Sandbox rule.
pub fn output_tokens_per_image(quality: &str, width: u32, height: u32) -> i64 {
    let row: [i64; 3] = match quality {
        "low" => [272, 408, 400],
        "medium" => [1056, 1584, 1568],
        _ => [4160, 6240, 6208],
    };
    match (width, height) {
        (1024, 1024) => row[0],
        (1024, 1536) => row[1],
        (1536, 1024) => row[2],
        (w, h) => (row[0] as f64 * (w as f64 * h as f64) / (1024.0 * 1024.0)).round() as i64,
    }
}

/// Input text tokens of a prompt: one per 4 characters, rounded up (Sandbox rule).
pub fn text_tokens(prompt: &str) -> i64 {
    (prompt.chars().count() as i64 + 3) / 4
}

/// What the OpenAI flavour read from a request, for its answer and its bill.
#[derive(Clone, Debug)]
pub struct OpenAiJob {
    /// The quality served: `low`, `medium` or `high` (`auto` resolved).
    pub quality: &'static str,
    /// `transparent` or `opaque` (`auto` is served opaque: the Sandbox draws landscapes).
    pub background: &'static str,
    pub output_format: &'static str,
    pub text_tokens: i64,
    pub image_tokens: i64,
    pub rates: Rates,
}

impl OpenAiJob {
    /// The `usage` of `images` outputs at `width x height`, and their price in micro-dollars
    /// (rounded up to a whole one; with 258 tokens an image it never has to be).
    pub fn bill(&self, width: u32, height: u32, images: u32) -> (Value, i64) {
        let output = output_tokens_per_image(self.quality, width, height) * images as i64;
        let input = self.text_tokens + self.image_tokens;
        let r = self.rates;
        let tenths = self.text_tokens * r.text_in + self.image_tokens * r.image_in + output * r.image_out;
        let usage = json!({
            "input_tokens": input,
            "input_tokens_details": {"text_tokens": self.text_tokens, "image_tokens": self.image_tokens},
            "output_tokens": output,
            "total_tokens": input + output,
        });
        (usage, (tenths + 9) / 10)
    }

    /// The `ImagesResponse` of `data`, and its price in micro-dollars.
    pub fn answer(&self, resolved: &Resolved, data: Vec<Value>) -> (Value, i64) {
        let (usage, usd) = self.bill(resolved.width, resolved.height, data.len() as u32);
        let answer = json!({
            "created": crate::ids::unix_now(),
            "data": data,
            "background": self.background,
            "output_format": self.output_format,
            "quality": self.quality,
            "size": format!("{}x{}", resolved.width, resolved.height),
            "usage": usage,
        });
        (answer, usd)
    }
}
