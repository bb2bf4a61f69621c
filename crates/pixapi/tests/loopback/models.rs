use crate::common::*;

#[tokio::test]
async fn list_models_reads_ids() {
    let sim = sim().await;
    let models = client(&sim).list_models(&never()).await.unwrap();
    let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
    // The documented ids and aliases; the price tables' suffixed names are not models.
    for want in [BASE_ID, "nano-banana-2", "gemini-3-pro-image-preview", "gpt-image-2"] {
        assert!(ids.contains(&want), "{ids:?}");
    }
    assert!(!ids.iter().any(|i| i.ends_with("-4k") || i.ends_with("-512")), "{ids:?}");
    sim.shutdown().await;
}
