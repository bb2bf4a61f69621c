//! Sweeps in a matrix file: `[sweep]` axes multiply each target into one target per
//! combination (an axis its model does not document collapses to one), `[vars]` values
//! multiply each prompt that names `{{variable}}` into one prompt per combination. Errors
//! name the line and the field (`sweep.quality`, `vars.animal`, `prompts[1]`).

use std::collections::BTreeMap;

use toml::Spanned;

use super::{BenchPrompt, BenchTarget};
use crate::api::Request;
use crate::api::{AxisValue, TargetSpec};
use crate::catalog::Catalog;
use crate::sweep::{expand, fill_template, plan, template_variables, SweepAxis, MODEL_AXIS};

/// The values of one `[sweep]` axis or `[vars]` variable, with their places.
pub(crate) type RawValues = Spanned<Vec<Spanned<String>>>;
/// `[sweep]` or `[vars]` as written: a key, and its list of values, with their places.
pub(crate) type RawAxes = BTreeMap<Spanned<String>, RawValues>;

/// A problem at a line, in a field.
pub(crate) type Located = (usize, String, String);

/// Axes or variables in file order (a TOML table's keys come sorted).
fn in_file_order(raw: &RawAxes) -> Vec<(&Spanned<String>, &RawValues)> {
    let mut v: Vec<_> = raw.iter().collect();
    v.sort_by_key(|(k, _)| k.span().start);
    v
}

fn values_of(v: &RawValues) -> Vec<String> {
    v.get_ref().iter().map(|s| s.get_ref().trim().to_string()).collect()
}

/// Each target times the `[sweep]` axes. `targets` carry their line and field; `at` maps a
/// byte offset to its line.
pub(crate) fn expand_targets(
    targets: Vec<(BenchTarget, usize, String)>,
    sweep: Option<&RawAxes>,
    aspect_ratio: Option<&str>,
    catalog: &Catalog,
    at: &dyn Fn(usize) -> usize,
) -> Result<Vec<BenchTarget>, Located> {
    let Some(sweep) = sweep.filter(|s| !s.is_empty()) else {
        return Ok(targets.into_iter().map(|t| t.0).collect());
    };
    let axes: Vec<(SweepAxis, usize, String)> = in_file_order(sweep)
        .into_iter()
        .map(|(k, v)| {
            let axis = SweepAxis { axis: k.get_ref().trim().to_string(), values: values_of(v) };
            (axis, at(k.span().start), format!("sweep.{}", k.get_ref()))
        })
        .collect();
    let base = |axes: Vec<SweepAxis>| Request {
        aspect_ratio: aspect_ratio.map(str::to_string),
        sweep: axes,
        ..Request::new(
            "matrix",
            targets
                .iter()
                .map(|(t, _, _)| TargetSpec { model_id: t.model.clone(), n: t.n, ..Default::default() })
                .collect(),
        )
    };
    // Each axis alone first, so a problem is named at its own line.
    for (axis, line, field) in &axes {
        if let Some(p) = plan(&base(vec![axis.clone()]), catalog).problems.into_iter().next() {
            return Err((*line, field.clone(), p));
        }
    }
    let all = base(axes.iter().map(|a| a.0.clone()).collect());
    let counted = plan(&all, catalog);
    let (_, line, _) = &axes[0];
    if let Some(p) = counted.problems.into_iter().next() {
        return Err((*line, "sweep".into(), p));
    }
    // Counted before it is listed: a few lines of axes must not become millions of targets.
    if counted.count > MAX_SWEPT_TARGETS {
        return Err((
            *line,
            "sweep".into(),
            format!(
                "the sweep makes {} targets, more than a matrix may have ({MAX_SWEPT_TARGETS}): remove some values",
                counted.count
            ),
        ));
    }
    Ok(expand(&all, catalog)
        .into_iter()
        .map(|t| BenchTarget {
            model: t.model_id,
            n: t.n,
            axes: t.axes.into_iter().filter(|a| a.axis != MODEL_AXIS).collect::<Vec<AxisValue>>(),
        })
        .collect())
}

/// The most targets a matrix's sweep may make (each is run `repeats` times per prompt).
pub const MAX_SWEPT_TARGETS: u64 = 10_000;

/// The most prompts a matrix's `[vars]` may make (before the one limit on requests).
pub const MAX_VAR_PROMPTS: u64 = 10_000;
use crate::api::MAX_PROMPT_CHARS;
/// A prompt's bytes at most (a character is at most four).
const MAX_PROMPT_BYTES: usize = MAX_PROMPT_CHARS * 4;

/// Each prompt that names `{{variables}}` times their `[vars]` values, in order of first use.
pub(crate) fn expand_prompts(
    prompts: Vec<(BenchPrompt, usize, String)>,
    vars: Option<&RawAxes>,
    at: &dyn Fn(usize) -> usize,
) -> Result<Vec<(BenchPrompt, usize, String)>, Located> {
    let vars: Vec<(String, Vec<String>, usize)> = vars
        .map(in_file_order)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k.get_ref().trim().to_string(), values_of(v), at(k.span().start)))
        .collect();
    for (name, values, line) in &vars {
        let field = format!("vars.{name}");
        if values.is_empty() {
            return Err((*line, field, format!("{{{{{name}}}}} has no values: give it at least one, or remove it.")));
        }
        if let Some(v) = values.iter().find(|v| v.is_empty()) {
            return Err((*line, field, format!("{{{{{name}}}}} has an empty value “{v}”: remove it.")));
        }
    }
    let mut used_any: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut total: u64 = 0;
    for (p, line, field) in prompts {
        let names = template_variables(&p.text).map_err(|e| (line, field.clone(), e))?;
        // Counted and measured before anything is built: a 2 KB file can ask for 10^9
        // prompts, or for one prompt of gigabytes (a variable repeated, a long value).
        let mut count: u64 = 1;
        let mut longest_value = 0usize;
        for name in &names {
            if let Some((_, values, _)) = vars.iter().find(|(n, _, _)| n == name) {
                count = count.saturating_mul(values.len() as u64);
                longest_value = longest_value.max(values.iter().map(|v| v.len()).max().unwrap_or(0));
            }
        }
        total = total.saturating_add(count);
        if total > MAX_VAR_PROMPTS {
            return Err((
                line,
                field,
                format!("[vars] make more than {MAX_VAR_PROMPTS} prompts (this one alone makes {count}): use fewer values, or split the file."),
            ));
        }
        let uses = p.text.matches("{{").count();
        if p.text.len().saturating_add(uses.saturating_mul(longest_value)) > MAX_PROMPT_BYTES {
            return Err((
                line,
                field,
                format!("with its [vars] values, this prompt could be longer than {MAX_PROMPT_CHARS} characters: use shorter values, or fewer variables in it."),
            ));
        }
        let mut combos: Vec<Vec<(&str, &str)>> = vec![vec![]];
        for name in &names {
            let Some((_, values, _)) = vars.iter().find(|(n, _, _)| n == name) else {
                return Err((
                    line,
                    field,
                    format!("the prompt uses {{{{{name}}}}} but [vars] gives it no values: add `{name} = [\"...\"]` under [vars]."),
                ));
            };
            combos = combos
                .into_iter()
                .flat_map(|c| {
                    values.iter().map(move |v| {
                        let mut c = c.clone();
                        c.push((name.as_str(), v.as_str()));
                        c
                    })
                })
                .collect();
            used_any.push(name.clone());
        }
        if names.is_empty() {
            out.push((p, line, field));
            continue;
        }
        for c in combos {
            out.push((BenchPrompt { text: fill_template(&p.text, &c), images: p.images.clone() }, line, field.clone()));
        }
    }
    for (name, _, line) in &vars {
        if !used_any.contains(name) {
            return Err((
                *line,
                format!("vars.{name}"),
                format!(
                    "{{{{{name}}}}} has values but no prompt uses it: add {{{{{name}}}}} to a prompt, or remove it."
                ),
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::bench::Matrix;
    use crate::catalog::Catalog;

    fn parse(text: &str) -> Result<Matrix, String> {
        Matrix::parse(text, Some(Path::new("m.toml")), Path::new("."), &Catalog::built_in()).map_err(|e| e.to_string())
    }

    const SWEEP: &str = r#"prompts = ["a {{animal}} in snow", "a blue car"]
targets = ["gpt-image-2", "gemini-3.1-flash-image-preview"]

[sweep]
quality = ["low", "high"]
aspect_ratio = ["1:1", "16:9"]

[vars]
animal = ["fox", "owl"]
"#;

    #[test]
    fn a_sweep_multiplies_targets_and_variables_multiply_prompts() {
        let m = parse(SWEEP).unwrap();
        let texts: Vec<&str> = m.prompts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, vec!["a fox in snow", "a owl in snow", "a blue car"]);
        let labels: Vec<String> = m.targets.iter().map(|t| t.label()).collect();
        assert_eq!(
            labels,
            vec![
                "gpt-image-2 quality=low aspect_ratio=1:1",
                "gpt-image-2 quality=low aspect_ratio=16:9",
                "gpt-image-2 quality=high aspect_ratio=1:1",
                "gpt-image-2 quality=high aspect_ratio=16:9",
                // Nano Banana 2 takes no quality: one target per aspect ratio, not two.
                "gemini-3.1-flash-image-preview quality=not sent aspect_ratio=1:1",
                "gemini-3.1-flash-image-preview quality=not sent aspect_ratio=16:9",
            ]
        );
        assert_eq!(m.measured_jobs(), 3 * 6);
        // Each job's run spec sends the target's own fields and aspect ratio.
        let spec = m.request(0, 3, vec![]);
        let t = &spec.targets[0];
        assert_eq!(
            (t.aspect_ratio.as_deref(), t.fields.as_ref().unwrap()["quality"].as_str()),
            (Some("16:9"), Some("high"))
        );
        let spec = m.request(2, 4, vec![]);
        assert!(spec.targets[0].fields.is_none());
        assert_eq!(spec.prompt, "a blue car");
    }

    #[test]
    fn a_small_file_cannot_ask_for_a_billion_prompts_or_a_gigabyte_one() {
        // 2 KB: eight variables of fifteen values each, 15^8 = 2.6 billion prompts.
        let names: Vec<String> = (0..8).map(|i| format!("v{i}")).collect();
        let prompt: String = names.iter().map(|n| format!("{{{{{n}}}}} ")).collect();
        let values: String = (0..15).map(|j| format!("\"w{j}\"")).collect::<Vec<_>>().join(", ");
        let vars: String = names.iter().map(|n| format!("{n} = [{values}]\n")).collect();
        let text = format!("prompts = [\"{prompt}\"]\ntargets = [\"gpt-image-2\"]\n\n[vars]\n{vars}");
        assert!(text.len() < 2048);
        let t = std::time::Instant::now();
        let e = parse(&text).unwrap_err();
        assert!(e.contains("line 1") && e.contains("more than 10000 prompts"), "{e}");
        assert!(t.elapsed() < std::time::Duration::from_secs(2), "refused by counting, not by building");
        // One variable used 3,000 times, its value 100 KB: one prompt of 300 MB.
        let text = format!(
            "prompts = [\"{}\"]\ntargets = [\"gpt-image-2\"]\n\n[vars]\nx = [\"{}\"]\n",
            "{{x}}".repeat(3000),
            "y".repeat(100_000)
        );
        let e = parse(&text).unwrap_err();
        assert!(e.contains("longer than 32000 characters"), "{e}");
    }

    #[test]
    fn sweep_and_variable_errors_name_their_line_and_field() {
        let bad = |from: &str, to: &str| parse(&SWEEP.replace(from, to)).unwrap_err();
        assert_eq!(
            bad(r#"quality = ["low", "high"]"#, r#"quality = ["low", "ultra"]"#),
            "m.toml: line 5: field `sweep.quality`: Quality “ultra” is not a value Pixapi documents: use auto, low, medium, high."
        );
        assert_eq!(
            bad(r#"aspect_ratio = ["1:1", "16:9"]"#, r#"aspect_ratio = []"#),
            "m.toml: line 6: field `sweep.aspect_ratio`: The aspect ratio axis has no values: add at least one, or remove it."
        );
        assert!(
            bad("quality =", "style =").starts_with("m.toml: line 5: field `sweep.style`: “style” is not a sweep axis")
        );
        assert_eq!(
            bad(r#"animal = ["fox", "owl"]"#, "animal = []"),
            "m.toml: line 9: field `vars.animal`: {{animal}} has no values: give it at least one, or remove it."
        );
        assert_eq!(
            bad(r#"animal = ["fox", "owl"]"#, r#"colour = ["red"]"#),
            "m.toml: line 1: field `prompts[0]`: the prompt uses {{animal}} but [vars] gives it no values: add `animal = [\"...\"]` under [vars]."
        );
        assert_eq!(
            bad(r#"animal = ["fox", "owl"]"#, "animal = [\"fox\"]\ncolour = [\"red\"]"),
            "m.toml: line 10: field `vars.colour`: {{colour}} has values but no prompt uses it: add {{colour}} to a prompt, or remove it."
        );
        // A value of the wrong type is TOML's error, at its line and field.
        let e = bad(r#"quality = ["low", "high"]"#, "quality = [1]");
        assert!(e.starts_with("m.toml: line 5: field `sweep.quality`"), "{e}");
        // Gemini only: no model takes background.
        let gemini_only = SWEEP
            .replace(r#""gpt-image-2", "#, "")
            .replace(r#"quality = ["low", "high"]"#, r#"background = ["opaque"]"#);
        let e = parse(&gemini_only).unwrap_err();
        assert!(e.contains("field `sweep.background`: None of the chosen models takes background"), "{e}");
    }

    #[test]
    fn a_matrix_without_sweep_is_unchanged() {
        let m = parse("prompts = [\"a fox\"]\ntargets = [\"gpt-image-2\"]\n").unwrap();
        assert!(m.targets[0].axes.is_empty());
        assert_eq!(m.targets[0].label(), "gpt-image-2");
        assert!(m.request(0, 0, vec![]).targets[0].fields.is_none());
    }
}
