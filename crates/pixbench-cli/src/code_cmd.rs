//! `pixbench code`: the request the flags describe, as code that sends it the way the app
//! would (curl, Python with the official `openai` SDK, or JavaScript with its npm package).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use pixbench_codegen::Lang;

use crate::{open_engine_with, request_from_flags, CliError, Global, RequestArgs, Res};

pub const CODE_AFTER_HELP: &str = "\
WHAT IT PRINTS
  One call per request the flags make (a sweep's every combination), each after a comment
  naming its target, built by the same rules the app sends by (model id and size in the
  profile's style, the model's fields, image part names). Nothing is sent.
  --lang curl    a POSIX sh script; needs only curl
  --lang python  Python 3 with the official SDK (pip install openai)
  --lang js      an ES module for Node 20+ with the official SDK (npm install openai);
                 JSDoc-typed, so `tsc --noEmit --allowJs --checkJs` checks it
  --async        the async endpoints: submit, then poll GET /v1/tasks/{id} until done
                 (default: as --sync/--async say, else async when the catalog advises it)
  Images are written to pixbench-N-M.png in the current folder (URLs are printed).

THE KEY AND THE SERVER
  The key is read from PIXAPI_KEY when the code runs; it is never written into the code.
  The server is PIXAPI_BASE_URL (without /v1) when set, else the profile's base URL (for
  --sandbox, http://127.0.0.1:8787: run `pixapi-sim --port 8787` beside it), so code made
  on the Sandbox never reaches a paid API by accident.

EXAMPLES
  pixbench code --lang python --model gpt-image-2 --prompt \"a red fox\" --quality high
  pixbench --profile work code --lang curl --async --prompt \"make it a poster\" \\
      --image a.png --image b.png --model gemini-3.1-flash-image-preview
  pixbench code --lang js --model gpt-image-2 --prompt \"a fox\" --sweep quality=low,high";

#[derive(Args)]
pub struct CodeArgs {
    /// A saved request file (docs/WORKSPACES.md) instead of the request flags; its `mode`
    /// decides sync or async unless --async is given.
    #[arg(
        value_name = "FILE",
        conflicts_with_all = ["model", "size", "sweep", "vars", "prompt", "aspect_ratio", "image", "quality", "field", "sync", "n"]
    )]
    file: Option<PathBuf>,
    /// With FILE: the workspace environment whose variables fill the prompt.
    #[arg(long, value_name = "NAME", requires = "file")]
    env: Option<String>,
    /// The language: curl, python or js.
    #[arg(long, value_name = "LANG", value_parser = ["curl", "python", "js"])]
    lang: String,
    #[command(flatten)]
    req: RequestArgs,
    /// The target: a catalog id or an alias (default: the profile's default model).
    #[arg(long, short, value_name = "MODEL")]
    model: Option<String>,
    /// Images to make.
    #[arg(long, short, default_value_t = 1)]
    n: u32,
    /// 512, 1K, 2K or 4K (picks the model's variant, which sends its documented size), or
    /// WIDTHxHEIGHT (sent as `size` as is).
    #[arg(long, value_name = "SIZE")]
    size: Option<String>,
    /// Sweep an axis (repeatable), as `pixbench run --sweep`: one call per combination.
    #[arg(long = "sweep", value_name = "AXIS=V1,V2")]
    sweep: Vec<String>,
    /// Values of a prompt variable (repeatable), as `pixbench run --var`.
    #[arg(long = "var", value_name = "NAME=V1,V2")]
    vars: Vec<String>,
}

pub async fn code_cmd(g: &Global, a: CodeArgs) -> Res<ExitCode> {
    if a.req.save.is_some() {
        return Err(CliError::Config("--save copies a run's images; code sends nothing: leave it out.".into()));
    }
    let lang =
        Lang::parse(&a.lang).ok_or_else(|| CliError::Config(format!("--lang {}: use curl, python or js.", a.lang)))?;
    // Nothing is sent: no key is needed (the code reads PIXAPI_KEY when it runs).
    // A file's environment says where its requests go, unless the command does.
    let g = &match (&a.file, &a.env) {
        (Some(file), Some(env)) => crate::file_cmd::with_environment_destination(g, file, env)?,
        _ => g.clone(),
    };
    let (engine, profile) = open_engine_with(g, 1, false, false).await?;
    let (mut request, paths, catalog) = match &a.file {
        Some(file) => {
            let (request, paths, catalog) = crate::file_cmd::request_of_file(&engine, file, a.env.as_deref()).await?;
            (request, paths, std::sync::Arc::new(catalog))
        }
        None => {
            let (request, catalog) = request_from_flags(
                g,
                &engine,
                &profile,
                &a.req,
                a.model.as_deref(),
                a.size.as_deref(),
                a.n,
                &a.sweep,
                &a.vars,
            )
            .await?;
            (request, a.req.image.clone(), catalog)
        }
    };
    if a.file.is_some() && !paths.is_empty() {
        // Checked and stored as `run` would (format, size): the code is for a request that
        // the app would accept.
        request.images = engine.references.add_paths(&paths)?.into_iter().map(|r| r.sha256).collect();
    }
    if a.file.is_some() && a.req.use_async {
        request.mode = pixbench_core::api::SyncMode::Async;
    }
    let row = engine.store().profile(&profile.id).map_err(pixbench_core::CoreError::from)?;
    if profile.is_sandbox && !g.quiet {
        eprintln!(
            "pixbench: made on the Sandbox, the code falls back to {}: run `pixapi-sim --port 8787` there, or set PIXAPI_BASE_URL.",
            pixbench_core::code_calls::SANDBOX_CODE_URL
        );
    }
    print!("{}", pixbench_core::code_calls::code(&request, &catalog, &row, &paths, lang, false)?);
    Ok(ExitCode::SUCCESS)
}
