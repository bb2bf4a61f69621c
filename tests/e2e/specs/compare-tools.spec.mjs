// The comparison tools on a 4-variant run: synced zoom and pan (normalised, with a 1:1
// view), two-up (swipe / overlay / difference), hiding and moving columns, ratings, a
// winner and a note that survive a reload, the full-screen viewer's keys, and a contact
// sheet of the expected pixel size.
import assert from "node:assert/strict";
import fs from "node:fs";
import { SHOT_DIR, T, allById, browser, byId, cells, clickRun, imageLoaded, selectTargets, setPrompt, shownRunId, toastPath, waitRunFinished, waitSim, waitUntil } from "../lib.mjs";

const VARIANTS = {
  "gemini-3.1-flash-image-preview-512": 512,
  "gemini-3.1-flash-image-preview": 1024,
  "gemini-3.1-flash-image-preview-2k": 2048,
  "gemini-3.1-flash-image-preview-4k": 4096,
};
const M512 = "gemini-3.1-flash-image-preview-512";
const M4K = "gemini-3.1-flash-image-preview-4k";
const FIT = "0,0,1,1";

/** data-view / data-zoom of every cell, in display order. */
async function views() {
  const out = [];
  for (const c of await allById("result-cell")) {
    out.push({ model: await c.getAttribute("data-model"), view: await c.getAttribute("data-view"), zoom: Number(await c.getAttribute("data-zoom")) });
  }
  return out;
}

function center(view) {
  const [x, y, w, h] = view.split(",").map(Number);
  return [x + w / 2, y + h / 2];
}

function cellOf(model) {
  return browser.$(`[data-testid="result-cell"][data-model="${model}"]`);
}

async function shot(name) {
  if (SHOT_DIR) await browser.saveScreenshot(`${SHOT_DIR}/compare-tools-${name}.png`);
}

describe("compare tools", function () {
  this.timeout(240_000);

  it("runs the four 3.1 Flash variants", async () => {
    await waitSim();
    await selectTargets(Object.keys(VARIANTS));
    await setPrompt("a lighthouse at dawn, volumetric fog, 35 mm");
    await clickRun();
    const cs = await waitRunFinished(4, 150_000);
    for (const c of cs) {
      assert.equal(c.status, "done", `${c.model} is ${c.status}`);
      await waitUntil(() => imageLoaded(c.el), `the ${c.model} thumbnail did not load`);
    }
    const vs = await views();
    assert.ok(vs.every((v) => v.view === FIT), `not at fit: ${JSON.stringify(vs)}`);
  });

  it("zooms and pans every cell in sync, and shows 1:1 pixels", async () => {
    await byId("zoom-in").click();
    const zoomed = await waitUntil(async () => {
      const vs = await views();
      return vs.every((v) => v.view === vs[0].view) && vs[0].view !== FIT ? vs : false;
    }, "the cells did not zoom together");
    assert.equal(zoomed[0].zoom, 1.5);
    assert.equal(await byId("zoom-level").getText(), "150%");
    // zoomed in: the full-size image is loaded in every cell (the thumbnail only at fit)
    await waitUntil(async () => (await allById("result-image-full")).length === 4, "full-size images were not requested");
    for (const img of await allById("result-image-full")) assert.match(await img.getAttribute("src"), /\/image\//);
    await waitUntil(async () => (await allById("zoom-box", '[data-full="loaded"]')).length === 4, "full-size images did not load", T.run);

    // the wheel over one cell (at its upper-left quarter) zooms every cell to the same region
    const box = await cellOf(M512).$('[data-testid="zoom-box"]');
    await browser.execute((el) => {
      const r = el.getBoundingClientRect();
      el.dispatchEvent(new WheelEvent("wheel", { deltaY: -240, clientX: r.left + r.width / 4, clientY: r.top + r.height / 4, bubbles: true, cancelable: true }));
    }, box);
    const wheeled = await waitUntil(async () => {
      const vs = await views();
      return vs.every((v) => v.view === vs[0].view) && vs[0].zoom > 1.5 ? vs : false;
    }, "the wheel did not zoom every cell");
    const [cx, cy] = center(wheeled[0].view);
    assert.ok(cx < 0.5 && cy < 0.5, `the zoom did not move towards the pointer (${wheeled[0].view})`);

    // a drag in another cell pans all of them
    const box4k = await cellOf(M4K).$('[data-testid="zoom-box"]');
    const origin = { "element-6066-11e4-a52e-4f735466cecf": box4k.elementId };
    await browser.performActions([
      { type: "pointer", id: "mouse", parameters: { pointerType: "mouse" }, actions: [
        { type: "pointerMove", origin, x: 0, y: 0, duration: 0 },
        { type: "pointerDown", button: 0 },
        { type: "pointerMove", origin, x: -30, y: -20, duration: 100 },
        { type: "pointerMove", origin, x: -60, y: -40, duration: 100 },
        { type: "pointerUp", button: 0 },
      ] },
    ]);
    await browser.releaseActions();
    const panned = await waitUntil(async () => {
      const vs = await views();
      return vs.every((v) => v.view === vs[0].view) && vs[0].view !== wheeled[0].view ? vs : false;
    }, "the drag did not pan every cell");
    const [px] = center(panned[0].view);
    assert.ok(px > cx, `dragging left did not show more of the right (${wheeled[0].view} -> ${panned[0].view})`);
    await shot("zoomed");

    // 1:1: each image at its own pixels, around the same centre
    await byId("zoom-1to1").click();
    const actual = await waitUntil(async () => {
      const vs = await views();
      const z = Object.fromEntries(vs.map((v) => [v.model, v.zoom]));
      return z[M4K] > z[M512] * 4 ? vs : false;
    }, "1:1 did not give each image its own zoom");
    const z = Object.fromEntries(actual.map((v) => [v.model, v.zoom]));
    const ratio = z[M4K] / z[M512];
    assert.ok(Math.abs(ratio - 8) < 0.3, `a 4096 px image should be 8x the zoom of a 512 px one at 1:1 (got ${ratio})`);
    assert.equal(await byId("zoom-level").getText(), "1:1");
    await shot("1to1");

    await byId("zoom-reset").click();
    await waitUntil(async () => (await views()).every((v) => v.view === FIT), "Fit did not bring back the whole pictures");
    await waitUntil(async () => (await allById("result-image-full")).length === 0, "full-size images stayed after Fit");
  });

  it("compares two cells in two-up: swipe, overlay, difference", async () => {
    assert.equal(await byId("two-up").isEnabled(), false, "two-up is enabled with no picks");
    await cellOf(M512).$('[data-testid="compare-pick"]').click();
    await cellOf(M4K).$('[data-testid="compare-pick"]').click();
    assert.equal(await cellOf(M512).$('[data-testid="pick-badge"]').getText(), "A");
    assert.equal(await cellOf(M4K).$('[data-testid="pick-badge"]').getText(), "B");
    await byId("two-up").click();
    const stage = byId("two-up-stage");
    await stage.waitForDisplayed({ timeout: T.short });
    for (const id of ["two-up-a", "two-up-b"]) {
      const img = await byId(id);
      await waitUntil(() => browser.execute((el) => el.complete && el.naturalWidth > 0, img), `${id} did not load`, T.run);
    }
    // both images fill the same box, whatever their pixel size
    const rects = await browser.execute(() =>
      ["two-up-a", "two-up-b"].map((id) => {
        const r = document.querySelector(`[data-testid="${id}"]`).getBoundingClientRect();
        return [Math.round(r.width), Math.round(r.height)];
      }),
    );
    assert.deepEqual(rects[0], rects[1], "A and B are not drawn into the same box");
    assert.equal(await stage.getAttribute("data-mode"), "swipe");
    await shot("two-up-swipe");
    for (const mode of ["overlay", "difference", "swipe"]) {
      await byId("two-up-mode", `[data-mode="${mode}"]`).click();
      await waitUntil(async () => (await stage.getAttribute("data-mode")) === mode, `mode ${mode} was not applied`);
      if (mode !== "swipe") await shot(`two-up-${mode}`);
    }
    const blend = await browser.execute(() => {
      document.querySelector('[data-testid="two-up-mode"][data-mode="difference"]').click();
      return new Promise((res) => requestAnimationFrame(() => res(getComputedStyle(document.querySelector('[data-testid="two-up-b"]').parentElement).mixBlendMode)));
    });
    assert.equal(blend, "difference");
    await browser.keys("Escape");
    await waitUntil(async () => !(await byId("two-up-dialog").isExisting()), "Esc did not close two-up");
    await byId("two-up-clear").click();
    assert.equal((await allById("pick-badge")).length, 0);
  });

  it("hides a column and shows it again; moves columns", async () => {
    const first = (await cells())[0].model;
    await cellOf(first).$('[data-testid="column-menu"]').click();
    await byId("column-hide").click();
    await waitUntil(async () => (await cells()).length === 3, "the column was not hidden");
    assert.ok(!(await cells()).some((c) => c.model === first));
    const chip = byId("hidden-columns");
    assert.equal(await chip.getAttribute("data-count"), "1");
    await shot("hidden-column");
    await chip.click();
    await waitUntil(async () => (await cells()).length === 4, "the hidden column did not come back");
    assert.equal(await byId("hidden-columns").isExisting(), false);

    const before = (await cells()).map((c) => c.model);
    await cellOf(before[0]).$('[data-testid="column-menu"]').click();
    await byId("column-right").click();
    await waitUntil(async () => (await cells())[1].model === before[0], "move right did not move the column");
    assert.equal((await cells())[0].model, before[1]);
    await cellOf(before[0]).$('[data-testid="column-menu"]').click();
    await byId("column-left").click();
    await waitUntil(async () => (await cells())[0].model === before[0], "move left did not move the column back");
  });

  it("rates, picks a winner and writes a note that survive a reload", async () => {
    const m1k = "gemini-3.1-flash-image-preview";
    const m2k = "gemini-3.1-flash-image-preview-2k";
    await cellOf(m1k).$('[data-testid="rating"] [data-value="3"]').click();
    await cellOf(m2k).$('[data-testid="winner"]').click();
    await cellOf(m2k).$('[data-testid="winner-badge"]').waitForDisplayed({ timeout: T.short });
    // Each rating's stored run comes back as an event; the last to land is what shows.
    await waitUntil(async () => (await cellOf(m2k).$('[data-testid="rating"]').getAttribute("data-rating")) === "5", "the winner is not rated 5");
    await waitUntil(async () => (await cellOf(m1k).$('[data-testid="rating"]').getAttribute("data-rating")) === "3", "the 1K is not rated 3");
    await cellOf(M512).$('[data-testid="note-edit"]').click();
    const note = cellOf(M512).$('[data-testid="note"]');
    await note.waitForDisplayed({ timeout: T.short });
    await note.setValue("softest fog, keep for the deck");
    await browser.keys("Enter");
    await cellOf(M512).$('[data-testid="note-text"]').waitForDisplayed({ timeout: T.short });
    // a new winner demotes the old one to 4
    await cellOf(M4K).$('[data-testid="winner"]').click();
    await waitUntil(async () => (await cellOf(m2k).$('[data-testid="rating"]').getAttribute("data-rating")) === "4", "the old winner was not lowered to 4");
    await shot("rated");
    // a moved column, to be remembered too
    const order = (await cells()).map((c) => c.model);
    await cellOf(order[0]).$('[data-testid="column-menu"]').click();
    await byId("column-right").click();
    await waitUntil(async () => (await cells())[1].model === order[0], "move right did not move the column");
    // What the reload must find is stored: read it back from the app, not after a pause.
    const runId = await shownRunId();
    await waitUntil(async () => {
      const run = await browser.execute((runId) => window.__TAURI_INTERNALS__.invoke("run_get", { runId }), runId);
      const out = (m) => run.targets.find((t) => t.modelId === m)?.outputs?.[0];
      return (
        out(m1k)?.rating === 3 && out(m2k)?.rating === 4 && out(M4K)?.rating === 5 && out(M512)?.note === "softest fog, keep for the deck"
      );
    }, "the ratings and the note are not stored");

    await browser.refresh();
    await byId("profile-current").waitForDisplayed({ timeout: 30_000 });
    const [item] = await allById("history-item");
    await item.click();
    await waitRunFinished(4);
    assert.deepEqual((await cells()).map((c) => c.model), [order[1], order[0], order[2], order[3]], "the column order was not remembered");
    await cellOf(order[0]).$('[data-testid="column-menu"]').click();
    await byId("column-left").click();
    await waitUntil(async () => (await cells())[0].model === order[0], "move left did not restore the order");
    await waitUntil(async () => (await cellOf(m1k).$('[data-testid="rating"]').getAttribute("data-rating")) === "3", "the rating did not persist");
    assert.equal(await cellOf(m2k).$('[data-testid="rating"]').getAttribute("data-rating"), "4");
    assert.equal(await cellOf(M4K).$('[data-testid="rating"]').getAttribute("data-rating"), "5");
    assert.ok(await cellOf(M4K).$('[data-testid="winner-badge"]').isExisting(), "the winner did not persist");
    const noteText = await cellOf(M512).$('[data-testid="note-text"]');
    await noteText.waitForExist({ timeout: T.short });
    assert.equal((await browser.execute((el) => el.textContent, noteText)).trim(), "softest fog, keep for the deck");
  });

  it("opens the full-screen viewer, moves with the arrow keys, closes with Esc", async () => {
    await (await cells())[0].el.$('[data-testid="result-image"]').click();
    const viewer = byId("viewer");
    await viewer.waitForDisplayed({ timeout: T.short });
    assert.equal(await byId("viewer-pos").getText(), "1 / 4");
    const t0 = await viewer.getAttribute("data-target");
    await browser.keys("ArrowRight");
    await waitUntil(async () => (await byId("viewer-pos").getText()) === "2 / 4", "ArrowRight did not move");
    assert.notEqual(await viewer.getAttribute("data-target"), t0);
    await browser.keys("ArrowLeft");
    await waitUntil(async () => (await byId("viewer-pos").getText()) === "1 / 4", "ArrowLeft did not move back");
    await browser.keys("ArrowLeft");
    await waitUntil(async () => (await byId("viewer-pos").getText()) === "4 / 4", "ArrowLeft did not wrap around");
    await browser.keys("Escape");
    await waitUntil(async () => !(await byId("viewer").isExisting()), "Esc did not close the viewer");
  });

  it("writes a contact sheet of the expected pixel size", async () => {
    await byId("contact-sheet").click();
    const file = await toastPath(/saved/i);
    assert.ok(fs.existsSync(file), `${file} does not exist`);
    const buf = fs.readFileSync(file);
    assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "not a PNG");
    assert.equal(buf.toString("ascii", 12, 16), "IHDR");
    const [w, h] = [buf.readUInt32BE(16), buf.readUInt32BE(20)];
    // 4 columns (targets) x 1 row: 16 + cols * (320 + 16) by 56 + rows * (320 + 44 + 16) + 16
    assert.deepEqual([w, h], [16 + 4 * 336, 56 + 380 + 16]);
  });
});
