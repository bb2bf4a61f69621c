// A recipe in every image (issue 14 §4): an output saved from the viewer carries its
// recipe; pasting that file into the app offers "Load its recipe", which recreates the
// request in the composer (prompt, model, ratio, fields); "Add as reference" and a plain
// image still become references.
import assert from "node:assert/strict";
import fs from "node:fs";
import {
  allById, browser, byId, choose, clickRun, selectTargets, setPrompt, SHOT_DIR, T, toastPath, waitRunFinished, waitSim, waitUntil,
  pasteImage,
} from "../lib.mjs";

const GPT = "gpt-image-2";
const PROMPT = "a lighthouse at dawn, volumetric fog — recipe";
let saved;

/** Pastes a file's bytes into the window, as a paste of an image file does. */
async function pasteFile(path, name) {
  const b64 = fs.readFileSync(path).toString("base64");
  await browser.execute(
    (b64, name) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], name, { type: "image/png" }));
      window.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
    },
    b64,
    name,
  );
}

async function selected() {
  const out = [];
  for (const box of await allById("target")) if (await box.isSelected()) out.push(await box.getAttribute("data-model"));
  return out;
}

describe("recipe", function () {
  this.timeout(180_000);

  it("saves an output from the viewer with its recipe in the PNG", async () => {
    await waitSim();
    await selectTargets([GPT]);
    await setPrompt(PROMPT);
    await choose("aspect-ratio", "16:9");
    await choose("option-quality", "low");
    await clickRun();
    const [cell] = await waitRunFinished(1);
    assert.equal(cell.status, "done");
    await cell.el.$('[data-testid="result-image"]').click();
    await byId("viewer").waitForDisplayed({ timeout: T.short });
    await byId("viewer-save").click();
    // The viewer says where it went (the toasts are under it) ...
    const said = await byId("viewer-saved");
    await said.waitForDisplayed({ timeout: T.short });
    saved = await said.getAttribute("data-path");
    // (textContent: WebKitWebDriver answers "" for text cut with an ellipsis.)
    assert.match(await browser.execute((el) => el.textContent, said), /^Saved with its recipe to exports\//);
    if (SHOT_DIR) await browser.saveScreenshot(`${SHOT_DIR}/recipe--viewer-saved.png`);
    await byId("viewer-close").click();
    // ... and a toast after it closes.
    assert.equal(await toastPath(/^Image saved with its recipe/), saved);
    assert.match(saved, /\/exports\/a-lighthouse-at-dawn-volumetric-fog-reci_t1_gpt-image-2_1536x864_1\.png$/);
    const bytes = fs.readFileSync(saved);
    assert.ok(bytes.includes(Buffer.from("pixbench:recipe")), "the PNG has the recipe chunk");
    assert.ok(bytes.includes(Buffer.from(PROMPT)), "the prompt is in the file");
    if (SHOT_DIR) fs.copyFileSync(saved, `${SHOT_DIR}/recipe--saved-file.png`);
  });

  it("offers the recipe of a pasted exported image", async () => {
    // Another request in the composer first, so loading visibly changes it.
    await selectTargets(["gemini-3.1-flash-image-preview"]);
    await setPrompt("something else entirely");
    await choose("aspect-ratio", "");
    await pasteFile(saved, "lighthouse.png");
    const offer = byId("recipe-offer");
    await offer.waitForDisplayed({ timeout: T.short });
    assert.equal(await byId("recipe-prompt").getText(), PROMPT);
    const lines = {};
    for (const l of await allById("recipe-line")) lines[await l.getAttribute("data-label")] = await l.getText();
    assert.equal(lines.Model, "GPT Image 2 · 1K");
    assert.equal(lines.Size, "1536×864 · 16:9");
    assert.equal(lines.Fields, "quality low");
    assert.match(lines.Made, /credits? \(Sandbox\)$/);
    assert.equal((await allById("recipe-note")).length, 0);
  });

  it("loads it: the composer shows the prompt, the model, the ratio and the field", async () => {
    await byId("recipe-load").click();
    await byId("recipe-offer").waitForDisplayed({ reverse: true, timeout: T.short });
    await waitUntil(async () => (await byId("prompt").getValue()) === PROMPT, "the prompt was not loaded");
    assert.deepEqual(await selected(), [GPT]);
    assert.equal(await byId("aspect-ratio").getValue(), "16:9");
    assert.equal(await byId("option-quality").getValue(), "low");
    assert.equal((await allById("reference-thumb")).length, 0, "nothing was added as a reference");
  });

  it("adds the same file as a reference when asked, and a plain image without asking", async () => {
    await pasteFile(saved, "lighthouse.png");
    await byId("recipe-offer").waitForDisplayed({ timeout: T.short });
    await byId("recipe-add-reference").click();
    await byId("recipe-offer").waitForDisplayed({ reverse: true, timeout: T.short });
    await waitUntil(async () => (await allById("reference-thumb")).length === 1, "the file was not added as a reference");
    await pasteImage(320, 200, "plain.png");
    await waitUntil(async () => (await allById("reference-thumb")).length === 2, "the plain image was not added");
    assert.equal(await byId("recipe-offer").isDisplayed(), false, "a plain image has no recipe to offer");
  });
});
