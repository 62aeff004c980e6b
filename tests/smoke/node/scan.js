// Smoke section for node-redis scan iterators: SCAN over a few thousand keys and
// HSCAN/SSCAN/ZSCAN over a few thousand members, each item seen exactly once.
'use strict';

const { eq, exactlyOnce } = require('./check');

const N = 3000;
// node-redis v4 parses SCAN cursors as JS numbers: this also checks that cachet's cursors stay
// far below 2^53 (a larger one would lose precision and repeat or skip keys).
const KEY_SCAN_COUNT = 100;
const names = (prefix) => [...Array(N).keys()].map((i) => `${prefix}${i}`);

async function fill(c, build) {
  const p = c.multi();
  build(p);
  await p.execAsPipeline();
}

async function scanIterators(c) {
  const keys = names('scan:key:');
  await fill(c, (p) => keys.forEach((k) => p.set(k, '1')));
  const seen = [];
  for await (const k of c.scanIterator({ MATCH: 'scan:key:*', COUNT: KEY_SCAN_COUNT })) seen.push(k);
  exactlyOnce('scanIterator MATCH scan:key:*', seen, keys);

  const fields = names('f');
  await fill(c, (p) => {
    for (let i = 0; i < N; i += 500) {
      const obj = {};
      fields.slice(i, i + 500).forEach((f, j) => { obj[f] = String(i + j); });
      p.hSet('scan:hash', obj);
    }
  });
  const hseen = [];
  for await (const { field, value } of c.hScanIterator('scan:hash', { COUNT: 100 })) {
    eq(`hScanIterator value of ${field}`, value, field.slice(1));
    hseen.push(field);
  }
  exactlyOnce('hScanIterator', hseen, fields);

  const members = names('m');
  await fill(c, (p) => { for (let i = 0; i < N; i += 500) p.sAdd('scan:set', members.slice(i, i + 500)); });
  const sseen = [];
  for await (const m of c.sScanIterator('scan:set', { COUNT: 100 })) sseen.push(m);
  exactlyOnce('sScanIterator', sseen, members);

  await fill(c, (p) => {
    for (let i = 0; i < N; i += 500) {
      p.zAdd('scan:zset', members.slice(i, i + 500).map((m, j) => ({ score: i + j, value: m })));
    }
  });
  const zseen = [];
  for await (const { value, score } of c.zScanIterator('scan:zset', { COUNT: 100 })) {
    eq(`zScanIterator score of ${value}`, score, Number(value.slice(1)));
    zseen.push(value);
  }
  exactlyOnce('zScanIterator', zseen, members);

  let removed = 0;
  for (let i = 0; i < N; i += 500) removed += await c.del(keys.slice(i, i + 500));
  eq('DEL scanned keys', removed, N);
  eq('DEL scanned collections', await c.del(['scan:hash', 'scan:set', 'scan:zset']), 3);
}

module.exports = { scanIterators };
