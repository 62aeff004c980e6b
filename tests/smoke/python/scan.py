"""Smoke section for redis-py scan iterators: scan_iter over a few thousand keys and
hscan_iter/sscan_iter/zscan_iter over a few thousand members, each item seen exactly once."""

from check import eq, exactly_once

N = 3000


def scan_iterators(r):
    keys = ["scan:key:%d" % i for i in range(N)]
    p = r.pipeline(transaction=False)
    for k in keys:
        p.set(k, 1)
    p.execute()
    exactly_once("scan_iter match scan:key:*", list(r.scan_iter(match="scan:key:*", count=100)), keys)

    fields = {"f%d" % i: str(i) for i in range(N)}
    r.hset("scan:hash", mapping=fields)
    hseen = []
    for field, value in r.hscan_iter("scan:hash", count=100):
        eq("hscan_iter value of %s" % field, value, fields[field])
        hseen.append(field)
    exactly_once("hscan_iter", hseen, fields)

    members = ["m%d" % i for i in range(N)]
    r.sadd("scan:set", *members)
    exactly_once("sscan_iter", list(r.sscan_iter("scan:set", count=100)), members)

    r.zadd("scan:zset", {m: i for i, m in enumerate(members)})
    zseen = []
    for member, score in r.zscan_iter("scan:zset", count=100):
        eq("zscan_iter score of %s" % member, score, float(member[1:]))
        zseen.append(member)
    exactly_once("zscan_iter", zseen, members)

    eq("DEL scanned keys", r.delete(*keys), N)
    eq("DEL scanned collections", r.delete("scan:hash", "scan:set", "scan:zset"), 3)
