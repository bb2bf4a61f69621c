//! The built `pixbench` binary, run as a user would with a data dir of the test's own and
//! no key or data dir inherited from the environment.

use std::path::Path;
use std::process::Output;

const BIN: &str = env!("CARGO_BIN_EXE_pixbench");

pub fn pixbench(data: &Path, args: &[&str]) -> Output {
    std::process::Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("PIXAPI_KEY")
        .env_remove("PIXAPI_API_KEY")
        .env_remove("PIXBENCH_DATA_DIR")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("pixbench runs")
}

#[allow(dead_code)] // not every test binary prints bytes
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
