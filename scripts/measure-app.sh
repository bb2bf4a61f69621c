#!/usr/bin/env bash
# Measures the desktop app: cold start to an interactive window (the UI's first command
# answered) and the Rust process's idle memory (RSS after 5 s), over N launches under Xvfb.
#   scripts/measure-app.sh [N]      (run `make build` first)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
APP="${PIXBENCH_APP:-$ROOT/target/debug/pixbench-desktop}"
N="${1:-5}"
if [ -z "${PIXBENCH_IN_KEYRING:-}" ]; then exec "$ROOT/scripts/with-keyring.sh" "$0" "$@"; fi
DISPLAY_NUM=":$((90 + RANDOM % 9))"
Xvfb "$DISPLAY_NUM" -screen 0 1600x1000x24 -nolisten tcp &>/dev/null &
XVFB=$!
trap 'kill $XVFB 2>/dev/null || true' EXIT
export DISPLAY="$DISPLAY_NUM"
sleep 1
# A first launch warms the OS caches (the goal is for a warm build).
for i in $(seq 0 "$N"); do
  data="$(mktemp -d)"
  log="$(mktemp)"
  PIXBENCH_DATA_DIR="$data" PIXBENCH_STARTUP_PROBE=1 "$APP" 2>"$log" &
  pid=$!
  for _ in $(seq 1 100); do grep -q ui-ready-ms "$log" && break; sleep 0.1; done
  ready="$(grep -o 'ui-ready-ms=[0-9.]*' "$log" | cut -d= -f2)"
  sleep 5
  rss_kb="$(awk '/VmRSS/ {print $2}' /proc/$pid/status)"
  # What the RSS is made of: memory only this process holds, its fair share of shared
  # pages, and Mesa's LLVM (llvmpipe: software GL, loaded only when there is no GPU).
  pss_kb="$(awk '/^Pss:/ {print $2}' /proc/$pid/smaps_rollup)"
  priv_kb="$(awk '/^Private_Dirty:/ {print $2}' /proc/$pid/smaps_rollup)"
  llvm_kb="$(awk '/^[0-9a-f]+-[0-9a-f]+ /{n=$6} /^Rss:/{if (n ~ /libLLVM/) s+=$2} END{print s+0}' /proc/$pid/smaps)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$data" "$log"
  if [ "$i" = 0 ]; then continue; fi
  echo "launch $i: ui-ready ${ready:-?} ms, idle RSS $((rss_kb / 1024)) MB (PSS $((pss_kb / 1024)) MB, private dirty $((priv_kb / 1024)) MB, Mesa LLVM $((llvm_kb / 1024)) MB)"
done
