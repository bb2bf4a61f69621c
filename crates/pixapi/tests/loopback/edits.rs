use pixapi::{EditRequest, Error, ImageFieldStyle, ImageInput};

use crate::common::*;

#[tokio::test]
async fn edits_with_both_field_styles_and_a_mask() {
    let sim = sim().await;
    let c = client(&sim);
    for style in [ImageFieldStyle::Brackets, ImageFieldStyle::Repeated] {
        let mut req = EditRequest::new(
            "nano-banana-2",
            "make it blue",
            vec![ImageInput::from_bytes("a.png", reference_png(1)), ImageInput::from_bytes("b.png", reference_png(2))],
        );
        req.image_field = style;
        req.mask = Some(ImageInput::from_bytes("mask.png", reference_png(0)));
        let out = c.edit(&req, &never()).await.unwrap_or_else(|e| panic!("{style:?}: {e}"));
        assert_eq!(out.images.len(), 1);
        assert_eq!(dims(&out.images[0].bytes), (1024, 1024));
        assert_sync_timing_consistent(sync_timing(&out.timing));
    }
    assert_eq!(sim.state().charged, 8);
    sim.shutdown().await;
}

#[tokio::test]
async fn image_input_from_path() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("photo.png");
    std::fs::write(&p, reference_png(9)).unwrap();
    let img = ImageInput::from_path(&p).await.unwrap();
    assert_eq!((img.file_name.as_str(), img.mime.as_str()), ("photo.png", "image/png"));
    let e = ImageInput::from_path(dir.path().join("missing.png")).await.unwrap_err();
    assert!(matches!(e.kind, Error::InvalidInput { .. }));
}

#[tokio::test]
async fn edit_without_images_is_refused_locally() {
    let sim = sim().await;
    let c = client(&sim);
    let e = c.edit(&EditRequest::new("nano-banana-2", "x", vec![]), &never()).await.unwrap_err();
    assert!(matches!(e.kind, Error::InvalidInput { .. }), "{e}");
    assert_eq!(sim.state().requests, 0);
    sim.shutdown().await;
}
