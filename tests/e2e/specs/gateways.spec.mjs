// The OpenAI gateway preset from the app: a profile started from it, pointed at the
// Sandbox's OpenAI flavour (which refuses any field OpenAI's spec does not define), offers
// OpenAI's models, estimates in dollars by OpenAI's table, and records what the answers'
// token counts charged, to the micro-dollar.
import assert from "node:assert/strict";
import { byId, allById, clickRun, selectTargets, setPrompt, T, waitRunFinished, waitUntil } from "../lib.mjs";
import { startSim } from "../extsim.mjs";

const KEY = "sk_test_openaiGateway_77aa";
let sim;

describe("gateways", function () {
  this.timeout(180_000);
  before(async () => {
    sim = await startSim(["--key", KEY, "--flavour", "openai"]);
  });
  after(() => sim?.stop());

  it("starts a profile from the OpenAI preset and runs gpt-image-1 billed in dollars", async () => {
    await byId("profiles-open").click();
    await byId("profile-new").click();
    await byId("profile-name").setValue("OpenAI");
    await byId("profile-gateway").selectByAttribute("value", "openai");
    // The preset fills OpenAI's own URL and says where its key may come from.
    await waitUntil(async () => (await byId("profile-base-url").getValue()) === "https://api.openai.com", "no URL");
    const note = await byId("profile-gateway-note").getText();
    assert.match(note, /dollars/);
    assert.match(note, /OPENAI_API_KEY is used for its own host only/);
    await byId("profile-base-url").clearValue();
    await byId("profile-base-url").setValue(sim.url);
    await byId("profile-key").setValue(KEY);
    await byId("profile-save").click();
    await waitUntil(async () => /77aa/.test(await byId("profile-key-mask").getText()), "no key mask");
    await byId("profiles-close").click();
    await byId("profile-select").selectByAttribute("value", "OpenAI");

    // The composer offers OpenAI's models only, and prices them in dollars.
    let offered = [];
    await waitUntil(async () => {
      offered = [];
      for (const b of await allById("target")) offered.push(await b.getAttribute("data-model"));
      return offered.length === 3 && offered.every((m) => String(m).startsWith("openai-"));
    }, `the composer does not offer OpenAI's three models only: ${offered}`);
    await setPrompt("a lighthouse at dusk");
    await selectTargets(["openai-gpt-image-1"]);
    // gpt-image models always answer base64: the Response choice is not theirs to take.
    assert.equal(await byId("response-format").isEnabled(), false);
    await waitUntil(
      async () => /Up to \$0\.167/.test(await byId("estimate").getText()),
      "the estimate is not OpenAI's price in dollars (auto quality: the 1024x1024 high price)",
    );

    await clickRun();
    const [cell] = await waitRunFinished(1);
    assert.equal(cell.status, "done");
    const st = await sim.state();
    assert.ok(st.charged_usd_micros > 0, "the server charged nothing");
    // The session says what the tokens charged, in dollars.
    const shown = await byId("session-dollars").getText();
    const want = `$${(st.charged_usd_micros / 1e6).toFixed(3)}`;
    assert.equal(shown, want, `the session shows ${shown}, the server charged ${want}`);
    // A budget counts credits, and the session says this profile's spend is not held to it.
    assert.match(await byId("session-budget-unit").getText(), /Budgets count credits; OpenAI bills in dollars/);
  });
});
