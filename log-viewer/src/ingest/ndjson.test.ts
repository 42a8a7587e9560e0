import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParseError, TooLarge } from '@flowrent/shared/errors';
import { parseNdjsonLogs } from './ndjson.js';

const NOW = 1_800_000_000_000_000_000n;

function check(line: string, expected: Record<string, unknown>) {
  const [r] = parseNdjsonLogs(line, NOW);
  const got = {
    time: r.timeNs,
    level: r.level,
    levelText: r.levelText,
    message: r.message,
    service: r.service,
    host: r.host,
    trace: r.traceId,
    span: r.spanId,
    attributes: r.attributes,
  };
  for (const [k, v] of Object.entries(expected))
    assert.deepEqual(got[k as keyof typeof got], v, `${k} of ${line}`);
}

test('parseNdjsonLogs maps the contract keys and keeps the rest as attributes', () => {
  check(
    '{"timestamp":"2026-11-25T19:44:54.077Z","level":"warn","message":"slow","service":"api","host":"h1","trace_id":"5B8EFFF798038103D269B633813FC60C","span_id":"eee19b7ec3c1b174","logger":"db","user":{"id":42}}',
    {
      time: 1_795_635_894_077_000_000n,
      level: 'warn',
      levelText: 'warn',
      message: 'slow',
      service: 'api',
      host: 'h1',
      trace: '5b8efff798038103d269b633813fc60c',
      span: 'eee19b7ec3c1b174',
      attributes: { logger: 'db', user: { id: 42 } },
    },
  );
  check('{"@timestamp":"2026-11-25T19:44:54Z","msg":"a"}', {
    time: 1_795_635_894_000_000_000n,
    message: 'a',
    level: 'info',
  });
  check('{"time":1795635894077,"msg":"pino","level":50}', {
    time: 1_795_635_894_077_000_000n,
    level: 'error',
    levelText: '50',
  });
  check('{"ts":1795635894.5,"severity":"WARNING","msg":"x"}', {
    time: 1_795_635_894_500_000_000n,
    level: 'warn',
  });
  check('{"@t":"2026-11-25T19:44:54Z","@m":"clef","@l":"Error","@x":"System.Exception: boom"}', {
    message: 'clef',
    level: 'error',
    attributes: { exception: 'System.Exception: boom' },
  });
  check('{"@t":"2026-11-25T19:44:54Z","@mt":"Hello {Name}","Name":"x"}', {
    message: 'Hello x',
    level: 'info',
    attributes: { Name: 'x', message_template: 'Hello {Name}' },
  });
  // Serilog's CompactJsonFormatter: @r holds the renderings of tokens with a format, @i the event id.
  check(
    '{"@t":"2026-11-25T19:44:54.1234567Z","@mt":"Took {Elapsed:0.00} ms for {@Req}","@r":["12.35"],"Elapsed":12.345,"Req":{"Path":"/a","$type":"Request"},"@i":"a1b2c3d4","@l":"Verbose","@tr":"5B8EFFF798038103D269B633813FC60C","@sp":"eee19b7ec3c1b174"}',
    {
      message: 'Took 12.35 ms for Request { Path: "/a" }',
      level: 'trace',
      levelText: 'Verbose',
      trace: '5b8efff798038103d269b633813fc60c',
      span: 'eee19b7ec3c1b174',
      attributes: {
        Elapsed: 12.345,
        Req: { Path: '/a', $type: 'Request' },
        '@i': 'a1b2c3d4',
        message_template: 'Took {Elapsed:0.00} ms for {@Req}',
      },
    },
  );
  // A rendered @m (RenderedCompactJsonFormatter, or both) is the message; the template is still kept.
  check('{"@m":"Hello \\"x\\"","@mt":"Hello {Name}","Name":"x"}', {
    message: 'Hello "x"',
    attributes: { Name: 'x', message_template: 'Hello {Name}' },
  });
  // With @mt, CLEF's @ keys are the event's fields: Serilog's PascalCase properties that spell another
  // key of theirs (`{Message}`, `{Level}`, `{Timestamp}`) stay properties and render, as in Seq.
  check(
    '{"@t":"2026-11-25T19:44:54Z","@mt":"Processed {Message} for {User} at {Timestamp}","Message":"order 42","User":"ann","Timestamp":"yesterday"}',
    {
      time: 1_795_635_894_000_000_000n,
      message: 'Processed order 42 for ann at yesterday',
      attributes: {
        Message: 'order 42',
        User: 'ann',
        Timestamp: 'yesterday',
        message_template: 'Processed {Message} for {User} at {Timestamp}',
      },
    },
  );
  check('{"@t":"2026-11-25T19:44:54Z","@m":"rendered","@mt":"Processed {Message}","Message":"order 42"}', {
    message: 'rendered',
    attributes: { Message: 'order 42', message_template: 'Processed {Message}' },
  });
  check('{"@t":"2026-11-25T19:44:54Z","@mt":"Level is {Level}","Level":"Fatal","@l":"Warning"}', {
    message: 'Level is Fatal',
    level: 'warn',
    levelText: 'Warning',
    attributes: { Level: 'Fatal', message_template: 'Level is {Level}' },
  });
  check(
    '{"@t":"2026-11-25T19:44:54Z","@mt":"No level","Level":"Fatal","TraceId":"5B8EFFF798038103D269B633813FC60C"}',
    {
      level: 'info',
      trace: '5b8efff798038103d269b633813fc60c',
      attributes: { Level: 'Fatal', message_template: 'No level' },
    },
  );
  check('{"message":"no time"}', { time: NOW, level: 'info' });
  check('{"message":"odd level","level":"chatty"}', { level: 'info', attributes: { level: 'chatty' } });
  check('{"message":"bad id","trace_id":"xyz"}', { trace: '', attributes: { trace_id: 'xyz' } });
  check('{"message":{"nested":true}}', { message: '{"nested":true}' });
});

test('parseNdjsonLogs accepts NDJSON with blank lines and CRLF, and a JSON array', () => {
  assert.equal(parseNdjsonLogs('{"msg":"a"}\r\n\n{"msg":"b"}\n', NOW).length, 2);
  assert.deepEqual(
    parseNdjsonLogs('[{"msg":"a"},{"msg":"b"}]', NOW).map((r) => r.message),
    ['a', 'b'],
  );
  assert.deepEqual(parseNdjsonLogs('  \n', NOW), []);
});

test('parseNdjsonLogs rejects malformed input naming the line, and long lines naming the limit', () => {
  const bad = (body: string, type: typeof ParseError | typeof TooLarge, pattern: RegExp) =>
    assert.throws(
      () => parseNdjsonLogs(body, NOW),
      (e: Error) => e instanceof type && pattern.test(e.message),
    );
  bad('{"msg":"a"}\n{"msg":', ParseError, /^line 2: malformed JSON/);
  bad('{"msg":"a"}\n[1,2]', ParseError, /line 2: expected a JSON object/);
  bad('"just a string"', ParseError, /expected a JSON object/);
  bad('{"msg":"a","time":"not a time"}', ParseError, /line 1: unreadable timestamp/);
  bad('[{"msg":"a"},', ParseError, /malformed JSON array/);
  bad(`{"msg":"${'x'.repeat(300 * 1024)}"}`, TooLarge, /MAX_LINE_BYTES/);
});

test('levels and ids: prototype keys are not levels, uppercase ids are lowercased, zero ids dropped', () => {
  const [a, b] = parseNdjsonLogs(
    `{"level":"constructor","trace_id":"ABCDEF0123456789ABCDEF0123456789","span_id":"0000000000000000"}\n{"level":"WARNING","span_id":"00000000000000a1"}`,
    1n,
  );
  assert.equal(a.level, 'info');
  assert.equal(a.attributes.level, 'constructor');
  assert.equal(a.traceId, 'abcdef0123456789abcdef0123456789');
  assert.equal(a.spanId, '');
  assert.equal(a.attributes.span_id, '0000000000000000');
  assert.equal(b.level, 'warn');
  assert.equal(b.levelText, 'WARNING');
  assert.equal(b.spanId, '00000000000000a1');
});
