// A task Pixapi accepted is never dropped (issue 21, high): when its polls are refused the
// cell says it waits for Pixapi, with the next check and "Check now" / "Give up"; once the
// server answers again, "Check now" collects the paid image and the session counts it.
import assert from "node:assert/strict";
import { browser, byId, cellImages, clickRun, intIn, SHOT_DIR, setPrompt, simAdmin, waitSim, waitUntil } from "../lib.mjs";

describe("waiting for an accepted task", function () {
  this.timeout(180_000);

  before(async () => {
    await waitSim();
  });

  after(async () => {
    await simAdmin.clearFaults();
    await byId("sync-auto").click();
  });

  it("shows the wait, then collects the image on Check now", async () => {
    // The task is accepted, then every poll is refused (a key revoked meanwhile).
    await simAdmin.fault({ kind: "status", status: 401, count: 1000, path: "/v1/tasks" });
    await byId("sync-async").click();
    await setPrompt("a lighthouse at dawn");
    await clickRun();
    const cell = byId("result-cell");
    await waitUntil(async () => (await cell.getAttribute("data-status")) === "waiting", "the cell never waited");
    const waiting = byId("waiting");
    await waiting.waitForDisplayed();
    const text = await waiting.getText();
    assert.match(text, /accepted/i, text);
    assert.match(text, /Do not run it again/, text);
    assert.match(text, /Next check in|Checking now/, text);
    await byId("give-up").waitForDisplayed();
    assert.equal(await intIn("session-credits"), 0, "nothing is in the ledger yet");
    if (SHOT_DIR) await browser.saveScreenshot(`${SHOT_DIR}/waiting--the-cell-while-it-waits.png`);

    // The server answers again: "Check now" does not wait for the next scheduled check.
    await simAdmin.clearFaults();
    await byId("recheck").click();
    await waitUntil(async () => (await cell.getAttribute("data-status")) === "done", "the image never came", 60_000);
    const [img] = await cellImages(cell);
    assert.equal(img.width, 1024);
    const charged = (await simAdmin.state()).charged;
    assert.equal(charged, 4);
    await waitUntil(async () => (await intIn("session-credits")) === charged, "the session does not count it");
  });
});
