"""Assertion helpers for the redis-py smoke program: each failure names the check and shows
expected vs actual, so a CI log says exactly what cachet got wrong."""

import collections
import time


class SmokeFailure(Exception):
    pass


def eq(what, actual, expected):
    if actual != expected:
        raise SmokeFailure("%s: expected %r, got %r" % (what, expected, actual))


def ok(what, cond, detail=None):
    if not cond:
        raise SmokeFailure(what if detail is None else "%s: %r" % (what, detail))


def exactly_once(what, seen, expected):
    """Checks that `seen` (a list, possibly with repeats) holds each of `expected` once."""
    counts = collections.Counter(seen)
    dups = [k for k, n in counts.items() if n > 1]
    ok("%s: items seen more than once" % what, not dups, dups[:5])
    want = set(expected)
    missing = [k for k in want if k not in counts]
    ok("%s: items never seen" % what, not missing, missing[:5])
    extra = [k for k in counts if k not in want]
    ok("%s: unexpected items" % what, not extra, extra[:5])


def wait_for(what, pred, detail=lambda: None, timeout=3.0):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise SmokeFailure("timed out waiting for %s: %r" % (what, detail()))
        time.sleep(0.005)
