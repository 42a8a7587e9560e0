// POST /api/logs: NDJSON (one JSON object per line) or one JSON array of objects, in the key
// spellings of json-record.ts. A request is all-or-nothing: the first bad line is a 400 naming it.
import { ParseError } from '@flowrent/shared/errors';
import type { JsonValue, LogRecord } from '../model.js';
import { isJsonObject, RecordError, recordFromObject } from './json-record.js';
import { checkLineLength, MAX_LINE_BYTES, NESTING_TOO_DEEP, nestedTooDeep } from './limits.js';

function parseLine(text: string, line: number, nowNs: bigint): LogRecord {
  checkLineLength(text, `line ${line}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ParseError(`line ${line}: malformed JSON: ${(err as Error).message}`, { position: { line } });
  }
  return fromValue(value, line, nowNs);
}

function fromValue(value: unknown, line: number, nowNs: bigint): LogRecord {
  if (!isJsonObject(value))
    throw new ParseError(`line ${line}: expected a JSON object`, { position: { line } });
  try {
    return recordFromObject(value, { protocol: 'ndjson', nowNs });
  } catch (err) {
    if (err instanceof RecordError)
      throw new ParseError(`line ${line}: ${err.message}`, { position: { line } });
    throw err;
  }
}

/** Parses the body of POST /api/logs. `nowNs` is the observed time. */
export function parseNdjsonLogs(body: string, nowNs: bigint): LogRecord[] {
  const start = body.search(/\S/);
  if (start < 0) return [];
  if (body[start] === '[') {
    let values: unknown;
    try {
      values = JSON.parse(body);
    } catch (err) {
      throw new ParseError(`malformed JSON array: ${(err as Error).message}`);
    }
    if (!Array.isArray(values)) throw new ParseError('expected a JSON array of objects');
    return values.map((v: JsonValue, i) => {
      // Before JSON.stringify, which overflows the stack on a deep enough value.
      if (nestedTooDeep(v)) throw new ParseError(`element ${i}: record ${NESTING_TOO_DEEP}`);
      checkLineLength(JSON.stringify(v), `element ${i}`);
      return fromValue(v, i + 1, nowNs);
    });
  }
  const fast = parseAllAtOnce(body, nowNs);
  if (fast) return fast;
  const out: LogRecord[] = [];
  let line = 0;
  let pos = 0;
  while (pos < body.length) {
    let end = body.indexOf('\n', pos);
    if (end < 0) end = body.length;
    line++;
    let text = body.slice(pos, end);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() !== '') out.push(parseLine(text, line, nowNs));
    pos = end + 1;
  }
  return out;
}

/**
 * The common case in one JSON.parse call: a clean NDJSON body becomes a JSON array by turning its
 * newlines into commas (JSON strings cannot hold raw newlines). Returns undefined whenever anything
 * is unusual (blank lines, CR, long lines, a parse error) so the line-by-line path reports it exactly.
 */
function parseAllAtOnce(body: string, nowNs: bigint): LogRecord[] | undefined {
  const text = body.trim();
  if (text.includes('\r') || text.includes('\n\n')) return undefined;
  for (let p = 0, next = 0; p < text.length; p = next + 1) {
    next = text.indexOf('\n', p);
    if (next < 0) next = text.length;
    if ((next - p) * 3 > MAX_LINE_BYTES) return undefined;
  }
  let values: unknown;
  try {
    values = JSON.parse(`[${text.replaceAll('\n', ',')}]`);
  } catch {
    return undefined;
  }
  if (!Array.isArray(values)) return undefined;
  const out: LogRecord[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = fromValue(values[i], i + 1, nowNs);
  return out;
}
