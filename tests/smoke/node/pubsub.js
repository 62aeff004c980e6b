// Smoke section for pub/sub through node-redis: a subscriber connection with channel and
// pattern subscriptions, a publisher on another connection, and keyspace notifications.
'use strict';

const { eq, waitFor } = require('./check');

async function pubsub(c) {
  const sub = c.duplicate();
  sub.on('error', (e) => { console.error('subscriber error:', e); });
  await sub.connect();
  try {
    const got = [];
    await sub.subscribe(['orders', 'alerts'], (msg, ch) => got.push(`${ch}|${msg}`));
    await sub.pSubscribe('news.*', (msg, ch) => got.push(`p:${ch}|${msg}`));
    eq('PUBLISH orders reaches 1 subscriber', await c.publish('orders', 'o1'), 1);
    eq('PUBLISH news.sport reaches the pattern', await c.publish('news.sport', 'goal'), 1);
    eq('PUBLISH with no subscriber', await c.publish('nobody', 'x'), 0);
    for (let i = 0; i < 50; i++) await c.publish('alerts', `a${i}`);
    await waitFor('52 pub/sub messages', () => got.length >= 52, () => got);
    eq('first messages', got.slice(0, 2), ['orders|o1', 'p:news.sport|goal']);
    eq('alerts in order', got.slice(2), [...Array(50).keys()].map((i) => `alerts|a${i}`));
    eq('PUBSUB NUMSUB', { ...(await c.pubSubNumSub(['orders', 'nobody'])) }, { orders: 1, nobody: 0 });
    eq('PUBSUB NUMPAT', await c.pubSubNumPat(), 1);
    await sub.unsubscribe('orders');
    eq('PUBLISH after UNSUBSCRIBE', await c.publish('orders', 'o2'), 0);
    await sub.pUnsubscribe('news.*');
    eq('PUBLISH after PUNSUBSCRIBE', await c.publish('news.x', 'y'), 0);

    const events = [];
    await c.configSet('notify-keyspace-events', 'KEA');
    await sub.pSubscribe('__keyspace@0__:ks:*', (msg, ch) => events.push(`${ch}|${msg}`));
    await c.set('ks:a', '1');
    await c.expire('ks:a', 100);
    await c.del('ks:a');
    await waitFor('3 keyspace events', () => events.length >= 3, () => events);
    eq('keyspace events', events, ['__keyspace@0__:ks:a|set', '__keyspace@0__:ks:a|expire',
      '__keyspace@0__:ks:a|del']);
    await c.configSet('notify-keyspace-events', '');
  } finally {
    await sub.quit();
  }
}

module.exports = { pubsub };
