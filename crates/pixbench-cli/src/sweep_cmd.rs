//! `pixbench run --sweep AXIS=V1,V2 --var NAME=V1,V2`: the sweep is part of the request;
//! the core counts its requests and bounds their cost (without listing them) before
//! anything is sent, and refuses it past the limit (`max_requests`) or on any mistake.

use pixbench_core::api::{Estimate, Request};
use pixbench_core::sweep::{SweepAxis, SweepVariable};

use crate::{CliError, Res};

/// `NAME=V1,V2` -> (NAME, [V1, V2]).
pub(crate) fn name_values(flag: &str, s: &str) -> Res<(String, Vec<String>)> {
    let Some((name, values)) = s.split_once('=') else {
        return Err(CliError::Config(format!("{flag} {s}: write NAME=VALUE1,VALUE2 (e.g. {flag} quality=low,high).")));
    };
    let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect();
    Ok((name.trim().to_string(), values))
}

/// `--sweep` and `--var` into the request.
pub fn add_sweep(request: &mut Request, sweep: &[String], vars: &[String]) -> Res<()> {
    for s in sweep {
        let (axis, values) = name_values("--sweep", s)?;
        request.sweep.push(SweepAxis { axis, values });
    }
    for s in vars {
        let (name, values) = name_values("--var", s)?;
        request.vars.push(SweepVariable { name: name.trim_matches(|c| c == '{' || c == '}').to_string(), values });
    }
    Ok(())
}

/// Prints a sweep's axes, count against the limit and notes (to stderr); nothing for a
/// request without a sweep.
pub fn say_plan(est: &Estimate) {
    if est.axes.is_empty() {
        return;
    }
    let axes: Vec<String> = est.axes.iter().map(|a| format!("{} {}", a.axis, a.values.join("/"))).collect();
    eprintln!(
        "pixbench: sweep of {}: {} request(s) (limit {}), up to {} credits (${:.2})",
        axes.join(" × "),
        est.count,
        est.limit,
        est.total.credits,
        est.total.usd
    );
    for n in &est.notes {
        eprintln!("pixbench: {n}");
    }
}
