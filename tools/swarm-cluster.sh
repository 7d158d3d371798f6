#!/usr/bin/env bash
#
# A throwaway multi-node Docker Swarm on one machine, for the multi-node end-to-end suite: N Debian
# dockerd (docker.io, installed by tools/docker-engine.sh install), each in its own network, UTS
# and mount namespace, their namespaces joined by veth pairs on one bridge; the first M nodes are
# managers (default: every node), the others workers.
#
#   tools/swarm-cluster.sh up <dir> [N] [M]   start N nodes (default 3), M of them managers (default
#                                             N), form the swarm, label them
#   tools/swarm-cluster.sh images <dir>       build the e2e images on node-1 (the real RabbitMQ
#                                             image too), load them on every node
#   tools/swarm-cluster.sh lose <dir> <node>  a node lost: its link cut, its engine and containers killed
#   tools/swarm-cluster.sh down <dir>         stop every node, remove namespaces, bridge, rules
#   tools/swarm-cluster.sh client <cmd…>      run a command in the client namespace on the bridge
#
# Addresses: 10.213.77.0/24, a private test range used only inside the namespaces this script
# creates (node-N is .1N, the client namespace is .100); the bridge itself has no address in the
# machine's own namespace. Node N's engine answers on <dir>/node-N/run/docker.sock; `up` writes
# <dir>/node-N/docker.env and <dir>/cluster.env (HOMEPORT_SWARM_NODES, the node names).
#
# Each engine gets a private /run (bind-mounted from <dir>/node-N/run inside its own mount
# namespace), so /var/run/docker.sock, which Traefik and Prometheus bind-mount, is that node's own
# socket, and containerd's and libnetwork's state under /run never collide between nodes. Nodes
# get their host name (node-N) from their UTS namespace and the label homeport.zone=zone-N, which
# the stack's spread preference reads (node.labels.homeport.zone).
#
# Every wait is bounded (HOMEPORT_SWARM_TIMEOUT seconds, default 60). `up` tears down what it
# started when a step fails; `down` is safe to run any number of times.
set -Eeuo pipefail

TIMEOUT="${HOMEPORT_SWARM_TIMEOUT:-60}"
DOCKER=/usr/bin/docker
PREFIX=hpsw
BRIDGE="$PREFIX-br"
NET=10.213.77
CLIENT_NS="$PREFIX-client"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() {
  echo "swarm-cluster: $*" >&2
  exit 1
}
log() { echo "swarm-cluster: $*" >&2; }

ns_of() { echo "$PREFIX-node-$1"; }
addr_of() { echo "$NET.$((10 + $1))"; }
sock_of() { echo "$1/node-$2/run/docker.sock"; }
dockern() {
  local dir="$1" n="$2"
  shift 2
  DOCKER_HOST="unix://$(sock_of "$dir" "$n")" timeout "$TIMEOUT" "$DOCKER" "$@"
}
alive() { [ -S "$(sock_of "$1" "$2")" ] && dockern "$1" "$2" version >/dev/null 2>&1; }

# wait_for <what> <command…>: retries the command once a second, at most TIMEOUT seconds.
wait_for() {
  local what="$1" waited=0
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$waited" -lt "$TIMEOUT" ] || die "$what: not within ${TIMEOUT}s"
    sleep 1
    waited=$((waited + 1))
  done
}

node_count() { cat "$1/nodes" 2>/dev/null || echo 0; }

link_ns() {
  local ns="$1" addr="$2" veth="$3"
  ip netns add "$ns"
  ip link add "$veth" type veth peer name eth0 netns "$ns"
  ip link set "$veth" master "$BRIDGE" up
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
}

start_node() {
  local dir="$1" n="$2" nd
  nd="$dir/node-$n"
  mkdir -p "$nd/run" "$nd/data"
  # A fresh node every time: an earlier run's swarm, containers, volumes and networks go; the
  # image store stays, so images are loaded once.
  rm -rf "$nd/data/swarm" "$nd/data/containers" "$nd/data/volumes" "$nd/data/network" "$nd/run/"*
  link_ns "$(ns_of "$n")" "$(addr_of "$n")" "$PREFIX-v$n"
  # nsenter --net, not `ip netns exec` (which remounts /sys and hides the cgroup mounts); the
  # private /run is mounted after nsenter has read /run/netns.
  setsid unshare --uts --mount --propagation private -- \
    nsenter --net="/var/run/netns/$(ns_of "$n")" -- sh -c '
      hostname "$1" && mount --bind "$2/run" /run && exec /usr/sbin/dockerd \
        --iptables=false --ip6tables=false --bridge=none --storage-driver=overlay2 \
        --data-root "$2/data" --exec-root /run/docker --pidfile /run/dockerd.pid \
        -H unix:///run/docker.sock' sh "node-$n" "$nd" >"$nd/dockerd.log" 2>&1 </dev/null &
  echo $! >"$nd/launcher.pid"
  cat >"$nd/docker.env" <<EOF
export DOCKER_HOST="unix://$nd/run/docker.sock"
EOF
}

up() {
  local dir="$1" n="${2:-3}" managers="${3:-${2:-3}}" i token role
  [ -x /usr/sbin/dockerd ] || die "dockerd is missing; run: tools/docker-engine.sh install"
  [ "$(id -u)" = 0 ] || die "namespaces and bridges need root"
  ip link show "$BRIDGE" >/dev/null 2>&1 && die "bridge $BRIDGE exists: a cluster is up; run: $0 down <its dir>"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  [ "$managers" -ge 1 ] && [ "$managers" -le "$n" ] || die "managers: $managers is not between 1 and $n"
  echo "$n" >"$dir/nodes"
  trap 'log "start failed; tearing down"; down "$dir"' ERR
  ip link add "$BRIDGE" type bridge
  ip link set "$BRIDGE" up
  # Bridged traffic passes through iptables here and another engine may have set FORWARD to DROP.
  if command -v iptables >/dev/null; then iptables -I FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT; fi
  link_ns "$CLIENT_NS" "$NET.100" "$PREFIX-vc"
  for i in $(seq 1 "$n"); do start_node "$dir" "$i"; done
  for i in $(seq 1 "$n"); do wait_for "node-$i's engine" alive "$dir" "$i"; done
  dockern "$dir" 1 swarm init --advertise-addr "$(addr_of 1)" --listen-addr "$(addr_of 1):2377" \
    --task-history-limit 1 >/dev/null
  for i in $(seq 2 "$n"); do
    role=manager
    [ "$i" -le "$managers" ] || role=worker
    token="$(dockern "$dir" 1 swarm join-token -q "$role")"
    dockern "$dir" "$i" swarm join --token "$token" --advertise-addr "$(addr_of "$i")" \
      --listen-addr "$(addr_of "$i"):2377" "$(addr_of 1):2377" >/dev/null
  done
  ready_nodes() {
    [ "$(dockern "$dir" 1 node ls --format '{{.Status}} {{.ManagerStatus}}' | grep -c '^Ready ')" = "$n" ]
  }
  wait_for "$n ready nodes ($managers managers)" ready_nodes
  for i in $(seq 1 "$n"); do
    dockern "$dir" 1 node update --label-add "homeport.zone=zone-$i" "node-$i" >/dev/null
  done
  trap - ERR
  local names
  names="$(seq -s ' ' -f 'node-%g' 1 "$n")"
  cat >"$dir/cluster.env" <<EOF
export HOMEPORT_SWARM_DIR="$dir"
export HOMEPORT_SWARM_NODES="$names"
export DOCKER_HOST="unix://$dir/node-1/run/docker.sock"
EOF
  log "$n nodes up ($managers managers): $names"
  echo "$dir/cluster.env"
}

# images: the e2e images, built once on node-1, then saved and loaded on every other node.
images() {
  local dir="$1" n i list
  n="$(node_count "$dir")"
  DOCKER_HOST="unix://$(sock_of "$dir" 1)" HOMEPORT_E2E_RABBITMQ=1 \
    bash "$HERE/../tests/e2e/images/build-images.sh" >&2
  list="$(dockern "$dir" 1 image ls --format '{{.Repository}}:{{.Tag}}' | grep -v '<none>' | sort)"
  for i in $(seq 2 "$n"); do
    # shellcheck disable=SC2086
    DOCKER_HOST="unix://$(sock_of "$dir" 1)" timeout 600 "$DOCKER" save $list |
      DOCKER_HOST="unix://$(sock_of "$dir" "$i")" timeout 600 "$DOCKER" load -q >/dev/null
  done
  echo "$list"
}

# The pids of the node's engine, containerd, shims and every container of the node.
node_pids() {
  local dir="$1" n="$2"
  if alive "$dir" "$n"; then
    dockern "$dir" "$n" ps -q | xargs -r env DOCKER_HOST="unix://$(sock_of "$dir" "$n")" \
      "$DOCKER" inspect -f '{{.State.Pid}}' 2>/dev/null | grep -v '^0$' || true
  fi
  ip netns pids "$(ns_of "$n")" 2>/dev/null || true
}

lose() {
  local dir="$1" n="$2"
  ip link set "$PREFIX-v$n" down
  node_pids "$dir" "$n" | sort -u | xargs -r kill -9 2>/dev/null || true
  log "node-$n lost (link down, engine and containers killed)"
}

down() {
  local dir="$1" n i pid waited
  n="$(node_count "$dir")"
  for i in $(seq 1 "$n"); do
    pid="$(cat "$dir/node-$i/run/dockerd.pid" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      waited=0
      while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 20 ]; do
        sleep 1
        waited=$((waited + 1))
      done
    fi
    # Whatever is left of the node (containers, shims, containerd): killed.
    node_pids "$dir" "$i" | sort -u | xargs -r kill -9 2>/dev/null || true
  done
  for i in $(seq 1 "$n"); do
    # Mounts the engine made under its data root stay behind when it is killed.
    grep -o " $dir/node-$i/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    ip netns del "$(ns_of "$i")" 2>/dev/null || true
  done
  ip netns del "$CLIENT_NS" 2>/dev/null || true
  if command -v iptables >/dev/null; then
    while iptables -D FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null; do :; done
  fi
  ip link del "$BRIDGE" 2>/dev/null || true
  rm -f "$dir/nodes"
}

case "${1:-}" in
  up)
    [ $# -ge 2 ] || die "usage: $0 up <dir> [N] [M]"
    up "$2" "${3:-3}" "${4:-${3:-3}}"
    ;;
  images)
    [ $# -eq 2 ] || die "usage: $0 images <dir>"
    images "$(cd "$2" && pwd)"
    ;;
  lose)
    [ $# -eq 3 ] || die "usage: $0 lose <dir> <N>"
    lose "$(cd "$2" && pwd)" "${3#node-}"
    ;;
  down)
    [ $# -eq 2 ] || die "usage: $0 down <dir>"
    [ -d "$2" ] || exit 0
    down "$(cd "$2" && pwd)"
    ;;
  client)
    shift
    exec ip netns exec "$CLIENT_NS" "$@"
    ;;
  *) die "usage: $0 up <dir> [N] [M] | images <dir> | lose <dir> <N> | down <dir> | client <cmd…>" ;;
esac
