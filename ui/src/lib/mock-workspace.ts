// The browser mock's workspace: a few request files in memory, so the sidebar's tree, tabs
// and environments can be looked at in `vite dev`. Files, defaults and the watcher are the
// core's (crates/pixbench-workspace).
import type { Request, UiError, WorkspaceRequest, WorkspaceView } from "./types";

const files = new Map<string, Request>();
const folders = new Set<string>(["banners"]);
let open = false;
let environment: string | null = null;

function request(prompt: string, modelId: string): Request {
  return {
    prompt,
    targets: [{ modelId, n: 1 }],
    aspectRatio: null,
    mode: "auto",
    responseFormat: "b64_json",
    images: [],
    fields: null,
    sweep: [],
    vars: [],
  };
}

files.set("hero.toml", request("a lighthouse at dusk for {{brand}}, watercolor", "gemini-3.1-flash-image-preview"));
files.set("banners/sale.toml", request("a summer sale banner, bold type", "gpt-image-2"));
files.set("banners/wide.toml", request("a wide banner of a coastline", "gemini-3.1-flash-image-preview"));

function fail(message: string): never {
  throw { kind: "invalid", message, detail: null, requestId: null } satisfies UiError;
}

function view(): WorkspaceView {
  const paths = [...folders, ...files.keys()].sort((a, b) => {
    const da = a.split("/").slice(0, -1).join("/");
    const db = b.split("/").slice(0, -1).join("/");
    return da === db ? Number(files.has(a)) - Number(files.has(b)) || a.localeCompare(b) : a.localeCompare(b);
  });
  return {
    root: "/home/you/pixbench-demo",
    name: "Demo workspace",
    entries: paths.map((p) => ({ path: p, folder: folders.has(p), depth: p.split("/").length - 1 })),
    truncated: false,
    environments: ["staging", "acme"],
    environment,
    environmentError: null,
    writable: true,
  };
}

function taken(path: string): boolean {
  const lower = path.toLowerCase();
  return [...files.keys(), ...folders].some((p) => p.toLowerCase() === lower);
}

export const workspaceHandlers = {
  request_code: (a: { request: Request; lang: string }): string =>
    `# ${a.lang}: the core writes the code (crates/pixbench-codegen); the browser mock only shows this.\n# prompt: ${a.request.prompt}\n`,
  import_curl: (a: { command: string }) => {
    const prompt =
      /prompt["']?\s*[:=]\s*["']([^"']+)/.exec(a.command)?.[1] ??
      fail("The text is not a curl command of an image request.");
    return { request: request(prompt, "gpt-image-2"), warnings: [] as string[] };
  },
  workspace_current: (): WorkspaceView | null => (open ? view() : null),
  workspace_pick: (): WorkspaceView => {
    open = true;
    return view();
  },
  workspace_close: (): null => {
    open = false;
    return null;
  },
  workspace_environment: (a: { name?: string | null }): WorkspaceView => {
    environment = a.name ?? null;
    return view();
  },
  workspace_load: (a: { path: string }): WorkspaceRequest => {
    const r = files.get(a.path) ?? fail(`${a.path} is not there any more.`);
    const title = a.path
      .split("/")
      .pop()!
      .replace(/\.toml$/, "");
    return { path: a.path, title, notes: null, draft: { request: structuredClone(r), references: [] } };
  },
  workspace_save: (a: { path: string; request: Request; create: boolean }): WorkspaceView => {
    if (!a.path.endsWith(".toml")) fail("A request file's name ends in .toml.");
    if (a.create && taken(a.path)) fail(`“${a.path}” is taken here: pick another name.`);
    files.set(a.path, structuredClone(a.request));
    return view();
  },
  workspace_rename: (a: { from: string; to: string }): WorkspaceView => {
    if (taken(a.to) && a.to.toLowerCase() !== a.from.toLowerCase()) fail(`“${a.to}” is taken here: pick another name.`);
    const r = files.get(a.from);
    if (r) {
      files.delete(a.from);
      files.set(a.to, r);
    }
    return view();
  },
  workspace_duplicate: (a: { path: string }): string => {
    const stem = a.path.replace(/\.toml$/, "");
    let i = 1;
    let to = `${stem} copy.toml`;
    while (taken(to)) to = `${stem} copy ${++i}.toml`;
    files.set(to, structuredClone(files.get(a.path) ?? fail(`${a.path} is not there any more.`)));
    return to;
  },
  workspace_delete: (a: { path: string }): WorkspaceView => {
    files.delete(a.path);
    folders.delete(a.path);
    for (const p of [...files.keys()]) if (p.startsWith(`${a.path}/`)) files.delete(p);
    return view();
  },
  workspace_new_folder: (a: { path: string }): WorkspaceView => {
    if (taken(a.path)) fail(`“${a.path}” is taken here: pick another name.`);
    folders.add(a.path);
    return view();
  },
};
