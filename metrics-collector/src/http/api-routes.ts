// The Prometheus HTTP API routes, every one visible in this table. GET and POST (form-encoded, as
// Grafana and promtool send) both work; errors answer Prometheus' body
// {"status":"error","errorType":…,"error":…} with its status codes, not the service-wide shape.
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PromQLError } from '../promql/errors.js';
import { formatPromError, formatPromSuccess, statusForErrorType } from '../promql/format.js';
import { ParsedQueries } from '../promql/parse-cache.js';
import { defaultQuerySlicing, type QuerySlicing } from '../promql/query.js';
import type { SampleSource } from '../promql/sample-source.js';
import type { RuleManager } from '../rules/rule-manager.js';
import type { ExemplarStore } from '../store/exemplar-store.js';
import { queryExemplars } from './api-exemplars.js';
import {
  buildInfo,
  listLabelNames,
  listLabelValues,
  listMetadata,
  listSeries,
  type MetricMetadataEntry,
} from './api-meta.js';
import { FormParams } from './api-params.js';
import { instantQuery, QueryGate, rangeQuery } from './api-query.js';
import { listAlerts, listRules } from './rules-api.js';

export interface PromApiDeps {
  source: SampleSource;
  clock: () => number;
  version: string;
  metadata?: () => Iterable<[string, MetricMetadataEntry]>;
  rules?: () => RuleManager | undefined;
  exemplars?: ExemplarStore;
  queryTimeoutMs?: number;
  lookbackMs?: number;
  subqueryStepMs?: number;
  /** Default: 10 ms slices between event-loop turns. */
  querySlicing?: QuerySlicing;
  /** Queries evaluated at once (--query.max-concurrency); default 4. */
  maxConcurrentQueries?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** How queries share the event loop; tests replace its fields to hold a query mid-way. */
    querySlicing: QuerySlicing;
    /** How many queries evaluate at once; the others wait. */
    queryGate: QueryGate;
  }
}

/** Form bodies are read raw (the shared app would fold repeated `match[]` keys into one). */
const FORM_BODY = { rawBody: true };

type Handler = (
  p: FormParams,
  req: FastifyRequest<{ Params: { name?: string } }>,
) => string | Readable | Promise<string | Readable>;

export function registerPromApi(app: FastifyInstance, deps: PromApiDeps): void {
  const slicing = deps.querySlicing ?? defaultQuerySlicing();
  app.decorate('querySlicing', slicing);
  const gate = new QueryGate(deps.maxConcurrentQueries ?? 4);
  app.decorate('queryGate', gate);
  const q = {
    slicing,
    gate,
    source: deps.source,
    clock: deps.clock,
    timeoutMs: deps.queryTimeoutMs ?? 120_000,
    lookbackMs: deps.lookbackMs ?? 300_000,
    subqueryStepMs: deps.subqueryStepMs,
    parsed: new ParsedQueries(),
  };
  const meta = { source: deps.source, version: deps.version, metadata: deps.metadata };
  const ok = (data: unknown) => formatPromSuccess(data);
  const routes: Array<[string, Handler]> = [
    ['/api/v1/query', (p, req) => instantQuery(q, p, clientGone(req))],
    ['/api/v1/query_range', (p, req) => rangeQuery(q, p, clientGone(req))],
    ['/api/v1/series', (p) => ok(listSeries(meta, p))],
    ['/api/v1/labels', (p) => ok(listLabelNames(meta, p))],
    ['/api/v1/label/:name/values', (p, req) => ok(listLabelValues(meta, p, req.params.name ?? ''))],
    ['/api/v1/metadata', (p) => ok(listMetadata(meta, p))],
    ['/api/v1/status/buildinfo', () => ok(buildInfo(meta))],
    ['/api/v1/query_exemplars', (p) => ok(queryExemplars(deps.exemplars, p))],
    ['/api/v1/rules', (p) => ok(listRules(deps.rules?.(), p))],
    ['/api/v1/alerts', () => ok(listAlerts(deps.rules?.()))],
  ];
  for (const [url, handler] of routes) {
    app.route({
      method: ['GET', 'POST'],
      url,
      config: FORM_BODY,
      handler: async (req: FastifyRequest<{ Params: { name?: string } }>, reply: FastifyReply) => {
        const body = req.method === 'POST' && isForm(req) ? (req.body as Buffer | undefined) : undefined;
        try {
          const text = await handler(new FormParams(req.url, body), req);
          return reply.type('application/json').send(text);
        } catch (e) {
          // Prometheus clients read errorType/error; unexpected failures (storage) are "internal".
          const err = e instanceof PromQLError ? e : new PromQLError('internal', (e as Error).message);
          if (!(e instanceof PromQLError)) req.log.error({ err: e }, 'prometheus api handler failed');
          return reply
            .status(statusForErrorType(err.errorType))
            .type('application/json')
            .send(formatPromError(err.errorType, err.message));
        }
      },
    });
  }
}

/** Whether the client closed the connection of this request (it no longer waits for the answer). */
function clientGone(req: FastifyRequest): () => boolean {
  return () => req.raw.socket.destroyed;
}

function isForm(req: FastifyRequest): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/x-www-form-urlencoded' || type === '';
}
