#!/usr/bin/python3
"""Persistence benchmark: snapshot (BGSAVE) and load time, cachet vs redis.

Entry point: /usr/bin/python3 bench/persistence.py   (standard library only)

For each server in turn (redis, then cachet; never both at once), in its own
temp dir under /tmp, pinned with taskset to the server core, while this script
and its helper processes run on the client core:

  1. start on an empty dir (startup time), load N keys (16-byte keys, 32-byte
     values) with pipelined RESP over one socket, check DBSIZE;
  2. BGSAVE on an idle server, with a PING loop (separate process) watching it;
     poll INFO persistence until rdb_bgsave_in_progress:0 and
     rdb_last_bgsave_status:ok; record wall time, file size, latest_fork_usec,
     rdb_last_cow_size (and cachet_snapshot_extra_memory);
  3. the same BGSAVE again while a writer process overwrites random existing
     keys with SET the whole time (copy-on-write), plus the PING loop;
  4. SHUTDOWN SAVE, restart on the same dir, time from process start until
     PING answers and DBSIZE == N; also cachet's INFO cachet_loading_usec.

Prints a table and writes it to bench/results/persistence-latest.txt.
Servers (and their BGSAVE children) are stopped on exit, on failure, or on
Ctrl-C/SIGTERM; the temp dirs are removed.
"""
import array
import datetime
import os
import platform
import random
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from benchlib import (HERE, REPO, Conn, RespError, cpu_model, encode, env_int,  # noqa: F401
                      first_line, free_port, git_rev, parse_info, run_main, stop_server)


def key(i):
    return b"key:%012d" % i  # 16 bytes


# ------------------------------------------------------------ helper processes
# Run as separate processes (same file, --worker) so that the GIL of this
# process does not add to the measured PING latency.

def worker_main(argv):
    kind, port, out_path = argv[0], int(argv[1]), argv[2]
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    sock = socket.create_connection(("127.0.0.1", port), timeout=300)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    mono = time.monotonic
    if kind == "ping":
        t_send, lat = array.array("d"), array.array("d")
        msg = b"*1\r\n$4\r\nPING\r\n"
        n = 0
        while not stop[0]:
            t0 = mono()
            sock.sendall(msg)
            got = b""
            while not got.endswith(b"\r\n"):
                chunk = sock.recv(64)
                if not chunk:
                    raise SystemExit("ping: server closed the connection")
                got += chunk
            t1 = mono()
            if got != b"+PONG\r\n":
                raise SystemExit("ping: unexpected reply %r" % got[:100])
            t_send.append(t0)
            lat.append(t1 - t0)
            n += 1
            if n == 1:
                print("ready", flush=True)
            if n % 2048 == 0 and os.getppid() != parent:
                break
        with open(out_path, "wb") as f:
            t_send.tofile(f)
            lat.tofile(f)
    elif kind == "writer":
        nkeys, batch = int(argv[3]), int(argv[4])
        rnd = random.Random(12345)
        batches = []
        for b in range(256):
            batches.append(b"".join(
                b"*3\r\n$3\r\nSET\r\n$16\r\n%s\r\n$32\r\nnew:%028d\r\n" % (key(rnd.randrange(nkeys)), b)
                for _ in range(batch)))
        done = array.array("d")  # completion time of each batch
        i = 0
        partial = b""
        while not stop[0]:
            sock.sendall(batches[i % len(batches)])
            seen = 0
            while seen < batch:
                chunk = sock.recv(1 << 16)
                if not chunk:
                    raise SystemExit("writer: server closed the connection")
                lines = (partial + chunk).split(b"\r\n")
                partial = lines.pop()
                for ln in lines:
                    if ln != b"+OK":
                        raise SystemExit("writer: unexpected reply %r" % ln[:100])
                seen += len(lines)
            done.append(mono())
            i += 1
            if i == 1:
                print("ready", flush=True)
            if i % 256 == 0 and os.getppid() != parent:
                break
        with open(out_path, "wb") as f:
            done.tofile(f)
    sock.close()


class Worker:
    def __init__(self, kind, port, tmpdir, *extra):
        self.kind = kind
        self.out = os.path.join(tmpdir, "%s-%d.bin" % (kind, time.monotonic_ns()))
        self.p = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--worker", kind, str(port), self.out]
            + [str(x) for x in extra], stdout=subprocess.PIPE, text=True)
        WORKERS.append(self.p)
        line = self.p.stdout.readline()
        if line.strip() != "ready":
            self.p.wait(10)
            raise RuntimeError("%s worker failed to start (rc=%r)" % (kind, self.p.returncode))

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(60)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise RuntimeError("%s worker did not stop (server stuck?)" % self.kind)
        if rc != 0:
            raise RuntimeError("%s worker failed (rc=%d)" % (self.kind, rc))
        with open(self.out, "rb") as f:
            data = f.read()
        os.unlink(self.out)
        a = array.array("d")
        a.frombytes(data)
        return a


def ping_stats(samples, t0, t1):
    """Max / p99 latency (s) and count of PINGs that overlap [t0, t1]."""
    n = len(samples) // 2
    sends, lats = samples[:n], samples[n:]
    sel = [lats[i] for i in range(n) if sends[i] <= t1 and sends[i] + lats[i] >= t0]
    if not sel:
        return None, None, 0
    sel.sort()
    return sel[-1], sel[min(len(sel) - 1, int(0.99 * len(sel)))], len(sel)


# ------------------------------------------------------------------ servers

PROCS = []    # server Popen objects (each leader of its own process group)
WORKERS = []  # helper Popen objects
TMPDIRS = []


def cleanup():
    for p in WORKERS:
        if p.poll() is None:
            p.kill()
            p.wait()
    for p in PROCS:
        stop_server(p)
    for d in TMPDIRS:
        shutil.rmtree(d, ignore_errors=True)
    TMPDIRS.clear()


def start_server(srv):
    cmd = ["taskset", "-c", str(srv["cpu"]), srv["run_bin"], "--port", str(srv["port"]),
           "--bind", "127.0.0.1", "--dir", srv["dir"], "--save", "", "--appendonly", "no"]
    if srv["name"] == "cachet" and not srv.get("is_redis"):
        cmd += ["--threads", "1", "--http-port", "0"]
    log = open(srv["log"], "ab")
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         start_new_session=True)
    log.close()
    PROCS.append(p)
    srv["proc"] = p
    return t0


def wait_ready(srv, t0, nkeys, timeout):
    """Seconds from t0 until PING answers PONG and DBSIZE == nkeys."""
    p, deadline = srv["proc"], t0 + timeout
    t_pong = None
    while True:
        if p.poll() is not None:
            raise RuntimeError("%s exited with rc=%d during startup" % (srv["name"], p.returncode))
        if time.monotonic() > deadline:
            raise RuntimeError("%s not ready after %ds (PONG seen: %s)"
                               % (srv["name"], timeout, t_pong is not None))
        try:
            c = Conn(srv["port"], timeout=timeout)
        except OSError:
            time.sleep(0.001)
            continue
        try:
            while time.monotonic() < deadline:
                r = c.cmd("PING")
                if r == "PONG":
                    if t_pong is None:
                        t_pong = time.monotonic()
                    if c.cmd("DBSIZE") == nkeys:
                        t = time.monotonic()
                        return t - t0, t_pong - t0
                time.sleep(0.001)
        except (OSError, ConnectionError):
            pass
        finally:
            c.close()


def check_alive(srv):
    p = srv.get("proc")
    if p is None or p.poll() is not None:
        raise RuntimeError("%s is no longer running (rc=%s)" % (srv["name"], p and p.returncode))


def info(srv, *sections):
    c = Conn(srv["port"])
    try:
        out = {}
        for s in sections or ("",):
            r = c.cmd("INFO", s) if s else c.cmd("INFO")
            if isinstance(r, RespError):
                raise RuntimeError("%s: INFO %s: %s" % (srv["name"], s, r))
            out.update(parse_info(r))
        return out
    finally:
        c.close()


def dbsize(srv):
    c = Conn(srv["port"])
    try:
        return c.cmd("DBSIZE")
    finally:
        c.close()


# ------------------------------------------------------------------ steps

def load_keys(srv, batches, nkeys):
    sock = socket.create_connection(("127.0.0.1", srv["port"]), timeout=120)
    err = []

    def send_all():
        try:
            for b in batches:
                sock.sendall(b)
        except Exception as e:
            err.append(e)

    t0 = time.monotonic()
    th = threading.Thread(target=send_all, daemon=True)
    th.start()
    seen, partial, bad = 0, b"", None
    while seen < nkeys:
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise RuntimeError("%s closed the connection after %d of %d replies"
                               % (srv["name"], seen, nkeys))
        lines = (partial + chunk).split(b"\r\n")
        partial = lines.pop()
        seen += len(lines)
        if bad is None and lines.count(b"+OK") != len(lines):
            bad = next(x for x in lines if x != b"+OK")[:200]
    secs = time.monotonic() - t0
    th.join()
    sock.close()
    if err:
        raise RuntimeError("loader: %s" % err[0])
    if bad is not None:
        raise RuntimeError("%s: unexpected reply while loading: %r" % (srv["name"], bad))
    n = dbsize(srv)
    if n != nkeys:
        raise RuntimeError("%s: DBSIZE is %r after loading %d keys" % (srv["name"], n, nkeys))
    return secs


def bgsave(srv, cfg, with_writer):
    """One BGSAVE with a PING loop (and optionally a writer); returns a dict."""
    check_alive(srv)
    writer = None
    if with_writer:
        writer = Worker("writer", srv["port"], srv["tmp"], cfg["keys"], 50)
    ping = Worker("ping", srv["port"], srv["tmp"])
    time.sleep(0.5)  # baseline window: PING (and writer) without a snapshot
    t_base0 = time.monotonic() - 0.5
    snap = os.path.join(srv["dir"], srv["file"])
    before = info(srv, "persistence")
    try:
        st0 = os.stat(snap)
        st0 = (st0.st_ino, st0.st_mtime_ns, st0.st_size)
    except FileNotFoundError:
        st0 = None
    c = Conn(srv["port"])
    res = {}
    try:
        wall0 = time.time()
        t0 = time.monotonic()
        r = c.cmd("BGSAVE")
        if isinstance(r, RespError):
            raise RuntimeError("%s: BGSAVE: %s" % (srv["name"], r))
        deadline = t0 + cfg["timeout"]
        polls = 0
        saw_in_progress = False
        while True:
            inf = parse_info(c.cmd("INFO", "persistence"))
            polls += 1
            if inf.get("rdb_bgsave_in_progress") == "1":
                saw_in_progress = True
            elif inf.get("rdb_bgsave_in_progress") == "0":
                st = inf.get("rdb_last_bgsave_status")
                if st == "ok":
                    break
                if st is not None and saw_in_progress:
                    raise RuntimeError("%s: BGSAVE finished with rdb_last_bgsave_status:%s"
                                       % (srv["name"], st))
            else:
                raise RuntimeError("%s: INFO persistence has no rdb_bgsave_in_progress"
                                   % srv["name"])
            if time.monotonic() > deadline:
                raise RuntimeError("%s: BGSAVE not finished after %ds (rdb_bgsave_in_progress:%s)"
                                   % (srv["name"], cfg["timeout"], inf.get("rdb_bgsave_in_progress")))
            check_alive(srv)
            time.sleep(0.002)
        t1 = time.monotonic()
    finally:
        c.close()
        ping_samples = ping.stop()
        done = writer.stop() if writer else None
    res["wall_s"] = t1 - t0
    res["polls"] = polls
    res["saw_in_progress"] = saw_in_progress
    try:
        st = os.stat(snap)
    except FileNotFoundError:
        raise RuntimeError("%s: no %s after BGSAVE" % (srv["name"], snap))
    res["file_bytes"] = st.st_size
    res["file_written_s"] = st.st_mtime - wall0  # BGSAVE sent -> last write of the file
    if st0 == (st.st_ino, st.st_mtime_ns, st.st_size):
        raise RuntimeError("%s: %s was not rewritten by BGSAVE" % (srv["name"], snap))
    after = info(srv, "persistence", "stats")
    for k in ("latest_fork_usec", "rdb_last_cow_size", "cachet_snapshot_extra_memory",
              "cachet_snapshot_stall_usec", "cachet_last_snapshot_keys", "rdb_saves",
              "rdb_last_bgsave_time_sec", "aof_last_cow_size"):
        res[k] = int(after[k]) if k in after else None
    res["aof_last_cow_size_before"] = int(before.get("aof_last_cow_size", 0))
    res["rdb_saves_before"] = int(before["rdb_saves"]) if "rdb_saves" in before else None
    res["ping_max_s"], res["ping_p99_s"], res["pings"] = ping_stats(ping_samples, t0, t1)
    res["base_ping_max_s"], _, _ = ping_stats(ping_samples, t_base0, t0 - 1e-9)
    if done is not None:
        res["writes"] = 50 * sum(1 for t in done if t0 <= t <= t1)
        base = 50 * sum(1 for t in done if t_base0 <= t < t0)
        res["writes_per_s"] = res["writes"] / res["wall_s"] if res["wall_s"] else None
        res["base_writes_per_s"] = base / 0.5
    check_alive(srv)
    n = dbsize(srv)
    if n != cfg["keys"]:
        raise RuntimeError("%s: DBSIZE %r after BGSAVE (expected %d)" % (srv["name"], n, cfg["keys"]))
    return res


def shutdown_save(srv, timeout):
    c = Conn(srv["port"], timeout=timeout)
    t0 = time.monotonic()
    c.send("SHUTDOWN", "SAVE")
    try:
        r = c.reply()
        if isinstance(r, RespError):
            raise RuntimeError("%s: SHUTDOWN SAVE: %s" % (srv["name"], r))
    except (ConnectionError, OSError):
        pass  # expected: the server closes the connection
    finally:
        c.close()
    try:
        rc = srv["proc"].wait(timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError("%s did not exit within %ds of SHUTDOWN SAVE" % (srv["name"], timeout))
    secs = time.monotonic() - t0
    if rc != 0:
        raise RuntimeError("%s exited with rc=%d after SHUTDOWN SAVE" % (srv["name"], rc))
    return secs


def verify_data(srv, nkeys):
    rnd = random.Random(7)
    idx = [rnd.randrange(nkeys) for _ in range(1000)]
    c = Conn(srv["port"])
    try:
        c.sock.sendall(b"".join(encode("GET", key(i)) for i in idx))
        for i in idx:
            v = c.reply()
            if not isinstance(v, str) or len(v) != 32 or isinstance(v, RespError):
                raise RuntimeError("%s after reload: GET %s -> %r" % (srv["name"], key(i).decode(), v))
    finally:
        c.close()


def run_server(srv, cfg, batches, progress, problems):
    r = {}
    srv["tmp"] = tempfile.mkdtemp(prefix="cachet-persist-%s-" % srv["name"], dir="/tmp")
    TMPDIRS.append(srv["tmp"])
    srv["dir"] = os.path.join(srv["tmp"], "data")
    os.mkdir(srv["dir"])
    srv["log"] = os.path.join(srv["tmp"], "server.log")
    srv["run_bin"] = srv["bin"]
    if srv["name"] == "cachet":  # private copy: a rebuild during the run cannot swap it
        srv["run_bin"] = os.path.join(srv["tmp"], "cachet-server")
        shutil.copy2(srv["bin"], srv["run_bin"])
    srv["port"] = free_port()
    name = srv["name"]
    try:
        progress("%s: start on an empty dir (port %d)" % (name, srv["port"]))
        t0 = start_server(srv)
        r["startup_s"], _ = wait_ready(srv, t0, 0, 30)
        progress("%s: loading %d keys" % (name, cfg["keys"]))
        r["load_keys_s"] = load_keys(srv, batches, cfg["keys"])
        r["rss_loaded"] = rss(srv)
        progress("%s: BGSAVE, idle" % name)
        r["idle"] = bgsave(srv, cfg, False)
        progress("%s: BGSAVE with a writer" % name)
        r["busy"] = bgsave(srv, cfg, True)
        progress("%s: SHUTDOWN SAVE" % name)
        r["shutdown_save_s"] = shutdown_save(srv, cfg["timeout"])
        r["file_bytes_shutdown"] = os.path.getsize(os.path.join(srv["dir"], srv["file"]))
        progress("%s: restart and load %s" % (name, srv["file"]))
        t0 = start_server(srv)
        r["load_s"], r["load_pong_s"] = wait_ready(srv, t0, cfg["keys"], cfg["timeout"])
        inf = info(srv, "persistence")
        r["cachet_loading_usec"] = int(inf["cachet_loading_usec"]) if "cachet_loading_usec" in inf else None
        r["rss_reloaded"] = rss(srv)
        verify_data(srv, cfg["keys"])
    except Exception as e:
        problems.append("%s: %s" % (name, e))
        progress("%s: FAILED: %s" % (name, e))
        try:
            with open(srv["log"], errors="replace") as f:
                tail = f.readlines()[-15:]
            print("---- %s log (last lines) ----\n%s" % (name, "".join(tail)), file=sys.stderr)
        except OSError:
            pass
    finally:
        for w in WORKERS:
            if w.poll() is None:
                w.kill()
                w.wait()
        WORKERS.clear()
        for p in PROCS:
            stop_server(p)
        PROCS.clear()
        try:
            with open(srv["log"], errors="replace") as f:
                r["log"] = f.read()
        except OSError:
            r["log"] = ""
        shutil.rmtree(srv["tmp"], ignore_errors=True)
        TMPDIRS.remove(srv["tmp"])
    return r


def rss(srv):
    try:
        with open("/proc/%d/status" % srv["proc"].pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


# ------------------------------------------------------------------ output

def get(r, *path):
    for p in path:
        if r is None:
            return None
        r = r.get(p)
    return r


def fmt(v, unit):
    if v is None:
        return "n/a"
    if unit == "s":
        return "%.3f s" % v
    if unit == "ms":
        return "%.2f ms" % v
    if unit == "us":
        return "%d us" % v
    if unit == "pct":
        return "%.0f%%" % v
    if unit == "MiB":
        return "%.1f MiB" % (v / 2**20)
    if unit == "ops/s":
        return "%d/s" % round(v)
    return "%d" % v


def table_rows(res):
    R, C = res.get("redis", {}), res.get("cachet", {})
    ms = lambda v: None if v is None else v * 1e3

    def pct(r):
        cow, m = get(r, "busy", "rdb_last_cow_size"), get(r, "rss_loaded")
        return 100.0 * cow / m if cow is not None and m else None
    rows = [
        # label, unit, redis value, cachet value
        ("snapshot wall time (idle BGSAVE)", "s", get(R, "idle", "wall_s"), get(C, "idle", "wall_s")),
        ("  BGSAVE -> file mtime", "s", get(R, "idle", "file_written_s"), get(C, "idle", "file_written_s")),
        ("snapshot file size", "MiB", get(R, "idle", "file_bytes"), get(C, "idle", "file_bytes")),
        ("latest_fork_usec (idle)", "us", get(R, "idle", "latest_fork_usec"), get(C, "idle", "latest_fork_usec")),
        ("rdb_last_cow_size (idle)", "MiB", get(R, "idle", "rdb_last_cow_size"), get(C, "idle", "rdb_last_cow_size")),
        ("max PING latency, idle BGSAVE", "ms", ms(get(R, "idle", "ping_max_s")), ms(get(C, "idle", "ping_max_s"))),
        ("  max PING, no BGSAVE (0.5s before)", "ms", ms(get(R, "idle", "base_ping_max_s")), ms(get(C, "idle", "base_ping_max_s"))),
        ("snapshot wall time, with writer", "s", get(R, "busy", "wall_s"), get(C, "busy", "wall_s")),
        ("  SETs done during BGSAVE", "n", get(R, "busy", "writes"), get(C, "busy", "writes")),
        ("  SET rate before / during", "ops/s", get(R, "busy", "base_writes_per_s"), get(C, "busy", "base_writes_per_s")),
        ("", "ops/s", get(R, "busy", "writes_per_s"), get(C, "busy", "writes_per_s")),
        ("latest_fork_usec, with writer", "us", get(R, "busy", "latest_fork_usec"), get(C, "busy", "latest_fork_usec")),
        ("rdb_last_cow_size, with writer", "MiB", get(R, "busy", "rdb_last_cow_size"), get(C, "busy", "rdb_last_cow_size")),
        ("  cow with writer, % of RSS", "pct", pct(R), pct(C)),
        ("cachet_snapshot_extra_memory, writer", "MiB", None, get(C, "busy", "cachet_snapshot_extra_memory")),
        ("  cachet_snapshot_extra_memory, idle", "MiB", None, get(C, "idle", "cachet_snapshot_extra_memory")),
        ("max PING latency, BGSAVE + writer", "ms", ms(get(R, "busy", "ping_max_s")), ms(get(C, "busy", "ping_max_s"))),
        ("  p99 PING latency, BGSAVE + writer", "ms", ms(get(R, "busy", "ping_p99_s")), ms(get(C, "busy", "ping_p99_s"))),
        ("  max PING, writer only (0.5s before)", "ms", ms(get(R, "busy", "base_ping_max_s")), ms(get(C, "busy", "base_ping_max_s"))),
        ("SHUTDOWN SAVE until exit", "s", get(R, "shutdown_save_s"), get(C, "shutdown_save_s")),
        ("load time (start -> PONG+DBSIZE=N)", "s", get(R, "load_s"), get(C, "load_s")),
        ("  startup time, empty dir", "s", get(R, "startup_s"), get(C, "startup_s")),
        ("  cachet_loading_usec", "us", None, get(C, "cachet_loading_usec")),
        ("RSS after load / after reload", "MiB", get(R, "rss_loaded"), get(C, "rss_loaded")),
        ("", "MiB", get(R, "rss_reloaded"), get(C, "rss_reloaded")),
    ]
    out = ["%-39s %14s %14s %7s" % ("row", "redis", "cachet", "c/r")]
    for label, unit, rv, cv in rows:
        ratio = "%.2f" % (cv / rv) if rv and cv is not None else "n/a"
        out.append("%-39s %14s %14s %7s" % (label, fmt(rv, unit), fmt(cv, unit), ratio))
    return out


def info_field_checks(res, cfg):
    """Sanity checks on the INFO fields; returns a list of notes."""
    notes = []
    for name in ("redis", "cachet"):
        r = res.get(name) or {}
        for phase in ("idle", "busy"):
            b = r.get(phase)
            if not b:
                continue
            if b.get("latest_fork_usec") in (None, 0):
                notes.append("%s %s: latest_fork_usec is %r" % (name, phase, b.get("latest_fork_usec")))
            if b.get("rdb_last_cow_size") is None:
                notes.append("%s %s: no rdb_last_cow_size in INFO" % (name, phase))
            if not b.get("saw_in_progress"):
                notes.append("%s %s: rdb_bgsave_in_progress was never 1 (done before the first poll?)"
                             % (name, phase))
            if b.get("rdb_saves") is not None and b.get("rdb_saves_before") is not None \
                    and b["rdb_saves"] != b["rdb_saves_before"] + 1:
                notes.append("%s %s: rdb_saves went %d -> %d over one BGSAVE"
                             % (name, phase, b["rdb_saves_before"], b["rdb_saves"]))
            if b.get("aof_last_cow_size") not in (None, b.get("aof_last_cow_size_before")):
                notes.append("%s %s: BGSAVE (no AOF) changed aof_last_cow_size %d -> %d"
                             % (name, phase, b["aof_last_cow_size_before"], b["aof_last_cow_size"]))
            if name == "cachet":
                for k in ("cachet_snapshot_extra_memory", "cachet_last_snapshot_keys"):
                    if b.get(k) is None:
                        notes.append("cachet %s: no %s in INFO persistence" % (phase, k))
                if b.get("cachet_last_snapshot_keys") not in (None, cfg["keys"]):
                    notes.append("cachet %s: cachet_last_snapshot_keys=%d, expected %d"
                                 % (phase, b["cachet_last_snapshot_keys"], cfg["keys"]))
        if name == "cachet" and r.get("load_s") is not None and r.get("cachet_loading_usec") is not None:
            if r["cachet_loading_usec"] / 1e6 > r["load_s"] + 0.01:
                notes.append("cachet: cachet_loading_usec (%.3fs) > measured load time (%.3fs)"
                             % (r["cachet_loading_usec"] / 1e6, r["load_s"]))
        if name == "cachet" and r.get("cachet_loading_usec") is None and r.get("load_s") is not None:
            notes.append("cachet: no cachet_loading_usec in INFO persistence after reload")
    return notes


# ------------------------------------------------------------------ main

def cmdline():
    parts = []
    for v in ("CACHET_BIN", "REDIS_BIN", "BENCH_PERSIST_KEYS", "BENCH_PERSIST_TIMEOUT",
              "BENCH_SERVER_CPU", "BENCH_CLIENT_CPU", "BENCH_RESULTS_DIR"):
        if v in os.environ:
            parts.append("%s=%s" % (v, shlex.quote(os.environ[v])))
    parts += [shlex.quote(sys.executable)] + [shlex.quote(a) for a in sys.argv]
    return " ".join(parts)


def main():
    cfg = {
        "keys": env_int("BENCH_PERSIST_KEYS", 1000000),
        "timeout": env_int("BENCH_PERSIST_TIMEOUT", 120),
        "server_cpu": env_int("BENCH_SERVER_CPU", 0),
        "client_cpu": env_int("BENCH_CLIENT_CPU", 1),
    }
    redis_bin = os.environ.get("REDIS_BIN") or shutil.which("redis-server") or "/usr/bin/redis-server"
    cachet_bin = os.environ.get("CACHET_BIN") or os.path.join(REPO, "build/release/cachet-server")
    results_dir = os.environ.get("BENCH_RESULTS_DIR") or os.path.join(HERE, "results")
    for b in (redis_bin, cachet_bin):
        if not os.access(b, os.X_OK):
            sys.exit("persistence: %s is not executable (set REDIS_BIN / CACHET_BIN)" % b)
    if not shutil.which("taskset"):
        sys.exit("persistence: taskset not found")
    ncpu = os.cpu_count()
    if max(cfg["server_cpu"], cfg["client_cpu"]) >= ncpu:
        sys.exit("persistence: need CPUs %d and %d, machine has %d"
                 % (cfg["server_cpu"], cfg["client_cpu"], ncpu))
    os.sched_setaffinity(0, {cfg["client_cpu"]})  # this process and its helpers

    started = time.monotonic()

    def progress(msg):
        print("[%6.1fs] %s" % (time.monotonic() - started, msg), file=sys.stderr, flush=True)

    # Cachet binaries that are really redis-server (dry run) write dump.rdb.
    cachet_is_redis = "Redis server" in first_line([cachet_bin, "--version"])
    servers = [
        {"name": "redis", "bin": redis_bin, "file": "dump.rdb", "cpu": cfg["server_cpu"]},
        {"name": "cachet", "bin": cachet_bin, "file": "dump.rdb" if cachet_is_redis else "dump.cachet",
         "cpu": cfg["server_cpu"]},
    ]
    servers[1]["is_redis"] = cachet_is_redis

    head = []
    head.append("cachet persistence benchmark  %s"
                % datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z"))
    head.append("command:  %s" % cmdline())
    head.append("machine:  nproc=%d, cpu=%s, kernel=%s, python %s"
                % (ncpu, cpu_model(), platform.release(), platform.python_version()))
    head.append("loadavg:  %s (before start; other work on this machine adds noise)"
                % " ".join(open("/proc/loadavg").read().split()[:3]))
    head.append("pinning:  server (and its BGSAVE child) on cpu %d, one server at a time; "
                "loader/PING/writer on cpu %d" % (cfg["server_cpu"], cfg["client_cpu"]))
    head.append("redis:    %s [%s]" % (redis_bin, first_line([redis_bin, "--version"])))
    head.append("cachet:   %s [%s] git %s" % (cachet_bin, first_line([cachet_bin, "--version"]), git_rev()))
    head.append("data:     %d keys, 16-byte keys, 32-byte values; temp dirs in /tmp; "
                "writer = pipelined SET of random existing keys, 50/batch" % cfg["keys"])
    for line in head:
        print(line, flush=True)

    progress("building %d SET commands" % cfg["keys"])
    batches = []
    for s in range(0, cfg["keys"], 10000):
        batches.append(b"".join(
            b"*3\r\n$3\r\nSET\r\n$16\r\n%s\r\n$32\r\nval:%028d\r\n" % (key(i), i)
            for i in range(s, min(cfg["keys"], s + 10000))))

    problems = []
    res = {}
    for srv in servers:
        res[srv["name"]] = run_server(srv, cfg, batches, progress, problems)
    del batches

    notes = info_field_checks(res, cfg)
    for name in ("redis", "cachet"):
        log = (res.get(name) or {}).get("log", "")
        bad = [l for l in log.splitlines() if any(w in l.lower() for w in ("error", "fail", "warning"))]
        for l in bad[:5]:
            notes.append("%s log: %s" % (name, l.strip()[:200]))

    table = ["", "== Persistence, %d keys (lower is better except SET rate; ratio = cachet / redis) ==" % cfg["keys"]]
    table += table_rows(res)
    table += ["",
              "notes: wall time = BGSAVE sent until INFO shows rdb_bgsave_in_progress:0 and status ok",
              "       (polled every 2 ms; redis only reaps its child in serverCron, hz 10, so up to",
              "       +100 ms: 'BGSAVE -> file mtime' is the write time without that). PING latency",
              "       is over PINGs overlapping the BGSAVE, from a separate process on cpu %d; the"
              % cfg["client_cpu"],
              "       BGSAVE child shares the server's cpu, so max PING is noisy (run it twice).",
              "       The writer touches nearly every page holding values, so cow with writer is",
              "       close to saturation for both servers (compare '% of RSS', not per-SET).",
              "       redis compresses strings with LZF (rdbcompression yes): the values here",
              "       are mostly zeros, which favours redis on file size."]
    if notes:
        table += ["", "checks:"] + ["  - " + n for n in notes]
    if problems:
        table += ["", "PROBLEMS:"] + ["  - " + p for p in problems]
    table += ["", "total time: %.0fs" % (time.monotonic() - started)]
    for line in table:
        print(line)
    os.makedirs(results_dir, exist_ok=True)
    out = os.path.join(results_dir, "persistence-latest.txt")
    with open(out, "w") as f:
        f.write("\n".join(head + table) + "\n")
    print("written: %s" % out)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker_main(sys.argv[2:])
        sys.exit(0)
    run_main("persistence", main, cleanup)
