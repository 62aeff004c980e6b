"""Random command sequences for the set differential test
(test_differential_sets.py): keys, members around Redis's integer rules, one
generator per command group, and scenarios aimed at Redis's rarer set paths.
"""

import re

from diff_gen import GenBase
from test_differential import rand_case

MAX_INTSET = 512
INT64 = (-2**63, 2**63 - 1)

SET_KEYS = [b"s%d" % i for i in range(6)]
STR_KEY, HASH_KEY = b"str", b"h"
INTS = [b"%d" % i for i in range(-3, 25)]
ODD_INTS = [b"-0", b"007", b"+1", b" 1", b"1 ", b"9223372036854775807",
            b"-9223372036854775808", b"9223372036854775808", b"1.0", b"0x1"]
STRINGS = [b"a", b"b", b"c", b"x y", b"", b"\x00bin\xff", b"hello", b"*",
           b"m" * 70, "h\u00e9".encode()]
PATTERNS = [b"*", b"1*", b"*a*", b"[0-5]", b"?", b"-*", b"x*", b"\\*", b""]


def is_int_member(m):
    if not re.fullmatch(rb"-?[1-9][0-9]*|0", m):
        return False
    return INT64[0] <= int(m) <= INT64[1]


def intset_like(members):
    """Would Redis hold these members (added one by one) as an intset?"""
    return len(members) <= MAX_INTSET and all(is_int_member(m) for m in members)


# --------------------------------------------------------------------------
# generator


class Gen(GenBase):
    KEY_TABLE = ((0.88, SET_KEYS), (0.95, STR_KEY), (1.0, HASH_KEY))
    MUTATE_EXTRAS = [b"extra", b"s1", b"1"]

    def member(self):
        r = self.rng.random()
        if r < 0.65:
            return self.rng.choice(INTS)
        if r < 0.75:
            return self.rng.choice(ODD_INTS)
        return self.rng.choice(STRINGS)

    def members(self, lo, hi):
        return [self.member() for _ in range(self.rng.randint(lo, hi))]

    def g_sadd(self):
        return [self.c(rand_case(self.rng, "sadd"), self.key(),
                       *self.members(1, 6))]

    def g_big(self):
        """Enough integers to reach or cross the intset limit."""
        rng = self.rng
        start = rng.randint(-50, 50)
        n = rng.choice([rng.randint(505, 520), rng.randint(100, 700)])
        args = [b"%d" % i for i in range(start, start + n)]
        if rng.random() < 0.2:
            args.append(rng.choice(STRINGS))
        return [self.c("SADD", rng.choice(SET_KEYS), *args)]

    def g_srem(self):
        return [self.c("SREM", self.key(), *self.members(1, 5))]

    def g_read(self):
        rng = self.rng
        r = rng.random()
        if r < 0.3:
            return [self.c("SMEMBERS", self.key(), kind="members")]
        if r < 0.5:
            return [self.c("SCARD", self.key())]
        if r < 0.75:
            return [self.c("SISMEMBER", self.key(), self.member())]
        return [self.c("SMISMEMBER", self.key(), *self.members(1, 4))]

    def g_smove(self):
        return [self.c("SMOVE", self.key(), self.key(), self.member())]

    def g_algebra(self):
        rng = self.rng
        name = rng.choice(["SUNION", "SINTER", "SDIFF"])
        srcs = self.keys(1, 4)
        if rng.random() < 0.5:
            return [self.c(rand_case(rng, name), *srcs, kind="algebra")]
        dst = self.key()
        steps = [self.c(name + "STORE", dst, *srcs)]
        if rng.random() < 0.6:
            steps.append(self.c("OBJECT", "ENCODING", dst))
            steps.append(self.c("SMEMBERS", dst, kind="members"))
        return steps

    def g_sintercard(self):
        rng = self.rng
        ks = self.keys(1, 3)
        numkeys = str(len(ks)).encode()
        if rng.random() < 0.1:
            numkeys = rng.choice([b"0", b"-1", b"abc", b"4", b"9223372036854775808"])
        args = ["SINTERCARD", numkeys] + ks
        r = rng.random()
        if r < 0.4:
            args += [rand_case(rng, "limit"), rng.choice(
                [b"0", b"1", b"2", b"3", b"10", b"-1", b"abc"])]
        elif r < 0.45:
            args.append(rng.choice([b"LIMIT", b"FOO"]))
        elif r < 0.5:
            args += [b"LIMIT", b"1", b"LIMIT", b"2"]
        return [self.c(*args)]

    def g_spop(self):
        rng = self.rng
        args = ["SPOP", self.key()]
        if rng.random() < 0.6:
            args.append(rng.choice([b"0", b"1", b"2", b"3", b"5", b"10", b"50",
                                    b"600", b"-1", b"abc", b"1.5"]))
            if rng.random() < 0.03:
                args.append(b"1")
        return [self.c(*args, kind="random")]

    def g_srandmember(self):
        rng = self.rng
        args = ["SRANDMEMBER", self.key()]
        if rng.random() < 0.7:
            args.append(rng.choice([b"0", b"1", b"2", b"3", b"10", b"600",
                                    b"-1", b"-3", b"-20", b"abc",
                                    b"-9223372036854775808",
                                    b"9223372036854775807"]))
            if rng.random() < 0.03:
                args.append(b"1")
        return [self.c(*args, kind="random")]

    def g_sscan(self):
        rng = self.rng
        cursor = b"0" if rng.random() < 0.85 else rng.choice(
            [b"abc", b"-1", b"18446744073709551616", b"", b"5"])
        args = ["SSCAN", self.key(), cursor]
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            o = rng.choice(["MATCH", "COUNT", "MATCH", "COUNT", "TYPE", "FOO"])
            if o == "MATCH":
                args += [rand_case(rng, o), rng.choice(PATTERNS)]
            elif o == "COUNT":
                args += [o, rng.choice([b"1", b"3", b"10", b"100", b"0",
                                        b"-1", b"abc"])]
            elif o == "TYPE":
                args += [o, b"set"]
            else:
                args.append(o)
        return [self.c(*args, kind="sscan")]

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
            return [self.c("SCAN", "0", "TYPE", rng.choice(["set", "SET", "string"]),
                           "COUNT", rng.choice(["2", "100"]), kind="scan")]
        if r < 0.65:
            return [self.c(rng.choice(["RENAME", "RENAMENX"]), self.key(),
                           self.key())]
        if r < 0.75:
            args = ["COPY", self.key(), self.key()]
            if rng.random() < 0.3:
                args += ["DB", "1"]
            if rng.random() < 0.5:
                args.append("REPLACE")
            return [self.c(*args)]
        if r < 0.87:
            name = rng.choice(["EXPIRE", "PEXPIRE"])
            val = rng.randint(100, 10**6) * (1000 if name == "PEXPIRE" else 1)
            return [self.c(name, self.key(), str(val))]
        if r < 0.95:
            name = rng.choice(["TTL", "PTTL"])
            return [self.c(name, self.key(), kind=name.lower())]
        return [self.c("PERSIST", self.key())]

    def g_reset_other_types(self):
        rng = self.rng
        if rng.random() < 0.5:
            return [self.c("SET", STR_KEY, rng.choice([b"v", b"12", b"x" * 50]))]
        return [self.c("HSET", HASH_KEY, "f", self.member())]

    def g_scenario(self):
        """Random states aimed at Redis's less common paths: SDIFF's second
        algorithm, SPOP rebuilding the set, SINTER walking a hashtable or an
        intset, unions around the intset limit."""
        rng = self.rng
        k = rng.sample(SET_KEYS, 4)
        pick = rng.randrange(4)
        steps = [self.c("DEL", *k[:3])]
        if pick == 0:
            ints = rng.sample(INTS, rng.randint(4, 12))
            odd = rng.sample(STRINGS, rng.randint(1, 2))
            steps.append(self.c("SADD", k[0], *(ints + odd)))
            steps.append(self.c("SADD", k[1], *rng.sample(odd, 1)))
            steps.append(self.c("SADD", k[2], *rng.sample(ints + odd, 1)))
            srcs = [k[0], k[1], k[2]] + ([k[3]] if rng.random() < 0.3 else [])
            steps.append(self.c("SDIFF", *srcs, kind="algebra"))
            steps.append(self.c("SDIFFSTORE", k[3], *srcs))
            steps.append(self.c("OBJECT", "ENCODING", k[3]))
        elif pick == 1:
            n = rng.randint(2, 14)
            members = rng.sample(INTS, n) + rng.sample(STRINGS, rng.randint(0, 2))
            steps.append(self.c("SADD", k[0], *members))
            keep = rng.randint(0, 2)
            steps.append(self.c("SPOP", k[0], str(max(len(members) - keep, 1)),
                                kind="random"))
            steps.append(self.c("OBJECT", "ENCODING", k[0]))
        elif pick == 2:
            for key in k[:3]:
                members = rng.sample(INTS[3:11], rng.randint(2, 7))
                if rng.random() < 0.5:  # a hashtable holding only integers
                    steps.append(self.c("SADD", key, "a", *members))
                    steps.append(self.c("SREM", key, "a"))
                else:
                    steps.append(self.c("SADD", key, *members))
            srcs = rng.sample(k[:3], rng.randint(2, 3))
            steps.append(self.c("SINTER", *srcs, kind="algebra"))
            steps.append(self.c("SINTERSTORE", k[3], *srcs))
            steps.append(self.c("OBJECT", "ENCODING", k[3]))
        else:
            start = rng.randint(0, 100)
            steps.append(self.c("SADD", k[0], *[b"%d" % i for i in
                                                range(start, start + 300)]))
            extra = rng.randint(205, 220)
            steps.append(self.c("SADD", k[1], *[b"%d" % i for i in
                                                range(start + 300 - extra // 2,
                                                      start + 300 + extra)]))
            steps.append(self.c("SUNION", k[0], k[1], kind="algebra"))
            steps.append(self.c("SUNIONSTORE", k[3], k[0], k[1]))
            steps.append(self.c("OBJECT", "ENCODING", k[3]))
        return steps

    def g_expiry_block(self):
        k = self.rng.choice(SET_KEYS)
        return [self.c("SADD", k, "1", "a"),
                self.c("PEXPIRE", k, str(self.rng.randint(50, 150))),
                ("sleep", 0.25),
                self.c("SCARD", k), self.c("SISMEMBER", k, "1"),
                self.c("SMEMBERS", k, kind="members"),
                self.c("SUNION", k, SET_KEYS[0], kind="algebra"),
                self.c("EXISTS", k), self.c("DBSIZE")]

    WEIGHTS = [("g_sadd", 18), ("g_big", 1), ("g_srem", 7), ("g_read", 12),
               ("g_smove", 5), ("g_algebra", 12), ("g_sintercard", 4),
               ("g_spop", 6), ("g_srandmember", 6), ("g_sscan", 5),
               ("g_keyspace", 10), ("g_reset_other_types", 2),
               ("g_scenario", 4)]

    def preamble(self):
        return [self.c("SET", STR_KEY, "v"), self.c("HSET", HASH_KEY, "f", "v")]

    def plan_expiry(self, n):
        """One short-TTL block in a quarter of the sequences: the index
        from which it is due, or -1."""
        return self.rng.randrange(n) if self.rng.random() < 0.25 else -1

    def expiry_due(self, pos):
        if 0 <= self.expiry_plan <= pos:
            self.expiry_plan = -1
            return True
        return False


class NoExpiryGen(Gen):
    def g_expiry_block(self):
        return []


def _ints(lo, hi):
    return [b"%d" % i for i in range(lo, hi)]


# Every form in which random set writes reach the log, on keys the random
# sequence does not use: SPOP one member, a few (random removals), most (the
# set is rebuilt) and all (DEL), on intsets and hashtables, with a TTL.
PROPAGATION_TAIL = [
    [b"SADD", b"p1", b"x"] + _ints(0, 30), [b"SPOP", b"p1"], [b"SPOP", b"p1", b"3"],
    [b"SADD", b"p2", b"y"] + _ints(0, 20), [b"SPOP", b"p2", b"18"],
    [b"SADD", b"p3"] + _ints(0, 10), [b"SPOP", b"p3", b"2"], [b"SPOP", b"p3"],
    [b"SADD", b"p4", b"1", b"2", b"3"], [b"SPOP", b"p4", b"5"],
    [b"SADD", b"p5", b"a", b"b"] + _ints(0, 40), [b"EXPIRE", b"p5", b"1000"],
    [b"SPOP", b"p5", b"35"], [b"SMOVE", b"p5", b"p6", b"a"],
    [b"SINTERSTORE", b"p7", b"p1", b"p3"], [b"SUNIONSTORE", b"p8", b"p1", b"p2"],
    [b"SDIFFSTORE", b"p9", b"p8", b"p3"],
]
