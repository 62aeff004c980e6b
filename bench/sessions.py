#!/usr/bin/python3
"""Session benchmark: cachet's native SESSION.* commands vs the usual Redis
recipe on redis-server, side by side in one run.

Entry point: /usr/bin/python3 bench/sessions.py   (standard library only)

Both servers are started (each in a temp dir under /tmp, --save '' --appendonly
no, pinned with taskset to BENCH_SERVER_CPU; cachet with --threads
CACHET_THREADS, default 1) and stay up for the whole run; only one is under
load at a time. For every pipeline depth and repeat, each server in turn is
flushed and then driven by BENCH_CLIENTS connections (spread over BENCH_PROCS
driver processes on the client cores) through two phases:

  create    BENCH_SESSIONS sessions, BENCH_SESSIONS_PER_USER per user
            redis:  SET session:{id} json EX ttl
                    ZADD user:{u}:sessions now id
                    EXPIRE user:{u}:sessions ttl        (one pipelined group)
            cachet: SESSION.CREATE user:{u} DATA json TTL ttl
  validate  BENCH_VALIDATES lookups of random existing sessions
            redis:  GET session:{id}  +  EXPIRE session:{id} ttl (one group)
            cachet: SESSION.GET id

Each connection keeps one batch of P operations (P = pipeline depth, one
operation = one group above) in flight and sends the next batch when all its
replies are in. An operation's latency is the time from sending its batch to
its last reply byte. Every reply is checked (exact bytes for redis; length,
shape and, on a sample of batches, the session ids for cachet), and so is the
number of sessions after each create phase.

Reported per pipeline depth: creates/s and validates/s (median of
BENCH_REPEAT runs), p50/p99 latency, server CPU per operation, how busy the
server core and the driver were, and memory per session; ratio = cachet /
redis. Table to stdout and bench/results/sessions-latest.txt (+ .json).
"""
import array
import base64
import datetime
import json
import multiprocessing
import os
import platform
import random
import select
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback

from benchlib import (CLK_TCK, HERE, REPO, Conn, RespError, cpu_model, cpu_ticks, encode,
                      env_int, first_line, free_port, git_rev, parse_info, rss_bytes,
                      run_main, stop_server)

PROCS = []    # server Popen objects (each leader of its own process group)
WORKERS = []  # driver processes
TMPDIRS = []
CAL_USER = 99999999  # user number of the calibration session (same width as the others)


def cpu_list(text):
    """'1' / '1,3' / '1-3' -> sorted list of ints."""
    out = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            out.update(range(int(a), int(b) + 1))
        else:
            out.add(int(part))
    return sorted(out)


def user_name(u):
    return b"user:%08d" % u


def session_data(size):
    """A JSON object of exactly `size` bytes (no CR/LF, so reply shapes stay fixed)."""
    head = b'{"role":"user","theme":"dark","locale":"en-US","cart":[1,2,3],"pad":"'
    size = max(size, len(head) + 2)
    return head + b"x" * (size - len(head) - 2) + b'"}'


# ---------------------------------------------------------------- raw replies

def resp_end(buf, pos):
    """Offset just past the RESP reply that starts at pos, or -1 if incomplete."""
    i = buf.find(b"\r\n", pos)
    if i < 0:
        return -1
    t = buf[pos:pos + 1]
    if t in (b"+", b"-", b":", b"_", b",", b"#", b"("):
        return i + 2
    if t in (b"$", b"!", b"="):
        n = int(buf[pos + 1:i])
        if n < 0:
            return i + 2
        end = i + 4 + n
        return end if len(buf) >= end else -1
    if t in (b"*", b"~", b">", b"%", b"|"):
        n = int(buf[pos + 1:i])
        p = i + 2
        if n < 0:
            return p
        if t in (b"%", b"|"):
            n *= 2
        for _ in range(n):
            p = resp_end(buf, p)
            if p < 0:
                return -1
        return p
    raise RuntimeError("bad RESP reply: %r" % buf[pos:pos + 80])


def raw_call(port, payload, nreplies, timeout=30):
    """Send payload, return the exact bytes of the next nreplies replies."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        sock.sendall(payload)
        buf = b""
        while True:
            p, n = 0, 0
            while n < nreplies:
                p = resp_end(buf, p)
                if p < 0:
                    break
                n += 1
            if n == nreplies:
                return buf[:p]
            chunk = sock.recv(1 << 16)
            if not chunk:
                raise RuntimeError("server closed the connection")
            buf += chunk
    finally:
        sock.close()


def random_id():
    return base64.urlsafe_b64encode(os.urandom(24))  # 32 characters, as cachet's ids


# ---------------------------------------------------------------- workloads

def create_op(kind, u, sid, cfg):
    if kind == "recipe":
        ukey = b"user:%08d:sessions" % u
        return (encode("SET", b"session:" + sid, cfg["data"], "EX", cfg["ttl"])
                + encode("ZADD", ukey, cfg["now_ms"], sid)
                + encode("EXPIRE", ukey, cfg["ttl"]))
    return encode("SESSION.CREATE", user_name(u), "DATA", cfg["data"], "TTL", cfg["ttl"])


def validate_op(kind, sid, cfg):
    if kind == "recipe":
        key = b"session:" + sid
        return encode("GET", key) + encode("EXPIRE", key, cfg["ttl"])
    return encode("SESSION.GET", sid)


def calibrate(srv, cfg):
    """Exact reply bytes of one create and one validate on this server, so that the
    driver can check replies by length/shape instead of parsing them."""
    kind = srv["kind"]
    sid = random_id()
    ncmd = 3 if kind == "recipe" else 1
    create = raw_call(srv["port"], create_op(kind, CAL_USER, sid, cfg), ncmd)
    if kind == "native":
        if not (len(create) == 39 and create.startswith(b"$32\r\n")):
            raise RuntimeError("%s: SESSION.CREATE replied %r (expected a 32-character id)"
                               % (srv["name"], create[:200]))
        sid = create[5:37]
    elif create != b"+OK\r\n:1\r\n:1\r\n":
        raise RuntimeError("%s: SET/ZADD/EXPIRE replied %r" % (srv["name"], create[:200]))
    validate = raw_call(srv["port"], validate_op(kind, sid, cfg), 2 if kind == "recipe" else 1)
    if kind == "recipe":
        want = b"$%d\r\n%s\r\n:1\r\n" % (len(cfg["data"]), cfg["data"])
        if validate != want:
            raise RuntimeError("%s: GET/EXPIRE replied %r" % (srv["name"], validate[:200]))
    elif not (validate.startswith(b"*22\r\n") or validate.startswith(b"%11\r\n")) \
            or sid not in validate or cfg["data"] not in validate:
        raise RuntimeError("%s: SESSION.GET replied %r" % (srv["name"], validate[:300]))
    head = validate[:validate.index(b"\r\n") + 2]
    return {"create": create, "validate": validate, "validate_head": head,
            "validate_crlf": validate.count(b"\r\n")}


def make_check(kind, phase, cal, pipeline, created):
    """Returns (reply length per op, check(blob, nops, ids))."""
    if kind == "recipe":
        one = cal[phase]
        full = one * pipeline

        def check_exact(blob, nops, ids):
            if blob != (full if nops == pipeline else one * nops):
                raise RuntimeError("unexpected reply: %r" % bad_reply(blob, one))
        return len(one), check_exact
    if phase == "create":
        def check_create(blob, nops, ids):
            if len(blob) != 39 * nops or blob.count(b"$32\r\n") != nops:
                raise RuntimeError("unexpected SESSION.CREATE reply: %r" % blob[:300])
            for i in range(nops):
                created.append(blob[39 * i + 5:39 * i + 37])
        return 39, check_create
    one = cal["validate"]
    size, crlf, head = len(one), cal["validate_crlf"], cal["validate_head"]
    seen = [0]

    def check_validate(blob, nops, ids):
        if len(blob) != size * nops or blob.count(b"\r\n") != crlf * nops \
                or blob.count(head) != nops:
            raise RuntimeError("unexpected SESSION.GET reply: %r" % bad_reply(blob, one))
        seen[0] += 1
        if seen[0] % 16 == 1:
            for sid in ids:
                if sid not in blob:
                    raise RuntimeError("SESSION.GET %s: reply without that id: %r"
                                       % (sid.decode(), blob[:300]))
    return size, check_validate


def bad_reply(blob, one):
    """The first reply in blob that differs from the expected one."""
    p = 0
    while p < len(blob):
        e = resp_end(blob, p)
        if e < 0:
            return blob[p:p + 300]
        if blob[p:e] != one:
            return blob[p:e][:300]
        p = e
    return blob[:300]


def run_phase(socks, plans, size, check, timeout, server_pid):
    """Drive every connection through its list of (payload, nops, ids) batches, one batch
    in flight per connection. Returns (t0, t1, ops, cpu seconds, latencies, server CPU
    ticks at t0 and at t1)."""
    ep = select.epoll()
    n = len(socks)
    idx, got, ndone, need = [0] * n, [0] * n, [0] * n, [0] * n
    tsend = [0.0] * n
    parts = [[] for _ in range(n)]
    fdmap = {}
    lat = array.array("d")
    mono = time.monotonic
    ops = 0
    active = 0
    ticks0 = cpu_ticks(server_pid)
    cpu0 = time.process_time()
    t0 = mono()
    for c, s in enumerate(socks):
        fdmap[s.fileno()] = c
        ep.register(s.fileno(), select.EPOLLIN)
        if plans[c]:
            payload, nops, _ = plans[c][0]
            need[c] = nops * size
            tsend[c] = mono()
            s.sendall(payload)
            active += 1
    while active:
        evs = ep.poll(timeout)
        if not evs:
            raise RuntimeError("no reply for %ds (%d connections still waiting)" % (timeout, active))
        now = mono()
        for fd, _ in evs:
            c = fdmap[fd]
            data = socks[c].recv(1 << 18)
            if not data:
                raise RuntimeError("server closed a connection")
            parts[c].append(data)
            g = got[c] + len(data)
            got[c] = g
            k = g // size
            if k > ndone[c]:
                d = now - tsend[c]
                for _ in range(k - ndone[c]):
                    lat.append(d)
                ndone[c] = k
            if g >= need[c]:
                p = parts[c]
                blob = p[0] if len(p) == 1 else b"".join(p)
                _, nops, ids = plans[c][idx[c]]
                check(blob, nops, ids)
                ops += nops
                parts[c] = []
                got[c] = ndone[c] = 0
                idx[c] += 1
                if idx[c] < len(plans[c]):
                    payload, nops, _ = plans[c][idx[c]]
                    need[c] = nops * size
                    tsend[c] = mono()
                    socks[c].sendall(payload)
                else:
                    active -= 1
    t1 = mono()
    cpu = time.process_time() - cpu0
    ticks1 = cpu_ticks(server_pid)
    ep.close()
    return t0, t1, ops, cpu, lat, ticks0, ticks1


def split_plans(ops, nconns, pipeline):
    """ops: list of (payload, id) -> per connection a list of (payload, nops, ids)."""
    plans = []
    for c in range(nconns):
        mine = ops[c::nconns]
        batches = []
        for i in range(0, len(mine), pipeline):
            chunk = mine[i:i + pipeline]
            batches.append((b"".join(p for p, _ in chunk), len(chunk), [s for _, s in chunk]))
        plans.append(batches)
    return plans


def worker_main(k, nprocs, srv, cfg, cal, pipeline, nconns, pipe):
    """One driver process: its share of sessions, validations and connections."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if cfg["client_cpus"] and nprocs > 1:
            os.sched_setaffinity(0, {cfg["client_cpus"][k % len(cfg["client_cpus"])]})
        kind = srv["kind"]
        rng = random.Random(cfg["seed"] * 1000 + k)
        users = cfg["users"]
        ops = []
        for i in range(k, cfg["nsessions"], nprocs):
            sid = random_id() if kind == "recipe" else None
            ops.append((create_op(kind, i % users, sid, cfg), sid))
        plans = split_plans(ops, nconns, pipeline)
        del ops
        socks = []
        for _ in range(nconns):
            s = socket.create_connection(("127.0.0.1", srv["port"]), timeout=cfg["timeout"])
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            socks.append(s)
        created = []
        for phase in ("create", "validate"):
            if phase == "validate":
                ids = created if kind == "native" else [s for p in plans for b in p for s in b[2]]
                nval = len(range(k, cfg["nvalidates"], nprocs))
                ops = [(validate_op(kind, sid, cfg), sid)
                       for sid in (rng.choice(ids) for _ in range(nval))]
                plans = split_plans(ops, nconns, pipeline)
                del ops
            size, check = make_check(kind, phase, cal, pipeline, created)
            pipe.send(("ready", phase))
            if pipe.recv() != "go":
                return
            t0, t1, nops, cpu, lat, ticks0, ticks1 = run_phase(
                socks, plans, size, check, cfg["timeout"], srv["pid"])
            pipe.send(("done", {"t0": t0, "t1": t1, "ops": nops, "cpu": cpu,
                                "lat": lat.tobytes(), "ticks0": ticks0, "ticks1": ticks1}))
        for s in socks:
            s.close()
    except BaseException:  # noqa: BLE001 - reported to the parent
        try:
            pipe.send(("error", traceback.format_exc()))
        except Exception:
            pass
    finally:
        pipe.close()


# ------------------------------------------------------------------ servers

def start_server(srv, cfg):
    cmd = ["taskset", "-c", str(cfg["server_cpu"]), srv["run_bin"], "--port", str(srv["port"]),
           "--bind", "127.0.0.1", "--dir", srv["dir"], "--save", "", "--appendonly", "no"]
    if srv["name"] == "cachet" and not srv["is_redis"]:
        cmd += ["--threads", str(cfg["cachet_threads"]), "--http-port", "0"] + cfg["cachet_args"]
    log = open(srv["log"], "ab")
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         start_new_session=True)
    log.close()
    PROCS.append(p)
    srv["proc"] = p
    srv["pid"] = p.pid
    deadline = time.monotonic() + 30
    while True:
        if p.poll() is not None:
            raise RuntimeError("%s exited with rc=%d during startup: %s"
                               % (srv["name"], p.returncode, log_tail(srv)))
        try:
            c = Conn(srv["port"], timeout=5)
            try:
                if c.cmd("PING") == "PONG":
                    return
            finally:
                c.close()
        except (OSError, ConnectionError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("%s did not answer PING within 30s" % srv["name"])
        time.sleep(0.02)


def log_tail(srv, n=15):
    try:
        with open(srv["log"], errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def check_alive(srv):
    p = srv.get("proc")
    if p is None or p.poll() is not None:
        raise RuntimeError("%s is no longer running (rc=%s)\n%s"
                           % (srv["name"], p and p.returncode, log_tail(srv)))


def cmd(srv, *args):
    c = Conn(srv["port"])
    try:
        r = c.cmd(*args)
    finally:
        c.close()
    if isinstance(r, RespError):
        raise RuntimeError("%s: %s: %s" % (srv["name"], " ".join(map(str, args)), r))
    return r


def used_memory(srv):
    return int(parse_info(cmd(srv, "INFO", "memory"))["used_memory"])


def session_count(srv):
    if srv["kind"] == "native":
        r = cmd(srv, "SESSION.STATS")
        return dict(zip(r[0::2], r[1::2]))["sessions"] if isinstance(r, list) else None
    return cmd(srv, "DBSIZE")


def cleanup():
    for p in WORKERS:
        if p.is_alive():
            p.kill()
            p.join()
    WORKERS.clear()
    for p in PROCS:
        stop_server(p)
    for d in TMPDIRS:
        shutil.rmtree(d, ignore_errors=True)
    TMPDIRS.clear()


# ------------------------------------------------------------------ one run

def percentile(sorted_vals, q):
    if not sorted_vals:
        return None
    return sorted_vals[min(len(sorted_vals) - 1, int(q * len(sorted_vals)))]


def one_run(srv, cfg, pipeline, nsessions, nvalidates, seed):
    """Flush, then the create and validate phases on one server. Returns a dict."""
    check_alive(srv)
    cmd(srv, "FLUSHALL")
    time.sleep(0.2)
    if session_count(srv) != 0:
        raise RuntimeError("%s: not empty after FLUSHALL" % srv["name"])
    rcfg = dict(cfg, nsessions=nsessions, nvalidates=nvalidates, seed=seed,
                users=max(1, nsessions // cfg["per_user"]), now_ms=int(time.time() * 1000))
    cal = calibrate(srv, rcfg)
    cmd(srv, "FLUSHALL")
    mem0, rss0 = used_memory(srv), rss_bytes(srv["pid"])
    ctx = multiprocessing.get_context("fork")
    nprocs = max(1, min(cfg["procs"], cfg["clients"]))
    pipes, procs = [], []
    for k in range(nprocs):
        nconns = cfg["clients"] // nprocs + (1 if k < cfg["clients"] % nprocs else 0)
        mine, theirs = ctx.Pipe()
        p = ctx.Process(target=worker_main,
                        args=(k, nprocs, srv, rcfg, cal, pipeline, nconns, theirs))
        p.start()
        theirs.close()
        WORKERS.append(p)
        procs.append(p)
        pipes.append(mine)

    def collect(what):
        out = []
        for k, pp in enumerate(pipes):
            if not pp.poll(cfg["timeout"] + 300):
                raise RuntimeError("%s: driver %d sent nothing (waiting for %s)"
                                   % (srv["name"], k, what))
            msg = pp.recv()
            if msg[0] == "error":
                raise RuntimeError("%s: driver %d failed:\n%s" % (srv["name"], k, msg[1]))
            out.append(msg)
        return out

    res = {"pipeline": pipeline, "sessions": nsessions, "validates": nvalidates}
    try:
        for phase in ("create", "validate"):
            collect("ready for " + phase)
            check_alive(srv)
            for pp in pipes:
                pp.send("go")
            done = [m[1] for m in collect(phase + " results")]
            # server CPU from the first driver's start to the last one's end
            ticks0 = min(done, key=lambda d: d["t0"])["ticks0"]
            ticks1 = max(done, key=lambda d: d["t1"])["ticks1"]
            wall = max(d["t1"] for d in done) - min(d["t0"] for d in done)
            ops = sum(d["ops"] for d in done)
            lat = array.array("d")
            for d in done:
                lat.frombytes(d["lat"])
            lat = sorted(lat)
            if len(lat) != ops:
                raise RuntimeError("%d latencies for %d operations" % (len(lat), ops))
            server_cpu = (ticks1 - ticks0) / CLK_TCK
            client_cpu = sum(d["cpu"] for d in done)
            res[phase] = {
                "ops": ops, "wall_s": wall, "ops_per_s": ops / wall,
                "p50_ms": percentile(lat, 0.50) * 1e3, "p99_ms": percentile(lat, 0.99) * 1e3,
                "server_us_per_op": server_cpu * 1e6 / ops,
                "server_busy": server_cpu / wall,
                "client_busy": client_cpu / wall / max(1, min(nprocs, len(cfg["client_cpus"]))),
            }
            if phase == "create":
                n = session_count(srv)
                want = nsessions + (rcfg["users"] if srv["kind"] == "recipe" else 0)
                if n != want:
                    raise RuntimeError("%s: %r sessions (keys) after creating %d, expected %d"
                                       % (srv["name"], n, nsessions, want))
                time.sleep(0.2)
                mem1, rss1 = used_memory(srv), rss_bytes(srv["pid"])
                res["used_memory_per_session"] = (mem1 - mem0) / nsessions
                res["rss_per_session"] = (rss1 - rss0) / nsessions if rss0 and rss1 else None
                res.update(used_memory_before=mem0, used_memory_after=mem1,
                           rss_before=rss0, rss_after=rss1)
        for p in procs:
            p.join(30)
        n = session_count(srv)
        want = nsessions + (rcfg["users"] if srv["kind"] == "recipe" else 0)
        if n != want:
            raise RuntimeError("%s: %r sessions (keys) after validating, expected %d"
                               % (srv["name"], n, want))
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
            p.join()
            WORKERS.remove(p)
        for pp in pipes:
            pp.close()
    return res


# ------------------------------------------------------------------ output

def fmt(v, unit):
    if v is None:
        return "n/a"
    if unit == "ops/s":
        return "%d" % round(v)
    if unit in ("ms", "us/op"):
        return "%.3f" % v
    return "%.1f" % v


def row(label, unit, rv, cv):
    ratio = "%.2f" % (cv / rv) if rv and cv is not None else "n/a"
    return "%-22s redis %10s %-6s cachet %10s %-6s ratio %s" % (
        label, fmt(rv, unit), unit, fmt(cv, unit), unit, ratio)


def med(runs, *path):
    vals = []
    for r in runs:
        for p in path:
            r = r.get(p) if isinstance(r, dict) else None
        if r is not None:
            vals.append(r)
    return statistics.median(vals) if vals else None


def cmdline():
    parts = []
    for v in ("CACHET_BIN", "REDIS_BIN", "CACHET_THREADS", "CACHET_ARGS", "BENCH_SESSIONS",
              "BENCH_VALIDATES", "BENCH_CLIENTS", "BENCH_PIPELINES", "BENCH_REPEAT",
              "BENCH_PROCS", "BENCH_SESSIONS_PER_USER", "BENCH_SESSION_DATA",
              "BENCH_SESSION_TTL", "BENCH_SERVER_CPU", "BENCH_CLIENT_CPU", "BENCH_TIMEOUT",
              "BENCH_RESULTS_DIR"):
        if v in os.environ:
            parts.append("%s=%s" % (v, shlex.quote(os.environ[v])))
    parts += [shlex.quote(sys.executable)] + [shlex.quote(a) for a in sys.argv]
    return " ".join(parts)


# ------------------------------------------------------------------ main

def main():
    ncpu = os.cpu_count()
    client_cpus = cpu_list(os.environ.get("BENCH_CLIENT_CPU", "1"))
    nsessions = env_int("BENCH_SESSIONS", 100000)
    cfg = {
        "sessions": nsessions,
        "validates": env_int("BENCH_VALIDATES", 2 * nsessions),
        "clients": max(1, env_int("BENCH_CLIENTS", 50)),
        "pipelines": [int(x) for x in os.environ.get("BENCH_PIPELINES", "1,16").split(",")
                      if x.strip()],
        "repeat": max(1, env_int("BENCH_REPEAT", 3)),
        "per_user": max(1, env_int("BENCH_SESSIONS_PER_USER", 5)),
        "data": session_data(env_int("BENCH_SESSION_DATA", 200)),
        "ttl": env_int("BENCH_SESSION_TTL", 1800),
        "server_cpu": env_int("BENCH_SERVER_CPU", 0),
        "client_cpus": client_cpus,
        "procs": env_int("BENCH_PROCS", len(client_cpus)),
        "timeout": env_int("BENCH_TIMEOUT", 120),
        "cachet_threads": env_int("CACHET_THREADS", 1),
        "cachet_args": os.environ.get("CACHET_ARGS", "").split(),
    }
    redis_bin = os.environ.get("REDIS_BIN") or shutil.which("redis-server") or "/usr/bin/redis-server"
    cachet_bin = os.environ.get("CACHET_BIN") or os.path.join(REPO, "build/release/cachet-server")
    results_dir = os.environ.get("BENCH_RESULTS_DIR") or os.path.join(HERE, "results")
    for b in (redis_bin, cachet_bin):
        if not os.access(b, os.X_OK):
            sys.exit("sessions: %s is not executable (set REDIS_BIN / CACHET_BIN)" % b)
    if not shutil.which("taskset"):
        sys.exit("sessions: taskset not found")
    if max([cfg["server_cpu"]] + client_cpus) >= ncpu:
        sys.exit("sessions: need CPUs %d and %s, machine has %d"
                 % (cfg["server_cpu"], ",".join(map(str, client_cpus)), ncpu))
    if cfg["server_cpu"] in client_cpus:
        print("sessions: WARNING server and driver share CPU %d" % cfg["server_cpu"],
              file=sys.stderr)
    os.sched_setaffinity(0, set(client_cpus))  # this process and the drivers

    started = time.monotonic()

    def progress(msg):
        print("[%6.1fs] %s" % (time.monotonic() - started, msg), file=sys.stderr, flush=True)

    cachet_is_redis = "Redis server" in first_line([cachet_bin, "--version"])
    servers = [
        {"name": "redis", "bin": redis_bin, "kind": "recipe", "is_redis": True},
        {"name": "cachet", "bin": cachet_bin, "kind": "recipe" if cachet_is_redis else "native",
         "is_redis": cachet_is_redis},
    ]
    head = [
        "cachet session benchmark  %s"
        % datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z"),
        "command:  %s" % cmdline(),
        "machine:  nproc=%d, cpu=%s, kernel=%s, python %s"
        % (ncpu, cpu_model(), platform.release(), platform.python_version()),
        "loadavg:  %s (before start; other work on this machine adds noise)"
        % " ".join(open("/proc/loadavg").read().split()[:3]),
        "pinning:  servers on cpu %d (one under load at a time), %d driver process(es) on cpu %s"
        % (cfg["server_cpu"], max(1, min(cfg["procs"], cfg["clients"])),
           ",".join(map(str, client_cpus))),
        "redis:    %s [%s]  recipe: SET session:{id} json EX ttl + ZADD user:{u}:sessions now id"
        " + EXPIRE user:{u}:sessions ttl; GET session:{id} + EXPIRE session:{id} ttl"
        % (redis_bin, first_line([redis_bin, "--version"])),
        "cachet:   %s [%s] --threads %d %s git %s  %s"
        % (cachet_bin, first_line([cachet_bin, "--version"]), cfg["cachet_threads"],
           " ".join(cfg["cachet_args"]), git_rev(REPO),
           "(a redis-server: runs the redis recipe, dry run)" if cachet_is_redis
           else "native: SESSION.CREATE user DATA json TTL ttl; SESSION.GET id"),
        "workload: %d sessions (%d per user), %d validates, %d-byte JSON, TTL %ds, "
        "%d connections, pipelines %s, repeat %d (median)"
        % (cfg["sessions"], cfg["per_user"], cfg["validates"], len(cfg["data"]), cfg["ttl"],
           cfg["clients"], ",".join(map(str, cfg["pipelines"])), cfg["repeat"]),
    ]
    for line in head:
        print(line, flush=True)

    problems = []
    results = {"config": {k: v for k, v in cfg.items() if k != "data"}, "runs": {},
               "memory": {}}
    for srv in servers:
        srv["tmp"] = tempfile.mkdtemp(prefix="cachet-sessions-%s-" % srv["name"], dir="/tmp")
        TMPDIRS.append(srv["tmp"])
        srv["dir"] = os.path.join(srv["tmp"], "data")
        os.mkdir(srv["dir"])
        srv["log"] = os.path.join(srv["tmp"], "server.log")
        srv["run_bin"] = srv["bin"]
        if srv["name"] == "cachet":  # private copy: a rebuild during the run cannot swap it
            srv["run_bin"] = os.path.join(srv["tmp"], "cachet-server")
            shutil.copy2(srv["bin"], srv["run_bin"])
        srv["port"] = free_port()
        progress("starting %s on port %d" % (srv["name"], srv["port"]))
        start_server(srv, cfg)

    # Warm-up: one full-size run per server at the deepest pipeline, whose throughput is
    # not recorded. The first run on a fresh server is much slower (it faults in the memory
    # it grows into); every measured run then reuses memory the server kept after the
    # previous FLUSHALL. For the same reason memory per session is taken from this run
    # only: on a fresh server RSS growth is the memory the sessions really take.
    for srv in servers:
        progress("%s: warm-up and memory (full size, P%d)" % (srv["name"], max(cfg["pipelines"])))
        try:
            w = one_run(srv, cfg, max(cfg["pipelines"]), cfg["sessions"],
                        min(cfg["validates"], cfg["sessions"]), 1)
            results["memory"][srv["name"]] = {k: w.get(k) for k in (
                "used_memory_per_session", "rss_per_session", "used_memory_before",
                "used_memory_after", "rss_before", "rss_after")}
        except RuntimeError as e:
            problems.append("%s warm-up: %s" % (srv["name"], e))
            progress("%s: FAILED: %s" % (srv["name"], e))
            srv["failed"] = True

    for pipeline in cfg["pipelines"]:
        for rep in range(cfg["repeat"]):
            for srv in servers:
                if srv.get("failed"):
                    continue
                progress("%s P%d%s: %d creates, %d validates" % (
                    srv["name"], pipeline, " rep %d" % (rep + 1) if cfg["repeat"] > 1 else "",
                    cfg["sessions"], cfg["validates"]))
                try:
                    r = one_run(srv, cfg, pipeline, cfg["sessions"], cfg["validates"], rep + 2)
                except RuntimeError as e:
                    problems.append("%s P%d: %s" % (srv["name"], pipeline, e))
                    progress("%s: FAILED: %s" % (srv["name"], e))
                    check_alive(srv)
                    continue
                results["runs"].setdefault(srv["name"], []).append(r)
                progress("  create %d/s (p99 %.2f ms), validate %d/s (p99 %.2f ms)" % (
                    r["create"]["ops_per_s"], r["create"]["p99_ms"],
                    r["validate"]["ops_per_s"], r["validate"]["p99_ms"]))

    table = ["", "== Sessions (ratio = cachet / redis; higher is better for ops/s, lower for "
                 "ms, us/op and B/session) =="]
    notes = []
    for pipeline in cfg["pipelines"]:
        R = [r for r in results["runs"].get("redis", []) if r["pipeline"] == pipeline]
        C = [r for r in results["runs"].get("cachet", []) if r["pipeline"] == pipeline]
        for phase, name in (("create", "creates/s"), ("validate", "validates/s")):
            table.append(row("%s P%d" % (name, pipeline), "ops/s", med(R, phase, "ops_per_s"),
                             med(C, phase, "ops_per_s")) +
                         "   (busy: server %s/%s, driver %s/%s)" % tuple(
                             "n/a" if v is None else "%d%%" % round(100 * v) for v in (
                                 med(R, phase, "server_busy"), med(C, phase, "server_busy"),
                                 med(R, phase, "client_busy"), med(C, phase, "client_busy"))))
            table.append(row("  p50 latency", "ms", med(R, phase, "p50_ms"), med(C, phase, "p50_ms")))
            table.append(row("  p99 latency", "ms", med(R, phase, "p99_ms"), med(C, phase, "p99_ms")))
            table.append(row("  server CPU", "us/op", med(R, phase, "server_us_per_op"),
                             med(C, phase, "server_us_per_op")))
            for who, runs in (("redis", R), ("cachet", C)):
                cb, sb = med(runs, phase, "client_busy"), med(runs, phase, "server_busy")
                if cb is not None and cb > 0.9 and (sb or 0) < 0.9:
                    notes.append("%s %s P%d: the driver was busier (%d%%) than the server (%d%%): "
                                 "client-bound, add client cores (BENCH_CLIENT_CPU=1-3) or "
                                 "compare us/op" % (who, phase, pipeline, 100 * cb, 100 * (sb or 0)))
    mr, mc = results["memory"].get("redis", {}), results["memory"].get("cachet", {})
    table.append(row("memory: used_memory", "B/ses", mr.get("used_memory_per_session"),
                     mc.get("used_memory_per_session")))
    table.append(row("memory: RSS", "B/ses", mr.get("rss_per_session"),
                     mc.get("rss_per_session")))
    table += ["",
              "notes: one op = one pipelined group (redis create: SET+ZADD+EXPIRE; redis validate:",
              "       GET+EXPIRE; cachet: one command). Latency = batch sent -> the op's last reply",
              "       byte. busy = CPU time / wall time of the phase (server: all its threads; driver:",
              "       per client core). Server busy well under 100% means it was not the bottleneck.",
              "       memory = growth over the create phase of the first run on each fresh server",
              "       / sessions (redis: string keys + per-user sorted sets)."]
    if notes:
        table += ["", "checks:"] + ["  - " + n for n in notes]
    if problems:
        table += ["", "PROBLEMS:"] + ["  - " + p.replace("\n", "\n    ") for p in problems]
    total = time.monotonic() - started
    table += ["", "total time: %.0fs" % total]
    for line in table:
        print(line)
    os.makedirs(results_dir, exist_ok=True)
    out = os.path.join(results_dir, "sessions-latest.txt")
    with open(out, "w") as f:
        f.write("\n".join(head + table) + "\n")
    results["total_seconds"] = total
    with open(os.path.splitext(out)[0] + ".json", "w") as f:
        json.dump(results, f, indent=1)
    print("written: %s (and .json)" % out)
    return 1 if problems else 0


if __name__ == "__main__":
    # Driver processes inherit this module: only the parent stops the servers.
    run_main("sessions", main,
             lambda: cleanup() if multiprocessing.parent_process() is None else None)
