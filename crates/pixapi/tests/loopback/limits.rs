use pixapi::{Client, Error};

use crate::common::*;

#[tokio::test]
async fn max_response_bytes_refuses_a_4k_answer() {
    let sim = sim().await;
    let c = client(&sim);
    let mut req = gen(BASE_ID, "a detailed city");
    req.size = Some("4K".into());
    let big = c.generate(&req, &never()).await.unwrap();
    assert_eq!(dims(&big.images[0].bytes), (4096, 4096));
    let answer_len = big.images[0].bytes.len() as u64 * 4 / 3;
    let charged = sim.state().charged;
    let mut cfg = config(&sim);
    cfg.max_response_bytes = answer_len / 2;
    let small = Client::new(cfg).unwrap();
    let e = small.generate(&req, &never()).await.unwrap_err();
    assert_eq!(e.kind, Error::TooLarge { limit: answer_len / 2 }, "{e}");
    assert_eq!(e.attempts, 1);
    assert!(e.user_message().contains("limit"));
    // A 1K answer (far smaller) still fits under the same limit.
    let ok = small.generate(&gen("nano-banana-2", "small"), &never()).await.unwrap();
    assert!((ok.images[0].bytes.len() as u64) < answer_len / 2);
    eprintln!("4K answer ~{answer_len} bytes, 1K image {} bytes", ok.images[0].bytes.len());
    let now = sim.state().charged;
    eprintln!("charged before {charged}, after {now}");
    assert!(now == charged + 4 || now == charged + 4 + 8, "{now}");
    sim.shutdown().await;
}
