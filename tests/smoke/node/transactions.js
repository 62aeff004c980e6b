// Smoke section for transactions through node-redis: MULTI/EXEC with .multi().exec(),
// and an optimistic WATCH conflict that must surface as WatchError.
'use strict';

const { WatchError } = require('redis');
const { eq, ok } = require('./check');

async function transactions(c) {
  eq('MULTI/EXEC replies', await c.multi()
    .set('tx:counter', '10').incrBy('tx:counter', 5).get('tx:counter')
    .hSet('tx:hash', { a: '1' }).exec(), ['OK', 15, '15', 1]);

  // Transfer between two balances under WATCH, no conflict.
  await c.mSet(['tx:alice', '100', 'tx:bob', '0']);
  const replies = await c.executeIsolated(async (iso) => {
    await iso.watch(['tx:alice', 'tx:bob']);
    const alice = Number(await iso.get('tx:alice'));
    return iso.multi().set('tx:alice', String(alice - 30)).incrBy('tx:bob', 30).exec();
  });
  eq('WATCH without conflict commits', replies, ['OK', 30]);
  eq('balances after transfer', await c.mGet(['tx:alice', 'tx:bob']), ['70', '30']);

  // Another client writes the watched key between WATCH and EXEC.
  let err = null;
  try {
    await c.executeIsolated(async (iso) => {
      await iso.watch('tx:alice');
      await c.set('tx:alice', '0');
      return iso.multi().set('tx:alice', '999').exec();
    });
  } catch (e) {
    err = e;
  }
  ok('WATCH conflict raises WatchError', err instanceof WatchError, err && String(err));
  eq('conflicting transaction did not run', await c.get('tx:alice'), '0');
  eq('DEL tx keys', await c.del(['tx:counter', 'tx:hash', 'tx:alice', 'tx:bob']), 4);
}

module.exports = { transactions };
