#!/usr/bin/env bash
# Measures the desktop app: cold start to an interactive window (the UI's first command
# answered) and idle memory 8 s after launch, of the app process and of WebKit's
# processes (its children), over N launches under Xvfb.
#   scripts/measure-app.sh [N]      (run `make build` first)
#   PIXBENCH_APP=/usr/bin/pixbench-desktop scripts/measure-app.sh   the app as installed
# `make bench` runs it on the release build (`make deb`'s binary). For where one process's
# memory goes, run scripts/smaps-breakdown.py on its pid.
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
  sleep 8
  rss_kb="$(awk '/VmRSS/ {print $2}' /proc/$pid/status)"
  # WebKit's web and network processes are the app's descendants.
  kids="$(pgrep -P "$pid" || true)"
  for k in $kids; do kids="$kids $(pgrep -P "$k" || true)"; done
  webkit=""
  all_rss=$rss_kb
  all_pss=0
  all_priv=0
  for k in $kids; do
    [ -r "/proc/$k/smaps_rollup" ] || continue
    name="$(cat /proc/$k/comm)"
    k_rss="$(awk '/^Rss:/ {print $2}' /proc/$k/smaps_rollup)"
    k_pss="$(awk '/^Pss:/ {print $2}' /proc/$k/smaps_rollup)"
    k_priv="$(awk '/^Private_Dirty:/ {print $2}' /proc/$k/smaps_rollup)"
    all_rss=$((all_rss + k_rss)); all_pss=$((all_pss + k_pss)); all_priv=$((all_priv + k_priv))
    webkit="$webkit; $name $((k_rss / 1024)) MB RSS ($((k_pss / 1024)) MB PSS)"
  done
  # What the RSS is made of: memory only this process holds, its fair share of shared
  # pages, and Mesa's LLVM (llvmpipe: software GL, loaded only when there is no GPU).
  pss_kb="$(awk '/^Pss:/ {print $2}' /proc/$pid/smaps_rollup)"
  priv_kb="$(awk '/^Private_Dirty:/ {print $2}' /proc/$pid/smaps_rollup)"
  llvm_kb="$(awk '/^[0-9a-f]+-[0-9a-f]+ /{n=$6} /^Rss:/{if (n ~ /libLLVM/) s+=$2} END{print s+0}' /proc/$pid/smaps)"
  all_pss=$((all_pss + pss_kb))
  all_priv=$((all_priv + priv_kb))
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$data" "$log"
  if [ "$i" = 0 ]; then continue; fi
  echo "launch $i: ui-ready ${ready:-?} ms, idle RSS $((rss_kb / 1024)) MB (PSS $((pss_kb / 1024)) MB, private dirty $((priv_kb / 1024)) MB, Mesa LLVM $((llvm_kb / 1024)) MB)$webkit; all together $((all_rss / 1024)) MB RSS, $((all_pss / 1024)) MB PSS, $((all_priv / 1024)) MB private dirty"
done
