#!/usr/bin/env bash
#
# A throwaway Docker engine (Debian's docker.io) and a single-node Swarm for the end-to-end suite.
#
#   tools/docker-engine.sh install        apt-get install docker.io debootstrap, when missing
#   tools/docker-engine.sh start <dir>    start dockerd with its data under <dir>, init a Swarm
#   tools/docker-engine.sh stop <dir>     leave the Swarm, stop dockerd and containerd
#   tools/docker-engine.sh status <dir>   exit 0 when the engine answers
#
# The engine runs without iptables and without the default bridge, so it works in containers and
# small VMs, on the overlay2 storage driver (containers share their image's layers; vfs, which
# copies every layer and container in full, with HOMEPORT_DOCKER_STORAGE_DRIVER=vfs where
# overlayfs is missing). Its data root, exec root, pid file and log are under
# <dir>; it listens on <dir>/docker.sock and, so that services which bind-mount the engine's
# socket (Traefik's Swarm provider) find it, on /var/run/docker.sock as well when that path is
# free. start writes <dir>/docker.env (DOCKER_HOST, HOMEPORT_DOCKER_SOCKET) and prints its path.
#
# Environment:
#   HOMEPORT_DOCKER_TIMEOUT  seconds to wait for the engine (default 60)
#   HOMEPORT_DOCKER_SHARED_SOCKET  set to 0 to skip /var/run/docker.sock
#   HOMEPORT_DOCKER_STORAGE_DRIVER  overlay2 (default) or vfs
set -euo pipefail

TIMEOUT="${HOMEPORT_DOCKER_TIMEOUT:-60}"
SHARED_SOCKET=/var/run/docker.sock
DOCKER=/usr/bin/docker

die() {
  echo "docker-engine: $*" >&2
  exit 1
}
log() { echo "docker-engine: $*" >&2; }

install_engine() {
  if [ -x /usr/sbin/dockerd ] && [ -x "$DOCKER" ] && command -v debootstrap >/dev/null; then
    return 0
  fi
  [ "$(id -u)" = 0 ] || die "installing docker.io needs root"
  log "installing docker.io and debootstrap"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >/dev/null
  fi
}

# alive <socket>: true when an engine answers on the socket.
alive() {
  [ -S "$1" ] && DOCKER_HOST="unix://$1" "$DOCKER" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

start_engine() {
  local dir="$1" sock hosts
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  sock="$dir/docker.sock"
  if alive "$sock"; then
    log "an engine already answers on $sock"
  else
    [ -x /usr/sbin/dockerd ] || die "dockerd is missing; run: $0 install"
    hosts=(-H "unix://$sock")
    if [ "${HOMEPORT_DOCKER_SHARED_SOCKET:-1}" != 0 ]; then
      if alive "$SHARED_SOCKET"; then
        die "another engine answers on $SHARED_SOCKET; stop it first (services bind-mount that path)"
      fi
      rm -f "$SHARED_SOCKET"
      hosts+=(-H "unix://$SHARED_SOCKET")
    fi
    mkdir -p "$dir/data" "$dir/exec"
    # setsid: the engine outlives the shell that started it, and stop finds it by its pid file.
    setsid /usr/sbin/dockerd --iptables=false --ip6tables=false --bridge=none \
      --storage-driver="${HOMEPORT_DOCKER_STORAGE_DRIVER:-overlay2}" --data-root "$dir/data" --exec-root "$dir/exec" \
      --pidfile "$dir/dockerd.pid" "${hosts[@]}" >"$dir/dockerd.log" 2>&1 </dev/null &
    local waited=0
    until alive "$sock"; do
      if [ "$waited" -ge "$TIMEOUT" ]; then
        tail -n 30 "$dir/dockerd.log" >&2 || true
        die "the engine did not answer within ${TIMEOUT}s"
      fi
      sleep 1
      waited=$((waited + 1))
    done
  fi
  export DOCKER_HOST="unix://$sock"
  if [ "$("$DOCKER" info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
    # One task of history: under vfs every kept task is a full copy of its image.
    "$DOCKER" swarm init --advertise-addr 127.0.0.1 --task-history-limit 1 >/dev/null
  fi
  cat >"$dir/docker.env" <<EOF
export DOCKER_HOST="unix://$sock"
export HOMEPORT_DOCKER_SOCKET="$sock"
EOF
  echo "$dir/docker.env"
}

stop_engine() {
  local dir="$1" pid
  [ -f "$dir/dockerd.pid" ] || return 0
  pid="$(cat "$dir/dockerd.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    DOCKER_HOST="unix://$dir/docker.sock" "$DOCKER" swarm leave --force >/dev/null 2>&1 || true
    kill "$pid"
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$waited" -ge 30 ]; then
        log "dockerd $pid did not stop in 30s; killing it"
        kill -9 "$pid" 2>/dev/null || true
        break
      fi
      sleep 1
      waited=$((waited + 1))
    done
  fi
  rm -f "$dir/dockerd.pid"
  # Only remove the shared socket if it is a dead leftover of this engine.
  if [ -S "$SHARED_SOCKET" ] && ! alive "$SHARED_SOCKET"; then rm -f "$SHARED_SOCKET"; fi
}

case "${1:-}" in
  install) install_engine ;;
  start)
    [ $# -eq 2 ] || die "usage: $0 start <dir>"
    start_engine "$2"
    ;;
  stop)
    [ $# -eq 2 ] || die "usage: $0 stop <dir>"
    stop_engine "$2"
    ;;
  status)
    [ $# -eq 2 ] || die "usage: $0 status <dir>"
    alive "$2/docker.sock"
    ;;
  *) die "usage: $0 install | start <dir> | stop <dir> | status <dir>" ;;
esac
