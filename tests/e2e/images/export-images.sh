#!/usr/bin/env bash
#
# Exports the end-to-end images from the e2e Docker engine into one `docker save` archive, for
# engines without a registry that import archives (containerd's `ctr images import`: the
# Kubernetes node of tests/e2e/kubernetes/kube-node.test.ts). Images share their one layer, so
# the archive holds it once.
#
#   tests/e2e/images/export-images.sh <archive>
#
# Run it under the Docker lock (`flock /tmp/homeport-docker.lock`): it starts the engine at
# $HOMEPORT_E2E_ENGINE (default ~/.cache/homeport/e2e/engine) when none answers there, builds
# the images that are missing (build-images.sh), saves them and stops the engine it started.
# Prints the archive's images, one a line.
set -Eeuo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
ENGINE="${HOMEPORT_E2E_ENGINE:-${XDG_CACHE_HOME:-$HOME/.cache}/homeport/e2e/engine}"
OUT="${1:?usage: export-images.sh <archive>}"
DOCKER=/usr/bin/docker

started=0
if ! "$ROOT/tools/docker-engine.sh" status "$ENGINE" >/dev/null 2>&1; then
  "$ROOT/tools/docker-engine.sh" start "$ENGINE" >/dev/null
  started=1
fi
stop() { if [ "$started" = 1 ]; then "$ROOT/tools/docker-engine.sh" stop "$ENGINE" >/dev/null 2>&1 || true; fi; }
trap stop EXIT
# shellcheck disable=SC1091 # written by docker-engine.sh start
. "$ENGINE/docker.env"
export DOCKER_HOST
mapfile -t images < <("$HERE/build-images.sh")
tmp="$(mktemp "$(dirname "$OUT")/.images.XXXXXX")"
"$DOCKER" save -o "$tmp" "${images[@]}"
mv -f "$tmp" "$OUT"
printf '%s\n' "${images[@]}"
