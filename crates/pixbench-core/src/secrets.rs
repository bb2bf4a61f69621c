//! API keys: kept only in the OS keychain (service `pixbench`, account = profile id),
//! behind a trait so logic can be tested with an in-memory store and the real store can
//! be proven in use by integration tests.
//!
//! keyring 3.x is used with explicit store features (Secret Service on Linux through
//! `sync-secret-service` + `crypto-rust`, Keychain on macOS, Credential Manager on
//! Windows). Without a store feature keyring 3 silently falls back to an in-memory mock:
//! `KeyringStore::backend_is_persistent` guards against that.

use std::collections::HashMap;
use std::sync::Mutex;

pub const SERVICE: &str = "pixbench";

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum SecretError {
    #[error("No keychain is available: {0}. On Linux, start a Secret Service (for example gnome-keyring) in your desktop session, or pass the key in PIXAPI_KEY. The Sandbox and your history keep working.")]
    Unavailable(String),
    #[error("The keychain is locked or access was denied: {0}. Unlock it (or allow Pixbench) and try again.")]
    Denied(String),
    #[error("The keychain refused the operation: {0}")]
    Other(String),
}

pub trait SecretStore: Send + Sync {
    fn get(&self, account: &str) -> Result<Option<String>, SecretError>;
    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError>;
    /// Removing an absent entry is not an error.
    fn delete(&self, account: &str) -> Result<(), SecretError>;
    /// `None` when the store works, else why not (checked without writing a key).
    fn problem(&self) -> Option<SecretError>;
}

/// The OS keychain.
pub struct KeyringStore;

impl KeyringStore {
    fn entry(account: &str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(SERVICE, account).map_err(map_keyring_error)
    }

    /// True when keyring is backed by a real platform store, not its in-memory mock.
    pub fn backend_is_persistent() -> bool {
        let builder = keyring::default::default_credential_builder();
        !matches!(builder.persistence(), keyring::credential::CredentialPersistence::EntryOnly)
    }
}

fn map_keyring_error(e: keyring::Error) -> SecretError {
    use keyring::Error as K;
    match e {
        K::PlatformFailure(inner) => SecretError::Unavailable(first_line(&inner.to_string())),
        K::NoStorageAccess(inner) => {
            let s = inner.to_string();
            // With a bus but no (unlocked) keyring daemon the Secret Service answers
            // "no result": for a person that is "no keychain", not "denied".
            if s.contains("NoResult") || s.contains("no result") || s.contains("ServiceUnknown") {
                SecretError::Unavailable(first_line(&s))
            } else {
                SecretError::Denied(first_line(&s))
            }
        }
        other => SecretError::Other(first_line(&other.to_string())),
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(200).collect()
}

impl SecretStore for KeyringStore {
    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        match Self::entry(account)?.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring_error(e)),
        }
    }
    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        Self::entry(account)?.set_password(secret).map_err(map_keyring_error)
    }
    fn delete(&self, account: &str) -> Result<(), SecretError> {
        match Self::entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring_error(e)),
        }
    }
    fn problem(&self) -> Option<SecretError> {
        if !Self::backend_is_persistent() {
            return Some(SecretError::Unavailable("this build has no platform keychain".into()));
        }
        // Reading an account that never exists answers NoEntry when the store works.
        Self::entry("__pixbench_probe__")
            .and_then(|e| match e.get_password() {
                Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(map_keyring_error(e)),
            })
            .err()
    }
}

/// An in-memory store for unit tests and for machines where the user chose no keychain.
#[derive(Default)]
pub struct MemoryStore {
    map: Mutex<HashMap<String, String>>,
    fail: Mutex<Option<SecretError>>,
}

impl MemoryStore {
    pub fn failing(e: SecretError) -> MemoryStore {
        MemoryStore { map: Mutex::default(), fail: Mutex::new(Some(e)) }
    }
    fn check(&self) -> Result<(), SecretError> {
        match self.fail.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        self.check()?;
        Ok(self.map.lock().unwrap_or_else(|p| p.into_inner()).get(account).cloned())
    }
    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        self.check()?;
        self.map.lock().unwrap_or_else(|p| p.into_inner()).insert(account.into(), secret.into());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<(), SecretError> {
        self.check()?;
        self.map.lock().unwrap_or_else(|p| p.into_inner()).remove(account);
        Ok(())
    }
    fn problem(&self) -> Option<SecretError> {
        self.check().err()
    }
}

/// Cleans a pasted key: trims, drops a `Bearer ` prefix and surrounding quotes.
/// Refuses what cannot be a key, with a sentence saying why.
pub fn normalize_key(raw: &str) -> Result<String, String> {
    let mut k = raw.trim();
    if let Some(rest) = k.strip_prefix("Bearer ").or_else(|| k.strip_prefix("bearer ")) {
        k = rest.trim();
    }
    for q in ['"', '\'', '`'] {
        if k.len() >= 2 && k.starts_with(q) && k.ends_with(q) {
            k = k[1..k.len() - 1].trim();
        }
    }
    if k.is_empty() {
        return Err("The key is empty. Paste the key from your Pixapi dashboard.".into());
    }
    if k.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("The key contains spaces or line breaks. Paste just the key, e.g. sk_….".into());
    }
    if k.len() < 8 {
        return Err("The key is too short to be an API key. Paste the whole key.".into());
    }
    Ok(k.to_string())
}

/// What the UI may show of a key: its prefix and last four characters.
pub fn mask_key(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    let prefix = if key.starts_with("sk_") { "sk_" } else { "" };
    format!("{prefix}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_pasted_keys() {
        assert_eq!(normalize_key("  sk_live_abcdef123  ").unwrap(), "sk_live_abcdef123");
        assert_eq!(normalize_key("Bearer sk_live_abcdef123").unwrap(), "sk_live_abcdef123");
        assert_eq!(normalize_key("\"sk_live_abcdef123\"").unwrap(), "sk_live_abcdef123");
        assert_eq!(normalize_key("'sk_live_abcdef123'\n").unwrap(), "sk_live_abcdef123");
        assert!(normalize_key("   ").unwrap_err().contains("empty"));
        assert!(normalize_key("sk_live abc def").unwrap_err().contains("spaces"));
        assert!(normalize_key("sk_1").unwrap_err().contains("short"));
    }

    #[test]
    fn mask_shows_only_the_tail() {
        assert_eq!(mask_key("sk_live_1234567899f2c"), "sk_…9f2c");
        assert_eq!(mask_key("abcdefgh"), "…efgh");
        assert!(!mask_key("sk_secretsecret").contains("secret"));
    }

    #[test]
    fn memory_store_roundtrip_and_failure() {
        let s = MemoryStore::default();
        assert_eq!(s.get("p").unwrap(), None);
        s.set("p", "sk_x").unwrap();
        assert_eq!(s.get("p").unwrap().as_deref(), Some("sk_x"));
        s.delete("p").unwrap();
        s.delete("p").unwrap();
        assert_eq!(s.get("p").unwrap(), None);
        let f = MemoryStore::failing(SecretError::Unavailable("no bus".into()));
        assert!(f.get("p").unwrap_err().to_string().contains("No keychain"));
    }

    #[test]
    fn keyring_build_has_a_platform_store() {
        // Guards against keyring's silent in-memory fallback when store features are lost.
        assert!(KeyringStore::backend_is_persistent());
    }
}
