#!/usr/bin/env bash
# Installs what hwload needs to build, run and test, from Debian 12's packages.
# Safe to run again: installs only what is missing. With --tests it also installs
# what only the tests need: Debian's Chromium and CJK fonts for the browser test.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libboost-dev libprotobuf-dev protobuf-compiler libsqlite3-dev
  libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev libssl-dev
  libgoogle-perftools-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  curl ca-certificates python3
)
if [ "${1:-}" = "--tests" ]; then
  packages+=(chromium fonts-noto-cjk)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
