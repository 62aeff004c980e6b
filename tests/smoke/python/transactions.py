"""Smoke section for transactions through redis-py: MULTI/EXEC with
pipeline(transaction=True), and an optimistic WATCH conflict that must raise WatchError."""

import redis

from check import eq, ok


def transactions(r):
    p = r.pipeline(transaction=True)
    p.set("tx:counter", 10).incrby("tx:counter", 5).get("tx:counter").hset("tx:hash", "a", 1)
    eq("MULTI/EXEC replies", p.execute(), [True, 15, "15", 1])

    r.mset({"tx:alice": 100, "tx:bob": 0})

    def transfer(pipe):
        alice = int(pipe.get("tx:alice"))
        pipe.multi()
        pipe.set("tx:alice", alice - 30)
        pipe.incrby("tx:bob", 30)

    eq("WATCH without conflict commits (transaction helper)",
       r.transaction(transfer, "tx:alice", "tx:bob"), [True, 30])
    eq("balances after transfer", r.mget("tx:alice", "tx:bob"), ["70", "30"])

    # Another client writes the watched key between WATCH and EXEC.
    other = redis.Redis(connection_pool=r.connection_pool)
    err = None
    with r.pipeline() as pipe:
        pipe.watch("tx:alice")
        other.set("tx:alice", 0)
        pipe.multi()
        pipe.set("tx:alice", 999)
        try:
            pipe.execute()
        except redis.WatchError as e:
            err = e
    ok("WATCH conflict raises WatchError", err is not None)
    eq("conflicting transaction did not run", r.get("tx:alice"), "0")

    # A transaction whose command fails at run time still runs the others (no rollback).
    p = r.pipeline(transaction=True)
    p.set("tx:s", "abc").incr("tx:s").get("tx:s")
    out = p.execute(raise_on_error=False)
    eq("EXEC with a failing command: SET", out[0], True)
    ok("EXEC with a failing command: INCR error", isinstance(out[1], redis.ResponseError), out[1])
    eq("EXEC with a failing command: GET", out[2], "abc")
    eq("DEL tx keys", r.delete("tx:counter", "tx:hash", "tx:alice", "tx:bob", "tx:s"), 5)
