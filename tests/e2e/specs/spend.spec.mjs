// Credit spend per session (issue 7): the header's credits and dollars (simulated on the
// Sandbox), the session panel (figures and charts), the budget stopping a run before
// anything is charged, a named new session, and the settings (session mode, catalog).
import assert from "node:assert/strict";
import { T, allById, browser, byId, choose, clickRun, intIn, selectTargets, setPrompt, simAdmin, waitRunFinished, waitSim, waitUntil } from "../lib.mjs";

const FOUR = [
  "gemini-3.1-flash-image-preview-512",
  "gemini-3.1-flash-image-preview",
  "gemini-3.1-flash-image-preview-2k",
  "gemini-3.1-flash-image-preview-4k",
];

describe("spend", function () {
  this.timeout(240_000);

  it("shows the session's spend in credits and dollars, simulated on the Sandbox", async () => {
    await waitSim();
    assert.equal(await intIn("session-credits"), 0);
    assert.match(await byId("session-simulated").getText(), /simulated/);
    await selectTargets(FOUR);
    await setPrompt("a glass teapot on a windowsill");
    await clickRun();
    const cs = await waitRunFinished(4, 150_000);
    assert.ok(cs.every((c) => c.status === "done"), JSON.stringify(cs.map((c) => [c.model, c.status])));
    await waitUntil(async () => /22/.test(await byId("session-credits").getText()), "session-credits does not say 22");
    assert.match(await byId("session-dollars").getText(), /0\.22/);
    assert.equal((await simAdmin.state()).charged, 22);
  });

  it("opens the session panel with images, a chart and the models", async () => {
    await byId("session-spend").click();
    const panel = byId("session-panel");
    await panel.waitForDisplayed({ timeout: T.short });
    assert.equal((await byId("session-images").getText()).trim(), "4");
    // Images move with each output; the success rate and models when the run settles.
    await waitUntil(async () => /100%/.test(await byId("session-success").getText()), "the success rate is not 100%");
    await waitUntil(async () => (await allById("session-variant")).length === 4, "the panel does not list 4 variants");
    const chart = byId("session-chart");
    assert.equal(await chart.getTagName(), "svg");
    assert.ok(await chart.isDisplayed(), "the chart is not shown");
    assert.equal((await allById("session-variant")).length, 4);
  });

  it("stops the next comparison at a 10-credit budget and charges nothing", async () => {
    await browser.keys("Escape");
    await byId("session-panel").waitForExist({ reverse: true, timeout: T.short });
    const budget = byId("session-budget");
    await budget.clearValue();
    await budget.setValue("10");
    await browser.keys("Enter");
    await waitUntil(async () => (await byId("session-spend").getAttribute("data-level")) === "over", "the header does not say over budget");
    assert.match(await byId("session-budget-status").getText(), /over budget/i);
    const before = (await simAdmin.state()).charged;
    await setPrompt("one more teapot");
    await clickRun();
    const blocked = byId("budget-blocked");
    await blocked.waitForDisplayed({ timeout: T.short });
    assert.match(await blocked.getText(), /10/);
    assert.equal((await allById("history-item")).length, 1, "nothing may be stored");
    assert.equal((await simAdmin.state()).charged, before, "the sim charged something");
    assert.equal(await intIn("session-credits"), 22);
  });

  it("warns at 80% of the budget", async () => {
    const budget = byId("session-budget");
    await budget.clearValue();
    await budget.setValue("25");
    await browser.keys("Enter");
    await waitUntil(async () => (await byId("session-spend").getAttribute("data-level")) === "warn", "the header does not warn at 22 of 25");
    assert.match(await byId("session-budget-status").getText(), /22 of 25 \(88%\)/);
    // The sidebar and the composer say it in the same words, from the same figures.
    const sentence = "22 of 25 credits spent (88%): 3 left.";
    assert.equal(await byId("session-budget-words").getText(), sentence);
    await waitUntil(async () => (await byId("composer-budget").getText()) === `Session budget: ${sentence}`, "the composer says the budget otherwise");
  });

  it("keeps the session mode after a reload and says the catalog is built-in", async () => {
    await byId("settings-open").click();
    await byId("settings-dialog").waitForDisplayed({ timeout: T.short });
    assert.match(await byId("catalog-source").getText(), /built-in/);
    assert.equal(await byId("settings-session-mode").getValue(), "new_each_start");
    await choose("settings-session-mode", "continue_today");
    await byId("settings-saved").waitForDisplayed({ timeout: T.short });
    await browser.refresh();
    await byId("profile-current").waitForDisplayed({ timeout: 30_000 });
    await byId("settings-open").click();
    await byId("settings-dialog").waitForDisplayed({ timeout: T.short });
    await waitUntil(async () => (await byId("settings-session-mode").getValue()) === "continue_today", "the session mode did not persist");
  });

  it("starts a named new session at 0 and exports it", async () => {
    await byId("settings-close").click();
    await byId("session-new").click();
    const name = byId("session-name");
    await name.waitForDisplayed({ timeout: T.short });
    await name.clearValue();
    await name.setValue("Spring campaign tests");
    await byId("session-new-confirm").click();
    await waitUntil(async () => (await intIn("session-credits")) === 0, "the new session did not start at 0");
    await byId("session-details").click();
    const panel = byId("session-panel");
    await panel.waitForDisplayed({ timeout: T.short });
    assert.equal(await byId("session-panel-name").getAttribute("title"), "Spring campaign tests");
    assert.match(await panel.getText(), /No spend yet/);
    await browser.keys("Escape");
    await byId("session-export-json").click();
    const saved = byId("session-export-path");
    await saved.waitForDisplayed({ timeout: T.short });
    assert.match(await saved.getText(), /Saved to/);
    assert.match(await saved.getAttribute("title"), /^\/.+\.json$/);
  });

  it("fits the header and panel at 1024 x 680", async () => {
    await browser.setWindowSize(1024, 680);
    await browser.pause(400);
    const budget = byId("session-budget");
    await budget.clearValue();
    await budget.setValue("20");
    await browser.keys("Enter");
    await byId("session-spend").click();
    await byId("session-panel").waitForDisplayed({ timeout: T.short });
    const { innerWidth, scrollW } = await browser.execute(() => ({ innerWidth: window.innerWidth, scrollW: document.documentElement.scrollWidth }));
    assert.ok(scrollW <= innerWidth + 1, `the page scrolls sideways (${scrollW} > ${innerWidth})`);
    assert.ok(await byId("settings-open").isDisplayed());
  });
});
