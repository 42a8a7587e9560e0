// Handlers of the read API: parse → one query/store call → respond. Auth is the app's admin check
// (API key, or the UI session cookie registered by the UI kit).
import { NotFound, ValidationError } from '@flowrent/shared/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LEVELS } from '../model.js';
import { runContext } from '../query/run-context.js';
import { runFields } from '../query/run-fields.js';
import { runHistogram } from '../query/run-histogram.js';
import { MAX_LIMIT, prepareSearch, runPreparedInSlices } from '../query/run-query.js';
import { parseDuration } from '../query/time-range.js';
import type { LogStore } from '../store/log-store.js';
import {
  intParam,
  nsParam,
  type RawQuery,
  SEARCH_BUDGET_MS,
  searchParams,
  stringParam,
} from './query-params.js';
import { formatTimestampNs, recordJson } from './query-record-json.js';

export interface QueryDeps {
  store: LogStore;
  /** Epoch ms. */
  clock: () => number;
  /** Monotonic ms of the search and histogram time budgets; performance.now() unless a test steps it. */
  budgetClock?: () => number;
}

export function nowNs(deps: QueryDeps): bigint {
  return BigInt(Math.floor(deps.clock())) * 1_000_000n;
}

type Req = FastifyRequest<{ Querystring: RawQuery }>;

/** Between two slices of a slow read: the live tail, ingest acknowledgements and other requests run. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The context's scope: `stream` (default) or `service`; anything else was read as `stream`. */
function scopeParam(scope: string | undefined): 'stream' | 'service' {
  if (scope === undefined || scope === 'stream' || scope === 'service') return scope ?? 'stream';
  throw new ValidationError("'scope' must be stream or service", { param: 'scope' });
}

export function queryHandlers(deps: QueryDeps) {
  return {
    async search(request: Req) {
      const started = performance.now();
      const params = searchParams(request.query, nowNs(deps), MAX_LIMIT);
      const result = await runPreparedInSlices(deps.store, prepareSearch(params), {
        ...params,
        budgetMs: SEARCH_BUDGET_MS,
        clock: deps.budgetClock,
        pause: nextTurn,
      });
      return {
        data: result.records.map(recordJson),
        next_cursor: result.nextCursor ?? null,
        truncated: result.truncated,
        stats: {
          blocks_scanned: result.blocksScanned,
          blocks_pruned: result.blocksPruned,
          took_ms: Math.round((performance.now() - started) * 10) / 10,
        },
      };
    },

    async histogram(request: Req) {
      const q = request.query;
      const step = stringParam(q, 'step');
      const stepNs = step ? (parseDuration(step) ?? undefined) : undefined;
      if (step && !stepNs)
        throw new ValidationError("'step' must be a duration such as 1m or 1h", { param: 'step' });
      const h = await runHistogram(deps.store, {
        ...searchParams(q, nowNs(deps), MAX_LIMIT),
        stepNs,
        clock: deps.budgetClock,
        pause: nextTurn,
      });
      const buckets = h.counts.info.length;
      const totals = Array.from({ length: buckets }, (_, i) =>
        LEVELS.reduce((sum, l) => sum + h.counts[l][i], 0),
      );
      return {
        data: {
          start: formatTimestampNs(h.startNs),
          start_ns: h.startNs.toString(),
          step_ns: h.stepNs.toString(),
          step_ms: Number(h.stepNs / 1_000_000n),
          counts: h.counts,
          totals,
          total: totals.reduce((a, b) => a + b, 0),
        },
        source: h.source,
        truncated: h.truncated,
      };
    },

    async context(request: Req) {
      const q = request.query;
      const result = runContext(deps.store, {
        timeNs: nsParam(q, 'time_ns'),
        seq: intParam(q, 'seq', { min: 0, max: Number.MAX_SAFE_INTEGER, default: -1 }),
        before: intParam(q, 'before', { min: 0, max: 500, default: 20 }),
        after: intParam(q, 'after', { min: 0, max: 500, default: 20 }),
        scope: scopeParam(stringParam(q, 'scope')),
      });
      if (!result) throw new NotFound('no record with that time_ns and seq');
      return {
        data: {
          before: result.before.map(recordJson),
          anchor: recordJson(result.anchor),
          after: result.after.map(recordJson),
        },
      };
    },

    async fields(request: Req) {
      const q = request.query;
      const maxValues = intParam(q, 'values', { min: 1, max: 100, default: 10 });
      const fields = await runFields(deps.store, {
        ...searchParams(q, nowNs(deps), MAX_LIMIT),
        maxValues,
        pause: nextTurn,
      });
      return {
        data: fields.map((f) => ({ name: f.name, count: f.count, top_values: f.topValues })),
      };
    },
  };
}

export type QueryHandler = (request: Req, reply: FastifyReply) => Promise<unknown>;
