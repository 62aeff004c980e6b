"""Differential test: random command sequences against redis-server and cachet.

Every sequence is generated from its own seed, sent command by command to a
fresh real redis-server and a fresh cachet over raw RESP, and each pair of
replies is compared exactly (RESP type and payload), except for replies that
are legitimately non-deterministic, which are normalised:

  KEYS        -> sorted
  SCAN        -> iterated to cursor 0 on each server, key sets compared
  RANDOMKEY   -> must be a member of KEYS * on the same server (nil iff empty)
  TTL/PTTL/EXPIRETIME/PEXPIRETIME -> equal within 1 s / 1000 ms
  HELLO       -> same map keys/types, same proto/mode/role/modules

Environment knobs:
  CACHET_DIFF_SEED  base seed (random if unset; printed in the header and in
                    every failure message). Sequence i uses seed BASE+i.
  CACHET_DIFF_SEQS  number of sequences (default 20)
  CACHET_DIFF_LEN   commands per sequence (default 300)
"""

import os
import time

import pytest

from diff_gen import GenBase
from resp import ConnectionClosed

BASE_SEED = int(os.environ["CACHET_DIFF_SEED"])  # set by conftest.py
N_SEQS = int(os.environ.get("CACHET_DIFF_SEQS", "20"))
N_CMDS = int(os.environ.get("CACHET_DIFF_LEN", "300"))
SEEDS = [BASE_SEED + i for i in range(N_SEQS)]
NDB = 4  # databases used by the generator (servers have the default 16)

LLONG_MAX = 2**63 - 1
LLONG_MIN = -2**63

KEYS = [b"k%d" % i for i in range(10)] + [
    b"", b"a*b", b"key:1", b"key:2", b"\x00bin\xff\r\n", b"{t}x"]

PATTERNS = [b"*", b"k*", b"k?", b"k[0-4]", b"k[^0-4]", b"k[!0-4]*", b"key:*",
            b"*:*", b"a\\*b", b"a*b", b"*\\", b"[", b"\\", b"?", b"",
            b"\x00*", b"{t}*", b"k[a-", b"*[1-2]", b"K*", b"k[9-5]"]

# --------------------------------------------------------------------------
# random argument generators


def rand_case(rng, word):
    r = rng.random()
    if r < 0.6:
        return word.upper()
    if r < 0.8:
        return word.lower()
    return "".join(c.upper() if rng.random() < 0.5 else c.lower()
                   for c in word)


class Gen(GenBase):
    KEY_TABLE = ((1.0, KEYS),)
    MUTATE_P = 0.04
    # NUL-free: some errors echo the argument, and redis cuts it at the
    # first NUL (C string artefact)
    MUTATE_EXTRAS = [b"extra", b"k1", b"", b"1", b"NX"]
    MUTATE_MANY = True

    def __init__(self, seed):
        super().__init__(seed)
        self.now = int(time.time())

    # -- scalars ---------------------------------------------------------
    def value(self):
        rng = self.rng
        r = rng.random()
        if r < 0.25:
            return str(rng.randint(-100, 100)).encode()
        if r < 0.32:
            return str(rng.choice([LLONG_MAX, LLONG_MIN, LLONG_MAX - 1,
                                   LLONG_MIN + 1, 2**63, -2**63 - 1,
                                   12345678901234567890, 10**19,
                                   rng.randint(-10**18, 10**18)])).encode()
        if r < 0.40:
            return rng.choice([b"007", b"-0", b"+5", b" 5", b"5 ", b"0x10",
                               b"1e3", b"00", b"0", b"-", b"+", b"9" * 20,
                               b"1" * 19, b"-1" + b"0" * 18])
        if r < 0.52:
            return rng.choice([b"3.14", b"-2.5", b"0.1", b"1e308", b"-1e308",
                               b"1.7976931348623157e308", b"inf", b"-inf",
                               b"nan", b"5e-324", b".5", b"5.", b"1.10",
                               b"2.0e10", b"-0.0", b"1e-400", b"1e400",
                               b"0x1p3", b"3.0", b"100.5"])
        if r < 0.60:
            return b""
        if r < 0.75:
            n = rng.choice([1, 3, 5, 10, 43, 44, 45, 46, 60, 100])
            return bytes(rng.choice(b"abcxyz0123456789") for _ in range(n))
        if r < 0.85:
            n = rng.randint(0, 20)
            return bytes(rng.randrange(256) for _ in range(n))
        return rng.choice([b"hello", b"world", b"v", b"x" * 44, b"y" * 45,
                           b"foo bar", b"\r\n", b"\x00", b"*", b"'\"",
                           "h\u00e9llo".encode()])

    def intarg(self):
        rng = self.rng
        r = rng.random()
        if r < 0.7:
            return str(rng.randint(-1000, 1000)).encode()
        return rng.choice([str(LLONG_MAX).encode(), str(LLONG_MIN).encode(),
                           b"9223372036854775808", b"-9223372036854775809",
                           b"1.5", b"abc", b"", b" 1", b"1 ", b"+1", b"0",
                           b"-0", b"007", b"4611686018427387904",
                           b"-4611686018427387904"])

    def floatarg(self):
        rng = self.rng
        r = rng.random()
        if r < 0.4:
            return rng.choice([b"1.5", b"-0.25", b"3", b"0", b"0.1", b"-1.10",
                               b"5.0e3", b"1e-5", b"10.00", b"-7", b"2.5"])
        if r < 0.55:
            return ("%d.%d" % (rng.randint(-1000, 1000),
                               rng.randint(0, 99))).encode()
        return rng.choice([b"1e308", b"-1e308", b"1.7976931348623157e308",
                           b"inf", b"-inf", b"+inf", b"nan", b"abc", b"",
                           b" 1", b"1 ", b"1e", b"0x10", b"1e400", b"5e-324",
                           b"9223372036854775807", b"1_000"])

    def rel_secs(self):
        """Relative TTL in seconds. Positive values are always >= 100 s so
        that nothing expires during a sequence; they are random so that
        GT/LT comparisons between two relative TTLs never tie."""
        rng = self.rng
        if rng.random() < 0.7:
            return str(rng.randint(100, 10**7)).encode()
        return rng.choice([b"0", b"-1", str(-rng.randint(1, 10**6)).encode(),
                           b"abc", b"1.5", b"", b" 100", b"100 ",
                           str(LLONG_MAX).encode(), b"9223372036854775",
                           str(LLONG_MIN).encode(), b"9223372036854",
                           b"-9223372036854775", b"+100"])

    def rel_ms(self):
        rng = self.rng
        if rng.random() < 0.7:
            return str(rng.randint(100000, 10**10)).encode()
        return rng.choice([b"0", b"-1", str(-rng.randint(1, 10**9)).encode(),
                           b"abc", b"100.0", b"", str(LLONG_MAX).encode(),
                           b"9223372036854775000", str(LLONG_MIN).encode(),
                           b"9223372036854775"])

    def abs_secs(self):
        rng = self.rng
        if rng.random() < 0.6:
            return str(self.now + rng.randint(100, 10**7)).encode()
        return rng.choice([b"1", str(self.now - 1000).encode(), b"0", b"-1",
                           str(LLONG_MAX).encode(), b"abc", b"9223372036854775",
                           b"9223372036854", b"1.5"])

    def abs_ms(self):
        rng = self.rng
        if rng.random() < 0.6:
            return str(self.now * 1000 + rng.randint(100000, 10**10)).encode()
        return rng.choice([b"1", str(self.now * 1000 - 1000000).encode(), b"0",
                           b"-1", str(LLONG_MAX).encode(), b"abc",
                           str(LLONG_MAX - 1).encode(), b"1.5"])

    def offset(self):
        rng = self.rng
        r = rng.random()
        if r < 0.75:
            return str(rng.randint(0, 30)).encode()
        if r < 0.9:
            return str(rng.randint(0, 1000)).encode()
        if r < 0.905:
            return str(rng.randint(100000, 1000000)).encode()  # < 1 MB
        # (536870912 is just past proto-max-bulk-len: an error, no allocation)
        return rng.choice([b"-1", b"536870912", b"536870913", b"abc", b"",
                           str(LLONG_MAX).encode(), b"1.0"])

    def index(self):
        rng = self.rng
        if rng.random() < 0.8:
            return str(rng.randint(-30, 30)).encode()
        return rng.choice([str(LLONG_MAX).encode(), str(LLONG_MIN).encode(),
                           b"abc", b"", b"9223372036854775808", b"-0"])

    def db(self):
        rng = self.rng
        if rng.random() < 0.85:
            return str(rng.randrange(NDB)).encode()
        return rng.choice([b"16", b"-1", b"abc", b"1.0", b"", b"100000",
                           str(LLONG_MAX).encode(), b"4294967296"])

    # -- commands --------------------------------------------------------
    # Each generator returns a list of steps (GenBase.c), kind one of
    # run_step's (or a family's) normalisations.

    def g_get(self):
        return [self.c(rand_case(self.rng, "get"), self.key())]

    def g_set(self):
        rng = self.rng
        args = ["SET", self.key(), self.value()]
        stale = False
        opts = []
        for _ in range(rng.choice([0, 0, 1, 1, 1, 2, 2, 3])):
            o = rng.choice(["NX", "XX", "GET", "KEEPTTL", "EX", "PX", "EXAT",
                            "PXAT", "EX", "PX", "GET", "FOO"])
            if o == "EX":
                opts.append([o, self.rel_secs()])
            elif o == "PX":
                opts.append([o, self.rel_ms()])
            elif o == "EXAT":
                v = self.abs_secs()
                stale = True
                opts.append([o, v])
            elif o == "PXAT":
                v = self.abs_ms()
                stale = True
                opts.append([o, v])
            else:
                opts.append([o])
        for o in opts:
            o[0] = rand_case(rng, o[0])
            args += o
        if rng.random() < 0.03:
            args.append(rand_case(rng, rng.choice(["EX", "PX", "EXAT"])))
        steps = [self.c(*args)]
        if stale:
            # redis 7.0 keeps a key SET with a past EXAT/PXAT in the keyspace
            # (DBSIZE counts it) until it is accessed; touch it so both
            # servers agree on DBSIZE afterwards.
            steps.append(self.c("EXISTS", args[1]))
        return steps

    def g_setnx(self):
        return [self.c("SETNX", self.key(), self.value())]

    def g_setex(self):
        rng = self.rng
        if rng.random() < 0.5:
            return [self.c("SETEX", self.key(), self.rel_secs(), self.value())]
        return [self.c("PSETEX", self.key(), self.rel_ms(), self.value())]

    def g_getex(self):
        rng = self.rng
        args = ["GETEX", self.key()]
        stale = False
        for _ in range(rng.choice([0, 1, 1, 1, 2])):
            o = rng.choice(["EX", "PX", "EXAT", "PXAT", "PERSIST", "FOO"])
            val = {"EX": self.rel_secs, "PX": self.rel_ms,
                   "EXAT": self.abs_secs, "PXAT": self.abs_ms}.get(o)
            args.append(rand_case(rng, o))
            if val:
                args.append(val())
        return [self.c(*args)]

    def g_getdel(self):
        return [self.c("GETDEL", self.key())]

    def g_getset(self):
        return [self.c("GETSET", self.key(), self.value())]

    def g_mget(self):
        return [self.c("MGET", *self.keys(1, 5))]

    def g_mset(self):
        rng = self.rng
        args = [rng.choice(["MSET", "MSETNX"])]
        for _ in range(rng.randint(1, 4)):
            args += [self.key(), self.value()]
        return [self.c(*args)]

    def g_incr(self):
        rng = self.rng
        r = rng.random()
        if r < 0.25:
            return [self.c("INCR", self.key())]
        if r < 0.4:
            return [self.c("DECR", self.key())]
        if r < 0.6:
            return [self.c("INCRBY", self.key(), self.intarg())]
        if r < 0.7:
            return [self.c("DECRBY", self.key(), self.intarg())]
        return [self.c("INCRBYFLOAT", self.key(), self.floatarg())]

    def g_append(self):
        return [self.c("APPEND", self.key(), self.value())]

    def g_strlen(self):
        return [self.c("STRLEN", self.key())]

    def g_getrange(self):
        rng = self.rng
        name = "GETRANGE" if rng.random() < 0.9 else "SUBSTR"
        return [self.c(name, self.key(), self.index(), self.index())]

    def g_setrange(self):
        v = self.value() if self.rng.random() < 0.8 else b""
        return [self.c("SETRANGE", self.key(), self.offset(), v)]

    def g_lcs(self):
        # Both keys are set first: LCS's table is quadratic, and a value grown by SETRANGE
        # to a megabyte would make it hundreds of MB on both servers.
        rng = self.rng
        a, b = self.key(), self.key()
        opts = rng.choice([[], ["LEN"], ["IDX"], ["IDX", "WITHMATCHLEN"],
                           ["IDX", "MINMATCHLEN", str(rng.randint(-1, 4))],
                           ["IDX", "MINMATCHLEN", "2", "WITHMATCHLEN"], ["LEN", "IDX"],
                           ["MINMATCHLEN"], ["BOGUS"]])
        return [self.c("SET", a, self.value()), self.c("SET", b, self.value()),
                self.c("LCS", a, b, *opts)]

    def g_del(self):
        rng = self.rng
        return [self.c(rng.choice(["DEL", "UNLINK", "EXISTS", "TOUCH"]),
                       *self.keys(1, 4))]

    def g_type(self):
        return [self.c("TYPE", self.key())]

    def g_expire(self):
        rng = self.rng
        name = rng.choice(["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
        val = {"EXPIRE": self.rel_secs, "PEXPIRE": self.rel_ms,
               "EXPIREAT": self.abs_secs, "PEXPIREAT": self.abs_ms}[name]()
        args = [rand_case(rng, name), self.key(), val]
        for _ in range(rng.choice([0, 0, 1, 1, 1, 2])):
            args.append(rand_case(rng, rng.choice(["NX", "XX", "GT", "LT",
                                                   "FOO"])))
        return [self.c(*args)]

    def g_ttl(self):
        rng = self.rng
        name = rng.choice(["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"])
        return [self.c(name, self.key(), kind=name.lower())]

    def g_persist(self):
        return [self.c("PERSIST", self.key())]

    def g_keys(self):
        return [self.c("KEYS", self.rng.choice(PATTERNS), kind="keys")]

    def g_scan(self):
        rng = self.rng
        cursor = b"0" if rng.random() < 0.9 else rng.choice(
            [b"abc", b"1.5", b" 1", b"18446744073709551616", b""])
        args = ["SCAN", cursor]
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            o = rng.choice(["MATCH", "COUNT", "TYPE", "MATCH", "COUNT", "FOO"])
            if o == "MATCH":
                args += [rand_case(rng, o), rng.choice(PATTERNS)]
            elif o == "COUNT":
                args += [rand_case(rng, o), rng.choice(
                    [b"1", b"2", b"3", b"5", b"10", b"100", b"1000", b"0",
                     b"-1", b"abc"])]
            elif o == "TYPE":
                args += [rand_case(rng, o), rng.choice(
                    [b"string", b"STRING", b"hash", b"list", b"foo", b"none"])]
            else:
                args.append(o)
        return [self.c(*args, kind="scan")]

    def g_rename(self):
        rng = self.rng
        return [self.c(rng.choice(["RENAME", "RENAMENX"]), self.key(),
                       self.key())]

    def g_randomkey(self):
        return [self.c("RANDOMKEY", kind="randomkey")]

    def g_copy(self):
        rng = self.rng
        args = ["COPY", self.key(), self.key()]
        opts = []
        if rng.random() < 0.5:
            opts.append(["DB", self.db()])
        if rng.random() < 0.4:
            opts.append(["REPLACE"])
        if rng.random() < 0.05:
            opts.append(["FOO"])
        rng.shuffle(opts)
        for o in opts:
            args += [rand_case(rng, o[0])] + o[1:]
        return [self.c(*args)]

    def g_encoding(self):
        return [self.c("OBJECT", rand_case(self.rng, "encoding"), self.key())]

    def g_server(self):
        rng = self.rng
        r = rng.random()
        if r < 0.15:
            return [self.c("PING")]
        if r < 0.25:
            return [self.c("PING", self.value())]
        if r < 0.35:
            return [self.c("ECHO", self.value())]
        if r < 0.55:
            return [self.c("SELECT", self.db())]
        if r < 0.7:
            return [self.c("DBSIZE")]
        if r < 0.8:
            return [self.c("SWAPDB", self.db(), self.db())]
        if r < 0.85:
            args = ["FLUSHDB"]
            if rng.random() < 0.5:
                args.append(rand_case(rng, rng.choice(["ASYNC", "SYNC",
                                                      "FOO"])))
            return [self.c(*args)]
        # unknown command. No NUL bytes here: redis formats this error with
        # C strings and cuts names/args at the first NUL, an artefact that
        # cachet does not need to copy.
        name = rng.choice([b"FOOBAR", b"GETT", b"", b"set2", b"x\xffy",
                           b"a" * 200, b"CACHET", b"get\r\nx"])
        args = [self.value().replace(b"\x00", b"0")
                for _ in range(rng.randint(0, 3))]
        if rng.random() < 0.2:
            args.append(b"z" * 150)
        return [self.c(name, *args, kind="unknown")]

    def g_expiry_block(self):
        """Short real TTLs: give 1-3 keys a 50-200 ms TTL, sleep 250 ms,
        and check that every access sees them expired on both servers."""
        rng = self.rng
        steps = []
        # dict.fromkeys, not a set: a set of bytes iterates in PYTHONHASHSEED order, which would
        # make the sequence of a seed differ between runs.
        ks = list(dict.fromkeys(self.key() for _ in range(rng.randint(1, 3))))
        longest = 0
        for k in ks:
            ms = rng.randint(50, 200)
            longest = max(longest, ms)
            how = rng.choice(["SET", "PSETEX", "PEXPIRE", "GETEX", "SETPXAT"])
            if how == "SET":
                steps.append(self.c("SET", k, self.value(), "PX", str(ms)))
            elif how == "PSETEX":
                steps.append(self.c("PSETEX", k, str(ms), self.value()))
            elif how == "PEXPIRE":
                steps.append(self.c("SET", k, self.value()))
                steps.append(self.c("PEXPIRE", k, str(ms)))
            elif how == "GETEX":
                steps.append(self.c("SET", k, self.value()))
                steps.append(self.c("GETEX", k, "PX", str(ms)))
            else:
                steps.append(self.c("SET", k, self.value(), "PXAT",
                                    str(int(time.time() * 1000) + 60000)))
                steps.append(self.c("PEXPIRE", k, str(ms), "LT"))
            if ms >= 100 and rng.random() < 0.5:
                steps.append(self.c("PTTL", k, kind="pttl"))
        steps.append(("sleep", max(0.25, longest / 1000.0 + 0.05)))
        for k in ks:
            for name in rng.sample(["GET", "TTL", "PTTL", "EXISTS", "STRLEN",
                                    "TYPE"], 3):
                steps.append(self.c(name, k, kind=name.lower()
                                    if name in ("TTL", "PTTL") else "exact"))
            # EXISTS lazily deletes it in redis so DBSIZE agrees later
            steps.append(self.c("EXISTS", k))
        steps.append(self.c("DBSIZE"))
        steps.append(self.c("KEYS", "*", kind="keys"))
        return steps

    WEIGHTS = [
        ("g_get", 10), ("g_set", 14), ("g_setnx", 2), ("g_setex", 3),
        ("g_getex", 4), ("g_getdel", 2), ("g_getset", 2), ("g_mget", 3),
        ("g_mset", 3), ("g_incr", 10), ("g_append", 4), ("g_strlen", 2),
        ("g_getrange", 3), ("g_setrange", 3), ("g_del", 5), ("g_type", 2),
        ("g_expire", 8), ("g_ttl", 6), ("g_persist", 2), ("g_keys", 2),
        ("g_scan", 3), ("g_rename", 3), ("g_randomkey", 2), ("g_copy", 3),
        ("g_encoding", 5), ("g_server", 6), ("g_lcs", 2),
    ]

    def mutable(self, step):
        return step[2] != "unknown"  # keep NUL-free (see g_server)

    def plan_expiry(self, n):
        """One or two short-TTL blocks in 60% of the sequences."""
        if self.rng.random() < 0.6:
            return {self.rng.randrange(n) for _ in
                    range(self.rng.randint(1, 2))}
        return set()

    def expiry_due(self, pos):
        if pos in self.expiry_plan:
            self.expiry_plan.discard(pos)
            return True
        return False


# --------------------------------------------------------------------------
# comparison


def fmt_arg(a):
    if a and all(33 <= b < 127 for b in a) and len(a) <= 60:
        return a.decode()
    if len(a) > 60:
        return repr(a[:40]) + "...(%d bytes)" % len(a)
    return repr(a)


def fmt_cmd(args):
    return " ".join(fmt_arg(a) for a in args)


def _shorten(r):
    if isinstance(r, bytes) and len(r) > 80:
        return r[:60] + b"...(%d bytes)" % len(r)
    if isinstance(r, tuple):
        return tuple(_shorten(x) for x in r)
    return r


def fmt_reply(r, limit=300):
    s = repr(_shorten(r))
    return s if len(s) <= limit else s[:limit] + "...(%d chars)" % len(s)


def is_nil(r):
    return r in (("nil",), ("null",))


def ints_close(a, b, tol):
    if a[0] == "int" and b[0] == "int":
        if a[1] < 0 or b[1] < 0:
            return a == b
        return abs(a[1] - b[1]) <= tol
    return a == b


def keys_sorted(r):
    if r[0] == "array" and all(x[0] == "bulk" for x in r[1]):
        return ("array(sorted)", tuple(sorted(r[1])))
    return r


def scan_all(conn, args):
    """Run SCAN with `args` and follow the cursor to 0. Returns either the
    first reply (if it is an error or malformed) or ('scanned', keys)."""
    first = conn.call(*args)
    reply = first
    keys = set()
    for _ in range(100000):
        if not (reply[0] == "array" and len(reply[1]) == 2
                and reply[1][0][0] == "bulk" and reply[1][1][0] == "array"
                and all(x[0] == "bulk" for x in reply[1][1][1])):
            return reply if reply is first else ("bad-scan-page", reply)
        keys.update(x[1] for x in reply[1][1][1])
        cursor = reply[1][0][1]
        if cursor == b"0":
            return ("scanned", tuple(sorted(keys)))
        reply = conn.call(args[0], cursor, *args[2:])
    return ("scan-did-not-terminate",)


def random_key_check(conn, args):
    r = conn.call(*args)
    ks = conn.call("KEYS", "*")
    if ks[0] != "array":
        return ("KEYS failed", ks)
    members = {x[1] for x in ks[1]}
    if is_nil(r):
        return ("randomkey-nil", "ok" if not members else
                "nil but KEYS has %d keys" % len(members), r[0])
    if r[0] == "bulk":
        return ("randomkey-member", "ok" if r[1] in members else
                "%r not in KEYS *" % (r[1],))
    return r


def run_step(conn, args, kind):
    """Execute one command and return a normalised reply."""
    if kind == "scan":
        return scan_all(conn, args)
    if kind == "randomkey":
        return random_key_check(conn, args)
    r = conn.call(*args)
    if kind == "keys":
        return keys_sorted(r)
    return r


TOLERANCE = {"ttl": 1, "expiretime": 1, "pttl": 1000, "pexpiretime": 1000}


def replies_match(kind, a, b):
    if kind in TOLERANCE:
        return ints_close(a, b, TOLERANCE[kind])
    return a == b


def hello_shape(r):
    """Normalise a HELLO 3 reply: keys, value types, and the values that
    must agree (proto, mode, role, modules)."""
    if r[0] != "map":
        return r
    out = []
    for k, v in r[1]:
        name = k[1] if k[0] == "bulk" else k
        if name in (b"proto", b"mode", b"role", b"modules"):
            out.append((k, v))
        else:
            out.append((k, v[0]))
    return ("map-shape", tuple(out))


class Mismatch(AssertionError):
    pass


def first_difference(r, c):
    """Where two long array replies part ways, for the failure report."""
    if not (isinstance(r, tuple) and isinstance(c, tuple) and len(r) == 2
            and r[0] == c[0] and isinstance(r[1], tuple)
            and isinstance(c[1], tuple)):
        return ""
    for i, (x, y) in enumerate(zip(r[1], c[1])):
        if x != y:
            return "; first difference at element %d: redis %s, cachet %s" % (
                i, fmt_reply(x, 200), fmt_reply(y, 200))
    return "; lengths %d and %d" % (len(r[1]), len(c[1]))


def final_state(rconn, contents, dbs=(None,), keys_step=True):
    """The steps that compare the servers' final states: per database (None:
    the current one, no SELECT) DBSIZE, contents(rconn, key)'s steps for every
    key redis holds, then KEYS *. A generator: run_sequence takes its steps
    one by one, so contents() sees redis in the state they left."""
    for db in dbs:
        if db is not None:
            yield [b"SELECT", b"%d" % db], "exact"
        yield [b"DBSIZE"], "exact"
        for k in sorted(x[1] for x in rconn.call("KEYS", "*")[1]):
            yield from contents(rconn, k)
        if keys_step:
            yield [b"KEYS", b"*"], "keys"


def string_contents(rconn, k):
    yield [b"GET", k], "exact"
    yield [b"PTTL", k], "pttl"
    yield [b"OBJECT", b"ENCODING", k], "exact"


def run_sequence(seed, proto, rsrv, csrv, steps, test, final_steps,
                 norm=run_step, paired=None):
    """Send steps (a generator's sequence) to redis and cachet, one by one,
    over RESP2 or RESP3 (proto), and compare each pair of replies, then the
    final states: final_steps(rconn) yields (args, kind) pairs, usually
    final_state(rconn, ...). test ("file.py::test_name") goes into the
    rerun hint printed with every failure.

    norm(conn, args, kind) is a server's normalised reply (run_step or a
    family's own); paired maps kinds that need both servers at once to
    f(rconn, cconn, args, fail) -> (redis reply, cachet reply), where
    fail(why, r, c) reports a mismatch at that step."""
    rconn = rsrv.conn(timeout=10.0)
    cconn = csrv.conn(timeout=10.0)
    history = []
    header = ("seed=%d proto=RESP%d  rerun: CACHET_DIFF_SEED=%d /usr/bin/python3 "
              "-m pytest '%s[seed%d-resp%d]'"
              % (seed, proto, BASE_SEED, test, seed, proto))
    print(header)

    def fail(idx, args, why, r, c):
        ctx = "\n".join("   #%d %s -> %s" % h for h in history[-12:])
        raise Mismatch(
            "%s\nmismatch at command #%d: %s\n  %s\n  redis : %s\n  cachet: %s"
            "\n  previous commands (redis replies):\n%s"
            % (header, idx, fmt_cmd(args), why, fmt_reply(r), fmt_reply(c),
               ctx))

    def step(idx, args, kind):
        both = (paired or {}).get(kind)
        if both:
            try:
                r, c = both(rconn, cconn, args,
                            lambda why, r, c: fail(idx, args, why, r, c))
            except (ConnectionClosed, OSError) as e:
                fail(idx, args, "connection closed (%r); cachet alive=%s"
                     % (e, csrv.alive()), None, None)
        else:
            r = norm(rconn, args, kind)
            try:
                c = norm(cconn, args, kind)
            except ConnectionClosed as e:
                fail(idx, args, "cachet closed the connection (%s); alive=%s"
                     % (e, csrv.alive()), r, None)
            except OSError as e:
                fail(idx, args, "cachet I/O error: %r; alive=%s"
                     % (e, csrv.alive()), r, None)
            except Exception as e:  # noqa: BLE001 - malformed reply etc.
                fail(idx, args, "cachet reply could not be parsed: %r" % (e,),
                     r, None)
        if not replies_match(kind, r, c):
            fail(idx, args, "replies differ (compare mode: %s)%s"
                 % (kind, first_difference(r, c)), r, c)
        history.append((idx, fmt_cmd(args), fmt_reply(r, 120)))

    if proto == 3:
        r = rconn.call("HELLO", "3")
        c = cconn.call("HELLO", "3")
        if hello_shape(r) != hello_shape(c):
            fail(-1, [b"HELLO", b"3"], "HELLO 3 reply shape differs", r, c)

    for idx, st in enumerate(steps):
        if st[0] == "sleep":
            time.sleep(st[1])
            history.append((idx, "<sleep %.3fs>" % st[1], ""))
            continue
        step(idx, st[1], st[2])

    for args, kind in final_steps(rconn):
        step(len(steps), args, kind)
    rconn.close()
    cconn.close()


@pytest.mark.parametrize("proto", [2, 3], ids=["resp2", "resp3"])
@pytest.mark.parametrize("seed", SEEDS, ids=["seed%d" % s for s in SEEDS])
def test_differential(seed, proto, redis_server, cachet_server):
    # Final state: every key, value, TTL and encoding in every database.
    run_sequence(seed, proto, redis_server, cachet_server,
                 Gen(seed).sequence(N_CMDS),
                 "test_differential.py::test_differential",
                 lambda rconn: final_state(rconn, string_contents, range(NDB)))
