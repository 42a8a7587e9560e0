import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGenerator } from '../../bench/generate.js';
import { MAX_LINE_BYTES } from '../ingest/limits.js';
import { parseNdjsonLogs } from '../ingest/ndjson.js';
import { addTokenHashes, TokenSet } from './bloom.js';
import { parseBodyColumns } from './body-rows.js';
import { ndjsonColumns } from './ndjson-rows.js';
import { type Row, toRow } from './row.js';
import { RowColumns } from './row-columns.js';

const NOW = 1_795_635_900_123_456_789n;

/** ndjsonColumns() as Row objects, or undefined when the body needs the object path. */
function ndjsonRows(body: string | Buffer, nowNs: bigint, seqBase: number): Row[] | undefined {
  const out = new RowColumns();
  if (!ndjsonColumns(typeof body === 'string' ? Buffer.from(body) : body, nowNs, seqBase, out))
    return undefined;
  // The UTF-16 lengths kept beside the bytes (block meta, raw sizes) are those of the texts.
  for (let i = 0; i < out.count; i++) {
    const row = out.row(i);
    assert.equal(out.msgLen[i], row.message.length, `message length of ${row.message.slice(0, 40)}`);
    assert.equal(out.attrLen[i], row.attrs.length, `attributes length of ${row.attrs.slice(0, 40)}`);
  }
  return out.rows();
}

function tokens(text: string): number[] {
  const set = new TokenSet();
  addTokenHashes(text, set, true);
  const out: number[] = [];
  set.forEach((h) => {
    out.push(h);
  });
  return out.sort();
}

/**
 * The scan gives the object path's rows: same fields, same attribute values, and the same tokens
 * (or more, for a repeated attribute key whose earlier value the object drops: only a bloom false
 * positive).
 */
function sameAsObjectPath(body: string, duplicateKeys = body.includes('"a":1,"a":2')): void {
  const fast = ndjsonRows(body, NOW, 7);
  assert.ok(fast, `scan path taken for ${body.slice(0, 80)}`);
  // The object path as parseBodyColumns() takes it: records pushed into a column table.
  const table = new RowColumns();
  for (const [i, r] of parseNdjsonLogs(body, NOW).entries()) table.pushRecord(r, 7 + i);
  const slow = table.rows();
  assert.equal(fast.length, slow.length);
  for (let i = 0; i < fast.length; i++) {
    const strip = (r: Row) => ({ ...r, attrs: r.attrs === '' ? {} : JSON.parse(r.attrs) });
    assert.deepEqual(strip(fast[i]), strip(slow[i]), body);
    const extra = new Set(tokens(fast[i].attrs));
    for (const h of tokens(slow[i].attrs)) assert.ok(extra.delete(h), body);
    if (!duplicateKeys) assert.equal(extra.size, 0, body);
  }
}

describe('ndjsonColumns()', () => {
  it('gives what parseNdjsonLogs + toRow give, for the cases it takes', () => {
    const cases = [
      '{"ts":"2026-11-25T10:00:00.123Z","level":"info","service":"api","msg":"hello","user":"u-1","n":5}',
      '{"msg":"no time, no level"}',
      '{}',
      '{ "time" : 1795635890123 , "severity": "WARNING", "message": "spaced", "a": [1, 2, {"b": null}] }',
      '{"@timestamp":"2026-11-25T10:00:00.123456789Z","@l":"Error","@m":"clef","x":true}',
      '{"timestamp":"1795635890.5","level":30,"msg":{"nested":"object message"},"pid":1}',
      '{"ts":0,"level":"nonsense","msg":null,"service":5,"host":"h","trace_id":"AB'.padEnd(78, 'c') + '"}',
      '{"trace_id":"0123456789abcdef0123456789abcdef","span_id":"0123456789abcdef","traceid":"x"}',
      '{"msg":"quote \\" backslash \\\\ newline \\n tab \\t","attr":"a\\nb"}',
      '{"msg":"caf\\u00e9 \\/path","k":"caf\\u00e9","url":"a\\/b"}',
      '{"n1":1.0,"n2":1e2,"n3":-0,"n4":12345678901234567890,"n5":-12.5e-3,"n6":0.5}',
      '{"msg":"dup","msg":"last wins","a":1,"a":2}',
      '{"Msg":"upper key","MSG":"also","LEVEL":"debug"}',
      '{"service":"a","service.name":"b","host":"h1","hostname":"h2"}',
      '{"msg":"ünïcödé ✓ 日本語","ключ":"значение"}',
      '{"deep":{"a":{"b":{"c":[[[]],{}]}}},"e":[],"o":{}}',
      // Unicode: 2-, 3- and 4-byte UTF-8 in messages, keys and values (run and rebuilt attributes)
      '{"message":"4-byte 𝄞 and 日本 and é","a":"é","b":"€","c":"𝄞𝄞","d":1}',
      '{"msg":"x","日本":{"深い":["ü",1,{"ключ":"𝄞"}]},"ü":"ß"}',
      '{"msg":"keys spaced","ünï" : "v", "b": "€"}',
      // escapes: surrogate pairs, lone surrogates, escaped quotes in nested values, \/ in a key's value
      '{"msg":"emoji \\ud83d\\ude00 pair","k":"\\ud83d\\ude00","raw":"😀"}',
      '{"msg":"lone \\ud800 high","k":"\\udc00","n":{"q":"a\\"b","u":"\\u00e9","s":"\\/"}}',
      '{"level":"\\u0077arn","service":"s\\u0076c","host":"h\\\\1","msg":"escaped consumed values"}',
      // ids: upper case (lowercased), all zero and too short (kept as attributes), escaped
      '{"trace_id":"0123456789ABCDEF0123456789ABCDEF","span_id":"ABCDEF0123456789","msg":"upper"}',
      '{"trace_id":"00000000000000000000000000000000","span_id":"0123","msg":"bad ids stay"}',
      '{"traceId":"\\u0030123456789abcdef0123456789abcdef","spanId":"0123456789abcde\\u0066"}',
      '{"trace_id":"0123456789abcdef0123456789abcdeg","span_id":"0123456789abcdeé"}',
      // odd key spellings and priorities
      '{"@t":"2026-11-25T10:00:00.123Z","@m":"clef","@l":"Warning","Service.Name":"svc","@i":"0a1b2c3d"}',
      '{"TS":"2026-11-25T10:00:00.123Z","Level":"ERROR","Host.Name":"h","Message":"caps"}',
      '{"short_message":"gelf","levelname":"CRITICAL","log.level":"warn","hostname":"h2"}',
      '{"level":50,"msg":"pino number"}',
      '{"severity":"INFO2","log":"otel text","trace.id":"0123456789abcdef0123456789abcdef"}',
      // timestamps other than toISOString()'s
      '{"time":"2026-11-25T10:00:00Z","msg":"no ms"}',
      '{"ts":"1795635890123456789","msg":"ns string"}',
      '{"ts":1795635890.25,"msg":"s number"}',
      '{"ts":"2026-11-25T10:00:00.123+01:00","msg":"zone"}',
      '{"ts":"2026-11-25T10:00:00.12Z","msg":"two digits, same length"}',
      // messages that are not strings
      '{"msg":123}',
      '{"msg":true,"x":1}',
      '{"msg":["a",{"b":1.5}]}',
      '{"msg":""}',
      // spacing, long keys and values, numbers
      '{ "msg" : "x" , "a" : 1 , "b" : [ 1 , 2 ] , "c" : { "d" : null } }',
      `{"${'k'.repeat(80)}":1,"msg":"long key","v":"${'v'.repeat(200)}"}`,
      `{"service":"${'s'.repeat(70)}","host":"${'é'.repeat(40)}"}`,
      '{"a":-1,"b":0,"c":-0.5,"d":1E+2,"e":123456789012345,"f":1234567890123456,"g":1e-7}',
      '{"a":true,"b":false,"c":null,"d":"true"}',
    ];
    for (const c of cases) sameAsObjectPath(c);
    sameAsObjectPath(cases.join('\n'));
    sameAsObjectPath(`\n${cases.slice(0, 3).join('\n')}\n`);
    sameAsObjectPath(`  ${cases.slice(3, 6).join('\n')}  \n `);
    // Lines end at their line feed, spaces before it allowed; keys move between members of lines.
    sameAsObjectPath('{"msg":"a","k":1}   \n  {"k":2,"msg":"b"}\n{"msg":"c"}\n{"x":"y","k":3,"msg":"d"}');
    sameAsObjectPath(
      `{"msg":"1"}\n{"service":"s","${'k'.repeat(70)}":1}\n{"service":"s","${'k'.repeat(70)}":2}`,
    );
    sameAsObjectPath(`{"msg":"${'x'.repeat(90_000)}","a":"${'é'.repeat(20_000)}"}`);
    sameAsObjectPath(`{"msg":"${'x'.repeat(MAX_LINE_BYTES - 11)}"}`);
  });

  it('gives the rows of the object path or leaves the body to it, for mutated lines', () => {
    // A seeded walk over bench lines with one byte deleted, doubled or replaced by a JSON-significant
    // byte: wherever the scan takes a line, the object path must accept it and give the same rows.
    const lines = createGenerator(200, 1_795_635_900_000, 86_400_000, 5)
      .next(200)
      .map((l) => l.json);
    const specials = Buffer.from('"\\{}[],:. 0e-u\t\u0001\u007fé');
    let seed = 12345;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    let taken = 0;
    for (let k = 0; k < 3000; k++) {
      const line = Buffer.from(lines[k % lines.length]);
      const at = random(line.length);
      const op = random(3);
      const byte = specials[random(specials.length)];
      const mutated =
        op === 0
          ? Buffer.concat([line.subarray(0, at), line.subarray(at + 1)])
          : op === 1
            ? Buffer.concat([line.subarray(0, at + 1), line.subarray(at)])
            : Buffer.concat([line.subarray(0, at), Buffer.from([byte]), line.subarray(at + 1)]);
      const fast = ndjsonRows(mutated, NOW, 1);
      let slow: Row[] | undefined;
      try {
        slow = parseNdjsonLogs(mutated.toString('utf8'), NOW).map((r, i) => toRow(r, 1 + i));
      } catch {
        slow = undefined;
      }
      if (fast === undefined) continue;
      taken++;
      const text = mutated.toString('utf8');
      assert.ok(slow, `the scan took a line the object path rejects: ${text}`);
      sameAsObjectPath(text, true); // a mutation may repeat a key ("msg" → "ms")
    }
    assert.ok(taken > 1000, `the scan took ${taken} of 3000 mutated lines`);
  });

  it('rejects an invalid line as the object path does, naming the line', () => {
    const body = '{"msg":"ok"}\n{"msg": nope}\n{"msg":"after"}';
    const expected = (() => {
      try {
        parseNdjsonLogs(body, NOW);
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    })();
    assert.match(expected, /^line 2: malformed JSON/);
    assert.throws(() => parseBodyColumns('ndjson', Buffer.from(body), NOW, 0), { message: expected });
    const long = `{"msg":"ok"}\n{"msg":"${'x'.repeat(MAX_LINE_BYTES)}"}`;
    assert.throws(() => parseBodyColumns('ndjson', Buffer.from(long), NOW, 0), { status: 413 });
    // Spaces count towards a line's length, also those at the start and the end of the body.
    const full = `{"msg":"${'x'.repeat(MAX_LINE_BYTES - 10)}"}`;
    for (const spaced of [` ${full}`, `${full} `, `{}\n${full} \n`, ` \n  ${full}\n{}`])
      assert.throws(
        () => parseBodyColumns('ndjson', Buffer.from(spaced), NOW, 0),
        { status: 413 },
        spaced.slice(0, 9),
      );
    assert.equal(parseBodyColumns('ndjson', Buffer.from(` \n${full}\n `), NOW, 0).rows.count, 1);
  });

  it('keeps each attribute under its own key when keys and values share a slot of the key cache', () => {
    // The scan's key cache slot of a text (ndjson-rows.ts internKey: 1024 slots by a byte hash).
    const slot = (s: string) => {
      let h = s.length;
      for (const c of Buffer.from(s)) h = (Math.imul(h, 31) + c) | 0;
      return h & 1023;
    };
    const sharing = (key: string, prefix: string, skip = '') => {
      for (let i = 0; ; i++)
        if (slot(`${prefix}${i}`) === slot(key) && `${prefix}${i}` !== skip) return `${prefix}${i}`;
    };
    const v = sharing('user', 'svc');
    const k1 = sharing('user', 'k');
    const k2 = sharing('user', 'k', k1);
    const exact = (body: string) => {
      const fast = ndjsonRows(body, NOW, 1);
      assert.ok(fast, body);
      const table = new RowColumns();
      for (const [i, r] of parseNdjsonLogs(body, NOW).entries()) table.pushRecord(r, 1 + i);
      assert.deepEqual(
        fast.map((r) => r.attrs),
        table.rows().map((r) => r.attrs),
        body,
      );
    };
    // A service value takes the slot of a key of its line, then is a key itself.
    exact(`{"user":"u1","service":"${v}"}\n{"${v}":"x"}`);
    // Keys of one line sharing a slot, then another pair in the same order.
    exact(`{"user":1,"${k1}":2}\n{"${k1}":3,"user":4}\n{"user":5,"${k2}":6}`);
  });

  it('gives what the object path gives on the bench data', () => {
    const gen = createGenerator(3000, 1_795_635_900_000, 86_400_000, 3);
    sameAsObjectPath(
      gen
        .next(3000)
        .map((l) => l.json)
        .join('\n'),
    );
  });

  it('takes lines of up to 256 members and leaves wider ones to the object path, which gives their rows', () => {
    const line = (members: number) =>
      JSON.stringify(Object.fromEntries(Array.from({ length: members }, (_, k) => [`k${k}`, k])));
    // Narrow and wide lines in one body: each member's key cache entry belongs to its line.
    sameAsObjectPath([line(3), line(256), line(2), line(256), `{"msg":"m",${line(255).slice(1)}`].join('\n'));
    assert.equal(ndjsonRows(line(257), NOW, 1), undefined);
    const body = [line(2), line(257), line(1)].join('\n');
    const columns = parseBodyColumns('ndjson', Buffer.from(body), NOW, 1);
    assert.deepEqual(
      columns.rows.rows().map((r) => Object.keys(JSON.parse(r.attrs)).length),
      [2, 257, 1],
    );
  });

  it('leaves unusual and invalid bodies to the object path', () => {
    const bail = [
      '',
      '[{"msg":"array body"}]',
      '{"msg":"a"}\n\n{"msg":"blank line"}',
      '{"msg":"a"}\r\n{"msg":"crlf"}',
      '{"msg":"tab\tinside"}',
      '{"@x":"exception renames its key"}',
      '{"@mt":"a CLEF template is rendered: {x}","x":1}',
      '{"m\\u0073g":"escaped key"}',
      '{"__proto__":{"x":1}}',
      '{"service":{"name":"object service"}}',
      '{"ts":"yesterday-ish"}',
      '{"ts":null}',
      '{"msg": nope}',
      '{"msg":"unterminated}',
      '{"a":01}',
      '{"a":1.}',
      '{"a":tru}',
      '{"a":[1,]}',
      '{"a":{"b" 1}}',
      '{"a":1,}',
      '{"a":1} trailing',
      '"not an object"',
      `{"msg":"${'x'.repeat(MAX_LINE_BYTES)}"}`,
      '{"a":"\\x"}',
      '{"msg":"raw \u0001 control"}',
      '{"msg":"x"}\t',
      '{"msg":"x"}\n\t{"msg":"y"}',
      '\ufeff{"msg":"byte order mark"}',
      '{"a":"\\u12"}',
      '{"a":"\\u12x4"}',
      '{"a":"\\',
      '{"a":nul}',
      '{"a":truee}',
      '{"a":{"b":[1,2}}',
      '{"a":[1,2]]}',
      '{"a":-}',
      '{"a":1e}',
      '{"a":"x"',
      '{"a" "x"}',
      '{"msg":"x"}{"msg":"y"}',
      '{"msg":"x"} {"msg":"y"}',
      '{"msg":"x"}\n{"msg":"y"} x',
      '{"msg":"x"}\n {}\n\n{"msg":"y"}',
    ];
    for (const b of bail) assert.equal(ndjsonRows(b, NOW, 1), undefined, b.slice(0, 60));
    // Invalid UTF-8 (a lone continuation byte, a truncated sequence) decodes to U+FFFD on the object path.
    for (const bytes of [[0x80], [0xe2, 0x82], [0xff]]) {
      const body = Buffer.concat([Buffer.from('{"msg":"'), Buffer.from(bytes), Buffer.from('"}')]);
      assert.equal(ndjsonRows(body, NOW, 1), undefined, JSON.stringify(bytes));
    }
  });
});
