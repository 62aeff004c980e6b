"""Smoke sections for everyday data-structure usage through redis-py: cache-aside with TTL,
pipelines, hashes, sets, a sorted-set leaderboard, a list queue and INFO."""

import json
import time

from check import eq, ok


def cache_aside(r):
    loads = []

    def get_user(uid):
        key = "cache:user:%d" % uid
        hit = r.get(key)
        if hit is not None:
            return json.loads(hit)
        loads.append(uid)
        fresh = json.dumps({"id": uid, "name": "user%d" % uid})
        r.set(key, fresh, ex=60)
        return json.loads(fresh)

    for _ in range(3):
        for uid in range(1, 21):
            eq("cache-aside user %d" % uid, get_user(uid)["name"], "user%d" % uid)
    eq("cache-aside: loader calls (one per user)", len(loads), 20)
    ttl = r.ttl("cache:user:1")
    ok("cache-aside: TTL in (0, 60]", 0 < ttl <= 60, ttl)
    eq("SET NX on existing key", r.set("cache:user:1", "x", nx=True), None)
    eq("SET PX", r.set("cache:short", "v", px=100), True)
    time.sleep(0.25)
    eq("key with PX 100 expired after 250 ms", r.get("cache:short"), None)
    eq("DEL of cached users", r.delete(*["cache:user:%d" % i for i in range(1, 21)]), 20)


def pipelines(r):
    n = 500
    p = r.pipeline(transaction=False)
    for i in range(n):
        p.set("pipe:%d" % i, i * 3)
    for i in range(n):
        p.incrby("pipe:%d" % i, 1)
    for i in range(n):
        p.get("pipe:%d" % i)
    replies = p.execute()
    eq("pipeline reply count", len(replies), 3 * n)
    for i in range(n):
        eq("pipeline SET %d" % i, replies[i], True)
        eq("pipeline INCRBY %d" % i, replies[n + i], i * 3 + 1)
        eq("pipeline GET %d" % i, replies[2 * n + i], str(i * 3 + 1))
    # A failing command in a pipeline returns its error in place; the others still run.
    p = r.pipeline(transaction=False)
    p.set("pipe:s", "abc").incr("pipe:s").get("pipe:s")
    out = p.execute(raise_on_error=False)
    eq("pipeline with error: SET", out[0], True)
    ok("pipeline with error: INCR on a string fails", "not an integer" in str(out[1]), out[1])
    eq("pipeline with error: GET", out[2], "abc")
    eq("MGET", r.mget("pipe:0", "pipe:1", "nope"), ["1", "4", None])


def hashes(r):
    eq("HSET new fields", r.hset("user:42", mapping={"name": "Ada", "lang": "en", "visits": 0}), 3)
    eq("HINCRBY", r.hincrby("user:42", "visits", 5), 5)
    eq("HINCRBY again", r.hincrby("user:42", "visits", -2), 3)
    eq("HSET update returns 0 new", r.hset("user:42", "lang", "fr"), 0)
    eq("HGETALL", r.hgetall("user:42"), {"name": "Ada", "lang": "fr", "visits": "3"})
    eq("HMGET", r.hmget("user:42", ["name", "missing"]), ["Ada", None])
    eq("HINCRBYFLOAT", r.hincrbyfloat("user:42", "score", 1.5), 1.5)
    eq("HDEL", r.hdel("user:42", "lang", "score"), 2)
    eq("HLEN", r.hlen("user:42"), 2)
    eq("HEXISTS", r.hexists("user:42", "lang"), False)


def sets(r):
    eq("SADD", r.sadd("tags:a", "red", "green", "blue"), 3)
    eq("SADD dup", r.sadd("tags:a", "red"), 0)
    r.sadd("tags:b", "green", "blue", "black")
    eq("SISMEMBER", r.sismember("tags:a", "green"), True)
    eq("SCARD", r.scard("tags:a"), 3)
    eq("SINTER", r.sinter("tags:a", "tags:b"), {"blue", "green"})
    eq("SUNION size", len(r.sunion("tags:a", "tags:b")), 4)
    eq("SDIFF", r.sdiff("tags:a", "tags:b"), {"red"})
    eq("SREM", r.srem("tags:a", "red"), 1)
    eq("SMEMBERS", r.smembers("tags:a"), {"blue", "green"})


def leaderboard(r):
    eq("ZADD", r.zadd("board", {"alice": 10, "bob": 20, "carol": 15}), 3)
    eq("ZINCRBY", r.zincrby("board", 12, "alice"), 22.0)
    eq("ZINCRBY new member", r.zincrby("board", 1.5, "dave"), 1.5)
    eq("top 3 (ZRANGE REV WITHSCORES)", r.zrange("board", 0, 2, desc=True, withscores=True),
       [("alice", 22.0), ("bob", 20.0), ("carol", 15.0)])
    eq("ZREVRANGE WITHSCORES", r.zrevrange("board", 0, 0, withscores=True), [("alice", 22.0)])
    eq("ZRANK", r.zrank("board", "dave"), 0)
    eq("ZREVRANK", r.zrevrank("board", "alice"), 0)
    eq("ZSCORE", r.zscore("board", "carol"), 15.0)
    eq("ZCOUNT", r.zcount("board", 15, 25), 3)


def queue(r):
    for i in range(10):
        r.lpush("jobs", "job%d" % i)
    eq("LLEN", r.llen("jobs"), 10)
    eq("LRANGE head", r.lrange("jobs", 0, 1), ["job9", "job8"])
    done = []
    while True:
        job = r.rpop("jobs")
        if job is None:
            break
        done.append(job)
    eq("RPOP order is FIFO", done, ["job%d" % i for i in range(10)])
    eq("queue key gone when empty", r.exists("jobs"), 0)


def info(r):
    fields = r.info()
    ok("INFO redis_version", isinstance(fields.get("redis_version"), str)
       and fields["redis_version"].count(".") == 2, fields.get("redis_version"))
    ok("INFO used_memory is an int", isinstance(fields.get("used_memory"), int), fields.get("used_memory"))
    ok("INFO connected_clients >= 1", fields.get("connected_clients", 0) >= 1)
    db0 = fields.get("db0")
    ok("INFO keyspace db0", isinstance(db0, dict) and "keys" in db0, db0)
    eq("DBSIZE matches INFO keys", r.dbsize(), db0["keys"])
    eq("INFO memory section", "used_memory" in r.info("memory"), True)
