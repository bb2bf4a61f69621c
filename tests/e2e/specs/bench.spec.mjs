// Benchmarks from the app (issue 8): a small matrix started in the benchmark panel shows
// its table and latency chart, its credits equal what the Sandbox charged, its outputs
// open in the comparison grid; cancel keeps what finished; a budget stops it before
// anything is sent; the report exports as CSV with one row per request.
import assert from "node:assert/strict";
import fs from "node:fs";
import { T, allById, attrs, browser, byId, imageLoaded, intIn, setText, simAdmin, waitSim, waitUntil } from "../lib.mjs";

const F512 = "gemini-3.1-flash-image-preview-512";
const F1K = "gemini-3.1-flash-image-preview";

/** Checks exactly these benchmark targets. */
async function benchTargets(models) {
  for (const box of await allById("bench-target")) {
    const want = models.includes(await box.getAttribute("data-model"));
    if ((await box.isSelected()) !== want) await box.click();
  }
}

async function setField(id, value) {
  const el = byId(id);
  await el.waitForDisplayed({ timeout: T.short });
  await el.clearValue();
  await el.setValue(value);
}

/** The status of the benchmark named `name` once it is shown and no longer running (the
 * panel shows the one selected before until the new one's start returns). */
async function waitBenchDone(name, timeout = 60_000) {
  return waitUntil(
    async () => {
      if ((await byId("bench-title").getProperty("textContent")).trim() !== name) return false;
      const s = (await byId("bench-status").getText()).trim();
      return s !== "running" ? s : false;
    },
    `the benchmark "${name}" did not finish`,
    timeout,
  );
}

describe("bench", function () {
  this.timeout(240_000);
  // A failing test leaves no fault behind to fail the next ones.
  afterEach(async () => simAdmin.clearFaults());

  it("a small benchmark started in the app shows its table and chart", async () => {
    await waitSim();
    const before = await simAdmin.state();
    await byId("bench-open").click();
    await byId("bench-panel").waitForDisplayed({ timeout: T.short });
    await setField("bench-name", "fox and car");
    await setText("bench-prompts", "a red fox in snow\na blue vintage car");
    await benchTargets([F512, F1K]);
    await setField("bench-repeats", "2");
    await setField("bench-concurrency", "4");
    // The pre-flight: 2 prompts x 2 targets x 2 repeats, 4 credits an image.
    await waitUntil(async () => /8\s+requests/.test(await byId("bench-preflight").getText()), "the pre-flight does not say 8 requests");
    assert.equal(await intIn("bench-preflight-credits"), 32);
    assert.equal((await simAdmin.state()).requests, before.requests, "the pre-flight sent something");

    await byId("bench-start").click();
    assert.equal(await waitBenchDone("fox and car"), "complete");
    await byId("bench-table").waitForDisplayed({ timeout: T.short });

    // The table: one row per target, each with a p50 in ms.
    const rows = await allById("bench-row");
    assert.equal(rows.length, 2);
    assert.deepEqual(await attrs(rows, "data-model"), [F512, F1K]);
    for (const r of rows) assert.match(await r.$('[data-testid="bench-p50"]').getText(), /\d+(\.\d)?\s*ms/);
    assert.equal(await intIn("bench-requests"), 8);
    assert.equal(await intIn("bench-succeeded"), 8);

    // The chart: an SVG with a histogram row of 4 latencies per target.
    const chart = byId("bench-chart");
    assert.equal(await chart.getTagName(), "svg");
    assert.ok(await chart.isDisplayed());
    const chartRows = await allById("bench-chart-row");
    assert.deepEqual(await attrs(chartRows, "data-samples"), ["4", "4"]);
    assert.ok((await chart.$$("rect.hbar")).length >= 2, "no histogram bars");

    // Credits: what the sim charged, no more, no less.
    const after = await simAdmin.state();
    assert.equal(after.charged - before.charged, 32);
    assert.equal(await intIn("bench-credits"), 32);

    // The outputs: 8 thumbnails, decoded by the webview.
    const outs = await allById("bench-output");
    assert.equal(outs.length, 8);
    await waitUntil(
      async () => browser.execute((el) => { const i = el.querySelector("img"); return i.complete && i.naturalWidth > 0; }, outs[0]),
      "the first output thumbnail did not load",
    );
    const item = byId("bench-item");
    assert.equal(await item.getAttribute("data-status"), "complete");
  });

  it("exports the report as CSV with one row per request", async () => {
    await byId("bench-export-csv").click();
    const saved = byId("bench-export-path");
    await saved.waitForDisplayed({ timeout: T.short });
    const path = /Saved to\s+(\S+\.csv)/.exec(await saved.getText())?.[1];
    assert.ok(path, await saved.getText());
    const lines = fs.readFileSync(path, "utf8").trim().split("\n");
    assert.equal(lines.length, 1 + 8);
    assert.match(lines[0], /^seq,warmup,prompt_idx,prompt,target_idx,model/);
  });

  it("opens an output's run in the comparison grid", async () => {
    const first = (await allById("bench-output"))[0];
    const runId = await first.getAttribute("data-run");
    await first.click();
    await byId("bench-panel").waitForExist({ reverse: true, timeout: T.short });
    const cell = byId("result-cell");
    await cell.waitForDisplayed({ timeout: T.short });
    assert.equal(await cell.getAttribute("data-status"), "done");
    await waitUntil(() => imageLoaded(cell), "the run's image did not load in the grid");
    // Benchmark runs stay out of the sidebar's history (8 of them would bury the rest).
    assert.equal((await allById("history-item")).length, 0);
    assert.ok(runId);
  });

  it("cancel stops cleanly and keeps what finished", async () => {
    await byId("bench-open").click();
    await byId("bench-panel").waitForDisplayed({ timeout: T.short });
    await setField("bench-name", "slow one");
    await setText("bench-prompts", "a lighthouse at dusk");
    await benchTargets([F512]);
    await setField("bench-repeats", "12");
    await setField("bench-concurrency", "2");
    // The first two requests answer; every later one hangs, so the cancel finds only
    // requests the Sandbox has not answered (nor charged): what finished is exactly what
    // was paid, with no answer racing the cancel.
    await simAdmin.fault({ kind: "slow", delay_ms: 300, count: 2, path: "/v1/images/" });
    await simAdmin.fault({ kind: "hang", count: 100, path: "/v1/images/" });
    const before = await simAdmin.state();
    await byId("bench-start").click();
    const line = byId("bench-progress-line");
    await line.waitForDisplayed({ timeout: T.short });
    await waitUntil(async () => /^2 \/ 12 done/.test(await line.getText()), "two requests did not finish", 30_000);
    await waitUntil(async () => (await simAdmin.state()).in_flight === 2, "the next two requests did not reach the Sandbox");
    await byId("bench-cancel").click();
    assert.equal(await waitBenchDone("slow one", 20_000), "cancelled");
    await byId("bench-table").waitForDisplayed({ timeout: T.short });
    await simAdmin.clearFaults();
    assert.equal(await intIn("bench-requests"), 4);
    assert.equal(await intIn("bench-succeeded"), 2);
    const after = await simAdmin.state();
    assert.equal(after.charged - before.charged, 8);
    assert.equal(await intIn("bench-credits"), 8, "the report's credits are not what the sim charged");
    assert.equal((await allById("bench-output")).length, 2);
  });

  it("a budget stops a benchmark before anything is sent, until 'Start anyway'", async () => {
    await setField("bench-name", "over budget");
    await setField("bench-repeats", "3");
    await setField("bench-budget", "5");
    await waitUntil(async () => /Over budget/.test(await byId("bench-preflight").getText()), "the pre-flight does not warn");
    const before = await simAdmin.state();
    // The block owns the primary button: no plain "Start benchmark" beside "Start anyway".
    const anyway = byId("bench-start-anyway");
    await anyway.waitForDisplayed({ timeout: T.short });
    assert.equal(await byId("bench-start").isExisting(), false, "Start benchmark is still offered over the budget");
    assert.match(await anyway.getText(), /Start anyway · 12 credits/);
    assert.equal((await simAdmin.state()).requests, before.requests, "something was sent");
    await anyway.click();
    assert.equal(await waitBenchDone("over budget"), "complete");
    await byId("bench-table").waitForDisplayed({ timeout: T.short });
    assert.equal(await intIn("bench-credits"), 12);
    assert.equal((await allById("bench-item")).length, 3);
  });

  it("keeps benchmarks across a reload", async () => {
    await browser.refresh();
    await byId("profile-current").waitForDisplayed({ timeout: 30_000 });
    await byId("bench-open").click();
    await byId("bench-panel").waitForDisplayed({ timeout: T.short });
    // The panel shows before its list is read.
    const items = await waitUntil(async () => {
      const items = await allById("bench-item");
      return items.length === 3 ? items : false;
    }, "the three benchmarks are not listed after the reload");
    assert.deepEqual(await attrs(items, "data-status"), ["complete", "cancelled", "complete"]);
    await items[2].click();
    await waitUntil(async () => (await byId("bench-title").getProperty("textContent")).trim() === "fox and car", "the first benchmark did not open");
    await byId("bench-chart").waitForDisplayed({ timeout: T.short });
    assert.equal((await allById("bench-row")).length, 2);
  });

  it("a rejected key stops the benchmark and says why, with nothing charged", async () => {
    await setField("bench-name", "wrong key");
    await setField("bench-budget", "1000"); // the last test's 5 would block it
    await setText("bench-prompts", "a red fox in snow\na blue vintage car");
    await setField("bench-repeats", "5");
    await simAdmin.fault({ kind: "status", status: 401, count: 1000 });
    const before = await simAdmin.state();
    await byId("bench-start").click();
    assert.equal(await waitBenchDone("wrong key"), "stopped");
    await simAdmin.clearFaults();
    const why = byId("bench-stop-reason");
    await why.waitForDisplayed({ timeout: T.short });
    assert.match(await why.getText(), /rejected \(401\).*were not sent/s);
    assert.match(await byId("bench-errors").getText(), /unauthorized/);
    assert.ok((await intIn("bench-requests")) < 10, "it kept sending after the 401");
    assert.equal((await simAdmin.state()).charged, before.charged);
    assert.equal(await byId("bench-item").getAttribute("data-status"), "stopped");
  });
});
