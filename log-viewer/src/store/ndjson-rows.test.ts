import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGenerator } from '../../bench/generate.js';
import { parseNdjsonLogs } from '../ingest/ndjson.js';
import { addTokenHashes, TokenSet } from './bloom.js';
import { ndjsonColumns } from './ndjson-rows.js';
import { type Row, toRow } from './row.js';
import { RowColumns } from './row-columns.js';

const NOW = 1_795_635_900_123_456_789n;

/** ndjsonColumns() as Row objects, or undefined when the body needs the object path. */
function ndjsonRows(body: string, nowNs: bigint, seqBase: number): Row[] | undefined {
  const out = new RowColumns();
  return ndjsonColumns(Buffer.from(body), nowNs, seqBase, out) ? out.rows() : undefined;
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
function sameAsObjectPath(body: string): void {
  const fast = ndjsonRows(body, NOW, 7);
  assert.ok(fast, `scan path taken for ${body.slice(0, 80)}`);
  const slow = parseNdjsonLogs(body, NOW).map((r, i) => toRow(r, 7 + i));
  assert.equal(fast.length, slow.length);
  for (let i = 0; i < fast.length; i++) {
    const strip = (r: Row) => ({ ...r, attrs: r.attrs === '' ? {} : JSON.parse(r.attrs) });
    assert.deepEqual(strip(fast[i]), strip(slow[i]), body);
    const extra = new Set(tokens(fast[i].attrs));
    for (const h of tokens(slow[i].attrs)) assert.ok(extra.delete(h), body);
    if (!body.includes('"a":1,"a":2')) assert.equal(extra.size, 0, body);
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
    ];
    for (const c of cases) sameAsObjectPath(c);
    sameAsObjectPath(cases.join('\n'));
    sameAsObjectPath(`\n${cases.slice(0, 3).join('\n')}\n`);
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

  it('leaves unusual and invalid bodies to the object path', () => {
    const bail = [
      '',
      '[{"msg":"array body"}]',
      '{"msg":"a"}\n\n{"msg":"blank line"}',
      '{"msg":"a"}\r\n{"msg":"crlf"}',
      '{"msg":"tab\tinside"}',
      '{"@x":"exception renames its key"}',
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
      `{"msg":"${'x'.repeat(90_000)}"}`,
      '{"a":"\\x"}',
    ];
    for (const b of bail) assert.equal(ndjsonRows(b, NOW, 1), undefined, b.slice(0, 60));
  });
});
