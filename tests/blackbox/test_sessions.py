"""Black-box tests of the native session commands (docs/sessions.md is the
contract): SESSION.CREATE GET SET TOUCH DESTROY DESTROYALL LIST COUNT STATS
RESTORE TOUCHAT, the [sessions] options, INFO sessions, and how sessions live
with the rest of the server (FLUSHALL/FLUSHDB, KEYS/DBSIZE, maxmemory,
snapshots and the append-only log, concurrent clients).

Every test runs against a real cachet server on a free port (conftest
factories; persistence tests reuse test_persistence's `nodes` fixture, which
restarts a server on the same data directory). Expiry is tested with real
time and TTLs of 1-2 s; waits are computed from the timestamps the server
reports (created_at / last_active_at / expires_at), not from guesses.

Where docs/sessions.md leaves a detail open, the tests accept every reading of
it: numeric fields may be integer replies or bulk strings of digits, a RESP2
nil may be a null bulk or a null array, and the column of a JSON error may
count from 0 or 1 and point anywhere in the offending token.
"""

import os
import random
import re
import threading
import time

import pytest
import redis

from conftest import HOST, cachet_is_redis
from resp import RespConnection, encode_command
from test_persistence import (call_ok, info, last_incr, nodes,  # noqa: F401
                              parse_log, wait_children_done, wait_until)

pytestmark = pytest.mark.skipif(cachet_is_redis(),
                                reason="SESSION.* commands are cachet's own")

OK = ("simple", b"OK")
FIELDS = (b"id", b"user", b"data", b"created_at", b"last_active_at",
          b"expires_at", b"idle_timeout", b"max_lifetime", b"ip",
          b"user_agent", b"bind")
INT_FIELDS = {b"created_at", b"last_active_at", b"expires_at",
              b"idle_timeout", b"max_lifetime"}
STAT_NAMES = ("sessions", "users", "memory_bytes", "created", "destroyed",
              "expired", "evicted_by_limit", "evicted_by_memory",
              "refused_by_limit", "hits", "misses", "binding_mismatches")
ID_RE = re.compile(rb"\A[A-Za-z0-9_-]{32}\Z")
ID_CHARS = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
# "<the parser's reason, with line and column>"
INVALID_JSON_RE = re.compile(rb"\AERR session data is not valid JSON: .*\bline (\d+),? "
                             rb"column (\d+)\b.*\Z", re.S)
NOT_OBJECT = b"ERR session data must be a JSON object"
SESSIONLIMIT = b"SESSIONLIMIT user has reached session-max-per-user"
TOO_DEEP = b"ERR session data is nested deeper than 64 levels"
BIND_NEEDS = b"ERR a session bound to IP or UA needs the IP or UA it is bound to"
CLOCK_SLACK_MS = 250  # server clock vs. this process's time.time()


def now_ms():
    return int(time.time() * 1000)


def sleep_until_ms(deadline_ms):
    left = (deadline_ms - now_ms()) / 1000.0
    if left > 0:
        time.sleep(left)


# --------------------------------------------------------------------------
# reply decoding


def _text(v, what):
    assert v[0] in ("bulk", "simple"), "%s: expected a string, got %r" % (what, v)
    return v[1]


def _num(v, what):
    if v[0] == "int":
        return v[1]
    if v[0] in ("bulk", "simple") and re.fullmatch(rb"-?[0-9]+", v[1]):
        return int(v[1])
    raise AssertionError("%s: expected an integer, got %r" % (what, v))


def _pairs(r, proto, what):
    if proto == 3:
        assert r[0] == "map", "%s: RESP3 reply must be a map, got %r" % (what, r)
        return list(r[1])
    assert r[0] == "array" and len(r[1]) % 2 == 0, \
        "%s: RESP2 reply must be a flat field/value array, got %r" % (what, r)
    return list(zip(r[1][0::2], r[1][1::2]))


def decode_session(r, proto, what="SESSION.GET"):
    pairs = _pairs(r, proto, what)
    keys = tuple(_text(k, what + " field name") for k, _ in pairs)
    assert keys == FIELDS, "%s: fields %r, expected exactly %r in this order" % (
        what, keys, FIELDS)
    out = {}
    for k, v in pairs:
        name = k[1]
        out[name.decode()] = _num(v, name) if name in INT_FIELDS else _text(v, name)
    return out


def is_nil(r, proto):
    return r == ("null",) if proto == 3 else r in (("nil",), ("nilarray",))


class Sess:
    """One connection with helpers for the session commands."""

    def __init__(self, srv, proto=2, timeout=30.0):
        self.proto = proto
        self.c = RespConnection(srv.host, srv.port, timeout=timeout)
        if proto == 3:
            r = self.c.call("HELLO", "3")
            assert r[0] == "map", r

    def close(self):
        self.c.close()

    def call(self, *args):
        return self.c.call(*args)

    def pipe(self, cmds, chunk=500):
        out = []
        for i in range(0, len(cmds), chunk):
            part = cmds[i:i + chunk]
            self.c.send_raw(b"".join(encode_command(c) for c in part))
            out += [self.c.read_reply() for _ in part]
        return out

    def create(self, user, *opts):
        r = self.call("SESSION.CREATE", user, *opts)
        assert r[0] in ("bulk", "simple") and ID_RE.match(r[1]), \
            "SESSION.CREATE %r %r -> %r" % (user, opts, r)
        return r[1]

    def get(self, sid, *opts):
        r = self.call("SESSION.GET", sid, *opts)
        if is_nil(r, self.proto):
            return None
        return decode_session(r, self.proto, "SESSION.GET %r" % (opts,))

    def peek(self, sid, *opts):
        return self.get(sid, "NOTOUCH", *opts)

    def int(self, *args):
        r = self.call(*args)
        assert r[0] == "int", "%r -> %r" % (args, r)
        return r[1]

    def count(self, user):
        return self.int("SESSION.COUNT", user)

    def list(self, user):
        r = self.call("SESSION.LIST", user)
        assert r[0] == "array", "SESSION.LIST %r -> %r" % (user, r)
        return [decode_session(x, self.proto, "SESSION.LIST entry") for x in r[1]]

    def list_ids(self, user):
        return [s["id"] for s in self.list(user)]

    def stats(self):
        r = self.call("SESSION.STATS")
        pairs = _pairs(r, self.proto, "SESSION.STATS")
        st = {_text(k, "stat name").decode(): _num(v, "stat") for k, v in pairs}
        missing = [n for n in STAT_NAMES if n not in st]
        assert not missing, "SESSION.STATS lacks %r: %r" % (missing, st)
        return st

    def err(self, *args):
        r = self.call(*args)
        assert r[0] == "error", "%r: expected an error, got %r" % (args[:4], r)
        return r[1]

    def config_set(self, name, value):
        r = self.call("CONFIG", "SET", name, value)
        assert r == OK, "CONFIG SET %s %s -> %r" % (name, value, r)

    def config_get(self, pattern):
        r = self.call("CONFIG", "GET", pattern)
        pairs = _pairs(r, self.proto, "CONFIG GET")
        return {k[1].decode(): v[1].decode() for k, v in pairs}

    def info(self, section):
        return info(self.c, section)


def random_id(rng=random):
    return bytes(rng.choice(sorted(ID_CHARS)) for _ in range(32))


def pad_doc(n):
    """A JSON object of exactly n bytes (n >= 12)."""
    doc = b'{"pad":"' + b"x" * (n - 10) + b'"}'
    assert len(doc) == n
    return doc


# --------------------------------------------------------------------------
# create / get round trips


def test_create_get_round_trip_resp2(cachet_server):
    s = Sess(cachet_server)
    data = b'{"role":"admin","n":[1,2,{"x":null}]}'
    t0 = now_ms()
    sid = s.create("user:42", "DATA", data, "TTL", 1800, "MAXLIFETIME", 86400,
                   "IP", "10.0.0.7", "UA", "Firefox/133")
    t1 = now_ms()
    raw = s.call("SESSION.GET", sid, "NOTOUCH")
    assert raw[0] == "array" and len(raw[1]) == 22, raw
    g = decode_session(raw, 2)
    assert g["id"] == sid and g["user"] == b"user:42" and g["data"] == data, g
    assert t0 - CLOCK_SLACK_MS <= g["created_at"] <= t1 + CLOCK_SLACK_MS, (t0, t1, g)
    assert g["last_active_at"] == g["created_at"], g
    assert g["expires_at"] == g["created_at"] + 1800 * 1000, g
    assert (g["idle_timeout"], g["max_lifetime"]) == (1800, 86400), g
    assert (g["ip"], g["user_agent"], g["bind"]) == (b"10.0.0.7", b"Firefox/133", b"none"), g

    time.sleep(0.02)
    g2 = s.get(sid, "IP", "10.0.0.7", "UA", "Firefox/133")
    assert g2["last_active_at"] >= g["created_at"] + 15, (g, g2)  # GET refreshes
    assert g2["expires_at"] == g2["last_active_at"] + 1800 * 1000, g2
    assert {k: v for k, v in g2.items() if k not in ("last_active_at", "expires_at")} == \
        {k: v for k, v in g.items() if k not in ("last_active_at", "expires_at")}

    # defaults: data {}, session-idle-timeout 1800, session-max-lifetime 86400, bind none
    d = s.create("user:43")
    gd = s.peek(d)
    assert (gd["user"], gd["data"], gd["idle_timeout"], gd["max_lifetime"], gd["ip"],
            gd["user_agent"], gd["bind"]) == (b"user:43", b"{}", 1800, 86400, b"", b"",
                                              b"none"), gd
    assert gd["expires_at"] == gd["created_at"] + 1800 * 1000, gd

    # an ordinary client library sees the same (redis-py, RESP2)
    r = redis.Redis(host=cachet_server.host, port=cachet_server.port)
    flat = r.execute_command("SESSION.GET", sid, "NOTOUCH")
    assert flat[0::2] == list(FIELDS) and flat[1] == sid and flat[5] == data, flat
    rid = r.execute_command("SESSION.CREATE", "user:44", "DATA", '{"k":1}')
    assert ID_RE.match(rid), rid
    assert r.execute_command("SESSION.GET", b"A" * 32) is None
    r.close()
    s.close()


def test_get_resp3_map_matches_resp2(cachet_server):
    s2 = Sess(cachet_server, proto=2)
    s3 = Sess(cachet_server, proto=3)
    data = b'{"a":"b"}'
    sid = s3.create("u3", "DATA", data, "TTL", 600, "MAXLIFETIME", 0, "IP", "::1",
                    "UA", "curl/8", "BIND", "BOTH")
    raw = s3.call("SESSION.GET", sid, "NOTOUCH", "IP", "::1", "UA", "curl/8")
    assert raw[0] == "map" and len(raw[1]) == 11, raw
    g3 = decode_session(raw, 3)
    g2 = s2.peek(sid, "IP", "::1", "UA", "curl/8")
    assert g3 == g2, (g3, g2)
    assert (g3["data"], g3["max_lifetime"], g3["bind"]) == (data, 0, b"both"), g3
    assert g3["expires_at"] == g3["last_active_at"] + 600 * 1000, g3  # no lifetime cap
    # value types agree between the protocols
    raw2 = s2.call("SESSION.GET", sid, "NOTOUCH", "IP", "::1", "UA", "curl/8")
    assert [v[0] for _, v in raw[1]] == [v[0] for v in raw2[1][1::2]], (raw, raw2)
    # nil, LIST and STATS in RESP3
    assert s3.call("SESSION.GET", random_id()) == ("null",)
    lst = s3.call("SESSION.LIST", "u3")
    assert lst[0] == "array" and len(lst[1]) == 1 and lst[1][0][0] == "map", lst
    assert decode_session(lst[1][0], 3) == g3
    assert s3.call("SESSION.STATS")[0] == "map"
    assert s2.call("SESSION.STATS")[0] == "array"
    assert s3.stats()["sessions"] == s2.stats()["sessions"] == 1
    s2.close()
    s3.close()


def test_data_is_returned_byte_for_byte(cachet_server):
    s = Sess(cachet_server)
    docs = [
        b"{}",
        b"{ }",
        b' \t{"a" : 1 }\r\n',
        b'{"k":"v","a":[1,2.5e-3,-0,1E+2,true,false,null]}',
        b'{"z":1,"a":2,"m":3}',
        b'{"esc":"\\u00e9\\ud83d\\ude00 \\" \\\\ \\/ \\b\\f\\n\\r\\t \\u0000"}',
        b'{"utf8":"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"}',
        b'{"big":123456789012345678901234567890,"neg":-0.000001e-7}',
        b'{\n  "nested": {"deep": {"x": [[], {}, [[[]]]]}}\n}',
        b'{"":""}',
        pad_doc(100000),
    ]
    ids = []
    for i, doc in enumerate(docs):
        sid = s.create("bytes", "DATA", doc)
        ids.append(sid)
        assert s.get(sid)["data"] == doc, doc[:80]
    by_id = {e["id"]: e["data"] for e in s.list("bytes")}
    assert by_id == dict(zip(ids, docs))
    # SESSION.SET replaces the data, also byte for byte
    for sid, doc in zip(ids, reversed(docs)):
        assert s.int("SESSION.SET", sid, doc) == 1
        assert s.peek(sid)["data"] == doc
    s.close()


def test_ids_are_unique_and_url_safe(cachet_server):
    s = Sess(cachet_server)
    n = 10000
    replies = s.pipe([("SESSION.CREATE", "many") for _ in range(n)], chunk=1000)
    ids = []
    for r in replies:
        assert r[0] in ("bulk", "simple") and ID_RE.match(r[1]), r
        ids.append(r[1])
    assert len(set(ids)) == n, "%d duplicate ids in %d" % (n - len(set(ids)), n)
    # 192 bits as 32 base64url characters: every one of the 64 characters shows up
    used = set(b"".join(ids))
    assert used == ID_CHARS, "characters never used: %r" % bytes(sorted(ID_CHARS - used))
    assert s.count("many") == n
    assert s.stats()["created"] == n
    assert s.peek(ids[0])["user"] == b"many" and s.peek(ids[-1])["user"] == b"many"
    s.close()


# --------------------------------------------------------------------------
# refused input


BAD_JSON = [  # (document, 0-based index of the first offending byte or None[, token length])
    (b"", None), (b"   ", None), (b"{", None), (b"}", 0), (b'{"a":}', 5),
    (b'{"a":1,}', 7), (b"{'a':1}", 1), (b'{"a":1} x', 8), (b'{"a":1}{}', 7),
    (b"{a:1}", 1), (b'{"a":01}', None), (b'{"a":1.}', None), (b'{"a":.5}', 5),
    (b'{"a":+1}', 5), (b'{"a":NaN}', 5), (b'{"a":tru}', None), (b'{"a":nul}', None),
    (b'{"a":"x\x01y"}', 7), (b'{"a":"\\x"}', None), (b'{"a":"\\u12"}', None),
    (b'{"a" 1}', 5), (b'{"a":[1,2}', 9), (b'{"a":1]', 6), (b'{"a":"open}', None),
    (b'{"a":1}}', 7), (b'\x00{}', 0), (b'{"a":[1 2]}', 8), (b'{"a":1 "b":2}', 7, 3),
]
NOT_OBJECTS = [b"[]", b'[{"a":1}]', b"1", b'"{}"', b"null", b"true", b" 3.5 "]


def test_bad_json_is_refused_and_nothing_stored(cachet_server):
    s = Sess(cachet_server)
    keep = s.create("json", "DATA", '{"v":1}')
    before = s.stats()
    problems = []
    for doc, at, *toklen in BAD_JSON:
        toklen = toklen[0] if toklen else 1
        for cmd in (("SESSION.CREATE", "json", "DATA", doc), ("SESSION.SET", keep, doc)):
            r = s.call(*cmd)
            if r[0] != "error":
                problems.append("%r accepted: %r" % (cmd, r))
                continue
            e = r[1]
            m = INVALID_JSON_RE.match(e)
            if not m:
                problems.append("%r: error %r is not 'ERR session data is not valid JSON: "
                                "<the parser's reason, with line and column>'" % (cmd[0], e))
                continue
            line, col = int(m.group(1)), int(m.group(2))
            if line != 1 or not 0 <= col <= len(doc) + 1 or (
                    at is not None and not at <= col <= at + toklen):
                problems.append("%r: error at line %d column %d, the bad byte is %s (%r)" % (
                    doc, line, col, at, e))
    for doc in NOT_OBJECTS:
        for cmd in (("SESSION.CREATE", "json", "DATA", doc), ("SESSION.SET", keep, doc)):
            r = s.call(*cmd)
            if r != ("error", NOT_OBJECT):
                problems.append("%r: %r, expected %r" % (cmd, r, NOT_OBJECT))
    after = s.stats()
    assert s.count("json") == 1
    assert (after["sessions"], after["created"]) == (before["sessions"], before["created"])
    assert s.peek(keep)["data"] == b'{"v":1}'
    assert not problems, "%d problems, the first:\n  %s" % (len(problems),
                                                          "\n  ".join(problems[:6]))
    s.close()


def test_nesting_depth_and_size_limits(cachet_server):
    s = Sess(cachet_server)
    depth64 = b'{"a":' * 63 + b"{}" + b"}" * 63
    mixed64 = b'{"a":' + b"[" * 62 + b"{}" + b"]" * 62 + b"}"
    depth65 = b'{"a":' * 64 + b"{}" + b"}" * 64
    mixed65 = b'{"a":' + b"[" * 63 + b"{}" + b"]" * 63 + b"}"
    for doc in (depth64, mixed64):
        sid = s.create("deep", "DATA", doc)
        assert s.peek(sid)["data"] == doc
    n = s.count("deep")
    assert n == 2
    for doc in (depth65, mixed65, b'{"a":' + b"[" * 100000 + b"]" * 100000 + b"}",
                b'{"a":' + b"[" * 500000):  # unterminated, far too deep
        e = s.err("SESSION.CREATE", "deep", "DATA", doc)
        assert e == TOO_DEEP or (doc.endswith(b"[") and e.startswith(b"ERR")), e[:200]
        e = s.err("SESSION.SET", sid, doc)
        assert e == TOO_DEEP or (doc.endswith(b"[") and e.startswith(b"ERR")), e[:200]
    assert s.call("PING") == ("simple", b"PONG")
    assert s.count("deep") == 2 and s.peek(sid)["data"] == mixed64

    s.config_set("session-max-data-size", "1024")
    ok = s.create("size", "DATA", pad_doc(1024))
    assert s.peek(ok)["data"] == pad_doc(1024)
    e = s.err("SESSION.CREATE", "size", "DATA", pad_doc(1025))
    assert e.startswith(b"ERR"), e
    assert s.err("SESSION.SET", ok, pad_doc(1025)).startswith(b"ERR")
    assert s.count("size") == 1 and s.peek(ok)["data"] == pad_doc(1024)
    # the default is 1mb
    s.config_set("session-max-data-size", "1mb")
    big = s.create("size", "DATA", pad_doc(1024 * 1024))
    assert len(s.peek(big)["data"]) == 1024 * 1024
    assert s.err("SESSION.CREATE", "size", "DATA", pad_doc(1024 * 1024 + 1)).startswith(b"ERR")
    assert s.count("size") == 2
    s.close()


def test_arity_and_syntax_errors(cachet_server):
    s = Sess(cachet_server)
    sid = s.create("arity")
    wrong_arity = [
        ("SESSION.CREATE",), ("SESSION.GET",), ("SESSION.SET",), ("SESSION.SET", sid),
        ("SESSION.SET", sid, "{}", "extra"), ("SESSION.TOUCH",), ("SESSION.TOUCH", sid, sid),
        ("SESSION.DESTROY",), ("SESSION.DESTROY", sid, sid), ("SESSION.DESTROYALL",),
        ("SESSION.LIST",), ("SESSION.LIST", "a", "b"), ("SESSION.COUNT",),
        ("SESSION.COUNT", "a", "b"), ("SESSION.TOUCHAT", sid), ("SESSION.RESTORE", sid),
    ]
    for cmd in wrong_arity:
        e = s.err(*cmd)
        assert e.lower().startswith(b"err wrong number of arguments for '%s"
                                    % cmd[0].lower().encode()), (cmd, e)
    syntax = [
        ("SESSION.CREATE", "x", "TTL"), ("SESSION.CREATE", "x", "TTL", "abc"),
        ("SESSION.CREATE", "x", "TTL", "-5"), ("SESSION.CREATE", "x", "MAXLIFETIME", "-1"),
        ("SESSION.CREATE", "x", "MAXLIFETIME", "1.5"), ("SESSION.CREATE", "x", "DATA"),
        ("SESSION.CREATE", "x", "BIND", "EVERYTHING"), ("SESSION.CREATE", "x", "BOGUS", "1"),
        ("SESSION.CREATE", "x", "BIND", "IP"), ("SESSION.CREATE", "x", "BIND", "UA", "IP", "1.2.3.4"),
        ("SESSION.CREATE", "x", "BIND", "BOTH", "UA", "ff"),
        ("SESSION.CREATE", "x", "IP"), ("SESSION.CREATE", "x", "UA"),
        ("SESSION.DESTROYALL", "x", "EXCEPT"), ("SESSION.DESTROYALL", "x", "BOGUS", sid),
        ("SESSION.GET", sid, "BOGUS"), ("SESSION.GET", sid, "IP"),
    ]
    for cmd in syntax:
        e = s.err(*cmd)
        assert e.startswith(b"ERR"), (cmd, e)
    for cmd in (("SESSION.CREATE", "x", "BIND", "IP"), ("SESSION.CREATE", "x", "BIND", "UA", "IP", "1.2.3.4"),
                ("SESSION.CREATE", "x", "BIND", "BOTH", "UA", "ff")):
        assert s.err(*cmd) == BIND_NEEDS, cmd
    assert s.count("x") == 0 and s.stats()["created"] == 1
    assert s.peek(sid) is not None
    s.close()


def test_user_ip_and_agent_lengths(cachet_server):
    """user is 1 to 512 bytes, IP at most 128, UA at most 1024."""
    s = Sess(cachet_server)
    ok = [(b"u" * 512,), (b"u", b"IP", b"i" * 128), (b"u", b"UA", b"a" * 1024),
          (b"\x00\xff \r\n",)]
    for args in ok:
        sid = s.create(*args)
        g = s.peek(sid)
        assert (g["user"], g["ip"], g["user_agent"]) == (
            args[0], args[2] if b"IP" in args else b"", args[2] if b"UA" in args else b""), args
    bad = [("",), ("u" * 513,), ("u", "IP", "i" * 129), ("u", "UA", "a" * 1025)]
    before = s.stats()["created"]
    for args in bad:
        assert s.err("SESSION.CREATE", *args).startswith(b"ERR"), args[0][:20]
    assert s.stats()["created"] == before and s.count("u" * 513) == 0
    s.close()


def test_unknown_and_malformed_ids(cachet_server):
    s = Sess(cachet_server)
    real = s.create("ids")
    swapped = real.swapcase()
    candidates = [random_id(), b"", b"short", b"!" * 32, real[:31], real + b"A",
                  b"x" * 1000, real[:16] + b"\x00" + real[17:], b"\xff" * 32]
    if swapped != real:
        candidates.append(swapped)
    misses0 = s.stats()["misses"]
    for bad in candidates:
        assert s.call("SESSION.GET", bad)[0] in ("nil", "nilarray"), bad
        assert s.int("SESSION.SET", bad, "{}") == 0, bad
        assert s.int("SESSION.TOUCH", bad) == 0, bad
        assert s.int("SESSION.DESTROY", bad) == 0, bad
    assert s.stats()["misses"] >= misses0 + 1
    assert s.peek(real) is not None and s.count("ids") == 1
    # after DESTROY the id is dead for every command
    assert s.int("SESSION.DESTROY", real) == 1
    assert s.get(real) is None
    assert s.int("SESSION.SET", real, "{}") == 0
    assert s.int("SESSION.TOUCH", real) == 0
    assert s.int("SESSION.DESTROY", real) == 0
    assert s.count("ids") == 0 and s.list("ids") == []
    assert s.count("nobody") == 0 and s.list("nobody") == []
    assert s.int("SESSION.DESTROYALL", "nobody") == 0
    s.close()


# --------------------------------------------------------------------------
# expiry


def test_rolling_expiry(cachet_server):
    s = Sess(cachet_server)
    st0 = s.stats()
    a = s.create("roll", "TTL", 2, "MAXLIFETIME", 0)
    b = s.create("roll", "TTL", 2, "MAXLIFETIME", 0)
    ga, gb = s.peek(a), s.peek(b)
    assert gb["expires_at"] == gb["created_at"] + 2000, gb
    # keep a alive with TOUCH, GET and SET in turn, past b's deadline
    last = ga["last_active_at"]
    step = 0
    while now_ms() < gb["expires_at"] + 300:
        time.sleep(0.4)
        if step % 3 == 0:
            assert s.int("SESSION.TOUCH", a) == 1
        elif step % 3 == 1:
            assert s.get(a) is not None
        else:
            assert s.int("SESSION.SET", a, '{"step":%d}' % step) == 1
        step += 1
        g = s.peek(a)
        assert g is not None, "touched session expired"
        assert g["last_active_at"] >= last and g["expires_at"] == g["last_active_at"] + 2000, g
        last = g["last_active_at"]
    assert now_ms() > gb["expires_at"]
    # b is past its deadline: COUNT and LIST must not show it, before anything looks it up
    assert s.count("roll") == 1
    assert s.list_ids("roll") == [a]
    assert s.get(b) is None
    assert s.int("SESSION.TOUCH", b) == 0
    ga = s.peek(a)
    assert ga["expires_at"] > now_ms() and ga["data"].startswith(b'{"step":')
    # now let a run out too
    sleep_until_ms(ga["expires_at"] + 150)
    assert s.count("roll") == 0
    assert s.list("roll") == []
    assert s.get(a) is None
    st = wait_until(lambda: (lambda x: x if x["expired"] >= st0["expired"] + 2 else None)(
        s.stats()), timeout=3, what="SESSION.STATS expired to count both sessions")
    assert st["expired"] == st0["expired"] + 2, st
    assert st["sessions"] == 0 and st["users"] == 0, st
    assert int(s.info("sessions")["session_expired"]) == st["expired"]
    s.close()


def test_max_lifetime_caps_touched_session(cachet_server):
    s = Sess(cachet_server)
    sid = s.create("life", "TTL", 2, "MAXLIFETIME", 1)
    g = s.peek(sid)
    assert (g["idle_timeout"], g["max_lifetime"]) == (2, 1), g
    assert g["expires_at"] == g["created_at"] + 1000, g  # min(idle deadline, lifetime)
    cap = g["created_at"] + 1000
    touches = 0
    while True:
        time.sleep(0.2)
        if now_ms() >= cap - 100:
            break
        assert s.int("SESSION.TOUCH", sid) == 1
        touches += 1
        g = s.peek(sid)
        assert g is not None and g["expires_at"] == cap, g
    assert touches >= 1
    sleep_until_ms(cap + 150)
    assert s.get(sid) is None
    assert s.int("SESSION.TOUCH", sid) == 0
    assert s.count("life") == 0

    # session-max-lifetime is the default for MAXLIFETIME; 0 means none
    s.config_set("session-max-lifetime", "1")
    d = s.peek(s.create("life2", "TTL", 100))
    assert d["max_lifetime"] == 1 and d["expires_at"] == d["created_at"] + 1000, d
    s.config_set("session-max-lifetime", "0")
    d = s.peek(s.create("life2", "TTL", 100))
    assert d["max_lifetime"] == 0 and d["expires_at"] == d["created_at"] + 100000, d
    sleep_until_ms(d["created_at"] + 1150)
    assert s.count("life2") == 1
    s.close()


def test_notouch_and_list_do_not_refresh(cachet_server):
    s = Sess(cachet_server)
    sid = s.create("nt", "TTL", 1, "MAXLIFETIME", 0)
    g0 = s.peek(sid)
    deadline = g0["expires_at"]
    while True:
        time.sleep(0.15)
        if now_ms() >= deadline - 100:
            break
        g = s.peek(sid)
        assert (g["last_active_at"], g["expires_at"]) == (g0["last_active_at"], deadline), g
        assert s.list("nt")[0]["expires_at"] == deadline
    sleep_until_ms(deadline + 150)
    assert s.peek(sid) is None and s.count("nt") == 0
    s.close()


def test_touchat_sets_last_activity(cachet_server):
    s = Sess(cachet_server)
    sid = s.create("ta", "TTL", 100, "MAXLIFETIME", 0)
    other = s.create("ta", "TTL", 100, "MAXLIFETIME", 0)
    g = s.peek(sid)
    time.sleep(0.2)
    t = g["created_at"] + 123  # after creation, before now
    r = s.call("SESSION.TOUCHAT", sid, t)
    assert r[0] != "error", r
    g = s.peek(sid)
    assert (g["last_active_at"], g["expires_at"]) == (t, t + 100000), g
    assert s.list_ids("ta") == [sid, other]  # sid is now the more recently active
    g = s.peek(other)
    r = s.call("SESSION.TOUCHAT", other, t + 1)
    assert r[0] != "error", r
    assert s.list_ids("ta") == [other, sid]
    r = s.call("SESSION.TOUCHAT", random_id(), now_ms())
    assert r[0] == "error" or r in (("int", 0), ("nil",)), r
    assert s.err("SESSION.TOUCHAT", s.create("ta"), "soon").startswith(b"ERR")
    s.close()


# --------------------------------------------------------------------------
# per-user limit


def test_limit_evicts_least_active(cachet_server):
    s = Sess(cachet_server)
    s.config_set("session-max-per-user", "3")
    assert s.config_get("session-limit-policy") == {"session-limit-policy": "evict-least-active"}

    def mk():
        sid = s.create("lim", "TTL", 3600)
        time.sleep(0.01)  # distinct activity times
        return sid

    s1, s2, s3 = mk(), mk(), mk()
    other = [s.create("other") for _ in range(3)]
    assert s.int("SESSION.TOUCH", s1) == 1          # order: s2 s3 s1
    time.sleep(0.01)
    s4 = mk()                                       # evicts s2 -> s3 s1 s4
    assert s.count("lim") == 3 and s.get(s2) is None
    assert s.list_ids("lim") == [s4, s1, s3]
    assert s.get(s3) is not None                    # s1 s4 s3
    time.sleep(0.01)
    s5 = mk()                                       # evicts s1 -> s4 s3 s5
    assert s.get(s1) is None
    assert s.int("SESSION.SET", s4, '{"x":1}') == 1   # SET is activity: s3 s5 s4
    time.sleep(0.01)
    s6 = mk()                                       # evicts s3 -> s5 s4 s6
    assert s.peek(s3) is None
    assert s.list_ids("lim") == [s6, s4, s5]
    assert s.stats()["evicted_by_limit"] == 3
    assert sorted(s.list_ids("other")) == sorted(other)  # another user is untouched
    s.close()


def test_limit_refuse(cachet_server):
    s = Sess(cachet_server)
    s.config_set("session-max-per-user", "2")
    s.config_set("session-limit-policy", "refuse")
    a = s.create("ref", "TTL", 2, "MAXLIFETIME", 0)
    b = s.create("ref", "TTL", 2, "MAXLIFETIME", 0)
    st0 = s.stats()
    assert s.call("SESSION.CREATE", "ref", "DATA", '{"x":1}') == ("error", SESSIONLIMIT)
    st = s.stats()
    assert st["refused_by_limit"] == st0["refused_by_limit"] + 1
    assert (st["created"], st["sessions"]) == (st0["created"], st0["sessions"])
    assert sorted(s.list_ids("ref")) == sorted([a, b])
    assert s.create("ref2") and s.create("ref2")  # other users have their own limit
    assert s.err("SESSION.CREATE", "ref2") == SESSIONLIMIT
    # a logout makes room
    assert s.int("SESSION.DESTROY", a) == 1
    c = s.create("ref", "TTL", 2, "MAXLIFETIME", 0)
    assert s.err("SESSION.CREATE", "ref").startswith(b"SESSIONLIMIT")
    # expired sessions do not count toward the limit
    sleep_until_ms(max(s.peek(b)["expires_at"], s.peek(c)["expires_at"]) + 150)
    d = s.create("ref")
    e = s.create("ref")
    assert sorted(s.list_ids("ref")) == sorted([d, e])
    s.close()


def test_limit_config_validation(cachet_server):
    s = Sess(cachet_server)
    assert s.err("CONFIG", "SET", "session-limit-policy", "lru").startswith(b"ERR")
    assert s.err("CONFIG", "SET", "session-bind", "mac").startswith(b"ERR")
    assert s.err("CONFIG", "SET", "session-max-per-user", "-1").startswith(b"ERR")
    assert s.err("CONFIG", "SET", "session-idle-timeout", "soon").startswith(b"ERR")
    got = s.config_get("session-*")
    assert {k: got.get(k) for k in ("session-idle-timeout", "session-max-lifetime",
                                    "session-max-per-user", "session-limit-policy",
                                    "session-bind")} == {
        "session-idle-timeout": "1800", "session-max-lifetime": "86400",
        "session-max-per-user": "0", "session-limit-policy": "evict-least-active",
        "session-bind": "none"}, got
    assert got.get("session-max-data-size") in ("1mb", "1048576"), got
    # a change applies to sessions created afterwards
    old = s.create("cfg")
    s.config_set("session-idle-timeout", "60")
    new = s.create("cfg")
    assert s.peek(old)["idle_timeout"] == 1800 and s.peek(new)["idle_timeout"] == 60
    s.close()


def test_sessions_options_in_toml_file(cachet_factory, tmp_path):
    path = tmp_path / "cachet.toml"
    path.write_text('[sessions]\nidle-timeout = 7200\nmax-lifetime = 604800\n'
                    'max-per-user = 2\nlimit-policy = "refuse"\nbind = "ip"\n')
    srv = cachet_factory("--config", str(path))
    s = Sess(srv)
    got = s.config_get("session-*")
    assert (got["session-idle-timeout"], got["session-max-lifetime"],
            got["session-max-per-user"], got["session-limit-policy"],
            got["session-bind"]) == ("7200", "604800", "2", "refuse", "ip"), got
    sid = s.create("toml", "IP", "10.1.1.1")
    g = s.peek(sid, "IP", "10.1.1.1")
    assert (g["idle_timeout"], g["max_lifetime"], g["bind"]) == (7200, 604800, b"ip"), g
    assert s.get(sid, "IP", "10.9.9.9") is None
    s.create("toml", "IP", "10.1.1.2")
    assert s.err("SESSION.CREATE", "toml", "IP", "10.1.1.3") == SESSIONLIMIT
    s.close()


# --------------------------------------------------------------------------
# DESTROYALL, LIST, COUNT


def test_destroyall(cachet_server):
    s = Sess(cachet_server)
    mine = [s.create("da") for _ in range(4)]
    theirs = [s.create("db") for _ in range(2)]
    d0 = s.stats()["destroyed"]
    assert s.int("SESSION.DESTROYALL", "da", "EXCEPT", mine[1]) == 3
    assert s.count("da") == 1 and s.list_ids("da") == [mine[1]]
    assert all(s.peek(x) is None for x in mine if x != mine[1])
    assert s.int("SESSION.DESTROYALL", "da", "EXCEPT", mine[1]) == 0
    assert s.int("SESSION.DESTROYALL", "da") == 1
    assert s.count("da") == 0 and s.peek(mine[1]) is None
    assert s.int("SESSION.DESTROYALL", "da") == 0
    # EXCEPT a session of another user, or an unknown id: all of the user's go
    more = [s.create("da") for _ in range(3)]
    assert s.int("SESSION.DESTROYALL", "da", "EXCEPT", theirs[0]) == 3
    assert all(s.peek(x) is None for x in more)
    more = [s.create("da") for _ in range(2)]
    assert s.int("SESSION.DESTROYALL", "da", "EXCEPT", random_id()) == 2
    assert sorted(s.list_ids("db")) == sorted(theirs)
    assert s.stats()["destroyed"] == d0 + 3 + 1 + 3 + 2
    st = s.stats()
    assert (st["sessions"], st["users"]) == (2, 1), st
    s.close()


def test_list_order_and_count(cachet_server):
    s = Sess(cachet_server)
    ids = []
    for i in range(5):
        ids.append(s.create("lo", "DATA", '{"i":%d}' % i, "IP", "10.0.0.%d" % i,
                            "UA", "ua%d" % i, "BIND", "BOTH"))
        time.sleep(0.01)
    assert s.count("lo") == 5
    lst = s.list("lo")
    assert [e["id"] for e in lst] == ids[::-1]           # most recently active first
    for e in lst:                                         # GET shape, bound or not
        i = ids.index(e["id"])
        assert e == s.peek(e["id"], "IP", "10.0.0.%d" % i, "UA", "ua%d" % i)
    assert s.int("SESSION.TOUCH", ids[1]) == 1
    time.sleep(0.01)
    assert s.get(ids[3], "IP", "10.0.0.3", "UA", "ua3") is not None
    assert s.list_ids("lo") == [ids[3], ids[1], ids[4], ids[2], ids[0]]
    before = s.list("lo")
    time.sleep(0.02)
    assert s.list("lo") == before                         # LIST does not refresh
    assert s.int("SESSION.DESTROY", ids[4]) == 1
    assert s.count("lo") == 4
    assert s.list_ids("lo") == [ids[3], ids[1], ids[2], ids[0]]
    s.close()


# --------------------------------------------------------------------------
# binding


def test_binding(cachet_server):
    s = Sess(cachet_server)
    ip = s.create("bind", "IP", "10.0.0.1", "UA", "Firefox", "BIND", "IP")
    ua = s.create("bind", "IP", "10.0.0.1", "UA", "Firefox", "BIND", "UA")
    both = s.create("bind", "IP", "10.0.0.1", "UA", "Firefox", "BIND", "BOTH")
    none = s.create("bind", "IP", "10.0.0.1", "UA", "Firefox", "BIND", "NONE")
    assert [s.peek(x, "IP", "10.0.0.1", "UA", "Firefox")["bind"]
            for x in (ip, ua, both, none)] == [b"ip", b"ua", b"both", b"none"]
    m0 = s.stats()["binding_mismatches"]
    mismatches = [
        (ip, ()), (ip, ("IP", "10.0.0.2")), (ip, ("UA", "Firefox")),
        (ip, ("IP", "10.0.0.10", "UA", "Firefox")), (ip, ("IP", "")),
        (ua, ()), (ua, ("UA", "firefox")), (ua, ("IP", "10.0.0.1")),
        (ua, ("IP", "10.0.0.1", "UA", "Chrome")),
        (both, ()), (both, ("IP", "10.0.0.1")), (both, ("UA", "Firefox")),
        (both, ("IP", "10.0.0.2", "UA", "Firefox")), (both, ("IP", "10.0.0.1", "UA", "Chrome")),
    ]
    for sid, opts in mismatches:
        assert s.get(sid, *opts) is None, (sid, opts)
    assert s.stats()["binding_mismatches"] == m0 + len(mismatches)
    matches = [
        (ip, ("IP", "10.0.0.1")), (ip, ("IP", "10.0.0.1", "UA", "Chrome")),
        (ua, ("UA", "Firefox")), (ua, ("IP", "192.168.0.1", "UA", "Firefox")),
        (both, ("IP", "10.0.0.1", "UA", "Firefox")), (both, ("UA", "Firefox", "IP", "10.0.0.1")),
        (none, ()), (none, ("IP", "1.1.1.1", "UA", "Other")),
    ]
    for sid, opts in matches:
        g = s.get(sid, *opts)
        assert g is not None and g["id"] == sid, (sid, opts)
        assert (g["ip"], g["user_agent"]) == (b"10.0.0.1", b"Firefox")
    for sid, opts in matches[:2]:
        assert s.peek(sid, *opts) is not None
    assert s.peek(ip) is None  # NOTOUCH does not skip the check
    assert s.stats()["binding_mismatches"] == m0 + len(mismatches) + 1
    # session-bind is the default BIND, applied to what CREATE gave
    s.config_set("session-bind", "ua")
    d = s.create("bind", "UA", "Safari")
    assert s.peek(d, "UA", "Safari")["bind"] == b"ua"
    assert s.get(d) is None and s.get(d, "UA", "Safari") is not None
    s.config_set("session-bind", "both")
    only_ip = s.create("bind", "IP", "10.9.9.9")
    only_ua = s.create("bind", "UA", "Lynx")
    both2 = s.create("bind", "IP", "10.9.9.9", "UA", "Lynx")
    neither = s.create("bind")
    explicit = s.create("bind", "IP", "10.9.9.9", "UA", "Lynx", "BIND", "NONE")
    assert s.peek(only_ip, "IP", "10.9.9.9")["bind"] == b"ip"
    assert s.peek(only_ua, "UA", "Lynx")["bind"] == b"ua"
    assert s.peek(both2, "IP", "10.9.9.9", "UA", "Lynx")["bind"] == b"both"
    assert s.peek(neither)["bind"] == b"none"
    assert s.peek(explicit)["bind"] == b"none"
    assert s.get(only_ip) is None and s.get(only_ip, "IP", "10.9.9.8") is None
    assert s.get(both2, "IP", "10.9.9.9") is None
    s.close()


# --------------------------------------------------------------------------
# keyspace isolation


def test_flushall_flushdb_and_keyspace(cachet_server):
    s = Sess(cachet_server)
    ids = [s.create("fl%d" % (i % 3), "DATA", '{"i":%d}' % i) for i in range(9)]
    for i in range(4):
        assert s.call("SET", "key%d" % i, "v") == OK
    assert s.int("DBSIZE") == 4
    keys = s.call("KEYS", "*")
    assert sorted(k[1] for k in keys[1]) == [b"key0", b"key1", b"key2", b"key3"], keys
    r = s.call("SCAN", "0", "COUNT", "1000")
    assert sorted(k[1] for k in r[1][1][1]) == [b"key0", b"key1", b"key2", b"key3"], r
    assert s.int("EXISTS", *ids) == 0
    # every database sees the same sessions
    assert s.call("SELECT", "5") == OK
    assert s.peek(ids[0])["data"] == b'{"i":0}'
    assert s.count("fl0") == 3 and s.int("DBSIZE") == 0
    sid = s.create("fl0")
    assert s.call("SELECT", "0") == OK
    assert s.peek(sid) is not None
    # FLUSHDB leaves sessions alone
    assert s.call("FLUSHDB") == OK
    assert s.int("DBSIZE") == 0
    assert s.count("fl0") == 4 and s.stats()["sessions"] == 10
    assert s.call("SET", "k", "v") == OK
    # FLUSHALL removes them all, with their index
    assert s.call("FLUSHALL") == OK
    assert s.int("DBSIZE") == 0
    for u in ("fl0", "fl1", "fl2"):
        assert s.count(u) == 0 and s.list(u) == []
    assert all(s.get(x) is None for x in ids + [sid])
    st = s.stats()
    assert (st["sessions"], st["users"]) == (0, 0), st
    assert s.create("fl0") and s.count("fl0") == 1
    assert s.call("FLUSHALL", "ASYNC") == OK
    assert s.count("fl0") == 0 and s.stats()["sessions"] == 0
    s.close()


# --------------------------------------------------------------------------
# concurrency


@pytest.mark.parametrize("policy", ["evict-least-active", "refuse"])
def test_concurrent_creates_respect_the_limit(cachet_factory, policy):
    srv = cachet_factory(threads=2)
    s = Sess(srv)
    s.config_set("session-max-per-user", "5")
    s.config_set("session-limit-policy", policy)
    nthreads, per = 16, 50
    barrier = threading.Barrier(nthreads + 1)
    results = [[] for _ in range(nthreads)]
    errors = []
    done = threading.Event()
    seen = {"count": 0, "list": 0, "polls": 0}

    def worker(i):
        try:
            c = RespConnection(HOST, srv.port, timeout=30)
            barrier.wait(timeout=30)
            for j in range(per):
                results[i].append(c.call("SESSION.CREATE", "shared", "DATA",
                                         '{"t":%d,"j":%d}' % (i, j)))
            c.close()
        except Exception as e:  # noqa: BLE001
            errors.append("worker %d: %r" % (i, e))

    def poller():
        try:
            c = RespConnection(HOST, srv.port, timeout=30)
            while not done.is_set():
                n = c.call("SESSION.COUNT", "shared")
                lst = c.call("SESSION.LIST", "shared")
                assert n[0] == "int" and lst[0] == "array", (n, lst)
                seen["count"] = max(seen["count"], n[1])
                seen["list"] = max(seen["list"], len(lst[1]))
                seen["polls"] += 1
            c.close()
        except Exception as e:  # noqa: BLE001
            errors.append("poller: %r" % (e,))

    p = threading.Thread(target=poller)
    p.start()
    workers = [threading.Thread(target=worker, args=(i,)) for i in range(nthreads)]
    for w in workers:
        w.start()
    barrier.wait(timeout=30)
    for w in workers:
        w.join(60)
    done.set()
    p.join(30)
    assert not errors, errors
    replies = [r for rs in results for r in rs]
    assert len(replies) == nthreads * per
    created = [r[1] for r in replies if r[0] in ("bulk", "simple")]
    refused = [r for r in replies if r[0] == "error"]
    assert all(ID_RE.match(x) for x in created)
    assert seen["polls"] >= 5, seen
    assert seen["count"] <= 5 and seen["list"] <= 5, \
        "the user had more than 5 sessions at some point: %r" % seen
    final = s.list_ids("shared")
    assert s.count("shared") == 5 and len(final) == 5
    st = s.stats()
    if policy == "refuse":
        assert len(created) == 5, "%d creates succeeded" % len(created)
        assert all(r == ("error", SESSIONLIMIT) for r in refused), refused[:3]
        assert sorted(final) == sorted(created)
        assert st["refused_by_limit"] == nthreads * per - 5, st
    else:
        assert not refused, refused[:3]
        assert len(set(created)) == nthreads * per
        assert set(final) <= set(created)
        assert st["evicted_by_limit"] == nthreads * per - 5, st
        assert st["created"] == nthreads * per, st
    assert st["sessions"] == 5, st
    for sid in final:
        assert s.peek(sid)["user"] == b"shared"
    s.close()


# --------------------------------------------------------------------------
# persistence


def _snapshot(s, specs):
    """{id: GET NOTOUCH} for (id, get-options) pairs."""
    return {sid: s.peek(sid, *opts) for sid, opts in specs}


def assert_same_lists(s, lists, sessions):
    """Each user's LIST has the same sessions as before, most recently active first
    (sessions active in the same millisecond may come in either order)."""
    for user, ids in lists.items():
        got = s.list(user)
        assert sorted(g["id"] for g in got) == sorted(ids), user
        times = [g["last_active_at"] for g in got]
        assert times == sorted(times, reverse=True), (user, times)
        for g in got:
            if g["id"] in sessions:
                assert g == sessions[g["id"]]


def _populate_for_restart(s):
    """Sessions of several shapes; returns [(id, options GET needs)]."""
    specs = []
    sid = s.create("p:1", "DATA", '{"cart":[1,2,3],"name":"\xc3\xa9"}', "TTL", 3600,
                   "MAXLIFETIME", 7200, "IP", "10.0.0.1", "UA", "Firefox/133", "BIND", "BOTH")
    specs.append((sid, ("IP", "10.0.0.1", "UA", "Firefox/133")))
    sid = s.create("p:1", "TTL", 600, "MAXLIFETIME", 0, "UA", "curl", "BIND", "UA")
    specs.append((sid, ("UA", "curl")))
    sid = s.create("p:2", "DATA", pad_doc(5000), "IP", "::1")
    specs.append((sid, ()))
    for i in range(20):
        specs.append((s.create("p:many", "DATA", '{"i":%d}' % i, "TTL", 1000 + i), ()))
    return specs


def test_sessions_survive_restart_with_snapshot(nodes):
    node = nodes("snap")
    s = Sess(node.start())
    specs = _populate_for_restart(s)
    time.sleep(0.2)
    t = s.peek(specs[3][0])["created_at"] + 100
    r = s.call("SESSION.TOUCHAT", specs[3][0], t)
    assert r[0] != "error", r
    short = s.create("p:short", "TTL", 1, "MAXLIFETIME", 0)
    before = _snapshot(s, specs)
    assert before[specs[3][0]]["last_active_at"] == t
    lists = {u: s.list_ids(u) for u in ("p:1", "p:2", "p:many")}
    short_deadline = s.peek(short)["expires_at"]
    call_ok(s.c, "SAVE")
    late = s.create("p:late")      # after the snapshot: lost by kill -9
    s.close()
    node.kill9()
    sleep_until_ms(short_deadline + 200)
    s = Sess(node.start())
    after = _snapshot(s, specs)
    assert after == before
    assert_same_lists(s, lists, before)
    assert s.peek(short) is None and s.count("p:short") == 0
    assert s.peek(late) is None and s.count("p:late") == 0
    st = s.stats()
    assert (st["sessions"], st["users"]) == (len(specs), 3), st
    # the loaded sessions are live: they can be used and written again
    assert s.get(specs[0][0], *specs[0][1]) is not None
    assert s.int("SESSION.SET", specs[2][0], '{"after":"restart"}') == 1
    s.close()


@pytest.mark.parametrize("variant", ["log", "rewrite"])
def test_sessions_survive_restart_with_aof(nodes, variant):
    node = nodes("aof", appendonly="yes", appendfsync="always")
    s = Sess(node.start())
    specs = _populate_for_restart(s)
    gone = [s.create("p:gone", "DATA", '{"g":%d}' % i) for i in range(3)]
    if variant == "rewrite":
        assert s.call("BGREWRITEAOF")[0] == "simple"
        wait_children_done(s.c)
    ids = [x for x, _ in specs]
    # changes the log must carry: data, activity times, logouts
    time.sleep(0.2)
    assert s.int("SESSION.SET", ids[2], '{"v":2,"s":"changed"}') == 1
    t = s.peek(ids[3])["created_at"] + 100
    assert s.call("SESSION.TOUCHAT", ids[3], t)[0] != "error"
    assert s.int("SESSION.TOUCH", ids[1]) == 1
    time.sleep(0.01)
    assert s.get(ids[0], *specs[0][1]) is not None
    assert s.int("SESSION.DESTROY", ids[4]) == 1
    assert s.int("SESSION.DESTROYALL", "p:many", "EXCEPT", ids[3]) == 18
    assert s.int("SESSION.DESTROYALL", "p:gone") == 3
    short = s.create("p:short", "TTL", 1, "MAXLIFETIME", 0)
    short_deadline = s.peek(short)["expires_at"]
    live = specs[:4]
    before = _snapshot(s, live)
    assert before[ids[3]]["last_active_at"] == t
    assert before[ids[2]]["data"] == b'{"v":2,"s":"changed"}'
    lists = {u: s.list_ids(u) for u in ("p:1", "p:2", "p:many")}
    s.close()
    node.kill9()
    # the log records the documented forms
    _, path = last_incr(node)
    with open(path, "rb") as f:
        names = {rec[3][0].upper() for rec in parse_log(f.read()) if rec[3]}
    want = {b"SESSION.TOUCHAT", b"SESSION.DESTROY", b"SESSION.DESTROYALL"}
    want.add(b"SESSION.RESTORE")
    assert want <= names, "log has %r" % sorted(names)
    sleep_until_ms(short_deadline + 200)
    s = Sess(node.start())
    assert _snapshot(s, live) == before
    assert_same_lists(s, lists, before)
    assert all(s.peek(x) is None for x in ids[4:])
    assert all(s.peek(x) is None for x in gone + [short])
    assert s.count("p:gone") == 0 and s.count("p:short") == 0 and s.count("p:many") == 1
    st = s.stats()
    assert (st["sessions"], st["users"]) == (len(live), 3), st
    s.close()


def test_evictions_are_logged_and_not_undone_by_replay(nodes):
    """Sessions removed by the per-user limit (set with CONFIG SET, so not in force at
    the restart) and by maxmemory must stay removed after an AOF replay."""
    node = nodes("evict", appendonly="yes", appendfsync="always",
                 maxmemory_policy="allkeys-lru")
    s = Sess(node.start())
    s.config_set("session-max-per-user", "2")
    lim = [s.create("lim") for _ in range(4)]
    assert s.count("lim") == 2
    s.config_set("session-max-per-user", "0")
    ids = [r[1] for r in s.pipe([("SESSION.CREATE", "m%d" % (i % 5), "DATA", pad_doc(2000))
                                 for i in range(300)])]
    s.config_set("maxmemory", str(used_memory(s) - s.stats()["memory_bytes"] // 4))
    s.create("trigger")
    s.config_set("maxmemory", "0")
    st = s.stats()
    assert st["evicted_by_memory"] > 0 and st["evicted_by_limit"] == 2, st
    alive = {x for x, r in zip(lim + ids, s.pipe([("SESSION.GET", x, "NOTOUCH")
                                                    for x in lim + ids]))
             if r[0] == "array"}
    assert len(alive) == 2 + 300 - st["evicted_by_memory"]
    s.close()
    node.kill9()
    s = Sess(node.start())
    after = {x for x, r in zip(lim + ids, s.pipe([("SESSION.GET", x, "NOTOUCH")
                                                    for x in lim + ids]))
             if r[0] == "array"}
    assert after == alive, "%d evicted sessions came back, %d live ones were lost" % (
        len(after - alive), len(alive - after))
    assert s.count("lim") == len(alive & set(lim))
    assert s.stats()["sessions"] == len(alive) + 1  # + trigger
    s.close()


def test_bgsave_and_transactions(nodes):
    node = nodes("bg", appendonly="yes", appendfsync="always")
    s = Sess(node.start())
    ids = [s.create("bg", "DATA", '{"i":%d}' % i) for i in range(30)]
    assert s.call("MULTI") == OK
    for cmd in (("SESSION.CREATE", "tx", "DATA", '{"t":1}'), ("SESSION.COUNT", "tx"),
                ("SESSION.DESTROY", ids[0]), ("SESSION.TOUCH", ids[1])):
        assert s.call(*cmd) == ("simple", b"QUEUED")
    r = s.call("EXEC")
    assert r[0] == "array" and len(r[1]) == 4, r
    tx = r[1][0][1]
    assert ID_RE.match(tx) and r[1][1:] == (("int", 1), ("int", 1), ("int", 1)), r
    assert s.call("BGSAVE")[0] == "simple"
    wait_children_done(s.c)
    before = _snapshot(s, [(x, ()) for x in ids[1:] + [tx]])
    s.close()
    node.kill9()
    # the AOF brings everything back ...
    s = Sess(node.start())
    assert _snapshot(s, [(x, ()) for x in ids[1:] + [tx]]) == before
    assert s.peek(ids[0]) is None and s.count("bg") == 29 and s.count("tx") == 1
    s.close()
    node.sigterm()
    # ... and so does the BGSAVE snapshot alone
    os.rename(node.path("appendonlydir"), node.path("aof-moved-away"))
    s = Sess(node.start(appendonly="no"))
    assert _snapshot(s, [(x, ()) for x in ids[1:] + [tx]]) == before
    assert s.count("bg") == 29
    s.close()


def test_restore_moves_a_session_between_servers(cachet_factory):
    a, b = cachet_factory(), cachet_factory()
    sa, sb = Sess(a), Sess(b)
    sid = sa.create("mv", "DATA", '{"moved":true}', "TTL", 900, "MAXLIFETIME", 3600,
                    "IP", "10.2.3.4", "UA", "UA/1", "BIND", "IP")
    assert sa.int("SESSION.TOUCH", sid) == 1
    g = sa.peek(sid, "IP", "10.2.3.4")
    r = sb.call("SESSION.RESTORE", g["id"], g["user"], g["created_at"], g["last_active_at"],
                g["idle_timeout"] * 1000, g["max_lifetime"] * 1000, g["bind"], g["ip"],
                g["user_agent"], g["data"])
    assert r[0] != "error", r
    assert sb.peek(sid, "IP", "10.2.3.4") == g
    assert sb.get(sid) is None  # still bound
    assert sb.count("mv") == 1 and sb.list_ids("mv") == [sid]
    assert sb.int("SESSION.TOUCH", sid) == 1
    sa.close()
    sb.close()


# --------------------------------------------------------------------------
# memory


def used_memory(s):
    return int(s.info("memory")["used_memory"])


def fill_keys(s, start, count, size=1000):
    val = b"v" * size
    for r in s.pipe([("SET", "cache:%d" % i, val) for i in range(start, start + count)], 200):
        assert r == OK, r


def test_maxmemory_evicts_cache_keys_not_sessions(cachet_factory):
    srv = cachet_factory("--maxmemory-policy", "allkeys-lru")
    s = Sess(srv)
    sessions = [r[1] for r in s.pipe([("SESSION.CREATE", "mem%d" % (i % 10), "DATA",
                                       pad_doc(1000)) for i in range(300)])]
    assert all(ID_RE.match(x) for x in sessions)
    s.config_set("maxmemory", str(used_memory(s) + 4 * 1024 * 1024))
    written, extra = 0, None
    while written < 40000:
        fill_keys(s, written, 200)
        written += 200
        if extra is None and int(s.info("stats")["evicted_keys"]) > 0:
            extra = written + 4000
        if extra is not None and written >= extra:
            break
    assert extra is not None, "no cache key was evicted after %d 1 kB keys" % written
    dbsize = s.int("DBSIZE")
    assert 0 < dbsize < written, dbsize
    st = s.stats()
    assert st["evicted_by_memory"] == 0 and st["sessions"] == 300, st
    got = s.pipe([("SESSION.GET", x, "NOTOUCH") for x in sessions])
    assert all(r[0] == "array" for r in got), "sessions lost while cache keys remain"
    assert sum(s.count("mem%d" % i) for i in range(10)) == 300
    # new sessions under the limit take their room from cache keys, too
    replies = s.pipe([("SESSION.CREATE", "mem-new", "DATA", pad_doc(1000))
                      for _ in range(1000)])
    bad = [r for r in replies if r[0] == "error"]
    assert not bad, "%d creates failed, first %r" % (len(bad), bad[0])
    dbsize2 = s.int("DBSIZE")
    assert 0 < dbsize2 < dbsize - 300, (dbsize, dbsize2)
    st = s.stats()
    assert st["evicted_by_memory"] == 0 and st["sessions"] == 1300, st
    got = s.pipe([("SESSION.GET", x, "NOTOUCH") for x in sessions])
    assert all(r[0] == "array" for r in got)
    assert s.count("mem-new") == 1000
    s.config_set("maxmemory", "0")
    s.close()


def test_maxmemory_evicts_least_active_sessions_when_no_keys_left(cachet_factory):
    srv = cachet_factory("--maxmemory-policy", "allkeys-lru")
    s = Sess(srv)
    n = 400
    ids = [r[1] for r in s.pipe([("SESSION.CREATE", "lra%d" % (i % 7), "DATA", pad_doc(2000),
                                  "TTL", 3600, "MAXLIFETIME", 0) for i in range(n)])]
    assert all(ID_RE.match(x) for x in ids)
    # activity order by index (TOUCHAT, 1 ms apart, between creation and now); then
    # ten of the oldest become the most recent
    base = max(g["created_at"] for g in (s.peek(ids[0]), s.peek(ids[-1]))) + 1
    sleep_until_ms(base + n + 50)
    for r in s.pipe([("SESSION.TOUCHAT", x, base + i) for i, x in enumerate(ids)]):
        assert r[0] != "error", r
    hot = ids[:10]
    for r in s.pipe([("SESSION.TOUCH", x) for x in hot]):
        assert r == ("int", 1), r
    cold = ids[10:]
    assert s.int("DBSIZE") == 0
    mem = s.stats()["memory_bytes"]
    assert mem >= n * 2000, mem
    s.config_set("maxmemory", str(used_memory(s) - mem // 3))
    new = s.create("lra-new", "DATA", "{}")
    st = s.stats()
    assert st["evicted_by_memory"] >= 1, st
    alive = [r[0] == "array" for r in s.pipe([("SESSION.GET", x, "NOTOUCH") for x in ids])]
    assert all(alive[:10]), "recently active sessions were evicted"
    cold_alive = alive[10:]
    first = cold_alive.index(True) if True in cold_alive else len(cold)
    assert all(cold_alive[first:]), \
        "eviction did not take the least recently active first: %r" % cold_alive
    assert 0 < first < len(cold) - 20, "evicted %d of %d cold sessions" % (first, len(cold))
    assert st["evicted_by_memory"] == n - sum(alive), (st, sum(alive))
    assert s.peek(new) is not None
    assert sum(s.count("lra%d" % i) for i in range(7)) == sum(alive)
    assert st["sessions"] == sum(alive) + 1, st
    s.config_set("maxmemory", "0")
    s.close()


def test_noeviction_refuses_create_with_oom(cachet_factory):
    srv = cachet_factory("--maxmemory-policy", "noeviction")
    s = Sess(srv)
    keep = s.create("oom", "DATA", '{"v":1}')
    s.config_set("maxmemory", str(used_memory(s) + 1024 * 1024))
    ok, first_err = 0, None
    for _ in range(40):
        for r in s.pipe([("SESSION.CREATE", "oom", "DATA", pad_doc(4000))
                         for _ in range(25)]):
            if r[0] == "error":
                first_err = first_err or r[1]
            else:
                ok += 1
        if first_err:
            break
    assert first_err is not None, "no OOM after %d sessions of 4 kB over a 1 MB margin" % ok
    assert first_err.startswith(b"OOM"), first_err
    assert ok >= 50, "OOM after only %d sessions" % ok
    assert s.count("oom") == ok + 1
    assert s.err("SESSION.CREATE", "oom").startswith(b"OOM")
    assert s.err("SESSION.SET", keep, pad_doc(4000)).startswith(b"OOM")
    assert s.peek(keep)["data"] == b'{"v":1}'
    assert s.count("oom") == ok + 1
    st = s.stats()
    assert st["created"] == ok + 1 and st["evicted_by_memory"] == 0, st
    s.config_set("maxmemory", "0")
    assert s.create("oom")
    s.close()


# --------------------------------------------------------------------------
# INFO sessions / SESSION.STATS


def test_info_sessions_and_stats(cachet_server):
    s = Sess(cachet_server)
    st = s.stats()
    assert all(st[k] == 0 for k in STAT_NAMES if k != "memory_bytes"), st
    a = s.create("i1")
    b = s.create("i1")
    c = s.create("i2", "DATA", pad_doc(10000))
    assert s.get(a) is not None and s.get(c) is not None
    assert s.get(random_id()) is None
    assert s.int("SESSION.DESTROY", b) == 1
    st = s.stats()
    assert (st["sessions"], st["users"], st["created"], st["destroyed"], st["hits"],
            st["misses"]) == (2, 2, 3, 1, 2, 1), st
    assert st["memory_bytes"] >= 10000, st
    inf = s.info("sessions")
    assert {k: int(inf["session_" + k]) for k in STAT_NAMES} == st, (inf, st)
    text = s.call("INFO", "sessions")[1].decode()
    assert text.lstrip().lower().startswith("# sessions"), text
    # CONFIG RESETSTAT resets the counters, not the gauges
    assert s.call("CONFIG", "RESETSTAT") == OK
    st = s.stats()
    assert (st["sessions"], st["users"], st["created"], st["destroyed"], st["hits"],
            st["misses"]) == (2, 2, 0, 0, 0, 0), st
    assert s.int("SESSION.DESTROYALL", "i2") == 1
    st = s.stats()
    assert (st["sessions"], st["users"], st["destroyed"]) == (1, 1, 1), st
    s.close()


def test_memory_follows_data_size(cachet_server):
    """memory_bytes (and the process's memory) shrink when SESSION.SET stores smaller
    data: a session whose data shrank must not keep its old allocation."""
    s = Sess(cachet_server)
    s.create("m0")
    base = s.stats()["memory_bytes"]
    big = pad_doc(10000)
    ids = [r[1] for r in s.pipe([("SESSION.CREATE", "m%d" % (i % 10), "DATA", big)
                                 for i in range(500)])]
    grown = s.stats()["memory_bytes"]
    assert grown >= base + 500 * 10000, (base, grown)
    used_big = used_memory(s)
    for r in s.pipe([("SESSION.SET", x, "{}") for x in ids]):
        assert r == ("int", 1), r
    shrunk = s.stats()["memory_bytes"]
    assert shrunk <= grown - 500 * 9000, \
        "SESSION.SET to {} kept memory_bytes at %d (was %d with 10 kB each)" % (shrunk, grown)
    time.sleep(0.3)
    used_small = used_memory(s)
    assert used_small <= used_big - 500 * 8000, \
        "used_memory %d -> %d after shrinking 500 sessions by 10 kB" % (used_big, used_small)
    for r in s.pipe([("SESSION.SET", x, big) for x in ids]):
        assert r == ("int", 1), r
    assert s.stats()["memory_bytes"] >= base + 500 * 10000
    s.close()
