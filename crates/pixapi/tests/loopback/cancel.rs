use std::time::{Duration, Instant};

use pixapi::{Client, ClientConfig, Error, TaskState};
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

/// A server of our own: its answer holds one inline image and one link whose download
/// never answers; `started` fires when that download has begun.
async fn answer_with_a_link_that_hangs() -> (String, tokio::sync::oneshot::Receiver<()>) {
    use base64::Engine;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut png = Vec::new();
    image::RgbImage::new(8, 8).write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    let body = serde_json::json!({"created": 1, "data": [
        {"b64_json": base64::engine::general_purpose::STANDARD.encode(&png)},
        {"url": format!("{base}/files/slow.png")},
    ]})
    .to_string();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let mut tx = Some(tx);
        let mut held = vec![];
        loop {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut head = vec![0u8; 64 * 1024];
            let n = sock.read(&mut head).await.unwrap();
            if head[..n].starts_with(b"GET /files/") {
                // Never answered: the download waits until the client goes away.
                held.push(sock);
                if let Some(tx) = tx.take() {
                    let _ = tx.send(());
                }
                continue;
            }
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            sock.write_all(reply.as_bytes()).await.unwrap();
        }
    });
    (base, rx)
}

#[tokio::test]
async fn cancelling_during_link_downloads_keeps_the_images_that_came() {
    let (base, started) = answer_with_a_link_that_hangs().await;
    let c = Client::new(ClientConfig::new(base).with_api_key(KEY)).unwrap();
    let cancel = CancellationToken::new();
    let mut req = gen("nano-banana-2", "two owls");
    req.n = Some(2);
    let call = {
        let (c, cancel) = (c.clone(), cancel.clone());
        tokio::spawn(async move { c.generate(&req, &cancel).await })
    };
    started.await.unwrap();
    cancel.cancel();
    // The inline image was paid for: it is kept, and the link says it was cancelled.
    let out = tokio::time::timeout(Duration::from_secs(5), call).await.unwrap().unwrap().unwrap();
    assert_eq!(out.images.len(), 1);
    assert_eq!(dims(&out.images[0].bytes), (8, 8));
    assert_eq!(out.failed.len(), 1);
    assert_eq!((out.failed[0].index, &out.failed[0].error), (1, &Error::Cancelled));
}

/// A server of our own whose paid answer arrives in two halves: `head_sent` fires once the
/// 200 head and the first half are out; the second half waits for `finish`. The first half
/// (32 MB of padding) is far more than loopback's socket buffers hold, so once it is
/// written the client is reading the body.
async fn answer_in_two_halves() -> (String, tokio::sync::oneshot::Receiver<()>, tokio::sync::oneshot::Sender<()>) {
    use base64::Engine;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut png = Vec::new();
    image::RgbImage::new(8, 8).write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    let body = serde_json::json!({"created": 1, "padding": "p".repeat(64 << 20), "data": [
        {"b64_json": base64::engine::general_purpose::STANDARD.encode(&png)},
    ]})
    .to_string();
    let (sent_tx, sent_rx) = tokio::sync::oneshot::channel();
    let (finish_tx, finish_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut head = vec![0u8; 64 * 1024];
        let _ = sock.read(&mut head).await.unwrap();
        let (first, second) = body.as_bytes().split_at(body.len() / 2);
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        sock.write_all(reply.as_bytes()).await.unwrap();
        sock.write_all(first).await.unwrap();
        sock.flush().await.unwrap();
        let _ = sent_tx.send(());
        let _ = finish_rx.await;
        let _ = sock.write_all(second).await;
    });
    (base, sent_rx, finish_tx)
}

#[tokio::test]
async fn a_cancel_after_the_paid_answer_began_still_gets_its_images() {
    let (base, head_sent, finish) = answer_in_two_halves().await;
    let c = Client::new(ClientConfig::new(base).with_api_key(KEY)).unwrap();
    let cancel = CancellationToken::new();
    let call = {
        let (c, cancel) = (c.clone(), cancel.clone());
        tokio::spawn(async move { c.generate(&gen("nano-banana-2", "an owl"), &cancel).await })
    };
    head_sent.await.unwrap();
    // The server has answered 200 (and charged): a cancel now must not drop the image.
    cancel.cancel();
    finish.send(()).unwrap();
    let out = tokio::time::timeout(Duration::from_secs(5), call).await.unwrap().unwrap().unwrap();
    assert_eq!(out.images.len(), 1);
    assert_eq!(dims(&out.images[0].bytes), (8, 8));
    assert!(out.failed.is_empty());
}
