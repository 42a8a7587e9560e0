// Field names with their most frequent values, from a sample of rows (for /api/fields and the UI).
import { LEVELS } from '../model.js';
import type { FieldInfo } from './log-store.js';
import type { Row } from './row.js';

/** Distinct values tracked per field before further new values are ignored. */
const MAX_TRACKED_VALUES = 1000;

/**
 * Field counts fed one row at a time, so a sample of several blocks (32 k rows) is never held as
 * rows at once: each row is counted as its block is read and dropped.
 */
export class FieldCollector {
  private readonly fields = new Map<string, { count: number; values: Map<string, number> }>();

  private see(name: string, value: unknown): void {
    let f = this.fields.get(name);
    if (!f) {
      f = { count: 0, values: new Map() };
      this.fields.set(name, f);
    }
    f.count++;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    const n = f.values.get(text);
    if (n !== undefined) f.values.set(text, n + 1);
    else if (f.values.size < MAX_TRACKED_VALUES) f.values.set(text, 1);
  }

  private walk(prefix: string, value: unknown): void {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) this.walk(prefix ? `${prefix}.${k}` : k, v);
    } else this.see(prefix, value);
  }

  add(r: Row): void {
    this.see('service', r.service);
    this.see('level', LEVELS[r.level]);
    if (r.host) this.see('host', r.host);
    if (r.traceId) this.see('trace_id', r.traceId);
    if (r.spanId) this.see('span_id', r.spanId);
    this.see('protocol', r.protocol);
    if (r.labels)
      for (const [k, v] of Object.entries(JSON.parse(r.labels) as Record<string, string>))
        this.see(`labels.${k}`, v);
    if (r.attrs) this.walk('', JSON.parse(r.attrs));
  }

  result(maxValues: number): FieldInfo[] {
    return [...this.fields.entries()]
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
}
