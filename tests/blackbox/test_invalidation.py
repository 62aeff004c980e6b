"""Black-box tests of INVALIDATE (docs/invalidation.md) and the HTTP invalidation routes
(docs/http.md) against the built server: KEY/TAG/PATTERN counts, PATTERN compared with a real
redis-server's KEYS/SCAN MATCH on the same keys (with and without the prefix index), EVENT
through [[rule]] tables in a config file, bad rules stopping the server, the log and RULES
replies, the __cachet__:invalidate messages, append-only-log restarts, a 100k-key tag
invalidation with a second client working meanwhile, and the HTTP routes with their errors."""

import json
import random
import subprocess
import threading
import time

import pytest
import redis

from conftest import HOST, cachet_bin, cachet_is_redis, free_port
from test_http import assert_error, start as start_http

pytestmark = pytest.mark.skipif(cachet_is_redis(), reason="cachet-only commands")

RULES = """
[[rule]]
event = "user.profile.updated"
keys = ["user:profile:{userId}", "user:permissions:{userId}"]
tags = ["user:{userId}"]
patterns = ["user:{userId}:*"]

[[rule]]
event = "user.profile.updated"
keys = ["directory:{region}"]

[[rule]]
event = "order.placed"
patterns = ["cart:{userId}:*", "stock:{sku}"]
tags = ["sku:{sku}"]
"""

LOG_FIELDS = ["id", "time_ms", "kind", "target", "reason", "db", "keys", "duration_us",
              "longest_batch_us"]


def client(srv, db=0):
    return redis.Redis(host=HOST, port=srv.port, db=db, decode_responses=True,
                       socket_timeout=30)


def rules_server(factory, tmp_path, *extra, text=RULES):
    cfg = tmp_path / "rules.toml"
    cfg.write_text(text)
    return factory("--config", str(cfg), *extra)


def inv(r, *args):
    return r.execute_command("INVALIDATE", *args)


def as_dict(flat):
    """A RESP2-flattened map (field, value, ...) as a dict, keeping field order."""
    if isinstance(flat, dict):
        return flat
    return dict(zip(flat[0::2], flat[1::2]))


def log(r, *args):
    return [as_dict(x) for x in inv(r, "LOG", *args)]


def keyset(r):
    return set(r.scan_iter(count=1000))


def load(c, keys):
    p = c.pipeline(transaction=False)
    for i, k in enumerate(keys):
        p.set(k, "v")
        if i % 2000 == 1999:
            p.execute()
    p.execute()


# --------------------------------------------------------------------------
# KEY / TAG / PATTERN


def test_invalidate_key_and_tag_counts(cachet_server):
    r = client(cachet_server)
    r.set("a", "1")
    r.hset("h", "f", "v")
    r.set("c", "3")
    assert inv(r, "KEY", "a", "h", "missing", "a") == 2
    assert sorted(r.keys()) == ["c"]
    assert inv(r, "KEY", "missing") == 0
    for k in ("t1", "t2", "t3"):
        r.execute_command("CACHE.SET", k, "v", "TAGS", "x", "y")
    r.execute_command("CACHE.SET", "t4", "v", "TAGS", "z")
    assert inv(r, "TAG", "x", "y", "z", "none") == 4
    assert sorted(r.keys()) == ["c"]
    assert inv(r, "TAG", "x") == 0
    # databases are separate
    r1 = client(cachet_server, 1)
    r1.set("c", "db1")
    r1.execute_command("CACHE.SET", "d", "v", "TAGS", "x")
    assert inv(r, "KEY", "d") == 0 and inv(r, "TAG", "x") == 0
    assert inv(r1, "KEY", "c") == 1 and inv(r1, "TAG", "x") == 1
    assert r.get("c") == "3"


def test_invalidate_errors(cachet_server):
    r = client(cachet_server)
    cases = [
        (("KEY",), "wrong number of arguments"),
        (("TAG",), "wrong number of arguments"),
        (("PATTERN",), "wrong number of arguments"),
        (("PATTERN", "a", "b"), "wrong number of arguments"),
        (("EVENT",), "wrong number of arguments"),
        (("BOGUS",), "unknown subcommand"),
        (("LOG", "-1"), "out of range"),
        (("LOG", "abc"), "not an integer"),
        (("LOG", "1", "2"), "syntax error"),
        (("RULES", "x"), "wrong number of arguments"),
        (("EVENT", "anything"), "^no \\[\\[rule\\]\\] handles this event$"),
    ]
    for args, msg in cases:
        with pytest.raises(redis.ResponseError, match=msg):
            inv(r, *args)
    assert inv(r, "RULES") == []


PATTERN_KEYS = [
    "user:1:name", "user:1:mail", "user:2:name", "user:12:name", "user:3:x", "user:a:name",
    "user:b:bx", "user:[1]:name", "user:*:name", "a*b", "axb", "a?b", "ab", "a\\b", "x",
    "yx", "xy", "exact-key", "exact-key2", "plain", "h", "hello", "hallo", "hxllo", "[",
    "", "user:", "user:1:", "ümlaut:1", "caf\xe9",
]

GLOBS = [
    "user:1:*", "user:?:name", "user:[12]:*", "user:[^1]:*", "user:[a-c]:*", "user:[!a]:*",
    "*x", "*", "a\\*b", "a\\?b", "a*b", "a?b", "a\\\\b", "exact-key", "nomatch*", "nomatch",
    "user:1:name", "*:name", "?", "h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "user:\\[1\\]*",
    "user:\\**", "*1*", "user:", "[[]", "ümlaut*", "caf?", "user:1:*:deep",
    # malformed or unusual globs: the result must still be redis' KEYS result
    "a\\", "user:[", "user:[1", "[]", "[^]", "**", "*\\", "h[a-]llo", "h[-e]llo",
    "h[e-a]llo", "h[\\e]llo", "\\h*", "user:[1-2]:n*", "*:",
]


@pytest.mark.parametrize("index", ["yes", "no"], ids=["prefix-index", "no-prefix-index"])
def test_pattern_globs_match_redis_keys(cachet_factory, redis_server, index):
    rc = client(cachet_factory("--prefix-index", index))
    rr = client(redis_server)
    keys = [k for k in PATTERN_KEYS if k]
    for glob in GLOBS:
        for c in (rc, rr):
            c.flushdb()
            load(c, keys)
        expected = set(rr.keys(glob))
        got = inv(rc, "PATTERN", glob)
        assert got == len(expected), glob
        assert keyset(rc) == set(keys) - expected, glob
        last = log(rc, "1")[0]
        assert (last["kind"], last["target"], last["keys"]) == ("pattern", glob, len(expected))


@pytest.mark.parametrize("index", ["yes", "no"], ids=["prefix-index", "no-prefix-index"])
def test_pattern_on_20k_keys_equals_scan_match_del(cachet_factory, redis_server, index):
    rc = client(cachet_factory("--prefix-index", index))
    rr = client(redis_server)
    rnd = random.Random(20240)
    kinds = ["profile", "session", "feed", "cart"]
    keys = set()
    while len(keys) < 20000:
        u = rnd.randrange(300)
        keys.add(rnd.choice([
            "user:%d:%s:%d" % (u, rnd.choice(kinds), rnd.randrange(100)),
            "page:/users/%d?tab=%d" % (u, rnd.randrange(5)),
            "%s:%d" % (rnd.choice(kinds), rnd.randrange(100000)),
            "u%d" % rnd.randrange(100000),
        ]))
    keys = sorted(keys)
    load(rc, keys)
    load(rr, keys)
    assert rc.dbsize() == rr.dbsize() == 20000
    globs = ["user:1*", "user:12:*", "*:profile:*", "user:1?:session:*", "user:[0-4]:*",
             "page:/users/2*", "page:/users/\\?*", "*9", "cart:1????", "u[13579]*",
             "user:2??:feed:5", "nothing:*", "*"]
    for glob in globs:
        expected = set()
        for k in rr.scan_iter(match=glob, count=1000):
            expected.add(k)
        if expected:
            rr.delete(*expected)
        assert inv(rc, "PATTERN", glob) == len(expected), glob
        assert rc.dbsize() == rr.dbsize(), glob
        if rc.dbsize() < 20000:
            assert keyset(rc) == keyset(rr), glob


def test_pattern_after_relocations_renames_swapdb_and_restart(cachet_factory):
    """Changes that move an entry in memory (a TTL added or removed, a value grown), give it
    a new name (RENAME, COPY) or move its database (SWAPDB), and a snapshot load, all keep
    the key order index in step with the keys."""
    srv = cachet_factory()
    r = client(srv)
    r1 = client(srv, 1)
    load(r, ["p:%d" % i for i in range(3000)])
    p = r.pipeline(transaction=False)
    for i in range(3000):
        k = "p:%d" % i
        if i % 3 == 0:
            p.expire(k, 1000)
        elif i % 3 == 1:
            p.append(k, "x" * 3000)
        else:
            p.setrange(k, 100, "y")
        if i % 2 == 0:
            p.persist(k)
    p.execute()
    assert inv(r, "PATTERN", "p:1*") == 1111
    assert inv(r, "PATTERN", "p:*") == 1889
    load(r, ["a:%d" % i for i in range(100)])
    for i in range(50):
        r.rename("a:%d" % i, "b:%d" % i)
    for i in range(60, 70):
        r.copy("a:%d" % i, "c:%d" % i)
    assert inv(r, "PATTERN", "a:*") == 50
    assert inv(r, "PATTERN", "b:*") == 50
    assert inv(r, "PATTERN", "c:*") == 10
    assert r.dbsize() == 0
    load(r1, ["s:%d" % i for i in range(100)])
    r.swapdb(0, 1)
    assert inv(r1, "PATTERN", "s:*") == 0
    assert inv(r, "PATTERN", "s:1*") == 11
    r.save()
    srv.stop()
    srv.start()
    r = client(srv)
    assert inv(r, "PATTERN", "s:2?") == 10
    assert inv(r, "PATTERN", "s:*") == 79
    assert r.dbsize() == 0


def test_invalidate_inside_multi_exec(cachet_factory, tmp_path):
    srv = rules_server(cachet_factory, tmp_path)
    r = client(srv)
    w = client(srv)
    r.set("user:profile:1", "v")
    with w.pipeline(transaction=True) as watched:
        watched.watch("user:1:x")
        p = r.pipeline(transaction=True)
        p.set("user:1:x", "v")
        p.set("m:1", "v")
        p.set("m:2", "v")
        p.execute_command("INVALIDATE", "PATTERN", "m:*")
        p.execute_command("CACHE.SET", "t", "v", "TAGS", "user:1")
        p.execute_command("INVALIDATE", "EVENT", "user.profile.updated", "userId", "1",
                          "region", "r")
        p.execute_command("INVALIDATE", "KEY", "nothing")
        p.get("m:1")
        p.dbsize()
        assert p.execute() == [True, True, True, 2, "OK", 3, 0, None, 0]
        watched.multi()
        watched.set("user:1:x", "again")
        with pytest.raises(redis.WatchError):
            watched.execute()
    assert [x["kind"] for x in log(r, "3")] == ["key", "event", "pattern"]
    # an error inside EXEC does not stop the other commands
    p = r.pipeline(transaction=True)
    p.set("a", "v")
    p.execute_command("INVALIDATE", "EVENT", "user.profile.updated", "userId", "1")
    p.execute_command("INVALIDATE", "KEY", "a")
    res = p.execute(raise_on_error=False)
    assert res[0] is True and isinstance(res[1], redis.ResponseError) and res[2] == 1


# --------------------------------------------------------------------------
# EVENT and [[rule]]


def test_event_rules(cachet_factory, tmp_path):
    srv = rules_server(cachet_factory, tmp_path)
    r = client(srv)
    r.set("user:profile:42", "p")
    r.set("user:permissions:42", "p")
    r.set("user:profile:43", "p")
    r.execute_command("CACHE.SET", "page:/u/42", "v", "TAGS", "user:42")
    r.execute_command("CACHE.SET", "page:/u/43", "v", "TAGS", "user:43")
    r.set("user:42:feed", "f")
    r.set("user:42:other", "f")
    r.set("user:420:feed", "f")
    r.set("directory:eu", "d")
    r.set("directory:us", "d")
    assert inv(r, "EVENT", "user.profile.updated", "userId", "42", "region", "eu") == 6
    assert keyset(r) == {"user:profile:43", "page:/u/43", "user:420:feed", "directory:us"}
    rec = log(r, "1")[0]
    assert rec["kind"] == "event"
    assert rec["target"] == "user.profile.updated userId 42 region eu"
    assert rec["reason"] == "event user.profile.updated"
    assert rec["keys"] == 6
    # a missing field names the field and the template; nothing is deleted
    with pytest.raises(redis.ResponseError) as e:
        inv(r, "EVENT", "user.profile.updated", "userId", "43")
    assert str(e.value) == "the event needs the field 'region' (for 'directory:{region}')"
    with pytest.raises(redis.ResponseError) as e:
        inv(r, "EVENT", "user.profile.updated", "region", "us")
    assert str(e.value) == ("the event needs the field 'userId' (for "
                            "'user:profile:{userId}')")
    assert len(keyset(r)) == 4
    with pytest.raises(redis.ResponseError) as e:
        inv(r, "EVENT", "user.profile.updated", "userId")
    assert str(e.value) == "INVALIDATE EVENT takes the event name and then field value pairs"
    with pytest.raises(redis.ResponseError) as e:
        inv(r, "EVENT", "user.profile.deleted", "userId", "43")
    assert str(e.value) == "no [[rule]] handles this event"
    assert len(keyset(r)) == 4
    # extra fields are ignored
    assert inv(r, "EVENT", "user.profile.updated", "userId", "43", "region", "us",
               "extra", "x") == 3
    assert keyset(r) == {"user:420:feed"}


def test_event_field_values_are_literal(cachet_factory, tmp_path):
    srv = rules_server(cachet_factory, tmp_path)
    r = client(srv)
    keys = ["user:*:a", "user:1:a", "user:2:b", "user:?:x", "user:[1]:y", "user:1]:z",
            "user:\\:q", "cart:*:1", "cart:1:1", "stock:*", "stock:1", "stock:[12]", "stock:2"]
    load(r, keys)
    r.execute_command("CACHE.SET", "tagged", "v", "TAGS", "sku:*")
    r.execute_command("CACHE.SET", "tagged1", "v", "TAGS", "sku:1")
    r.set("user:profile:*", "v")
    r.set("user:profile:1", "v")
    # userId '*' in patterns must not widen them; in keys it is the literal key
    assert inv(r, "EVENT", "user.profile.updated", "userId", "*", "region", "x") == 2
    assert "user:*:a" not in keyset(r) and "user:profile:*" not in keyset(r)
    assert {"user:1:a", "user:2:b", "user:profile:1"} <= keyset(r)
    for uid, gone in (("?", "user:?:x"), ("[1]", "user:[1]:y"), ("1]", "user:1]:z"),
                      ("\\", "user:\\:q")):
        before = keyset(r)
        assert inv(r, "EVENT", "user.profile.updated", "userId", uid, "region", "x") == 1, uid
        assert before - keyset(r) == {gone}, uid
    assert inv(r, "EVENT", "order.placed", "userId", "*", "sku", "[12]") == 2
    assert "stock:1" in keyset(r) and "stock:2" in keyset(r)
    assert inv(r, "EVENT", "order.placed", "userId", "1", "sku", "*") == 3  # cart, stock, tag
    assert keyset(r) >= {"stock:1", "stock:2", "tagged1"} and "tagged" not in keyset(r)


def test_invalidate_rules_reply(cachet_factory, tmp_path):
    srv = rules_server(cachet_factory, tmp_path)
    r = client(srv)
    rules = [as_dict(x) for x in inv(r, "RULES")]
    assert rules == [
        {"event": "user.profile.updated",
         "keys": ["user:profile:{userId}", "user:permissions:{userId}"],
         "tags": ["user:{userId}"], "patterns": ["user:{userId}:*"]},
        {"event": "user.profile.updated", "keys": ["directory:{region}"], "tags": [],
         "patterns": []},
        {"event": "order.placed", "keys": [], "tags": ["sku:{sku}"],
         "patterns": ["cart:{userId}:*", "stock:{sku}"]},
    ]


def start_expecting_refusal(cfg, tmp_path, wait_s=3.0):
    """Starts the server on cfg; returns (exit code, output), exit code None when it was
    still running after wait_s (then it is killed)."""
    proc = subprocess.Popen([cachet_bin(), str(cfg), "--port", str(free_port()),
                             "--http-port", "0", "--dir", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = proc.communicate(timeout=wait_s)
        return proc.returncode, out
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        return None, "still running after %.0fs:\n%s" % (wait_s, out)


BAD_RULES = [
    ('[[rule]]\nevent = "e"\nkeys = ["k"]\nttl = "5"\n', 1, "unknown field 'ttl'"),
    ('[[rule]]\nkeys = ["k"]\n', 1, "a rule needs an 'event'"),
    ('[[rule]]\nevent = "ok"\nkeys = ["k"]\n\n[[rule]]\nevent = "e"\n', 2,
     "rule 'e' names no keys, tags or patterns"),
    ('[[rule]]\nevent = "e"\nkeys = ["user:{userId"]\n', 1, "bad template 'user:{userId'"),
    ('[[rule]]\nevent = "e"\ntags = ["user:userId}"]\n', 1, "bad template 'user:userId}'"),
    ('[[rule]]\nevent = "e"\npatterns = ["x:{}"]\n', 1, "bad template 'x:{}'"),
    ('[[rule]]\nevent = "e"\nkeys = ["{a{b}}"]\n', 1, "bad template '{a{b}}'"),
    ('[[rule]]\nevent = ""\nkeys = ["k"]\n', 1, "'event' must be one non-empty string"),
    ('[[rule]]\nevent = "e"\nkeys = [""]\n', 1, "bad template ''"),
]


@pytest.mark.parametrize("text,number,message", BAD_RULES,
                         ids=["unknown-field", "no-event", "no-targets", "open-brace",
                              "close-brace", "empty-name", "nested", "empty-event",
                              "empty-template"])
def test_bad_rule_stops_the_server(tmp_path, text, number, message):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    rc, out = start_expecting_refusal(cfg, tmp_path)
    assert rc != 0, out
    assert "configuration error: [[rule]] number %d: " % number in out, out
    assert message in out, out


BAD_RULE_TYPES = [
    ('[[rule]]\nevent = "e"\nkeys = {a = "x"}\n', "[[rule]] field 'keys'"),
    ('[[rule]]\nevent = "e"\nkeys = [["x"]]\n', "[[rule]] field 'keys'"),
    ('[[rule]]\nevent = "e"\ntags = [true]\n', "[[rule]] field 'tags'"),
    ('[[rule]]\nevent = true\ntags = ["t"]\n', "[[rule]] field 'event'"),
    ('rule = "x"\n', "rule"),
]


@pytest.mark.parametrize("text,message", BAD_RULE_TYPES,
                         ids=["table", "nested-array", "bool-in-array", "bool-event",
                              "not-a-table"])
def test_rule_values_that_are_not_strings_stop_the_server(tmp_path, text, message):
    """[[rule]] fields are strings or arrays of strings: a boolean is not silently turned into
    the text "yes" (which would make `tags = [true]` the tag "yes")."""
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    rc, out = start_expecting_refusal(cfg, tmp_path)
    assert rc != 0, out
    assert "configuration error" in out and message in out, out


# --------------------------------------------------------------------------
# LOG and the channel


def test_invalidate_log(cachet_server):
    r = client(cachet_server)
    r1 = client(cachet_server, 3)
    assert log(r) == []
    load(r, ["a", "b", "p:1", "p:2", "p:3"])
    r.execute_command("CACHE.SET", "t1", "v", "TAGS", "t")
    before_ms = int(time.time() * 1000)
    assert inv(r, "KEY", "a", "b", "zz") == 2
    assert r.execute_command("TAG.INVALIDATE", "t", "u") == 1
    assert inv(r, "PATTERN", "p:*") == 3
    assert inv(r, "TAG", "nothing") == 0
    r1.set("x", "1")
    assert inv(r1, "KEY", "x") == 1
    after_ms = int(time.time() * 1000)
    recs = log(r)
    assert [list(x) for x in recs] == [LOG_FIELDS] * 5
    assert [(x["kind"], x["target"], x["reason"], x["db"], x["keys"]) for x in recs] == [
        ("key", "x", "INVALIDATE KEY", 3, 1),
        ("tag", "nothing", "INVALIDATE TAG", 0, 0),
        ("pattern", "p:*", "INVALIDATE PATTERN", 0, 3),
        ("tag", "t u", "TAG.INVALIDATE", 0, 1),
        ("key", "a b zz", "INVALIDATE KEY", 0, 2),
    ]
    ids = [x["id"] for x in recs]
    assert ids == list(range(ids[0], ids[0] - 5, -1))
    for x in recs:
        assert before_ms - 5 <= x["time_ms"] <= after_ms + 5
        assert 0 <= x["longest_batch_us"] <= x["duration_us"] < 5_000_000
    assert [x["id"] for x in log(r, "2")] == ids[:2]
    assert log(r, "0") == []
    # default count 10, at most 128 kept
    for i in range(140):
        inv(r, "KEY", "k%d" % i)
    assert len(log(r)) == 10
    recs = log(r, "1000")
    assert len(recs) == 128
    assert recs[0]["target"] == "k139" and recs[-1]["target"] == "k12"
    assert inv(r, "LOG", "RESET") == "OK"
    assert log(r, "100") == []
    inv(r, "KEY", "k")
    recs = log(r)
    assert len(recs) == 1 and recs[0]["id"] > ids[0]  # ids continue after RESET


def read_messages(sub, n, timeout=10):
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < n and time.monotonic() < deadline:
        m = sub.get_message(timeout=0.5)
        if m and m["type"] == "message":
            out.append((m["channel"], json.loads(m["data"])))
    return out


def test_invalidation_channel_messages(cachet_factory, tmp_path):
    srv = rules_server(cachet_factory, tmp_path)
    r = client(srv)
    sub = client(srv).pubsub()
    sub.subscribe("__cachet__:invalidate")
    assert sub.get_message(timeout=2)["type"] == "subscribe"
    load(r, ["user:profile:42", "user:42:feed", "user:42:other", "misc", "keep"])
    r.execute_command("TAG.ADD", "misc", "user:42")
    before_ms = int(time.time() * 1000)
    assert inv(r, "EVENT", "user.profile.updated", "userId", "42", "region", "none") == 4
    big = ["big:%04d" % i for i in range(1500)]
    p = r.pipeline(transaction=False)
    for k in big:
        p.execute_command("CACHE.SET", k, "v", "TAGS", "bigtag")
    p.execute()
    assert r.execute_command("TAG.INVALIDATE", "bigtag") == 1500
    assert inv(r, "PATTERN", "nothing*") == 0
    msgs = read_messages(sub, 3)
    sub.close()
    assert [c for c, _ in msgs] == ["__cachet__:invalidate"] * 3
    first, second, third = [m for _, m in msgs]
    assert set(first) == {"id", "time_ms", "kind", "target", "reason", "db", "count", "keys",
                          "truncated"}
    assert first["kind"] == "event" and first["reason"] == "event user.profile.updated"
    assert first["target"] == "user.profile.updated userId 42 region none"
    assert first["db"] == 0 and first["count"] == 4 and first["truncated"] is False
    assert sorted(first["keys"]) == ["misc", "user:42:feed", "user:42:other", "user:profile:42"]
    assert first["time_ms"] >= before_ms - 5
    assert second["kind"] == "tag" and second["target"] == "bigtag"
    assert second["count"] == 1500 and second["truncated"] is True
    assert len(second["keys"]) == 1000 and len(set(second["keys"])) == 1000
    assert set(second["keys"]) <= set(big)
    assert third["count"] == 0 and third["keys"] == [] and third["truncated"] is False
    assert second["id"] == first["id"] + 1 and third["id"] == second["id"] + 1
    ids = [x["id"] for x in log(r, "3")]
    assert ids == [third["id"], second["id"], first["id"]]


def test_keyspace_del_notifications_and_binary_keys_in_messages(cachet_factory, tmp_path):
    srv = rules_server(cachet_factory, tmp_path)
    r = client(srv)
    r.config_set("notify-keyspace-events", "Eg")
    sub = redis.Redis(host=HOST, port=srv.port).pubsub()
    sub.subscribe("__keyevent@0__:del", "__cachet__:invalidate")
    for _ in range(2):
        assert sub.get_message(timeout=2)["type"] == "subscribe"
    raw = redis.Redis(host=HOST, port=srv.port)
    raw.set(b"p:\xff\xfe", "v")
    raw.set(b"p:2", "v")
    raw.set(b"k", "v")
    raw.set(b"user:5:x", "v")
    raw.set(b"user:profile:5", "v")
    assert inv(r, "PATTERN", "p:*") == 2
    assert inv(r, "KEY", "k", "nope") == 1
    assert inv(r, "EVENT", "user.profile.updated", "userId", "5", "region", "x") == 2
    dels, messages = [], []
    deadline = time.monotonic() + 10
    while (len(dels) < 5 or len(messages) < 3) and time.monotonic() < deadline:
        m = sub.get_message(timeout=0.5)
        if m and m["type"] == "message":
            if m["channel"] == b"__keyevent@0__:del":
                dels.append(m["data"])
            else:
                messages.append(json.loads(m["data"]))
    sub.close()
    assert sorted(dels) == sorted([b"p:\xff\xfe", b"p:2", b"k", b"user:5:x",
                                   b"user:profile:5"])
    assert [m["count"] for m in messages] == [2, 1, 2]
    assert sorted(messages[0]["keys"]) == ["p:2", "p:\ufffd\ufffd"]
    assert messages[1]["keys"] == ["k"]


def test_exactly_1000_keys_are_not_truncated(cachet_server):
    r = client(cachet_server)
    sub = client(cachet_server).pubsub()
    sub.subscribe("__cachet__:invalidate")
    sub.get_message(timeout=2)
    load(r, ["k:%d" % i for i in range(1000)])
    assert inv(r, "PATTERN", "k:*") == 1000
    (_, m), = read_messages(sub, 1)
    sub.close()
    assert m["count"] == 1000 and len(m["keys"]) == 1000 and m["truncated"] is False


# --------------------------------------------------------------------------
# the append-only log


def test_append_only_log_replays_invalidations(cachet_factory, tmp_path):
    srv = rules_server(cachet_factory, tmp_path, "--appendonly", "yes", "--appendfsync",
                       "always")
    r = client(srv)
    keys = ["user:%d:%s" % (u, k) for u in range(30) for k in ("a", "b", "c")]
    load(r, keys)
    p = r.pipeline(transaction=False)
    for i in range(700):  # more than one batch of 256 in some shards' worth overall
        p.execute_command("CACHE.SET", "t:%d" % i, "v", "TAGS", "t" if i % 2 else "odd")
    p.execute()
    r.set("user:profile:7", "x")
    assert inv(r, "PATTERN", "user:1*") == 33
    assert r.execute_command("TAG.INVALIDATE", "t") == 350
    assert inv(r, "EVENT", "user.profile.updated", "userId", "7", "region", "r") == 4
    assert inv(r, "KEY", "user:0:a") == 1
    r.set("user:10:a", "back")  # written after the invalidation: must stay
    r.execute_command("CACHE.SET", "t:1", "again", "TAGS", "t")
    expected = keyset(r)
    srv.stop()
    srv.start()
    r = client(srv)
    assert keyset(r) == expected
    assert r.get("user:10:a") == "back" and r.get("t:1") == "again"
    assert r.execute_command("TAG.KEYS", "t") == ["t:1"]
    assert len(r.execute_command("TAG.KEYS", "odd")) == 350
    # invalidations replayed from the log are not invalidations again
    assert log(r) == []


def test_http_invalidation_is_logged_for_replay(cachet_factory, tmp_path):
    cfg = tmp_path / "rules.toml"
    cfg.write_text(RULES)
    api = start_http(cachet_factory, "--config", str(cfg), "--appendonly", "yes",
                     "--appendfsync", "always", "--prefix-index", "no")
    user_data(api.r)
    assert http_ok(api, "POST", "/api/cache/invalidate", {"userId": "42"}) == {"invalidated": 3}
    assert http_ok(api, "DELETE", "/api/cache/invalidate?key=keep") == {"invalidated": 1}
    before = sorted(api.r.keys())
    api.srv.stop()
    api.srv.start()
    r = redis.Redis(host=HOST, port=api.srv.port)
    assert sorted(r.keys()) == before == [b"user:420:feed", b"user:permissions:42",
                                          b"user:profile:42"]


# --------------------------------------------------------------------------
# a big tag while another client works


def test_100k_tag_invalidation_with_concurrent_client(cachet_server, record_property):
    r = client(cachet_server)
    n = 100_000
    for start in range(0, n, 10000):
        p = r.pipeline(transaction=False)
        for i in range(start, start + 10000):
            p.execute_command("CACHE.SET", "big:%d" % i, "v", "TAGS", "huge")
        p.execute()
    for i in range(100):
        r.set("other:%d" % i, str(i))
    assert r.dbsize() == n + 100
    other = client(cachet_server)
    stop = threading.Event()
    started = threading.Event()
    stats = {"calls": 0, "max_us": 0, "errors": []}

    def work():
        i = 0
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                assert other.ping() is True
                assert other.get("other:%d" % (i % 100)) == str(i % 100)
            except Exception as e:  # noqa: BLE001 - reported below
                stats["errors"].append(repr(e))
                return
            stats["max_us"] = max(stats["max_us"], int((time.perf_counter() - t0) * 1e6))
            stats["calls"] += 1
            i += 1
            started.set()

    t = threading.Thread(target=work)
    t.start()
    assert started.wait(5)
    calls_before = stats["calls"]
    t0 = time.perf_counter()
    assert r.execute_command("TAG.INVALIDATE", "huge") == n
    took_ms = (time.perf_counter() - t0) * 1000
    time.sleep(0.05)
    stop.set()
    t.join(10)
    assert stats["errors"] == []
    assert stats["calls"] > calls_before
    assert r.dbsize() == 100
    assert r.execute_command("TAG.KEYS", "huge") == []
    rec = log(r, "1")[0]
    assert rec["keys"] == n and rec["kind"] == "tag"
    record_property("invalidate_ms", round(took_ms, 1))
    record_property("longest_batch_us", rec["longest_batch_us"])
    record_property("duration_us", rec["duration_us"])
    record_property("other_client_max_roundtrip_us", stats["max_us"])
    print("\n100k TAG.INVALIDATE: %.1f ms, longest_batch_us=%d, duration_us=%d, other client "
          "max round trip %d us over %d calls" % (took_ms, rec["longest_batch_us"],
                                                    rec["duration_us"], stats["max_us"],
                                                    stats["calls"]))
    assert rec["longest_batch_us"] < 200_000
    assert rec["longest_batch_us"] < rec["duration_us"]


# --------------------------------------------------------------------------
# HTTP


@pytest.fixture
def api(cachet_factory, tmp_path):
    cfg = tmp_path / "rules.toml"
    cfg.write_text(RULES)
    return start_http(cachet_factory, "--config", str(cfg))


def user_data(r, uid="42"):
    r.set("user:profile:%s" % uid, "p")
    r.set("user:permissions:%s" % uid, "p")
    r.set("user:%s:feed" % uid, "f")
    r.set("user:%s:cart" % uid, "c")
    r.execute_command("CACHE.SET", "page:/u/%s" % uid, "v", "TAGS", "user:%s" % uid)
    r.set("user:%s0:feed" % uid, "f")  # another user
    r.set("keep", "k")


def http_ok(api, method, path, body=None):
    resp = api.call(method, path, body=body)
    assert resp.status == 200, resp
    return resp.json()


def test_http_invalidate_body(api):
    r = api.r
    user_data(r)
    assert http_ok(api, "POST", "/api/cache/invalidate",
                   {"event": "user.profile.updated",
                    "fields": {"userId": 42, "region": "eu"}}) == {"invalidated": 5}
    assert sorted(k.decode() for k in r.keys()) == ["keep", "user:420:feed"]
    r.flushdb()
    for k in ("a", "b", "c"):
        r.execute_command("CACHE.SET", k, "v", "TAGS", "t:" + k)
    assert http_ok(api, "POST", "/api/cache/invalidate", {"tag": "t:a"}) == {"invalidated": 1}
    assert http_ok(api, "POST", "/api/cache/invalidate",
                   {"tags": ["t:b", "t:c", "t:none"]}) == {"invalidated": 2}
    assert r.dbsize() == 0
    user_data(r)
    assert http_ok(api, "POST", "/api/cache/invalidate", {"userId": "42"}) == {"invalidated": 3}
    assert sorted(k.decode() for k in r.keys()) == [
        "keep", "user:420:feed", "user:permissions:42", "user:profile:42"]
    assert http_ok(api, "POST", "/api/cache/invalidate",
                   {"keys": ["user:permissions:42", "nope", "user:profile:42"]}) == \
        {"invalidated": 2}
    assert http_ok(api, "POST", "/api/cache/invalidate", {"pattern": "user:4?0:*"}) == \
        {"invalidated": 1}
    assert [k.decode() for k in r.keys()] == ["keep"]
    # several selectors in one body; a key selected twice counts once
    user_data(r)
    assert http_ok(api, "POST", "/api/cache/invalidate",
                   {"keys": ["keep"], "tag": "user:42", "pattern": "user:42:*",
                    "subjectId": "42"}) == {"invalidated": 4}
    # db
    r1 = redis.Redis(host=HOST, port=api.srv.port, db=2)
    r1.set("user:7:x", "1")
    r.set("user:7:x", "1")
    assert http_ok(api, "POST", "/api/cache/invalidate", {"userId": "7", "db": 2}) == \
        {"invalidated": 1}
    assert r1.exists("user:7:x") == 0 and r.exists("user:7:x") == 1
    # userId glob characters are literal
    r.set("user:*:x", "1")
    r.set("user:8:x", "1")
    assert http_ok(api, "POST", "/api/cache/invalidate", {"userId": "*"}) == {"invalidated": 1}
    assert r.exists("user:8:x") == 1 and r.exists("user:*:x") == 0
    recs = [as_dict(x) for x in r.execute_command("INVALIDATE", "LOG", "2")]
    assert [(x[b"kind"], x[b"target"], x[b"db"]) for x in recs] == [
        (b"pattern", b"user:\\*:*", 0), (b"tag", b"user:*", 0)]


def test_http_invalidate_query_and_clear(api):
    r = api.r
    user_data(r)
    assert http_ok(api, "DELETE", "/api/cache/invalidate?tag=user%3A42") == {"invalidated": 1}
    assert http_ok(api, "DELETE", "/api/cache/invalidate?key=user%3Aprofile%3A42") == \
        {"invalidated": 1}
    assert http_ok(api, "DELETE", "/api/cache/invalidate?userId=42") == {"invalidated": 2}
    assert http_ok(api, "DELETE", "/api/cache/invalidate?pattern=user%3A*%3Afeed") == \
        {"invalidated": 1}
    assert sorted(k.decode() for k in r.keys()) == ["keep", "user:permissions:42"]
    r3 = redis.Redis(host=HOST, port=api.srv.port, db=3)
    r3.set("user:5:a", "1")
    assert http_ok(api, "DELETE", "/api/cache/invalidate?userId=5&db=3") == {"invalidated": 1}
    assert r3.dbsize() == 0
    # clear with a selector clears only what it selects
    r.flushdb()
    user_data(r)
    r3.set("x", "1")
    assert http_ok(api, "POST", "/api/cache/clear", {"userId": "42"}) == {"cleared": 3}
    assert sorted(k.decode() for k in r.keys()) == [
        "keep", "user:420:feed", "user:permissions:42", "user:profile:42"]
    assert r3.dbsize() == 1
    assert http_ok(api, "POST", "/api/cache/clear", {"tag": "none"}) == {"cleared": 0}
    r3.set("user:9:a", "1")
    r.set("user:9:a", "1")
    assert http_ok(api, "POST", "/api/cache/clear", {"userId": "9", "db": 3}) == {"cleared": 1}
    assert r.exists("user:9:a") == 1 and r3.exists("user:9:a") == 0
    r.delete("user:9:a")
    assert http_ok(api, "POST", "/api/cache/clear", {"db": 3}) == {"cleared": 1}
    assert r.dbsize() == 4 and r3.dbsize() == 0
    assert http_ok(api, "POST", "/api/cache/clear") == {"cleared": 4}
    assert r.dbsize() == 0


def test_http_invalidate_errors(api):
    r = api.r
    r.set("keep", "v")
    bad_bodies = [
        ({}, "give an event"),
        ({"db": 1}, "give an event"),
        ({"keys": []}, "keys must be an array"),
        ({"keys": "a"}, "keys must be an array"),
        ({"keys": ["a", ""]}, "keys must be an array"),
        ({"keys": ["a", 1]}, "keys must be an array"),
        ({"tag": ""}, "tag must be a non-empty string"),
        ({"tag": 5}, "tag must be a non-empty string"),
        ({"tags": "t"}, "tags must be an array"),
        ({"pattern": ["a"]}, "pattern must be a non-empty string"),
        ({"userId": ""}, "userId must be a non-empty string"),
        ({"fields": {"userId": "1"}}, "fields must be an object, given with an event"),
        ({"event": "user.profile.updated", "fields": ["userId", 1]}, "fields must be an obj"),
        ({"event": "user.profile.updated", "fields": {"userId": True}},
         "event fields must be strings or integers"),
        ({"event": "user.profile.updated", "fields": {"userId": "1"}},
         "the event needs the field 'region'"),
        ({"event": "nope"}, "no \\[\\[rule\\]\\] handles this event"),
        ({"tag": "t", "db": 99}, "db must be a database index"),
        ({"tag": "t", "db": "0"}, "db must be a database index"),
        ({"tag": "t", "db": -1}, "db must be a database index"),
    ]
    for body, msg in bad_bodies:
        resp = api.call("POST", "/api/cache/invalidate", body=body)
        assert_error(resp, 400, msg)
    for raw in (b"{", b"[1]", b"\"x\""):
        resp = api.call("POST", "/api/cache/invalidate", raw_body=raw)
        assert_error(resp, 400)
    for query in ("", "?foo=1", "?tag=", "?tag=t&db=99", "?tag=t&db=x"):
        resp = api.call("DELETE", "/api/cache/invalidate" + query)
        assert_error(resp, 400)
    assert_error(api.call("POST", "/api/cache/clear", body={"keys": "a"}), 400,
                 "keys must be an array")
    assert_error(api.call("POST", "/api/cache/clear", raw_body=b"[]"), 400)
    assert_error(api.anon("POST", "/api/cache/invalidate", body={"tag": "t"}), 401)
    assert_error(api.anon("DELETE", "/api/cache/invalidate?tag=t"), 401)
    assert_error(api.call("POST", "/api/cache/invalidate", body={"keys": ["keep"]},
                          token="wrong"), 401)
    assert r.get("keep") == b"v"
