// The designer's loop (issue 14 §5): an output becomes the reference of a new edit (the E
// key, the "Edit from this" button, a drag onto the composer), the edit is sent with the
// image, and history shows the runs' lineage as a tree, two of them compared side by side
// with the prompt's differences marked.
import assert from "node:assert/strict";
import { SHOT_DIR, T, allById, attrs, browser, byId, clickRun, selectTargets, setPrompt, simAdmin, waitRunFinished, waitSim, waitUntil } from "../lib.mjs";

const K1 = "gemini-3.1-flash-image-preview";
const FIRST = "a lighthouse at dawn";
const SECOND = "a lighthouse at dawn, in watercolour";
const THIRD = "a lighthouse at dusk, in watercolour";

async function shot(name) {
  if (SHOT_DIR) await browser.saveScreenshot(`${SHOT_DIR}/lineage-${name}.png`);
}

/** The history's run ids, newest first. */
async function historyIds() {
  return attrs(await allById("history-item"), "data-run-id");
}

/** The composer shows an edit from run `runId`: Edit mode, one reference marked as from a run, the prompt loaded and focused. */
async function composerEditsFrom(runId, prompt) {
  await waitUntil(async () => (await byId("mode-edit").getAttribute("aria-selected")) === "true", "the composer is not in Edit mode");
  await waitUntil(async () => (await allById("reference-thumb")).length === 1, "the composer does not show one reference");
  await waitUntil(async () => (await allById("reference-from")).length === 1, "the reference is not marked as from a run");
  // The composer may already edit from an earlier run: the chip naming this one is the
  // sign the new edit has loaded (the checks above hold for the old one too).
  await waitUntil(
    async () => (await byId("composer-parent").getAttribute("data-run-id")) === runId,
    `the chip does not name run ${runId}`,
  );
  await waitUntil(async () => (await byId("prompt").getValue()) === prompt, `the prompt is not "${prompt}"`);
  await waitUntil(
    async () => (await browser.execute(() => document.activeElement?.getAttribute("data-testid") ?? null)) === "prompt",
    "the prompt is not focused for editing",
  );
  const img = await (await allById("reference-thumb"))[0].$("img");
  await waitUntil(() => browser.execute((el) => el.complete && el.naturalWidth > 0, img), "the reference thumbnail did not load");
}

/** Runs the composer and checks the Sandbox received an edit with an image part. */
async function runEditAndCheckImageSent() {
  const from = (await simAdmin.requests()).requests.length;
  const runs = (await allById("history-item")).length;
  await clickRun();
  // The new run is in history (and the grid) before its cells are awaited.
  await waitUntil(async () => (await allById("history-item")).length === runs + 1, "the edit did not start");
  const [cell] = await waitRunFinished(1);
  assert.equal(cell.status, "done");
  const posts = (await simAdmin.requests()).requests.slice(from).filter((r) => r.method === "POST");
  assert.equal(posts.length, 1, JSON.stringify(posts));
  assert.match(posts[0].path, /\/images\/edits/);
  assert.ok((posts[0].fields ?? []).includes("image"), `no image part: ${JSON.stringify(posts[0].fields)}`);
}

describe("lineage", function () {
  this.timeout(300_000);
  let ids = [];

  it("E on an output loads an edit from it into the composer", async () => {
    await waitSim();
    await selectTargets([K1]);
    await setPrompt(FIRST);
    await clickRun();
    assert.equal((await waitRunFinished(1))[0].status, "done");
    ids = await historyIds();
    // Out of the prompt (E there types an "e"), on the cell's title.
    await (await allById("result-cell"))[0].$("button.title").click();
    await browser.keys("e");
    await composerEditsFrom(ids[0], FIRST);
    await shot("composer-from-E");
  });

  it("runs the edit: the output goes as an image part, and the run says where it came from", async () => {
    await setPrompt(SECOND);
    await runEditAndCheckImageSent();
    ids = await historyIds();
    const from = byId("run-parent");
    assert.equal(await from.getAttribute("data-run-id"), ids[1]);
    // Named by its prompt, as a designer knows it, not by its id.
    assert.match(await from.getText(), new RegExp(`^from “${FIRST.slice(0, 20)}`), "the parent is not named by its prompt");
  });

  it("'Edit from this' on a cell starts the third edit", async () => {
    await (await allById("result-cell"))[0].$('[data-testid="edit-from"]').click();
    await composerEditsFrom(ids[0], SECOND);
    await setPrompt(THIRD);
    await runEditAndCheckImageSent();
    ids = await historyIds();
    assert.equal(ids.length, 3);
  });

  it("dragging an output onto the composer loads an edit from it", async () => {
    // Back to Generate first, so the drop visibly changes the composer.
    await byId("mode-generate").click();
    const handle = await (await allById("result-cell"))[0].$('[data-testid="edit-from"]');
    const prompt = await byId("prompt");
    const at = (el) => ({ "element-6066-11e4-a52e-4f735466cecf": el.elementId });
    await browser.performActions([
      { type: "pointer", id: "mouse", parameters: { pointerType: "mouse" }, actions: [
        { type: "pointerMove", origin: at(handle), x: 0, y: 0, duration: 0 },
        { type: "pointerDown", button: 0 },
        { type: "pointerMove", origin: at(handle), x: -40, y: 10, duration: 120 },
        { type: "pointerMove", origin: at(prompt), x: 0, y: 20, duration: 200 },
      ] },
    ]);
    await waitUntil(async () => (await byId("composer-drop-zone").getAttribute("class")).includes("over"), "the composer is not shown as a drop target");
    await shot("drag-over-composer");
    await browser.performActions([{ type: "pointer", id: "mouse", parameters: { pointerType: "mouse" }, actions: [{ type: "pointerUp", button: 0 }] }]);
    await browser.releaseActions();
    await composerEditsFrom(ids[0], THIRD);
  });

  it("history shows the middle run's ancestor and descendant as a tree", async () => {
    const items = await allById("history-item");
    await items[1].click();
    await waitUntil(async () => (await byId("run-parent").getAttribute("data-run-id")) === ids[2], "the middle run did not open");
    await byId("lineage-open").click();
    await waitUntil(async () => (await allById("lineage-node")).length === 3, "the lineage does not show three runs");
    const nodes = await allById("lineage-node");
    assert.deepEqual(await attrs(nodes, "data-run-id"), [ids[2], ids[1], ids[0]]);
    assert.deepEqual(await attrs(nodes, "data-relation"), ["ancestor", "current", "descendant"]);
    assert.deepEqual(await attrs(nodes, "data-depth"), ["0", "1", "2"]);
    // The history list marks the runs of a lineage.
    assert.equal((await allById("history-lineage")).length, 3);
    await shot("tree");
    // A node opens its run, and the tree follows it.
    await nodes[0].$("button.open").click();
    await waitUntil(async () => (await attrs(await allById("lineage-node"), "data-relation")).join() === "current,descendant,descendant", "the first run's lineage did not follow");
    assert.equal((await allById("run-parent")).length, 0, "the first run has no parent");
  });

  it("compares the first and the last run with the prompt's differences marked", async () => {
    const nodes = await allById("lineage-node");
    await nodes[0].$('[data-testid="lineage-pick"]').click();
    await nodes[2].$('[data-testid="lineage-pick"]').click();
    await byId("lineage-compare").click();
    await byId("lineage-compare-view").waitForDisplayed({ timeout: T.short });
    const diff = await byId("prompt-diff");
    const texts = async (sel) => {
      const out = [];
      for (const e of await diff.$$(sel)) out.push(await e.getText());
      return out.join(" ");
    };
    const added = await texts("ins");
    const removed = await texts("del");
    assert.ok(added.includes("dusk") && added.includes("watercolour"), `marked as added: "${added}"`);
    assert.ok(removed.includes("dawn"), `marked as removed: "${removed}"`);
    assert.ok(!added.includes("lighthouse") && !removed.includes("lighthouse"), "a kept word is marked");
    assert.deepEqual(await attrs(await allById("lineage-compare-side"), "data-run-id"), [ids[2], ids[0]]);
    // The two runs are named by their prompts, not by ids.
    assert.match(await browser.$("#lineage-compare-title").getText(), new RegExp(`^“${FIRST}” → “`));
    const imgs = await allById("lineage-compare-image");
    assert.equal(imgs.length, 2);
    for (const img of imgs) await waitUntil(() => browser.execute((el) => el.complete && el.naturalWidth > 0, img), "a compared image did not load", T.run);
    await shot("compare");
    await browser.keys("Escape");
    await waitUntil(async () => (await allById("lineage-compare-view")).length === 0, "Escape did not close the comparison");
    // The panel's close button sits in its header, inside the panel.
    const [panel, close] = await Promise.all([byId("lineage-panel").getLocation(), byId("lineage-close").getLocation()]);
    const width = (await byId("lineage-panel").getSize()).width;
    assert.ok(close.x > panel.x + width / 2 && close.y >= panel.y && close.y < panel.y + 48, `the close button is at ${JSON.stringify(close)}, the panel at ${JSON.stringify(panel)}`);
    await byId("lineage-close").click();
    await waitUntil(async () => (await allById("lineage-panel")).length === 0, "the close button did not close the panel");
  });
});
