//! Paths handed to the core (from the webview or a matrix file) are read bounded: a
//! device, a FIFO, a directory or a file larger than the limit is refused at once, with a
//! sentence that does not tell whether another path exists.

use pixbench_core::files::{read_bounded, MAX_REFERENCE_FILE};

#[test]
fn devices_fifos_dirs_and_huge_files_are_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let huge = dir.path().join("huge.png");
    std::fs::File::create(&huge).unwrap().set_len(MAX_REFERENCE_FILE + 1).unwrap();
    let small = dir.path().join("ok.png");
    std::fs::write(&small, b"12345").unwrap();
    for p in [std::path::Path::new("/dev/zero"), fifo.as_path(), dir.path()] {
        let e = read_bounded(p, MAX_REFERENCE_FILE).unwrap_err();
        assert_eq!(e, "it is not a readable image file", "{}", p.display());
    }
    let missing = read_bounded(&dir.path().join("nope.png"), MAX_REFERENCE_FILE).unwrap_err();
    assert_eq!(missing, "it is not a readable image file", "the same words whether a path exists or not");
    assert!(read_bounded(&huge, MAX_REFERENCE_FILE).unwrap_err().contains("refused"));
    assert_eq!(read_bounded(&small, 5).unwrap(), b"12345");
    assert!(read_bounded(&small, 4).is_err());
}
