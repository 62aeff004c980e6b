"""Smoke program: drives cachet the way a Python application does with redis-py and checks
every reply. Usage: /usr/bin/python3 smoke.py [PORT] (Debian's python3-redis). Exits 1 on a
mismatch."""

import sys
import time

import redis

import data
from check import SmokeFailure
from pubsub import pubsub
from scan import scan_iterators
from sessions import sessions
from transactions import transactions

SECTIONS = [
    ("cache-aside", data.cache_aside), ("pipelines", data.pipelines), ("hashes", data.hashes),
    ("sets", data.sets), ("leaderboard", data.leaderboard), ("queue", data.queue),
    ("scan iterators", scan_iterators), ("pub/sub", pubsub), ("info", data.info),
    ("transactions", transactions), ("sessions", sessions),
]


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 6379
    r = redis.Redis(host="127.0.0.1", port=port, decode_responses=True, socket_timeout=10)
    current = "connect"
    try:
        if not r.ping():
            raise SmokeFailure("PING failed")
        r.flushall()
        for current, fn in SECTIONS:
            t0 = time.monotonic()
            fn(r)
            print("python smoke: %s ok (%d ms)" % (current, (time.monotonic() - t0) * 1000))
    except SmokeFailure as e:
        print('python smoke FAILED in section "%s": %s' % (current, e), file=sys.stderr)
        return 1
    except redis.RedisError as e:
        print('python smoke FAILED in section "%s": %s: %s' % (current, type(e).__name__, e),
              file=sys.stderr)
        return 1
    print("python smoke: all %d sections passed" % len(SECTIONS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
