#!/usr/bin/env bash
# deps.sh - installs what building and testing ivsvc needs on Debian 12, and
# checks the Python tools that only come with the image (PyPI is not reachable
# here, so they cannot be installed by this script: it says what to run).
# Safe to run again: installs only what is missing.
set -euo pipefail

APT_PACKAGES=(build-essential cmake pkg-config clang
  libcurl4-openssl-dev libssl-dev libyaml-dev libcjson-dev libxml2-dev libzip-dev
  zip unzip valgrind ca-certificates
  musl-tools dpkg-dev linux-libc-dev autoconf automake libtool strace file)  # the static Lambda bootstrap (scripts/static-deps.sh)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Parts of the project with needs of their own (the web page's npm packages and
# Chromium, ...) add a script here.
for extra in "$(dirname "$0")"/deps.d/*.sh; do
  [ -e "$extra" ] && bash "$extra"
done

# Python tools: moto (AWS emulator), boto3/botocore (oracle), cfn-lint.
need_pip=()
python3 -c 'import moto, flask' 2>/dev/null || need_pip+=("'moto[server]==5.2.*'")
python3 -c 'import boto3, botocore' 2>/dev/null || need_pip+=("'boto3>=1.43'")
python3 -c 'import cfnlint' 2>/dev/null || need_pip+=("'cfn-lint==1.51.*'")
if [ "${#need_pip[@]}" -gt 0 ]; then
  echo "deps: missing Python tools; install them with:" >&2
  echo "  python3 -m pip install ${need_pip[*]}" >&2
  exit 1
fi
