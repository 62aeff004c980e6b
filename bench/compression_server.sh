#!/usr/bin/env bash
# Memory and GET/SET throughput of one JSON value size stored raw, with lz4 and with zstd
# (docs/compression.md). Starts its own server (one thread, CPU 0) and runs redis-benchmark
# on CPU 1, three rounds of raw / lz4 / zstd.
#   bash bench/compression_server.sh [value bytes, default 4096]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${CACHET_BIN:-build/release/cachet-server}
SIZE=${1:-4096}
PORT=${PORT:-17411}
WORK=$(mktemp -d)
trap 'kill $SPID 2>/dev/null; rm -rf "$WORK"' EXIT
/usr/bin/python3 - "$SIZE" > "$WORK/value" <<'PY'
import random, sys
size = int(sys.argv[1])
rng = random.Random(1)
words = ["alpha", "order", "shipped", "customer", "invoice", "product", "london", "active"]
out = '{"data":['
while len(out) < size:
    out += ('{"id":%d,"name":"%s %s","active":%s,"score":%d,"email":"%s%d@example.com"},'
            % (1000 + len(out), rng.choice(words), rng.choice(words),
               rng.choice(["true", "false"]), rng.randrange(1000), rng.choice(words),
               rng.randrange(10000)))
sys.stdout.write(out[:size])
PY
taskset -c 0 "$BIN" --port "$PORT" --threads 1 --save '' --appendonly no --http-port 0 \
  --loglevel warning --dir "$WORK" > "$WORK/server.log" 2>&1 &
SPID=$!
sleep 0.5
V="$(cat "$WORK/value")"
cli() { redis-cli -p "$PORT" "$@"; }
dataset() { cli info memory | grep '^used_memory_dataset:' | cut -d: -f2 | tr -d '\r'; }
rps() { grep -o '[0-9.]* requests per second' | cut -d' ' -f1; }
for round in 1 2 3; do
  for mode in raw lz4 zstd; do
    cli flushall > /dev/null
    if [ "$mode" = raw ]; then
      cli namespace.set key prefix key: > /dev/null
    else
      cli namespace.set key prefix key: compress-above 64 compress "$mode" > /dev/null
    fi
    base=$(dataset)
    set=$(taskset -c 1 redis-benchmark -p "$PORT" -P 16 -c 50 -n 200000 -r 10000 -q \
      set key:__rand_int__ "$V" 2> /dev/null | rps)
    used=$(dataset)
    keys=$(cli dbsize)
    get=$(taskset -c 1 redis-benchmark -p "$PORT" -P 16 -c 50 -n 200000 -r 10000 -q \
      get key:__rand_int__ 2> /dev/null | rps)
    echo "round=$round mode=$mode value=$SIZE keys=$keys bytes_per_key=$(((used - base) / keys))" \
      "set_rps=$set get_rps=$get"
  done
done
