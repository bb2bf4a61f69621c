// A profile pointing at a pixapi-sim of the test's own: the key pasted once goes to the
// Secret Service, works, survives a restart of the app, and is found nowhere on disk, in
// the logs or in the webview afterwards.
import assert from "node:assert/strict";
import fs from "node:fs";
import { byId, cellImages, clickRun, closeApp, openApp, selectTargets, setPrompt, T, waitRunFinished, waitUntil, browser } from "../lib.mjs";
import { filesContaining, startSim } from "../extsim.mjs";

const KEY = "sk_live_e2eKeychainCheck_5d1e";
const NAME = "Team";
let sim;

async function runOne(prompt) {
  await setPrompt(prompt);
  await selectTargets(["gemini-3.1-flash-image-preview-512"]);
  await clickRun();
  const [cell] = await waitRunFinished(1);
  assert.equal(cell.status, "done", "the run with the stored key failed");
  const [img] = await cellImages(cell.el);
  assert.equal(Math.max(img.width, img.height), 512);
}

describe("keychain", function () {
  this.timeout(240_000);
  before(async () => {
    sim = await startSim(["--key", KEY, "--credits", "1000"]);
  });
  after(() => sim?.stop());

  it("adds a profile with a pasted key and the key test passes", async () => {
    await byId("profiles-open").click();
    await byId("profile-new").click();
    await byId("profile-name").setValue(NAME);
    await byId("profile-base-url").clearValue();
    await byId("profile-base-url").setValue(sim.url);
    // pasted the way people paste: with "Bearer " and spaces around it
    await byId("profile-key").setValue(`  Bearer ${KEY} `);
    await byId("profile-save").click();
    await waitUntil(async () => /5d1e/.test(await byId("profile-key-mask").getText()), "no key mask");
    await byId("profile-test").click();
    await waitUntil(async () => /works/i.test(await byId("profile-test-result").getText()), "the key test did not pass", 30_000);
    await byId("profiles-close").click();
    await byId("profile-select").selectByAttribute("value", NAME);
    await waitUntil(async () => (await byId("profile-current").getText()).includes(NAME), "profile not current");
  });

  it("runs a generation with it", async () => {
    await runOne("a key from the keychain");
    assert.equal((await sim.state()).charged, 4);
  });

  it("runs again after a restart without re-entering the key", async () => {
    await closeApp();
    await openApp();
    await waitUntil(async () => (await byId("profile-current").getText()).includes(NAME), "the profile was not kept");
    await runOne("after a restart");
    assert.equal((await sim.state()).charged, 8);
  });

  it("leaves the key nowhere: not in the data dir, the logs, or the webview", async () => {
    const html = await browser.execute(() => document.documentElement.outerHTML + JSON.stringify(localStorage) + JSON.stringify(sessionStorage));
    assert.ok(!html.includes(KEY), "the key is in the webview's DOM or storage");
    const values = await browser.execute(() => [...document.querySelectorAll("input,textarea")].map((i) => i.value).join("\n"));
    assert.ok(!values.includes(KEY), "the key is in an input");
    const dataDir = process.env.E2E_DATA_DIR;
    assert.ok(dataDir && fs.existsSync(dataDir), "E2E_DATA_DIR is not set by run.sh");
    assert.deepEqual(await filesContaining(dataDir, KEY), [], "the key was written under the data dir");
    const log = process.env.E2E_DRIVER_LOG;
    assert.ok(log && fs.existsSync(log), "E2E_DRIVER_LOG is not set by run.sh");
    assert.ok(!fs.readFileSync(log, "utf8").includes(KEY), "the key is in the app's log");
  });
});
