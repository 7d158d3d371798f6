#!/bin/sh
# Loads secrets delivered as files: for every <VAR>_FILE whose <VAR> is not set, reads the file
# into <VAR> and drops <VAR>_FILE; then runs the command. Docker Swarm delivers secrets as files
# only; on Kubernetes and Nomad the variables are set directly and this does nothing.
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

exec "$@"
