//! The models a profile's server lists (`GET /v1/models`): read when the user asks (the app
//! asks when a profile connects), kept in the store per profile, and shown in the catalog in
//! force. A model the catalog does not know becomes an unpriced entry "listed by the
//! server": usable, its cost unknown (see `catalog::listed_entry`).

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::api::*;
use crate::error::CoreResult;
use crate::infra::{CatalogHandle, Clock};
use crate::profiles::Profiles;
use crate::store::Store;

/// The most models kept of one answer: a gateway listing thousands is cut, not stored whole.
pub const MAX_MODELS: usize = 1000;
/// The longest model id kept; longer ones (and ids with control characters) are skipped.
pub const MAX_ID_CHARS: usize = 200;

/// The server-listed models service.
pub struct ServerModelsService {
    store: Arc<Store>,
    profiles: Arc<Profiles>,
    catalog: CatalogHandle,
    clock: Arc<dyn Clock>,
}

impl ServerModelsService {
    pub fn new(
        store: Arc<Store>,
        profiles: Arc<Profiles>,
        catalog: CatalogHandle,
        clock: Arc<dyn Clock>,
    ) -> ServerModelsService {
        ServerModelsService { store, profiles, catalog, clock }
    }

    /// The current profile's models as last read (none read yet: an empty list).
    pub fn get(&self) -> CoreResult<ServerModels> {
        let id = self.profiles.current_id();
        let cached = self.store.server_models(&id)?;
        Ok(self.with_entries(cached.unwrap_or(ServerModels {
            profile_id: id,
            fetched_at: None,
            models: vec![],
            problem: None,
        })))
    }

    /// Reads the current profile's server's models now. A failure keeps the list read before
    /// and says why in `problem`; it is not an error (the app asks in the background).
    pub async fn refresh(&self) -> CoreResult<ServerModels> {
        let id = self.profiles.current_id();
        let before = self.store.server_models(&id)?;
        let (client, _) = self.profiles.client_for(&id)?;
        let answer = client.list_models(&CancellationToken::new()).await;
        let read = match answer {
            Ok(models) => ServerModels {
                profile_id: id.clone(),
                fetched_at: Some(self.clock.now_rfc3339()),
                models: kept(models),
                problem: None,
            },
            Err(e) => ServerModels {
                problem: Some(format!("The server's list of models could not be read: {}", e.user_message())),
                ..before.unwrap_or(ServerModels {
                    profile_id: id.clone(),
                    fetched_at: None,
                    models: vec![],
                    problem: None,
                })
            },
        };
        self.store.set_server_models(&read)?;
        // The user may have switched profiles while the list was read.
        if self.profiles.current_id() == id {
            self.profiles.show_listed(&id);
        }
        Ok(self.with_entries(read))
    }

    /// The list with each model's catalog entries (none: listed by the server only).
    fn with_entries(&self, mut m: ServerModels) -> ServerModels {
        // The current profile's gateway's entries (the same model id elsewhere is another
        // gateway's), not the entries made for listed models.
        let base = self.catalog.current();
        for model in &mut m.models {
            model.entry_ids = base
                .entries
                .iter()
                .filter(|e| !e.listed_by_server)
                .filter(|e| e.id == model.id || e.model == model.id || e.alias.as_deref() == Some(model.id.as_str()))
                .map(|e| e.id.clone())
                .collect();
        }
        m
    }
}

/// What of an answer is kept: at most [`MAX_MODELS`] ids, each printable and at most
/// [`MAX_ID_CHARS`] long, without repeats, in the server's order.
fn kept(models: Vec<pixapi::ModelInfo>) -> Vec<ListedModel> {
    let mut out: Vec<ListedModel> = Vec::new();
    for m in models {
        if out.len() >= MAX_MODELS {
            break;
        }
        let printable =
            |s: &str| !s.trim().is_empty() && s.chars().count() <= MAX_ID_CHARS && !s.chars().any(char::is_control);
        if !printable(&m.id) || out.iter().any(|o| o.id == m.id) {
            continue;
        }
        out.push(ListedModel { id: m.id, owned_by: m.owned_by.filter(|o| printable(o)), entry_ids: vec![] });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: &str) -> pixapi::ModelInfo {
        pixapi::ModelInfo {
            id: id.into(),
            owned_by: Some("x\u{7}".into()),
            created: None,
            raw: serde_json::Value::Null,
        }
    }

    #[test]
    fn an_answer_is_bounded_and_cleaned() {
        let mut many: Vec<pixapi::ModelInfo> = (0..MAX_MODELS + 50).map(|i| info(&format!("m{i}"))).collect();
        many.insert(0, info("bad\nid"));
        many.insert(1, info(&"x".repeat(MAX_ID_CHARS + 1)));
        many.insert(2, info("m0"));
        let k = kept(many);
        assert_eq!(k.len(), MAX_MODELS);
        assert_eq!(k[0].id, "m0", "the bad ids are skipped, the repeat too");
        assert_eq!(k[1].id, "m1");
        assert_eq!(k[0].owned_by, None, "a control character is not shown");
    }
}
