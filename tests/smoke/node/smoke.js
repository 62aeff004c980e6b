// Smoke program: drives cachet the way a Node.js application does with node-redis v4 and
// checks every reply. Usage: node smoke.js [redis://127.0.0.1:PORT]. Exits 1 on a mismatch.
'use strict';

const { createClient } = require('redis');
const { SmokeFailure } = require('./check');
const data = require('./data');
const { scanIterators } = require('./scan');
const { pubsub } = require('./pubsub');
const { transactions } = require('./transactions');
const { sessions } = require('./sessions');

const SECTIONS = [
  ['cache-aside', data.cacheAside], ['pipelines', data.pipelines], ['hashes', data.hashes],
  ['sets', data.sets], ['leaderboard', data.leaderboard], ['queue', data.queue],
  ['scan iterators', scanIterators], ['pub/sub', pubsub], ['info', data.info],
  ['transactions', transactions], ['sessions', sessions],
];

async function main() {
  const url = process.argv[2] || process.env.CACHET_URL || 'redis://127.0.0.1:6379';
  const c = createClient({ url, socket: { reconnectStrategy: false } });
  c.on('error', (e) => { console.error('client error:', e); });
  await c.connect();
  let current = 'connect';
  try {
    eq0(await c.ping());
    await c.flushAll();
    for (const [name, fn] of SECTIONS) {
      current = name;
      const t0 = Date.now();
      await fn(c);
      console.log(`node smoke: ${name} ok (${Date.now() - t0} ms)`);
    }
  } catch (e) {
    console.error(`node smoke FAILED in section "${current}": ${e.message}`);
    if (!(e instanceof SmokeFailure) && e.stack) console.error(e.stack);
    process.exitCode = 1;
  } finally {
    await c.quit().catch(() => {});
  }
  if (!process.exitCode) console.log(`node smoke: all ${SECTIONS.length} sections passed`);
}

function eq0(pong) {
  if (pong !== 'PONG') throw new Error(`PING: expected PONG, got ${pong}`);
}

main().catch((e) => { console.error('node smoke FAILED:', e); process.exit(1); });
