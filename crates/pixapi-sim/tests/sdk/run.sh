#!/usr/bin/env bash
# Contract test of pixapi-sim driven by the official OpenAI Python SDK.
#
#   crates/pixapi-sim/tests/sdk/run.sh [pytest args...]
#
# Creates (once) a venv under <target dir>/sdk-venv with the pinned requirements, builds
# and starts the simulator on a free port, runs pytest against it, and always stops the
# simulator. Exits non-zero when anything fails.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../../.." && pwd)"
cd "$ROOT"

TARGET="$(cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
VENV="$TARGET/sdk-venv"

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
STAMP="$VENV/.requirements.sha256"
WANT="$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$WANT" ]; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
  echo "$WANT" > "$STAMP"
fi

# The official openai npm package and TypeScript, pinned, for test_codegen.py's JavaScript.
JS="$HERE/js"
if [ ! -f "$JS/node_modules/.package-lock.json" ] || [ "$JS/package-lock.json" -nt "$JS/node_modules/.package-lock.json" ]; then
  (cd "$JS" && npm ci --no-audit --no-fund --loglevel=error)
fi

# The binaries `cargo test --workspace` builds (the same features, so make test compiles
# nothing twice; a build of just these two packages would compile pixbench-core again).
cargo test --quiet --workspace --no-run
BIN="$TARGET/debug/pixapi-sim"

WORK="$(mktemp -d)"
SIM_PID=""
OPENAI_PID=""
cleanup() {
  for pid in $SIM_PID $OPENAI_PID; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" --port 0 --key sk_test_1 --credits 1000 >"$WORK/stdout" 2>"$WORK/stderr" &
SIM_PID=$!

URL=""
for _ in $(seq 1 300); do
  LINE="$(head -n 1 "$WORK/stdout" 2>/dev/null || true)"
  case "$LINE" in
    "listening on "*) URL="${LINE#listening on }"; break ;;
  esac
  if ! kill -0 "$SIM_PID" 2>/dev/null; then
    echo "pixapi-sim exited early:" >&2
    cat "$WORK/stderr" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$URL" ]; then
  echo "pixapi-sim did not print its listening line" >&2
  exit 1
fi
echo "pixapi-sim at $URL"

# The same Sandbox in its OpenAI flavour (the `openai` gateway preset's), for
# test_openai_flavour.py.
"$BIN" --port 0 --key sk_test_1 --flavour openai >"$WORK/openai.stdout" 2>"$WORK/openai.stderr" &
OPENAI_PID=$!
OPENAI_URL=""
for _ in $(seq 1 300); do
  LINE="$(head -n 1 "$WORK/openai.stdout" 2>/dev/null || true)"
  case "$LINE" in
    "listening on "*) OPENAI_URL="${LINE#listening on }"; break ;;
  esac
  kill -0 "$OPENAI_PID" 2>/dev/null || { cat "$WORK/openai.stderr" >&2; exit 1; }
  sleep 0.1
done
[ -n "$OPENAI_URL" ] || { echo "pixapi-sim --flavour openai did not start" >&2; exit 1; }
echo "pixapi-sim --flavour openai at $OPENAI_URL"

PIXAPI_SIM_URL="$URL" PIXAPI_SIM_KEY="sk_test_1" PIXAPI_SIM_OPENAI_URL="$OPENAI_URL" \
  PIXBENCH_BIN="$TARGET/debug/pixbench" PIXBENCH_SDK_JS="$JS" OPENAI_SPEC="$ROOT/tests/spec/openai-images.yml" \
  "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$HERE" "$@"
