//! The user's settings, kept in the store.

use crate::api::{SessionMode, Settings};
use crate::engine::Engine;
use crate::error::{ui, CoreError, CoreResult};
use crate::kind::ErrorKind;

/// How many requests a sweep may make unless the user says otherwise.
pub const DEFAULT_MAX_SWEEP_REQUESTS: u32 = 64;
/// The highest sweep limit a user may set: past it a typo would be an expensive mistake.
pub const MAX_SWEEP_REQUESTS_CEILING: u32 = 10_000;

impl Engine {
    pub fn settings_get(&self) -> CoreResult<Settings> {
        Ok(Settings {
            session_mode: self
                .store()
                .setting("session_mode")?
                .map(|m| SessionMode::from_stored(&m))
                .unwrap_or_default(),
            max_sweep_requests: Some(self.max_sweep_requests()?),
        })
    }

    /// The most requests one sweep may make.
    pub fn max_sweep_requests(&self) -> CoreResult<u32> {
        let stored = self.store().setting("max_sweep_requests")?;
        Ok(stored.and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_MAX_SWEEP_REQUESTS))
    }

    pub fn settings_set(&self, s: Settings) -> CoreResult<Settings> {
        if let Some(max) = s.max_sweep_requests {
            if !(1..=MAX_SWEEP_REQUESTS_CEILING).contains(&max) {
                return Err(CoreError::Ui(ui(
                    ErrorKind::Invalid,
                    format!("The sweep limit must be from 1 to {MAX_SWEEP_REQUESTS_CEILING} requests; {max} is not."),
                )));
            }
        }
        self.store().set_setting("session_mode", s.session_mode.as_str())?;
        if let Some(max) = s.max_sweep_requests {
            self.store().set_setting("max_sweep_requests", &max.to_string())?;
        }
        self.settings_get()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::api::SessionMode;
    use crate::secrets::MemoryStore;
    use crate::{Engine, EngineConfig};

    #[tokio::test]
    async fn continue_today_keeps_the_session_across_starts() {
        let dir = tempfile::tempdir().unwrap();
        let open = || Engine::open(EngineConfig::new(dir.path(), Arc::new(MemoryStore::default())));
        let e = open().await.unwrap();
        let first = e.session_id();
        let mut s = e.settings_get().unwrap();
        assert_eq!(s.session_mode, SessionMode::NewEachStart);
        assert_eq!(s.max_sweep_requests, Some(super::DEFAULT_MAX_SWEEP_REQUESTS));
        s.session_mode = SessionMode::ContinueToday;
        e.settings_set(s).unwrap();
        drop(e);
        let e = open().await.unwrap();
        assert_eq!(e.session_id(), first);
        // A stored name this build does not know reads as the default.
        assert_eq!(SessionMode::from_stored("weekly"), SessionMode::NewEachStart);
    }

    #[tokio::test]
    async fn the_sweep_limit_is_kept_and_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let e = Engine::open(EngineConfig::new(dir.path(), Arc::new(MemoryStore::default()))).await.unwrap();
        let mut s = e.settings_get().unwrap();
        s.max_sweep_requests = Some(8);
        assert_eq!(e.settings_set(s.clone()).unwrap().max_sweep_requests, Some(8));
        // Saving without the field keeps it.
        s.max_sweep_requests = None;
        assert_eq!(e.settings_set(s.clone()).unwrap().max_sweep_requests, Some(8));
        s.max_sweep_requests = Some(0);
        let err = e.settings_set(s).unwrap_err().to_string();
        assert!(err.contains("from 1 to 10000"), "{err}");
        assert_eq!(e.max_sweep_requests().unwrap(), 8);
    }
}
