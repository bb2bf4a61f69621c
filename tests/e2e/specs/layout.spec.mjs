// The layout at the smallest window the shell allows (1024 x 680) and at 1600 x 1000:
// nothing needed is cut off, and screenshots of both are kept for a person to look at.
import assert from "node:assert/strict";
import { allById, browser, byId, clickRun, clickWhenStill, selectTargets, setPrompt, SHOT_DIR, T, waitRunFinished, waitSim, waitUntil } from "../lib.mjs";

const SIZES = [
  [1024, 680],
  [1600, 1000],
];

async function inViewport(el) {
  return browser.execute((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth + 1 && r.bottom <= innerHeight + 1;
  }, el);
}

// Four images, each inside the window, drawn (not an empty frame beside "Done"), covered
// by nothing, and no cell header's text cut.
async function fourWhole(where) {
  const images = await allById("result-image");
  assert.equal(images.length, 4);
  await waitUntil(
    async () => (await browser.execute(() => [...document.querySelectorAll('[data-testid="result-image"]')].every((i) => i.complete && i.naturalWidth > 0 && i.classList.contains("loaded")))),
    `an image is not drawn at ${where}`,
  );
  // A drawn image has no "Loading the image…" over it.
  assert.equal((await allById("image-state")).length, 0, `an image still says it is loading at ${where}`);
  for (const img of images) {
    assert.ok(await inViewport(img), `an image is cut off at ${where}`);
    const covered = await browser.execute((e) => {
      const r = e.getBoundingClientRect();
      return [
        [0.5, 0.5],
        [0.05, 0.95],
        [0.95, 0.95],
      ].some(([x, y]) => {
        const top = document.elementFromPoint(r.left + r.width * x, r.top + r.height * y);
        return !(top === e || e.contains(top) || top?.contains(e));
      });
    }, img);
    assert.equal(covered, false, `an image is covered at ${where}`);
  }
  const overflowing = await browser.execute(() =>
    [...document.querySelectorAll('[data-testid="result-cell"] .head .name, [data-testid="result-cell"] .head .variant, [data-testid="result-size"]')].filter((e) => e.scrollWidth > e.clientWidth + 1).length,
  );
  assert.equal(overflowing, 0, `a cell's header or size overflows at ${where}`);
}

describe("layout", function () {
  this.timeout(240_000);

  before(async () => {
    await waitSim();
    await selectTargets([
      "gemini-3.1-flash-image-preview-512",
      "gemini-3.1-flash-image-preview",
      "gemini-3.1-flash-image-preview-2k",
      "gemini-3.1-flash-image-preview-4k",
    ]);
    await setPrompt("an isometric cozy bookshop interior, warm light");
    await clickRun();
    await waitRunFinished(4, 150_000);
  });

  for (const [w, h] of [
    [1440, 900],
    [1600, 1000],
  ]) {
    it(`shows the four variants whole, in one row, with the composer folded at ${w} x ${h}`, async () => {
      await browser.setWindowSize(w, h);
      await byId("composer-collapse").click();
      await byId("composer-expand").waitForDisplayed();
      // The grid is laid out again from the new width a frame later.
      await waitUntil(async () => {
        const tops = await browser.execute(() =>
          [...document.querySelectorAll('[data-testid="result-cell"]')].map((c) => Math.round(c.getBoundingClientRect().top)),
        );
        return tops.length === 4 && new Set(tops).size === 1;
      }, `the four cells are not in one row at ${w} x ${h}`);
      await fourWhole(`${w} x ${h} folded`);
      const label = await byId("estimate").getText().catch(() => "");
      const profile = await byId("profile-current").getText();
      if (SHOT_DIR) await browser.saveScreenshot(`${SHOT_DIR}/layout-${w}x${h}-folded.png`);
      await byId("composer-expand").click();
      await byId("prompt").waitForDisplayed();
      // The estimate's live or simulated word agrees with the profile's.
      const estimate = await byId("estimate").getText();
      assert.equal(/simulated/.test(estimate), /Sandbox|simulated/.test(profile), `estimate "${estimate || label}" vs profile "${profile}"`);
    });
  }

  for (const [w, h] of [
    [1440, 900],
    [1600, 1000],
  ]) {
    it(`shows the four variants whole beside the open composer at ${w} x ${h}`, async () => {
      await browser.setWindowSize(w, h);
      await byId("prompt").waitForDisplayed();
      // The grid is laid out again from the new size a frame later: wait for it to settle.
      let last = "";
      await waitUntil(async () => {
        const now = JSON.stringify(await browser.execute(() => [...document.querySelectorAll('[data-testid="result-cell"]')].map((c) => [Math.round(c.getBoundingClientRect().width), Math.round(c.getBoundingClientRect().top)])));
        const same = now === last;
        last = now;
        return same;
      }, `the grid does not settle at ${w} x ${h}`);
      await fourWhole(`${w} x ${h} with the composer open`);
      if (SHOT_DIR) await browser.saveScreenshot(`${SHOT_DIR}/layout-${w}x${h}-open.png`);
      // With the target list closed (chips only), the ratio is in view without scrolling.
      const toggle = await byId("target-list-toggle");
      if ((await toggle.getAttribute("aria-expanded")) === "true") await toggle.click();
      await byId("target-list").waitForDisplayed({ reverse: true, timeout: T.short });
      const shown = await browser.execute(() => {
        const body = document.querySelector("section.composer .body");
        const el = document.querySelector('[data-testid="aspect-ratio"]');
        if (!body || !el) return "missing";
        const b = body.getBoundingClientRect();
        const r = el.getBoundingClientRect();
        return body.scrollTop === 0 && r.top >= b.top && r.bottom <= b.bottom ? "in view" : `at ${Math.round(r.bottom)} of ${Math.round(b.bottom)}`;
      });
      assert.equal(shown, "in view", `the aspect ratio is out of view with the list closed at ${w} x ${h}`);
      if (SHOT_DIR) await browser.saveScreenshot(`${SHOT_DIR}/layout-${w}x${h}-chips.png`);
      await byId("target-list-toggle").click();
    });
  }

  for (const [w, h] of SIZES) {
    it(`fits a ${w} x ${h} window`, async () => {
      await browser.setWindowSize(w, h);
      await browser.pause(500);
      const { innerWidth, scrollW } = await browser.execute(() => ({ innerWidth: window.innerWidth, scrollW: document.documentElement.scrollWidth }));
      assert.ok(scrollW <= innerWidth + 1, `the page scrolls sideways at ${w} px (${scrollW} > ${innerWidth})`);
      for (const id of ["prompt", "run", "session-credits", "profile-select", "history-filter", "session-budget", "estimate", "copy-curl"]) {
        assert.ok(await inViewport(await byId(id)), `${id} is not fully visible at ${w} x ${h}`);
      }
      const cells = await allById("result-cell");
      assert.equal(cells.length, 4);
      assert.ok(await inViewport(cells[0]), `the first result cell is cut off at ${w} x ${h}`);
      if (SHOT_DIR) await browser.saveScreenshot(`${SHOT_DIR}/layout-${w}x${h}.png`);
      // the inspector open on the 4K target, and the full-size viewer
      await cells[3].$("button").click();
      await byId("inspector-toggle").click();
      await browser.pause(400);
      assert.ok(await inViewport(await byId("copy-curl")), `copy-curl is cut off with the inspector open at ${w} x ${h}`);
      if (SHOT_DIR) await browser.saveScreenshot(`${SHOT_DIR}/layout-${w}x${h}-inspector.png`);
      await byId("inspector-toggle").click();
      await clickWhenStill(await cells[1].$('[data-testid="result-image"]'));
      await byId("viewer-image").waitForDisplayed();
      await browser.pause(400);
      if (SHOT_DIR) await browser.saveScreenshot(`${SHOT_DIR}/layout-${w}x${h}-viewer.png`);
      await byId("viewer-close").click();
    });
  }
});
