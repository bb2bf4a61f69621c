//! A recipe in every image: what was asked for one output (prompt, model, size, fields, the
//! run and its credits), written into the image file when it leaves the app (exports), and
//! read back from a file to recreate the request in the composer or the CLI.
//!
//! The stored image stays the server's bytes (its sha is of what was delivered); only the
//! copies that leave carry the recipe. The format and the chunk names are in docs/DESIGN.md.

pub mod container;

use serde_json::{Map, Value};

use crate::api::*;
pub use crate::api::{Recipe, RecipeLoad};
use crate::catalog::{size_dims, wire_model_and_size, Catalog, TYPED_FIELDS};
use std::path::PathBuf;
use std::sync::Arc;

use crate::blobs::Blobs;
use crate::error::{ui, CoreError, CoreResult};
use crate::infra::CatalogHandle;
use crate::references::References;
use crate::runs::Runs;
use crate::store::Store;
pub use container::{Container, ContainerError};

/// What a recipe's JSON says it is.
pub const RECIPE_FORMAT: &str = "pixbench-recipe";
/// The version this Pixbench writes; a newer one is read, its new fields ignored.
pub const RECIPE_VERSION: u32 = 1;
/// The longest prompt a recipe read may carry, in characters (the one limit on prompts).
pub use crate::api::MAX_PROMPT_CHARS;
/// The most model-specific fields a recipe read may carry.
pub const MAX_FIELDS: usize = 32;
/// The most reference images a recipe read may name.
pub const MAX_REFERENCES: usize = 16;
/// The sentence for a file without a recipe.
pub const NO_RECIPE: &str = "This image has no Pixbench recipe; add it as a reference instead?";

impl Recipe {
    /// The recipe of one output, from its run's stored spec and the request sent.
    pub fn of_output(
        row: &crate::store::RunRow,
        target: &TargetView,
        output: &OutputView,
        catalog: &Catalog,
    ) -> Recipe {
        let spec = &row.spec.request;
        let spec_target = row.spec.targets.get(target.idx as usize);
        // A sweep target's own values (api.rs `TargetSpec`), read by name so this stays
        // true whatever else the target carries.
        let target_json = spec_target.and_then(|t| serde_json::to_value(t).ok()).unwrap_or(Value::Null);
        let own_str = |k: &str| target_json.get(k).and_then(Value::as_str).map(str::to_string);
        let sent = target.request.as_ref().map(sent_fields).unwrap_or_default();
        let sent_str = |k: &str| sent.get(k).and_then(Value::as_str).map(str::to_string);
        let entry = catalog.get(&target.model_id);
        let aspect_ratio = own_str("aspectRatio").or_else(|| spec.aspect_ratio.clone());
        let (wire_model, wire_size) = entry
            .map(|e| {
                wire_model_and_size(
                    e,
                    aspect_ratio.as_deref(),
                    spec_target.and_then(|t| t.size.as_deref()),
                    RequestStyle::Size,
                )
            })
            .unwrap_or_default();
        let mut fields: Map<String, Value> =
            sent.iter().filter(|(k, _)| !is_typed(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
        if target.request.is_none() {
            fields = spec.fields.clone().unwrap_or_default();
            if let Some(Value::Object(own)) = target_json.get("fields") {
                fields.extend(own.clone());
            }
        }
        Recipe {
            format: RECIPE_FORMAT.into(),
            version: RECIPE_VERSION,
            prompt: sent_str("prompt").or_else(|| own_str("prompt")).unwrap_or_else(|| spec.prompt.clone()),
            mode: spec.kind(),
            model_id: target.model_id.clone(),
            model: sent_str("model").unwrap_or(wire_model),
            size: sent_str("size").or(wire_size),
            aspect_ratio,
            fields,
            references: spec.images.clone(),
            n: target.n,
            run_id: row.id.clone(),
            target_idx: target.idx,
            output_idx: output.idx,
            credits: output.billing.cost.credits,
            simulated: row.simulated,
            created_at: row.created_at.clone(),
            app_version: env!("CARGO_PKG_VERSION").into(),
        }
    }

    /// Parses and bounds a recipe's JSON (untrusted: it came from a file).
    pub fn parse(json: &str) -> Result<Recipe, String> {
        let r: Recipe =
            serde_json::from_str(json).map_err(|e| format!("The recipe in this file could not be read ({e})."))?;
        if r.format != RECIPE_FORMAT {
            return Err("The metadata in this file is not a Pixbench recipe.".into());
        }
        if r.prompt.chars().count() > MAX_PROMPT_CHARS {
            return Err(format!("The recipe's prompt is over {MAX_PROMPT_CHARS} characters; it was not loaded."));
        }
        let bounded = [
            ("model id", r.model_id.as_str(), 200),
            ("model", &r.model, 200),
            ("size", r.size.as_deref().unwrap_or(""), 32),
            ("aspect ratio", r.aspect_ratio.as_deref().unwrap_or(""), 16),
            ("run id", &r.run_id, 64),
            ("date", &r.created_at, 64),
            ("version", &r.app_version, 64),
        ];
        for (what, s, max) in bounded {
            if s.len() > max {
                return Err(format!("The recipe's {what} is over {max} characters; it was not loaded."));
            }
        }
        if r.fields.len() > MAX_FIELDS * 4 || r.references.len() > MAX_REFERENCES * 4 {
            return Err("The recipe names too many fields or reference images; it was not loaded.".into());
        }
        Ok(r)
    }

    /// The composer's draft of this recipe against `catalog`, with what could not be kept.
    /// `have_reference` tells which reference images are in this history.
    pub fn to_request(&self, catalog: &Catalog, have_reference: impl Fn(&str) -> bool) -> (Request, Vec<String>, bool) {
        let mut notes = vec![];
        if self.version > RECIPE_VERSION {
            notes.push(format!(
                "This recipe was written by a newer Pixbench (recipe version {}); what it added is left out.",
                self.version
            ));
        }
        // The entry by id; else (a recipe from another catalog) the entry sending the same model and size.
        let entry = catalog.get(&self.model_id).or_else(|| {
            catalog.entries.iter().find(|e| {
                e.model == self.model
                    && self.size.is_some()
                    && wire_model_and_size(e, self.aspect_ratio.as_deref(), None, RequestStyle::Size).1 == self.size
            })
        });
        let mut targets = vec![];
        let mut aspect_ratio = None;
        match entry {
            None => notes.push(format!(
                "The model “{}” is not in this catalog: pick a model to run this prompt with.",
                printable(&self.model_id, 80)
            )),
            Some(e) => {
                if e.id != self.model_id {
                    notes.push(format!(
                        "“{}” is not in this catalog; {} sends the same request.",
                        printable(&self.model_id, 80),
                        e.label
                    ));
                }
                aspect_ratio = match &self.aspect_ratio {
                    Some(ar) if e.aspect_ratios.iter().any(|a| a == ar) => Some(ar.clone()),
                    Some(ar) => {
                        notes.push(format!(
                            "{} does not offer the aspect ratio {}; it is left at the default.",
                            e.label,
                            printable(ar, 16)
                        ));
                        None
                    }
                    None => None,
                };
                let n = self.n.clamp(1, e.max_n.max(1));
                if n != self.n {
                    notes.push(format!("{} images were asked; {} takes 1 to {}, so {n}.", self.n, e.label, e.max_n));
                }
                // An explicit size only where the ratio's own would not send the same.
                let mapped = wire_model_and_size(e, aspect_ratio.as_deref(), None, RequestStyle::Size).1;
                let size = match &self.size {
                    Some(s) if Some(s) != mapped.as_ref() && size_dims(s, e.long_edge).is_some() => Some(s.clone()),
                    Some(s) if Some(s) != mapped.as_ref() => {
                        notes.push(format!(
                            "The size “{}” is not one Pixbench can send; the ratio's size is used.",
                            printable(s, 32)
                        ));
                        None
                    }
                    _ => None,
                };
                let mut t: TargetSpec =
                    serde_json::from_value(serde_json::json!({ "modelId": e.id, "n": n })).expect("a minimal target");
                t.size = size;
                targets.push(t);
            }
        }
        let mut options = Map::new();
        for (k, v) in &self.fields {
            let scalar = match v {
                Value::String(s) if s.len() <= 256 => true,
                Value::Number(_) | Value::Bool(_) => true,
                _ => false,
            };
            if is_typed(k) || k.len() > 64 || !scalar || options.len() >= MAX_FIELDS {
                notes.push(format!("The field “{}” was left out.", printable(k, 64)));
                continue;
            }
            options.insert(k.clone(), v.clone());
        }
        let mut references = vec![];
        let mut missing = 0;
        for sha in self.references.iter().take(MAX_REFERENCES) {
            let is_sha = sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            // One not in this history stays in the request (it is still an edit, which
            // the estimate refuses until the image is added again); a malformed one goes.
            if is_sha {
                references.push(sha.clone());
            }
            if !is_sha || !have_reference(sha) {
                missing += 1;
            }
        }
        if missing > 0 {
            notes.push(format!(
                "{missing} of the recipe's {} reference images {} not in this history: add {} again to edit.",
                self.references.len(),
                if missing == 1 { "is" } else { "are" },
                if missing == 1 { "it" } else { "them" }
            ));
        }
        let request = Request {
            aspect_ratio,
            images: references,
            fields: (!options.is_empty()).then_some(options),
            ..Request::new(self.prompt.clone(), targets)
        };
        (request, notes, entry.is_some())
    }

    /// The recipe as a person reads it, one `label: value` a line.
    pub fn describe(&self) -> Vec<(String, String)> {
        let mut out = vec![
            ("Prompt".to_string(), self.prompt.clone()),
            ("Mode".into(), format!("{:?}", self.mode).to_lowercase()),
            ("Model".into(), format!("{} (sent as {})", self.model_id, self.model)),
            ("Size".into(), self.size.clone().unwrap_or_else(|| "the model's default".into())),
            ("Aspect ratio".into(), self.aspect_ratio.clone().unwrap_or_else(|| "default".into())),
        ];
        for (k, v) in &self.fields {
            out.push((k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())));
        }
        if !self.references.is_empty() {
            out.push(("References".into(), self.references.join(", ")));
        }
        out.push(("Images asked".into(), self.n.to_string()));
        out.push((
            "Output".into(),
            format!("run {} · target {} · image {}", self.run_id, self.target_idx + 1, self.output_idx + 1),
        ));
        out.push((
            "Credits".into(),
            format!("{}{}", self.credits, if self.simulated { " (Sandbox, not charged)" } else { "" }),
        ));
        out.push(("Made".into(), format!("{} with Pixbench {}", self.created_at, self.app_version)));
        out
    }
}

fn is_typed(k: &str) -> bool {
    TYPED_FIELDS.contains(&k) || k == "stream"
}

/// At most `max` characters of untrusted text, control characters dropped, for a sentence.
fn printable(s: &str, max: usize) -> String {
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(max).collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}

/// The fields of a request as sent: a JSON body's keys, or a multipart body's text parts.
fn sent_fields(req: &RequestView) -> Map<String, Value> {
    if let Some(Value::Object(body)) = &req.json_body {
        return body.clone();
    }
    req.parts
        .iter()
        .filter(|p| p.file_name.is_none())
        .filter_map(|p| Some((p.name.clone(), Value::String(p.text.clone()?))))
        .collect()
}

fn no_recipe() -> CoreError {
    CoreError::Ui(ui(ErrorKind::NoRecipe, NO_RECIPE))
}

/// The recipes service: an output's recipe, the file that carries it, and reading one back.
pub struct Recipes {
    store: Arc<Store>,
    blobs: Blobs,
    catalog: CatalogHandle,
    runs: Arc<Runs>,
    references: Arc<References>,
    data_dir: PathBuf,
}

impl Recipes {
    pub fn new(
        store: Arc<Store>,
        blobs: Blobs,
        catalog: CatalogHandle,
        runs: Arc<Runs>,
        references: Arc<References>,
        data_dir: PathBuf,
    ) -> Recipes {
        Recipes { store, blobs, catalog, runs, references, data_dir }
    }

    /// The recipe of one output of a stored run.
    pub fn of_output(&self, run_id: &str, target_idx: u32, output_idx: u32) -> CoreResult<Recipe> {
        let row = self.store.run_row(run_id)?;
        let run = self.runs.get(run_id)?;
        let not_found = || CoreError::Ui(ui(ErrorKind::NotFound, "That image is not part of the run."));
        let t = run.targets.iter().find(|t| t.idx == target_idx).ok_or_else(not_found)?;
        let o = t.outputs.iter().find(|o| o.idx == output_idx).ok_or_else(not_found)?;
        Ok(Recipe::of_output(&row, t, o, &self.catalog.get()))
    }

    /// `bytes` (an output of `run_id`) with its recipe written in; the bytes unchanged when
    /// their format cannot carry one. Answers whether it was written.
    pub(crate) fn with_recipe(&self, recipe: &Recipe, bytes: Vec<u8>) -> (Vec<u8>, bool) {
        let json = serde_json::to_string(recipe).expect("a recipe serialises");
        let software = format!("Pixbench {}", env!("CARGO_PKG_VERSION"));
        let e = container::Embed { recipe_json: &json, description: &recipe.prompt, software: &software };
        match container::embed(&bytes, &e) {
            Ok(out) => (out, true),
            Err(why) => {
                tracing::warn!(run = %recipe.run_id, "exported without a recipe: {why}");
                (bytes, false)
            }
        }
    }

    /// One output's file as it leaves the app: the stored bytes with the recipe in them.
    pub fn output_file(&self, run_id: &str, target_idx: u32, output_idx: u32) -> CoreResult<Vec<u8>> {
        let recipe = self.of_output(run_id, target_idx, output_idx)?;
        let run = self.runs.get(run_id)?;
        let sha = run
            .targets
            .iter()
            .find(|t| t.idx == target_idx)
            .and_then(|t| t.outputs.iter().find(|o| o.idx == output_idx))
            .map(|o| o.sha256.clone())
            .ok_or_else(|| CoreError::Ui(ui(ErrorKind::NotFound, "That image is not part of the run.")))?;
        let bytes = self.blobs.get(&sha).map_err(|e| CoreError::Ui(ui(ErrorKind::Missing, e.to_string())))?;
        Ok(self.with_recipe(&recipe, bytes).0)
    }

    /// Saves one output, with its recipe, into `dir` (default: the data dir's `exports/`)
    /// under the name `export_images` gives it; answers the file written.
    pub fn export_output(
        &self,
        run_id: &str,
        target_idx: u32,
        output_idx: u32,
        dir: Option<&std::path::Path>,
    ) -> CoreResult<std::path::PathBuf> {
        let bytes = self.output_file(run_id, target_idx, output_idx)?;
        let run = self.runs.get(run_id)?;
        let t = run.targets.iter().find(|t| t.idx == target_idx).expect("found by output_file");
        let o = t.outputs.iter().find(|o| o.idx == output_idx).expect("found by output_file");
        let dir = match dir {
            Some(d) => d.to_path_buf(),
            None => crate::files::exports_dir(&self.data_dir)?,
        };
        let ext = crate::references::sniff(&bytes).map(|f| if f == "jpeg" { "jpg" } else { f }).unwrap_or("png");
        let stem = format!(
            "{}_t{}_{}_{}x{}_{}",
            crate::files::slug(&run.prompt, 40),
            t.idx + 1,
            crate::files::slug(&t.model_id, 60),
            o.width,
            o.height,
            o.idx + 1
        );
        let path = crate::files::unused_name(&dir, &stem, ext);
        crate::blobs::write_atomic(&path, &bytes).map_err(|e| CoreError::Ui(ui(ErrorKind::Disk, e.to_string())))?;
        Ok(path)
    }

    /// Reads the recipe of an image file (untrusted bytes) and makes the composer's draft of
    /// it. A file without one is refused with [`NO_RECIPE`].
    pub fn read(&self, bytes: &[u8]) -> CoreResult<RecipeLoad> {
        let (c, text) = container::extract(bytes).map_err(|e| match e {
            ContainerError::NotAnImage => CoreError::Ui(ui(ErrorKind::NotAnImage, e.to_string())),
            other => CoreError::Ui(ui(ErrorKind::Invalid, other.to_string())),
        })?;
        let text = text.ok_or_else(no_recipe)?;
        let recipe = Recipe::parse(&text).map_err(|m| CoreError::Ui(ui(ErrorKind::Invalid, m)))?;
        let (request, notes, model_known) =
            recipe.to_request(&self.catalog.get(), |sha| self.references.get(sha).is_ok());
        let references = request.images.iter().filter_map(|s| self.references.get(s).ok()).collect();
        Ok(RecipeLoad { recipe, request, references, notes, model_known, container: c.name().into() })
    }

    /// [`Recipes::read`] of a file, read bounded.
    pub fn read_path(&self, path: &std::path::Path) -> CoreResult<RecipeLoad> {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "The file".into());
        let bytes = crate::files::read_bounded(path, crate::files::MAX_REFERENCE_FILE)
            .map_err(|why| CoreError::Ui(ui(ErrorKind::Unreadable, format!("{name} could not be read: {why}."))))?;
        self.read(&bytes)
    }
}

#[cfg(test)]
mod tests;
