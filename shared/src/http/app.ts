// The Fastify app every service starts from: auth, body decoding and limits, the uniform error
// body, request ids, JSON logs, health and readiness, and the service's own /metrics. Services add
// their routes to the instance this returns; main.ts listens and wires shutdown.
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyRequest, LogController } from 'fastify';
import { Unauthorized, Unavailable, UnsupportedMediaType } from '../errors.js';
import { PROMETHEUS_TEXT_CONTENT_TYPE, type Registry } from '../metrics.js';
import { keysMatch, presentedKey } from './auth.js';
import { type BodyDecoder, decodeBody, parseJson } from './body.js';
import { handleClientError, handleError, MAX_PATH_PARAM_CHARS } from './error-handler.js';

/** Who may call a route: the admin key (default), anyone, or a custom check of the presented key. */
export type RouteAuth = 'admin' | 'public' | ((key: string | undefined, request: FastifyRequest) => boolean);

export interface IngestOptions {
  /** Bytes accepted on the wire, checked before reading (Content-Length) and while reading. */
  maxBodyBytes: number;
  /** Bytes accepted after Content-Encoding is undone. */
  maxDecodedBytes: number;
  /** Encodings the handler undoes itself (e.g. snappy); the body reaches it still encoded. */
  passEncodings?: string[];
  /** Encodings the service decodes before the handler, besides gzip, deflate and br (e.g. zstd). */
  decoders?: Record<string, BodyDecoder>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
    /** Ingest routes get the decoded body as a Buffer whatever its Content-Type. */
    ingest?: IngestOptions;
    /** The handler parses the body itself (e.g. a form with repeated keys); it gets the Buffer. */
    rawBody?: boolean;
  }
  interface FastifyInstance {
    /** Extra ways to pass admin auth, e.g. the UI's session cookie. */
    adminAuthenticators: Array<(request: FastifyRequest) => boolean>;
  }
}

export interface ServiceAppOptions {
  service: { name: string; version: string };
  config: { API_KEY: string; LOG_LEVEL: string; METRICS_TOKEN?: string };
  registry: Registry;
  /** /readyz answers 200 only while this is true (database open and migrated). */
  isReady: () => boolean;
  /** Files whose size /metrics reports as database_size_bytes (the DB and its WAL). */
  dataFiles?: () => string[];
  /** Body limit of ordinary (non-ingest) routes. */
  maxJsonBodyBytes?: number;
  /** Pass false in tests to silence request logs. */
  logger?: boolean;
  /** Where log lines go instead of stdout (tests read them). */
  logStream?: { write(line: string): void };
  /** Fastify's trustProxy: request.ip from X-Forwarded-For for these proxies (true = any, or
   * addresses/CIDRs); unset = the socket's peer. */
  trustProxy?: boolean | string;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export function createServiceApp(options: ServiceAppOptions): FastifyInstance {
  const { config, registry } = options;
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : { level: config.LOG_LEVEL, base: { service: options.service.name }, stream: options.logStream },
    bodyLimit: options.maxJsonBodyBytes ?? 1024 * 1024,
    ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}),
    routerOptions: { maxParamLength: MAX_PATH_PARAM_CHARS },
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    forceCloseConnections: 'idle',
    // Fastify's own answers to a request that closing, a bad URL or an overlong path parameter stops,
    // and Node's to bytes it cannot parse, have their own JSON shapes: all go through ours instead.
    return503OnClosing: false,
    frameworkErrors: handleError,
    clientErrorHandler: handleClientError,
    // Fastify's two info lines per request cost ~60 µs of CPU each time and flood the log of an
    // ingest service taking thousands of requests a second; one debug line per response instead.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.decorate('adminAuthenticators', []);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .send({ error: { code: 'not_found', message: `no route for ${request.method} ${request.url}` } });
  });

  // Every body arrives as bytes; decoding and parsing happen in preValidation where the route's
  // config is known. Fastify enforces bodyLimit while reading, before anything is parsed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addHook('onRoute', (route) => {
    const ingest = route.config?.ingest;
    if (ingest) route.bodyLimit = ingest.maxBodyBytes;
  });

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // Requests still arriving on kept-alive connections while the server drains (Fastify has set
    // Connection: close on them) are shed: the balancer or client retries another instance.
    if (closing) throw new Unavailable('the service is shutting down; retry');
    const auth = request.routeOptions.config?.auth ?? 'admin';
    if (auth === 'public') return;
    const key = presentedKey(request.headers);
    const allowed =
      auth === 'admin'
        ? keysMatch(key, config.API_KEY) || app.adminAuthenticators.some((check) => check(request))
        : auth(key, request);
    if (!allowed) throw new Unauthorized(key ? 'invalid API key' : 'missing API key');
  });

  const ingestBytes = registry.counter(
    'ingest_received_bytes_total',
    'Bytes received on ingest routes, as sent.',
  );
  app.addHook('preValidation', async (request) => {
    if (!Buffer.isBuffer(request.body) || request.is404) return;
    const ingest = request.routeOptions.config?.ingest;
    const encoding = request.headers['content-encoding'];
    if (ingest) {
      ingestBytes.inc({ route: request.routeOptions.url ?? '' }, request.body.length);
      request.body = await decodeBody(
        request.body,
        encoding,
        ingest.maxDecodedBytes,
        ingest.passEncodings,
        ingest.decoders,
      );
      return;
    }
    if (encoding && encoding !== 'identity')
      throw new UnsupportedMediaType('Content-Encoding is only accepted on ingest routes');
    if (request.routeOptions.config?.rawBody) return;
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (request.body.length === 0) request.body = undefined;
    else if (type === 'application/json' || type.endsWith('+json'))
      request.body = parseJson(request.body.toString('utf8'));
    else if (type === 'application/x-www-form-urlencoded')
      request.body = Object.fromEntries(new URLSearchParams(request.body.toString('utf8')));
  });

  registerHttpMetrics(
    app,
    registry,
    options.logger !== false && ['trace', 'debug'].includes(config.LOG_LEVEL),
  );
  registerProcessMetrics(registry, options.dataFiles);

  app.get('/healthz', { config: { auth: 'public' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { auth: 'public' } }, async (_request, reply) => {
    const ready = options.isReady();
    reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });
  const metricsAuth: RouteAuth = config.METRICS_TOKEN
    ? (key) => keysMatch(key, config.METRICS_TOKEN ?? '') || keysMatch(key, config.API_KEY)
    : 'public';
  app.get('/metrics', { config: { auth: metricsAuth } }, async (_request, reply) => {
    reply.type(PROMETHEUS_TEXT_CONTENT_TYPE).send(registry.render());
  });
  app.get('/api/version', { config: { auth: 'public' } }, async () => options.service);
  return app;
}

function registerHttpMetrics(app: FastifyInstance, registry: Registry, logEachRequest: boolean): void {
  const requests = registry.counter('http_requests_total', 'HTTP requests by method, route and status.');
  const duration = registry.histogram(
    'http_request_duration_seconds',
    'HTTP request latency by method and route.',
  );
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (logEachRequest) {
      request.log.debug(
        { method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime },
        'request',
      );
    }
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
}

function registerProcessMetrics(registry: Registry, dataFiles?: () => string[]): void {
  const startSeconds = Math.round(Date.now() / 1000 - process.uptime());
  registry.gauge('process_start_time_seconds', 'Start time of the process, Unix seconds.', (g) =>
    g.set({}, startSeconds),
  );
  registry.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', (g) =>
    g.set({}, process.memoryUsage.rss()),
  );
  registry.gauge('nodejs_heap_used_bytes', 'V8 heap in use, bytes.', (g) =>
    g.set({}, process.memoryUsage().heapUsed),
  );
  registry.counter('process_cpu_seconds_total', 'User and system CPU time spent, seconds.', (c) => {
    const { user, system } = process.cpuUsage();
    c.setTotal({}, (user + system) / 1e6);
  });
  if (dataFiles) {
    registry.gauge('database_size_bytes', 'Size of the data files on disk, bytes.', (g) => {
      for (const file of dataFiles()) {
        try {
          g.set({ file: file.split('/').pop() ?? file }, statSync(file).size);
        } catch {
          g.set({ file: file.split('/').pop() ?? file }, 0);
        }
      }
    });
  }
}
