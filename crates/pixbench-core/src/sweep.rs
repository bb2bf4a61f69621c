//! Sweeps: one run whose targets are the product of its axes. A [`SweepSpec`] is a base
//! request (a prompt template with `{{variable}}`s, references, format, models) plus axes
//! (aspect ratio or size, and the model-specific fields a model's catalog entry documents:
//! `quality`, `output_format`, `background`) and variables with a list of values each.
//! [`expand`] turns it into a [`RunSpec`] with one target per combination, each carrying its
//! own aspect ratio, fields and prompt and the [`AxisValue`]s it stands for.
//!
//! An axis a model does not document collapses to one request labelled [`NOT_SENT`] for
//! that model (never duplicate requests); a sweep past the user's limit
//! (`Settings::max_sweep_requests`) is refused with its count and estimate.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::api::*;
use crate::catalog::{field_specs, size_dims, Catalog};
use crate::engine::Engine;
use crate::error::CoreResult;

/// The axes a sweep can vary besides prompt variables, in the order the docs list them.
pub const AXES: &[&str] = &["aspect_ratio", "size", "quality", "output_format", "background"];
/// The axes that are model-specific fields: sent only to models whose entry lists them.
pub const FIELD_AXES: &[&str] = &["quality", "output_format", "background"];
/// The label of a target's value on an axis its model does not take.
pub const NOT_SENT: &str = "not sent";
/// The label of the axis that tells a sweep's models apart (when there are several).
pub const MODEL_AXIS: &str = "model";

/// A sweep as the composer, the CLI or a matrix file describes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct SweepSpec {
    /// Generate unless said.
    #[ts(optional)]
    pub mode: Option<RunMode>,
    /// The prompt template: `{{name}}` is replaced by each value of the variable `name`.
    pub prompt: String,
    /// The models swept, each with its `n` (and its own `size`, if any).
    pub targets: Vec<TargetSpec>,
    /// The aspect ratio of every target unless an `aspect_ratio` axis varies it.
    #[ts(optional)]
    pub aspect_ratio: Option<String>,
    /// `b64_json` unless said.
    #[ts(optional)]
    pub response_format: Option<ResponseFormatChoice>,
    /// `auto` unless said.
    #[ts(optional)]
    pub sync_mode: Option<SyncMode>,
    /// SHA-256 of stored reference images, in order.
    pub references: Vec<String>,
    /// Model-specific fields of every target unless an axis varies them.
    #[ts(optional)]
    pub options: Option<serde_json::Map<String, serde_json::Value>>,
    pub ignore_budget: bool,
    pub axes: Vec<SweepAxis>,
    pub variables: Vec<SweepVariable>,
}

/// One axis: `aspect_ratio`, `size`, `quality`, `output_format` or `background`, and its values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SweepAxis {
    pub axis: String,
    pub values: Vec<String>,
}

/// A prompt variable (`{{name}}` in the template) and the values it takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SweepVariable {
    pub name: String,
    pub values: Vec<String>,
}

/// An axis as the preview shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SweepAxisPlan {
    /// As in [`AxisValue::axis`]: `model`, `quality`, ..., or `{{name}}` for a variable.
    pub axis: String,
    pub values: Vec<String>,
    /// The models (catalog ids) this axis is not sent to: one request each instead of one per value.
    pub not_sent_to: Vec<String>,
}

/// A sweep expanded: what it would run, how many requests, what it costs at most.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SweepPlan {
    /// The run to start with `run_start`; `None` while there are problems.
    pub run_spec: Option<RunSpec>,
    /// Requests (targets) the sweep makes.
    pub count: u32,
    /// The user's limit on `count`.
    pub limit: u32,
    /// The most it costs if every image is delivered and billed as asked.
    pub total_credits: i64,
    pub total_usd: f64,
    /// The full pre-flight (budget, per target), once the sweep is within its limit.
    pub estimate: Option<Estimate>,
    pub axes: Vec<SweepAxisPlan>,
    /// Why it cannot run, each a sentence; empty when it can.
    pub problems: Vec<String>,
    /// What a person should know, e.g. which axis is not sent to which model.
    pub notes: Vec<String>,
}

/// [`expand`]'s answer, before the engine adds the budget.
#[derive(Debug, Clone)]
pub struct Expansion {
    pub run_spec: Option<RunSpec>,
    pub count: u64,
    pub total_credits: i64,
    pub axes: Vec<SweepAxisPlan>,
    pub problems: Vec<String>,
    pub notes: Vec<String>,
}

/// The variable names a template uses, in order of first use, or a sentence about a
/// malformed `{{…}}`.
pub fn template_variables(template: &str) -> Result<Vec<String>, String> {
    let mut names: Vec<String> = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Err("The prompt opens a variable with “{{” but never closes it with “}}”.".into());
        };
        let name = after[..close].trim();
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') {
            return Err(format!(
                "The prompt has “{{{{{}}}}}”: a variable name is letters, digits, _ or - (e.g. {{{{animal}}}}).",
                &after[..close]
            ));
        }
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
        rest = &after[close + 2..];
    }
    Ok(names)
}

/// The template with each variable replaced by its value.
pub fn fill_template(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else { break };
        out.push_str(&rest[..open]);
        let name = after[..close].trim();
        match values.iter().find(|(n, _)| *n == name) {
            Some((_, v)) => out.push_str(v),
            None => out.push_str(&rest[open..open + 2 + close + 2]),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

/// Whether `axis` is sent to a model with this entry.
fn applies(axis: &str, entry: &CatalogEntry, base: &TargetSpec) -> bool {
    match axis {
        "aspect_ratio" => base.size.is_none(),
        "size" => true,
        field => entry.fields.iter().any(|f| f == field),
    }
}

fn axis_label(axis: &str) -> &str {
    match axis {
        "aspect_ratio" => "aspect ratio",
        "output_format" => "output format",
        other => other,
    }
}

/// Checks the axes against the catalog and the models; answers the sentences for what is wrong.
fn axis_problems(spec: &SweepSpec, entries: &[(&TargetSpec, &CatalogEntry)]) -> Vec<String> {
    let mut p = Vec::new();
    let fields = field_specs();
    for (i, a) in spec.axes.iter().enumerate() {
        let name = a.axis.as_str();
        if !AXES.contains(&name) {
            p.push(format!(
                "“{name}” is not a sweep axis: use aspect_ratio, size, quality, output_format or background (or a {{{{variable}}}} in the prompt)."
            ));
            continue;
        }
        if spec.axes[..i].iter().any(|b| b.axis == a.axis) {
            p.push(format!("The {} axis is listed twice: give it once, with all its values.", axis_label(name)));
            continue;
        }
        if a.values.is_empty() {
            p.push(format!("The {} axis has no values: add at least one, or remove it.", axis_label(name)));
            continue;
        }
        for (j, v) in a.values.iter().enumerate() {
            if a.values[..j].contains(v) {
                p.push(format!("The {} axis lists “{v}” twice.", axis_label(name)));
            }
        }
        match name {
            "aspect_ratio" => {
                for (base, e) in entries {
                    if base.size.is_some() {
                        continue;
                    }
                    for v in &a.values {
                        if !e.aspect_ratios.contains(v) {
                            p.push(format!(
                                "{} does not offer the aspect ratio {v}; it offers {}.",
                                e.label,
                                e.aspect_ratios.join(", ")
                            ));
                        }
                    }
                }
            }
            "size" => {
                for v in &a.values {
                    if entries.iter().any(|(_, e)| size_dims(v, e.long_edge).is_none()) {
                        p.push(format!("The size “{v}” is not WIDTHxHEIGHT (e.g. 1536x1024) or 2K / 4K."));
                    }
                }
            }
            field => {
                let spec_field = fields.iter().find(|f| f.name == field).expect("field axes are catalog fields");
                for v in &a.values {
                    if !spec_field.values.contains(v) {
                        p.push(format!(
                            "{} “{v}” is not a value Pixapi documents: use {}.",
                            spec_field.label,
                            spec_field.values.join(", ")
                        ));
                    }
                }
                if !entries.is_empty() && !entries.iter().any(|(_, e)| e.fields.iter().any(|f| f == field)) {
                    p.push(format!(
                        "None of the chosen models takes {field}: remove the axis, or add a model whose page documents it (e.g. gpt-image-2)."
                    ));
                }
            }
        }
    }
    if spec.axes.iter().any(|a| a.axis == "aspect_ratio") && spec.axes.iter().any(|a| a.axis == "size") {
        p.push("Sweep the aspect ratio or the size, not both: a size already fixes the aspect ratio.".into());
    }
    p
}

fn variable_problems(spec: &SweepSpec, used: &[String]) -> Vec<String> {
    let mut p = Vec::new();
    for (i, v) in spec.variables.iter().enumerate() {
        if spec.variables[..i].iter().any(|w| w.name == v.name) {
            p.push(format!("The variable {{{{{}}}}} is listed twice: give it once, with all its values.", v.name));
        } else if !used.contains(&v.name) {
            p.push(format!(
                "The variable {{{{{}}}}} has values but the prompt does not use it: add {{{{{}}}}} to the prompt, or remove the variable.",
                v.name, v.name
            ));
        }
        if v.values.iter().any(|x| x.trim().is_empty()) {
            p.push(format!("The variable {{{{{}}}}} has an empty value: remove it.", v.name));
        }
        for (j, x) in v.values.iter().enumerate() {
            if v.values[..j].contains(x) {
                p.push(format!("The variable {{{{{}}}}} lists “{x}” twice.", v.name));
            }
        }
    }
    for name in used {
        if !spec.variables.iter().any(|v| &v.name == name && !v.values.is_empty()) {
            p.push(format!("The prompt uses {{{{{name}}}}} but it has no values: give it at least one."));
        }
    }
    p
}

/// One axis of one target: its label and, per value, what the target sends (`None`: not sent).
struct TargetAxis<'a> {
    axis: String,
    values: Vec<(String, Option<&'a str>)>,
}

/// Expands a sweep into one run. `limit` is the most requests it may make.
pub fn expand(spec: &SweepSpec, catalog: &Catalog, limit: u32) -> Expansion {
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let mut entries: Vec<(&TargetSpec, &CatalogEntry)> = Vec::new();
    for t in &spec.targets {
        match catalog.get(&t.model_id) {
            Some(e) => entries.push((t, e)),
            None => problems.push(format!("“{}” is not in the catalog.", t.model_id)),
        }
    }
    if spec.targets.is_empty() {
        problems.push("Pick at least one target.".into());
    }
    problems.extend(axis_problems(spec, &entries));
    let used = match template_variables(&spec.prompt) {
        Ok(u) => u,
        Err(e) => {
            problems.push(e);
            Vec::new()
        }
    };
    problems.extend(variable_problems(spec, &used));
    let variables: Vec<&SweepVariable> =
        used.iter().filter_map(|n| spec.variables.iter().find(|v| &v.name == n && !v.values.is_empty())).collect();

    // The preview's axes: models (when several), the field axes, then the variables.
    let mut axes = Vec::new();
    if spec.targets.len() > 1 {
        let values = spec.targets.iter().map(|t| t.model_id.clone()).collect();
        axes.push(SweepAxisPlan { axis: MODEL_AXIS.into(), values, not_sent_to: vec![] });
    }
    for a in spec.axes.iter().filter(|a| AXES.contains(&a.axis.as_str())) {
        let not_sent_to: Vec<String> =
            entries.iter().filter(|(t, e)| !applies(&a.axis, e, t)).map(|(t, _)| t.model_id.clone()).collect();
        if !not_sent_to.is_empty() && not_sent_to.len() < entries.len() {
            let labels: Vec<&str> = entries
                .iter()
                .filter(|(t, _)| not_sent_to.contains(&t.model_id))
                .map(|(_, e)| e.label.as_str())
                .collect();
            notes.push(format!(
                "{} is not sent to {} (not documented for it): one request there instead of {}.",
                axis_label(&a.axis),
                labels.join(", "),
                a.values.len()
            ));
        }
        axes.push(SweepAxisPlan { axis: a.axis.clone(), values: a.values.clone(), not_sent_to });
    }
    for v in &variables {
        axes.push(SweepAxisPlan { axis: format!("{{{{{}}}}}", v.name), values: v.values.clone(), not_sent_to: vec![] });
    }

    // Per target, its axes with what each value sends.
    let per_target: Vec<(&TargetSpec, &CatalogEntry, Vec<TargetAxis>)> = entries
        .iter()
        .map(|(t, e)| {
            let mut ta = Vec::new();
            if spec.targets.len() > 1 {
                ta.push(TargetAxis { axis: MODEL_AXIS.into(), values: vec![(t.model_id.clone(), None)] });
            }
            for a in spec.axes.iter().filter(|a| AXES.contains(&a.axis.as_str()) && !a.values.is_empty()) {
                let values = if applies(&a.axis, e, t) {
                    a.values.iter().map(|v| (v.clone(), Some(v.as_str()))).collect()
                } else {
                    vec![(NOT_SENT.to_string(), None)]
                };
                ta.push(TargetAxis { axis: a.axis.clone(), values });
            }
            for v in &variables {
                let values = v.values.iter().map(|x| (x.clone(), Some(x.as_str()))).collect();
                ta.push(TargetAxis { axis: format!("{{{{{}}}}}", v.name), values });
            }
            (*t, *e, ta)
        })
        .collect();

    let count: u64 = per_target
        .iter()
        .map(|(_, _, ta)| ta.iter().fold(1u64, |acc, a| acc.saturating_mul(a.values.len() as u64)))
        .fold(0u64, u64::saturating_add);
    let total_credits = credits_at_most(spec, catalog, &per_target);
    if count > limit as u64 {
        problems.push(format!(
            "This sweep makes {count} requests, more than your limit of {limit}: remove some values, or raise the limit in Settings (most requests per sweep)."
        ));
    }
    let run_spec = problems.is_empty().then(|| RunSpec {
        mode: spec.mode.unwrap_or(RunMode::Generate),
        prompt: spec.prompt.clone(),
        targets: per_target
            .iter()
            .flat_map(|(t, _, ta)| combinations(t, ta, !variables.is_empty(), &spec.prompt))
            .collect(),
        aspect_ratio: spec.aspect_ratio.clone(),
        response_format: spec.response_format.unwrap_or(ResponseFormatChoice::B64Json),
        sync_mode: spec.sync_mode.unwrap_or(SyncMode::Auto),
        references: spec.references.clone(),
        options: spec.options.clone(),
        ignore_budget: spec.ignore_budget,
        ..base_run_spec()
    });
    Expansion { run_spec, count, total_credits, axes, problems, notes }
}

/// A run spec with nothing set, for the fields a sweep does not choose.
fn base_run_spec() -> RunSpec {
    serde_json::from_value(serde_json::json!({
        "mode": "generate", "prompt": "", "targets": [], "aspectRatio": null, "responseFormat": "b64_json",
        "syncMode": "auto", "references": [], "options": null, "ignoreBudget": false
    }))
    .expect("a minimal run spec parses")
}

/// Every combination of one target's axes, the last axis varying fastest.
fn combinations(base: &TargetSpec, axes: &[TargetAxis], has_variables: bool, template: &str) -> Vec<TargetSpec> {
    let mut out = Vec::new();
    let mut pick = vec![0usize; axes.len()];
    loop {
        let mut t =
            TargetSpec { model_id: base.model_id.clone(), n: base.n, size: base.size.clone(), ..Default::default() };
        let mut fields = serde_json::Map::new();
        let mut vars: Vec<(&str, &str)> = Vec::new();
        for (a, &i) in axes.iter().zip(&pick) {
            let (label, sent) = &a.values[i];
            t.axes.push(AxisValue { axis: a.axis.clone(), value: label.clone() });
            match (a.axis.as_str(), sent) {
                (_, None) => {}
                ("aspect_ratio", Some(v)) => t.aspect_ratio = Some(v.to_string()),
                ("size", Some(v)) => t.size = Some(v.to_string()),
                (axis, Some(v)) if FIELD_AXES.contains(&axis) => {
                    fields.insert(axis.to_string(), serde_json::Value::String(v.to_string()));
                }
                (axis, Some(v)) => {
                    let name = axis.trim_start_matches("{{").trim_end_matches("}}");
                    vars.push((name, v));
                }
            }
        }
        if !fields.is_empty() {
            t.fields = Some(fields);
        }
        if has_variables {
            t.prompt = Some(fill_template(template, &vars));
        }
        out.push(t);
        // Next combination: an odometer over the axes' values.
        let mut k = axes.len();
        loop {
            if k == 0 {
                return out;
            }
            k -= 1;
            pick[k] += 1;
            if pick[k] < axes[k].values.len() {
                break;
            }
            pick[k] = 0;
        }
    }
}

/// The most a sweep costs, without listing its combinations: only `size` and `quality` move
/// a price, so each target sums over those two and multiplies by the other axes' counts.
fn credits_at_most(
    spec: &SweepSpec,
    catalog: &Catalog,
    per_target: &[(&TargetSpec, &CatalogEntry, Vec<TargetAxis>)],
) -> i64 {
    let base_quality =
        spec.options.as_ref().and_then(|o| o.get("quality")).and_then(|q| q.as_str()).map(str::to_string);
    let mut total: i64 = 0;
    for (t, e, axes) in per_target {
        let sizes: Vec<Option<&str>> = match axes.iter().find(|a| a.axis == "size") {
            Some(a) => a.values.iter().map(|(_, s)| *s).collect(),
            None => vec![t.size.as_deref()],
        };
        let takes_quality = e.fields.iter().any(|f| f == "quality");
        let qualities: Vec<Option<&str>> = match axes.iter().find(|a| a.axis == "quality") {
            Some(a) => a.values.iter().map(|(_, q)| *q).collect(),
            None => vec![base_quality.as_deref().filter(|_| takes_quality)],
        };
        let others: i64 = axes
            .iter()
            .filter(|a| a.axis != "size" && a.axis != "quality")
            .fold(1i64, |acc, a| acc.saturating_mul(a.values.len() as i64));
        for s in &sizes {
            for q in &qualities {
                let per = catalog.price(e, *s, *q);
                total = total.saturating_add(per.saturating_mul(t.n as i64).saturating_mul(others));
            }
        }
    }
    total
}

/// The target a sweep's axis values stand for, as [`expand`] makes it (a benchmark job is
/// built from its target's axes this way); `not sent` values and the model axis send nothing.
pub fn target_from_axes(model_id: &str, n: u32, axes: &[AxisValue]) -> TargetSpec {
    let mut t = TargetSpec { model_id: model_id.into(), n, axes: axes.to_vec(), ..Default::default() };
    let mut fields = serde_json::Map::new();
    for a in axes.iter().filter(|a| a.value != NOT_SENT) {
        match a.axis.as_str() {
            "aspect_ratio" => t.aspect_ratio = Some(a.value.clone()),
            "size" => t.size = Some(a.value.clone()),
            axis if FIELD_AXES.contains(&axis) => {
                fields.insert(axis.to_string(), serde_json::Value::String(a.value.clone()));
            }
            _ => {}
        }
    }
    if !fields.is_empty() {
        t.fields = Some(fields);
    }
    t
}

/// The refusal of a run whose targets are a sweep's, past the user's limit (checked again at
/// `run_start`, whatever built the spec).
pub fn limit_problem(spec: &RunSpec, limit: u32) -> Option<String> {
    let is_sweep = spec.targets.iter().any(|t| !t.axes.is_empty());
    (is_sweep && spec.targets.len() > limit as usize).then(|| {
        format!(
            "This sweep makes {} requests, more than your limit of {limit}: remove some values, or raise the limit in Settings (most requests per sweep).",
            spec.targets.len()
        )
    })
}

impl Engine {
    /// A sweep's preview: its run, count and estimate, or the sentences saying what to fix.
    pub fn sweep_expand(&self, spec: &SweepSpec) -> CoreResult<SweepPlan> {
        let catalog = self.catalog();
        let limit = self.max_sweep_requests()?;
        let x = expand(spec, &catalog, limit);
        let mut problems = x.problems;
        let estimate = match &x.run_spec {
            Some(run) => {
                let est = self.estimate(run)?;
                for p in &est.problems {
                    if !problems.contains(p) {
                        problems.push(p.clone());
                    }
                }
                Some(est)
            }
            None => None,
        };
        let run_spec = if problems.is_empty() { x.run_spec } else { None };
        Ok(SweepPlan {
            run_spec,
            count: x.count.min(u32::MAX as u64) as u32,
            limit,
            total_credits: x.total_credits,
            total_usd: catalog.credits_to_usd(x.total_credits),
            estimate,
            axes: x.axes,
            problems,
            notes: x.notes,
        })
    }
}

#[cfg(test)]
#[path = "sweep_tests.rs"]
mod tests;
