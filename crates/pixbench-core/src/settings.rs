//! The user's settings, kept in the store.

use crate::api::{SessionMode, Settings};
use std::sync::Arc;

use crate::error::{ui, CoreError, CoreResult};
use crate::kind::ErrorKind;
use crate::store::Store;

/// How many requests one run may make unless the user says otherwise.
pub const DEFAULT_MAX_REQUESTS: u32 = 64;
/// The highest limit a user may set: past it a typo would be an expensive mistake.
pub const MAX_REQUESTS_CEILING: u32 = 10_000;
/// Where the limit is kept (the name it had when it was a sweep's).
const MAX_REQUESTS_KEY: &str = "max_sweep_requests";

/// The settings service.
pub struct SettingsService {
    store: Arc<Store>,
    /// A limit on requests for this process only (the CLI's `--max-requests`), not stored.
    max_requests_now: std::sync::Mutex<Option<u32>>,
}

impl SettingsService {
    pub fn new(store: Arc<Store>) -> SettingsService {
        SettingsService { store, max_requests_now: std::sync::Mutex::new(None) }
    }

    pub fn get(&self) -> CoreResult<Settings> {
        Ok(Settings {
            session_mode: self.store.setting("session_mode")?.map(|m| SessionMode::from_stored(&m)).unwrap_or_default(),
            max_requests: Some(self.max_requests()?),
        })
    }

    /// The most requests one run or benchmark may make (its sweep, variables, prompts
    /// and repeats counted): this process's override, else the stored setting.
    pub fn max_requests(&self) -> CoreResult<u32> {
        if let Some(n) = *crate::infra::lock(&self.max_requests_now) {
            return Ok(n);
        }
        let stored = self.store.setting(MAX_REQUESTS_KEY)?;
        Ok(stored.and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_MAX_REQUESTS))
    }

    /// Sets the limit on requests for this process only, leaving the stored one as it is.
    pub fn set_max_requests_for_now(&self, max: u32) -> CoreResult<()> {
        check_limit(max)?;
        *crate::infra::lock(&self.max_requests_now) = Some(max);
        Ok(())
    }

    pub fn set(&self, s: Settings) -> CoreResult<Settings> {
        if let Some(max) = s.max_requests {
            check_limit(max)?;
        }
        self.store.set_setting("session_mode", s.session_mode.as_str())?;
        if let Some(max) = s.max_requests {
            self.store.set_setting(MAX_REQUESTS_KEY, &max.to_string())?;
        }
        self.get()
    }
}

impl SettingsService {
    /// The workspace open when the app last closed, and its environment: it reopens on start.
    pub fn last_workspace(&self) -> CoreResult<Option<(std::path::PathBuf, Option<String>)>> {
        let Some(root) = self.store.setting(WORKSPACE_KEY)?.filter(|r| !r.is_empty()) else { return Ok(None) };
        let env = self.store.setting(WORKSPACE_ENV_KEY)?.filter(|e| !e.is_empty());
        Ok(Some((root.into(), env)))
    }

    /// Remembers the open workspace (`None`: none) and its environment.
    pub fn set_last_workspace(&self, root: Option<&std::path::Path>, env: Option<&str>) -> CoreResult<()> {
        self.store.set_setting(WORKSPACE_KEY, &root.map(|r| r.to_string_lossy().into_owned()).unwrap_or_default())?;
        self.store.set_setting(WORKSPACE_ENV_KEY, env.unwrap_or_default())?;
        Ok(())
    }
}

const WORKSPACE_KEY: &str = "workspace";
const WORKSPACE_ENV_KEY: &str = "workspace_environment";

fn check_limit(max: u32) -> CoreResult<()> {
    if (1..=MAX_REQUESTS_CEILING).contains(&max) {
        return Ok(());
    }
    Err(CoreError::Ui(ui(
        ErrorKind::Invalid,
        format!("The request limit must be from 1 to {MAX_REQUESTS_CEILING} requests; {max} is not."),
    )))
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
        let first = e.sessions.id();
        let mut s = e.settings.get().unwrap();
        assert_eq!(s.session_mode, SessionMode::NewEachStart);
        assert_eq!(s.max_requests, Some(super::DEFAULT_MAX_REQUESTS));
        s.session_mode = SessionMode::ContinueToday;
        e.settings.set(s).unwrap();
        drop(e);
        let e = open().await.unwrap();
        assert_eq!(e.sessions.id(), first);
        // A stored name this build does not know reads as the default.
        assert_eq!(SessionMode::from_stored("weekly"), SessionMode::NewEachStart);
    }

    #[tokio::test]
    async fn the_sweep_limit_is_kept_and_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let e = Engine::open(EngineConfig::new(dir.path(), Arc::new(MemoryStore::default()))).await.unwrap();
        let mut s = e.settings.get().unwrap();
        s.max_requests = Some(8);
        assert_eq!(e.settings.set(s.clone()).unwrap().max_requests, Some(8));
        // Saving without the field keeps it.
        s.max_requests = None;
        assert_eq!(e.settings.set(s.clone()).unwrap().max_requests, Some(8));
        s.max_requests = Some(0);
        let err = e.settings.set(s).unwrap_err().to_string();
        assert!(err.contains("from 1 to 10000"), "{err}");
        assert_eq!(e.settings.max_requests().unwrap(), 8);
    }
}
