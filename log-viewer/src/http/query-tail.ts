// GET /api/logs/tail: live tail as Server-Sent Events. Same query language as search; records reach
// the client as soon as the store reports them durable (store.subscribe), so the lag is the store's
// group-commit delay. Events: `log` (one record), `ready` (subscribed; after the optional backlog),
// `dropped` ({dropped: n} when a slow client lost lines, or beyond 2,000 lines/s per client), `heartbeat` (now_ms, dropped) every 5 s.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StoredRecord } from '../model.js';
import { prepareSearch, runPrepared } from '../query/run-query.js';
import { nowNs, type QueryDeps } from './query-handlers.js';
import { intParam, type RawQuery, stringParam } from './query-params.js';
import { recordJson } from './query-record-json.js';
import { TailBuffer, TailRateLimit } from './query-tail-buffer.js';

export const TAIL_HEARTBEAT_MS = 5_000;
const MAX_BACKLOG = 1_000;
/** The backlog is what the newest blocks give within this; a slow query must not hold the loop long. */
const BACKLOG_BUDGET_MS = 500;

function logEvent(r: StoredRecord): string {
  return `id: ${r.timeNs}-${r.seq}\nevent: log\ndata: ${JSON.stringify(recordJson(r))}\n\n`;
}

export function tailHandler(app: FastifyInstance, deps: QueryDeps) {
  const open = new Set<ServerResponse>();
  // Long-lived responses would hold app.close() open: end them when the server starts closing.
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  return async (request: FastifyRequest<{ Querystring: RawQuery }>, reply: FastifyReply) => {
    const q = request.query;
    const prepared = prepareSearch({
      query: stringParam(q, 'query') ?? stringParam(q, 'q') ?? '',
      from: stringParam(q, 'from') || '15m',
      nowNs: nowNs(deps),
    });
    const backlogSize = intParam(q, 'backlog', { min: 0, max: MAX_BACKLOG, default: 0 });
    const backlog =
      backlogSize > 0
        ? runPrepared(deps.store, prepared, {
            limit: backlogSize,
            budgetMs: BACKLOG_BUDGET_MS,
          }).records.reverse()
        : [];
    const { predicate, matchesAll } = prepared.compiled;

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    open.add(res);
    const buffer = new TailBuffer({ write: (chunk) => res.write(chunk) });
    const limit = new TailRateLimit(() => performance.now()); // wall time, even when tests fix the clock
    res.on('drain', () => buffer.drain());
    buffer.push(['retry: 3000\n\n', ...backlog.map(logEvent), 'event: ready\ndata: {}\n\n']);

    const unsubscribe = deps.store.subscribe((records) => {
      try {
        const matches = matchesAll ? records : records.filter(predicate);
        if (matches.length === 0) return;
        // Serialize only what this client can take; the rest is counted as dropped.
        const keep = Math.min(limit.take(matches.length), buffer.room());
        if (keep > 0) buffer.push(matches.slice(0, keep).map(logEvent));
        if (keep < matches.length) buffer.drop(matches.length - keep);
      } catch (err) {
        request.log.error({ err }, 'live tail listener failed');
      }
    });
    const heartbeat = setInterval(() => {
      buffer.offer(
        `event: heartbeat\ndata: ${JSON.stringify({ now_ms: deps.clock(), dropped: buffer.dropped })}\n\n`,
      );
    }, TAIL_HEARTBEAT_MS);
    heartbeat.unref();
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(res);
    });
  };
}
