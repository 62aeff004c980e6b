"""Random command sequences for the hash differential test
(test_differential_hashes.py): keys, fields and values around Redis's integer,
float and listpack rules, one generator per command group, and CONFIG SET of
the listpack thresholds.
"""

from diff_gen import GenBase
from test_differential import rand_case

HASH_KEYS = [b"h%d" % i for i in range(5)]
STR_KEY, SET_KEY = b"str", b"set"
FIELDS = [b"f%d" % i for i in range(12)] + [b"", b"a b", b"\x00\xff", b"F" * 70,
                                             "\u00e9".encode()]
VALUES = [b"0", b"1", b"-1", b"10", b"007", b"+1", b" 1", b"1.5", b"-2.25",
          b"1e3", b"abc", b"", b"9223372036854775807", b"-9223372036854775808",
          b"9223372036854775808", b"inf", b"nan", b"v" * 70, b"0x10", b"3.0"]
INCRS = [b"1", b"-1", b"0", b"5", b"100", b"9223372036854775807",
         b"-9223372036854775808", b"abc", b"1.5", b"", b" 1", b"+2"]
FLOAT_INCRS = [b"1", b"-1", b"0.1", b"1.5", b"-2.25", b"1e3", b"5e-324",
               b"1.7976931348623157e308", b"inf", b"-inf", b"nan", b"abc", b"",
               b"0x10", b"1e400", b" 1", b"3.0"]
COUNTS = [b"0", b"1", b"2", b"3", b"5", b"20", b"600", b"-1", b"-3", b"-20",
          b"abc", b"-9223372036854775808", b"9223372036854775807",
          b"4611686018427387904", b"-4611686018427387904"]
PATTERNS = [b"*", b"f*", b"f1*", b"?", b"*a*", b"[a-f]*", b"x*", b""]


class Gen(GenBase):
    KEY_TABLE = ((0.88, HASH_KEYS), (0.95, STR_KEY), (1.0, SET_KEY))
    MUTATE_EXTRAS = [b"extra", b"f1", b"1"]

    def field(self):
        return self.rng.choice(FIELDS)

    def value(self):
        return self.rng.choice(VALUES)

    def pairs(self, lo, hi):
        out = []
        for _ in range(self.rng.randint(lo, hi)):
            out += [self.field(), self.value()]
        return out

    def g_hset(self):
        rng = self.rng
        name = rng.choice(["HSET", "HSET", "HMSET"])
        return [self.c(rand_case(rng, name), self.key(), *self.pairs(1, 4))]

    def g_hsetnx(self):
        return [self.c("HSETNX", self.key(), self.field(), self.value())]

    def g_big(self):
        """Enough fields to reach or cross the listpack limit."""
        rng = self.rng
        n = rng.choice([rng.randint(505, 520), rng.randint(1, 40)])
        args = []
        for i in range(n):
            args += [b"g%d" % i, b"%d" % i]
        if rng.random() < 0.2:
            args += [b"long", b"x" * rng.choice([63, 64, 65])]
        return [self.c("HSET", rng.choice(HASH_KEYS), *args),
                self.c("OBJECT", "ENCODING", rng.choice(HASH_KEYS))]

    def g_hdel(self):
        fields = [self.field() for _ in range(self.rng.randint(1, 4))]
        return [self.c("HDEL", self.key(), *fields)]

    def g_read(self):
        rng = self.rng
        r = rng.random()
        if r < 0.25:
            return [self.c("HGET", self.key(), self.field())]
        if r < 0.4:
            return [self.c("HMGET", self.key(),
                           *[self.field() for _ in range(rng.randint(1, 4))])]
        if r < 0.55:
            return [self.c("HEXISTS", self.key(), self.field())]
        if r < 0.65:
            return [self.c("HLEN", self.key())]
        if r < 0.75:
            return [self.c("HSTRLEN", self.key(), self.field())]
        return [self.c(rng.choice(["HGETALL", "HKEYS", "HVALS"]), self.key(),
                       kind="all")]

    def g_hincrby(self):
        return [self.c("HINCRBY", self.key(), self.field(),
                       self.rng.choice(INCRS))]

    def g_hincrbyfloat(self):
        return [self.c("HINCRBYFLOAT", self.key(), self.field(),
                       self.rng.choice(FLOAT_INCRS))]

    def g_hrandfield(self):
        rng = self.rng
        args = ["HRANDFIELD", self.key()]
        if rng.random() < 0.8:
            count = rng.choice(COUNTS)
            args.append(count)
            # Redis would really try to reply -4611686018427387904 fields.
            if rng.random() < 0.5 or count == b"-4611686018427387904":
                args.append(rand_case(rng, "withvalues"))
            if rng.random() < 0.04:
                args.append(b"extra")
        return [self.c(*args, kind="random")]

    def g_hscan(self):
        rng = self.rng
        cursor = b"0" if rng.random() < 0.85 else rng.choice(
            [b"abc", b"-1", b"18446744073709551616", b"", b"5"])
        args = ["HSCAN", rng.choice(HASH_KEYS + [STR_KEY, b"nokey"]), cursor]
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            o = rng.choice(["MATCH", "COUNT", "MATCH", "COUNT", "NOVALUES", "TYPE"])
            if o == "MATCH":
                args += [rand_case(rng, o), rng.choice(PATTERNS)]
            elif o == "COUNT":
                args += [o, rng.choice([b"1", b"3", b"10", b"100", b"0", b"-1",
                                        b"abc"])]
            elif o == "TYPE":
                args += [o, b"hash"]
            else:
                args.append(o)
        return [self.c(*args, kind="hscan")]

    def g_config(self):
        """Move the listpack thresholds (both names), then look at encodings."""
        rng = self.rng
        name = rng.choice(["hash-max-listpack-entries", "hash-max-ziplist-entries",
                           "hash-max-listpack-value", "hash-max-ziplist-value"])
        if "entries" in name:
            value = rng.choice([b"0", b"1", b"4", b"8", b"512", b"512"])
        else:
            value = rng.choice([b"0", b"2", b"10", b"64", b"64", b"1kb"])
        if rng.random() < 0.05:
            value = rng.choice([b"-1", b"abc"])
        k = rng.choice(HASH_KEYS)
        return [self.c("CONFIG", "SET", name, value),
                self.c("CONFIG", "GET", "hash-max-*", kind="config"),
                self.c("HSET", k, self.field(), self.value()),
                self.c("OBJECT", "ENCODING", k)]

    def g_keyspace(self):
        rng = self.rng
        r = rng.random()
        if r < 0.25:
            return [self.c("DEL", self.key())]
        if r < 0.5:
            return [self.c("OBJECT", "ENCODING", self.key())]
        if r < 0.65:
            return [self.c("TYPE", self.key())]
        if r < 0.8:
            return [self.c("COPY", self.key(), self.key(), "REPLACE")]
        return [self.c("RENAME", self.key(), self.key())]

    WEIGHTS = [("g_hset", 18), ("g_hsetnx", 4), ("g_big", 2), ("g_hdel", 7),
               ("g_read", 16), ("g_hincrby", 6), ("g_hincrbyfloat", 6),
               ("g_hrandfield", 6), ("g_hscan", 5), ("g_config", 2),
               ("g_keyspace", 6)]

    def mutable(self, step):
        return step[2] == "exact" and step[1][0].upper() != b"CONFIG"

    def preamble(self):
        return [self.c("SET", STR_KEY, "v"), self.c("SADD", SET_KEY, "m")]
