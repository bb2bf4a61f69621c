// A server that keeps failing: the cell shows a sentence, and the next run works.
import assert from "node:assert/strict";
import { allById, byId, cellImages, clickRun, intIn, setPrompt, simAdmin, waitRunFinished, waitSim, waitUntil, waitHistoryStatus } from "../lib.mjs";

describe("errors", function () {
  this.timeout(180_000);

  before(async () => {
    await waitSim();
  });

  it("shows a clear error when the server answers 500 more often than the client retries", async () => {
    // More 500s than the client's retry budget (3 attempts by default).
    await simAdmin.fault({ kind: "status", status: 500, count: 3 });
    await setPrompt("a stormy harbour");
    await clickRun();
    const [cell] = await waitRunFinished(1);
    assert.equal(cell.status, "failed");
    const err = cell.el.$('[data-testid="error"]');
    await err.waitForDisplayed();
    const text = (await err.getText()).trim();
    assert.ok(text.length > 15, `error text too short: "${text}"`);
    assert.match(text, /^[A-Z][^]*[.!?](\s|\)|$)/, `not a sentence: "${text}"`);
    assert.match(text, /500|server/i, `does not say what happened: "${text}"`);
    assert.doesNotMatch(text, /undefined|null|\[object/i);
    assert.equal((await cellImages(cell.el)).length, 0);
    assert.equal(await intIn("session-credits"), 0, "a failed run must cost nothing");
    assert.equal((await simAdmin.state()).charged, 0);
    await waitHistoryStatus("failed");
  });

  it("runs normally afterwards", async () => {
    await simAdmin.clearFaults(); // in case the client retried fewer times than the faults
    await setPrompt("a calm harbour");
    await clickRun();
    const [cell] = await waitRunFinished(1);
    assert.equal(cell.status, "done");
    assert.equal((await cellImages(cell.el))[0].width, 1024);
    await waitUntil(async () => (await intIn("session-credits")) === 4, "session-credits is not 4");
  });

  it("refuses an edit without reference images and says why", async () => {
    // An edit with no reference image is refused before anything is sent.
    await byId("mode-edit").click();
    await setPrompt("make it blue");
    await clickRun();
    const problems = byId("problems");
    await problems.waitForDisplayed();
    assert.match(await problems.getText(), /reference/i);
    await byId("mode-generate").click();
  });
});
