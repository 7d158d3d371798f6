#!/usr/bin/env bash
# shellcheck disable=SC2317 # health checks are only called through wait_until
#
# Real engines and checkers for the integration tests: Consul, etcd, kube-apiserver,
# nomad-jobcheck (the checker of rendered Nomad jobs), Pebble (an ACME test CA), the upstream
# Prometheus release (prometheus and promtool, with the service discovery the product renders)
# and cAdvisor, built from the wrapper modules under toolchain/ into a cache outside the
# repository (tools/lib/go-cache.sh), plus helpers that run the servers on loopback.
#
#   tools/engines.sh build [consul|etcd|kube-apiserver|nomad-jobcheck|pebble|prometheus|promtool|cadvisor ...]
#   tools/engines.sh path <consul|etcd|kube-apiserver|nomad-jobcheck|pebble|prometheus|promtool|cadvisor>
#   tools/engines.sh start-consul <dir>
#   tools/engines.sh start-kube <dir>
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
# print the log tail when they are not. stop <dir> ends the processes whose pids
# were recorded in <dir>/*.pid. Logs are <dir>/<name>.log.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TIMEOUT="${HOMEPORT_ENGINE_TIMEOUT:-120}"
ENGINES=(nomad-jobcheck consul etcd kube-apiserver pebble prometheus promtool cadvisor)
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
    kube-apiserver) echo "$ROOT/toolchain/kube" ;;
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
    kube-apiserver) go_cache_modver "$d/go.mod" k8s.io/kubernetes ;;
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
    kube-apiserver)
      pkg=k8s.io/kubernetes/cmd/kube-apiserver
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

# kube_pki <pkidir>: a CA, a serving certificate for kube-apiserver and the
# service-account signing key pair, all self-signed and for loopback only.
kube_pki() {
  local d="$1"
  mkdir -p "$d"
  (
    cd "$d"
    # P-256 keys: as good as RSA here and generated in milliseconds.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
      -subj "/CN=homeport-test-ca" -keyout ca.key -out ca.crt 2> /dev/null
    cat > serving.ext << 'EOF'
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, IP:127.0.0.1, IP:10.0.0.1
EOF
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=kube-apiserver" \
      -keyout apiserver.key -out apiserver.csr 2> /dev/null
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
      -extfile serving.ext -out apiserver.crt 2> /dev/null
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
  local dir kd etcd_bin api_bin eport pport kport etcd_url server token t0 t1
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
  kube_pki "$kd/pki"
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
  server="https://127.0.0.1:$kport"

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
  # ServiceAccount admission is off: without kube-controller-manager nothing
  # would create the default service accounts that Pods reference. The
  # endpoint reconciler is off because the "kubernetes" Service may not point
  # at a loopback address.
  spawn "$dir/kube-apiserver.pid" "$dir/kube-apiserver.log" "$api_bin" \
    --etcd-servers "$etcd_url" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$kport" \
    --cert-dir "$kd/pki" \
    --tls-cert-file "$kd/pki/apiserver.crt" --tls-private-key-file "$kd/pki/apiserver.key" \
    --client-ca-file "$kd/pki/ca.crt" \
    --token-auth-file "$kd/tokens.csv" \
    --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$kd/pki/sa.pub" \
    --service-account-signing-key-file "$kd/pki/sa.key" \
    --service-cluster-ip-range 10.0.0.0/24 \
    --disable-admission-plugins ServiceAccount \
    --endpoint-reconciler-type none \
    --allow-privileged=true \
    --profiling=false
  wait_until "$TIMEOUT" "$dir/kube-apiserver.pid" kube_ready "$server" "$kd/pki/ca.crt" "$token" ||
    fail_start "kube-apiserver ($server)" "$dir/kube-apiserver.log" "$dir"

  cat > "$dir/kubeconfig" << EOF
apiVersion: v1
kind: Config
clusters:
  - name: homeport-test
    cluster:
      server: $server
      certificate-authority-data: $(base64 -w0 < "$kd/pki/ca.crt")
users:
  - name: admin
    user:
      token: $token
contexts:
  - name: homeport-test
    context:
      cluster: homeport-test
      user: admin
      namespace: default
current-context: homeport-test
EOF
  chmod 600 "$dir/kubeconfig"
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
    stop) cmd_stop "$@" ;;
    *)
      awk 'NR > 3 && /^#/ { sub(/^# ?/, ""); print; next } NR > 3 { exit }' "${BASH_SOURCE[0]}" >&2
      exit 2
      ;;
  esac
}

main "$@"; exit $?
