use pixapi::{Client, ClientConfig, Error};
use pixapi_sim::{Fault, SimConfig};

use crate::common::*;

#[tokio::test]
async fn bad_request_names_the_field_and_is_not_retried() {
    let sim = sim().await;
    let c = client(&sim);
    let mut req = gen("nano-banana-2", "x");
    req.n = Some(0);
    let e = c.generate(&req, &never()).await.unwrap_err();
    match &e.kind {
        Error::BadRequest { field, message } => {
            assert_eq!(field.as_deref(), Some("n"));
            assert!(!message.is_empty());
        }
        k => panic!("{k:?}"),
    }
    assert_eq!(e.http_status(), Some(400));
    assert!(e.request_id().is_some());
    assert!(e.raw_body().is_some_and(|b| b.contains("invalid_request_error")));
    assert!(e.user_message().contains("`n`"), "{}", e.user_message());
    assert!(!e.is_retryable());
    assert_eq!(e.attempts, 1);
    let mut req = gen("nano-banana-2", "x");
    req.size = Some("3K".into());
    let e = c.generate(&req, &never()).await.unwrap_err();
    assert!(matches!(&e.kind, Error::BadRequest { field: Some(f), .. } if f == "size"), "{e:?}");
    assert_eq!(sim.state().requests, 2);
    assert_eq!(sim.state().charged, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn wrong_key_is_unauthorized_and_never_shown() {
    let sim = sim().await;
    let c = client(&sim).with_key("sk_wrong_key_123456789").unwrap();
    let e = c.generate(&gen("nano-banana-2", "x"), &never()).await.unwrap_err();
    assert_eq!(e.kind, Error::Unauthorized, "{e}");
    assert_eq!(e.attempts, 1);
    for s in [format!("{e}"), format!("{e:?}"), e.user_message(), e.raw_body().unwrap_or_default().to_string()] {
        assert!(!s.contains("123456789"), "key leaked: {s}");
    }
    let no_key = Client::new(ClientConfig { api_key: None, ..config(&sim) }).unwrap();
    let e = no_key.list_models(&never()).await.unwrap_err();
    assert_eq!(e.kind, Error::Unauthorized);
    sim.shutdown().await;
}

#[tokio::test]
async fn insufficient_credits_charges_nothing() {
    let sim = start(SimConfig { credits: 5, ..SimConfig::default() }).await;
    let c = client(&sim);
    let mut req = gen("nano-banana-2", "x");
    req.n = Some(2);
    let e = c.generate(&req, &never()).await.unwrap_err();
    assert_eq!(e.kind, Error::InsufficientCredits, "{e}");
    assert_eq!(e.http_status(), Some(402));
    assert!(e.request_id().is_some_and(|id| id.starts_with("req")), "{e:?}");
    assert!(e.user_message().starts_with("Not enough credits"));
    assert_eq!(e.attempts, 1);
    let st = sim.state();
    assert_eq!((st.balance, st.charged), (5, 0));
    // Async submissions are refused the same way.
    sim.set_balance(0);
    let e = c.submit_generation(&gen("nano-banana-2", "x"), &never()).await.unwrap_err();
    assert_eq!(e.kind, Error::InsufficientCredits);
    assert_eq!(sim.state().tasks, 0);
    assert_no_key(&e);
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_model_is_model_not_found() {
    let sim = sim().await;
    let e = client(&sim).generate(&gen("no-such-model", "x"), &never()).await.unwrap_err();
    assert_eq!(e.kind, Error::ModelNotFound, "{e}");
    assert_eq!(e.attempts, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn prompt_rejected_via_fault() {
    let sim = sim().await;
    sim.inject(Fault::status(422));
    let e = client(&sim).generate(&gen("nano-banana-2", "x"), &never()).await.unwrap_err();
    assert_eq!(e.kind, Error::PromptRejected, "{e}");
    assert_eq!(e.attempts, 1);
    assert!(e.user_message().contains("moderation"));
    assert_eq!(sim.state().charged, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn both_documented_error_shapes_are_read_for_every_status() {
    // The errors page shows `code` as the status with a `type`; the error-handling guide
    // shows `code` as a string with a `request_id`. Neither says which status uses which,
    // so every status is tried in both.
    let sim = sim().await;
    let c = client(&sim);
    let cases: [(u16, Error); 5] = [
        (401, Error::Unauthorized),
        (402, Error::InsufficientCredits),
        (404, Error::ModelNotFound),
        (422, Error::PromptRejected),
        (503, Error::Unavailable),
    ];
    for shape in [pixapi_sim::faults::ErrorShape::Integer, pixapi_sim::faults::ErrorShape::String] {
        for (status, kind) in &cases {
            sim.inject(Fault { shape: Some(shape), ..Fault::status(*status) }.count(20));
            let e = c.generate(&gen("nano-banana-2", "x"), &never()).await.unwrap_err();
            assert_eq!(&e.kind, kind, "{status} {shape:?}: {e:?}");
            assert_eq!(e.http_status(), Some(*status));
            assert!(e.request_id().is_some_and(|id| id.starts_with("req")), "{status} {shape:?}: {e:?}");
            let body = e.raw_body().unwrap_or_default();
            match shape {
                pixapi_sim::faults::ErrorShape::Integer => {
                    assert!(body.contains(&format!("\"code\":{status}")) && body.contains("\"type\""), "{body}")
                }
                pixapi_sim::faults::ErrorShape::String => assert!(body.contains("\"request_id\""), "{body}"),
            }
            sim.clear_faults();
        }
    }
    assert_eq!(sim.state().charged, 0);
    sim.shutdown().await;
}
