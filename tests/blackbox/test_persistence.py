"""Black-box tests of cachet's persistence: snapshots (SAVE, BGSAVE, the final
save at shutdown), the append-only log (replay after kill -9, BGREWRITEAOF,
CONFIG SET appendonly), damaged files at start-up, INFO persistence and the
error replies of the persistence commands.

Every server runs on its own data directory under tmp_path and is restarted
on that same directory (the conftest factory gives each server a fresh
directory, so this file has its own `nodes` fixture built on ServerProcess).
"Crash" means SIGKILL of the server (and of any fork child it had), so
writes already handed to the kernel survive; power loss is not simulated.

Where the expected behaviour is Redis's (error texts, FLUSHALL and SHUTDOWN
with save points, SAVE during a rewrite), the test is parametrized over
kind=cachet/redis and the redis run checks the expectation against the
reference redis-server. Write errors are produced with `chattr +i` (tests
skip where that is not permitted).

Environment knobs:
  CACHET_PERSIST_SEED  seed of the random command sequences (random if unset;
                       printed in every failure message).
"""

import os
import random
import re
import signal
import struct
import subprocess
import threading
import time

import pytest

from conftest import (HOST, ServerProcess, cachet_bin, cachet_is_redis,
                      free_port, redis_bin)
from resp import ConnectionClosed, RespConnection, encode_command

pytestmark = pytest.mark.skipif(
    cachet_is_redis(), reason="cachet's own persistence formats and options")

OK = ("simple", b"OK")
NDB = 16
SEED = int(os.environ.get("CACHET_PERSIST_SEED")
           or random.SystemRandom().randrange(1, 10**9))


# --------------------------------------------------------------------------
# servers bound to a data directory


def child_pids(pid):
    """Direct children of pid (e.g. a BGSAVE / BGREWRITEAOF fork)."""
    kids = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                    kids += [int(x) for x in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return kids


class Node:
    """A cachet server tied to one data directory; can be killed and
    restarted on the same directory with the same (or overridden) flags."""

    kind = "cachet"

    def __init__(self, root, name, **opts):
        self.dir = os.path.join(str(root), name)
        self.logdir = os.path.join(str(root), name + "-logs")
        os.makedirs(self.dir, exist_ok=True)
        os.makedirs(self.logdir, exist_ok=True)
        self.opts = {"save": "", "appendonly": "no", "loglevel": "notice"}
        self.opts.update({k.replace("_", "-"): v for k, v in opts.items()})
        self.srv = None
        self.runs = 0
        self.servers = []

    def argv(self, port, overrides):
        opts = dict(self.opts)
        opts.update({k.replace("_", "-"): v for k, v in overrides.items()})
        argv = [cachet_bin(), "--port", str(port), "--bind", HOST,
                "--threads", os.environ.get("CACHET_THREADS", "2"),
                "--dir", self.dir, "--http-port", "0"]
        for k, v in opts.items():
            argv += ["--" + k, str(v)]
        return argv

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def start(self, **overrides):
        assert self.srv is None or not self.srv.alive(), "already running"
        port = free_port()
        self.runs += 1
        srv = ServerProcess(self.kind, self.argv(port, overrides), port, self.dir)
        srv.log_path = os.path.join(self.logdir, "run-%d.log" % self.runs)
        self.servers.append(srv)
        self.srv = srv
        srv.start()
        return srv

    def log(self):
        return self.srv.log_tail(1 << 20) if self.srv else ""

    def conn(self, timeout=10.0):
        return RespConnection(HOST, self.srv.port, timeout=timeout)

    def kill9(self):
        """SIGKILL the server and any fork child it has; wait for both."""
        srv = self.srv
        kids = child_pids(srv.pid)
        os.kill(srv.pid, signal.SIGKILL)
        srv.proc.wait(timeout=10)
        for k in kids:
            try:
                os.kill(k, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        for k in kids:  # reparented: wait until they are gone
            while os.path.exists("/proc/%d" % k) and time.monotonic() < deadline:
                try:
                    with open("/proc/%d/stat" % k) as f:
                        if f.read().split(")")[-1].split()[0] == "Z":
                            break
                except OSError:
                    break
                time.sleep(0.01)
        srv.stopped = True
        srv._log.close()

    def shutdown(self, *args):
        """Send SHUTDOWN [args]; expect the connection to close and the
        process to exit with code 0."""
        with self.conn() as c:
            c.send("SHUTDOWN", *args)
            try:
                r = c.read_reply()
                raise AssertionError("SHUTDOWN %s replied %r" % (args, r))
            except ConnectionClosed:
                pass
        rc = self.srv.proc.wait(timeout=15)
        self.srv.stopped = True
        self.srv._log.close()
        assert rc == 0, "SHUTDOWN %s: exit code %s\n%s" % (args, rc, self.log())

    def sigterm(self):
        rc = self.srv.stop(timeout=15)
        assert rc == 0, "SIGTERM: exit code %s\n%s" % (rc, self.log())

    def start_fail(self, timeout=8.0, probe=None, **overrides):
        """Start a server that is expected to refuse to start.

        Returns (exit code, output, probe result). If the server answers PING
        instead, it is killed and the exit code is the string "started"
        (probe(conn), if given, is run first and its result returned)."""
        port = free_port()
        self.runs += 1
        out_path = os.path.join(self.logdir, "run-%d.log" % self.runs)
        argv = self.argv(port, overrides)
        with open(out_path, "wb") as out:
            p = subprocess.Popen(argv, cwd=self.dir, stdout=out,
                                 stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL)
        status, probed = None, None
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if p.poll() is not None:
                    status = p.returncode
                    break
                try:
                    with RespConnection(HOST, port, timeout=2.0,
                                        connect_timeout=0.2) as c:
                        if c.call("PING") == ("simple", b"PONG"):
                            if probe is not None:
                                probed = probe(c)
                            status = "started"
                            break
                except (OSError, ConnectionClosed):
                    pass
                time.sleep(0.02)
            else:
                status = "hung"
        finally:
            if p.poll() is None:
                p.kill()
            p.wait()
        with open(out_path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        return status, text, probed

    def cleanup(self):
        problems = []
        for srv in self.servers:
            if srv.stopped or srv.proc is None:
                continue
            if srv.proc.poll() is not None:
                problems.append("server on %s exited by itself with %s\n%s"
                                % (self.dir, srv.proc.returncode,
                                   srv.log_tail()))
                srv.stop()
                continue
            rc = srv.stop(timeout=10)
            if rc != 0:
                problems.append("server on %s: SIGTERM -> %s\n%s"
                                % (self.dir, rc, srv.log_tail()))
        return problems


class RedisNode(Node):
    """The same, running the reference redis-server (for differential
    checks of Redis semantics)."""

    kind = "redis"

    def argv(self, port, overrides):
        opts = dict(self.opts)
        opts.update({k.replace("_", "-"): v for k, v in overrides.items()})
        argv = [redis_bin(), "--port", str(port), "--bind", HOST,
                "--dir", self.dir]
        for k, v in opts.items():
            argv += ["--" + k, str(v)]
        return argv


@pytest.fixture
def nodes(tmp_path):
    made = []

    def make(name="node", redis=False, **opts):
        n = (RedisNode if redis else Node)(tmp_path, name, **opts)
        made.append(n)
        return n

    yield make
    problems = []
    for n in made:
        problems += n.cleanup()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# --------------------------------------------------------------------------
# helpers


def call_ok(c, *args):
    r = c.call(*args)
    assert r == OK, "%r -> %r" % (args, r)
    return r


def info(c, section="persistence"):
    r = c.call("INFO", section)
    assert r[0] == "bulk", r
    out = {}
    for line in r[1].decode().split("\r\n"):
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v
    return out


def wait_until(pred, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.0fs waiting for %s"
                                 % (timeout, what))
        time.sleep(0.02)


def wait_children_done(c, timeout=15.0):
    def idle():
        i = info(c)
        return (i["rdb_bgsave_in_progress"] == "0"
                and i["aof_rewrite_in_progress"] == "0"
                and i["aof_rewrite_scheduled"] == "0")
    wait_until(idle, timeout, "background save/rewrite to finish")
    return info(c)


def pipeline(c, cmds):
    """Send all commands at once (in chunks), return the replies."""
    out = []
    for i in range(0, len(cmds), 500):
        chunk = cmds[i:i + 500]
        c.send_raw(b"".join(encode_command(cmd) for cmd in chunk))
        out += [c.read_reply() for _ in chunk]
    return out


def dump_state(c, dbs=range(NDB)):
    """{(db, key): (value, pttl)} for every key of the given databases."""
    state = {}
    for db in dbs:
        call_ok(c, "SELECT", db)
        r = c.call("KEYS", "*")
        assert r[0] == "array", r
        keys = [k[1] for k in r[1]]
        cmds = []
        for k in keys:
            cmds.append(("GET", k))
            cmds.append(("PTTL", k))
        replies = pipeline(c, cmds)
        for i, k in enumerate(keys):
            v, t = replies[2 * i], replies[2 * i + 1]
            if v[0] == "nil":
                continue  # expired between KEYS and GET
            assert v[0] == "bulk" and t[0] == "int", (k, v, t)
            state[(db, k)] = (v[1], t[1])
    call_ok(c, "SELECT", 0)
    return state


def timed_dump(c, dbs=range(NDB)):
    t0 = time.monotonic()
    s = dump_state(c, dbs)
    return s, t0, time.monotonic()


def compare_states(before, after, tol_ms=60, context=""):
    """Same keys and values; a PTTL after the restart equals the PTTL before
    minus the wall time in between (never more: a restart must not extend a
    TTL). Keys whose TTL ran out in between may be missing."""
    b, b0, b1 = before
    a, a0, a1 = after
    min_gap = (a0 - b1) * 1000.0
    max_gap = (a1 - b0) * 1000.0
    problems = []
    for key, (val, ttl) in sorted(b.items()):
        if key not in a:
            if ttl >= 0 and ttl <= max_gap + tol_ms:
                continue
            problems.append("lost %r (value %r, pttl %d)" % (key, val[:60], ttl))
            continue
        aval, attl = a[key]
        if aval != val:
            problems.append("%r: value %r -> %r" % (key, val[:60], aval[:60]))
        if ttl == -1:
            if attl != -1:
                problems.append("%r: had no TTL, now pttl %d" % (key, attl))
        elif attl == -1:
            problems.append("%r: pttl %d -> no TTL" % (key, ttl))
        else:
            hi = ttl - min_gap + tol_ms
            lo = ttl - max_gap - tol_ms
            if attl > hi:
                problems.append("%r: TTL extended: pttl %d before, %d after "
                                "%.0f ms (at most %.0f expected)"
                                % (key, ttl, attl, min_gap, hi))
            elif attl < lo:
                problems.append("%r: pttl %d before, %d after (>= %.0f "
                                "expected)" % (key, ttl, attl, lo))
    for key in sorted(set(a) - set(b)):
        problems.append("appeared: %r = %r (pttl %d)"
                        % (key, a[key][0][:60], a[key][1]))
    assert not problems, "%s%d differences after restart (of %d keys):\n  %s" % (
        context, len(problems), len(b), "\n  ".join(problems[:30]))


def populate(c, dbs=(0, 1, 7, 15), per_db=50):
    """Strings of assorted sizes in several databases, a third with a TTL."""
    for db in dbs:
        call_ok(c, "SELECT", db)
        cmds = []
        for i in range(per_db):
            key = b"db%d:key:%d" % (db, i)
            val = (b"v%d-%d-" % (db, i)) * (1 + i % 7)
            if i % 3 == 0:
                cmds.append(("SET", key, val, "EX", 1000 + i))
            elif i % 3 == 1 and i % 2 == 0:
                cmds.append(("SET", key, val, "PX", 500000 + i))
            else:
                cmds.append(("SET", key, val))
        cmds.append(("SET", b"bin\x00\xff\r\n", b"\x00\x01\x02\xff" * 3))
        cmds.append(("SET", "empty", ""))
        cmds.append(("SET", "big", os.urandom(100000)))
        cmds.append(("INCRBY", "counter", 41 + db))
        for r in pipeline(c, cmds):
            assert r[0] != "error", r
    call_ok(c, "SELECT", 0)


def read_manifest(node):
    with open(node.path("appendonlydir", "appendonly.manifest")) as f:
        lines = f.read().splitlines()
    m = {"header": lines[0] if lines else "", "seq": None, "base": None,
         "incr": []}
    for line in lines[1:]:
        parts = line.split()
        if len(parts) == 2 and parts[0] == "incr":
            m["incr"].append(parts[1])
        elif len(parts) == 2:
            m[parts[0]] = parts[1]
    return m


def _varint(buf, pos):
    v, shift = 0, 0
    while True:
        b = buf[pos]
        pos += 1
        v |= (b & 0x7F) << shift
        if not b & 0x80:
            return v, pos
        shift += 7


# Record header: u32 length, u32 ~length, u32 xxh32 of the payload.
HDR = 12


def parse_log(data):
    """Records of an incr log: list of (offset, length, db, args)."""
    out, pos = [], 0
    while pos + HDR <= len(data):
        length, _not_length, _crc = struct.unpack_from("<III", data, pos)
        if pos + HDR + length > len(data):
            break
        payload = data[pos + HDR:pos + HDR + length]
        db, p = _varint(payload, 0)
        argc, p = _varint(payload, p)
        args = []
        for _ in range(argc):
            n, p = _varint(payload, p)
            args.append(payload[p:p + n])
            p += n
        out.append((pos, length, db, args))
        pos += HDR + length
    return out


def last_incr(node):
    m = read_manifest(node)
    assert m["incr"], m
    name = m["incr"][-1]
    return name, node.path("appendonlydir", name)


# --------------------------------------------------------------------------
# 1. round trips


def test_aof_roundtrip_kill9(nodes):
    node = nodes(appendonly="yes")
    node.start()
    with node.conn() as c:
        populate(c)
        before = timed_dump(c)
    assert len(before[0]) == 4 * 54, len(before[0])
    node.kill9()
    node.start()
    with node.conn() as c:
        after = timed_dump(c)
    compare_states(before, after, context="appendonly yes, kill -9: ")
    assert "Replayed" in node.log() or "replay" in node.log().lower()


@pytest.mark.parametrize("how", ["SHUTDOWN", "SIGTERM", "SHUTDOWN SAVE"])
def test_snapshot_roundtrip_shutdown(nodes, how):
    # Save rules set (or SHUTDOWN SAVE without them): the final snapshot
    # carries everything.
    node = nodes(save="" if how == "SHUTDOWN SAVE" else "3600 1")
    node.start()
    with node.conn() as c:
        populate(c)
        before = timed_dump(c)
    if how == "SIGTERM":
        node.sigterm()
    else:
        node.shutdown(*how.split()[1:])
    assert os.path.isfile(node.path("dump.cachet")), os.listdir(node.dir)
    assert not os.path.exists(node.path("appendonlydir"))
    with open(node.path("dump.cachet"), "rb") as f:
        assert f.read(10) == b"CACHETSNAP"
    node.start()
    with node.conn() as c:
        after = timed_dump(c)
        assert info(c)["rdb_changes_since_last_save"] == "0"
    compare_states(before, after, context="snapshot via %s: " % how)


def test_shutdown_nosave_keeps_older_snapshot(nodes):
    node = nodes(save="3600 1")
    node.start()
    with node.conn() as c:
        populate(c, dbs=(0, 3))
        call_ok(c, "SAVE")
        before = timed_dump(c)
        call_ok(c, "SET", "after-save", "x")
        call_ok(c, "SELECT", 3)
        assert c.call("DEL", "db3:key:1")[0] == "int"
    node.shutdown("NOSAVE")
    node.start()
    with node.conn() as c:
        after = timed_dump(c)
    compare_states(before, after, context="SHUTDOWN NOSAVE: ")


def test_shutdown_without_save_rules_writes_nothing(nodes):
    node = nodes(save="")
    node.start()
    with node.conn() as c:
        call_ok(c, "SET", "a", "1")
    node.shutdown()
    assert not os.path.exists(node.path("dump.cachet"))
    node.start()
    with node.conn() as c:
        assert c.call("DBSIZE") == ("int", 0)


def test_bgsave_then_kill9_restores_bgsave_state(nodes):
    node = nodes()
    node.start()
    with node.conn() as c:
        populate(c)
        before = timed_dump(c)
        assert c.call("BGSAVE") == ("simple", b"Background saving started")
        i = wait_children_done(c)
        assert i["rdb_saves"] == "1" and i["rdb_last_bgsave_status"] == "ok", i
        # Changes after the BGSAVE are not in the snapshot.
        call_ok(c, "SET", "later", "x")
        call_ok(c, "SET", "db0:key:2", "overwritten")
        call_ok(c, "SELECT", 7)
        assert c.call("DEL", "db7:key:5", "db7:key:6") == ("int", 2)
        call_ok(c, "SELECT", 0)
        call_ok(c, "FLUSHDB")
    node.kill9()
    node.start()
    with node.conn() as c:
        after = timed_dump(c)
    compare_states(before, after, context="BGSAVE + kill -9: ")


@pytest.mark.parametrize("mode", ["aof", "snapshot"])
def test_restart_never_extends_ttl(nodes, mode):
    node = nodes(appendonly="yes" if mode == "aof" else "no")
    node.start()
    with node.conn() as c:
        t0 = time.time()
        call_ok(c, "SET", "px", "v", "PX", 1500)
        call_ok(c, "PSETEX", "psetex", 1500, "v")
        call_ok(c, "SET", "plain", "v")
        assert c.call("PEXPIRE", "plain", 1500) == ("int", 1)
        call_ok(c, "SET", "getex", "v")
        assert c.call("GETEX", "getex", "PX", 1500) == ("bulk", b"v")
        call_ok(c, "SET", "gone", "v", "PX", 300)   # expired before the restart
        call_ok(c, "SET", "stays", "v")
        if mode == "snapshot":
            call_ok(c, "SAVE")
    time.sleep(max(0.0, t0 + 0.45 - time.time()))
    node.kill9()
    node.start()
    ttl_keys = ["px", "psetex", "plain", "getex"]
    with node.conn() as c:
        now = time.time()
        for k in ttl_keys:
            r = c.call("PTTL", k)
            assert r[0] == "int", (k, r)
            if r[1] == -2:  # only if the restart itself took past the deadline
                assert time.time() >= t0 + 1.5 - 0.05, (k, "expired early")
                continue
            assert r[1] >= 0, (k, r)
            allowed = (t0 + 1.5 - now) * 1000 + 50
            assert r[1] <= allowed, (
                "%s: PTTL %d after restart %.0f ms after the SET (TTL 1500): "
                "the restart extended it" % (k, r[1], (now - t0) * 1000))
        assert c.call("EXISTS", "gone") == ("int", 0)
        time.sleep(max(0.0, t0 + 1.5 + 0.25 - time.time()))
        for k in ttl_keys:
            assert c.call("GET", k) == ("nil",), k
        assert c.call("EXISTS", *ttl_keys) == ("int", 0)
        assert c.call("DBSIZE") == ("int", 1)
        assert c.call("GET", "stays") == ("bulk", b"v")


def test_aof_replay_of_changes_to_a_key_whose_old_ttl_ran_out(nodes):
    """The log holds 'SET k v PXAT t' and later a command that made the key
    live on (PERSIST, PEXPIRE to later) or changed it while it was alive
    (INCR, APPEND, INCRBYFLOAT, SETRANGE keep the TTL). Restarted after t,
    replay must give what the server had: the first two alive, the others
    gone. (Redis does not expire keys while loading the log.)"""
    node = nodes(appendonly="yes")
    node.start()
    with node.conn() as c:
        t0 = time.time()
        for k in ("persisted", "extended", "incr", "append", "float", "range"):
            call_ok(c, "SET", k, "5", "PX", 700)
        assert c.call("PERSIST", "persisted") == ("int", 1)
        assert c.call("PEXPIRE", "extended", 60000) == ("int", 1)
        assert c.call("INCR", "incr") == ("int", 6)
        assert c.call("APPEND", "append", "x") == ("int", 2)
        assert c.call("INCRBYFLOAT", "float", "0.5") == ("bulk", b"5.5")
        assert c.call("SETRANGE", "range", 1, "yz") == ("int", 3)
        time.sleep(max(0.0, t0 + 0.9 - time.time()))
        before = timed_dump(c)
    assert set(k for _, k in before[0]) == {b"persisted", b"extended"}, before[0]
    node.kill9()
    node.start()
    with node.conn() as c:
        after = timed_dump(c)
    compare_states(before, after, context="replay after the old TTL passed: ")


# -- replay of many commands ------------------------------------------------

RKEYS = ["k%d" % i for i in range(10)] + ["n%d" % i for i in range(5)]
RDBS = [0, 1, 2, 9]


def random_command(rng, now_ms):
    k = rng.choice(RKEYS)
    k2 = rng.choice(RKEYS)
    n = rng.choice(RKEYS[10:])
    val = rng.choice(["v", "hello", "x" * rng.randint(0, 40), "12", "-3",
                      "1.5", str(rng.randint(-1000, 1000)), "\x00\xffbin"])
    ex = rng.randint(30, 5000)
    px = rng.randint(30000, 900000)
    at_ms = now_ms + rng.randint(30000, 900000)
    r = rng.random()
    if r < 0.14:
        cmd = ["SET", k, val]
        o = rng.random()
        if o < 0.2:
            cmd += ["EX", ex]
        elif o < 0.35:
            cmd += ["PX", px]
        elif o < 0.45:
            cmd += ["PXAT", at_ms]
        elif o < 0.5:
            cmd += ["EXAT", at_ms // 1000]
        elif o < 0.6:
            cmd += ["KEEPTTL"]
        if rng.random() < 0.2:
            cmd.append(rng.choice(["NX", "XX"]))
        if rng.random() < 0.15:
            cmd.append("GET")
        return cmd
    if r < 0.26:
        return rng.choice([["INCR", n], ["DECR", n], ["INCRBY", n, rng.randint(-99, 99)],
                           ["DECRBY", n, rng.randint(-99, 99)],
                           ["INCRBYFLOAT", n, rng.choice(["1.5", "-0.25", "3.0e2", "0.1"])]])
    if r < 0.34:
        return rng.choice([["APPEND", k, val],
                           ["SETRANGE", k, rng.randint(0, 20), val]])
    if r < 0.42:
        return rng.choice([["DEL", k, k2], ["UNLINK", k], ["GETDEL", k]])
    if r < 0.54:
        c = rng.choice([["EXPIRE", k, ex], ["PEXPIRE", k, px],
                        ["EXPIREAT", k, at_ms // 1000], ["PEXPIREAT", k, at_ms],
                        ["EXPIRE", k, rng.choice([0, -5])],
                        ["PEXPIREAT", k, now_ms - 1000], ["PERSIST", k]])
        if c[0] != "PERSIST" and rng.random() < 0.25:
            c.append(rng.choice(["NX", "XX", "GT", "LT"]))
        return c
    if r < 0.62:
        c = ["COPY", k, k2]
        if rng.random() < 0.5:
            c += ["DB", rng.choice(RDBS)]
        if rng.random() < 0.5:
            c.append("REPLACE")
        return c
    if r < 0.68:
        return [rng.choice(["RENAME", "RENAMENX"]), k, k2]
    if r < 0.72:
        return ["MSET", k, val, k2, str(rng.randint(0, 9))]
    if r < 0.74:
        return ["MSETNX", k, val, k2, "m"]
    if r < 0.80:
        return rng.choice([["SETEX", k, ex, val], ["PSETEX", k, px, val],
                           ["SETNX", k, val], ["GETSET", k, val]])
    if r < 0.86:
        return rng.choice([["GETEX", k, "EX", ex], ["GETEX", k, "PX", px],
                           ["GETEX", k, "PERSIST"], ["GETEX", k, "PXAT", at_ms],
                           ["GETEX", k, "EXAT", 1]])
    if r < 0.88:
        a, b = rng.sample(RDBS, 2)
        return ["SWAPDB", a, b]
    if r < 0.884:
        return ["FLUSHDB"]
    if r < 0.885:
        return ["FLUSHALL"]
    if r < 0.95:
        return ["SELECT", rng.choice(RDBS)]
    return rng.choice([["GET", k], ["TTL", k], ["TOUCH", k], ["EXISTS", k]])


def run_random(c, rng, count):
    now_ms = int(time.time() * 1000)
    cmds = [random_command(rng, now_ms) for _ in range(count)]
    replies = pipeline(c, cmds)
    for cmd, r in zip(cmds, replies):
        if cmd[0] == "SELECT":
            assert r == OK, (cmd, r)
    call_ok(c, "SELECT", 0)


SCRIPT = [
    ("SET", "s1", "hello", "EX", 1000), ("SET", "s2", "10"),
    ("FLUSHALL",),
    ("SET", "a", "1"), ("SET", "b", "2", "PX", 600000), ("SET", "f", "10.5"),
    ("SELECT", 3), ("SET", "in3", "x", "EX", 5000), ("SET", "shared", "3"),
    ("SELECT", 0), ("SET", "shared", "0"),
    ("SWAPDB", 0, 3),                       # db0 <-> db3
    ("SELECT", 3), ("DEL", "a"), ("EXPIRE", "b", 2000),
    ("INCRBYFLOAT", "f", "0.1"), ("INCRBYFLOAT", "f", "1e3"),
    ("SET", "r", "Hello World"), ("SETRANGE", "r", 6, "Redis!!"),
    ("SETRANGE", "pad", 5, "x"), ("APPEND", "r", "!!"), ("APPEND", "new", "n"),
    ("COPY", "b", "b-copy"), ("COPY", "r", "r5", "DB", 5),
    ("COPY", "f", "b-copy", "REPLACE"),
    ("RENAME", "r", "renamed"), ("RENAMENX", "new", "renamed"),
    ("SET", "k", "v", "EX", 100), ("SET", "k", "v2", "KEEPTTL"),
    ("SET", "gone", "v"), ("EXPIRE", "gone", 0),
    ("SET", "p", "v", "EX", 100), ("PERSIST", "p"),
    ("SELECT", 0), ("SET", "db0-after-swap", "y"),
    ("SELECT", 5), ("EXPIRE", "r5", 3000), ("SWAPDB", 5, 6),
    ("SELECT", 7), ("SET", "x", "1"), ("FLUSHDB",), ("SET", "y", "after-flushdb"),
]


@pytest.mark.parametrize("variant", ["log", "rewrite"])
def test_aof_replay_script(nodes, variant):
    """FLUSHALL, SWAPDB, DEL, EXPIRE, INCRBYFLOAT, SETRANGE, APPEND, COPY,
    RENAME, ... replayed after kill -9 give the same keys, values and TTLs.
    'rewrite' runs BGREWRITEAOF half-way, so the state comes from a base
    snapshot plus the log written after it."""
    node = nodes(appendonly="yes")
    node.start()
    half = len(SCRIPT) // 2
    with node.conn() as c:
        for i, cmd in enumerate(SCRIPT):
            if variant == "rewrite" and i == half:
                assert c.call("BGREWRITEAOF")[0] == "simple"
                wait_children_done(c)  # (INFO does not change the db)
            r = c.call(*cmd)
            assert r[0] != "error", (cmd, r)
        call_ok(c, "SELECT", 0)
        before = timed_dump(c)
    assert len(before[0]) == 14, before[0]
    node.kill9()
    node.start()
    with node.conn() as c:
        after = timed_dump(c)
    compare_states(before, after, context="script, %s: " % variant)


@pytest.mark.parametrize("variant", ["log", "rewrite"])
def test_aof_replay_random_commands(nodes, variant):
    """A seeded random sequence of every string/key command; kill -9; the
    restarted server holds exactly the same keys, values and TTLs. 'rewrite'
    runs BGREWRITEAOF half-way (the commands go on while it runs). A second
    round after the first restart checks appending to a replayed log."""
    rng = random.Random("%d-%s" % (SEED, variant))
    ctx = "CACHET_PERSIST_SEED=%d variant=%s: " % (SEED, variant)
    node = nodes(appendonly="yes")
    node.start()
    with node.conn() as c:
        run_random(c, rng, 1500)
        if variant == "rewrite":
            assert c.call("BGREWRITEAOF") == (
                "simple", b"Background append only file rewriting started")
            run_random(c, rng, 1500)
            wait_children_done(c)
            assert info(c)["aof_rewrites"] == "1"
        else:
            run_random(c, rng, 1500)
        before = timed_dump(c)
    node.kill9()
    node.start()
    with node.conn() as c:
        after = timed_dump(c)
        compare_states(before, after, context=ctx + "round 1: ")
        run_random(c, rng, 1500)
        before = timed_dump(c)
    node.kill9()
    node.start()
    with node.conn() as c:
        after = timed_dump(c)
    compare_states(before, after, context=ctx + "round 2: ")


def test_setrange_in_place_is_logged(nodes):
    """SETRANGE that overwrites bytes inside the current value (no growth)
    is a write like any other: it must reach the log and count as a change."""
    node = nodes(appendonly="yes")
    node.start()
    with node.conn() as c:
        call_ok(c, "SET", "s", "Hello World")
        changes = int(info(c)["rdb_changes_since_last_save"])
        assert c.call("SETRANGE", "s", 6, "Redis") == ("int", 11)
        assert c.call("GET", "s") == ("bulk", b"Hello Redis")
        assert int(info(c)["rdb_changes_since_last_save"]) == changes + 1
    node.kill9()
    node.start()
    with node.conn() as c:
        assert c.call("GET", "s") == ("bulk", b"Hello Redis")


def test_snapshot_replay_same_state(nodes):
    rng = random.Random("%d-snap" % SEED)
    node = nodes(save="3600 1")
    node.start()
    with node.conn() as c:
        for cmd in SCRIPT:
            assert c.call(*cmd)[0] != "error", cmd
        run_random(c, rng, 3000)
        before = timed_dump(c)
    node.shutdown()
    node.start()
    with node.conn() as c:
        after = timed_dump(c)
    compare_states(before, after, context="CACHET_PERSIST_SEED=%d snapshot: " % SEED)


def test_first_start_with_appendonly_loads_snapshot(nodes):
    node = nodes(save="3600 1")
    node.start()
    with node.conn() as c:
        populate(c, dbs=(0, 2))
        before = timed_dump(c)
    node.shutdown()
    node.start(appendonly="yes")
    assert os.path.isfile(node.path("appendonlydir", "appendonly.manifest"))
    with node.conn() as c:
        compare_states(before, timed_dump(c), context="snapshot -> log: ")
        call_ok(c, "SET", "logged", "1")
        before = timed_dump(c)
    node.kill9()
    node.start(appendonly="yes")
    with node.conn() as c:
        compare_states(before, timed_dump(c), context="log after snapshot: ")


# -- writers ------------------------------------------------------------------


class Writers:
    """Threads writing SET k_<t>_<i> v_<t>_<i> then INCR ctr_<t>, one command
    at a time, recording what was acknowledged."""

    def __init__(self, port, nthreads, prefix):
        self.port = port
        self.prefix = prefix
        self.stop = threading.Event()
        self.sets = [0] * nthreads        # k_t_0 .. k_t_{sets-1} acknowledged
        self.incr = [0] * nthreads        # last INCR reply
        self.errors = []
        self.threads = [threading.Thread(target=self._run, args=(t,), daemon=True)
                        for t in range(nthreads)]

    def key(self, t, i):
        return b"%s:k_%d_%d" % (self.prefix, t, i)

    def val(self, t, i):
        return b"v_%d_%d" % (t, i)

    def ctr(self, t):
        return b"%s:ctr_%d" % (self.prefix, t)

    def _run(self, t):
        try:
            c = RespConnection(HOST, self.port, timeout=10)
        except OSError as e:
            self.errors.append("thread %d: connect: %r" % (t, e))
            return
        try:
            i = 0
            while not self.stop.is_set() and i < 5_000_000:
                r = c.call("SET", self.key(t, i), self.val(t, i))
                if r != OK:
                    self.errors.append("thread %d: SET -> %r" % (t, r))
                    return
                self.sets[t] = i + 1
                r = c.call("INCR", self.ctr(t))
                if r[0] != "int":
                    self.errors.append("thread %d: INCR -> %r" % (t, r))
                    return
                self.incr[t] = r[1]
                i += 1
        except (ConnectionClosed, OSError):
            pass  # the server was killed
        finally:
            c.close()

    def start(self):
        for th in self.threads:
            th.start()
        return self

    def acked(self):
        return sum(self.sets) + sum(self.incr)

    def join(self):
        self.stop.set()
        for th in self.threads:
            th.join(timeout=15)
        assert not any(th.is_alive() for th in self.threads), "writer stuck"
        assert not self.errors, self.errors

    def verify(self, c):
        """Returns (lost writes, list of problems)."""
        lost, problems = 0, []
        for t in range(len(self.threads)):
            n = self.sets[t]
            for start in range(0, n, 1000):
                idx = list(range(start, min(n, start + 1000)))
                r = c.call("MGET", *[self.key(t, i) for i in idx])
                assert r[0] == "array", r
                for i, v in zip(idx, r[1]):
                    if v != ("bulk", self.val(t, i)):
                        lost += 1
                        if len(problems) < 10:
                            problems.append("%r: %r" % (self.key(t, i), v))
            r = c.call("GET", self.ctr(t))
            have = int(r[1]) if r[0] == "bulk" else 0
            if have < self.incr[t]:
                lost += self.incr[t] - have
                problems.append("%r = %d, %d INCRs acknowledged"
                                % (self.ctr(t), have, self.incr[t]))
            if have > self.incr[t] + 1:  # at most the one in flight
                problems.append("%r = %d but only %d INCRs acknowledged (+1 in "
                                "flight): replayed twice?"
                                % (self.ctr(t), have, self.incr[t]))
        return lost, problems


def crash_run(node, seconds, nthreads=4):
    w = Writers(node.srv.port, nthreads, b"crash").start()
    t0 = time.monotonic()
    time.sleep(seconds)
    acked = w.acked()
    elapsed = time.monotonic() - t0
    node.kill9()
    w.join()
    return w, acked / elapsed


def test_crash_appendfsync_always_loses_nothing(nodes):
    node = nodes(appendonly="yes", appendfsync="always")
    node.start()
    w, rate = crash_run(node, 3.0)
    node.start()
    with node.conn() as c:
        lost, problems = w.verify(c)
    print("\n[persistence] appendfsync always: %d acknowledged writes, "
          "%.0f writes/s, %d lost after kill -9" % (w.acked(), rate, lost))
    assert w.acked() > 100, "too few writes: %d" % w.acked()
    assert lost == 0 and not problems, "%d acknowledged writes lost: %s" % (
        lost, problems)


def test_crash_appendfsync_everysec_loss_window(nodes):
    node = nodes(appendonly="yes", appendfsync="everysec")
    node.start()
    w, rate = crash_run(node, 3.0)
    node.start()
    with node.conn() as c:
        lost, problems = w.verify(c)
    print("\n[persistence] appendfsync everysec: %d acknowledged writes, "
          "%.0f writes/s, %d lost after kill -9 (%.3f s of writes)"
          % (w.acked(), rate, lost, lost / rate if rate else 0))
    assert w.acked() > 100, "too few writes: %d" % w.acked()
    assert lost <= rate * 1.0, "%d acknowledged writes lost (> 1 s at %.0f/s): %s" % (
        lost, rate, problems)
    assert not [p for p in problems if "twice" in p], problems


def test_bgrewriteaof_under_writes_then_kill9(nodes):
    node = nodes(appendonly="yes")
    node.start()
    with node.conn() as c:
        populate(c, dbs=(0, 4), per_db=2000)
        static = timed_dump(c, dbs=(4,))
    w = Writers(node.srv.port, 4, b"rw").start()
    rewrites = 0
    t_end = time.monotonic() + 3.0
    with node.conn() as c:
        while time.monotonic() < t_end:
            r = c.call("BGREWRITEAOF")
            assert r[0] == "simple" or r == (
                "error", b"ERR Background append only file rewriting already "
                b"in progress"), r
            time.sleep(0.25)
        rewrites = int(info(c)["aof_rewrites"])
        # Kill in the middle of one more rewrite.
        r = c.call("BGREWRITEAOF")
    node.kill9()
    w.join()
    assert rewrites >= 3, "only %d rewrites finished" % rewrites
    m = read_manifest(node)
    node.start()
    with node.conn() as c:
        lost, problems = w.verify(c)
        after = timed_dump(c, dbs=(4,))
    assert lost == 0 and not problems, (
        "%d of %d acknowledged writes lost (rewrites %d, manifest %r): %s"
        % (lost, w.acked(), rewrites, m, problems))
    compare_states(static, after, context="untouched db after rewrites: ")


def test_auto_rewrite_under_writes_then_kill9(nodes):
    node = nodes(appendonly="yes", auto_aof_rewrite_min_size="200kb",
                 auto_aof_rewrite_percentage="100")
    node.start()
    w = Writers(node.srv.port, 4, b"auto").start()
    with node.conn() as c:
        wait_until(lambda: int(info(c)["aof_rewrites"]) >= 2, 10,
                   "two automatic rewrites")
        time.sleep(0.3)
    node.kill9()
    w.join()
    node.start()
    with node.conn() as c:
        lost, problems = w.verify(c)
    assert lost == 0 and not problems, "%d of %d acknowledged writes lost: %s" % (
        lost, w.acked(), problems)


def test_config_set_appendonly_yes_under_writes(nodes):
    node = nodes()
    node.start()
    manifest = node.path("appendonlydir", "appendonly.manifest")
    w = Writers(node.srv.port, 4, b"enable").start()
    time.sleep(0.5)
    with node.conn() as c:
        call_ok(c, "CONFIG", "SET", "appendonly", "yes")
        wait_until(lambda: os.path.exists(manifest), 5, "the manifest")
        wait_children_done(c)
    time.sleep(0.5)
    node.kill9()
    w.join()
    node.start(appendonly="yes")
    with node.conn() as c:
        lost, problems = w.verify(c)
    assert lost == 0 and not problems, "%d of %d acknowledged writes lost: %s" % (
        lost, w.acked(), problems)


def test_aof_replay_concurrent_clients(nodes):
    """Several connections run random commands on the same keys at once
    (the server runs them on different threads); the log must replay them
    in the order they took effect."""
    node = nodes(appendonly="yes")
    node.start()
    errors = []

    def client(t):
        rng = random.Random("%d-conc-%d" % (SEED, t))
        try:
            with node.conn() as c:
                for _ in range(40):
                    run_random(c, rng, 50)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=client, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    with node.conn() as c:
        time.sleep(0.2)
        assert c.call("BGREWRITEAOF")[0] == "simple"
    for th in threads:
        th.join(timeout=60)
    assert not errors, errors
    with node.conn() as c:
        wait_children_done(c)
        before = timed_dump(c)
    node.kill9()
    node.start()
    with node.conn() as c:
        after = timed_dump(c)
    compare_states(before, after,
                   context="CACHET_PERSIST_SEED=%d concurrent: " % SEED)


# --------------------------------------------------------------------------
# 3. damaged files


def make_logged_node(nodes, count=20, **opts):
    """A node whose last incr log holds exactly SET key:<i> val:<i> for i in
    range(count), one record each."""
    node = nodes(appendonly="yes", **opts)
    node.start()
    with node.conn() as c:
        for i in range(count):
            call_ok(c, "SET", "key:%d" % i, "val:%d" % i * 3)
    node.kill9()
    name, path = last_incr(node)
    with open(path, "rb") as f:
        recs = parse_log(f.read())
    assert [r[3] for r in recs] == [[b"SET", b"key:%d" % i, b"val:%d" % i * 3]
                                    for i in range(count)], recs
    return node, name, path, recs


def present_keys(c, count=20):
    r = c.call("MGET", *["key:%d" % i for i in range(count)])
    return [i for i, v in enumerate(r[1]) if v == ("bulk", b"val:%d" % i * 3)]


def assert_refused(status, out, *needles):
    assert status not in ("started", "hung", None), (
        "server %s instead of refusing to start\n%s" % (status, out))
    assert isinstance(status, int) and status > 0, (
        "expected a clean non-zero exit, got %s (negative: killed by signal "
        "%s)\n%s" % (status, -status if isinstance(status, int) else "?", out))
    for n in needles:
        assert n in out, "start-up error does not mention %r:\n%s" % (n, out)


def test_torn_tail_is_truncated_with_warning(nodes):
    node, name, path, recs = make_logged_node(nodes)
    size = os.path.getsize(path)
    os.truncate(path, size - 3)
    node.start()
    with node.conn() as c:
        assert present_keys(c) == list(range(19))
        assert c.call("DBSIZE") == ("int", 19)
        call_ok(c, "SET", "after-repair", "1")
    log = node.log()
    assert name in log and re.search(r"truncat", log, re.I), log
    assert os.path.getsize(path) >= recs[-1][0]
    node.kill9()
    node.start()  # the repaired log plus the new record must read cleanly
    with node.conn() as c:
        assert present_keys(c) == list(range(19))
        assert c.call("GET", "after-repair") == ("bulk", b"1")


@pytest.mark.parametrize("cut", ["payload", "header"])
def test_torn_tail_refused_when_aof_load_truncated_no(nodes, cut):
    node, name, path, recs = make_logged_node(nodes)
    last = recs[-1][0]
    os.truncate(path, last + (4 if cut == "header" else 10))
    status, out, _ = node.start_fail(aof_load_truncated="no")
    assert_refused(status, out, name)
    node.start()  # default (yes): starts, drops the torn record
    with node.conn() as c:
        assert present_keys(c) == list(range(19))


def test_corrupt_record_refuses_start_naming_file_and_offset(nodes):
    node, name, path, recs = make_logged_node(nodes)
    off, length, _, _ = recs[10]
    pos = off + HDR + length // 2
    with open(path, "r+b") as f:
        f.seek(pos)
        b = f.read(1)
        f.seek(pos)
        f.write(bytes([b[0] ^ 0x40]))
    status, out, _ = node.start_fail()
    assert_refused(status, out, name, "offset")
    m = re.search(r"offset (\d+)", out)
    assert m and int(m.group(1)) in (off, pos), (off, pos, out)
    # Refusing must not have changed the file.
    assert os.path.getsize(path) == recs[-1][0] + HDR + recs[-1][1]
    status, out, _ = node.start_fail(aof_load_truncated="yes")
    assert_refused(status, out, name)
    node.start(aof_load_corrupt="yes")
    with node.conn() as c:
        have = present_keys(c)
    assert have[:10] == list(range(10)) and 10 not in have, have
    assert re.search(r"corrupt", node.log(), re.I), node.log()


def test_corrupt_length_field_mid_log_is_not_a_torn_tail(nodes):
    """A damaged length field in a record followed by 14 intact records is
    corruption, not a torn last write: the server must refuse to start (or
    at least keep the intact records), not silently drop everything after
    it as it would with a torn tail."""
    node, name, path, recs = make_logged_node(nodes)
    off = recs[5][0]
    with open(path, "r+b") as f:
        f.seek(off + 2)             # third byte of the little-endian length
        f.write(b"\x01")            # length += 65536: past the end of file
    status, out, probed = node.start_fail(probe=present_keys)
    if status == "started":
        pytest.fail("a length field damaged in record 6 of 20 was taken for a "
                    "torn tail: the server started with keys %r (records 7-20, "
                    "all intact, were dropped)\n%s" % (probed, out),
                    pytrace=False)
    assert_refused(status, out, name)


@pytest.mark.parametrize("damage", ["flip-middle", "flip-checksum",
                                    "truncate-tail", "truncate-half",
                                    "bad-magic", "empty"])
def test_damaged_snapshot_refuses_start(nodes, damage):
    node = nodes()
    node.start()
    with node.conn() as c:
        populate(c, dbs=(0, 1), per_db=100)
        call_ok(c, "SAVE")
    node.kill9()
    path = node.path("dump.cachet")
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        if damage == "flip-middle":
            f.seek(size // 3)
            b = f.read(1)
            f.seek(size // 3)
            f.write(bytes([b[0] ^ 0x01]))
        elif damage == "flip-checksum":
            f.seek(size - 3)
            b = f.read(1)
            f.seek(size - 3)
            f.write(bytes([b[0] ^ 0x80]))
        elif damage == "truncate-tail":
            f.truncate(size - 5)
        elif damage == "truncate-half":
            f.truncate(size // 2)
        elif damage == "bad-magic":
            f.write(b"CACHETSNAQ")
        else:
            f.truncate(0)
    status, out, _ = node.start_fail()
    assert_refused(status, out, "dump.cachet")


def test_damaged_aof_base_refuses_start(nodes):
    node = nodes(appendonly="yes")
    node.start()
    with node.conn() as c:
        populate(c, dbs=(0,), per_db=100)
        assert c.call("BGREWRITEAOF")[0] == "simple"
        wait_children_done(c)
    node.kill9()
    base = read_manifest(node)["base"]
    path = node.path("appendonlydir", base)
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.seek(size // 2)
        b = f.read(1)
        f.seek(size // 2)
        f.write(bytes([b[0] ^ 0x10]))
    status, out, _ = node.start_fail()
    assert_refused(status, out, base)


@pytest.mark.parametrize("damage", ["garbage", "empty", "bad-seq",
                                    "missing-incr", "missing-base",
                                    "unknown-entry"])
def test_damaged_manifest_refuses_start(nodes, damage):
    node = nodes(appendonly="yes")
    node.start()
    with node.conn() as c:
        call_ok(c, "SET", "a", "1")
    node.kill9()
    mpath = node.path("appendonlydir", "appendonly.manifest")
    m = read_manifest(node)
    needle = "appendonly.manifest"
    if damage == "garbage":
        text = "\x00\x01garbage \xff\nseq ???\n"
    elif damage == "empty":
        text = ""
    elif damage == "bad-seq":
        text = "cachet-aof-manifest 1\nseq notanumber\nbase %s\nincr %s\n" % (
            m["base"], m["incr"][0])
    elif damage == "missing-incr":
        text = "cachet-aof-manifest 1\nseq %s\nbase %s\nincr %s\nincr nope.incr.log\n" % (
            m["seq"], m["base"], m["incr"][0])
        needle = "nope.incr.log"
    elif damage == "missing-base":
        text = "cachet-aof-manifest 1\nseq %s\nbase nope.base.snap\nincr %s\n" % (
            m["seq"], m["incr"][0])
        needle = "nope.base.snap"
    else:
        text = "cachet-aof-manifest 1\nseq %s\nbase %s\nincr %s\nfrobnicate x\n" % (
            m["seq"], m["base"], m["incr"][0])
    with open(mpath, "w", encoding="latin-1") as f:
        f.write(text)
    status, out, _ = node.start_fail()
    assert_refused(status, out, needle)


def test_database_out_of_range_refuses_start(nodes):
    node = nodes()
    node.start()
    with node.conn() as c:
        call_ok(c, "SELECT", 12)
        call_ok(c, "SET", "in12", "x")
        call_ok(c, "SAVE")
    node.kill9()
    status, out, _ = node.start_fail(databases="4")
    assert_refused(status, out, "dump.cachet")
    node.start()
    with node.conn() as c:
        call_ok(c, "SELECT", 12)
        assert c.call("GET", "in12") == ("bulk", b"x")


# -- write errors (an immutable file/directory makes writes fail with EPERM) --


class Immutable:
    """chattr +i on a path for the duration of a with-block (skips the test
    where chattr is not available or not permitted)."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        try:
            p = subprocess.run(["chattr", "+i", self.path], capture_output=True,
                               timeout=10)
        except (OSError, subprocess.TimeoutExpired) as e:
            pytest.skip("chattr not usable: %r" % (e,))
        if p.returncode != 0:
            pytest.skip("chattr +i not permitted here: %s" % p.stderr.decode())
        return self

    def release(self):
        subprocess.run(["chattr", "-i", self.path], capture_output=True,
                       timeout=10)

    def __exit__(self, *exc):
        self.release()


def test_log_write_error_with_appendfsync_always_is_not_acknowledged(nodes):
    """With appendfsync always a write is acknowledged only once it is in the
    log on disk. If the log cannot be written, the client must not get OK
    (Redis exits: "Can't recover from AOF write error when the AOF fsync
    policy is 'always'")."""
    node = nodes(appendonly="yes", appendfsync="always")
    node.start()
    _, path = last_incr(node)
    with node.conn() as c:
        call_ok(c, "SET", "before", "1")
        with Immutable(path):
            try:
                r = c.call("SET", "during", "2")
            except (ConnectionClosed, OSError):
                r = ("closed",)
    assert r != OK, ("SET was acknowledged with OK although the append-only "
                     "log write failed (appendfsync always)")
    if node.srv.alive():
        node.kill9()
    else:
        node.srv.stopped = True


def test_log_write_error_everysec_refuses_writes_then_recovers(nodes):
    node = nodes(appendonly="yes", appendfsync="everysec")
    node.start()
    _, path = last_incr(node)
    acked = {}
    with node.conn() as c:
        call_ok(c, "SET", "before", "1")
        acked["before"] = b"1"
        with Immutable(path) as imm:
            r = c.call("SET", "during-1", "x")
            if r == OK:
                acked["during-1"] = b"x"
            r = c.call("SET", "during-2", "y")
            assert r[0] == "error" and r[1].startswith(b"MISCONF"), r
            assert info(c)["aof_last_write_status"] == "err"
            assert c.call("GET", "before") == ("bulk", b"1")  # reads still work
            imm.release()
            n = [0]

            def accepted():
                n[0] += 1
                key = "after-%d" % n[0]
                if c.call("SET", key, "z") == OK:
                    acked[key] = b"z"
                    return True
                return False
            wait_until(accepted, 5, "writes to be accepted again")
        assert info(c)["aof_last_write_status"] == "ok"
    node.kill9()
    node.start()
    with node.conn() as c:
        keys = sorted(acked)
        r = c.call("MGET", *keys)
        got = {k: v[1] if v[0] == "bulk" else None for k, v in zip(keys, r[1])}
        assert got == acked, "acknowledged writes after a log write error"


@pytest.mark.parametrize("kind", ["cachet", "redis"])
def test_shutdown_refused_when_final_save_fails(nodes, kind):
    """Redis 7 does not exit when the final snapshot cannot be written
    (SHUTDOWN replies an error; the data stays in memory)."""
    node = nodes(save="3600 1", redis=kind == "redis")
    node.start()
    with node.conn() as c:
        call_ok(c, "SET", "precious", "1")
    with Immutable(node.dir):
        with node.conn() as c:
            c.send("SHUTDOWN")
            try:
                r = c.read_reply()
            except ConnectionClosed:
                r = ("closed",)
        time.sleep(0.3)
        alive = node.srv.alive()
    if not alive:
        node.srv.stopped = True
    assert alive and r[0] == "error", (
        "SHUTDOWN with a final save that fails: reply %r, server %s\n%s"
        % (r, "alive" if alive else "exited (data lost)", node.log()))
    node.shutdown()
    node.start()
    with node.conn() as c:
        assert c.call("GET", "precious") == ("bulk", b"1")


# --------------------------------------------------------------------------
# 4. CONFIG SET appendonly / appendfsync


def test_config_set_appendonly_yes_at_runtime(nodes):
    node = nodes()
    node.start()
    manifest = node.path("appendonlydir", "appendonly.manifest")
    with node.conn() as c:
        populate(c, dbs=(0, 5))
        assert info(c)["aof_enabled"] == "0"
        call_ok(c, "CONFIG", "SET", "appendonly", "yes")
        call_ok(c, "SET", "right-after-enable", "1")  # before the base is done
        wait_until(lambda: os.path.exists(manifest), 5, "the manifest")
        wait_children_done(c)
        i = info(c)
        assert i["aof_enabled"] == "1" and i["aof_last_bgrewrite_status"] == "ok", i
        call_ok(c, "SET", "after-enable", "2")
        call_ok(c, "CONFIG", "SET", "appendfsync", "always")
        assert c.call("CONFIG", "GET", "appendfsync") == (
            "array", (("bulk", b"appendfsync"), ("bulk", b"always")))
        call_ok(c, "SET", "after-always", "3")
        assert c.call("CONFIG", "SET", "appendfsync", "sometimes")[0] == "error"
        before = timed_dump(c)
    node.kill9()
    node.start(appendonly="yes")
    with node.conn() as c:
        compare_states(before, timed_dump(c), context="CONFIG SET appendonly yes: ")


def test_config_set_appendonly_toggle_off_and_on(nodes):
    node = nodes(appendonly="yes")
    node.start()
    with node.conn() as c:
        call_ok(c, "SET", "first", "1")
        seq1 = read_manifest(node)["seq"]
        call_ok(c, "CONFIG", "SET", "appendonly", "no")
        assert info(c)["aof_enabled"] == "0"
        call_ok(c, "SET", "while-off", "2")
        call_ok(c, "CONFIG", "SET", "appendonly", "yes")
        call_ok(c, "SET", "on-again", "3")
        wait_until(lambda: read_manifest(node)["seq"] != seq1, 5,
                   "a new manifest after re-enabling")
        wait_children_done(c)
        assert info(c)["aof_enabled"] == "1"
        call_ok(c, "SET", "later", "4")
        before = timed_dump(c)
    node.kill9()
    node.start()
    with node.conn() as c:
        compare_states(before, timed_dump(c), context="appendonly no -> yes: ")


# --------------------------------------------------------------------------
# 5. INFO persistence


def test_info_persistence_fields(nodes):
    node = nodes()
    node.start()
    with node.conn() as c:
        i = info(c)
        for f in ("rdb_changes_since_last_save", "rdb_bgsave_in_progress",
                  "rdb_last_save_time", "rdb_last_bgsave_status", "rdb_saves",
                  "aof_enabled", "aof_rewrite_in_progress", "aof_rewrites",
                  "aof_last_bgrewrite_status", "latest_fork_usec",
                  "cachet_snapshot_stall_usec", "cachet_snapshot_extra_memory",
                  "cachet_loading_usec"):
            assert f in i, (f, i)
        assert i["aof_enabled"] == "0" and i["rdb_saves"] == "0", i
        assert i["latest_fork_usec"] == "0", i
        populate(c, dbs=(0,), per_db=30)
        i = info(c)
        assert int(i["rdb_changes_since_last_save"]) >= 30, i
        assert c.call("BGSAVE") == ("simple", b"Background saving started")
        i = wait_children_done(c)
        assert i["rdb_saves"] == "1" and i["rdb_changes_since_last_save"] == "0", i
        assert i["rdb_last_bgsave_status"] == "ok", i
        assert int(i["latest_fork_usec"]) > 0, i
        assert int(i["cachet_snapshot_stall_usec"]) > 0, i
        assert int(i["cachet_snapshot_extra_memory"]) >= 0, i
        assert abs(int(i["rdb_last_save_time"]) - time.time()) < 5, i
        call_ok(c, "SET", "x", "1")
        call_ok(c, "SET", "x", "2")
        assert info(c)["rdb_changes_since_last_save"] == "2"
        call_ok(c, "SAVE")
        i = info(c)
        assert i["rdb_saves"] == "2" and i["rdb_changes_since_last_save"] == "0", i
        call_ok(c, "CONFIG", "SET", "appendonly", "yes")
        i = wait_children_done(c)
        assert i["aof_enabled"] == "1", i
        rewrites = int(i["aof_rewrites"])
        assert c.call("BGREWRITEAOF") == (
            "simple", b"Background append only file rewriting started")
        i = wait_children_done(c)
        assert int(i["aof_rewrites"]) == rewrites + 1, i
        assert i["aof_last_bgrewrite_status"] == "ok", i
        assert int(i["aof_base_size"]) > 0, i
        size = int(i["aof_current_size"])
        call_ok(c, "SET", "grow", "y" * 1000)
        assert int(info(c)["aof_current_size"]) >= size + 1000
    node.kill9()
    node.start(appendonly="yes")
    with node.conn() as c:
        i = info(c)
        assert int(i["cachet_loading_usec"]) > 0, i
        assert i["aof_enabled"] == "1", i
        assert c.call("DBSIZE")[1] >= 31


# --------------------------------------------------------------------------
# 6. error replies


def test_persistence_command_replies(nodes):
    node = nodes()
    node.start()
    with node.conn() as c:
        r = c.call("BGREWRITEAOF")
        assert r[0] == "error", "BGREWRITEAOF with appendonly no: %r" % (r,)
        first = c.call("LASTSAVE")
        assert first[0] == "int" and abs(first[1] - time.time()) < 5, first
        time.sleep(1.05)
        call_ok(c, "SET", "a", "1")
        call_ok(c, "SAVE")
        second = c.call("LASTSAVE")
        assert second[0] == "int" and second[1] > first[1], (first, second)
        assert c.call("BGSAVE", "NOW")[0] == "error"
        assert c.call("BGSAVE", "SCHEDULE", "X")[0] == "error"


@pytest.mark.parametrize("kind", ["cachet", "redis"])
def test_child_conflict_replies(nodes, kind):
    """Sent in one pipeline right after BGREWRITEAOF / BGSAVE, while the fork
    child certainly still runs (it is reaped on a later cron tick). The
    'redis' run checks the expected texts against redis-server."""
    node = nodes(appendonly="yes", redis=kind == "redis")
    node.start()
    with node.conn() as c:
        populate(c, dbs=(0,), per_db=3000)
        replies = pipeline(c, [("BGREWRITEAOF",), ("BGSAVE",),
                               ("BGREWRITEAOF",), ("BGSAVE", "SCHEDULE")])
        assert replies == [
            ("simple", b"Background append only file rewriting started"),
            ("error", b"ERR Another child process is active (AOF?): can't "
                      b"BGSAVE right now. Use BGSAVE SCHEDULE in order to "
                      b"schedule a BGSAVE whenever possible."),
            ("error", b"ERR Background append only file rewriting already in "
                      b"progress"),
            ("simple", b"Background saving scheduled"),
        ], replies
        # The scheduled BGSAVE runs after the rewrite.
        wait_until(lambda: info(c)["rdb_saves"] == "1", 10, "scheduled BGSAVE")
        wait_children_done(c)
        replies = pipeline(c, [("BGSAVE",), ("BGSAVE",), ("SAVE",),
                               ("BGREWRITEAOF",)])
        assert replies == [
            ("simple", b"Background saving started"),
            ("error", b"ERR Background save already in progress"),
            ("error", b"ERR Background save already in progress"),
            ("simple", b"Background append only file rewriting scheduled"),
        ], replies
        i = wait_children_done(c)
        assert i["rdb_saves"] == "2" and int(i["aof_rewrites"]) >= 2, i


@pytest.mark.parametrize("kind", ["cachet", "redis"])
def test_save_while_rewrite_runs(nodes, kind):
    """Redis runs SAVE even while an append-only rewrite child is active
    (it refuses only during a BGSAVE)."""
    node = nodes(appendonly="yes", redis=kind == "redis")
    node.start()
    with node.conn() as c:
        populate(c, dbs=(0,), per_db=3000)
        replies = pipeline(c, [("BGREWRITEAOF",), ("SAVE",)])
        assert replies == [
            ("simple", b"Background append only file rewriting started"), OK,
        ], replies
        wait_children_done(c)


@pytest.mark.parametrize("kind", ["cachet", "redis"])
def test_flushall_with_save_rules_persists_the_empty_dataset(nodes, kind):
    """Redis: with save points configured, FLUSHALL also saves (an empty
    snapshot), so a crash after FLUSHALL does not bring the data back."""
    node = nodes(save="3600 1", redis=kind == "redis")
    node.start()
    with node.conn() as c:
        populate(c, dbs=(0, 2), per_db=20)
        call_ok(c, "SAVE")
        call_ok(c, "FLUSHALL")
    time.sleep(0.2)
    node.kill9()
    node.start()
    with node.conn() as c:
        assert c.call("DBSIZE") == ("int", 0), (
            "keys flushed by FLUSHALL are back after kill -9 + restart: %r"
            % (dump_state(c, dbs=(0,)).keys(),))


def test_config_set_dir(nodes, tmp_path):
    """CONFIG SET dir must either be refused (Redis 7: protected config) or
    take effect: a SAVE afterwards writes into the new directory, and a
    directory that does not exist is refused."""
    node = nodes()
    node.start()
    other = str(tmp_path / "other-dir")
    os.makedirs(other)
    with node.conn() as c:
        call_ok(c, "SET", "a", "1")
        r = c.call("CONFIG", "SET", "dir", str(tmp_path / "does-not-exist"))
        assert r[0] == "error", "CONFIG SET dir <missing directory> -> %r" % (r,)
        r = c.call("CONFIG", "SET", "dir", other)
        if r == OK:
            got = c.call("CONFIG", "GET", "dir")
            assert got == ("array", (("bulk", b"dir"), ("bulk", other.encode()))), got
            call_ok(c, "SAVE")
            assert os.path.isfile(os.path.join(other, "dump.cachet")), (
                "CONFIG SET dir %s replied OK but SAVE wrote to %r, not to the "
                "new dir %r" % (other, os.listdir(node.dir), os.listdir(other)))
        else:
            assert r[0] == "error", r
            call_ok(c, "SAVE")
            assert os.path.isfile(node.path("dump.cachet"))


def test_save_rule_triggers_background_save(nodes):
    node = nodes(save="1 1")
    node.start()
    with node.conn() as c:
        call_ok(c, "SET", "ruled", "1")
        wait_until(lambda: info(c)["rdb_saves"] == "1", 5,
                   "a BGSAVE from the save rule 1 1")
        i = wait_children_done(c)
        assert i["rdb_changes_since_last_save"] == "0", i
        assert os.path.isfile(node.path("dump.cachet"))
    node.kill9()
    node.start(save="")
    with node.conn() as c:
        assert c.call("GET", "ruled") == ("bulk", b"1")


def test_custom_file_names(nodes):
    node = nodes(dbfilename="mine.snap", appenddirname="mylog")
    node.start()
    with node.conn() as c:
        call_ok(c, "SET", "a", "1")
        call_ok(c, "SAVE")
        call_ok(c, "CONFIG", "SET", "appendonly", "yes")
        wait_until(lambda: os.path.isfile(node.path("mylog", "appendonly.manifest")),
                   5, "mylog/appendonly.manifest")
        wait_children_done(c)
        call_ok(c, "SET", "b", "2")
    assert os.path.isfile(node.path("mine.snap"))
    assert not os.path.exists(node.path("dump.cachet"))
    assert not os.path.exists(node.path("appendonlydir"))
    node.kill9()
    node.start(appendonly="yes")
    with node.conn() as c:
        assert c.call("MGET", "a", "b") == ("array", (("bulk", b"1"), ("bulk", b"2")))
    node.kill9()
    node.start()  # appendonly no: the snapshot, which has only "a"
    with node.conn() as c:
        assert c.call("MGET", "a", "b") == ("array", (("bulk", b"1"), ("nil",)))
