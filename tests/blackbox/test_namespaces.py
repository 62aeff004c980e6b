"""Black-box tests of namespaces (docs/namespaces.md) against the built server: [[namespace]]
tables in a config file, NAMESPACE.* commands through redis-py, default TTLs surviving an
append-only-log restart with their original deadline, counters agreeing with the keys, and a
bad [[namespace]] table stopping the server at start with a clear message."""

import os
import subprocess
import time

import pytest
import redis

from conftest import HOST, cachet_bin, cachet_is_redis, free_port

pytestmark = pytest.mark.skipif(cachet_is_redis(), reason="cachet-only commands")

CONFIG = """
[[namespace]]
name = "user"
prefix = "user:"
ttl = 300

[[namespace]]
name = "vip"
prefix = "user:vip:"
beta = 1.5
"""


def as_dict(reply):
    return dict(zip(reply[0::2], reply[1::2]))


def stats(r, name):
    return as_dict(r.execute_command("NAMESPACE.STATS", name))


def test_config_namespaces_default_ttl_and_counts(cachet_factory, tmp_path):
    cfg = tmp_path / "cachet.toml"
    cfg.write_text(CONFIG)
    srv = cachet_factory("--config", str(cfg), "--appendonly", "yes", "--appendfsync", "always")
    r = redis.Redis(host=HOST, port=srv.port, decode_responses=True)
    names = [as_dict(n)["name"] for n in r.execute_command("NAMESPACE.LIST")]
    assert names == ["user", "vip"]
    r.set("user:1", "ada")
    r.set("user:vip:1", "bob")
    r.set("elsewhere", "x")
    assert 295 <= r.ttl("user:1") <= 300
    assert r.ttl("user:vip:1") == -1  # longest prefix: vip has no default TTL
    assert r.ttl("elsewhere") == -1
    r.get("user:1")
    r.get("user:missing")
    u = stats(r, "user")
    assert (u["keys"], u["hits"], u["misses"]) == (1, 1, 1)
    assert stats(r, "vip")["keys"] == 1
    deadline = r.pexpiretime("user:1")
    # Restart from the append-only log: the default TTL comes back with its deadline.
    srv.stop()
    srv.start()
    r = redis.Redis(host=HOST, port=srv.port, decode_responses=True)
    assert r.get("user:1") == "ada"
    assert r.pexpiretime("user:1") == deadline
    assert stats(r, "user")["keys"] == 1
    assert r.execute_command("NAMESPACE.DEL", "vip") == 1
    assert stats(r, "user")["keys"] == 2  # vip's key falls back to the shorter prefix


def test_runtime_namespace_counts_existing_keys(cachet_server):
    r = redis.Redis(host=HOST, port=cachet_server.port, decode_responses=True)
    for i in range(100):
        r.set("page:%d" % i, "x" * i)
    assert r.execute_command("NAMESPACE.SET", "page", "PREFIX", "page:", "TTL", "60") == "OK"
    s = stats(r, "page")
    assert s["keys"] == 100
    assert s["memory_bytes"] > 100 * 50
    r.delete(*["page:%d" % i for i in range(50)])
    r.flushdb()
    assert stats(r, "page")["keys"] == 0
    assert stats(r, "page")["memory_bytes"] == 0
    with pytest.raises(redis.ResponseError, match="already belongs"):
        r.execute_command("NAMESPACE.SET", "other", "PREFIX", "page:")
    assert r.execute_command("NAMESPACE.STATS", "nope") is None


def test_bad_namespace_table_stops_the_server(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[[namespace]]\nname = "x"\nprefix = "x:"\nttl = -5\n')
    proc = subprocess.run([cachet_bin(), str(cfg), "--port", str(free_port()), "--http-port",
                           "0", "--dir", str(tmp_path)], capture_output=True, text=True,
                          timeout=10)
    assert proc.returncode != 0
    assert "[[namespace]] number 1" in (proc.stderr + proc.stdout)
    assert "ttl must be a whole number of seconds" in (proc.stderr + proc.stdout)
