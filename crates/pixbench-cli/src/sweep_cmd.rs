//! `pixbench run --sweep AXIS=V1,V2 --var NAME=V1,V2`: the run's request as a sweep, expanded
//! by the core (the same expansion as the app's), its count and estimate printed before
//! anything is sent, and refused past the limit (`max_sweep_requests`) or on any mistake.

use pixbench_core::api::RunSpec;
use pixbench_core::sweep::{template_variables, SweepAxis, SweepSpec, SweepVariable};
use pixbench_core::Engine;

use crate::{CliError, Res};

/// `NAME=V1,V2` -> (NAME, [V1, V2]).
fn name_values(flag: &str, s: &str) -> Res<(String, Vec<String>)> {
    let Some((name, values)) = s.split_once('=') else {
        return Err(CliError::Config(format!("{flag} {s}: write NAME=VALUE1,VALUE2 (e.g. {flag} quality=low,high).")));
    };
    let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect();
    Ok((name.trim().to_string(), values))
}

/// Whether the run is a sweep: axes or variables given, or the prompt names a `{{variable}}`.
pub fn is_sweep(sweep: &[String], vars: &[String], prompt: &str) -> bool {
    !sweep.is_empty() || !vars.is_empty() || template_variables(prompt).is_ok_and(|v| !v.is_empty())
}

/// The run spec of the sweep, after printing its count and estimate (to stderr).
pub fn expand(engine: &Engine, quiet: bool, base: RunSpec, sweep: &[String], vars: &[String]) -> Res<RunSpec> {
    let mut axes = Vec::new();
    for s in sweep {
        let (axis, values) = name_values("--sweep", s)?;
        axes.push(SweepAxis { axis, values });
    }
    let mut variables = Vec::new();
    for s in vars {
        let (name, values) = name_values("--var", s)?;
        variables.push(SweepVariable { name: name.trim_matches(|c| c == '{' || c == '}').to_string(), values });
    }
    let spec = SweepSpec {
        mode: Some(base.mode),
        prompt: base.prompt.clone(),
        targets: base.targets.clone(),
        aspect_ratio: base.aspect_ratio.clone(),
        response_format: Some(base.response_format),
        sync_mode: Some(base.sync_mode),
        references: base.references.clone(),
        options: base.options.clone(),
        ignore_budget: base.ignore_budget,
        axes,
        variables,
    };
    let plan = engine.sweep_expand(&spec)?;
    if !quiet {
        let axes: Vec<String> = plan.axes.iter().map(|a| format!("{} {}", a.axis, a.values.join("/"))).collect();
        eprintln!(
            "pixbench: sweep of {}: {} request(s) (limit {}), up to {} credits (${:.2})",
            axes.join(" × "),
            plan.count,
            plan.limit,
            plan.total_credits,
            plan.total_usd
        );
        for n in &plan.notes {
            eprintln!("pixbench: {n}");
        }
    }
    match plan.run_spec {
        Some(run) if plan.problems.is_empty() => Ok(run),
        _ => Err(CliError::Config(format!("The sweep cannot be sent: {}", plan.problems.join(" ")))),
    }
}
