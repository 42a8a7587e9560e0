// Elasticsearch `_bulk` (NDJSON action/document pairs, docs: elastic.co "Bulk API"), the subset log
// shippers use: `index` and `create` actions. Other actions get a per-item error, as do unreadable
// documents; a broken action line fails the whole request like Elasticsearch does.
import { ParseError } from '@flowrent/shared/errors';
import type { LogRecord } from '../model.js';
import { isJsonObject, RecordError, recordFromObject } from './json-record.js';
import { lineFits } from './limits.js';

export interface BulkItem {
  action: string;
  /** The action's `_index`, if it names one. */
  index?: string;
  status: number;
  error?: { type: string; reason: string };
}

export interface BulkResult {
  records: LogRecord[];
  /** One per action, in request order (the `items` of the response). */
  items: BulkItem[];
}

/**
 * `defaultIndex`: the URL's `/<index>/_bulk`, the index (and `_index` label) of actions that name
 * none, as Elasticsearch reads it.
 */
export function parseBulk(body: string, nowNs: bigint, defaultIndex?: string): BulkResult {
  const lines = body.split('\n');
  const result: BulkResult = { records: [], items: [] };
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i].trim();
    if (text === '') continue;
    let action: unknown;
    try {
      action = JSON.parse(text);
    } catch (err) {
      throw new ParseError(`line ${i + 1}: malformed action: ${(err as Error).message}`, {
        position: { line: i + 1 },
      });
    }
    const name = isJsonObject(action) ? Object.keys(action)[0] : undefined;
    if (!name || !isJsonObject(action))
      throw new ParseError(`line ${i + 1}: expected an action object`, { position: { line: i + 1 } });
    const meta = action[name];
    const index =
      isJsonObject(meta) && typeof meta._index === 'string' && meta._index !== ''
        ? meta._index
        : defaultIndex || undefined;
    if (name === 'delete') {
      result.items.push({
        action: name,
        index,
        status: 400,
        error: { type: 'illegal_argument_exception', reason: 'delete is not supported' },
      });
      continue;
    }
    const docText = lines[++i]?.trim();
    if (docText === undefined || docText === '')
      throw new ParseError(`line ${i + 1}: action ${name} has no document line`, {
        position: { line: i + 1 },
      });
    if (name !== 'index' && name !== 'create') {
      result.items.push({
        action: name,
        index,
        status: 400,
        error: { type: 'illegal_argument_exception', reason: `${name} is not supported` },
      });
      continue;
    }
    if (!lineFits(docText)) {
      result.items.push({
        action: name,
        index,
        status: 413,
        error: { type: 'document_too_large', reason: 'document exceeds MAX_LINE_BYTES = 262144' },
      });
      continue;
    }
    try {
      const doc: unknown = JSON.parse(docText);
      if (!isJsonObject(doc)) throw new RecordError('document is not a JSON object');
      result.records.push(
        recordFromObject(doc, { protocol: 'elasticsearch', nowNs, labels: index ? { _index: index } : {} }),
      );
      result.items.push({ action: name, index, status: 201 });
    } catch (err) {
      const reason =
        err instanceof RecordError ? err.message : `malformed document: ${(err as Error).message}`;
      result.items.push({
        action: name,
        index,
        status: 400,
        error: { type: 'mapper_parsing_exception', reason },
      });
    }
  }
  return result;
}

/**
 * The bulk response body Filebeat, Vector, Logstash and Fluent Bit read. Each item echoes the index
 * asked for, as Elasticsearch does: the action's `_index`, else the URL's (`/<index>/_bulk`), else
 * `logs` (Elasticsearch would refuse an action with no index; shippers always name one).
 */
export function bulkResponse(items: BulkItem[], tookMs: number, urlIndex?: string): object {
  const fallback = urlIndex || 'logs';
  return {
    took: tookMs,
    errors: items.some((i) => i.status >= 300),
    items: items.map((i) => ({
      [i.action]: { _index: i.index ?? fallback, status: i.status, ...(i.error ? { error: i.error } : {}) },
    })),
  };
}
