// Development helper (not a test): opens the UI served by `vite dev` (with its mock
// backend) in WebKitGTK's MiniBrowser through WebKitWebDriver, and saves screenshots.
// Usage: DISPLAY=:91 node tools/shot-mock.mjs <out-dir> [url]
// Needs WebKitWebDriver listening on port 4445 and `npm run dev` in ui/.
import { remote } from "webdriverio";
import fs from "node:fs";

const out = process.argv[2] ?? "/tmp/shots";
const url = process.argv[3] ?? "http://127.0.0.1:1420/";
fs.mkdirSync(out, { recursive: true });

const b = await remote({
  hostname: "127.0.0.1",
  port: 4445,
  logLevel: "warn",
  capabilities: {
    browserName: "MiniBrowser",
    "webkitgtk:browserOptions": {
      binary: "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
      args: ["--automation"],
    },
    "wdio:enforceWebDriverClassic": true,
  },
});
const $t = (id) => b.$(`[data-testid="${id}"]`);
const $$t = (id) => b.$$(`[data-testid="${id}"]`);
try {
  await b.url(url);
  await b.execute(() => {
    window.__errs = [];
    window.addEventListener("error", (e) => window.__errs.push(String(e.message)));
  });
  const shot = async (name) => {
    await b.pause(400);
    await b.saveScreenshot(`${out}/${name}.png`);
  };
  for (const [w, h] of [[1024, 680], [1600, 1000]]) {
    await b.setWindowSize(w, h);
    await b.url(url);
    await $t("prompt").waitForExist({ timeout: 15000 });
    await shot(`empty-${w}`);
    await $t("prompt").setValue("a red fox in the snow, golden hour");
    for (const el of await $$t("target")) {
      const m = await el.getAttribute("data-model");
      const want = m.startsWith("gemini-3.1-flash");
      if ((await el.isSelected()) !== want) await el.click();
    }
    await $t("run").click();
    await b.pause(700);
    await shot(`running-${w}`);
    await b.pause(5000);
    await shot(`done-${w}`);
    await $t("inspector-toggle").click();
    await shot(`inspector-${w}`);
    await $t("inspector-toggle").click();
    await $t("session-budget").setValue("10");
    await b.keys("Enter");
    await $t("run").click();
    await b.pause(600);
    await shot(`blocked-${w}`);
    await $t("run-anyway").click();
    await b.pause(300);
    await $t("mode-edit").click();
    await $t("reference-add").click();
    await b.pause(300);
    await $t("prompt").setValue("make it fail please");
    await $t("run").click();
    await b.pause(6000);
    await shot(`failed-${w}`);
    await $t("profiles-open").click();
    await shot(`profiles-${w}`);
    await b.keys("Escape");
  }
  console.log("errors:", await b.execute(() => window.__errs));
} catch (e) {
  console.error(e);
  const html = await b.getPageSource().catch(() => "");
  console.error(html.slice(0, 2000));
} finally {
  await b.deleteSession();
}
