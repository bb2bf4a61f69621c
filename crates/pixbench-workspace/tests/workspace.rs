//! A workspace as files on disk: request files read and resolved, defaults, environments,
//! errors naming file, line and key, and saving that keeps a hand-edited file's comments.

use std::path::Path;

use pixbench_core::api::{ResponseFormatChoice, SyncMode};
use pixbench_core::catalog::Catalog;
use pixbench_workspace::environment::{env_only, SecretRef};
use pixbench_workspace::request_file::{load, parse};
use pixbench_workspace::write::render;
use pixbench_workspace::{Environment, Workspace};

fn catalog() -> Catalog {
    Catalog::built_in().of_gateway("pixapi")
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const HERO: &str = r#"# The hero shot, at every tier QA checks.
name = "Hero"
prompt = "a {{style}} lighthouse for {{brand}}"
targets = [
  "gemini-3.1-flash-image-preview",
  "gemini-3.1-flash-image-preview-2k:2",
  { model = "gpt-image-2", size = "1536x1024" },
]
aspect_ratio = "16:9" # the banner's shape
mode = "async"
images = ["refs/logo.png"]

[fields]
quality = "high"

[vars]
style = ["watercolor", "photo"]
"#;

#[test]
fn a_request_file_resolves_into_the_apps_request() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "shots/hero.toml", HERO);
    write(dir.path(), "shots/refs/logo.png", "png");
    write(dir.path(), "environments/acme.toml", "profile = \"Sandbox\"\n[vars]\nbrand = \"Acme\"\n");
    let ws = Workspace::open(dir.path()).unwrap();
    let file = ws.load("shots/hero.toml").unwrap();
    let env = Environment::open(&ws.root, "acme", &env_only).unwrap();
    let r = file.resolve(&ws.path_of("shots/hero.toml").unwrap(), &ws.root, Some(&env), &catalog()).unwrap();
    let req = &r.request;
    assert_eq!(req.prompt, "a {{style}} lighthouse for {{brand}}");
    let ids: Vec<(&str, u32, Option<&str>)> =
        req.targets.iter().map(|t| (t.model_id.as_str(), t.n, t.size.as_deref())).collect();
    assert_eq!(
        ids,
        vec![
            ("gemini-3.1-flash-image-preview", 1, None),
            ("gemini-3.1-flash-image-preview-2k", 2, None),
            ("gpt-image-2", 1, Some("1536x1024")),
        ]
    );
    assert_eq!(req.aspect_ratio.as_deref(), Some("16:9"));
    assert_eq!(req.mode, SyncMode::Async);
    assert_eq!(req.fields.as_ref().unwrap()["quality"], "high");
    // The environment fills brand; the file's list multiplies style.
    let vars: Vec<(&str, Vec<&str>)> =
        req.vars.iter().map(|v| (v.name.as_str(), v.values.iter().map(String::as_str).collect())).collect();
    assert_eq!(vars, vec![("style", vec!["watercolor", "photo"]), ("brand", vec!["Acme"])]);
    assert_eq!(r.from_env, vec![("brand".to_string(), "Acme".to_string())]);
    assert_eq!(r.image_paths.len(), 1);
    assert!(r.image_paths[0].ends_with("shots/refs/logo.png"));
    assert_eq!(env.profile.as_deref(), Some("Sandbox"));
}

#[test]
fn an_unknown_key_names_the_file_the_line_and_the_key() {
    let text = "prompt = \"a cat\"\ntargets = [\"gpt-image-2\"]\nquallity = \"high\"\n";
    let e = parse(text, Path::new("cats/cat.toml")).unwrap_err();
    assert_eq!((e.line, e.field.as_str()), (3, "quallity"), "{e}");
    let shown = e.to_string();
    assert!(shown.starts_with("cats/cat.toml:3: `quallity`: "), "{shown}");
    assert!(shown.contains("`prompt`, `targets`"), "says the keys: {shown}");
    // Under a table, the table is named too.
    let e =
        parse("prompt = \"x\"\n[fields]\nquality = \"high\"\n[vars]\nstyle = 3\n", Path::new("f.toml")).unwrap_err();
    assert_eq!((e.line, e.field.as_str()), (5, "vars.style"), "{e}");
}

#[test]
fn bad_values_are_refused_where_they_are() {
    let cases: &[(&str, usize, &str)] = &[
        ("prompt = \"x\"\nn = 11\n", 2, "n"),
        ("prompt = \"x\"\nmode = \"fast\"\n", 2, "mode"),
        ("prompt = \"x\"\ntargets = [\"a\", \"b:zero\"]\n", 2, "targets[1]"),
        ("prompt = \"x\"\ntargets = [{ model = \"a\", colour = \"red\" }]\n", 2, "targets[0]"),
        ("prompt = \"x\"\naspect_ratio = \"wide\"\n", 2, "aspect_ratio"),
        ("prompt = \"x\"\naspect_ratio = \"1:1\"\nsize = \"2K\"\n", 3, "size"),
        ("prompt = \"x\"\nimages = [\"/etc/passwd\"]\n", 2, "images[0]"),
        ("prompt = \"\"\n", 1, "prompt"),
        ("prompt = \"x\"\n[vars]\nstyle = []\n", 3, "vars.style"),
    ];
    for (text, line, field) in cases {
        let e = parse(text, Path::new("r.toml")).expect_err(text);
        assert_eq!((e.line, e.field.as_str()), (*line, *field), "{text}: {e}");
    }
}

#[test]
fn resolving_names_what_is_missing_and_where() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.toml", "prompt = \"a {{mood}} cat\"\ntargets = [\"gpt-image-2\"]\n");
    write(dir.path(), "b.toml", "prompt = \"a cat\"\ntargets = [\"gpt-image-2\", \"no-such-model\"]\n");
    write(dir.path(), "c.toml", "prompt = \"a cat\"\ntargets = [\"gpt-image-2\"]\nimages = [\"missing.png\"]\n");
    write(dir.path(), "d.toml", "prompt = \"a cat\"\ntargets = [\"gpt-image-2\"]\nimages = [\"../outside.png\"]\n");
    std::fs::write(dir.path().parent().unwrap().join("outside.png"), "x").ok();
    let ws = Workspace::open(dir.path()).unwrap();
    let resolve = |rel: &str| {
        let f = ws.load(rel).unwrap();
        f.resolve(&ws.path_of(rel).unwrap(), &ws.root, None, &catalog()).unwrap_err()
    };
    let e = resolve("a.toml");
    assert!(e.reason.contains("{{mood}} has no value"), "{e}");
    let e = resolve("b.toml");
    assert_eq!((e.line, e.field.as_str()), (2, "targets[1]"), "{e}");
    assert!(e.reason.contains("no-such-model"), "{e}");
    let e = resolve("c.toml");
    assert!(e.reason.contains("missing.png") && e.reason.contains("missing"), "{e}");
    let e = resolve("d.toml");
    assert!(e.reason.contains("outside the workspace"), "{e}");
}

#[test]
fn folder_defaults_fill_what_a_file_does_not_say() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pixbench.toml",
        "name = \"Acme shots\"\n[defaults]\nmode = \"sync\"\ntargets = [\"gemini-3.1-flash-image-preview\"]\n",
    );
    write(dir.path(), "banners/defaults.toml", "aspect_ratio = \"16:9\"\n[vars]\nbrand = \"Acme\"\n");
    write(dir.path(), "banners/wide.toml", "prompt = \"a {{brand}} banner\"\n");
    write(
        dir.path(),
        "banners/square.toml",
        "prompt = \"a {{brand}} tile\"\naspect_ratio = \"1:1\"\n[vars]\nbrand = [\"Beta\"]\n",
    );
    let ws = Workspace::open(dir.path()).unwrap();
    assert_eq!(ws.name, "Acme shots");
    let wide = ws.load("banners/wide.toml").unwrap();
    assert_eq!(wide.aspect_ratio.as_deref(), Some("16:9"));
    assert_eq!(wide.mode, Some(SyncMode::Sync));
    assert_eq!(wide.targets.as_ref().unwrap()[0].model, "gemini-3.1-flash-image-preview");
    let square = ws.load("banners/square.toml").unwrap();
    assert_eq!(square.aspect_ratio.as_deref(), Some("1:1"));
    assert_eq!(square.vars[0].values, vec!["Beta"], "the file's own value wins over its folder's");
    // The tree lists requests only, folders first, without reading them.
    let names: Vec<String> = ws.list().entries.iter().map(|e| e.path.clone()).collect();
    assert_eq!(names, vec!["banners", "banners/square.toml", "banners/wide.toml"]);
}

#[test]
fn the_tree_skips_links_hidden_folders_and_environments() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.toml", "prompt = \"x\"\n");
    write(dir.path(), ".git/config.toml", "");
    write(dir.path(), "environments/dev.toml", "");
    std::fs::create_dir_all(dir.path().join("loop")).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.path(), dir.path().join("loop/back")).unwrap();
        std::os::unix::fs::symlink("/etc", dir.path().join("etc")).unwrap();
    }
    let ws = Workspace::open(dir.path()).unwrap();
    let names: Vec<String> = ws.list().entries.iter().map(|e| e.path.clone()).collect();
    // `loop` holds only a link (not walked): a folder with nothing to open is not listed.
    assert_eq!(names, vec!["a.toml"]);
    std::fs::create_dir_all(dir.path().join("new folder")).unwrap();
    let names: Vec<String> = ws.list().entries.iter().map(|e| e.path.clone()).collect();
    assert_eq!(names, vec!["new folder", "a.toml"], "an empty folder, just made, is listed");
    #[cfg(unix)]
    {
        // A request file that is a link is not read through it.
        std::os::unix::fs::symlink(dir.path().join("a.toml"), dir.path().join("loop/b.toml")).unwrap();
        let e = ws.load("loop/b.toml").unwrap_err();
        assert!(e.reason.contains("link"), "{e}");
    }
    assert!(ws.path_of("../x.toml").is_err());
    assert!(ws.path_of("/etc/passwd").is_err());
}

#[test]
fn a_secret_never_fills_a_prompt_and_a_missing_one_says_where_to_set_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "r.toml", "prompt = \"a cat signed {{signature}}\"\ntargets = [\"gpt-image-2\"]\n");
    write(dir.path(), "environments/ci.toml", "[secrets]\nsignature = { env = \"PIXBENCH_TEST_SIGNATURE\" }\n");
    let ws = Workspace::open(dir.path()).unwrap();
    let f = ws.load("r.toml").unwrap();
    let path = ws.path_of("r.toml").unwrap();
    // Found or not, a secret is refused in a prompt: the prompt is written to history.
    let found = |r: &SecretRef| (r.env.as_deref() == Some("PIXBENCH_TEST_SIGNATURE")).then(|| "s3cret".to_string());
    let env = Environment::open(&ws.root, "ci", &found).unwrap();
    let e = f.resolve(&path, &ws.root, Some(&env), &catalog()).unwrap_err();
    assert!(e.reason.contains("is a secret") && !e.to_string().contains("s3cret"), "{e}");
    assert!(e.path.ends_with("environments/ci.toml") && e.line == 2, "{e}");
    // A secret's own value is looked up where it says, and a missing one says where.
    assert_eq!(env.value("signature"), Some(Ok("s3cret".to_string())));
    let none = |_: &SecretRef| None;
    let env = Environment::open(&ws.root, "ci", &none).unwrap();
    let missing = env.value("signature").unwrap().unwrap_err();
    assert!(missing.contains("PIXBENCH_TEST_SIGNATURE"), "{missing}");
    let e = Environment::open(&ws.root, "prod", &none).unwrap_err();
    assert!(e.reason.contains("has ci"), "{e}");
}

#[test]
fn saving_a_hand_edited_file_changes_only_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "hero.toml", HERO);
    let f = load(&dir.path().join("hero.toml")).unwrap();
    let mut changed = f.clone();
    changed.prompt = Some("a {{style}} lighthouse at dawn for {{brand}}".into());
    let out = render(Some(HERO), &changed).unwrap();
    let diff: Vec<(&str, &str)> = HERO.lines().zip(out.lines()).filter(|(a, b)| a != b).collect();
    assert_eq!(diff.len(), 1, "one line changes:\n{out}");
    assert_eq!(HERO.lines().count(), out.lines().count(), "{out}");
    assert!(out.contains("# The hero shot") && out.contains("# the banner's shape"), "comments kept:\n{out}");
    // Unchanged, the file is written back byte for byte.
    assert_eq!(render(Some(HERO), &f).unwrap(), HERO);
    // What was written reads back as what was saved.
    let back = parse(&out, Path::new("hero.toml")).unwrap();
    assert_eq!(back.prompt, changed.prompt);
    assert_eq!(back.targets, changed.targets);
}

#[test]
fn a_new_file_reads_back_as_the_request_saved() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "hero.toml", HERO);
    write(dir.path(), "refs/logo.png", "png");
    let f = load(&dir.path().join("hero.toml")).unwrap();
    let mut f2 = f.clone();
    f2.response_format = Some(ResponseFormatChoice::Url);
    f2.images = Some(vec!["refs/logo.png".into()]);
    let text = render(None, &f2).unwrap();
    let back = parse(&text, Path::new("new.toml")).unwrap();
    let strip = |mut x: pixbench_workspace::RequestFile| {
        x.places.clear();
        x
    };
    assert_eq!(strip(back), strip(f2), "{text}");
    assert!(text.contains("targets = [\n  \"gemini-3.1-flash-image-preview\",\n"), "one target a line:\n{text}");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn config() -> ProptestConfig {
        ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() }
    }

    proptest! {
        #![proptest_config(config())]

        /// Any text a user drops is read or refused with a place, never a panic.
        #[test]
        fn any_text_is_read_or_refused(text in "(?s).{0,400}") {
            let _ = parse(&text, Path::new("x.toml"));
        }

        /// Keys and values in any order and mix: still no panic, and a refusal names a line
        /// inside the file.
        #[test]
        fn near_misses_are_refused_inside_the_file(
            lines in proptest::collection::vec(
                prop_oneof![
                    Just("prompt = \"a cat\"".to_string()),
                    Just("targets = [\"gpt-image-2\", { model = 3 }]".to_string()),
                    Just("[vars]".to_string()),
                    Just("[fields]".to_string()),
                    Just("n = 0".to_string()),
                    Just("images = [\"a.png\"".to_string()),
                    "[a-z_]{1,8} = \"[a-z]{0,5}\"",
                ],
                0..8,
            )
        ) {
            let text = lines.join("\n");
            if let Err(e) = parse(&text, Path::new("x.toml")) {
                prop_assert!(e.line <= text.lines().count().max(1), "{e}");
            }
        }

        /// What is saved reads back as it was, whatever the prompt holds (quotes,
        /// newlines, backslashes, non-Latin text).
        #[test]
        fn any_prompt_reads_back_as_saved(prompt in "[^\u{0}]{1,200}", n in 1u32..=10) {
            prop_assume!(!prompt.trim().is_empty());
            let f = pixbench_workspace::RequestFile {
                prompt: Some(prompt.clone()),
                targets: Some(vec![pixbench_workspace::request_file::FileTarget { model: "gpt-image-2".into(), n: Some(n), size: None }]),
                ..Default::default()
            };
            let text = render(None, &f).unwrap();
            let back = parse(&text, Path::new("x.toml")).unwrap();
            prop_assert_eq!(back.prompt, Some(prompt));
            prop_assert_eq!(back.targets, f.targets);
        }
    }
}

#[test]
fn a_table_changes_key_by_key_and_a_broken_file_is_not_saved_over() {
    let text = "prompt = \"a cat\"\ntargets = [\"gpt-image-2\"]\n\n# Brand says: always opaque.\n[fields]\n# cheap while we iterate\nquality = \"low\"\nbackground = \"opaque\" # never transparent\n\n[vars]\nstyle = \"photo\"\n\n[sweep]\n";
    let f = parse(text, Path::new("c.toml")).unwrap();
    assert_eq!(
        render(Some(text), &f).unwrap(),
        text,
        "unchanged, byte for byte (an empty table and no final newline kept)"
    );
    let mut g = f.clone();
    g.fields.as_mut().unwrap().insert("quality".into(), serde_json::Value::String("high".into()));
    let out = render(Some(text), &g).unwrap();
    let diff: Vec<(&str, &str)> = text.lines().zip(out.lines()).filter(|(a, b)| a != b).collect();
    assert_eq!(diff, vec![("quality = \"low\"", "quality = \"high\"")], "{out}");
    assert!(out.contains("# never transparent") && out.contains("style = \"photo\""), "{out}");
    // A file that is not a valid request file is refused, not rewritten.
    let broken = "prompt = \"a cat\"\nquallity = \"low\"\n";
    let e = render(Some(broken), &f).unwrap_err();
    assert_eq!((e.line, e.field.as_str()), (2, "quallity"), "{e}");
}

#[test]
fn a_variable_of_the_wrong_kind_says_what_it_takes() {
    let e = parse("prompt = \"x\"\n[vars]\nn = 3\n", Path::new("v.toml")).unwrap_err();
    assert_eq!(e.line, 3, "{e}");
    assert!(e.reason.contains("a string, or a list of strings"), "{e}");
}
