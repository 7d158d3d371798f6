#!/usr/bin/env bash
# Installs promtool and amtool, which `npm test` uses to check the generated Prometheus and
# Alertmanager configuration. They come from Debian's `prometheus` and `prometheus-alertmanager`
# packages. Only the two binaries are extracted (no services, no users, no maintainer scripts),
# so this is safe on CI machines and developer hosts alike.
#
#   sudo tools/install-check-tools.sh            # installs into /usr/local/bin
#   PREFIX=$HOME/.local tools/install-check-tools.sh
set -euo pipefail

PREFIX="${PREFIX:-/usr/local}"
PACKAGES=(prometheus prometheus-alertmanager)

if command -v promtool >/dev/null && command -v amtool >/dev/null; then
  echo "promtool and amtool are already on PATH: $(command -v promtool), $(command -v amtool)"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"

if [ "$(id -u)" = 0 ]; then
  apt-get update -qq
fi
# `apt-get download` fetches the .deb files without installing them or running their scripts.
(cd "$work" && apt-get download -qq "${PACKAGES[@]}")

mkdir -p "$PREFIX/bin"
for deb in "$work"/*.deb; do
  dpkg-deb -x "$deb" "$work/root"
done
install -m 0755 "$work/root/usr/bin/promtool" "$PREFIX/bin/promtool"
install -m 0755 "$work/root/usr/bin/amtool" "$PREFIX/bin/amtool"

echo "Installed $("$PREFIX/bin/promtool" --version 2>&1 | head -n 1)"
echo "Installed $("$PREFIX/bin/amtool" --version 2>&1 | head -n 1)"
