// A session budget blocks a run that could cross it, before anything is sent.
import assert from "node:assert/strict";
import { allById, browser, byId, clickRun, intIn, selectTargets, setPrompt, simAdmin, startRun, waitRunFinished, waitSim, waitUntil } from "../lib.mjs";

const FOUR = [
  "gemini-3.1-flash-image-preview-512",
  "gemini-3.1-flash-image-preview",
  "gemini-3.1-flash-image-preview-2k",
  "gemini-3.1-flash-image-preview-4k",
];

describe("budget", function () {
  this.timeout(240_000);

  it("blocks a 22-credit run with a 10-credit budget and charges nothing", async () => {
    await waitSim();
    const budget = byId("session-budget");
    await budget.clearValue();
    await budget.setValue("10");
    await browser.keys("Enter");
    await waitUntil(async () => (await budget.getValue()) === "10", "the budget field did not keep 10");
    await selectTargets(FOUR);
    await setPrompt("four variants against a small budget");
    await clickRun();
    const blocked = byId("budget-blocked");
    await blocked.waitForDisplayed();
    const text = await blocked.getText();
    assert.match(text, /22/, `no estimate figure in: ${text}`);
    assert.match(text, /10/, `no budget figure in: ${text}`);
    assert.equal((await allById("result-cell")).length, 0, "nothing may start");
    assert.equal((await allById("history-item")).length, 0, "nothing may be stored");
    const st = await simAdmin.state();
    assert.equal(st.charged, 0);
    assert.equal(await intIn("session-credits"), 0);
  });

  it("runs anyway when asked", async () => {
    await startRun(() => byId("run-anyway").click());
    const cs = await waitRunFinished(4, 150_000);
    assert.ok(cs.every((c) => c.status === "done"), JSON.stringify(cs.map((c) => [c.model, c.status])));
    await waitUntil(async () => (await intIn("session-credits")) === 22, "session-credits is not 22");
    assert.equal((await simAdmin.state()).charged, 22);
    assert.equal(await byId("budget-blocked").isExisting(), false);
  });
});
