#!/usr/bin/env bash
#
# Builds what the app's Dockerfiles (apps/backend, apps/frontend) need from the engine, for the
# dev-stack e2e, which builds the app's images through the program (`homeport:apps.build`):
#
#   tests/e2e/images/build-app-base.sh prepare   the cached parts; needs no engine
#   tests/e2e/images/build-app-base.sh pins      the dependencies the base holds, one a line
#   tests/e2e/images/build-app-base.sh           prepare, then import both images into $DOCKER_HOST
#
# Images (printed one a line as <build arg or role>=<image>):
#   frontend=docker/dockerfile:1.7     REAL Dockerfile frontend, BuildKit v0.13 built from Go modules
#                                      (toolchain/dockerfile-frontend), FROM scratch with the
#                                      upstream image's labels: the Dockerfiles' `# syntax=` line
#                                      names it, and the engine prefers a local image to a pull
#   PYTHON_IMAGE=, NODE_IMAGE=         homeport-e2e/app-base:<key>: Debian bookworm (Python 3.11,
#                                      Node.js 18, npm) with the app's pinned dependencies inside,
#                                      standing in for the official python and node images, which
#                                      there is no registry to pull from; the stack passes it as
#                                      the Dockerfiles' PYTHON_IMAGE and NODE_IMAGE build args
#
# The Dockerfiles' RUN steps install uv, gunicorn, Celery, kombu (pip, uv) and serve (npm). The
# suite's engine has no bridge network (tools/docker-engine.sh), so a build step reaches nothing,
# and the suite sends no traffic off this machine anyway. So the dependencies are fetched once,
# here, by the base's own pip and npm (in a chroot of the root filesystem, through the machine's
# ordinary access to PyPI and the npm registry), at the versions the Dockerfiles pin (their
# `ARG <NAME>_VERSION=` lines), and the image's environment makes pip, uv and npm install from
# them alone: PIP_NO_INDEX/PIP_FIND_LINKS, UV_OFFLINE/UV_FIND_LINKS, npm_config_offline with the
# filled npm cache. The Dockerfiles run unchanged.
#
# Cache (HOMEPORT_E2E_CACHE, default ~/.cache/homeport/e2e): app-base-<key>.tar, the root
# filesystem with the dependencies, keyed by the packages and the pinned versions.
# Environment: DEBIAN_MIRROR (default: the first Debian URI in the apt sources).
set -Eeuo pipefail
shopt -s inherit_errexit
trap 'echo "app-base: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
CACHE="${HOMEPORT_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/homeport/e2e}"
DOCKER=/usr/bin/docker
SUITE=bookworm
# passwd: the backend's Dockerfile runs groupadd and useradd; wget: the frontend's health check.
PACKAGES=ca-certificates,nodejs,passwd,python3,python3-pip,wget
# Installed by apt in the root filesystem afterwards: debootstrap's resolver cannot follow the
# virtual packages npm's dependencies provide.
APT_PACKAGES=npm
# Where the dependencies are in the image.
WHEELS=/opt/app-deps/wheels
NPM_CACHE=/opt/app-deps/npm-cache
FRONTEND_WRAP="$ROOT/toolchain/dockerfile-frontend"
FRONTEND_MOD=github.com/moby/buildkit

# A /proc mounted in the root filesystem being made, unmounted whatever stops the script.
MOUNTED=
trap '[ -z "$MOUNTED" ] || umount "$MOUNTED"' EXIT

log() { echo "app-base: $*" >&2; }
die() {
  log "$*"
  exit 1
}

# pins <Dockerfile>: the `ARG <NAME>_VERSION=<v>` lines as <name>@<v>, one a line.
pins() { sed -n 's/^ARG \([A-Z_]*\)_VERSION=\(.*\)$/\1@\2/p' "$1" | tr 'A-Z_' 'a-z-'; }

mapfile -t PIP_PINS < <(pins "$ROOT/apps/backend/Dockerfile" | sed 's/@/==/')
mapfile -t NPM_PINS < <(pins "$ROOT/apps/frontend/Dockerfile")
KEY="$(printf '%s\n' "$SUITE" "$PACKAGES" "$APT_PACKAGES" "$WHEELS" "$NPM_CACHE" "${PIP_PINS[@]}" "${NPM_PINS[@]}" |
  sha256sum | cut -c1-12)"
TAR="$CACHE/app-base-$KEY.tar"

# shellcheck source=tools/lib/debian-mirror.sh
. "$ROOT/tools/lib/debian-mirror.sh"

# in_root <root> <command...>: runs a command in the root filesystem, with its own environment.
in_root() {
  local root="$1"
  shift
  chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}

# The root filesystem with the dependencies, made once and cached as a tarball.
base_tar() {
  [ -s "$TAR" ] && return
  command -v debootstrap >/dev/null || die "debootstrap is missing; run tools/docker-engine.sh install"
  local m root
  m="$(mirror)"
  [ -n "$m" ] || die "no Debian mirror in the apt sources; set DEBIAN_MIRROR"
  mkdir -p "$CACHE"
  root="$(mktemp -d "$CACHE/app-base.XXXXXX")"
  # mktemp makes 0700; the tarball's "." becomes the image's "/", which non-root users enter.
  chmod 0755 "$root"
  log "debootstrap $SUITE with $PACKAGES from $m (once; cached in $TAR)"
  nice -n 10 debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$root" "$m" >"$root.log" 2>&1 ||
    {
      tail -n 20 "$root.log" >&2
      die "debootstrap $SUITE failed"
    }
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  # pip and npm in the root filesystem trust what the machine trusts (its CA bundle).
  cp /etc/ssl/certs/ca-certificates.crt "$root/tmp/registry-ca.crt"
  mount -t proc proc "$root/proc"
  MOUNTED="$root/proc"
  log "apt-get install $APT_PACKAGES"
  in_root "$root" apt-get update -qq
  in_root "$root" apt-get install -y -qq --no-install-recommends \
    "$APT_PACKAGES" >"$root.log" 2>&1 || {
    tail -n 20 "$root.log" >&2
    die "apt-get install $APT_PACKAGES failed"
  }
  mkdir -p "$root$WHEELS" "$root$NPM_CACHE"
  log "pip download ${PIP_PINS[*]}; npm install ${NPM_PINS[*]} into the npm cache"
  in_root "$root" PIP_CERT=/tmp/registry-ca.crt pip download --quiet --disable-pip-version-check \
    --only-binary=:all: -d "$WHEELS" "${PIP_PINS[@]}"
  in_root "$root" npm_config_cafile=/tmp/registry-ca.crt npm install --global --no-audit --no-fund \
    --prefix /tmp/npm-fill --cache "$NPM_CACHE" "${NPM_PINS[@]}" >/dev/null
  umount "$root/proc"
  MOUNTED=
  rm -rf "$root/tmp/npm-fill" "$root/tmp/registry-ca.crt" "$root$NPM_CACHE/_logs" \
    "$root/root/.cache" "$root/root/.npm"
  : >"$root/etc/resolv.conf"
  # Debian marks its Python as managed by apt, so `pip install` outside a virtual environment is
  # refused; the official python image, whose Python is its own, has no such marker.
  rm -f "$root"/usr/lib/python3*/EXTERNALLY-MANAGED
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
    "$root"/usr/share/locale/* "$root"/var/log/*.log
  tar --numeric-owner -C "$root" -cf "$TAR.tmp" .
  mv "$TAR.tmp" "$TAR"
  rm -rf "$root" "$root.log"
}

frontend_build() {
  go_cache_go "$FRONTEND_WRAP" -tags "netgo static_build osusergo" \
    -ldflags "-s -w -X main.Version=v$FRONTEND_VERSION -X main.Package=$FRONTEND_MOD" \
    -o "$1" "$FRONTEND_MOD/frontend/dockerfile/cmd/dockerfile-frontend"
}

# The Dockerfile frontend's binary, built from Go modules once (tools/lib/go-cache.sh).
frontend_binary() {
  GO_CACHE_LOG=app-base
  # shellcheck source=tools/lib/go-cache.sh
  . "$ROOT/tools/lib/go-cache.sh"
  FRONTEND_VERSION="$(go_cache_modver "$FRONTEND_WRAP/go.mod" "$FRONTEND_MOD")"
  [ -n "$FRONTEND_VERSION" ] || die "no $FRONTEND_MOD version in $FRONTEND_WRAP/go.mod"
  go_cache_ensure dockerfile-frontend "$FRONTEND_VERSION" "$FRONTEND_WRAP" frontend_build
}

exists() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

# The frontend image as upstream's (frontend/dockerfile/cmd/dockerfile-frontend/Dockerfile of
# BuildKit v0.13.2): the binary FROM scratch, its entry point and labels.
frontend_image() {
  local bin="$1" tag=docker/dockerfile:1.7 dir
  local stamp
  stamp="$(cat "$(dirname "$bin")/.stamp")"
  if [ "$("$DOCKER" image inspect -f '{{index .Config.Labels "homeport.e2e.upstream"}}' "$tag" 2>/dev/null)" != "buildkit-$stamp" ]; then
    dir="$(mktemp -d)"
    chmod 0755 "$dir"
    install -D -m 0755 "$bin" "$dir/bin/dockerfile-frontend"
    tar --numeric-owner --owner=0 --group=0 -C "$dir" -c . |
      "$DOCKER" import --change 'ENTRYPOINT ["/bin/dockerfile-frontend"]' \
        --change 'LABEL moby.buildkit.frontend.network.none="true"' \
        --change 'LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"' \
        --change "LABEL homeport.e2e.upstream=buildkit-$stamp" - "$tag" >/dev/null
    rm -rf "$dir"
  fi
  echo "frontend=$tag"
}

base_image() {
  local tag="homeport-e2e/app-base:$KEY"
  if ! exists "$tag"; then
    "$DOCKER" import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' \
      --change "ENV PIP_NO_INDEX=1 PIP_FIND_LINKS=$WHEELS" \
      --change "ENV UV_OFFLINE=1 UV_FIND_LINKS=$WHEELS" \
      --change "ENV npm_config_offline=true npm_config_cache=$NPM_CACHE" \
      --change "LABEL homeport.e2e.standin=python-and-node-images" \
      "$TAR" "$tag" >/dev/null
  fi
  echo "PYTHON_IMAGE=$tag"
  echo "NODE_IMAGE=$tag"
}

main() {
  local bin
  if [ "${1:-}" = pins ]; then
    printf '%s\n' "${PIP_PINS[@]}" "${NPM_PINS[@]}"
    return
  fi
  bin="$(frontend_binary)"
  base_tar
  [ "${1:-}" = prepare ] && return
  [ -n "${DOCKER_HOST:-}" ] || die "DOCKER_HOST is not set; start the engine with tools/docker-engine.sh"
  frontend_image "$bin"
  base_image
}

main "$@"
