"""Black-box tests of cache warming (docs/warming.md) against the built server with redis-py:
the hot keys written at SHUTDOWN / SIGTERM come back at the next start (values, TTLs, every
type) and the cold ones do not; WARM LOAD on a running server keeps existing keys unless
REPLACE; STATUS progress; damaged and foreign files, path traversal and CANCEL; loaded keys
survive an append-only-log restart."""

import json
import os
import time

import pytest
import redis

from conftest import HOST, cachet_is_redis
from test_http import start as start_http

pytestmark = pytest.mark.skipif(cachet_is_redis(), reason="cachet-only commands")

HOT = 20


def client(srv):
    return redis.Redis(host=HOST, port=srv.port, decode_responses=True)


def status(r):
    reply = r.execute_command("WARM", "STATUS")
    return dict(zip(reply[0::2], reply[1::2]))


def wait_for(r, states=("done",), timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = status(r)
        if s["state"] in states:
            return s
        time.sleep(0.02)
    raise AssertionError("warm load did not finish: %r" % (status(r),))


def fill_hot_and_cold(r):
    pipe = r.pipeline(transaction=False)
    for i in range(300):
        pipe.set("cold:%d" % i, "c%d" % i)
    for i in range(HOT - 3):
        pipe.set("hot:%d" % i, "v%d" % i, ex=600 if i % 2 else None)
    pipe.hset("hot:hash", mapping={"f1": "a", "f2": "b"})
    pipe.rpush("hot:list", "x", "y", "z")
    pipe.zadd("hot:zset", {"m": 1.5})
    pipe.execute()
    hot = ["hot:%d" % i for i in range(HOT - 3)] + ["hot:hash", "hot:list", "hot:zset"]
    for _ in range(30):  # LFU: the first access always counts, later ones sometimes
        pipe = r.pipeline(transaction=False)
        for k in hot:
            pipe.touch(k)  # TOUCH counts as an access, as in Redis
        pipe.execute()
    return hot


def check_hot_back(r):
    s = wait_for(r)
    assert s["loaded"] == HOT and s["keys_total"] == HOT, s
    assert r.dbsize() == HOT
    for i in range(HOT - 3):
        assert r.get("hot:%d" % i) == "v%d" % i
        ttl = r.ttl("hot:%d" % i)
        assert (590 <= ttl <= 600) if i % 2 else ttl == -1, (i, ttl)
    assert r.hgetall("hot:hash") == {"f1": "a", "f2": "b"}
    assert r.lrange("hot:list", 0, -1) == ["x", "y", "z"]
    assert r.zrange("hot:zset", 0, -1, withscores=True) == [("m", 1.5)]
    assert r.get("cold:1") is None


WARM_ARGS = ("--warm-file", "warm.cwf", "--warm-keys", str(HOT),
             "--maxmemory-policy", "allkeys-lfu")


def test_shutdown_writes_hot_keys_and_start_loads_them(cachet_factory):
    srv = cachet_factory(*WARM_ARGS)
    r = client(srv)
    fill_hot_and_cold(r)
    with pytest.raises(redis.exceptions.ConnectionError):
        r.execute_command("SHUTDOWN")
    assert srv.proc.wait(timeout=10) == 0
    srv.stopped = True
    assert os.path.exists(os.path.join(srv.workdir, "warm.cwf"))
    srv.start()
    r = client(srv)
    check_hot_back(r)
    info = r.info("warming")
    assert info["warm_state"] == "done" and info["warm_loaded"] == HOT


def test_sigterm_writes_the_warm_file_and_nosave_does_not(cachet_factory):
    srv = cachet_factory(*WARM_ARGS)
    r = client(srv)
    fill_hot_and_cold(r)
    assert srv.stop() == 0
    path = os.path.join(srv.workdir, "warm.cwf")
    assert os.path.getsize(path) > 0
    srv.start()
    r = client(srv)
    check_hot_back(r)
    os.unlink(path)
    with pytest.raises(redis.exceptions.ConnectionError):
        r.execute_command("SHUTDOWN", "NOSAVE")
    assert srv.proc.wait(timeout=10) == 0
    srv.stopped = True
    assert not os.path.exists(path)


def test_warm_on_start_off_and_warm_save_now(cachet_factory):
    srv = cachet_factory(*WARM_ARGS, "--warm-on-start", "no")
    r = client(srv)
    fill_hot_and_cold(r)
    assert r.execute_command("WARM", "SAVE") == HOT
    s = status(r)
    assert s["last_save_keys"] == HOT and s["last_save_file"] == "warm.cwf"
    assert r.info("warming")["warm_last_save_keys"] == HOT
    assert srv.stop() == 0
    srv.start()
    r = client(srv)
    assert r.dbsize() == 0
    assert status(r)["state"] == "idle"
    assert r.execute_command("WARM", "LOAD", "DEFAULT") == "OK"
    check_hot_back(r)


def test_load_keeps_existing_keys_unless_replace(cachet_server):
    r = client(cachet_server)
    for i in range(10):
        r.set("k%d" % i, "file%d" % i)
    assert r.execute_command("WARM", "SAVE", "snap.cwf") == 10
    r.set("k1", "changed")
    r.delete("k2")
    assert r.execute_command("WARM", "LOAD", "snap.cwf", "BATCH", "3") == "OK"
    s = wait_for(r)
    assert (s["keys_total"], s["loaded"], s["skipped_existing"]) == (10, 1, 9), s
    assert s["file"] == "snap.cwf" and s["error"] == "" and s["elapsed_ms"] >= 0
    assert r.get("k1") == "changed" and r.get("k2") == "file2"
    assert r.execute_command("WARM", "LOAD", "snap.cwf", "REPLACE") == "OK"
    assert wait_for(r)["loaded"] == 10
    assert r.get("k1") == "file1"


def test_expired_keys_are_skipped(cachet_server):
    r = client(cachet_server)
    r.set("short", "x", px=300)
    r.set("long", "y", ex=100)
    assert r.execute_command("WARM", "SAVE", "t.cwf") == 2
    time.sleep(0.5)
    r.delete("long")
    r.execute_command("WARM", "LOAD", "t.cwf")
    s = wait_for(r)
    assert (s["loaded"], s["skipped_expired"]) == (1, 1), s
    assert r.get("short") is None and 95 <= r.ttl("long") <= 100


def test_bad_files_and_paths_are_clear_errors(cachet_server):
    r = client(cachet_server)
    wd = cachet_server.workdir
    with pytest.raises(redis.ResponseError, match="cannot open warm file 'missing.cwf'"):
        r.execute_command("WARM", "LOAD", "missing.cwf")
    with open(os.path.join(wd, "garbage.cwf"), "wb") as f:
        f.write(os.urandom(4096))
    with pytest.raises(redis.ResponseError, match="not a warm file or snapshot"):
        r.execute_command("WARM", "LOAD", "garbage.cwf")
    for path in ("../outside.cwf", "/etc/passwd", "a/../../b.cwf"):
        with pytest.raises(redis.ResponseError, match="must be relative to dir"):
            r.execute_command("WARM", "LOAD", path)
        with pytest.raises(redis.ResponseError, match="must be relative to dir"):
            r.execute_command("WARM", "SAVE", path)
    with pytest.raises(redis.ResponseError, match="warm-file is not set"):
        r.execute_command("WARM", "LOAD", "DEFAULT")
    with pytest.raises(redis.ResponseError, match="BATCH must be"):
        r.execute_command("WARM", "LOAD", "x.cwf", "BATCH", "0")
    # A warm file cut short: accepted by its header, refused whole by the background check.
    for i in range(50):
        r.set("k%d" % i, "v" * 100)
    r.execute_command("WARM", "SAVE", "good.cwf")
    data = open(os.path.join(wd, "good.cwf"), "rb").read()
    with open(os.path.join(wd, "cut.cwf"), "wb") as f:
        f.write(data[: len(data) // 2])
    r.flushall()
    assert r.execute_command("WARM", "LOAD", "cut.cwf") == "OK"
    s = wait_for(r, states=("failed",))
    assert "damaged at offset" in s["error"] and s["loaded"] == 0, s
    assert r.dbsize() == 0
    assert r.ping()


def test_cancel_stops_a_gradual_load(cachet_server):
    r = client(cachet_server)
    pipe = r.pipeline(transaction=False)
    for i in range(3000):
        pipe.set("k%d" % i, i)
    pipe.execute()
    r.execute_command("WARM", "SAVE", "big.cwf")
    r.flushall()
    assert r.execute_command("WARM", "LOAD", "big.cwf", "BATCH", "100", "PAUSE", "100") == "OK"
    with pytest.raises(redis.ResponseError, match="already running"):
        r.execute_command("WARM", "LOAD", "big.cwf")
    time.sleep(0.3)
    s = status(r)
    assert s["state"] == "running" and 0 < s["loaded"] < 3000, s
    assert r.ping()  # served while the load runs
    assert r.execute_command("WARM", "CANCEL") == 1
    s = wait_for(r, states=("cancelled",))
    assert s["loaded"] < 3000 and r.dbsize() == s["loaded"], s
    assert r.execute_command("WARM", "CANCEL") == 0


def test_loaded_keys_survive_an_append_only_log_restart(cachet_factory):
    srv = cachet_factory("--appendonly", "yes", "--appendfsync", "always")
    r = client(srv)
    r.hset("h", mapping={"a": "1"})
    r.set("s", "v", ex=500)
    assert r.execute_command("WARM", "SAVE", "w.cwf") == 2
    r.flushall()
    r.execute_command("WARM", "LOAD", "w.cwf")
    wait_for(r)
    assert srv.stop() == 0
    srv.start()
    r = client(srv)
    assert r.hgetall("h") == {"a": "1"}
    assert r.get("s") == "v" and 490 <= r.ttl("s") <= 500


def test_no_warm_load_over_a_persisted_dataset(cachet_factory):
    srv = cachet_factory("--appendonly", "yes", "--warm-file", "w.cwf")
    r = client(srv)
    r.set("persisted", "1")
    assert srv.stop() == 0
    assert os.path.exists(os.path.join(srv.workdir, "w.cwf"))
    srv.start()
    r = client(srv)
    assert r.get("persisted") == "1"
    assert status(r)["state"] == "idle"  # the log brought data back: no warm load


def test_options_in_config_get_and_set(cachet_server):
    r = client(cachet_server)
    assert r.config_get("warm-*") == {
        "warm-file": "", "warm-keys": "10000", "warm-on-start": "yes", "warm-batch": "1000",
        "warm-pause": "0", "warm-allow-outside-dir": "no"}
    r.config_set("warm-file", "x.cwf")
    r.set("a", "1")
    assert r.execute_command("WARM", "SAVE") == 1
    assert os.path.exists(os.path.join(cachet_server.workdir, "x.cwf"))
    with pytest.raises(redis.ResponseError):
        r.config_set("warm-allow-outside-dir", "yes")


def test_http_routes(cachet_factory):
    api = start_http(cachet_factory, "--warm-file", "api.cwf")
    r = client(api.srv)

    def call(method, path, body=None, token=None):
        resp = api.call(method, path, body=body, token=token)
        return resp.status, json.loads(resp.body or b"null")

    r.set("a", "1")
    r.hset("h", "f", "v")
    assert call("POST", "/api/cache/warm/save", {}) == (200, {"keys": 2})
    assert call("GET", "/api/cache/warm", token="")[0] == 401
    r.flushall()
    r.set("a", "mine")
    status, body = call("POST", "/api/cache/warm", {"batch": 1})
    assert (status, body) == (202, {"started": True, "file": "api.cwf"})
    wait_for(r)
    status, body = call("GET", "/api/cache/warm")
    assert status == 200 and body["state"] == "done" and body["loaded"] == 1, body
    assert body["skipped_existing"] == 1 and body["file"] == "api.cwf"
    assert r.get("a") == "mine" and r.hgetall("h") == {"f": "v"}
    assert call("POST", "/api/cache/warm", {"file": "api.cwf", "replace": True})[0] == 202
    wait_for(r)
    assert r.get("a") == "1"
    status, body = call("POST", "/api/cache/warm", {"file": "nope.cwf"})
    assert status == 404 and "cannot open warm file" in body["error"]["message"], body
    status, body = call("POST", "/api/cache/warm", {"file": "../x"})
    assert status == 400 and "relative to dir" in body["error"]["message"], body
    assert call("POST", "/api/cache/warm", {"replace": "yes"})[0] == 400
