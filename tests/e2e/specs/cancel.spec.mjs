// Cancelling a slow run: the cell says cancelled, and the app keeps working.
import assert from "node:assert/strict";
import { allById, browser, byId, cellImages, clickRun, setPrompt, simAdmin, startRun, T, waitRunFinished, waitSim, waitUntil } from "../lib.mjs";

describe("cancel", function () {
  this.timeout(180_000);

  before(async () => {
    await waitSim();
  });

  it("cancels a slow run from the Cancel button", async () => {
    await simAdmin.fault({ kind: "slow", delay_ms: 8000 });
    await setPrompt("a slow painting of the sea");
    await clickRun();
    const cell = await waitUntil(async () => {
      const [c] = await allById("result-cell");
      return c && (await c.getAttribute("data-status")) === "running" ? c : false;
    }, "the cell never showed running");
    await byId("cancel").waitForEnabled({ timeout: T.short });
    const started = Date.now();
    await byId("cancel").click();
    await waitUntil(async () => (await cell.getAttribute("data-status")) === "cancelled", "the cell did not say cancelled", 6000);
    assert.ok(Date.now() - started < 6000, "cancel took as long as the slow answer");
    assert.equal((await cellImages(cell)).length, 0);
    await byId("cancel").waitForDisplayed({ reverse: true, timeout: T.short });
    const [item] = await allById("history-item");
    await waitUntil(async () => (await item.getAttribute("data-status")) === "cancelled", "history does not show the run cancelled");
  });

  it("runs normally after a cancel (started with Ctrl+Enter)", async () => {
    await simAdmin.clearFaults();
    await setPrompt("a calm sea, after the cancel");
    await startRun(() => browser.keys(["Control", "Enter"]));
    const [cell] = await waitRunFinished(1);
    assert.equal(cell.status, "done");
    assert.equal((await cellImages(cell.el))[0].width, 1024);
  });

  it("cancels one target of a comparison from its cell", async () => {
    await simAdmin.fault({ kind: "slow", delay_ms: 8000, model: "gemini-3.1-flash-image-preview-512" });
    const boxes = await allById("target", '[data-model="gemini-3.1-flash-image-preview-512"]');
    if (!(await boxes[0].isSelected())) await boxes[0].click();
    await setPrompt("two variants, one cancelled");
    await clickRun();
    const slow = await waitUntil(async () => {
      for (const c of await allById("result-cell")) {
        if ((await c.getAttribute("data-model")) === "gemini-3.1-flash-image-preview-512" && (await c.getAttribute("data-status")) === "running") return c;
      }
      return false;
    }, "the 512 cell never showed running");
    await slow.$('[data-testid="cancel-cell"]').click();
    const cs = await waitRunFinished(2);
    const by = Object.fromEntries(cs.map((c) => [c.model, c.status]));
    assert.equal(by["gemini-3.1-flash-image-preview-512"], "cancelled");
    assert.equal(by["gemini-3.1-flash-image-preview"], "done");
  });
});
