// Smoke sections for everyday data-structure usage through node-redis: cache-aside with
// TTL, pipelines, hashes, sets, a sorted-set leaderboard, a list queue and INFO.
'use strict';

const { eq, ok } = require('./check');

async function cacheAside(c) {
  let loads = 0;
  const loadUser = async (id) => { loads += 1; return JSON.stringify({ id, name: `user${id}` }); };
  const getUser = async (id) => {
    const key = `cache:user:${id}`;
    const hit = await c.get(key);
    if (hit !== null) return JSON.parse(hit);
    const fresh = await loadUser(id);
    await c.set(key, fresh, { EX: 60 });
    return JSON.parse(fresh);
  };
  for (let round = 0; round < 3; round++) {
    for (let id = 1; id <= 20; id++) eq(`cache-aside user ${id}`, (await getUser(id)).name, `user${id}`);
  }
  eq('cache-aside: loader calls (one per user)', loads, 20);
  const ttl = await c.ttl('cache:user:1');
  ok('cache-aside: TTL in (0, 60]', ttl > 0 && ttl <= 60, ttl);
  eq('SET NX on existing key', await c.set('cache:user:1', 'x', { NX: true }), null);
  eq('SET PX + GET', await c.set('cache:short', 'v', { PX: 100 }), 'OK');
  await new Promise((r) => setTimeout(r, 250));
  eq('key with PX 100 expired after 250 ms', await c.get('cache:short'), null);
  eq('DEL of cached users', await c.del([...Array(20).keys()].map((i) => `cache:user:${i + 1}`)), 20);
}

async function pipelines(c) {
  const n = 500;
  const p = c.multi();
  for (let i = 0; i < n; i++) p.set(`pipe:${i}`, String(i * 3));
  for (let i = 0; i < n; i++) p.incrBy(`pipe:${i}`, 1);
  for (let i = 0; i < n; i++) p.get(`pipe:${i}`);
  const replies = await p.execAsPipeline();
  eq('pipeline reply count', replies.length, 3 * n);
  for (let i = 0; i < n; i++) {
    eq(`pipeline SET ${i}`, replies[i], 'OK');
    eq(`pipeline INCRBY ${i}`, replies[n + i], i * 3 + 1);
    eq(`pipeline GET ${i}`, replies[2 * n + i], String(i * 3 + 1));
  }
  // node-redis also pipelines concurrent commands on one connection automatically.
  const got = await Promise.all([...Array(n).keys()].map((i) => c.get(`pipe:${i}`)));
  got.forEach((v, i) => eq(`auto-pipelined GET ${i}`, v, String(i * 3 + 1)));
  eq('MGET', await c.mGet(['pipe:0', 'pipe:1', 'nope']), ['1', '4', null]);
}

async function hashes(c) {
  eq('HSET new fields', await c.hSet('user:42', { name: 'Ada', lang: 'en', visits: '0' }), 3);
  eq('HINCRBY', await c.hIncrBy('user:42', 'visits', 5), 5);
  eq('HINCRBY again', await c.hIncrBy('user:42', 'visits', -2), 3);
  eq('HSET update returns 0 new', await c.hSet('user:42', 'lang', 'fr'), 0);
  eq('HGETALL', { ...(await c.hGetAll('user:42')) }, { name: 'Ada', lang: 'fr', visits: '3' });
  eq('HMGET', await c.hmGet('user:42', ['name', 'missing']), ['Ada', null]);
  eq('HDEL', await c.hDel('user:42', 'lang'), 1);
  eq('HLEN', await c.hLen('user:42'), 2);
  eq('HEXISTS', await c.hExists('user:42', 'lang'), false);
}

async function sets(c) {
  eq('SADD', await c.sAdd('tags:a', ['red', 'green', 'blue']), 3);
  eq('SADD dup', await c.sAdd('tags:a', ['red']), 0);
  await c.sAdd('tags:b', ['green', 'blue', 'black']);
  eq('SISMEMBER', await c.sIsMember('tags:a', 'green'), true);
  eq('SCARD', await c.sCard('tags:a'), 3);
  eq('SINTER', (await c.sInter(['tags:a', 'tags:b'])).sort(), ['blue', 'green']);
  eq('SUNION size', (await c.sUnion(['tags:a', 'tags:b'])).length, 4);
  eq('SDIFF', await c.sDiff(['tags:a', 'tags:b']), ['red']);
  eq('SREM', await c.sRem('tags:a', 'red'), 1);
  eq('SMEMBERS', (await c.sMembers('tags:a')).sort(), ['blue', 'green']);
}

async function leaderboard(c) {
  eq('ZADD', await c.zAdd('board', [
    { score: 10, value: 'alice' }, { score: 20, value: 'bob' }, { score: 15, value: 'carol' },
  ]), 3);
  eq('ZINCRBY', await c.zIncrBy('board', 12, 'alice'), 22);
  eq('ZINCRBY new member', await c.zIncrBy('board', 1.5, 'dave'), 1.5);
  eq('top 3 (ZRANGE REV WITHSCORES)', await c.zRangeWithScores('board', 0, 2, { REV: true }), [
    { value: 'alice', score: 22 }, { value: 'bob', score: 20 }, { value: 'carol', score: 15 },
  ]);
  eq('ZRANK', await c.zRank('board', 'dave'), 0);
  eq('ZREVRANK', await c.zRevRank('board', 'alice'), 0);
  eq('ZSCORE', await c.zScore('board', 'carol'), 15);
  eq('ZCOUNT', await c.zCount('board', 15, 25), 3);
}

async function queue(c) {
  for (let i = 0; i < 10; i++) await c.lPush('jobs', `job${i}`);
  eq('LLEN', await c.lLen('jobs'), 10);
  eq('LRANGE head', await c.lRange('jobs', 0, 1), ['job9', 'job8']);
  const done = [];
  let job;
  while ((job = await c.rPop('jobs')) !== null) done.push(job);
  eq('RPOP order is FIFO', done, [...Array(10).keys()].map((i) => `job${i}`));
  eq('queue key gone when empty', await c.exists('jobs'), 0);
}

async function info(c) {
  const text = await c.info();
  const fields = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) fields[line.slice(0, i)] = line.slice(i + 1);
  }
  ok('INFO redis_version', /^\d+\.\d+\.\d+$/.test(fields.redis_version || ''), fields.redis_version);
  ok('INFO used_memory is a number', /^\d+$/.test(fields.used_memory || ''), fields.used_memory);
  ok('INFO connected_clients >= 1', Number(fields.connected_clients) >= 1, fields.connected_clients);
  ok('INFO keyspace db0', /^keys=\d+,expires=\d+/.test(fields.db0 || ''), fields.db0);
  eq('DBSIZE matches INFO keys', await c.dbSize(), Number(/keys=(\d+)/.exec(fields.db0)[1]));
}

module.exports = { cacheAside, pipelines, hashes, sets, leaderboard, queue, info };
