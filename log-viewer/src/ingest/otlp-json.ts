// OTLP/HTTP logs, JSON encoding (OTLP spec "JSON Protobuf Encoding"): lowerCamelCase keys (snake_case
// tolerated), ids as hex (base64 tolerated, by length: 24/12), 64-bit ints as strings or numbers,
// enums as integers (names tolerated), unknown fields ignored.
import { ParseError } from '@flowrent/shared/errors';
import type { JsonValue } from '../model.js';
import { isJsonObject } from './json-record.js';
import {
  int64Value,
  OtlpCollector,
  type OtlpLogRecord,
  type OtlpResource,
  type OtlpResult,
  type OtlpScope,
  type RecordSink,
  resourceLabels,
  setMember,
} from './otlp-common.js';
import { MAX_NESTING_DEPTH, NESTING_TOO_DEEP } from './limits.js';

type Obj = Record<string, JsonValue>;

function get(o: Obj, camel: string, snake: string): JsonValue | undefined {
  return o[camel] ?? o[snake];
}

function list(v: JsonValue | undefined, where: string): Obj[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ParseError(`${where} must be an array`);
  return v.map((e, i) => {
    if (!isJsonObject(e)) throw new ParseError(`${where}[${i}] must be an object`);
    return e;
  });
}

class RecordReject extends Error {}

function uint64(v: JsonValue | undefined, name: string): bigint {
  if (v === undefined || v === null || v === '') return 0n;
  // Not a fraction: BigInt(1.5) throws a RangeError (a 500 for the whole request).
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) {
    // Past 2^53 a JSON number has lost its last digits anyway: round to whole microseconds.
    return v > Number.MAX_SAFE_INTEGER ? BigInt(Math.round(v / 1000)) * 1000n : BigInt(v);
  }
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return BigInt(v);
  throw new RecordReject(`${name} is not an unsigned 64-bit integer`);
}

const SEVERITY_NAMES = [
  'UNSPECIFIED',
  'TRACE',
  'TRACE2',
  'TRACE3',
  'TRACE4',
  'DEBUG',
  'DEBUG2',
  'DEBUG3',
  'DEBUG4',
  'INFO',
  'INFO2',
  'INFO3',
  'INFO4',
  'WARN',
  'WARN2',
  'WARN3',
  'WARN4',
  'ERROR',
  'ERROR2',
  'ERROR3',
  'ERROR4',
  'FATAL',
  'FATAL2',
  'FATAL3',
  'FATAL4',
];

function severityNumber(v: JsonValue | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (/^\d+$/.test(v)) return Number(v);
    const i = SEVERITY_NAMES.indexOf(v.replace(/^SEVERITY_NUMBER_/, ''));
    return Math.max(i, 0);
  }
  return 0;
}

/** Hex (spec) or base64 (protobuf's stock JSON mapping) id → lowercase hex; '' when invalid. */
export function otlpJsonId(v: JsonValue | undefined, bytes: 16 | 8): string {
  if (typeof v !== 'string' || v === '') return '';
  let hex = '';
  if (v.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(v)) hex = v.toLowerCase();
  else if (v.length === Math.ceil(bytes / 3) * 4) {
    const b = Buffer.from(v, 'base64');
    if (b.length === bytes) hex = b.toString('hex');
  }
  return /^0*$/.test(hex) ? '' : hex;
}

/** An AnyValue as JSON; `depth` is its nesting level (1: a record's attribute or body). */
function anyValue(v: JsonValue | undefined, depth: number): JsonValue {
  if (!isJsonObject(v)) return null;
  if (depth > MAX_NESTING_DEPTH) throw new RecordReject(NESTING_TOO_DEEP);
  if ('stringValue' in v || 'string_value' in v) return String(get(v, 'stringValue', 'string_value') ?? '');
  if ('boolValue' in v || 'bool_value' in v) return get(v, 'boolValue', 'bool_value') === true;
  if ('intValue' in v || 'int_value' in v) {
    const i = get(v, 'intValue', 'int_value');
    if (typeof i === 'number') return i;
    if (typeof i === 'string' && /^-?\d+$/.test(i)) return int64Value(BigInt(i));
    return null;
  }
  if ('doubleValue' in v || 'double_value' in v) {
    const d = get(v, 'doubleValue', 'double_value');
    return typeof d === 'number' ? d : Number(d);
  }
  if ('arrayValue' in v || 'array_value' in v) {
    const a = get(v, 'arrayValue', 'array_value');
    return isJsonObject(a) && Array.isArray(a.values) ? a.values.map((e) => anyValue(e, depth + 1)) : [];
  }
  if ('kvlistValue' in v || 'kvlist_value' in v) {
    const kv = get(v, 'kvlistValue', 'kvlist_value');
    return isJsonObject(kv) ? keyValues(kv.values, depth + 1) : {};
  }
  if ('bytesValue' in v || 'bytes_value' in v) return String(get(v, 'bytesValue', 'bytes_value') ?? '');
  return null;
}

function keyValues(v: JsonValue | undefined, depth = 1): Obj {
  const out: Obj = {};
  if (!Array.isArray(v)) return out;
  for (const kv of v)
    if (isJsonObject(kv) && typeof kv.key === 'string') setMember(out, kv.key, anyValue(kv.value, depth));
  return out;
}

function logRecord(o: Obj): OtlpLogRecord {
  return {
    timeNs: uint64(get(o, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano'),
    observedNs: uint64(get(o, 'observedTimeUnixNano', 'observed_time_unix_nano'), 'observedTimeUnixNano'),
    severityNumber: severityNumber(get(o, 'severityNumber', 'severity_number')),
    severityText: String(get(o, 'severityText', 'severity_text') ?? ''),
    body: o.body === undefined ? undefined : anyValue(o.body, 1),
    attributes: keyValues(o.attributes),
    traceId: otlpJsonId(get(o, 'traceId', 'trace_id'), 16),
    spanId: otlpJsonId(get(o, 'spanId', 'span_id'), 8),
    eventName: String(get(o, 'eventName', 'event_name') ?? ''),
  };
}

/** With a sink, accepted records go to it one by one and the result's records stay empty. */
export function parseOtlpJson(body: string, nowNs: bigint, sink?: RecordSink): OtlpResult {
  let doc: unknown;
  try {
    doc = body.trim() === '' ? {} : JSON.parse(body);
  } catch (err) {
    throw new ParseError(`malformed JSON: ${(err as Error).message}`);
  }
  if (!isJsonObject(doc)) throw new ParseError('expected an ExportLogsServiceRequest object');
  const out = new OtlpCollector(nowNs, sink);
  list(get(doc, 'resourceLogs', 'resource_logs'), 'resourceLogs').forEach((rl, ri) => {
    const res = rl.resource;
    let resource: OtlpResource;
    try {
      resource = { attributes: isJsonObject(res) ? keyValues(res.attributes) : {} };
    } catch (err) {
      if (err instanceof RecordReject) throw new ParseError(`resourceLogs[${ri}].resource: ${err.message}`);
      throw err;
    }
    const labels = resourceLabels(resource);
    list(get(rl, 'scopeLogs', 'scope_logs'), `resourceLogs[${ri}].scopeLogs`).forEach((sl, si) => {
      const s = isJsonObject(sl.scope) ? sl.scope : {};
      const scope: OtlpScope = { name: String(s.name ?? ''), version: String(s.version ?? '') };
      const records = list(
        get(sl, 'logRecords', 'log_records'),
        `resourceLogs[${ri}].scopeLogs[${si}].logRecords`,
      );
      for (const r of records) {
        try {
          out.add(resource, labels, scope, logRecord(r));
        } catch (err) {
          if (!(err instanceof RecordReject)) throw err;
          out.reject(1, err.message);
        }
      }
    });
  });
  return out.result;
}
