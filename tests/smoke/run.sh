#!/usr/bin/env bash
# Smoke step of scripts/test.sh: starts one server on a free loopback port and runs the
# node-redis (tests/smoke/node) and redis-py (tests/smoke/python) programs against it.
#   CACHET_BIN                 server binary (default build/release/cachet-server); a
#                              redis-server works too, to check the programs themselves
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"
bin="${CACHET_BIN:-$root/build/release/cachet-server}"

# npm ci only when node_modules is missing or older than the lock file.
if [ ! -f node/node_modules/.package-lock.json ] || \
   [ node/package-lock.json -nt node/node_modules/.package-lock.json ]; then
  (cd node && npm ci --no-audit --no-fund --loglevel=error)
fi

port="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
workdir="$(mktemp -d)"
args=(--port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$workdir")
case "$(basename "$bin")" in
  redis-server*) ;;
  *) args+=(--threads "${CACHET_THREADS:-2}" --http-port 0) ;;
esac
"$bin" "${args[@]}" >"$workdir/server.log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$workdir"
}
trap cleanup EXIT

for _ in $(seq 200); do
  redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break
  kill -0 "$pid" 2>/dev/null || { echo "smoke: server exited at startup"; cat "$workdir/server.log"; exit 1; }
  sleep 0.05
done

status=0
echo "smoke: $bin on port $port"
node node/smoke.js "redis://127.0.0.1:$port" || status=1
/usr/bin/python3 python/smoke.py "$port" || status=1
if ! kill -0 "$pid" 2>/dev/null; then
  echo "smoke: server died during the run"; status=1
fi
if [ "$status" -ne 0 ]; then
  echo "smoke: server log tail:"; tail -20 "$workdir/server.log"
  echo "smoke: 0 passed, 1 failed"
else
  echo "smoke: 2 passed, 0 failed"
fi
exit "$status"
