"""Polls cachet's HTTP stats routes at a steady rate on one keep-alive connection, to measure
what admin traffic costs RESP clients: run redis-benchmark against the RESP port with and
without it. Usage: /usr/bin/python3 bench/http_poller.py HTTP_PORT POLLS_PER_SECOND SECONDS
(each poll is GET /api/cache/stats and GET /api/cache/alerts?action=monitor, what the
dashboard asks for every second)."""

import http.client
import sys
import time


def main():
    port, rate, seconds = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    conn = http.client.HTTPConnection("127.0.0.1", port)
    polls = 0
    start = time.time()
    while time.time() - start < seconds:
        for path in ("/api/cache/stats", "/api/cache/alerts?action=monitor"):
            conn.request("GET", path)
            conn.getresponse().read()
        polls += 1
        if rate > 0:
            time.sleep(1.0 / rate)
    print("http_poller: %d polls in %.1f s" % (polls, time.time() - start))


if __name__ == "__main__":
    main()
