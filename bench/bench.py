#!/usr/bin/python3
"""Benchmark driver for cachet vs redis (started by bench/run.sh).

The servers are already running (pinned to the server core); this script runs
on the client core. For each test it runs redis-benchmark against redis, then
against cachet (never both at once), reading the server's utime+stime from
/proc/PID/stat around each run. It also measures memory per key by loading
N keys with a pipelined socket loader. Results are printed and written to
--out (plain text) and a .json next to it.
"""
import argparse
import csv
import datetime
import io
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
DEFAULT_TESTS = "ping_mbulk,set,get,incr,mset,hset,sadd,zadd,lpush,lpop,lrange_100"


def env_int(name, default):
    v = os.environ.get(name, "")
    return int(float(v)) if v.strip() else default


# ---------------------------------------------------------------- RESP client

class Resp:
    """Minimal blocking RESP2 client, enough for INFO/DBSIZE/FLUSHALL."""

    def __init__(self, port, timeout=60):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("server closed connection")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError("server error: " + rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data.decode(errors="replace")
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise RuntimeError("bad reply: %r" % line[:80])

    def cmd(self, *args):
        parts = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(parts))
        return self._reply()


def one_cmd(port, *args):
    c = Resp(port)
    try:
        return c.cmd(*args)
    finally:
        c.close()


def info(port, section=None):
    text = one_cmd(port, *(["INFO", section] if section else ["INFO"])) or ""
    out = {}
    for line in text.splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k.strip()] = v.strip()
    return out


# ------------------------------------------------------------ /proc readings

def cpu_ticks(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except FileNotFoundError:
        raise RuntimeError("server pid %d is gone (crashed or killed)" % pid)
    fields = data[data.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime is field 14, stime field 15.
    return int(fields[11]) + int(fields[12])


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS for pid %d" % pid)


def check_alive(srv):
    if not os.path.exists("/proc/%d" % srv["pid"]):
        raise RuntimeError("%s (pid %d) is no longer running" % (srv["name"], srv["pid"]))


# ------------------------------------------------------------------ loading

def build_load_batches(nkeys, batch):
    """RESP SET commands with 16-byte keys and 32-byte values."""
    batches = []
    for start in range(0, nkeys, batch):
        end = min(nkeys, start + batch)
        batches.append(b"".join(
            b"*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$32\r\nval:%028d\r\n" % (i, i)
            for i in range(start, end)))
    return batches


HASH_FIELDS = 5


def build_hash_batches(nkeys, batch):
    """RESP HSET commands: 16-byte keys, 5 fields (f1..f5) with 8-byte values each."""
    batches = []
    for start in range(0, nkeys, batch):
        end = min(nkeys, start + batch)
        batches.append(b"".join(
            b"*12\r\n$4\r\nHSET\r\n$16\r\nkey:%012d\r\n" % i + b"".join(
                b"$2\r\nf%d\r\n$8\r\n%08d\r\n" % (f, i + f) for f in range(1, HASH_FIELDS + 1))
            for i in range(start, end)))
    return batches


def pipelined_load(port, batches, nkeys, expect):
    """Send all batches from a writer thread while reading replies, each of which must be
    `expect` (e.g. b"+OK"); returns seconds."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=120)
    err = []

    def writer():
        try:
            for b in batches:
                sock.sendall(b)
        except Exception as e:  # reported by the reader side
            err.append(e)

    t0 = time.monotonic()
    th = threading.Thread(target=writer, daemon=True)
    th.start()
    seen = 0
    bad = None
    partial = b""
    while seen < nkeys:
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise RuntimeError("server closed connection after %d of %d replies" % (seen, nkeys))
        lines = (partial + chunk).split(b"\r\n")
        partial = lines.pop()
        seen += len(lines)
        if bad is None and lines.count(expect) != len(lines):
            bad = next(x for x in lines if x != expect)[:200]
    elapsed = time.monotonic() - t0
    th.join()
    sock.close()
    if err:
        raise RuntimeError("loader send failed: %s" % err[0])
    if bad is not None:
        raise RuntimeError("unexpected reply while loading: %r" % bad)
    return elapsed


def memory_test(srv, batches, nkeys, expect=b"+OK"):
    check_alive(srv)
    port, pid = srv["port"], srv["pid"]
    if one_cmd(port, "DBSIZE") != 0:
        one_cmd(port, "FLUSHALL")
    time.sleep(0.2)
    rss0, um0 = rss_bytes(pid), int(info(port, "memory")["used_memory"])
    secs = pipelined_load(port, batches, nkeys, expect)
    time.sleep(0.3)  # let the server drop the loader connection and its buffers
    dbsize = one_cmd(port, "DBSIZE")
    rss1, um1 = rss_bytes(pid), int(info(port, "memory")["used_memory"])
    if dbsize != nkeys:
        raise RuntimeError("%s: DBSIZE is %r after loading %d keys" % (srv["name"], dbsize, nkeys))
    return {
        "rss_before": rss0, "rss_after": rss1,
        "used_memory_before": um0, "used_memory_after": um1,
        "rss_per_key": (rss1 - rss0) / nkeys,
        "used_memory_per_key": (um1 - um0) / nkeys,
        "load_seconds": secs, "load_ops": nkeys / secs, "dbsize": dbsize,
    }


# ------------------------------------------------------------ redis-benchmark

def run_benchmark(srv, test, pipeline, requests, cfg):
    check_alive(srv)
    cmd = ["taskset", "-c", str(cfg["client_cpu"]), "stdbuf", "-oL", "redis-benchmark",
           "-h", "127.0.0.1", "-p", str(srv["port"]),
           "-c", str(cfg["clients"]), "-n", str(requests),
           "-r", str(cfg["keyspace"]), "-d", str(cfg["datasize"]),
           "-P", str(pipeline), "-t", test, "--csv"]
    # redis-benchmark prints each CSV row as soon as that phase ends (stdbuf makes its
    # stdout line-buffered), so the server CPU and wall time are read at every row: a -t
    # name that runs several phases (lrange_100 first runs an LPUSH phase) gets each
    # phase's own CPU, not an even split.
    errf = tempfile.TemporaryFile(mode="w+")
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errf, text=True)
    timer = threading.Timer(cfg["timeout"], p.kill)
    timer.start()
    t_prev, w_prev = cpu_ticks(srv["pid"]), time.monotonic()
    out = []
    try:
        for line in p.stdout:
            row = next(csv.reader([line]), None)
            if not row or row[0] == "test":
                continue
            t_now, w_now = cpu_ticks(srv["pid"]), time.monotonic()
            cpu_s = (t_now - t_prev) / CLK_TCK
            out.append({"name": row[0], "rps": float(row[1]), "p50_ms": float(row[4]),
                        "p99_ms": float(row[6]), "cpu_s": cpu_s,
                        "cpu_us_per_req": cpu_s * 1e6 / requests, "wall_s": w_now - w_prev})
            t_prev, w_prev = t_now, w_now
        p.wait()
    finally:
        timer.cancel()
        errf.seek(0)
        stderr = errf.read()
        errf.close()
    if p.returncode != 0 or not out:
        raise RuntimeError("redis-benchmark failed on %s (%s P%d, rc=%d): %s"
                           % (srv["name"], test, pipeline, p.returncode, stderr.strip()[-400:]))
    # Set-up phases ("LPUSH (needed to benchmark LRANGE)") are not rows of their own.
    return [r for r in out if "(needed to benchmark" not in r["name"]]


def row_label(csv_name, pipeline):
    base = csv_name.split(" (")[0]
    return "%s P%d" % (base, pipeline)


# ------------------------------------------------------------------ output

def first_line(cmd):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=10)
        lines = p.stdout.strip().splitlines()
        return lines[0] if lines and p.returncode == 0 else "unknown (rc=%d)" % p.returncode
    except Exception as e:
        return "unknown (%s)" % e


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_rev(repo):
    try:
        rev = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if rev.returncode != 0:
            return "no commits"
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        return rev.stdout.strip() + (" (dirty)" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


def fmt_val(v, unit):
    if v is None:
        return "n/a"
    if unit == "ops/s":
        return "%d" % round(v)
    if unit == "us/req":
        return "%.3f" % v
    return "%.1f" % v


def format_row(label, unit, rv, cv):
    ratio = "%.2f" % (cv / rv) if rv and cv is not None else "n/a"
    return "%-18s redis %10s %-8s cachet %10s %-8s ratio %s" % (
        label, fmt_val(rv, unit), unit, fmt_val(cv, unit), unit, ratio)


def memory_rows(m, what):
    unit = "B/key" if what == "keys" else "B/hash"
    return [
        format_row("used_memory", unit, m["redis"]["used_memory_per_key"],
                   m["cachet"]["used_memory_per_key"]),
        format_row("RSS", unit, m["redis"]["rss_per_key"], m["cachet"]["rss_per_key"]),
        "(load rate, client-bound: redis %d %s/s, cachet %d %s/s; RSS before/after: redis "
        "%.1f/%.1f MiB, cachet %.1f/%.1f MiB)" % (
            m["redis"]["load_ops"], what, m["cachet"]["load_ops"], what,
            m["redis"]["rss_before"] / 2**20, m["redis"]["rss_after"] / 2**20,
            m["cachet"]["rss_before"] / 2**20, m["cachet"]["rss_after"] / 2**20),
    ]


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser()
    for n in ("redis", "cachet"):
        ap.add_argument("--%s-port" % n, type=int, required=True)
        ap.add_argument("--%s-pid" % n, type=int, required=True)
        ap.add_argument("--%s-bin" % n, required=True)
    for n in ("redis", "cachet"):
        ap.add_argument("--hash-%s-port" % n, type=int, default=0)
        ap.add_argument("--hash-%s-pid" % n, type=int, default=0)
    ap.add_argument("--cachet-args", default="")
    ap.add_argument("--client-cpu", type=int, default=1)
    ap.add_argument("--server-cpu", type=int, default=0)
    ap.add_argument("--repo", default=".")
    ap.add_argument("--cmdline", default="")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    p1 = env_int("BENCH_REQUESTS", 200000)
    cfg = {
        "requests_p1": p1,
        "requests_p16": env_int("BENCH_REQUESTS_P16", 5 * p1),
        "tests": [t.strip() for t in os.environ.get(
            "BENCH_TESTS", DEFAULT_TESTS).split(",") if t.strip()],
        "pipelines": [int(x) for x in os.environ.get("BENCH_PIPELINES", "1,16").split(",") if x.strip()],
        "clients": env_int("BENCH_CLIENTS", 50),
        "keyspace": env_int("BENCH_KEYSPACE", 100000),
        "datasize": env_int("BENCH_DATASIZE", 3),
        "mem_keys": env_int("BENCH_MEM_KEYS", 1000000),
        "mem_hashes": env_int("BENCH_MEM_HASHES", 1000000),
        "repeat": max(1, env_int("BENCH_REPEAT", 3)),
        "skip_mem": os.environ.get("BENCH_SKIP_MEM", "") not in ("", "0"),
        "client_cpu": a.client_cpu,
        "server_cpu": a.server_cpu,
        "timeout": env_int("BENCH_TIMEOUT", 600),
    }
    servers = [
        {"name": "redis", "port": a.redis_port, "pid": a.redis_pid, "bin": a.redis_bin},
        {"name": "cachet", "port": a.cachet_port, "pid": a.cachet_pid, "bin": a.cachet_bin},
    ]
    started = time.monotonic()

    def progress(msg):
        print("[%6.1fs] %s" % (time.monotonic() - started, msg), file=sys.stderr, flush=True)

    # -- header
    out = []
    out.append("cachet benchmark  %s" % datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z"))
    out.append("command:   %s" % a.cmdline)
    out.append("machine:   nproc=%d, cpu=%s, kernel=%s" % (os.cpu_count(), cpu_model(), platform.release()))
    out.append("loadavg:   %s (before start; other work on this machine adds noise)"
               % " ".join(open("/proc/loadavg").read().split()[:3]))
    out.append("pinning:   servers on cpu %d (one at a time under load), redis-benchmark on cpu %d"
               % (cfg["server_cpu"], cfg["client_cpu"]))
    cinfo = info(a.cachet_port, "server")
    out.append("redis:     %s  [%s]" % (a.redis_bin, first_line([a.redis_bin, "--version"])))
    cver = first_line([a.cachet_bin, "--version"])
    out.append("cachet:    %s %s [%s] (INFO redis_version=%s) git %s"
               % (a.cachet_bin, a.cachet_args, cver, cinfo.get("redis_version", "?"), git_rev(a.repo)))
    out.append("client:    %s, python %s" % (first_line(["redis-benchmark", "--version"]),
                                             platform.python_version()))
    out.append("settings:  -c %d -r %d -d %d, requests P1=%d other=%d, tests=%s, pipelines=%s, repeat=%d (median)"
               % (cfg["clients"], cfg["keyspace"], cfg["datasize"], cfg["requests_p1"],
                  cfg["requests_p16"], ",".join(cfg["tests"]),
                  ",".join(map(str, cfg["pipelines"])), cfg["repeat"]))
    for line in out:
        print(line)
    sys.stdout.flush()

    hash_servers = [
        {"name": "redis", "port": a.hash_redis_port, "pid": a.hash_redis_pid, "bin": a.redis_bin},
        {"name": "cachet", "port": a.hash_cachet_port, "pid": a.hash_cachet_pid, "bin": a.cachet_bin},
    ]
    results = {"config": cfg, "servers": servers, "throughput": [], "memory": {},
               "memory_hashes": {}}

    # -- memory (first, on freshly started servers)
    if not cfg["skip_mem"]:
        progress("building %d SET commands for the memory test" % cfg["mem_keys"])
        batches = build_load_batches(cfg["mem_keys"], 10000)
        for srv in servers:
            progress("memory: loading %d keys into %s" % (cfg["mem_keys"], srv["name"]))
            results["memory"][srv["name"]] = memory_test(srv, batches, cfg["mem_keys"])
        del batches
    # -- memory of small hashes, on a second pair of fresh servers (run.sh starts them)
    if not cfg["skip_mem"] and cfg["mem_hashes"] > 0 and all(s["pid"] for s in hash_servers):
        progress("building %d HSET commands for the hash memory test" % cfg["mem_hashes"])
        batches = build_hash_batches(cfg["mem_hashes"], 10000)
        for srv in hash_servers:
            progress("memory: loading %d hashes into %s" % (cfg["mem_hashes"], srv["name"]))
            results["memory_hashes"][srv["name"]] = memory_test(
                srv, batches, cfg["mem_hashes"], expect=b":%d" % HASH_FIELDS)
            one_cmd(srv["port"], "FLUSHALL")
        del batches
    for srv in servers:
        one_cmd(srv["port"], "FLUSHALL")

    # -- warm-up (short, not recorded)
    for srv in servers:
        run_benchmark(srv, "ping_mbulk", 1, 20000, cfg)

    # -- throughput + CPU; for each row redis then cachet, so slow drift hits both
    rows = []  # (label, {server: [samples...]})
    for pipeline in cfg["pipelines"]:
        requests = cfg["requests_p1"] if pipeline == 1 else cfg["requests_p16"]
        for test in cfg["tests"]:
            samples = {}
            for rep in range(cfg["repeat"]):
                for srv in servers:
                    progress("%s P%d on %s (%d requests)%s" % (
                        test, pipeline, srv["name"], requests,
                        " rep %d" % (rep + 1) if cfg["repeat"] > 1 else ""))
                    try:
                        res = run_benchmark(srv, test, pipeline, requests, cfg)
                    except (RuntimeError, subprocess.TimeoutExpired) as e:
                        print("bench: %s" % e, file=sys.stderr)
                        check_alive(srv)
                        res = None
                    samples.setdefault(srv["name"], []).append(res)
            # group the csv rows produced by this test name
            names = []
            for s in samples.values():
                for res in s:
                    for r in res or []:
                        if r["name"] not in names:
                            names.append(r["name"])
            for name in names:
                entry = {"label": row_label(name, pipeline), "test": test, "pipeline": pipeline,
                         "requests": requests}
                for srv in servers:
                    got = [r for res in samples.get(srv["name"], []) for r in (res or [])
                           if r["name"] == name]
                    if got:
                        entry[srv["name"]] = {
                            "rps": statistics.median(r["rps"] for r in got),
                            "cpu_us_per_req": statistics.median(r["cpu_us_per_req"] for r in got),
                            "p50_ms": statistics.median(r["p50_ms"] for r in got),
                            "p99_ms": statistics.median(r["p99_ms"] for r in got),
                            "server_busy": statistics.median(r["cpu_s"] / r["wall_s"] for r in got),
                            "samples": got,
                        }
                    else:
                        entry[srv["name"]] = None
                rows.append(entry)
    results["throughput"] = rows

    # -- table
    def val(entry, name, key):
        return entry[name][key] if entry.get(name) else None

    table = ["", "== Throughput (ops/s, higher is better; busy < ~90% means the server was not the bottleneck) =="]
    for e in rows:
        busy = [val(e, n, "server_busy") for n in ("redis", "cachet")]
        note = "   (server core busy %s/%s)" % tuple(
            "n/a" if b is None else "%d%%" % round(100 * b) for b in busy)
        table.append(format_row(e["label"], "ops/s", val(e, "redis", "rps"),
                                val(e, "cachet", "rps")) + note)
    table += ["", "== Server CPU time per request (utime+stime / requests, lower is better) =="]
    for e in rows:
        table.append(format_row(e["label"], "us/req", val(e, "redis", "cpu_us_per_req"),
                                val(e, "cachet", "cpu_us_per_req")))
    if results["memory"]:
        table += ["", "== Memory, %d keys, 16-byte keys, 32-byte values (bytes/key, lower is better) =="
                  % cfg["mem_keys"]]
        table += memory_rows(results["memory"], "keys")
    if results["memory_hashes"]:
        table += ["", "== Memory, %d hashes, 16-byte keys, %d fields each (2-byte names, 8-byte "
                  "values) (bytes/hash, lower is better) ==" % (cfg["mem_hashes"], HASH_FIELDS)]
        table += memory_rows(results["memory_hashes"], "hashes")
    total = time.monotonic() - started
    table.append("")
    table.append("total benchmark time: %.0fs" % total)
    for line in table:
        print(line)

    results["total_seconds"] = total
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        f.write("\n".join(out + table) + "\n")
    with open(os.path.splitext(a.out)[0] + ".json", "w") as f:
        json.dump(results, f, indent=1)
    print("written: %s (and .json)" % a.out)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
    except RuntimeError as e:
        print("bench: error: %s" % e, file=sys.stderr)
        sys.exit(1)
