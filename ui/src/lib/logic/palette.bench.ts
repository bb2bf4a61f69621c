// The palette over a workspace of 10,000 request files in 500 folders (issue 23's scale):
// building its items from the tree and the first query. `npx vitest bench --run` prints
// the figures; the core's listing of the same tree is measured by
// `cargo bench -p pixbench-workspace --bench tree`.
import { bench, describe } from "vitest";
import { rankPalette, type PaletteItem } from "./palette";
import type { WorkspaceEntry } from "../types";

const entries: WorkspaceEntry[] = [];
for (let f = 0; f < 500; f++) {
  entries.push({ path: `folder-${f}`, folder: true, depth: 0 });
  for (let r = 0; r < 20; r++)
    entries.push({ path: `folder-${f}/request ${f * 20 + r} hero shot.toml`, folder: false, depth: 1 });
}

function items(): PaletteItem[] {
  return entries.filter((e) => !e.folder).map((e) => ({ kind: "request", label: e.path, detail: "", id: e.path }));
}

describe("palette, 10,000 requests in 500 folders", () => {
  bench("index and first query", () => {
    rankPalette(items(), "f12 hero");
  });
  bench("a query on the built index", () => {
    rankPalette(built, "request 9999");
  });
});

const built = items();
