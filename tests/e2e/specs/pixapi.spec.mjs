// Pixapi as its pages document it, from the app, against the strict Sandbox: every catalog
// variant succeeds and costs what the server charged; gpt-image-2 is priced by quality; a
// 16:9 comparison sends WxH sizes; an edit with two references sends `image[]` twice; an
// image delivered smaller than asked is billed as delivered, and the cell says so.
import assert from "node:assert/strict";
import {
  allById,
  byId,
  cellImages,
  choose,
  clickRun,
  intIn,
  pasteImage,
  selectTargets,
  setPrompt,
  simAdmin,
  T,
  waitRunFinished,
  waitSim,
  waitUntil,
} from "../lib.mjs";

const FLASH = [
  "gemini-3.1-flash-image-preview-512",
  "gemini-3.1-flash-image-preview",
  "gemini-3.1-flash-image-preview-2k",
  "gemini-3.1-flash-image-preview-4k",
];
const EVERY = [
  ...FLASH,
  "gemini-3-pro-image-preview",
  "gemini-3-pro-image-preview-2k",
  "gemini-3-pro-image-preview-4k",
  "gemini-2.5-flash-image",
  "gpt-image-1.5",
  "gpt-image-2",
  "gpt-image-2-2k",
  "gpt-image-2-4k",
];
// Model ids Pixapi's pages document (docs/models/*): never a price-table name.
const DOCUMENTED = new Set([
  "gemini-3.1-flash-image-preview",
  "gemini-3-pro-image-preview",
  "gemini-2.5-flash-image",
  "gpt-image-1.5",
  "gpt-image-2",
]);

/** The image requests the Sandbox received since `from` (an index into its log). */
async function postsSince(from) {
  const all = (await simAdmin.requests()).requests;
  return all.slice(from).filter((r) => r.method === "POST");
}

async function sessionMatchesServer() {
  const charged = (await simAdmin.state()).charged;
  await waitUntil(async () => (await intIn("session-credits")) === charged, `session credits are not the ${charged} the server charged`);
  return charged;
}

describe("pixapi", function () {
  this.timeout(300_000);

  it("runs every catalog variant against the strict Sandbox, and the ledger is what it charged", async () => {
    await waitSim();
    const from = (await simAdmin.requests()).requests.length;
    await selectTargets(EVERY);
    await setPrompt("a lighthouse at dawn, volumetric fog");
    await clickRun();
    const cs = await waitRunFinished(EVERY.length, 240_000);
    for (const c of cs) assert.equal(c.status, "done", `${c.model} is ${c.status}`);
    const charged = await sessionMatchesServer();
    // 4+4+6+8 + 8+8+16 + 2 + 1 + 14+67+133 (no quality: auto bills as high)
    assert.equal(charged, 271);
    const posts = await postsSince(from);
    assert.equal(posts.length, EVERY.length);
    for (const r of posts) {
      assert.equal(r.status, 200, JSON.stringify(r));
      assert.ok(DOCUMENTED.has(r.model), `sent model ${r.model}`);
      assert.ok(r.size, `no size sent: ${JSON.stringify(r)}`);
      assert.deepEqual(r.unknown_fields, [], JSON.stringify(r));
    }
  });

  it("prices gpt-image-2 by the quality chosen in the composer", async () => {
    await selectTargets(["gpt-image-2-2k"]);
    await waitUntil(async () => (await allById("option-quality")).length === 1, "no quality option for gpt-image-2");
    for (const [quality, credits] of [
      ["low", 2],
      ["high", 67],
    ]) {
      await choose("option-quality", quality);
      await waitUntil(async () => (await intIn("estimate")) === credits, `the estimate is not ${credits} at ${quality}`);
      const before = (await simAdmin.state()).charged;
      const from = (await simAdmin.requests()).requests.length;
      await clickRun();
      const [c] = await waitRunFinished(1, T.run);
      assert.equal(c.status, "done");
      assert.equal((await simAdmin.state()).charged - before, credits);
      const [r] = await postsSince(from);
      assert.ok(r.fields.includes("quality"), JSON.stringify(r));
      await sessionMatchesServer();
    }
    // A model that does not take quality shows no such option.
    await selectTargets(["gemini-3.1-flash-image-preview"]);
    await waitUntil(async () => (await allById("option-quality")).length === 0, "quality is offered to a Gemini model");
  });

  it("sends a 16:9 comparison as WIDTHxHEIGHT sizes, delivered as asked", async () => {
    await selectTargets(FLASH);
    await choose("aspect-ratio", "16:9");
    const from = (await simAdmin.requests()).requests.length;
    await clickRun();
    const cs = await waitRunFinished(4, 150_000);
    const want = {
      "gemini-3.1-flash-image-preview-512": [688, 384],
      "gemini-3.1-flash-image-preview": [1376, 768],
      "gemini-3.1-flash-image-preview-2k": [2752, 1536],
      "gemini-3.1-flash-image-preview-4k": [5504, 3072],
    };
    for (const c of cs) {
      assert.equal(c.status, "done", c.model);
      const [img] = await cellImages(c.el);
      assert.deepEqual([img.width, img.height], want[c.model], c.model);
    }
    const sizes = (await postsSince(from)).map((r) => r.size).sort();
    assert.deepEqual(sizes, ["1376x768", "2752x1536", "5504x3072", "688x384"]);
    await sessionMatchesServer();
    await choose("aspect-ratio", "");
  });

  it("sends an edit with two references as image[] parts", async () => {
    await byId("mode-edit").click();
    await pasteImage(640, 480, "first.png");
    await waitUntil(async () => (await allById("reference-thumb")).length === 1, "no first reference");
    await pasteImage(480, 640, "second.png");
    await waitUntil(async () => (await allById("reference-thumb")).length === 2, "no second reference");
    await selectTargets(["gemini-3-pro-image-preview-2k"]);
    await setPrompt("make it a poster, keep both subjects");
    const from = (await simAdmin.requests()).requests.length;
    await clickRun();
    const [c] = await waitRunFinished(1, T.run);
    assert.equal(c.status, "done");
    const [r] = await postsSince(from);
    assert.match(r.path, /\/images\/edits$/);
    assert.equal(r.fields.filter((f) => f === "image[]").length, 2, JSON.stringify(r));
    assert.deepEqual(r.unknown_fields, []);
    await sessionMatchesServer();
    await byId("mode-generate").click();
  });

  it("bills an image delivered smaller than asked as delivered, and says so", async () => {
    await selectTargets(["gemini-3.1-flash-image-preview-4k"]);
    await setPrompt("a harbour at night");
    await simAdmin.fault({ kind: "deliver_size", size: "2048x2048" });
    const before = (await simAdmin.state()).charged;
    await clickRun();
    const [c] = await waitRunFinished(1, T.run);
    assert.equal(c.status, "done");
    assert.equal((await simAdmin.state()).charged - before, 6, "the server charged the 2K price");
    const note = await c.el.$('header [data-testid="billing-note"]');
    await note.waitForDisplayed({ timeout: T.short });
    // In the cell's header, where the asked size is named, and the dot is not a green Done.
    assert.equal(await note.getText(), "asked 4K → got 2K");
    assert.ok(await c.el.$('[data-testid="cell-title"] .dot.partial').isExisting(), "the header's dot is amber");
    assert.match(await note.getAttribute("title"), /Asked 4K, delivered 2048×2048 \(2K\): 6 credits/);
    await sessionMatchesServer();
  });
});
