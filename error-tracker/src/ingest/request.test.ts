import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readEnvelopeBody } from './request.js';

const line = (o: unknown) => `${JSON.stringify(o)}\n`;
const ID = { event_id: '9ec79c33ec9942ab8353589fcb2e04dc' };
const attachment = (name: string, text: string) => line({ type: 'attachment', filename: name }) + `${text}\n`;
const keyOf = (body: string) => readEnvelopeBody(Buffer.from(body)).attachmentsKey;

test('readEnvelopeBody() keys an envelope by its attachments: same bytes same key, others another, none none', () => {
  const one = keyOf(line(ID) + attachment('a.txt', 'one'));
  assert.match(one ?? '', /^[0-9a-f]{64}$/);
  assert.equal(keyOf(line(ID) + line({ type: 'event' }) + line({}) + attachment('a.txt', 'one')), one);
  assert.notEqual(keyOf(line(ID) + attachment('a.txt', 'two')), one);
  assert.notEqual(keyOf(line(ID) + attachment('b.txt', 'one')), one);
  assert.notEqual(keyOf(line(ID) + attachment('a.txt', 'one') + attachment('a.txt', 'one')), one);
  assert.equal(keyOf(line(ID) + line({ type: 'event' }) + line({})), undefined);
});
