#!/usr/bin/python3
"""Invalidation benchmark: cachet's INVALIDATE PATTERN and TAG.INVALIDATE against the
usual Redis recipes on redis-server, side by side in one run.

Entry point: /usr/bin/python3 bench/invalidation.py   (standard library only)

Both servers run without persistence, pinned with taskset to BENCH_SERVER_CPU
(cachet with --threads CACHET_THREADS, default 2); this script and its probe
process run on BENCH_CLIENT_CPU. For each of BENCH_REPEAT rounds, on each
server in turn:

  pattern  BENCH_GROUPS prefixes x BENCH_PER_GROUP keys (default 10 x 100,000 =
           1M keys) are loaded; then the keys under one prefix are deleted:
             redis:  SCAN cursor MATCH inv:g3:* COUNT 1000, then DEL of each
                     page's keys, until the cursor is 0 (what applications do)
             cachet: INVALIDATE PATTERN inv:g3:*
  tag      BENCH_PER_GROUP keys are tagged with one tag among the others:
             redis:  SET key v + SADD tag:big key; invalidated with SSCAN pages
                     of the tag set and DEL of each page, then DEL tag:big
             cachet: CACHE.SET key v TAGS big; TAG.INVALIDATE big

cachet defines the namespace inv: first (its keys are then in the key order index,
prefix-index namespaces being the default). Both results are checked (deleted count and DBSIZE). While each invalidation
runs, two probe processes send PING on their own connections back to back and
record the longest wait: what other clients see (on cachet one probe shares the
invalidating client's I/O thread, the other does not; the invalidation runs on
cachet's invalidation worker thread, so neither waits for the whole command). cachet also reports the longest
single shard-lock hold (INVALIDATE LOG longest_batch_us).

Prints the median time of each, the ratio redis/cachet (how many times faster
cachet is), and writes bench/results/invalidation-latest.txt.
"""
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (REPO, HERE, Conn, env_int, free_port, launch, parse_info,  # noqa: E402
                      run_main, stop_server, cpu_model, git_rev)

PROCS = []
DIRS = []


def probe(port, stop, out):
    """PINGs back to back until stop is set; puts (longest wait us, pings) on out."""
    c = Conn(port)
    longest, n = 0.0, 0
    while not stop.is_set():
        t = time.perf_counter()
        c.cmd("PING")
        longest = max(longest, time.perf_counter() - t)
        n += 1
    c.close()
    out.put((longest * 1e6, n))


def pipelined(c, commands, depth=64):
    """Sends commands keeping depth in flight; returns the replies."""
    replies, sent = [], 0
    for cmd in commands:
        c.send(*cmd)
        sent += 1
        if sent - len(replies) >= depth:
            replies.append(c.reply())
    while len(replies) < sent:
        replies.append(c.reply())
    return replies


def load_groups(c, groups, per):
    batch = 500
    cmds = []
    for g in range(groups):
        for start in range(0, per, batch):
            args = ["MSET"]
            for i in range(start, min(per, start + batch)):
                args += ["inv:g%d:%d" % (g, i), "v%d" % i]
            cmds.append(args)
    for r in pipelined(c, cmds, depth=8):
        if r != "OK":
            raise RuntimeError("MSET failed: %r" % (r,))


def timed_with_probe(port, fn):
    """Runs fn while two probes PING (with cachet's two I/O threads, consecutive connections
    land on different threads, so one probe shares the invoking client's thread and one does
    not). Returns (seconds, fn's result, the two longest waits in us, smaller first)."""
    stop = multiprocessing.Event()
    out = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=probe, args=(port, stop, out)) for _ in range(2)]
    for p in procs:
        p.start()
    time.sleep(0.3)  # the probes are connected and pinging
    t = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - t
    stop.set()
    waits = sorted(out.get(timeout=30)[0] for _ in procs)
    for p in procs:
        p.join()
    return elapsed, result, waits


def redis_scan_del(c, pattern):
    deleted, cursor = 0, "0"
    while True:
        cursor, keys = c.cmd("SCAN", cursor, "MATCH", pattern, "COUNT", 1000)
        if keys:
            deleted += c.cmd("DEL", *keys)
        if cursor in ("0", b"0"):
            return deleted


def redis_tag_del(c, tag_key):
    deleted, cursor = 0, "0"
    while True:
        cursor, keys = c.cmd("SSCAN", tag_key, cursor, "COUNT", 1000)
        if keys:
            deleted += c.cmd("DEL", *keys)
        if cursor in ("0", b"0"):
            c.cmd("DEL", tag_key)
            return deleted


def run_round(srv, cfg):
    c = Conn(srv["port"], timeout=600)
    c.cmd("FLUSHALL")
    if srv["is_cachet"] and c.cmd("NAMESPACE.LIST") == []:
        # Cache data lives in namespaces; their keys are in the key order index
        # (prefix-index namespaces, the default).
        c.cmd("NAMESPACE.SET", "inv", "PREFIX", "inv:")
    groups, per = cfg["groups"], cfg["per"]
    load_groups(c, groups, per)
    if c.cmd("DBSIZE") != groups * per:
        raise RuntimeError("%s: load incomplete" % srv["name"])
    pattern = "inv:g3:*"
    if srv["is_cachet"]:
        fn = lambda: c.cmd("INVALIDATE", "PATTERN", pattern)  # noqa: E731
    else:
        fn = lambda: redis_scan_del(c, pattern)  # noqa: E731
    t_pat, n, (probe_pat_other, probe_pat) = timed_with_probe(srv["port"], fn)
    if n != per or c.cmd("DBSIZE") != (groups - 1) * per:
        raise RuntimeError("%s: pattern deleted %r" % (srv["name"], n))
    batch_pat = None
    if srv["is_cachet"]:
        batch_pat = c.cmd("INVALIDATE", "LOG", 1)[0][-1]

    cmds = []
    for i in range(per):
        key = "inv:tagged:%d" % i
        if srv["is_cachet"]:
            cmds.append(["CACHE.SET", key, "v", "TAGS", "big"])
        else:
            cmds.append(["SET", key, "v"])
            cmds.append(["SADD", "tag:big", key])
    pipelined(c, cmds, depth=256)
    if srv["is_cachet"]:
        fn = lambda: c.cmd("TAG.INVALIDATE", "big")  # noqa: E731
    else:
        fn = lambda: redis_tag_del(c, "tag:big")  # noqa: E731
    t_tag, n, (probe_tag_other, probe_tag) = timed_with_probe(srv["port"], fn)
    if n != per or c.cmd("DBSIZE") != (groups - 1) * per:
        raise RuntimeError("%s: tag deleted %r" % (srv["name"], n))
    batch_tag = None
    if srv["is_cachet"]:
        batch_tag = c.cmd("INVALIDATE", "LOG", 1)[0][-1]
    c.close()
    return {"pattern_s": t_pat, "pattern_probe_us": probe_pat, "pattern_batch_us": batch_pat,
            "pattern_probe_other_us": probe_pat_other, "tag_probe_other_us": probe_tag_other,
            "tag_s": t_tag, "tag_probe_us": probe_tag, "tag_batch_us": batch_tag}


def main():
    cfg = {
        "groups": env_int("BENCH_GROUPS", 10),
        "per": env_int("BENCH_PER_GROUP", 100000),
        "repeat": max(1, env_int("BENCH_REPEAT", 3)),
        "server_cpu": env_int("BENCH_SERVER_CPU", 0),
        "client_cpu": env_int("BENCH_CLIENT_CPU", 1),
        "threads": env_int("CACHET_THREADS", 2),
    }
    redis_bin = os.environ.get("REDIS_BIN") or shutil.which("redis-server") or \
        "/usr/bin/redis-server"
    cachet_bin = os.environ.get("CACHET_BIN") or os.path.join(REPO, "build/release/cachet-server")
    for b in (redis_bin, cachet_bin):
        if not os.access(b, os.X_OK):
            sys.exit("invalidation: %s is not executable (set REDIS_BIN / CACHET_BIN)" % b)
    os.sched_setaffinity(0, {cfg["client_cpu"]})
    servers = []
    for name, binary in (("redis", redis_bin), ("cachet", cachet_bin)):
        d = tempfile.mkdtemp(prefix="cachet-bench-inv-%s-" % name)
        DIRS.append(d)
        port = free_port()
        extra = ["--threads", str(cfg["threads"]), "--http-port", "0"] if name == "cachet" else []
        p = launch(binary, port, d, cfg["server_cpu"], os.path.join(d, "server.log"), extra)
        PROCS.append(p)
        servers.append({"name": name, "port": port, "is_cachet": name == "cachet"})
    rounds = {s["name"]: [] for s in servers}
    for r in range(cfg["repeat"]):
        for s in servers:
            res = run_round(s, cfg)
            rounds[s["name"]].append(res)
            print("round %d %-6s pattern %.3fs (worse probe %.1f ms)  tag %.3fs (worse probe %.1f ms)"
                  % (r + 1, s["name"], res["pattern_s"], res["pattern_probe_us"] / 1000,
                     res["tag_s"], res["tag_probe_us"] / 1000), file=sys.stderr, flush=True)

    def med(name, field):
        vals = [x[field] for x in rounds[name] if x[field] is not None]
        return statistics.median(vals) if vals else None

    lines = [
        "invalidation benchmark  %s  rev %s  %s" % (time.strftime("%Y-%m-%d %H:%M"), git_rev(),
                                                    cpu_model()),
        "keys: %d groups x %d; cachet --threads %d; server cpu %d, client cpu %d; median of %d"
        % (cfg["groups"], cfg["per"], cfg["threads"], cfg["server_cpu"], cfg["client_cpu"],
           cfg["repeat"]),
        "",
        "%-44s %12s %12s %9s" % ("", "redis", "cachet", "redis/cachet"),
    ]

    def row(label, field, scale, unit):
        a, b = med("redis", field), med("cachet", field)
        ratio = "%8.1fx" % (a / b) if a and b else "%9s" % "-"
        fmt = lambda v: ("%10.1f %s" % (v * scale, unit)) if v is not None else "%12s" % "-"  # noqa
        lines.append("%-44s %12s %12s %s" % (label, fmt(a), fmt(b), ratio))

    row("delete %d keys by pattern (time)" % cfg["per"], "pattern_s", 1000, "ms")
    row("  longest PING wait, worse probe", "pattern_probe_us", 0.001, "ms")
    row("  longest PING wait, better probe", "pattern_probe_other_us", 0.001, "ms")
    row("  cachet longest shard-lock hold", "pattern_batch_us", 0.001, "ms")
    row("delete %d keys by tag (time)" % cfg["per"], "tag_s", 1000, "ms")
    row("  longest PING wait, worse probe", "tag_probe_us", 0.001, "ms")
    row("  longest PING wait, better probe", "tag_probe_other_us", 0.001, "ms")
    row("  cachet longest shard-lock hold", "tag_batch_us", 0.001, "ms")
    lines.append("")
    lines.append("redis: SCAN MATCH COUNT 1000 + DEL per page; tag = a SET of keys, SSCAN + DEL.")
    lines.append("probes: two PING loops on their own connections (on cachet one shares the")
    lines.append("invalidating client's I/O thread, one does not; the invalidation itself runs on")
    lines.append("cachet's invalidation worker, one shard lock at a time).")
    text = "\n".join(lines)
    print(text)
    results = os.environ.get("BENCH_RESULTS_DIR") or os.path.join(HERE, "results")
    os.makedirs(results, exist_ok=True)
    with open(os.path.join(results, "invalidation-latest.txt"), "w") as f:
        f.write(text + "\n")
    return 0


def cleanup():
    for p in PROCS:
        stop_server(p)
    for d in DIRS:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    run_main("invalidation", main, cleanup)
