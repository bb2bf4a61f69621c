//! The `pxb://` URI scheme: serves stored images to the webview from files on disk
//! (`/image/<sha256>` full size, `/thumb/<sha256>` a thumbnail made once), so image
//! bytes never travel through IPC.

use tauri::http::{header, Request, Response, StatusCode};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};

use crate::AppState;

pub fn serve<R: Runtime>(ctx: UriSchemeContext<'_, R>, request: Request<Vec<u8>>, responder: UriSchemeResponder) {
    let Some(state) = ctx.app_handle().try_state::<AppState>() else {
        responder.respond(plain(StatusCode::SERVICE_UNAVAILABLE, "starting"));
        return;
    };
    let blobs = state.engine.blobs().clone();
    let path = request.uri().path().to_string();
    tauri::async_runtime::spawn_blocking(move || {
        let mut parts = path.trim_start_matches('/').splitn(2, '/');
        let (kind, sha) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let result = match kind {
            "image" => blobs.get(sha).map(|b| {
                let mime = pixbench_core::references::sniff(&b)
                    .map(|f| format!("image/{f}"))
                    .unwrap_or("application/octet-stream".into());
                (b, mime)
            }),
            "thumb" => blobs.thumb(sha).map(|b| (b, "image/jpeg".to_string())),
            _ => {
                responder.respond(plain(StatusCode::NOT_FOUND, "unknown path"));
                return;
            }
        };
        responder.respond(match result {
            Ok((bytes, mime)) => Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, mime)
                // Content-addressed: the bytes behind a URL never change.
                .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
                .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
                .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
                .body(bytes)
                .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "response")),
            Err(e) => plain(StatusCode::NOT_FOUND, &e.to_string()),
        });
    });
}

fn plain(status: StatusCode, msg: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(msg.as_bytes().to_vec())
        .unwrap_or_default()
}
