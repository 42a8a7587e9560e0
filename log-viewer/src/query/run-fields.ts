// Field names with their top values, for the UI's field sidebar and autocomplete. An empty query
// asks the store (it samples its newest blocks); a real query samples its newest matches, so the
// values shown are those of the current result.
import type { JsonValue, StoredRecord } from '../model.js';
import type { FieldInfo, LogStore } from '../store/log-store.js';
import { prepareSearch, runPreparedInSlices, type SearchParams } from './run-query.js';

export const FIELDS_SAMPLE_RECORDS = 1_000;
const FIELDS_MAX_BLOCKS = 100;
const MAX_VALUE_CHARS = 200;
const MAX_FIELDS = 200;

/** `pause`: awaited between slices of the sample's scan (runPreparedInSlices), as for a search. */
export async function runFields(
  store: LogStore,
  params: SearchParams & { maxValues?: number; pause: () => Promise<void> },
): Promise<FieldInfo[]> {
  const maxValues = params.maxValues ?? 10;
  const prepared = prepareSearch(params);
  if (!prepared.filter) return [];
  if (prepared.compiled.matchesAll) {
    return store.fields(prepared.filter, { maxBlocks: FIELDS_MAX_BLOCKS, maxValues });
  }
  const { records } = await runPreparedInSlices(store, prepared, {
    limit: FIELDS_SAMPLE_RECORDS,
    maxBlocks: FIELDS_MAX_BLOCKS,
    budgetMs: params.budgetMs ?? Number.POSITIVE_INFINITY,
    clock: params.clock,
    pause: params.pause,
  });
  return countFields(records, maxValues);
}

export function countFields(records: StoredRecord[], maxValues: number): FieldInfo[] {
  const fields = new Map<string, Map<string, number>>();
  const add = (name: string, value: string) => {
    if (value === '') return;
    let values = fields.get(name);
    if (!values) {
      if (fields.size >= MAX_FIELDS) return;
      values = new Map();
      fields.set(name, values);
    }
    const v = value.length > MAX_VALUE_CHARS ? value.slice(0, MAX_VALUE_CHARS) : value;
    values.set(v, (values.get(v) ?? 0) + 1);
  };
  for (const r of records) {
    add('service', r.service);
    add('level', r.level);
    add('host', r.host);
    add('trace_id', r.traceId);
    add('protocol', r.protocol);
    for (const [k, v] of Object.entries(r.labels)) add(`labels.${k}`, v);
    flatten(r.attributes, '', add);
  }
  return [...fields.entries()]
    .map(([name, values]) => ({
      name,
      count: [...values.values()].reduce((a, b) => a + b, 0),
      topValues: [...values.entries()]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, maxValues)
        .map(([value, count]) => ({ value, count })),
    }))
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1));
}

function flatten(
  obj: Record<string, JsonValue>,
  prefix: string,
  add: (name: string, value: string) => void,
): void {
  for (const [k, v] of Object.entries(obj)) {
    const name = prefix + k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v, `${name}.`, add);
    else add(name, typeof v === 'string' ? v : JSON.stringify(v));
  }
}
