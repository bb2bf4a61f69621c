//! Outputs served by URL: `GET /files/{token}.{png|jpeg|webp}`, expiring after `url_ttl`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::ids;
use crate::imagegen::Encoding;

struct File {
    bytes: Bytes,
    encoding: Encoding,
    expires: Instant,
}

#[derive(Default)]
pub struct FileStore {
    inner: Mutex<HashMap<String, File>>,
}

impl FileStore {
    /// Stores an output for `ttl`; returns its token.
    pub fn put(&self, bytes: Bytes, encoding: Encoding, ttl: Duration) -> String {
        let token = ids::file_token();
        let now = Instant::now();
        let mut g = self.inner.lock().expect("files lock");
        g.retain(|_, f| f.expires > now);
        g.insert(token.clone(), File { bytes, encoding, expires: now + ttl });
        token
    }

    /// Stores an output and answers its URL under `base`.
    pub fn url(&self, base: &str, bytes: Bytes, encoding: Encoding, ttl: Duration) -> String {
        let token = self.put(bytes, encoding, ttl);
        format!("{base}/files/{token}.{}", encoding.extension())
    }

    /// The bytes and content type of a file (`{token}.{ext}`, the extension its URL was
    /// given) that has not expired.
    pub fn get(&self, file: &str) -> Option<(Bytes, &'static str)> {
        let (token, ext) = file.rsplit_once('.')?;
        let mut g = self.inner.lock().expect("files lock");
        match g.get(token) {
            Some(f) if f.expires > Instant::now() => {
                (f.encoding.extension() == ext).then(|| (f.bytes.clone(), f.encoding.mime()))
            }
            Some(_) => {
                g.remove(token);
                None
            }
            None => None,
        }
    }
}
