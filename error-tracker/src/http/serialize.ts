// API JSON uses snake_case keys (the cross-service contract: event_id, issue_id, ...). Model
// objects are converted key by key; an event's `data` (the SDK payload) is passed through as sent.
export function toSnakeCase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toSnakeCase);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const key = k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    out[key] = k === 'data' ? v : toSnakeCase(v);
  }
  return out;
}

export function page<T>(p: { data: T[]; nextCursor: string | null }) {
  return { data: toSnakeCase(p.data), next_cursor: p.nextCursor };
}
