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
# promtool is the upstream release's, built from Go modules by `tools/engines.sh build promtool`
# (toolchain/prometheus, with the Docker Swarm, Kubernetes, Consul and Nomad discovery), when that
# build is in the cache; Debian's is the fallback. Debian builds promtool without Kubernetes and
# Nomad service discovery; the tests then check those configurations with file discovery in
# their place. `--full-promtool` builds the upstream promtool first (needs Go; slow on a cold Go
# build cache, see toolchain/README.md), so the discovery blocks are checked as they are.
#
# Environment: PREFIX (binaries go to $PREFIX/bin; default
# ${HOMEPORT_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/homeport/tools}).
set -euo pipefail

CACHE="${HOMEPORT_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/homeport/tools}"
PREFIX="${PREFIX:-$CACHE}"
BIN="$PREFIX/bin"
PACKAGES=(prometheus prometheus-alertmanager)
ENGINES="${BASH_SOURCE[0]%/*}/engines.sh"
HOW="install Debian's prometheus and prometheus-alertmanager packages (apt-get install prometheus prometheus-alertmanager) or put promtool and amtool on PATH"

fail() {
  echo "promtool/amtool: $1; $HOW." >&2
  exit 1
}

# upstream_promtool: the upstream promtool built by tools/engines.sh, when it is in the cache.
upstream_promtool() { "$BASH" "$ENGINES" path promtool 2>/dev/null; }

# found <name>: promtool from the upstream build, else the tool on PATH or already in the cache.
found() {
  { [ "$1" = promtool ] && upstream_promtool; } || command -v "$1" 2>/dev/null ||
    { [ -x "$BIN/$1" ] && echo "$BIN/$1"; }
}

if [ "${1:-}" = "--full-promtool" ]; then
  "$BASH" "$ENGINES" build promtool >&2 || fail "the upstream promtool could not be built (tools/engines.sh build promtool)"
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
