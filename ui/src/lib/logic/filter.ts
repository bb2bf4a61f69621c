// The history filter: every word typed must be found in the prompt, a model id, the
// profile name, the status or the mode. Case-insensitive; quotes keep phrases together.
import type { RunSummary } from "../types";

export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const t = (m[1] ?? m[2] ?? "").trim().toLowerCase();
    if (t) tokens.push(t);
  }
  return tokens;
}

function haystack(r: RunSummary): string {
  return [r.prompt, r.models.join(" "), r.profileName, r.status, r.kind, r.simulated ? "sandbox simulated" : "live"]
    .join("\n")
    .toLowerCase();
}

export function filterHistory(list: RunSummary[], text: string): RunSummary[] {
  const tokens = tokenize(text);
  if (tokens.length === 0) return list;
  return list.filter((r) => {
    const h = haystack(r);
    return tokens.every((t) => {
      if (t.startsWith("status:")) return r.status === t.slice(7);
      if (t.startsWith("model:")) return r.models.some((m) => m.toLowerCase().includes(t.slice(6)));
      return h.includes(t);
    });
  });
}
