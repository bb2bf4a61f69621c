// The first minutes of a new user: the app opens on the Sandbox, a prompt makes an image,
// the spend is counted, and a 4K variant gives a 4096 px image.
import assert from "node:assert/strict";
import { allById, byId, cellImages, clickRun, imageLoaded, intIn, selectTargets, setPrompt, simAdmin, T, waitRunFinished, waitSim, waitUntil, waitHistoryStatus } from "../lib.mjs";

const ONE_K = "gemini-3.1-flash-image-preview";
const FOUR_K = "gemini-3.1-flash-image-preview-4k";

describe("basics", function () {
  this.timeout(180_000);

  it("opens on the Sandbox profile with only the 1K Nano Banana 2 checked", async () => {
    const current = await byId("profile-current").getText();
    assert.match(current, /Sandbox/);
    const select = byId("profile-select");
    assert.equal(await select.getValue(), "Sandbox");
    const checked = [];
    for (const box of await allById("target")) if (await box.isSelected()) checked.push(await box.getAttribute("data-model"));
    assert.deepEqual(checked, [ONE_K]);
    assert.equal(await intIn("session-credits"), 0);
    assert.equal((await allById("result-cell")).length, 0);
    await waitSim();
  });

  it("runs a prompt: a 1024 px image appears and the session shows 4 credits", async () => {
    await setPrompt("a lighthouse at dawn, volumetric fog");
    await waitUntil(async () => (await intIn("estimate")) === 4, "the estimate did not say 4 credits");
    await clickRun();
    const [cell] = await waitRunFinished(1);
    assert.equal(cell.model, ONE_K);
    assert.equal(cell.status, "done");
    const imgs = await cellImages(cell.el);
    assert.equal(imgs.length, 1);
    assert.equal(imgs[0].width, 1024);
    assert.equal(imgs[0].height, 1024);
    assert.match(imgs[0].src, /^(pxb:\/\/localhost|http:\/\/pxb\.localhost)\/thumb\//);
    await waitUntil(() => imageLoaded(cell.el), "the thumbnail did not load through pxb://");
    await waitUntil(async () => (await intIn("session-credits")) === 4, "session-credits is not 4");
    assert.match(await byId("session-dollars").getText(), /\$0\.04/);
    assert.equal((await allById("history-item")).length, 1);
    await waitHistoryStatus("done");
    assert.equal((await simAdmin.state()).charged, 4);
  });

  it("runs the 4K variant alone: a 4096 px image", async () => {
    await selectTargets([FOUR_K]);
    await setPrompt("a red fox in the snow");
    await clickRun();
    const cs = await waitRunFinished(1, T.run);
    assert.equal(cs[0].model, FOUR_K);
    assert.equal(cs[0].status, "done");
    const [img] = await cellImages(cs[0].el);
    assert.equal(img.width, 4096);
    assert.equal(img.height, 4096);
    await waitUntil(() => imageLoaded(cs[0].el), "the 4K thumbnail did not load");
    await waitUntil(async () => (await intIn("session-credits")) === 12, "session-credits is not 4 + 8");
    assert.equal((await allById("history-item")).length, 2);
  });

  it("opens the full-size viewer and the inspector", async () => {
    const [cell] = await allById("result-cell");
    await cell.$('[data-testid="result-image"]').click();
    const full = byId("viewer-image");
    await full.waitForDisplayed({ timeout: T.short });
    assert.match(await full.getAttribute("src"), /\/image\//);
    await byId("viewer-close").click();
    await full.waitForDisplayed({ reverse: true, timeout: T.short });
    await byId("inspector-toggle").click();
    const insp = byId("inspector");
    await waitUntil(async () => /POST/.test(await insp.getText()), "the inspector does not show the request");
    await byId("copy-curl").click();
    await waitUntil(async () => /curl/.test(await byId("curl-text").getText()), "Copy as curl showed no command");
    const curl = await byId("curl-text").getText();
    assert.doesNotMatch(curl, /sk-sim|sk_sim_[a-z0-9]{8,}/i, "the curl command must not contain a real key");
    await byId("inspector-toggle").click();
  });
});
