#!/usr/bin/env bash
# Builds the Pulumi CLI, the Node.js language host and the resource provider
# plugins this program uses from Go modules, so that `pulumi` runs fully
# offline (no plugin downloads, no update checks).
#
#   npm run toolchain        (or: bash tools/toolchain.sh)
#   . ~/.cache/homeport/toolchain/env.sh
#
# Binaries land in a cache outside the repository, one directory per binary
# and version:
#   ${HOMEPORT_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/homeport/toolchain}/<name>-<version>/
# Anything already built is reused, so a second run only refreshes the links
# and the env file. The wrapper modules under toolchain/ pin every Go
# dependency (go.mod + go.sum); toolchain/README.md explains each of them.
#
# The last line printed is the command that loads the environment:
# <cache>/env.sh puts the CLI and the language host on PATH, points
# PULUMI_HOME at <cache>/pulumi-home (whose plugins/ holds the providers) and
# turns off update checks and automatic plugin downloads.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TC="$ROOT/toolchain"
CACHE="${HOMEPORT_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/homeport/toolchain}"

# Versions served. They must match the npm SDKs pinned in package.json;
# check_sdk_version refuses to go on when they drift apart.
PULUMI_VERSION=3.248.0
RANDOM_VERSION=4.21.2
DOCKER_VERSION=5.2.0
KUBERNETES_VERSION=4.34.2
# What is actually compiled where no module matching the SDK version can be
# had (toolchain/README.md): the Node.js language host is an untagged module,
# and the newest Kubernetes provider module available is the v4.25.0 release.
NODEJS_HOST_VERSION=3.0.0-20250806165243-bee5e4fa4815
KUBERNETES_BUILD_VERSION=4.25.0

export GOTOOLCHAIN=local CGO_ENABLED=0
GO_BUILD=(go build -mod=readonly -trimpath)
PULUMI_VERSION_VAR=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version
WORK=""

log() { printf 'toolchain: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

check_sdk_version() { # <npm package> <version served>
  local want
  want="$(node -p "require('$ROOT/package.json').dependencies['$1'] || ''")"
  [ "$want" = "$2" ] || die "package.json pins $1 '$want' but tools/toolchain.sh serves $2; change both together"
}

ensure_jq() {
  command -v jq > /dev/null && return 0
  local -a sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  log "installing jq"
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq > /dev/null 2>&1; then
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq > /dev/null
  fi
  command -v jq > /dev/null || die "jq is still missing after apt-get install"
}

# stamp_of <wrapper dir>: fingerprint of a wrapper module, so that editing it
# rebuilds the binary even when the version (the cache directory) is unchanged.
stamp_of() {
  (cd "$1" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print0 |
    LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

# have <dir> <binary> <stamp> <label>: true (and says so) when <dir>/<binary>
# was already built from the same wrapper module.
have() {
  if [ -x "$1/$2" ] && [ -f "$1/.stamp" ] && [ "$(cat "$1/.stamp")" = "$3" ]; then
    log "found $4: $1/$2"
    return 0
  fi
  log "building $4"
  return 1
}

# store <dir> <binary> <built file> <stamp> <start>: moves a fresh build into
# the cache.
store() {
  mkdir -p "$1"
  mv -f "$3" "$1/$2"
  printf '%s\n' "$4" > "$1/.stamp"
  log "built $2 in $(($(date +%s) - $5))s: $1/$2"
}

build_pulumi() {
  local dir="$CACHE/pulumi-$PULUMI_VERSION" stamp start
  stamp="$(stamp_of "$TC/pulumi")"
  have "$dir" pulumi "$stamp" "pulumi v$PULUMI_VERSION" && return 0
  start=$(date +%s)
  (cd "$TC/pulumi" && "${GO_BUILD[@]}" -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X $PULUMI_VERSION_VAR=v$PULUMI_VERSION" \
    -o "$WORK/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  store "$dir" pulumi "$WORK/pulumi" "$stamp" "$start"
}

build_nodejs_host() {
  local dir="$CACHE/pulumi-language-nodejs-$NODEJS_HOST_VERSION" stamp start
  stamp="$(stamp_of "$TC/language-nodejs")"
  have "$dir" pulumi-language-nodejs "$stamp" "pulumi-language-nodejs $NODEJS_HOST_VERSION" && return 0
  start=$(date +%s)
  (cd "$TC/language-nodejs" && "${GO_BUILD[@]}" -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X $PULUMI_VERSION_VAR=v$NODEJS_HOST_VERSION" \
    -o "$WORK/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3)
  store "$dir" pulumi-language-nodejs "$WORK/pulumi-language-nodejs" "$stamp" "$start"
}

# build_bridged <name> <version>: a Terraform-bridged provider from
# toolchain/provider-<name>. The wrapper is copied to a scratch directory, its
# tfgen command writes the Pulumi schema and the bridge metadata there, and
# the provider is then built with both embedded.
build_bridged() {
  local name="$1" version="$2"
  local src="$TC/provider-$name" dir="$CACHE/pulumi-resource-$name-$version"
  local bin="pulumi-resource-$name" w="$WORK/$name" stamp start ldflags
  stamp="$(stamp_of "$src")"
  have "$dir" "$bin" "$stamp" "$bin v$version" && return 0
  start=$(date +%s)
  ldflags="-s -w -X homeport.local/toolchain/provider-$name/info.Version=$version"
  mkdir -p "$w"
  cp -R "$src/." "$w/"
  (
    cd "$w"
    "${GO_BUILD[@]}" -ldflags "$ldflags" -o "$w/tfgen-$name" ./tfgen
    if ! "$w/tfgen-$name" schema --out "$w/gen" --skip-docs --skip-examples > "$w/tfgen.log" 2>&1; then
      cat "$w/tfgen.log" >&2
      exit 1
    fi
    jq -c --arg v "$version" '.version = $v' "$w/gen/schema.json" > "$w/schema-embed.json"
    cp "$w/gen/bridge-metadata.json" "$w/bridge-metadata.json"
    "${GO_BUILD[@]}" -ldflags "$ldflags" -o "$w/$bin" .
  )
  mkdir -p "$dir"
  cp "$w/schema-embed.json" "$dir/schema.json" # for reference only
  store "$dir" "$bin" "$w/$bin" "$stamp" "$start"
}

# The Kubernetes provider is not bridged: its module ships schema.json and
# terraform-mapping.json, which only need the version stamped in.
build_kubernetes() {
  local src="$TC/provider-kubernetes" dir="$CACHE/pulumi-resource-kubernetes-$KUBERNETES_BUILD_VERSION"
  local bin=pulumi-resource-kubernetes w="$WORK/kubernetes" stamp start mod
  stamp="$(stamp_of "$src")"
  have "$dir" "$bin" "$stamp" "$bin v$KUBERNETES_BUILD_VERSION" && return 0
  start=$(date +%s)
  mkdir -p "$w"
  cp -R "$src/." "$w/"
  (
    cd "$w"
    go mod download github.com/pulumi/pulumi-kubernetes/provider/v4
    mod="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)/cmd/$bin"
    jq -c --arg v "$KUBERNETES_BUILD_VERSION" '.version = $v' "$mod/schema.json" > "$w/schema-embed.json"
    jq -c . "$mod/terraform-mapping.json" > "$w/terraform-mapping-embed.json"
    "${GO_BUILD[@]}" \
      -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$KUBERNETES_BUILD_VERSION" \
      -o "$w/$bin" .
  )
  store "$dir" "$bin" "$w/$bin" "$stamp" "$start"
}

# install_plugin <name> <built version> <served version>: exposes a provider
# in the CLI's plugin cache, $PULUMI_HOME/plugins/resource-<name>-v<served>/.
install_plugin() {
  local bin="pulumi-resource-$1" target="$PULUMI_HOME/plugins/resource-$1-v$3"
  mkdir -p "$target"
  rm -f "$target.partial"
  ln -f "$CACHE/$bin-$2/$bin" "$target/$bin" 2> /dev/null || cp -f "$CACHE/$bin-$2/$bin" "$target/$bin"
}

main() {
  command -v go > /dev/null || die "go is not on PATH (Go >= 1.25 is needed)"
  command -v node > /dev/null || die "node is not on PATH"
  check_sdk_version @pulumi/pulumi "$PULUMI_VERSION"
  check_sdk_version @pulumi/random "$RANDOM_VERSION"
  check_sdk_version @pulumi/docker "$DOCKER_VERSION"
  check_sdk_version @pulumi/kubernetes "$KUBERNETES_VERSION"
  grep -q "github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION\b" "$TC/pulumi/go.mod" ||
    die "toolchain/pulumi/go.mod does not require pkg/v3 v$PULUMI_VERSION"
  ensure_jq

  local t0 lockfd
  t0=$(date +%s)
  mkdir -p "$CACHE"
  exec {lockfd}> "$CACHE/.pulumi-toolchain.lock"
  flock "$lockfd"
  WORK="$(mktemp -d "$CACHE/.pulumi-toolchain.XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT

  build_pulumi
  build_nodejs_host
  build_bridged random "$RANDOM_VERSION"
  build_bridged docker "$DOCKER_VERSION"
  build_kubernetes

  # bin/ goes on PATH. pulumi is hard-linked so that the language host and
  # pulumi-resource-pulumi-nodejs (the dynamic provider plugin, shipped in
  # @pulumi/pulumi) sit next to the running executable: the CLI treats them
  # as bundled plugins and does not warn about taking them from PATH.
  local bindir="$CACHE/bin"
  mkdir -p "$bindir"
  ln -f "$CACHE/pulumi-$PULUMI_VERSION/pulumi" "$bindir/pulumi" 2> /dev/null ||
    cp -f "$CACHE/pulumi-$PULUMI_VERSION/pulumi" "$bindir/pulumi"
  ln -sfn "$CACHE/pulumi-language-nodejs-$NODEJS_HOST_VERSION/pulumi-language-nodejs" "$bindir/pulumi-language-nodejs"
  ln -sfn "$ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs" "$bindir/pulumi-resource-pulumi-nodejs"

  PULUMI_HOME="$CACHE/pulumi-home"
  install_plugin random "$RANDOM_VERSION" "$RANDOM_VERSION"
  install_plugin docker "$DOCKER_VERSION" "$DOCKER_VERSION"
  install_plugin kubernetes "$KUBERNETES_BUILD_VERSION" "$KUBERNETES_VERSION"
  log "note: the kubernetes plugin is the v$KUBERNETES_BUILD_VERSION provider, installed as v$KUBERNETES_VERSION for @pulumi/kubernetes"

  cat > "$CACHE/env.sh" << EOF
# Written by tools/toolchain.sh: the offline Pulumi toolchain.
export PATH="$bindir:\$PATH"
export PULUMI_HOME="$PULUMI_HOME"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
EOF
  flock -u "$lockfd"
  log "ready in $(($(date +%s) - t0))s; load it with:"
  printf '. %q\n' "$CACHE/env.sh"
}

main "$@"
