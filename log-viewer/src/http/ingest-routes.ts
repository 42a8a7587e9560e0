// Every ingest endpoint of the log viewer in one table. Auth: the admin key or the write-only
// INGEST_API_KEY (Bearer, X-API-Key or Basic password, which is how Loki and OTLP shippers send it;
// on Seq's routes also X-Seq-ApiKey or ?apiKey=, as Serilog.Sinks.Seq sends it).
import type { IncomingMessage, Server } from 'node:http';
import { keysMatch, type RouteAuth } from '@flowrent/shared/http';
import type { Registry } from '@flowrent/shared/metrics';
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { MAX_REQUEST_BYTES } from '../ingest/limits.js';
import { decodeZstdBody } from '../ingest/zstd-body.js';
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
  decoders: { zstd: decodeZstdBody },
};
/** Elasticsearch API paths served at the root and under this prefix (VictoriaLogs' spelling). */
const ELASTIC_PREFIXES = ['', '/insert/elasticsearch'];

type Method = 'GET' | 'POST' | 'PUT' | 'HEAD';

/** Where hideUrlKeys() keeps a request's `?apiKey=` once it is out of the URL. */
const URL_KEY = Symbol('apiKey from the URL');
type KeyedMessage = IncomingMessage & { [URL_KEY]?: string };
// ASP.NET binds query parameters whatever their case, so Seq takes ?apikey= and ?APIKEY= as well
const API_KEY_PARAM = /([?&])apikey=([^&#]*)/gi;
/** What a URL shows in place of its key (logs, 404 bodies). */
export const HIDDEN_KEY = '(hidden)';

/**
 * Seq takes its key as `?apiKey=` in the URL (Serilog.Sinks.Seq's apiKey on a URL), so we do too; but
 * the URL is what request logs, 404 bodies and error messages repeat. The key is taken out of it
 * before Fastify sees the request, as the server's first `request` listener, and kept beside it.
 */
function hideUrlKeys(server: Server): void {
  server.prependListener('request', (req: KeyedMessage) => {
    const url = req.url;
    if (url === undefined || !/apikey=/i.test(url)) return;
    req.url = url.replace(API_KEY_PARAM, (_all, sep: string, value: string) => {
      if (req[URL_KEY] === undefined && value !== '') {
        try {
          req[URL_KEY] = decodeURIComponent(value.replace(/\+/g, ' '));
        } catch {
          req[URL_KEY] = value; // not percent-encoded validly: compared as sent
        }
      }
      return `${sep}apiKey=${HIDDEN_KEY}`;
    });
  });
}

/** Seq's key of a request: the X-Seq-ApiKey header, else the URL's apiKey. */
function seqKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-seq-apikey'];
  if (typeof header === 'string' && header) return header.trim();
  const hidden = (request.raw as KeyedMessage)[URL_KEY];
  if (hidden !== undefined) return hidden;
  // requests that never passed the server's listeners (app.inject): the URL still holds it
  const param = (request.query as Record<string, unknown>).apiKey;
  return typeof param === 'string' && param && param !== HIDDEN_KEY ? param : undefined;
}

export function registerIngestRoutes(app: FastifyInstance, deps: IngestRouteDeps): void {
  hideUrlKeys(app.server);
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
