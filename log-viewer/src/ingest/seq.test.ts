import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clefLines, isClefRequest, seqRawEventsToClef } from './seq.js';

const clef = (body: unknown) =>
  seqRawEventsToClef(Buffer.from(JSON.stringify(body)))
    .toString()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

test('seqRawEventsToClef() maps the legacy fields onto CLEF; properties stay properties', () => {
  const out = clef({
    Events: [
      {
        Timestamp: '2026-11-26T17:30:00Z',
        Level: 'Warning',
        MessageTemplate: 'Order {OrderId} slow',
        Properties: { OrderId: 7, Level: 'p' },
        Exception: 'System.TimeoutException',
      },
      { Timestamp: '2026-11-26T17:30:01Z', RenderedMessage: 'done' },
    ],
  });
  assert.deepEqual(out, [
    {
      OrderId: 7,
      Level: 'p',
      '@t': '2026-11-26T17:30:00Z',
      '@mt': 'Order {OrderId} slow',
      '@l': 'Warning',
      '@x': 'System.TimeoutException',
    },
    { '@t': '2026-11-26T17:30:01Z', '@m': 'done' },
  ]);
});

test('seqRawEventsToClef() refuses other shapes with a ParseError', () => {
  const bad = (body: string, text: RegExp) =>
    assert.throws(
      () => seqRawEventsToClef(Buffer.from(body)),
      (err: Error) => text.test(err.message),
    );
  bad('{"@t":"2026-11-26T17:30:00Z"}\n', /expected \{"Events"/);
  bad('not json', /malformed JSON/);
  bad('{"Events":[1]}', /Events\[0\]: expected an object/);
  bad('{"Events":[{"Properties":[1]}]}', /Events\[0\].Properties/);
  assert.equal(seqRawEventsToClef(Buffer.from('{"Events":[]}')).length, 0);
});

test('isClefRequest() takes ?clef or the CLEF content type', () => {
  assert.equal(isClefRequest(true, 'application/json'), true);
  assert.equal(isClefRequest(false, 'application/vnd.serilog.clef; charset=utf-8'), true);
  assert.equal(isClefRequest(false, 'application/json'), false);
  assert.equal(isClefRequest(false, undefined), false);
});

test('clefLines() makes one line of a single application/json event and leaves CLEF lines alone', () => {
  const check = (body: string, type: string | undefined, expected: string) =>
    assert.equal(Buffer.from(clefLines(Buffer.from(body), type)).toString(), expected, body);
  check('{\n  "@mt": "a",\n  "N": 1\n}', 'application/json; charset=utf-8', '{"@mt":"a","N":1}\n');
  check('{"@mt":"a"}\n{"@mt":"b"}\n', 'application/json', '{"@mt":"a"}\n{"@mt":"b"}\n');
  check('{\n  "@mt": "a"\n}', 'application/vnd.serilog.clef', '{\n  "@mt": "a"\n}');
  check('[{"@mt":"a"}]', 'application/json', '[{"@mt":"a"}]');
  check('{"@mt":', 'application/json', '{"@mt":');
});
