#!/usr/bin/python3
"""Stampede benchmark: a hot key that keeps expiring under 200 concurrent readers, with a
slow loader, read through the plain cache-aside recipe on redis-server and through
CACHE.FETCH / CACHE.FILL on cachet, side by side in one run.

Entry point: /usr/bin/python3 bench/stampede.py   (standard library only)

Both servers are started (temp dirs under /tmp, --save '' --appendonly no; pinned with
taskset to BENCH_SERVER_CPU when the machine has a spare CPU for the driver; cachet with
--threads CACHET_THREADS, default 1) and stay up for the run; one is under load at a time.
BENCH_CLIENTS (200) asyncio clients, each on its own connection, read the key `hot` in a
loop for BENCH_SECONDS (10) seconds, pausing BENCH_THINK_MS (10) between reads (a web
request's other work; without it the Python driver, not the servers, sets the latency). The loader (the "database") takes BENCH_LOAD_MS (50)
and the value is stored with a TTL of BENCH_TTL_MS (1000), so the key expires about every
second while being read.

  redis          GET hot; on nil: load, SET hot value PX ttl          (cache-aside)
  cachet         CACHE.FETCH hot WAIT 2000; MISS: load, CACHE.FILL hot token value PX ttl
  cachet+stale   the same with namespace `hot:` STALE 1 (key hot:k): while a loader runs,
                 readers get the expired value at once instead of waiting

A read's latency runs from sending the first command until the caller holds a value
(including its own load, or its wait for someone else's). Reported per mode: reads, loader
calls, loads per expiry, p50/p99/max read latency, reads that got no value; and the ratio of
redis's loader calls to cachet's (the target is >= 20x fewer). Output: stdout and
bench/results/stampede-latest.txt.
"""
import asyncio
import datetime
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

from benchlib import (HERE, REPO, Conn, cpu_model, encode, env_int, free_port, git_rev,
                      parse_info, run_main, stop_server)

PROCS = []
TMPDIRS = []


async def read_reply(reader):
    line = await reader.readline()
    if not line:
        raise ConnectionError("server closed the connection")
    t, rest = line[:1], line[1:-2]
    if t == b"+":
        return rest.decode()
    if t == b"-":
        raise RuntimeError("server error: %s" % rest.decode(errors="replace"))
    if t == b":":
        return int(rest)
    if t == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = await reader.readexactly(n + 2)
        return data[:-2].decode()
    if t == b"*":
        n = int(rest)
        return None if n < 0 else [await read_reply(reader) for _ in range(n)]
    raise RuntimeError("bad reply %r" % line[:80])


class Client:
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    async def call(self, *args):
        self.writer.write(encode(*args))
        return await read_reply(self.reader)


class Run:
    def __init__(self, cfg, key):
        self.cfg = cfg
        self.key = key
        self.loads = 0
        self.latencies = []
        self.empty = 0
        self.statuses = {}
        self.version = 0

    async def load(self):
        self.loads += 1
        self.version += 1
        await asyncio.sleep(self.cfg["load_ms"] / 1000.0)
        return "value-%d-%s" % (self.version, "x" * 100)

    async def read_redis(self, c):
        value = await c.call("GET", self.key)
        if value is None:
            value = await self.load()
            await c.call("SET", self.key, value, "PX", self.cfg["ttl_ms"])
        return value

    async def read_cachet(self, c):
        status, value, token = await c.call("CACHE.FETCH", self.key, "WAIT", 2000)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if token is not None:  # MISS, or STALE / REFRESH for the one caller with the lease
            loaded = await self.load()
            reply = await c.call("CACHE.FILL", self.key, token, loaded, "PX", self.cfg["ttl_ms"])
            if reply != "OK":
                raise RuntimeError("CACHE.FILL: %r" % reply)
            value = value if value is not None else loaded
        return value

    async def client(self, port, read, end):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        c = Client(reader, writer)
        while time.monotonic() < end:
            t0 = time.perf_counter()
            value = await read(c)
            self.latencies.append(time.perf_counter() - t0)
            if value is None:
                self.empty += 1
            if self.cfg["think_ms"] > 0:
                await asyncio.sleep(self.cfg["think_ms"] / 1000.0)
        writer.close()

    async def go(self, port, read):
        end = time.monotonic() + self.cfg["seconds"]
        await asyncio.gather(*[self.client(port, read, end) for _ in range(self.cfg["clients"])])


def pct(sorted_values, q):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def start(name, argv, cfg):
    d = tempfile.mkdtemp(prefix="stampede-%s-" % name)
    TMPDIRS.append(d)
    port = free_port()
    cmd = argv + ["--port", str(port), "--bind", "127.0.0.1", "--dir", d, "--save", "",
                  "--appendonly", "no"]
    if cfg["pin"]:
        cmd = ["taskset", "-c", str(cfg["server_cpu"])] + cmd
    log = open(os.path.join(d, "log"), "ab")
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         start_new_session=True)
    PROCS.append(p)
    deadline = time.monotonic() + 30
    while True:
        if p.poll() is not None:
            raise RuntimeError("%s exited during startup (see %s/log)" % (name, d))
        try:
            c = Conn(port, timeout=5)
            ok = c.cmd("PING") == "PONG"
            c.close()
            if ok:
                return port
        except (OSError, ConnectionError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("%s did not answer PING" % name)
        time.sleep(0.02)


def measure(name, port, cfg, key, cachet):
    c = Conn(port)
    c.cmd("FLUSHALL")
    if cachet:
        c.cmd("CONFIG", "RESETSTAT")
    c.close()
    run = Run(cfg, key)
    started = time.monotonic()
    asyncio.run(run.go(port, run.read_cachet if cachet else run.read_redis))
    elapsed = time.monotonic() - started
    lat = sorted(run.latencies)
    row = {
        "mode": name, "reads": len(lat), "loads": run.loads,
        "expiries": max(1, round(elapsed * 1000 / (cfg["ttl_ms"] + cfg["load_ms"]))),
        "p50_ms": pct(lat, 0.50) * 1000, "p99_ms": pct(lat, 0.99) * 1000,
        "p999_ms": pct(lat, 0.999) * 1000, "max_ms": (lat[-1] if lat else 0) * 1000, "empty": run.empty,
        "reads_per_s": len(lat) / elapsed, "statuses": run.statuses,
    }
    if cachet:
        c = Conn(port)
        row["info"] = parse_info(c.cmd("INFO", "leases"))
        c.close()
    return row


def main():
    ncpu = os.cpu_count()
    cfg = {
        "clients": env_int("BENCH_CLIENTS", 200),
        "seconds": env_int("BENCH_SECONDS", 10),
        "load_ms": env_int("BENCH_LOAD_MS", 50),
        "ttl_ms": env_int("BENCH_TTL_MS", 1000),
        "think_ms": env_int("BENCH_THINK_MS", 10),
        "server_cpu": env_int("BENCH_SERVER_CPU", 0),
        "client_cpu": env_int("BENCH_CLIENT_CPU", 1),
        "cachet_threads": env_int("CACHET_THREADS", 1),
    }
    cfg["pin"] = bool(shutil.which("taskset")) and ncpu >= 2
    redis_bin = os.environ.get("REDIS_BIN") or shutil.which("redis-server") or "/usr/bin/redis-server"
    cachet_bin = os.environ.get("CACHET_BIN") or os.path.join(REPO, "build/release/cachet-server")
    for b in (redis_bin, cachet_bin):
        if not os.access(b, os.X_OK):
            sys.exit("stampede: %s is not executable (set REDIS_BIN / CACHET_BIN)" % b)
    if cfg["pin"]:
        os.sched_setaffinity(0, {cfg["client_cpu"]})
    redis_port = start("redis", [redis_bin], cfg)
    cachet_port = start("cachet", [cachet_bin, "--threads", str(cfg["cachet_threads"]),
                                   "--http-port", "0"], cfg)
    c = Conn(cachet_port)
    c.cmd("NAMESPACE.SET", "hot", "PREFIX", "hot:", "STALE", "1")
    c.close()

    rows = []
    for name, port, key, cachet in [("redis", redis_port, "hot", False),
                                    ("cachet", cachet_port, "hot", True),
                                    ("cachet+stale", cachet_port, "hot:k", True)]:
        print("stampede: %s ..." % name, file=sys.stderr, flush=True)
        rows.append(measure(name, port, cfg, key, cachet))

    lines = [
        "cachet stampede benchmark  %s" % datetime.datetime.now().astimezone().strftime(
            "%Y-%m-%d %H:%M:%S %z"),
        "machine:  nproc=%d, cpu=%s, kernel=%s, python %s; git %s"
        % (ncpu, cpu_model(), platform.release(), platform.python_version(), git_rev()),
        "setup:    %d asyncio clients (one connection each) for %d s, think %d ms, loader %d ms, "
        "TTL %d ms, cachet --threads %d, %s"
        % (cfg["clients"], cfg["seconds"], cfg["think_ms"], cfg["load_ms"], cfg["ttl_ms"],
           cfg["cachet_threads"],
           "servers on cpu %d, driver on cpu %d" % (cfg["server_cpu"], cfg["client_cpu"])
           if cfg["pin"] else "not pinned"),
        "",
        "%-13s %8s %8s %7s %9s %8s %8s %8s %8s %6s"
        % ("mode", "reads", "reads/s", "loads", "loads/exp", "p50 ms", "p99 ms", "p99.9 ms",
           "max ms", "empty"),
    ]
    for r in rows:
        lines.append("%-13s %8d %8.0f %7d %9.1f %8.3f %8.3f %8.3f %8.1f %6d"
                     % (r["mode"], r["reads"], r["reads_per_s"], r["loads"],
                        r["loads"] / r["expiries"], r["p50_ms"], r["p99_ms"], r["p999_ms"],
                        r["max_ms"], r["empty"]))
    lines.append("")
    for r in rows[1:]:
        ratio = rows[0]["loads"] / max(1, r["loads"])
        lines.append("%s: %.0fx fewer loader calls than redis (target >= 20x): %s; replies %s"
                     % (r["mode"], ratio, "ok" if ratio >= 20 else "BELOW TARGET",
                        " ".join("%s=%d" % kv for kv in sorted(r["statuses"].items()))))
        info = r.get("info", {})
        lines.append("  INFO leases: " + " ".join(
            "%s=%s" % (k, info.get(k, "?")) for k in
            ("leases_granted", "leases_filled", "lease_waits", "lease_wait_timeouts",
             "stale_served")))
    text = "\n".join(lines) + "\n"
    print(text, end="")
    results = os.environ.get("BENCH_RESULTS_DIR") or os.path.join(HERE, "results")
    os.makedirs(results, exist_ok=True)
    with open(os.path.join(results, "stampede-latest.txt"), "w") as f:
        f.write(text)
    bad = any(r["empty"] for r in rows) or any(rows[0]["loads"] / max(1, r["loads"]) < 20
                                               for r in rows[1:])
    return 1 if bad else 0


def cleanup():
    for p in PROCS:
        stop_server(p)
    for d in TMPDIRS:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    run_main("stampede", main, cleanup)
