use std::time::{Duration, Instant};

use pixapi::{Error, TaskState};
use pixapi_sim::{Fault, FaultKind};
use tokio_util::sync::CancellationToken;

use crate::common::*;

#[tokio::test]
async fn hang_is_cancelled_promptly() {
    let sim = sim().await;
    let c = client(&sim);
    sim.inject(Fault::new(FaultKind::Hang));
    let cancel = CancellationToken::new();
    let task = {
        let (c, cancel) = (c.clone(), cancel.clone());
        tokio::spawn(async move { c.generate(&gen("nano-banana-2", "x"), &cancel).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sim.state().in_flight, 1);
    let t = Instant::now();
    cancel.cancel();
    let e = task.await.unwrap().unwrap_err();
    assert_eq!(e.kind, Error::Cancelled);
    assert!(t.elapsed() < Duration::from_millis(100), "{:?}", t.elapsed());
    // The request was dropped: the sim sees the disconnect and charges nothing.
    let deadline = Instant::now() + Duration::from_secs(3);
    while sim.state().in_flight != 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(sim.state().in_flight, 0);
    assert_eq!((sim.state().requests, sim.state().charged), (1, 0));
    sim.shutdown().await;
}

#[tokio::test]
async fn cancelled_before_start_sends_nothing() {
    let sim = sim().await;
    let cancel = CancellationToken::new();
    cancel.cancel();
    let e = client(&sim).generate(&gen("nano-banana-2", "x"), &cancel).await.unwrap_err();
    assert_eq!(e.kind, Error::Cancelled);
    assert_eq!(sim.state().requests, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn cancelling_an_async_wait_never_resubmits() {
    let sim = sim().await;
    let c = client(&sim);
    sim.inject(Fault::slow(10_000).path("/v1/async"));
    let h = c.submit_generation(&gen("nano-banana-2", "x"), &never()).await.unwrap();
    let cancel = CancellationToken::new();
    let waiter = {
        let (c, cancel, id) = (c.clone(), cancel.clone(), h.id.clone());
        tokio::spawn(async move { c.wait_task(&id, &cancel, |_| {}).await })
    };
    tokio::time::sleep(Duration::from_millis(250)).await;
    let t = Instant::now();
    cancel.cancel();
    let e = waiter.await.unwrap().unwrap_err();
    assert_eq!(e.kind, Error::Cancelled);
    assert!(t.elapsed() < Duration::from_millis(100));
    assert_eq!(submissions(&sim), 1);
    assert_eq!(sim.state().tasks, 1);
    // The task lives on: it can be resumed by id.
    let st = c.get_task(&h.id, &never()).await.unwrap();
    assert_eq!(st.state, TaskState::Running);
    assert_eq!(submissions(&sim), 1);
    sim.shutdown().await;
}
