//! `pixbench test PATH` on a workspace against the in-process Sandbox: expectations that
//! hold pass (exit 0), ones that do not fail with their figure (exit 1) in the table, the
//! JUnit XML and the JSON; a broken `[expect]` is refused before anything is sent (exit 2).

use std::path::Path;

use serde_json::Value;

use crate::common::{pixbench, text};

fn write(root: &Path, rel: &str, body: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

const HOLDS: &str = "prompt = \"a lighthouse\"\ntargets = [\"gemini-3.1-flash-image-preview\"]\nmode = \"sync\"\n\n[expect]\nok = true\nimages = 1\ntier_as_asked = true\nmax_credits = 4\nmax_seconds = 120\n";

#[test]
fn a_suite_whose_expectations_hold_passes_and_says_so_in_junit() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    write(&ws, "pixbench.toml", "name = \"Suite\"\n");
    write(&ws, "smoke/lighthouse.toml", HOLDS);
    let junit = dir.path().join("report.xml");
    let out = pixbench(
        &dir.path().join("data"),
        &["--sandbox", "test", ws.join("smoke").to_str().unwrap(), "--junit", junit.to_str().unwrap()],
    );
    let table = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{table}\n{}", text(&out.stderr));
    assert!(table.contains("ok   smoke/lighthouse.toml"), "{table}");
    assert!(table.contains("pass  request: max_credits = 4  (4 credit(s))"), "{table}");
    assert!(table.contains("pass  Nano Banana 2 · 1K: tier_as_asked = true  (1K as asked (1024×1024))"), "{table}");
    assert!(table.contains("5 passed, 0 failed, 0 skipped"), "{table}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<testsuites name=\"pixbench test\" tests=\"5\" failures=\"0\""), "{xml}");
    assert!(xml.contains("<testsuite name=\"smoke/lighthouse.toml\""), "{xml}");
}

#[test]
fn an_expectation_that_does_not_hold_fails_with_its_figure_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    write(&ws, "pixbench.toml", "name = \"Suite\"\n");
    write(&ws, "a_holds.toml", HOLDS);
    // 4 credits asked of a 1-credit limit, two images of a request for one.
    write(
        &ws,
        "b_too_dear.toml",
        "prompt = \"a harbour\"\ntargets = [\"gemini-3.1-flash-image-preview\"]\nmode = \"sync\"\n[expect]\nmax_credits = 1\nimages = 2\nmin_ssim = 0.9\njudge_min = 4\n",
    );
    let json_out = dir.path().join("result.json");
    let junit = dir.path().join("report.xml");
    let out = pixbench(
        &dir.path().join("data"),
        &[
            "--sandbox",
            "--out",
            json_out.to_str().unwrap(),
            "test",
            ws.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
        ],
    );
    let table = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{table}\n{}", text(&out.stderr));
    assert!(table.contains("ok   a_holds.toml"), "the passing file still passes: {table}");
    assert!(table.contains("FAIL b_too_dear.toml"), "{table}");
    assert!(table.contains("FAIL  request: max_credits = 1  (4 credit(s))"), "{table}");
    assert!(table.contains("FAIL  Nano Banana 2 · 1K: images = 2  (1 image(s))"), "{table}");
    assert!(
        table.contains("FAIL  Nano Banana 2 · 1K: min_ssim = 0.9  (no golden image yet: `pixbench test --update-golden` keeps this output as it)"),
        "{table}"
    );
    assert!(table.contains("skip  Nano Banana 2 · 1K: judge_min = 4  (the judge is not built yet)"), "{table}");
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&json_out).unwrap()).unwrap();
    assert_eq!(r["cases"].as_array().unwrap().len(), 2);
    assert_eq!(r["simulated"], true);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<failure message=\"4 credit(s)\"/>"), "{xml}");
    assert!(xml.contains("<skipped message=\"the judge is not built yet\"/>"), "{xml}");
}

#[test]
fn a_broken_expectation_is_refused_with_its_line_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    write(&ws, "pixbench.toml", "name = \"Suite\"\n");
    write(&ws, "a_holds.toml", HOLDS);
    write(
        &ws,
        "b_typo.toml",
        "prompt = \"a harbour\"\ntargets = [\"gemini-3.1-flash-image-preview\"]\n[expect]\nmax_credit = 3\n",
    );
    let data = dir.path().join("data");
    let out = pixbench(&data, &["--sandbox", "test", ws.to_str().unwrap()]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("b_typo.toml:4: `expect.max_credit`: unknown expectation"), "{err}");
    // Nothing was sent: the first, good file did not run either.
    let history = pixbench(&data, &["--json", "history"]);
    let runs: Value = serde_json::from_slice(&history.stdout).unwrap_or(Value::Null);
    assert!(runs.as_array().is_none_or(|a| a.is_empty()), "{runs}");
}

#[test]
fn goldens_kept_with_update_golden_hold_next_time_and_catch_a_changed_picture() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let data = dir.path().join("data");
    write(&ws, "pixbench.toml", "name = \"Suite\"\n");
    let file = |prompt: &str| {
        format!("prompt = \"{prompt}\"\ntargets = [\"gemini-3.1-flash-image-preview\"]\naspect_ratio = \"16:9\"\nmode = \"sync\"\n[expect]\nmin_ssim = 0.98\nmax_phash = 4\n")
    };
    write(&ws, "hero.toml", &file("a lighthouse at dawn"));
    let run = |extra: &[&str]| {
        let mut args = vec!["--sandbox", "test", ws.to_str().unwrap()];
        args.extend_from_slice(extra);
        pixbench(&data, &args)
    };
    // Kept: one file per case, its name safe on every system (no `:` from 16:9 or an id).
    let kept = run(&["--update-golden"]);
    assert_eq!(kept.status.code(), Some(0), "{}\n{}", text(&kept.stdout), text(&kept.stderr));
    let golden = ws.join("hero.golden/gemini-3.1-flash-image-preview_1.png");
    assert!(golden.is_file(), "{}", text(&kept.stderr));
    let kept_bytes = std::fs::read(&golden).unwrap();
    // The Sandbox draws the same picture for the same request: it holds.
    let again = run(&[]);
    let table = text(&again.stdout);
    assert_eq!(again.status.code(), Some(0), "{table}");
    assert!(table.contains("pass  Nano Banana 2 · 1K: min_ssim = 0.98  (SSIM 1.0000 against the golden)"), "{table}");
    // Another prompt draws another picture: caught, with the figure.
    write(&ws, "hero.toml", &file("a harbour at night, rain"));
    let changed = run(&[]);
    let table = text(&changed.stdout);
    assert_eq!(changed.status.code(), Some(1), "{table}");
    assert!(table.contains("FAIL  Nano Banana 2 · 1K: min_ssim = 0.98  (SSIM 0."), "{table}");
    // A plain test run never writes a golden.
    assert_eq!(std::fs::read(&golden).unwrap(), kept_bytes);
}

#[test]
fn a_request_runs_once_per_data_row_with_the_row_before_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    write(&ws, "pixbench.toml", "name = \"Suite\"\n");
    write(&ws, "environments/acme.toml", "[vars]\nbrand = \"Acme\"\nstyle = \"photo\"\n");
    // The environment gives brand and style; the rows give brand (first) and, in one row,
    // a whole prompt of their own.
    write(
        &ws,
        "tins.toml",
        "prompt = \"a {{style}} tin for {{brand}}\"\ntargets = [\"gemini-3.1-flash-image-preview\"]\nmode = \"sync\"\ndata = \"brands.csv\"\n[expect]\nmax_credits = 4\n",
    );
    write(&ws, "brands.csv", "brand,prompt\nTea Co,\nNorth,a poster for {{brand}}\n");
    let json_out = dir.path().join("result.json");
    let out = pixbench(
        &dir.path().join("data"),
        &[
            "--sandbox",
            "--out",
            json_out.to_str().unwrap(),
            "test",
            ws.join("tins.toml").to_str().unwrap(),
            "--env",
            "acme",
        ],
    );
    let table = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{table}\n{}", text(&out.stderr));
    assert!(table.contains("ok   tins.toml (brands.csv, line 2)"), "{table}");
    assert!(table.contains("ok   tins.toml (brands.csv, line 3)"), "{table}");
    // The values each row ran with (what its run records): the row's brand over the
    // environment's, the environment's style where the row has none.
    let err = text(&out.stderr);
    assert!(
        err.contains("(brands.csv, line 2): environment acme · brands.csv line 2: style=photo, brand=Tea Co"),
        "{err}"
    );
    assert!(err.contains("(brands.csv, line 3): environment acme · brands.csv line 3: brand=North"), "{err}");
    assert!(!err.contains("brand=Acme"), "the environment's brand was used: {err}");
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&json_out).unwrap()).unwrap();
    assert_eq!(r["cases"].as_array().unwrap().len(), 2);
    // The second row's `prompt` column replaced the file's prompt.
    let history = pixbench(&dir.path().join("data"), &["--json", "history"]);
    let h = text(&history.stdout);
    assert!(h.contains("\"prompt\": \"a poster for {{brand}}\""), "{h}");
    assert!(h.contains("\"prompt\": \"a {{style}} tin for {{brand}}\""), "{h}");
}

#[test]
fn data_rows_past_the_request_limit_are_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let data = dir.path().join("data");
    write(&ws, "pixbench.toml", "name = \"Suite\"\n");
    write(&ws, "tins.toml", "prompt = \"a tin for {{brand}}\"\ntargets = [\"gemini-3.1-flash-image-preview\"]\n");
    let rows: String = (0..5).map(|i| format!("{{\"brand\": \"B{i}\"}}\n")).collect();
    write(&ws, "rows.jsonl", &rows);
    let out = pixbench(
        &data,
        &[
            "--sandbox",
            "--max-requests",
            "3",
            "test",
            ws.to_str().unwrap(),
            "--data",
            ws.join("rows.jsonl").to_str().unwrap(),
        ],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("make 5 requests together, over the limit of 3") && err.contains("--max-requests 5"), "{err}");
    let history = pixbench(&data, &["--json", "history"]);
    let runs: Value = serde_json::from_slice(&history.stdout).unwrap_or(Value::Null);
    assert!(runs.as_array().is_none_or(|a| a.is_empty()), "{runs}");
    // Raised for this command, they run.
    let ok = pixbench(
        &data,
        &[
            "--sandbox",
            "--max-requests",
            "5",
            "test",
            ws.to_str().unwrap(),
            "--data",
            ws.join("rows.jsonl").to_str().unwrap(),
        ],
    );
    assert_eq!(ok.status.code(), Some(0), "{}\n{}", text(&ok.stdout), text(&ok.stderr));
    assert!(text(&ok.stdout).contains("5 passed, 0 failed"), "{}", text(&ok.stdout));
}
