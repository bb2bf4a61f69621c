//! Profiles: where requests go (a base URL, or the in-process Sandbox) and with which key.
//! Keys live in the secret store (the OS keychain), never in the database; a key goes only
//! to the origin it was entered for, and a key from the environment only to Pixapi's own
//! server, this computer, or an origin the caller named. One HTTP client per profile, so
//! runs reuse connections.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use crate::api::*;
use crate::error::{ui, CoreError, CoreResult};
use crate::infra::{lock, CatalogHandle};
use crate::secrets::{mask_key, normalize_key, SecretStore};
use crate::store::{ProfileRow, Store, SANDBOX_ID};

/// The key the in-process Sandbox accepts. Not a secret: the Sandbox charges nothing real.
pub const SANDBOX_KEY: &str = "sk_sandbox_local";
pub const SANDBOX_NAME: &str = "Sandbox";
pub const DEFAULT_BASE_URL: &str = "https://api.pixapi.ai";
pub const DEFAULT_MODEL: &str = "gemini-3.1-flash-image-preview";

/// The origin (`scheme://host[:port]`) of a base URL, lowercased; `None` if it is not an
/// http(s) URL.
pub fn origin_of(base_url: &str) -> Option<String> {
    let u = url::Url::parse(base_url.trim()).ok()?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return None;
    }
    Some(u.origin().ascii_serialization())
}

/// Whether an origin is this computer (loopback): the only place `http://` may go.
pub fn is_loopback_origin(origin: &str) -> bool {
    let Ok(u) = url::Url::parse(origin) else { return false };
    match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Where a key may come from in the environment: `PIXAPI_KEY`, the variable of every
/// example on Pixapi's pages (docs/authentication/), then the older `PIXAPI_API_KEY`.
pub const ENV_KEY_VARS: [&str; 2] = [pixapi::API_KEY_ENV, pixapi::API_KEY_ENV_ALIAS];

/// The first non-empty key of [`ENV_KEY_VARS`].
pub fn env_key() -> Option<String> {
    ENV_KEY_VARS.iter().find_map(|v| std::env::var(v).ok().filter(|k| !k.trim().is_empty()))
}

/// Where the environment's key may go, and how clients are tuned (from `EngineConfig`).
#[derive(Debug, Clone, Default)]
pub struct ProfilesConfig {
    /// A key from the environment ([`ENV_KEY_VARS`]).
    pub env_key: Option<String>,
    /// More origins the environment's key may go to (the CLI's `--base-url`).
    pub env_key_origins: Vec<String>,
    /// Overrides the HTTP client's read timeout for every profile.
    pub client_read_timeout: Option<std::time::Duration>,
    /// Overrides the largest answer accepted.
    pub client_max_response_bytes: Option<u64>,
    /// Overrides how async tasks are polled.
    pub client_poll: Option<pixapi::PollPolicy>,
}

/// The profiles service.
pub struct Profiles {
    store: Arc<Store>,
    secrets: Arc<dyn SecretStore>,
    sandbox_url: String,
    env_key: Option<String>,
    env_key_origins: Vec<String>,
    client_read_timeout: Option<std::time::Duration>,
    client_max_response_bytes: Option<u64>,
    client_poll: Option<pixapi::PollPolicy>,
    current: Mutex<String>,
    /// Shows the current profile's server-listed models (see `server_models.rs`).
    catalog: CatalogHandle,
    /// One client per profile (base URL and key as last used).
    clients: Mutex<HashMap<String, (String, String, pixapi::Client)>>,
}

impl Profiles {
    /// Makes sure the Sandbox profile exists and takes the saved current profile.
    pub fn open(
        store: Arc<Store>,
        secrets: Arc<dyn SecretStore>,
        sandbox_url: String,
        catalog: CatalogHandle,
        cfg: ProfilesConfig,
    ) -> CoreResult<Profiles> {
        if store.profile(SANDBOX_ID).is_err() {
            store.upsert_profile(&ProfileRow {
                id: SANDBOX_ID.into(),
                name: SANDBOX_NAME.into(),
                base_url: "sandbox".into(),
                default_model: DEFAULT_MODEL.into(),
                budget_credits: None,
                is_sandbox: true,
                key_mask: None,
                request_style: RequestStyle::Size,
                image_parts: ImageParts::Auto,
                key_origin: None,
                gateway: crate::presets::PIXAPI.into(),
            })?;
        }
        let current = store
            .setting("current_profile")?
            .filter(|id| store.profile(id).is_ok())
            .unwrap_or_else(|| SANDBOX_ID.to_string());
        let profiles = Profiles {
            store,
            secrets,
            sandbox_url,
            env_key: cfg.env_key,
            env_key_origins: cfg.env_key_origins,
            client_read_timeout: cfg.client_read_timeout,
            client_max_response_bytes: cfg.client_max_response_bytes,
            client_poll: cfg.client_poll,
            current: Mutex::new(current.clone()),
            catalog,
            clients: Mutex::new(HashMap::new()),
        };
        profiles.show_listed(&current);
        Ok(profiles)
    }

    /// The catalog in force shows the models this profile's server listed when last read.
    /// The catalog in force is this profile's gateway's, with the models its server
    /// listed when last read.
    pub(crate) fn show_listed(&self, id: &str) {
        let ids = self.store.server_models(id).ok().flatten().map(|m| m.models.into_iter().map(|m| m.id).collect());
        let gateway = self.store.profile(id).map(|p| crate::presets::get(&p.gateway).catalog).unwrap_or_default();
        self.catalog.set_profile(&gateway, ids.unwrap_or_default());
    }

    /// Why the secret store cannot be used, if it cannot.
    pub fn keychain_problem(&self) -> Option<String> {
        self.secrets.problem().map(|e| e.to_string())
    }

    /// The current profile's stored row.
    pub fn current(&self) -> CoreResult<ProfileRow> {
        Ok(self.store.profile(&self.current_id())?)
    }

    pub fn current_id(&self) -> String {
        lock(&self.current).clone()
    }

    pub fn view(&self, p: &ProfileRow) -> ProfileView {
        let current = self.current_id() == p.id;
        let (key_state, key_note, key_mask) = if p.is_sandbox {
            (KeyState::Sandbox, None, None)
        } else if let Some((k, var)) = &self.env_key_for(p) {
            (KeyState::Env, Some(format!("Using the key from {var} for this process.")), Some(mask_key(k)))
        } else {
            match self.secrets.get(&p.id) {
                Ok(Some(k)) => (KeyState::Stored, None, Some(mask_key(&k))),
                Ok(None) => {
                    (KeyState::Missing, Some("No key stored. Paste this profile's key to use it.".to_string()), None)
                }
                Err(e) => (KeyState::Unavailable, Some(e.to_string()), p.key_mask.clone()),
            }
        };
        ProfileView {
            id: p.id.clone(),
            name: p.name.clone(),
            base_url: if p.is_sandbox { self.sandbox_url.clone() } else { p.base_url.clone() },
            default_model: p.default_model.clone(),
            budget_credits: p.budget_credits,
            is_sandbox: p.is_sandbox,
            is_current: current,
            key_mask,
            key_state,
            key_note,
            request_style: p.request_style,
            image_parts: p.image_parts,
            gateway: p.gateway.clone(),
            billing: crate::presets::get(&p.gateway).billing,
        }
    }

    pub fn list(&self) -> CoreResult<Vec<ProfileView>> {
        Ok(self.store.profiles()?.iter().map(|p| self.view(p)).collect())
    }

    pub fn get(&self, id: &str) -> CoreResult<ProfileView> {
        Ok(self.view(&self.store.profile(id)?))
    }

    pub fn select(&self, id: &str) -> CoreResult<ProfileView> {
        let p = self.store.profile(id)?;
        self.store.set_setting("current_profile", &p.id)?;
        *lock(&self.current) = p.id.clone();
        self.show_listed(&p.id);
        Ok(self.view(&p))
    }

    /// Makes a profile current for this process only: unlike [`Profiles::select`]
    /// the choice is not saved, so a headless run does not change the app's profile.
    pub fn use_for_process(&self, id: &str) -> CoreResult<ProfileView> {
        let p = self.store.profile(id)?;
        *lock(&self.current) = p.id.clone();
        self.show_listed(&p.id);
        Ok(self.view(&p))
    }

    pub fn save(&self, input: ProfileInput) -> CoreResult<ProfileView> {
        let name = input.name.trim().to_string();
        if name.is_empty() {
            return Err(CoreError::Ui(ui(ErrorKind::Invalid, "A profile needs a name.")));
        }
        let base_url = input.base_url.trim().trim_end_matches('/').to_string();
        let base_url = if base_url.is_empty() { DEFAULT_BASE_URL.to_string() } else { base_url };
        let Some(new_origin) = origin_of(&base_url) else {
            return Err(CoreError::Ui(ui(
                ErrorKind::Invalid,
                "The base URL must start with https:// (or http:// for a local server).",
            )));
        };
        // A key (and prompts) must not cross a network in the clear.
        if new_origin.starts_with("http://") && !is_loopback_origin(&new_origin) {
            return Err(CoreError::Ui(ui(
                ErrorKind::Invalid,
                "The base URL must use https:// (http:// is only for a server on this computer: localhost, 127.0.0.1, [::1]).",
            )));
        }
        if input.budget_credits.is_some_and(|b| b < 0) {
            return Err(CoreError::Ui(ui(ErrorKind::Invalid, "A budget cannot be negative.")));
        }
        if let Some(g) = input.gateway.as_deref().filter(|g| !crate::presets::exists(g)) {
            return Err(CoreError::Ui(ui(
                ErrorKind::Invalid,
                format!("There is no gateway preset “{g}”: choose Pixapi, OpenAI or OpenAI-compatible."),
            )));
        }
        let (id, is_sandbox, mut key_mask, style, parts, mut key_origin, gateway) = match &input.id {
            Some(id) => {
                let old = self.store.profile(id)?;
                (old.id, old.is_sandbox, old.key_mask, old.request_style, old.image_parts, old.key_origin, old.gateway)
            }
            None => {
                // A new profile starts from its preset's way of asking.
                let preset = crate::presets::get(input.gateway.as_deref().unwrap_or(crate::presets::PIXAPI));
                (
                    uuid::Uuid::new_v4().to_string(),
                    false,
                    None,
                    preset.request_style,
                    preset.image_parts,
                    None,
                    preset.id,
                )
            }
        };
        // A key belongs to the server it was entered for: a new origin asks for it again,
        // so that editing the URL can never send a stored key elsewhere.
        if !is_sandbox && key_origin.as_deref().and_then(origin_of).is_some_and(|o| o != new_origin) {
            self.secrets.delete(&id).map_err(|e| CoreError::Ui(ui(ErrorKind::Keychain, e.to_string())))?;
            key_mask = None;
            key_origin = None;
        }
        // The Sandbox speaks Pixapi's documented form only.
        let (style, parts, gateway) = if is_sandbox {
            (RequestStyle::Size, ImageParts::Auto, crate::presets::PIXAPI.to_string())
        } else {
            (input.request_style.unwrap_or(style), input.image_parts.unwrap_or(parts), input.gateway.unwrap_or(gateway))
        };
        if is_sandbox && name != SANDBOX_NAME {
            return Err(CoreError::Ui(ui(ErrorKind::Invalid, "The Sandbox profile cannot be renamed.")));
        }
        let row = ProfileRow {
            id: id.clone(),
            name,
            base_url: if is_sandbox { "sandbox".into() } else { base_url },
            default_model: if input.default_model.trim().is_empty() {
                let preset = crate::presets::get(&gateway);
                if preset.default_model.is_empty() {
                    DEFAULT_MODEL.into()
                } else {
                    preset.default_model
                }
            } else {
                input.default_model.trim().into()
            },
            budget_credits: input.budget_credits,
            is_sandbox,
            key_mask,
            request_style: style,
            image_parts: parts,
            key_origin,
            gateway,
        };
        self.store.upsert_profile(&row)?;
        if self.current_id() == id {
            self.show_listed(&id);
        }
        self.get(&id)
    }

    pub fn delete(&self, id: &str) -> CoreResult<()> {
        let p = self.store.profile(id)?;
        if p.is_sandbox {
            return Err(CoreError::Ui(ui(ErrorKind::Invalid, "The Sandbox profile cannot be deleted.")));
        }
        // Remove the key first: a profile row without a key is harmless, a key without a profile is not.
        self.secrets.delete(id).map_err(|e| CoreError::Ui(ui(ErrorKind::Keychain, e.to_string())))?;
        self.store.delete_profile(id)?;
        if self.current_id() == id {
            self.select(SANDBOX_ID)?;
        }
        Ok(())
    }

    pub fn set_key(&self, id: &str, raw_key: &str) -> CoreResult<ProfileView> {
        let mut p = self.store.profile(id)?;
        if p.is_sandbox {
            return Err(CoreError::Ui(ui(ErrorKind::Invalid, "The Sandbox needs no key and cannot hold one.")));
        }
        let key = normalize_key(raw_key).map_err(|m| CoreError::Ui(ui(ErrorKind::Invalid, m)))?;
        self.secrets.set(id, &key).map_err(|e| CoreError::Ui(ui(ErrorKind::Keychain, e.to_string())))?;
        p.key_mask = Some(mask_key(&key));
        p.key_origin = Some(p.base_url.clone());
        self.store.upsert_profile(&p)?;
        Ok(self.view(&p))
    }

    pub fn remove_key(&self, id: &str) -> CoreResult<ProfileView> {
        let mut p = self.store.profile(id)?;
        self.secrets.delete(id).map_err(|e| CoreError::Ui(ui(ErrorKind::Keychain, e.to_string())))?;
        p.key_mask = None;
        p.key_origin = None;
        self.store.upsert_profile(&p)?;
        Ok(self.view(&p))
    }

    /// The environment's key for a profile, and the variable it came from, if it may go to
    /// the profile's base URL. Pixapi's (`PIXAPI_KEY`): Pixapi's own server, this computer,
    /// or an origin the caller named ([`ProfilesConfig::env_key_origins`]). Another
    /// preset's (`OPENAI_API_KEY`): its own host only. A key in the environment must not
    /// reach every host a profile happens to name.
    fn env_key_for(&self, p: &ProfileRow) -> Option<(String, String)> {
        let origin = origin_of(&p.base_url)?;
        let named = self.env_key_origins.iter().any(|o| origin_of(o).as_deref() == Some(origin.as_str()));
        let preset = crate::presets::get(&p.gateway);
        if preset.id != crate::presets::PIXAPI {
            let own = preset.key_env.as_ref().and_then(|var| {
                let key = std::env::var(var).ok().filter(|k| !k.trim().is_empty())?;
                Some((key, var.clone()))
            });
            let own_host = origin_of(&preset.base_url).as_deref() == Some(origin.as_str());
            return match own {
                Some(k) if own_host || named => Some(k),
                // An origin the caller named pairs the Pixapi variable's key with it too.
                _ if named => self.env_key.clone().map(|k| (k, ENV_KEY_VARS.join(" / "))),
                _ => None,
            };
        }
        let key = self.env_key.clone()?;
        let allowed =
            origin_of(DEFAULT_BASE_URL).as_deref() == Some(origin.as_str()) || is_loopback_origin(&origin) || named;
        allowed.then(|| (key, ENV_KEY_VARS.join(" / ")))
    }

    /// A client for a profile, with its key from the environment or the keychain.
    pub fn client_for(&self, profile_id: &str) -> CoreResult<(pixapi::Client, ProfileRow)> {
        let p = self.store.profile(profile_id)?;
        let (base, key) = if p.is_sandbox {
            (self.sandbox_url.clone(), SANDBOX_KEY.to_string())
        } else if let Some((k, _)) = self.env_key_for(&p) {
            (p.base_url.clone(), k)
        } else {
            match self.secrets.get(&p.id) {
                // Defence in depth: a key goes only to the origin it was entered for.
                Ok(Some(_)) if p.key_origin.as_deref().and_then(origin_of) != origin_of(&p.base_url) => {
                    return Err(CoreError::Ui(ui(
                        ErrorKind::NoKey,
                        format!(
                            "The base URL of profile “{}” is not the one its key was entered for. Open Profiles and paste the key again to use it with {}.",
                            p.name, p.base_url
                        ),
                    )))
                }
                Ok(Some(k)) => (p.base_url.clone(), k),
                Ok(None) => {
                    return Err(CoreError::Ui(ui(
                        ErrorKind::NoKey,
                        format!(
                            "Profile “{}” has no key stored. Open Profiles and paste its key{}.",
                            p.name,
                            crate::presets::get(&p.gateway)
                                .key_env
                                .map(|v| format!(" (or set {v})"))
                                .unwrap_or_default()
                        ),
                    )))
                }
                Err(e) => return Err(CoreError::Ui(ui(ErrorKind::Keychain, e.to_string()))),
            }
        };
        if let Some((b, k, c)) = lock(&self.clients).get(&p.id) {
            if *b == base && *k == key {
                return Ok((c.clone(), p));
            }
        }
        let mut cfg = pixapi::ClientConfig::new(base.clone()).with_api_key(key.clone());
        cfg.user_agent = concat!("pixbench/", env!("CARGO_PKG_VERSION")).into();
        if let Some(t) = self.client_read_timeout {
            cfg.read_timeout = t;
        }
        if let Some(b) = self.client_max_response_bytes {
            cfg.max_response_bytes = b;
        }
        if let Some(p) = &self.client_poll {
            cfg.poll = p.clone();
        }
        let client = pixapi::Client::new(cfg).map_err(|e| CoreError::Ui(ui(ErrorKind::Client, e.user_message())))?;
        lock(&self.clients).insert(p.id.clone(), (base, key, client.clone()));
        Ok((client, p))
    }

    /// Every key this engine has handed a client (to scrub them from what servers say).
    pub(crate) fn known_keys(&self) -> Vec<String> {
        lock(&self.clients).values().map(|(_, k, _)| k.clone()).collect()
    }

    pub async fn test(&self, id: &str) -> CoreResult<KeyTestResult> {
        let (client, p) = self.client_for(id)?;
        let started = std::time::Instant::now();
        let r = client.list_models(&CancellationToken::new()).await;
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(match r {
            Ok(models) => KeyTestResult {
                ok: true,
                message: format!("The key works: {} models available at {}.", models.len(), client.base_url()),
                models: models.len() as u32,
                latency_ms,
            },
            Err(e) => KeyTestResult {
                ok: false,
                message: match e.kind() {
                    pixapi::Error::Unauthorized => format!(
                        "The key of profile “{}” was rejected (401). Check it on your Pixapi dashboard and paste it again.",
                        p.name
                    ),
                    _ => {
                        let m = e.user_message();
                        crate::scrub::scrub(&m, &self.known_keys()).unwrap_or(m)
                    }
                },
                models: 0,
                latency_ms,
            },
        })
    }
}
