// The history sidebar (issue 5): filters by model, status, profile and date; loading a
// past run into the composer; deleting a run (after a confirmation).
import assert from "node:assert/strict";
import { T, allById, browser, byId, choose, clickRun, selectTargets, setPrompt, simAdmin, waitRunFinished, waitSim, waitUntil } from "../lib.mjs";

const K1 = "gemini-3.1-flash-image-preview";
const K4 = "gemini-3.1-flash-image-preview-4k";

async function items() {
  const out = [];
  for (const el of await allById("history-item")) out.push({ el, status: await el.getAttribute("data-status"), title: await el.getAttribute("title") });
  return out;
}

async function countIs(n, what) {
  await waitUntil(async () => (await allById("history-item")).length === n, `${what}: expected ${n} runs`);
}

describe("history", function () {
  this.timeout(240_000);

  it("lists three runs newest first with thumbnails", async () => {
    await waitSim();
    await selectTargets([K1]);
    await setPrompt("a lighthouse at dawn");
    await clickRun();
    assert.equal((await waitRunFinished(1))[0].status, "done");

    await selectTargets([K4]);
    await setPrompt("a desert at night");
    await clickRun();
    assert.equal((await waitRunFinished(1, 150_000))[0].status, "done");

    await simAdmin.fault({ kind: "status", status: 500, count: 3 });
    await selectTargets([K1]);
    await setPrompt("a stormy harbour");
    await clickRun();
    assert.equal((await waitRunFinished(1))[0].status, "failed");
    await simAdmin.clearFaults();

    await countIs(3, "after three runs");
    const list = await items();
    assert.deepEqual(list.map((i) => i.title), ["a stormy harbour", "a desert at night", "a lighthouse at dawn"]);
    const thumbs = await browser.$$('[data-testid="history-item"] img');
    assert.ok(thumbs.length >= 2, "the done runs have thumbnails");
  });

  it("filters by model", async () => {
    await choose("history-filter-model", K4);
    await countIs(1, "model 4K");
    assert.equal((await items())[0].title, "a desert at night");
    await choose("history-filter-model", K1);
    await countIs(2, "model 1K");
    await choose("history-filter-model", "");
    await countIs(3, "any model");
  });

  it("filters by status", async () => {
    await choose("history-filter-status", "failed");
    await countIs(1, "failed");
    const [it] = await items();
    assert.equal(it.status, "failed");
    assert.equal(it.title, "a stormy harbour");
    await choose("history-filter-status", "done");
    await countIs(2, "done");
    assert.ok((await items()).every((i) => i.status === "done"));
  });

  it("filters by profile and date, and clears", async () => {
    await choose("history-filter-status", "");
    await choose("history-filter-profile", "sandbox");
    const profileSelect = byId("history-filter-profile");
    const value = await profileSelect.getValue();
    if (value !== "sandbox") {
      // the Sandbox profile's id may differ: pick the option named Sandbox
      const opts = await profileSelect.$$("option");
      for (const o of opts) if ((await o.getText()) === "Sandbox") await choose("history-filter-profile", await o.getAttribute("value"));
    }
    await countIs(3, "Sandbox profile");
    await choose("history-filter-date", "today");
    await countIs(3, "today");
    await byId("history-filter").setValue("lighthouse");
    await countIs(1, "text + filters");
    await byId("history-filter-clear").click();
    await countIs(3, "cleared");
    assert.equal(await byId("history-filter-date").getValue(), "all");
  });

  it("loads a past run into the composer", async () => {
    const [, , oldest] = await items();
    await oldest.el.click();
    await oldest.el.$("..").$('[data-testid="history-load"]').click();
    await waitUntil(async () => (await byId("prompt").getValue()) === "a lighthouse at dawn", "the prompt was not loaded");
    const box = byId("target", `[data-model="${K1}"]`);
    assert.equal(await box.isSelected(), true);
  });

  it("deletes a run after confirming", async () => {
    const [failed] = await items();
    await failed.el.click();
    await failed.el.$("..").$('[data-testid="history-delete"]').click();
    await byId("history-delete-confirm").waitForDisplayed({ timeout: T.short });
    assert.equal((await allById("history-item")).length, 3, "nothing is deleted before confirming");
    await byId("history-delete-confirm").click();
    await countIs(2, "after deleting");
    assert.ok(!(await items()).some((i) => i.title === "a stormy harbour"));
  });

  it("fits the filters at 1024 x 680", async () => {
    await browser.setWindowSize(1024, 680);
    await browser.pause(400);
    await choose("history-filter-status", "done");
    await countIs(2, "done at 1024");
    for (const id of ["history-filter", "history-filter-model", "history-filter-status", "history-filter-profile", "history-filter-date", "session-budget"]) {
      assert.ok(await byId(id).isDisplayed(), `${id} is not shown`);
    }
  });
});
