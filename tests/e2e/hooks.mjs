// Mocha root hooks: the app is opened once per spec file (run.sh gives each spec file its
// own tauri-driver, data dir and sim port), and every test's end state is saved as a
// screenshot under target/e2e-screenshots/.
import fs from "node:fs";
import path from "node:path";
import { browser, closeApp, openApp, SHOT_DIR } from "./lib.mjs";

function slug(s) {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 90);
}

export const mochaHooks = {
  async beforeAll() {
    this.timeout(150_000);
    await openApp();
  },
  async afterEach() {
    if (!browser || !SHOT_DIR) return;
    const t = this.currentTest;
    const spec = path.basename(t.file ?? "spec", ".spec.mjs");
    fs.mkdirSync(SHOT_DIR, { recursive: true });
    const file = path.join(SHOT_DIR, `${spec}--${slug(t.title)}${t.state === "failed" ? "--FAILED" : ""}.png`);
    try {
      await browser.saveScreenshot(file);
    } catch (e) {
      console.error(`screenshot failed for "${t.title}": ${e}`);
    }
  },
  async afterAll() {
    this.timeout(30_000);
    await closeApp();
  },
};
