// A fake backend for `vite dev` in a plain browser (never in the production bundle):
// answers the commands of docs/IPC.md with plausible data and emits run events, so the
// UI can be developed and looked at without the Rust side. Prompts containing "fail"
// make targets fail; "slow" makes them slow.
import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { expectedSize } from "./aspect";
import type { Int } from "./format";
import { num } from "./format";
import type {
  BenchInput,
  CatalogEntry,
  Preflight,
  Estimate,
  OutputView,
  ProfileInput,
  ProfileView,
  ReferenceView,
  RunSpec,
  RunSummary,
  RunView,
  SessionView,
  Settings,
} from "./types";

const b = (n: number) => n as unknown as Int;
const RATIOS = ["1:1", "2:3", "3:2", "3:4", "4:3", "9:16", "16:9", "21:9"];

function entry(id: string, family: string, label: string, variant: string, longEdge: number, credits: number, async_ = false): CatalogEntry {
  return {
    id, family, label, alias: null, variant, longEdge, credits: b(credits), officialUsd: null, requestStyle: "suffix",
    maxReferences: 14, maxReferenceBytes: b(7 << 20), referenceFormats: ["png", "jpeg", "webp"], aspectRatios: RATIOS,
    supportsEdit: true, defaultAsync: async_, maxN: 4,
  };
}

const catalog: CatalogEntry[] = [
  entry("gemini-3.1-flash-image-preview-512", "gemini-3.1-flash-image-preview", "Nano Banana 2 · 512", "512", 512, 4),
  entry("gemini-3.1-flash-image-preview", "gemini-3.1-flash-image-preview", "Nano Banana 2 · 1K", "1K", 1024, 4),
  entry("gemini-3.1-flash-image-preview-2k", "gemini-3.1-flash-image-preview", "Nano Banana 2 · 2K", "2K", 2048, 6, true),
  entry("gemini-3.1-flash-image-preview-4k", "gemini-3.1-flash-image-preview", "Nano Banana 2 · 4K", "4K", 4096, 8, true),
  entry("gemini-3-pro-image-preview", "gemini-3-pro-image-preview", "Nano Banana Pro · 1K", "1K", 1024, 8),
  entry("gemini-3-pro-image-preview-2k", "gemini-3-pro-image-preview", "Nano Banana Pro · 2K", "2K", 2048, 8, true),
  entry("gemini-3-pro-image-preview-4k", "gemini-3-pro-image-preview", "Nano Banana Pro · 4K", "4K", 4096, 16, true),
  entry("gemini-2.5-flash-image", "gemini-2.5-flash-image", "Nano Banana · 1K", "1K", 1024, 2),
  entry("gpt-image-1.5", "gpt-image-1.5", "GPT Image 1.5 · 1K", "1K", 1024, 1),
];

let profiles: ProfileView[] = [
  { id: "sandbox", name: "Sandbox", baseUrl: "http://127.0.0.1:38517", defaultModel: "gemini-3.1-flash-image-preview", budgetCredits: null, isSandbox: true, isCurrent: true, keyMask: null, keyState: "sandbox", keyNote: null },
  { id: "p-prod", name: "Pixapi", baseUrl: "https://api.pixapi.example", defaultModel: "gemini-3.1-flash-image-preview", budgetCredits: null, isSandbox: false, isCurrent: false, keyMask: "sk_…9f2c", keyState: "stored", keyNote: null },
];

let session: SessionView = {
  id: "s1", name: "Session 1", startedAt: new Date().toISOString(), budgetCredits: null, profileId: "sandbox", simulated: true,
  credits: b(0), usd: 0, realCredits: b(0), simulatedCredits: b(0), images: 0, failedImages: 0, successRate: null,
  avgCreditsPerImage: null, savingsUsd: null, byVariant: [], overTime: [], budgetWarning: false,
};

let settings: Settings = { sessionMode: "new_each_start" };

const runs = new Map<string, RunView>();
const timers = new Map<string, ReturnType<typeof setTimeout>[]>();
let seq = 0;

function picture(seed: string, w: number, h: number, label: string): string {
  const scale = Math.min(1, 512 / Math.max(w, h));
  const cw = Math.max(1, Math.round(w * scale));
  const ch = Math.max(1, Math.round(h * scale));
  const c = document.createElement("canvas");
  c.width = cw;
  c.height = ch;
  const g = c.getContext("2d");
  if (!g) return "";
  let hash = 0;
  for (const ch2 of seed) hash = (hash * 31 + ch2.charCodeAt(0)) >>> 0;
  const h1 = hash % 360;
  const grad = g.createLinearGradient(0, 0, cw, ch);
  grad.addColorStop(0, `hsl(${h1} 70% 55%)`);
  grad.addColorStop(1, `hsl(${(h1 + 80) % 360} 70% 30%)`);
  g.fillStyle = grad;
  g.fillRect(0, 0, cw, ch);
  for (let i = 0; i < 7; i++) {
    g.beginPath();
    g.fillStyle = `hsla(${(h1 + i * 40) % 360} 80% 70% / 0.35)`;
    g.arc(((hash >>> i) % cw) + i * 30, ((hash >>> (i + 3)) % ch) + i * 10, 30 + ((hash >>> i) % 90), 0, Math.PI * 2);
    g.fill();
  }
  g.fillStyle = "rgba(255,255,255,0.85)";
  g.font = `bold ${Math.round(cw / 12)}px sans-serif`;
  g.fillText(label, 16, ch - 20);
  return c.toDataURL("image/png");
}

function summary(r: RunView): RunSummary {
  const outs = r.targets.flatMap((t) => t.outputs);
  return {
    id: r.id, createdAt: r.createdAt, prompt: r.prompt, mode: r.mode, status: r.status, models: r.targets.map((t) => t.modelId),
    profileName: r.profileName, simulated: r.simulated, credits: r.credits, images: outs.length, thumbUrl: outs[0]?.thumbUrl ?? null,
  };
}

function estimate(spec: RunSpec): Estimate {
  const targets = spec.targets.map((t) => {
    const e = catalog.find((c) => c.id === t.modelId);
    const per = Number(e?.credits ?? 0);
    return { modelId: t.modelId, n: t.n, creditsPerImage: b(per), credits: b(per * t.n) };
  });
  const total = targets.reduce((s, t) => s + Number(t.credits), 0);
  const budget = session.budgetCredits === null ? null : Number(session.budgetCredits);
  const spent = Number(session.credits);
  const problems: string[] = [];
  if (!spec.prompt) problems.push("Write a prompt first.");
  return {
    targets, totalCredits: b(total), totalUsd: total * 0.01, simulated: true, budgetCredits: budget === null ? null : b(budget),
    spentCredits: b(spent), overBudget: budget !== null && spent + total > budget, problems,
  };
}

function recompute(r: RunView): void {
  r.credits = b(r.targets.reduce((s, t) => s + Number(t.credits), 0));
  const st = r.targets.map((t) => t.status);
  if (st.some((s) => s === "running" || s === "queued")) r.status = "running";
  else if (st.every((s) => s === "done")) r.status = "done";
  else if (st.every((s) => s === "cancelled")) r.status = "cancelled";
  else if (st.some((s) => s === "done")) r.status = "partial";
  else r.status = "failed";
}

function charge(credits: number, images: number): void {
  const c = Number(session.credits) + credits;
  session = { ...session, credits: b(c), simulatedCredits: b(c), usd: c * 0.01, images: session.images + images,
    budgetWarning: session.budgetCredits !== null && c >= 0.8 * Number(session.budgetCredits) };
  void emit("session-updated", session);
}

function push(r: RunView): void {
  recompute(r);
  void emit("run-updated", structuredClone(r));
}

function start(spec: RunSpec): RunView {
  const id = `run-${++seq}-${Date.now().toString(36)}`;
  const slow = /slow/i.test(spec.prompt);
  const fail = /fail/i.test(spec.prompt);
  const r: RunView = {
    id, createdAt: new Date().toISOString(), sessionId: session.id, profileId: "sandbox", profileName: "Sandbox", simulated: true,
    mode: spec.mode, prompt: spec.prompt, aspectRatio: spec.aspectRatio, responseFormat: spec.responseFormat, syncMode: spec.syncMode,
    references: [], status: "running", estimateCredits: estimate(spec).totalCredits, credits: b(0),
    targets: spec.targets.map((t, idx) => {
      const e = catalog.find((c) => c.id === t.modelId);
      return {
        idx, modelId: t.modelId, n: t.n, status: "running", isAsync: e?.defaultAsync ?? false, progress: e?.defaultAsync ? 0 : null,
        taskId: e?.defaultAsync ? `task_${idx}${seq}` : null, polls: [], outputs: [], credits: b(0), timing: null, error: null,
        request: {
          method: "POST", url: `http://127.0.0.1:38517/v1/images/generations`,
          headers: [["authorization", "Bearer sk_…sim"], ["content-type", "application/json"]],
          jsonBody: { model: t.modelId, prompt: spec.prompt, n: t.n, response_format: spec.responseFormat },
          parts: [],
        },
        httpStatus: null, requestId: null, responseRaw: null, attempts: 1,
      };
    }),
  };
  runs.set(id, r);
  const ts: ReturnType<typeof setTimeout>[] = [];
  r.targets.forEach((t, i) => {
    const e = catalog.find((c) => c.id === t.modelId);
    const dur = (slow ? 9000 : 700) + (e?.longEdge ?? 1024) * (slow ? 2 : 0.9) + i * 150;
    for (let k = 1; k < 4; k++) {
      ts.push(setTimeout(() => {
        if (t.status !== "running") return;
        if (t.isAsync) {
          t.progress = k / 4;
          t.polls.push({ atMs: (dur * k) / 4, status: "processing", progress: k / 4 });
        }
        push(r);
      }, (dur * k) / 4));
    }
    ts.push(setTimeout(() => {
      if (t.status !== "running") return;
      if (fail && i === r.targets.length - 1) {
        t.status = "failed";
        t.httpStatus = 500;
        t.attempts = 3;
        t.error = { kind: "server_error", message: "The server failed 3 times in a row (HTTP 500). Try again in a minute; nothing was charged.", detail: '{"error":{"message":"internal error","type":"server_error"}}' };
      } else {
        const size = expectedSize(e?.longEdge ?? 1024, spec.aspectRatio);
        t.outputs = Array.from({ length: t.n }, (_, oi): OutputView => {
          const url = picture(`${spec.prompt}${t.modelId}${oi}`, size.width, size.height, e?.variant ?? "");
          return { idx: oi, sha256: `${id}${i}${oi}`, width: size.width, height: size.height, bytes: b(size.width * size.height * 1.4), url, thumbUrl: url, credits: e?.credits ?? b(0), rating: null, note: null };
        });
        t.status = "done";
        t.progress = 1;
        t.httpStatus = 200;
        t.requestId = `req_${Math.random().toString(36).slice(2, 10)}`;
        t.credits = b(Number(e?.credits ?? 0) * t.n);
        t.responseRaw = JSON.stringify({ created: 1700000000, data: t.outputs.map(() => ({ url: "http://127.0.0.1:38517/files/…" })) });
        t.timing = t.isAsync
          ? { sendMs: null, ttfbMs: null, bodyMs: null, decodeMs: 40, submitMs: 35, waitMs: dur - 300, downloadMs: 180, polls: t.polls.length, totalMs: dur }
          : { sendMs: 3, ttfbMs: dur - 120, bodyMs: 80, decodeMs: 30, submitMs: null, waitMs: null, downloadMs: null, polls: null, totalMs: dur };
        charge(Number(t.credits), t.n);
      }
      push(r);
    }, dur));
  });
  timers.set(id, ts);
  return structuredClone(r);
}

function cancel(runId: string, only?: number): void {
  const r = runs.get(runId);
  if (!r) return;
  for (const t of r.targets) if ((only === undefined || t.idx === only) && t.status === "running") t.status = "cancelled";
  push(r);
}

function seed(): void {
  const prompts = ["a lighthouse at dawn, volumetric fog, 35 mm", "isometric cozy bookshop interior, warm light", "macro photo of a dew drop on a fern"];
  prompts.forEach((p, i) => {
    const id = `old-${i}`;
    const e = catalog[1];
    const url = picture(p, 512, 512, "1K");
    const r: RunView = {
      id, createdAt: new Date(Date.now() - (i + 1) * 3600_000).toISOString(), sessionId: "s0", profileId: "sandbox", profileName: "Sandbox",
      simulated: true, mode: "generate", prompt: p, aspectRatio: null, responseFormat: "url", syncMode: "auto", references: [], status: "done",
      estimateCredits: b(4), credits: b(4),
      targets: [{ idx: 0, modelId: e.id, n: 1, status: "done", isAsync: false, progress: 1, taskId: null, polls: [],
        outputs: [{ idx: 0, sha256: id, width: 1024, height: 1024, bytes: b(1_400_000), url, thumbUrl: url, credits: b(4), rating: null, note: null }],
        credits: b(4), timing: { sendMs: 2, ttfbMs: 1800, bodyMs: 90, decodeMs: 30, submitMs: null, waitMs: null, downloadMs: null, polls: null, totalMs: 1930 },
        error: null, request: null, httpStatus: 200, requestId: "req_old", responseRaw: "{}", attempts: 1 }],
    };
    runs.set(id, r);
  });
}

function benchPreflight(input: BenchInput): Preflight {
  const prompts = input.prompts.length;
  const perRound = input.targets.map((t) => num(catalog.find((e) => e.id === t.modelId)?.credits ?? 0) * t.n);
  const one = perRound.reduce((x, y) => x + y, 0);
  const credits = one * (prompts * input.repeats + input.warmup);
  return {
    requests: input.targets.length * (prompts * input.repeats + input.warmup),
    warmup_requests: input.targets.length * input.warmup,
    credits,
    usd: credits / 100,
    warmup_credits: one * input.warmup,
    targets: [],
    budget_credits: null,
    spent_credits: 0,
    matrix_budget: input.budget === null ? null : num(input.budget),
    over_budget: input.budget !== null && credits > num(input.budget),
    problems: [],
    simulated: true,
    profile: "Sandbox",
  };
}

export function installMock(): void {
  seed();
  mockIPC(
    (cmd, payload) => {
      const a = (payload ?? {}) as Record<string, unknown>;
      switch (cmd) {
        case "app_info":
          return { version: "0.1.0-mock", dataDir: "/tmp/pixbench-mock", catalogSource: "built-in", keychainProblem: null, sandboxUrl: "http://127.0.0.1:38517" };
        case "catalog":
          return { source: "built-in", entries: catalog };
        case "profiles_list":
          return profiles;
        case "profile_select":
          profiles = profiles.map((p) => ({ ...p, isCurrent: p.id === a.id }));
          return profiles.find((p) => p.id === a.id);
        case "profile_save": {
          const input = a.input as ProfileInput;
          if (input.id) {
            profiles = profiles.map((p) => (p.id === input.id ? { ...p, name: input.name, baseUrl: input.baseUrl, defaultModel: input.defaultModel, budgetCredits: input.budgetCredits } : p));
            return profiles.find((p) => p.id === input.id);
          }
          const p: ProfileView = { id: `p-${Date.now()}`, name: input.name, baseUrl: input.baseUrl, defaultModel: input.defaultModel, budgetCredits: input.budgetCredits, isSandbox: false, isCurrent: false, keyMask: null, keyState: "missing", keyNote: null };
          profiles = [...profiles, p];
          return p;
        }
        case "profile_set_key": {
          const key = String(a.key);
          profiles = profiles.map((p) => (p.id === a.id ? { ...p, keyState: "stored", keyMask: `${key.slice(0, 3)}…${key.slice(-4)}` } : p));
          return profiles.find((p) => p.id === a.id);
        }
        case "profile_remove_key":
          profiles = profiles.map((p) => (p.id === a.id ? { ...p, keyState: "missing", keyMask: null } : p));
          return profiles.find((p) => p.id === a.id);
        case "profile_delete":
          profiles = profiles.filter((p) => p.id !== a.id);
          return null;
        case "profile_test":
          return { ok: true, message: "The key works.", models: 9, latencyMs: 143 };
        case "estimate":
          return estimate(a.spec as RunSpec);
        case "run_start":
          return start(a.spec as RunSpec);
        case "run_cancel":
          cancel(String(a.runId));
          return null;
        case "run_cancel_target":
          cancel(String(a.runId), Number(a.targetIdx));
          return null;
        case "run_get":
          return structuredClone(runs.get(String(a.runId)));
        case "run_delete":
          runs.delete(String(a.runId));
          return null;
        case "history_list":
          return [...runs.values()].map(summary).sort((x, y) => y.createdAt.localeCompare(x.createdAt));
        case "references_pick":
        case "references_add_paths": {
          const url = picture(`ref${Date.now()}`, 800, 600, "ref");
          const ref: ReferenceView = { sha256: `ref-${Date.now()}`, name: "photo.jpg", mime: "image/jpeg", width: 800, height: 600, bytes: b(120_000), thumbUrl: url, originalBytes: null, originalWidth: null, originalHeight: null, note: null };
          return [ref];
        }
        case "output_rate":
          return null;
        case "export_curl":
          return `curl -X POST http://127.0.0.1:38517/v1/images/generations \\\n  -H "Authorization: Bearer $PIXAPI_KEY" \\\n  -H "Content-Type: application/json" \\\n  -d '{"model":"gemini-3.1-flash-image-preview","prompt":"…"}'`;
        case "export_contact_sheet":
          return "/tmp/pixbench-mock/contact-sheet.png";
        case "session_current":
          return session;
        case "session_new":
          session = { ...session, id: `s${Date.now()}`, name: String(a.name), credits: b(0), usd: 0, images: 0, budgetWarning: false };
          return session;
        case "session_set_budget":
          session = { ...session, budgetCredits: a.credits === null ? null : b(Number(a.credits)) };
          return session;
        case "session_export":
          return `/tmp/pixbench-mock/session.${String(a.format)}`;
        case "settings_get":
          return settings;
        case "settings_set":
          settings = { ...(a.settings as Settings) };
          return settings;
        case "bench_list":
          return [];
        case "bench_preflight":
          return benchPreflight(a.input as BenchInput);
        case "bench_start":
        case "bench_prompts_pick":
          // Benchmarks need the engine: the browser mock only shows the form.
          throw { kind: "unsupported", message: "Benchmarks run in the app, not in the browser mock.", detail: null };
        default:
          throw { kind: "not_found", message: `The mock has no command ${cmd}.`, detail: null };
      }
    },
    { shouldMockEvents: true },
  );
}
