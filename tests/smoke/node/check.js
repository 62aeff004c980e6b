// Assertion helpers for the node-redis smoke program: each failure names the check and
// shows expected vs actual, so a CI log says exactly what cachet got wrong.
'use strict';

const util = require('node:util');

class SmokeFailure extends Error {}

function fmt(v) {
  return util.inspect(v, { depth: 4, breakLength: Infinity, maxArrayLength: 20 });
}

function eq(what, actual, expected) {
  if (!util.isDeepStrictEqual(actual, expected)) {
    throw new SmokeFailure(`${what}: expected ${fmt(expected)}, got ${fmt(actual)}`);
  }
}

function ok(what, cond, detail) {
  if (!cond) throw new SmokeFailure(`${what}${detail === undefined ? '' : ': ' + fmt(detail)}`);
}

// Checks that `seen` (an array, possibly with repeats) holds every name in `expected`
// exactly once and nothing else.
function exactlyOnce(what, seen, expected) {
  const counts = new Map();
  for (const s of seen) counts.set(s, (counts.get(s) || 0) + 1);
  const dups = [...counts].filter(([, n]) => n > 1).map(([k]) => k);
  ok(`${what}: items seen more than once`, dups.length === 0, dups.slice(0, 5));
  const want = new Set(expected);
  const missing = [...want].filter((k) => !counts.has(k));
  ok(`${what}: items never seen`, missing.length === 0, missing.slice(0, 5));
  const extra = [...counts.keys()].filter((k) => !want.has(k));
  ok(`${what}: unexpected items`, extra.length === 0, extra.slice(0, 5));
}

// Resolves when `pred()` is true, polling every 5 ms; fails after 3 s showing `detail()`.
async function waitFor(what, pred, detail = () => undefined) {
  const deadline = Date.now() + 3000;
  while (!pred()) {
    if (Date.now() > deadline) throw new SmokeFailure(`timed out waiting for ${what}: ${fmt(detail())}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

module.exports = { SmokeFailure, eq, ok, exactlyOnce, waitFor };
