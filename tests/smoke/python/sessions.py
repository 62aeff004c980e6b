"""Smoke section for cachet's sessions through redis-py's execute_command, the way a Flask or
Django app would keep its logins: create at login, validate with the user agent bound, rolling
expiry, "log out all devices". Skipped on redis-server (no SESSION.* commands)."""

import json
import time

from check import eq, ok


def as_dict(reply):
    if reply is None:
        return None
    return dict(zip(reply[0::2], reply[1::2]))


def sessions(r):
    if "cachet_version" not in r.info("server"):
        print("python smoke: sessions skipped (not cachet)")
        return
    r.config_set("session-max-per-user", 0)
    ua = "Mozilla/5.0 (X11; Linux x86_64)"
    sid = r.execute_command("SESSION.CREATE", "user:99", "DATA", json.dumps({"cart": [1, 2]}),
                            "TTL", 1, "UA", ua, "BIND", "UA")
    ok("session id shape", len(sid) == 32, sid)
    s = as_dict(r.execute_command("SESSION.GET", sid, "UA", ua))
    eq("data round trip", json.loads(s["data"]), {"cart": [1, 2]})
    eq("idle timeout", s["idle_timeout"], 1)
    eq("other browser is a miss", r.execute_command("SESSION.GET", sid, "UA", "curl/8"), None)
    # Rolling expiry: keep it busy past its first deadline, then let it idle out.
    for _ in range(3):
        time.sleep(0.6)
        eq("touch keeps it alive", r.execute_command("SESSION.TOUCH", sid), 1)
    time.sleep(1.2)
    eq("idle session expired", r.execute_command("SESSION.GET", sid, "UA", ua), None)
    eq("expired session left the index", r.execute_command("SESSION.COUNT", "user:99"), 0)
    ids = [r.execute_command("SESSION.CREATE", "user:99") for _ in range(4)]
    eq("four devices", r.execute_command("SESSION.COUNT", "user:99"), 4)
    eq("log out everywhere", r.execute_command("SESSION.DESTROYALL", "user:99"), 4)
    eq("all gone", [r.execute_command("SESSION.TOUCH", i) for i in ids], [0, 0, 0, 0])
    stats = as_dict(r.execute_command("SESSION.STATS"))
    ok("binding mismatch counted", stats["binding_mismatches"] >= 1, stats)
    ok("INFO sessions", "session_sessions" in r.info("sessions"))
