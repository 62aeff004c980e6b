#!/usr/bin/env python3
"""A stand-in for cachet's HTTP admin API, for working on the dashboard page offline.

Serves src/admin/dashboard/index.html at / (re-read on every request, so edits show up
on reload), GET /api/cache/stats with the shape of docs/http.md (counters grow a little
on every request so the charts move), and GET /api/cache/alerts?action=monitor|recent.

    /usr/bin/python3 tests/browser/mock_server.py --port 8399 [--alerts] [--namespaces]
    /usr/bin/python3 tests/browser/mock_server.py --port 8399 --down   # stats answer 503

Not used by test_dashboard.py, which runs against the real server.
"""

import argparse
import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGE = os.path.join(ROOT, "src", "admin", "dashboard", "index.html")

START = time.time()
STATE = {"n": 0}


def stats(opts):
    STATE["n"] += 1
    n = STATE["n"]
    hits, misses = 900 + 37 * n, 100 + 3 * n
    commands = [
        {"name": "get", "calls": 1000 + 40 * n, "usec": 3000 + 120 * n, "p50": 2, "p90": 5,
         "p99": 20, "p999": 80, "failed": 0, "rejected": 0},
        {"name": "set", "calls": 420 + 10 * n, "usec": 2100 + 50 * n, "p50": 3, "p90": 6,
         "p99": 25 + n % 7, "p999": 140, "failed": 0, "rejected": 2},
        {"name": "session.create", "calls": 3, "usec": 45, "p50": 14, "p90": 15,
         "p99": 15, "p999": 15, "failed": 0, "rejected": 0},
        {"name": "info", "calls": 5 + n, "usec": 200 + 40 * n, "p50": 38, "p90": 45,
         "p99": 60, "p999": 60, "failed": 0, "rejected": 0},
        {"name": "del", "calls": 12, "usec": 30, "p50": 2, "p90": 3, "p99": 4, "p999": 4,
         "failed": 1, "rejected": 0},
    ]
    active = []
    since_ms = int(START * 1000)
    if opts.alerts:
        active = [
            {"rule": "latency_p99", "severity": "high", "value": 120000.0 + n,
             "since_ms": since_ms},
            {"rule": "hit_rate", "severity": "medium", "value": 0.55, "since_ms": since_ms},
            {"rule": "memory", "severity": "critical", "value": 0.993, "since_ms": since_ms},
            {"rule": "connections", "severity": "low", "value": 120, "since_ms": since_ms},
        ]
    namespaces = []
    if opts.namespaces:
        namespaces = [
            {"name": "user", "hits": 600, "misses": 50, "hit_rate": 600 / 650, "keys": 30,
             "memory_bytes": 40960},
            {"name": "product", "hits": 300, "misses": 50, "hit_rate": 300 / 350, "keys": 12,
             "memory_bytes": 12288},
        ]
    return {
        "server": {"version": "0.1.0", "redis_version": "7.0.15",
                   "uptime_seconds": int(time.time() - START) + 3725, "threads": 2,
                   "tcp_port": 6379, "http_port": opts.port},
        "ops": {"total_commands": 1234 + 50 * n, "ops_per_sec": 250 + (n * 37) % 120,
                "keyspace_hits": hits, "keyspace_misses": misses,
                "hit_rate": hits / (hits + misses)},
        "latency_us": {"p50": 3, "p90": 7, "p99": 30 + (n * 13) % 25, "p999": 1200},
        "memory": {"used_memory": 1048576 + 4096 * n, "maxmemory": 0,
                   "peak_memory": 2097152 + 4096 * n, "dataset_bytes": 524288},
        "keys": {"total": 1234567, "expires": 10, "expired": 5, "evicted": 0,
                 "databases": [{"db": 0, "keys": 1234560, "expires": 10},
                               {"db": 3, "keys": 7, "expires": 0}]},
        "connections": {"connected_clients": 3, "total_connections_received": 17,
                        "rejected_connections": 0, "http_connections": 1},
        "network": {"input_bytes": 100000 + 500 * n, "output_bytes": 200000 + 900 * n},
        "commands": commands,
        "sessions": {"sessions": 3, "users": 2, "memory_bytes": 1536, "created": 4,
                     "destroyed": 1, "expired": 0, "evicted_by_limit": 0,
                     "evicted_by_memory": 0, "refused_by_limit": 0, "hits": 7,
                     "misses": 1, "binding_mismatches": 0},
        "namespaces": namespaces,
        "alerts": {"active": active, "history_size": len(active)},
        "slowlog": {"length": 0, "threshold_us": 10000},
    }


RULES = [("hit_rate", "alert-hit-rate-below", "below", "ratio", [0.8, 0.6, 0.4, 0.2]),
         ("latency_p99", "alert-p99-above-us", "above", "us", [10000, 50000, 100000, 500000]),
         ("memory", "alert-memory-above", "above", "ratio of maxmemory",
          [0.8, 0.9, 0.95, 0.99]),
         ("evictions", "alert-evictions-above", "above", "per second", []),
         ("connections", "alert-connections-above", "above", "clients", [100])]


def monitor(active):
    by_rule = {a["rule"]: a for a in active}
    rules = []
    for name, option, direction, unit, thresholds in RULES:
        a = by_rule.get(name)
        rules.append({"rule": name, "option": option, "direction": direction, "unit": unit,
                      "thresholds": thresholds, "enabled": bool(thresholds),
                      "value": a["value"] if a else (0.91 if name == "hit_rate" else None),
                      "severity": a["severity"] if a else "none"})
    return {"active": active, "rules": rules, "window_seconds": 60}


def make_handler(opts):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            if opts.verbose:
                super().log_message(fmt, *args)

        def send(self, status, body, ctype="application/json"):
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            if ctype.startswith("text/html"):  # what the real server sends with the page
                self.send_header("Content-Security-Policy",
                                 "default-src 'none'; script-src 'unsafe-inline'; style-src "
                                 "'unsafe-inline'; connect-src 'self'; img-src 'self' data:")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urlparse(self.path)
            if url.path == "/":
                with open(PAGE, "rb") as f:
                    return self.send(200, f.read(), "text/html; charset=utf-8")
            if opts.down:
                return self.send(503, {"error": {"status": 503, "code": "unavailable",
                                                 "message": "mock is down"}})
            if url.path == "/api/cache/stats":
                return self.send(200, stats(opts))
            if url.path == "/api/cache/alerts":
                action = parse_qs(url.query).get("action", ["recent"])[0]
                s = stats(opts)
                if action == "monitor":
                    return self.send(200, monitor(s["alerts"]["active"]))
                return self.send(200, {"alerts": []})
            self.send(404, {"error": {"status": 404, "code": "not_found",
                                      "message": "unknown route"}})

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8399)
    ap.add_argument("--alerts", action="store_true", help="report four active alerts")
    ap.add_argument("--namespaces", action="store_true", help="fill stats.namespaces")
    ap.add_argument("--down", action="store_true", help="answer 503 on every API route")
    ap.add_argument("--verbose", action="store_true")
    opts = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", opts.port), make_handler(opts))
    print("mock on http://127.0.0.1:%d/" % opts.port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
