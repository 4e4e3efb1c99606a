#!/usr/bin/env bash
# web.sh - what the viewer page (web/) needs to be tested: Debian's Chromium
# for the browser test, ffmpeg for its local HLS stream with timed metadata, web/node_modules (npm ci, from package-lock.json) and
# the Player SDK copied into web/vendor/ (embedded by `ivsvc player` when the
# build is configured after this ran). Safe to run again: does only what is missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=()
for p in chromium ffmpeg; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps(web): installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "deps(web): npm not found; install Node.js 20+ (apt-get install -y nodejs npm)" >&2
  exit 1
fi

cd "$root/web"
# Again when package-lock.json changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "deps(web): npm ci in web/"
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ ! -f vendor/amazon-ivs-player.min.js ] ||
   [ node_modules/amazon-ivs-player/package.json -nt vendor/amazon-ivs-player.min.js ]; then
  npm run --silent vendor
fi
