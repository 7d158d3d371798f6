#!/usr/bin/env bash
# Installs promtool and amtool, which `npm test` uses to check the generated Prometheus and
# Alertmanager configuration. They come from Debian's `prometheus` and `prometheus-alertmanager`
# packages. Only the two binaries are extracted (no services, no users, no maintainer scripts),
# so this is safe on CI machines and developer hosts alike.
#
#   sudo tools/install-check-tools.sh            # installs into /usr/local/bin
#   PREFIX=$HOME/.local tools/install-check-tools.sh
#
# Debian builds promtool without Kubernetes and Nomad service discovery; the tests then check
# those configurations with file discovery in their place. `--full-promtool` instead builds the
# upstream promtool of the Prometheus release the platform runs from its Go module (needs Go;
# slow: about 40 minutes and several GB of module downloads on a busy 2-core machine), so the
# discovery blocks are checked as they are.
set -euo pipefail

PREFIX="${PREFIX:-/usr/local}"
PACKAGES=(prometheus prometheus-alertmanager)
# Go module version of Prometheus v3.5.0 (the image in components/monitoring/images.ts).
PROMETHEUS_MODULE="github.com/prometheus/prometheus@v0.305.0"

if [ "${1:-}" = "--full-promtool" ]; then
  command -v go >/dev/null || { echo "--full-promtool needs Go on PATH" >&2; exit 1; }
  src="$(mktemp -d)"
  dir="$(GOFLAGS=-modcacherw go mod download -json "$PROMETHEUS_MODULE" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  cp -r "$dir/." "$src/"
  chmod -R u+w "$src"
  mkdir -p "$PREFIX/bin"
  (cd "$src" && go build -o "$PREFIX/bin/promtool" ./cmd/promtool)
  rm -rf "$src"
  echo "Built the upstream promtool of $PROMETHEUS_MODULE into $PREFIX/bin"
  full_promtool=1
fi

if command -v promtool >/dev/null && command -v amtool >/dev/null; then
  echo "promtool and amtool are already on PATH: $(command -v promtool), $(command -v amtool)"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"
# apt downloads as its own user where it can; otherwise it warns and downloads as root.
chown _apt "$work" 2>/dev/null || true

if [ "$(id -u)" = 0 ]; then
  apt-get update -qq
fi
# `apt-get download` fetches the .deb files without installing them or running their scripts.
(cd "$work" && apt-get download -qq "${PACKAGES[@]}")

mkdir -p "$PREFIX/bin"
for deb in "$work"/*.deb; do
  dpkg-deb -x "$deb" "$work/root"
done
if [ -z "${full_promtool:-}" ]; then
  install -m 0755 "$work/root/usr/bin/promtool" "$PREFIX/bin/promtool"
fi
install -m 0755 "$work/root/usr/bin/amtool" "$PREFIX/bin/amtool"

echo "Installed $("$PREFIX/bin/promtool" --version 2>&1 | head -n 1)"
echo "Installed $("$PREFIX/bin/amtool" --version 2>&1 | head -n 1)"
