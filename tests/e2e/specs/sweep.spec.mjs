// Sweeps: a 2×2 sweep (gpt-image-2 quality low/high × aspect 1:1/16:9) composed, counted
// and estimated before it runs, run as one run, and shown as a grid with axis labels; a
// sweep with prompt variables past the limit is refused with its count.
import assert from "node:assert/strict";
import {
  SHOT_DIR,
  allById,
  attrs,
  browser,
  byId,
  cellImages,
  choose,
  clickRun,
  selectTargets,
  setPrompt,
  simAdmin,
  waitRunFinished,
  waitSim,
  waitUntil,
} from "../lib.mjs";

const chip = (axis, value) => browser.$(`[data-testid="sweep-axis"][data-axis="${axis}"] [data-testid="sweep-value"][data-value="${value}"]`);

async function shot(name) {
  if (SHOT_DIR) await browser.saveScreenshot(`${SHOT_DIR}/sweep--${name}.png`);
}

async function sweepCount() {
  const el = await byId("sweep-count");
  if (!(await el.isExisting())) throw new Error(`no count; the sweep says: ${await (await byId("sweep-plan")).getText().catch(() => "nothing")}`);
  return { count: Number(await el.getAttribute("data-count")), text: await el.getText() };
}

describe("sweep", function () {
  this.timeout(240_000);

  it("composes a 2×2 sweep, shows its count and estimate, runs it and lays it out as a grid", async () => {
    await waitSim();
    await selectTargets(["gpt-image-2"]);
    await setPrompt("a lighthouse on a cliff at dusk");
    await (await byId("sweep-open")).click();
    await choose("sweep-add", "quality");
    await (await chip("quality", "low")).click();
    await (await chip("quality", "high")).click();
    await choose("sweep-add", "aspect_ratio");
    await (await chip("aspect_ratio", "1:1")).click();
    await (await chip("aspect_ratio", "16:9")).click();
    // gpt-image-2 at 1K: low 1 credit, high 14; two of each.
    const plan = await waitUntil(async () => {
      const c = await sweepCount();
      return c.count === 4 && /≤ 30 credits/.test(c.text) ? c : false;
    }, "the sweep did not count 4 requests for up to 30 credits");
    assert.match(plan.text, /4 requests · ≤ 30 credits/);
    await (await byId("sweep-plan")).scrollIntoView({ block: "center" });
    assert.match(await (await byId("estimate-sweep")).getText(), /4 requests · ≤ 30 credits/);
    await shot("composed");

    const before = (await simAdmin.state()).charged;
    await clickRun();
    const cs = await waitRunFinished(4, 150_000);
    for (const c of cs) assert.equal(c.status, "done", `${c.model} is ${c.status}`);
    await (await byId("sweep-grid")).waitForDisplayed();
    assert.deepEqual(await attrs(await allById("sweep-x-label"), "data-value"), ["low", "high"]);
    assert.deepEqual(await attrs(await allById("sweep-y-label"), "data-value"), ["1:1", "16:9"]);
    // Each cell sits at its values, and its image has the shape its aspect asked for.
    for (const cell of await allById("sweep-cell")) {
      const y = await cell.getAttribute("data-y");
      const [img] = await cellImages(await cell.$('[data-testid="result-cell"]'));
      assert.deepEqual([img.width, img.height], y === "16:9" ? [1536, 864] : [1024, 1024], `cell ${await cell.getAttribute("data-x")} × ${y}`);
    }
    assert.equal((await simAdmin.state()).charged - before, 30, "the Sandbox charged what the sweep estimated");
    // Each cell's header says its values, whole (not "1K GPT Im…" four times).
    const heads = await browser.execute(() =>
      [...document.querySelectorAll('[data-testid="sweep-cell"] [data-testid="cell-title"]')].map((h) => ({
        values: [...h.querySelectorAll('[data-testid="cell-value"]')].map((v) => v.textContent.trim()),
        cut: [...h.children].some((c) => c.scrollWidth > c.clientWidth + 1),
      })),
    );
    assert.deepEqual(heads.map((h) => h.values.join(" ")).sort(), ["high 16:9", "high 1:1", "low 16:9", "low 1:1"]);
    assert.ok(heads.every((h) => !h.cut), "a sweep cell's header is cut");
    await shot("grid");

    // Swapping the axes transposes the grid.
    await choose("sweep-x", "aspect_ratio");
    await waitUntil(async () => (await attrs(await allById("sweep-x-label"), "data-value")).join() === "1:1,16:9", "X did not become the aspect ratio");
    assert.deepEqual(await attrs(await allById("sweep-y-label"), "data-value"), ["low", "high"]);
    await shot("grid-swapped");
  });

  it("refuses a sweep with variables past the limit, saying how many requests it would make", async () => {
    await (await byId("sweep-clear")).click();
    await setPrompt("a {{animal}} in {{place}}");
    // The prompt's variables appear at once, each waiting for values.
    await waitUntil(async () => (await attrs(await allById("sweep-variable"), "data-name")).join() === "animal,place", "the variables were not detected");
    await waitUntil(async () => /has no values/.test(await (await byId("sweep-problems")).getText()), "no sentence about a variable without values");
    const values = await allById("sweep-variable-values");
    await values[0].setValue("fox, owl, heron, lynx, otter, crow, hare, wren, seal");
    await values[1].setValue("a forest, a city, the snow, a desert, the sea, a garden, a cave, a field");
    await waitUntil(async () => (await sweepCount()).count === 72, "the sweep did not count 9 × 8 = 72 requests");
    const problems = await (await byId("sweep-problems")).getText();
    assert.match(problems, /makes 72 requests, more than your limit of 64/);
    await (await byId("sweep-plan")).scrollIntoView({ block: "center" });
    await shot("refused");
    const requests = (await simAdmin.state()).requests;
    // Past the limit the Run button is off and says why (issue 24: the blocking state owns it).
    await waitUntil(async () => !(await byId("run").isEnabled()), "Run is not turned off past the limit");
    assert.match(await byId("run").getText(), /Over the request limit/);
    assert.match(await byId("run").getAttribute("title"), /72 requests, over your limit of 64/);
    assert.equal((await simAdmin.state()).requests, requests, "nothing was sent");

    // Fewer values: within the limit, each cell is one prompt, labelled by its values.
    await values[0].setValue("fox, owl");
    await values[1].setValue("a forest, the snow");
    await waitUntil(async () => (await sweepCount()).count === 4, "the sweep did not count 2 × 2");
    await clickRun();
    await waitRunFinished(4, 150_000);
    assert.deepEqual(await attrs(await allById("sweep-x-label"), "data-value"), ["fox", "owl"]);
    assert.deepEqual(await attrs(await allById("sweep-y-label"), "data-value"), ["a forest", "the snow"]);
    await shot("variables-grid");
  });
});
