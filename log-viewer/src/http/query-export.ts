// GET /api/logs/export?format=ndjson|csv: the search result as a download, streamed page by page
// (each page one bounded store scan) so memory stays flat and a slow client applies backpressure.
import { Readable } from 'node:stream';
import { ValidationError } from '@flowrent/shared/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type PreparedSearch, prepareSearch, runPrepared, SLICE_MS } from '../query/run-query.js';
import type { LogStore } from '../store/log-store.js';
import { nowNs, type QueryDeps } from './query-handlers.js';
import { intParam, type RawQuery, stringParam } from './query-params.js';
import { type RecordJson, recordJson } from './query-record-json.js';

export const MAX_EXPORT_RECORDS = 1_000_000;
const EXPORT_PAGE = 1_000;
const CSV_COLUMNS = [
  'timestamp',
  'level',
  'service',
  'host',
  'message',
  'trace_id',
  'span_id',
  'attributes',
  'labels',
] as const;

/** RFC 4180 quoting; cells that a spreadsheet would run as a formula (OWASP: = + - @ TAB CR) get a
 * leading apostrophe, except a plain negative number. */
export function csvCell(value: string): string {
  const v = /^[=+@\t\r]|^-(?!\d+(\.\d+)?([eE][+-]?\d+)?$)/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function csvRow(r: RecordJson): string {
  const cells = CSV_COLUMNS.map((c) => {
    const v = r[c];
    return csvCell(typeof v === 'string' ? v : JSON.stringify(v));
  });
  return `${cells.join(',')}\r\n`;
}

/** Between two pages of an export, and the pages' budget clock; tests step both. */
export interface ExportPacing {
  pause: () => Promise<void>;
  clock?: () => number;
}

const NEXT_TURN: ExportPacing = { pause: () => new Promise((resolve) => setImmediate(resolve)) };

export async function* exportLines(
  store: Pick<LogStore, 'scan'>,
  prepared: PreparedSearch,
  limit: number,
  format: 'ndjson' | 'csv',
  pacing: ExportPacing = NEXT_TURN,
): AsyncGenerator<string> {
  if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
  let cursor: string | undefined;
  let sent = 0;
  do {
    // A page ends after one slice of work, then the live tail and ingest run (pause(): yielding a
    // chunk to the stream is no turn of the event loop, and a page that matched nothing has none).
    if (cursor) await pacing.pause();
    const page = runPrepared(store, prepared, {
      limit: Math.min(EXPORT_PAGE, limit - sent),
      cursor,
      budgetMs: SLICE_MS,
      clock: pacing.clock,
    });
    let chunk = '';
    for (const r of page.records) {
      const json = recordJson(r);
      chunk += format === 'csv' ? csvRow(json) : `${JSON.stringify(json)}\n`;
    }
    sent += page.records.length;
    if (chunk) yield chunk;
    cursor = page.nextCursor;
  } while (cursor && sent < limit);
}

export function exportHandler(deps: QueryDeps) {
  return async (request: FastifyRequest<{ Querystring: RawQuery }>, reply: FastifyReply) => {
    const q = request.query;
    const format = stringParam(q, 'format') ?? 'ndjson';
    if (format !== 'ndjson' && format !== 'csv') {
      throw new ValidationError("'format' must be ndjson or csv", { param: 'format' });
    }
    const prepared = prepareSearch({
      query: stringParam(q, 'query') ?? stringParam(q, 'q') ?? '',
      from: stringParam(q, 'from'),
      to: stringParam(q, 'to'),
      nowNs: nowNs(deps),
    });
    const limit = intParam(q, 'limit', { min: 1, max: MAX_EXPORT_RECORDS, default: 100_000 });
    const stamp = new Date(deps.clock()).toISOString().replace(/[:.]/g, '-');
    reply
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="logs-${stamp}.${format}"`)
      .header('cache-control', 'no-store');
    return reply.send(Readable.from(exportLines(deps.store, prepared, limit, format)));
  };
}
