"""Black-box tests of the HTTP admin API (docs/http.md is the contract) against
the real server binary: every route's success and failure paths, the bearer
token, the error body, the request limits (413 / 431 / 408 / 503), keep-alive,
pipelining, HTTP/1.0, HEAD, malformed requests, /health under full memory and
under a critical alert, the alert history, a strict parse of /metrics, and the
effects of every data route as seen through RESP (redis-py).

Each test starts its own cachet (conftest's cachet_factory) with an HTTP port
taken from below the kernel's ephemeral range (so it cannot collide with the
RESP port conftest picks) and the limits the test needs. Plain requests go
through http.client; framing tests use raw sockets and a strict response
reader (status line, headers, exactly Content-Length body bytes).
"""

import http.client
import json
import math
import os
import random
import re
import socket
import threading
import time

import pytest
import redis

from conftest import HOST, cachet_is_redis

pytestmark = pytest.mark.skipif(cachet_is_redis(),
                                reason="the HTTP admin API is cachet's own")

TOKEN = "t0ken-for-tests"
AUTH = {"Authorization": "Bearer " + TOKEN}
ERROR_CODES = {400: "bad_request", 401: "unauthorized", 404: "not_found",
               405: "method_not_allowed", 408: "timeout", 409: "conflict",
               413: "payload_too_large", 431: "headers_too_large",
               503: "unavailable"}


# --------------------------------------------------------------------------
# servers


def http_port():
    """A free port below the ephemeral range (conftest's RESP ports come from
    bind(0), i.e. from the ephemeral range, so the two never collide)."""
    for _ in range(200):
        port = random.randrange(20000, 32000)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind((HOST, port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError("no free port")


class Api:
    """A started cachet with HTTP: .http_port, .token, .r (redis-py)."""

    def __init__(self, srv, port, token):
        self.srv = srv
        self.port = port
        self.token = token
        self.r = redis.Redis(host=HOST, port=srv.port, socket_timeout=10)

    # one request on a fresh connection
    def call(self, method, path, body=None, token=None, headers=None,
             raw_body=None):
        hdrs = {}
        tok = self.token if token is None else token
        if tok:
            hdrs["Authorization"] = "Bearer " + tok
        if body is not None:
            raw_body = json.dumps(body).encode()
        if raw_body is not None:
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        c = http.client.HTTPConnection(HOST, self.port, timeout=10)
        try:
            c.request(method, path, body=raw_body, headers=hdrs)
            resp = c.getresponse()
            return Response(resp.status, resp.getheaders(), resp.read())
        finally:
            c.close()

    def anon(self, method, path, **kw):
        return self.call(method, path, token="", **kw)

    def get_json(self, path, status=200, **kw):
        resp = self.call("GET", path, **kw)
        assert resp.status == status, resp
        return resp.json()

    def raw(self, timeout=5.0):
        return RawConn(self.port, timeout)

    def info(self, section=None):
        return self.r.info(section) if section else self.r.info()


def start(factory, *extra, token=TOKEN):
    port = http_port()
    args = ["--http-port", str(port)]
    if token is not None:
        args += ["--http-token", token]
    srv = factory(*(args + list(extra)))
    api = Api(srv, port, token)
    # RESP answers PING before the HTTP listener is necessarily up: wait for it.
    deadline = time.monotonic() + 5
    while True:
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)
    return api


@pytest.fixture
def api(cachet_factory):
    return start(cachet_factory)


# --------------------------------------------------------------------------
# responses


class Response:
    def __init__(self, status, headers, body, reason=""):
        self.status = status
        self.headers = list(headers)
        self.body = body
        self.reason = reason

    def header(self, name):
        vals = [v for k, v in self.headers if k.lower() == name.lower()]
        assert len(vals) <= 1, "header %s repeated: %r" % (name, self.headers)
        return vals[0] if vals else None

    def json(self):
        assert (self.header("Content-Type") or "").startswith("application/json"), self
        return json.loads(self.body)

    def __repr__(self):
        return "<HTTP %s %r %r>" % (self.status, self.headers, self.body[:500])


def assert_error(resp, status, message_re=None):
    """The documented error body: exactly {"error":{"status","code","message"}}."""
    assert resp.status == status, resp
    assert (resp.header("Content-Type") or "").startswith("application/json"), resp
    body = json.loads(resp.body)
    assert set(body) == {"error"}, body
    err = body["error"]
    assert set(err) == {"status", "code", "message"}, body
    assert err["status"] == status and type(err["status"]) is int, body
    assert err["code"] == ERROR_CODES[status], body
    assert isinstance(err["message"], str) and err["message"], body
    if message_re:
        assert re.search(message_re, err["message"]), body
    return err


class RawConn:
    """A raw socket with a strict HTTP/1.1 response reader."""

    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.timeout = timeout

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("no response in time; have %r" % self.buf)
        self.sock.settimeout(left)
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("connection closed; have %r" % self.buf)
        self.buf += data

    def read_response(self, head=False, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while b"\r\n\r\n" not in self.buf:
            self._fill(deadline)
        head_bytes, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head_bytes.decode("latin-1").split("\r\n")
        m = re.fullmatch(r"HTTP/1\.1 (\d{3}) (.+)", lines[0])
        assert m, "bad status line %r" % lines[0]
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            assert sep and re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name), \
                "bad header line %r" % line
            headers.append((name, value.strip()))
        resp = Response(int(m.group(1)), headers, b"", m.group(2))
        length = resp.header("Content-Length")
        assert length is not None and re.fullmatch(r"\d+", length), resp
        if not head:
            n = int(length)
            while len(self.buf) < n:
                self._fill(deadline)
            resp.body, self.buf = self.buf[:n], self.buf[n:]
        return resp

    def closed(self, timeout=2.0):
        """True if the server closes the connection within timeout without
        sending anything more (after what was read)."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                self._fill(deadline)
        except EOFError:
            return self.buf == b""
        except ConnectionResetError:
            return self.buf == b""
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def request_bytes(method, path, body=b"", headers=(), version="HTTP/1.1",
                  auth=True):
    lines = ["%s %s %s" % (method, path, version), "Host: test"]
    if auth:
        lines.append("Authorization: Bearer " + TOKEN)
    if body:
        lines.append("Content-Length: %d" % len(body))
    lines += list(headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# --------------------------------------------------------------------------
# RESP helpers


def session_map(reply):
    """SESSION.GET / LIST element (RESP2 flat list) -> dict (numbers as int)."""
    assert reply is not None
    out = {}
    for k, v in zip(reply[0::2], reply[1::2]):
        if isinstance(v, bytes):
            v = v.decode()
        if k.decode() in ("created_at", "last_active_at", "expires_at", "idle_timeout",
                          "max_lifetime"):
            v = int(v)
        out[k.decode()] = v
    return out


def db_keys(api, db=0):
    ks = api.info("keyspace").get("db%d" % db)
    return ks["keys"] if ks else 0


def wait_for(pred, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(interval)


# --------------------------------------------------------------------------
# the route table


PROTECTED = [
    ("DELETE", "/api/cache/metrics?action=reset-metrics", None),
    ("POST", "/api/cache/clear", b"{}"),
    ("POST", "/api/cache/invalidate", b'{"pattern":"*"}'),
    ("DELETE", "/api/cache/invalidate?pattern=*", None),
    ("POST", "/api/cache/cleanup?action=scheduled", None),
    ("POST", "/api/cache/cleanup?action=flush-all&confirm=yes", None),
    ("GET", "/api/cache/keys/k", None),
    ("PUT", "/api/cache/keys/k", b'{"value":"changed"}'),
    ("DELETE", "/api/cache/keys/k", None),
    ("POST", "/api/sessions", b'{"user":"u"}'),
    ("GET", "/api/sessions/SID", None),
    ("PATCH", "/api/sessions/SID", b'{"x":1}'),
    ("DELETE", "/api/sessions/SID", None),
    ("GET", "/api/users/u/sessions", None),
    ("DELETE", "/api/users/u/sessions", None),
]

OPEN = ["/", "/health", "/health/live", "/health/ready", "/api/cache/stats",
        "/api/cache/metrics", "/api/cache/metrics?type=health",
        "/api/cache/metrics?type=report", "/api/cache/alerts",
        "/api/cache/alerts?action=monitor", "/metrics"]


def _seed_for_auth(api):
    api.r.set("k", "v")
    sid = api.r.execute_command("SESSION.CREATE", "u", "DATA", '{"a":1}').decode()
    return sid


def _unchanged_after_refusals(api, sid):
    assert api.r.get("k") == b"v"
    s = session_map(api.r.execute_command("SESSION.GET", sid, "NOTOUCH"))
    assert json.loads(s["data"]) == {"a": 1}
    assert api.r.execute_command("SESSION.COUNT", "u") == 1
    assert api.r.dbsize() == 1


def test_protected_routes_refuse_missing_and_wrong_tokens(api):
    sid = _seed_for_auth(api)
    hits_before = api.info("stats")["keyspace_hits"]
    bad_headers = [
        {},                                              # no header
        {"Authorization": "Bearer wrong-token-value"},   # wrong token, other length
        {"Authorization": "Bearer " + TOKEN[:-1] + "X"},  # same length, last byte differs
        {"Authorization": "Bearer " + TOKEN + "x"},      # token as a prefix
        {"Authorization": "Basic " + TOKEN},             # wrong scheme
        {"Authorization": TOKEN},                        # no scheme
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
    ]
    for method, path, body in PROTECTED:
        path = path.replace("SID", sid)
        for hdr in bad_headers:
            resp = api.call(method, path, raw_body=body, token="", headers=hdr)
            assert_error(resp, 401, "bearer token")
            assert resp.header("WWW-Authenticate") == "Bearer", resp
    # the refused GETs ran no command: no keyspace hit was counted
    assert api.info("stats")["keyspace_hits"] == hits_before
    _unchanged_after_refusals(api, sid)


def test_protected_routes_accept_the_token(api):
    sid = _seed_for_auth(api)
    for method, path, body in PROTECTED:
        api.r.set("k", "v")  # the previous route may have removed it
        resp = api.call(method, path.replace("SID", sid), raw_body=body)
        assert resp.status in (200, 201), (method, path, resp)
        if "flush-all" in path:
            sid = _seed_for_auth(api)


def test_no_token_configured_closes_protected_routes(cachet_factory):
    api = start(cachet_factory, token=None)
    sid = _seed_for_auth(api)
    for method, path, body in PROTECTED:
        path = path.replace("SID", sid)
        for tok in ("", "anything", TOKEN):
            resp = api.call(method, path, raw_body=body, token=tok)
            assert_error(resp, 401, "no http-token is configured")
        # an empty bearer does not match the empty token either
        resp = api.call(method, path, raw_body=body, token="",
                        headers={"Authorization": "Bearer "})
        assert_error(resp, 401)
    _unchanged_after_refusals(api, sid)
    # read-only operational routes still answer
    for path in OPEN:
        assert api.call("GET", path, token="").status == 200, path


def test_open_routes_need_no_token(api):
    for path in OPEN:
        resp = api.anon("GET", path)
        assert resp.status == 200, (path, resp)
        if path == "/":
            assert resp.header("Content-Type").startswith("text/html")
        elif path == "/metrics":
            assert resp.header("Content-Type").startswith("text/plain; version=0.0.4")
        else:
            resp.json()
    # a wrong token does not spoil an open route
    assert api.call("GET", "/health", token="nope").status == 200


def test_dashboard(api):
    resp = api.anon("GET", "/")
    assert resp.status == 200
    assert resp.header("Content-Type").startswith("text/html")
    text = resp.body.decode("utf-8")
    assert re.match(r"\s*<!DOCTYPE html>", text, re.I)
    # no external assets (scripts, images, stylesheets)
    assert not re.search(r"""\ssrc\s*=\s*["']?(https?:)?//""", text, re.I)
    assert not re.search(r"""<link[^>]*href\s*=\s*["']?(https?:)?//""", text, re.I)
    assert not re.search(r"""@import|url\(\s*["']?(https?:)?//""", text, re.I)
    assert_error(api.anon("POST", "/"), 405)


# --------------------------------------------------------------------------
# routing errors


def test_unknown_routes_are_404(api):
    for method, path in [("GET", "/nope"), ("GET", "/api"), ("GET", "/api/cache"),
                         ("GET", "/api/cache/keys"), ("GET", "/api/cache/keys/"),
                         ("GET", "/api/cache/statsx"), ("GET", "/health/livex"),
                         ("GET", "/api/cache/keys/a/b"), ("POST", "/api/sessions/x/y"),
                         ("GET", "/api/users//sessions"), ("GET", "/metrics/x"),
                         ("DELETE", "/nope")]:
        assert_error(api.call(method, path), 404)


def test_wrong_method_is_405_with_allow(api):
    cases = [
        ("POST", "/health", {"GET"}),
        ("DELETE", "/health/live", {"GET"}),
        ("PUT", "/health/ready", {"GET"}),
        ("POST", "/api/cache/stats", {"GET"}),
        ("POST", "/api/cache/metrics", {"GET", "DELETE"}),
        ("GET", "/api/cache/clear", {"POST"}),
        ("PUT", "/api/cache/invalidate", {"POST", "DELETE"}),
        ("DELETE", "/api/cache/alerts", {"GET"}),
        ("GET", "/api/cache/cleanup", {"POST"}),
        ("POST", "/api/cache/keys/k", {"GET", "PUT", "DELETE"}),
        ("GET", "/api/sessions", {"POST"}),
        ("PUT", "/api/sessions/abc", {"GET", "PATCH", "DELETE"}),
        ("POST", "/api/users/u/sessions", {"GET", "DELETE"}),
        ("PUT", "/metrics", {"GET"}),
    ]
    for method, path, allowed in cases:
        for tok in (TOKEN, ""):  # the method is checked before the token
            resp = api.call(method, path, token=tok, raw_body=b"{}")
            assert_error(resp, 405, method)
            got = {m.strip() for m in (resp.header("Allow") or "").split(",")}
            assert got == allowed, (method, path, resp)
    assert api.r.get("k") is None


def test_bad_percent_escapes_are_400(api):
    api.r.set("a%zz", "x")
    for path in ["/api/cache/keys/a%zz", "/api/cache/keys/a%4", "/api/cache/keys/a%",
                 "/api/cache/keys/%G0", "/api/sessions/%", "/api/users/%x1/sessions"]:
        assert_error(api.call("GET", path), 400, "percent-escape")
    for path in ["/api/cache/keys/k?db=%ZZ", "/api/cache/stats?x=%",
                 "/api/cache/metrics?type=%4", "/api/cache/alerts?action=re%xcent"]:
        assert_error(api.call("GET", path), 400, "percent-escape")
    assert_error(api.call("DELETE", "/api/cache/invalidate?pattern=a%zz*"), 400,
                 "percent-escape")
    assert api.r.get("a%zz") == b"x"


# --------------------------------------------------------------------------
# keys


def test_put_get_delete_key_through_resp(api):
    resp = api.call("PUT", "/api/cache/keys/user%3A1", {"value": "hello", "ttl": 100})
    assert resp.status == 200 and resp.json() == {"key": "user:1", "stored": True}
    assert api.r.get("user:1") == b"hello"
    assert 98 <= api.r.ttl("user:1") <= 100
    # without ttl: no expiry; overwrites (and drops the TTL, as SET does)
    assert api.call("PUT", "/api/cache/keys/user%3A1", {"value": "v2"}).status == 200
    assert api.r.get("user:1") == b"v2" and api.r.ttl("user:1") == -1
    assert api.call("PUT", "/api/cache/keys/t", {"value": "x", "ttl": None}).status == 200
    assert api.r.ttl("t") == -1
    got = api.get_json("/api/cache/keys/user%3A1")
    assert got == {"key": "user:1", "type": "string", "ttl_ms": None, "value": "v2"}
    api.r.set("e", "x", px=50000)
    got = api.get_json("/api/cache/keys/e")
    assert got["type"] == "string" and 49000 <= got["ttl_ms"] <= 50000
    # DELETE
    resp = api.call("DELETE", "/api/cache/keys/user%3A1")
    assert resp.status == 200 and resp.json() == {"deleted": 1}
    assert api.r.exists("user:1") == 0
    assert api.call("DELETE", "/api/cache/keys/user%3A1").json() == {"deleted": 0}
    assert_error(api.call("GET", "/api/cache/keys/user%3A1"), 404, "no such key")


def test_key_names_are_percent_decoded(api):
    names = {"a%2Fb": "a/b", "sp%20ace": "sp ace", "plus+sign": "plus+sign",
             "%C3%A9t%C3%A9": "\u00e9t\u00e9", "%25": "%", "q%3Fx": "q?x",
             "%00nul": "\x00nul", "%E2%9C%93": "\u2713"}
    for enc, name in names.items():
        resp = api.call("PUT", "/api/cache/keys/" + enc, {"value": "v-" + name})
        assert resp.status == 200 and resp.json()["key"] == name, (enc, resp)
        assert api.r.get(name.encode()) == ("v-" + name).encode()
        assert api.get_json("/api/cache/keys/" + enc)["value"] == "v-" + name
    assert set(k.decode() for k in api.r.keys("*")) == set(names.values())


def test_key_values_by_type(api):
    r = api.r
    r.hset("h", mapping={"f1": "v1", "f2": "v2"})
    r.rpush("l", "a", "b", "a")
    r.sadd("s", "x", "y", "z")
    r.zadd("z", {"m1": 1.5, "m2": -2})
    r.set("str", "text")
    r.expire("h", 1000)
    got = api.get_json("/api/cache/keys/h")
    assert got["type"] == "hash" and got["value"] == {"f1": "v1", "f2": "v2"}
    assert 990000 <= got["ttl_ms"] <= 1000000
    got = api.get_json("/api/cache/keys/l")
    assert got == {"key": "l", "type": "list", "ttl_ms": None, "value": ["a", "b", "a"]}
    got = api.get_json("/api/cache/keys/s")
    assert got["type"] == "set" and sorted(got["value"]) == ["x", "y", "z"]
    got = api.get_json("/api/cache/keys/z")
    assert got["type"] == "zset"
    assert got["value"] == [{"member": "m2", "score": -2}, {"member": "m1", "score": 1.5}]
    assert api.get_json("/api/cache/keys/str")["value"] == "text"


def test_key_routes_db_parameter(api):
    resp = api.call("PUT", "/api/cache/keys/k?db=3", {"value": "in3"})
    assert resp.status == 200
    assert api.r.get("k") is None
    r3 = redis.Redis(host=HOST, port=api.srv.port, db=3)
    assert r3.get("k") == b"in3"
    assert api.get_json("/api/cache/keys/k?db=3")["value"] == "in3"
    assert_error(api.call("GET", "/api/cache/keys/k"), 404)
    assert_error(api.call("GET", "/api/cache/keys/k?db=0"), 404)
    for bad in ["-1", "16", "abc", "", "1x", "0x1", "3.0", "99999999999999999999"]:
        for method, body in [("GET", None), ("PUT", {"value": "no"}), ("DELETE", None)]:
            resp = api.call(method, "/api/cache/keys/k?db=" + bad, body)
            assert_error(resp, 400, "db")
    assert r3.get("k") == b"in3"
    assert api.call("DELETE", "/api/cache/keys/k?db=3").json() == {"deleted": 1}
    assert r3.exists("k") == 0


def test_put_key_validation(api):
    bad = [b"not json", b"", b"[]", b'"str"', b"{", b'{"value": 5}', b'{"value": null}',
           b'{"ttl": 5}', b'{"value": ["a"]}', b'{"value": {"a": 1}}',
           b'{"value": "x", "ttl": "10"}', b'{"value": "x", "ttl": 0}',
           b'{"value": "x", "ttl": -5}', b'{"value": "x", "ttl": 1.5}',
           b'{"value": "x", "ttl": true}', b'{"value":"x"} trailing']
    for body in bad:
        resp = api.call("PUT", "/api/cache/keys/k", raw_body=body)
        assert_error(resp, 400)
    assert api.r.exists("k") == 0
    # a chunked body is as good as a Content-Length one
    with api.raw() as c:
        body = b'{"value":"chunked!"}'
        c.send(b"PUT /api/cache/keys/ck HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
               + TOKEN.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
               + b"5\r\n" + body[:5] + b"\r\n" + b"%x\r\n" % (len(body) - 5)
               + body[5:] + b"\r\n0\r\n\r\n")
        resp = c.read_response()
        assert resp.status == 200, resp
    assert api.r.get("ck") == b"chunked!"


def test_put_key_out_of_memory_is_503(cachet_factory):
    api = start(cachet_factory, "--maxmemory", "1mb", "--maxmemory-policy", "noeviction")
    # (used_memory is sampled: make sure the server has seen that it is over the limit)
    assert api.anon("GET", "/health").status == 503
    err = assert_error(api.call("PUT", "/api/cache/keys/k", {"value": "v"}), 503)
    assert "OOM" in err["message"]
    assert_error(api.call("POST", "/api/sessions", {"user": "u"}), 503)
    assert api.r.exists("k") == 0
    assert api.r.execute_command("SESSION.COUNT", "u") == 0


# --------------------------------------------------------------------------
# clear / invalidate / cleanup / flush-all


def test_clear_removes_keys_of_every_db_but_keeps_sessions(api):
    r3 = redis.Redis(host=HOST, port=api.srv.port, db=3)
    api.r.mset({"a": 1, "b": 2, "c": 3})
    r3.mset({"x": 1, "y": 2})
    sid = api.r.execute_command("SESSION.CREATE", "u1").decode()
    resp = api.call("POST", "/api/cache/clear")
    assert resp.status == 200 and resp.json() == {"cleared": 5}
    assert api.r.dbsize() == 0 and r3.dbsize() == 0
    assert api.r.execute_command("SESSION.GET", sid) is not None
    assert api.call("POST", "/api/cache/clear").json() == {"cleared": 0}


def test_clear_one_db(api):
    r3 = redis.Redis(host=HOST, port=api.srv.port, db=3)
    api.r.mset({"a": 1, "b": 2})
    r3.mset({"x": 1, "y": 2, "z": 3})
    resp = api.call("POST", "/api/cache/clear", {"db": 3})
    assert resp.status == 200 and resp.json() == {"cleared": 3}
    assert r3.dbsize() == 0 and api.r.dbsize() == 2
    for body in [b'{"db": "3"}', b'{"db": -1}', b'{"db": 16}', b'{"db": 1.5}',
                 b'{"db": null}', b"nope", b"[1]", b'"x"']:
        assert_error(api.call("POST", "/api/cache/clear", raw_body=body), 400)
    assert api.r.dbsize() == 2


def test_invalidate_pattern_deletes_only_matching_keys(api):
    api.r.mset({"user:123:a": 1, "user:123:b": 2, "user:1234": 3, "user:124:a": 4,
                "other": 5, "xuser:123:c": 6})
    resp = api.call("POST", "/api/cache/invalidate", {"pattern": "user:123:*"})
    assert resp.status == 200 and resp.json() == {"invalidated": 2}
    assert sorted(api.r.keys("*")) == [b"other", b"user:1234", b"user:124:a",
                                       b"xuser:123:c"]
    # keys, and keys plus pattern
    resp = api.call("POST", "/api/cache/invalidate", {"keys": ["other", "missing"]})
    assert resp.json() == {"invalidated": 1}
    resp = api.call("POST", "/api/cache/invalidate",
                    {"keys": ["user:1234"], "pattern": "xuser:*"})
    assert resp.json() == {"invalidated": 2}
    assert api.r.keys("*") == [b"user:124:a"]


def test_invalidate_many_keys_and_db(api):
    pipe = api.r.pipeline(transaction=False)
    for i in range(2500):
        pipe.set("bulk:%d" % i, i)
    pipe.set("keep", 1)
    pipe.execute()
    r5 = redis.Redis(host=HOST, port=api.srv.port, db=5)
    r5.mset({"bulk:1": 1, "bulk:2": 2})
    resp = api.call("POST", "/api/cache/invalidate", {"pattern": "bulk:*"})
    assert resp.json() == {"invalidated": 2500}
    assert api.r.keys("*") == [b"keep"] and r5.dbsize() == 2
    resp = api.call("POST", "/api/cache/invalidate", {"pattern": "bulk:*", "db": 5})
    assert resp.json() == {"invalidated": 2}
    assert r5.dbsize() == 0


def test_invalidate_body_validation(api):
    api.r.set("k", 1)
    for body in [b"{}", b'{"pattern": ""}', b'{"pattern": 5}', b'{"pattern": ["k"]}',
                 b'{"keys": "k"}', b'{"keys": [1]}', b'{"keys": ["k", null]}',
                 b'{"keys": []}', b'{"pattern": "k", "db": "0"}',
                 b'{"pattern": "k", "db": 16}', b'{"pattern": "k", "db": -1}',
                 b"garbage", b"", b"[]"]:
        assert_error(api.call("POST", "/api/cache/invalidate", raw_body=body), 400)
    assert api.r.get("k") == b"1"


def test_invalidate_by_query(api):
    api.r.mset({"s:1": 1, "s:2": 2, "t:1": 3, "a b1": 4, "a+b1": 5, "x*y": 6, "xzy": 7})
    resp = api.call("DELETE", "/api/cache/invalidate?pattern=s%3A*")
    assert resp.status == 200 and resp.json() == {"invalidated": 2}
    # '+' in a query means a space
    assert api.call("DELETE", "/api/cache/invalidate?pattern=a+b*").json() == \
        {"invalidated": 1}
    assert api.r.exists("a+b1") == 1 and api.r.exists("a b1") == 0
    # an escaped glob character matches itself only
    assert api.call("DELETE", "/api/cache/invalidate?pattern=x%5C*y").json() == \
        {"invalidated": 1}
    assert api.r.exists("xzy") == 1
    r2 = redis.Redis(host=HOST, port=api.srv.port, db=2)
    r2.set("t:1", 1)
    assert api.call("DELETE", "/api/cache/invalidate?pattern=t:*&db=2").json() == \
        {"invalidated": 1}
    assert api.r.exists("t:1") == 1 and r2.exists("t:1") == 0
    for q in ["", "?pattern=", "?db=0", "?pattern=t*&db=16", "?pattern=t*&db=x",
              "?pattern=t*&db=-1"]:
        assert_error(api.call("DELETE", "/api/cache/invalidate" + q), 400)
    assert api.r.exists("t:1") == 1


def test_cleanup_scheduled_expires_due_keys(api):
    api.r.mset({"p%d" % i: i for i in range(5)})
    sid = api.r.execute_command("SESSION.CREATE", "u", "TTL", 100).decode()
    pipe = api.r.pipeline(transaction=False)
    for i in range(3000):
        pipe.set("v:%d" % i, i, px=100)
    pipe.execute()
    time.sleep(0.25)
    before = api.info("stats")["expired_keys"]
    resp = api.call("POST", "/api/cache/cleanup?action=scheduled")
    after = api.info("stats")["expired_keys"]
    assert resp.status == 200, resp
    body = resp.json()
    assert set(body) == {"expired", "expired_keys", "expired_sessions"}, body
    assert body["expired"] == body["expired_keys"] + body["expired_sessions"]
    # it reports what it removed (the background cycle may have taken some first)
    assert 0 <= body["expired_keys"] <= after - before
    assert body["expired_sessions"] == 0
    # right after the pass no due key is left in the keyspace counts
    ks = api.info("keyspace")["db0"]
    assert (ks["keys"], ks["expires"]) == (5, 0), ks
    assert after == 3000
    assert api.r.execute_command("SESSION.GET", sid) is not None
    for q in ["", "?action=", "?action=bogus", "?action=Scheduled"]:
        assert_error(api.call("POST", "/api/cache/cleanup" + q), 400, "action")


def test_flush_all_needs_confirm(api):
    r7 = redis.Redis(host=HOST, port=api.srv.port, db=7)
    api.r.set("a", 1)
    r7.set("b", 2)
    api.r.execute_command("SESSION.CREATE", "u")
    for q in ["?action=flush-all", "?action=flush-all&confirm=no",
              "?action=flush-all&confirm=YES", "?action=flush-all&confirm=",
              "?confirm=yes"]:
        assert_error(api.call("POST", "/api/cache/cleanup" + q), 400)
    assert api.r.dbsize() == 1 and r7.dbsize() == 1
    assert api.r.execute_command("SESSION.COUNT", "u") == 1
    resp = api.call("POST", "/api/cache/cleanup?action=flush-all&confirm=yes")
    assert resp.status == 200 and resp.json() == {"flushed": True}
    assert api.r.dbsize() == 0 and r7.dbsize() == 0
    assert api.r.execute_command("SESSION.COUNT", "u") == 0


# --------------------------------------------------------------------------
# metrics reset, summary/health/report, stats


def test_reset_metrics_resets_info_stats(api):
    api.r.set("k", "v")
    for _ in range(5):
        api.r.get("k")
        api.r.get("missing")
    st = api.info("stats")
    assert st["keyspace_hits"] == 5 and st["keyspace_misses"] == 5
    assert "cmdstat_get" in api.info("commandstats")
    for q in ["", "?action=reset", "?action=bogus"]:
        assert_error(api.call("DELETE", "/api/cache/metrics" + q), 400, "reset-metrics")
    assert api.info("stats")["keyspace_hits"] == 5
    resp = api.call("DELETE", "/api/cache/metrics?action=reset-metrics")
    assert resp.status == 200 and resp.json() == {"reset": True}
    st = api.info("stats")
    assert st["keyspace_hits"] == 0 and st["keyspace_misses"] == 0
    assert st["total_commands_processed"] <= 2
    assert "cmdstat_get" not in api.info("commandstats")
    s = api.get_json("/api/cache/stats")
    assert s["ops"]["keyspace_hits"] == 0 and s["ops"]["hit_rate"] is None
    assert api.r.get("k") == b"v"  # data untouched


def test_metrics_summary_health_report(api):
    api.r.set("k", "v")
    api.r.get("k")
    api.r.get("k")
    api.r.get("nope")
    info = api.info()
    for path in ["/api/cache/metrics", "/api/cache/metrics?type=summary"]:
        m = api.get_json(path)
        assert m["type"] == "summary"
        assert m["keyspace_hits"] == info["keyspace_hits"] == 2
        assert m["keyspace_misses"] == info["keyspace_misses"] == 1
        assert m["hit_rate"] == pytest.approx(2 / 3)
        assert m["keys"] == 1 and m["sessions"] == 0 and m["alerts_active"] == 0
        assert set(m["latency_us"]) == {"p50", "p90", "p99", "p999"}
        assert m["memory"]["maxmemory"] == 0 and m["memory"]["used_memory"] > 0
    h = api.get_json("/api/cache/metrics?type=health")
    assert h["type"] == "health" and h["healthy"] is True and h["reasons"] == []
    assert h["checks"]["memory"] == "ok" and h["checks"]["alerts"] == "ok"
    rep = api.get_json("/api/cache/metrics?type=report")
    assert rep["type"] == "report"
    names = {c["name"]: c for c in rep["commands"]}
    assert names["get"]["calls"] == 3 and names["set"]["calls"] == 1
    assert isinstance(rep["slowlog"]["entries"], list)
    assert isinstance(rep["alerts"]["recent"], list)
    for bad in ["bogus", "", "SUMMARY"]:
        assert_error(api.call("GET", "/api/cache/metrics?type=" + bad), 400, "type")


def test_stats_match_info(api):
    s0 = api.get_json("/api/cache/stats")
    assert s0["ops"]["hit_rate"] is None  # before the first read
    r = api.r
    r3 = redis.Redis(host=HOST, port=api.srv.port, db=3)
    r.mset({"a": 1, "b": 2, "c": 3})
    r.expire("a", 1000)
    r3.set("x", 1, ex=500)
    r3.set("y", 1)
    for k in ["a", "b", "zz", "yy", "a"]:
        r.get(k)
    r.execute_command("SESSION.CREATE", "u1")
    r.execute_command("SESSION.CREATE", "u1")
    r.execute_command("SESSION.CREATE", "u2")
    info = api.info()
    s = api.get_json("/api/cache/stats")
    assert set(s) >= {"server", "ops", "latency_us", "memory", "keys", "connections",
                      "network", "commands", "sessions", "namespaces", "alerts",
                      "slowlog"}
    assert s["server"]["tcp_port"] == api.srv.port == info["tcp_port"]
    assert s["server"]["http_port"] == api.port
    assert s["server"]["redis_version"] == info["redis_version"]
    assert s["server"]["threads"] == int(os.environ.get("CACHET_THREADS", "2"))
    assert s["ops"]["keyspace_hits"] == info["keyspace_hits"] == 3
    assert s["ops"]["keyspace_misses"] == info["keyspace_misses"] == 2
    assert s["ops"]["hit_rate"] == pytest.approx(0.6)
    assert s["keys"]["total"] == info["db0"]["keys"] + info["db3"]["keys"] == 5
    assert s["keys"]["expires"] == 2
    dbs = {d["db"]: d for d in s["keys"]["databases"]}
    assert dbs == {0: {"db": 0, "keys": 3, "expires": 1},
                   3: {"db": 3, "keys": 2, "expires": 1}}
    assert s["sessions"]["sessions"] == info["session_sessions"] == 3
    assert s["sessions"]["users"] == info["session_users"] == 2
    assert s["sessions"]["created"] == 3
    assert s["connections"]["connected_clients"] == info["connected_clients"]
    assert s["connections"]["http_connections"] == 1
    assert s["memory"]["maxmemory"] == info["maxmemory"]
    assert s["memory"]["used_memory"] > 0
    assert s["alerts"] == {"active": [], "history_size": 0}
    calls = {c["name"]: c["calls"] for c in s["commands"]}
    cmdstats = api.info("commandstats")
    assert calls["get"] == cmdstats["cmdstat_get"]["calls"] == 5
    assert calls["mset"] == cmdstats["cmdstat_mset"]["calls"] == 1
    assert s["ops"]["total_commands"] <= api.info("stats")["total_commands_processed"]
    assert s["slowlog"]["length"] == api.r.slowlog_len()


def test_route_commands_are_counted_in_info(api):
    api.call("PUT", "/api/cache/keys/k", {"value": "v"})
    api.call("GET", "/api/cache/keys/k")
    api.call("GET", "/api/cache/keys/missing")
    api.call("POST", "/api/sessions", {"user": "u"})
    cs = api.info("commandstats")
    assert cs["cmdstat_set"]["calls"] == 1
    assert cs["cmdstat_get"]["calls"] == 1
    assert cs["cmdstat_session.create"]["calls"] == 1
    assert cs["cmdstat_type"]["calls"] == 2
    s = api.get_json("/api/cache/stats")
    assert s["ops"]["total_commands"] >= 6  # includes what the routes ran


# --------------------------------------------------------------------------
# sessions


def test_session_create_get_patch_delete(api):
    body = {"user": "user:42", "data": {"role": "admin", "prefs": {"theme": "dark",
                                                                   "lang": "en"},
                                        "n": 1},
            "ttl": 600, "max_lifetime": 7200, "ip": "10.0.0.7", "user_agent": "UA/1"}
    resp = api.call("POST", "/api/sessions", body)
    assert resp.status == 201, resp
    sid = resp.json()["id"]
    assert set(resp.json()) == {"id"} and re.fullmatch(r"[A-Za-z0-9_-]{32}", sid)
    s = session_map(api.r.execute_command("SESSION.GET", sid, "IP", "10.0.0.7"))
    assert s["user"] == "user:42" and json.loads(s["data"]) == body["data"]
    assert s["idle_timeout"] == 600 and s["max_lifetime"] == 7200
    assert s["ip"] == "10.0.0.7" and s["user_agent"] == "UA/1"
    got = api.get_json("/api/sessions/" + sid)
    assert got["id"] == sid and got["user"] == "user:42" and got["data"] == body["data"]
    assert got["ip"] == "10.0.0.7" and got["user_agent"] == "UA/1"
    assert got["idle_timeout"] == 600 and got["max_lifetime"] == 7200
    assert got["bind"] == "none"
    assert isinstance(got["expires_at"], int) and got["expires_at"] > got["created_at"]
    # PATCH: RFC 7386 merge (null removes, objects merge, the rest replaces)
    resp = api.call("PATCH", "/api/sessions/" + sid,
                    {"n": None, "prefs": {"lang": None, "size": 12}, "role": "user",
                     "new": [1, 2]})
    assert resp.status == 200, resp
    want = {"role": "user", "prefs": {"theme": "dark", "size": 12}, "new": [1, 2]}
    assert resp.json()["data"] == want and resp.json()["id"] == sid
    s = session_map(api.r.execute_command("SESSION.GET", sid))
    assert json.loads(s["data"]) == want
    # replacing an object by a scalar, and an empty patch
    resp = api.call("PATCH", "/api/sessions/" + sid, {"prefs": "none"})
    assert resp.json()["data"] == {"role": "user", "prefs": "none", "new": [1, 2]}
    resp = api.call("PATCH", "/api/sessions/" + sid, {})
    assert resp.json()["data"] == {"role": "user", "prefs": "none", "new": [1, 2]}
    # DELETE
    resp = api.call("DELETE", "/api/sessions/" + sid)
    assert resp.status == 200 and resp.json() == {"destroyed": True}
    assert api.r.execute_command("SESSION.GET", sid) is None
    assert_error(api.call("DELETE", "/api/sessions/" + sid), 404)
    assert_error(api.call("GET", "/api/sessions/" + sid), 404)
    assert_error(api.call("PATCH", "/api/sessions/" + sid, {"a": 1}), 404)
    assert_error(api.call("GET", "/api/sessions/nonexistent-id"), 404)


def test_session_created_over_resp_is_visible_over_http(api):
    sid = api.r.execute_command("SESSION.CREATE", "u", "DATA", '{"k":[1,{"x":null}]}',
                                "TTL", 50).decode()
    got = api.get_json("/api/sessions/" + sid)
    assert got["data"] == {"k": [1, {"x": None}]} and got["idle_timeout"] == 50
    # GET touches (last_active_at moves), as SESSION.GET does
    before = got["last_active_at"]
    time.sleep(0.02)
    assert api.get_json("/api/sessions/" + sid)["last_active_at"] > before
    # SESSION.SET over RESP, seen over HTTP; PATCH over HTTP, seen over RESP
    api.r.execute_command("SESSION.SET", sid, '{"a":1}')
    assert api.get_json("/api/sessions/" + sid)["data"] == {"a": 1}
    api.call("PATCH", "/api/sessions/" + sid, {"b": 2})
    s = session_map(api.r.execute_command("SESSION.GET", sid))
    assert json.loads(s["data"]) == {"a": 1, "b": 2}


def test_session_patch_nested_nulls_in_new_object(api):
    sid = api.r.execute_command("SESSION.CREATE", "u", "DATA", '{"s":"x"}').decode()
    resp = api.call("PATCH", "/api/sessions/" + sid,
                    {"fresh": {"a": None, "b": 1}, "s": {"c": None, "d": 2}})
    assert resp.status == 200
    assert resp.json()["data"] == {"fresh": {"b": 1}, "s": {"d": 2}}


def test_session_create_validation(api):
    bad = [b"", b"nope", b"[]", b"{}", b'{"user": 5}', b'{"user": null}',
           b'{"user": "u", "data": [1]}', b'{"user": "u", "data": "x"}',
           b'{"user": "u", "data": 1}', b'{"user": "u", "ttl": "10"}',
           b'{"user": "u", "ttl": -1}', b'{"user": "u", "ttl": 1.5}',
           b'{"user": "u", "max_lifetime": "x"}', b'{"user": "u", "ip": 1}',
           b'{"user": "u", "user_agent": []}', b'{"user": "u", "bind": 3}',
           b'{"user": "u", "bind": "sideways"}']
    for body in bad:
        assert_error(api.call("POST", "/api/sessions", raw_body=body), 400)
    assert api.info()["session_created"] == 0


def test_session_patch_validation(api):
    sid = api.r.execute_command("SESSION.CREATE", "u", "DATA", '{"a":1}').decode()
    for body in [b"", b"nope", b"[1]", b'"x"', b"null", b"1", b"{"]:
        assert_error(api.call("PATCH", "/api/sessions/" + sid, raw_body=body), 400)
    s = session_map(api.r.execute_command("SESSION.GET", sid))
    assert json.loads(s["data"]) == {"a": 1}


def test_session_binding_through_query(api):
    resp = api.call("POST", "/api/sessions", {"user": "u", "ip": "1.2.3.4", "bind": "ip"})
    assert resp.status == 201
    sid = resp.json()["id"]
    assert api.get_json("/api/sessions/%s?ip=1.2.3.4" % sid)["bind"] == "ip"
    assert_error(api.call("GET", "/api/sessions/%s?ip=9.9.9.9" % sid), 404)
    assert_error(api.call("GET", "/api/sessions/" + sid), 404)  # no IP presented
    assert api.info()["session_binding_mismatches"] == 2
    assert api.get_json("/api/sessions/%s?ip=1.2.3.4" % sid)["id"] == sid


def test_session_limit_is_409(cachet_factory):
    api = start(cachet_factory, "--session-max-per-user", "1",
                "--session-limit-policy", "refuse")
    assert api.call("POST", "/api/sessions", {"user": "u"}).status == 201
    err = assert_error(api.call("POST", "/api/sessions", {"user": "u"}), 409)
    assert "SESSIONLIMIT" in err["message"]
    assert api.call("POST", "/api/sessions", {"user": "other"}).status == 201
    assert api.r.execute_command("SESSION.COUNT", "u") == 1
    assert api.info()["session_refused_by_limit"] == 1


def test_user_sessions_list_and_destroy_all(api):
    ids = [api.call("POST", "/api/sessions", {"user": "user:7", "data": {"i": i}})
           .json()["id"] for i in range(3)]
    other = api.call("POST", "/api/sessions", {"user": "user:8"}).json()["id"]
    got = api.get_json("/api/users/user%3A7/sessions")
    assert got["user"] == "user:7"
    assert sorted(s["id"] for s in got["sessions"]) == sorted(ids)
    assert sorted(s["data"]["i"] for s in got["sessions"]) == [0, 1, 2]
    resp_ids = [session_map(x)["id"]
                for x in api.r.execute_command("SESSION.LIST", "user:7")]
    assert [s["id"] for s in got["sessions"]] == resp_ids  # same order as SESSION.LIST
    assert api.get_json("/api/users/nobody/sessions") == {"user": "nobody",
                                                          "sessions": []}
    # destroy all but one
    resp = api.call("DELETE", "/api/users/user%3A7/sessions?except=" + ids[0])
    assert resp.status == 200 and resp.json() == {"destroyed": 2}
    assert [session_map(x)["id"]
            for x in api.r.execute_command("SESSION.LIST", "user:7")] == [ids[0]]
    resp = api.call("DELETE", "/api/users/user%3A7/sessions")
    assert resp.json() == {"destroyed": 1}
    assert api.r.execute_command("SESSION.COUNT", "user:7") == 0
    assert api.r.execute_command("SESSION.COUNT", "user:8") == 1
    assert api.r.execute_command("SESSION.GET", other) is not None
    assert api.call("DELETE", "/api/users/nobody/sessions").json() == {"destroyed": 0}


# --------------------------------------------------------------------------
# health and alerts


def test_health_routes_normally(api):
    h = api.get_json("/health")
    assert h["status"] == "healthy" and "reasons" not in h
    assert h["checks"] == {"alerts": "ok", "loading": False, "memory": "ok",
                           "writes": "ok"}
    assert api.get_json("/health/live") == {"status": "alive"}
    assert api.get_json("/health/ready") == {"status": "ready"}


def test_health_503_when_memory_full_under_noeviction(cachet_factory):
    api = start(cachet_factory, "--maxmemory", "1mb", "--maxmemory-policy", "noeviction")
    resp = api.anon("GET", "/health")
    assert resp.status == 503, resp
    h = resp.json()
    assert h["status"] == "unhealthy"
    assert "memory is full and maxmemory-policy is noeviction" in h["reasons"]
    assert h["checks"]["memory"] == "full under noeviction"
    m = api.get_json("/api/cache/metrics?type=health")
    assert m["healthy"] is False and m["checks"]["memory"] == "full under noeviction"
    assert api.get_json("/health/live") == {"status": "alive"}


def test_health_not_full_under_an_evicting_policy(cachet_factory):
    api = start(cachet_factory, "--maxmemory", "1mb", "--maxmemory-policy", "allkeys-lru",
                "--alert-memory-above", "")
    resp = api.anon("GET", "/health")
    assert resp.status == 200 and resp.json()["checks"]["memory"] == "ok", resp


def test_critical_alert_fires_and_makes_health_503(cachet_factory):
    # (the connections rule, with a threshold never reached, shows when the first
    # once-a-second evaluation has run: reads before it are not in any window)
    api = start(cachet_factory, "--alert-hit-rate-below", "0.9 0.8 0.7 0.6",
                "--alert-window", "3", "--alert-connections-above", "1000")
    assert api.get_json("/health")["status"] == "healthy"
    assert api.get_json("/api/cache/alerts") == {"alerts": []}

    def evaluated():
        mon = api.get_json("/api/cache/alerts?action=monitor")
        rules = {r["rule"]: r for r in mon["rules"]}
        return (mon, rules) if rules["connections"]["value"] is not None else None
    mon, rules = wait_for(evaluated, 3.0, "the first alert evaluation")
    assert set(rules) == {"hit_rate", "latency_p99", "memory", "evictions", "connections"}
    assert rules["hit_rate"]["thresholds"] == [0.9, 0.8, 0.7, 0.6]
    assert rules["hit_rate"]["enabled"] is True and rules["evictions"]["enabled"] is False
    assert rules["hit_rate"]["direction"] == "below" and rules["hit_rate"]["value"] is None
    assert rules["connections"]["severity"] == "none"
    assert mon["window_seconds"] == 3 and mon["active"] == []
    pipe = api.r.pipeline(transaction=False)
    for i in range(200):
        pipe.get("miss:%d" % i)
    pipe.execute()

    def fired():
        a = api.get_json("/api/cache/alerts?action=recent")["alerts"]
        return a if any(e["rule"] == "hit_rate" for e in a) else None
    alerts = wait_for(fired, 4.0, "the hit_rate alert")
    ev = alerts[0]
    assert ev["rule"] == "hit_rate" and ev["state"] == "fired"
    assert ev["severity"] == "critical" and ev["value"] == 0
    assert ev["threshold"] == 0.6 and "hit_rate" in ev["message"]
    resp = api.anon("GET", "/health")
    assert resp.status == 503, resp
    h = resp.json()
    assert h["status"] == "unhealthy" and "a critical alert is active" in h["reasons"]
    assert h["checks"]["alerts"] == "critical alert active"
    assert api.get_json("/health/ready") == {"status": "ready"}
    info = api.info("alerts")
    assert info["alerts_active"] == 1 and info["alert_hit_rate"] == "critical"
    assert info["alerts_history"] >= 1
    assert info["alerts_last"].startswith("hit_rate fired critical")
    mon = api.get_json("/api/cache/alerts?action=monitor")
    assert [a["rule"] for a in mon["active"]] == ["hit_rate"]
    assert mon["active"][0]["severity"] == "critical"
    stats = api.get_json("/api/cache/stats")
    assert [a["rule"] for a in stats["alerts"]["active"]] == ["hit_rate"]
    assert stats["alerts"]["history_size"] == info["alerts_history"]
    fams = parse_prometheus(api.anon("GET", "/metrics").body.decode())
    active = {dict(lbl)["severity"]: v
              for (name, lbl), v in fams["cachet_alerts_active"]["samples"].items()}
    assert active == {"low": 0, "medium": 0, "high": 0, "critical": 1}
    assert len(api.get_json("/api/cache/alerts?action=recent&limit=1")["alerts"]) == 1
    assert_error(api.call("GET", "/api/cache/alerts?action=bogus"), 400, "action")
    # hits bring the rate back up: the alert clears and health recovers
    api.r.set("hit", 1)
    pipe = api.r.pipeline(transaction=False)
    for i in range(5000):
        pipe.get("hit")
    pipe.execute()

    def cleared():
        a = api.get_json("/api/cache/alerts")["alerts"]
        return a if a[0]["state"] in ("cleared", "lowered") and \
            api.anon("GET", "/health").status == 200 else None
    wait_for(cleared, 5.0, "the alert to go below critical")


# --------------------------------------------------------------------------
# /metrics


NAME_RE = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL_RE = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
_LABEL_NC = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE_RE = re.compile(r"(%s)(?:\{((?:%s)(?:,%s)*,?)?\})? (\S+)(?: (-?\d+))?"
                       % (NAME_RE, _LABEL_NC, _LABEL_NC))


def _float(text):
    if text in ("+Inf", "Inf"):
        return math.inf
    if text == "-Inf":
        return -math.inf
    if text == "NaN":
        return math.nan
    assert re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text), text
    return float(text)


def parse_prometheus(text):
    """Strict parse of the text format 0.0.4. Returns {family: {"type", "help",
    "samples": {(name, labels-tuple): value}}}."""
    assert text.endswith("\n"), "output must end with a newline"
    families = {}
    series = set()
    fam = None
    pending_help = None
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d: %r" % (n, line)
        if not line:  # the format allows (and ignores) empty lines
            continue
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            assert re.fullmatch(NAME_RE, name), where
            assert help_text.strip(), "empty help at " + where
            assert name not in families and pending_help is None, \
                "family declared twice or HELP without TYPE: " + where
            pending_help = (name, help_text)
            continue
        if line.startswith("# TYPE "):
            parts = line[7:].split(" ")
            assert len(parts) == 2, where
            name, mtype = parts
            assert pending_help and pending_help[0] == name, \
                "TYPE not right after its HELP: " + where
            assert mtype in ("counter", "gauge", "summary", "histogram", "untyped"), where
            assert name not in families, "family declared twice: " + where
            if mtype == "counter":
                assert name.endswith("_total"), "counter not ending in _total: " + where
            fam = families[name] = {"type": mtype, "help": pending_help[1], "samples": {}}
            fam["name"] = name
            pending_help = None
            continue
        assert not line.startswith("#"), "stray comment: " + where
        assert pending_help is None, "HELP without TYPE before " + where
        m = SAMPLE_RE.fullmatch(line)
        assert m, "malformed sample: " + where
        name, labels_text, value = m.group(1), m.group(2), m.group(3)
        assert fam is not None, "sample before any family: " + where
        allowed = {fam["name"]}
        if fam["type"] == "summary":
            allowed |= {fam["name"] + "_sum", fam["name"] + "_count"}
        if fam["type"] == "histogram":
            allowed |= {fam["name"] + s for s in ("_bucket", "_sum", "_count")}
        assert name in allowed, "sample not of the family declared before: " + where
        labels = re.findall(LABEL_RE, labels_text or "")
        lnames = [k for k, _ in labels]
        assert len(set(lnames)) == len(lnames), "repeated label: " + where
        assert not any(k.startswith("__") for k in lnames), where
        if fam["type"] == "summary":
            if name == fam["name"]:
                q = dict(labels).get("quantile")
                assert q is not None and 0 <= _float(q) <= 1, where
            else:
                assert "quantile" not in lnames, where
        key = (name, tuple(sorted(labels)))
        assert key not in series, "duplicate series: " + where
        series.add(key)
        v = _float(value)
        if fam["type"] == "counter" or name.endswith(("_count", "_sum")):
            assert v >= 0, "negative counter: " + where
        fam["samples"][key] = v
    assert pending_help is None, "HELP without TYPE at the end"
    for name, f in families.items():
        assert f["samples"] or name in ("redis_db_keys", "redis_db_keys_expiring",
                                        "redis_commands_total",
                                        "redis_commands_duration_seconds_total",
                                        "cachet_command_latency_seconds"), \
            "family without samples: " + name
    return families


def value_of(fams, family, **labels):
    want = tuple(sorted(labels.items()))
    for (name, lbl), v in fams[family]["samples"].items():
        if name == family and lbl == want:
            return v
    raise KeyError("%s%r" % (family, labels))


DOCUMENTED_FAMILIES = {
    "redis_up": "gauge", "redis_uptime_in_seconds": "gauge",
    "redis_connected_clients": "gauge", "redis_blocked_clients": "gauge",
    "redis_memory_used_bytes": "gauge", "redis_memory_max_bytes": "gauge",
    "redis_commands_processed_total": "counter", "redis_keyspace_hits_total": "counter",
    "redis_keyspace_misses_total": "counter", "redis_expired_keys_total": "counter",
    "redis_evicted_keys_total": "counter", "redis_connections_received_total": "counter",
    "redis_rejected_connections_total": "counter", "redis_net_input_bytes_total": "counter",
    "redis_net_output_bytes_total": "counter", "redis_db_keys": "gauge",
    "redis_db_keys_expiring": "gauge", "redis_commands_total": "counter",
    "redis_commands_duration_seconds_total": "counter", "redis_slowlog_length": "gauge",
    "cachet_command_latency_seconds": "summary", "cachet_sessions": "gauge",
    "cachet_session_users": "gauge", "cachet_session_events_total": "counter",
    "cachet_alerts_active": "gauge", "cachet_http_requests_total": "counter",
}


def test_prometheus_metrics_parse_strictly_and_match_info(api):
    r = api.r
    r3 = redis.Redis(host=HOST, port=api.srv.port, db=3)
    r.mset({"a": 1, "b": 2, "c": 3})
    r.expire("a", 100)
    r3.set("x", 1)
    for k in ["a", "a", "nope"]:
        r.get(k)
    r.execute_command("SESSION.CREATE", "u1")
    r.execute_command("SESSION.CREATE", "u2")
    api.call("GET", "/nope")  # a 4xx
    resp = api.anon("GET", "/metrics")
    assert resp.status == 200
    assert resp.header("Content-Type").startswith("text/plain; version=0.0.4")
    info = api.info()
    fams = parse_prometheus(resp.body.decode("utf-8"))
    for name, mtype in DOCUMENTED_FAMILIES.items():
        assert name in fams, "missing family " + name
        assert fams[name]["type"] == mtype, name
    assert value_of(fams, "redis_up") == 1
    assert value_of(fams, "redis_db_keys", db="db0") == info["db0"]["keys"] == 3
    assert value_of(fams, "redis_db_keys", db="db3") == info["db3"]["keys"] == 1
    assert value_of(fams, "redis_db_keys_expiring", db="db0") == info["db0"]["expires"]
    assert value_of(fams, "redis_keyspace_hits_total") == info["keyspace_hits"] == 2
    assert value_of(fams, "redis_keyspace_misses_total") == info["keyspace_misses"] == 1
    assert value_of(fams, "cachet_sessions") == info["session_sessions"] == 2
    assert value_of(fams, "cachet_session_users") == info["session_users"] == 2
    assert value_of(fams, "cachet_session_events_total", event="created") == 2
    assert value_of(fams, "redis_memory_max_bytes") == info["maxmemory"]
    assert value_of(fams, "redis_commands_total", cmd="get") == \
        api.info("commandstats")["cmdstat_get"]["calls"] == 3
    assert value_of(fams, "redis_commands_total", cmd="mset") == 1
    for q in ("0.5", "0.9", "0.99", "0.999"):
        assert value_of(fams, "cachet_command_latency_seconds", cmd="get", quantile=q) > 0
    assert fams["cachet_command_latency_seconds"]["samples"][
        ("cachet_command_latency_seconds_count", (("cmd", "get"),))] == 3
    assert value_of(fams, "cachet_http_requests_total", code="4xx") >= 1
    assert value_of(fams, "redis_connected_clients") == info["connected_clients"]
    # HEAD /metrics: same headers, no body
    with api.raw() as c:
        c.send(request_bytes("HEAD", "/metrics", auth=False)
               + request_bytes("GET", "/health/live", auth=False))
        head = c.read_response(head=True)
        assert head.status == 200
        assert head.header("Content-Type").startswith("text/plain; version=0.0.4")
        assert c.read_response().json() == {"status": "alive"}


def test_prometheus_parser_rejects_bad_exposition():
    good = "# HELP x_total X.\n# TYPE x_total counter\nx_total{a=\"1\"} 2\n"
    parse_prometheus(good)
    bad = [
        good.replace("x_total{", "x_other{"),                    # foreign sample
        good + 'x_total{a="1"} 3\n',                               # duplicate series
        "# HELP x X.\n# TYPE x gauge\nx 1\n# HELP x X.\n# TYPE x gauge\n",  # twice
        good.replace("2\n", "two\n"),                              # value
        good.replace('a="1"', 'a=1'),                              # label syntax
        good.replace("x_total", "x"),                              # counter name
        "x 1\n",                                                   # no family
        good[:-1],                                                 # no final newline
        "# TYPE x_total counter\nx_total 1\n",                     # TYPE without HELP
    ]
    for text in bad:
        with pytest.raises(AssertionError):
            parse_prometheus(text)


# --------------------------------------------------------------------------
# connection handling: keep-alive, pipelining, close, HTTP/1.0, HEAD


def test_keep_alive_many_requests_on_one_connection(api):
    c = http.client.HTTPConnection(HOST, api.port, timeout=5)
    try:
        c.request("PUT", "/api/cache/keys/ka", body=b'{"value":"1"}', headers=AUTH)
        r1 = c.getresponse()
        assert r1.status == 200 and r1.getheader("Connection") == "keep-alive"
        r1.read()
        sock = c.sock
        for i in range(5):
            c.request("GET", "/api/cache/keys/ka", headers=AUTH)
            r = c.getresponse()
            assert json.loads(r.read())["value"] == "1"
            assert r.getheader("Connection") == "keep-alive"
        c.request("GET", "/api/cache/stats")
        r = c.getresponse()
        stats = json.loads(r.read())
        assert c.sock is sock  # never reconnected
        assert stats["connections"]["http_connections"] == 1
    finally:
        c.close()


def test_pipelined_requests_in_one_send(api):
    with api.raw() as c:
        c.send(request_bytes("PUT", "/api/cache/keys/p", b'{"value":"piped"}')
               + request_bytes("GET", "/api/cache/keys/p")
               + request_bytes("DELETE", "/api/cache/keys/p")
               + request_bytes("GET", "/api/cache/keys/p"))
        r1, r2, r3, r4 = [c.read_response() for _ in range(4)]
        assert r1.json() == {"key": "p", "stored": True}
        assert r2.json()["value"] == "piped"
        assert r3.json() == {"deleted": 1}
        assert_error(r4, 404)
        # still open afterwards
        c.send(request_bytes("GET", "/health/live"))
        assert c.read_response().json() == {"status": "alive"}
    assert api.r.exists("p") == 0


def test_request_split_across_many_sends(api):
    data = request_bytes("PUT", "/api/cache/keys/split", b'{"value":"in pieces"}')
    with api.raw() as c:
        for i in range(0, len(data), 7):
            c.send(data[i:i + 7])
            time.sleep(0.002)
        assert c.read_response().status == 200
    assert api.r.get("split") == b"in pieces"


def test_connection_close(api):
    with api.raw() as c:
        c.send(request_bytes("GET", "/health/live", headers=["Connection: close"])
               + request_bytes("PUT", "/api/cache/keys/after", b'{"value":"x"}'))
        resp = c.read_response()
        assert resp.status == 200 and resp.header("Connection") == "close"
        assert c.closed(), "the connection should close after Connection: close"
    assert api.r.exists("after") == 0  # the request after it was not run


def test_http_1_0(api):
    with api.raw() as c:
        c.send(b"GET /health/live HTTP/1.0\r\n\r\n")
        resp = c.read_response()
        assert resp.status == 200 and resp.json() == {"status": "alive"}
        assert resp.header("Connection") == "close"
        assert c.closed()
    with api.raw() as c:  # 1.0 with keep-alive
        for _ in range(2):
            c.send(b"GET /health/live HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            resp = c.read_response()
            assert resp.status == 200 and resp.header("Connection") == "keep-alive"
    with api.raw() as c:  # 1.0 with a body
        c.send(b"PUT /api/cache/keys/old HTTP/1.0\r\nAuthorization: Bearer " +
               TOKEN.encode() + b"\r\nContent-Length: 13\r\n\r\n{\"value\":\"1\"}")
        assert c.read_response().status == 200
        assert c.closed()
    assert api.r.get("old") == b"1"


def test_head_on_get_routes(api):
    api.r.set("hk", "value")
    with api.raw() as c:
        for path, auth in [("/health", False), ("/api/cache/stats", False),
                           ("/api/cache/keys/hk", True), ("/", False)]:
            c.send(request_bytes("HEAD", path, auth=auth))
            head = c.read_response(head=True)
            assert head.status == 200, (path, head)
            c.send(request_bytes("GET", path, auth=auth))
            get = c.read_response()
            assert get.status == 200
            assert head.header("Content-Type") == get.header("Content-Type")
        # nothing extra was sent after a HEAD reply: the next reply parses
        c.send(request_bytes("HEAD", "/health/live") + request_bytes("GET", "/health/live"))
        c.read_response(head=True)
        assert c.read_response().json() == {"status": "alive"}
    # HEAD does not run POST routes
    with api.raw() as c:
        c.send(request_bytes("HEAD", "/api/cache/clear"))
        head = c.read_response(head=True)
        assert head.status == 405 and head.header("Allow") == "POST", head
    assert api.r.get("hk") == b"value"


def test_head_content_length_matches_get(api):
    with api.raw() as c:
        c.send(request_bytes("HEAD", "/health/live"))
        head = c.read_response(head=True)
        c.send(request_bytes("GET", "/health/live"))
        get = c.read_response()
        # RFC 9110 8.6: absent, or what GET would send
        assert head.header("Content-Length") in (None, get.header("Content-Length"))
        assert get.header("Content-Length") == "18"


def test_head_error_replies_have_no_body(api):
    with api.raw() as c:
        for path in ["/nope", "/api/cache/keys/x", "/api/cache/clear"]:
            c.send(request_bytes("HEAD", path, auth=False))
            head = c.read_response(head=True)
            assert head.status in (401, 404, 405)
            c.send(request_bytes("GET", "/health/live", auth=False))
            nxt = c.read_response()
            assert nxt.status == 200, nxt


# --------------------------------------------------------------------------
# malformed requests and limits


@pytest.mark.parametrize("data", [
    b"GARBAGE\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET  HTTP/1.1\r\n\r\n",
    b"GET /health HTTP/1.x\r\n\r\n",
    b"GET /he alth HTTP/1.1\r\n\r\n",
    b"\x00\x01\x02\x03\r\n\r\n",
    b"GET /health HTTP/1.1\r\nBad Header\r\n\r\n",
    b"GET /health HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
    b"GET /health HTTP/1.1\r\nContent-Length: x\r\n\r\n",
    b"POST /api/sessions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
], ids=lambda d: repr(d[:24]))
def test_malformed_requests_get_400_then_close(api, data):
    with api.raw() as c:
        c.send(data + request_bytes("PUT", "/api/cache/keys/after", b'{"value":"x"}'))
        resp = c.read_response()
        assert_error(resp, 400, "malformed")
        assert resp.header("Connection") == "close"
        assert c.closed()
    assert api.r.exists("after") == 0


def test_malformed_after_a_good_request_closes(api):
    with api.raw() as c:
        c.send(request_bytes("GET", "/health/live") + b"BAD REQUEST\r\n\r\n"
               + request_bytes("PUT", "/api/cache/keys/after", b'{"value":"x"}'))
        assert c.read_response().json() == {"status": "alive"}
        try:
            c.read_response(timeout=2)  # the 400
        except EOFError:
            pass
        assert c.closed()
    assert api.r.exists("after") == 0


def test_malformed_after_a_good_request_gets_400(api):
    with api.raw() as c:
        c.send(request_bytes("GET", "/health/live") + b"BAD REQUEST\r\n\r\n")
        good = c.read_response()
        assert good.json() == {"status": "alive"}
        assert_error(c.read_response(), 400, "malformed")
        assert c.closed()


@pytest.mark.parametrize("line", [b"HTTP/2.0", b"HTTP/0.9", b""])
def test_unsupported_http_versions_are_400_and_not_run(api, line):
    api.r.set("survivor", 1)
    with api.raw() as c:
        c.send(b"POST /api/cache/cleanup?action=flush-all&confirm=yes" +
               (b" " + line if line else b"") + b"\r\nAuthorization: Bearer " +
               TOKEN.encode() + b"\r\n\r\n")
        resp = c.read_response()
        assert_error(resp, 400, "HTTP version")
    assert api.r.get("survivor") == b"1"


@pytest.fixture
def small(cachet_factory):
    return start(cachet_factory, "--http-max-body", "1024", "--http-max-header", "1024")


def _value_body(total):
    pad = total - len(b'{"value":""}')
    return b'{"value":"' + b"x" * pad + b'"}'


def test_body_at_the_limit_is_accepted(small):
    body = _value_body(1024)
    assert len(body) == 1024
    resp = small.call("PUT", "/api/cache/keys/big", raw_body=body)
    assert resp.status == 200, resp
    assert small.r.strlen("big") == 1024 - 12


def test_declared_body_over_the_limit_is_413_and_not_run(small):
    small.r.set("survivor", 1)
    with small.raw() as c:
        body = b"{}" + b" " * 1100
        c.send(request_bytes("POST", "/api/cache/clear", body))
        resp = c.read_response()
        assert_error(resp, 413)
        assert resp.header("Connection") == "close"
    assert small.r.get("survivor") == b"1"


def test_declared_body_over_the_limit_is_refused(small):
    # what must hold whatever the bug above: the oversized body is never stored
    with small.raw() as c:
        c.send(request_bytes("PUT", "/api/cache/keys/big", _value_body(1025)))
        resp = c.read_response()
        assert resp.status >= 400 and resp.header("Connection") == "close", resp
        assert_error(resp, resp.status)
        assert c.closed()
    assert small.r.exists("big") == 0


def test_chunked_body_over_the_limit_is_413(small):
    body = _value_body(1500)
    with small.raw() as c:
        c.send(b"PUT /api/cache/keys/big HTTP/1.1\r\nAuthorization: Bearer " +
               TOKEN.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n" +
               b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 300]), body[i:i + 300])
                        for i in range(0, len(body), 300)) + b"0\r\n\r\n")
        resp = c.read_response()
        assert_error(resp, 413, "1024")
        assert resp.header("Connection") == "close"
        assert c.closed()
    assert small.r.exists("big") == 0
    # a chunked body at the limit passes
    body = _value_body(1024)
    with small.raw() as c:
        c.send(b"PUT /api/cache/keys/ok HTTP/1.1\r\nAuthorization: Bearer " +
               TOKEN.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n" +
               b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
        assert c.read_response().status == 200
    assert small.r.exists("ok") == 1


def test_oversized_headers_are_431(small):
    cases = [
        request_bytes("GET", "/health", headers=["X-Big: " + "a" * 1100]),
        request_bytes("GET", "/health", headers=["X-H%d: %s" % (i, "b" * 40)
                                                 for i in range(30)]),
        request_bytes("GET", "/api/cache/keys/" + "k" * 1100),
        request_bytes("GET", "/health", headers=["X-" + "n" * 1100 + ": 1"]),
    ]
    for data in cases:
        with small.raw() as c:
            c.send(data)
            resp = c.read_response()
            assert_error(resp, 431)
            assert resp.header("Connection") == "close"
            assert c.closed()
    # just under the limit works
    with small.raw() as c:
        c.send(request_bytes("GET", "/health", headers=["X-Big: " + "a" * 700]))
        assert c.read_response().status == 200


def test_431_while_the_head_is_still_arriving(small):
    with small.raw() as c:
        c.send(b"GET /health HTTP/1.1\r\nX-Endless: " + b"z" * 2000)  # no end of line
        resp = c.read_response()
        assert_error(resp, 431)


@pytest.fixture
def quick(cachet_factory):
    return start(cachet_factory, "--http-timeout", "1")


def test_partial_request_gets_408(quick):
    with quick.raw() as c:
        t0 = time.monotonic()
        c.send(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        resp = c.read_response(timeout=4)
        took = time.monotonic() - t0
        assert_error(resp, 408)
        assert resp.header("Connection") == "close"
        assert c.closed()
        assert 0.9 <= took <= 3.0, took


def test_partial_body_gets_408(quick):
    with quick.raw() as c:
        c.send(request_bytes("PUT", "/api/cache/keys/slow", b'{"value":"x"}')[:-4])
        assert_error(c.read_response(timeout=4), 408)
    assert quick.r.exists("slow") == 0


def test_idle_keep_alive_connection_is_closed_silently(quick):
    with quick.raw() as c:
        c.send(request_bytes("GET", "/health/live"))
        assert c.read_response().status == 200
        t0 = time.monotonic()
        assert c.closed(timeout=4), "idle connection not closed"
        assert time.monotonic() - t0 <= 3.0


def test_dribbled_request_gets_408(quick):
    with quick.raw() as c:
        c.send(b"GET /health HTTP/1.1\r\n")
        t0 = time.monotonic()
        got = None
        while time.monotonic() - t0 < 3.2:
            try:
                c.send(b"X")
            except OSError:
                break
            try:
                got = c.read_response(timeout=0.25)
                break
            except socket.timeout:
                continue
            except (EOFError, ConnectionResetError):
                break
        assert got is not None, "no reply while the request dribbled in for 3 s"
        assert_error(got, 408)
        assert time.monotonic() - t0 <= 3.0


def test_max_connections_503(cachet_factory):
    api = start(cachet_factory, "--http-max-connections", "2")
    a = api.raw()
    b = None
    try:
        # start()'s probe connection may not be reaped yet: wait until a is alone
        def alone():
            a.send(request_bytes("GET", "/api/cache/stats"))
            return a.read_response().json()["connections"]["http_connections"] == 1
        wait_for(alone, 3.0, "the probe connection to go")
        b = api.raw()
        b.send(request_bytes("GET", "/health/live"))
        assert b.read_response().status == 200
        with api.raw() as c:
            resp = c.read_response()
            assert_error(resp, 503, "connections")
            assert resp.header("Connection") == "close"
            assert c.closed()
        # the two accepted connections still work
        a.send(request_bytes("GET", "/api/cache/stats"))
        assert a.read_response().json()["connections"]["http_connections"] == 2
        a.close()

        def accepted():
            with api.raw() as c:
                c.send(request_bytes("GET", "/health/live"))
                try:
                    return c.read_response().status == 200
                except (EOFError, ConnectionResetError):
                    return False
        wait_for(accepted, 3.0, "a free connection slot", interval=0.1)
        b.send(request_bytes("GET", "/health/live"))
        assert b.read_response().status == 200
    finally:
        a.close()
        if b:
            b.close()
    m = parse_prometheus(api.anon("GET", "/metrics").body.decode())
    assert value_of(m, "cachet_http_requests_total", code="5xx") >= 1


# --------------------------------------------------------------------------
# HTTP does not disturb RESP


def test_resp_unaffected_by_stalled_http_clients(api):
    stalled = []
    try:
        for i in range(5):
            c = api.raw()
            c.send(b"POST /api/cache/clear HTTP/1.1\r\nAuthorization: Bearer " +
                   TOKEN.encode() + b"\r\nContent-Length: 100\r\n\r\n{")
            stalled.append(c)
        half = api.raw()
        half.send(b"GET /api/cache/st")
        stalled.append(half)
        time.sleep(0.1)
        r = redis.Redis(host=HOST, port=api.srv.port, socket_timeout=2)
        for _ in range(20):
            t0 = time.monotonic()
            assert r.ping() is True
            assert time.monotonic() - t0 < 0.5
        r.set("k", "v")
        assert r.get("k") == b"v"
        # a blocked RESP client does not hold up HTTP either
        blocker = redis.Redis(host=HOST, port=api.srv.port, socket_timeout=10)
        result = {}
        t = threading.Thread(target=lambda: result.update(v=blocker.blpop("q", 5)))
        t.start()
        time.sleep(0.1)
        assert api.call("PUT", "/api/cache/keys/k2", {"value": "w"}).status == 200
        assert api.get_json("/health/live") == {"status": "alive"}
        r.rpush("q", "item")
        t.join(5)
        assert result["v"] == (b"q", b"item")
        # the stalled requests were not run
        assert r.get("k") == b"v" and r.get("k2") == b"w"
        # and the half-sent request can still finish
        half.send(b"ats HTTP/1.1\r\n\r\n")
        assert half.read_response().json()["keys"]["total"] == 2
    finally:
        for c in stalled:
            c.close()


def _rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_client_that_never_reads_is_cut_off(api):
    """Pipelined requests whose replies are never read: the server drops the connection once
    its queued replies pass a bound, instead of buffering without limit."""
    for i in range(200):
        api.r.set("k%d" % i, "v" * 100)
    before = _rss_kib(api.srv.proc.pid)
    sock = socket.create_connection((HOST, api.port), timeout=5)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    request = b"GET /api/cache/metrics?type=report HTTP/1.1\r\nHost: x\r\n\r\n" * 50
    closed = False
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            sock.sendall(request)
        except OSError:
            closed = True
            break
    sock.close()
    assert closed, "the server kept accepting requests from a client that never reads"
    grown_mib = (_rss_kib(api.srv.proc.pid) - before) / 1024
    assert grown_mib < 64, "server grew by %.0f MiB for one non-reading client" % grown_mib
    assert api.r.ping()
    assert api.call("GET", "/health/live").status == 200
