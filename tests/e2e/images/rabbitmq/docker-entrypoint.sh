#!/bin/sh
# The entry point of the e2e RabbitMQ image (Debian's rabbitmq-server), doing what the upstream
# image's entry point does for the commands the platform runs (docker-library/rabbitmq,
# 4.1/ubuntu/docker-entrypoint.sh): started as root with a rabbitmq* command, it gives the data
# directory to the rabbitmq user (the platform writes the Erlang cookie there as root), then runs
# the command as that user; the server runs in the foreground as the container's main process.
set -eu
if [ "$(id -u)" = 0 ]; then
  case "${1:-}" in
    rabbitmq-server)
      find /var/lib/rabbitmq ! -user rabbitmq -exec chown rabbitmq:rabbitmq {} +
      exec gosu rabbitmq "$0" "$@"
      ;;
    rabbitmq*) exec gosu rabbitmq "$0" "$@" ;;
  esac
fi
# rabbitmq-server execs the Erlang VM instead of forking it when it runs under a supervisor.
export RUNNING_UNDER_SYSTEMD=true
exec "$@"
