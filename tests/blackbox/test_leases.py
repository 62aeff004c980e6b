"""Black-box tests of stampede protection (docs/leases.md) with redis-py, each client on its
own connection: exactly one loader among 100 concurrent fetchers of a missing key while the
others wait server-side and get the filled value, tokens voided by DEL, SET and FLUSHALL
between lease and fill, a killed holder's lease handed to the next waiter (and an abandoned
lease handed over when it expires), stale values served inside the namespace's stale window
and not after, WAIT timeouts, a waiter that disconnects, and argument errors."""

import socket
import threading
import time

import pytest
import redis

from conftest import HOST, cachet_is_redis

pytestmark = pytest.mark.skipif(cachet_is_redis(), reason="cachet-only commands")

INVALID = "LEASE token is not valid"


def client(srv):
    return redis.Redis(host=HOST, port=srv.port, decode_responses=True, socket_timeout=30)


def fetch(r, key, *options):
    return list(r.execute_command("CACHE.FETCH", key, *options))


def info(r):
    return r.info("leases")


def test_exactly_one_loader_among_100_concurrent_fetchers(cachet_server):
    n = 100
    conns = [client(cachet_server) for _ in range(n)]
    for c in conns:
        c.ping()  # connected before the race starts
    barrier = threading.Barrier(n)
    results = [None] * n
    loads = []

    def worker(i):
        r = conns[i]
        barrier.wait()
        status, value, token = fetch(r, "hot", "WAIT", "10000")
        if status == "MISS":
            loads.append(i)
            time.sleep(0.3)  # the "database"
            assert r.execute_command("CACHE.FILL", "hot", token, "loaded", "EX", "60") == "OK"
            value = "loaded"
        results[i] = (status, value)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    statuses = [s for s, _ in results]
    assert statuses.count("MISS") == 1, statuses
    assert statuses.count("HIT") == n - 1, statuses
    assert all(v == "loaded" for _, v in results)
    assert len(loads) == 1
    stats = info(conns[0])
    assert stats["leases_granted"] == 1
    assert stats["leases_filled"] == 1
    assert stats["lease_waits"] >= 50  # most of them waited server-side for the fill
    assert stats["leases_active"] == 0
    assert conns[0].info("clients")["blocked_clients"] == 0


@pytest.mark.parametrize("write", [("DEL", "k"), ("SET", "k", "newer"), ("FLUSHALL",)])
def test_write_between_lease_and_fill_voids_the_token(cachet_server, write):
    r = client(cachet_server)
    other = client(cachet_server)
    status, _, token = fetch(r, "k")
    assert status == "MISS" and len(token) == 32
    other.execute_command(*write)
    with pytest.raises(redis.ResponseError, match=INVALID):
        r.execute_command("CACHE.FILL", "k", token, "stale-load")
    expected = "newer" if write[0] == "SET" else None
    assert r.get("k") == expected
    assert info(r)["leases_voided"] == 1
    assert info(r)["leases_fill_refused"] == 1


def test_killed_holder_hands_the_lease_to_the_next_waiter(cachet_server):
    holder = client(cachet_server)
    waiter = client(cachet_server)
    status, _, _ = fetch(holder, "k", "LEASE", "20000")
    assert status == "MISS"
    got = {}

    def wait():
        t0 = time.monotonic()
        got["reply"] = fetch(waiter, "k", "WAIT", "10000")
        got["elapsed"] = time.monotonic() - t0

    t = threading.Thread(target=wait)
    t.start()
    time.sleep(0.3)
    assert info(waiter)["lease_waits"] == 1
    holder_id = holder.client_id()
    client(cachet_server).client_kill_filter(_id=holder_id)
    t.join(10)
    status, value, token = got["reply"]
    assert status == "MISS" and value is None and len(token) == 32
    assert got["elapsed"] < 2.0  # released at disconnect, not after LEASE's 20 s
    assert waiter.execute_command("CACHE.FILL", "k", token, "v") == "OK"
    assert info(waiter)["leases_released"] == 1


def test_abandoned_lease_expires_and_is_handed_over(cachet_server):
    holder = client(cachet_server)  # stays connected and never fills
    waiter = client(cachet_server)
    status, _, old = fetch(holder, "k", "LEASE", "400")
    assert status == "MISS"
    t0 = time.monotonic()
    status, _, token = fetch(waiter, "k", "WAIT", "5000")
    elapsed = time.monotonic() - t0
    assert status == "MISS" and token != old
    assert 0.3 <= elapsed < 2.0
    with pytest.raises(redis.ResponseError, match=INVALID):
        holder.execute_command("CACHE.FILL", "k", old, "late")
    assert waiter.execute_command("CACHE.FILL", "k", token, "v", "PX", "5000") == "OK"
    assert holder.get("k") == "v"


def test_stale_inside_the_window_and_not_after(cachet_server):
    r = client(cachet_server)
    other = client(cachet_server)
    assert r.execute_command("NAMESPACE.SET", "page", "PREFIX", "page:", "STALE", "1") == "OK"
    r.set("page:1", "old", px=200)
    r.set("page:2", "old2", px=200)
    time.sleep(0.3)
    # Redis commands see the keys gone.
    assert r.get("page:1") is None
    assert r.exists("page:1", "page:2") == 0
    assert r.dbsize() == 0
    assert list(r.scan_iter()) == []
    # CACHE.FETCH serves the stale value at once: the lease to the first caller only.
    status, value, token = fetch(r, "page:1", "WAIT", "5000")
    assert (status, value) == ("STALE", "old") and len(token) == 32
    t0 = time.monotonic()
    assert fetch(other, "page:1", "WAIT", "5000") == ["STALE", "old", None]
    assert time.monotonic() - t0 < 0.5  # no waiting while a stale value exists
    assert r.execute_command("CACHE.FILL", "page:1", token, "new", "EX", "60") == "OK"
    assert fetch(other, "page:1") == ["HIT", "new", None]
    # page:2's window (1 s after its deadline) ends: a plain miss.
    time.sleep(1.1)
    status, value, _ = fetch(other, "page:2")
    assert (status, value) == ("MISS", None)
    assert info(r)["stale_served"] == 2
    assert info(r)["stale_keys"] == 0


def test_wait_timeout_and_locked(cachet_server):
    holder = client(cachet_server)
    r = client(cachet_server)
    fetch(holder, "k")
    assert fetch(r, "k") == ["LOCKED", None, None]  # WAIT 0: at once
    t0 = time.monotonic()
    assert fetch(r, "k", "WAIT", "300") == ["TIMEOUT", None, None]
    assert 0.25 <= time.monotonic() - t0 < 2.0
    assert info(r)["lease_wait_timeouts"] == 1
    # Inside MULTI/EXEC a fetch never blocks.
    p = r.pipeline(transaction=True)
    p.execute_command("CACHE.FETCH", "k", "WAIT", "5000")
    assert p.execute() == [["LOCKED", None, None]]


def test_waiter_that_disconnects_is_cleaned_up(cachet_server):
    holder = client(cachet_server)
    status, _, token = fetch(holder, "k")
    waiter = socket.create_connection((HOST, cachet_server.port))
    waiter.sendall(b"*4\r\n$11\r\nCACHE.FETCH\r\n$1\r\nk\r\n$4\r\nWAIT\r\n$5\r\n10000\r\n")
    time.sleep(0.3)
    assert holder.info("clients")["blocked_clients"] == 1
    waiter.close()
    deadline = time.monotonic() + 2
    while holder.info("clients")["blocked_clients"] != 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert holder.info("clients")["blocked_clients"] == 0
    assert holder.execute_command("CACHE.FILL", "k", token, "v") == "OK"


def test_wrong_type_and_bad_arguments(cachet_server):
    r = client(cachet_server)
    r.lpush("list", "a")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        fetch(r, "list")
    for args, message in [
        (("k", "WAIT"), "syntax error"),
        (("k", "WAIT", "abc"), "not an integer"),
        (("k", "WAIT", "-5"), "WAIT must be"),
        (("k", "LEASE", "0"), "LEASE must be"),
        (("k", "BOGUS", "1"), "syntax error"),
    ]:
        with pytest.raises(redis.ResponseError, match=message):
            r.execute_command("CACHE.FETCH", *args)
    with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
        r.execute_command("CACHE.FILL", "k", "t")
    with pytest.raises(redis.ResponseError, match=INVALID):
        r.execute_command("CACHE.FILL", "k", "not-a-token", "v")
    _, _, token = fetch(r, "k")
    with pytest.raises(redis.ResponseError, match="invalid expire time"):
        r.execute_command("CACHE.FILL", "k", token, "v", "EX", "-1")
    assert r.execute_command("CACHE.FILL", "k", token, "v", "EX", "10") == "OK"
    assert 9 <= r.ttl("k") <= 10


def test_waiters_of_an_expired_lease_one_takes_over_the_other_waits_on(cachet_server):
    holder = client(cachet_server)
    fetch(holder, "k", "LEASE", "300")  # never filled
    replies = {}

    def wait(name):
        r = client(cachet_server)
        replies[name] = (fetch(r, "k", "WAIT", "5000"), r)

    threads = [threading.Thread(target=wait, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    # Both waiters' timers fire when the lease runs out: the first takes it over, the second
    # finds the new lease and goes on waiting (it must not time out) until the fill.
    deadline = time.monotonic() + 5
    while len(replies) < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(replies) == 1
    (first, r) = next(iter(replies.values()))
    assert first[0] == "MISS"
    time.sleep(0.2)
    assert len(replies) == 1  # the other one still waits
    assert r.execute_command("CACHE.FILL", "k", first[2], "v") == "OK"
    for t in threads:
        t.join(5)
    second = [rep for rep, _ in replies.values() if rep[0] != "MISS"]
    assert second == [["HIT", "v", None]]
