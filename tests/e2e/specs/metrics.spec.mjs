// Objective metrics in the app: a comparison of one model's four variants on the Sandbox;
// two-up shows SSIM / PSNR / pHash of the pair shown (a spinner first, never blocking);
// "set as reference" on a cell gives every other cell its badges against it; the "was the
// resolution worth it" table under the grid has one row per step (512→1K, 1K→2K, 2K→4K).
import assert from "node:assert/strict";
import { SHOT_DIR, T, allById, browser, byId, clickRun, imageLoaded, selectTargets, setPrompt, waitRunFinished, waitSim, waitUntil } from "../lib.mjs";

const VARIANTS = [
  "gemini-3.1-flash-image-preview-512",
  "gemini-3.1-flash-image-preview",
  "gemini-3.1-flash-image-preview-2k",
  "gemini-3.1-flash-image-preview-4k",
];
const [M512, M1K, M2K, M4K] = VARIANTS;

function cellOf(model) {
  return browser.$(`[data-testid="result-cell"][data-model="${model}"]`);
}

async function shot(name) {
  if (SHOT_DIR) await browser.saveScreenshot(`${SHOT_DIR}/metrics-${name}.png`);
}

describe("image metrics", function () {
  this.timeout(300_000);

  it("runs the four 3.1 Flash variants", async () => {
    await waitSim();
    await selectTargets(VARIANTS);
    await setPrompt("a harbour at golden hour, fishing boats, 50 mm");
    await clickRun();
    const cs = await waitRunFinished(4, 150_000);
    for (const c of cs) {
      assert.equal(c.status, "done", `${c.model} is ${c.status}`);
      await waitUntil(() => imageLoaded(c.el), `the ${c.model} thumbnail did not load`);
    }
  });

  it("shows the worth-it table with one row per step", async () => {
    const table = byId("worth-table");
    await table.waitForExist({ timeout: T.short });
    await waitUntil(async () => (await table.getAttribute("data-state")) === "ready", "the worth-it table did not fill in", T.run);
    // Closed at first, so that the grid keeps its space; its head counts the steps.
    assert.equal(await byId("worth-toggle").getAttribute("aria-expanded"), "false");
    assert.equal(await byId("worth-steps").getText(), "3 steps");
    await byId("worth-toggle").click();
    const models = await allById("worth-model");
    assert.equal(models.length, 1, "one model, one table");
    const rows = await allById("worth-row");
    const steps = [];
    for (const r of rows) steps.push(await r.getAttribute("data-step"));
    assert.deepEqual(steps, ["512→1K", "1K→2K", "2K→4K"]);
    for (const r of rows) {
      const verdict = r.$('[data-testid="worth-verdict"]');
      assert.match(await verdict.getText(), /^(adds little|adds detail|a different picture)/);
      const sentence = await verdict.getAttribute("title");
      assert.match(sentence, /credits?/, `no cost in the verdict: ${sentence}`);
      const text = await r.getText();
      assert.match(text, /\d\.\d{3}/, `no SSIM in ${text}`);
    }
    await shot("worth-table");
  });

  it("shows the metrics of the pair in two-up", async () => {
    await cellOf(M1K).$('[data-testid="compare-pick"]').click();
    await cellOf(M4K).$('[data-testid="compare-pick"]').click();
    await byId("two-up").click();
    await byId("two-up-dialog").waitForDisplayed({ timeout: T.short });
    const badges = byId("two-up-metrics").$('[data-testid="metric-badges"]');
    await badges.waitForExist({ timeout: T.short });
    await waitUntil(async () => (await badges.getAttribute("data-state")) === "ok", "two-up metrics did not arrive", T.run);
    const ssim = Number(await badges.$('[data-testid="metric-ssim"]').getAttribute("data-value"));
    assert.ok(ssim > 0 && ssim <= 1, `SSIM ${ssim}`);
    assert.equal(await badges.$('[data-testid="metric-size"]').getText(), "at 1024 × 1024", "compared at the smaller one's size");
    const phash = Number(await badges.$('[data-testid="metric-phash"]').getAttribute("data-value"));
    assert.ok(phash >= 0 && phash <= 64, `pHash ${phash}`);
    await shot("two-up");
    await browser.keys("Escape");
    await waitUntil(async () => !(await byId("two-up-dialog").isExisting()), "Esc did not close two-up");
    await byId("two-up-clear").click();
  });

  it("measures every other cell against a reference cell", async () => {
    await cellOf(M2K).$('[data-testid="set-reference"]').click();
    await cellOf(M2K).$('[data-testid="reference-tag"]').waitForExist({ timeout: T.short });
    for (const m of [M512, M1K, M4K]) {
      const badges = cellOf(m).$('[data-testid="metric-badges"]');
      await badges.waitForExist({ timeout: T.short });
      await waitUntil(async () => (await badges.getAttribute("data-state")) === "ok", `${m} has no metrics`, T.run);
    }
    assert.equal(await cellOf(M2K).$('[data-testid="metric-badges"]').isExisting(), false, "the reference is not measured against itself");
    await shot("reference");
    // Clearing the reference removes the badges.
    await cellOf(M2K).$('[data-testid="set-reference"]').click();
    await waitUntil(async () => (await allById("cell-metrics")).length === 0, "the badges stayed after clearing the reference");
  });
});
