//! With no Secret Service reachable, the app says that no keychain is available and how
//! to get one, and the Sandbox and history keep working. (Own test binary: it points the
//! process at a D-Bus address where nothing listens.)

mod common;

use std::sync::Arc;

use common::*;
use pixbench_core::api::*;
use pixbench_core::secrets::{KeyringStore, SecretStore};

#[tokio::test]
async fn no_secret_service_is_a_clear_message_and_the_sandbox_still_works() {
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/pixbench-no-bus");
    std::env::remove_var("DISPLAY");
    let problem = KeyringStore.problem().expect("no keychain is reported");
    assert!(problem.to_string().contains("No keychain is available"), "{problem}");

    let dir = tempfile::tempdir().unwrap();
    let e = engine_with(dir.path(), Arc::new(KeyringStore)).await;
    assert!(e.app_info().keychain_problem.unwrap().contains("Secret Service"));
    let p = e
        .profile_save(ProfileInput {
            id: None,
            name: "Work".into(),
            base_url: "https://api.pixapi.ai".into(),
            default_model: String::new(),
            budget_credits: None,
            request_style: None,
            image_parts: None,
        })
        .unwrap();
    assert_eq!(p.key_state, KeyState::Unavailable);
    let err: UiError = e.profile_set_key(&p.id, "sk_live_abcdefgh1234").unwrap_err().into();
    assert_eq!(err.kind, ErrorKind::Keychain);
    assert!(err.message.contains("No keychain is available") && err.message.contains("PIXAPI_KEY"), "{}", err.message);
    // the Sandbox needs no keychain
    let r = e.run_start(spec("offline", &[("gemini-3.1-flash-image-preview-512", 1)])).await.unwrap();
    assert_eq!(e.wait_run(&r.id).await.unwrap().status, RunStatus::Done);
}
