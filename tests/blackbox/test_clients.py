"""Black-box tests of cachet with real clients (redis-py, redis-cli), raw
protocol edge cases and connection-level behaviour.

Wherever the behaviour is defined by Redis, the same input is sent to a real
redis-server and the replies are compared byte for byte.

Note: the installed redis-py (4.3.x) has no `protocol=3` support, so RESP3 is
exercised with the raw client from resp.py.
"""

import os
import socket
import subprocess
import threading
import time

import pytest
import redis

from conftest import HOST, cachet_is_redis
from resp import ConnectionClosed, RespConnection, encode_command, parse_all

PONG = ("simple", b"PONG")
OK = ("simple", b"OK")


def r_py(srv, **kw):
    kw.setdefault("socket_timeout", 10)
    return redis.Redis(host=HOST, port=srv.port, password=srv.password, **kw)


def cli(srv, *args, stdin=None, timeout=60):
    cmd = ["redis-cli", "-h", HOST, "-p", str(srv.port)] + list(args)
    p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def raw_exchange(srv, data, timeout=3.0, idle=0.4):
    """Send raw bytes on a fresh connection; return (reply bytes, closed)."""
    with RespConnection(HOST, srv.port) as c:
        try:
            c.send_raw(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close early; read whatever it sent
        return c.read_until_close(timeout=timeout, idle=idle)


def script(srv, cmds, auth=False):
    """Run commands one by one on a fresh connection. Returns the replies; a
    closed connection is recorded as ('closed',) and ends the script."""
    out = []
    with srv.conn(auth=auth) as c:
        for cmd in cmds:
            try:
                if isinstance(cmd, bytes):
                    c.send_raw(cmd)
                else:
                    c.send(*cmd)
                out.append(c.read_reply())
            except (ConnectionClosed, BrokenPipeError, ConnectionResetError):
                out.append(("closed",))
                break
    return out


def assert_same(cmds, expected, got):
    lines = []
    for i, cmd in enumerate(cmds):
        e = expected[i] if i < len(expected) else None
        g = got[i] if i < len(got) else None
        mark = "  " if e == g else "!!"
        lines.append("%s %r\n     redis : %r\n     cachet: %r" % (mark, cmd, e, g))
    assert expected == got, "replies differ from redis-server:\n" + \
        "\n".join(lines)


def compare_script(rsrv, csrv, cmds, auth=False):
    assert_same(cmds, script(rsrv, cmds, auth), script(csrv, cmds, auth))


# ---------------------------------------------------------------------------
# module-scoped pair of servers for the many stateless protocol comparisons

@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    from conftest import ServerFactory
    base = tmp_path_factory.mktemp("pair")
    rf, cf = ServerFactory("redis", base), ServerFactory("cachet", base)
    try:
        yield rf(), cf()
    finally:
        try:
            rf.finish()
        finally:
            cf.finish()


# ---------------------------------------------------------------------------
# redis-py

def test_redis_py_basic(cachet_server):
    r = r_py(cachet_server)
    assert r.ping() is True
    assert r.set("a", "1") is True
    assert r.get("a") == b"1"
    assert r.incr("a") == 2
    assert r.incrby("a", 40) == 42
    assert r.decr("a") == 41
    assert r.incrbyfloat("f", 2.5) == 2.5
    assert r.append("s", "abc") == 3
    assert r.append("s", "def") == 6
    assert r.getrange("s", 1, 3) == b"bcd"
    assert r.setrange("s", 1, "XY") == 6
    assert r.get("s") == b"aXYdef"
    assert r.strlen("s") == 6
    assert r.mset({"m1": "x", "m2": "y"}) is True
    assert r.mget(["m1", "m2", "nope"]) == [b"x", b"y", None]
    assert r.msetnx({"m1": "z", "m3": "w"}) is False
    assert r.setnx("m3", "w") is True
    assert r.exists("m1", "m2", "nope") == 2
    assert r.type("m1") == b"string"
    assert r.expire("m1", 100) is True
    assert 98 <= r.ttl("m1") <= 100
    assert 98000 <= r.pttl("m1") <= 100000
    assert r.persist("m1") is True
    assert r.ttl("m1") == -1
    assert r.set("ex", "v", ex=100, nx=True) is True
    assert r.set("ex", "v2", nx=True) is None
    assert r.getset("ex", "v3") == b"v"
    assert r.getdel("ex") == b"v3"
    assert r.get("ex") is None
    assert r.rename("m2", "m2b") is True
    assert r.renamenx("m2b", "m1") is False
    assert sorted(r.keys("m*")) == [b"m1", b"m2b", b"m3"]
    assert sorted(r.scan_iter(match="m*", count=2)) == [b"m1", b"m2b", b"m3"]
    assert r.dbsize() == len(r.keys("*"))
    assert r.delete("m1", "m2b", "zzz") == 2
    assert r.echo("hi") == b"hi"
    binary = bytes(range(256)) * 4
    assert r.set(b"bin\x00key", binary)
    assert r.get(b"bin\x00key") == binary
    big = os.urandom(1 << 20)
    assert r.set("big", big)
    assert r.get("big") == big
    assert r.flushdb() is True
    assert r.dbsize() == 0


def test_redis_py_pipeline_1000(cachet_server):
    r = r_py(cachet_server)
    p = r.pipeline(transaction=False)
    for i in range(1000):
        m = i % 4
        if m == 0:
            p.set("p:%d" % i, "v%d" % i)
        elif m == 1:
            p.incr("counter")
        elif m == 2:
            p.get("p:%d" % (i - 2))
        else:
            p.append("log", "%d," % i)
    res = p.execute()
    assert len(res) == 1000
    n_incr = 0
    log_len = 0
    for i, v in enumerate(res):
        m = i % 4
        if m == 0:
            assert v is True, (i, v)
        elif m == 1:
            n_incr += 1
            assert v == n_incr, (i, v)
        elif m == 2:
            assert v == b"v%d" % (i - 2), (i, v)
        else:
            log_len += len("%d," % i)
            assert v == log_len, (i, v)
    assert r.dbsize() == 250 + 2


def test_redis_py_concurrent_incr(cachet_server):
    """Several clients hammer one counter; INCR must be atomic."""
    n_threads, n_ops = 8, 500
    errors = []

    def worker():
        try:
            r = r_py(cachet_server)
            p = r.pipeline(transaction=False)
            for _ in range(n_ops):
                p.incr("ctr")
                p.incrby("ctr2", 3)
            p.execute()
            for _ in range(50):
                r.incr("ctr")
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    ts = [threading.Thread(target=worker) for _ in range(n_threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert not errors
    r = r_py(cachet_server)
    assert int(r.get("ctr")) == n_threads * (n_ops + 50)
    assert int(r.get("ctr2")) == n_threads * n_ops * 3


def test_many_connections(cachet_server):
    conns = [cachet_server.conn(timeout=10) for _ in range(200)]
    try:
        for i, c in enumerate(conns):
            c.send("SET", "c%d" % i, str(i))
        for c in conns:
            assert c.read_reply() == OK
        for i, c in enumerate(conns):
            assert c.call("GET", "c%d" % ((i + 1) % 200)) == \
                ("bulk", b"%d" % ((i + 1) % 200))
    finally:
        for c in conns:
            c.close()


def test_raw_pipeline_10000_pings(cachet_server):
    with cachet_server.conn() as c:
        c.send_raw(encode_command(["PING"]) * 5000 + b"PING\r\n" * 5000)
        for i in range(10000):
            assert c.read_reply() == PONG, i


def test_command_split_byte_by_byte(pair):
    data = (encode_command(["SET", "split", "a\r\nb"]) +
            encode_command(["GET", "split"]) + b"ECHO inline\r\n")
    outs = []
    for srv in pair:
        with RespConnection(HOST, srv.port) as c:
            for i in range(len(data)):
                c.send_raw(data[i:i + 1])
                if i % 7 == 0:
                    time.sleep(0.001)
            outs.append([c.read_reply() for _ in range(3)])
    assert outs[0] == [OK, ("bulk", b"a\r\nb"), ("bulk", b"inline")]
    assert outs[1] == outs[0]


# ---------------------------------------------------------------------------
# RESP3 (raw)

def hello_shape(r):
    if r[0] not in ("map", "array"):
        return r
    items = r[1] if r[0] == "map" else tuple(zip(r[1][0::2], r[1][1::2]))
    return (r[0], tuple((k, v if k[1] in (b"proto", b"mode", b"role",
                                          b"modules") else v[0])
                        for k, v in items))


def test_hello3_resp3_types(pair):
    rsrv, csrv = pair
    cmds = [["HELLO", "3"], ["SET", "h3", "1"], ["GET", "nosuchkey"],
            ["MGET", "h3", "nosuchkey"], ["INCRBYFLOAT", "h3", "1.5"],
            ["OBJECT", "ENCODING", "nosuchkey"], ["SET", "h3x", "v", "GET"],
            ["DEL", "h3"], ["RANDOMKEY"], ["DEL", "h3x"], ["RANDOMKEY"],
            ["HELLO", "2"], ["GET", "nosuchkey"],
            ["MGET", "nosuchkey"], ["HELLO"]]
    res = []
    for srv in pair:
        with srv.conn() as c:
            c.call("FLUSHDB")
            out = [c.call(*cmd) for cmd in cmds]
        out[0] = hello_shape(out[0])
        out[-4] = hello_shape(out[-4])
        out[-1] = hello_shape(out[-1])
        res.append(out)
    assert_same(cmds, res[0], res[1])
    assert res[1][0][0] == "map"
    assert dict(res[1][0][1])[("bulk", b"proto")] == ("int", 3)
    assert res[1][2] == ("null",)


def test_hello_errors(pair):
    compare_script(*pair, [
        ["HELLO", "4"], ["HELLO", "1"], ["HELLO", "abc"], ["HELLO", "-1"],
        ["HELLO", "3", "FOO"], ["HELLO", "3", "SETNAME"],
        ["HELLO", "3", "AUTH", "default"],
        ["HELLO", "3", "SETNAME", "bad name"],
        ["HELLO", "3", "AUTH", "nosuchuser", "pw"],
        ["CLIENT", "GETNAME"], ["PING"]])


def test_hello_setname(pair):
    res = []
    for srv in pair:
        with srv.conn() as c:
            h = c.call("HELLO", "3", "SETNAME", "myname")
            res.append((hello_shape(h), c.call("CLIENT", "GETNAME"),
                        c.call("PING"), c.call("GET", "nokey")))
    assert res[0] == res[1]


# ---------------------------------------------------------------------------
# redis-cli

def test_redis_cli_set_get(cachet_server):
    assert cli(cachet_server, "SET", "k", "v")[1] == b"OK\n"
    assert cli(cachet_server, "GET", "k")[1] == b"v\n"
    assert cli(cachet_server, "GET", "missing")[1] == b"\n"
    assert cli(cachet_server, "INCR", "n")[1] == b"1\n"
    assert cli(cachet_server, "DEL", "k", "n")[1] == b"2\n"


def test_redis_cli_pipe(cachet_server):
    n = 5000
    data = b"".join(
        encode_command(["SET", "pipe:%d" % i, "val%d" % i]) if i % 2 == 0
        else encode_command(["INCR", "pipe:ctr"]) for i in range(n))
    rc, out, err = cli(cachet_server, "--pipe", stdin=data)
    assert rc == 0, (out, err)
    assert b"errors: 0, replies: %d" % n in out, (out, err)
    r = r_py(cachet_server)
    assert r.get("pipe:ctr") == b"%d" % (n // 2)
    assert r.get("pipe:4998") == b"val4998"
    assert r.dbsize() == n // 2 + 1


def test_redis_cli_info(cachet_server):
    rc, out, err = cli(cachet_server, "INFO")
    assert rc == 0, err
    text = out.decode()
    assert "# Server" in text, text[:500]
    assert "redis_version:" in text, text[:500]
    for line in text.splitlines():
        line = line.strip()
        assert not line or line.startswith("#") or ":" in line, line
    info = r_py(cachet_server).info()
    assert isinstance(info, dict) and info, info


def test_redis_cli_command_count(cachet_server):
    rc, out, err = cli(cachet_server, "COMMAND", "COUNT")
    assert rc == 0, err
    assert int(out.strip()) > 0, out


def test_redis_cli_scan_pattern(cachet_server):
    r = r_py(cachet_server)
    expected = set()
    p = r.pipeline(transaction=False)
    for i in range(1500):
        k = "user:%d" % i if i % 3 else "other:%d" % i
        p.set(k, i)
        if k.startswith("user:1"):
            expected.add(k)
    p.execute()
    rc, out, err = cli(cachet_server, "--scan", "--pattern", "user:1*")
    assert rc == 0, err
    got = out.decode().split()
    assert set(got) == expected
    assert len(got) >= len(expected)


# ---------------------------------------------------------------------------
# protocol errors, compared byte for byte with redis-server

PROTOCOL_CASES = [
    ("bad_bulk_len", b"*1\r\n$x\r\n"),
    ("bad_bulk_len_then_ping", b"*1\r\n$x\r\n*1\r\n$4\r\nPING\r\n"),
    ("ping_then_bad_bulk_len", b"*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n"),
    ("negative_multibulk_ignored", b"*-5\r\n*1\r\n$4\r\nPING\r\n"),
    ("zero_multibulk_ignored", b"*0\r\nPING\r\n"),
    ("multibulk_2pow31", b"*2147483648\r\n"),
    ("multibulk_not_number", b"*abc\r\n"),
    ("multibulk_empty", b"*\r\n"),
    ("bulk_600MB", b"*1\r\n$600000000\r\n"),
    ("bulk_4GB", b"*1\r\n$4294967296\r\n"),
    ("bulk_negative", b"*1\r\n$-1\r\n"),
    ("bulk_empty_len", b"*1\r\n$\r\n"),
    ("expected_dollar", b"*1\r\nPING\r\n"),
    ("inline_ping", b"PING\r\n"),
    ("inline_lf_only", b"PING\n"),
    ("inline_empty_lines", b"\r\n\r\nPING\r\n"),
    ("inline_quotes", b"SET \"in line\" 'c d'\r\nGET \"in line\"\r\n"
                      b"ECHO \"\\x41\\n\\t\"\r\nDEL \"in line\"\r\n"),
    ("inline_unbalanced_dq", b"SET \"a b\r\n"),
    ("inline_unbalanced_sq", b"SET 'a\r\n"),
    ("inline_quote_not_followed_by_space", b"SET \"a\"b c\r\n"),
    ("inline_too_big", b"x" * 70000),
    ("inline_unknown", b"FOO a b\r\n"),
    ("inline_wrong_arity", b"GET\r\n"),
    ("inline_then_resp", b"PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n"),
    ("pipelined_mixed", encode_command(["SET", "pp", "1"]) +
     encode_command(["INCR", "pp"]) + b"GET pp\r\n" +
     encode_command(["DEL", "pp"])),
    ("quit_stops_processing", b"QUIT\r\nSET quit_ran 1\r\n"),
    ("quit_resp", encode_command(["QUIT"]) + encode_command(["PING"])),
]


@pytest.mark.parametrize("data", [c[1] for c in PROTOCOL_CASES],
                         ids=[c[0] for c in PROTOCOL_CASES])
def test_protocol_vs_redis(pair, data):
    rsrv, csrv = pair
    expected = raw_exchange(rsrv, data)
    got = raw_exchange(csrv, data)
    assert got == expected, ("sent %r\n  redis : %r (closed=%s)\n  cachet: %r "
                             "(closed=%s)" % (data[:80], expected[0][:300],
                                              expected[1], got[0][:300], got[1]))
    # the server is still fine and QUIT really stopped processing
    with csrv.conn() as c:
        assert c.call("PING") == PONG
        assert c.call("EXISTS", "quit_ran") == ("int", 0)


def test_huge_bulk_rejected_without_allocation(cachet_server):
    srv = cachet_server
    before = srv.rss_kb()
    expected = b"-ERR Protocol error: invalid bulk length\r\n"
    for n in (600000000, 2**31, 2**32 + 5, 2**62):
        data, closed = raw_exchange(srv, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n"
                                    % n + b"abc")
        assert (data, closed) == (expected, True), n
    # a declared-but-unsent bulk under the limit must not be materialised
    holders = []
    for _ in range(4):
        c = srv.conn()
        c.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$500000000\r\nxyz")
        holders.append(c)
    # a multibulk header claiming 2^31-1 arguments must not be preallocated
    c = srv.conn()
    c.send_raw(b"*2147483647\r\n$4\r\nPING\r\n")
    holders.append(c)
    time.sleep(0.5)
    with srv.conn() as c:
        assert c.call("PING") == PONG
    after = srv.rss_kb()
    assert srv.alive()
    assert after - before < 200 * 1024, \
        "RSS grew from %d kB to %d kB" % (before, after)
    for c in holders:
        c.close()


def test_proto_max_bulk_len(redis_factory, cachet_factory):
    opts = ("--proto-max-bulk-len", "1048576")
    r, c = redis_factory(*opts), cachet_factory(*opts)
    ok = encode_command(["SET", "k", b"x" * 1048576]) + \
        encode_command(["STRLEN", "k"])
    # only the header of the oversized bulk is sent: it must be rejected
    # from the length alone (sending the body would race with the close)
    too_big = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\nxxx"
    for data in (ok, too_big):
        assert raw_exchange(c, data) == raw_exchange(r, data), data[:40]
    cmds = [["SET", "k", "v"], ["SETRANGE", "k", "1048576", "x"],
            ["SETRANGE", "k", "1048575", "x"], ["STRLEN", "k"],
            ["APPEND", "k", "y"]]
    compare_script(r, c, cmds)


def test_unknown_and_arity_errors(pair):
    compare_script(*pair, [
        ["FOO"], ["FOO", "a", "b"], ["foo", "x" * 200, "y"],
        ["FOO", "a" * 100, "b" * 100], ["FOO", "\r\n"], ["", "x"],
        ["GET"], ["GET", "a", "b"], ["SET", "a"], ["PING", "a", "b"],
        ["ECHO"], ["SELECT"], ["DBSIZE", "x"], ["MGET"], ["MSET", "a"],
        ["MSET", "a", "1", "b"], ["INCR"], ["INCRBY", "a"], ["DEL"],
        ["EXISTS"], ["KEYS"], ["SCAN"], ["TTL"], ["EXPIRE", "k"],
        ["RENAME", "a"], ["COPY", "a"], ["OBJECT"], ["OBJECT", "ENCODING"],
        ["OBJECT", "NOSUCH", "k"], ["CLIENT"], ["CLIENT", "SETNAME"],
        ["CLIENT", "NOSUCH"], ["AUTH"], ["PING"],
        ["get", "a", "b"], ["GeT"], ["SELECT", "16"], ["SELECT", "-1"],
        ["SELECT", "abc"], ["SELECT", "0"], ["SWAPDB", "0", "16"],
        ["AUTH", "pw"], ["AUTH", "user", "pw"], ["AUTH", "a", "b", "c"],
    ])


# ---------------------------------------------------------------------------
# AUTH

def test_auth_requirepass(redis_factory, cachet_factory):
    opts = ("--requirepass", "sekret")
    r, c = redis_factory(*opts), cachet_factory(*opts)
    cmds = [["PING"], ["GET", "k"], ["SET", "k", "v"], ["SELECT", "1"],
            ["HELLO", "3"], ["AUTH"], ["AUTH", "wrong"],
            ["AUTH", "default", "wrong"], ["AUTH", "nouser", "sekret"],
            ["AUTH", "a", "b", "c"], ["GET", "k"], ["AUTH", "sekret"],
            ["GET", "k"], ["SET", "k", "v"], ["GET", "k"], ["AUTH", "wrong"],
            ["GET", "k"], ["AUTH", "default", "sekret"], ["RESET"],
            ["GET", "k"], ["PING"]]
    compare_script(r, c, cmds)
    # HELLO AUTH authenticates and switches protocol in one go
    res = []
    for srv in (r, c):
        with srv.conn(auth=False) as conn:
            res.append((hello_shape(conn.call("HELLO", "3", "AUTH", "default",
                                              "sekret")),
                        conn.call("GET", "k"), conn.call("GET", "nokey")))
    assert res[0] == res[1]


def test_auth_unauthenticated_protocol_limits(redis_factory, cachet_factory):
    """Unauthenticated clients cannot declare huge multibulk/bulk sizes."""
    opts = ("--requirepass", "sekret")
    r, c = redis_factory(*opts), cachet_factory(*opts)
    for data in (b"*1048577\r\n", b"*1\r\n$16385\r\n", b"*1\r\n$600000000\r\n"):
        assert raw_exchange(c, data) == raw_exchange(r, data), data


def test_auth_without_password_configured(pair):
    compare_script(*pair, [["AUTH", "x"], ["AUTH", "default", "x"],
                           ["AUTH", "default", ""], ["PING"]])


# ---------------------------------------------------------------------------
# connection management

def test_maxclients(redis_factory, cachet_factory):
    res = []
    for factory in (redis_factory, cachet_factory):
        srv = factory("--maxclients", "2")
        for attempt in range(20):
            a, b = srv.conn(), srv.conn()
            ra, rb = a.call("PING"), b.call("PING")
            if ra == PONG and rb == PONG:
                break
            a.close()
            b.close()
            time.sleep(0.1)  # the readiness probe may not be reaped yet
        assert (ra, rb) == (PONG, PONG)
        third = srv.conn()
        res.append(third.read_until_close(timeout=3.0))
        third.close()
        assert a.call("PING") == PONG
        b.close()
        time.sleep(0.3)
        with srv.conn() as again:
            assert again.call("PING") == PONG
        a.close()
    assert res[1] == res[0] == (b"-ERR max number of clients reached\r\n",
                                True)


def test_idle_timeout(cachet_factory):
    srv = cachet_factory("--timeout", "1")
    idle = srv.conn()
    busy = srv.conn()
    assert idle.call("PING") == PONG
    t0 = time.monotonic()
    closed_at = None
    while time.monotonic() - t0 < 5.0:
        assert busy.call("PING") == PONG, "an active client was disconnected"
        data, closed = idle.read_until_close(timeout=0.2)
        assert data == b""
        if closed:
            closed_at = time.monotonic() - t0
            break
    assert closed_at is not None, "idle client not closed within 5 s"
    assert 0.8 <= closed_at <= 3.5, closed_at
    assert busy.call("PING") == PONG
    busy.close()


def test_quit(pair):
    for srv in pair:
        with srv.conn() as c:
            assert c.call("QUIT") == OK
            assert c.read_until_close(timeout=2.0) == (b"", True)


def test_reset(pair):
    compare_script(*pair, [
        ["SELECT", "3"], ["SET", "reset:x", "db3"], ["CLIENT", "SETNAME", "nm"],
        ["RESET"], ["GET", "reset:x"], ["CLIENT", "GETNAME"],
        ["SELECT", "3"], ["GET", "reset:x"], ["DEL", "reset:x"],
        ["PING"], ["RESET"],
        ["GET", "nokey"], ["RESET", "extra"]])
    # RESET also drops RESP3
    for srv in pair:
        with srv.conn() as c:
            assert c.call("HELLO", "3")[0] == "map"
            assert c.call("GET", "nokey") == ("null",)
            assert c.call("RESET") == ("simple", b"RESET")
            assert c.call("GET", "nokey") == ("nil",)


def test_client_name_and_errors(pair):
    compare_script(*pair, [
        ["CLIENT", "GETNAME"], ["CLIENT", "SETNAME", "alpha"],
        ["CLIENT", "GETNAME"], ["CLIENT", "SETNAME", "bad name"],
        ["CLIENT", "SETNAME", "bad\nname"], ["CLIENT", "GETNAME"],
        ["CLIENT", "SETNAME", ""], ["CLIENT", "GETNAME"],
        ["CLIENT", "SETNAME", "a", "b"], ["CLIENT", "GETNAME", "x"],
        ["CLIENT", "ID", "x"], ["CLIENT", "KILL", "ID", "999999"],
        ["CLIENT", "KILL", "ID", "abc"], ["CLIENT", "KILL", "1.2.3.4:5"],
        ["CLIENT", "KILL", "ADDR", "1.2.3.4:5"], ["CLIENT", "KILL", "FOO", "x"],
        ["CLIENT", "NOSUCH"]])


def parse_client_list(text):
    out = []
    for line in text.decode().splitlines():
        fields = dict(kv.split("=", 1) for kv in line.split(" ") if "=" in kv)
        out.append(fields)
    return out


def test_client_id_list_kill(cachet_server):
    srv = cachet_server
    a, b, c = srv.conn(), srv.conn(), srv.conn()
    ida, idb, idc = (x.call("CLIENT", "ID") for x in (a, b, c))
    assert ida[0] == idb[0] == idc[0] == "int"
    assert len({ida[1], idb[1], idc[1]}) == 3 and min(ida[1], idb[1]) > 0
    assert b.call("CLIENT", "SETNAME", "bee") == OK
    assert b.call("SELECT", "2") == OK
    lst = a.call("CLIENT", "LIST")
    assert lst[0] == "bulk", lst
    clients = parse_client_list(lst[1])
    by_id = {int(f["id"]): f for f in clients if "id" in f}
    assert {ida[1], idb[1], idc[1]} <= set(by_id), lst
    for f in clients:
        for field in ("id", "addr", "name", "db", "age", "idle"):
            assert field in f, (field, f)
    assert by_id[idb[1]]["name"] == "bee"
    assert by_id[idb[1]]["db"] == "2"
    bport = b.sock.getsockname()[1]
    assert by_id[idb[1]]["addr"] == "127.0.0.1:%d" % bport
    # filtered list
    one = a.call("CLIENT", "LIST", "ID", str(idb[1]))
    assert one[0] == "bulk" and len(parse_client_list(one[1])) == 1, one
    # kill by id
    assert a.call("CLIENT", "KILL", "ID", str(idb[1])) == ("int", 1)
    assert b.read_until_close(timeout=2.0) == (b"", True)
    # kill by address (old form)
    cport = c.sock.getsockname()[1]
    assert a.call("CLIENT", "KILL", "127.0.0.1:%d" % cport) == OK
    assert c.read_until_close(timeout=2.0) == (b"", True)
    # killing yourself by id is skipped unless SKIPME no
    assert a.call("CLIENT", "KILL", "ID", str(ida[1])) == ("int", 0)
    assert a.call("CLIENT", "KILL", "ID", str(ida[1]), "SKIPME", "no") == \
        ("int", 1)
    assert a.read_until_close(timeout=2.0) == (b"", True)
    with srv.conn() as d:
        lst = parse_client_list(d.call("CLIENT", "LIST")[1])
        ids = {int(f["id"]) for f in lst}
        assert not ids & {ida[1], idb[1], idc[1]}, lst


def test_select_out_of_range(pair):
    compare_script(*pair, [["SELECT", "15"], ["SELECT", "16"],
                           ["SELECT", "-1"], ["SELECT", "99999999999999999999"],
                           ["SELECT", "1.5"], ["SELECT", ""], ["PING"]])


def test_databases_option(redis_factory, cachet_factory):
    r, c = redis_factory("--databases", "4"), cachet_factory("--databases", "4")
    compare_script(r, c, [["SELECT", "3"], ["SELECT", "4"],
                          ["SWAPDB", "0", "4"], ["COPY", "a", "b", "DB", "4"],
                          ["SET", "a", "1"], ["COPY", "a", "b", "DB", "3"]])


def test_sigterm_clean_shutdown(cachet_factory):
    srv = cachet_factory()
    idle = srv.conn()
    partial = srv.conn()
    assert idle.call("SET", "x", "y") == OK
    partial.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nz")
    busy = srv.conn()
    busy.send_raw(encode_command(["INCR", "n"]) * 20000)
    time.sleep(0.1)
    t0 = time.monotonic()
    rc = srv.stop(timeout=5.0)
    assert rc == 0, "exit code %r after SIGTERM (None = still running after " \
        "5 s)\n%s" % (rc, srv.log_tail())
    assert time.monotonic() - t0 < 5.0
    assert idle.read_until_close(timeout=2.0) == (b"", True)
    assert partial.read_until_close(timeout=2.0)[1] is True
    for c in (idle, partial, busy):
        c.close()
    with pytest.raises(OSError):
        RespConnection(HOST, srv.port, connect_timeout=1.0).call("PING")


@pytest.mark.cachet_only
def test_slow_reader_is_disconnected(cachet_server):
    """A client that pipelines GETs of a 1 MB value but never reads must be
    disconnected once its output buffer is too big; others keep working.

    (redis-server's default leaves normal clients unlimited; the redis
    self-test mode configures 'client-output-buffer-limit normal 64mb'.)"""
    srv = cachet_server
    value = b"v" * (1 << 20)
    with srv.conn() as c:
        assert c.call("SET", "big", value) == OK
    n = 1024  # 1 GiB of replies if nothing were dropped
    slow = srv.conn(rcvbuf=8192, timeout=10.0)
    try:
        slow.sock.sendall(encode_command(["GET", "big"]) * n)
    except (OSError, socket.timeout):
        pass
    # others are served, quickly, while the slow reader sits there
    with srv.conn(timeout=5.0) as other:
        t0 = time.monotonic()
        for i in range(20):
            assert other.call("SET", "o%d" % i, "x") == OK
            assert other.call("GET", "big") == ("bulk", value)
            time.sleep(0.05)
        assert time.monotonic() - t0 < 10.0
    time.sleep(1.0)
    # now drain: a disconnected client sees EOF long before n MB
    total, closed = 0, False
    slow.sock.settimeout(5.0)
    while total < n * len(value):
        try:
            chunk = slow.sock.recv(1 << 20)
        except socket.timeout:
            break
        except (ConnectionResetError, BrokenPipeError):
            closed = True
            break
        if not chunk:
            closed = True
            break
        total += len(chunk)
    slow.close()
    assert closed and total < n * len(value) // 2, \
        "slow reader was not disconnected (received %d MB of %d MB, " \
        "closed=%s)" % (total >> 20, n, closed)
    assert srv.alive()
    with srv.conn() as c:
        assert c.call("PING") == PONG
        assert c.call("STRLEN", "big") == ("int", len(value))
