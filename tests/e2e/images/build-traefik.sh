#!/usr/bin/env bash
# Builds Traefik from Go modules (wrapper module toolchain/traefik) into
# ${HOMEPORT_TOOLCHAIN_DIR:-~/.cache/homeport/toolchain}/traefik-<version>/traefik.
# Prints the binary's path. Does nothing when that binary already exists.
#
# Environment: HOMEPORT_BUILD_NICE (niceness, default 15); HOMEPORT_E2E_NO_BUILD=1 fails instead
# of building a missing binary (CI builds within its time budget before the suite).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
WRAP="$ROOT/toolchain/traefik"
CACHE="${HOMEPORT_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/homeport/toolchain}"
MOD=github.com/traefik/traefik/v3
VERSION="$(awk -v m="$MOD" '$1 == m { print $2; exit }' "$WRAP/go.mod")"
[ -n "$VERSION" ] || {
  echo "build-traefik: no $MOD version in $WRAP/go.mod" >&2
  exit 1
}
OUT="$CACHE/traefik-${VERSION#v}/traefik"
if [ ! -x "$OUT" ] && [ "${HOMEPORT_E2E_NO_BUILD:-0}" = 1 ]; then
  echo "build-traefik: $OUT is not built and HOMEPORT_E2E_NO_BUILD=1 forbids building it here" >&2
  exit 1
fi
if [ ! -x "$OUT" ]; then
  mkdir -p "$(dirname "$OUT")"
  tmp="$(mktemp "$OUT.XXXXXX")"
  (
    cd "$WRAP"
    GOTOOLCHAIN=local CGO_ENABLED=0 nice -n "${HOMEPORT_BUILD_NICE:-15}" go build -mod=readonly -trimpath \
      -ldflags "-s -w -X $MOD/pkg/version.Version=$VERSION" -o "$tmp" "$MOD/cmd/traefik"
  )
  chmod 0755 "$tmp"
  mv "$tmp" "$OUT"
fi
echo "$OUT"
