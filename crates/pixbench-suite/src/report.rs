//! A suite's result as people and CI read it: one case per request file, its checks, and
//! the whole as JUnit XML (one `<testsuite>` per file, one `<testcase>` per check) and as
//! JSON.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};
use quick_xml::Writer;
use serde::Serialize;

use crate::expect::{Check, Outcome};

/// One request file's run and its checks; `error` when it could not run at all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseResult {
    /// The file, relative to the workspace (`hero/banner.toml`).
    pub file: String,
    /// Its `name`, or the file's stem.
    pub name: String,
    pub run_id: Option<String>,
    pub credits: i64,
    pub seconds: f64,
    pub checks: Vec<Check>,
    /// Why it did not run (the server refused every target, the disk failed, ...).
    pub error: Option<String>,
}

impl CaseResult {
    pub fn failed(&self) -> bool {
        self.error.is_some() || self.checks.iter().any(|c| c.outcome == Outcome::Fail)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuiteReport {
    pub started_at: String,
    pub seconds: f64,
    /// Whether the requests went to the Sandbox (free, deterministic) or a live API.
    pub simulated: bool,
    pub cases: Vec<CaseResult>,
}

impl SuiteReport {
    /// Checks by outcome; a case that could not run counts as one failure.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for case in &self.cases {
            if case.error.is_some() {
                c.failed += 1;
            }
            for check in &case.checks {
                match check.outcome {
                    Outcome::Pass => c.passed += 1,
                    Outcome::Fail => c.failed += 1,
                    Outcome::Skip => c.skipped += 1,
                }
            }
        }
        c
    }

    pub fn passed(&self) -> bool {
        !self.cases.iter().any(CaseResult::failed)
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// JUnit XML as CI systems read it (GitLab, Jenkins, GitHub's test reporters).
    pub fn junit(&self) -> String {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
        let total = self.counts();
        let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        let mut suites = BytesStart::new("testsuites");
        suites.push_attribute(("name", "pixbench test"));
        suites.push_attribute(("tests", (total.passed + total.failed + total.skipped).to_string().as_str()));
        suites.push_attribute(("failures", total.failed.to_string().as_str()));
        suites.push_attribute(("skipped", total.skipped.to_string().as_str()));
        suites.push_attribute(("time", format!("{:.3}", self.seconds).as_str()));
        suites.push_attribute(("timestamp", self.started_at.as_str()));
        let _ = w.write_event(Event::Start(suites));
        for case in &self.cases {
            let fails =
                case.checks.iter().filter(|c| c.outcome == Outcome::Fail).count() + usize::from(case.error.is_some());
            let skips = case.checks.iter().filter(|c| c.outcome == Outcome::Skip).count();
            let mut suite = BytesStart::new("testsuite");
            suite.push_attribute(("name", case.file.as_str()));
            suite.push_attribute((
                "tests",
                (case.checks.len() + usize::from(case.error.is_some())).to_string().as_str(),
            ));
            suite.push_attribute(("failures", fails.to_string().as_str()));
            suite.push_attribute(("skipped", skips.to_string().as_str()));
            suite.push_attribute(("time", format!("{:.3}", case.seconds).as_str()));
            let _ = w.write_event(Event::Start(suite));
            if let Some(err) = &case.error {
                testcase(&mut w, &case.file, &format!("{}: runs", case.name), case.seconds, Some(("failure", err)));
            }
            for c in &case.checks {
                let name = format!("{}: {}", c.target, c.expectation);
                let body = match c.outcome {
                    Outcome::Pass => None,
                    Outcome::Fail => Some(("failure", &c.detail)),
                    Outcome::Skip => Some(("skipped", &c.detail)),
                };
                testcase(&mut w, &case.file, &name, 0.0, body);
            }
            let _ = w.write_event(Event::End(BytesEnd::new("testsuite")));
        }
        let _ = w.write_event(Event::End(BytesEnd::new("testsuites")));
        let mut xml = String::from_utf8(w.into_inner()).unwrap_or_default();
        xml.push('\n');
        xml
    }
}

/// One `<testcase>`, with a `<failure>` or `<skipped>` carrying the deciding figure.
fn testcase(w: &mut Writer<Vec<u8>>, class: &str, name: &str, secs: f64, body: Option<(&str, &String)>) {
    let mut tc = BytesStart::new("testcase");
    tc.push_attribute(("classname", class));
    tc.push_attribute(("name", name));
    tc.push_attribute(("time", format!("{secs:.3}").as_str()));
    match body {
        None => {
            let _ = w.write_event(Event::Empty(tc));
        }
        Some((tag, message)) => {
            let _ = w.write_event(Event::Start(tc));
            let mut el = BytesStart::new(tag);
            el.push_attribute(("message", message.as_str()));
            let _ = w.write_event(Event::Empty(el));
            let _ = w.write_event(Event::End(BytesEnd::new("testcase")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::events::Event;
    use quick_xml::Reader;

    fn check(target: &str, expectation: &str, outcome: Outcome, detail: &str) -> Check {
        Check { target: target.into(), expectation: expectation.into(), outcome, detail: detail.into() }
    }

    fn report() -> SuiteReport {
        SuiteReport {
            started_at: "2026-12-06T04:00:00Z".into(),
            seconds: 3.5,
            simulated: true,
            cases: vec![
                CaseResult {
                    file: "hero/banner.toml".into(),
                    name: "Banner <A&B> \"v2\"".into(),
                    run_id: Some("r1".into()),
                    credits: 6,
                    seconds: 1.2,
                    checks: vec![
                        check("Nano Banana 2 · 4K", "ok = true", Outcome::Pass, "done"),
                        check("Nano Banana 2 · 4K", "tier_as_asked = true", Outcome::Fail, "asked 4K, got 2K <&>"),
                        check("Nano Banana 2 · 4K", "min_ssim = 0.9", Outcome::Skip, "golden images are not kept yet"),
                    ],
                    error: None,
                },
                CaseResult {
                    file: "broken.toml".into(),
                    name: "broken".into(),
                    run_id: None,
                    credits: 0,
                    seconds: 0.0,
                    checks: vec![],
                    error: Some("Pixapi refused the key (401)".into()),
                },
            ],
        }
    }

    #[test]
    fn counts_a_case_that_could_not_run_as_a_failure() {
        let r = report();
        assert_eq!(r.counts(), Counts { passed: 1, failed: 2, skipped: 1 });
        assert!(!r.passed());
        let mut ok = r.clone();
        ok.cases.truncate(1);
        ok.cases[0].checks.remove(1);
        assert!(ok.passed(), "a skipped check does not fail the suite");
    }

    #[test]
    fn junit_is_well_formed_xml_with_one_testcase_per_check() {
        let xml = report().junit();
        let mut reader = Reader::from_str(&xml);
        let (mut cases, mut failures, mut skipped, mut messages) = (0, 0, 0, vec![]);
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) => {
                    let tag = e.name().as_ref().to_string();
                    match tag.as_str() {
                        "testcase" => cases += 1,
                        "failure" => failures += 1,
                        "skipped" => skipped += 1,
                        _ => {}
                    }
                    for a in e.attributes() {
                        let a = a.unwrap();
                        if a.key.as_ref() == "message" {
                            messages.push(a.normalized_value(quick_xml::XmlVersion::Explicit1_0).unwrap().into_owned());
                        }
                    }
                }
                _ => {}
            }
        }
        assert_eq!((cases, failures, skipped), (4, 2, 1));
        assert!(messages.contains(&"asked 4K, got 2K <&>".to_string()), "escaped and read back: {messages:?}");
        assert!(xml.contains("failures=\"2\"") && xml.contains("skipped=\"1\""), "{xml}");
    }

    #[test]
    fn json_carries_every_check() {
        let v: serde_json::Value = serde_json::from_str(&report().json()).unwrap();
        assert_eq!(v["cases"][0]["checks"][1]["outcome"], "fail");
        assert_eq!(v["cases"][1]["error"], "Pixapi refused the key (401)");
    }
}
