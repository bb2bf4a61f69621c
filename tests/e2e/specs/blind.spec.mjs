// Blind A/B: a comparison of three variants with two images each, judged with the keys
// 1 / 2 / 0 / S without labels; the labels appear only after each vote, the leaderboard
// orders the targets as the votes did, and the session export carries votes and board.
import assert from "node:assert/strict";
import fs from "node:fs";
import { SHOT_DIR, T, allById, browser, byId, clickRun, intIn, selectTargets, setPrompt, toastPath, waitRunFinished, waitSim, waitUntil } from "../lib.mjs";

// Worst to best: the scripted votes prefer the larger variant, with one tie (1K v 2K).
const LADDER = ["gemini-3.1-flash-image-preview-512", "gemini-3.1-flash-image-preview", "gemini-3.1-flash-image-preview-2k"];
const NAMES = ["Nano Banana 2 · 512", "Nano Banana 2 · 1K", "Nano Banana 2 · 2K"];
const PROMPT = "a red bicycle against a yellow wall";

const shaOf = (url) => /([0-9a-f]{64})/.exec(url ?? "")?.[1];
/** sha256 -> catalog id, from the comparison grid (the test may know; the blind view may not). */
const modelOf = new Map();

/** The pair shown, read at one instant (token and both images of the same pair). */
async function shown() {
  const s = await browser.execute(() => {
    const pair = document.querySelector('[data-testid="blind-pair"]');
    if (!pair || pair.getAttribute("data-ready") !== "true") return null;
    const src = (id) => document.querySelector(`[data-testid="${id}"] img`)?.getAttribute("src") ?? null;
    return { token: pair.getAttribute("data-token"), left: src("blind-left"), right: src("blind-right") };
  });
  return s && { token: s.token, left: modelOf.get(shaOf(s.left)), right: modelOf.get(shaOf(s.right)) };
}

async function labelsVisible() {
  return (await byId("blind-label-left").isExisting()) || (await byId("blind-label-right").isExisting());
}

describe("blind", function () {
  this.timeout(240_000);

  it("runs three variants with two images each", async () => {
    await waitSim();
    await selectTargets(LADDER);
    for (const m of LADDER) {
      await browser.execute(
        (m) => {
          const el = document.querySelector(`[data-testid="target-n"][data-model="${m}"]`);
          el.value = "2";
          el.dispatchEvent(new Event("change", { bubbles: true }));
        },
        m,
      );
    }
    await setPrompt(PROMPT);
    await clickRun();
    const cs = await waitRunFinished(3, 150_000);
    for (const c of cs) {
      assert.equal(c.status, "done", `${c.model} is ${c.status}`);
      const srcs = [];
      for (const img of await c.el.$$("img")) srcs.push(await img.getAttribute("src"));
      const shas = [...new Set(srcs.map(shaOf).filter(Boolean))];
      assert.equal(shas.length, 2, `${c.model}: ${srcs}`);
      for (const s of shas) modelOf.set(s, c.model);
    }
  });

  it("shows a pair of one prompt without labels", async () => {
    await byId("blind-open").click();
    await byId("blind-panel").waitForDisplayed({ timeout: T.short });
    // The panel has the focus, not the header's button (a Space would press it on keyup).
    await waitUntil(
      () => browser.execute(() => !!document.querySelector('[data-testid="blind-panel"]')?.contains(document.activeElement)),
      "the blind panel did not take the focus",
    );
    await waitUntil(async () => (await shown())?.left, "no blind pair was shown");
    const p = await shown();
    assert.ok(p.left && p.right && p.left !== p.right, `the pair is not of two targets: ${JSON.stringify(p)}`);
    // textContent: WebDriver's getText reads "" for a line cut with an ellipsis.
    assert.equal(await byId("blind-prompt").getProperty("textContent"), `“${PROMPT}”`);
    const stage = await byId("blind-stage").getProperty("textContent");
    for (const n of [...NAMES, ...LADDER, "Nano Banana"]) assert.ok(!stage.includes(n), `the blind view shows “${n}”: ${stage}`);
    assert.equal(await labelsVisible(), false, "labels before the vote");
    assert.match(await byId("blind-progress").getText(), /0 of 12 pairs voted/);
    await waitUntil(
      () => browser.execute(() => [...document.querySelectorAll('[data-testid="blind-pair"] img')].every((i) => i.complete && i.naturalWidth > 0)),
      "the pair's images did not load",
    );
  });

  it("reveals the labels only after a vote, and S skips without counting", async () => {
    const p = await shown();
    await browser.keys("s");
    await byId("blind-verdict").waitForDisplayed({ timeout: T.short });
    assert.match(await byId("blind-verdict").getText(), /^Skipped: not counted\. The names stay hidden/);
    assert.equal(await labelsVisible(), false, "a skip names no side: the pair comes back, still blind");
    if (SHOT_DIR) await browser.saveScreenshot(`${SHOT_DIR}/blind--reveal-after-skip.png`);
    await browser.keys(" ");
    await waitUntil(async () => (await shown())?.token !== p.token && !(await labelsVisible()), "any key did not go on to the next pair");
    assert.match(await byId("blind-progress").getText(), /0 of 12 pairs voted/, "a skip is not a vote");
  });

  it("votes every pair with the keys 1, 2 and 0", async () => {
    let tied = false;
    let voted = null;
    for (let i = 0; i < 12; i++) {
      // The voted pair stays on screen (ready, its labels cleared) until the next one comes.
      const p = await waitUntil(async () => {
        const s = await shown();
        return s && s.left && s.token !== voted && !(await labelsVisible()) ? s : false;
      }, `pair ${i + 1} did not show`);
      voted = p.token;
      const [l, r] = [LADDER.indexOf(p.left), LADDER.indexOf(p.right)];
      let key;
      if (!tied && Math.min(l, r) === 1 && Math.max(l, r) === 2) {
        key = "0";
        tied = true;
      } else key = l > r ? "1" : "2";
      assert.equal(await labelsVisible(), false, `labels before vote ${i + 1}`);
      await browser.keys(key);
      await byId("blind-label-left").waitForDisplayed({ timeout: T.short });
      assert.equal(await byId("blind-label-left").getAttribute("data-model"), p.left);
      assert.equal(await byId("blind-label-left").getText(), NAMES[l]);
      if (i === 3 && SHOT_DIR) await browser.saveScreenshot(`${SHOT_DIR}/blind--reveal-after-vote.png`);
      await browser.keys(" ");
    }
    assert.ok(tied, "no 1K v 2K pair came up for the tie");
    await byId("blind-empty").waitForDisplayed({ timeout: T.short });
    assert.match(await byId("blind-empty").getText(), /Every pair has a vote/);
    assert.match(await byId("blind-empty").getText(), /All 12 pairs in (this session|all sessions) have a vote/);
  });

  it("ranks the targets as the votes did", async () => {
    // The board is read again after the last vote: wait for its order, not its first look.
    const rows = await waitUntil(async () => {
      const rows = await allById("blind-row");
      const order = [];
      for (const r of rows) order.push(await r.getAttribute("data-label"));
      if (JSON.stringify(order) !== JSON.stringify([...LADDER].reverse())) return false;
      const wlt = (await rows[0].$$("td"))[4];
      return wlt && (await wlt.getProperty("textContent")).trim() === "7–0–1" ? rows : false;
    }, "the board does not rank the targets as the votes did");
    const cells = async (r) => (await r.$$("td")).map((c) => c.getProperty("textContent").then((t) => t.trim()));
    const top = await Promise.all(await cells(rows[0]));
    assert.equal(top[1], NAMES[2]);
    assert.equal(top[4], "7–0–1");
    assert.equal(top[5], "1.7 cr", "12 credits of 2K images over 7 wins");
    const bottom = await Promise.all(await cells(rows[2]));
    assert.equal(bottom[4], "0–8–0");
    assert.equal(bottom[5], "–");
  });

  it("exports the votes and the board with the session", async () => {
    await byId("blind-close").click();
    await byId("session-export-json").click();
    const file = await toastPath(/^Session exported/);
    const doc = JSON.parse(fs.readFileSync(file, "utf8"));
    assert.equal(doc.votes.length, 12);
    assert.equal(doc.votes.filter((v) => v.winner === "tie").length, 1);
    assert.deepEqual(doc.leaderboard.rows.map((r) => r.label), [...LADDER].reverse());
    assert.ok(doc.leaderboard.rows[0].low < doc.leaderboard.rows[0].score);
  });

  it("says what to do when a session has no pairs", async () => {
    await byId("session-new").click();
    await byId("session-new-confirm").click();
    // The new session is open once the header counts from zero.
    await waitUntil(async () => (await intIn("session-credits")) === 0, "the new session did not start");
    await byId("blind-open").click();
    await waitUntil(
      async () => /Run a comparison with two or more models first/.test(await byId("blind-empty").getText()),
      "the blind view does not say the new session has no pairs",
    );
    // All sessions: the votes are still there.
    await byId("blind-scope-all").click();
    await waitUntil(async () => (await allById("blind-row")).length === 3, "the board of all sessions is not 3 rows");
    await byId("blind-scope-session").click();
    await waitUntil(async () => (await allById("blind-row")).length === 0, "the new session's board is not empty");
  });
});
