//! Drawing and encoding time of the Sandbox's outputs, and their sizes, per tier and format.
//!
//! `cargo bench -p pixapi-sim --bench imagegen` (set `IMAGEGEN_BENCH_OUT=<dir>` to also
//! write the 1K and 4K PNGs there, to look at them). Prints, for each size: the median of
//! a few runs of drawing (and its mean CPU time over all threads), of PNG / JPEG (quality
//! 100 and 75) / WebP encoding (one thread each), and each file's size. The sim caches
//! encoded outputs; these are the uncached figures. `IMAGEGEN_BENCH_FORMATS=png,webp`
//! times only those encoders.

use std::time::{Duration, Instant};

use pixapi_sim::imagegen::{encode, render, Encoding, Spec};

/// CPU time of this process so far (user + system, all threads), from /proc on Linux: on a
/// busy machine the wall time says little, the CPU time what the work costs.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses): utime and stime are the
    // 12th and 13th, in clock ticks (100 a second on Linux).
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f());
        times.push(t.elapsed());
    }
    (median(times), last.expect("at least one run"))
}

fn ms(d: Duration) -> String {
    format!("{:7.1} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let out = std::env::var_os("IMAGEGEN_BENCH_OUT").map(std::path::PathBuf::from);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("imagegen: median of runs, {threads} hardware threads (the renderer uses up to 4)");
    let prompts = ["a red fox in the snow", "a detailed city at night", "a bowl of fruit"];
    // `IMAGEGEN_BENCH_FORMATS=png` to time only some encoders.
    let only = std::env::var("IMAGEGEN_BENCH_FORMATS").ok();
    for (label, w, h, runs) in
        [("512", 512, 512, 7), ("1K", 1024, 1024, 5), ("2K", 2048, 2048, 3), ("4K", 4096, 4096, 3)]
    {
        for prompt in prompts {
            let spec = Spec {
                prompt: prompt.into(),
                index: 0,
                width: w,
                height: h,
                references: vec![],
                encoding: Encoding::Png,
            };
            let cpu0 = cpu_time();
            let (draw, img) = time(runs, || render(&spec));
            let cpu = match (cpu0, cpu_time()) {
                (Some(a), Some(b)) => format!(" (cpu {})", ms((b - a) / runs as u32)),
                _ => String::new(),
            };
            let mut line = format!("{label:>3} {prompt:<26} draw {}{cpu}", ms(draw));
            for (name, enc) in [
                ("png", Encoding::Png),
                ("jpeg100", Encoding::Jpeg { quality: 100 }),
                ("jpeg75", Encoding::Jpeg { quality: 75 }),
                ("webp", Encoding::WebP),
            ] {
                if only.as_deref().is_some_and(|o| !o.split(',').any(|f| f == name)) {
                    continue;
                }
                let (t, bytes) = time(runs.min(3), || encode(&img, enc));
                line += &format!(" | {name} {} {:6.2} MB", ms(t), bytes.len() as f64 / 1e6);
                if let (Some(dir), "png", "1K" | "4K") = (&out, name, label) {
                    let file = dir.join(format!("{label}-{}.png", prompt.replace(' ', "-")));
                    std::fs::write(&file, &bytes).expect("write the sample");
                }
            }
            println!("{line}");
        }
    }
}
