//! What the UI and a reader get from the command declarations (`commands.rs`): the typed
//! map of commands and events for TypeScript, with every type they reach re-exported
//! (`ui/src/bindings/index.ts`), and the tables of docs/IPC.md. Both are written by `cargo test -p pixbench-core export_bindings` (as
//! ts-rs writes the types), checked in, and `make test-bindings` fails when they are stale.

use std::path::PathBuf;

use ts_rs::{TypeVisitor, TS};

#[allow(unused_imports)] // the declarations name these types; a macro uses them
use crate::api::*;

/// One argument of a command, as the webview sends it.
#[derive(Debug, Clone)]
pub struct ArgDoc {
    /// camelCase, as Tauri expects it from JavaScript.
    pub name: String,
    pub ts: String,
    /// An `Option` argument may be left out.
    pub optional: bool,
}

/// One command of the IPC surface.
#[derive(Debug, Clone)]
pub struct CommandDoc {
    pub name: &'static str,
    pub doc: String,
    pub args: Vec<ArgDoc>,
    pub result: String,
    /// The TypeScript files its types come from (`RunView.ts`, ...).
    pub imports: Vec<(String, PathBuf)>,
    /// Every exported type its arguments and result reach.
    pub reaches: Vec<PathBuf>,
}

/// One event the shell emits.
#[derive(Debug, Clone)]
pub struct EventDoc {
    pub wire: &'static str,
    pub doc: String,
    pub payload: String,
    pub imports: Vec<(String, PathBuf)>,
    pub reaches: Vec<PathBuf>,
}

/// The files of a type and of every exported type it reaches, through fields and wrappers.
fn reaches<T: TS + 'static + ?Sized>() -> Vec<PathBuf> {
    struct Walk {
        seen: std::collections::HashSet<std::any::TypeId>,
        files: Vec<PathBuf>,
    }
    impl TypeVisitor for Walk {
        fn visit<U: TS + 'static + ?Sized>(&mut self) {
            if !self.seen.insert(std::any::TypeId::of::<U>()) {
                return;
            }
            if let Some(d) = ts_rs::Dependency::from_ty::<U>(&cfg()) {
                self.files.push(d.output_path);
            }
            U::visit_dependencies(self);
            U::visit_generics(self);
        }
    }
    let mut walk = Walk { seen: Default::default(), files: vec![] };
    walk.visit::<T>();
    walk.files
}

fn cfg() -> ts_rs::Config {
    ts_rs::Config::from_env()
}

fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn doc_text(lines: &[&str]) -> String {
    lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ")
}

/// The exported types a type names: itself, or what it wraps (`Vec<T>`, `Option<T>`).
fn deps<T: TS + 'static + ?Sized>() -> Vec<(String, PathBuf)> {
    struct Named(Vec<(String, PathBuf)>);
    impl ts_rs::TypeVisitor for Named {
        fn visit<U: TS + 'static + ?Sized>(&mut self) {
            match ts_rs::Dependency::from_ty::<U>(&cfg()) {
                Some(d) => self.0.push((d.ts_name, d.output_path)),
                None => U::visit_generics(self),
            }
        }
    }
    let mut named = Named(vec![]);
    named.visit::<T>();
    named.0
}

macro_rules! describe_commands {
    ($( $(#[doc = $doc:literal])* $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $ret:ty ; )*) => {
        vec![$({
            #[allow(unused_mut)] // a command without arguments adds nothing
            let mut imports = deps::<$ret>();
            $( imports.extend(deps::<$ty>()); )*
            #[allow(unused_mut)]
            let mut reached = reaches::<$ret>();
            $( reached.extend(reaches::<$ty>()); )*
            CommandDoc {
                name: stringify!($name),
                doc: doc_text(&[$($doc),*]),
                args: vec![$( ArgDoc {
                    name: camel(stringify!($arg)),
                    ts: <$ty as TS>::name(&cfg()),
                    optional: <$ty as TS>::IS_OPTION,
                } ),*],
                result: <$ret as TS>::name(&cfg()),
                imports,
                reaches: reached,
            }
        }),*]
    };
}

macro_rules! describe_events {
    ($( $(#[doc = $doc:literal])* $name:ident = $wire:literal : $payload:ty ; )*) => {
        vec![$( EventDoc {
            wire: $wire,
            doc: doc_text(&[$($doc),*]),
            payload: <$payload as TS>::name(&cfg()),
            imports: deps::<$payload>(),
            reaches: reaches::<$payload>(),
        } ),*]
    };
}

/// Every command, in declaration order.
pub fn commands() -> Vec<CommandDoc> {
    crate::with_commands!(describe_commands)
}

/// Every event, in declaration order.
pub fn events() -> Vec<EventDoc> {
    crate::with_events!(describe_events)
}

fn args_ts(c: &CommandDoc) -> String {
    if c.args.is_empty() {
        return "Record<never, never>".into();
    }
    let fields: Vec<String> = c
        .args
        .iter()
        .map(|a| if a.optional { format!("{}?: {}", a.name, a.ts) } else { format!("{}: {}", a.name, a.ts) })
        .collect();
    format!("{{ {} }}", fields.join("; "))
}

/// `ui/src/bindings/index.ts`: every type the commands and events reach, and the command
/// and event maps the UI's `call`, `listen` and browser mock are typed by.
pub fn typescript() -> String {
    let commands = commands();
    let events = events();
    let mut imports: Vec<(String, PathBuf)> =
        commands.iter().flat_map(|c| c.imports.clone()).chain(events.iter().flat_map(|e| e.imports.clone())).collect();
    imports.sort();
    imports.dedup();
    // An error is the answer of every command, though no declaration names it.
    let mut reached: Vec<PathBuf> = commands
        .iter()
        .flat_map(|c| c.reaches.clone())
        .chain(events.iter().flat_map(|e| e.reaches.clone()))
        .chain(reaches::<UiError>())
        .collect();
    reached.sort();
    reached.dedup();
    let module = |p: &PathBuf| p.with_extension("").display().to_string();
    let mut out = String::from(
        "// Generated by pixbench-core from its command declarations (crates/pixbench-core/src/commands.rs).\n\
         // Do not edit: `cargo test -p pixbench-core export_bindings` writes it.\n",
    );
    for (name, path) in &imports {
        out.push_str(&format!("import type {{ {name} }} from \"./{}\";\n", module(path)));
    }
    out.push_str("\n// Every type the commands and events reach.\n");
    for path in &reached {
        out.push_str(&format!("export type * from \"./{}\";\n", module(path)));
    }
    out.push_str("\n/** Every command the UI may call: its arguments (as the webview sends them) and its result. */\n");
    out.push_str("export interface Commands {\n");
    for c in &commands {
        out.push_str(&format!("  /** {} */\n", c.doc));
        out.push_str(&format!("  {}: {{ args: {}; result: {} }};\n", c.name, args_ts(c), c.result));
    }
    out.push_str("}\n\nexport type CommandName = keyof Commands;\n\n");
    out.push_str("/** The commands, in the order they are declared. */\n");
    out.push_str("export const COMMAND_NAMES: readonly CommandName[] = [\n");
    for c in &commands {
        out.push_str(&format!("  \"{}\",\n", c.name));
    }
    out.push_str("];\n\n/** Every event the shell emits: its name on the wire and its payload. */\n");
    out.push_str("export interface Events {\n");
    for e in &events {
        out.push_str(&format!("  /** {} */\n", e.doc));
        out.push_str(&format!("  \"{}\": {};\n", e.wire, e.payload));
    }
    out.push_str("}\n\nexport type EventName = keyof Events;\n");
    out
}

fn md_code(s: &str) -> String {
    format!("`{}`", s.replace('|', "\\|"))
}

/// The command and event tables of docs/IPC.md.
pub fn markdown() -> String {
    let mut out = String::from("| command | arguments | returns | what it does |\n|---|---|---|---|\n");
    for c in commands() {
        let args = if c.args.is_empty() { "-".to_string() } else { md_code(&args_ts(&c)) };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            c.name,
            args,
            md_code(&c.result),
            c.doc.replace('|', "\\|")
        ));
    }
    out.push_str("\n| event | payload | when |\n|---|---|---|\n");
    for e in events() {
        out.push_str(&format!("| `{}` | {} | {} |\n", e.wire, md_code(&e.payload), e.doc.replace('|', "\\|")));
    }
    out
}

/// The markers between which docs/IPC.md holds [`markdown`].
pub const DOC_BEGIN: &str = "<!-- generated from crates/pixbench-core/src/commands.rs: begin -->";
pub const DOC_END: &str = "<!-- generated from crates/pixbench-core/src/commands.rs: end -->";

/// `doc` with the text between the markers replaced by [`markdown`]; `None` without markers.
pub fn with_tables(doc: &str) -> Option<String> {
    let a = doc.find(DOC_BEGIN)? + DOC_BEGIN.len();
    let b = doc[a..].find(DOC_END)? + a;
    Some(format!("{}\n{}{}", &doc[..a], markdown(), &doc[b..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_camel_case_and_options_may_be_left_out() {
        let all = commands();
        let rate = all.iter().find(|c| c.name == "output_rate").unwrap();
        let names: Vec<&str> = rate.args.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["runId", "targetIdx", "outputIdx", "rating", "note"]);
        assert_eq!(
            args_ts(rate),
            "{ runId: string; targetIdx: number; outputIdx: number; rating?: number | null; note?: string | null }"
        );
        let info = all.iter().find(|c| c.name == "app_info").unwrap();
        assert_eq!(args_ts(info), "Record<never, never>");
        assert_eq!(info.result, "AppInfo");
        let mut names: Vec<&str> = all.iter().map(|c| c.name).collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n, "a command is declared twice");
    }

    #[test]
    fn the_doc_tables_go_between_their_markers() {
        let doc = format!("# IPC\n\nbefore\n{DOC_BEGIN}\nold table\n{DOC_END}\nafter\n");
        let new = with_tables(&doc).unwrap();
        assert!(new.starts_with("# IPC\n\nbefore\n"));
        assert!(new.ends_with(&format!("{DOC_END}\nafter\n")));
        assert!(!new.contains("old table"));
        assert!(new.contains("| `run_start` |"));
        assert!(with_tables("no markers").is_none());
    }

    /// Every file in the bindings folder is one the UI can reach (through the command map),
    /// so a type removed from Rust cannot leave a stale file the UI still imports.
    #[test]
    fn every_binding_file_is_reached() {
        // Exported for files the app writes (the session export), not for a command.
        const EXPORTED_FOR_FILES: &[&str] = &["VoteRecord"];
        let dir = PathBuf::from(std::env::var("TS_RS_EXPORT_DIR").expect("set by .cargo/config.toml"));
        let index = typescript();
        let mut stale = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(stem) = name.strip_suffix(".ts") else { continue };
            let reached = index.contains(&format!("from \"./{stem}\";"));
            if !reached && !["index", "errorKinds"].contains(&stem) && !EXPORTED_FOR_FILES.contains(&stem) {
                stale.push(name);
            }
        }
        assert!(
            stale.is_empty(),
            "binding files no command or event reaches (delete them, or say why they stay): {stale:?}"
        );
    }

    /// Writes the command map next to ts-rs's bindings and the tables into docs/IPC.md.
    #[test]
    fn export_bindings_commands() {
        let dir = std::env::var("TS_RS_EXPORT_DIR").expect("set by .cargo/config.toml");
        std::fs::write(PathBuf::from(dir).join("index.ts"), typescript()).unwrap();
        let doc_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/IPC.md");
        let doc = std::fs::read_to_string(&doc_path).unwrap();
        let new = with_tables(&doc).expect("docs/IPC.md has the generated-table markers");
        if new != doc {
            std::fs::write(&doc_path, new).unwrap();
        }
    }
}
