import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEvent } from './describe.js';
import { GROUPING_VERSION, groupEvent } from './grouping.js';

const frame = (module: string, fn: string, lineno: number, inApp = true) => ({
  module,
  function: fn,
  lineno,
  in_app: inApp,
});
const exc = (type: string, value: string, frames: object[], mechanism?: object) => ({
  exception: { values: [{ type, value, stacktrace: { frames }, ...(mechanism ? { mechanism } : {}) }] },
});

test('groupEvent() ignores line numbers when frames move', () => {
  const a = groupEvent(exc('ValueError', 'x 1', [frame('app', 'main', 10), frame('app', 'parse', 20)]));
  const b = groupEvent(exc('ValueError', 'x 2', [frame('app', 'main', 11), frame('app', 'parse', 99)]));
  assert.equal(a.hash, b.hash);
  assert.equal(a.version, GROUPING_VERSION);
});

test('groupEvent() uses only in-app frames when there are some', () => {
  const a = groupEvent(exc('E', 'v', [frame('lib', 'x', 1, false), frame('app', 'f', 2)]));
  const b = groupEvent(exc('E', 'v', [frame('lib2', 'y', 1, false), frame('app', 'f', 2)]));
  assert.equal(a.hash, b.hash);
  const c = groupEvent(exc('E', 'v', [frame('lib', 'x', 1, false), frame('lib', 'z', 2, false)]));
  const d = groupEvent(exc('E', 'v', [frame('lib', 'x', 1, false), frame('lib', 'w', 2, false)]));
  assert.notEqual(c.hash, d.hash, 'no in-app frame: all frames count');
});

test('groupEvent() splits on exception type and function, uses file basename without module', () => {
  const base = groupEvent(exc('E', 'v', [frame('app', 'f', 1)]));
  assert.notEqual(base.hash, groupEvent(exc('F', 'v', [frame('app', 'f', 1)])).hash);
  assert.notEqual(base.hash, groupEvent(exc('E', 'v', [frame('app', 'g', 1)])).hash);
  const p1 = groupEvent(exc('E', 'v', [{ filename: '/a/b/app.js', function: 'f', in_app: true }]));
  const p2 = groupEvent(exc('E', 'v', [{ filename: '/c/app.js', function: 'f', in_app: true }]));
  assert.equal(p1.hash, p2.hash);
});

test('groupEvent() without a stack uses type + parameterized value', () => {
  const a = groupEvent({ exception: { values: [{ type: 'KeyError', value: 'user 42 at 0xfe01' }] } });
  const b = groupEvent({ exception: { values: [{ type: 'KeyError', value: 'user 7 at 0xaa' }] } });
  const c = groupEvent({ exception: { values: [{ type: 'KeyError', value: 'order 7' }] } });
  assert.equal(a.hash, b.hash);
  assert.notEqual(a.hash, c.hash);
});

test('groupEvent() groups messages parameterized, synthetic exceptions by message not type', () => {
  const m1 = groupEvent({ message: 'payment 12 failed for jane@example.com' });
  const m2 = groupEvent({ logentry: { formatted: 'payment 99 failed for joe@example.com' } });
  assert.equal(m1.hash, m2.hash);
  const syn = (type: string, fn: string) =>
    groupEvent({
      message: 'Disk usage above 90% on /var',
      ...exc(type, 'Disk usage above 90% on /var', [frame('app', fn, 1)], { synthetic: true }),
    });
  assert.equal(syn('', 'a').hash, syn('Error', 'b').hash);
  assert.equal(syn('', 'a').hash, groupEvent({ message: 'Disk usage above 95% on /tmp' }).hash);
});

test('groupEvent() honours fingerprint and expands {{ default }}', () => {
  const ev = exc('E', 'v', [frame('app', 'f', 1)]);
  const plain = groupEvent(ev);
  const withDefault = groupEvent({ ...ev, fingerprint: ['{{ default }}', 'checkout'] });
  const onlyDefault = groupEvent({ ...ev, fingerprint: ['{{default}}'] });
  const custom = groupEvent({ ...ev, fingerprint: ['my-rpc', 'POST'] });
  const otherCustom = groupEvent({ ...exc('X', 'y', []), fingerprint: ['my-rpc', 'POST'] });
  assert.notEqual(plain.hash, withDefault.hash);
  assert.ok(withDefault.components.includes('frame:app:f'));
  assert.notEqual(plain.hash, custom.hash);
  assert.equal(custom.hash, otherCustom.hash);
  assert.deepEqual(onlyDefault.components.slice(1), plain.components);
});

test('groupEvent() covers every exception of a chain', () => {
  const chain = (causeType: string) =>
    groupEvent({
      exception: {
        values: [
          { type: causeType, value: 'a', stacktrace: { frames: [frame('app', 'load', 1)] } },
          { type: 'ValueError', value: 'b', stacktrace: { frames: [frame('app', 'start', 2)] } },
        ],
      },
    });
  assert.notEqual(chain('KeyError').hash, chain('IndexError').hash);
});

test('describeEvent() builds title and culprit', () => {
  const d = describeEvent(
    exc('TypeError', 'boom\nmore', [frame('app', 'main', 1), frame('lib', 'x', 2, false)]),
  );
  assert.deepEqual(d, {
    title: 'TypeError: boom',
    culprit: 'app in main',
    type: 'TypeError',
    message: 'boom',
  });
  assert.equal(describeEvent({ message: 'hello', transaction: '/cart' }).culprit, '/cart');
  const syn = describeEvent({
    message: 'Disk full',
    ...exc('', 'Disk full', [frame('app', 'f', 1)], { synthetic: true }),
  });
  assert.equal(syn.title, 'Disk full');
  assert.equal(syn.type, '');
  assert.equal(describeEvent({}).title, '<unlabeled event>');
});

const logEntry = (name: string, via: string) => ({
  logentry: {
    message: 'invoice for customer %s could not be sent via %s',
    params: [name, via],
    formatted: `invoice for customer ${name} could not be sent via ${via}`,
  },
});

test('groupEvent() groups logging events by the template, not the formatted text (version 2)', () => {
  const a = groupEvent(logEntry('alice', 'smtp'));
  const b = groupEvent(logEntry('bob smith', 'sendgrid api'));
  assert.equal(a.version, 2);
  assert.equal(a.hash, b.hash);
  assert.deepEqual(a.components, ['message:invoice for customer %s could not be sent via %s']);
  assert.notEqual(a.hash, groupEvent(logEntry('alice', 'smtp')).legacyHash);
  assert.equal(
    describeEvent(logEntry('alice', 'smtp')).title,
    'invoice for customer alice could not be sent via smtp',
  );
});

test('groupEvent() keeps version 1 keys where the components did not change, and gives the old key of the rest', () => {
  // hashes computed by version 1 (bbacac2's grouping.ts)
  assert.equal(
    groupEvent({ message: 'payment 12 failed for jane@example.com' }).hash,
    '1a53b826cecac02a2a058e073ec63e28eb79f1b623711607bb7d9aa91b2c86ba',
  );
  const ex = exc('ValueError', 'x', [{ module: 'app', function: 'main', in_app: true }]);
  assert.equal(groupEvent(ex).hash, '12ccf9a006974f043d4323a34673d1be6ebaca3ba3fcc6af2805996acfffe840');
  assert.equal(groupEvent(ex).legacyHash, undefined);
  assert.equal(
    groupEvent(logEntry('alice', 'smtp')).legacyHash,
    '47c342c7c9e32b7bc4af193836c5daeed77816f6e4b506679b5aa603267e37bf',
  );
  const withFp = groupEvent({
    fingerprint: ['{{ default }}', 'x'],
    logentry: { message: 'user %s not found', params: ['bob'], formatted: 'user bob not found' },
  });
  assert.equal(withFp.legacyHash, '0b6dfb78c927f3ccd3993290b6de1d247e012f70cefba5f387bc7336ca065e4f');
  const noParams = groupEvent({ logentry: { message: 'cache warm', params: [], formatted: 'cache warm' } });
  assert.equal(noParams.legacyHash, undefined, 'the template is the text: the v1 key stands');
});
