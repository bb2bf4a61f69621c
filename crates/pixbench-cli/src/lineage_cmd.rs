//! The designer's loop from a terminal: `pixbench run --from-output RUN[/T/I]` edits from
//! an output of a past run (as the app's "Edit from this"), and `pixbench lineage RUN`
//! prints where a run came from and what was made from it, as a tree.

use std::fmt::Write as _;
use std::process::ExitCode;

use clap::Args;
use pixbench_core::api::{HistoryFilter, RunKind};
use pixbench_core::lineage::{short_id, Lineage, LineageRelation, OutputRef};
use pixbench_core::Engine;

use crate::{open_engine, open_engine_plain, run_request, CliError, Global, Res, RunArgs};

pub const LINEAGE_AFTER_HELP: &str = "\
RUNS
  RUN is a run id, its last 8 characters (as this command and the app print them), its
  first characters, or `last` for the newest run. `pixbench history --json` lists ids.

THE TREE
  The run's ancestors (the runs whose images it was edited from, oldest first), the run
  (marked <), then what was made from its images, each edit under the run it came from.
  A run whose parent was deleted says so; the chain stops there. --json prints the
  lineage as the app gets it: { runId, nodes: [{ run, depth, relation, from }], ... }.

EDIT FROM AN OUTPUT
  pixbench run --from-output RUN/1/2 --prompt \"the same, at dusk\"
  sends an edit of image 2 of target 1 of RUN (1-based; RUN alone means 1/1) with that
  run's model, size, aspect ratio and fields, and its prompt unless --prompt is given. The
  new run records where it came from: `pixbench lineage` shows it.";

#[derive(Args)]
pub struct LineageArgs {
    /// The run: an id, its last 8 characters, its first characters, or `last`.
    run: String,
}

/// A run id from what the user typed: a whole id, a unique prefix or 8-character suffix
/// (what the app and `pixbench lineage` print), or `last`.
pub fn resolve_run(engine: &Engine, given: &str) -> Res<String> {
    let given = given.trim();
    let rows = engine.runs.history(&HistoryFilter {
        limit: Some(10_000),
        include_bench_runs: Some(true),
        ..Default::default()
    })?;
    if given == "last" {
        return rows.first().map(|r| r.id.clone()).ok_or_else(|| CliError::Config("There are no runs yet.".into()));
    }
    if given.len() < 4 {
        return Err(CliError::Config(format!("“{given}” is too short for a run id: give at least 4 characters.")));
    }
    let hits: Vec<&str> = rows
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| id.starts_with(given) || (given.len() >= 8 && id.ends_with(given)))
        .collect();
    match hits.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(CliError::Config(format!(
            "No run's id starts or ends with “{given}”. `pixbench history --json` lists the ids."
        ))),
        many => Err(CliError::Config(format!("{} runs' ids start with “{given}”: give more characters.", many.len()))),
    }
}

/// `RUN[/TARGET/IMAGE]`, 1-based, as an output reference.
pub fn parse_output(engine: &Engine, s: &str) -> Res<OutputRef> {
    let parts: Vec<&str> = s.trim().split('/').collect();
    let bad = || {
        CliError::Config(format!(
            "--from-output {s}: write RUN, or RUN/TARGET/IMAGE with 1-based numbers (e.g. 9f2c41d7/1/2)."
        ))
    };
    let (run, target, image) = match parts.as_slice() {
        [run] => (*run, 1, 1),
        [run, t, i] => (*run, t.parse::<u32>().map_err(|_| bad())?, i.parse::<u32>().map_err(|_| bad())?),
        _ => return Err(bad()),
    };
    if target == 0 || image == 0 {
        return Err(bad());
    }
    Ok(OutputRef { run_id: resolve_run(engine, run)?, target_idx: target - 1, output_idx: image - 1 })
}

/// `pixbench run --from-output`: the app's "Edit from this", then the run as any other.
pub async fn run_from_output(g: &Global, a: &RunArgs, from: &str) -> Res<ExitCode> {
    let (engine, _) = open_engine(g, 1).await?;
    let from = parse_output(&engine, from)?;
    let draft = engine.lineages.iterate_from(&from)?;
    let mut request = draft.request;
    if !a.req.prompt.trim().is_empty() {
        request.prompt = a.req.prompt.clone();
    }
    if let Some(r) = draft.references.first().and_then(|r| r.note.as_ref()) {
        if !g.quiet {
            eprintln!("pixbench: the image: {r}");
        }
    }
    if !g.quiet {
        eprintln!(
            "pixbench: an edit of image {} of target {} of run {}",
            from.output_idx + 1,
            from.target_idx + 1,
            short_id(&from.run_id)
        );
    }
    run_request(g, &engine, request, a.req.save.as_deref()).await
}

pub async fn lineage_cmd(g: &Global, a: LineageArgs) -> Res<ExitCode> {
    let (engine, _) = open_engine_plain(g).await?;
    let id = resolve_run(&engine, &a.run)?;
    let l = engine.lineages.walk(&id)?;
    if g.json {
        println!("{}", serde_json::to_string_pretty(&l).unwrap_or_default());
    } else {
        print!("{}", tree(&l));
    }
    Ok(ExitCode::SUCCESS)
}

/// The lineage as an indented tree for a terminal.
pub fn tree(l: &Lineage) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Lineage of run {} ({} run{})", short_id(&l.run_id), l.nodes.len(), plural(l.nodes.len()));
    if let Some(gone) = &l.deleted_ancestor {
        let _ = writeln!(s, "  (its first image came from run {}, which was deleted)", short_id(gone));
    }
    for n in &l.nodes {
        let indent = "   ".repeat(n.depth as usize);
        let elbow = if n.depth == 0 { "" } else { "└─ " };
        let from = match &n.from {
            Some(f) => format!("edit of {}/{}/{}", short_id(&f.run_id), f.target_idx + 1, f.output_idx + 1),
            None if n.run.kind == RunKind::Edit => "edit".into(),
            None => "first run".into(),
        };
        let _ = writeln!(
            s,
            "{indent}{elbow}{}  {:<9} {:>4} cr  {:<28} {}  “{}”{}",
            short_id(&n.run.id),
            n.run.status.as_str(),
            n.run.cost.credits,
            cut(&n.run.models.join(","), 28),
            from,
            cut(&n.run.prompt, 60),
            if n.relation == LineageRelation::Current { "  <" } else { "" }
        );
    }
    if l.truncated {
        s.push_str("  (some runs are not shown: the lineage is deeper or wider than printed)\n");
    }
    s
}

/// At most `max` characters, with an ellipsis when cut.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
