"""Headless-browser test of the dashboard served at GET / by cachet's HTTP admin API.

One cachet server is started for the module on free ports (RESP and HTTP), traffic is
generated with redis-py (SETs, GET hits and misses, sessions) and stopped, then headless
Chromium loads http://127.0.0.1:<http-port>/, once with --dump-dom and once with
--screenshot. The tests compare the numbers on the page (data-metric elements; the raw
JSON value is in their data-value attribute, the text is formatted) with INFO, and the
JSON of GET /api/cache/stats with docs/http.md.

    /usr/bin/python3 -m pytest -q tests/browser

Environment: CACHET_BIN (default /work/main/build/release/cachet-server),
CHROMIUM (default: chromium on PATH, else /usr/bin/chromium).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser

import pytest

redis = pytest.importorskip("redis")

HOST = "127.0.0.1"
HERE = os.path.dirname(os.path.abspath(__file__))
ARTIFACTS = os.path.join(HERE, "artifacts")
SCREENSHOT = os.path.join(ARTIFACTS, "dashboard.png")
CACHET_BIN = os.environ.get("CACHET_BIN", "/work/main/build/release/cachet-server")
CHROMIUM_TIMEOUT = 40  # seconds per Chromium run; it normally takes 1-3 s

# Traffic generated before the page is loaded.
N_KEYS_DB0 = 40          # SET k:0 .. k:39 in db 0
N_TTL_KEYS = 8           # of which the first 8 with EX 3600
N_KEYS_DB2 = 5           # SET in db 2
N_HITS = 30              # GET on existing keys
N_MISSES = 11            # GET on missing keys
SESSION_USERS = ["user:1", "user:1", "user:1", "user:2"]


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def chromium_binary():
    env = os.environ.get("CHROMIUM")
    if env:
        return env if os.path.exists(env) else None
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)


def http_get(port, path, timeout=2.0):
    """(status, body bytes); raises OSError when nothing answers."""
    try:
        with urllib.request.urlopen("http://%s:%d%s" % (HOST, port, path),
                                    timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def run_chromium(binary, url, mode_args, workdir):
    """Runs headless Chromium once in its own process group and returns stdout."""
    profile = tempfile.mkdtemp(prefix="chromium-", dir=workdir)
    argv = [binary, "--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--mute-audio",
            "--user-data-dir=" + profile, "--virtual-time-budget=8000"] \
        + mode_args + [url]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=CHROMIUM_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("chromium did not finish within %ds: %s" % (CHROMIUM_TIMEOUT,
                                                                 " ".join(argv)),
                    pytrace=False)
    finally:
        try:  # helpers left behind (zygote, GPU process) share the group
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if proc.returncode != 0:
        pytest.fail("chromium exited with %d: %s\n%s" % (
            proc.returncode, " ".join(argv), err.decode("utf-8", "replace")[-3000:]),
            pytrace=False)
    return out.decode("utf-8", "replace")


class DomMetrics(HTMLParser):
    """Collects body attributes, data-metric elements and empty-state rows."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.body = {}
        self.metrics = {}        # path -> {"value": data-value, "text": text, "attrs": {...}}
        self.empty_in = set()    # ids of tbodies that contain a td.empty row
        self._stack = []         # [tag, metric path or None, text parts]
        self._tbody = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body = a
        if tag == "tbody":
            self._tbody = a.get("id")
        if tag == "td" and "empty" in (a.get("class") or "").split() and self._tbody:
            self.empty_in.add(self._tbody)
        if tag in self.VOID:
            return
        path = a.get("data-metric")
        self._stack.append([tag, path, [], a])

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._tbody = None
        while self._stack:
            t, path, text, a = self._stack.pop()
            if path is not None:
                self.metrics[path] = {"value": a.get("data-value"),
                                      "text": "".join(text).strip(), "attrs": a}
            if self._stack:
                self._stack[-1][2].extend(text)
            if t == tag:
                break

    def handle_data(self, data):
        if self._stack:
            self._stack[-1][2].append(data)


def js_percent(value):
    """What (value * 100).toFixed(1) + "%" gives in JavaScript (round half up on the
    exact double)."""
    return str(Decimal(float(value) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)) + "%"


def read_info(r):
    info = {}
    for section in ("server", "clients", "stats", "keyspace", "sessions"):
        info.update(r.info(section))
    info["commandstats"] = r.info("commandstats")
    return info


def keyspace(info):
    return {int(k[2:]): v for k, v in info.items()
            if k.startswith("db") and k[2:].isdigit() and isinstance(v, dict)}


def stable(info):
    """The INFO fields that no part of this test changes after the traffic stops."""
    ks = keyspace(info)
    out = {"keyspace_hits": info.get("keyspace_hits"),
           "keyspace_misses": info.get("keyspace_misses"),
           "expired_keys": info.get("expired_keys"),
           "evicted_keys": info.get("evicted_keys"),
           "keys": {db: v.get("keys") for db, v in ks.items()},
           "expires": {db: v.get("expires") for db, v in ks.items()}}
    out.update({k: v for k, v in info.items() if k.startswith("session_")})
    for cmd in ("get", "set"):
        out["cmdstat_" + cmd] = info["commandstats"].get("cmdstat_" + cmd, {}).get("calls")
    return out


@pytest.fixture(scope="module")
def run():
    chromium = chromium_binary()
    if not chromium:
        # scripts/test.sh (CI) sets CACHET_REQUIRE_BROWSER=1: there a missing browser fails.
        if os.environ.get("CACHET_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is not installed but CACHET_REQUIRE_BROWSER=1")
        pytest.skip("chromium is not installed (Debian package 'chromium'; or set CHROMIUM)")
    if not os.path.exists(CACHET_BIN):
        pytest.skip("cachet binary %s does not exist (set CACHET_BIN)" % CACHET_BIN)

    workdir = tempfile.mkdtemp(prefix="cachet-dashboard-")
    port, http_port = free_port(), free_port()
    while http_port == port:
        http_port = free_port()
    argv = [CACHET_BIN, "--port", str(port), "--bind", HOST, "--http-port", str(http_port),
            "--save", "", "--appendonly", "no", "--dir", workdir]
    log = open(os.path.join(workdir, "server.log"), "wb")
    proc = subprocess.Popen(argv, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)

    def log_tail():
        log.flush()
        with open(os.path.join(workdir, "server.log"), "rb") as f:
            return f.read()[-3000:].decode("utf-8", "replace")

    r = redis.Redis(host=HOST, port=port, socket_timeout=5, decode_responses=True)
    try:
        deadline = time.monotonic() + 10
        last = None
        while True:
            if proc.poll() is not None:
                pytest.fail("cachet exited with %s at startup: %s\n%s"
                            % (proc.returncode, " ".join(argv), log_tail()), pytrace=False)
            try:
                if r.ping():
                    status, _ = http_get(http_port, "/api/cache/stats", timeout=1.0)
                    if status == 200:
                        break
                    last = "GET /api/cache/stats answered %d" % status
            except (OSError, redis.exceptions.ConnectionError) as e:
                last = repr(e)
            if time.monotonic() > deadline:
                pytest.fail("cachet did not serve RESP and HTTP within 10 s (%s): %s\n%s"
                            % (last, " ".join(argv), log_tail()), pytrace=False)
            time.sleep(0.05)

        # ---- traffic, then nothing touches the keyspace any more ----
        # The db-0 keys form a namespace, so the page's namespace row has numbers to check.
        r.execute_command("NAMESPACE.SET", "k", "PREFIX", "k:")
        for i in range(N_KEYS_DB0):
            r.set("k:%d" % i, "value-%d" % i, ex=3600 if i < N_TTL_KEYS else None)
        r2 = redis.Redis(host=HOST, port=port, db=2, socket_timeout=5, decode_responses=True)
        for i in range(N_KEYS_DB2):
            r2.set("other:%d" % i, "x" * (10 * i + 1))
        r2.close()
        for i in range(N_HITS):
            assert r.get("k:%d" % (i % N_KEYS_DB0)) is not None
        for i in range(N_MISSES):
            assert r.get("missing:%d" % i) is None
        session_ids = [r.execute_command("SESSION.CREATE", u) for u in SESSION_USERS]

        # The stats API may sample on its own thread: wait until it agrees with INFO
        # before loading the page (this is not a test of how fresh the API is).
        info_before = read_info(r)
        api_stats = None
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            status, body = http_get(http_port, "/api/cache/stats")
            if status == 200:
                api_stats = json.loads(body)
                ops = api_stats.get("ops", {})
                if (ops.get("keyspace_hits") == info_before["keyspace_hits"]
                        and ops.get("keyspace_misses") == info_before["keyspace_misses"]):
                    break
            time.sleep(0.2)

        url = "http://%s:%d/" % (HOST, http_port)
        status, page = http_get(http_port, "/")
        dom = run_chromium(chromium, url, ["--dump-dom"], workdir)
        os.makedirs(ARTIFACTS, exist_ok=True)
        if os.path.exists(SCREENSHOT):
            os.remove(SCREENSHOT)
        run_chromium(chromium, url, ["--screenshot=" + SCREENSHOT, "--window-size=1280,1100",
                                     "--hide-scrollbars"], workdir)
        info_after = read_info(r)
        ns = r.execute_command("NAMESPACE.STATS", "k")
        info_after["namespace_k"] = dict(zip(ns[0::2], ns[1::2]))
        status2, body2 = http_get(http_port, "/api/cache/stats")
        api_after = json.loads(body2) if status2 == 200 else None

        parser = DomMetrics()
        parser.feed(dom)
        parser.close()
        yield {"dom": dom, "parsed": parser, "page_status": status, "page": page,
               "info_before": info_before, "info_after": info_after,
               "api": api_stats, "api_after": api_after, "sessions": session_ids,
               "http_port": http_port}
    finally:
        r.close()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


# ---- the page ------------------------------------------------------------------------

def metric(run, path):
    m = run["parsed"].metrics.get(path)
    assert m is not None, "no element with data-metric=%r on the page" % path
    assert m["value"] not in (None, ""), \
        "data-metric=%r has no data-value (the stats JSON lacks it?): %r" % (path, m)
    return m


def int_metric(run, path):
    v = metric(run, path)["value"]
    try:
        return int(v)
    except ValueError:
        pytest.fail("data-metric=%r has data-value %r, not an integer" % (path, v),
                    pytrace=False)


def test_page_is_served_and_self_contained(run):
    assert run["page_status"] == 200
    html = run["page"].decode("utf-8")
    assert "<canvas" in html
    for marker in ("http://", "https://", "//cdn", "@import"):
        for line in html.splitlines():
            if marker in line:
                pytest.fail("the page references an external resource: %s" % line.strip(),
                            pytrace=False)


def test_page_is_the_source_file(run):
    src = os.path.join(os.path.dirname(os.path.dirname(HERE)), "src", "admin", "dashboard",
                       "index.html")
    with open(src, "rb") as f:
        assert run["page"] == f.read(), \
            "GET / differs from %s: the binary embeds an older copy (rebuild)" % src


def test_page_loaded(run):
    body = run["parsed"].body
    assert body.get("data-loaded") == "1", "body data-loaded is %r (render failed? body=%r)" \
        % (body.get("data-loaded"), body)
    assert body.get("data-updated"), body
    assert body.get("data-error") is None, "error banner shown: %r" % body


def test_stable_counters_did_not_move(run):
    # Sanity check of the setup: polling and the browser must not touch these counters.
    assert stable(run["info_before"]) == stable(run["info_after"])


def test_page_keys_match_info(run):
    info = run["info_after"]
    ks = keyspace(info)
    assert int_metric(run, "keys.total") == sum(v["keys"] for v in ks.values())
    assert int_metric(run, "keys.total") == N_KEYS_DB0 + N_KEYS_DB2
    assert int_metric(run, "keys.expires") == sum(v.get("expires", 0) for v in ks.values())
    assert int_metric(run, "keys.expired") == info["expired_keys"]
    assert int_metric(run, "keys.evicted") == info["evicted_keys"]
    for db, v in ks.items():
        assert int_metric(run, "keys.databases[%d].keys" % db) == v["keys"]
        assert int_metric(run, "keys.databases[%d].expires" % db) == v.get("expires", 0)


def test_page_hits_misses_match_info(run):
    info = run["info_after"]
    hits, misses = info["keyspace_hits"], info["keyspace_misses"]
    assert hits >= N_HITS and misses >= N_MISSES
    assert int_metric(run, "ops.keyspace_hits") == hits
    assert int_metric(run, "ops.keyspace_misses") == misses
    m = metric(run, "ops.hit_rate")
    assert abs(float(m["value"]) - hits / (hits + misses)) < 1e-6, m
    assert m["text"] == js_percent(m["value"]), m


def test_page_total_commands_between_infos(run):
    lo = run["info_before"]["total_commands_processed"]
    hi = run["info_after"]["total_commands_processed"]
    assert lo <= int_metric(run, "ops.total_commands") <= hi


def test_page_sessions_match_info(run):
    info = run["info_after"]
    assert info["session_sessions"] == len(SESSION_USERS)
    assert int_metric(run, "sessions.sessions") == info["session_sessions"]
    assert int_metric(run, "sessions.users") == info["session_users"]
    # Every other SESSION.STATS field the page shows matches INFO sessions as well.
    shown = {p[len("sessions."):]: m for p, m in run["parsed"].metrics.items()
             if p.startswith("sessions.")}
    for field, m in shown.items():
        if "session_" + field in info:
            assert int(m["value"]) == info["session_" + field], (field, m)


def test_page_commands_match_commandstats(run):
    cs = run["info_after"]["commandstats"]
    for cmd in ("get", "set"):
        assert int_metric(run, "commands[%s].calls" % cmd) == cs["cmdstat_" + cmd]["calls"]


def test_page_namespace_row_matches_namespace_stats(run):
    ns = run["info_after"]["namespace_k"]
    for field in ("keys", "hits", "misses", "memory_bytes"):
        assert int_metric(run, "namespaces[k].%s" % field) == int(ns[field]), field
    assert int_metric(run, "namespaces[k].keys") == N_KEYS_DB0


def test_page_other_numbers_present(run):
    for path in ("memory.used_memory", "memory.maxmemory", "memory.peak_memory",
                 "connections.connected_clients", "ops.ops_per_sec", "latency_us.p50",
                 "latency_us.p90", "latency_us.p99", "latency_us.p999"):
        metric(run, path)
    assert int_metric(run, "memory.used_memory") > 0
    assert int_metric(run, "connections.connected_clients") >= 1  # not stable: no equality
    # Every data-metric element got a value from the stats JSON.
    missing = sorted(p for p, m in run["parsed"].metrics.items()
                     if m["attrs"].get("data-missing") == "1")
    assert not missing, "data-metric paths absent from /api/cache/stats: %s" % missing


def test_page_empty_states(run):
    api = run["api_after"]
    if api is not None and api.get("namespaces") == []:
        assert "ns-body" in run["parsed"].empty_in, "no empty-state row for namespaces"
    if api is not None and not api.get("alerts", {}).get("active"):
        assert "alerts-body" in run["parsed"].empty_in, "no empty-state row for alerts"


def test_screenshot(run):
    assert os.path.exists(SCREENSHOT), SCREENSHOT
    with open(SCREENSHOT, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG: %r" % data[:8]
    assert len(data) > 10000, "screenshot is only %d bytes" % len(data)
    print("\ndashboard screenshot: %s (%d bytes)" % (SCREENSHOT, len(data)))


# ---- the API itself, against docs/http.md --------------------------------------------

DOCUMENTED = {
    "server": ["version", "redis_version", "uptime_seconds", "threads", "tcp_port",
               "http_port"],
    "ops": ["total_commands", "ops_per_sec", "keyspace_hits", "keyspace_misses", "hit_rate"],
    "latency_us": ["p50", "p90", "p99", "p999"],
    "memory": ["used_memory", "maxmemory", "peak_memory", "dataset_bytes"],
    "keys": ["total", "expires", "expired", "evicted", "databases"],
    "connections": ["connected_clients", "total_connections_received",
                    "rejected_connections", "http_connections"],
    "network": ["input_bytes", "output_bytes"],
    "sessions": ["sessions", "users"],
    "alerts": ["active", "history_size"],
    "slowlog": ["length", "threshold_us"],
}
COMMAND_FIELDS = ["name", "calls", "usec", "p50", "p90", "p99", "p999", "failed", "rejected"]


def test_stats_api_shape(run):
    api = run["api_after"]
    assert api is not None, "GET /api/cache/stats failed after the page load"
    problems = []
    for section, fields in DOCUMENTED.items():
        if not isinstance(api.get(section), dict):
            problems.append("%s: missing or not an object" % section)
            continue
        for f in fields:
            if f not in api[section]:
                problems.append("%s.%s missing" % (section, f))
    for section in ("commands", "namespaces"):
        if not isinstance(api.get(section), list):
            problems.append("%s: missing or not an array" % section)
    for c in api.get("commands") or []:
        for f in COMMAND_FIELDS:
            if f not in c:
                problems.append("commands[%s].%s missing" % (c.get("name"), f))
    for d in (api.get("keys") or {}).get("databases") or []:
        for f in ("db", "keys", "expires"):
            if f not in d:
                problems.append("keys.databases entry %r lacks %s" % (d, f))
    hr = (api.get("ops") or {}).get("hit_rate")
    if not (hr is None or isinstance(hr, (int, float))):
        problems.append("ops.hit_rate is %r, not a number or null" % (hr,))
    if (api.get("server") or {}).get("http_port") != run["http_port"]:
        problems.append("server.http_port is %r, expected %d"
                        % ((api.get("server") or {}).get("http_port"), run["http_port"]))
    assert not problems, "stats JSON differs from docs/http.md:\n  " + "\n  ".join(problems)


def test_stats_api_matches_info(run):
    api, info = run["api_after"], run["info_after"]
    ks = keyspace(info)
    assert api["keys"]["total"] == sum(v["keys"] for v in ks.values())
    assert api["ops"]["keyspace_hits"] == info["keyspace_hits"]
    assert api["ops"]["keyspace_misses"] == info["keyspace_misses"]
    assert api["sessions"]["sessions"] == info["session_sessions"]
    assert api["sessions"]["users"] == info["session_users"]
    assert {d["db"]: d["keys"] for d in api["keys"]["databases"]} == \
        {db: v["keys"] for db, v in ks.items()}


def test_alerts_monitor_answers_json(run):
    status, body = http_get(run["http_port"], "/api/cache/alerts?action=monitor")
    assert status == 200, body[:500]
    json.loads(body)
    status, body = http_get(run["http_port"], "/api/cache/alerts?action=recent")
    assert status == 200, body[:500]
    json.loads(body)
