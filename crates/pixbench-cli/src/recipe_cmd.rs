//! `pixbench recipe FILE` (what an exported image was made with) and `pixbench run --recipe
//! FILE` (make it again). The recipe is read by the core (`pixbench_core::recipe`), bounded.

use pixbench_core::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use pixbench_core::recipe::RecipeLoad;

use super::*;

pub const RECIPE_AFTER_HELP: &str = "\
WHAT A RECIPE IS
  Images exported by Pixbench (the app's \"Save all images\", `pixbench run --save DIR`)
  carry what they were made with: prompt, model, size, model-specific fields, reference
  image hashes, the run, output and credits. PNG: an iTXt chunk `pixbench:recipe` (JSON);
  JPEG: an APP1 XMP packet; WebP: an `XMP ` chunk (both with the property pixbench:recipe).

EXAMPLES
  pixbench recipe fox.png
  pixbench recipe fox.png --json
  pixbench --sandbox run --recipe fox.png        # make it again (on the Sandbox)";

#[derive(Args)]
pub struct RecipeArgs {
    /// An image exported by Pixbench (PNG, JPEG or WebP).
    pub file: PathBuf,
}

/// The recipe of a file, or a sentence saying why there is none.
async fn load(engine: &Engine, file: &Path) -> Res<RecipeLoad> {
    engine.recipes.read_path(file).map_err(|e| {
        let u: UiError = e.into();
        if u.kind == ErrorKind::NoRecipe {
            CliError::Config(format!(
                "{} has no Pixbench recipe (only images exported by Pixbench carry one).",
                file.display()
            ))
        } else {
            CliError::Config(format!("{}: {}", file.display(), u.message))
        }
    })
}

pub async fn recipe_cmd(g: &Global, a: RecipeArgs) -> Res<ExitCode> {
    let (engine, _) = open_engine_plain(g).await?;
    let loaded = load(&engine, &a.file).await?;
    if g.json {
        println!("{}", serde_json::to_string_pretty(&loaded).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    let lines = loaded.recipe.describe();
    let width = lines.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
    // Every value came from the file: a prompt may carry terminal escapes or a second line
    // pretending to be a field.
    println!("{} ({} recipe, version {})", a.file.display(), loaded.container, loaded.recipe.version);
    for (k, v) in &lines {
        // A value of several lines is indented under its own, never read as another field.
        let v = output::clean(v).replace('\n', &format!("\n  {:width$}  ", ""));
        println!("  {k:<width$}  {v}");
    }
    for n in &loaded.notes {
        println!("  note: {}", output::clean(n));
    }
    Ok(ExitCode::SUCCESS)
}

/// `run --recipe FILE`: the recipe's request, with `--prompt`, `--quality` and `--field`
/// laid over it, and the run flags (`--async`, `--response-format`, `--save`) as given.
pub async fn run_recipe(g: &Global, a: &RunArgs, file: &Path) -> Res<ExitCode> {
    let (engine, _) = open_engine(g, 1).await?;
    let loaded = load(&engine, file).await?;
    if !g.quiet {
        for n in &loaded.notes {
            eprintln!("pixbench: recipe: {}", output::clean(n));
        }
    }
    if !loaded.model_known {
        return Err(CliError::Config(format!(
            "The recipe's model “{}” is not in this catalog; nothing was sent. Run it with `pixbench run --prompt ... --model MODEL`.",
            loaded.recipe.model_id
        )));
    }
    let mut options = loaded.request.fields.clone().unwrap_or_default();
    options.extend(field_options(&a.req)?.unwrap_or_default());
    let mut req = a.req.clone();
    if req.prompt.trim().is_empty() {
        req.prompt = loaded.request.prompt.clone();
    }
    if req.aspect_ratio.is_none() {
        req.aspect_ratio = loaded.request.aspect_ratio.clone();
    }
    let mut request =
        request_of(&engine, &req, loaded.request.targets.clone(), (!options.is_empty()).then_some(options))?;
    // The recipe's references (those in this history) make it an edit again.
    request.images = loaded.request.images.clone();
    run_request(g, &engine, request, a.req.save.as_deref()).await
}
