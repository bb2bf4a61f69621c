// kill -9 in the middle of an async run: started again, the app polls the same task to
// completion, saves its image and is charged once (compared with the sim's own books).
import assert from "node:assert/strict";
import { byId, allById, clickRun, closeApp, openApp, selectTargets, setPrompt, T, waitUntil } from "../lib.mjs";
import { alive, appPids, processTree, startSim } from "../extsim.mjs";

const KEY = "sk_live_e2eCrashCheck_0a9b";
let sim;

describe("crash", function () {
  this.timeout(240_000);
  before(async () => {
    // realistic: a 2K task takes seconds, long enough to kill the app in the middle
    sim = await startSim(["--key", KEY, "--credits", "1000", "--profile", "realistic"]);
  });
  after(() => sim?.stop());

  it("resumes an async task after kill -9 and charges it once", async () => {
    await byId("profiles-open").click();
    await byId("profile-new").click();
    await byId("profile-name").setValue("Crash");
    await byId("profile-base-url").clearValue();
    await byId("profile-base-url").setValue(sim.url);
    await byId("profile-key").setValue(KEY);
    await byId("profile-save").click();
    await waitUntil(async () => /0a9b/.test(await byId("profile-key-mask").getText()), "no key mask");
    await byId("profiles-close").click();
    await byId("profile-select").selectByAttribute("value", "Crash");
    // The switch rebuilds the targets for the new profile: compose once it is done.
    await waitUntil(async () => /Crash/.test(await byId("profile-current").getText()), "the Crash profile is not selected");
    await setPrompt("survive a crash");
    await selectTargets(["gemini-3.1-flash-image-preview-2k"]); // async by default
    await clickRun();
    await waitUntil(async () => (await sim.state()).tasks === 1, "the task was not submitted", 30_000);
    assert.equal((await sim.state()).charged, 0, "still processing");

    const pids = await appPids(process.env.E2E_DATA_DIR);
    assert.equal(pids.length, 1, `expected one app process, found ${pids}`);
    // The restart waits for the killed app and the WebKit processes it had to be gone, as
    // a user's next start comes after them: starting while they still hold the display
    // and the data dir is another test (CI once saw GTK fail to open the display there).
    const tree = await processTree(pids[0]);
    process.kill(pids[0], "SIGKILL");
    await closeApp();
    for (let waited = 0; (await Promise.all(tree.map(alive))).some((a) => a); waited += 100) {
      assert.ok(waited < T.short, `the killed app's processes did not exit: ${tree}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await openApp();

    await waitUntil(async () => {
      const items = await allById("history-item");
      return items.length === 1 && (await items[0].getAttribute("data-status")) === "done";
    }, "the resumed run did not complete", 90_000);
    const st = await sim.state();
    assert.equal(st.tasks, 1, "the task was resubmitted");
    assert.equal(st.charged, 6, "charged once at the 2K price");
    // The new session says a run of the earlier one was resumed, and what it cost there.
    await waitUntil(
      async () => {
        const el = byId("session-resumed");
        if (!(await el.isExisting())) return false;
        const text = String(await el.getProperty("textContent")).replace(/\s+/g, " ");
        return /Resumed after the restart: “survive a crash”.* 6 credits, counted in that session/.test(text);
      },
      "the session does not say that a run of an earlier session was resumed",
    );
    await (await allById("history-item"))[0].click();
    await waitUntil(async () => (await allById("result-image")).length === 1, "the resumed image is not shown", T.short);
    // The run itself says so where it is shown, beside its cost.
    await byId("run-resumed").waitForDisplayed({ timeout: T.short });
    assert.match(await byId("run-resumed").getText(), /resumed after a restart/);
  });
});
