#!/usr/bin/env bash
#
# Builds the end-to-end suite's images into the engine at $DOCKER_HOST, offline: no registry is
# needed, every image starts from a Debian root filesystem made with debootstrap and `docker
# import`ed as one layer (the engine runs on vfs, where every layer is a full copy).
#
#   tests/e2e/images/build-images.sh
#
# Images (all single-layer or metadata-only on top of one layer):
#   homeport-e2e/standin:<hash>        Debian minbase + python3, curl, tini + standin/standin.py
#   homeport-e2e/traefik:<version>     Traefik built from Go modules (build-traefik.sh), FROM scratch
#   traefik/whoami:v1.11.0             the stand-in in whoami mode (the proxy's test service image)
#   homeport-e2e/image-api:1, :2       the stand-in backend (two versions, for the rollout check)
#   homeport-e2e/image-web:1           the stand-in frontend
#   homeport-e2e/worker:1              the stand-in worker
#
# Cache (HOMEPORT_E2E_CACHE, default ~/.cache/homeport/e2e): rootfs-bookworm.tar, the base root
# filesystem. Images already in the engine are kept, so a second run builds nothing.
#
# Environment: DEBIAN_MIRROR (default: the first deb.debian.org-style URI in the apt sources),
# HOMEPORT_E2E_SKIP_TRAEFIK=1 to leave Traefik out. Prints one line per image.
set -euo pipefail
shopt -s inherit_errexit

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${HOMEPORT_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/homeport/e2e}"
DOCKER=/usr/bin/docker
SUITE=bookworm
ROOTFS_TAR="$CACHE/rootfs-$SUITE.tar"
PACKAGES=ca-certificates,curl,python3,tini

log() { echo "e2e-images: $*" >&2; }
die() {
  log "$*"
  exit 1
}

[ -n "${DOCKER_HOST:-}" ] || die "DOCKER_HOST is not set; start the engine with tools/docker-engine.sh"
mkdir -p "$CACHE"

mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then
    echo "$DEBIAN_MIRROR"
    return
  fi
  # The first URI of a main Debian suite in the machine's apt sources (deb822 or one-line style).
  cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list 2>/dev/null |
    awk '/^URIs:/ && $2 ~ /debian\/?$/ { print $2; exit } /^deb / && $3 ~ /debian\/?$/ { print $3; exit }'
}

exists() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

base_rootfs() {
  [ -s "$ROOTFS_TAR" ] && return
  command -v debootstrap >/dev/null || die "debootstrap is missing; run tools/docker-engine.sh install"
  local m root
  m="$(mirror)"
  [ -n "$m" ] || die "no Debian mirror in the apt sources; set DEBIAN_MIRROR"
  root="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
  log "debootstrap $SUITE from $m (once; cached in $ROOTFS_TAR)"
  nice -n 10 debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$root" "$m" >"$root.log" 2>&1 ||
    {
      tail -n 20 "$root.log" >&2
      die "debootstrap failed"
    }
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod +x "$root/usr/sbin/policy-rc.d"
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
    "$root"/usr/share/locale/* "$root"/var/cache/debconf/*-old "$root"/var/log/*.log
  tar --numeric-owner -C "$root" -cf "$ROOTFS_TAR.tmp" .
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf "$root" "$root.log"
}

# derive <tag> <from> <Dockerfile lines...>: an image that only changes metadata (no new layer).
derive() {
  local tag="$1" from="$2"
  shift 2
  # Rebuilt when the base changed: the label names the base it was made from.
  if [ "$("$DOCKER" image inspect -f '{{index .Config.Labels "homeport.e2e.base"}}' "$tag" 2>/dev/null)" = "$from" ]; then
    echo "$tag"
    return
  fi
  { printf 'FROM %s\nLABEL homeport.e2e.base=%s\n' "$from" "$from"; printf '%s\n' "$@"; } |
    DOCKER_BUILDKIT=0 "$DOCKER" build -q -t "$tag" - >/dev/null
  echo "$tag"
}

standin() {
  local hash tag overlay
  hash="$(cat "$HERE/standin/standin.py" "$0" | sha256sum | cut -c1-12)"
  tag="homeport-e2e/standin:$hash"
  if ! exists "$tag"; then
    base_rootfs
    overlay="$(mktemp -d)"
    mkdir -p "$overlay/opt/standin" "$overlay/usr/share/standin"
    install -m 0755 "$HERE/standin/standin.py" "$overlay/opt/standin/standin.py"
    printf '<!doctype html><title>homeport e2e</title><p>frontend stand-in</p>\n' \
      >"$overlay/usr/share/standin/index.html"
    cp "$ROOTFS_TAR" "$overlay.tar"
    # Only new entries: a path already in the base archive would be a duplicate to docker import.
    tar --numeric-owner --owner=0 --group=0 --no-recursion -rf "$overlay.tar" -C "$overlay" \
      ./opt/standin ./opt/standin/standin.py ./usr/share/standin ./usr/share/standin/index.html
    "$DOCKER" import \
      --change 'ENTRYPOINT ["/usr/bin/tini", "--", "/usr/bin/python3", "/opt/standin/standin.py"]' \
      --change 'ENV STANDIN_VERSION=1' \
      "$overlay.tar" "$tag" >/dev/null
    rm -rf "$overlay" "$overlay.tar"
  fi
  echo "$tag"
}

traefik_image() {
  local bin version tag dir
  bin="$("$HERE/build-traefik.sh")"
  version="$(basename "$(dirname "$bin")")"
  version="v${version#traefik-}"
  tag="homeport-e2e/traefik:$version"
  if ! exists "$tag"; then
    base_rootfs
    dir="$(mktemp -d)"
    mkdir -p "$dir/usr/local/bin" "$dir/etc/ssl/certs" "$dir/tmp"
    chmod 1777 "$dir/tmp"
    install -m 0755 "$bin" "$dir/usr/local/bin/traefik"
    tar -xf "$ROOTFS_TAR" -C "$dir" ./etc/ssl/certs/ca-certificates.crt
    tar --numeric-owner --owner=0 --group=0 -C "$dir" -c . |
      "$DOCKER" import --change 'ENV PATH=/usr/local/bin' \
        --change 'ENTRYPOINT ["/usr/local/bin/traefik"]' - "$tag" >/dev/null
    rm -rf "$dir"
  fi
  echo "$tag"
}

main() {
  local base
  base="$(standin)"
  echo "$base"
  local run='ENTRYPOINT ["/usr/bin/tini", "--", "/usr/bin/python3", "/opt/standin/standin.py"'
  derive traefik/whoami:v1.11.0 "$base" "$run, \"whoami\"]"
  derive homeport-e2e/image-api:1 "$base" "$run, \"backend\"]"
  derive homeport-e2e/image-api:2 "$base" "$run, \"backend\"]" "ENV STANDIN_VERSION=2"
  derive homeport-e2e/image-web:1 "$base" "$run, \"frontend\"]"
  derive homeport-e2e/worker:1 "$base" "$run, \"worker\"]"
  if [ "${HOMEPORT_E2E_SKIP_TRAEFIK:-0}" != 1 ]; then traefik_image; fi
}

main "$@"
