"""Smoke section for pub/sub through redis-py: a subscriber connection with channel and
pattern subscriptions, a publisher on another connection, and keyspace notifications."""

from check import eq, wait_for


def _drain(ps, into):
    """Reads the messages waiting on `ps` (non-blocking) into `into` as 'channel|data'."""
    while True:
        m = ps.get_message(ignore_subscribe_messages=True, timeout=0.01)
        if m is None:
            return
        prefix = "p:" if m["type"] == "pmessage" else ""
        into.append("%s%s|%s" % (prefix, m["channel"], m["data"]))


def _subscribed(ps, n):
    """Waits for n (un)subscribe confirmations, so that later publishes see the new state."""
    kinds = []

    def poll():
        m = ps.get_message(timeout=0.01)
        if m is not None:
            kinds.append(m["type"])
        return len(kinds) >= n

    wait_for("%d subscribe confirmations" % n, poll, lambda: kinds)


def pubsub(r):
    ps = r.pubsub()
    try:
        ps.subscribe("orders", "alerts")
        ps.psubscribe("news.*")
        _subscribed(ps, 3)
        eq("PUBLISH orders reaches 1 subscriber", r.publish("orders", "o1"), 1)
        eq("PUBLISH news.sport reaches the pattern", r.publish("news.sport", "goal"), 1)
        eq("PUBLISH with no subscriber", r.publish("nobody", "x"), 0)
        for i in range(50):
            r.publish("alerts", "a%d" % i)
        got = []
        wait_for("52 pub/sub messages", lambda: _drain(ps, got) or len(got) >= 52, lambda: got)
        eq("first messages", got[:2], ["orders|o1", "p:news.sport|goal"])
        eq("alerts in order", got[2:], ["alerts|a%d" % i for i in range(50)])
        eq("PUBSUB NUMSUB", r.pubsub_numsub("orders", "nobody"), [("orders", 1), ("nobody", 0)])
        eq("PUBSUB NUMPAT", r.pubsub_numpat(), 1)
        ps.unsubscribe("orders")
        ps.punsubscribe("news.*")
        _subscribed(ps, 2)
        eq("PUBLISH after UNSUBSCRIBE", r.publish("orders", "o2"), 0)
        eq("PUBLISH after PUNSUBSCRIBE", r.publish("news.x", "y"), 0)

        r.config_set("notify-keyspace-events", "KEA")
        ps.psubscribe("__keyevent@0__:*")
        _subscribed(ps, 1)
        r.set("ks:a", 1)
        r.expire("ks:a", 100)
        r.delete("ks:a")
        events = []
        wait_for("3 keyevent events", lambda: _drain(ps, events) or len(events) >= 3, lambda: events)
        eq("keyevent events", events, ["p:__keyevent@0__:set|ks:a", "p:__keyevent@0__:expire|ks:a",
                                       "p:__keyevent@0__:del|ks:a"])
        r.config_set("notify-keyspace-events", "")
    finally:
        ps.close()
