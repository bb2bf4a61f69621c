use super::*;
use pixbench_workspace::request_file::parse;

fn read(text: &str) -> Result<Expectations, FileError> {
    let path = Path::new("suite/hero.toml");
    let file = parse(text, path).expect("the file parses");
    Expectations::of_file(&file, path)
}

#[test]
fn a_request_without_expect_expects_ok() {
    let e = read("prompt = \"a fox\"\n").unwrap();
    assert_eq!(e, Expectations::default());
    assert!(e.ok);
}

#[test]
fn reads_every_expectation() {
    let e = read(
        "prompt = \"a fox\"\n[expect]\nok = true\nimages = 2\ntier_as_asked = true\nmax_credits = 20\nmax_seconds = 12.5\nmin_ssim = 0.9\nmax_phash = 8\njudge_min = 4\nrubric = \"a red fox\"\n",
    )
    .unwrap();
    assert_eq!(e.images, Some(2));
    assert!(e.tier_as_asked);
    assert_eq!(e.max_credits, Some(20));
    assert_eq!(e.max_seconds, Some(12.5));
    assert_eq!(e.min_ssim, Some(0.9));
    assert_eq!(e.max_phash, Some(8));
    assert_eq!(e.judge_min, Some(4));
    assert_eq!(e.rubric.as_deref(), Some("a red fox"));
}

#[test]
fn an_unknown_key_names_the_file_the_line_and_the_key() {
    let err = read("prompt = \"a fox\"\n\n[expect]\nok = true\nmax_credit = 3\n").unwrap_err();
    assert_eq!(err.line, 5);
    assert_eq!(err.field, "expect.max_credit");
    assert!(err.reason.contains("unknown expectation") && err.reason.contains("max_credits"), "{}", err.reason);
    assert_eq!(err.to_string().split(':').next(), Some("suite/hero.toml"));
}

#[test]
fn impossible_values_are_refused_with_their_line() {
    for (line, why) in [
        ("images = 0", "out of range"),
        ("images = \"two\"", "whole number"),
        ("max_seconds = 0", "above 0"),
        ("max_seconds = -3", "above 0"),
        ("min_ssim = 1.5", "at most 1"),
        ("max_phash = 65", "out of range"),
        ("judge_min = 6", "out of range"),
        ("max_credits = -1", "out of range"),
        ("ok = \"yes\"", "true or false"),
        ("rubric = \"\"", "rubric"),
    ] {
        let err = read(&format!("prompt = \"a fox\"\n[expect]\n{line}\n")).unwrap_err();
        assert_eq!(err.line, 3, "{line}");
        assert!(err.reason.contains(why), "{line}: {}", err.reason);
    }
}

#[test]
fn a_rubric_without_a_passing_score_is_refused() {
    let err = read("prompt = \"a fox\"\n[expect]\nrubric = \"a fox\"\n").unwrap_err();
    assert_eq!(err.field, "expect.rubric");
    assert!(err.reason.contains("judge_min"), "{}", err.reason);
}
