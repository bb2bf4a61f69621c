// Profiles: add one with a key (the key goes to the Secret Service; only its mask comes
// back), test it, switch to it and back, delete it.
import assert from "node:assert/strict";
import { allById, browser, byId, SIM_URL, T, waitSim, waitUntil } from "../lib.mjs";

const NAME = "Local sim";
const KEY = "sk_e2e_notarealkey_7q2c";

async function profileNames() {
  const opts = await byId("profile-select").$$("option");
  const names = [];
  for (const o of opts) names.push(await o.getAttribute("value"));
  return names;
}

describe("profiles", function () {
  this.timeout(120_000);

  it("adds a profile whose key is stored and shown masked", async () => {
    await waitSim();
    await byId("profiles-open").click();
    await byId("profile-new").waitForDisplayed({ timeout: T.short });
    await byId("profile-new").click();
    await byId("profile-name").setValue(NAME);
    const url = byId("profile-base-url");
    await url.clearValue();
    await url.setValue(SIM_URL);
    await byId("profile-key").setValue(KEY);
    assert.equal(await byId("profile-key").getAttribute("type"), "password");
    await byId("profile-save").click();
    const mask = byId("profile-key-mask");
    await waitUntil(async () => /7q2c/.test(await mask.getText()), "the key mask did not show the key's end");
    const maskText = await mask.getText();
    assert.doesNotMatch(maskText, /notarealkey/, "the mask shows the key");
    assert.equal(await byId("profile-key").getValue(), "", "the key field must be emptied after saving");
    assert.ok((await profileNames()).includes(NAME));
  });

  it("tests the key and shows a verdict", async () => {
    await byId("profile-test").click();
    const verdict = byId("profile-test-result");
    await waitUntil(async () => {
      const t = (await verdict.getText()).trim();
      return t.length > 3 && !/Testing/.test(t);
    }, "no verdict after Test key", 30_000);
  });

  it("switches to the profile and back to the Sandbox from the header", async () => {
    await byId("profiles-close").click();
    await byId("profile-select").selectByAttribute("value", NAME);
    // Read in one go with the header: the composer's words about money come from the same
    // profile in the same frame, never the old estimate's "simulated, free".
    const read = () =>
      browser.execute(() => ({
        header: document.querySelector('[data-testid="profile-current"]')?.textContent ?? "",
        estimate: document.querySelector('[data-testid="estimate"]')?.textContent ?? "",
        live: document.querySelector('[data-testid="run"]')?.classList.contains("live") ?? false,
      }));
    await waitUntil(async () => (await read()).header.includes(NAME), "profile-current did not change");
    const onLive = await read();
    assert.doesNotMatch(onLive.header, /simulated images/);
    assert.doesNotMatch(onLive.estimate, /simulated/, "the estimate still says simulated on a live profile");
    assert.equal(onLive.live, true, "Run does not look live on a live profile");
    await byId("profile-select").selectByAttribute("value", "Sandbox");
    await waitUntil(async () => /Sandbox/.test((await read()).header), "not back on the Sandbox");
    const back = await read();
    assert.equal(back.live, false, "Run still looks live on the Sandbox");
    assert.doesNotMatch(back.estimate, /real credits/);
  });

  it("deletes the profile", async () => {
    await byId("profiles-open").click();
    const items = await allById("profile-item", `[data-name="${NAME}"]`);
    assert.equal(items.length, 1);
    await items[0].click();
    await byId("profile-delete").click();
    await waitUntil(async () => !(await profileNames()).includes(NAME), "the profile is still listed");
    await byId("profiles-close").click();
  });
});
