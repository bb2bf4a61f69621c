// Serves ui/dist on localhost:1420 (the shell's devUrl) for app binaries built without
// Tauri's `custom-protocol` feature: such a debug build loads the UI from devUrl instead of
// its embedded assets. Each request is logged, so run.sh can say when this was needed.
// The CSP of src-tauri/tauri.conf.json is sent with every page, as the real app applies it,
// so a UI change that breaks under that CSP fails here too.
// Usage: node tools/serve-dist.mjs <dist dir> <port> <log file> [tauri.conf.json]
import http from "node:http";
import fs from "node:fs";
import path from "node:path";

const [dist, port = "1420", logFile, confFile] = process.argv.slice(2);
const root = path.resolve(dist);
let csp = null;
try {
  if (confFile) csp = JSON.parse(fs.readFileSync(confFile, "utf8"))?.app?.security?.csp ?? null;
} catch (e) {
  console.error(`serve-dist: no CSP from ${confFile}: ${e.message}`);
}
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  let file = path.normalize(path.join(root, decodeURIComponent(url.pathname)));
  if (!file.startsWith(root)) {
    res.writeHead(403).end();
    return;
  }
  if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(root, "index.html");
  if (logFile) fs.appendFileSync(logFile, `${req.method} ${url.pathname}\n`);
  const headers = { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-store" };
  if (csp && file.endsWith(".html")) headers["content-security-policy"] = typeof csp === "string" ? csp : Object.entries(csp).map(([k, v]) => `${k} ${[].concat(v).join(" ")}`).join("; ");
  res.writeHead(200, headers);
  fs.createReadStream(file).pipe(res);
});

server.on("error", (e) => {
  if (e.code === "EAFNOSUPPORT" || e.code === "EADDRNOTAVAIL") server.listen(Number(port), "127.0.0.1");
  else {
    console.error(`serve-dist: ${e.message}`);
    process.exit(1);
  }
});
// "::" also accepts IPv4 on a dual-stack host: localhost may resolve to ::1 or 127.0.0.1.
server.listen(Number(port), "::");
