// The rest of a working session: rating, re-run, history filter, exports (CSV, contact
// sheet) written to disk, and a new session starting at 0 credits.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { T, allById, browser, byId, cellImages, clickRun, intIn, setPrompt, setText, startRun, toastPath, waitRunFinished, waitSim, waitUntil } from "../lib.mjs";

describe("session", function () {
  this.timeout(180_000);

  it("rates an image", async () => {
    await waitSim();
    await setPrompt("a paper boat on a puddle");
    await clickRun();
    const [cell] = await waitRunFinished(1);
    assert.equal(cell.status, "done");
    const stars = await cell.el.$('[data-testid="rating"]');
    await stars.$('[data-value="4"]').click();
    await waitUntil(async () => (await stars.$('[data-value="4"]').getAttribute("aria-checked")) === "true", "the rating did not stick");
  });

  it("re-runs the current run", async () => {
    await startRun(() => byId("rerun").click());
    await waitUntil(async () => (await allById("history-item")).length === 2, "re-run did not add a run");
    const [cell] = await waitRunFinished(1);
    assert.equal(cell.status, "done");
    assert.equal((await cellImages(cell.el)).length, 1);
    await waitUntil(async () => (await intIn("session-credits")) === 8, "session-credits is not 8");
  });

  it("filters the history", async () => {
    // A Unicode prompt: the contact sheet below draws it with a real font (é, 日本語).
    await setText("prompt", "a lantern in the fog · café · 霧の中の灯籠");
    await clickRun();
    await waitRunFinished(1);
    await waitUntil(async () => (await allById("history-item")).length === 3, "3 runs expected");
    await byId("history-filter").setValue("lantern");
    await waitUntil(async () => (await allById("history-item")).length === 1, "the filter did not narrow to 1 run");
    await byId("history-filter").click();
    await browser.keys(["Control", "a"]);
    await browser.keys("Backspace");
    await waitUntil(async () => (await allById("history-item")).length === 3, "clearing the filter did not bring back 3 runs");
  });

  it("writes a contact sheet of the run", async () => {
    await byId("contact-sheet").click();
    const file = await toastPath(/^Contact sheet/);
    assert.ok(fs.existsSync(file), `${file} does not exist`);
    const head = fs.readFileSync(file).subarray(0, 8);
    assert.deepEqual([...head], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "not a PNG");
    // Kept for the screenshots folder: the title carries the Unicode prompt.
    if (process.env.E2E_SCREENSHOT_DIR) fs.copyFileSync(file, `${process.env.E2E_SCREENSHOT_DIR}/session--contact-sheet-file.png`);
    // The toast is in the header (over no cell), names the file, and shows its folder.
    const toast = await byId("toast");
    assert.equal(await toast.$("./ancestor::header").isExisting(), true, "the toast is not in the header");
    assert.match(await browser.execute((e) => e.textContent, toast), new RegExp(path.basename(file).replace(/[.]/g, "\\.")));
    const opened = path.join(process.env.E2E_DATA_DIR, "opened.txt");
    await byId("toast-reveal").click();
    await waitUntil(() => fs.existsSync(opened) && fs.readFileSync(opened, "utf8").trim() === path.dirname(file), "Show in folder did not open the sheet's folder");
  });

  it("exports the session as CSV", async () => {
    await byId("session-export").click();
    const file = await toastPath(/^Session exported/);
    assert.ok(fs.existsSync(file), `${file} does not exist`);
    const csv = fs.readFileSync(file, "utf8");
    assert.match(csv, /gemini-3\.1-flash-image-preview/);
    assert.ok(csv.trim().split("\n").length >= 2, "the CSV has no rows");
  });

  it("starts a new session at 0 credits", async () => {
    assert.equal(await intIn("session-credits"), 12);
    await byId("session-new").click();
    await byId("session-new-confirm").click(); // keeps the proposed name
    await waitUntil(async () => (await intIn("session-credits")) === 0, "a new session did not start at 0");
    assert.equal((await allById("history-item")).length, 3, "history is kept across sessions");
    await byId("history-item").waitForDisplayed({ timeout: T.short });
  });
});
