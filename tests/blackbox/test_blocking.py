"""Blocking list commands (BLPOP BRPOP BLMOVE BRPOPLPUSH) on real connections:
block then push from another client, FIFO order, multi-key, timeouts,
BLMOVE chains, disconnects, many parked clients on a 2-thread server, and a
differential check of the immediate replies and errors against redis-server
(RESP2 and RESP3)."""

import time

import pytest


def wait_blocked(srv, n, timeout=5.0):
    c = srv.conn()
    deadline = time.time() + timeout
    while time.time() < deadline:
        info = c.call("INFO", "clients")[1].decode()
        for line in info.split("\r\n"):
            if line.startswith("blocked_clients:") and int(line.split(":")[1]) == n:
                c.close()
                return
        time.sleep(0.01)
    c.close()
    raise AssertionError("never reached %d blocked clients: %s" % (n, info))


def test_block_then_push_from_other_client(cachet_server):
    waiter = cachet_server.conn()
    pusher = cachet_server.conn()
    waiter.send("BLPOP", "q", 0)
    wait_blocked(cachet_server, 1)
    assert pusher.call("RPUSH", "q", "a", "b") == ("int", 2)
    assert waiter.read_reply() == ("array", (("bulk", b"q"), ("bulk", b"a")))
    assert pusher.call("LRANGE", "q", 0, -1) == ("array", (("bulk", b"b"),))
    wait_blocked(cachet_server, 0)


def test_fifo_among_blocked_clients(cachet_factory):
    srv = cachet_factory(threads=2)
    waiters = [srv.conn() for _ in range(4)]
    for i, w in enumerate(waiters):
        w.send("BRPOP", "q", 0)
        wait_blocked(srv, i + 1)
    pusher = srv.conn()
    assert pusher.call("LPUSH", "q", "1", "2", "3", "4") == ("int", 4)
    got = [w.read_reply() for w in waiters]
    assert got == [("array", (("bulk", b"q"), ("bulk", v))) for v in (b"1", b"2", b"3", b"4")]


def test_multi_key_first_non_empty_wins(cachet_server):
    c = cachet_server.conn()
    c.call("RPUSH", "k2", "x")
    c.call("RPUSH", "k3", "y")
    assert c.call("BLPOP", "k1", "k2", "k3", 0) == ("array", (("bulk", b"k2"), ("bulk", b"x")))
    waiter = cachet_server.conn()
    waiter.send("BLPOP", "a", "b", 0)
    wait_blocked(cachet_server, 1)
    c.call("RPUSH", "b", "vb")
    assert waiter.read_reply() == ("array", (("bulk", b"b"), ("bulk", b"vb")))
    # no longer parked on "a" either
    c.call("RPUSH", "a", "va")
    assert c.call("LLEN", "a") == ("int", 1)


def test_timeout_precision_and_null_replies(cachet_server):
    c = cachet_server.conn()
    start = time.time()
    assert c.call("BLPOP", "none", "0.1") == ("nilarray",)
    elapsed = time.time() - start
    assert 0.09 <= elapsed < 0.5, elapsed
    assert c.call("BLMOVE", "none", "d", "LEFT", "RIGHT", "0.05") == ("nilarray",)
    assert c.call("BRPOPLPUSH", "none", "d", "0.05") == ("nilarray",)
    assert c.call("HELLO", "3")[0] == "map"
    assert c.call("BRPOP", "none", "0.05") == ("null",)
    assert c.call("BLMOVE", "none", "d", "LEFT", "RIGHT", "0.05") == ("null",)
    assert c.call("PING") == ("simple", b"PONG")


def test_pipelined_commands_wait_for_blocked_one(cachet_server):
    waiter = cachet_server.conn()
    waiter.send_raw(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n")
    wait_blocked(cachet_server, 1)
    cachet_server.conn().call("RPUSH", "q", "v")
    assert waiter.read_reply() == ("array", (("bulk", b"q"), ("bulk", b"v")))
    assert waiter.read_reply() == ("simple", b"PONG")


def test_blmove_chain_wakes_second_client(cachet_factory):
    srv = cachet_factory(threads=2)
    mover = srv.conn()
    popper = srv.conn()
    mover.send("BLMOVE", "src", "dst", "RIGHT", "LEFT", 0)
    wait_blocked(srv, 1)
    popper.send("BLPOP", "dst", 0)
    wait_blocked(srv, 2)
    srv.conn().call("RPUSH", "src", "v")
    assert mover.read_reply() == ("bulk", b"v")
    assert popper.read_reply() == ("array", (("bulk", b"dst"), ("bulk", b"v")))
    c = srv.conn()
    assert c.call("EXISTS", "src", "dst") == ("int", 0)


def test_brpoplpush_served(cachet_server):
    waiter = cachet_server.conn()
    waiter.send("BRPOPLPUSH", "s", "d", 0)
    wait_blocked(cachet_server, 1)
    c = cachet_server.conn()
    c.call("RPUSH", "s", "a", "b")
    assert waiter.read_reply() == ("bulk", b"b")
    assert c.call("LRANGE", "d", 0, -1) == ("array", (("bulk", b"b"),))


def test_disconnect_while_blocked(cachet_server):
    waiter = cachet_server.conn()
    waiter.send("BLPOP", "q", 0)
    wait_blocked(cachet_server, 1)
    waiter.close()
    wait_blocked(cachet_server, 0)
    c = cachet_server.conn()
    assert c.call("RPUSH", "q", "v") == ("int", 1)
    assert c.call("LLEN", "q") == ("int", 1)


def test_client_kill_blocked(cachet_server):
    waiter = cachet_server.conn()
    wid = waiter.call("CLIENT", "ID")[1]
    waiter.send("BLPOP", "q", 0)
    wait_blocked(cachet_server, 1)
    c = cachet_server.conn()
    listing = c.call("CLIENT", "LIST")[1].decode()
    line = [l for l in listing.splitlines() if l.startswith("id=%d " % wid)][0]
    assert " flags=b " in line
    assert c.call("CLIENT", "KILL", "ID", str(wid)) == ("int", 1)
    wait_blocked(cachet_server, 0)
    assert c.call("RPUSH", "q", "v") == ("int", 1)


def test_wrong_type_then_repush(cachet_server):
    waiter = cachet_server.conn()
    waiter.send("BLPOP", "k", 0)
    wait_blocked(cachet_server, 1)
    c = cachet_server.conn()
    c.call("SET", "k", "str")
    time.sleep(0.05)
    wait_blocked(cachet_server, 1)  # still waiting (Redis 7.0)
    c.call("DEL", "k")
    c.call("RPUSH", "k", "v")
    assert waiter.read_reply() == ("array", (("bulk", b"k"), ("bulk", b"v")))


def test_blocked_on_key_in_its_db(cachet_server):
    waiter = cachet_server.conn()
    waiter.call("SELECT", "1")
    waiter.send("BLPOP", "k", 0)
    wait_blocked(cachet_server, 1)
    c = cachet_server.conn()
    c.call("RPUSH", "k", "db0")
    time.sleep(0.05)
    wait_blocked(cachet_server, 1)
    c.call("SELECT", "1")
    c.call("RPUSH", "k", "db1")
    assert waiter.read_reply() == ("array", (("bulk", b"k"), ("bulk", b"db1")))


def test_swapdb_serves_a_client_blocked_in_either_db(cachet_server):
    waiter = cachet_server.conn()
    waiter.send("BLPOP", "k", 0)
    wait_blocked(cachet_server, 1)
    c = cachet_server.conn()
    c.call("SELECT", "1")
    c.call("RPUSH", "k", "from-db1")
    assert c.call("SWAPDB", "0", "1") == ("simple", b"OK")
    assert waiter.read_reply() == ("array", (("bulk", b"k"), ("bulk", b"from-db1")))
    wait_blocked(cachet_server, 0)


def test_flushall_keeps_client_blocked(cachet_server):
    waiter = cachet_server.conn()
    waiter.send("BRPOP", "k", 0)
    wait_blocked(cachet_server, 1)
    c = cachet_server.conn()
    c.call("SET", "other", "v")
    c.call("FLUSHALL")
    time.sleep(0.05)
    wait_blocked(cachet_server, 1)
    c.call("LPUSH", "k", "x")
    assert waiter.read_reply() == ("array", (("bulk", b"k"), ("bulk", b"x")))


def test_push_inside_exec_serves_after_the_transaction(cachet_server):
    waiter = cachet_server.conn()
    waiter.send("BLPOP", "k", 0)
    wait_blocked(cachet_server, 1)
    c = cachet_server.conn()
    c.call("MULTI")
    c.call("RPUSH", "k", "a", "b")
    c.call("LPOP", "k")
    assert c.call("EXEC") == ("array", (("int", 2), ("bulk", b"a")))
    # The waiter sees the list as the whole transaction left it.
    assert waiter.read_reply() == ("array", (("bulk", b"k"), ("bulk", b"b")))


def test_many_blocked_clients_hold_no_thread(cachet_factory):
    srv = cachet_factory(threads=2)
    waiters = []
    for i in range(200):
        w = srv.conn()
        w.send("BLPOP", "q%d" % i, 0)
        waiters.append(w)
    wait_blocked(srv, 200)
    c = srv.conn()
    start = time.time()
    assert c.call("PING") == ("simple", b"PONG")
    assert time.time() - start < 0.5
    for i in range(200):
        c.call("RPUSH", "q%d" % i, "v%d" % i)
    for i, w in enumerate(waiters):
        assert w.read_reply() == ("array", (("bulk", b"q%d" % i), ("bulk", b"v%d" % i)))
    wait_blocked(srv, 0)


IMMEDIATE_CASES = [
    ("RPUSH", "l", "a", "b", "c"),
    ("SET", "s", "x"),
    ("BLPOP", "l", 0),
    ("BRPOP", "l", "1.5"),
    ("BLPOP", "nokey", "s", 0),
    ("BLPOP", "l", "s", 0),
    ("BLPOP", "l", "-1"),
    ("BLPOP", "l", "abc"),
    ("BLPOP", "l", "inf"),
    ("BLPOP", "l", "1e300"),
    ("BLPOP", "l"),
    ("RPUSH", "l", "a", "b", "c"),
    ("BLMOVE", "l", "d", "LEFT", "RIGHT", 0),
    ("BLMOVE", "l", "d", "UP", "RIGHT", 0),
    ("BLMOVE", "l", "s", "LEFT", "RIGHT", 0),
    ("BLMOVE", "s", "d", "LEFT", "RIGHT", 0),
    ("BLMOVE", "l", "l", "LEFT", "RIGHT", 0),
    ("BRPOPLPUSH", "l", "d", 0),
    ("BRPOPLPUSH", "l", "d", "-0.5"),
    ("BRPOPLPUSH", "s", "d", 0),
    ("BLPOP", "nokey", "0.01"),
    ("BRPOPLPUSH", "nokey", "d", "0.01"),
    ("BLMOVE", "nokey", "d", "LEFT", "LEFT", "0.01"),
    ("LRANGE", "d", 0, -1),
    ("LRANGE", "l", 0, -1),
    ("EXISTS", "l"),
]


@pytest.mark.parametrize("proto", [2, 3])
def test_differential_immediate_replies(cachet_server, redis_server, proto):
    a, b = cachet_server.conn(), redis_server.conn()
    if proto == 3:
        a.call("HELLO", "3")
        b.call("HELLO", "3")
    for cmd in IMMEDIATE_CASES:
        ra, rb = a.call(*cmd), b.call(*cmd)
        assert ra == rb, (cmd, ra, rb)


def test_command_info_flags(cachet_server, redis_server):
    a, b = cachet_server.conn(), redis_server.conn()
    for name in ("blpop", "brpop", "blmove", "brpoplpush"):
        ia = a.call("COMMAND", "INFO", name)[1][0][1]
        ib = b.call("COMMAND", "INFO", name)[1][0][1]
        assert ia[:6] == ib[:6], (name, ia[:6], ib[:6])
