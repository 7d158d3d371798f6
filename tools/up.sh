#!/usr/bin/env bash
# npm run up / npm run down: the dev stack (Pulumi.dev.yaml) on the local Docker engine.
#
#   npm run up                 pulumi up of the dev stack, the policy pack attached
#   npm run up -- --yes        the same without the confirmation prompt
#   npm run down               pulumi destroy of the dev stack
#
# What it does, in order:
#   - finds the Pulumi CLI on PATH, or the one `npm run toolchain` built (its env.sh);
#   - checks that the Docker engine answers, and makes it a single-node Swarm (`docker swarm
#     init`) when it is in none yet (up only);
#   - uses a local state backend: $PULUMI_BACKEND_URL, else file://<repository>/.state (no account);
#   - encrypts the stack's secrets with $PULUMI_CONFIG_PASSPHRASE(_FILE) when set, else with the
#     dev-only passphrase in .state/<stack>.passphrase, generated on the first run (mode 0600;
#     .state/ is ignored by git; keep it with the state, the secrets cannot be read without it);
#   - selects the stack, or creates it (up only);
#   - runs `pulumi up` with the policy pack at the stack's environment level
#     (policies/config/<homeport:environment>.json), or `pulumi destroy`.
# Extra arguments go to pulumi.
#
# Environment: HOMEPORT_STACK (default dev), HOMEPORT_STATE_DIR (default <repository>/.state),
# HOMEPORT_TOOLCHAIN_DIR, DOCKER_HOST (default: the engine the dev stack deploys to,
# unix:///var/run/docker.sock).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK="${HOMEPORT_STACK:-dev}"
STACK_FILE="$ROOT/Pulumi.$STACK.yaml"
STATE="${HOMEPORT_STATE_DIR:-$ROOT/.state}"
TOOLCHAIN_ENV="${HOMEPORT_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/homeport/toolchain}/env.sh"
export DOCKER_HOST="${DOCKER_HOST:-unix:///var/run/docker.sock}"

action="${1:-}"
case "$action" in
  up | down) shift ;;
  *)
    echo "usage: $0 up|down [pulumi arguments...]" >&2
    exit 2
    ;;
esac
say() { echo "npm run $action: $*" >&2; }
die() {
  say "$*"
  exit 1
}

[ -f "$STACK_FILE" ] || die "$STACK_FILE does not exist. Fix: set HOMEPORT_STACK to a stack that has a Pulumi.<stack>.yaml."

if ! command -v pulumi >/dev/null && [ -f "$TOOLCHAIN_ENV" ]; then
  # shellcheck source=/dev/null
  . "$TOOLCHAIN_ENV"
fi
command -v pulumi >/dev/null ||
  die "the Pulumi CLI is missing. Fix: install it with the official installer (curl -fsSL https://get.pulumi.com | sh), or build it offline with npm run toolchain."

command -v docker >/dev/null ||
  die "the docker CLI is missing. Fix: install Docker Engine (Debian: apt-get install docker.io), then run this again."
if ! swarm="$(docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)"; then
  die "no Docker engine answers at $DOCKER_HOST. Fix: start it (systemctl start docker), or set DOCKER_HOST to the engine to deploy to."
fi
if [ "$action" = up ] && [ "$swarm" != active ]; then
  say "the engine is in no swarm yet (state: ${swarm:-none}); running docker swarm init"
  # On a host with several addresses Docker cannot pick one to advertise: a dev stack on one
  # machine needs none but loopback.
  docker swarm init >/dev/null 2>&1 || docker swarm init --advertise-addr 127.0.0.1 >/dev/null ||
    die "docker swarm init failed (see above). Fix: run docker swarm init yourself, then run this again."
fi

mkdir -p "$STATE"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$STATE}"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  passphrase_file="$STATE/$STACK.passphrase"
  if [ ! -s "$passphrase_file" ] && [ "$action" = up ]; then
    (
      umask 077
      head -c 24 /dev/urandom | base64 >"$passphrase_file"
    )
    say "generated the dev-only passphrase that encrypts the stack's secrets: $passphrase_file (keep it with the state)"
  fi
  # Without it (down of a stack made elsewhere), pulumi asks for the passphrase.
  if [ -s "$passphrase_file" ]; then export PULUMI_CONFIG_PASSPHRASE_FILE="$passphrase_file"; fi
fi

cd "$ROOT"
if ! pulumi stack select "$STACK" --non-interactive >/dev/null 2>&1; then
  if [ "$action" = down ]; then
    say "the $STACK stack does not exist in $PULUMI_BACKEND_URL: nothing to remove."
    exit 0
  fi
  pulumi stack init "$STACK" --secrets-provider passphrase --non-interactive >/dev/null
  say "created the $STACK stack in $PULUMI_BACKEND_URL"
fi

if [ "$action" = down ]; then
  exec pulumi destroy --stack "$STACK" "$@"
fi
environment="$(awk '$1 == "homeport:environment:" { gsub(/["\047]/, "", $2); print $2; exit }' "$STACK_FILE")"
environment="${environment:-dev}"
pack_config="policies/config/$environment.json"
[ -f "$pack_config" ] ||
  die "$pack_config does not exist (homeport:environment is \"$environment\"). Fix: set homeport:environment to dev or production."
exec pulumi up --stack "$STACK" --policy-pack policies --policy-pack-config "$pack_config" "$@"
