// Shared helpers for the end-to-end specs: the WebDriver session on the app (through
// tauri-driver), element lookups by data-testid, waits, and the Sandbox sim's admin API.
// run.sh starts one tauri-driver per spec file with a fresh data dir and sim port, and
// passes them here through the environment.
import { remote } from "webdriverio";
import assert from "node:assert/strict";

export const APP = process.env.PIXBENCH_APP;
export const DRIVER_PORT = Number(process.env.E2E_DRIVER_PORT ?? 4444);
export const SIM_URL = process.env.E2E_SIM_URL; // http://127.0.0.1:<PIXBENCH_SANDBOX_PORT>
export const SHOT_DIR = process.env.E2E_SCREENSHOT_DIR;

/** Timeouts: generous, the machine has 2 cores and a 4K PNG takes a moment in debug. */
export const T = { short: 10_000, run: 90_000 };

/** @type {WebdriverIO.Browser} */
export let browser;

export async function openApp() {
  assert.ok(APP, "PIXBENCH_APP is not set (run the specs through tests/e2e/run.sh)");
  browser = await remote({
    hostname: "127.0.0.1",
    port: DRIVER_PORT,
    logLevel: process.env.E2E_WDIO_LOG ?? "warn",
    connectionRetryTimeout: 120_000,
    connectionRetryCount: 1,
    // Only tauri:options: WebKitWebDriver rejects what it does not know (no browserName).
    capabilities: { "tauri:options": { application: APP } },
  });
  await browser.setTimeout({ implicit: 0 });
  // The app is ready when its header knows the current profile.
  try {
    await byId("profile-current").waitForDisplayed({ timeout: 30_000 });
  } catch (e) {
    const url = await browser.getUrl().catch(() => "?");
    const body = await browser.execute(() => document.body?.innerText?.slice(0, 500) ?? "").catch(() => "?");
    if (SHOT_DIR) await browser.saveScreenshot(`${SHOT_DIR}/startup--FAILED.png`).catch(() => {});
    throw new Error(`the app did not show its header (page ${url}; text: ${JSON.stringify(body)}): ${e.message}`);
  }
  return browser;
}

export async function closeApp() {
  if (browser) {
    await browser.deleteSession().catch(() => {});
    browser = undefined;
  }
}

/** One element by data-testid (plus optional extra attribute selectors). */
export function byId(id, extra = "") {
  return browser.$(`[data-testid="${id}"]${extra}`);
}

/** All elements by data-testid. */
export function allById(id, extra = "") {
  return browser.$$(`[data-testid="${id}"]${extra}`);
}

export async function waitUntil(fn, message, timeout = T.short) {
  let last;
  await browser.waitUntil(
    async () => {
      try {
        last = await fn();
        return last;
      } catch (e) {
        last = e;
        return false;
      }
    },
    { timeout, interval: 200, timeoutMsg: `${message} (after ${timeout} ms; last: ${String(last)})` },
  );
  return last;
}

/** The first integer in an element's text ("22 credits" -> 22). */
export async function intIn(id) {
  const text = await byId(id).getText();
  const m = /-?\d[\d,]*/.exec(text);
  return m ? Number(m[0].replace(/,/g, "")) : NaN;
}

/**
 * Checks exactly these targets (catalog ids) and unchecks every other one. Each box is
 * found by its id, not by its place in a list: the composer may re-render while this runs
 * (a late `models_refresh` reassigns the catalog), and WebDriverIO re-finds a stale list
 * element by its index, which can then be another target's box.
 */
/** Opens the composer's full list of targets (chips show only the chosen ones). */
export async function showTargetList() {
  const toggle = await byId("target-list-toggle");
  if ((await toggle.isExisting()) && (await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
  await byId("target-list").waitForDisplayed({ timeout: T.short });
}

export async function selectTargets(models) {
  await showTargetList();
  const all = [];
  for (const box of await allById("target")) all.push(await box.getAttribute("data-model"));
  assert.ok(all.length > 0, "no target checkboxes");
  for (const m of models) assert.ok(all.includes(m), `no target checkbox for ${m}`);
  for (const model of all) {
    const box = byId("target", `[data-model="${model}"]`);
    if ((await box.isSelected()) !== models.includes(model)) await toggleByKeyboard(box);
  }
  for (const model of all) {
    const box = byId("target", `[data-model="${model}"]`);
    assert.equal(await box.isSelected(), models.includes(model), `target ${model}`);
  }
}

/**
 * Toggles a checkbox as a keyboard user does: focus, then Space. A pointer click is
 * aimed where the box was when WebDriver scrolled to it; the estimate under the target
 * list grows a line when a selection's price arrives (a JS task that can run between the
 * scroll and the click), and the click then lands on the estimate instead (seen in CI:
 * the last target, just above it, stayed checked). A key goes to the focused box
 * wherever it has moved.
 */
export async function toggleByKeyboard(box) {
  const el = await box;
  await browser.execute((e) => e.focus(), el);
  await browser.keys(" ");
  // Focus leaves the box, as after a pointer click in WebKit: a focused checkbox would
  // take the keys later steps press for the app (Space toggles it; Blind A/B's 1/2/0).
  await browser.execute((e) => e.blur(), el);
}

export async function setPrompt(text) {
  const p = byId("prompt");
  await p.waitForDisplayed({ timeout: T.short });
  await p.clearValue();
  await p.setValue(text);
}

/**
 * Clicks `el` once its box has stopped moving. Opening or closing a panel resizes the
 * grid a frame later (its cell sizes follow the area's size through a ResizeObserver), so
 * a click computed in between lands where the element was.
 */
export async function clickWhenStill(el) {
  let last = null;
  await waitUntil(async () => {
    const box = await browser.execute((e) => {
      const r = e.getBoundingClientRect();
      return `${r.x},${r.y},${r.width},${r.height}`;
    }, el);
    const still = box === last;
    last = box;
    return still;
  }, "the element kept moving");
  await el.click();
}

/** Waits until history's row `i` (newest first) has `status`: a run's status is set after
 * its last target's, so a row read at once can still say "running". */
export async function waitHistoryStatus(status, i = 0) {
  await waitUntil(async () => {
    const item = (await allById("history-item"))[i];
    return item ? (await item.getAttribute("data-status")) === status : false;
  }, `history row ${i + 1} is not "${status}"`);
}

/** The id of the run the results show ("" when none). */
export async function shownRunId() {
  return (await byId("results").getAttribute("data-run-id")) ?? "";
}

// The run shown when Run was last clicked: `waitRunFinished` waits for another one, so
// the previous run's finished cells are never taken for the new run's.
let shownBeforeClick = null;

export async function clickRun() {
  const run = byId("run");
  await run.waitForEnabled({ timeout: T.short });
  await startRun(() => run.click());
}

/** Starts a run by `action` (a Run click, Ctrl+Enter, Rerun, Run anyway): the next
 * `waitRunFinished` waits for a run other than the one shown before it. */
export async function startRun(action) {
  shownBeforeClick = await shownRunId();
  await action();
}

/** The cells of the current run, as { model, status } objects. */
export async function cells() {
  const out = [];
  for (const c of await allById("result-cell")) {
    out.push({ el: c, model: await c.getAttribute("data-model"), status: await c.getAttribute("data-status") });
  }
  return out;
}

/**
 * Waits until the current run has `n` cells and none is running; returns them. After
 * `clickRun`, only a run other than the one shown before the click counts.
 */
export async function waitRunFinished(n, timeout = T.run) {
  const cs = await waitUntil(
    async () => {
      if (shownBeforeClick !== null && (await shownRunId()) === shownBeforeClick) return false;
      const cs = await cells();
      return cs.length === n && cs.every((c) => c.status !== "running") ? cs : false;
    },
    `the run did not finish with ${n} cells`,
    timeout,
  );
  shownBeforeClick = null;
  return cs;
}

/** Images of a cell: [{ width, height, src }]. */
export async function cellImages(cell) {
  const imgs = await cell.$$('[data-testid="result-image"]');
  const out = [];
  for (const i of imgs) {
    out.push({
      width: Number(await i.getAttribute("data-width")),
      height: Number(await i.getAttribute("data-height")),
      src: await i.getAttribute("src"),
    });
  }
  return out;
}

/** True once an <img> has really been decoded by the webview (it loaded from pxb://). */
export async function imageLoaded(cell) {
  const img = await cell.$('[data-testid="result-image"]');
  return browser.execute((el) => el.complete && el.naturalWidth > 0, img);
}

// ---- the Sandbox simulator's admin API -------------------------------------------------

async function sim(method, path, body) {
  assert.ok(SIM_URL, "E2E_SIM_URL is not set");
  const r = await fetch(`${SIM_URL}${path}`, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: HTTP ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export const simAdmin = {
  state: () => sim("GET", "/__sim/state"),
  fault: (f) => sim("POST", "/__sim/faults", f),
  faults: () => sim("GET", "/__sim/faults"),
  clearFaults: () => sim("DELETE", "/__sim/faults"),
  requests: () => sim("GET", "/__sim/requests"),
};

/** Waits for the in-process Sandbox sim to answer (it starts with the app). */
export async function waitSim() {
  await waitUntil(async () => (await simAdmin.state()) !== null, `the Sandbox sim at ${SIM_URL} did not answer`, 30_000);
}

/** Sets a field's value from a script and fires `event`, as a person's edit does
 * (WebDriver's setValue drops a textarea's newlines and cannot pick a <select> option). */
async function setByScript(id, value, event) {
  const el = await byId(id);
  await el.waitForDisplayed({ timeout: T.short });
  await browser.execute(
    (e, v, ev) => {
      e.value = v;
      e.dispatchEvent(new Event(ev, { bubbles: true }));
    },
    el,
    value,
    event,
  );
}

/** Picks a <select> option by value. */
export const choose = (id, value) => setByScript(id, value, "change");

/** Sets a text field or textarea, newlines included. */
export const setText = (id, value) => setByScript(id, value, "input");

/** An attribute of each element, in order. */
export async function attrs(els, name) {
  const out = [];
  for (const e of els) out.push(await e.getAttribute(name));
  return out;
}

/** Waits for a toast whose text matches `re` and returns the path it names. */
export async function toastPath(re) {
  // The toast names the file; its full path is its data-path (and what "Show in folder" opens).
  return waitUntil(async () => {
    for (const t of await allById("toast")) {
      const text = await browser.execute((e) => e.textContent, t);
      const path = await t.getAttribute("data-path");
      if (re.test(text.trim()) && path) return path;
    }
    return false;
  }, `no toast with a file matching ${re}`);
}

/** Pastes a generated PNG (w x h) into the window, as a paste of an image file would. */
export async function pasteImage(w, h, name) {
  await browser.executeAsync(
    (w, h, name, done) => {
      const c = document.createElement("canvas");
      c.width = w;
      c.height = h;
      const g = c.getContext("2d");
      const grad = g.createLinearGradient(0, 0, w, h);
      grad.addColorStop(0, "#f4a261");
      grad.addColorStop(1, "#264653");
      g.fillStyle = grad;
      g.fillRect(0, 0, w, h);
      g.fillStyle = "#e9c46a";
      g.beginPath();
      g.arc(w / 2, h / 2, Math.min(w, h) / 4, 0, Math.PI * 2);
      g.fill();
      c.toBlob((blob) => {
        const dt = new DataTransfer();
        dt.items.add(new File([blob], name, { type: "image/png" }));
        const ev = new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true });
        window.dispatchEvent(ev);
        done(true);
      }, "image/png");
    },
    w,
    h,
    name,
  );
}
