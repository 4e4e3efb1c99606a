#!/usr/bin/env bash
# arm64.sh - what the arm64 (Graviton) Lambda package needs: Debian's cross
# compiler, musl for arm64 (the multiarch musl-dev:arm64, whose
# aarch64-linux-musl-gcc wraps the cross gcc with musl's specs), the arm64
# kernel headers OpenSSL needs (linux-libc-dev:arm64) and
# qemu-user-static, which runs the arm64 package in the tests. Adds the arm64
# dpkg architecture when missing. Safe to run again: does only what is missing.
# IVSVC_ARM64=0 skips it (the build then embeds the x86_64 package only).
set -euo pipefail
[ "${IVSVC_ARM64:-1}" = "0" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

[ "$(dpkg --print-architecture)" = "amd64" ] || { echo "deps(arm64): only set up for amd64 hosts; skipped" >&2; exit 0; }
update=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "deps(arm64): adding the arm64 dpkg architecture (for musl-dev:arm64)"
  $SUDO dpkg --add-architecture arm64
  update=1
fi
missing=()
for p in gcc-aarch64-linux-gnu musl-dev:arm64 linux-libc-dev:arm64 qemu-user-static; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps(arm64): installing ${missing[*]}"
  update=1
fi
[ "$update" = 0 ] && exit 0
$SUDO apt-get update -qq
[ "${#missing[@]}" -gt 0 ] &&
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
exit 0
