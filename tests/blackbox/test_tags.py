"""Black-box tests of tags (docs/tags.md) against the built server: CACHE.SET with every SET
option checked against a real redis-server's SET, the TAG.* replies and errors, the tag index
staying exact on every path a key can leave by (a leaked entry shows up as a re-created key of
the same name appearing in TAG.KEYS), in-place changes keeping tags, the 64-tag limit, tags
surviving snapshot and append-only-log restarts, transactions, WATCH, keyspace notifications
and memory returning to its baseline."""

import itertools
import time

import pytest
import redis

from conftest import HOST, cachet_is_redis

pytestmark = pytest.mark.skipif(cachet_is_redis(), reason="cachet-only commands")

# redis-py drops the "ERR " of an error reply
TOO_MANY = "a key can carry at most 64 tags"
NEED_ONE = "TAGS needs at least one tag"
EMPTY_TAG = "a tag must not be empty"


def client(srv, db=0):
    return redis.Redis(host=HOST, port=srv.port, db=db, decode_responses=True,
                       socket_timeout=30)


@pytest.fixture
def r(cachet_server):
    return client(cachet_server)


def tag_keys(c, tag):
    return c.execute_command("TAG.KEYS", tag)


def tag_get(c, key):
    return c.execute_command("TAG.GET", key)


def run(c, *args):
    """A command's reply, or ('error', message) when it fails."""
    try:
        return c.execute_command(*args)
    except redis.ResponseError as e:
        return ("error", str(e).replace("'cache.set'", "'set'"))


def wait_for(cond, timeout=10.0, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(step)
    return cond()


# --------------------------------------------------------------------------
# CACHE.SET against SET


def set_option_lists(now_s):
    conds = [[], ["NX"], ["XX"]]
    gets = [[], ["GET"]]
    expiries = [[], ["EX", "1000"], ["PX", "1000000"], ["EXAT", str(now_s + 1000)],
                ["PXAT", str((now_s + 1000) * 1000)], ["KEEPTTL"]]
    for cond, get, exp in itertools.product(conds, gets, expiries):
        yield cond + get + exp
    # the same options in another order
    yield ["EX", "1000", "GET", "NX"]
    yield ["KEEPTTL", "XX", "GET"]
    yield ["PX", "1000000", "XX"]


PRESTATES = ["missing", "string", "string-ttl", "list"]


def prepare(c, key, state, tagged):
    c.delete(key)
    if state == "string":
        c.set(key, "old")
    elif state == "string-ttl":
        c.set(key, "old", ex=500)
    elif state == "list":
        c.rpush(key, "a", "b")
    if tagged and state != "missing":
        assert c.execute_command("TAG.ADD", key, "before") == 1


def observe(c, key):
    t = c.type(key)
    value = c.get(key) if t == "string" else c.lrange(key, 0, -1) if t == "list" else None
    return t, value, c.ttl(key)


def test_cache_set_replies_equal_set_for_every_option_combination(cachet_server, redis_server):
    rc = client(cachet_server)
    rr = client(redis_server)
    for c in (rc, rr):
        c.response_callbacks.pop("SET", None)  # the raw reply, not redis-py's bool
    now_s = int(time.time())
    n = 0
    for opts in set_option_lists(now_s):
        for state in PRESTATES:
            for with_tags in (False, True):
                key = "k:%d" % n
                n += 1
                prepare(rr, key, state, tagged=False)
                prepare(rc, key, state, tagged=True)
                expected = run(rr, "SET", key, "new", *opts)
                tags = ["TAGS", "t1", "t2"] if with_tags else []
                got = run(rc, "CACHE.SET", key, "new", *opts, *tags)
                ctx = "CACHE.SET %s new %s %s (key was %s)" % (key, " ".join(opts),
                                                               " ".join(tags), state)
                assert got == expected, ctx
                et, ev, ettl = observe(rr, key)
                gt, gv, gttl = observe(rc, key)
                assert (gt, gv) == (et, ev), ctx
                assert abs(gttl - ettl) <= 1 and (gttl < 0) == (ettl < 0), ctx
                written = et == "string" and ev == "new"
                if written:
                    assert tag_get(rc, key) == (["t1", "t2"] if with_tags else []), ctx
                elif state == "missing":
                    assert tag_get(rc, key) == [], ctx
                else:  # NX/XX or WRONGTYPE stopped it: the key and its tags are untouched
                    assert tag_get(rc, key) == ["before"], ctx
    # every key written with tags is in the index, and only those
    written = sorted(k for k in rc.keys("k:*") if "t1" in tag_get(rc, k))
    assert tag_keys(rc, "t1") == written
    assert tag_keys(rc, "t2") == written
    assert len(written) > 50


BAD_SET_OPTIONS = [
    ["NX", "XX"], ["EX", "10", "PX", "100"], ["EX", "10", "KEEPTTL"], ["PXAT", "1", "EXAT", "1"],
    ["EX", "0"], ["EX", "-5"], ["PX", "0"], ["EX", "abc"], ["EX"], ["PX", "1.5"],
    ["EXAT", "0"], ["EX", "9223372036854775807"], ["PX", "9223372036854775807"],
    ["BOGUS"], ["GET", "GET", "BOGUS"],
]


@pytest.mark.parametrize("opts", BAD_SET_OPTIONS, ids=lambda o: "_".join(o))
@pytest.mark.parametrize("with_tags", [False, True])
def test_cache_set_option_errors_equal_set(cachet_server, redis_server, opts, with_tags):
    rc = client(cachet_server)
    rr = client(redis_server)
    for c in (rc, rr):
        c.response_callbacks.pop("SET", None)
        c.set("k", "old")
    expected = run(rr, "SET", "k", "v", *opts)
    tags = ["TAGS", "t"] if with_tags else []
    got = run(rc, "CACHE.SET", "k", "v", *opts, *tags)
    assert got == expected
    assert rc.get("k") == rr.get("k")
    assert tag_keys(rc, "t") == ([] if isinstance(got, tuple) else ["k"] if with_tags else [])


def test_cache_set_tags_errors_and_wrongtype(r):
    with pytest.raises(redis.ResponseError, match="^" + NEED_ONE + "$"):
        r.execute_command("CACHE.SET", "k", "v", "TAGS")
    with pytest.raises(redis.ResponseError, match="^" + EMPTY_TAG + "$"):
        r.execute_command("CACHE.SET", "k", "v", "TAGS", "a", "")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
        r.execute_command("CACHE.SET", "k")
    assert r.exists("k") == 0
    r.rpush("l", "x")
    r.execute_command("TAG.ADD", "l", "lt")
    with pytest.raises(redis.ResponseError, match="^WRONGTYPE"):
        r.execute_command("CACHE.SET", "l", "v", "GET", "TAGS", "t")
    assert r.type("l") == "list" and tag_get(r, "l") == ["lt"]
    assert tag_keys(r, "t") == []
    # without GET a non-string is overwritten, as by SET
    assert r.execute_command("CACHE.SET", "l", "v", "TAGS", "t") == "OK"
    assert r.get("l") == "v" and tag_get(r, "l") == ["t"] and tag_keys(r, "lt") == []
    # the value may be the word TAGS; TAGS given twice makes the second a tag
    assert r.execute_command("CACHE.SET", "w", "TAGS") == "OK"
    assert r.get("w") == "TAGS" and tag_get(r, "w") == []
    assert r.execute_command("CACHE.SET", "w", "v", "TAGS", "a", "TAGS", "a") == "OK"
    assert tag_get(r, "w") == ["a", "TAGS"]
    # repeated tags are kept once
    assert r.execute_command("CACHE.SET", "d", "v", "TAGS", "x", "y", "x") == "OK"
    assert tag_get(r, "d") == ["x", "y"]


# --------------------------------------------------------------------------
# TAG.* commands


def test_tag_add_get_keys_invalidate_replies(r):
    assert r.execute_command("TAG.ADD", "missing", "a") == 0
    assert tag_get(r, "missing") == []
    assert r.exists("missing") == 0
    r.set("k1", "v")
    assert tag_get(r, "k1") == []
    assert r.execute_command("TAG.ADD", "k1", "b", "a", "b") == 2
    assert r.execute_command("TAG.ADD", "k1", "a", "c") == 1
    assert r.execute_command("TAG.ADD", "k1", "a") == 0
    assert tag_get(r, "k1") == ["b", "a", "c"]
    r.hset("h", "f", "v")
    r.sadd("s", "m")
    r.zadd("z", {"m": 1})
    r.rpush("zz", "x")
    for k in ("h", "s", "z", "zz", "k2"):
        r.set(k, "v") if k == "k2" else None
        assert r.execute_command("TAG.ADD", k, "a") == 1
    assert tag_keys(r, "a") == ["h", "k1", "k2", "s", "z", "zz"]
    assert tag_keys(r, "b") == ["k1"]
    assert tag_keys(r, "nope") == []
    # a key carrying two of the tags counts once
    assert r.execute_command("TAG.INVALIDATE", "b", "a", "nope") == 6
    assert r.dbsize() == 0
    assert tag_keys(r, "a") == [] and tag_keys(r, "b") == [] and tag_keys(r, "c") == []
    assert r.execute_command("TAG.INVALIDATE", "a") == 0
    # binary-safe tags and keys
    assert r.execute_command("CACHE.SET", "k\x00 x", "v", "TAGS", "t\x00 \xff") == "OK"
    assert tag_keys(r, "t\x00 \xff") == ["k\x00 x"]


def test_tag_command_errors(r):
    r.set("k", "v")
    cases = [
        (("TAG.ADD", "k"), "wrong number of arguments"),
        (("TAG.ADD", "k", ""), "^" + EMPTY_TAG + "$"),
        (("TAG.ADD", "k", "a", ""), "^" + EMPTY_TAG + "$"),
        (("TAG.GET",), "wrong number of arguments"),
        (("TAG.GET", "a", "b"), "wrong number of arguments"),
        (("TAG.KEYS",), "wrong number of arguments"),
        (("TAG.KEYS", "a", "b"), "wrong number of arguments"),
        (("TAG.INVALIDATE",), "wrong number of arguments"),
    ]
    for args, msg in cases:
        with pytest.raises(redis.ResponseError, match=msg):
            r.execute_command(*args)
    assert tag_get(r, "k") == []
    assert r.get("k") == "v"


def test_sixty_four_tags_limit(r):
    tags = ["t%d" % i for i in range(64)]
    assert r.execute_command("CACHE.SET", "k", "v", "TAGS", *tags) == "OK"
    assert tag_get(r, "k") == tags
    assert r.execute_command("TAG.ADD", "k", "t0", "t63") == 0  # nothing new: no error
    with pytest.raises(redis.ResponseError, match="^" + TOO_MANY + "$"):
        r.execute_command("TAG.ADD", "k", "t0", "new")
    assert tag_get(r, "k") == tags and tag_keys(r, "new") == []
    with pytest.raises(redis.ResponseError, match="^" + TOO_MANY + "$"):
        r.execute_command("CACHE.SET", "k", "v2", "TAGS", *(tags + ["t64"]))
    assert r.get("k") == "v" and tag_get(r, "k") == tags and tag_keys(r, "t64") == []
    r.set("m", "v")
    r.execute_command("TAG.ADD", "m", *tags[:60])
    with pytest.raises(redis.ResponseError, match="^" + TOO_MANY + "$"):
        r.execute_command("TAG.ADD", "m", "x1", "x2", "x3", "x4", "x5")
    assert tag_get(r, "m") == tags[:60]
    assert r.execute_command("TAG.ADD", "m", "x1", "x2", "x3", "x4", "x1") == 4
    assert len(tag_get(r, "m")) == 64


def test_limit_counts_distinct_tags_not_arguments(r):
    """The limit is on the tags a key carries: 65 arguments naming 64 distinct tags give a
    key with 64 tags (CACHE.SET keeps repeats once, TAG.ADD counts only new tags)."""
    tags = ["t%d" % i for i in range(64)]
    r.set("m", "v")
    assert r.execute_command("TAG.ADD", "m", *(tags + ["t0"])) == 64
    assert tag_get(r, "m") == tags
    assert r.execute_command("CACHE.SET", "j", "v", "TAGS", *(tags + ["t0"])) == "OK"
    assert tag_get(r, "j") == tags


# --------------------------------------------------------------------------
# the index never leaks


def recreate_and_check(r, key, tag, others):
    """After key left (or lost its tags), a new untagged key of the same name must not be
    found through the tag, and invalidating the tag must not delete it."""
    if r.exists(key):
        r.delete(key)
    r.set(key, "fresh")
    assert tag_get(r, key) == []
    assert tag_keys(r, tag) == sorted(others)
    assert r.execute_command("TAG.INVALIDATE", tag) == len(others)
    assert r.get(key) == "fresh"


def setup_tagged(r):
    r.execute_command("CACHE.SET", "k", "v", "TAGS", "t", "u")
    r.execute_command("CACHE.SET", "other", "v", "TAGS", "t")
    assert tag_keys(r, "t") == ["k", "other"]


REMOVALS = {
    "del": lambda r: r.delete("k"),
    "unlink": lambda r: r.unlink("k"),
    "getdel": lambda r: r.getdel("k"),
    "set": lambda r: r.set("k", "x"),
    "set_keepttl": lambda r: r.set("k", "x", keepttl=True),
    "cache_set_no_tags": lambda r: r.execute_command("CACHE.SET", "k", "x"),
    "mset": lambda r: r.mset({"k": "x", "z": "y"}),
    "msetnx_other": lambda r: (r.delete("k"), r.msetnx({"k": "x"})),
    "getset": lambda r: r.getset("k", "x"),
    "setex": lambda r: r.setex("k", 100, "x"),
    "psetex": lambda r: r.psetex("k", 100000, "x"),
    "set_get": lambda r: r.set("k", "x", get=True),
    "expire_negative": lambda r: r.expire("k", -1),
    "sunionstore": lambda r: (r.sadd("sa", "1"), r.sunionstore("k", ["sa"])),
    "zunionstore": lambda r: (r.zadd("za", {"m": 1}), r.zunionstore("k", ["za"])),
    "sinterstore_empty": lambda r: r.sinterstore("k", ["nothing"]),
    "lazy_expiry": lambda r: (r.pexpire("k", 30), time.sleep(0.1), r.get("k")),
}


@pytest.mark.parametrize("how", list(REMOVALS))
def test_removal_path_drops_tags(r, how):
    setup_tagged(r)
    REMOVALS[how](r)
    if r.exists("k") and how not in ("set", "set_keepttl", "cache_set_no_tags", "mset",
                                     "getset", "setex", "psetex", "set_get",
                                     "msetnx_other", "sunionstore", "zunionstore"):
        pytest.fail("%s left the key" % how)
    assert tag_get(r, "k") == []
    assert tag_keys(r, "t") == ["other"]
    assert tag_keys(r, "u") == []
    recreate_and_check(r, "k", "t", ["other"])


def test_cache_set_with_new_tags_replaces_the_old(r):
    setup_tagged(r)
    r.execute_command("CACHE.SET", "k", "v2", "TAGS", "w")
    assert tag_get(r, "k") == ["w"]
    assert tag_keys(r, "t") == ["other"] and tag_keys(r, "u") == [] and tag_keys(r, "w") == ["k"]


def expiring_round(r, n, name):
    p = r.pipeline(transaction=False)
    for i in range(n):
        p.execute_command("CACHE.SET", "e:%d" % i, "v" * 20, "PX", "200", "TAGS", "exp",
                          "%s-%d" % (name, i))
    p.execute()
    assert r.dbsize() == n + 1
    # DBSIZE does not expire keys: only the active cycle can bring it down
    assert wait_for(lambda: r.dbsize() == 1, timeout=20), r.dbsize()


def test_active_expiry_drops_tags_and_memory(r):
    n = 3000
    r.execute_command("CACHE.SET", "keep", "v", "TAGS", "exp")
    # A first round grows the tables, the expiry heap and the client buffers to their
    # working size; the second one must then give back everything it took.
    expiring_round(r, n, "warm")
    base = r.info("memory")["used_memory"]
    expired_before = r.info("stats")["expired_keys"]
    expiring_round(r, n, "e-tag")
    assert r.info("stats")["expired_keys"] - expired_before == n
    assert tag_keys(r, "exp") == ["keep"]
    assert tag_keys(r, "e-tag-7") == [] and tag_keys(r, "warm-7") == []
    used = r.info("memory")["used_memory"]
    assert used - base < 64 * 1024, (base, used)
    for i in range(0, n, 300):
        recreate_and_check(r, "e:%d" % i, "exp", ["keep"])  # invalidates keep
        r.execute_command("CACHE.SET", "keep", "v", "TAGS", "exp")


def test_eviction_keeps_tag_keys_exact(cachet_factory):
    srv = cachet_factory("--maxmemory", "8mb", "--maxmemory-policy", "allkeys-lru")
    r = client(srv)
    value = "x" * 500
    i = 0
    while r.info("stats")["evicted_keys"] < 2000:
        p = r.pipeline(transaction=False)
        for _ in range(500):
            p.execute_command("CACHE.SET", "ev:%d" % i, value, "TAGS", "all",
                              "mod:%d" % (i % 7))
            i += 1
        p.execute()
        assert i < 200000, "no evictions"
    existing = sorted(r.scan_iter("ev:*", count=1000))
    assert 0 < len(existing) < i
    assert tag_keys(r, "all") == existing
    assert tag_keys(r, "mod:3") == sorted(k for k in existing if int(k[3:]) % 7 == 3)
    evicted = "ev:0" if "ev:0" not in existing else next(
        "ev:%d" % j for j in range(i) if "ev:%d" % j not in existing)
    r.set(evicted, "fresh")  # may evict another key
    existing = sorted(set(r.scan_iter("ev:*", count=1000)) - {evicted})
    assert tag_keys(r, "all") == existing
    assert r.execute_command("TAG.INVALIDATE", "all") == len(existing)
    assert r.dbsize() == 1 and r.get(evicted) == "fresh"


def test_tag_memory_counts_toward_maxmemory(cachet_factory):
    srv = cachet_factory("--maxmemory", "4mb", "--maxmemory-policy", "noeviction")
    r = client(srv)
    load = r.pipeline(transaction=False)
    for i in range(3000):
        load.set("k:%d" % i, "v")
    load.execute()
    used = r.info("memory")["used_memory"]
    assert used < 3 * 1024 * 1024
    added, error = 0, None
    try:
        for j in range(64):  # only tags grow: the keys and values stay as they are
            for i in range(3000):
                r.execute_command("TAG.ADD", "k:%d" % i, "a-rather-long-tag-name-%d" % j)
                added += 1
    except redis.ResponseError as e:
        error = str(e)
    assert error is not None and error.startswith("OOM"), (added, error)
    assert r.dbsize() == 3000
    full = r.info("memory")["used_memory"]
    assert full > 4 * 1024 * 1024 - 64 * 1024
    with pytest.raises(redis.ResponseError, match="^OOM"):
        r.execute_command("CACHE.SET", "new", "v", "TAGS", "x")
    # invalidation frees memory even when it is full
    assert r.execute_command("TAG.INVALIDATE", "a-rather-long-tag-name-0") == 3000
    assert r.execute_command("CACHE.SET", "new", "v", "TAGS", "x") == "OK"
    assert r.info("memory")["used_memory"] < full - 1024 * 1024


def test_rename_moves_tags(r):
    setup_tagged(r)
    r.rename("k", "k2")
    assert tag_get(r, "k2") == ["t", "u"] and tag_get(r, "k") == []
    assert tag_keys(r, "t") == ["k2", "other"] and tag_keys(r, "u") == ["k2"]
    recreate_and_check(r, "k", "u", ["k2"])  # invalidates k2 (the only u key)
    assert r.exists("k2") == 0
    # onto an existing tagged key: the destination's old tags go
    setup_tagged(r)
    r.execute_command("CACHE.SET", "dst", "d", "TAGS", "dt")
    r.rename("k", "dst")
    assert tag_get(r, "dst") == ["t", "u"] and tag_keys(r, "dt") == []
    assert r.renamenx("dst", "other") is False
    assert tag_get(r, "dst") == ["t", "u"]
    assert r.renamenx("dst", "dst2") is True
    assert tag_keys(r, "u") == ["dst2"] and tag_keys(r, "t") == ["dst2", "other"]
    # an untagged key renamed over a tagged one leaves no tags behind
    r.set("plain", "p")
    r.rename("plain", "dst2")
    assert tag_get(r, "dst2") == [] and tag_keys(r, "u") == []
    assert r.execute_command("TAG.INVALIDATE", "t") == 1
    assert r.get("dst2") == "p"


def test_copy_copies_tags(r):
    setup_tagged(r)
    assert r.copy("k", "c") is True
    assert tag_get(r, "c") == ["t", "u"]
    assert tag_keys(r, "u") == ["c", "k"]
    # to another database: the copy is tagged there, not here
    assert r.copy("k", "c1", destination_db=1) is True
    r1 = client_like(r, 1)
    assert tag_keys(r1, "u") == ["c1"] and tag_keys(r, "u") == ["c", "k"]
    # REPLACE onto a tagged key: the destination takes the source's tags only
    r.execute_command("CACHE.SET", "d", "v", "TAGS", "dt")
    assert r.copy("k", "d", replace=True) is True
    assert tag_get(r, "d") == ["t", "u"] and tag_keys(r, "dt") == []
    assert r.execute_command("TAG.INVALIDATE", "u") == 3
    assert sorted(r.keys()) == ["other"]
    assert r1.get("c1") == "v"
    assert r1.execute_command("TAG.INVALIDATE", "u") == 1


def client_like(r, db):
    kw = r.connection_pool.connection_kwargs
    return redis.Redis(host=kw["host"], port=kw["port"], db=db, decode_responses=True)


def test_flushdb_flushall_swapdb_and_separate_databases(r):
    r1 = client_like(r, 1)
    r.execute_command("CACHE.SET", "k", "db0", "TAGS", "t")
    r1.execute_command("CACHE.SET", "k", "db1", "TAGS", "t", "one")
    assert tag_get(r, "k") == ["t"] and tag_get(r1, "k") == ["t", "one"]
    assert tag_keys(r1, "one") == ["k"] and tag_keys(r, "one") == []
    assert r.execute_command("TAG.INVALIDATE", "t") == 1
    assert r1.get("k") == "db1" and r.exists("k") == 0
    r.execute_command("CACHE.SET", "k", "db0", "TAGS", "zero")
    r.swapdb(0, 1)
    assert r.get("k") == "db1" and tag_get(r, "k") == ["t", "one"]
    assert tag_keys(r, "one") == ["k"] and tag_keys(r, "zero") == []
    assert tag_keys(r1, "zero") == ["k"] and tag_keys(r1, "one") == []
    r.flushdb()
    assert tag_keys(r, "t") == [] and tag_keys(r1, "zero") == ["k"]
    recreate_and_check(r, "k", "one", [])
    r.flushdb(asynchronous=True)
    r.execute_command("CACHE.SET", "a", "v", "TAGS", "x")
    r1.execute_command("CACHE.SET", "b", "v", "TAGS", "x")
    r.flushall()
    assert tag_keys(r, "x") == [] and tag_keys(r1, "x") == [] and tag_keys(r1, "zero") == []
    r.set("a", "new")
    r1.set("b", "new")
    r1.set("k", "new")
    assert tag_keys(r, "x") == [] and tag_keys(r1, "x") == [] and tag_keys(r1, "zero") == []
    assert r1.execute_command("TAG.INVALIDATE", "x", "zero") == 0


IN_PLACE = {
    "append": lambda r: r.append("k", "more"),
    "append_big": lambda r: r.append("k", "y" * 20000),
    "setrange": lambda r: r.setrange("k", 1, "zz"),
    "incr": lambda r: (r.set("n", "1"), r.execute_command("TAG.ADD", "n", "t", "u"),
                       r.delete("k"), r.rename("n", "k"), r.incr("k")),
    "decrby": lambda r: (r.set("n", "1"), r.execute_command("TAG.ADD", "n", "t", "u"),
                         r.delete("k"), r.rename("n", "k"), r.decrby("k", 5)),
    "incrbyfloat": lambda r: (r.set("n", "1"), r.execute_command("TAG.ADD", "n", "t", "u"),
                              r.delete("k"), r.rename("n", "k"), r.incrbyfloat("k", 1.5)),
    "expire": lambda r: r.expire("k", 100),
    "persist": lambda r: (r.expire("k", 100), r.persist("k")),
    "getex": lambda r: r.getex("k", ex=100),
    "touch": lambda r: r.touch("k"),
    "cache_set_xx_keepttl_tags": lambda r: r.execute_command(
        "CACHE.SET", "k", "v2", "XX", "KEEPTTL", "TAGS", "t", "u"),
}


@pytest.mark.parametrize("how", list(IN_PLACE))
def test_in_place_changes_keep_tags(r, how):
    setup_tagged(r)
    IN_PLACE[how](r)
    assert r.exists("k") == 1
    assert tag_get(r, "k") == ["t", "u"]
    assert tag_keys(r, "u") == ["k"]
    assert r.execute_command("TAG.INVALIDATE", "u") == 1
    assert r.exists("k") == 0


def test_containers_keep_tags_until_emptied(r):
    r.hset("h", "f", "v")
    r.rpush("l", "a")
    r.execute_command("TAG.ADD", "h", "c")
    r.execute_command("TAG.ADD", "l", "c")
    r.hset("h", "g", "w")
    r.lpush("l", "b")
    assert tag_get(r, "h") == ["c"] and tag_get(r, "l") == ["c"]
    r.lpop("l", 2)  # emptied: the key goes, and its tags
    assert r.exists("l") == 0
    assert tag_keys(r, "c") == ["h"]
    recreate_and_check(r, "l", "c", ["h"])


# --------------------------------------------------------------------------
# persistence


def populate_for_restart(r):
    r.execute_command("CACHE.SET", "a", "1", "TAGS", "t", "x")
    r.execute_command("CACHE.SET", "b", "2", "EX", "1000", "TAGS", "t")
    r.set("c", "3")
    r.execute_command("TAG.ADD", "c", "t", "y")
    r.hset("h", "f", "v")
    r.execute_command("TAG.ADD", "h", "y")
    r.execute_command("CACHE.SET", "gone", "v", "TAGS", "t")
    r.delete("gone")
    r.execute_command("CACHE.SET", "retagged", "v", "TAGS", "t")
    r.set("retagged", "plain")
    r.execute_command("CACHE.SET", "r1", "v", "TAGS", "moved")
    r.rename("r1", "r2")
    r.copy("r2", "r3")
    r1 = client_like(r, 1)
    r1.execute_command("CACHE.SET", "a", "db1", "TAGS", "t")


def check_after_restart(r):
    r1 = client_like(r, 1)
    assert tag_keys(r, "t") == ["a", "b", "c"]
    assert tag_get(r, "a") == ["t", "x"]
    assert tag_get(r, "c") == ["t", "y"]
    assert tag_keys(r, "y") == ["c", "h"]
    assert tag_keys(r, "moved") == ["r2", "r3"]
    assert tag_get(r, "retagged") == [] and r.get("retagged") == "plain"
    assert 900 < r.ttl("b") <= 1000
    assert tag_keys(r1, "t") == ["a"]
    assert r.execute_command("TAG.INVALIDATE", "t") == 3
    assert sorted(r.keys()) == ["h", "r2", "r3", "retagged"]
    assert tag_keys(r, "y") == ["h"]
    assert r.execute_command("TAG.INVALIDATE", "moved") == 2
    assert r1.get("a") == "db1"


def test_tags_survive_snapshot_restart(cachet_factory):
    srv = cachet_factory()
    r = client(srv)
    populate_for_restart(r)
    assert r.save() is True
    srv.stop()
    srv.start()
    r = client(srv)
    check_after_restart(r)
    # and the state after the invalidation survives another snapshot restart
    r.save()
    srv.stop()
    srv.start()
    r = client(srv)
    assert sorted(r.keys()) == ["h", "retagged"]
    assert tag_keys(r, "y") == ["h"] and tag_keys(r, "t") == []


@pytest.mark.parametrize("rewrite", [False, True], ids=["log", "rewritten-log"])
def test_tags_survive_append_only_log_restart(cachet_factory, rewrite):
    srv = cachet_factory("--appendonly", "yes", "--appendfsync", "always")
    r = client(srv)
    populate_for_restart(r)
    if rewrite:
        r.bgrewriteaof()
        assert wait_for(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0
                        and r.info("persistence")["aof_rewrite_scheduled"] == 0
                        and r.info("persistence").get("aof_rewrites", 1) >= 1)
        r.execute_command("TAG.ADD", "h", "after-rewrite")
    srv.stop()
    srv.start()
    r = client(srv)
    if rewrite:
        assert tag_get(r, "h") == ["y", "after-rewrite"]
    check_after_restart(r)
    srv.stop()
    srv.start()
    r = client(srv)
    assert sorted(r.keys()) == ["h", "retagged"]
    assert tag_keys(r, "t") == [] and tag_keys(r, "moved") == []


def test_snapshot_skips_tags_of_keys_expired_at_load(cachet_factory):
    srv = cachet_factory()
    r = client(srv)
    r.execute_command("CACHE.SET", "short", "v", "PX", "300", "TAGS", "t")
    r.hset("h", "f", "v")
    r.pexpire("h", 300)
    r.execute_command("TAG.ADD", "h", "t")
    r.execute_command("CACHE.SET", "long", "v", "EX", "1000", "TAGS", "t")
    r.bgsave()
    assert wait_for(lambda: r.info("persistence")["rdb_bgsave_in_progress"] == 0
                    and r.info("persistence")["rdb_last_bgsave_status"] == "ok")
    srv.stop()
    time.sleep(0.4)
    srv.start()
    r = client(srv)
    assert sorted(r.keys()) == ["long"]
    assert tag_keys(r, "t") == ["long"]
    r.set("short", "new")
    r.hset("h", "g", "w")
    assert tag_keys(r, "t") == ["long"]
    assert r.execute_command("TAG.INVALIDATE", "t") == 1
    assert sorted(r.keys()) == ["h", "short"]


def test_refused_tag_commands_leave_nothing_in_the_log(cachet_factory):
    srv = cachet_factory("--appendonly", "yes", "--appendfsync", "always")
    r = client(srv)
    tags = ["t%d" % i for i in range(64)]
    r.execute_command("CACHE.SET", "k", "v", "TAGS", "a")
    assert r.execute_command("CACHE.SET", "k", "v2", "NX", "TAGS", "b") is None
    assert r.execute_command("CACHE.SET", "missing", "v2", "XX", "TAGS", "b") is None
    with pytest.raises(redis.ResponseError):
        r.execute_command("TAG.ADD", "k", *tags)
    with pytest.raises(redis.ResponseError):
        r.execute_command("CACHE.SET", "k", "v3", "EX", "0", "TAGS", "c")
    r.execute_command("CACHE.SET", "g", "v", "GET", "EX", "1000", "TAGS", "a", "d")
    assert r.execute_command("TAG.ADD", "missing", "x") == 0
    r.execute_command("CACHE.SET", "kt", "v", "EX", "1000")
    assert r.execute_command("CACHE.SET", "kt", "v2", "KEEPTTL", "TAGS", "e") == "OK"
    srv.stop()
    srv.start()
    r = client(srv)
    assert sorted(r.keys()) == ["g", "k", "kt"]
    assert r.get("k") == "v" and tag_get(r, "k") == ["a"]
    assert tag_get(r, "g") == ["a", "d"] and 990 < r.ttl("g") <= 1000
    assert tag_get(r, "kt") == ["e"] and 990 < r.ttl("kt") <= 1000 and r.get("kt") == "v2"
    assert tag_keys(r, "b") == [] and tag_keys(r, "c") == [] and tag_keys(r, "t0") == []


# --------------------------------------------------------------------------
# transactions, WATCH, notifications


def test_multi_exec_with_cache_set_and_tag_invalidate(r):
    p = r.pipeline(transaction=True)
    p.execute_command("CACHE.SET", "a", "1", "TAGS", "t")
    p.execute_command("CACHE.SET", "b", "2", "EX", "100", "TAGS", "t", "u")
    p.execute_command("TAG.KEYS", "t")
    p.execute_command("TAG.INVALIDATE", "u")
    p.execute_command("TAG.KEYS", "t")
    p.execute_command("CACHE.SET", "b", "3", "NX", "GET", "TAGS", "t")
    p.execute_command("TAG.INVALIDATE", "t")
    assert p.execute() == ["OK", "OK", ["a", "b"], 1, ["a"], None, 2]
    assert r.dbsize() == 0
    # an error in queueing aborts the whole transaction
    p = r.pipeline(transaction=True)
    p.execute_command("CACHE.SET", "a", "1", "TAGS", "t")
    p.execute_command("TAG.ADD", "a")
    with pytest.raises(redis.ResponseError):
        p.execute()
    assert r.exists("a") == 0 and tag_keys(r, "t") == []


def test_watch_sees_invalidation_by_tag(cachet_server):
    a = client(cachet_server)
    b = client(cachet_server)
    a.execute_command("CACHE.SET", "w", "v", "TAGS", "t")
    a.set("untouched", "v")
    with a.pipeline(transaction=True) as p:
        p.watch("w")
        assert b.execute_command("TAG.INVALIDATE", "t") == 1
        p.multi()
        p.set("w", "new")
        with pytest.raises(redis.WatchError):
            p.execute()
    assert a.exists("w") == 0
    # a watched key that the invalidation did not touch lets EXEC run
    with a.pipeline(transaction=True) as p:
        p.watch("untouched")
        b.execute_command("CACHE.SET", "w2", "v", "TAGS", "t")
        assert b.execute_command("TAG.INVALIDATE", "t") == 1
        p.multi()
        p.set("untouched", "new")
        assert p.execute() == [True]


def test_keyspace_notifications_report_del(cachet_server):
    r = client(cachet_server)
    r.config_set("notify-keyspace-events", "KEg")
    sub = client(cachet_server).pubsub()
    sub.psubscribe("__key*@0__:*")
    assert sub.get_message(timeout=2)["type"] == "psubscribe"
    for k in ("n1", "n2", "n3"):
        r.execute_command("CACHE.SET", k, "v", "TAGS", "t")
    r.set("n4", "v")
    assert r.execute_command("TAG.INVALIDATE", "t") == 3
    got = []
    deadline = time.monotonic() + 5
    while len(got) < 6 and time.monotonic() < deadline:
        m = sub.get_message(timeout=0.5)
        if m and m["type"] == "pmessage":
            got.append((m["channel"], m["data"]))
    sub.close()
    events = sorted(d for c, d in got if c == "__keyevent@0__:del")
    spaces = sorted(c for c, d in got if c.startswith("__keyspace@0__:") and d == "del")
    assert events == ["n1", "n2", "n3"]
    assert spaces == ["__keyspace@0__:n1", "__keyspace@0__:n2", "__keyspace@0__:n3"]


# --------------------------------------------------------------------------
# memory


def tag_50k(r, n):
    for start in range(0, n, 5000):
        p = r.pipeline(transaction=False)
        for i in range(start, start + 5000):
            p.execute_command("CACHE.SET", "m:%d" % i, "value-%d" % i, "TAGS", "big",
                              "group:%d" % (i % 100), "item-tag-with-a-long-name:%d" % i)
        p.execute()


def test_memory_returns_to_baseline_after_invalidating_50k_tagged_keys(r):
    n = 50000
    r.execute_command("CACHE.SET", "warm", "v", "TAGS", "w")
    r.delete("warm")
    base = r.info("memory")["used_memory"]
    tag_50k(r, n)
    full = r.info("memory")["used_memory"]
    # the index is charged: 50k keys with 3 tags each cost well over 150 bytes a key
    assert full - base > n * 150, (base, full)
    assert len(tag_keys(r, "group:42")) == n // 100
    assert r.execute_command("TAG.INVALIDATE", "big") == n
    assert r.dbsize() == 0
    after = r.info("memory")["used_memory"]
    # near the baseline: what stays is grown hash tables, not entries (< 5% of the peak)
    assert after - base < 0.05 * (full - base), (base, full, after)
    assert tag_keys(r, "group:42") == [] and tag_keys(r, "big") == []
    # a second round reuses that and gives back all it took: nothing accumulates
    tag_50k(r, n)
    assert r.execute_command("TAG.INVALIDATE", "group:%d" % 1, "big") == n
    again = r.info("memory")["used_memory"]
    assert again - after < 128 * 1024, (base, full, after, again)  # nothing accumulates
