//! `pixbench run --sweep/--var` and a matrix with `[sweep]`/`[vars]`, on the built binary
//! against its in-process Sandbox: the count and estimate first, the refusals, the report.

use std::path::PathBuf;
use std::process::Output;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_pixbench");

async fn run(dir: &std::path::Path, args: &[&str]) -> Output {
    tokio::process::Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .args(args)
        .env_remove("PIXAPI_KEY")
        .env_remove("PIXAPI_API_KEY")
        .env_remove("PIXBENCH_DATA_DIR")
        .env("HOME", dir)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("pixbench runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr:\n{}", stderr(o)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_sweep_prints_count_and_estimate_runs_every_combination_and_refuses_mistakes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let args = [
        "--sandbox",
        "--json",
        "run",
        "--model",
        "gpt-image-2",
        "--prompt",
        "a {{animal}} at dawn",
        "--sweep",
        "quality=low,high",
        "--var",
        "animal=fox,owl",
        "--sync",
    ];
    let o = run(d, &args).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "pixbench: sweep of quality low/high × {{animal}} fox/owl: 4 request(s) (limit 64), up to 30 credits"
        ),
        "{err}"
    );
    let r = json(&o);
    assert_eq!(r["requests"], 4);
    assert_eq!(r["credits"], 30, "2 × low (1) + 2 × high (14)");
    let models: Vec<&str> = r["targets"].as_array().unwrap().iter().map(|t| t["model"].as_str().unwrap()).collect();
    assert_eq!(
        models,
        vec![
            "gpt-image-2 quality=low {{animal}}=fox",
            "gpt-image-2 quality=low {{animal}}=owl",
            "gpt-image-2 quality=high {{animal}}=fox",
            "gpt-image-2 quality=high {{animal}}=owl",
        ]
    );

    // Mistakes are exit 2, with the core's sentence, and nothing is sent.
    let bad = |extra: &'static [&'static str]| {
        let mut a: Vec<&str> = vec!["--sandbox", "run", "--model", "gpt-image-2", "--prompt"];
        a.extend_from_slice(extra);
        a
    };
    for (args, says) in [
        (bad(&["a {{animal}}"]), "The prompt uses {{animal}} but it has no values"),
        (bad(&["a fox", "--sweep", "quality=ultra"]), "Quality “ultra” is not a value Pixapi documents"),
        (bad(&["a fox", "--var", "colour=red"]), "{{colour}} has values but the prompt does not use it"),
        (bad(&["a fox", "--sweep", "quality"]), "--sweep quality: write NAME=VALUE1,VALUE2"),
        (
            bad(&["a {{a}} {{b}}", "--var", "a=1,2,3,4,5,6,7,8,9", "--var", "b=1,2,3,4,5,6,7,8"]),
            "This makes 72 requests, more than your limit of 64",
        ),
    ] {
        let o = run(d, &args).await;
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
    // The refused 72 were counted and estimated first.
    let o = run(d, &bad(&["a {{a}} {{b}}", "--var", "a=1,2,3,4,5,6,7,8,9", "--var", "b=1,2,3,4,5,6,7,8"])).await;
    assert!(stderr(&o).contains("72 request(s) (limit 64), up to 1008 credits"), "{}", stderr(&o));

    // Only the first run was sent: four runs' worth of images in history, one run.
    let o = run(d, &["--json", "history"]).await;
    let runs = json(&o);
    assert_eq!(runs.as_array().unwrap().len(), 1, "{runs}");
    assert_eq!(runs[0]["images"], 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_matrix_with_sweep_and_vars_benchmarks_each_combination() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let m: PathBuf = d.join("m.toml");
    std::fs::write(
        &m,
        "prompts = [\"a {{animal}} in snow\"]\ntargets = [\"gpt-image-2\"]\nmode = \"sync\"\n\n[sweep]\nquality = [\"low\", \"medium\"]\n\n[vars]\nanimal = [\"fox\", \"owl\"]\n",
    )
    .unwrap();
    let o = run(d, &["--sandbox", "--json", "bench", m.to_str().unwrap()]).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = json(&o);
    assert_eq!(r["requests"], 4, "2 prompts × 2 targets");
    assert_eq!(r["credits"], 2 * (1 + 4));
    let models: Vec<&str> = r["targets"].as_array().unwrap().iter().map(|t| t["model"].as_str().unwrap()).collect();
    assert_eq!(models, vec!["gpt-image-2 quality=low", "gpt-image-2 quality=medium"]);

    // A bad axis value: exit 2 with the line and field.
    std::fs::write(&m, "prompts = [\"a fox\"]\ntargets = [\"gpt-image-2\"]\n\n[sweep]\nquality = [\"ultra\"]\n")
        .unwrap();
    let o = run(d, &["--sandbox", "bench", m.to_str().unwrap()]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("line 5: field `sweep.quality`: Quality “ultra” is not a value"), "{}", stderr(&o));

    // Past the limit on requests (3 × 2 × 12 = 72 > 64): refused by its count, nothing
    // sent; --max-requests raises it for this command only.
    std::fs::write(
        &m,
        "prompts = [\"a\", \"b\", \"c\"]\ntargets = [\"gemini-3.1-flash-image-preview-512\", \"gpt-image-2\"]\nrepeats = 12\nmode = \"sync\"\n",
    )
    .unwrap();
    let o = run(d, &["--sandbox", "bench", m.to_str().unwrap()]).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("This makes 72 requests, more than your limit of 64"), "{}", stderr(&o));
    let o = run(d, &["--sandbox", "--json", "--max-requests", "72", "bench", m.to_str().unwrap()]).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["requests"], 72);
    let o = run(d, &["--sandbox", "bench", m.to_str().unwrap()]).await;
    assert_eq!(o.status.code(), Some(2), "the raised limit was for that command only");

    // The help tells the matrix's sweep keys.
    let o = run(d, &["bench", "--help"]).await;
    let help = String::from_utf8_lossy(&o.stdout);
    for s in ["[sweep]", "[vars]", "{{animal}}", "not sent"] {
        assert!(help.contains(s), "bench --help lacks {s}");
    }
    let o = run(d, &["run", "--help"]).await;
    let help = String::from_utf8_lossy(&o.stdout);
    for s in ["--sweep <AXIS=V1,V2>", "--var <NAME=V1,V2>", "default 64 requests"] {
        assert!(help.contains(s), "run --help lacks {s}:\n{help}");
    }
}
