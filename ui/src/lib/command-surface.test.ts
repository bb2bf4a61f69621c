// The command surface is written in four places: the Rust commands (src-tauri), the
// typed wrappers the UI calls (api.ts), the browser mock (mock.ts) and docs/IPC.md. This
// fails when they disagree on a command's name or its arguments.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const read = (p: string) => readFileSync(root + p, "utf8");

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** name -> argument names (camelCase, as the webview sends them), from the Rust commands. */
function rustCommands(): Map<string, string[]> {
  const src = read("src-tauri/src/commands.rs");
  const out = new Map<string, string[]>();
  const re = /#\[tauri::command[^\]]*\]\s*(?:pub\s+)?(?:async\s+)?fn\s+(\w+)\s*(?:<[^>]*>)?\(([^)]*)\)/g;
  for (const m of src.matchAll(re)) {
    // Generic arguments (`State<'_, crate::X>`) hold commas: drop them before splitting.
    let params = m[2];
    while (/<[^<>]*>/.test(params)) params = params.replace(/<[^<>]*>/g, "");
    const args = params
      .split(",")
      .map((a) => a.trim())
      .filter((a) => a.includes(":"))
      .filter((a) => !/:\s*(State|AppHandle|Window|WebviewWindow|tauri::)/.test(a))
      .map((a) =>
        camel(
          a
            .split(":")[0]
            .trim()
            .replace(/^mut\s+/, ""),
        ),
      );
    out.set(m[1], args);
  }
  return out;
}

function registered(): string[] {
  const src = read("src-tauri/src/commands.rs");
  const m = /generate_handler!\[([^\]]*)\]/.exec(src);
  expect(m, "generate_handler! not found").toBeTruthy();
  return m![1]
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** name -> argument names, from api.ts's `invoke("name", { a, b })` calls. */
function apiCommands(): Map<string, string[]> {
  const src = read("ui/src/lib/api.ts");
  const out = new Map<string, string[]>();
  for (const m of src.matchAll(/invoke(?:<[^(]*>)?\(\s*"(\w+)"\s*(?:,\s*\{([^}]*)\})?/g)) {
    const args = (m[2] ?? "")
      .split(",")
      .map((a) => a.trim().split(":")[0].trim())
      .filter(Boolean);
    out.set(m[1], args);
  }
  return out;
}

function mockCommands(): Set<string> {
  return new Set([...read("ui/src/lib/mock.ts").matchAll(/case "(\w+)":/g)].map((m) => m[1]));
}

function documented(): Set<string> {
  return new Set([...read("docs/IPC.md").matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]));
}

describe("the command surface", () => {
  const rust = rustCommands();
  const names = [...rust.keys()].sort();

  it("finds the commands", () => {
    expect(names.length).toBeGreaterThan(30);
  });

  it("registers every command it declares", () => {
    expect([...registered()].sort()).toEqual(names);
  });

  it("has a typed wrapper with the same arguments for every command", () => {
    const api = apiCommands();
    expect([...api.keys()].sort()).toEqual(names);
    for (const [name, args] of rust) expect([...(api.get(name) ?? [])].sort(), name).toEqual([...args].sort());
  });

  it("is answered by the browser mock", () => {
    const mock = mockCommands();
    expect(names.filter((n) => !mock.has(n))).toEqual([]);
  });

  it("is documented in docs/IPC.md", () => {
    const doc = documented();
    expect(names.filter((n) => !doc.has(n))).toEqual([]);
    expect([...doc].filter((n) => !rust.has(n))).toEqual([]);
  });
});
