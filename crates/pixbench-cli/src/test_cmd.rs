//! `pixbench test PATH`: the request files under PATH as a test suite. Each runs as
//! `pixbench run` runs it; its `[expect]` is held against the run, per target, with the
//! figure that decided; the suite is printed, and written as JUnit XML and JSON for CI.
//! Exit 0 when every expectation held, 1 when one failed, 2 on a usage or file error
//! (found before anything is sent).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use pixbench_suite::{check, CaseResult, Expectations, GoldenOutcome, Goldens, Outcome, SuiteReport};
use pixbench_workspace::RequestFile;

use crate::file_cmd::{config, load_requests};
use crate::{output, send_and_wait, CliError, Global, Res};

pub const TEST_AFTER_HELP: &str = "\
A request file's [expect] table says what its run must do (checked per target):
  ok = true             every request succeeded (the default when [expect] is absent)
  images = N            N images per request
  tier_as_asked = true  the delivered size is the tier asked for
  max_credits = N       the request as a whole costs at most N credits
  max_seconds = S       each request takes at most S seconds
  min_ssim = 0.9        each image's SSIM against its golden image is at least this
  max_phash = 8         each image's perceptual-hash distance from its golden is at most this
  judge_min, rubric     read and checked as written; reported as skipped (the judge comes later)

Golden images are kept beside each request, in NAME.golden/ (one file per target, swept
values and image: gpt-image-2_quality-high_1.png), for a pull request to show. Keep them
with --update-golden. SSIM against a golden makes sense against a deterministic server
(the Sandbox); against a real model, bound the pHash distance instead (max_phash = 12).

Examples:
  pixbench test suites/ --sandbox --junit report.xml
  pixbench test hero/banner.toml --env staging --out result.json
  pixbench test suites/ --sandbox --update-golden        # keep today's outputs as golden
  pixbench test hero.toml --data brands.csv              # once per row: {{brand}} from its column

Exit status: 0 every expectation held; 1 one failed (or a request could not run);
2 usage, or a file error (the file, its line and key), found before anything is sent.";

#[derive(Args)]
pub struct TestArgs {
    /// A request file, or a folder of them (every request file under it runs).
    path: PathBuf,
    /// The environment (environments/NAME.toml) that fills {{variables}} and says where
    /// requests go.
    #[arg(long, value_name = "NAME")]
    env: Option<String>,
    /// Run every request once per row of this CSV or JSON Lines file (its columns fill the
    /// {{variables}}; a `prompt` or `images` column replaces the request's), instead of
    /// the files' own `data`.
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,
    /// Write the result as JUnit XML, as CI systems read it.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Keep every output of the cases run as their golden images (beside each request, in
    /// NAME.golden/), replacing the old ones; then check as usual.
    #[arg(long)]
    update_golden: bool,
}

pub async fn test_cmd(g: &Global, a: TestArgs) -> Res<ExitCode> {
    for o in &g.out {
        if !o.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
            return Err(CliError::Config(format!("--out {}: a suite's result is written as .json.", o.display())));
        }
    }
    let keep = |f: RequestFile| -> Res<RequestFile> { Ok(f) };
    let (g, engine, requests) = load_requests(g, &a.path, a.env.as_deref(), &keep, &[], a.data.as_deref()).await?;
    // Every file's expectations read before anything is sent, as its request was.
    let mut cases = Vec::new();
    for r in &requests {
        cases.push(Expectations::of_file(&r.file, &r.full).map_err(config)?);
    }
    let catalog = engine.catalog.current();
    let label = |t: &pixbench_core::api::TargetView| {
        let name = catalog.get(&t.model_id).map(|e| e.label.clone()).unwrap_or_else(|| t.model_id.clone());
        let axes: Vec<&str> = t.axes.iter().filter(|x| x.axis != "model").map(|x| x.value.as_str()).collect();
        if axes.is_empty() {
            name
        } else {
            format!("{name} · {}", axes.join(" · "))
        }
    };

    let started_at = pixbench_core::store::now_rfc3339();
    let t0 = Instant::now();
    let mut report = SuiteReport { started_at, seconds: 0.0, simulated: false, cases: Vec::new() };
    for (r, expect) in requests.into_iter().zip(cases) {
        // A data row is a case of its own: the file, the data file and the row's line.
        let file = match &r.row {
            Some((data, line)) => format!("{} ({data}, line {line})", r.rel),
            None => r.rel.clone(),
        };
        if !g.quiet {
            eprintln!("pixbench: {file}");
        }
        let name = r.file.name.clone().unwrap_or_else(|| stem(&r.rel));
        let row = r.row.as_ref().map(|(_, line)| *line);
        let t = Instant::now();
        let case = match send_and_wait(&g, &engine, r.request).await {
            Ok(run) => {
                report.simulated = run.simulated;
                let goldens = Goldens::beside(&r.full);
                if a.update_golden {
                    for t in &run.targets {
                        for (i, o) in t.outputs.iter().enumerate() {
                            let bytes = engine.exports.output_bytes(&o.sha256)?;
                            let path = goldens.write(&Goldens::case_name(t, i, row), &bytes).map_err(|e| {
                                CliError::Config(format!("{}: could not keep a golden image: {e}", r.rel))
                            })?;
                            if !g.quiet {
                                eprintln!("pixbench: golden {}", path.display());
                            }
                        }
                    }
                }
                let golden = |t: &pixbench_core::api::TargetView, i: usize| match engine
                    .exports
                    .output_bytes(&t.outputs[i].sha256)
                {
                    Ok(bytes) => goldens.compare(&Goldens::case_name(t, i, row), &bytes),
                    Err(e) => GoldenOutcome::Failed(format!(
                        "the output cannot be read: {}",
                        pixbench_core::api::UiError::from(e).message
                    )),
                };
                CaseResult {
                    file,
                    name,
                    run_id: Some(run.id.clone()),
                    credits: run.targets.iter().map(|t| t.cost.credits).sum(),
                    seconds: t.elapsed().as_secs_f64(),
                    checks: check(&expect, &run, &label, &golden),
                    error: None,
                }
            }
            // A request that could not run (refused before sending, over the budget) fails
            // its case; the suite goes on.
            Err(CliError::Config(msg)) => CaseResult {
                file,
                name,
                run_id: None,
                credits: 0,
                seconds: t.elapsed().as_secs_f64(),
                checks: Vec::new(),
                error: Some(output::clean(&msg)),
            },
        };
        report.cases.push(case);
    }
    report.seconds = t0.elapsed().as_secs_f64();

    if let Some(path) = &a.junit {
        write(path, &report.junit(), g.quiet)?;
    }
    for path in &g.out {
        write(path, &report.json(), g.quiet)?;
    }
    if g.json {
        println!("{}", report.json());
    } else {
        print!("{}", table(&report));
    }
    Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn stem(rel: &str) -> String {
    Path::new(rel).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| rel.to_string())
}

fn write(path: &Path, text: &str, quiet: bool) -> Res<()> {
    std::fs::write(path, text).map_err(|e| CliError::Config(format!("Could not write {}: {e}", path.display())))?;
    if !quiet {
        eprintln!("pixbench: wrote {}", path.display());
    }
    Ok(())
}

/// The suite for a person: each case, each check with its figure, then the totals.
fn table(r: &SuiteReport) -> String {
    let mut s = String::new();
    for case in &r.cases {
        let mark = if case.failed() { "FAIL" } else { "ok  " };
        s.push_str(&format!("{mark} {}  ({} credits, {:.1} s)\n", case.file, case.credits, case.seconds));
        if let Some(e) = &case.error {
            s.push_str(&format!("     could not run: {e}\n"));
        }
        for c in &case.checks {
            let word = match c.outcome {
                Outcome::Pass => "pass",
                Outcome::Fail => "FAIL",
                Outcome::Skip => "skip",
            };
            s.push_str(&format!(
                "     {word}  {}: {}  ({})\n",
                output::clean(&c.target),
                c.expectation,
                output::clean(&c.detail)
            ));
        }
    }
    let n = r.counts();
    s.push_str(&format!(
        "{} passed, {} failed, {} skipped · {} file(s) · {:.1} s{}\n",
        n.passed,
        n.failed,
        n.skipped,
        r.cases.len(),
        r.seconds,
        if r.simulated { " · simulated" } else { "" }
    ));
    s
}
