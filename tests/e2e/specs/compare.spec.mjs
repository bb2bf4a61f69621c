// The comparison: one prompt fanned out to the four Nano Banana 2 variants.
import assert from "node:assert/strict";
import { allById, cellImages, clickRun, imageLoaded, intIn, selectTargets, setPrompt, simAdmin, waitRunFinished, waitSim, waitUntil, waitHistoryStatus } from "../lib.mjs";

const VARIANTS = {
  "gemini-3.1-flash-image-preview-512": 512,
  "gemini-3.1-flash-image-preview": 1024,
  "gemini-3.1-flash-image-preview-2k": 2048,
  "gemini-3.1-flash-image-preview-4k": 4096,
};

describe("compare", function () {
  this.timeout(240_000);

  it("runs the four 3.1 Flash variants side by side", async () => {
    await waitSim();
    await selectTargets(Object.keys(VARIANTS));
    await setPrompt("a lighthouse at dawn, volumetric fog, 35 mm");
    await waitUntil(async () => (await intIn("estimate")) === 22, "the estimate did not say 22 credits");
    await clickRun();
    const cs = await waitRunFinished(4, 150_000);
    assert.deepEqual(cs.map((c) => c.model).sort(), Object.keys(VARIANTS).sort());
    for (const c of cs) {
      assert.equal(c.status, "done", `${c.model} is ${c.status}`);
      const imgs = await cellImages(c.el);
      assert.equal(imgs.length, 1, c.model);
      assert.equal(Math.max(imgs[0].width, imgs[0].height), VARIANTS[c.model], c.model);
      await waitUntil(() => imageLoaded(c.el), `the ${c.model} thumbnail did not load`);
    }
    await waitUntil(async () => (await intIn("session-credits")) === 22, "session-credits is not 22");
    assert.equal((await simAdmin.state()).charged, 22);
    await waitHistoryStatus("done");
  });
});
