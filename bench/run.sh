#!/usr/bin/env bash
# cachet vs redis benchmark. Entry point: bash bench/run.sh
# Starts redis-server and cachet (one server thread each, pinned to the same
# core), then hands off to bench.py which drives redis-benchmark from another
# core, measures server CPU per request and memory per key, and prints a table.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
PY=${BENCH_PYTHON:-/usr/bin/python3}
REDIS_BIN=${REDIS_BIN:-$(command -v redis-server || echo /usr/bin/redis-server)}
CACHET_BIN=${CACHET_BIN:-$REPO_DIR/build/release/cachet-server}
SERVER_CPU=${BENCH_SERVER_CPU:-0}
CLIENT_CPU=${BENCH_CLIENT_CPU:-1}
CACHET_THREADS=${CACHET_THREADS:-1}
RESULTS_DIR=${BENCH_RESULTS_DIR:-$BENCH_DIR/results}

# The exact command, including the env vars that change what is measured.
CMDLINE=""
for v in CACHET_BIN REDIS_BIN CACHET_ARGS CACHET_THREADS BENCH_REQUESTS BENCH_REQUESTS_P16 \
         BENCH_TESTS BENCH_PIPELINES BENCH_CLIENTS BENCH_KEYSPACE BENCH_DATASIZE \
         BENCH_MEM_KEYS BENCH_MEM_HASHES BENCH_REPEAT BENCH_SKIP_MEM BENCH_SERVER_CPU BENCH_CLIENT_CPU; do
    if [[ -n "${!v+x}" ]]; then CMDLINE+="$v=$(printf '%q' "${!v}") "; fi
done
CMDLINE+="bash $(printf '%q ' "$0" "$@")"
CMDLINE=${CMDLINE% }

die() { echo "bench: $*" >&2; exit 1; }

for tool in taskset setsid redis-benchmark redis-cli; do
    command -v "$tool" >/dev/null || die "$tool not found"
done
[[ -x "$PY" ]] || die "python not found at $PY (set BENCH_PYTHON)"
[[ -x "$REDIS_BIN" ]] || die "redis-server not found at $REDIS_BIN (set REDIS_BIN)"
[[ -x "$CACHET_BIN" ]] || die "cachet binary not found at $CACHET_BIN (set CACHET_BIN; e.g. CACHET_BIN=/usr/bin/redis-server for a dry run)"
NCPU=$(nproc)
(( SERVER_CPU < NCPU && CLIENT_CPU < NCPU )) || die "need CPUs $SERVER_CPU and $CLIENT_CPU, machine has $NCPU"
[[ "$SERVER_CPU" != "$CLIENT_CPU" ]] || echo "bench: WARNING server and client share CPU $SERVER_CPU" >&2

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cachet-bench.XXXXXX")
PIDS=()
DRIVER_PID=
FAILED=1

cleanup() {
    local rc=$? pid i
    (( rc == 130 || rc == 143 )) && FAILED=0
    if [[ -n "${DRIVER_PID:-}" ]]; then
        kill -TERM -- "-$DRIVER_PID" 2>/dev/null || true
        wait "$DRIVER_PID" 2>/dev/null || true
    fi
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if (( FAILED )); then
        for f in "$WORK"/*.log; do
            [[ -s "$f" ]] || continue
            echo "---- $(basename "$f") (last 20 lines) ----" >&2
            tail -n 20 "$f" >&2
        done
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT
trap 'echo "bench: terminated" >&2; exit 143' TERM

# Four distinct free loopback ports: the main pair, and a fresh pair for the hash memory test.
read -r REDIS_PORT CACHET_PORT HREDIS_PORT HCACHET_PORT < <("$PY" - <<'PYEOF'
import socket
socks = []
for _ in range(4):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(*[s.getsockname()[1] for s in socks])
PYEOF
)

is_redis_binary() { "$1" --version 2>/dev/null | grep -q '^Redis server v='; }

# start_server NAME PORT BIN [EXTRA ARGS...]  -> sets STARTED_PID
start_server() {
    local name=$1 port=$2 bin=$3; shift 3
    # setsid: own session, so a Ctrl-C reaches only this script and the client
    # tools; the servers are stopped by the cleanup trap (pid is kept: setsid execs).
    taskset -c "$SERVER_CPU" setsid "$bin" --port "$port" --bind 127.0.0.1 --save '' \
        --appendonly no --loglevel warning "$@" >"$WORK/$name.log" 2>&1 &
    STARTED_PID=$!
    PIDS+=("$STARTED_PID")
    local i
    for ((i = 0; i < 100; i++)); do
        kill -0 "$STARTED_PID" 2>/dev/null || die "$name exited during startup"
        if [[ "$(timeout 1 redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == PONG ]]; then
            return 0
        fi
        sleep 0.1
    done
    die "$name did not answer PING on port $port within 10s"
}

CACHET_EXTRA=()
if is_redis_binary "$CACHET_BIN"; then
    echo "bench: NOTE CACHET_BIN is a redis-server; not passing --threads (dry-run mode)" >&2
else
    CACHET_EXTRA+=(--threads "$CACHET_THREADS" --http-port 0)
fi
if [[ -n "${CACHET_ARGS:-}" ]]; then
    read -r -a _extra <<<"$CACHET_ARGS"
    CACHET_EXTRA+=("${_extra[@]}")
fi

start_server redis "$REDIS_PORT" "$REDIS_BIN"
REDIS_PID=$STARTED_PID
start_server cachet "$CACHET_PORT" "$CACHET_BIN" "${CACHET_EXTRA[@]}"
CACHET_PID=$STARTED_PID
# The hash memory test gets its own fresh servers, so that neither memory test measures
# growth over memory that the other one left to the allocator.
HREDIS_PID=0
HCACHET_PID=0
if [[ "${BENCH_SKIP_MEM:-0}" == 0 ]]; then
    start_server redis-hashes "$HREDIS_PORT" "$REDIS_BIN"
    HREDIS_PID=$STARTED_PID
    start_server cachet-hashes "$HCACHET_PORT" "$CACHET_BIN" "${CACHET_EXTRA[@]}"
    HCACHET_PID=$STARTED_PID
fi

mkdir -p "$RESULTS_DIR"
# The driver runs on the client core too, so nothing of ours competes with the
# servers. It runs in the background in its own session so that a signal to this
# script is handled at once (bash defers traps while a foreground child runs);
# the cleanup trap then stops the driver's whole group, redis-benchmark included.
taskset -c "$CLIENT_CPU" setsid "$PY" "$BENCH_DIR/bench.py" \
    --redis-port "$REDIS_PORT" --redis-pid "$REDIS_PID" --redis-bin "$REDIS_BIN" \
    --cachet-port "$CACHET_PORT" --cachet-pid "$CACHET_PID" --cachet-bin "$CACHET_BIN" \
    --hash-redis-port "$HREDIS_PORT" --hash-redis-pid "$HREDIS_PID" \
    --hash-cachet-port "$HCACHET_PORT" --hash-cachet-pid "$HCACHET_PID" \
    --cachet-args "${CACHET_EXTRA[*]:-}" \
    --client-cpu "$CLIENT_CPU" --server-cpu "$SERVER_CPU" \
    --repo "$REPO_DIR" --cmdline "$CMDLINE" --out "$RESULTS_DIR/latest.txt" </dev/null &
DRIVER_PID=$!
rc=0
wait "$DRIVER_PID" || rc=$?
DRIVER_PID=
(( rc == 0 )) || die "driver failed (exit $rc)"
FAILED=0
