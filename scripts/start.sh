#!/usr/bin/env bash
# Set-up command 1: installs the Debian packages, builds, and starts cachet-server on
# 127.0.0.1:6379 with the embedded engine. Extra arguments go to the server
# (e.g. scripts/start.sh --port 6380 --maxmemory 1gb).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh release
exec ./build/release/cachet-server "$@"
