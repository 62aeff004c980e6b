"""Differential test for lists: random list command sequences against
redis-server and cachet, replies compared exactly (RESP2 and RESP3).

It reuses the harness of test_differential.py (argument generators, reply
normalisers, failure formatting) with a generator of its own: few keys, so
lists grow long (several listpack nodes, large elements); elements drawn from
a small alphabet, so LREM / LPOS / LINSERT find matches; every list command
with good and bad counts, ranks and indexes (0, negative, LLONG_MIN/MAX);
wrong-type cases against string keys; and DEL, TYPE, OBJECT ENCODING,
SCAN TYPE list, RENAME, COPY, EXPIRE around them. The final state (type,
elements, TTL, encoding of every key) is compared too.

It also checks that lists survive a restart from a snapshot and from the
append-only log.

Environment knobs (the seed is shared with test_differential.py):
  CACHET_DIFF_SEED       base seed; sequence i uses BASE+i (printed on failure)
  CACHET_DIFF_LIST_SEQS  number of sequences (default 8)
  CACHET_DIFF_LIST_LEN   commands per sequence (default 400)
"""

import os
import time

import pytest

import test_differential as diff

BASE_SEED = diff.BASE_SEED
N_SEQS = int(os.environ.get("CACHET_DIFF_LIST_SEQS", "8"))
N_CMDS = int(os.environ.get("CACHET_DIFF_LIST_LEN", "400"))
SEEDS = [BASE_SEED + i for i in range(N_SEQS)]

LLONG_MAX = diff.LLONG_MAX
LLONG_MIN = diff.LLONG_MIN
rand_case = diff.rand_case

LIST_KEYS = [b"l0", b"l1", b"l2", b"l3", b"{t}x", b""]
STRING_KEYS = [b"s0", b"s1"]
ALPHABET = [b"a", b"b", b"c", b"", b"1", b"-1", b"a b", b"\x00"]


class ListGen(diff.Gen):
    KEY_TABLE = ((0.85, LIST_KEYS), (1.0, STRING_KEYS))
    MUTATE_P = 0.03

    def plan_expiry(self, n):
        return set()  # no short-TTL blocks (and no rng call)

    def elem(self):
        rng = self.rng
        r = rng.random()
        if r < 0.75:
            return rng.choice(ALPHABET)
        if r < 0.97:
            return self.value()
        return bytes(rng.choice(b"xyz") for _ in range(rng.randint(2000, 9000)))

    def elems(self):
        rng = self.rng
        n = rng.randint(1, 5) if rng.random() < 0.9 else rng.randint(50, 400)
        return [self.elem() for _ in range(n)]

    def lindex(self):
        """An index for lists that can be long: small, large, negative,
        extreme or not a number."""
        rng = self.rng
        r = rng.random()
        if r < 0.6:
            return str(rng.randint(-12, 12)).encode()
        if r < 0.85:
            return str(rng.randint(-1500, 1500)).encode()
        return rng.choice([str(LLONG_MAX).encode(), str(LLONG_MIN).encode(),
                           b"9223372036854775808", b"-9223372036854775809",
                           b"abc", b"", b"-0", b"+1", b"01", b"1.0", b" 1"])

    def count(self):
        rng = self.rng
        r = rng.random()
        if r < 0.7:
            return rng.choice([b"0", b"1", b"2", b"3", b"5", b"10", b"200"])
        return rng.choice([b"-1", b"abc", b"", str(LLONG_MAX).encode(),
                           str(LLONG_MIN).encode(), b"9223372036854775808",
                           b"-0", b"+1", b"01", b"1.5"])

    def side(self):
        rng = self.rng
        if rng.random() < 0.97:
            return rand_case(rng, rng.choice(["LEFT", "RIGHT"]))
        return rng.choice(["UP", "", "LEFTX"])

    # -- list commands ---------------------------------------------------
    def g_push(self):
        rng = self.rng
        name = rng.choice(["LPUSH", "RPUSH", "LPUSH", "RPUSH", "LPUSHX",
                           "RPUSHX"])
        return [self.c(rand_case(rng, name), self.key(), *self.elems())]

    def g_pop(self):
        rng = self.rng
        args = [rng.choice(["LPOP", "RPOP"]), self.key()]
        if rng.random() < 0.5:
            args.append(self.count())
        return [self.c(*args)]

    def g_llen(self):
        return [self.c("LLEN", self.key())]

    def g_lrange(self):
        rng = self.rng
        if rng.random() < 0.3:
            return [self.c("LRANGE", self.key(), "0", "-1")]
        return [self.c("LRANGE", self.key(), self.lindex(), self.lindex())]

    def g_lindex(self):
        return [self.c("LINDEX", self.key(), self.lindex())]

    def g_lset(self):
        return [self.c("LSET", self.key(), self.lindex(), self.elem())]

    def g_linsert(self):
        rng = self.rng
        where = rng.choice(["BEFORE", "AFTER", "BEFORE", "AFTER", "MIDDLE"])
        return [self.c("LINSERT", self.key(), rand_case(rng, where),
                       self.elem(), self.elem())]

    def g_lrem(self):
        rng = self.rng
        cnt = rng.choice([b"0", b"1", b"-1", b"2", b"-2", b"5", b"-5"]) \
            if rng.random() < 0.85 else self.lindex()
        return [self.c("LREM", self.key(), cnt, self.elem())]

    def g_ltrim(self):
        rng = self.rng
        if rng.random() < 0.5:  # keep most of the list
            return [self.c("LTRIM", self.key(), str(rng.randint(0, 3)),
                           str(-rng.randint(1, 4)))]
        return [self.c("LTRIM", self.key(), self.lindex(), self.lindex())]

    def g_lpos(self):
        rng = self.rng
        args = ["LPOS", self.key(), self.elem()]
        opts = []
        for name in ("RANK", "COUNT", "MAXLEN"):
            if rng.random() < 0.4:
                if name == "RANK":
                    v = rng.choice([b"1", b"2", b"-1", b"-2", b"3", b"-4"]) \
                        if rng.random() < 0.8 else self.lindex()
                else:
                    v = self.count()
                opts.append([rand_case(rng, name), v])
        if rng.random() < 0.05:
            opts.append([rng.choice(["FOO", "RANK"])])
        rng.shuffle(opts)
        for o in opts:
            args += o
        return [self.c(*args)]

    def g_lmove(self):
        rng = self.rng
        src = self.key()
        dst = src if rng.random() < 0.2 else self.key()
        if rng.random() < 0.3:
            return [self.c("RPOPLPUSH", src, dst)]
        return [self.c("LMOVE", src, dst, self.side(), self.side())]

    # -- keyspace commands around lists -----------------------------------
    def g_string(self):
        rng = self.rng
        r = rng.random()
        if r < 0.4:
            return [self.c("SET", rng.choice(STRING_KEYS), self.value())]
        if r < 0.5:  # a list key becomes a string for a while
            return [self.c("SET", rng.choice(LIST_KEYS), self.value())]
        if r < 0.8:
            return [self.c("GET", self.key())]
        return [self.c("APPEND", rng.choice(STRING_KEYS), self.value())]

    def g_keyspace(self):
        rng = self.rng
        r = rng.random()
        if r < 0.15:
            return [self.c(rng.choice(["DEL", "UNLINK", "EXISTS"]),
                           *self.keys(1, 3))]
        if r < 0.3:
            return [self.c("TYPE", self.key())]
        if r < 0.45:
            return [self.c("OBJECT", "ENCODING", self.key())]
        if r < 0.55:
            return [self.c("SCAN", "0", "TYPE", rand_case(rng, "list"),
                           "COUNT", "1000", kind="scan")]
        if r < 0.65:
            return [self.c(rng.choice(["RENAME", "RENAMENX"]), self.key(),
                           self.key())]
        if r < 0.75:
            args = ["COPY", self.key(), self.key()]
            if rng.random() < 0.3:
                args += ["DB", rng.choice([b"0", b"1"])]
            if rng.random() < 0.5:
                args.append("REPLACE")
            return [self.c(*args)]
        if r < 0.85:
            return [self.c("EXPIRE", self.key(), self.rel_secs())]
        if r < 0.92:
            return [self.c("TTL", self.key(), kind="ttl")]
        return [self.c("DBSIZE")]

    WEIGHTS = [
        ("g_push", 16), ("g_pop", 10), ("g_llen", 3), ("g_lrange", 8),
        ("g_lindex", 6), ("g_lset", 5), ("g_linsert", 5), ("g_lrem", 5),
        ("g_ltrim", 2), ("g_lpos", 8), ("g_lmove", 7), ("g_string", 4),
        ("g_keyspace", 8),
    ]



def list_contents(rconn, k):
    """Final state of one key: type, contents, TTL and encoding."""
    t = rconn.call("TYPE", k)[1]
    yield [b"TYPE", k], "exact"
    if t == b"list":
        yield [b"LRANGE", k, b"0", b"-1"], "exact"
    else:
        yield [b"GET", k], "exact"
    yield [b"PTTL", k], "pttl"
    yield [b"OBJECT", b"ENCODING", k], "exact"


@pytest.mark.parametrize("proto", [2, 3], ids=["resp2", "resp3"])
@pytest.mark.parametrize("seed", SEEDS, ids=["seed%d" % s for s in SEEDS])
def test_differential_lists(seed, proto, redis_server, cachet_server):
    # Per database: DBSIZE, then type, contents, TTL and encoding of every
    # key redis holds.
    diff.run_sequence(seed, proto, redis_server, cachet_server,
                      ListGen(seed).sequence(N_CMDS),
                      "test_differential_lists.py::test_differential_lists",
                      lambda rconn: diff.final_state(rconn, list_contents,
                                                     range(2)))


# --------------------------------------------------------------------------
# lists across a restart


def _fill_lists(conn):
    conn.call("RPUSH", "small", "a", "b", "c")
    big = [b"e%d" % i for i in range(3000)]
    conn.call("RPUSH", "big", *big)
    conn.call("LSET", "big", "1500", b"L" * 20000)
    conn.call("LINSERT", "big", "BEFORE", "e10", "ins")
    conn.call("LREM", "big", "0", "e20")
    conn.call("LMOVE", "small", "moved", "LEFT", "RIGHT")
    conn.call("RPOPLPUSH", "small", "small")
    conn.call("LPOP", "big", "7")
    conn.call("RPOP", "big", "3")
    conn.call("LTRIM", "big", "1", "-2")
    conn.call("EXPIRE", "moved", "1000")


def _dump(conn):
    out = {}
    for k in (b"small", b"big", b"moved"):
        out[k] = (conn.call("LRANGE", k, "0", "-1"),
                  conn.call("OBJECT", "ENCODING", k))
    ttl = conn.call("TTL", "moved")
    out[b"ttl-set"] = ttl[0] == "int" and 900 < ttl[1] <= 1000
    return out


@pytest.mark.parametrize("mode", ["snapshot", "aof"])
def test_lists_survive_restart(mode, cachet_factory, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    extra = ["--dir", str(data_dir)]
    if mode == "aof":
        extra += ["--appendonly", "yes", "--appendfsync", "always"]
    first = cachet_factory(*extra)
    with first.conn() as c:
        _fill_lists(c)
        before = _dump(c)
        if mode == "snapshot":
            assert c.call("SAVE") == ("simple", b"OK")
    assert before[b"ttl-set"]
    assert first.stop() == 0
    second = cachet_factory(*extra)
    deadline = time.monotonic() + 10
    with second.conn() as c:
        while c.call("DBSIZE") != ("int", 3) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _dump(c) == before
