#!/bin/sh
# The entrypoint of both app images (apps/backend, apps/frontend; each Dockerfile copies it from
# the named build context `entrypoint`, this directory).
#
# Loads secrets delivered as files: for every <VAR>_FILE whose <VAR> is not set, reads the file
# into <VAR> and drops <VAR>_FILE; then runs the command. Docker Swarm delivers secrets as files
# only; on Kubernetes and Nomad the variables are set directly and this does nothing.
#
# SHUTDOWN_DELAY_SECONDS (default 0): on SIGTERM the command keeps serving that long before it is
# sent SIGTERM itself, so a proxy that polls the orchestrator stops routing to this replica
# while it still answers (gunicorn and serve both stop accepting at once on SIGTERM). Docker
# Swarm has no pre-stop hook to do it.
set -eu

for name in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)_FILE=.*$/\1/p'); do
  eval "path=\${${name}_FILE}"
  eval "current=\${${name}:-}"
  if [ -z "$current" ]; then
    if [ ! -r "$path" ]; then
      echo "docker-entrypoint: ${name}_FILE names $path, which cannot be read" >&2
      exit 1
    fi
    value=$(cat "$path")
    export "$name=$value"
  fi
  unset "${name}_FILE"
done

delay="${SHUTDOWN_DELAY_SECONDS:-0}"
case "$delay" in
  '' | *[!0-9]*)
    echo "docker-entrypoint: SHUTDOWN_DELAY_SECONDS is '$delay'; set it to a whole number of seconds" >&2
    exit 1
    ;;
esac
if [ "$delay" -eq 0 ]; then
  exec "$@"
fi

"$@" &
child=$!
trap 'sleep "$delay"; kill -TERM "$child" 2>/dev/null || true' TERM
trap 'kill -INT "$child" 2>/dev/null || true' INT
status=0
wait "$child" || status=$?
# A trap interrupts wait; the child is waited for again until it has exited.
while kill -0 "$child" 2>/dev/null; do
  status=0
  wait "$child" || status=$?
done
exit "$status"
