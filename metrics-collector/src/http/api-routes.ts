// The Prometheus HTTP API routes, every one visible in this table. GET and POST (form-encoded, as
// Grafana and promtool send) both work; errors answer Prometheus' body
// {"status":"error","errorType":…,"error":…} with its status codes, not the service-wide shape.
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PromQLError } from '../promql/errors.js';
import { formatPromError, formatPromSuccess, goJson, statusForErrorType } from '../promql/format.js';
import { ParsedQueries } from '../promql/parse-cache.js';
import { DEFAULT_MAX_SAMPLES, defaultQuerySlicing, type QuerySlicing } from '../promql/query.js';
import type { SampleSource } from '../promql/sample-source.js';
import type { RuleManager } from '../rules/rule-manager.js';
import type { ExemplarStore } from '../store/exemplar-store.js';
import { Heads } from '../store/head.js';
import type { MetricsStore } from '../store/metrics-store.js';
import { SeriesIndex } from '../store/series-index.js';
import { queryExemplars } from './api-exemplars.js';
import {
  buildInfo,
  listLabelNames,
  listLabelValues,
  listMetadata,
  listSeries,
  listTargetMetadata,
  type MetricMetadataEntry,
  type ScrapeTargetMetadata,
} from './api-meta.js';
import { type ConfigSource, statusConfigYaml } from './api-config.js';
import { FormParams } from './api-params.js';
import { runtimeInfo, type StatusSettings, statusFlags, tsdbStatusJson } from './api-status.js';
import { formatQuery, instantQuery, QueryGate, rangeQuery } from './api-query.js';
import { listAlerts, listRules } from './rules-api.js';

export interface PromApiDeps {
  source: SampleSource;
  clock: () => number;
  version: string;
  metadata?: () => Iterable<[string, MetricMetadataEntry]>;
  /** Active scrape targets with their scraped metadata, for /api/v1/targets/metadata. */
  targetsMetadata?: () => ScrapeTargetMetadata[];
  rules?: () => RuleManager | undefined;
  /** ALERT_WEBHOOK_URLS, listed by /api/v1/alertmanagers where Prometheus lists its Alertmanagers. */
  alertWebhooks?: string[];
  exemplars?: ExemplarStore;
  queryTimeoutMs?: number;
  lookbackMs?: number;
  subqueryStepMs?: number;
  /** Default: 10 ms slices between event-loop turns. */
  querySlicing?: QuerySlicing;
  /** Queries evaluated at once (--query.max-concurrency); default 4. */
  maxConcurrentQueries?: number;
  /** For /api/v1/status/{flags,runtimeinfo,tsdb}: the store and the settings they report. */
  status?: {
    store: MetricsStore;
    retentionMs: number;
    maxDiskBytes: number;
    scrapeConfigFile: string;
    logLevel: string;
    /** For /api/v1/status/config; absent: an empty scrape config. */
    config?: ConfigSource;
  };
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
  const gate = new QueryGate(deps.maxConcurrentQueries ?? 4, () => slicing.now());
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
  const settings: StatusSettings = {
    lookbackMs: q.lookbackMs,
    queryTimeoutMs: q.timeoutMs,
    maxConcurrentQueries: gate.max,
    maxSamples: DEFAULT_MAX_SAMPLES,
    retentionMs: deps.status?.retentionMs ?? 0,
    maxDiskBytes: deps.status?.maxDiskBytes ?? 0,
    scrapeConfigFile: deps.status?.scrapeConfigFile ?? '',
    logLevel: deps.status?.logLevel ?? '',
    startedMs: deps.clock(),
  };
  const store = deps.status?.store;
  // Rendered once: the config is the one loaded at start, as Prometheus shows its loaded one.
  let configYaml: string | undefined;
  const statusConfig = () => {
    configYaml ??= statusConfigYaml(deps.status?.config ?? EMPTY_CONFIG);
    return ok({ yaml: configYaml });
  };
  // Methods as Prometheus 2.42 routes them (label values and metadata also take POST, on purpose).
  const both: Method[] = ['GET', 'POST'];
  const get: Method[] = ['GET'];
  const routes: Array<[string, Method[], Handler]> = [
    ['/api/v1/query', both, (p, req) => instantQuery(q, p, clientGone(req))],
    ['/api/v1/query_range', both, (p, req) => rangeQuery(q, p, clientGone(req))],
    ['/api/v1/series', both, (p) => ok(listSeries(meta, p))],
    ['/api/v1/labels', both, (p) => ok(listLabelNames(meta, p))],
    ['/api/v1/label/:name/values', both, (p, req) => ok(listLabelValues(meta, p, req.params.name ?? ''))],
    ['/api/v1/metadata', both, (p) => ok(listMetadata(meta, p))],
    ['/api/v1/targets/metadata', get, (p) => ok(listTargetMetadata(deps.targetsMetadata?.() ?? [], p))],
    ['/api/v1/status/buildinfo', get, () => ok(buildInfo(meta))],
    ['/api/v1/status/config', get, statusConfig],
    ['/api/v1/status/flags', get, () => ok(statusFlags({ ...settings, maxConcurrentQueries: gate.max }))],
    ['/api/v1/status/runtimeinfo', get, () => ok(runtimeInfo(settings))],
    ['/api/v1/status/walreplay', get, () => ok(store?.walReplay ?? { min: 0, max: 0, current: 0 })],
    [
      '/api/v1/status/tsdb',
      get,
      () => goJson(`{"status":"success","data":${tsdbStatusJson(store ?? EMPTY_STORE)}}`),
    ],
    ['/api/v1/query_exemplars', both, (p) => ok(queryExemplars(deps.exemplars, p))],
    ['/api/v1/format_query', both, (p) => ok(formatQuery(q, p))],
    ['/api/v1/rules', get, (p) => ok(listRules(deps.rules?.(), p))],
    ['/api/v1/alerts', get, () => ok(listAlerts(deps.rules?.()))],
    [
      '/api/v1/alertmanagers',
      get,
      () =>
        ok({
          activeAlertmanagers: (deps.alertWebhooks ?? []).map((url) => ({ url })),
          droppedAlertmanagers: [],
        }),
    ],
  ];
  for (const [url, methods, handler] of routes) {
    app.route({
      method: methods,
      url,
      config: FORM_BODY,
      exposeHeadRoute: false,
      handler: async (req: FastifyRequest<{ Params: { name?: string } }>, reply: FastifyReply) => {
        const body = req.method === 'POST' && isForm(req) ? (req.body as Buffer | undefined) : undefined;
        try {
          const text = await handler(new FormParams(req.url, body), req);
          return reply.type('application/json').send(text);
        } catch (e) {
          // Prometheus clients read errorType/error; unexpected failures (storage) are "internal".
          const err = e instanceof PromQLError ? e : new PromQLError('internal', (e as Error).message);
          if (!(e instanceof PromQLError)) req.log.error({ err: e }, 'prometheus api handler failed');
          return sendPromError(reply, err);
        }
      },
    });
    registerOtherMethods(app, url, methods);
  }
  // Served by ingest-routes.ts (GET) and remote-write-listener.ts (POST, before routing); the other
  // methods answered here as for the routes above.
  registerOtherMethods(app, '/api/v1/targets', get);
  registerOtherMethods(app, '/api/v1/write', ['POST']);
}

const EMPTY_CONFIG: ConfigSource = {
  defaultJobs: () => [],
  scrapeIntervalMs: 60_000,
  evaluationIntervalMs: 60_000,
  ruleFiles: [],
};

/** What the tsdb status reports when the API runs without a store (a test's own source). */
const EMPTY_STORE = { index: new SeriesIndex(), heads: new Heads() };

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS';
const METHODS: Method[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

function sendPromError(reply: FastifyReply, err: PromQLError) {
  return reply
    .status(statusForErrorType(err.errorType))
    .type('application/json')
    .send(formatPromError(err.errorType, err.message));
}

/**
 * A method a route does not take answers as Prometheus' router does: 405 with `Allow` and Go's
 * http.Error text (it was our JSON 404); OPTIONS is 204 (Prometheus' CORS preflight answer, whose
 * Access-Control headers we leave out: the API needs the admin key). DELETE /series is the admin
 * API's verb: 2.42 answers it 500 "not implemented" unless the admin API is on; so do we.
 * `taken`: methods another file already routes.
 */
function registerOtherMethods(app: FastifyInstance, url: string, methods: Method[], taken: Method[] = []) {
  const allow = [...methods, 'OPTIONS', ...(url === '/api/v1/series' ? ['DELETE'] : [])].sort().join(', ');
  const others = METHODS.filter((m) => !methods.includes(m) && !taken.includes(m));
  app.route({
    method: others,
    url,
    config: { auth: 'public' },
    exposeHeadRoute: false,
    handler: async (req, reply) => {
      if (req.method === 'OPTIONS') return reply.status(204).send();
      if (req.method === 'DELETE' && url === '/api/v1/series')
        return sendPromError(reply, new PromQLError('internal', 'not implemented'));
      return reply
        .status(405)
        .header('allow', allow)
        .header('x-content-type-options', 'nosniff')
        .type('text/plain; charset=utf-8')
        .send('Method Not Allowed\n');
    },
  });
}

/** Whether the client closed the connection of this request (it no longer waits for the answer). */
function clientGone(req: FastifyRequest): () => boolean {
  return () => req.raw.socket.destroyed;
}

function isForm(req: FastifyRequest): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/x-www-form-urlencoded' || type === '';
}
