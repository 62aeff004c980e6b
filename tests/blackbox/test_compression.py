"""Black-box tests of transparent compression (docs/compression.md).

A differential run first: cachet with compressed namespaces (`c:` lz4 and `z:` zstd, both
compress-above 64, from a [[namespace]] config) and a real redis-server receive the same
seeded random sequence of every string command on compressible values, and every reply must
be identical; the final state (every key's value, length, TTL and encoding) is compared too,
and cachet must really have stored values compressed along the way. Then: memory of 1000 x
10 KB JSON values with and without compression, restarts from a snapshot and from the
append-only log (with a rewrite) returning the original bytes, the HTTP key routes, and the
INFO / NAMESPACE.STATS / admin stats fields.

Environment: CACHET_COMPRESS_SEED (base seed, random if unset), CACHET_COMPRESS_SEQS
(sequences, default 6), CACHET_COMPRESS_LEN (commands per sequence, default 400).
"""

import http.client
import json
import os
import random

import pytest
import redis

from conftest import HOST, cachet_is_redis

pytestmark = pytest.mark.skipif(cachet_is_redis(), reason="cachet-only feature")

BASE_SEED = int(os.environ.get("CACHET_COMPRESS_SEED") or random.SystemRandom().randrange(10**9))
N_SEQS = int(os.environ.get("CACHET_COMPRESS_SEQS", "6"))
N_CMDS = int(os.environ.get("CACHET_COMPRESS_LEN", "400"))

CONFIG = """
[[namespace]]
name = "c"
prefix = "c:"
compress-above = 64

[[namespace]]
name = "z"
prefix = "z:"
compress-above = 64
compress = "zstd"
"""

KEYS = [b"c:%d" % i for i in range(6)] + [b"z:%d" % i for i in range(3)] + [b"o:1", b"o:2"]
WORDS = [b"alpha", b"order", b"shipped", b"customer", b"invoice", b"product", b"london",
         b"active", b"payment", b"refund", b"review", b"profile"]


def json_value(rng, size):
    """A JSON-like API response of exactly size bytes."""
    parts = [b'{"data":[']
    n = len(parts[0])
    i = 0
    while n < size:
        item = b'{"id":%d,"name":"%s %s","active":%s,"score":%d},' % (
            1000 + i, rng.choice(WORDS), rng.choice(WORDS),
            rng.choice([b"true", b"false"]), rng.randrange(1000))
        parts.append(item)
        n += len(item)
        i += 1
    return b"".join(parts)[:size]


class Gen:
    def __init__(self, seed):
        self.rng = random.Random(seed)

    def key(self):
        return self.rng.choice(KEYS)

    def value(self):
        r = self.rng.random()
        if r < 0.6:
            return json_value(self.rng, self.rng.choice([64, 65, 100, 500, 2000, 9000]))
        if r < 0.7:
            return b"x" * self.rng.randrange(60, 300)
        if r < 0.8:
            return str(self.rng.randrange(-1000, 1000)).encode()
        if r < 0.85:
            return b"0" * 70 + b"1.5"  # a long number: compressed, and INCRBYFLOAT reads it
        if r < 0.9:
            return bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(64, 200)))
        return json_value(self.rng, self.rng.randrange(1, 64))

    def index(self):
        return str(self.rng.choice([0, 1, 5, 63, 64, 100, 999, 5000, 20000, -1, -2, -64,
                                    -100, -5000, -30000])).encode()

    def command(self):
        rng = self.rng
        k = self.key()
        c = rng.randrange(30)
        if c < 5:
            args = [b"SET", k, self.value()]
            opt = rng.random()
            if opt < 0.15:
                args += [b"EX", b"1000"]
            elif opt < 0.25:
                args += [b"PX", b"500000"]
            elif opt < 0.35:
                args += [b"NX"]
            elif opt < 0.45:
                args += [b"XX"]
            elif opt < 0.55:
                args += [b"KEEPTTL"]
            if rng.random() < 0.3:
                args += [b"GET"]
            return args
        if c < 8:
            return [b"GET", k]
        if c == 8:
            return [b"MGET"] + [self.key() for _ in range(rng.randrange(1, 5))]
        if c == 9:
            return [rng.choice([b"GETRANGE", b"SUBSTR"]), k, self.index(), self.index()]
        if c == 10:
            return [b"STRLEN", k]
        if c == 11:
            return [b"APPEND", k, rng.choice([b"", b"tail", json_value(rng, 200)])]
        if c == 12:
            off = rng.choice([0, 3, 63, 64, 500, 2500, 9500, 12000])
            return [b"SETRANGE", k, str(off).encode(), rng.choice([b"", b"XYZ", b"\x00" * 70])]
        if c == 13:
            return rng.choice([[b"INCR", k], [b"DECR", k], [b"INCRBY", k, b"17"],
                               [b"INCRBYFLOAT", k, b"2.5"]])
        if c == 14:
            return [b"GETEX", k] + rng.choice([[], [b"EX", b"900"], [b"PX", b"800000"],
                                               [b"PERSIST"]])
        if c == 15:
            return [b"GETDEL", k]
        if c == 16:
            return [b"GETSET", k, self.value()]
        if c == 17:
            return [b"LCS", k, self.key()] + rng.choice([[], [b"LEN"]])
        if c == 18:
            return [b"COPY", k, self.key()] + rng.choice([[], [b"REPLACE"]])
        if c == 19:
            return [rng.choice([b"RENAME", b"RENAMENX"]), k, self.key()]
        if c == 20:
            return [b"MSET"] + [x for _ in range(rng.randrange(1, 4))
                                for x in (self.key(), self.value())]
        if c == 21:
            return [b"MSETNX", self.key(), self.value(), self.key(), self.value()]
        if c == 22:
            return [b"SETNX", k, self.value()]
        if c == 23:
            return [rng.choice([b"SETEX", b"PSETEX"]), k, b"100000", self.value()]
        if c == 24:
            return [b"DEL", k]
        if c == 25:
            return [b"EXISTS", k, self.key()]
        if c == 26:
            return [b"TYPE", k]
        if c == 27:
            return [b"OBJECT", b"ENCODING", k]
        if c == 28:
            return [b"LPUSH", k, b"v"]  # a list in a compressed namespace: WRONGTYPE paths
        return [b"TTL", k]


def same(kind, r, c):
    if kind == b"TTL" and r[0] == "int" and c[0] == "int" and r[1] >= 0 and c[1] >= 0:
        return abs(r[1] - c[1]) <= 1
    return r == c


def short(x):
    s = repr(x)
    return s if len(s) < 300 else s[:300] + "...(%d chars)" % len(s)


def compressed_keys(conn, ns):
    r = conn.call("NAMESPACE.STATS", ns)
    fields = dict(zip(r[1][0::2], r[1][1::2]))
    return fields[("bulk", b"compressed_keys")][1]


def lcs_too_big(conn, a, b):
    la, lb = conn.call("STRLEN", a), conn.call("STRLEN", b)
    if la[0] != "int" or lb[0] != "int":
        return False  # WRONGTYPE: the error is compared
    return (la[1] + 1) * (lb[1] + 1) > 4_000_000


def start_pair(redis_factory, cachet_factory, tmp_path):
    cfg = tmp_path / "compress.toml"
    cfg.write_text(CONFIG)
    return redis_factory(), cachet_factory("--config", str(cfg))


@pytest.mark.parametrize("seq", range(N_SEQS))
def test_differential_compression(seq, redis_factory, cachet_factory, tmp_path):
    seed = BASE_SEED + seq
    rsrv, csrv = start_pair(redis_factory, cachet_factory, tmp_path)
    rconn, cconn = rsrv.conn(timeout=10.0), csrv.conn(timeout=10.0)
    gen = Gen(seed)
    history = []
    saw_compressed = 0
    header = "CACHET_COMPRESS_SEED=%d (sequence %d)" % (BASE_SEED, seq)
    for i in range(N_CMDS):
        args = gen.command()
        if args[0] == b"LCS" and lcs_too_big(rconn, args[1], args[2]):
            args = [b"STRLEN", args[1]]  # the quadratic table would need hundreds of MB
        r, c = rconn.call(*args), cconn.call(*args)
        history.append("#%d %s -> %s" % (i, short(args), short(r)))
        assert same(args[0], r, c), "%s\nmismatch at #%d %s\n redis : %s\n cachet: %s\n%s" % (
            header, i, short(args), short(r), short(c), "\n".join(history[-10:]))
        if i % 50 == 49:
            saw_compressed += compressed_keys(cconn, "c") + compressed_keys(cconn, "z")
    for k in KEYS:
        for args in ([b"GET", k], [b"STRLEN", k], [b"TYPE", k], [b"OBJECT", b"ENCODING", k],
                     [b"GETRANGE", k, b"-100", b"-1"]):
            r, c = rconn.call(*args), cconn.call(*args)
            assert r == c, "%s\nfinal state %s\n redis : %s\n cachet: %s" % (
                header, short(args), short(r), short(c))
        r, c = rconn.call("PTTL", k)[1], cconn.call("PTTL", k)[1]
        assert (r < 0 and r == c) or abs(r - c) < 2000, (header, k, r, c)
    assert saw_compressed > 0, header + ": no value was ever stored compressed"
    rconn.close()
    cconn.close()


def as_dict(reply):
    return dict(zip(reply[0::2], reply[1::2]))


def test_memory_savings_and_stats(cachet_factory, tmp_path):
    cfg = tmp_path / "compress.toml"
    cfg.write_text(CONFIG)
    srv = cachet_factory("--config", str(cfg))
    r = redis.Redis(host=HOST, port=srv.port)
    rng = random.Random(5)
    values = [json_value(rng, 10240) for _ in range(1000)]
    base = r.info("memory")["used_memory"]
    pipe = r.pipeline(transaction=False)
    for i, v in enumerate(values):
        pipe.set(b"c:%d" % i, v)
    pipe.execute()
    compressed = r.info("memory")["used_memory"] - base
    for i, v in enumerate(values):
        pipe.set(b"raw:%d" % i, v)
    pipe.execute()
    raw = r.info("memory")["used_memory"] - base - compressed
    print("1000 x 10 KB JSON: %d bytes compressed, %d raw (%.1fx)"
          % (compressed, raw, raw / compressed))
    assert raw > 1000 * 10240
    assert compressed * 3 < raw  # lz4 on this JSON saves well over two thirds
    for i in range(0, 1000, 7):
        assert r.get(b"c:%d" % i) == values[i]
        assert r.strlen(b"c:%d" % i) == 10240
    s = as_dict(r.execute_command("NAMESPACE.STATS", "c"))
    assert s[b"compressed_keys"] == 1000
    assert s[b"uncompressed_bytes"] == 1000 * 10240
    assert 0 < s[b"compressed_bytes"] < 1000 * 10240 / 3
    assert s[b"compression_saved_bytes"] == s[b"uncompressed_bytes"] - s[b"compressed_bytes"]
    assert s[b"memory_bytes"] < compressed
    info = r.info("compression")
    assert info["compressed_keys"] == 1000
    assert info["uncompressed_bytes"] == 1000 * 10240
    assert info["compressed_bytes"] == s[b"compressed_bytes"]
    assert info["compression_saved_bytes"] == s[b"compression_saved_bytes"]
    assert float(info["compression_ratio"]) > 3
    assert "compressed_keys" in r.info()  # part of the default INFO
    assert r.object("encoding", "c:1") == b"raw"
    r.delete(*[b"c:%d" % i for i in range(500)])
    assert r.info("compression")["compressed_keys"] == 500
    r.flushall()
    info = r.info("compression")
    assert (info["compressed_keys"], info["compressed_bytes"], info["uncompressed_bytes"]) == \
        (0, 0, 0)


@pytest.mark.parametrize("mode", ["snapshot", "aof"])
def test_restart_returns_original_bytes(mode, cachet_factory, tmp_path):
    cfg = tmp_path / "compress.toml"
    cfg.write_text(CONFIG)
    extra = ["--config", str(cfg)]
    if mode == "aof":
        extra += ["--appendonly", "yes", "--appendfsync", "always"]
    srv = cachet_factory(*extra)
    r = redis.Redis(host=HOST, port=srv.port)
    rng = random.Random(9)
    want = {}
    for i in range(200):
        key = (b"c:%d" if i % 2 else b"z:%d") % i
        want[key] = json_value(rng, rng.randrange(64, 20000))
        r.set(key, want[key], ex=3600 if i % 3 == 0 else None)
    r.append(b"c:1", b"-appended")  # raw after the append
    want[b"c:1"] += b"-appended"
    r.setrange(b"z:2", 10, b"HELLO")
    want[b"z:2"] = want[b"z:2"][:10] + b"HELLO" + want[b"z:2"][15:]
    if mode == "aof":
        r.bgrewriteaof()  # the rewritten base is a snapshot; later writes go to the new log
        wait_for(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0)
        r.set(b"c:after", want.setdefault(b"c:after", json_value(rng, 5000)))
    else:
        r.save()
    before = r.info("compression")
    srv.stop()
    srv.start()
    r = redis.Redis(host=HOST, port=srv.port)
    for key, value in want.items():
        assert r.get(key) == value, key
    assert r.ttl(b"z:0") > 3000
    after = r.info("compression")
    # The load compresses every value again, including the two the writes had turned raw.
    assert before["compressed_keys"] == len(want) - 2
    assert after["compressed_keys"] == len(want)
    assert after["uncompressed_bytes"] == sum(len(v) for v in want.values())


def wait_for(cond, timeout=10.0):
    import time
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_http_routes_and_admin_stats(cachet_factory, tmp_path):
    from test_http import TOKEN, start
    cfg = tmp_path / "compress.toml"
    cfg.write_text(CONFIG)
    api = start(cachet_factory, "--config", str(cfg))
    value = json_value(random.Random(3), 8000).decode()
    resp = api.call("PUT", "/api/cache/keys/c:http", body={"value": value})
    assert resp.status == 200, resp
    assert api.r.execute_command("NAMESPACE.STATS", "c")[api.r.execute_command(
        "NAMESPACE.STATS", "c").index(b"compressed_keys") + 1] == 1
    got = api.get_json("/api/cache/keys/c:http")
    assert got["value"] == value
    stats = api.get_json("/api/cache/stats")
    ns = {n["name"]: n for n in stats["namespaces"]}
    assert ns["c"]["compressed_keys"] == 1
    assert ns["c"]["uncompressed_bytes"] == 8000
    assert 0 < ns["c"]["compressed_bytes"] < 8000
    conn = http.client.HTTPConnection(HOST, api.port, timeout=10)
    conn.request("GET", "/metrics", headers={"Authorization": "Bearer " + TOKEN})
    text = conn.getresponse().read().decode()
    conn.close()
    assert 'cachet_namespace_compression_saved_bytes{namespace="c"}' in text
    assert json.dumps(got)  # the reply is plain JSON
