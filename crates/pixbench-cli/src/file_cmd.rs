//! `pixbench run FILE|DIR`: saved requests of a workspace, run as the app runs them. Every
//! file is read and resolved before anything is sent, so a typo in the tenth file costs
//! nothing; then each runs in turn and one report covers them all.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use pixbench_core::api::{Request, SyncMode};
use pixbench_core::bench;
use pixbench_workspace::environment::env_only;
use pixbench_workspace::request_file::FileTarget;
use pixbench_workspace::{Environment, FileError, RequestFile, Workspace};

use crate::{field_options, finish, open_engine, output, send_and_wait, sweep_cmd, CliError, Global, Res, RunArgs};

pub(crate) fn config(e: FileError) -> CliError {
    CliError::Config(output::clean(&e.to_string()))
}

/// The workspace a path is in: the nearest folder at or above it with a `pixbench.toml`,
/// never above a git checkout's root (a checkout is a workspace whether or not it has
/// one), else the folder itself (a request file alone is a workspace of one).
fn root_of(path: &Path) -> PathBuf {
    let start = if path.is_dir() { path.to_path_buf() } else { path.parent().unwrap_or(Path::new(".")).to_path_buf() };
    let start = std::fs::canonicalize(&start).unwrap_or(start);
    let mut dir = Some(start.as_path());
    while let Some(d) = dir {
        if d.join("pixbench.toml").is_file() || d.join(".git").exists() {
            return d.to_path_buf();
        }
        dir = d.parent();
    }
    start
}

/// The request files `path` names, relative to the workspace.
fn requests_at(ws: &Workspace, path: &Path) -> Res<Vec<String>> {
    let real = std::fs::canonicalize(path)
        .map_err(|_| CliError::Config(format!("{} is missing or unreadable.", path.display())))?;
    let rel = real.strip_prefix(&ws.root).unwrap_or(Path::new("")).to_string_lossy().replace('\\', "/");
    if real.is_file() {
        return Ok(vec![rel]);
    }
    let listing = ws.list();
    let under: Vec<String> = listing
        .entries
        .into_iter()
        .filter(|e| !e.folder && (rel.is_empty() || e.path.starts_with(&format!("{rel}/"))))
        .map(|e| e.path)
        .collect();
    if under.is_empty() {
        return Err(CliError::Config(format!(
            "{} has no request file (*.toml, other than pixbench.toml, defaults.toml and environments/).",
            path.display()
        )));
    }
    Ok(under)
}

/// The flags given beside a file override its values.
fn override_with(mut f: RequestFile, a: &RunArgs) -> Res<RequestFile> {
    if !a.req.prompt.trim().is_empty() {
        f.prompt = Some(a.req.prompt.clone());
    }
    if let Some(model) = &a.model {
        f.targets = Some(vec![FileTarget { model: model.clone(), n: a.n, size: a.size.clone() }]);
    } else {
        if let Some(size) = &a.size {
            f.size = Some(size.clone());
            f.aspect_ratio = None;
            for t in f.targets.iter_mut().flatten() {
                t.size = None;
            }
        }
        if let Some(n) = a.n {
            f.n = Some(n);
            for t in f.targets.iter_mut().flatten() {
                t.n = None;
            }
        }
    }
    if let Some(ar) = &a.req.aspect_ratio {
        f.aspect_ratio = Some(ar.clone());
        f.size = None;
    }
    if a.req.use_async {
        f.mode = Some(SyncMode::Async);
    } else if a.req.sync {
        f.mode = Some(SyncMode::Sync);
    }
    if a.req.response_format == "url" {
        f.response_format = Some(pixbench_core::api::ResponseFormatChoice::Url);
    }
    // --var and --sweep replace the file's values of that name, or add one.
    for v in &a.vars {
        let (name, values) = sweep_cmd::name_values("--var", v)?;
        let name = name.trim_matches(|c| c == '{' || c == '}').to_string();
        f.vars.retain(|x| x.name != name);
        f.vars.push(pixbench_core::api::SweepVariable { name, values });
    }
    for s in &a.sweep {
        let (axis, values) = sweep_cmd::name_values("--sweep", s)?;
        f.sweep.retain(|x| x.axis != axis);
        f.sweep.push(pixbench_core::api::SweepAxis { axis, values });
    }
    if let Some(extra) = field_options(&a.req)? {
        let mut fields = f.fields.take().unwrap_or_default();
        fields.extend(extra);
        f.fields = Some(fields);
    }
    Ok(f)
}

/// One request file (with its folders' defaults and the environment's values) as the
/// app's request, and its reference images' paths: for `pixbench code FILE`.
pub(crate) async fn request_of_file(
    engine: &pixbench_core::Engine,
    path: &Path,
    env: Option<&str>,
) -> Res<(Request, Vec<PathBuf>, pixbench_core::catalog::Catalog)> {
    let ws = Workspace::open(&root_of(path)).map_err(config)?;
    let rels = requests_at(&ws, path)?;
    let [rel] = rels.as_slice() else {
        return Err(CliError::Config(format!("{} is a folder: name one request file.", path.display())));
    };
    let env = match env {
        Some(name) => Some(Environment::open(&ws.root, name, &env_only).map_err(config)?),
        None => None,
    };
    let file = ws.load(rel).map_err(config)?;
    let full = ws.path_of(rel).map_err(config)?;
    let (resolved, catalog) = resolve(engine, &ws, &file, &full, env.as_ref()).await?;
    Ok((resolved.request, resolved.image_paths, catalog))
}

/// `g` with the environment's profile or base URL when the command names no destination.
pub(crate) fn with_environment_destination(g: &Global, path: &Path, env: &str) -> Res<Global> {
    let ws = Workspace::open(&root_of(path)).map_err(config)?;
    let e = Environment::open(&ws.root, env, &env_only).map_err(config)?;
    Ok(destination(g, Some(&e)))
}

/// `g`, pointed where the environment says when the command names no destination.
fn destination(g: &Global, env: Option<&Environment>) -> Global {
    let mut g = g.clone();
    if let Some(e) = env {
        if !g.sandbox && g.profile.is_none() && g.base_url.is_none() {
            g.base_url = e.base_url.clone();
            g.profile = e.profile.clone();
        }
    }
    g
}

/// A file resolved against the catalog in force; a target the catalog does not know has
/// the server's list read once (a model only the server lists), then is tried again.
async fn resolve(
    engine: &pixbench_core::Engine,
    ws: &Workspace,
    file: &RequestFile,
    full: &Path,
    env: Option<&Environment>,
) -> Res<(pixbench_workspace::Resolved, pixbench_core::catalog::Catalog)> {
    let catalog = engine.catalog.current();
    match file.resolve(full, &ws.root, env, &catalog) {
        Ok(r) => Ok((r, catalog)),
        Err(e) if e.field.starts_with("targets[") => {
            let _ = engine.server_models.refresh().await;
            let catalog = engine.catalog.current();
            let r = file.resolve(full, &ws.root, env, &catalog).map_err(config)?;
            Ok((r, catalog))
        }
        Err(e) => Err(config(e)),
    }
}

/// One run of a request file: the file as a row leaves it, the environment it runs in,
/// and the row (its data file's name and line).
type OneRun = (RequestFile, Option<Environment>, Option<(String, usize)>);

/// A request file read, resolved and checked, ready to send.
pub(crate) struct LoadedRequest {
    /// The file, relative to the workspace.
    pub rel: String,
    pub file: RequestFile,
    /// Its path on disk (for errors about it).
    pub full: PathBuf,
    /// The data row this request runs (its line in the data file), if the file has data.
    pub row: Option<(String, usize)>,
    pub request: Request,
}

/// Every request file under `path`, read, resolved (with the environment, and once per row
/// of its data file) and checked as Run checks it before anything is sent, so a typo in
/// the tenth file costs nothing; the requests together are held to the request limit. And
/// the engine, pointed where the environment says unless the command says otherwise.
pub(crate) async fn load_requests(
    g: &Global,
    path: &Path,
    env: Option<&str>,
    adjust: &dyn Fn(RequestFile) -> Res<RequestFile>,
    extra_images: &[PathBuf],
    data: Option<&Path>,
) -> Res<(Global, pixbench_core::Engine, Vec<LoadedRequest>)> {
    let ws = Workspace::open(&root_of(path)).map_err(config)?;
    let rels = requests_at(&ws, path)?;
    let env = match env {
        Some(name) => Some(Environment::open(&ws.root, name, &env_only).map_err(config)?),
        None => None,
    };
    // The environment says where requests go, unless the command does.
    let g = destination(g, env.as_ref());
    let (engine, _profile) = open_engine(&g, 4).await?;
    let mut out = Vec::new();
    let (mut count, mut limit) = (0u64, 0u64);
    for rel in &rels {
        let file = adjust(ws.load(rel).map_err(config)?)?;
        let full = ws.path_of(rel).map_err(config)?;
        // The data file: the command's, or the request's own (inside the workspace).
        let data_path = match (data, &file.data) {
            (Some(d), _) => Some(d.to_path_buf()),
            (None, Some(d)) => {
                let (at, line) = file.place_of("data", &full);
                let wanted = full.parent().unwrap_or(&ws.root).join(d);
                Some(
                    pixbench_workspace::request_file::inside(&ws.root, &wanted)
                        .map_err(|r| config(FileError::new(at, line, "data", r)))?,
                )
            }
            (None, None) => None,
        };
        let runs: Vec<OneRun> = match &data_path {
            None => vec![(file.clone(), env.clone(), None)],
            Some(dp) => {
                let rows = pixbench_workspace::data::read(dp).map_err(config)?;
                let name = dp.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                rows.rows
                    .iter()
                    .map(|row| {
                        let mut f = file.clone();
                        f.data = None;
                        if let Some(p) = row.prompt() {
                            f.prompt = Some(p.to_string());
                        }
                        if let Some(images) = row.images() {
                            f.images = Some(images);
                        }
                        (f, Some(row.environment(dp, env.as_ref())), Some((name.clone(), row.line)))
                    })
                    .collect()
            }
        };
        for (file, env, row) in runs {
            let (resolved, _) = resolve(&engine, &ws, &file, &full, env.as_ref()).await?;
            let mut request = resolved.request;
            let mut paths = resolved.image_paths;
            paths.extend(extra_images.iter().cloned());
            if !paths.is_empty() {
                request.images = engine.references.add_paths(&paths)?.into_iter().map(|r| r.sha256).collect();
            }
            let at = match &row {
                Some((name, line)) => format!("{rel} ({name}, line {line})"),
                None => rel.clone(),
            };
            let est = engine.runs.estimate(&request)?;
            if !est.problems.is_empty() {
                return Err(CliError::Config(format!(
                    "{at}: the request cannot be sent: {}",
                    output::clean(&est.problems.join(" "))
                )));
            }
            count += u64::from(est.count);
            limit = u64::from(est.limit);
            if !g.quiet && !resolved.from_env.is_empty() {
                let values: Vec<String> = resolved.from_env.iter().map(|(k, v)| format!("{k}={v}")).collect();
                eprintln!(
                    "pixbench: {at}: environment {}: {}",
                    resolved.environment.as_deref().unwrap_or(""),
                    output::clean(&values.join(", "))
                );
            }
            out.push(LoadedRequest { rel: rel.clone(), file, full: full.clone(), row, request });
        }
    }
    // One limit for everything the command sends (rows and files together).
    if limit > 0 && count > limit {
        return Err(CliError::Config(format!(
            "These requests make {count} requests together, over the limit of {limit}. Nothing was sent. Raise it for this command with --max-requests {count}, or run fewer rows or files."
        )));
    }
    Ok((g, engine, out))
}

pub(crate) async fn run_files(g: &Global, a: &RunArgs, path: &Path) -> Res<ExitCode> {
    let adjust = |f: RequestFile| override_with(f, a);
    let (g, engine, requests) = load_requests(g, path, a.env.as_deref(), &adjust, &a.req.image, None).await?;
    let started_at = pixbench_core::store::now_rfc3339();
    let t0 = Instant::now();
    let mut runs = Vec::new();
    for r in requests {
        if !g.quiet {
            eprintln!("pixbench: {}", r.rel);
        }
        runs.push(send_and_wait(&g, &engine, r.request).await?);
    }
    if let Some(dir) = a.req.save.as_deref() {
        for run in &runs {
            engine.exports.images(&run.id, dir)?;
        }
    }
    let report = bench::report_of_runs(&engine.benchmarks, &runs, t0.elapsed().as_secs_f64() * 1000.0, started_at);
    finish(&g, &engine, &report, None)
}
