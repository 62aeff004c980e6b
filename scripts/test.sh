#!/usr/bin/env bash
# Set-up command 2: installs the Debian packages, builds, and runs the whole test suite:
#   1. unit and in-process command tests (GoogleTest via CTest), release build
#   2. the same under AddressSanitizer + UndefinedBehaviorSanitizer (debug preset)
#   3. black-box tests with redis-cli and redis-py, and the differential test against a real
#      redis-server (pytest, tests/blackbox)
#   4. smoke programs with real client libraries (node-redis, redis-py; tests/smoke/run.sh)
#   5. the dashboard in headless Chromium against a server with traffic (tests/browser)
#   6. libFuzzer targets for a fixed number of runs
# Set CACHET_TEST_QUICK=1 to skip steps 2 and 6.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

echo "== build (release)"
bash scripts/build.sh release
echo "== unit tests (release)"
ctest --preset release -j2 --timeout 300

if [ "${CACHET_TEST_QUICK:-0}" != "1" ]; then
  echo "== unit tests (ASan + UBSan)"
  bash scripts/build.sh debug
  ASAN_OPTIONS=detect_leaks=1 ctest --preset debug -j2 --timeout 600
fi

echo "== black-box and differential tests"
CACHET_BIN="$PWD/build/release/cachet-server" /usr/bin/python3 -m pytest -q tests/blackbox

echo "== smoke programs (node-redis, redis-py)"
CACHET_BIN="$PWD/build/release/cachet-server" bash tests/smoke/run.sh

echo "== dashboard in headless Chromium"
CACHET_REQUIRE_BROWSER=1 CACHET_BIN="$PWD/build/release/cachet-server" \
  /usr/bin/python3 -m pytest -q tests/browser

if [ "${CACHET_TEST_QUICK:-0}" != "1" ]; then
  echo "== fuzzing (fixed number of runs)"
  bash scripts/build.sh fuzz --target resp_parser_fuzz config_fuzz session_input_fuzz http_request_fuzz \
    warm_record_fuzz
  ./build/fuzz/resp_parser_fuzz -runs=300000 -max_len=4096 2>&1 | tail -1
  ./build/fuzz/config_fuzz -runs=20000 -max_len=2048 2>&1 | tail -1
  ./build/fuzz/session_input_fuzz -runs=200000 -max_len=2048 2>&1 | tail -1
  ./build/fuzz/http_request_fuzz -runs=200000 -max_len=4096 2>&1 | tail -1
  ./build/fuzz/warm_record_fuzz -runs=200000 -max_len=4096 2>&1 | tail -1
fi
echo "== all tests passed"
