//! The user's settings, kept in the store.

use crate::api::Settings;
use crate::engine::Engine;
use crate::error::{ui, CoreError, CoreResult};

const SESSION_MODES: &[&str] = &["new_each_start", "continue_today"];

impl Engine {
    pub fn settings_get(&self) -> CoreResult<Settings> {
        Ok(Settings { session_mode: self.store().setting("session_mode")?.unwrap_or_else(|| "new_each_start".into()) })
    }

    pub fn settings_set(&self, s: Settings) -> CoreResult<Settings> {
        if !SESSION_MODES.contains(&s.session_mode.as_str()) {
            return Err(CoreError::Ui(ui(
                "invalid",
                format!("Unknown session mode “{}”: use new_each_start or continue_today.", s.session_mode),
            )));
        }
        self.store().set_setting("session_mode", &s.session_mode)?;
        self.settings_get()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::secrets::MemoryStore;
    use crate::{Engine, EngineConfig};

    #[tokio::test]
    async fn continue_today_keeps_the_session_across_starts() {
        let dir = tempfile::tempdir().unwrap();
        let open = || Engine::open(EngineConfig::new(dir.path(), Arc::new(MemoryStore::default())));
        let e = open().await.unwrap();
        let first = e.session_id();
        let mut s = e.settings_get().unwrap();
        assert_eq!(s.session_mode, "new_each_start");
        s.session_mode = "continue_today".into();
        e.settings_set(s).unwrap();
        drop(e);
        let e = open().await.unwrap();
        assert_eq!(e.session_id(), first);
        let bad = e.settings_set(crate::api::Settings { session_mode: "weekly".into() });
        assert!(bad.is_err());
    }
}
