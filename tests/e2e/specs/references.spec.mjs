// Composer reference images (issue 5): pasted images show their pixel and file size,
// can be moved left/right and removed; a too-large one is downscaled with a note; a
// refused file is named in the error.
import assert from "node:assert/strict";
import { allById, browser, byId, T, waitUntil } from "../lib.mjs";

/** Pastes a generated PNG (`noise` makes it incompressible, hence large). */
async function paste(w, h, name, { noise = false, bytes = null } = {}) {
  await browser.executeAsync(
    (w, h, name, noise, bytes, done) => {
      const send = (blob) => {
        const dt = new DataTransfer();
        dt.items.add(new File([blob], name, { type: "image/png" }));
        window.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
        done(true);
      };
      if (bytes) return send(new Blob([bytes]));
      const c = document.createElement("canvas");
      c.width = w;
      c.height = h;
      const g = c.getContext("2d");
      if (noise) {
        const img = g.createImageData(w, h);
        for (let i = 0; i < img.data.length; i++) img.data[i] = i % 4 === 3 ? 255 : Math.floor(Math.random() * 256);
        g.putImageData(img, 0, 0);
      } else {
        g.fillStyle = name.includes("a") ? "#2a9d8f" : "#e76f51";
        g.fillRect(0, 0, w, h);
        g.fillStyle = "#fff";
        g.fillRect(w / 4, h / 4, w / 2, h / 2);
      }
      c.toBlob(send, "image/png");
    },
    w,
    h,
    name,
    noise,
    bytes,
  );
}

async function names() {
  const out = [];
  for (const t of await allById("reference-thumb")) out.push(await t.getAttribute("data-name"));
  return out;
}

describe("references", function () {
  this.timeout(180_000);

  it("shows pasted images with pixel and file size", async () => {
    await byId("mode-edit").click();
    await paste(640, 480, "alpha.png");
    await waitUntil(async () => (await allById("reference-thumb")).length === 1, "one thumbnail expected", T.short);
    await paste(300, 200, "beta.png");
    await waitUntil(async () => (await allById("reference-thumb")).length === 2, "two thumbnails expected", T.short);
    assert.deepEqual(await names(), ["alpha.png", "beta.png"]);
    const cap = await (await allById("reference-thumb"))[0].$("figcaption");
    const text = await browser.execute((el) => el.textContent, cap);
    assert.match(text, /640×480/);
    assert.match(text, /\d+(\.\d)? (B|KB|MB)/);
  });

  it("moves an image right and left", async () => {
    const [first] = await allById("reference-thumb");
    await first.moveTo();
    await first.$('[data-testid="reference-right"]').click();
    await waitUntil(async () => (await names())[0] === "beta.png", "alpha did not move right");
    const [, second] = await allById("reference-thumb");
    await second.moveTo();
    await second.$('[data-testid="reference-left"]').click();
    await waitUntil(async () => (await names())[0] === "alpha.png", "alpha did not move back left");
  });

  it("removes an image", async () => {
    const [, second] = await allById("reference-thumb");
    await second.moveTo();
    await second.$('[data-testid="reference-remove"]').click();
    await waitUntil(async () => (await names()).join() === "alpha.png", "beta was not removed");
  });

  it("downscales a large image and says so", async () => {
    await paste(1900, 1500, "huge.png", { noise: true });
    await waitUntil(async () => (await names()).includes("huge.png"), "the large image was not added", 60_000);
    const note = byId("reference-note");
    await note.waitForDisplayed({ timeout: T.short });
    assert.match(await note.getText(), /huge\.png/);
    assert.match(await note.getText(), /Downscaled|downscaled|resized|Resized/);
  });

  it("names a refused file in the error", async () => {
    await paste(0, 0, "notes.pdf", { bytes: "%PDF-1.4\n1 0 obj\n<<>>\nendobj\n" });
    // Said in the composer, where it was pasted, not at the top of the results.
    const err = byId("reference-error");
    await err.waitForDisplayed({ timeout: T.short });
    assert.match(await err.getText(), /notes\.pdf/i);
    assert.equal(await err.$("./ancestor::section[@aria-label='Composer']").isExisting(), true, "the error is not in the composer");
    assert.equal((await names()).includes("notes.pdf"), false);
  });

  it("fits at 1024 x 680", async () => {
    await browser.setWindowSize(1024, 680);
    await browser.pause(400);
    assert.ok(await byId("reference-add").isDisplayed());
  });
});
