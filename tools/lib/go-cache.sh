# shellcheck shell=bash
# The build cache of the binaries built from the wrapper Go modules under toolchain/, shared by
# tools/toolchain.sh, tools/engines.sh and tests/e2e/images/build-traefik.sh. Source it; it
# defines functions and variables prefixed go_cache_ / GO_CACHE_ and changes nothing else.
#
# Layout (unchanged from the scripts' earlier copies, so existing builds are reused):
#   <root>/<name>-<version>/<name>     the binary
#   <root>/<name>-<version>/.stamp     fingerprint of the wrapper module it was built from
#   <root>/<name>-<version>/BUILDINFO  version, Go version, build time and seconds
#   <root>/.<name>.lock                held while <name> is being built
#
# Environment:
#   HOMEPORT_TOOLCHAIN_DIR  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/homeport/toolchain)
#   HOMEPORT_BUILD_NICE     niceness of go builds (default 19)
#   HOMEPORT_E2E_NO_BUILD   1: a missing binary is an error instead of a build (CI builds within
#                           its budget before the suites run)
#   GO                      go binary (default: go on PATH, else /usr/local/go/bin/go)

GO_CACHE_ROOT="${HOMEPORT_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/homeport/toolchain}"
GO_CACHE_NICE="${HOMEPORT_BUILD_NICE:-19}"
GO_CACHE_GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
# Prefix of the log lines; the sourcing script sets its own name.
GO_CACHE_LOG="${GO_CACHE_LOG:-go-cache}"

go_cache_log() { printf '%s: %s\n' "$GO_CACHE_LOG" "$*" >&2; }

# go_cache_modver <go.mod> <module>: the version <module> is required at, without the leading v.
go_cache_modver() {
  awk -v m="$2" '($1 == m || ($1 == "require" && $2 == m)) { v = ($1 == m) ? $2 : $3; sub(/^v/, "", v); print v; exit }' "$1"
}

# go_cache_path <name> <version>: where the binary is (or will be).
go_cache_path() { printf '%s/%s-%s/%s\n' "$GO_CACHE_ROOT" "$1" "$2" "$1"; }

# go_cache_stamp <wrapper dir>: fingerprint of a wrapper module (its .go files, go.mod, go.sum),
# so that editing it rebuilds the binary even when the version is unchanged.
go_cache_stamp() {
  (cd "$1" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print0 |
    LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

# go_cache_have <name> <version> <stamp>: true when the binary was built from the same wrapper.
# A binary without a .stamp was built before the scripts shared this cache code (engines and
# Traefik wrote none); its version directory already names the version, so it is adopted once
# and the stamp recorded, instead of being rebuilt.
go_cache_have() {
  local bin dir
  bin="$(go_cache_path "$1" "$2")"
  dir="$(dirname "$bin")"
  [ -x "$bin" ] || return 1
  if [ ! -f "$dir/.stamp" ]; then
    printf '%s\n' "$3" > "$dir/.stamp"
    go_cache_log "adopted $1 $2 built without a stamp: $bin"
    return 0
  fi
  [ "$(cat "$dir/.stamp")" = "$3" ]
}

# go_cache_go <wrapper dir> <go build args...>: `go build` inside the wrapper module, offline
# from the committed go.sum, with the cache's niceness.
go_cache_go() {
  local dir="$1"
  shift
  (cd "$dir" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS='' \
    nice -n "$GO_CACHE_NICE" "$GO_CACHE_GO" build -mod=readonly -trimpath "$@")
}

# go_cache_ensure <name> <version> <wrapper dir> <build function> [args...]: makes sure
# <root>/<name>-<version>/<name> exists and was built from <wrapper dir>; prints its path.
# Otherwise, with <root>/.<name>.lock held, calls `<build function> <out> [args...]` which must
# write the binary to <out> (a temporary file next to its final place; it may put further files
# in "$GO_CACHE_DEST"), then moves it into place in one rename and records .stamp and BUILDINFO.
go_cache_ensure() {
  local name="$1" version="$2" wrapper="$3" fn="$4"
  shift 4
  local bin stamp lockfd tmp start elapsed
  bin="$(go_cache_path "$name" "$version")"
  GO_CACHE_DEST="$(dirname "$bin")"
  stamp="$(go_cache_stamp "$wrapper")"
  if go_cache_have "$name" "$version" "$stamp"; then
    go_cache_log "found $name $version: $bin"
    printf '%s\n' "$bin"
    return 0
  fi
  if [ "${HOMEPORT_E2E_NO_BUILD:-0}" = 1 ]; then
    go_cache_log "$name $version is not built ($bin) and HOMEPORT_E2E_NO_BUILD=1 forbids building it here"
    return 1
  fi
  [ -x "$GO_CACHE_GO" ] || {
    go_cache_log "no go toolchain found (set GO or put go on PATH) to build $name"
    return 1
  }
  mkdir -p "$GO_CACHE_ROOT"
  # One builder per binary at a time; a second caller waits, then finds it.
  exec {lockfd}> "$GO_CACHE_ROOT/.$name.lock"
  flock "$lockfd"
  if go_cache_have "$name" "$version" "$stamp"; then
    exec {lockfd}>&-
    go_cache_log "found $name $version: $bin"
    printf '%s\n' "$bin"
    return 0
  fi
  mkdir -p "$GO_CACHE_DEST"
  tmp="$(mktemp "$GO_CACHE_DEST/.$name.XXXXXX")"
  go_cache_log "building $name $version (minutes on a cold Go build cache)..."
  start=$(date +%s)
  if ! "$fn" "$tmp" "$@"; then
    rm -f "$tmp"
    exec {lockfd}>&-
    go_cache_log "building $name $version failed"
    return 1
  fi
  elapsed=$(($(date +%s) - start))
  chmod 0755 "$tmp"
  mv -f "$tmp" "$bin"
  printf '%s\n' "$stamp" > "$GO_CACHE_DEST/.stamp"
  {
    echo "name=$name"
    echo "version=$version"
    echo "go=$(GOTOOLCHAIN=local "$GO_CACHE_GO" env GOVERSION)"
    echo "stamp=$stamp"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "seconds=$elapsed"
  } > "$GO_CACHE_DEST/BUILDINFO"
  exec {lockfd}>&-
  go_cache_log "built $name $version in ${elapsed}s: $bin"
  printf '%s\n' "$bin"
}
