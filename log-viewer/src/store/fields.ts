// Field names with their most frequent values, from a sample of rows (for /api/fields and the UI).
import { LEVELS } from '../model.js';
import type { FieldInfo } from './log-store.js';
import type { Row } from './row.js';

/** Distinct values tracked per field before further new values are ignored. */
const MAX_TRACKED_VALUES = 1000;

export function collectFields(rows: Row[], maxValues: number): FieldInfo[] {
  const fields = new Map<string, { count: number; values: Map<string, number> }>();
  const see = (name: string, value: unknown) => {
    let f = fields.get(name);
    if (!f) {
      f = { count: 0, values: new Map() };
      fields.set(name, f);
    }
    f.count++;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    const n = f.values.get(text);
    if (n !== undefined) f.values.set(text, n + 1);
    else if (f.values.size < MAX_TRACKED_VALUES) f.values.set(text, 1);
  };
  const walk = (prefix: string, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}.${k}` : k, v);
    } else see(prefix, value);
  };
  for (const r of rows) {
    see('service', r.service);
    see('level', LEVELS[r.level]);
    if (r.host) see('host', r.host);
    if (r.traceId) see('trace_id', r.traceId);
    if (r.spanId) see('span_id', r.spanId);
    see('protocol', r.protocol);
    if (r.labels)
      for (const [k, v] of Object.entries(JSON.parse(r.labels) as Record<string, string>))
        see(`labels.${k}`, v);
    if (r.attrs) walk('', JSON.parse(r.attrs));
  }
  return [...fields.entries()]
    .map(([name, f]) => ({
      name,
      count: f.count,
      topValues: [...f.values.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, maxValues)
        .map(([value, count]) => ({ value, count })),
    }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}
