use crate::common::*;

#[tokio::test]
async fn list_models_reads_ids() {
    let sim = sim().await;
    let models = client(&sim).list_models(&never()).await.unwrap();
    let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
    for want in [
        BASE_ID,
        "gemini-3.1-flash-image-preview-512",
        "gemini-3.1-flash-image-preview-4k",
    ] {
        assert!(ids.contains(&want), "{ids:?}");
    }
    sim.shutdown().await;
}
