"""Differential test for sorted sets: random sequences of every sorted set
command (plus DEL, TYPE, OBJECT ENCODING, SCAN TYPE zset, RENAME, COPY,
EXPIRE and wrong-type cases, and plain sets as inputs of ZUNION, ZINTER,
ZDIFF, ZINTERCARD and their STORE forms) sent to a real redis-server and to cachet over
RESP2 and RESP3, replies compared exactly. It reuses the harness of
test_differential.py (servers from conftest.py, reply comparison, failure
report with the seed).

Only two replies are normalised, because they are random by definition:
  ZRANDMEMBER -> its shape (count, uniqueness, RESP types) and whether every
                 member/score it returned belongs to the set on that server
  ZSCAN       -> iterated to cursor 0, (member, score) pairs compared as a set
                 (scans start at cursor 0 or an invalid one: other cursors
                 mean different things to different hash tables)
TTL is compared within a second, as in test_differential.py.

Scores cover integers, fractions, negatives, inf/-inf, -0, huge and tiny
values and invalid texts; members tie on equal scores and sets cross the
listpack limits (128 members, 64-byte members).

Lexicographic range commands only touch the "lex" keys, whose members all
have score 0: on members with different scores Redis's answer depends on the
random shape of its skiplist, so no two servers (not even two redis-servers)
need agree there.

Environment knobs (besides CACHET_DIFF_SEED, shared with test_differential):
  CACHET_ZDIFF_SEQS  number of sequences per protocol (default 8)
  CACHET_ZDIFF_LEN   commands per sequence (default 500)
"""

import os

import pytest

from diff_gen import GenBase
from test_differential import (BASE_SEED, final_state, rand_case, run_sequence,
                               run_step)

N_SEQS = int(os.environ.get("CACHET_ZDIFF_SEQS", "8"))
N_CMDS = int(os.environ.get("CACHET_ZDIFF_LEN", "500"))
# Offset from test_differential's seeds so both tests do not replay the
# same random stream.
SEEDS = [BASE_SEED + 100000 + i for i in range(N_SEQS)]

ZKEYS = [b"z1", b"z2", b"z3", b"z4", b"big", b"s"]  # any score ("s" is often
LEXKEYS = [b"lex1", b"lex2"]                        # a string); score 0 only
OTHER = [b"nokey"]                                  # never written
STR = b"str"                                        # only ever a string
SETKEYS = [b"set1", b"set2"]                        # plain sets: sources of
                                                    # the set operations

MEMBERS = [b"a", b"b", b"c", b"d", b"e", b"f", b"g", b"h", b"A", b"m1",
           b"m2", b"m10", b"m20", b"", b"x" * 64, b"y" * 65, b"\x00\xff",
           "\u00e9".encode(), b"a b", b"zz"]
LEXMEMBERS = [b"a", b"aa", b"ab", b"b", b"ba", b"c", b"d", b"e", b"m1",
              b"m10", b"m2", b"", b"z", b"\xff"]

SCORES = [b"0", b"1", b"2", b"3", b"-1", b"-2", b"5", b"10", b"1.5", b"-2.25",
          b"0.1", b"0.5", b"1e3", b"-0", b"+inf", b"-inf", b"inf", b"1e20",
          b"5e-324", b"1.7976931348623157e308", b"0x10", b"123456789012345678",
          b"3.0", b".5"]
BAD_SCORES = [b"nan", b"abc", b"", b" 1", b"1 ", b"1e400", b"1e-400", b"(1",
              b"inf inf"]
SCORE_BOUNDS = [b"-inf", b"+inf", b"inf", b"(inf", b"(-inf", b"0", b"(0",
                b"1", b"(1", b"2.5", b"(2.5", b"-1", b"(-2.25", b"3", b"10",
                b"1e20", b"-0", b"(", b"", b" 1", b"0x2"]
BAD_SCORE_BOUNDS = [b"abc", b"1 ", b"nan", b"(nan", b"((1", b"[1"]
LEX_BOUNDS = [b"-", b"+", b"[a", b"(a", b"[b", b"(b", b"[m1", b"(m10",
              b"[c", b"(e", b"[", b"(", b"[zz", b"(\xff"]
BAD_LEX_BOUNDS = [b"a", b"", b"+x", b"-a", b"{a"]
WEIGHTS = [b"1", b"2", b"0.5", b"-1", b"0", b"inf", b"-inf", b"1e308",
           b"0.1", b"3"]


class ZGen(GenBase):
    KEY_TABLE = ((1.0, ZKEYS),)
    MUTATE_P = 0.04
    MUTATE_EXTRAS = [b"extra", b"1", b"", b"NX", b"+inf"]
    MUTATE_MANY = True

    def c(self, *args, kind="exact", lex=False):
        """A step: ("cmd", args, kind, lex). lex steps write lex keys and
        are never mutated (that could give their members other scores)."""
        return super().c(*args, kind=kind) + (lex,)

    def zkey(self):
        """A key for writes with any score (never a lex key)."""
        return self.key()

    def anykey(self):
        return self.rng.choice(ZKEYS + LEXKEYS + OTHER + [STR] + SETKEYS)

    def member(self):
        return self.rng.choice(MEMBERS)

    def score(self):
        if self.rng.random() < 0.04:
            return self.rng.choice(BAD_SCORES)
        return self.rng.choice(SCORES)

    def sbound(self):
        if self.rng.random() < 0.05:
            return self.rng.choice(BAD_SCORE_BOUNDS)
        return self.rng.choice(SCORE_BOUNDS)

    def lbound(self):
        if self.rng.random() < 0.05:
            return self.rng.choice(BAD_LEX_BOUNDS)
        return self.rng.choice(LEX_BOUNDS)

    def index(self):
        if self.rng.random() < 0.93:
            return str(self.rng.randint(-12, 12)).encode()
        return self.rng.choice([b"abc", b"9223372036854775807",
                                b"-9223372036854775808", b"1.5", b""])

    def limit(self):
        rng = self.rng
        off = str(rng.choice([0, 0, 1, 2, 3, -1, 5])).encode()
        cnt = str(rng.choice([-1, -2, 0, 1, 2, 3, 10])).encode()
        if rng.random() < 0.05:
            off = b"x"
        return [rand_case(rng, "LIMIT"), off, cnt]

    # -- writes ------------------------------------------------------------
    def g_zadd(self):
        rng = self.rng
        if rng.random() < 0.25:
            return self.g_zadd_lex()
        opts = []
        for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
            opts.append(rand_case(rng, rng.choice(
                ["NX", "XX", "GT", "LT", "CH", "INCR"])))
        pairs = 1 if "INCR" in [o.upper() for o in opts] and \
            rng.random() < 0.9 else rng.randint(1, 4)
        args = ["ZADD", self.zkey()] + opts
        for _ in range(pairs):
            args += [self.score(), self.member()]
        if rng.random() < 0.03:
            args.append(self.score())  # odd number of arguments
        return [self.c(*args)]

    def g_zadd_lex(self):
        rng = self.rng
        opts = [rand_case(rng, o) for o in rng.sample(["NX", "XX", "CH", "GT"],
                                                       rng.choice([0, 0, 1]))]
        args = ["ZADD", rng.choice(LEXKEYS)] + opts
        for _ in range(rng.randint(1, 4)):
            args += [b"0", rng.choice(LEXMEMBERS)]
        return [self.c(*args, lex=True)]

    def g_bulk(self):
        """Grow a set past (or up to) the listpack limits."""
        rng = self.rng
        n = rng.choice([60, 120, 127, 128, 129, 140])
        if rng.random() < 0.3:
            key = rng.choice(LEXKEYS)
            args = ["ZADD", key]
            for i in range(n):
                args += [b"0", b"w%03d" % rng.randrange(200)]
            return [self.c(*args, lex=True)]
        key = rng.choice([b"big", b"big", b"z1", b"z2"])
        args = ["ZADD", key]
        for i in range(n):
            m = b"m%03d" % rng.randrange(300)
            if rng.random() < 0.02:
                m = m + b"-" * rng.choice([60, 61, 62])  # 64 to 66 bytes
            args += [self.rng.choice(SCORES[:14]), m]
        return [self.c(*args)]

    def g_zincrby(self):
        rng = self.rng
        if rng.random() < 0.1:
            return [self.c("ZINCRBY", rng.choice(LEXKEYS), b"0",
                           rng.choice(LEXMEMBERS), lex=True)]
        inc = self.score() if rng.random() < 0.8 else rng.choice(
            [b"NX", b"incr", b"inf", b"-inf"])
        return [self.c("ZINCRBY", self.zkey(), inc, self.member())]

    def g_zrem(self):
        rng = self.rng
        if rng.random() < 0.3:
            return [self.c("ZREM", rng.choice(LEXKEYS),
                           *rng.sample(LEXMEMBERS, rng.randint(1, 3)),
                           lex=True)]
        return [self.c("ZREM", self.zkey(),
                       *[self.member() for _ in range(rng.randint(1, 4))])]

    def g_zpop(self):
        rng = self.rng
        name = rng.choice(["ZPOPMIN", "ZPOPMAX"])
        key = self.anykey()
        args = [name, key]
        r = rng.random()
        if r < 0.6:
            args.append(rng.choice([b"0", b"1", b"2", b"3", b"10", b"200"]))
        elif r < 0.7:
            args.append(rng.choice([b"-1", b"abc", b"1.5"]))
        elif r < 0.72:
            args += [b"1", b"2"]
        return [self.c(*args, lex=key in LEXKEYS)]

    def g_zremrange(self):
        rng = self.rng
        r = rng.random()
        if r < 0.35:
            return [self.c("ZREMRANGEBYRANK", self.anykey(), self.index(),
                           self.index(), lex=True)]
        if r < 0.7:
            return [self.c("ZREMRANGEBYSCORE", self.anykey(), self.sbound(),
                           self.sbound(), lex=True)]
        return [self.c("ZREMRANGEBYLEX", rng.choice(LEXKEYS + [STR]),
                       self.lbound(), self.lbound(), lex=True)]

    def store_dst(self):
        return self.rng.choice([b"z1", b"z2", b"z3", b"big", b"s", b"dst"])

    def g_sadd(self):
        """Plain sets (intsets and hashtables) as inputs of ZUNION and co."""
        rng = self.rng
        pool = MEMBERS if rng.random() < 0.6 else [b"1", b"2", b"3", b"-1", b"10"]
        return [self.c("SADD", rng.choice(SETKEYS),
                       *rng.sample(pool, rng.randint(1, 4)))]

    def g_zrangestore(self):
        rng = self.rng
        src = self.anykey()
        # Lex keys may only receive members of other lex keys.
        dst = rng.choice(LEXKEYS) if src in LEXKEYS and rng.random() < 0.3 \
            else self.store_dst()
        args = ["ZRANGESTORE", dst, src]
        args += self.range_args(src, store=True)
        return [self.c(*args, lex=dst in LEXKEYS)]

    def g_setop_store(self):
        rng = self.rng
        name = rng.choice(["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"])
        n = rng.choice([1, 2, 2, 3])
        srcs = [self.anykey() for _ in range(n)]
        numkeys = str(n).encode()
        if rng.random() < 0.04:
            numkeys = rng.choice([b"0", b"-1", b"abc", str(n + 2).encode()])
        args = [name, self.store_dst(), numkeys] + srcs
        args += self.setop_opts(name, n)
        return [self.c(*args)]

    def setop_opts(self, name, n, withscores=False):
        """WEIGHTS / AGGREGATE / WITHSCORES groups in random order."""
        rng = self.rng
        groups = []
        if name.startswith("ZDIFF"):
            if rng.random() < 0.05:
                groups.append([b"WEIGHTS"] + [b"1"] * n)
        else:
            if rng.random() < 0.5:
                k = n if rng.random() < 0.93 else n - 1
                groups.append([rand_case(rng, "WEIGHTS")] + [
                    rng.choice(WEIGHTS) if rng.random() < 0.97 else b"abc"
                    for _ in range(k)])
            if rng.random() < 0.5:
                groups.append([rand_case(rng, "AGGREGATE"), rand_case(
                    rng, rng.choice(["SUM", "MIN", "MAX", "MAX", "AVG"]))])
        if withscores and rng.random() < 0.6:
            groups.append([rand_case(rng, "WITHSCORES")])
        rng.shuffle(groups)
        return [a for g in groups for a in g]

    # -- reads -------------------------------------------------------------
    def range_args(self, key, store=False):
        """min max and options for ZRANGE / ZRANGESTORE."""
        rng = self.rng
        lex = key in LEXKEYS
        r = rng.random()
        opts = []
        if lex and r < 0.4:
            lo, hi = self.lbound(), self.lbound()
            opts.append([rand_case(rng, "BYLEX")])
        elif r < 0.7:
            lo, hi = self.sbound(), self.sbound()
            opts.append([rand_case(rng, "BYSCORE")])
        else:
            lo, hi = self.index(), self.index()
        if rng.random() < 0.4:
            opts.append([rand_case(rng, "REV")])
        if rng.random() < (0.4 if opts else 0.05):
            opts.append(self.limit())
        if not store and rng.random() < 0.5:
            opts.append([rand_case(rng, "WITHSCORES")])
        if rng.random() < 0.03:
            opts.append([rng.choice([b"FOO", b"BYLEX", b"REV", b"LIMIT"])])
        rng.shuffle(opts)
        return [lo, hi] + [a for o in opts for a in o]

    def g_zrange(self):
        key = self.anykey()
        return [self.c("ZRANGE", key, *self.range_args(key))]

    def g_legacy_range(self):
        rng = self.rng
        key = self.anykey()
        name = rng.choice(["ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZREVRANGE",
                           "ZRANGEBYLEX", "ZREVRANGEBYLEX"])
        if "LEX" in name:
            key = rng.choice(LEXKEYS + [STR, b"nokey"])
            args = [name, key, self.lbound(), self.lbound()]
        elif name == "ZREVRANGE":
            args = [name, key, self.index(), self.index()]
        else:
            args = [name, key, self.sbound(), self.sbound()]
        if rng.random() < 0.4 and name != "ZREVRANGE":
            args += self.limit()
        if rng.random() < 0.4 and "LEX" not in name:
            args.append(rand_case(rng, "WITHSCORES"))
        if rng.random() < 0.03:
            args.append(rng.choice([b"REV", b"BYSCORE", b"WITHSCORES"]))
        return [self.c(*args)]

    def g_point(self):
        rng = self.rng
        key = self.anykey()
        members = LEXMEMBERS if key in LEXKEYS else MEMBERS
        name = rng.choice(["ZSCORE", "ZMSCORE", "ZRANK", "ZREVRANK", "ZCARD",
                           "ZSCORE", "ZRANK"])
        if name == "ZCARD":
            return [self.c(name, key)]
        if name == "ZMSCORE":
            return [self.c(name, key, *[rng.choice(members)
                                        for _ in range(rng.randint(1, 4))])]
        return [self.c(name, key, rng.choice(members))]

    def g_count(self):
        rng = self.rng
        if rng.random() < 0.4:
            return [self.c("ZLEXCOUNT", rng.choice(LEXKEYS + [STR]),
                           self.lbound(), self.lbound())]
        return [self.c("ZCOUNT", self.anykey(), self.sbound(), self.sbound())]

    def g_setop_read(self):
        rng = self.rng
        name = rng.choice(["ZUNION", "ZINTER", "ZDIFF", "ZINTERCARD"])
        n = rng.choice([1, 2, 3])
        args = [name, str(n).encode()] + [self.anykey() for _ in range(n)]
        if name == "ZINTERCARD":
            if rng.random() < 0.5:
                args += [b"LIMIT", rng.choice([b"0", b"1", b"2", b"-1"])]
        else:
            args += self.setop_opts(name, n, withscores=True)
        return [self.c(*args)]

    def g_zrandmember(self):
        rng = self.rng
        key = self.anykey()
        r = rng.random()
        if r < 0.2:
            return [self.c("ZRANDMEMBER", key, kind="zrandmember")]
        count = rng.choice([b"0", b"1", b"2", b"3", b"5", b"200", b"-1",
                            b"-3", b"-7", b"-200"])
        if rng.random() < 0.06:
            count = rng.choice([b"abc", b"-9223372036854775808",
                                b"9223372036854775807",
                                b"4611686018427387904"])
        args = ["ZRANDMEMBER", key, count]
        if rng.random() < 0.5:
            args.append(rand_case(rng, "WITHSCORES"))
        if rng.random() < 0.03:
            args.append(b"foo")
        return [self.c(*args, kind="zrandmember")]

    def g_zscan(self):
        rng = self.rng
        cursor = b"0" if rng.random() < 0.93 else rng.choice(
            [b"abc", b" 1", b"18446744073709551616"])
        args = ["ZSCAN", self.anykey(), cursor]
        for _ in range(rng.choice([0, 0, 1, 2])):
            o = rng.choice(["MATCH", "COUNT", "COUNT", "FOO"])
            if o == "MATCH":
                args += [rand_case(rng, o), rng.choice(
                    [b"*", b"m*", b"?", b"[a-c]*", b"m1*", b"x*", b""])]
            elif o == "COUNT":
                args += [rand_case(rng, o), rng.choice(
                    [b"1", b"2", b"5", b"100", b"0", b"abc"])]
            else:
                args.append(o)
        return [self.c(*args, kind="zscan")]

    # -- generic key commands ----------------------------------------------
    def g_keys(self):
        rng = self.rng
        r = rng.random()
        if r < 0.2:
            return [self.c("DEL", *[self.anykey() for _ in range(
                rng.randint(1, 2))], lex=True)]
        if r < 0.35:
            return [self.c("TYPE", self.anykey())]
        if r < 0.55:
            return [self.c("OBJECT", rand_case(rng, "ENCODING"),
                           self.anykey())]
        if r < 0.65:
            return [self.c("SCAN", b"0", b"TYPE", rng.choice(
                [b"zset", b"string", b"ZSET"]), kind="scan")]
        if r < 0.75:
            key = self.rng.choice(ZKEYS + [STR, STR])
            return [self.c("SET", key, rng.choice([b"v", b"1"]))]
        if r < 0.88:
            src = self.anykey()
            dst = rng.choice(LEXKEYS) if src in LEXKEYS and \
                rng.random() < 0.5 else self.store_dst()
            name = rng.choice(["RENAME", "COPY", "COPY", "RENAMENX"])
            args = [name, src, dst]
            if name == "COPY" and rng.random() < 0.5:
                args.append(b"REPLACE")
            return [self.c(*args, lex=True)]
        if r < 0.95:
            return [self.c(rng.choice(["EXPIRE", "PEXPIRE"]), self.anykey(),
                           str(rng.randint(1000, 100000)).encode())]
        return [self.c("TTL", self.anykey(), kind="ttl")]

    WEIGHTS = [
        ("g_zadd", 16), ("g_bulk", 2), ("g_zincrby", 5), ("g_zrem", 5),
        ("g_zpop", 4), ("g_zremrange", 4), ("g_zrangestore", 4),
        ("g_setop_store", 6), ("g_zrange", 10), ("g_legacy_range", 8),
        ("g_point", 10), ("g_count", 5), ("g_setop_read", 4),
        ("g_zrandmember", 4), ("g_zscan", 3), ("g_keys", 8), ("g_sadd", 3),
    ]

    def mutable(self, step):
        return step[2] == "exact" and not step[3]


# --------------------------------------------------------------------------
# normalisers for the two random commands


def zrange_all(conn, key):
    """{member: score text} of key on this server (ZRANGE ... WITHSCORES),
    or None when the key holds no sorted set."""
    r = conn.call("ZRANGE", key, "0", "-1", "WITHSCORES")
    if r[0] != "array":
        return None
    items = r[1]
    out = {}
    if items and items[0][0] == "array":  # RESP3 pairs
        for pair in items:
            out[pair[1][0][1]] = pair[1][1]
    else:
        for i in range(0, len(items), 2):
            out[items[i][1]] = items[i + 1]
    return out


def zrandmember_check(conn, args):
    r = conn.call(*args)
    if r[0] in ("error", "nil", "null"):
        return r
    members = zrange_all(conn, args[1]) or {}
    if r[0] == "bulk":
        return ("one-member", r[1] in members)
    if r[0] != "array":
        return ("unexpected", r)
    count = int(args[2])
    with_scores = len(args) == 4
    items = list(r[1])
    pairs = []
    shape = set()
    if with_scores and items and items[0][0] == "array":
        for p in items:
            shape.add(("pair", len(p[1]), p[1][0][0], p[1][1][0]))
            pairs.append((p[1][0][1], p[1][1]))
    elif with_scores:
        if len(items) % 2:
            return ("odd-length", r)
        for i in range(0, len(items), 2):
            shape.add(("flat", items[i][0], items[i + 1][0]))
            pairs.append((items[i][1], items[i + 1]))
    else:
        for it in items:
            shape.add(("member", it[0]))
            pairs.append((it[1], None))
    valid = all(m in members and (s is None or members[m] == s)
                for m, s in pairs)
    expected = min(count, len(members)) if count > 0 else -count
    distinct = len({m for m, _ in pairs}) == len(pairs) if count > 0 else None
    return ("rand", len(pairs) == expected, valid, distinct,
            tuple(sorted(shape)))


def zscan_all(conn, args):
    first = conn.call(*args)
    reply = first
    pairs = set()
    for _ in range(100000):
        ok = (reply[0] == "array" and len(reply[1]) == 2
              and reply[1][0][0] == "bulk" and reply[1][1][0] == "array"
              and len(reply[1][1][1]) % 2 == 0)
        if not ok:
            return reply if reply is first else ("bad-zscan-page", reply)
        flat = reply[1][1][1]
        for i in range(0, len(flat), 2):
            pairs.add((flat[i], flat[i + 1]))
        cursor = reply[1][0][1]
        if cursor == b"0":
            return ("zscanned", tuple(sorted(pairs)))
        reply = conn.call(args[0], args[1], cursor, *args[3:])
    return ("zscan-did-not-terminate",)


def zrun_step(conn, args, kind):
    if kind == "zrandmember":
        return zrandmember_check(conn, args)
    if kind == "zscan":
        return zscan_all(conn, args)
    return run_step(conn, args, kind)


def zset_contents(rconn, k):
    """Final state of one key: type, encoding, TTL and contents."""
    yield [b"TYPE", k], "exact"
    yield [b"OBJECT", b"ENCODING", k], "exact"
    yield [b"PTTL", k], "pttl"
    t = rconn.call("TYPE", k)
    if t == ("simple", b"zset"):
        yield [b"ZRANGE", k, b"0", b"-1", b"WITHSCORES"], "exact"
    elif t == ("simple", b"set"):
        yield [b"SINTERCARD", b"1", k], "exact"
        yield [b"ZRANGE", k, b"0", b"-1"], "exact"  # WRONGTYPE
        yield [b"ZUNION", b"1", k, b"WITHSCORES"], "exact"
    else:
        yield [b"GET", k], "exact"


@pytest.mark.parametrize("proto", [2, 3], ids=["resp2", "resp3"])
@pytest.mark.parametrize("seed", SEEDS, ids=["seed%d" % s for s in SEEDS])
def test_differential_zsets(seed, proto, redis_server, cachet_server):
    run_sequence(seed, proto, redis_server, cachet_server,
                 ZGen(seed).sequence(N_CMDS),
                 "test_differential_zsets.py::test_differential_zsets",
                 lambda rconn: final_state(rconn, zset_contents),
                 norm=zrun_step)
