#!/usr/bin/env bash
# shellcheck disable=SC2317 # health checks are only called through wait_until
#
# Real engines and checkers for the integration tests: Consul, etcd, kube-apiserver, the rest of
# a Kubernetes node (kube-controller-manager, kube-scheduler, kubelet, kube-proxy, CoreDNS),
# nomad-jobcheck (the checker of rendered Nomad jobs), Pebble (an ACME test CA), the upstream
# Prometheus release (prometheus and promtool, with the service discovery the product renders)
# and cAdvisor, built from the wrapper modules under toolchain/ into a cache outside the
# repository (tools/lib/go-cache.sh), plus helpers that run the servers on loopback.
#
#   tools/engines.sh build [NAME ...]     (default: all of ENGINES below)
#   tools/engines.sh path <NAME>
#   tools/engines.sh start-consul <dir>
#   tools/engines.sh start-kube <dir>
#   tools/engines.sh start-kube-node <dir>
#   tools/engines.sh stop <dir>
#
# Environment:
#   HOMEPORT_TOOLCHAIN_DIR  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/homeport/toolchain);
#                           binaries land in <root>/<name>-<version>/<name>
#   HOMEPORT_BUILD_NICE     niceness for go build (default 19)
#   HOMEPORT_E2E_NO_BUILD   1: a binary that is not built yet is an error, not a build
#   GO                      go binary (default: go on PATH, else /usr/local/go/bin/go)
#   HOMEPORT_KUBE_PORT      secure port for start-kube (default 6443 if free, else a free port)
#   HOMEPORT_ENGINE_TIMEOUT seconds to wait for a server to become healthy (default 120)
#
# No Nomad agent is built: github.com/hashicorp/nomad is not open source from 1.7 on.
# start-consul runs `consul agent -dev` with every port (HTTP, DNS, gRPC, server RPC, Serf LAN
# and WAN) on a free loopback port and writes <dir>/consul.env (CONSUL_HTTP_ADDR, ...).
# start-kube runs etcd and kube-apiserver (RBAC, static admin token, self-signed
# certificates under <dir>/kube/pki) and writes <dir>/kubeconfig, <dir>/token and
# <dir>/kube.env (KUBECONFIG, ...). Both wait until the servers are healthy and
# print the log tail when they are not. start-kube-node (root) runs the same on the
# address of a bridge of its own (hpkube0, 10.87.0.1/16), with kube-controller-manager,
# kube-scheduler, Debian's containerd (root, state and socket under <dir>, the Debian CNI
# plugins), kubelet, kube-proxy (iptables mode) and CoreDNS (cluster.local on 10.87.0.1), a
# sandbox image compiled from Kubernetes' pause.c, and waits until the node is Ready; it adds
# HOMEPORT_CONTAINERD_SOCKET and HOMEPORT_KUBE_NODE* to <dir>/kube.env. stop <dir> ends the
# processes whose pids were recorded in <dir>/*.pid (a node's pods first, then its iptables
# rules, shims and bridge go too). Logs are <dir>/<name>.log.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TIMEOUT="${HOMEPORT_ENGINE_TIMEOUT:-120}"
KUBE_NODE=(kube-controller-manager kube-scheduler kubelet kube-proxy)
ENGINES=(nomad-jobcheck consul etcd kube-apiserver "${KUBE_NODE[@]}" coredns pebble prometheus promtool cadvisor)
GO_CACHE_LOG=engines
# shellcheck source=tools/lib/go-cache.sh
. "$ROOT/tools/lib/go-cache.sh"

die() {
  echo "engines: $*" >&2
  exit 1
}
log() { echo "engines: $*" >&2; }

# ---------------------------------------------------------------------------
# Versions and build recipes. Versions are read from the wrapper go.mod files so
# that bumping a version is a one-line change there.

engine_dir() {
  case "$1" in
    consul) echo "$ROOT/toolchain/consul" ;;
    etcd) echo "$ROOT/toolchain/etcd" ;;
    kube-apiserver | kube-controller-manager | kube-scheduler | kubelet | kube-proxy) echo "$ROOT/toolchain/kube" ;;
    coredns) echo "$ROOT/toolchain/coredns" ;;
    nomad-jobcheck) echo "$ROOT/toolchain/nomad-jobcheck" ;;
    pebble) echo "$ROOT/toolchain/pebble" ;;
    prometheus | promtool) echo "$ROOT/toolchain/prometheus" ;;
    cadvisor) echo "$ROOT/toolchain/cadvisor" ;;
    *) die "unknown engine '$1' (expected one of: ${ENGINES[*]})" ;;
  esac
}

# engine_version <engine>: read from the wrapper go.mod, so that bumping a version is a one-line
# change there. The checker is versioned by the nomad/api pseudo-version it is built against.
engine_version() {
  local d
  d="$(engine_dir "$1")"
  case "$1" in
    consul) go_cache_modver "$d/go.mod" github.com/hashicorp/consul ;;
    etcd) go_cache_modver "$d/go.mod" go.etcd.io/etcd/server/v3 ;;
    kube-apiserver | kube-controller-manager | kube-scheduler | kubelet | kube-proxy) go_cache_modver "$d/go.mod" k8s.io/kubernetes ;;
    coredns) go_cache_modver "$d/go.mod" github.com/coredns/coredns ;;
    nomad-jobcheck) go_cache_modver "$d/go.mod" github.com/hashicorp/nomad/api ;;
    pebble) go_cache_modver "$d/go.mod" github.com/letsencrypt/pebble/v2 ;;
    # Prometheus 3.XX.Y is published as the Go module version v0.3XX.Y.
    prometheus | promtool) go_cache_modver "$d/go.mod" github.com/prometheus/prometheus |
      awk -F. '{ printf "%d.%d.%s\n", substr($2, 1, 1), substr($2, 2), $3 }' ;;
    cadvisor) go_cache_modver "$d/go.mod" github.com/google/cadvisor ;;
  esac
}

# The service discovery compiled into Prometheus: the kinds the product renders (upstream
# github.com/prometheus/prometheus plugins/plugin_*.go: each SD is a build tag); file and http
# SD are always compiled in.
PROMETHEUS_TAGS=netgo,remove_all_sd,enable_moby_sd,enable_kubernetes_sd,enable_consul_sd,enable_nomad_sd

engine_path() {
  local v
  v="$(engine_version "$1")"
  [ -n "$v" ] || die "cannot read the $1 version from $(engine_dir "$1")/go.mod"
  go_cache_path "$1" "$v"
}

# go_build <out> <engine>: compiles one engine into <out> (go_cache_ensure's build function).
go_build() {
  local out="$1" name="$2" dir v pkg minor ldflags="-s -w"
  dir="$(engine_dir "$name")"
  v="$(engine_version "$name")"
  case "$name" in
    consul)
      # The release build stamps the commit; the version itself is in consul's version package.
      pkg=github.com/hashicorp/consul
      ldflags+=" -X github.com/hashicorp/consul/version.GitCommit=v$v"
      ;;
    etcd | nomad-jobcheck) pkg=. ;;
    pebble)
      pkg=github.com/letsencrypt/pebble/v2/cmd/pebble
      go_cache_go "$dir" -ldflags "$ldflags" -o "$out" "$pkg" || return 1
      # Pebble's own TLS certificate and the CA that signs it, as the ACME checks expect them.
      # After the build: on a cold module cache `go list -m` names no directory until the module
      # is downloaded, and the copy then found nothing (a fresh machine's ACME checks skipped).
      local certs
      certs="$(cd "$dir" && GOFLAGS='' "$GO_CACHE_GO" list -mod=readonly -m -f '{{.Dir}}' github.com/letsencrypt/pebble/v2)/test/certs"
      [ -f "$certs/pebble.minica.pem" ] || {
        echo "engines: Pebble's test certificates are not at $certs" >&2
        return 1
      }
      rm -rf "$GO_CACHE_DEST/certs"
      cp -r "$certs" "$GO_CACHE_DEST/certs" && chmod -R u+w "$GO_CACHE_DEST/certs"
      return
      ;;
    cadvisor)
      pkg=.
      ldflags+=" -X github.com/google/cadvisor/lib/version.Version=v$v"
      ;;
    prometheus | promtool)
      # The release's ldflags (upstream .promu.yml); the web UI assets are not embedded
      # (no builtinassets tag: they are built with npm upstream), the HTTP API is complete.
      pkg=github.com/prometheus/prometheus/cmd/$name
      ldflags+=" -X github.com/prometheus/common/version.Version=$v"
      ldflags+=" -X github.com/prometheus/common/version.Revision=v$v"
      ldflags+=" -X github.com/prometheus/common/version.Branch=release"
      ldflags+=" -X github.com/prometheus/common/version.BuildUser=homeport"
      go_cache_go "$dir" -tags "$PROMETHEUS_TAGS" -ldflags "$ldflags" -o "$out" "$pkg"
      return
      ;;
    coredns)
      pkg=.
      ldflags+=" -X github.com/coredns/coredns/coremain.GitCommit=v$v"
      ;;
    kube-apiserver | kube-controller-manager | kube-scheduler | kubelet | kube-proxy)
      pkg=k8s.io/kubernetes/cmd/$name
      minor="${v#*.}"
      minor="${minor%%.*}"
      ldflags+=" -X k8s.io/component-base/version.gitVersion=v$v -X k8s.io/component-base/version.gitMajor=1"
      ldflags+=" -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
      ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=v$v -X k8s.io/client-go/pkg/version.gitMajor=1"
      ldflags+=" -X k8s.io/client-go/pkg/version.gitMinor=$minor"
      ;;
  esac
  go_cache_go "$dir" -ldflags "$ldflags" -o "$out" "$pkg"
}

build_one() {
  local v bin
  v="$(engine_version "$1")"
  # A Pebble cached without its certificates (built by an earlier engines.sh on a cold module
  # cache) is built again.
  bin="$(go_cache_path "$1" "$v")"
  if [ "$1" = pebble ] && [ -x "$bin" ] && [ ! -f "$(dirname "$bin")/certs/pebble.minica.pem" ]; then
    rm -f "$bin"
  fi
  go_cache_ensure "$1" "$v" "$(engine_dir "$1")" go_build "$1" > /dev/null || die "$1 $v is not available"
}

cmd_build() {
  local -a names=("$@")
  [ ${#names[@]} -gt 0 ] || names=("${ENGINES[@]}")
  local n
  for n in "${names[@]}"; do
    engine_dir "$n" > /dev/null
    build_one "$n"
    echo "$n $(engine_version "$n"): $(engine_path "$n")"
  done
}

cmd_path() {
  [ $# -eq 1 ] || die "usage: engines.sh path <${ENGINES[*]// /|}>"
  local bin
  bin="$(engine_path "$1")"
  [ -x "$bin" ] || die "$1 is not built yet ($bin); run tools/engines.sh build $1"
  # Built from another version of its wrapper module: start-* would rebuild it, so it is not there.
  go_cache_have "$1" "$(engine_version "$1")" "$(go_cache_stamp "$(engine_dir "$1")")" ||
    die "$1 at $bin was built from another version of $(engine_dir "$1"); run tools/engines.sh build $1"
  echo "$bin"
}

# ---------------------------------------------------------------------------
# Running the engines on loopback.

# port_free <port>: true when nothing listens on 127.0.0.1:<port>.
port_free() {
  ! (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null
}

# free_port <var> [preferred]: sets var to the preferred port if it is free,
# else to a random free one that no earlier call of this run handed out.
TAKEN_PORTS=" "
free_port() {
  local var="$1" p="${2:-}"
  if [ -n "$p" ] && port_free "$p" && [[ "$TAKEN_PORTS" != *" $p "* ]]; then
    TAKEN_PORTS+="$p "
    printf -v "$var" '%s' "$p"
    return 0
  fi
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 30000))
    if port_free "$p" && [[ "$TAKEN_PORTS" != *" $p "* ]]; then
      TAKEN_PORTS+="$p "
      printf -v "$var" '%s' "$p"
      return 0
    fi
  done
  die "no free TCP port found on 127.0.0.1"
}

pid_alive() {
  local f="$1"
  [ -s "$f" ] && kill -0 "$(cat "$f")" 2> /dev/null
}

# spawn <pidfile> <logfile> <cmd...>: runs cmd in its own session (so stop can
# end it together with its children) and records its pid.
spawn() {
  local pidfile="$1" logfile="$2"
  shift 2
  setsid "$@" < /dev/null > "$logfile" 2>&1 &
  echo $! > "$pidfile"
}

# fail_start <what> <logfile> <dir>: reports a failed start with the log tail,
# stops whatever was started in <dir>, and exits.
fail_start() {
  local pidfile="${2%.log}.pid" why
  if pid_alive "$pidfile"; then why="did not become healthy within ${TIMEOUT}s"; else why="exited"; fi
  echo "engines: $1 $why; last lines of $2:" >&2
  tail -n 40 "$2" 2> /dev/null | sed 's/^/  | /' >&2 || true
  cmd_stop "$3" > /dev/null 2>&1 || true
  exit 1
}

# wait_until <seconds> <pidfile> <cmd...>: polls cmd until it succeeds; fails
# early when the process behind pidfile has exited.
wait_until() {
  local secs="$1" pidfile="$2" deadline
  shift 2
  deadline=$(($(date +%s) + secs))
  while ! "$@" > /dev/null 2>&1; do
    pid_alive "$pidfile" || return 1
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# consul_ready <http address>: a leader is elected (the dev server elects itself) and the
# catalogue answers.
consul_ready() {
  local leader
  leader="$(curl -fsS "$1/v1/status/leader")" || return 1
  [ -n "$leader" ] && [ "$leader" != '""' ] || return 1
  curl -fsS "$1/v1/catalog/nodes" | grep -q '"Node"'
}

cmd_start_consul() {
  [ $# -eq 1 ] || die "usage: engines.sh start-consul <dir>"
  local dir bin http dns grpc server serf_lan serf_wan addr t0
  mkdir -p "$1"
  dir="$(cd "$1" && pwd)"
  pid_alive "$dir/consul.pid" && die "consul is already running from $dir (pid $(cat "$dir/consul.pid"))"
  build_one consul
  bin="$(engine_path consul)"
  free_port http
  free_port dns
  free_port grpc
  free_port server
  free_port serf_lan
  free_port serf_wan
  addr="http://127.0.0.1:$http"
  rm -rf "$dir/consul"
  mkdir -p "$dir/consul"
  # Every listener on loopback and on a port of its own, so that several agents (and other
  # suites) can run side by side. Option names: agent/config/config.go of the consul module.
  cat > "$dir/consul/agent.hcl" << EOF
node_name      = "homeport-e2e"
datacenter     = "dc1"
bind_addr      = "127.0.0.1"
client_addr    = "127.0.0.1"
advertise_addr = "127.0.0.1"
log_level      = "INFO"

ports {
  http     = $http
  https    = -1
  dns      = $dns
  grpc     = $grpc
  grpc_tls = -1
  server   = $server
  serf_lan = $serf_lan
  serf_wan = $serf_wan
}

# Script checks are what Nomad registers for command checks; the dev agent must run them.
enable_local_script_checks = true
EOF
  t0=$(date +%s%N)
  spawn "$dir/consul.pid" "$dir/consul.log" "$bin" agent -dev -config-file "$dir/consul/agent.hcl"
  wait_until "$TIMEOUT" "$dir/consul.pid" consul_ready "$addr" || fail_start "consul ($addr)" "$dir/consul.log" "$dir"
  cat > "$dir/consul.env" << EOF
export CONSUL_HTTP_ADDR=$addr
export HOMEPORT_CONSUL_DNS_PORT=$dns
export HOMEPORT_CONSUL_GRPC_PORT=$grpc
export HOMEPORT_CONSUL_SERF_LAN_PORT=$serf_lan
export HOMEPORT_CONSUL_BIN=$bin
EOF
  echo "consul $(engine_version consul) ready at $addr (DNS 127.0.0.1:$dns) in $(ms_since "$t0") ms (pid $(cat "$dir/consul.pid"), log $dir/consul.log, env $dir/consul.env)"
}

# kube_kubeconfig <file> <server> <ca> <token>
kube_kubeconfig() {
  cat > "$1" << EOF
apiVersion: v1
kind: Config
clusters:
  - name: homeport-test
    cluster:
      server: $2
      certificate-authority-data: $(base64 -w0 < "$3")
users:
  - name: admin
    user:
      token: $4
contexts:
  - name: homeport-test
    context:
      cluster: homeport-test
      user: admin
      namespace: default
current-context: homeport-test
EOF
  chmod 600 "$1"
}

# kube_pki <pkidir> [address]: a CA, a serving certificate for kube-apiserver and the
# service-account signing key pair, all self-signed, for loopback (and the node's bridge address).
kube_pki() {
  local d="$1" extra="${2:+, IP:$2}"
  mkdir -p "$d"
  (
    cd "$d"
    # P-256 keys: as good as RSA here and generated in milliseconds.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
      -subj "/CN=homeport-test-ca" -keyout ca.key -out ca.crt 2> /dev/null
    cat > serving.ext << EOF
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, IP:127.0.0.1, IP:10.0.0.1$extra
EOF
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=kube-apiserver" \
      -keyout apiserver.key -out apiserver.csr 2> /dev/null
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
      -extfile serving.ext -out apiserver.crt 2> /dev/null
    # The API server's client certificate for kubelet (logs, exec), in the admins' group.
    printf 'keyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\n' > client.ext
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -subj "/O=system:masters/CN=kube-apiserver-kubelet-client" \
      -keyout kubelet-client.key -out kubelet-client.csr 2> /dev/null
    openssl x509 -req -in kubelet-client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
      -extfile client.ext -out kubelet-client.crt 2> /dev/null
    openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:prime256v1 -out sa.key 2> /dev/null
    openssl pkey -in sa.key -pubout -out sa.pub 2> /dev/null
    chmod 600 ./*.key
  )
}

etcd_ready() { curl -fsS "$1/health" | grep -q '"health":"true"'; }

kube_ready() {
  [ "$(curl -fsS --cacert "$2" -H "Authorization: Bearer $3" "$1/readyz")" = ok ]
}

cmd_start_kube() {
  [ $# -eq 1 ] || die "usage: engines.sh start-kube <dir>"
  start_control_plane "$1" 127.0.0.1
}

# start_control_plane <dir> <address>: etcd and kube-apiserver serving on <address>. On loopback
# (start-kube) nothing runs pods: ServiceAccount admission and the endpoint reconciler are off.
# On the node's bridge address (start-kube-node) both are on, so that pods reach the API server
# through the "kubernetes" Service.
start_control_plane() {
  local dir kd etcd_bin api_bin eport pport kport etcd_url server token t0 t1 addr="$2"
  local -a mode=()
  mkdir -p "$1"
  dir="$(cd "$1" && pwd)"
  kd="$dir/kube"
  pid_alive "$dir/kube-apiserver.pid" && die "kube-apiserver is already running from $dir"
  pid_alive "$dir/etcd.pid" && die "etcd is already running from $dir"
  build_one etcd
  build_one kube-apiserver
  etcd_bin="$(engine_path etcd)"
  api_bin="$(engine_path kube-apiserver)"
  command -v openssl > /dev/null || die "openssl is needed to make the test certificates"
  rm -rf "$kd"
  mkdir -p "$kd/etcd"
  kube_pki "$kd/pki" "$([ "$addr" = 127.0.0.1 ] || echo "$addr")"
  token="$(openssl rand -hex 24)"
  printf '%s,admin,admin,system:masters\n' "$token" > "$kd/tokens.csv"
  chmod 600 "$kd/tokens.csv"
  printf '%s\n' "$token" > "$dir/token"
  chmod 600 "$dir/token"

  free_port eport
  free_port pport
  if [ -n "${HOMEPORT_KUBE_PORT:-}" ] && ! port_free "$HOMEPORT_KUBE_PORT"; then
    die "HOMEPORT_KUBE_PORT=$HOMEPORT_KUBE_PORT is already in use on 127.0.0.1"
  fi
  free_port kport "${HOMEPORT_KUBE_PORT:-6443}"
  etcd_url="http://127.0.0.1:$eport"
  server="https://$addr:$kport"

  t0=$(date +%s%N)
  spawn "$dir/etcd.pid" "$dir/etcd.log" "$etcd_bin" \
    --name homeport --data-dir "$kd/etcd" \
    --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
    --listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
    --initial-cluster "homeport=http://127.0.0.1:$pport" --initial-cluster-state new \
    --unsafe-no-fsync --log-level warn
  wait_until "$TIMEOUT" "$dir/etcd.pid" etcd_ready "$etcd_url" || fail_start "etcd ($etcd_url)" "$dir/etcd.log" "$dir"
  echo "etcd $(engine_version etcd) ready at $etcd_url in $(ms_since "$t0") ms (pid $(cat "$dir/etcd.pid"), log $dir/etcd.log)"

  t1=$(date +%s%N)
  # On loopback, ServiceAccount admission is off: without kube-controller-manager nothing
  # would create the default service accounts that Pods reference. The endpoint reconciler is
  # off because the "kubernetes" Service may not point at a loopback address.
  # On the node's address, the API server reaches kubelet (logs, exec) at the node's address: no
  # DNS knows the node's name.
  if [ "$addr" = 127.0.0.1 ]; then
    mode=(--disable-admission-plugins ServiceAccount --endpoint-reconciler-type none)
  else
    mode=(--kubelet-preferred-address-types InternalIP
      --kubelet-client-certificate "$kd/pki/kubelet-client.crt" --kubelet-client-key "$kd/pki/kubelet-client.key")
  fi
  spawn "$dir/kube-apiserver.pid" "$dir/kube-apiserver.log" "$api_bin" \
    --etcd-servers "$etcd_url" \
    --bind-address "$addr" --advertise-address "$addr" --secure-port "$kport" \
    --cert-dir "$kd/pki" \
    --tls-cert-file "$kd/pki/apiserver.crt" --tls-private-key-file "$kd/pki/apiserver.key" \
    --client-ca-file "$kd/pki/ca.crt" \
    --token-auth-file "$kd/tokens.csv" \
    --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$kd/pki/sa.pub" \
    --service-account-signing-key-file "$kd/pki/sa.key" \
    --service-cluster-ip-range 10.0.0.0/24 \
    "${mode[@]}" \
    --allow-privileged=true \
    --profiling=false
  wait_until "$TIMEOUT" "$dir/kube-apiserver.pid" kube_ready "$server" "$kd/pki/ca.crt" "$token" ||
    fail_start "kube-apiserver ($server)" "$dir/kube-apiserver.log" "$dir"

  kube_kubeconfig "$dir/kubeconfig" "$server" "$kd/pki/ca.crt" "$token"
  cat > "$dir/kube.env" << EOF
export KUBECONFIG=$dir/kubeconfig
export HOMEPORT_KUBE_SERVER=$server
export HOMEPORT_KUBE_TOKEN_FILE=$dir/token
export HOMEPORT_KUBE_CA=$kd/pki/ca.crt
export HOMEPORT_ETCD_URL=$etcd_url
EOF
  echo "kube-apiserver $(engine_version kube-apiserver) ready at $server in $(ms_since "$t1") ms (pid $(cat "$dir/kube-apiserver.pid"), log $dir/kube-apiserver.log)"
  echo "kubeconfig: $dir/kubeconfig (env $dir/kube.env)"
}

# ---------------------------------------------------------------------------
# A single-node Kubernetes: the control plane above on the node's bridge address, plus
# kube-controller-manager, kube-scheduler, Debian's containerd (CRI, runc, the Debian CNI
# plugins), kubelet, kube-proxy (iptables mode: the kernel has no IPVS) and CoreDNS, every one
# with its state under <dir>. Pods get addresses on the bridge KUBE_NODE_BRIDGE
# (KUBE_NODE_CIDR); CoreDNS answers cluster.local on the bridge's address.

KUBE_NODE_BRIDGE=hpkube0
KUBE_NODE_CIDR=10.87.0.0/16
KUBE_NODE_ADDR=10.87.0.1
KUBE_NODE_NAME=homeport-node
# The sandbox image: Kubernetes' own pause (build/pause/linux/pause.c of the k8s.io/kubernetes
# module), compiled here and imported into containerd, as no registry is reachable.
KUBE_PAUSE_IMAGE=docker.io/homeport-e2e/pause:3.10

# pause_image <archive>: a `docker save` archive of the sandbox image, built once per Kubernetes
# version and cached beside the other engines.
pause_image() {
  local out="$1" v src cache work cfg layer digest
  v="$(engine_version kubelet)"
  cache="$GO_CACHE_ROOT/pause-$v"
  if [ ! -f "$cache/pause.tar" ]; then
    command -v gcc > /dev/null || die "gcc is needed to build the sandbox image (Kubernetes' pause.c)"
    src="$(cd "$ROOT/toolchain/kube" && GOFLAGS='' "$GO_CACHE_GO" list -mod=readonly -m -f '{{.Dir}}' k8s.io/kubernetes)/build/pause/linux/pause.c"
    [ -f "$src" ] || die "no pause.c at $src"
    work="$(mktemp -d)"
    mkdir -p "$work/rootfs" "$cache"
    # The flags of upstream's build/pause/Makefile (static, optimised for size).
    gcc -Os -Wall -Werror -static -DVERSION="v3.10-homeport" -o "$work/rootfs/pause" "$src"
    strip "$work/rootfs/pause"
    tar --numeric-owner --owner=0 --group=0 -C "$work/rootfs" -cf "$work/layer.tar" pause
    layer="$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
    cfg='{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:'"$layer"'"]}}'
    digest="$(printf '%s' "$cfg" | sha256sum | cut -d' ' -f1)"
    printf '%s' "$cfg" > "$work/$digest.json"
    mkdir -p "$work/$layer" && mv "$work/layer.tar" "$work/$layer/layer.tar"
    printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' \
      "$digest" "${KUBE_PAUSE_IMAGE#docker.io/}" "$layer" > "$work/manifest.json"
    tar -C "$work" -cf "$cache/.pause.tar" manifest.json "$digest.json" "$layer/layer.tar"
    mv -f "$cache/.pause.tar" "$cache/pause.tar"
    rm -rf "$work"
  fi
  cp "$cache/pause.tar" "$out"
}


ctr_k8s() { ctr --address "$KN_DIR/containerd.sock" --namespace k8s.io "$@"; }
http_ok() { curl -fsS -o /dev/null "$1"; }
containerd_ready() { ctr --address "$1" version; }
node_ready() {
  curl -fsS --cacert "$2" -H "Authorization: Bearer $3" "$1/api/v1/nodes/$KUBE_NODE_NAME" |
    python3 -c 'import json,sys; n=json.load(sys.stdin); sys.exit(0 if any(c["type"]=="Ready" and c["status"]=="True" for c in n["status"]["conditions"]) else 1)'
}

cmd_start_kube_node() {
  [ $# -eq 1 ] || die "usage: engines.sh start-kube-node <dir>"
  local dir kd n t0 token server ca cport sport khealth pmetrics phealth dhealth dready
  [ "$(id -u)" = 0 ] || die "a Kubernetes node needs root (containerd, kubelet, iptables)"
  for n in containerd runc ctr iptables ip gcc; do
    command -v "$n" > /dev/null || die "$n is missing (Debian: containerd, runc, iptables, iproute2, gcc)"
  done
  [ -x /usr/lib/cni/bridge ] || die "the CNI plugins are missing in /usr/lib/cni (Debian: containernetworking-plugins)"
  ip link show "$KUBE_NODE_BRIDGE" > /dev/null 2>&1 && die "bridge $KUBE_NODE_BRIDGE exists: another node runs (stop it with engines.sh stop <its dir>)"
  mkdir -p "$1"
  dir="$(cd "$1" && pwd)"
  KN_DIR="$dir"
  kd="$dir/kube"
  for n in "${KUBE_NODE[@]}" coredns; do build_one "$n"; done
  t0=$(date +%s%N)

  # The bridge first: the API server listens on its address, and the pods' traffic between each
  # other passes FORWARD (bridge-nf-call-iptables), whose policy a dockerd may have set to DROP.
  ip link add "$KUBE_NODE_BRIDGE" type bridge
  ip addr add "$KUBE_NODE_ADDR/${KUBE_NODE_CIDR#*/}" dev "$KUBE_NODE_BRIDGE"
  ip link set "$KUBE_NODE_BRIDGE" up
  echo "$KUBE_NODE_BRIDGE" > "$dir/bridge"
  iptables -I FORWARD -i "$KUBE_NODE_BRIDGE" -j ACCEPT -m comment --comment homeport-kube-node
  iptables -I FORWARD -o "$KUBE_NODE_BRIDGE" -j ACCEPT -m comment --comment homeport-kube-node

  start_control_plane "$dir" "$KUBE_NODE_ADDR"
  # shellcheck disable=SC1091 # written just above
  . "$dir/kube.env"
  server="$HOMEPORT_KUBE_SERVER"
  ca="$HOMEPORT_KUBE_CA"
  token="$(cat "$dir/token")"

  free_port cport
  free_port sport
  spawn "$dir/kube-controller-manager.pid" "$dir/kube-controller-manager.log" "$(engine_path kube-controller-manager)" \
    --kubeconfig "$dir/kubeconfig" --authentication-kubeconfig "$dir/kubeconfig" --authorization-kubeconfig "$dir/kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$cport" --leader-elect=false \
    --root-ca-file "$ca" --service-account-private-key-file "$kd/pki/sa.key" \
    --service-cluster-ip-range 10.0.0.0/24 --cluster-cidr "$KUBE_NODE_CIDR" --allocate-node-cidrs=false \
    --profiling=false
  spawn "$dir/kube-scheduler.pid" "$dir/kube-scheduler.log" "$(engine_path kube-scheduler)" \
    --kubeconfig "$dir/kubeconfig" --authentication-kubeconfig "$dir/kubeconfig" --authorization-kubeconfig "$dir/kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$sport" --leader-elect=false --profiling=false

  # containerd 1.6 (config version 2), its root, state, socket and CNI configuration under <dir>.
  # restrict_oom_score_adj: our processes may not lower oom_score_adj (no CAP_SYS_RESOURCE), which
  # the pause container asks for. Keys: containerd 1.6 pkg/cri/config/config.go.
  mkdir -p "$dir/containerd" "$dir/cni/net.d" "$dir/cni/ipam"
  cat > "$dir/containerd/config.toml" << EOF
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

[grpc]
  address = "$dir/containerd.sock"

[ttrpc]
  address = "$dir/containerd.sock.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/containerd/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$KUBE_PAUSE_IMAGE"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni/net.d"
EOF
  # The Debian CNI plugins (containernetworking-plugins 1.1): a bridge that is the pods' gateway,
  # hairpin so that a pod reaches itself through its Service, host ports through portmap.
  cat > "$dir/cni/net.d/10-homeport.conflist" << EOF
{
  "cniVersion": "1.0.0",
  "name": "homeport",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$KUBE_NODE_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$dir/cni/ipam",
        "ranges": [[{ "subnet": "$KUBE_NODE_CIDR", "rangeStart": "10.87.1.1", "gateway": "$KUBE_NODE_ADDR" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
  spawn "$dir/containerd.pid" "$dir/containerd.log" containerd --config "$dir/containerd/config.toml"
  wait_until "$TIMEOUT" "$dir/containerd.pid" containerd_ready "$dir/containerd.sock" ||
    fail_start "containerd" "$dir/containerd.log" "$dir"
  pause_image "$dir/pause.tar"
  ctr_k8s images import "$dir/pause.tar" > /dev/null
  rm -f "$dir/pause.tar"

  # kubelet: cgroup v1 and swap allowed (this machine has both), no image garbage collection
  # (the imported images cannot be pulled again), no disk-pressure eviction on a shared disk, and
  # no iptables chains of its own (the machine's INPUT and OUTPUT stay as they were; kube-proxy
  # writes the rules Services need, and removes them with --cleanup).
  # Fields: k8s.io/kubelet config/v1beta1/types.go.
  free_port khealth
  mkdir -p "$dir/kubelet"
  : > "$dir/kubelet/resolv.conf"
  cat > "$dir/kubelet/config.yaml" << EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$dir/containerd.sock
cgroupDriver: cgroupfs
address: $KUBE_NODE_ADDR
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $khealth
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $ca
authorization:
  mode: Webhook
clusterDomain: cluster.local
clusterDNS: [$KUBE_NODE_ADDR]
resolvConf: $dir/kubelet/resolv.conf
oomScoreAdj: 0
makeIPTablesUtilChains: false
podLogsDir: $dir/kubelet/logs
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: "1Mi"
  nodefs.available: "0%"
  imagefs.available: "0%"
  nodefs.inodesFree: "0%"
  imagefs.inodesFree: "0%"
EOF
  spawn "$dir/kubelet.pid" "$dir/kubelet.log" "$(engine_path kubelet)" \
    --config "$dir/kubelet/config.yaml" --kubeconfig "$dir/kubeconfig" \
    --root-dir "$dir/kubelet/root" --cert-dir "$dir/kubelet/pki" \
    --hostname-override "$KUBE_NODE_NAME" --node-ip "$KUBE_NODE_ADDR"

  # kube-proxy in iptables mode (no IPVS in this kernel); it leaves conntrack's limits and its
  # own oom_score_adj alone, which it may not change here, and the machine's route_localnet
  # (no node ports on loopback). Fields: k8s.io/kube-proxy
  # config/v1alpha1/types.go.
  free_port pmetrics
  free_port phealth
  cat > "$dir/kube-proxy.yaml" << EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection:
  kubeconfig: $dir/kubeconfig
hostnameOverride: $KUBE_NODE_NAME
bindAddress: $KUBE_NODE_ADDR
healthzBindAddress: 127.0.0.1:$phealth
metricsBindAddress: 127.0.0.1:$pmetrics
clusterCIDR: $KUBE_NODE_CIDR
oomScoreAdj: 0
iptables:
  localhostNodePorts: false
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
EOF
  spawn "$dir/kube-proxy.pid" "$dir/kube-proxy.log" "$(engine_path kube-proxy)" --config "$dir/kube-proxy.yaml"

  # CoreDNS on the bridge's address, cluster.local from the API server (plugin/kubernetes); every
  # other name is refused: the node has no way out.
  free_port dhealth
  free_port dready
  cat > "$dir/Corefile" << EOF
cluster.local:53 in-addr.arpa:53 {
  bind $KUBE_NODE_ADDR
  errors
  health 127.0.0.1:$dhealth
  ready 127.0.0.1:$dready
  kubernetes cluster.local in-addr.arpa {
    kubeconfig $dir/kubeconfig homeport-test
    pods insecure
  }
  cache 5
  loadbalance
}
EOF
  spawn "$dir/coredns.pid" "$dir/coredns.log" "$(engine_path coredns)" -conf "$dir/Corefile"

  wait_until "$TIMEOUT" "$dir/kubelet.pid" node_ready "$server" "$ca" "$token" ||
    fail_start "kubelet (node $KUBE_NODE_NAME Ready)" "$dir/kubelet.log" "$dir"
  wait_until "$TIMEOUT" "$dir/kube-proxy.pid" http_ok "http://127.0.0.1:$phealth/healthz" ||
    fail_start "kube-proxy" "$dir/kube-proxy.log" "$dir"
  wait_until "$TIMEOUT" "$dir/coredns.pid" http_ok "http://127.0.0.1:$dready/ready" ||
    fail_start "CoreDNS" "$dir/coredns.log" "$dir"
  for n in kube-controller-manager kube-scheduler; do
    pid_alive "$dir/$n.pid" || fail_start "$n" "$dir/$n.log" "$dir"
  done
  cat >> "$dir/kube.env" << EOF
export HOMEPORT_KUBE_NODE=$KUBE_NODE_NAME
export HOMEPORT_KUBE_NODE_ADDR=$KUBE_NODE_ADDR
export HOMEPORT_KUBE_CIDR=$KUBE_NODE_CIDR
export HOMEPORT_CONTAINERD_SOCKET=$dir/containerd.sock
export HOMEPORT_KUBE_DNS=$KUBE_NODE_ADDR
EOF
  echo "kube node $KUBE_NODE_NAME ($(engine_version kubelet), containerd $(containerd --version | awk '{print $3}'), CoreDNS $(engine_version coredns)) Ready in $(ms_since "$t0") ms (pods on $KUBE_NODE_BRIDGE $KUBE_NODE_CIDR, logs $dir/*.log)"
}

# stop_kube_node <dir>: the controllers first (nothing makes new pods), then every pod is
# deleted while kubelet runs (it stops their containers and releases their networks), then the
# node's processes, kube-proxy's rules, containerd's left-over shims and the bridge.
stop_kube_node() {
  local dir="$1" server ca token f pid
  KN_DIR="$dir"
  for f in kube-controller-manager kube-scheduler; do [ -e "$dir/$f.pid" ] && stop_pidfile "$dir/$f.pid"; done
  if pid_alive "$dir/kubelet.pid" && pid_alive "$dir/kube-apiserver.pid" && [ -f "$dir/kube.env" ]; then
    server="$(sed -n 's/^export HOMEPORT_KUBE_SERVER=//p' "$dir/kube.env")"
    ca="$(sed -n 's/^export HOMEPORT_KUBE_CA=//p' "$dir/kube.env")"
    token="$(cat "$dir/token")"
    curl -fsS --cacert "$ca" -H "Authorization: Bearer $token" "$server/api/v1/pods" |
      python3 -c 'import json,sys; [print(p["metadata"]["namespace"], p["metadata"]["name"]) for p in json.load(sys.stdin)["items"]]' |
      while read -r ns name; do
        curl -fsS -o /dev/null --cacert "$ca" -H "Authorization: Bearer $token" -X DELETE \
          "$server/api/v1/namespaces/$ns/pods/$name?gracePeriodSeconds=0" || true
      done
    for _ in $(seq 1 60); do
      [ -z "$(ctr_k8s tasks ls -q 2> /dev/null)" ] && break
      sleep 1
    done
  fi
  for f in kubelet coredns kube-proxy; do [ -e "$dir/$f.pid" ] && stop_pidfile "$dir/$f.pid"; done
  # What kube-proxy wrote into iptables goes with it.
  if [ -f "$dir/kube-proxy.yaml" ]; then
    "$(engine_path kube-proxy)" --cleanup --config "$dir/kube-proxy.yaml" > /dev/null 2>&1 || true
    # Except the filter table's KUBE-FIREWALL, its copy of kubelet's chain, which --cleanup keeps
    # (k8s.io/kubernetes pkg/proxy/iptables/proxier.go, iptablesKubeletJumpChains).
    iptables -D INPUT -j KUBE-FIREWALL 2> /dev/null || true
    iptables -D OUTPUT -j KUBE-FIREWALL 2> /dev/null || true
    iptables -F KUBE-FIREWALL 2> /dev/null && iptables -X KUBE-FIREWALL 2> /dev/null || true
  fi
  if pid_alive "$dir/containerd.pid"; then
    for f in $(ctr_k8s tasks ls -q 2> /dev/null); do ctr_k8s tasks kill -s SIGKILL "$f" > /dev/null 2>&1 || true; done
    sleep 1
    for f in $(ctr_k8s tasks ls -q 2> /dev/null); do ctr_k8s tasks delete -f "$f" > /dev/null 2>&1 || true; done
    stop_pidfile "$dir/containerd.pid"
  fi
  # The shims of this containerd (started with its socket as their address) outlive it.
  for pid in $(pgrep -f -- "-address $dir/containerd.sock" || true); do kill -KILL "$pid" 2> /dev/null || true; done
  if [ -f "$dir/bridge" ]; then
    while iptables -D FORWARD -i "$(cat "$dir/bridge")" -j ACCEPT -m comment --comment homeport-kube-node 2> /dev/null; do :; done
    while iptables -D FORWARD -o "$(cat "$dir/bridge")" -j ACCEPT -m comment --comment homeport-kube-node 2> /dev/null; do :; done
    ip link del "$(cat "$dir/bridge")" 2> /dev/null || true
    rm -f "$dir/bridge"
  fi
  # The containers' overlay mounts under this root.
  grep -o " $dir/[^ ]*" /proc/mounts | sort -r | while read -r f; do umount -l "$f" 2> /dev/null || true; done
}

# stop_pidfile <pidfile>: TERM the process group, KILL it after 20 s.
stop_pidfile() {
  local f="$1" pid name
  name="$(basename "$f" .pid)"
  pid="$(cat "$f" 2> /dev/null || true)"
  if [ -z "$pid" ] || ! kill -0 "$pid" 2> /dev/null; then
    rm -f "$f"
    return 0
  fi
  kill -TERM -- "-$pid" 2> /dev/null || kill -TERM "$pid" 2> /dev/null || true
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2> /dev/null; then
    log "$name (pid $pid) ignored TERM; killing it"
    kill -KILL -- "-$pid" 2> /dev/null || kill -KILL "$pid" 2> /dev/null || true
  fi
  # Children left in the group (task processes, executors) go too.
  kill -KILL -- "-$pid" 2> /dev/null || true
  rm -f "$f"
  echo "stopped $name (pid $pid)" || true
}

cmd_stop() {
  [ $# -eq 1 ] || die "usage: engines.sh stop <dir>"
  [ -d "$1" ] || return 0
  local dir f
  dir="$(cd "$1" && pwd)"
  # Finish the job even when whoever reads our output has gone away.
  trap '' PIPE
  [ -e "$dir/kubelet.pid" ] || [ -e "$dir/bridge" ] && stop_kube_node "$dir"
  # The API server goes before its etcd.
  for f in "$dir/kube-apiserver.pid" "$dir/consul.pid" "$dir/etcd.pid"; do
    [ -e "$f" ] && stop_pidfile "$f"
  done
  return 0
}

main() {
  local cmd="${1:-}"
  [ $# -gt 0 ] && shift
  case "$cmd" in
    build) cmd_build "$@" ;;
    path) cmd_path "$@" ;;
    start-consul) cmd_start_consul "$@" ;;
    start-kube) cmd_start_kube "$@" ;;
    start-kube-node) cmd_start_kube_node "$@" ;;
    stop) cmd_stop "$@" ;;
    *)
      awk 'NR > 3 && /^#/ { sub(/^# ?/, ""); print; next } NR > 3 { exit }' "${BASH_SOURCE[0]}" >&2
      exit 2
      ;;
  esac
}

main "$@"; exit $?
