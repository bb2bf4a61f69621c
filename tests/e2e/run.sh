#!/usr/bin/env bash
# End-to-end tests of the built desktop app: Xvfb + a private D-Bus session with an
# unlocked gnome-keyring (a real Secret Service) + tauri-driver (WebKitWebDriver), and
# WebdriverIO/mocha specs in tests/e2e/specs. Each spec file gets its own tauri-driver,
# hence its own app data dir (PIXBENCH_DATA_DIR) and Sandbox sim port (PIXBENCH_SANDBOX_PORT).
#
#   tests/e2e/run.sh                 all specs
#   tests/e2e/run.sh basics budget   only these spec files (by name)
#
# Environment: PIXBENCH_APP (default target/debug/pixbench-desktop), E2E_DRIVER_PORT (4444),
# E2E_KEEP=1 keeps the temp dirs and logs, E2E_AS_SHIPPED=1 leaves WebKit's renderer as the
# app picks it (see below). Screenshots: target/e2e-screenshots/.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

# ---- a private D-Bus session with an unlocked keyring (re-exec inside it) ----
if [ "${PIXBENCH_E2E_INNER:-}" != 1 ]; then
  export PIXBENCH_E2E_INNER=1
  exec dbus-run-session -- bash -c '
    set -e
    export XDG_DATA_HOME="$(mktemp -d)"   # a fresh keyring file for this run
    eval "$(printf pixbench-e2e | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)"
    export GNOME_KEYRING_CONTROL SSH_AUTH_SOCK
    exec bash "$0" "$@"
  ' "${BASH_SOURCE[0]}" "$@"
fi

APP="${PIXBENCH_APP:-$ROOT/target/debug/pixbench-desktop}"
DRIVER_PORT="${E2E_DRIVER_PORT:-4444}"
SHOTS="$ROOT/target/e2e-screenshots"
WORK="$(mktemp -d -t pixbench-e2e.XXXXXX)"
LOGS="$WORK/logs"
mkdir -p "$LOGS" "$SHOTS"

if [ ! -x "$APP" ]; then
  echo "e2e: no app binary at $APP (build it with 'make build')" >&2
  exit 2
fi
command -v tauri-driver >/dev/null || { echo "e2e: tauri-driver is missing (make tauri-driver)" >&2; exit 2; }
command -v WebKitWebDriver >/dev/null || { echo "e2e: WebKitWebDriver is missing (apt-get install webkit2gtk-driver)" >&2; exit 2; }
[ -d "$HERE/node_modules" ] || (cd "$HERE" && npm ci --no-audit --no-fund)

XVFB_PID=""
DRIVER_PID=""
# tauri-driver runs in its own process group (setsid): stopping the group also stops
# WebKitWebDriver and an app the driver may have left running.
stop_driver() {
  if [ -n "$DRIVER_PID" ]; then
    kill -- "-$DRIVER_PID" 2>/dev/null || kill "$DRIVER_PID" 2>/dev/null || true
    wait "$DRIVER_PID" 2>/dev/null || true
    DRIVER_PID=""
  fi
}
cleanup() {
  local code=$?
  stop_driver
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null && wait "$XVFB_PID" 2>/dev/null || true
  if [ "${E2E_KEEP:-}" = 1 ] || [ "$code" != 0 ]; then
    echo "e2e: logs kept in $LOGS"
  else
    rm -rf "$WORK"
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free port below the kernel's ephemeral range (32768+ on Linux): the port is closed
# again before the app binds it, and an ephemeral port could meanwhile be handed to any
# outgoing connection (WebDriver's own): seen as "Address already in use" at app start.
free_port() {
  node -e '
    const net = require("net");
    const tryPort = () => {
      const p = 20000 + Math.floor(Math.random() * 12000);
      const s = net.createServer();
      s.once("error", tryPort);
      s.listen(p, "127.0.0.1", () => { console.log(p); s.close(); });
    };
    tryPort();'
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---- Xvfb on a free display ----
DISP=99
while [ -e "/tmp/.X11-unix/X$DISP" ] || [ -e "/tmp/.X$DISP-lock" ]; do DISP=$((DISP + 1)); done
Xvfb ":$DISP" -screen 0 1600x1000x24 -nolisten tcp >"$LOGS/xvfb.log" 2>&1 &
XVFB_PID=$!
for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X$DISP" ] && break; sleep 0.1; done
[ -e "/tmp/.X11-unix/X$DISP" ] || { echo "e2e: Xvfb did not start on :$DISP" >&2; cat "$LOGS/xvfb.log" >&2; exit 1; }
export DISPLAY=":$DISP"
unset WAYLAND_DISPLAY
# Do NOT set WEBKIT_DISABLE_COMPOSITING_MODE: it makes WebKitWebDriver screenshots hang.
export NO_AT_BRIDGE=1 GDK_BACKEND=x11
# With no GPU the app turns WebKit's DMABuf renderer off (src-tauri/src/webkit_env.rs: it
# saves ~80 MB); WebDriver's screenshots then take ~15 s each, which would make this suite
# 8x slower. The suite keeps the DMABuf renderer (what a machine with a GPU runs);
# E2E_AS_SHIPPED=1 (`make test-deb`) drives the app as it ships on this machine instead.
if [ "${E2E_AS_SHIPPED:-}" != 1 ]; then export WEBKIT_DISABLE_DMABUF_RENDERER="${WEBKIT_DISABLE_DMABUF_RENDERER:-0}"; fi

if port_open "$DRIVER_PORT"; then
  echo "e2e: port $DRIVER_PORT is taken; set E2E_DRIVER_PORT" >&2
  exit 1
fi

# ---- the specs, one tauri-driver (and one fresh app data dir) each ----
if [ $# -gt 0 ]; then
  specs=()
  for n in "$@"; do specs+=("$HERE/specs/${n%.spec.mjs}.spec.mjs"); done
else
  specs=("$HERE"/specs/*.spec.mjs)
  rm -f "$SHOTS"/*.png # a full run replaces every screenshot
fi

passed=0
failed=0
failed_specs=()
for spec in "${specs[@]}"; do
  name="$(basename "$spec" .spec.mjs)"
  data="$WORK/data-$name"
  mkdir -p "$data"
  sim_port="$(free_port)"
  native_port="$(free_port)"
  echo "== e2e: $name (data $data, sandbox http://127.0.0.1:$sim_port)"

  # A spec may give the app more environment in a file beside it (<name>.env, KEY=VALUE lines).
  spec_env=()
  if [ -f "${spec%.spec.mjs}.env" ]; then mapfile -t spec_env < <(grep -v '^\s*\(#\|$\)' "${spec%.spec.mjs}.env"); fi
  # `$DATA` in a value is the spec's app data dir (a spec may keep files beside it).
  spec_env=("${spec_env[@]//\$DATA/$data}")
  # bin/ first on the app's PATH: its xdg-open records what "Show in folder" opened.
  env "${spec_env[@]}" PATH="$HERE/bin:$PATH" PIXBENCH_DATA_DIR="$data" PIXBENCH_SANDBOX_PORT="$sim_port" RUST_LOG="${RUST_LOG:-warn,pixbench=info}" \
    setsid tauri-driver --port "$DRIVER_PORT" --native-port "$native_port" >"$LOGS/driver-$name.log" 2>&1 &
  DRIVER_PID=$!
  for _ in $(seq 1 100); do port_open "$DRIVER_PORT" && break; sleep 0.1; done

  set +e
  (cd "$HERE" && PIXBENCH_APP="$APP" E2E_DRIVER_PORT="$DRIVER_PORT" E2E_SIM_URL="http://127.0.0.1:$sim_port" \
    E2E_DATA_DIR="$data" E2E_DRIVER_LOG="$LOGS/driver-$name.log" \
    E2E_SCREENSHOT_DIR="$SHOTS" \
    node_modules/.bin/mocha --require ./hooks.mjs --timeout 180000 --reporter spec "$spec" 2>&1 | tee "$LOGS/mocha-$name.log")
  rc=${PIPESTATUS[0]}
  set -e

  p=$(grep -Eo '^ *[0-9]+ passing' "$LOGS/mocha-$name.log" | grep -Eo '[0-9]+' || echo 0)
  f=$(grep -Eo '^ *[0-9]+ failing' "$LOGS/mocha-$name.log" | grep -Eo '[0-9]+' || echo 0)
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$rc" != 0 ]; then
    [ "$f" = 0 ] && failed=$((failed + 1))
    failed_specs+=("$name")
    echo "--- tauri-driver / app log of $name (last 80 lines):"
    tail -n 80 "$LOGS/driver-$name.log" || true
    echo "--- Xvfb log:"
    tail -n 20 "$LOGS/xvfb.log" || true
  fi

  stop_driver
  # the app may outlive the driver for a moment: wait for the port to be free again
  for _ in $(seq 1 50); do port_open "$DRIVER_PORT" || break; sleep 0.1; done
done

echo "e2e: screenshots in $SHOTS"
[ ${#failed_specs[@]} -gt 0 ] && echo "e2e: failing spec files: ${failed_specs[*]}"
echo "e2e: $passed passed, $failed failed"
[ "$failed" = 0 ]
