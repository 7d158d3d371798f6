# shellcheck shell=bash
# The Debian mirror debootstrap makes root filesystems from, shared by tests/e2e/images/build-images.sh
# and tests/e2e/images/build-app-base.sh. Source it; it defines `mirror` and changes nothing else.
#
# mirror: $DEBIAN_MIRROR, else the first URI of a main Debian suite in the machine's apt sources
# (deb822 or one-line style); prints nothing when there is none.
mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then
    echo "$DEBIAN_MIRROR"
    return
  fi
  # Read from the files that exist: a machine may have only sources.list.d/debian.sources.
  local files=() f
  for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list; do
    [ -f "$f" ] && files+=("$f")
  done
  [ "${#files[@]}" -gt 0 ] || return 0
  awk '
    /^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /debian\/?$/) { print $i; exit } }
    /^deb / { sub(/ \[[^]]*\]/, ""); if ($2 ~ /debian\/?$/) { print $2; exit } }
  ' "${files[@]}"
}
