#!/usr/bin/env bash
# Builds Traefik from Go modules (wrapper module toolchain/traefik) into
# ${HOMEPORT_TOOLCHAIN_DIR:-~/.cache/homeport/toolchain}/traefik-<version>/traefik
# (tools/lib/go-cache.sh). Prints the binary's path. Does nothing when that binary already exists.
#
# Environment: HOMEPORT_BUILD_NICE (niceness, default 19); HOMEPORT_E2E_NO_BUILD=1 fails instead
# of building a missing binary (CI builds within its time budget before the suite).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
WRAP="$ROOT/toolchain/traefik"
MOD=github.com/traefik/traefik/v3
GO_CACHE_LOG=build-traefik
# shellcheck source=tools/lib/go-cache.sh
. "$ROOT/tools/lib/go-cache.sh"
VERSION="$(go_cache_modver "$WRAP/go.mod" "$MOD")"
[ -n "$VERSION" ] || {
  echo "build-traefik: no $MOD version in $WRAP/go.mod" >&2
  exit 1
}

traefik_build() {
  go_cache_go "$WRAP" -ldflags "-s -w -X $MOD/pkg/version.Version=v$VERSION" -o "$1" "$MOD/cmd/traefik"
}

go_cache_ensure traefik "$VERSION" "$WRAP" traefik_build
