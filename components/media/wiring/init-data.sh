#!/bin/sh
# Creates the TRaSH layout on the shared /data volume before the media apps start: downloads and
# the library on one filesystem, so imports are hardlinks. Only the directories themselves are
# changed (never what they hold), so a re-run on a full library is instant and harmless.
# Environment: DATA_ROOT (default /data), DATA_UID, DATA_GID.
set -eu
root="${DATA_ROOT:-/data}"
: "${DATA_UID:?DATA_UID is not set}"
: "${DATA_GID:?DATA_GID is not set}"
[ -d "$root" ] || { echo "init-data: $root is not a mounted directory" >&2; exit 1; }
for dir in "$root/torrents" "$root/torrents/tv" "$root/torrents/movies" \
  "$root/media" "$root/media/tv" "$root/media/movies"; do
  if [ ! -d "$dir" ]; then
    mkdir "$dir"
    echo "init-data: created $dir"
  fi
  chown "$DATA_UID:$DATA_GID" "$dir"
  # rwx for owner and group, setgid so new files keep the group, read for others.
  chmod 2775 "$dir"
done
echo "init-data: $root ready for $DATA_UID:$DATA_GID"
