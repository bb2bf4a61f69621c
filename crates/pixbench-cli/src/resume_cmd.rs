//! `pixbench resume`: takes over what a stopped Pixbench left in the data dir (tasks Pixapi
//! accepted whose images have not come, runs cut off) and waits for them, so a headless
//! user collects paid images without opening the app.

use std::process::ExitCode;

use clap::Args;
use pixbench_core::api::{RunStatus, RunView};

use crate::{open_engine_resuming, output, Global, Res};

pub const RESUME_AFTER_HELP: &str = "\
A task Pixapi accepted is Pixbench's until it delivers or Pixapi says it failed: it may be
charged, so it is never sent again and never forgotten. When its polling fails (the
connection, a 5xx, a rejected key, the poll deadline, an answer too large, its image links)
the run waits (status `waiting`) and the task is checked again later. `pixbench run` returns
once a run has done all it can now and says which tasks are still waited for; the app takes
them over when it opens, and so does `pixbench resume`.

Runs another live process is driving (the open app's) are left to it.

Exit codes: 0 every run resumed finished well (or there was nothing to resume); 1 a task is
still waited for or a request failed; 2 usage or configuration.";

#[derive(Args)]
pub struct ResumeArgs {
    /// Wait until every task waited for delivers or fails (default: until each run has
    /// done all it can now).
    #[arg(long)]
    wait: bool,
}

pub async fn resume_cmd(g: &Global, a: ResumeArgs) -> Res<ExitCode> {
    let (engine, _) = open_engine_resuming(g, 4, true).await?;
    let ids = engine.runs.active_ids();
    if ids.is_empty() {
        if !g.quiet {
            eprintln!("pixbench: nothing to resume (a run the open app is driving is left to it).");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut all_fine = true;
    for id in ids {
        let run = if a.wait { engine.runs.wait(&id).await? } else { engine.runs.wait_settled(&id).await? };
        all_fine &= run.status == RunStatus::Done;
        if g.json {
            println!("{}", serde_json::to_string(&run).unwrap_or_default());
        } else if !g.quiet {
            eprint!("{}", output::run_outputs(&engine, &run));
        }
        say_what_is_waited_for(g, &run);
    }
    Ok(if all_fine { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Says which of a run's tasks are still waited for, and how they will be collected.
pub fn say_what_is_waited_for(g: &Global, run: &RunView) {
    let waiting: Vec<&str> =
        run.targets.iter().filter(|t| t.status == RunStatus::Waiting).filter_map(|t| t.task_id.as_deref()).collect();
    if waiting.is_empty() || g.quiet {
        return;
    }
    eprintln!(
        "pixbench: Pixapi accepted {} task(s) whose images have not come yet ({}). Do not run them again: they may be charged. Pixbench collects them when the app opens, or run `pixbench resume`.",
        waiting.len(),
        waiting.join(", ")
    );
}
