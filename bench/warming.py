#!/usr/bin/python3
"""Warming benchmark: what taking and loading a warm file costs, and what a background load
costs the clients served meanwhile.

Entry point: /usr/bin/python3 bench/warming.py   (standard library only)

One cachet (build/release/cachet-server or CACHET_BIN; --threads 2, --save '',
--appendonly no, allkeys-lfu) in a temp dir is filled with BENCH_KEYS keys
(`key:%09d`, BENCH_VALUE-byte values) over one pipelined connection; BENCH_HOT of them
are read once more (so they are hot). Then:

  save      WARM SAVE with warm-keys = BENCH_HOT (the shutdown path): keys, bytes, ms
  shutdown  SHUTDOWN with the same warm file: seconds from the command to process exit
  start     restart with warm-on-start: ms until WARM STATUS says done (keys loaded)
  latency   single GETs from one client, 2 s idle, then while WARM LOAD ... REPLACE
            (BATCH 1000, then BATCH 100 PAUSE 1) runs: p50 / p99 / max in microseconds

Prints one table to stdout.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (Conn, encode, env_int, free_port, parse_info, run_main,  # noqa: E402
                      stop_server)

KEYS = env_int("BENCH_KEYS", 1_000_000)
HOT = env_int("BENCH_HOT", 100_000)
VALUE = env_int("BENCH_VALUE", 100)
BIN = os.environ.get("CACHET_BIN") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build/release/cachet-server")

state = {"proc": None, "dir": None}


def start(port, workdir):
    argv = [BIN, "--port", str(port), "--threads", "2", "--save", "", "--appendonly", "no",
            "--http-port", "0", "--dir", workdir, "--maxmemory-policy", "allkeys-lfu",
            "--warm-file", "warm.cwf", "--warm-keys", str(HOT), "--loglevel", "warning"]
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    state["proc"] = p
    for _ in range(500):
        try:
            c = Conn(port)
            c.cmd("PING")
            return p, c
        except OSError:
            time.sleep(0.01)
    raise RuntimeError("server did not start")


def status(c):
    r = c.cmd("WARM", "STATUS")
    return dict(zip(r[0::2], r[1::2]))


def wait_done(c):
    while status(c)["state"] == "running":
        time.sleep(0.001)
    return status(c)


def pipelined(c, commands, depth=1000):
    for i in range(0, len(commands), depth):
        chunk = commands[i:i + depth]
        c.sock.sendall(b"".join(encode(*cmd) for cmd in chunk))
        for _ in chunk:
            c.reply()


def get_latencies(c, seconds, until=None):
    out = []
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end if until is None else until():
        t = time.perf_counter_ns()
        c.cmd("GET", "key:%09d" % (i * 7919 % KEYS))
        out.append((time.perf_counter_ns() - t) / 1000)
        i += 1
    return out


def summary(lat):
    lat = sorted(lat)
    return "p50 %6.0f  p99 %7.0f  max %8.0f  (%d GETs)" % (
        statistics.median(lat), lat[int(len(lat) * 0.99)], lat[-1], len(lat))


def main():
    workdir = tempfile.mkdtemp(prefix="cachet-warm-bench-")
    state["dir"] = workdir
    port = free_port()
    p, c = start(port, workdir)
    value = "v" * VALUE
    pipelined(c, [("SET", "key:%09d" % i, value) for i in range(KEYS)])
    pipelined(c, [("GET", "key:%09d" % i) for i in range(0, KEYS, KEYS // HOT)][:HOT])
    t = time.monotonic()
    saved = c.cmd("WARM", "SAVE")
    save_ms = (time.monotonic() - t) * 1000
    info = parse_info(c.cmd("INFO", "warming"))
    print("keys %d, value %d bytes, hot %d" % (KEYS, VALUE, HOT))
    print("save      %d keys, %s bytes, %.0f ms (server: %s ms)"
          % (saved, info["warm_last_save_bytes"], save_ms, info["warm_last_save_ms"]))
    t = time.monotonic()
    try:
        c.cmd("SHUTDOWN")
    except (ConnectionError, OSError):
        pass
    p.wait(60)
    print("shutdown  %.2f s with the warm file" % (time.monotonic() - t))
    t = time.monotonic()
    p, c = start(port, workdir)
    s = wait_done(c)
    print("start     %d keys loaded, ready + load %.0f ms (load %d ms)"
          % (s["loaded"], (time.monotonic() - t) * 1000, s["elapsed_ms"]))
    pipelined(c, [("SET", "key:%09d" % i, value) for i in range(KEYS)])
    print("latency   idle          %s" % summary(get_latencies(c, 2)))
    other = Conn(port)
    for args in (("BATCH", "1000"), ("BATCH", "100", "PAUSE", "1")):
        other.cmd("WARM", "LOAD", "warm.cwf", "REPLACE", *args)
        lat = get_latencies(c, 0, until=lambda: status(other)["state"] == "running")
        s = status(other)
        print("latency   load %-14s %s, load %d ms" % (" ".join(args), summary(lat),
                                                      s["elapsed_ms"]))
    stop_server(p)
    return 0


def cleanup():
    if state["proc"] is not None:
        stop_server(state["proc"])
    if state["dir"]:
        shutil.rmtree(state["dir"], ignore_errors=True)


if __name__ == "__main__":
    run_main("warming", main, cleanup)
