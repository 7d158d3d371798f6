#!/usr/bin/env bash
#
# Builds the end-to-end suite's images into the engine at $DOCKER_HOST, offline: no registry is
# needed, every image starts from a Debian root filesystem made with debootstrap and `docker
# import`ed as one layer (the engine runs on vfs, where every layer is a full copy).
#
#   tests/e2e/images/build-images.sh
#
# Images (all single-layer or metadata-only on top of one layer):
#   homeport-e2e/standin:<hash>        Debian minbase + python3, curl, wget, tini + standin/
#   homeport-e2e/traefik:<version>     Traefik built from Go modules (build-traefik.sh), FROM scratch
#   traefik/whoami:v1.11.0             the stand-in as the proxy's whoami test service
#   homeport-e2e/image-api:1, :2       the stand-in backend and worker (2: the rollout's new version)
#   homeport-e2e/image-web:1           the stand-in frontend
#   homeport-e2e/rabbitmq:1, minio:1   the stand-in broker and S3
#   homeport-e2e/prometheus:1          REAL Prometheus: the upstream release built from Go modules
#                                      (tools/engines.sh build prometheus, labelled
#                                      homeport.e2e.upstream=prometheus-<version>); Debian's
#                                      prometheus package (2.42 on bookworm) when that build is
#                                      missing (labelled homeport.e2e.debian=<package>_<version>)
#   homeport-e2e/alertmanager:1        REAL Alertmanager: Debian's prometheus-alertmanager (0.25)
#   homeport-e2e/node-exporter:1       REAL node-exporter: Debian's prometheus-node-exporter (1.5)
#                                      (each labelled homeport.e2e.debian=<package>_<version>)
#   homeport-e2e/grafana-standin:1     stand-in for Grafana (not packaged by Debian; the Go module
#                                      proxy refuses its module): /api/health, /metrics, the admin
#                                      password file, the provisioned data sources and their proxy
#   homeport-e2e/cadvisor:1            REAL cAdvisor built from Go modules (tools/engines.sh build
#                                      cadvisor, labelled homeport.e2e.upstream=cadvisor-<version>);
#                                      the stand-in (/healthz, /metrics; labelled
#                                      homeport.e2e.standin=cadvisor) when that build is missing
#   homeport-e2e/transmission:1       REAL Transmission: Debian's transmission-daemon (3.00) behind
#                                      media/lsio-init.sh, LinuxServer's init as the media part
#                                      relies on it (FILE__ variables, /custom-cont-init.d seeds,
#                                      PUID:PGID, UMASK); labelled homeport.e2e.debian=<package>_<version>
#   homeport-e2e/<app>-standin:1       STAND-INS for prowlarr, jackett, sonarr, radarr, bazarr,
#                                      jellyfin and portainer (no image of them can be had here):
#                                      standin.py media-relay, relaying the app's port to the
#                                      contract double the suite runs; behind the same init but
#                                      Portainer's, which starts as its upstream image does (root)
#   homeport-e2e/portainer-agent-standin:1  STAND-IN for the Portainer agent (:9001)
#   homeport-e2e/media-wiring:1        the media part's wiring job and data layout, unchanged, on
#                                      Debian's python3 (the part pins python:3.13.3-alpine3.22)
#   homeport-e2e/rabbitmq:debian-<v>   REAL RabbitMQ: Debian trixie's rabbitmq-server (4.0.5), built
#                                      only with HOMEPORT_E2E_RABBITMQ=1 (the multi-node suite)
#
# The real monitoring binaries are unpacked from Debian's .deb files (`apt-get download`, cached in
# $CACHE/debs; `dpkg-deb -x`, no maintainer script runs) or copied from the Go build cache into the
# one stand-in base image, so every image above stays a metadata-only derivation of one layer.
# HOMEPORT_E2E_NO_BUILD=1 uses only Go builds already in the cache (a missing one is said, and
# its fallback used).
#
# Cache (HOMEPORT_E2E_CACHE, default ~/.cache/homeport/e2e): rootfs-bookworm-*.tar, the base root
# filesystem; debs/, the monitoring packages. Images already in the engine are kept, so a second run builds nothing.
#
# The RabbitMQ image is a root filesystem of its own: Debian trixie (bookworm's 3.10.8 has no
# `default_queue_type` setting, which the stack's cluster configuration sets), made with
# debootstrap including rabbitmq-server and gosu (their maintainer scripts create the rabbitmq
# user and its home), cached as $CACHE/rootfs-trixie-rabbitmq-*.tar.
#
# Environment: DEBIAN_MIRROR (default: the first deb.debian.org-style URI in the apt sources),
# HOMEPORT_E2E_SKIP_TRAEFIK=1 to leave Traefik out, HOMEPORT_E2E_RABBITMQ=1 to build the real
# RabbitMQ image. Prints one line per image.
#
#   tests/e2e/images/build-images.sh rootfs DIR
#
# writes the stand-in base's files into DIR instead, with no engine: for the checks that run them
# in a chroot (tests/e2e/media/media-chain-netns.test.ts).
set -Eeuo pipefail
shopt -s inherit_errexit
# Whatever stops the script says where: no exit without a word.
trap 'echo "e2e-images: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${HOMEPORT_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/homeport/e2e}"
DOCKER=/usr/bin/docker
SUITE=bookworm
# wget: the frontend's health check runs it; python3: the stand-ins; tini: PID 1 that forwards signals.
PACKAGES=ca-certificates,curl,python3,tini,wget
# The format version is part of the key: a tarball made by an older script (with "/" mode 0700)
# is not reused.
ROOTFS_FORMAT=2
ROOTFS_TAR="$CACHE/rootfs-$SUITE-$(echo "$PACKAGES $ROOTFS_FORMAT" | sha256sum | cut -c1-8).tar"
# The real RabbitMQ: trixie's rabbitmq-server, and gosu, with which the entry point drops to the
# rabbitmq user as the upstream image's does.
RABBITMQ_SUITE=trixie
RABBITMQ_PACKAGES=ca-certificates,gosu,rabbitmq-server
RABBITMQ_TAR="$CACHE/rootfs-$RABBITMQ_SUITE-rabbitmq-$(echo "$RABBITMQ_PACKAGES $ROOTFS_FORMAT" | sha256sum | cut -c1-8).tar"

log() { echo "e2e-images: $*" >&2; }
die() {
  log "$*"
  exit 1
}

[ "${1:-}" = rootfs ] || [ -n "${DOCKER_HOST:-}" ] ||
  die "DOCKER_HOST is not set; start the engine with tools/docker-engine.sh"
mkdir -p "$CACHE"

# shellcheck source=tools/lib/debian-mirror.sh
. "$HERE/../../../tools/lib/debian-mirror.sh"

# Debian packages whose binaries run for real in the monitoring images: package -> the paths kept
# from it (Alertmanager's binary reads its default notification templates at start).
declare -A MONITORING_BINARIES=(
  [prometheus]=/usr/bin/prometheus
  [prometheus-alertmanager]="/usr/bin/prometheus-alertmanager /usr/share/prometheus/alertmanager"
  [prometheus-node-exporter]=/usr/bin/prometheus-node-exporter
)

# Debian packages unpacked whole into the stand-in base: transmission-daemon and what it needs that
# the base lacks (its Depends, less what minbase with curl and python3 holds).
MEDIA_PACKAGES=(transmission-daemon transmission-common libevent-2.1-7 libminiupnpc17 libnatpmp1)

# monitoring_debs: the monitoring packages' .deb files in $CACHE/debs, one path a line.
monitoring_debs() { debs "${!MONITORING_BINARIES[@]}"; }

# debs <package>...: the packages' .deb files in $CACHE/debs (downloaded once), one path a line.
debs() {
  local dir="$CACHE/debs" pkg missing=()
  mkdir -p "$dir"
  for pkg in "$@"; do
    compgen -G "$dir/${pkg}_*.deb" >/dev/null || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "apt-get download ${missing[*]} (once; cached in $dir)"
    chown _apt "$dir" 2>/dev/null || true
    (cd "$dir" && apt-get download -qq "${missing[@]}" 2>/dev/null) ||
      { apt-get update -qq && (cd "$dir" && apt-get download -qq "${missing[@]}"); } ||
      die "cannot download Debian's ${missing[*]}; check the apt sources (apt-get update)"
  fi
  for pkg in "$@"; do
    compgen -G "$dir/${pkg}_*.deb" | LC_ALL=C sort | tail -n 1
  done | LC_ALL=C sort
}

exists() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

# Binaries built from Go modules by tools/engines.sh: name -> where they go in the image.
declare -A UPSTREAM_BINARIES=([prometheus]=/opt/upstream/prometheus [cadvisor]=/opt/upstream/cadvisor)
declare -A UPSTREAM=()

# upstream_binaries: fills UPSTREAM (name -> the cached binary) with the builds that can be had;
# a build that cannot is said once, and the image falls back.
upstream_binaries() {
  local name bin
  for name in "${!UPSTREAM_BINARIES[@]}"; do
    if bin="$(bash "$HERE/../../../tools/engines.sh" build "$name" 2>"$CACHE/engines-$name.log" | sed -n "s|^$name [^:]*: ||p")" && [ -x "$bin" ]; then
      UPSTREAM[$name]="$bin"
    else
      log "no $name built from Go modules ($(tail -n 1 "$CACHE/engines-$name.log")); its fallback is used"
    fi
  done
}

# upstream_version <name>: the version directory of a cached binary, e.g. prometheus-3.16.0.
upstream_version() { basename "$(dirname "${UPSTREAM[$1]}")"; }

# debootstrap_tar <tarball> <suite> <packages>: a Debian minbase root filesystem with the packages,
# made once and cached as a tarball.
debootstrap_tar() {
  local tar="$1" suite="$2" packages="$3" m root
  [ -s "$tar" ] && return
  command -v debootstrap >/dev/null || die "debootstrap is missing; run tools/docker-engine.sh install"
  m="$(mirror)"
  [ -n "$m" ] || die "no Debian mirror in the apt sources; set DEBIAN_MIRROR"
  root="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
  # mktemp makes 0700; the tarball's "." becomes every image's "/", which non-root users must enter.
  chmod 0755 "$root"
  log "debootstrap $suite from $m (once; cached in $tar)"
  nice -n 10 debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$m" >"$root.log" 2>&1 ||
    {
      tail -n 20 "$root.log" >&2
      die "debootstrap $suite failed"
    }
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod +x "$root/usr/sbin/policy-rc.d"
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
    "$root"/usr/share/locale/* "$root"/var/cache/debconf/*-old "$root"/var/log/*.log
  tar --numeric-owner -C "$root" -cf "$tar.tmp" .
  mv "$tar.tmp" "$tar"
  rm -rf "$root" "$root.log"
}

base_rootfs() { debootstrap_tar "$ROOTFS_TAR" "$SUITE" "$PACKAGES"; }

# derive <tag> <from> <Dockerfile lines...>: an image that only changes metadata (no new layer).
derive() {
  local tag="$1" from="$2"
  shift 2
  # Rebuilt when the base or the lines changed: the label records both.
  local key
  key="$(printf '%s\n' "$from" "$@" | sha256sum | cut -c1-12)"
  if [ "$("$DOCKER" image inspect -f '{{index .Config.Labels "homeport.e2e.derived"}}' "$tag" 2>/dev/null)" = "$key" ]; then
    echo "$tag"
    return
  fi
  { printf 'FROM %s\nLABEL homeport.e2e.derived=%s\n' "$from" "$key"; printf '%s\n' "$@"; } |
    DOCKER_BUILDKIT=0 "$DOCKER" build -q -t "$tag" - >/dev/null
  echo "$tag"
}

# The stand-in's files and the monitoring binaries, laid out as they go into the image.
standin_overlay() {
  local o="$1" shim deb pkg unpacked kept
  shift
  unpacked="$(mktemp -d)"
  for deb in "$@"; do
    pkg="$(basename "$deb" | cut -d_ -f1)"
    if [ -z "${MONITORING_BINARIES[$pkg]:-}" ]; then
      # A media package: every file of it (no maintainer script runs), its /lib, /bin and /sbin
      # moved under /usr, where the merged-/usr base's symlinks point.
      dpkg-deb -x "$deb" "$unpacked/$pkg"
      for kept in bin sbin lib; do
        if [ -d "$unpacked/$pkg/$kept" ]; then
          mkdir -p "$unpacked/$pkg/usr/$kept"
          cp -a "$unpacked/$pkg/$kept/." "$unpacked/$pkg/usr/$kept/"
          rm -rf "${unpacked:?}/$pkg/$kept"
        fi
      done
      cp -a "$unpacked/$pkg/." "$o/"
      continue
    fi
    dpkg-deb -x "$deb" "$unpacked/$pkg"
    for kept in ${MONITORING_BINARIES[$pkg]}; do
      mkdir -p "$o$(dirname "$kept")"
      cp -a "$unpacked/$pkg$kept" "$o$kept"
    done
  done
  rm -rf "$unpacked"
  for kept in "${!UPSTREAM[@]}"; do
    install -D -m 0755 "${UPSTREAM[$kept]}" "$o${UPSTREAM_BINARIES[$kept]}"
  done
  # Data and configuration directories as the upstream images have them: a new named volume
  # takes the owner of the directory it is mounted on.
  mkdir -p "$o/prometheus" "$o/alertmanager" "$o/var/lib/grafana" "$o/etc/prometheus" \
    "$o/etc/alertmanager" "$o/etc/grafana"
  chown 65534:65534 "$o/prometheus" "$o/alertmanager"
  chown 472:472 "$o/var/lib/grafana"
  install -D -m 0755 "$HERE/standin/standin.py" "$o/opt/standin/standin.py"
  mkdir -p "$o/usr/lib/python3/dist-packages/image_api" "$o/usr/local/bin" "$o/app/dist"
  install -m 0644 "$HERE"/standin/image_api/*.py "$o/usr/lib/python3/dist-packages/image_api/"
  # The commands the platform's workloads run (entry points and health checks), all the stand-in.
  install -m 0755 "$HERE/media/lsio-init.sh" "$o/usr/local/bin/lsio-init"
  # nc: the platform's TCP health check (nc -z HOST PORT); minbase has no netcat.
  for shim in celery rabbitmq-server rabbitmq-diagnostics minio mc nc; do
    printf '#!/bin/sh\nexec /usr/bin/python3 /opt/standin/standin.py %s "$@"\n' "$shim" >"$o/usr/local/bin/$shim"
    chmod 0755 "$o/usr/local/bin/$shim"
  done
  printf '#!/bin/sh\nexec "$@"\n' >"$o/usr/local/bin/docker-entrypoint.sh"
  chmod 0755 "$o/usr/local/bin/docker-entrypoint.sh"
  ln -s /usr/bin/python3 "$o/usr/local/bin/python"
  printf '<!doctype html><title>homeport e2e</title><p>frontend stand-in</p>\n' >"$o/app/dist/index.html"
}

standin() {
  local hash tag overlay debs
  mapfile -t debs < <(monitoring_debs; debs "${MEDIA_PACKAGES[@]}")
  hash="$({
    cat "$HERE"/standin/standin.py "$HERE"/standin/image_api/*.py "$HERE"/media/* "$0"
    printf '%s\n' "${debs[@]##*/}"
    for name in "${!UPSTREAM[@]}"; do cat "$(dirname "${UPSTREAM[$name]}")/.stamp"; done | LC_ALL=C sort
  } | sha256sum | cut -c1-12)"
  tag="homeport-e2e/standin:$hash"
  if ! exists "$tag"; then
    base_rootfs
    overlay="$(mktemp -d)"
    chmod 0755 "$overlay"
    standin_overlay "$overlay" "${debs[@]}"
    cp "$ROOTFS_TAR" "$overlay.tar"
    tar_append "$overlay.tar" "$overlay"
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
    chmod 0755 "$dir" # the image's "/"
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

# tar_append <tarball> <dir>: appends the entries of dir that the tarball lacks (docker import
# refuses duplicate paths), keeping their owners.
tar_append() {
  local tar="$1" dir="$2"
  tar -tf "$tar" | sed 's#/$##' | LC_ALL=C sort >"$dir.base"
  (cd "$dir" && find . -mindepth 1 | LC_ALL=C sort) | LC_ALL=C comm -23 - "$dir.base" >"$dir.new"
  tar --numeric-owner --no-recursion -rf "$tar" -C "$dir" -T "$dir.new"
  rm -f "$dir.base" "$dir.new"
}

# The real RabbitMQ image: Debian's rabbitmq-server with an entry point and log settings of ours
# (images/rabbitmq/), the Prometheus plugin enabled as in the upstream image (its metrics port,
# 15692, is where the platform scrapes). Tagged with the package's upstream version.
rabbitmq_image() {
  local version tag key dir uid
  debootstrap_tar "$RABBITMQ_TAR" "$RABBITMQ_SUITE" "$RABBITMQ_PACKAGES"
  version="$(tar -xOf "$RABBITMQ_TAR" ./var/lib/dpkg/status |
    awk '/^Package: /{p = ($2 == "rabbitmq-server")} p && /^Version: /{v = $2} END {print v}')"
  [ -n "$version" ] || die "no rabbitmq-server in $RABBITMQ_TAR"
  tag="homeport-e2e/rabbitmq:debian-${version%%-*}"
  key="$({ basename "$RABBITMQ_TAR"; cat "$HERE"/rabbitmq/*; } | sha256sum | cut -c1-12)"
  if [ "$("$DOCKER" image inspect -f '{{index .Config.Labels "homeport.e2e.derived"}}' "$tag" 2>/dev/null)" = "$key" ]; then
    echo "$tag"
    return
  fi
  dir="$(mktemp -d)"
  chmod 0755 "$dir"
  uid="$(tar -xOf "$RABBITMQ_TAR" ./etc/passwd | awk -F: '$1 == "rabbitmq" {print $3 ":" $4}')"
  [ -n "$uid" ] || die "the rabbitmq-server package made no rabbitmq user in $RABBITMQ_TAR"
  install -D -m 0755 "$HERE/rabbitmq/docker-entrypoint.sh" "$dir/usr/local/bin/docker-entrypoint.sh"
  install -D -m 0644 "$HERE/rabbitmq/10-image.conf" "$dir/etc/rabbitmq/conf.d/10-image.conf"
  # What `rabbitmq-plugins enable --offline rabbitmq_prometheus` writes.
  printf '[rabbitmq_prometheus].\n' >"$dir/etc/rabbitmq/enabled_plugins"
  chown -R "$uid" "$dir/etc/rabbitmq"
  cp "$RABBITMQ_TAR" "$dir.tar"
  tar_append "$dir.tar" "$dir"
  "$DOCKER" import \
    --change 'ENV PATH=/usr/lib/rabbitmq/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV HOME=/var/lib/rabbitmq' --change 'ENV LANG=C.UTF-8' \
    --change "LABEL homeport.e2e.debian=rabbitmq-server_$version homeport.e2e.derived=$key" \
    --change 'ENTRYPOINT ["docker-entrypoint.sh"]' --change 'CMD ["rabbitmq-server"]' \
    "$dir.tar" "$tag" >/dev/null
  rm -rf "$dir" "$dir.tar"
  echo "$tag"
}

# The media part's images (docs/e2e.md, "The media chain"): the REAL Transmission, the stand-ins
# of the apps that cannot be had here, and the wiring job's interpreter.
media_images() {
  local base="$1" app deb init='"/usr/bin/tini", "--", "/usr/local/bin/lsio-init"'
  for app in prowlarr jackett sonarr radarr bazarr jellyfin; do
    derive "homeport-e2e/$app-standin:1" "$base" "LABEL homeport.e2e.standin=$app" \
      "ENV STANDIN_MEDIA_APP=$app" \
      "ENTRYPOINT [$init, \"/usr/bin/python3\", \"/opt/standin/standin.py\", \"media-relay\"]"
  done
  # Portainer's image is not LinuxServer's: it runs /portainer as root and gives nothing to
  # PUID:PGID (portainer/portainer build/linux/Dockerfile), and the part drops all its capabilities.
  derive homeport-e2e/portainer-standin:1 "$base" "LABEL homeport.e2e.standin=portainer" \
    "ENV STANDIN_MEDIA_APP=portainer" \
    "ENTRYPOINT [\"/usr/bin/tini\", \"--\", \"/usr/bin/python3\", \"/opt/standin/standin.py\", \"media-relay\"]"
  derive homeport-e2e/portainer-agent-standin:1 "$base" "LABEL homeport.e2e.standin=portainer-agent" \
    "ENV STANDIN_ROLE=portainer-agent"
  deb="$(debs transmission-daemon)"
  # Transmission's flags (transmission-daemon(1)): -f foreground, -g the configuration directory
  # the part seeds; and, for the suite only, no DHT, local peer discovery, uTP, port mapping or
  # blocklist download, so that the daemon sends nothing off this machine.
  derive homeport-e2e/transmission:1 "$base" "LABEL homeport.e2e.debian=$(basename "$deb" .deb)" \
    "ENTRYPOINT [$init, \"/usr/bin/transmission-daemon\", \"-f\", \"-g\", \"/config\", \"--log-error\", \"--no-dht\", \"--no-lpd\", \"--no-utp\", \"--no-portmap\", \"--no-blocklist\"]" >/dev/null
  # Its libraries come from unpacked packages: the daemon must start in the image.
  "$DOCKER" run --rm --network none --entrypoint /usr/bin/transmission-daemon homeport-e2e/transmission:1 \
    --version >/dev/null 2>&1 || die "transmission-daemon does not run in homeport-e2e/transmission:1: $("$DOCKER" run --rm --network none --entrypoint /usr/bin/transmission-daemon homeport-e2e/transmission:1 --version 2>&1 | tail -n 1)"
  echo homeport-e2e/transmission:1
  "$DOCKER" tag "$base" homeport-e2e/media-wiring:1 && echo homeport-e2e/media-wiring:1
}

main() {
  local base
  upstream_binaries
  base="$(standin)"
  echo "$base"
  derive traefik/whoami:v1.11.0 "$base" "ENV STANDIN_ROLE=whoami"
  derive homeport-e2e/image-web:1 "$base" "ENV STANDIN_ROLE=frontend"
  # The backend and worker pick their role from their arguments (gunicorn, celery).
  derive homeport-e2e/image-api:1 "$base"
  derive homeport-e2e/image-api:2 "$base" "ENV STANDIN_VERSION=2"
  # RabbitMQ and MinIO run through the command the platform sets (rabbitmq-server, minio).
  "$DOCKER" tag "$base" homeport-e2e/rabbitmq:1 && echo homeport-e2e/rabbitmq:1
  "$DOCKER" tag "$base" homeport-e2e/minio:1 && echo homeport-e2e/minio:1
  # Monitoring: the real Debian binaries, run with the arguments the platform sets.
  local deb pkg debian
  while read -r deb; do
    pkg="$(basename "$deb" | cut -d_ -f1)"
    debian="LABEL homeport.e2e.debian=$(basename "$deb" .deb)"
    case "$pkg" in
      prometheus)
        local entry=/usr/bin/prometheus
        if [ -n "${UPSTREAM[prometheus]:-}" ]; then
          debian="LABEL homeport.e2e.upstream=$(upstream_version prometheus)"
          entry="${UPSTREAM_BINARIES[prometheus]}"
        fi
        derive homeport-e2e/prometheus:1 "$base" "$debian" "WORKDIR /prometheus" \
          "ENTRYPOINT [\"$entry\"]" \
          'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]'
        ;;
      prometheus-alertmanager)
        derive homeport-e2e/alertmanager:1 "$base" "$debian" "WORKDIR /alertmanager" \
          'ENTRYPOINT ["/usr/bin/prometheus-alertmanager"]' \
          'CMD ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]'
        ;;
      prometheus-node-exporter)
        derive homeport-e2e/node-exporter:1 "$base" "$debian" \
          'ENTRYPOINT ["/usr/bin/prometheus-node-exporter"]' 'CMD []'
        ;;
    esac
  done < <(monitoring_debs)
  derive homeport-e2e/grafana-standin:1 "$base" "ENV STANDIN_ROLE=grafana"
  if [ -n "${UPSTREAM[cadvisor]:-}" ]; then
    derive homeport-e2e/cadvisor:1 "$base" "LABEL homeport.e2e.upstream=$(upstream_version cadvisor)" \
      "ENTRYPOINT [\"${UPSTREAM_BINARIES[cadvisor]}\"]" 'CMD []'
  else
    derive homeport-e2e/cadvisor:1 "$base" "LABEL homeport.e2e.standin=cadvisor" "ENV STANDIN_ROLE=cadvisor"
  fi
  media_images "$base"
  if [ "${HOMEPORT_E2E_SKIP_TRAEFIK:-0}" != 1 ]; then traefik_image; fi
  if [ "${HOMEPORT_E2E_RABBITMQ:-0}" = 1 ]; then rabbitmq_image; fi
  # Earlier stand-in bases and what was derived from them: under vfs each is a full copy.
  "$DOCKER" image ls homeport-e2e/standin --format '{{.Repository}}:{{.Tag}}' | grep -vxF "$base" |
    xargs -r "$DOCKER" rmi >/dev/null 2>&1 || true
  "$DOCKER" image prune -f >/dev/null
}

# rootfs_dir <dir>: the stand-in base image's files (the root filesystem and the overlay), in dir.
rootfs_dir() {
  local dir="$1" overlay debs
  [ -n "$dir" ] || die "usage: build-images.sh rootfs DIR"
  mapfile -t debs < <(monitoring_debs; debs "${MEDIA_PACKAGES[@]}")
  base_rootfs
  mkdir -p "$dir"
  tar -xf "$ROOTFS_TAR" -C "$dir"
  overlay="$(mktemp -d)"
  chmod 0755 "$overlay"
  standin_overlay "$overlay" "${debs[@]}"
  cp -a "$overlay/." "$dir/"
  rm -rf "$overlay"
  echo "$dir"
}

if [ "${1:-}" = rootfs ]; then rootfs_dir "${2:-}"; else main "$@"; fi
