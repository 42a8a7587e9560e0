// GET /api/logs/tail: live tail as Server-Sent Events. Same query language as search; records reach
// the client as soon as the store reports them durable (store.subscribe), so the lag is the store's
// group-commit delay. Events: `log` (one record), `ready` (subscribed; after the optional backlog),
// `dropped` ({dropped: n} when a slow client lost lines, or beyond 2,000 lines/s per client), `heartbeat` (now_ms, dropped) every 5 s.
// A reconnect with `Last-Event-ID` (EventSource sends the last `id:`) gets the lines that matched
// since that one before `ready`, instead of the backlog, and those it cannot replay as `dropped`;
// when its scan ran out of budget before the end, `lower_bound: true` says more may be missing.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StoredRecord } from '../model.js';
import { DEFAULT_MAX_BLOCKS, prepareSearch, runPrepared } from '../query/run-query.js';
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

/** How far before the last line a reconnect looks (a line's time is its sender's, not arrival). */
const REPLAY_SLACK_NS = 5n * 60n * 1_000_000_000n;
/** Past every time a record can have (parsers refuse times from 2^63 ns on). */
const END_OF_TIME_NS = 2n ** 63n;

/** `Last-Event-ID: <time_ns>-<seq>` as logEvent() writes it; anything else is ignored. */
function parseEventId(header: string | string[] | undefined): { timeNs: bigint; seq: number } | undefined {
  const m = typeof header === 'string' ? /^(\d{1,20})-(\d{1,15})$/.exec(header.trim()) : null;
  return m ? { timeNs: BigInt(m[1]), seq: Number(m[2]) } : undefined;
}

interface Replay {
  records: StoredRecord[];
  /** Matching lines seen and not replayed. */
  missed: number;
  /** False when the budget stopped the scan: lines it did not reach are not in `missed`. */
  complete: boolean;
}

/**
 * The lines matching the tail's query appended after `since` (seq is the store's append order, and
 * blocks whose rows all came before it are not read): those timed from the tail's window start and
 * five minutes before the last line's time (or the clock, if that is earlier) on, the newest
 * MAX_BACKLOG of them, are replayed in arrival order (times ahead of the clock included, as live).
 * Every other one is `missed` and sent as dropped: the live tail would have sent it, whatever its
 * time. Bounded by BACKLOG_BUDGET_MS and DEFAULT_MAX_BLOCKS like the backlog: counting the lines past
 * them would mean reading them, so the replay is then `complete: false` instead.
 */
function replaySince(
  { store, budgetClock = () => performance.now() }: QueryDeps,
  { filter, compiled }: ReturnType<typeof prepareSearch>,
  since: { timeNs: bigint; seq: number },
  clockNs: bigint,
): Replay {
  const records: StoredRecord[] = [];
  let missed = 0;
  if (!filter) return { records, missed, complete: true };
  // From the last line's time, but not from a time ahead of the clock: a sender whose clock runs
  // ahead would hide every line that arrived after its own
  const slack = (since.timeNs < clockNs ? since.timeNs : clockNs) - REPLAY_SLACK_NS;
  const floor = filter.fromNs > slack ? filter.fromNs : slack;
  const deadline = budgetClock() + BACKLOG_BUDGET_MS;
  let visited = 0;
  let outOfTime = false;
  const { truncated } = store.scan(
    {
      ...filter,
      // every time: what arrived since is found by seq; the floor only decides replayed or counted.
      // Not the window's end (now) either: the live tail sends a line whatever its time
      fromNs: 0n,
      toNs: END_OF_TIME_NS,
      minSeq: since.seq,
      order: 'desc',
      maxBlocks: DEFAULT_MAX_BLOCKS,
    },
    (r) => {
      if (r.seq > since.seq && (compiled.matchesAll || compiled.predicate(r))) {
        if (r.timeNs >= floor && records.length < MAX_BACKLOG) records.push(r);
        else missed++;
      }
      if ((++visited & 255) !== 0 || budgetClock() < deadline) return true;
      outOfTime = true;
      return false;
    },
  );
  records.sort((a, b) => a.seq - b.seq);
  return { records, missed, complete: !outOfTime && !truncated };
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
    const since = parseEventId(request.headers['last-event-id']);
    // A reconnect (EventSource sends the last id it saw): what matched meanwhile, not the backlog again.
    const replay = since ? replaySince(deps, prepared, since, nowNs(deps)) : undefined;
    const backlog =
      replay?.records ??
      (backlogSize > 0
        ? runPrepared(deps.store, prepared, {
            limit: backlogSize,
            budgetMs: BACKLOG_BUDGET_MS,
          }).records.reverse()
        : []);
    const { predicate, matchesAll } = prepared.compiled;
    // A replayed line that is also reported durable after the scan saw it is not sent twice.
    const sent = replay ? new Set(replay.records.map((r) => r.seq)) : undefined;

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
    buffer.push(['retry: 3000\n\n', ...backlog.map(logEvent)]);
    if (replay && !replay.complete) buffer.dropAtLeast(replay.missed);
    else if (replay && replay.missed > 0) buffer.drop(replay.missed);
    buffer.push(['event: ready\ndata: {}\n\n']);

    const unsubscribe = deps.store.subscribe((records) => {
      try {
        let matches = matchesAll ? records : records.filter(predicate);
        if (sent?.size) matches = matches.filter((r) => !sent.delete(r.seq));
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
        `event: heartbeat\ndata: ${JSON.stringify({ now_ms: deps.clock(), ...buffer.droppedJson })}\n\n`,
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
