// The app as a user gets it: `make test-deb` runs this spec against the binary the .deb
// installed (/usr/bin), the rest of the suite against the debug build. One Sandbox run from
// a fresh data dir: the window opens on the Sandbox, a generation succeeds, and the
// session's credits are what the server charged.
import assert from "node:assert/strict";
import { allById, byId, cellImages, clickRun, imageLoaded, intIn, selectTargets, setPrompt, simAdmin, T, waitRunFinished, waitSim, waitUntil } from "../lib.mjs";

describe("installed", function () {
  this.timeout(120_000);

  it("opens on the Sandbox and runs one generation", async () => {
    await waitSim();
    const badge = byId("profile-current");
    await badge.waitForDisplayed({ timeout: T.short });
    assert.match(await badge.getText(), /Sandbox/);
    await selectTargets(["gemini-3.1-flash-image-preview"]);
    await setPrompt("a paper boat on a pond");
    await clickRun();
    const [c] = await waitRunFinished(1);
    assert.equal(c.status, "done");
    const [img] = await cellImages(c.el);
    assert.deepEqual([img.width, img.height], [1024, 1024]);
    await waitUntil(() => imageLoaded(c.el), "the image did not load from pxb://");
    const charged = (await simAdmin.state()).charged;
    assert.equal(charged, 4);
    await waitUntil(async () => (await intIn("session-credits")) === charged, "session credits differ from the server's");
    assert.equal((await allById("history-item")).length, 1);
  });
});
