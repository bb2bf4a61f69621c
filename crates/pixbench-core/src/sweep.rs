//! Sweeps: the requests one [`Request`] makes. Its targets are multiplied by its sweep's
//! axes (aspect ratio or size, and the model-specific fields a model's catalog entry
//! documents: `quality`, `output_format`, `background`) and by the values of the variables
//! its prompt names (`{{animal}}`). [`plan`] counts those requests and bounds their cost
//! without listing them (a request of 10⁹ combinations costs nothing to plan); [`expand`]
//! lists them, one [`TargetSpec`] per request with its own aspect ratio, fields and prompt
//! and the [`AxisValue`]s it stands for, once the plan is within the user's limit.
//!
//! An axis a model does not document collapses to one request labelled [`NOT_SENT`] for
//! that model (never duplicate requests); a request past the limit
//! (`Settings::max_requests`) is refused with its count and estimate.

use crate::api::*;
pub use crate::api::{SweepAxis, SweepAxisPlan, SweepVariable};
use crate::catalog::{field_specs, size_dims, Catalog};

/// The axes a sweep can vary besides prompt variables, in the order the docs list them.
pub const AXES: &[&str] = &["aspect_ratio", "size", "quality", "output_format", "background"];
/// The axes that are model-specific fields: sent only to models whose entry lists them.
pub const FIELD_AXES: &[&str] = &["quality", "output_format", "background"];
/// The label of a target's value on an axis its model does not take.
pub const NOT_SENT: &str = "not sent";
/// The label of the axis that tells a sweep's models apart (when there are several).
pub const MODEL_AXIS: &str = "model";

/// What a request makes, counted without listing it.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Requests in all (saturating: a hostile count stays a number).
    pub count: u64,
    /// Per target of the request: the requests it makes and the most they cost, in credits
    /// or dollars as its gateway bills (`None` for a target the catalog cannot price).
    pub per_target: Vec<(u64, Option<Cost>)>,
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
fn axis_problems(spec: &Request, entries: &[(&TargetSpec, &CatalogEntry)]) -> Vec<String> {
    let mut p = Vec::new();
    let fields = field_specs();
    for (i, a) in spec.sweep.iter().enumerate() {
        let name = a.axis.as_str();
        if !AXES.contains(&name) {
            p.push(format!(
                "“{name}” is not a sweep axis: use aspect_ratio, size, quality, output_format or background (or a {{{{variable}}}} in the prompt)."
            ));
            continue;
        }
        if spec.sweep[..i].iter().any(|b| b.axis == a.axis) {
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
    if spec.sweep.iter().any(|a| a.axis == "aspect_ratio") && spec.sweep.iter().any(|a| a.axis == "size") {
        p.push("Sweep the aspect ratio or the size, not both: a size already fixes the aspect ratio.".into());
    }
    p
}

fn variable_problems(spec: &Request, used: &[String]) -> Vec<String> {
    let mut p = Vec::new();
    for (i, v) in spec.vars.iter().enumerate() {
        if spec.vars[..i].iter().any(|w| w.name == v.name) {
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
        if !spec.vars.iter().any(|v| &v.name == name && !v.values.is_empty()) {
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

/// The request's targets that the catalog knows, with their entries; the problems of the
/// others, of the axes and of the variables; the variables the prompt uses.
struct Checked<'a> {
    entries: Vec<(&'a TargetSpec, Option<&'a CatalogEntry>)>,
    variables: Vec<&'a SweepVariable>,
    problems: Vec<String>,
}

fn check<'a>(req: &'a Request, catalog: &'a Catalog) -> Checked<'a> {
    let mut problems = Vec::new();
    let entries: Vec<(&TargetSpec, Option<&CatalogEntry>)> =
        req.targets.iter().map(|t| (t, catalog.get(&t.model_id))).collect();
    for (t, e) in &entries {
        if e.is_none() {
            problems.push(format!("“{}” is not in the catalog.", t.model_id));
        }
    }
    if req.targets.is_empty() {
        problems.push("Pick at least one target.".into());
    }
    let known: Vec<(&TargetSpec, &CatalogEntry)> = entries.iter().filter_map(|(t, e)| e.map(|e| (*t, e))).collect();
    problems.extend(axis_problems(req, &known));
    let used = match template_variables(&req.prompt) {
        Ok(u) => u,
        Err(e) => {
            problems.push(e);
            Vec::new()
        }
    };
    // Values given for a request with no sweep and no variables are nobody's business.
    if !req.vars.is_empty() || !used.is_empty() {
        problems.extend(variable_problems(req, &used));
    }
    let variables: Vec<&SweepVariable> =
        used.iter().filter_map(|n| req.vars.iter().find(|v| &v.name == n && !v.values.is_empty())).collect();
    // Measured before any prompt is built: a variable used many times with a long value
    // would make prompts of gigabytes.
    let longest = variables.iter().flat_map(|v| v.values.iter().map(|x| x.len())).max().unwrap_or(0);
    let uses = req.prompt.matches("{{").count();
    if !variables.is_empty()
        && req.prompt.len().saturating_add(uses.saturating_mul(longest)) > crate::api::MAX_PROMPT_CHARS * 4
    {
        problems.push(format!(
            "With its variables' values the prompt could be longer than {} characters: use shorter values, or fewer variables in it.",
            crate::api::MAX_PROMPT_CHARS
        ));
    }
    Checked { entries, variables, problems }
}

/// A target's axes with what each value sends: the model (when there are several), the
/// sweep's axes, then the variables.
fn target_axes<'a>(
    req: &'a Request,
    t: &'a TargetSpec,
    e: Option<&'a CatalogEntry>,
    variables: &[&'a SweepVariable],
) -> Vec<TargetAxis<'a>> {
    let mut ta = Vec::new();
    if req.targets.len() > 1 && (!req.sweep.is_empty() || !variables.is_empty()) {
        ta.push(TargetAxis { axis: MODEL_AXIS.into(), values: vec![(t.model_id.clone(), None)] });
    }
    for a in req.sweep.iter().filter(|a| AXES.contains(&a.axis.as_str()) && !a.values.is_empty()) {
        let values = if e.is_some_and(|e| applies(&a.axis, e, t)) {
            a.values.iter().map(|v| (v.clone(), Some(v.as_str()))).collect()
        } else {
            vec![(NOT_SENT.to_string(), None)]
        };
        ta.push(TargetAxis { axis: a.axis.clone(), values });
    }
    for v in variables {
        let values = v.values.iter().map(|x| (x.clone(), Some(x.as_str()))).collect();
        ta.push(TargetAxis { axis: format!("{{{{{}}}}}", v.name), values });
    }
    ta
}

fn product(axes: &[TargetAxis]) -> u64 {
    axes.iter().fold(1u64, |acc, a| acc.saturating_mul(a.values.len() as u64))
}

/// Counts the requests `req` makes and bounds their cost, without listing them.
pub fn plan(req: &Request, catalog: &Catalog) -> Plan {
    let Checked { entries, variables, problems } = check(req, catalog);
    let mut notes = Vec::new();
    // The preview's axes: models (when several), the field axes, then the variables.
    let mut axes = Vec::new();
    let swept = !req.sweep.is_empty() || !variables.is_empty();
    if req.targets.len() > 1 && swept {
        let values = req.targets.iter().map(|t| t.model_id.clone()).collect();
        axes.push(SweepAxisPlan { axis: MODEL_AXIS.into(), values, not_sent_to: vec![] });
    }
    let known: Vec<(&TargetSpec, &CatalogEntry)> = entries.iter().filter_map(|(t, e)| e.map(|e| (*t, e))).collect();
    for a in req.sweep.iter().filter(|a| AXES.contains(&a.axis.as_str())) {
        let not_sent_to: Vec<String> =
            known.iter().filter(|(t, e)| !applies(&a.axis, e, t)).map(|(t, _)| t.model_id.clone()).collect();
        if !not_sent_to.is_empty() && not_sent_to.len() < known.len() {
            let labels: Vec<&str> = known
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
    let per_target: Vec<(u64, Option<Cost>)> = entries
        .iter()
        .map(|(t, e)| {
            let ta = target_axes(req, t, *e, &variables);
            // An unpriced entry (a model only the server lists) has no bound.
            (product(&ta), e.filter(|e| !e.unpriced).map(|e| cost_at_most(req, catalog, t, e, &ta)))
        })
        .collect();
    let count = per_target.iter().map(|(n, _)| *n).fold(0u64, u64::saturating_add);
    Plan { count, per_target, axes, problems, notes }
}

/// The requests `req` makes, in order: per target, every combination of its axes, the last
/// varying fastest. Call it once [`plan`] is within the limit: it lists them all.
pub fn expand(req: &Request, catalog: &Catalog) -> Vec<TargetSpec> {
    let Checked { entries, variables, .. } = check(req, catalog);
    if req.sweep.is_empty() && variables.is_empty() {
        // Nothing to multiply: the targets are the requests, as given.
        return req.targets.clone();
    }
    entries
        .iter()
        .flat_map(|(t, e)| {
            let ta = target_axes(req, t, *e, &variables);
            combinations(t, &ta, !variables.is_empty(), &req.prompt)
        })
        .collect()
}

/// Every combination of one target's axes, the last axis varying fastest; each starts from
/// the target as given (its own size, aspect ratio and fields) and takes its axis values.
fn combinations(base: &TargetSpec, axes: &[TargetAxis], has_variables: bool, template: &str) -> Vec<TargetSpec> {
    let mut out = Vec::new();
    let mut pick = vec![0usize; axes.len()];
    loop {
        let mut t = TargetSpec { axes: vec![], prompt: None, ..base.clone() };
        let mut fields = base.fields.clone().unwrap_or_default();
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
        t.fields = (!fields.is_empty()).then_some(fields);
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

/// The most one target's requests cost, without listing them: only `size` and `quality`
/// move a price (and, for a model priced by its size in dollars, the aspect ratio that
/// picks it), so it sums over those and multiplies by the other axes' counts.
fn cost_at_most(req: &Request, catalog: &Catalog, t: &TargetSpec, e: &CatalogEntry, axes: &[TargetAxis]) -> Cost {
    let base_quality = t
        .fields
        .as_ref()
        .and_then(|f| f.get("quality"))
        .or_else(|| req.fields.as_ref().and_then(|o| o.get("quality")))
        .and_then(|q| q.as_str())
        .map(str::to_string);
    let sizes: Vec<Option<&str>> = match axes.iter().find(|a| a.axis == "size") {
        Some(a) => a.values.iter().map(|(_, s)| *s).collect(),
        None => vec![t.size.as_deref()],
    };
    let takes_quality = e.fields.iter().any(|f| f == "quality");
    let qualities: Vec<Option<&str>> = match axes.iter().find(|a| a.axis == "quality") {
        Some(a) => a.values.iter().map(|(_, q)| *q).collect(),
        None => vec![base_quality.as_deref().filter(|_| takes_quality)],
    };
    let by_ratio = !e.usd_prices.is_empty();
    let base_ratio = t.aspect_ratio.as_deref().or(req.aspect_ratio.as_deref());
    let ratios: Vec<Option<&str>> = match axes.iter().find(|a| a.axis == "aspect_ratio").filter(|_| by_ratio) {
        Some(a) => a.values.iter().map(|(_, r)| *r).collect(),
        None => vec![base_ratio],
    };
    let moving = |axis: &str| axis == "size" || axis == "quality" || (by_ratio && axis == "aspect_ratio");
    let others: u32 = axes
        .iter()
        .filter(|a| !moving(&a.axis))
        .fold(1u32, |acc, a| acc.saturating_mul(a.values.len().min(u32::MAX as usize) as u32));
    let mut total = Cost::ZERO;
    for r in &ratios {
        for s in &sizes {
            for q in &qualities {
                let per = catalog.price_cost(e, *r, *s, *q);
                total += per.times(t.n).times(others);
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

/// The refusal of a request past the user's limit, with its count.
pub fn limit_problem(count: u64, limit: u32) -> Option<String> {
    (count > limit as u64).then(|| {
        format!(
            "This makes {count} requests, more than your limit of {limit}: remove some values, targets or repeats, or raise the limit (Settings: Most requests per run; pixbench: --max-requests)."
        )
    })
}

#[cfg(test)]
#[path = "sweep_tests.rs"]
mod tests;
