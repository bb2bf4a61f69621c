//! A key goes only to the server it was entered for: editing a profile's base URL asks for
//! the key again, `http://` is only for this computer, and a key from the environment goes
//! to Pixapi, loopback, or an origin named with it, not to every profile's host. No test
//! here opens a connection: addresses outside loopback are only stored, never contacted.

use std::sync::Arc;

use pixbench_core::api::*;
use pixbench_core::secrets::{MemoryStore, SecretStore};
use pixbench_core::{Engine, EngineConfig};

fn input(id: Option<String>, base: &str) -> ProfileInput {
    ProfileInput {
        id,
        name: "remote".into(),
        base_url: base.into(),
        default_model: String::new(),
        budget_credits: None,
        request_style: None,
        image_parts: None,
        gateway: None,
    }
}

#[tokio::test]
async fn a_changed_origin_asks_for_the_key_again() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let e = crate::common::engine_with(dir.path(), secrets.clone()).await;
    let p = e.profiles.save(input(None, "https://gateway-a.example/v1")).unwrap();
    let p = e.profiles.set_key(&p.id, "sk_live_abcdefgh1234").unwrap();
    assert_eq!(p.key_state, KeyState::Stored);
    // Same origin, another path: the key stays.
    let p = e.profiles.save(input(Some(p.id.clone()), "https://gateway-a.example/v2")).unwrap();
    assert_eq!(p.key_state, KeyState::Stored);
    // Another host: the key is removed from the keychain, not sent there.
    let p = e.profiles.save(input(Some(p.id.clone()), "https://elsewhere.example")).unwrap();
    assert_eq!(p.key_state, KeyState::Missing);
    assert_eq!(secrets.get(&p.id).unwrap(), None);
    let err: UiError = e.profiles.test(&p.id).await.unwrap_err().into();
    assert_eq!(err.kind, ErrorKind::NoKey, "{}", err.message);
    // A port is part of the origin.
    let p = e.profiles.set_key(&p.id, "sk_live_abcdefgh1234").unwrap();
    let p = e.profiles.save(input(Some(p.id.clone()), "https://elsewhere.example:8443")).unwrap();
    assert_eq!(p.key_state, KeyState::Missing);
}

#[tokio::test]
async fn a_key_bound_to_another_origin_is_never_sent() {
    // The database says one URL, the key was entered for another (an edit outside the
    // app, or an older bug): the client refuses rather than send it.
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let e = crate::common::engine_with(dir.path(), secrets.clone()).await;
    let p = e.profiles.save(input(None, "https://gateway-a.example")).unwrap();
    e.profiles.set_key(&p.id, "sk_live_abcdefgh1234").unwrap();
    let mut row = e.store().profile(&p.id).unwrap();
    row.base_url = "https://elsewhere.example".into();
    e.store().upsert_profile(&row).unwrap();
    let err: UiError = e.profiles.test(&p.id).await.unwrap_err().into();
    assert_eq!(err.kind, ErrorKind::NoKey);
    assert!(err.message.contains("paste the key again"), "{}", err.message);
}

#[tokio::test]
async fn plain_http_is_only_for_this_computer() {
    let dir = tempfile::tempdir().unwrap();
    let e = crate::common::engine(dir.path()).await;
    for bad in
        ["http://gateway.example", "http://10.0.0.5:8080", "http://169.254.169.254", "ftp://x.example", "sk_live_123"]
    {
        let err: UiError = e.profiles.save(input(None, bad)).unwrap_err().into();
        assert_eq!(err.kind, ErrorKind::Invalid, "{bad}");
    }
    for good in ["http://127.0.0.1:8787", "http://localhost:9", "http://[::1]:9", "https://gateway.example"] {
        let p = e.profiles.save(ProfileInput { name: format!("p {good}"), ..input(None, good) }).unwrap();
        e.profiles.delete(&p.id).unwrap();
    }
}

#[tokio::test]
async fn the_environment_key_goes_to_pixapi_loopback_or_a_named_origin_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = EngineConfig::new(dir.path(), Arc::new(MemoryStore::default()));
    cfg.env_key = Some("sk_env_abcdefgh1234".into());
    cfg.env_key_origins = vec!["https://named.example/v1".into()];
    let e = Engine::open(cfg).await.unwrap();
    let state = |e: &Engine, base: &str, name: &str| {
        e.profiles.save(ProfileInput { name: name.into(), ..input(None, base) }).unwrap().key_state
    };
    assert_eq!(state(&e, "https://api.pixapi.ai", "pixapi"), KeyState::Env);
    assert_eq!(state(&e, "http://127.0.0.1:9", "local"), KeyState::Env);
    assert_eq!(state(&e, "https://named.example", "named"), KeyState::Env);
    assert_eq!(state(&e, "https://elsewhere.example", "other"), KeyState::Missing);
}
