"""The base of the differential tests' random command generators
(test_differential.Gen and its ListGen, sets_gen.Gen, hashes_gen.Gen,
test_differential_zsets.ZGen): the seeded rng, the step builder, key choice,
arity mutation and the sequence driver. Each family sets the class attributes
below and writes its own g_* generators and WEIGHTS.

A given seed must keep producing the same sequence (failures are rerun from
their seed): the rng calls made here follow the generators they replaced,
call for call.
"""

import random


class GenBase:
    # Key choice: ((threshold, keys), ...), thresholds ascending, the last 1.0.
    # With more than one row one rng.random() picks the first row whose
    # threshold it is below; keys is a list to choose from or a single key
    # (no further rng call). A single row is a plain rng.choice.
    KEY_TABLE = ()
    # (generator name, weight) pairs drawn by sequence().
    WEIGHTS = []
    # Chance that a drawn group's first step has its arity broken.
    MUTATE_P = 0.03
    # Arguments mutate() may append; one of them, or 1-2 when MUTATE_MANY.
    MUTATE_EXTRAS = [b"extra", b"1"]
    MUTATE_MANY = False

    def __init__(self, seed):
        self.rng = random.Random(seed)

    # A step is ("cmd", [args...], kind) -- the zset generator appends a lex
    # flag -- or ("sleep", seconds).
    def c(self, *args, kind="exact"):
        return ("cmd", [a if isinstance(a, bytes) else a.encode()
                        for a in args], kind)

    def key(self):
        table = self.KEY_TABLE
        if len(table) == 1:
            pick = table[0][1]
        else:
            r = self.rng.random()
            pick = next(keys for limit, keys in table if r < limit)
        return pick if isinstance(pick, bytes) else self.rng.choice(pick)

    def keys(self, lo=1, hi=4):
        return [self.key() for _ in range(self.rng.randint(lo, hi))]

    # -- arity mutation --------------------------------------------------
    def mutable(self, step):
        """May mutate() break this step? (Only exact comparisons by default.)"""
        return step[2] == "exact"

    def mutate(self, step):
        """Break the arity: drop trailing arguments or append some."""
        if not self.mutable(step):
            return step
        rng = self.rng
        args = step[1]
        if rng.random() < 0.5 and len(args) > 1:
            args = args[:rng.randint(1, len(args) - 1)]
        elif self.MUTATE_MANY:
            args = args + [rng.choice(self.MUTATE_EXTRAS)
                           for _ in range(rng.randint(1, 2))]
        else:
            args = args + [rng.choice(self.MUTATE_EXTRAS)]
        return (step[0], args) + tuple(step[2:])

    # -- the sequence ----------------------------------------------------
    def preamble(self):
        """Steps every sequence starts with (no rng calls)."""
        return []

    def plan_expiry(self, n):
        """Decide where g_expiry_block goes in a sequence of n steps; the
        result is kept for expiry_due(). None: nowhere."""
        return None

    def expiry_due(self, pos):
        """Is a g_expiry_block due when the sequence holds pos steps?"""
        return False

    def sequence(self, n):
        names = [w[0] for w in self.WEIGHTS]
        weights = [w[1] for w in self.WEIGHTS]
        out = self.preamble()
        self.expiry_plan = self.plan_expiry(n)
        while len(out) < n:
            if self.expiry_due(len(out)):
                out += self.g_expiry_block()
                continue
            steps = getattr(self, self.rng.choices(names, weights)[0])()
            if self.rng.random() < self.MUTATE_P:
                steps[0] = self.mutate(steps[0])
            out += steps
        return out
