//! Keys in the real OS keychain: a Secret Service (gnome-keyring in a private D-Bus
//! session, started by scripts/with-keyring.sh, as `make test` and CI do). These tests
//! prove the real store is used (the item is visible to `secret-tool`), that keys work
//! across restarts, and that a key never lands in the data dir.

use std::process::Command;
use std::sync::Arc;

use crate::common::*;
use pixbench_core::api::*;
use pixbench_core::secrets::{KeyringStore, SecretStore};

fn in_keyring_session() -> bool {
    if std::env::var("PIXBENCH_IN_KEYRING").as_deref() == Ok("1") {
        return true;
    }
    // Outside `scripts/with-keyring.sh` there may be no Secret Service: say so loudly.
    eprintln!("SKIPPED: run through scripts/with-keyring.sh (make test-rust does) to test the real keychain");
    false
}

fn secret_tool_finds(account: &str) -> bool {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "service", "pixbench", "username", account])
        .output()
        .expect("secret-tool (libsecret-tools) is installed");
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    text.contains(account)
}

#[test]
fn the_real_secret_service_stores_reads_and_deletes() {
    if !in_keyring_session() {
        return;
    }
    let store = KeyringStore;
    assert!(KeyringStore::backend_is_persistent());
    assert!(store.problem().is_none(), "{:?}", store.problem());
    let account = format!("test-{}", uuid_like());
    store.set(&account, "sk_real_store_check_1234").unwrap();
    assert_eq!(store.get(&account).unwrap().as_deref(), Some("sk_real_store_check_1234"));
    assert!(secret_tool_finds(&account), "the item is in the Secret Service, not an in-memory mock");
    store.delete(&account).unwrap();
    assert_eq!(store.get(&account).unwrap(), None);
    assert!(!secret_tool_finds(&account));
    store.delete(&account).unwrap();
}

fn uuid_like() -> String {
    format!("{:x}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos())
}

fn grep_dir(dir: &std::path::Path, needle: &[u8]) -> Vec<String> {
    let mut hits = vec![];
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            hits.extend(grep_dir(&p, needle));
        } else if let Ok(bytes) = std::fs::read(&p) {
            if bytes.windows(needle.len()).any(|w| w == needle) {
                hits.push(p.display().to_string());
            }
        }
    }
    hits
}

#[tokio::test]
async fn a_profile_key_works_across_restarts_and_never_reaches_the_data_dir() {
    if !in_keyring_session() {
        return;
    }
    let key = "sk_live_pixbench_e2e_9f2c7a1b3d";
    let sim = pixapi_sim::SimServer::start(pixapi_sim::SimConfig { keys: vec![key.into()], ..Default::default() })
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let profile_id;
    {
        let e = engine_with(dir.path(), Arc::new(KeyringStore)).await;
        let p = e
            .profiles
            .save(ProfileInput {
                id: None,
                name: "Team".into(),
                base_url: sim.base_url(),
                default_model: String::new(),
                budget_credits: None,
                request_style: None,
                image_parts: None,
                gateway: None,
            })
            .unwrap();
        assert_eq!(p.key_state, KeyState::Missing);
        profile_id = p.id.clone();
        // pasted with "Bearer " and spaces: cleaned
        let p = e.profiles.set_key(&p.id, &format!("  Bearer {key}  ")).unwrap();
        assert_eq!(p.key_mask.as_deref(), Some("sk_…1b3d"));
        assert_eq!(p.key_state, KeyState::Stored);
        let t = e.profiles.test(&p.id).await.unwrap();
        assert!(t.ok, "{}", t.message);
        e.select_profile(&p.id).unwrap();
        let r =
            e.runs.start(spec("with a real key", &[("gemini-3.1-flash-image-preview-512", 1)]), false).await.unwrap();
        assert_eq!(e.runs.wait(&r.id).await.unwrap().status, RunStatus::Done);
        e.exports.session(ExportFormat::Csv, None).unwrap();
        e.exports.session(ExportFormat::Json, None).unwrap();
        e.exports.curl(&r.id, 0).unwrap();
    }
    // restart: the key comes back from the keychain
    let e = engine_with(dir.path(), Arc::new(KeyringStore)).await;
    assert_eq!(e.profiles.current_id(), profile_id);
    let r = e.runs.start(spec("again", &[("gemini-3.1-flash-image-preview-512", 1)]), false).await.unwrap();
    assert_eq!(e.runs.wait(&r.id).await.unwrap().status, RunStatus::Done);
    assert_eq!(sim.state().charged, 8);
    drop(e);
    let hits = grep_dir(dir.path(), key.as_bytes());
    assert!(hits.is_empty(), "the key was found in {hits:?}");

    // a wrong key: the profile is named in the message
    let e = engine_with(dir.path(), Arc::new(KeyringStore)).await;
    e.profiles.set_key(&profile_id, "sk_wrong_key_000000").unwrap();
    let t = e.profiles.test(&profile_id).await.unwrap();
    assert!(!t.ok);
    assert!(t.message.contains("“Team”") && t.message.contains("401"), "{}", t.message);
    let r = e.runs.start(spec("wrong key", &[("gemini-3.1-flash-image-preview-512", 1)]), false).await.unwrap();
    let done = e.runs.wait(&r.id).await.unwrap();
    assert_eq!(done.targets[0].error.as_ref().unwrap().kind, ErrorKind::Unauthorized);
    assert!(done.targets[0].error.as_ref().unwrap().message.contains("Team"));

    // the key removed outside the app: "no key stored", not an obscure failure
    KeyringStore.delete(&profile_id).unwrap();
    let p = e.profiles.get(&profile_id).unwrap();
    assert_eq!(p.key_state, KeyState::Missing);
    let err: UiError =
        e.runs.start(spec("no key", &[("gemini-3.1-flash-image-preview-512", 1)]), false).await.unwrap_err().into();
    assert_eq!(err.kind, ErrorKind::NoKey);
    assert!(err.message.contains("Team"));

    // deleting a profile removes its keychain entry
    e.profiles.set_key(&profile_id, key).unwrap();
    assert!(secret_tool_finds(&profile_id));
    e.profiles.delete(&profile_id).unwrap();
    assert!(!secret_tool_finds(&profile_id));
    assert_eq!(e.profiles.current_id(), "sandbox");
}
