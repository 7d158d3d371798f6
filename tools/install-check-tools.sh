#!/usr/bin/env bash
# Gets promtool and amtool, which `npm test` uses to check the generated Prometheus and
# Alertmanager configuration, into a cache outside the repository. `npm test` runs this itself
# when they are missing; running it by hand is never required.
#
#   tools/install-check-tools.sh               # into ~/.cache/homeport/tools/bin, no root needed
#   PREFIX=/usr/local tools/install-check-tools.sh
#
# They come from Debian's `prometheus` and `prometheus-alertmanager` packages: `apt-get download`
# fetches the two .deb files (nothing is installed, no maintainer script runs) and `dpkg-deb -x`
# unpacks them; only the two binaries are kept. The machine's apt lists are used when they know
# the packages; otherwise (no lists yet, or not root) apt reads and updates its own lists under
# the cache, which needs no root either.
#
# Prints the two binaries' paths on success. On failure prints ONE line on stderr saying why and
# how to get the tools, and exits 1.
#
# Debian builds promtool without Kubernetes and Nomad service discovery; the tests then check
# those configurations with file discovery in their place. `--full-promtool` instead builds the
# upstream promtool of the Prometheus release the platform runs from its Go module (needs Go;
# slow: about 40 minutes and several GB of module downloads on a busy 2-core machine), so the
# discovery blocks are checked as they are.
#
# Environment: PREFIX (binaries go to $PREFIX/bin; default
# ${HOMEPORT_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/homeport/tools}).
set -euo pipefail

CACHE="${HOMEPORT_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/homeport/tools}"
PREFIX="${PREFIX:-$CACHE}"
BIN="$PREFIX/bin"
PACKAGES=(prometheus prometheus-alertmanager)
# Go module version of Prometheus v3.5.0 (the image in components/monitoring/images.ts).
PROMETHEUS_MODULE="github.com/prometheus/prometheus@v0.305.0"
HOW="install Debian's prometheus and prometheus-alertmanager packages (apt-get install prometheus prometheus-alertmanager) or put promtool and amtool on PATH"

fail() {
  echo "promtool/amtool: $1; $HOW." >&2
  exit 1
}

# found <name>: the tool on PATH or already in the cache.
found() { command -v "$1" 2>/dev/null || { [ -x "$BIN/$1" ] && echo "$BIN/$1"; }; }

if [ "${1:-}" = "--full-promtool" ]; then
  command -v go >/dev/null || fail "--full-promtool needs Go on PATH"
  src="$(mktemp -d)"
  dir="$(GOFLAGS=-modcacherw go mod download -json "$PROMETHEUS_MODULE" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  cp -r "$dir/." "$src/"
  chmod -R u+w "$src"
  mkdir -p "$BIN"
  (cd "$src" && go build -o "$BIN/promtool" ./cmd/promtool)
  rm -rf "$src"
  echo "Built the upstream promtool of $PROMETHEUS_MODULE into $BIN" >&2
elif [ $# -gt 0 ]; then
  echo "usage: $0 [--full-promtool]" >&2
  exit 2
fi

if found promtool >/dev/null && found amtool >/dev/null; then
  found promtool
  found amtool
  exit 0
fi

command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
  fail "they are missing and this machine has no apt-get/dpkg-deb to fetch them"
mkdir -p "$BIN" 2>/dev/null || fail "cannot create $BIN"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"
# As root, apt downloads as its own user where it can; otherwise it downloads as the caller.
chown _apt "$work" 2>/dev/null || true
export DEBIAN_FRONTEND=noninteractive

# download <apt options...>: the .deb files into $work; apt's messages into $work/apt.log.
download() { (cd "$work" && apt-get -qq "$@" download "${PACKAGES[@]}") >>"$work/apt.log" 2>&1; }

if ! download; then
  # Lists of our own: `apt-get update` writes only there, so it needs no root.
  state="$CACHE/apt"
  mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
  chown -R _apt "$state/lists" 2>/dev/null || true
  private=(-o "Dir::State::Lists=$state/lists" -o "Dir::Cache=$state/cache" -o Debug::NoLocking=1)
  if ! apt-get -qq "${private[@]}" update >>"$work/apt.log" 2>&1 || ! download "${private[@]}"; then
    cause="$(grep -E '^(E|Err):' "$work/apt.log" | tail -n 1 | tr -s ' \t' ' ' | cut -c1-200)"
    fail "they are missing and Debian's packages could not be downloaded (${cause:-apt-get failed})"
  fi
fi

for deb in "$work"/*.deb; do
  dpkg-deb -x "$deb" "$work/root"
done
if ! found promtool >/dev/null; then install -m 0755 "$work/root/usr/bin/promtool" "$BIN/promtool"; fi
if ! found amtool >/dev/null; then install -m 0755 "$work/root/usr/bin/amtool" "$BIN/amtool"; fi
echo "Installed $("$BIN/promtool" --version 2>&1 | head -n 1) and $("$BIN/amtool" --version 2>&1 | head -n 1) into $BIN" >&2
found promtool
found amtool
