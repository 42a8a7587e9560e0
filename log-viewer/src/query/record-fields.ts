// Where a query's field name points in a record: built-in columns first, then attributes (flat
// dotted keys such as "http.method" as well as nested objects such as {"user":{"id":42}}), then
// the stream labels. Pure; getters are built once per query, not per record.
import type { JsonValue, StoredRecord } from '../model.js';
import { parseLogfmt } from './logfmt.js';

export type FieldGetter = (record: StoredRecord) => unknown;

/** Built-in field names (lower case) and the column they read. */
const BUILTINS: Record<string, FieldGetter> = {
  message: (r) => r.message,
  msg: (r) => r.message,
  _msg: (r) => r.message,
  level: (r) => r.level,
  level_text: (r) => r.levelText,
  severity: (r) => r.severity,
  service: (r) => r.service,
  host: (r) => r.host,
  trace_id: (r) => r.traceId,
  span_id: (r) => r.spanId,
  protocol: (r) => r.protocol,
};

/** Fields whose values the store's block token index covers (see ScanFilter.requiredTokens). */
const TOKEN_INDEXED_BUILTINS = new Set(['message', 'msg', '_msg', 'host', 'trace_id', 'span_id']);

/** The built-in getter of a field name; own keys only, so `constructor:` or `__proto__:` is an attribute. */
function builtinGetter(field: string): FieldGetter | undefined {
  const lower = field.toLowerCase();
  return Object.hasOwn(BUILTINS, lower) ? BUILTINS[lower] : undefined;
}

export function isBuiltinField(field: string): boolean {
  return builtinGetter(field) !== undefined;
}

/** True when every value this field can read is covered by the store's token index. */
export function isTokenIndexedField(field: string): boolean {
  if (isBuiltinField(field)) return TOKEN_INDEXED_BUILTINS.has(field.toLowerCase());
  return true; // attributes and labels are indexed
}

/** `flat`: a LogQL label name (see flattenedGetter); a dotted name stays a path. */
export function fieldGetter(field: string, flat = false): FieldGetter {
  const builtin = builtinGetter(field);
  if (builtin) return builtin;
  if (flat && !field.includes('.')) return flattenedGetter(field);
  if (field.startsWith('labels.')) {
    const key = field.slice('labels.'.length);
    return (r) => ownValue(r.labels, key);
  }
  const path = field.startsWith('attributes.') ? field.slice('attributes.'.length) : field;
  const keyPaths = splitKeyPaths(path.split('.'));
  return (r) => {
    for (const keys of keyPaths) {
      let v: JsonValue | undefined = r.attributes;
      for (const key of keys) {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) {
          v = undefined;
          break;
        }
        v = ownValue(v as Record<string, JsonValue>, key);
        if (v === undefined) break;
      }
      if (v !== undefined) return v;
    }
    return ownValue(r.labels, field);
  };
}

/**
 * A label name after Loki's `| json` (grafana/loki pkg/logql/log/parser.go): nested keys joined by
 * `_`, each key's characters other than [A-Za-z0-9_] replaced by `_` and a leading digit of the
 * first prefixed by `_`. So `user_id` reads {"user":{"id":42}}, {"user.id":42} and {"user_id":42},
 * `user_home_town` reads {"user":{"home-town":"Oslo"}}. An own key of that exact name is read
 * first; the walk over keys runs only when it misses. Then the stream labels, likewise. A label the
 * line does not have reads as '', as Loki compares it (`x!=""` keeps the lines that have x, `x=""`
 * the others; a numeric comparison is false).
 */
function flattenedGetter(name: string): FieldGetter {
  return (r) => {
    const v = flattenedValue(r.attributes, name, true);
    return v !== undefined ? v : (flattenedValue(r.labels, name, true) ?? '');
  };
}

function flattenedValue<T>(obj: Record<string, T>, name: string, first: boolean): T | undefined {
  const own = ownValue(obj, name);
  if (own !== undefined) return own;
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) continue;
    const label = sanitizedKey(key, first);
    if (label === name) return obj[key];
    const v = obj[key];
    if (name.startsWith(label) && name[label.length] === '_' && v !== null && typeof v === 'object') {
      if (Array.isArray(v)) continue; // Loki's json parser extracts no array members
      const inner = flattenedValue(v as Record<string, T>, name.slice(label.length + 1), false);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

function sanitizedKey(key: string, first: boolean): string {
  const label = key.trim().replace(/[^A-Za-z0-9_]/g, '_');
  return first && /^[0-9]/.test(label) ? `_${label}` : label;
}

/**
 * A label after `| logfmt`: the key Loki's logfmt parser extracts from the line (a clash with a
 * stream label as `<key>_extracted`), else what the flattened name reads. The last line's pairs
 * are kept, so the filters of one record parse it once each at most.
 */
export function logfmtGetter(name: string): FieldGetter {
  const rest = flattenedGetter(name);
  return (r) => logfmtPairs(r).get(name) ?? rest(r);
}

let lastLine: StoredRecord | undefined;
let lastPairs = new Map<string, string>();

/** The logfmt pairs of a record's message (the last record's are remembered). */
export function logfmtPairs(r: StoredRecord): Map<string, string> {
  if (r !== lastLine) {
    lastPairs = parseLogfmt(r.message, r.labels);
    lastLine = r;
  }
  return lastPairs;
}

/**
 * A key the record holds, never one its prototype lends: `constructor:*` matched every record and
 * `__proto__:x` walked into Object.prototype (a getter that was no function: a 500).
 */
function ownValue<T>(obj: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * Every way to read a.b.c when keys may themselves contain dots ("a.b" then "c", "a" then "b.c",
 * ...), longest keys first, so the getter walks plain property lookups per record.
 */
export function splitKeyPaths(parts: string[]): string[][] {
  if (parts.length === 0) return [[]];
  const out: string[][] = [];
  for (let take = parts.length; take >= 1; take--) {
    const head = parts.slice(0, take).join('.');
    for (const rest of splitKeyPaths(parts.slice(take))) out.push([head, ...rest]);
  }
  return out;
}

/** A field value as text for matching and display: strings as is, objects as JSON. */
export function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
