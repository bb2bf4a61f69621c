// Edit mode: a reference image pasted from the clipboard is uploaded once, shown as a
// thumbnail, and sent with the prompt as a multipart edit.
import assert from "node:assert/strict";
import { allById, browser, byId, cellImages, clickRun, imageLoaded, pasteImage, setPrompt, T, waitRunFinished, waitSim, waitUntil, waitHistoryStatus } from "../lib.mjs";

describe("edit", function () {
  this.timeout(180_000);

  it("adds a pasted image as a reference", async () => {
    await waitSim();
    await byId("mode-edit").click();
    await pasteImage(640, 480, "pasted.png");
    await waitUntil(async () => (await allById("reference-thumb")).length === 1, "no reference thumbnail after the paste", T.short);
    const img = await (await allById("reference-thumb"))[0].$("img");
    assert.match(await img.getAttribute("src"), /^(pxb:\/\/localhost|http:\/\/pxb\.localhost)\//);
    await waitUntil(() => browser.execute((el) => el.complete && el.naturalWidth > 0, img), "the reference thumbnail did not load");
  });

  it("runs an edit with it", async () => {
    await setPrompt("make it a watercolour, keep the composition");
    await clickRun();
    const [cell] = await waitRunFinished(1);
    assert.equal(cell.status, "done");
    const imgs = await cellImages(cell.el);
    assert.equal(imgs.length, 1);
    assert.equal(Math.max(imgs[0].width, imgs[0].height), 1024);
    await waitUntil(() => imageLoaded(cell.el), "the edited image did not load");
    await byId("inspector-toggle").click();
    await waitUntil(async () => /\/v1\/(async\/)?images\/edits/.test(await byId("inspector").getText()), "the inspector does not show an edits request");
    await byId("inspector-toggle").click();
    await waitHistoryStatus("done");
  });
});
