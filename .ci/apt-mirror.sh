#!/usr/bin/env bash
# Prints the Debian mirror this machine's own apt sources use (the first `deb` entry of the main archive, not the
# security one), so scripts that add a source list use the same mirror. $DEBIAN_MIRROR wins when set; with no
# usable entry it prints http://deb.debian.org/debian. $APT_ETC points at another /etc/apt (tests).
set -euo pipefail

if [ -n "${DEBIAN_MIRROR:-}" ]; then
  echo "${DEBIAN_MIRROR%/}"
  exit 0
fi
APT_ETC="${APT_ETC:-/etc/apt}"

candidates() {
{
  # deb822 stanzas: Types / URIs / Suites, separated by blank lines.
  for file in "$APT_ETC"/sources.list.d/*.sources; do
    [ -f "$file" ] || continue
    awk '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && suites !~ /-security/ && uris != "") { split(uris, u, " "); print u[1] }
        types = ""; uris = ""; suites = ""
      }
      /^[[:space:]]*#/ { next }
      /^[[:space:]]*$/ { flush(); next }
      tolower($1) == "types:" { $1 = ""; types = $0 }
      tolower($1) == "uris:" { $1 = ""; sub(/^ +/, ""); uris = $0 }
      tolower($1) == "suites:" { $1 = ""; suites = $0 }
      END { flush() }
    ' "$file"
  done
  # One-line format: deb [options] URI suite components...
  for file in "$APT_ETC"/sources.list "$APT_ETC"/sources.list.d/*.list; do
    [ -f "$file" ] || continue
    awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ } if ($(i + 1) !~ /-security/) print $i }' "$file"
  done
}
}

mirror="$(candidates | grep -E '^https?://' || true)"
mirror="${mirror%%$'\n'*}"
echo "${mirror:-http://deb.debian.org/debian}" | sed 's#/*$##'
