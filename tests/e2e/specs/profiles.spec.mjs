// Profiles: add one with a key (the key goes to the Secret Service; only its mask comes
// back), test it, switch to it and back, delete it.
import assert from "node:assert/strict";
import { allById, byId, SIM_URL, T, waitSim, waitUntil } from "../lib.mjs";

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
    await waitUntil(async () => (await byId("profile-current").getText()).includes(NAME), "profile-current did not change");
    assert.doesNotMatch(await byId("profile-current").getText(), /simulated images/);
    await byId("profile-select").selectByAttribute("value", "Sandbox");
    await waitUntil(async () => /Sandbox/.test(await byId("profile-current").getText()), "not back on the Sandbox");
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
