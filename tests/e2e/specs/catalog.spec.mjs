// The catalog follows the server: Nano Banana 2 Lite runs as its page documents it (the
// ratio as its size, 2 credits), and a model only the server lists is offered under
// "Listed by the server", priced unknown, runs, and is counted as unpriced.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  allById, byId, cellImages, choose, clickRun, closeApp, intIn, openApp, selectTargets, setPrompt, simAdmin, T,
  waitRunFinished, waitSim, waitUntil,
} from "../lib.mjs";

const LITE = "gemini-3.1-flash-lite-image";
const NEW_MODEL = "acme-image-9";

describe("catalog", function () {
  this.timeout(180_000);

  it("runs Nano Banana 2 Lite at 16:9: the ratio is the size sent, 2 credits", async () => {
    await waitSim();
    await selectTargets([LITE]);
    const price = byId("target-price", `[data-model="${LITE}"]`);
    assert.equal(await price.getText(), "2 cr");
    await choose("aspect-ratio", "16:9");
    await setPrompt("a product thumbnail for a dashboard");
    await waitUntil(async () => (await intIn("estimate")) === 2, "the estimate did not say 2 credits");
    await clickRun();
    const [cell] = await waitRunFinished(1);
    assert.equal(cell.status, "done");
    const [img] = await cellImages(cell.el);
    assert.deepEqual([img.width, img.height], [1376, 768]);
    const last = (await simAdmin.requests()).requests.filter((r) => r.method === "POST").pop();
    assert.equal(last.size, "16:9");
    assert.equal(last.model, LITE);
    await waitUntil(async () => (await intIn("session-credits")) === 2, "the session did not count 2 credits");
  });

  it("offers a model only the server lists, runs it, and says its price is unknown", async () => {
    const box = byId("target", `[data-model="${NEW_MODEL}"]`);
    await box.waitForExist({ timeout: T.short, timeoutMsg: "the server's model is not offered" });
    const family = await box.$("./ancestor::fieldset");
    assert.match(await family.getText(), /Listed by the server/);
    assert.equal(await byId("target-price", `[data-model="${NEW_MODEL}"]`).getText(), "price ?");
    await choose("aspect-ratio", "1:1");
    await selectTargets([NEW_MODEL]);
    await setPrompt("a lighthouse");
    await waitUntil(async () => /price unknown/i.test(await byId("estimate").getText()), "the estimate did not say the price is unknown");
    await clickRun();
    const [cell] = await waitRunFinished(1);
    assert.equal(cell.status, "done", "the server served it");
    assert.equal(await cell.el.$('[data-testid="cell-credits"]').getText(), "price unknown");
    const last = (await simAdmin.requests()).requests.filter((r) => r.method === "POST").pop();
    assert.equal(last.model, NEW_MODEL);
    // The session counted the priced part only, and the history has the run.
    assert.equal(await intIn("session-credits"), 2);
    assert.equal((await allById("history-item")).length, 2);
  });

  it("shows the server's request id of a refusal, in either documented error shape, and copies it", async () => {
    for (const shape of ["integer", "string"]) {
      await simAdmin.fault({ kind: "status", status: 402, shape, path: "/v1/images/generations" });
      await selectTargets([LITE]);
      await setPrompt(`a refused request (${shape})`);
      await clickRun();
      const [cell] = await waitRunFinished(1);
      assert.equal(cell.status, "failed");
      assert.match(await cell.el.$('[data-testid="error"]').getText(), /credits/i);
      const rid = cell.el.$('[data-testid="request-id"]');
      await rid.waitForExist({ timeout: T.short, timeoutMsg: `no request id shown (${shape} shape)` });
      const id = await cell.el.$('[data-testid="request-id-value"]').getProperty("textContent");
      assert.match(id, /^req_[A-Za-z0-9]+$/, id);
      // The sentence says what to do; the id is shown once, beside it, not inside it.
      assert.ok(!(await cell.el.$('[data-testid="error"]').getText()).includes(id));
      await cell.el.$('[data-testid="copy-request-id"]').click();
      // Waited for by a count that stays: the "Copied" title lasts 1.5 s, shorter than a
      // poll can take on a busy machine.
      await waitUntil(
        async () => Number(await byId("copy-request-id").getAttribute("data-copies")) >= 1,
        "the request id was not copied",
      );
    }
  });

  it("takes a price change and a new model from the data folder's catalog file, and Settings says so", async () => {
    writeFileSync(
      join(process.env.E2E_DATA_DIR, "catalog.toml"),
      `[[target]]\nid = "${LITE}"\ncredits = 5\n\n[[target]]\nid = "${NEW_MODEL}"\nlabel = "Acme 9 · 1K"\nvariant = "1K"\nlong_edge = 1024\ncredits = 3\n`,
    );
    await closeApp();
    await openApp();
    await waitSim();
    assert.equal(await byId("target-price", `[data-model="${LITE}"]`).getText(), "5 cr");
    const box = byId("target", `[data-model="${NEW_MODEL}"]`);
    await box.waitForExist({ timeout: T.short, timeoutMsg: "the file's model is not offered" });
    assert.equal(await byId("target-price", `[data-model="${NEW_MODEL}"]`).getText(), "3 cr");
    assert.match(await (await box.$("./ancestor::fieldset")).getText(), /Acme 9/);
    await selectTargets([NEW_MODEL]);
    await setPrompt("a lighthouse, priced by the file");
    await waitUntil(async () => (await intIn("estimate")) === 3, "the estimate did not say 3 credits");
    await clickRun();
    const [cell] = await waitRunFinished(1);
    assert.equal(cell.status, "done");
    assert.match(await cell.el.$('[data-testid="cell-credits"]').getText(), /3 credits/);
    await byId("settings-open").click();
    await byId("settings-dialog").waitForDisplayed({ timeout: T.short });
    assert.match(await byId("catalog-source").getText(), /catalog\.toml over it/);
    const changes = await byId("catalog-changes").getText();
    assert.match(changes, new RegExp(`Changes ${LITE}`));
    assert.match(changes, new RegExp(`Adds ${NEW_MODEL}`));
  });
});
