"""Differential test for hashes: seeded random sequences of every hash command
(HSET HMSET HSETNX HGET HMGET HGETALL HDEL HEXISTS HLEN HKEYS HVALS HINCRBY
HINCRBYFLOAT HSTRLEN HRANDFIELD HSCAN, plus DEL/TYPE/COPY/RENAME/OBJECT
ENCODING, wrong-type and wrong-arity calls, bad integers and floats, overflow,
nan/inf increments, and CONFIG SET of hash-max-listpack-entries/-value and
their ziplist aliases) sent to a real redis-server and to cachet over RESP2
and RESP3, replies compared exactly.

Only what is really unordered or random is normalised, each server's reply
against its own state (the states are kept identical):

  HGETALL/HKEYS/HVALS  exact on listpacks (insertion order); sorted on
                       hashtables
  HSCAN                exact on listpacks (one page, cursor 0); on hashtables
                       iterated to cursor 0 and compared as a set of pairs
  CONFIG GET           (name, value) pairs sorted
  HRANDFIELD           checked against the rules (count, distinct fields,
                       membership, values matching their fields, RESP3 pairs);
                       exact when deterministic (errors, count 0, missing key)

Shares the harness of test_differential.py (servers from conftest.py).
Knobs: CACHET_DIFF_SEED (base seed, printed on failure),
CACHET_DIFF_HASHES_SEQS (default 12), CACHET_DIFF_HASHES_LEN (default 300).
"""

import os

import pytest

from hashes_gen import Gen
from test_differential import BASE_SEED, final_state, run_sequence

N_SEQS = int(os.environ.get("CACHET_DIFF_HASHES_SEQS", "12"))
N_CMDS = int(os.environ.get("CACHET_DIFF_HASHES_LEN", "300"))
SEEDS = [BASE_SEED + 3000 + i for i in range(N_SEQS)]
HASHTABLE = ("bulk", b"hashtable")


def flat(r):
    """A flat list of bulk payloads from an array or a RESP3 map."""
    if r[0] == "map":
        return [x[1] for kv in r[1] for x in kv]
    return [x[1] for x in r[1]]


def hash_dict(conn, key):
    if conn.call("TYPE", key) != ("simple", b"hash"):
        return None
    items = flat(conn.call("HGETALL", key))
    return dict(zip(items[::2], items[1::2]))


def norm_all(conn, args):
    enc = conn.call("OBJECT", "ENCODING", args[1])
    r = conn.call(*args)
    if enc != HASHTABLE or r[0] not in ("array", "map"):
        return (enc, r)
    if args[0].upper() == b"HGETALL":
        items = flat(r)
        return (enc, r[0], tuple(sorted(zip(items[::2], items[1::2]))))
    return (enc, r[0], tuple(sorted(flat(r))))


def norm_hscan(conn, args):
    enc = conn.call("OBJECT", "ENCODING", args[1])
    first = conn.call(*args)
    if enc != HASHTABLE or first[0] != "array":
        return (enc, first)
    if args[2] != b"0":  # implementation-specific cursor: check the page only
        d = hash_dict(conn, args[1])
        page = flat(first[1][1])
        pairs = zip(page[::2], page[1::2])
        return (enc, "page ok" if all(d.get(f) == v for f, v in pairs)
                else ("bad page", page))
    seen, reply = set(), first
    for _ in range(10000):
        items = flat(reply[1][1])
        seen.update(zip(items[::2], items[1::2]))
        cursor = reply[1][0][1]
        if int(cursor) >= 2**53:
            return (enc, "cursor beyond 2^53", cursor)
        if cursor == b"0":
            return (enc, "scanned", tuple(sorted(seen)))
        reply = conn.call(args[0], args[1], cursor, *args[3:])
    return (enc, "hscan did not terminate")


def norm_random(conn, args):
    """HRANDFIELD's reply reduced to what Redis guarantees."""
    d = hash_dict(conn, args[1])
    r = conn.call(*args)
    if r[0] == "error" or d is None or len(args) == 2:
        if len(args) == 2 and d is not None and r[0] == "bulk":
            return ("one field", r[1] in d)
        return ("exact", r)
    count = int(args[2])
    with_values = len(args) == 4
    if count == 0:
        return ("exact", r)
    if r[0] != "array":
        return ("not an array", r)
    if with_values and r[1] and r[1][0][0] == "array":  # RESP3 pairs
        pairs = [(p[1][0][1], p[1][1][1]) for p in r[1]]
        shape = "pairs"
    elif with_values:
        items = flat(r)
        pairs = list(zip(items[::2], items[1::2]))
        shape = "flat"
    else:
        pairs = [(x[1], d.get(x[1])) for x in r[1]]
        shape = "fields"
    problems = [p for p in pairs if d.get(p[0]) != p[1]]
    fields = [p[0] for p in pairs]
    if count > 0:
        want = min(count, len(d))
        ok = len(fields) == want and len(set(fields)) == want
    else:
        ok = len(fields) == -count
    return ("sample", shape, ok, not problems)


def run_norm(conn, args, kind):
    if kind == "all":
        return norm_all(conn, args)
    if kind == "hscan":
        return norm_hscan(conn, args)
    if kind == "random":
        return norm_random(conn, args)
    r = conn.call(*args)
    if kind == "config" and r[0] in ("array", "map"):  # Redis's order is its dict's
        items = flat(r)
        return (r[0], tuple(sorted(zip(items[::2], items[1::2]))))
    return r


def hash_contents(rconn, k):
    """Final state of one key: type, encoding and fields."""
    yield [b"TYPE", k], "exact"
    yield [b"OBJECT", b"ENCODING", k], "exact"
    if rconn.call("TYPE", k) == ("simple", b"hash"):
        yield [b"HGETALL", k], "all"


@pytest.mark.parametrize("proto", [2, 3], ids=["resp2", "resp3"])
@pytest.mark.parametrize("seed", SEEDS, ids=["seed%d" % s for s in SEEDS])
def test_differential_hashes(seed, proto, redis_server, cachet_server):
    run_sequence(seed, proto, redis_server, cachet_server,
                 Gen(seed).sequence(N_CMDS),
                 "test_differential_hashes.py::test_differential_hashes",
                 lambda rconn: final_state(rconn, hash_contents,
                                           keys_step=False),
                 norm=run_norm)


def test_hscan_cursors_stay_below_2_53(cachet_server):
    """node-redis reads cursors as JS numbers: they must stay exact."""
    conn = cachet_server.conn(timeout=30.0)
    args = []
    for i in range(20000):
        args += [b"f%d" % i, b"v"]
    conn.call("HSET", "big", *args)
    for i in range(0, 20000, 100):
        conn.call("SET", "k%d" % i, "v")
    for cmd in ([b"HSCAN", b"big"], [b"SCAN"]):
        cursor, seen, largest = b"0", set(), 0
        while True:
            r = conn.call(*cmd, cursor, "COUNT", "50")
            cursor = r[1][0][1]
            largest = max(largest, int(cursor))
            seen.update(x[1] for x in r[1][1][1])
            if cursor == b"0":
                break
        assert largest < 2**53, (cmd, largest)
        want = 20000 if cmd[0] == b"HSCAN" else 201
        assert len(seen) >= want, (cmd, len(seen))
