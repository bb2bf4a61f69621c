//! A curl command in a request file's words: what the command asks that a file can hold,
//! and a sentence for everything else (its server, image URLs, unusable flags). Shared by
//! `pixbench import curl` and the app's "paste curl". Reference image files are the
//! caller's: the CLI copies them into the workspace; the app does not read files a pasted
//! command names.

use pixbench_codegen::{CurlRequest, Endpoint};
use pixbench_core::api::{ResponseFormatChoice, SyncMode};

use crate::request_file::{FileTarget, RequestFile};

/// The request file a curl command describes (without its images), and the warnings.
pub fn request_file_of(curl: &CurlRequest) -> (RequestFile, Vec<String>) {
    let mut warnings = curl.warnings.clone();

    let mut file = RequestFile { prompt: Some(curl.prompt.clone()), ..Default::default() };
    match &curl.model {
        Some(model) => {
            // Nano Banana 2 Lite's size is a ratio: it is the request's aspect ratio.
            let (size, ratio) = match &curl.size {
                Some(s) if s.contains(':') => (None, Some(s.clone())),
                other => (other.clone(), None),
            };
            file.aspect_ratio = ratio;
            file.targets = Some(vec![FileTarget { model: model.clone(), n: curl.n.filter(|n| *n != 1), size }]);
        }
        None => warnings
            .push("the command names no model: add `targets = [\"MODEL\"]` to the file before running it".to_string()),
    }
    file.mode = curl.is_async.then_some(SyncMode::Async);
    file.response_format = match curl.response_format.as_deref() {
        Some("url") => Some(ResponseFormatChoice::Url),
        Some("b64_json") | None => None,
        Some(other) => {
            warnings.push(format!("response_format “{other}” is not b64_json or url: left out"));
            None
        }
    };
    if !curl.fields.is_empty() {
        file.fields = Some(curl.fields.clone());
    }
    for url in &curl.image_urls {
        let shown: String = url.chars().take(60).collect();
        warnings.push(format!(
            "the reference image {shown}… is a URL: a request file names image files; save it and list it under `images`"
        ));
    }
    if curl.endpoint == Endpoint::Edit && curl.images.is_empty() && curl.image_urls.is_empty() {
        warnings.push("the command is an edit without an image: the file is a generation".to_string());
    }
    if let Some(base) = &curl.base_url {
        warnings.push(format!(
            "the server {base} is not part of a request file: run it with --base-url {base} or a profile or environment that points there"
        ));
    }

    (file, warnings)
}

/// A pasted curl command as a request for the composer, and what it said that the request
/// cannot hold. The image files it names are not read: text pasted into the app is not
/// a grant to read the disk (the person adds them as references instead).
pub fn request_of_pasted(
    text: &str,
    catalog: &pixbench_core::catalog::Catalog,
) -> Result<(pixbench_core::api::Request, Vec<String>), String> {
    let curl = pixbench_codegen::parse_curl(text).map_err(|e| e.to_string())?;
    let (file, mut warnings) = request_file_of(&curl);
    if !curl.images.is_empty() {
        let names: Vec<String> = curl.images.iter().map(|p| p.display().to_string()).collect();
        warnings.push(format!(
            "the image files it names ({}) are not read from a pasted command: add them with Add images",
            names.join(", ")
        ));
    }
    let here = std::path::Path::new("the pasted command");
    let resolved = file.draft(here, std::path::Path::new("."), catalog).map_err(|e| e.reason)?;
    Ok((resolved.request, warnings))
}
