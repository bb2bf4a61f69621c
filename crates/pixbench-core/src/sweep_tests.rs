use super::*;

fn target(model: &str, n: u32) -> TargetSpec {
    TargetSpec { model_id: model.into(), n, ..Default::default() }
}

fn axis(name: &str, values: &[&str]) -> SweepAxis {
    SweepAxis { axis: name.into(), values: values.iter().map(|v| v.to_string()).collect() }
}

fn var(name: &str, values: &[&str]) -> SweepVariable {
    SweepVariable { name: name.into(), values: values.iter().map(|v| v.to_string()).collect() }
}

fn sweep(prompt: &str, targets: Vec<TargetSpec>, axes: Vec<SweepAxis>, variables: Vec<SweepVariable>) -> Request {
    Request { sweep: axes, vars: variables, ..Request::new(prompt, targets) }
}

/// The plan with its expansion (when within `limit` and without problems), as one answer.
struct Expansion {
    run_spec: Option<Run>,
    count: u64,
    total_credits: i64,
    axes: Vec<SweepAxisPlan>,
    problems: Vec<String>,
    notes: Vec<String>,
}

struct Run {
    prompt: String,
    targets: Vec<TargetSpec>,
}

fn expand(s: &Request, c: &Catalog, limit: u32) -> Expansion {
    let p = plan(s, c);
    let mut problems = p.problems;
    problems.extend(limit_problem(p.count, limit));
    let run_spec = problems.is_empty().then(|| Run { prompt: s.prompt.clone(), targets: super::expand(s, c) });
    if let Some(r) = &run_spec {
        assert_eq!(r.targets.len() as u64, p.count, "the plan counts what the expansion lists");
    }
    Expansion {
        run_spec,
        count: p.count,
        total_credits: p.per_target.iter().filter_map(|(_, c)| c.as_ref().map(|c| c.credits)).sum(),
        axes: p.axes,
        problems,
        notes: p.notes,
    }
}

fn labels(t: &TargetSpec) -> Vec<String> {
    t.axes.iter().map(|a| format!("{}={}", a.axis, a.value)).collect()
}

#[test]
fn a_two_by_two_sweep_makes_four_targets_with_their_fields_and_labels() {
    let c = Catalog::built_in();
    let s = sweep(
        "a lighthouse",
        vec![target("gpt-image-2", 1)],
        vec![axis("quality", &["low", "high"]), axis("aspect_ratio", &["1:1", "16:9"])],
        vec![],
    );
    let x = expand(&s, &c, 64);
    assert!(x.problems.is_empty(), "{:?}", x.problems);
    assert_eq!(x.count, 4);
    let run = x.run_spec.unwrap();
    assert_eq!(run.prompt, "a lighthouse");
    let got: Vec<Vec<String>> = run.targets.iter().map(labels).collect();
    assert_eq!(
        got,
        vec![
            vec!["quality=low", "aspect_ratio=1:1"],
            vec!["quality=low", "aspect_ratio=16:9"],
            vec!["quality=high", "aspect_ratio=1:1"],
            vec!["quality=high", "aspect_ratio=16:9"],
        ]
    );
    assert_eq!(run.targets[1].aspect_ratio.as_deref(), Some("16:9"));
    assert_eq!(run.targets[3].fields.as_ref().unwrap()["quality"], "high");
    // No variables: the targets send the run's prompt.
    assert!(run.targets.iter().all(|t| t.prompt.is_none()));
    // gpt-image-2 prices quality: low and high differ, and the total is their sum, twice.
    let e = c.get("gpt-image-2").unwrap();
    let (low, high) = (c.price(e, None, Some("low")), c.price(e, None, Some("high")));
    assert!(low < high);
    assert_eq!(x.total_credits, 2 * (low + high));
}

#[test]
fn variables_expand_into_each_targets_prompt() {
    let c = Catalog::built_in();
    let s = sweep(
        "a {{animal}} in {{ place }}, {{animal}} again",
        vec![target("gemini-3.1-flash-image-preview", 1)],
        vec![],
        vec![var("place", &["Paris", "a forest"]), var("animal", &["fox", "owl", "cat"])],
    );
    let x = expand(&s, &c, 64);
    assert!(x.problems.is_empty(), "{:?}", x.problems);
    assert_eq!(x.count, 6);
    let run = x.run_spec.unwrap();
    // Variables in order of first use in the template.
    assert_eq!(labels(&run.targets[0]), vec!["{{animal}}=fox", "{{place}}=Paris"]);
    assert_eq!(run.targets[5].prompt.as_deref(), Some("a cat in a forest, cat again"));
    assert_eq!(run.prompt, "a {{animal}} in {{ place }}, {{animal}} again");
    let axes: Vec<&str> = x.axes.iter().map(|a| a.axis.as_str()).collect();
    assert_eq!(axes, vec!["{{animal}}", "{{place}}"]);
}

#[test]
fn an_axis_a_model_does_not_document_collapses_to_one_request_there() {
    let c = Catalog::built_in();
    let s = sweep(
        "a kite",
        vec![target("gpt-image-2", 1), target("gemini-3.1-flash-image-preview", 2)],
        vec![axis("quality", &["low", "medium", "high"]), axis("output_format", &["png", "webp"])],
        vec![],
    );
    let x = expand(&s, &c, 64);
    assert!(x.problems.is_empty(), "{:?}", x.problems);
    // 3 × 2 for gpt-image-2, 1 for Nano Banana 2.
    assert_eq!(x.count, 7);
    let run = x.run_spec.unwrap();
    let gemini: Vec<&TargetSpec> = run.targets.iter().filter(|t| t.model_id.starts_with("gemini")).collect();
    assert_eq!(gemini.len(), 1);
    assert_eq!(
        labels(gemini[0]),
        vec!["model=gemini-3.1-flash-image-preview", "quality=not sent", "output_format=not sent"]
    );
    assert!(gemini[0].fields.is_none());
    assert_eq!(gemini[0].n, 2);
    assert_eq!(x.axes[1].not_sent_to, vec!["gemini-3.1-flash-image-preview".to_string()]);
    assert!(x.notes.iter().any(|n| n.contains("quality is not sent to Nano Banana 2")), "{:?}", x.notes);
    // The estimate: six gpt-image-2 images at their qualities, two Nano Banana 2 images.
    let (g, n) = (c.get("gpt-image-2").unwrap(), c.get("gemini-3.1-flash-image-preview").unwrap());
    let gpt: i64 = ["low", "medium", "high"].iter().map(|q| 2 * c.price(g, None, Some(q))).sum();
    assert_eq!(x.total_credits, gpt + 2 * c.price(n, None, None));
}

#[test]
fn errors_are_sentences_naming_what_to_fix() {
    let c = Catalog::built_in();
    let gpt = || vec![target("gpt-image-2", 1)];
    let problems = |s: Request| expand(&s, &c, 64).problems;
    let one = |s: Request, needle: &str| {
        let p = problems(s);
        assert!(p.iter().any(|x| x.contains(needle)), "expected “{needle}” in {p:?}");
    };
    one(sweep("a {{animal}}", gpt(), vec![], vec![]), "uses {{animal}} but it has no values");
    one(sweep("a {{animal}}", gpt(), vec![], vec![var("animal", &[])]), "uses {{animal}} but it has no values");
    one(
        sweep("a fox", gpt(), vec![], vec![var("color", &["red"])]),
        "{{color}} has values but the prompt does not use it",
    );
    one(sweep("a fox", gpt(), vec![axis("quality", &["ultra"])], vec![]), "Quality “ultra” is not a value");
    one(sweep("a fox", gpt(), vec![axis("quality", &[])], vec![]), "The quality axis has no values");
    one(sweep("a fox", gpt(), vec![axis("style", &["a"])], vec![]), "“style” is not a sweep axis");
    one(sweep("a fox", gpt(), vec![axis("quality", &["low", "low"])], vec![]), "lists “low” twice");
    one(
        sweep(
            "a fox",
            vec![target("gemini-3.1-flash-image-preview", 1)],
            vec![axis("background", &["opaque"])],
            vec![],
        ),
        "None of the chosen models takes background",
    );
    one(sweep("a fox", gpt(), vec![axis("aspect_ratio", &["7:5"])], vec![]), "does not offer the aspect ratio 7:5");
    one(sweep("a fox", gpt(), vec![axis("size", &["big"])], vec![]), "The size “big” is not WIDTHxHEIGHT");
    one(sweep("a fox", gpt(), vec![axis("size", &["1024x1024"]), axis("aspect_ratio", &["1:1"])], vec![]), "not both");
    one(sweep("a {{an imal}}", gpt(), vec![], vec![]), "a variable name is letters");
    one(sweep("a {{animal", gpt(), vec![], vec![]), "never closes it");
    one(sweep("a fox", vec![target("dall-e-9", 1)], vec![], vec![]), "“dall-e-9” is not in the catalog");
    // A sweep with problems has no run to start.
    assert!(expand(&sweep("a {{x}}", gpt(), vec![], vec![]), &c, 64).run_spec.is_none());
}

#[test]
fn past_the_limit_the_count_and_estimate_are_given_and_nothing_is_expanded() {
    let c = Catalog::built_in();
    let s = sweep(
        "a {{a}} {{b}}",
        vec![target("gpt-image-2", 1)],
        vec![axis("quality", &["low", "medium", "high", "auto"])],
        vec![var("a", &["1", "2", "3", "4", "5"]), var("b", &["1", "2", "3", "4", "5"])],
    );
    let x = expand(&s, &c, 64);
    assert_eq!(x.count, 100);
    assert!(x.run_spec.is_none());
    assert_eq!(x.problems, vec!["This makes 100 requests, more than your limit of 64: remove some values, targets or repeats, or raise the limit (Settings: Most requests per run; pixbench: --max-requests).".to_string()]);
    let e = c.get("gpt-image-2").unwrap();
    let per: i64 = ["low", "medium", "high", "auto"].iter().map(|q| c.price(e, None, Some(q))).sum();
    assert_eq!(x.total_credits, 25 * per);
    // Within a raised limit, the same sweep expands to exactly its count.
    let x = expand(&s, &c, 100);
    assert_eq!(x.run_spec.unwrap().targets.len(), 100);
    // A huge sweep is counted, not listed.
    let many: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let s = sweep(
        "{{a}} {{b}} {{c}}",
        vec![target("gpt-image-2", 1)],
        vec![],
        vec![var("a", &many), var("b", &many), var("c", &many)],
    );
    let x = expand(&s, &c, 64);
    assert_eq!(x.count, 1_000_000_000);
    assert!(x.run_spec.is_none());
}

#[test]
fn a_size_axis_sets_each_targets_size_and_its_price() {
    let c = Catalog::built_in();
    let s = sweep("a fox", vec![target("gpt-image-2", 1)], vec![axis("size", &["1024x1024", "2048x2048"])], vec![]);
    let x = expand(&s, &c, 64);
    assert!(x.problems.is_empty(), "{:?}", x.problems);
    let run = x.run_spec.unwrap();
    assert_eq!(run.targets[1].size.as_deref(), Some("2048x2048"));
    let e = c.get("gpt-image-2").unwrap();
    assert_eq!(x.total_credits, c.price(e, Some("1024x1024"), None) + c.price(e, Some("2048x2048"), None));
    assert!(c.price(e, Some("2048x2048"), None) > c.price(e, Some("1024x1024"), None));
}

#[test]
fn a_plain_request_counts_its_targets_and_expands_to_them_as_given() {
    let c = Catalog::built_in();
    // Targets with their own fields and axes (a benchmark job's): kept as they are.
    let own = TargetSpec {
        fields: Some(serde_json::Map::from_iter([("quality".to_string(), serde_json::json!("low"))])),
        axes: vec![AxisValue { axis: "quality".into(), value: "low".into() }],
        ..target("gpt-image-2", 2)
    };
    let s = Request::new("a fox", vec![own.clone(), target("gemini-3.1-flash-image-preview", 1)]);
    let p = plan(&s, &c);
    assert_eq!(p.count, 2);
    assert!(p.axes.is_empty(), "no sweep, no axes to preview");
    let e = c.get("gpt-image-2").unwrap();
    assert_eq!(p.per_target[0], (1, Some(c.cost(2 * c.price(e, None, Some("low"))))));
    assert_eq!(super::expand(&s, &c), vec![own, target("gemini-3.1-flash-image-preview", 1)]);
    assert!(limit_problem(2, 2).is_none());
    assert!(limit_problem(3, 2).unwrap().contains("makes 3 requests, more than your limit of 2"));
}

#[test]
fn templates_fill_and_keep_unknown_markers() {
    assert_eq!(template_variables("{{a}} and {{ b }} and {{a}}").unwrap(), vec!["a", "b"]);
    assert_eq!(fill_template("{{a}} and {{ b }} and {{c}}", &[("a", "x"), ("b", "y")]), "x and y and {{c}}");
    assert_eq!(fill_template("no variables", &[]), "no variables");
}

#[test]
fn a_target_rebuilt_from_its_axes_is_the_one_expanded() {
    let c = Catalog::built_in();
    let s = sweep(
        "a fox",
        vec![target("gpt-image-2", 2), target("gemini-3.1-flash-image-preview", 1)],
        vec![axis("quality", &["low", "high"]), axis("aspect_ratio", &["1:1", "16:9"])],
        vec![],
    );
    for t in expand(&s, &c, 64).run_spec.unwrap().targets {
        assert_eq!(target_from_axes(&t.model_id, t.n, &t.axes), t);
    }
}

#[test]
fn a_variable_that_would_make_a_gigabyte_prompt_is_a_problem_before_any_is_built() {
    let c = Catalog::built_in();
    let s = sweep(
        &"{{x}} ".repeat(2000),
        vec![target("gemini-3.1-flash-image-preview", 1)],
        vec![],
        vec![var("x", &[&"y".repeat(200_000)])],
    );
    let x = expand(&s, &c, 64);
    assert!(x.run_spec.is_none(), "not expanded");
    assert!(x.problems.iter().any(|p| p.contains("longer than 32000 characters")), "{:?}", x.problems);
}
