// Smoke section for cachet's sessions through node-redis's sendCommand, written the way an
// Express-style app would use them: login, a validating middleware with IP binding, profile
// update, "your devices", the per-user limit, and logout everywhere. Skipped on redis-server
// (which has no SESSION.* commands) so the programs can still be checked against Redis.
'use strict';

const { eq, ok } = require('./check');

// SESSION.GET's RESP2 reply (field, value, ...) as an object; null stays null.
function toSession(reply) {
  if (reply === null) return null;
  const s = {};
  for (let i = 0; i < reply.length; i += 2) s[reply[i]] = reply[i + 1];
  return s;
}

async function login(c, user, profile, ip, ua) {
  return c.sendCommand(['SESSION.CREATE', user, 'DATA', JSON.stringify(profile), 'TTL', '1800',
    'IP', ip, 'UA', ua, 'BIND', 'IP']);
}

async function middleware(c, id, ip, ua) {
  const s = toSession(await c.sendCommand(['SESSION.GET', id, 'IP', ip, 'UA', ua]));
  return s && { user: s.user, data: JSON.parse(s.data), lastActive: Number(s.last_active_at) };
}

async function sessions(c) {
  const info = await c.info('server');
  if (!info.includes('cachet_version')) {
    console.log('node smoke: sessions skipped (not cachet)');
    return;
  }
  await c.configSet('session-max-per-user', '3');
  const laptop = await login(c, 'user:7', { name: 'Ada', role: 'admin' }, '10.0.0.1', 'Firefox');
  ok('session id is 32 URL-safe characters', /^[A-Za-z0-9_-]{32}$/.test(laptop), laptop);
  const seen = await middleware(c, laptop, '10.0.0.1', 'Firefox');
  eq('middleware sees the profile', seen.data, { name: 'Ada', role: 'admin' });
  eq('session belongs to the user', seen.user, 'user:7');
  eq('a stolen cookie from another IP is a miss',
    await middleware(c, laptop, '192.168.5.5', 'Firefox'), null);

  eq('profile update', await c.sendCommand(['SESSION.SET', laptop,
    JSON.stringify({ name: 'Ada L.', role: 'admin' })]), 1);
  eq('profile after update', (await middleware(c, laptop, '10.0.0.1', 'Firefox')).data.name,
    'Ada L.');
  let err = null;
  try {
    await c.sendCommand(['SESSION.SET', laptop, '{"name": "unterminated']);
  } catch (e) {
    err = e;
  }
  ok('bad JSON is refused', err && /not valid JSON/.test(err.message), err && err.message);

  const phone = await login(c, 'user:7', { name: 'Ada' }, '10.0.0.2', 'Safari');
  const tablet = await login(c, 'user:7', { name: 'Ada' }, '10.0.0.3', 'Chrome');
  await middleware(c, laptop, '10.0.0.1', 'Firefox');  // the phone is now the least active
  const desktop = await login(c, 'user:7', { name: 'Ada' }, '10.0.0.4', 'Edge');
  eq('limit of 3 devices', await c.sendCommand(['SESSION.COUNT', 'user:7']), 3);
  eq('least active device was logged out', await middleware(c, phone, '10.0.0.2', 'Safari'), null);
  const devices = (await c.sendCommand(['SESSION.LIST', 'user:7'])).map(toSession);
  eq('devices, most recent first', devices.map((d) => d.user_agent), ['Edge', 'Firefox', 'Chrome']);
  ok('tablet still listed', devices.some((d) => d.id === tablet));

  eq('log out other devices', await c.sendCommand(['SESSION.DESTROYALL', 'user:7', 'EXCEPT',
    desktop]), 2);
  eq('logout', await c.sendCommand(['SESSION.DESTROY', desktop]), 1);
  eq('no sessions left', await c.sendCommand(['SESSION.COUNT', 'user:7']), 0);
  await c.configSet('session-max-per-user', '0');
}

module.exports = { sessions };
