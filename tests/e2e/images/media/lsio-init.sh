#!/bin/sh
# What LinuxServer's s6 init does before it starts an app (linuxserver/docker-baseimage-alpine
# root/etc/s6-overlay/s6-rc.d: init-envfile, init-adduser, init-custom-files), for the e2e suite's
# media images, which cannot be LinuxServer's (no registry here): each FILE__<VAR> variable sets
# <VAR> to the file's content; every executable of /custom-cont-init.d runs as root (the media
# part's seeds); /config is given to PUID:PGID; then the command runs as PUID:PGID with UMASK.
set -eu
for var in $(env | sed -n 's/^FILE__\([A-Za-z0-9_]*\)=.*/\1/p'); do
  eval "file=\$FILE__$var"
  # shellcheck disable=SC2154 # set by the eval
  value="$(cat "$file")"
  export "$var=$value"
done
if [ -d /custom-cont-init.d ]; then
  for script in /custom-cont-init.d/*; do
    if [ -f "$script" ] && [ -x "$script" ]; then
      echo "lsio-init: $script" >&2
      "$script"
    fi
  done
fi
mkdir -p /config
chown "${PUID:-911}:${PGID:-911}" /config
umask "${UMASK:-022}"
exec setpriv --reuid="${PUID:-911}" --regid="${PGID:-911}" --clear-groups "$@"
