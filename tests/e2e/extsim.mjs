// A pixapi-sim of the test's own (the built binary), outliving app restarts: for
// profiles with a real key and for crash/resume tests.
import { spawn } from "node:child_process";
import path from "node:path";
import assert from "node:assert/strict";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
export const SIM_BIN = process.env.PIXAPI_SIM_BIN ?? path.join(ROOT, "target/debug/pixapi-sim");

export async function startSim(args) {
  const child = spawn(SIM_BIN, ["--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const url = await new Promise((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += d;
      const m = /listening on (http:\/\/\S+)/.exec(buf);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`pixapi-sim exited with ${code}`)));
    setTimeout(() => reject(new Error("pixapi-sim did not start")), 20_000);
  });
  const admin = async (method, p, body) => {
    const r = await fetch(`${url}${p}`, {
      method,
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.ok(r.ok, `${method} ${p}: ${r.status}`);
    return r.json();
  };
  return { url, child, state: () => admin("GET", "/__sim/state"), stop: () => child.kill() };
}

/** PIDs of app processes whose PIXBENCH_DATA_DIR is `dataDir` (this spec's app only). */
export async function appPids(dataDir) {
  const fs = await import("node:fs");
  const pids = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, "utf8");
      if (!cmd.includes("pixbench-desktop")) continue;
      const env = fs.readFileSync(`/proc/${d}/environ`, "utf8").split("\0");
      if (env.includes(`PIXBENCH_DATA_DIR=${dataDir}`)) pids.push(Number(d));
    } catch {
      // the process went away, or is not ours to read
    }
  }
  return pids;
}

/** Files under `dir` (recursively) whose bytes contain `needle`. */
export async function filesContaining(dir, needle) {
  const fs = await import("node:fs");
  const hits = [];
  const walk = (p) => {
    for (const e of fs.readdirSync(p, { withFileTypes: true })) {
      const f = path.join(p, e.name);
      if (e.isDirectory()) walk(f);
      else if (fs.readFileSync(f).includes(Buffer.from(needle))) hits.push(f);
    }
  };
  walk(dir);
  return hits;
}
