#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring (a real
# Secret Service), as a desktop session has. Used by tests and CI.
set -euo pipefail
if [ "${PIXBENCH_IN_KEYRING:-}" = 1 ]; then exec "$@"; fi
export PIXBENCH_IN_KEYRING=1
exec dbus-run-session -- bash -c '
  set -e
  export XDG_DATA_HOME="$(mktemp -d)"   # a fresh keyring file for this run
  eval "$(printf pixbench-test | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)"
  export GNOME_KEYRING_CONTROL SSH_AUTH_SOCK
  "$@"
' bash "$@"
