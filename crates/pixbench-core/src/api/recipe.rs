//! The IPC types of recipe.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use serde_json::{Map, Value};

use super::*;

/// What was asked for one output. Field names are camelCase in the file, as on the IPC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Recipe {
    /// Always `pixbench-recipe`.
    pub format: String,
    pub version: u32,
    /// The prompt sent (a sweep target's own, once its variables were expanded).
    pub prompt: String,
    pub mode: RunKind,
    /// The catalog entry's id, e.g. `gemini-3.1-flash-image-preview-2k`.
    pub model_id: String,
    /// The `model` sent.
    pub model: String,
    /// The `size` sent, if one was.
    #[serde(default)]
    pub size: Option<String>,
    #[serde(default)]
    pub aspect_ratio: Option<String>,
    /// The model-specific fields sent (`quality`, `background`, ...).
    #[serde(default)]
    pub fields: Map<String, Value>,
    /// SHA-256 of the reference images sent, in order (the images are not embedded).
    #[serde(default)]
    pub references: Vec<String>,
    /// Images asked of this target.
    pub n: u32,
    pub run_id: String,
    pub target_idx: u32,
    pub output_idx: u32,
    /// Credits this output cost.
    pub credits: i64,
    /// Made on the Sandbox (no real credits).
    #[serde(default)]
    pub simulated: bool,
    pub created_at: String,
    pub app_version: String,
}

/// A recipe read from a file, checked, and the composer's draft made from it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RecipeLoad {
    pub recipe: Recipe,
    /// The request to load: ready to run once its problems (if any) are fixed.
    pub request: Request,
    /// The recipe's reference images that are in this history, in order.
    pub references: Vec<ReferenceView>,
    /// What could not be recreated as it was, a sentence each.
    pub notes: Vec<String>,
    /// The recipe's model is in this catalog.
    pub model_known: bool,
    /// `png`, `jpeg` or `webp`.
    pub container: String,
}
