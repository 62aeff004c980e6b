"""Black-box tests of transactions: MULTI EXEC DISCARD WATCH UNWATCH.

1. Differential: scripted sessions (one or two connections) run against a real
   redis-server and cachet, RESP2 and RESP3, raw replies compared exactly
   (HELLO and CLIENT LIST replies normalised); plus random interleaved
   MULTI/WATCH sessions on two connections (seeds from CACHET_DIFF_SEED,
   sequence i uses BASE+i; CACHET_TX_SEQS sets how many, default 6).
2. cachet only: eviction of a watched key, atomicity of EXEC against
   concurrent readers and WATCH-based increments (--threads 2), and the
   append-only log: MULTI/EXEC
   records, replay after kill -9, a transaction cut before its EXEC.
"""

import os
import random
import threading
import time

import pytest

from conftest import ServerFactory, cachet_is_redis
from resp import ConnectionClosed, encode_command
from test_persistence import (call_ok, last_incr, nodes, parse_log,  # noqa: F401
                              assert_refused)

OK = ("simple", b"OK")
QUEUED = ("simple", b"QUEUED")
BASE_SEED = int(os.environ["CACHET_DIFF_SEED"])
N_RANDOM = int(os.environ.get("CACHET_TX_SEQS", "6"))
RANDOM_SEEDS = [BASE_SEED + i for i in range(N_RANDOM)]

# --------------------------------------------------------------------------
# reply normalisation


def _norm_hello(r):
    """HELLO's reply: keep the keys and proto/mode/role/modules."""
    if r[0] == "map":
        pairs = list(r[1])
    elif r[0] == "array" and len(r[1]) >= 2 and r[1][0] == ("bulk", b"server"):
        pairs = list(zip(r[1][0::2], r[1][1::2]))
    else:
        return r
    keep = (b"proto", b"mode", b"role", b"modules")
    return ("hello", r[0], tuple((k, v if k[1] in keep else v[0])
                                 for k, v in pairs))


def _norm_client_list(r):
    """CLIENT LIST: (name, flags, multi) of the clients named c*."""
    if r[0] not in ("bulk", "verbatim"):
        return r
    text = r[1][4:] if r[0] == "verbatim" else r[1]
    rows = []
    for line in text.decode().splitlines():
        f = dict(kv.split("=", 1) for kv in line.split(" ") if "=" in kv)
        if f.get("name", "").startswith("c"):
            rows.append((f["name"], f.get("flags"), f.get("multi")))
    return ("clients", r[0], tuple(sorted(rows)))


def normalise(args, r):
    name = args[0].upper()
    if name == "HELLO":
        return _norm_hello(r)
    if name == "CLIENT" and len(args) > 1 and args[1].upper() == "LIST":
        return _norm_client_list(r)
    return r


def normalise_exec(queued, r):
    """EXEC's reply: each element normalised like the queued command."""
    if r[0] != "array" or len(r[1]) != len(queued):
        return r
    return ("array", tuple(normalise(q, x) for q, x in zip(queued, r[1])))


# --------------------------------------------------------------------------
# running a session on one server


class Session:
    """Connections a, b of one server, each remembering what it queued so
    that the EXEC reply can be normalised."""

    def __init__(self, srv, proto):
        self.srv = srv
        self.proto = proto
        self.conns = {}
        self.queued = {}
        self.out = []

    def conn(self, name):
        if name not in self.conns:
            c = self.srv.conn(timeout=3.0)
            if self.proto == 3:
                assert c.call("HELLO", "3")[0] == "map"
            self.conns[name] = c
            self.queued[name] = None
        return self.conns[name]

    def read(self, name, args):
        try:
            r = self.conn(name).read_reply()
        except ConnectionClosed:
            return ("closed",)
        except OSError as e:
            return ("io-error", type(e).__name__)
        cmd = args[0].upper() if args else ""
        if cmd == "EXEC" and self.queued[name] is not None:
            r = normalise_exec(self.queued[name], r)
        elif args:
            r = normalise(args, r)
        # Track the transaction from the replies (the server is the judge).
        if cmd == "MULTI" and r == OK:
            self.queued[name] = []
        elif r == QUEUED and self.queued[name] is not None:
            self.queued[name].append(args)
        elif cmd in ("EXEC", "DISCARD", "RESET"):
            self.queued[name] = None
        return r

    def step(self, st):
        who, args = st[0], list(st[1:])
        if who == "sleep":
            time.sleep(args[0])
            return
        if who.endswith("|"):  # pipeline: send all, then read every reply
            cmds = args[0]
            self.conn(who[0]).send_raw(b"".join(encode_command(c) for c in cmds))
            for c in cmds:
                self.out.append((who, " ".join(c), self.read(who[0], list(c))))
            return
        if who.endswith("<"):  # read a pushed reply only
            self.out.append((who, "<read>", self.read(who[0], [])))
            return
        try:
            self.conn(who).send(*args)
        except OSError as e:
            self.out.append((who, " ".join(map(str, args)),
                             ("send-error", type(e).__name__)))
            return
        self.out.append((who, " ".join(map(str, args)), self.read(who, args)))

    def close(self):
        for c in self.conns.values():
            c.close()


def reset_server(srv):
    with srv.conn() as c:
        for cmd in (("CONFIG", "SET", "maxmemory", "0"),
                    ("CONFIG", "SET", "maxmemory-policy", "noeviction"),
                    ("FLUSHALL",)):
            assert c.call(*cmd) == OK, cmd


def run_session(srv, proto, steps):
    reset_server(srv)
    s = Session(srv, proto)
    try:
        for st in steps:
            s.step(st)
    finally:
        s.close()
    return s.out


def compare_runs(label, rout, cout):
    for i, (r, c) in enumerate(zip(rout, cout)):
        if r != c:
            ctx = "\n".join("   %s %s -> %r" % x for x in rout[max(0, i - 8):i])
            raise AssertionError(
                "%s: step #%d %s %s\n  redis : %r\n  cachet: %r\n  before "
                "(redis):\n%s" % (label, i, r[0], r[1], r[2], c[2], ctx))
    assert len(rout) == len(cout)


# --------------------------------------------------------------------------
# the scripted sessions: (connection, command...) steps; ("a<",) reads a
# pushed message on a; ("a|", [commands]) pipelines them; ("sleep", s).

M = ("a", "MULTI")
X = ("a", "EXEC")

SESSIONS = {
    "mixed-types": [
        M, ("a", "SET", "s", "1"), ("a", "INCR", "s"), ("a", "APPEND", "s", "0"),
        ("a", "LPUSH", "l", "x", "y"), ("a", "LRANGE", "l", "0", "-1"),
        ("a", "HSET", "h", "f", "v", "g", "w"), ("a", "HGETALL", "h"),
        ("a", "SADD", "st", "m"), ("a", "SMEMBERS", "st"),
        ("a", "ZADD", "z", "1", "a", "2.5", "b"),
        ("a", "ZRANGE", "z", "0", "-1", "WITHSCORES"), ("a", "ZSCORE", "z", "b"),
        ("a", "INCRBYFLOAT", "s", "1.5"), ("a", "EXISTS", "s", "l", "nope"),
        ("a", "GET", "nope"), X, ("a", "GET", "s"), ("a", "TYPE", "z")],
    "runtime-errors-do-not-abort": [
        ("a", "SET", "s", "x"), M, ("a", "INCR", "s"), ("a", "LPUSH", "s", "a"),
        ("a", "SET", "t", "1"), ("a", "INCR", "t"), ("a", "HSET", "s", "f", "v"),
        ("a", "ZADD", "s", "1", "m"), ("a", "SADD", "t", "m"),
        ("a", "GET", "t"), X, ("a", "GET", "t"), ("a", "GET", "s")],
    "empty-exec-and-discard": [
        M, X, M, ("a", "SET", "k", "v"), ("a", "DISCARD"), ("a", "DISCARD"),
        ("a", "GET", "k"), ("a", "EXEC")],
    "nested-multi": [
        M, ("a", "SET", "a", "1"), ("a", "MULTI"), ("a", "INCR", "a"), X,
        ("a", "GET", "a")],
    "watch-inside-multi": [
        M, ("a", "WATCH", "x"), ("a", "SET", "x", "1"), ("b", "SET", "x", "2"),
        X, ("a", "GET", "x")],
    "exec-discard-without-multi": [
        ("a", "EXEC"), ("a", "DISCARD"), ("a", "UNWATCH"), ("a", "WATCH")],
    "unknown-command-aborts": [
        M, ("a", "SET", "a", "1"), ("a", "FOO", "bar", "baz"),
        ("a", "SET", "b", "2"), X, ("a", "MGET", "a", "b"), X],
    "wrong-arity-aborts": [
        M, ("a", "SET", "a", "1"), ("a", "GET"), X, ("a", "GET", "a")],
    "unknown-subcommand-aborts": [
        M, ("a", "CLIENT", "NOPE"), ("a", "SET", "a", "1"), X,
        M, ("a", "OBJECT", "NOPE", "x"), X,
        M, ("a", "CONFIG", "GET"), X, ("a", "GET", "a")],
    "exec-with-args": [
        M, ("a", "SET", "a", "1"), ("a", "EXEC", "foo"), ("a", "EXEC"),
        ("a", "GET", "a")],
    "not-allowed-in-multi": [
        M, ("a", "SET", "a", "1"), ("a", "SHUTDOWN"), ("a", "SET", "b", "1"), X,
        M, ("a", "SAVE"), X, M, ("a", "SHUTDOWN", "NOSAVE"), ("a", "DISCARD"),
        ("a", "DBSIZE")],
    "monitor-inside-exec": [
        M, ("a", "MONITOR"), ("a", "SET", "a", "1"), X, ("a", "GET", "a"),
        ("b", "SET", "b", "1"), ("a", "PING")],
    "hello-inside-exec": [
        ("a", "HSET", "h", "f", "v"), ("a", "ZADD", "z", "1.5", "m"), M,
        ("a", "HGETALL", "h"), ("a", "HELLO", "3"), ("a", "HGETALL", "h"),
        ("a", "ZSCORE", "z", "m"), ("a", "GET", "nope"), X,
        ("a", "HGETALL", "h"), M, ("a", "HELLO", "2"), ("a", "GET", "nope"),
        ("a", "HGETALL", "h"), X, ("a", "GET", "nope")],
    "reset-inside-multi": [
        ("a", "WATCH", "w"), M, ("a", "SET", "a", "1"), ("a", "RESET"), X,
        ("a", "GET", "a"), ("a", "SET", "w", "1"), M, ("a", "GET", "w"), X],
    "quit-inside-multi": [
        M, ("a", "SET", "a", "1"), ("a", "QUIT"), ("a", "PING"),
        ("b", "GET", "a")],
    "subscribe-inside-multi": [
        M, ("a", "SUBSCRIBE", "ch"), ("a", "PING"), X,
        ("b", "PUBLISH", "ch", "hi"), ("a<",), ("a", "PING"),
        ("a", "UNSUBSCRIBE"), ("a", "PING")],
    "watch-own-write": [
        ("a", "WATCH", "k"), ("a", "SET", "k", "1"), M, ("a", "GET", "k"),
        ("a", "SET", "k", "2"), X, ("a", "GET", "k"), M, ("a", "GET", "k"), X],
    "watch-unwatch-write": [
        ("a", "WATCH", "k", "j"), ("a", "SET", "k", "1"), ("a", "UNWATCH"), M,
        ("a", "INCR", "k"), X],
    "watch-other-connection-writes": [
        ("a", "SET", "k", "0"), ("a", "WATCH", "k"), ("b", "GET", "k"),
        ("b", "SET", "other", "1"), M, ("a", "INCR", "k"), X,
        ("a", "WATCH", "k"), ("b", "SET", "k", "1"), M, ("a", "INCR", "k"), X,
        ("a", "GET", "k"),
        ("a", "WATCH", "k"), ("b", "SET", "k", "1"), M, ("a", "INCR", "k"), X,
        ("a", "WATCH", "k", "m"), ("b", "DEL", "m"), ("b", "LPOP", "m"),
        ("b", "EXPIRE", "m", "100"), M, ("a", "INCR", "k"), X,
        ("a", "WATCH", "k"), ("b", "EXPIRE", "k", "100"), M, ("a", "GET", "k"), X],
    "watch-other-db": [
        ("a", "WATCH", "k"), ("b", "SELECT", "1"), ("b", "SET", "k", "1"), M,
        ("a", "SET", "k", "x"), X, ("a", "SELECT", "1"), ("a", "WATCH", "k"),
        ("b", "SET", "k", "2"), M, ("a", "GET", "k"), X],
    "select-inside-multi": [
        M, ("a", "SELECT", "1"), ("a", "SET", "k", "1"), X, ("a", "GET", "k"),
        ("a", "SELECT", "0"), ("a", "GET", "k")],
    "discard-unwatches": [
        ("a", "WATCH", "k"), M, ("a", "DISCARD"), ("b", "SET", "k", "1"), M,
        ("a", "SET", "k", "2"), X, ("a", "GET", "k")],
    "unwatch-queued": [
        ("a", "WATCH", "k"), M, ("a", "UNWATCH"), ("a", "SET", "k", "1"), X,
        ("b", "SET", "k", "9"), M, ("a", "GET", "k"), X],
    "watch-already-expired-del": [
        ("a", "SET", "e", "v", "PX", "1"), ("sleep", 0.02), ("a", "WATCH", "e"),
        ("b", "DEL", "e"), M, ("a", "SET", "x", "1"), X],
    "watch-already-expired-lazy": [
        ("a", "SET", "e", "v", "PX", "1"), ("sleep", 0.02), ("a", "WATCH", "e"),
        ("b", "GET", "e"), ("b", "EXISTS", "e"), M, ("a", "SET", "x", "1"), X],
    "watch-already-expired-untouched": [
        ("a", "SET", "e", "v", "PX", "1"), ("sleep", 0.02), ("a", "WATCH", "e"),
        M, ("a", "SET", "x", "1"), X],
    "watch-already-expired-then-set": [
        ("a", "SET", "e", "v", "PX", "1"), ("sleep", 0.02), ("a", "WATCH", "e"),
        ("b", "SET", "e", "new"), M, ("a", "SET", "x", "1"), X],
    "watch-key-expires-before-exec": [
        ("a", "SET", "e", "v", "PX", "60"), ("a", "WATCH", "e"),
        ("sleep", 0.15), M, ("a", "SET", "x", "1"), X, ("a", "GET", "x")],
    "watch-key-expires-and-read-before-exec": [
        ("a", "SET", "e", "v", "PX", "60"), ("a", "WATCH", "e"),
        ("sleep", 0.15), ("b", "GET", "e"), M, ("a", "SET", "x", "1"), X],
    "oom-while-queueing": [
        ("b", "CONFIG", "SET", "maxmemory", "1"), M, ("a", "SET", "k", "v"),
        ("a", "GET", "k"), X, ("a", "GET", "k"), ("a", "DISCARD"),
        ("b", "CONFIG", "SET", "maxmemory", "0"), ("a", "GET", "k")],
    "oom-other-commands-in-multi": [
        ("b", "CONFIG", "SET", "maxmemory", "1"), M, ("a", "PING"),
        ("a", "WATCH", "k"), ("a", "MULTI"), ("a", "SAVE"), ("a", "DISCARD"),
        M, ("a", "UNWATCH"), ("a", "RESET"), M, X,
        ("b", "CONFIG", "SET", "maxmemory", "0")],
    "oom-at-exec": [
        M, ("a", "SET", "k", "v"), ("a", "GET", "k"),
        ("b", "CONFIG", "SET", "maxmemory", "1"), X, ("a", "EXEC"),
        M, ("a", "GET", "k"), X,
        ("b", "CONFIG", "SET", "maxmemory", "0"), ("a", "GET", "k")],
    "client-list-flags": [
        ("a", "CLIENT", "SETNAME", "ca"), ("b", "CLIENT", "SETNAME", "cb"),
        ("b", "CLIENT", "LIST"), M, ("b", "CLIENT", "LIST"),
        ("a", "SET", "k", "v"), ("a", "GET", "k"), ("b", "CLIENT", "LIST"),
        ("a", "CLIENT", "LIST"), X, ("b", "CLIENT", "LIST"),
        ("a", "WATCH", "k"), ("b", "CLIENT", "LIST"), M, ("a", "FOO"),
        ("b", "CLIENT", "LIST"), X, ("b", "CLIENT", "LIST")],
    "flushall-watched": [
        ("a", "SET", "k", "1"), ("a", "WATCH", "k"), ("b", "FLUSHALL"), M,
        ("a", "PING"), X, ("a", "WATCH", "missing"), ("b", "FLUSHALL"), M,
        ("a", "PING"), X],
    "flushdb-watched": [
        ("a", "SET", "k", "1"), ("a", "WATCH", "k"), ("b", "SELECT", "1"),
        ("b", "FLUSHDB"), M, ("a", "PING"), X, ("a", "WATCH", "k"),
        ("b", "SELECT", "0"), ("b", "FLUSHDB"), M, ("a", "PING"), X,
        ("a", "WATCH", "k"), ("b", "FLUSHDB"), M, ("a", "PING"), X],
    "swapdb-watched": [
        ("b", "SELECT", "1"), ("b", "SET", "x", "1"), ("a", "WATCH", "x"),
        ("b", "SWAPDB", "0", "1"), M, ("a", "GET", "x"), X,
        ("a", "WATCH", "nowhere"), ("b", "SWAPDB", "0", "1"), M, ("a", "PING"), X,
        ("a", "WATCH", "x"), ("b", "SWAPDB", "0", "2"), M, ("a", "GET", "x"), X,
        ("a", "SELECT", "1"), ("a", "WATCH", "x"), ("b", "SWAPDB", "2", "3"), M,
        ("a", "PING"), X],
    "swapdb-expired-watched": [
        ("a", "SET", "x", "v", "PX", "1"), ("sleep", 0.02), ("a", "WATCH", "x"),
        ("b", "SWAPDB", "0", "1"), M, ("a", "PING"), X],
    "rename-watched": [
        ("a", "SET", "src", "v"), ("a", "WATCH", "dst"),
        ("b", "RENAME", "src", "dst"), M, ("a", "GET", "dst"), X,
        ("a", "WATCH", "dst"), ("b", "RENAME", "dst", "other"), M,
        ("a", "GET", "other"), X, ("a", "WATCH", "x"),
        ("b", "COPY", "other", "x"), M, ("a", "GET", "x"), X,
        ("a", "WATCH", "y"), ("b", "RENAME", "nope", "y"), M, ("a", "PING"), X],
    "keyspace-commands-inside-exec": [
        M, ("a", "SET", "a", "1"), ("a", "KEYS", "*"), ("a", "DBSIZE"),
        ("a", "SCAN", "0"), ("a", "RANDOMKEY"), ("a", "COPY", "a", "a", "DB", "1"),
        ("a", "COPY", "a", "b"), ("a", "SET", "b", "2"),
        ("a", "COPY", "b", "c", "DB", "2"), ("a", "MSETNX", "x", "1", "y", "2"),
        ("a", "RENAME", "x", "z"), ("a", "SINTERSTORE", "s", "x", "y"),
        ("a", "LPUSH", "l", "3", "1", "2"), ("a", "LRANGE", "l", "0", "-1"),
        ("a", "LMOVE", "l", "l2", "LEFT", "RIGHT"), ("a", "SWAPDB", "0", "2"),
        ("a", "GET", "c"), ("a", "FLUSHDB"), ("a", "SELECT", "1"),
        ("a", "GET", "a"), ("a", "FLUSHALL"), ("a", "DBSIZE"), X,
        ("a", "DBSIZE"), ("a", "SELECT", "0"), ("a", "DBSIZE")],
    "publish-inside-exec": [
        ("b", "SUBSCRIBE", "ch"), M, ("a", "PUBLISH", "ch", "one"),
        ("a", "SET", "k", "v"), ("a", "PUBLISH", "ch", "two"), X, ("b<",),
        ("b<",), ("b", "PING")],
    "flushall-expired-watched": [
        ("a", "SET", "e", "v", "PX", "1"), ("sleep", 0.02), ("a", "WATCH", "e"),
        ("b", "FLUSHALL"), M, ("a", "PING"), X],
    "watch-then-own-queued-write": [
        ("a", "SET", "k", "0"), ("a", "WATCH", "k", "k"), M,
        ("a", "INCR", "k"), X, ("b", "INCR", "k"), M, ("a", "INCR", "k"), X],
    "other-connection-noop-and-failed-writes": [
        ("a", "SET", "k", "s"), ("a", "WATCH", "k"), ("b", "LPUSH", "k", "x"),
        ("b", "INCR", "k"), ("b", "SETNX", "k", "t"), ("b", "SET", "k", "u", "NX"),
        ("b", "PERSIST", "k"), ("b", "GETEX", "k"), ("b", "SETRANGE", "k", "0", ""),
        M, ("a", "GET", "k"), X] + [
        st for cmd in (("APPEND", "k", ""), ("GETEX", "k", "EX", "100"),
                       ("SET", "k", "s"), ("EXPIRE", "k", "0"))
        for st in (("a", "SET", "k", "s"), ("a", "WATCH", "k"), ("b",) + cmd,
                   M, ("a", "GET", "k"), X)],
    "auth-and-config-inside-multi": [
        M, ("a", "AUTH", "pw"), ("a", "CLIENT", "SETNAME", "cx"),
        ("a", "CLIENT", "GETNAME"), ("a", "CONFIG", "SET", "maxmemory", "0"),
        ("a", "ECHO", "e"), X],
    "pipelined-transactions": [
        ("a|", [("MULTI",)] + [("RPUSH", "l", str(i)) for i in range(300)]
         + [("LLEN", "l"), ("EXEC",), ("MULTI",), ("NOPE",), ("EXEC",),
            ("WATCH", "l"), ("RPUSH", "l", "x"), ("MULTI",), ("LLEN", "l"),
            ("EXEC",), ("LRANGE", "l", "-3", "-1")])],
    "blocking-inside-multi": [
        M, ("a", "BLPOP", "l", "0"), ("a", "LPUSH", "l", "x"),
        ("a", "BLPOP", "l", "0"), X],
}


def knows_command(srv, name):
    with srv.conn() as c:
        return c.call("COMMAND", "INFO", name) != ("array", (("nilarray",),))


@pytest.fixture(scope="module")
def server_pair(tmp_path_factory):
    root = tmp_path_factory.mktemp("tx")
    rf, cf = ServerFactory("redis", root), ServerFactory("cachet", root)
    r, c = rf(), cf()
    yield r, c
    rf.finish()
    cf.finish()


@pytest.mark.parametrize("proto", [2, 3], ids=["resp2", "resp3"])
@pytest.mark.parametrize("name", sorted(SESSIONS))
def test_session(server_pair, name, proto):
    rsrv, csrv = server_pair
    steps = SESSIONS[name]
    if name == "blocking-inside-multi" and not knows_command(csrv, "BLPOP"):
        pytest.skip("this cachet has no blocking list commands yet")
    rout = run_session(rsrv, proto, steps)
    cout = run_session(csrv, proto, steps)
    assert csrv.alive(), "cachet died\n" + csrv.log_tail()
    compare_runs("%s RESP%d" % (name, proto), rout, cout)


# --------------------------------------------------------------------------
# random interleaved transactions on two connections

RKEYS = ["k1", "k2", "k3", "k4"]


def random_data_command(rng):
    k, k2 = rng.choice(RKEYS), rng.choice(RKEYS)
    v = rng.choice(["1", "7", "x", "-3", ""])
    return rng.choice([
        ["SET", k, v], ["GET", k], ["INCR", k], ["DEL", k], ["DEL", k, k2],
        ["LPUSH", k, v], ["RPOP", k], ["LLEN", k], ["SADD", k, v],
        ["SCARD", k], ["HSET", k, "f", v], ["HGET", k, "f"],
        ["ZADD", k, rng.choice(["1", "2"]), v], ["ZCARD", k],
        ["APPEND", k, v], ["EXPIRE", k, "1000"], ["PERSIST", k], ["TTL", k],
        ["RENAME", k, k2], ["EXISTS", k, k2], ["TYPE", k], ["SETNX", k, v],
        ["MSET", k, v, k2, v], ["GETDEL", k], ["COPY", k, k2],
        ["INCRBY", k, "0"], ["LPOP", k],
        rng.choice([["FLUSHDB"], ["SWAPDB", "0", "1"], ["SELECT", "1"],
                    ["SELECT", "0"], ["PING"]])])


def random_steps(seed, count):
    rng = random.Random(seed)
    in_multi = {"a": False, "b": False}
    steps = []
    for _ in range(count):
        who = rng.choice("ab")
        r = rng.random()
        if not in_multi[who]:
            if r < 0.2:
                cmd = ["WATCH"] + rng.sample(RKEYS, rng.randint(1, 2))
            elif r < 0.25:
                cmd = ["UNWATCH"]
            elif r < 0.45:
                cmd = ["MULTI"]
                in_multi[who] = True
            elif r < 0.47:
                cmd = [rng.choice(["EXEC", "DISCARD"])]
            else:
                cmd = random_data_command(rng)
        else:
            if r < 0.2:
                cmd = ["EXEC"]
                in_multi[who] = False
            elif r < 0.25:
                cmd = ["DISCARD"]
                in_multi[who] = False
            elif r < 0.27:
                cmd = rng.choice([["NOSUCH", "x"], ["GET"], ["MULTI"],
                                  ["WATCH", "k1"], ["EXEC", "x"]])
                if cmd == ["EXEC", "x"]:
                    in_multi[who] = False
            else:
                cmd = random_data_command(rng)
        steps.append(tuple([who] + cmd))
    steps += [(w, "EXEC") for w in "ab" if in_multi[w]]
    steps += [("a", "SELECT", "0"), ("a", "KEYS", "*")]
    return steps


def sort_keys_reply(out):
    """KEYS order is arbitrary: sort the final KEYS reply."""
    who, cmd, r = out[-1]
    if r[0] in ("array", "set"):
        out[-1] = (who, cmd, (r[0], tuple(sorted(r[1]))))
    return out


@pytest.mark.parametrize("seed", RANDOM_SEEDS,
                         ids=["seed%d" % s for s in RANDOM_SEEDS])
def test_random_interleaved(server_pair, seed):
    rsrv, csrv = server_pair
    steps = random_steps(seed, 250)
    proto = 2 + seed % 2
    rout = sort_keys_reply(run_session(rsrv, proto, steps))
    cout = sort_keys_reply(run_session(csrv, proto, steps))
    compare_runs("random seed=%d RESP%d (rerun: CACHET_DIFF_SEED=%d)"
                 % (seed, proto, BASE_SEED), rout, cout)


# --------------------------------------------------------------------------
# cachet only

cachet_only = pytest.mark.skipif(cachet_is_redis(), reason="cachet only")


@cachet_only
def test_evicted_watched_key_fails_exec(cachet_factory):
    srv = cachet_factory("--maxmemory", "4mb", "--maxmemory-policy",
                         "allkeys-lru")
    a, b = srv.conn(), srv.conn()
    assert a.call("SET", "w", "v") == OK
    assert a.call("WATCH", "w") == OK
    filler = b"x" * 4000
    for i in range(0, 20000, 200):
        b.send_raw(b"".join(encode_command(("SET", "fill:%d" % j, filler))
                            for j in range(i, i + 200)))
        for _ in range(200):
            assert b.read_reply() == OK
        if b.call("KEYS", "w") == ("array", ()):
            break
    else:
        pytest.fail("the watched key was never evicted")
    assert a.call("MULTI") == OK
    assert a.call("SET", "x", "1") == QUEUED
    assert a.call("EXEC") == ("nilarray",)
    assert a.call("EXISTS", "x") == ("int", 0)
    a.close()
    b.close()


@cachet_only
def test_exec_is_atomic_for_concurrent_readers(cachet_factory):
    srv = cachet_factory(threads=2)
    keys = ["a", "b", "c", "d", "e", "f"]
    stop = threading.Event()
    errors = []
    counts = {"tx": 0, "reads": 0}

    def writer():
        c = srv.conn()
        batch = b"".join(encode_command(cmd) for cmd in
                         [("MULTI",)] + [("INCR", k) for k in keys]
                         + [("EXEC",)])
        while not stop.is_set():
            c.send_raw(batch)
            for _ in range(len(keys) + 1):
                c.read_reply()
            r = c.read_reply()
            if r[0] != "array" or len(r[1]) != len(keys):
                errors.append(("exec", r))
                return
            counts["tx"] += 1
        c.close()

    def reader(use_multi):
        c = srv.conn()
        while not stop.is_set():
            if use_multi:
                c.send_raw(b"".join(encode_command(x) for x in
                                    [("MULTI",), ("MGET",) + tuple(keys),
                                     ("EXEC",)]))
                c.read_reply()
                c.read_reply()
                r = c.read_reply()[1][0]
            else:
                r = c.call("MGET", *keys)
            vals = set(x for x in r[1])
            if len(vals) != 1:
                errors.append(("partial", use_multi, r))
                return
            counts["reads"] += 1
        c.close()

    threads = [threading.Thread(target=writer), threading.Thread(target=writer),
               threading.Thread(target=reader, args=(False,)),
               threading.Thread(target=reader, args=(True,))]
    for t in threads:
        t.start()
    try:
        deadline = time.monotonic() + 2.0
        with srv.conn(timeout=2.0) as p:
            while time.monotonic() < deadline and not errors:
                assert p.call("PING") == ("simple", b"PONG")
                time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    assert not errors, errors[:3]
    assert counts["tx"] > 50 and counts["reads"] > 50, counts
    with srv.conn() as c:
        r = c.call("MGET", *keys)
        assert len(set(r[1])) == 1 and r[1][0] == ("bulk", b"%d" % counts["tx"])


@cachet_only
def test_watch_cas_increments_lose_nothing(cachet_factory):
    """Optimistic locking: clients increment k with WATCH/GET/MULTI/SET/EXEC
    and retry on a null EXEC; the final value counts every success."""
    srv = cachet_factory(threads=2)
    stop = threading.Event()
    done, errors = [], []

    def worker():
        c = srv.conn()
        ok = 0
        while not stop.is_set():
            c.call("WATCH", "k")
            r = c.call("GET", "k")
            v = int(r[1]) if r[0] == "bulk" else 0
            c.send_raw(b"".join(encode_command(x) for x in [
                ("MULTI",), ("SET", "k", str(v + 1)), ("EXEC",)]))
            replies = [c.read_reply() for _ in range(3)]
            if replies[2] == ("array", (OK,)):
                ok += 1
            elif replies[2] != ("nilarray",):
                errors.append(replies)
                break
        done.append(ok)
        c.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    stop.set()
    for t in threads:
        t.join(10)
    assert not errors, errors[:3]
    with srv.conn() as c:
        assert c.call("GET", "k") == ("bulk", b"%d" % sum(done)), done
    assert sum(done) > 20, done


def log_records(node):
    _, path = last_incr(node)
    with open(path, "rb") as f:
        return path, parse_log(f.read())


@cachet_only
def test_exec_logged_as_multi_exec_and_replayed(nodes):  # noqa: F811
    node = nodes(appendonly="yes", appendfsync="always")
    node.start()
    with node.conn() as c:
        call_ok(c, "SET", "before", "0")
        assert c.call("MULTI") == OK
        assert c.call("SET", "k1", "v1") == QUEUED
        assert c.call("GET", "k1") == QUEUED
        assert c.call("SET", "k2", "v2") == QUEUED
        assert c.call("EXEC") == ("array", (OK, ("bulk", b"v1"), OK))
        # A transaction that changes nothing logs nothing.
        assert c.call("MULTI") == OK
        assert c.call("GET", "k1") == QUEUED
        assert c.call("DEL", "missing") == QUEUED
        assert c.call("EXEC") == ("array", (("bulk", b"v1"), ("int", 0)))
        call_ok(c, "SET", "after", "1")
    node.kill9()
    _, recs = log_records(node)
    assert [r[3] for r in recs] == [
        [b"SET", b"before", b"0"], [b"MULTI"], [b"SET", b"k1", b"v1"],
        [b"SET", b"k2", b"v2"], [b"EXEC"], [b"SET", b"after", b"1"]], recs
    node.start()
    with node.conn() as c:
        assert c.call("MGET", "before", "k1", "k2", "after") == ("array", (
            ("bulk", b"0"), ("bulk", b"v1"), ("bulk", b"v2"), ("bulk", b"1")))


def cut_transaction_node(nodes):  # noqa: F811
    """A node whose log ends with a transaction's writes but no EXEC."""
    node = nodes(appendonly="yes", appendfsync="always")
    node.start()
    with node.conn() as c:
        call_ok(c, "SET", "before", "0")
        assert c.call("MULTI") == OK
        assert c.call("SET", "k1", "v1") == QUEUED
        assert c.call("SET", "k2", "v2") == QUEUED
        assert c.call("EXEC") == ("array", (OK, OK))
    node.kill9()
    path, recs = log_records(node)
    assert [r[3] for r in recs][1:] == [[b"MULTI"], [b"SET", b"k1", b"v1"],
                                        [b"SET", b"k2", b"v2"], [b"EXEC"]]
    os.truncate(path, recs[-1][0])  # drop the EXEC record
    return node, path, recs[1][0]


@cachet_only
def test_transaction_without_exec_refused_when_not_truncatable(nodes):  # noqa: F811
    node, path, _ = cut_transaction_node(nodes)
    status, out, _ = node.start_fail(aof_load_truncated="no")
    assert_refused(status, out, os.path.basename(path))


@cachet_only
def test_transaction_without_exec_dropped_and_log_truncated(nodes):  # noqa: F811
    node, path, multi_at = cut_transaction_node(nodes)
    node.start(aof_load_truncated="yes")
    with node.conn() as c:
        assert c.call("MGET", "before", "k1", "k2") == ("array", (
            ("bulk", b"0"), ("nil",), ("nil",)))
        call_ok(c, "SET", "later", "1")
    assert os.path.getsize(path) >= multi_at
    node.kill9()
    _, recs = log_records(node)
    assert [r[3] for r in recs] == [[b"SET", b"before", b"0"],
                                    [b"SET", b"later", b"1"]], recs
    assert recs[1][0] == multi_at
