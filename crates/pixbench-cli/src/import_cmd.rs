//! `pixbench import curl`: a curl command (Pixapi's documentation examples, `Copy as curl`,
//! a colleague's) becomes a request file. What the command says that a request file
//! cannot hold is named on stderr, never dropped silently; the file is still written.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use pixbench_codegen::{parse_curl, MAX_INPUT_BYTES};
use pixbench_workspace::write::render;

use crate::{output, CliError, Global, Res};

/// The largest reference image copied into a workspace.
const MAX_REFERENCE_BYTES: u64 = 50 * 1024 * 1024;

#[derive(Args)]
pub(crate) struct ImportArgs {
    #[command(subcommand)]
    what: ImportWhat,
}

#[derive(Subcommand)]
enum ImportWhat {
    /// A curl command as a request file: the command as one argument, or on stdin.
    Curl(CurlArgs),
}

#[derive(Args)]
struct CurlArgs {
    /// The curl command (with `\` line continuations as copied); read from stdin when absent.
    #[arg(value_name = "COMMAND")]
    command: Option<String>,
}

pub(crate) fn import_cmd(g: &Global, a: ImportArgs) -> Res<ExitCode> {
    let ImportWhat::Curl(a) = a.what;
    // Here --out (global) names the request file to write, as it names a report elsewhere;
    // reference images outside its folder are copied into `refs/` beside it. Without it the
    // file goes to stdout.
    let out: Option<PathBuf> = match g.out.as_slice() {
        [] => None,
        [one] if one.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml")) => Some(one.clone()),
        [one] => return Err(CliError::Config(format!("--out {}: a request file ends in .toml.", one.display()))),
        _ => return Err(CliError::Config("import writes one request file: give --out once.".into())),
    };
    let text = match a.command {
        Some(c) => c,
        None => {
            let mut buf = String::new();
            std::io::stdin()
                .take(MAX_INPUT_BYTES as u64 + 1)
                .read_to_string(&mut buf)
                .map_err(|e| CliError::Config(format!("Could not read the command from stdin: {e}.")))?;
            buf
        }
    };
    let curl = parse_curl(&text).map_err(|e| CliError::Config(output::clean(&e.to_string())))?;
    let (mut file, mut warnings) = pixbench_workspace::curl::request_file_of(&curl);

    let images = reference_paths(&curl.images, out.as_deref(), &mut warnings)?;
    if !images.is_empty() {
        file.images = Some(images);
    }

    for w in &warnings {
        eprintln!("pixbench: import: {}", output::clean(w));
    }
    let text = render(None, &file).map_err(|e| CliError::Config(e.to_string()))?;
    match &out {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| CliError::Config(format!("Could not create {}: {e}.", dir.display())))?;
            }
            std::fs::write(path, text)
                .map_err(|e| CliError::Config(format!("Could not write {}: {e}.", path.display())))?;
            if !g.quiet {
                eprintln!("pixbench: wrote {}", path.display());
            }
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// The images' paths as the request file names them: relative to its folder, copied into
/// `refs/` beside it when they are elsewhere (a request names only files in its workspace).
fn reference_paths(images: &[PathBuf], out: Option<&Path>, warnings: &mut Vec<String>) -> Res<Vec<String>> {
    let Some(out) = out else {
        if !images.is_empty() {
            warnings.push(
                "the images are named as the command names them: with --out they are copied beside the file"
                    .to_string(),
            );
        }
        return Ok(images.iter().map(|p| p.to_string_lossy().replace('\\', "/")).collect());
    };
    let dir = out.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| CliError::Config(format!("Could not create {}: {e}.", dir.display())))?;
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut out_paths = Vec::new();
    for image in images {
        let real = std::fs::canonicalize(image).map_err(|_| {
            CliError::Config(format!("The image {} (from -F image=@...) is missing or unreadable.", image.display()))
        })?;
        if !real.is_file() {
            return Err(CliError::Config(format!("The image {} is not a file.", image.display())));
        }
        if let Ok(rel) = real.strip_prefix(&dir) {
            out_paths.push(rel.to_string_lossy().replace('\\', "/"));
            continue;
        }
        // Only an image is copied into a folder a team commits: a pasted
        // `-F image=@~/.aws/credentials` is refused, not published.
        let bytes = pixbench_core::files::read_bounded(&real, MAX_REFERENCE_BYTES)
            .map_err(|e| CliError::Config(format!("The image {}: {e}.", image.display())))?;
        if pixbench_core::references::sniff(&bytes).is_none() {
            return Err(CliError::Config(format!(
                "{} is not a PNG, JPEG, WebP or GIF image: a request file's references are images.",
                image.display()
            )));
        }
        let name = real.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "image".into());
        let kept = pixbench_workspace::files::keep_reference(&dir, &name, &bytes)
            .map_err(|e| CliError::Config(format!("The image {}: {e}.", image.display())))?;
        out_paths.push(kept);
    }
    Ok(out_paths)
}
