// Every ingest endpoint of the log viewer in one table. Auth: the admin key or the write-only
// INGEST_API_KEY (Bearer, X-API-Key or Basic password, which is how Loki and OTLP shippers send it;
// on Seq's routes also X-Seq-ApiKey or ?apiKey=, as Serilog.Sinks.Seq sends it).
import { keysMatch, type RouteAuth } from '@flowrent/shared/http';
import type { Registry } from '@flowrent/shared/metrics';
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { MAX_REQUEST_BYTES } from '../ingest/limits.js';
import type { LogStore } from '../store/log-store.js';
import { elasticInfo, elasticProbes, isElasticRootProbe } from './ingest-elasticsearch.js';
import { ingestHandlers } from './ingest-handlers.js';

export interface IngestRouteDeps {
  store: LogStore;
  clock: () => number;
  registry: Registry;
  config: { API_KEY: string; INGEST_API_KEY: string };
}

/** Compressed bodies are capped at the same size as decoded ones. */
const ingest = {
  maxBodyBytes: MAX_REQUEST_BYTES,
  maxDecodedBytes: MAX_REQUEST_BYTES,
  passEncodings: ['snappy'],
};
/** Elasticsearch API paths served at the root and under this prefix (VictoriaLogs' spelling). */
const ELASTIC_PREFIXES = ['', '/insert/elasticsearch'];

type Method = 'GET' | 'POST' | 'PUT' | 'HEAD';

/** Seq's key of a request: the X-Seq-ApiKey header, else the apiKey query parameter. */
function seqKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-seq-apikey'];
  if (typeof header === 'string' && header) return header.trim();
  const param = (request.query as Record<string, unknown>).apiKey;
  return typeof param === 'string' && param ? param : undefined;
}

export function registerIngestRoutes(app: FastifyInstance, deps: IngestRouteDeps): void {
  const auth: RouteAuth = (key) =>
    keysMatch(key, deps.config.API_KEY) ||
    (deps.config.INGEST_API_KEY !== '' && keysMatch(key, deps.config.INGEST_API_KEY));
  const h = ingestHandlers({
    store: deps.store,
    clock: deps.clock,
    accepted: deps.registry.counter(
      'log_ingested_records_total',
      'Log records accepted and durable, by protocol.',
    ),
    rejected: deps.registry.counter(
      'log_rejected_records_total',
      'Log records rejected one by one (OTLP partial success, bulk items).',
    ),
  });
  const routes: [Method[], string, unknown, boolean][] = [
    [['POST'], '/loki/api/v1/push', h.lokiPush, true],
    [['GET'], '/ready', async () => 'ready', false],
    [['POST'], '/v1/logs', h.otlpLogs, true],
    [['POST'], '/otlp/v1/logs', h.otlpLogs, true],
    [['POST'], '/api/logs', h.apiLogs, true],
  ];
  // Seq's routes, with Seq's places for the key too: X-Seq-ApiKey or ?apiKey= (Serilog.Sinks.Seq)
  const seqRoutes = ['/ingest/clef', '/api/events/raw'];
  const seqAuth: RouteAuth = (key, request) => auth(key ?? seqKey(request), request);
  for (const prefix of ELASTIC_PREFIXES) {
    routes.push(
      [['POST', 'PUT'], `${prefix}/_bulk`, h.bulk, true],
      [['POST', 'PUT'], `${prefix}/:index/_bulk`, h.bulk, true],
      [['GET'], `${prefix}/_license`, elasticProbes.license, false],
      [['GET'], `${prefix}/_cluster/health`, elasticProbes.clusterHealth, false],
      [['GET', 'PUT', 'POST'], `${prefix}/_ilm/*`, elasticProbes.harmless, false],
      [['GET', 'PUT', 'POST'], `${prefix}/_index_template/*`, elasticProbes.harmless, false],
      [['GET', 'PUT', 'POST'], `${prefix}/_template/*`, elasticProbes.harmless, false],
      [['GET', 'PUT', 'POST'], `${prefix}/_ingest/*`, elasticProbes.harmless, false],
      [['GET'], `${prefix}/_nodes*`, elasticProbes.harmless, false],
      [['GET', 'PUT', 'POST'], `${prefix}/_logstash/*`, elasticProbes.harmless, false],
      [['GET'], `${prefix}/_xpack`, elasticProbes.harmless, false],
    );
  }
  routes.push([['GET'], '/insert/elasticsearch', elasticProbes.info, false]);
  routes.push([['GET'], '/insert/elasticsearch/', elasticProbes.info, false]);
  for (const [methods, url, handler, hasBody] of routes) {
    app.route({
      method: methods,
      url,
      handler: handler as RouteHandlerMethod,
      config: { auth, ...(hasBody ? { ingest } : {}) },
    });
  }
  for (const url of seqRoutes)
    app.route({
      method: 'POST',
      url,
      handler: h.seqEvents as RouteHandlerMethod,
      config: { auth: seqAuth, ingest },
    });
  // Elasticsearch clients hit the API root, which is also the UI's page: answer programs (which do
  // not ask for text/html) before routing. The header goes on every Elasticsearch-API answer.
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0];
    if (path.startsWith('/_') || path.startsWith('/insert/elasticsearch')) {
      reply.header('x-elastic-product', 'Elasticsearch');
    } else if (isElasticRootProbe(request)) {
      reply.header('x-elastic-product', 'Elasticsearch');
      return reply.send(request.method === 'HEAD' ? undefined : elasticInfo());
    }
  });
}
