#!/usr/bin/env bash
# Installs what Pixbench needs on Debian/Ubuntu, only what is missing.
#   scripts/deps.sh build   Tauri's Linux prerequisites (to build and run the app)
#   scripts/deps.sh test    plus Xvfb, WebKitWebDriver, D-Bus, gnome-keyring, python venv
# As root it runs apt-get; otherwise it prints the exact command to run and fails.
set -euo pipefail
what="${1:-build}"

build_pkgs=(libwebkit2gtk-4.1-dev build-essential curl wget file libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev pkg-config)
test_pkgs=(xvfb xauth webkit2gtk-driver gnome-keyring dbus dbus-x11 libsecret-tools
  at-spi2-core python3-venv python3-pip imagemagick)

pkgs=("${build_pkgs[@]}")
[ "$what" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then
    echo "deps: installing ${missing[*]}"
    bash -c "$cmd"
  else
    echo "deps: missing system packages: ${missing[*]}" >&2
    echo "deps: run this, then try again:" >&2
    echo "  sudo sh -c '$cmd'" >&2
    exit 1
  fi
fi

for tool in node npm cargo; do
  command -v "$tool" >/dev/null || { echo "deps: $tool is required (Node.js >= 20.19, Rust >= 1.89)" >&2; exit 1; }
done
