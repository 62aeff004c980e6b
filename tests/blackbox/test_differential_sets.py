"""Differential test for sets: seeded random sequences of every set command
(and DEL/EXISTS/TYPE/OBJECT ENCODING/SCAN TYPE set/RENAME/COPY/EXPIRE on set
keys, wrong-type calls against a string and a hash) sent to a real
redis-server and to cachet over RESP2 and RESP3, replies compared exactly.

Only what is really unordered or random is normalised, each server's reply
against its own state (the states are kept identical):

  SMEMBERS            sorted when the set is a hashtable (exact for intsets)
  SUNION/SINTER/SDIFF sorted unless Redis's result is iterated as an intset:
                      SUNION and SDIFF build an intset while every member they
                      add is an integer (up to 512), SINTER walks the first of
                      its smallest sets; such replies must be exact and ascending
  SSCAN               exact on intsets (one page, cursor 0); on hashtables
                      iterated to cursor 0 and compared as a set
  SPOP/SRANDMEMBER    checked against the rules (count, distinct members,
                      membership, the state left behind and its encoding);
                      exact when deterministic (whole set, count 0, errors).
                      After a random SPOP both servers are reset to cachet's
                      resulting members (same TTL) so the sequence goes on
                      from identical states.

Shares the harness of test_differential.py (servers from conftest.py).
Knobs: CACHET_DIFF_SEED (base seed, printed on failure),
CACHET_DIFF_SETS_SEQS (default 20), CACHET_DIFF_SETS_LEN (default 300).

test_sets_survive_restart replays such a sequence into cachet alone, restarts
it from its append-only log or from a snapshot, and checks that every set
came back (this is where SPOP's deterministic SREM/DEL form matters).
"""

import os

import pytest

from sets_gen import (PROPAGATION_TAIL, Gen, NoExpiryGen, intset_like,
                      is_int_member)
from test_differential import (BASE_SEED, final_state, first_difference,
                               keys_sorted, replies_match, run_sequence,
                               scan_all)

N_SEQS = int(os.environ.get("CACHET_DIFF_SETS_SEQS", "20"))
N_CMDS = int(os.environ.get("CACHET_DIFF_SETS_LEN", "300"))
SEEDS = [BASE_SEED + 1000 + i for i in range(N_SEQS)]


# --------------------------------------------------------------------------
# normalisation, each server against its own state


def members_of(reply):
    return [x[1] for x in reply[1]]


def is_member_list(r):
    return r[0] in ("array", "set") and all(x[0] == "bulk" for x in r[1])


def set_state(conn, key):
    """(type, encoding, members) of key on one server."""
    t = conn.call("TYPE", key)[1]
    if t != b"set":
        return (t, None, None)
    enc = conn.call("OBJECT", "ENCODING", key)[1]
    return (t, enc, members_of(conn.call("SMEMBERS", key)))


def unordered(r):
    return (r[0] + "(sorted)", tuple(sorted(members_of(r))))


def ascending(members):
    return all(is_int_member(m) for m in members) and \
        [int(m) for m in members] == sorted(int(m) for m in members)


def ordered_or_sorted(r, ordered):
    """Exact (and required ascending) when Redis iterates an intset."""
    if not is_member_list(r):
        return r
    if not ordered:
        return unordered(r)
    if not ascending(members_of(r)):
        return ("expected ascending integers", r)
    return r


def norm_members(conn, args):
    enc = conn.call("OBJECT", "ENCODING", args[1])
    r = conn.call(*args)
    return (enc, ordered_or_sorted(r, enc == ("bulk", b"intset")))


def algebra_ordered(name, states, reply):
    sets = [s for s in states]
    if name == "SUNION":
        return intset_like(members_of(reply))
    if name == "SINTER":
        if any(s[0] == b"none" for s in sets):
            return True  # empty
        first = min(range(len(sets)), key=lambda i: len(sets[i][2]))
        return sets[first][1] == b"intset"
    # SDIFF: Redis picks an algorithm by estimated work; the second copies
    # the whole first set before removing, so its encoding follows that set.
    if sets[0][0] == b"none":
        return True
    existing = [s for s in sets if s[0] == b"set"]
    n0 = len(sets[0][2])
    one = (n0 * len(existing)) // 2
    two = sum(len(s[2]) for s in existing)
    if one <= two:
        return intset_like(members_of(reply))
    return intset_like(sets[0][2])


def norm_algebra(conn, args):
    states = [set_state(conn, k) for k in args[1:]]
    r = conn.call(*args)
    if not is_member_list(r):
        return r
    return ordered_or_sorted(r, algebra_ordered(args[0].upper().decode(),
                                                states, r))


def norm_sscan(conn, args):
    enc = conn.call("OBJECT", "ENCODING", args[1])
    first = conn.call(*args)
    if enc != ("bulk", b"hashtable") or first[0] != "array":
        return (enc, first)
    if args[2] != b"0":  # implementation-specific cursor: check the page only
        members = set(members_of(conn.call("SMEMBERS", args[1])))
        page = members_of(first[1][1])
        return (enc, "page ok" if set(page) <= members else ("bad page", page))
    seen, reply = set(), first
    for _ in range(10000):
        seen.update(members_of(reply[1][1]))
        if reply[1][0][1] == b"0":
            return (enc, "scanned", tuple(sorted(seen)))
        reply = conn.call(args[0], args[1], reply[1][0][1], *args[3:])
    return (enc, "sscan did not terminate")


def run_norm(conn, args, kind):
    if kind == "members":
        return norm_members(conn, args)
    if kind == "algebra":
        return norm_algebra(conn, args)
    if kind == "sscan":
        return norm_sscan(conn, args)
    if kind == "scan":
        return scan_all(conn, args)
    if kind == "keys":
        return keys_sorted(conn.call(*args))
    return conn.call(*args)


# --------------------------------------------------------------------------
# SPOP / SRANDMEMBER


def check_random(args, reply, before, after):
    """Normalised view of a SPOP/SRANDMEMBER reply on one server, given the
    key's (type, encoding, members) before and after."""
    if reply[0] == "error" or before[0] != b"set":
        return ("exact", reply)
    spop = args[0].upper() == b"SPOP"
    pool = before[2]
    n = len(pool)
    problems = []
    if not spop and (after[:2] != before[:2] or
                     sorted(after[2] or []) != sorted(pool)):
        problems.append("SRANDMEMBER changed the set")
    if len(args) == 2:
        if reply[0] != "bulk" or reply[1] not in pool:
            return ("not a member", reply)
        if spop:
            left = [m for m in pool if m != reply[1]]
            if sorted(after[2] or []) != sorted(left):
                problems.append("state after SPOP")
            if left and after[1] != before[1]:
                problems.append("encoding changed")
        return ("one member", tuple(problems))
    count = int(args[2])
    got = members_of(reply)
    if count == 0:
        return ("exact", reply)
    if count >= n:
        ordered = intset_like(pool) if spop else before[1] == b"intset"
        if spop and after[0] != b"none":
            problems.append("key left after popping everything")
        return ("whole", ordered_or_sorted(reply, ordered), tuple(problems))
    if not spop and count < 0:
        if len(got) != -count or not set(got) <= set(pool):
            problems.append("bad repeated sample %r" % (got,))
        return ("sample", reply[0], tuple(problems))
    if len(got) != count or len(set(got)) != count or not set(got) <= set(pool):
        problems.append("bad distinct sample %r" % (got,))
    if spop:
        left = set(pool) - set(got)
        if set(after[2] or []) != left:
            problems.append("state after SPOP")
        rebuilt = (n - count) * 5 <= count
        want = (b"intset" if intset_like(list(left)) else b"hashtable") \
            if rebuilt else before[1]
        if after[1] != want:
            problems.append("encoding %r, want %r" % (after[1], want))
    return ("distinct", reply[0], count, tuple(problems))


def random_step(rconn, cconn, args):
    key = args[1]
    states = [set_state(c, key) for c in (rconn, cconn)]
    if states[0][0] != states[1][0] or states[0][1] != states[1][1] or \
            sorted(states[0][2] or []) != sorted(states[1][2] or []):
        return ("states differ before", states[0]), \
            ("states differ before", states[1]), False
    replies = [c.call(*args) for c in (rconn, cconn)]
    after = [set_state(c, key) for c in (rconn, cconn)]
    norm = [check_random(args, replies[i], states[i], after[i])
            for i in range(2)]
    diverged = sorted(after[0][2] or []) != sorted(after[1][2] or [])
    return norm[0], norm[1], diverged


def resync(rconn, cconn, key):
    """Give both servers cachet's members for key (with cachet's TTL)."""
    members = members_of(cconn.call("SMEMBERS", key))
    deadline = cconn.call("PEXPIRETIME", key)[1]
    for conn in (rconn, cconn):
        conn.call("DEL", key)
        if members:
            conn.call("SADD", key, *members)
            if deadline > 0:
                conn.call("PEXPIREAT", key, deadline)


# --------------------------------------------------------------------------


def random_pair(rconn, cconn, args, fail):
    """SPOP/SRANDMEMBER on both servers; after a pop that left them with
    different members, both get cachet's."""
    r, c, diverged = random_step(rconn, cconn, args)
    if not replies_match("random", r, c):
        fail("replies differ (compare mode: random)%s" % first_difference(r, c),
             r, c)
    if diverged:
        # The TTL must have survived the pop on both before the reset.
        ttl = [conn.call("PTTL", args[1]) for conn in (rconn, cconn)]
        if not replies_match("pttl", *ttl):
            fail("PTTL after the pop differs", *ttl)
        resync(rconn, cconn, args[1])
    return r, c


def set_contents(rconn, k):
    """Final state of one key: type, encoding, TTL and contents."""
    yield [b"TYPE", k], "exact"
    yield [b"OBJECT", b"ENCODING", k], "exact"
    yield [b"PTTL", k], "pttl"
    t = rconn.call("TYPE", k)[1]
    if t == b"set":
        yield [b"SMEMBERS", k], "members"
    elif t == b"string":
        yield [b"GET", k], "exact"
    else:
        yield [b"HGETALL", k], "exact"


@pytest.mark.parametrize("proto", [2, 3], ids=["resp2", "resp3"])
@pytest.mark.parametrize("seed", SEEDS, ids=["seed%d" % s for s in SEEDS])
def test_differential_sets(seed, proto, redis_server, cachet_server):
    # Final state of every key in the databases used.
    run_sequence(seed, proto, redis_server, cachet_server,
                 Gen(seed).sequence(N_CMDS),
                 "test_differential_sets.py::test_differential_sets",
                 lambda rconn: final_state(rconn, set_contents, (0, 1),
                                           keys_step=False),
                 norm=run_norm, paired={"random": random_pair})


# --------------------------------------------------------------------------
# persistence: the sets written by a sequence come back after a restart


def dump_state(conn):
    state = {}
    for db in (b"0", b"1"):
        conn.call("SELECT", db)
        for k in members_of(conn.call("KEYS", "*")):
            t = conn.call("TYPE", k)[1]
            if t == b"set":
                value = tuple(sorted(members_of(conn.call("SMEMBERS", k))))
            elif t == b"string":
                value = conn.call("GET", k)
            else:
                value = conn.call("HGETALL", k)
            state[(db, k)] = (t, value, conn.call("PTTL", k)[1])
    conn.call("SELECT", "0")
    return state


@pytest.mark.parametrize("mode", ["aof", "snapshot"])
def test_sets_survive_restart(mode, cachet_factory, tmp_path):
    seed = BASE_SEED + 7
    data = str(tmp_path / "data")
    os.makedirs(data)
    flags = ["--dir", data]
    if mode == "aof":
        flags += ["--appendonly", "yes", "--appendfsync", "always"]
    srv = cachet_factory(*flags)
    conn = srv.conn()
    for st in NoExpiryGen(seed).sequence(600):
        if st[0] == "cmd":
            conn.call(*st[1])
    for args in PROPAGATION_TAIL:
        conn.call(*args)
    if mode == "snapshot":
        assert conn.call("SAVE") == ("simple", b"OK")
    before = dump_state(conn)
    conn.close()
    assert srv.stop() == 0
    after = dump_state(cachet_factory(*flags).conn())
    assert sorted(before) == sorted(after), "seed=%d: keys differ" % seed
    for key, (t, value, pttl) in before.items():
        t2, value2, pttl2 = after[key]
        assert (t, value) == (t2, value2), "seed=%d key %r" % (seed, key)
        assert (pttl < 0 and pttl2 == pttl) or abs(pttl - pttl2) < 5000, \
            "seed=%d key %r: PTTL %d then %d" % (seed, key, pttl, pttl2)
