// Where a query's field name points in a record: built-in columns first, then attributes (flat
// dotted keys such as "http.method" as well as nested objects such as {"user":{"id":42}}), then
// the stream labels. Pure; getters are built once per query, not per record.
import type { JsonValue, StoredRecord } from '../model.js';

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

export function isBuiltinField(field: string): boolean {
  return field.toLowerCase() in BUILTINS;
}

/** True when every value this field can read is covered by the store's token index. */
export function isTokenIndexedField(field: string): boolean {
  const lower = field.toLowerCase();
  if (lower in BUILTINS) return TOKEN_INDEXED_BUILTINS.has(lower);
  return true; // attributes and labels are indexed
}

export function fieldGetter(field: string): FieldGetter {
  const builtin = BUILTINS[field.toLowerCase()];
  if (builtin) return builtin;
  if (field.startsWith('labels.')) {
    const key = field.slice('labels.'.length);
    return (r) => r.labels[key];
  }
  const path = field.startsWith('attributes.') ? field.slice('attributes.'.length) : field;
  const parts = path.split('.');
  return (r) => {
    const direct = r.attributes[path];
    if (direct !== undefined) return direct;
    if (parts.length > 1) {
      const nested = getPath(r.attributes, parts, 0);
      if (nested !== undefined) return nested;
    }
    return r.labels[field];
  };
}

/** Resolves a.b.c against keys that may themselves contain dots, longest key first. */
function getPath(obj: JsonValue | undefined, parts: string[], from: number): JsonValue | undefined {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  for (let to = parts.length; to > from; to--) {
    const key = parts.slice(from, to).join('.');
    const value = (obj as Record<string, JsonValue>)[key];
    if (value === undefined) continue;
    if (to === parts.length) return value;
    const deeper = getPath(value, parts, to);
    if (deeper !== undefined) return deeper;
  }
  return undefined;
}

/** A field value as text for matching and display: strings as is, objects as JSON. */
export function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
