#![allow(dead_code)]
use std::sync::Arc;

use pixbench_core::api::*;
use pixbench_core::secrets::MemoryStore;
use pixbench_core::{Engine, EngineConfig};

pub async fn engine(dir: &std::path::Path) -> Engine {
    engine_with(dir, Arc::new(MemoryStore::default())).await
}

pub async fn engine_with(dir: &std::path::Path, secrets: Arc<dyn pixbench_core::secrets::SecretStore>) -> Engine {
    Engine::open(EngineConfig::new(dir, secrets)).await.expect("engine opens")
}

pub fn spec(prompt: &str, targets: &[(&str, u32)]) -> Request {
    Request::new(
        prompt,
        targets.iter().map(|(m, n)| TargetSpec { model_id: m.to_string(), n: *n, ..Default::default() }).collect(),
    )
}

pub const FLASH: [&str; 4] = [
    "gemini-3.1-flash-image-preview-512",
    "gemini-3.1-flash-image-preview",
    "gemini-3.1-flash-image-preview-2k",
    "gemini-3.1-flash-image-preview-4k",
];

pub async fn sim_state(base: &str) -> serde_json::Value {
    reqwest::get(format!("{base}/__sim/state")).await.unwrap().json().await.unwrap()
}

pub async fn inject(base: &str, fault: serde_json::Value) {
    let r = reqwest::Client::new().post(format!("{base}/__sim/faults")).json(&fault).send().await.unwrap();
    assert!(r.status().is_success(), "fault injection refused: {}", r.text().await.unwrap());
}

pub fn png_bytes(w: u32, h: u32, rgb: [u8; 3]) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb(rgb));
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

/// An engine whose current profile (named `name`, key `sk_test_1`) points at `base`: an
/// external sim that outlives the engine, for crash and ledger tests.
pub async fn engine_on(dir: &std::path::Path, secrets: Arc<MemoryStore>, base: &str, name: &str) -> Engine {
    let e = engine_with(dir, secrets as Arc<dyn pixbench_core::secrets::SecretStore>).await;
    use_live_profile(&e, base, name);
    e
}

/// [`engine_on`] with settings of the test's own (a short poll policy, ...).
pub async fn engine_on_with(
    dir: &std::path::Path,
    secrets: Arc<MemoryStore>,
    base: &str,
    name: &str,
    tune: impl FnOnce(&mut EngineConfig),
) -> Engine {
    let mut cfg = EngineConfig::new(dir, secrets as Arc<dyn pixbench_core::secrets::SecretStore>);
    tune(&mut cfg);
    let e = Engine::open(cfg).await.expect("engine opens");
    use_live_profile(&e, base, name);
    e
}

/// Makes the profile named `name` (key `sk_test_1`, at `base`) current, creating it once.
pub fn use_live_profile(e: &Engine, base: &str, name: &str) {
    let id = match e.profiles.list().unwrap().into_iter().find(|p| p.name == name) {
        Some(p) => p.id,
        None => {
            let p = e
                .profiles
                .save(ProfileInput {
                    id: None,
                    name: name.into(),
                    base_url: base.into(),
                    default_model: String::new(),
                    budget_credits: None,
                    request_style: None,
                    image_parts: None,
                    gateway: None,
                })
                .unwrap();
            e.profiles.set_key(&p.id, "sk_test_1").unwrap();
            p.id
        }
    };
    e.select_profile(&id).unwrap();
}
