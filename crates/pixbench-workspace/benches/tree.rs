//! Opening a workspace of 10,000 request files in 500 folders (issue 23's scale): the
//! tree the sidebar and the palette are built from, listed from file names (no request is
//! read). Prints the figures; `cargo bench -p pixbench-workspace --bench tree`. The
//! palette's index and first query over the same names is `npx vitest bench --run
//! src/lib/logic/palette.bench.ts` in ui/.

use std::time::{Duration, Instant};

use pixbench_workspace::Workspace;

fn main() {
    let dir = tempfile::tempdir().expect("a temp dir");
    for f in 0..500 {
        let folder = dir.path().join(format!("folder-{f}"));
        std::fs::create_dir(&folder).unwrap();
        for r in 0..20 {
            std::fs::write(folder.join(format!("request {} hero shot.toml", f * 20 + r)), "prompt = \"x\"\n").unwrap();
        }
    }
    let mut times: Vec<Duration> = Vec::new();
    let mut entries = 0;
    for _ in 0..20 {
        let t = Instant::now();
        let ws = Workspace::open(dir.path()).unwrap();
        entries = ws.list().entries.len();
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "workspace of 10,000 requests in 500 folders: {entries} entries; open + list, warm cache: median {:.1} ms, min {:.1} ms, max {:.1} ms (20 runs)",
        times[10].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[19].as_secs_f64() * 1e3
    );
}
