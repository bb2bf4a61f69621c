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

/** `pid` and every process below it (WebKit's web and network processes of an app). */
export async function processTree(pid) {
  const fs = await import("node:fs");
  const parent = new Map();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // stat: "pid (comm) state ppid ...": comm may hold spaces, so read after the last ')'
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, ppid] of parent) if (ppid === tree[i]) tree.push(child);
  }
  return tree;
}

/** Whether a process is still running (a zombie counts as gone). */
export async function alive(pid) {
  const fs = await import("node:fs");
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
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
