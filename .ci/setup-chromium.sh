#!/usr/bin/env bash
# Installs Debian's Chromium for the React example's end-to-end test. Idempotent: does nothing when
# /usr/bin/chromium already exists. The test drives it through playwright-core; no browser is ever downloaded.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

log() { echo "[setup-chromium] $*" >&2; }

if [ -x /usr/bin/chromium ]; then
  log "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo unknown version)"
  exit 0
fi

# Waits for another apt process (e.g. setup-postgres.sh) instead of failing on the dpkg lock.
APT_OPTS=(-o DPkg::Lock::Timeout=600)

install_chromium() {
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get "${APT_OPTS[@]}" install -y -qq chromium >&2
}

# Refresh the package lists only when needed: when chromium is unknown to them, or when they are so old that
# the version they name is gone from the mirror (the install then fails and is retried once after an update).
policy="$(apt-cache policy chromium 2>/dev/null || true)"
updated=false
if ! grep -q "Candidate: [0-9]" <<<"$policy"; then
  log "apt-get update"
  $SUDO apt-get "${APT_OPTS[@]}" update -qq
  updated=true
fi

log "installing chromium"
if ! install_chromium; then
  if [ "$updated" = true ]; then exit 1; fi
  log "install failed with the current package lists; apt-get update and retry"
  $SUDO apt-get "${APT_OPTS[@]}" update -qq
  install_chromium
fi
log "installed: $(/usr/bin/chromium --version 2>/dev/null || echo unknown version)"
