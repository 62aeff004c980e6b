#!/usr/bin/env bash
# Installs the Debian 12 packages cachet needs to build, test and benchmark. Safe to re-run:
# it only calls apt-get when something is missing. Run as root (CI and the dev machines are).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  clang-14 libclang-rt-14-dev libfuzzer-14-dev clang-format
  libgtest-dev libgmock-dev libbenchmark-dev
  libtomlplusplus-dev libxxhash-dev libjemalloc-dev nlohmann-json3-dev libhttp-parser-dev libabsl-dev
  libzstd-dev liblz4-dev
  redis-server redis-tools python3-redis python3-pytest
  nodejs chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The smoke tests need npm. Debian ships it as its own package; a nodejs build that bundles
# npm (and conflicts with Debian's) is used as it is.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The Debian package starts a system redis-server on 6379 where an init system runs; cachet's
# tests and benchmarks start their own on free ports, so stop it to keep 6379 free for cachet.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
  $SUDO systemctl stop redis-server || true
fi
