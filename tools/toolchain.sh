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
GO_CACHE_LOG=toolchain
# shellcheck source=tools/lib/go-cache.sh
. "$ROOT/tools/lib/go-cache.sh"
CACHE="$GO_CACHE_ROOT"

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

# Each build function writes one binary to $1; go_cache_ensure (tools/lib/go-cache.sh) skips it
# when the cache already holds that binary built from the same wrapper module, and otherwise
# moves the fresh build into <cache>/<name>-<version>/<name>.

pulumi_build() {
  go_cache_go "$TC/pulumi" -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X $PULUMI_VERSION_VAR=v$PULUMI_VERSION" \
    -o "$1" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
}

nodejs_host_build() {
  go_cache_go "$TC/language-nodejs" -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X $PULUMI_VERSION_VAR=v$NODEJS_HOST_VERSION" \
    -o "$1" github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
}

# bridged_build <out> <name> <version>: a Terraform-bridged provider from
# toolchain/provider-<name>. The wrapper is copied to a scratch directory, its tfgen command
# writes the Pulumi schema and the bridge metadata there, and the provider is then built with
# both embedded.
bridged_build() {
  local out="$1" name="$2" version="$3" w="$WORK/$2" ldflags
  ldflags="-s -w -X homeport.local/toolchain/provider-$name/info.Version=$version"
  mkdir -p "$w" && cp -R "$TC/provider-$name/." "$w/" || return 1
  go_cache_go "$w" -ldflags "$ldflags" -o "$w/tfgen-$name" ./tfgen || return 1
  if ! "$w/tfgen-$name" schema --out "$w/gen" --skip-docs --skip-examples > "$w/tfgen.log" 2>&1; then
    cat "$w/tfgen.log" >&2
    return 1
  fi
  jq -c --arg v "$version" '.version = $v' "$w/gen/schema.json" > "$w/schema-embed.json" || return 1
  cp "$w/gen/bridge-metadata.json" "$w/bridge-metadata.json" || return 1
  go_cache_go "$w" -ldflags "$ldflags" -o "$out" . || return 1
  cp "$w/schema-embed.json" "$GO_CACHE_DEST/schema.json" # for reference only
}

# The Kubernetes provider is not bridged: its module ships schema.json and
# terraform-mapping.json, which only need the version stamped in.
kubernetes_build() {
  local out="$1" w="$WORK/kubernetes" bin=pulumi-resource-kubernetes mod
  mkdir -p "$w" && cp -R "$TC/provider-kubernetes/." "$w/" || return 1
  (cd "$w" && go mod download github.com/pulumi/pulumi-kubernetes/provider/v4) || return 1
  mod="$(cd "$w" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)/cmd/$bin" || return 1
  jq -c --arg v "$KUBERNETES_BUILD_VERSION" '.version = $v' "$mod/schema.json" > "$w/schema-embed.json" || return 1
  jq -c . "$mod/terraform-mapping.json" > "$w/terraform-mapping-embed.json" || return 1
  go_cache_go "$w" \
    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$KUBERNETES_BUILD_VERSION" \
    -o "$out" .
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

  go_cache_ensure pulumi "$PULUMI_VERSION" "$TC/pulumi" pulumi_build > /dev/null
  go_cache_ensure pulumi-language-nodejs "$NODEJS_HOST_VERSION" "$TC/language-nodejs" nodejs_host_build > /dev/null
  go_cache_ensure pulumi-resource-random "$RANDOM_VERSION" "$TC/provider-random" \
    bridged_build random "$RANDOM_VERSION" > /dev/null
  go_cache_ensure pulumi-resource-docker "$DOCKER_VERSION" "$TC/provider-docker" \
    bridged_build docker "$DOCKER_VERSION" > /dev/null
  go_cache_ensure pulumi-resource-kubernetes "$KUBERNETES_BUILD_VERSION" "$TC/provider-kubernetes" \
    kubernetes_build > /dev/null

  # bin/ goes on PATH. pulumi is hard-linked so that the language host and
  # pulumi-resource-pulumi-nodejs (the dynamic provider plugin, shipped in
  # @pulumi/pulumi) sit next to the running executable: the CLI treats them
  # as bundled plugins and does not warn about taking them from PATH.
  local bindir="$CACHE/bin"
  mkdir -p "$bindir"
  ln -f "$CACHE/pulumi-$PULUMI_VERSION/pulumi" "$bindir/pulumi" 2> /dev/null ||
    cp -f "$CACHE/pulumi-$PULUMI_VERSION/pulumi" "$bindir/pulumi"
  ln -sfn "$CACHE/pulumi-language-nodejs-$NODEJS_HOST_VERSION/pulumi-language-nodejs" "$bindir/pulumi-language-nodejs"
  # A copy, not a link into this checkout: the script resolves @pulumi/pulumi from the program's
  # own directory, and a link dangles once the checkout that built the cache is gone.
  rm -f "$bindir/pulumi-resource-pulumi-nodejs"
  cp "$ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs" "$bindir/pulumi-resource-pulumi-nodejs"

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
