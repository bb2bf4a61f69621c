//! Gateway presets: what a profile speaks to. Each is a data file in `presets/` (compiled
//! in): its base URL, the environment variable its key may come from, the catalog entries
//! it offers, what it bills in, how it names image parts, whether it has async tasks, and
//! the Sandbox flavour that behaves like it.

use serde::Deserialize;

use crate::api::{BillingUnit, GatewayPreset, ImageParts, RequestStyle};

const FILES: [(&str, &str); 3] = [
    ("pixapi.toml", include_str!("../presets/pixapi.toml")),
    ("openai.toml", include_str!("../presets/openai.toml")),
    ("openai-compatible.toml", include_str!("../presets/openai-compatible.toml")),
];

/// The preset of a profile made before presets, and of the Sandbox.
pub const PIXAPI: &str = "pixapi";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetFile {
    id: String,
    name: String,
    description: String,
    base_url: String,
    key_env: Option<String>,
    catalog: String,
    default_model: String,
    billing: BillingUnit,
    request_style: RequestStyle,
    image_parts: ImageParts,
    async_tasks: bool,
    sandbox_flavour: String,
    docs_url: Option<String>,
}

/// Every preset, in the order a profile form offers them (parsed once: the estimate and
/// every profile view ask).
pub fn all() -> Vec<GatewayPreset> {
    static PARSED: std::sync::OnceLock<Vec<GatewayPreset>> = std::sync::OnceLock::new();
    PARSED.get_or_init(parse_all).clone()
}

fn parse_all() -> Vec<GatewayPreset> {
    FILES
        .iter()
        .map(|(name, text)| {
            // The files are part of the binary and covered by a test.
            let f: PresetFile = toml::from_str(text).unwrap_or_else(|e| panic!("preset {name}: {e}"));
            GatewayPreset {
                id: f.id,
                name: f.name,
                description: f.description,
                base_url: f.base_url,
                key_env: f.key_env,
                catalog: f.catalog,
                default_model: f.default_model,
                billing: f.billing,
                request_style: f.request_style,
                image_parts: f.image_parts,
                async_tasks: f.async_tasks,
                sandbox_flavour: f.sandbox_flavour,
                docs_url: f.docs_url,
            }
        })
        .collect()
}

/// The preset of that id; an unknown id (a newer app's profile) is Pixapi's.
pub fn get(id: &str) -> GatewayPreset {
    let all = all();
    let found = all.iter().position(|p| p.id == id).or_else(|| all.iter().position(|p| p.id == PIXAPI));
    all[found.expect("the Pixapi preset exists")].clone()
}

/// Whether `id` names a preset.
pub fn exists(id: &str) -> bool {
    all().iter().any(|p| p.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn every_preset_parses_with_a_unique_id_and_a_catalog_of_its_own() {
        let all = all();
        assert_eq!(all.len(), FILES.len());
        let catalog = Catalog::built_in();
        for p in &all {
            assert_eq!(all.iter().filter(|q| q.id == p.id).count(), 1, "{}", p.id);
            let entries = catalog.of_gateway(&p.catalog).entries;
            match p.billing {
                BillingUnit::Credits => assert!(entries.iter().all(|e| e.usd_prices.is_empty() && !e.unpriced)),
                BillingUnit::Usd => assert!(!entries.is_empty() && entries.iter().all(|e| !e.usd_prices.is_empty())),
                BillingUnit::Unknown => assert!(entries.is_empty(), "{}: its models are the server's", p.id),
            }
            if !p.base_url.is_empty() {
                assert!(p.base_url.starts_with("https://"), "{}", p.id);
            }
        }
        assert_eq!(get("openai").key_env.as_deref(), Some("OPENAI_API_KEY"));
        assert_eq!(get("no-such").id, PIXAPI);
    }

    #[test]
    fn entry_ids_are_unique_across_gateways() {
        let c = Catalog::built_in();
        for e in &c.entries {
            assert_eq!(c.entries.iter().filter(|o| o.id == e.id).count(), 1, "{}", e.id);
        }
    }
}
