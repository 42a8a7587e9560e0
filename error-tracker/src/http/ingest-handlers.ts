// Sentry ingest endpoints: thin handlers over IngestService, plus CORS for browser SDKs and the
// X-Sentry-Error header on every 4xx (set in one onSend hook for these routes).
import { pipeline, Transform } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Admission, IngestService } from '../service/ingest-service.js';
import type { HttpContext } from './context.js';

export const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers':
    'x-sentry-auth, x-requested-with, x-forwarded-for, origin, referer, accept, authentication, authorization, content-encoding, content-type, transfer-encoding, sentry-trace, baggage',
  'access-control-expose-headers': 'x-sentry-error, x-sentry-rate-limits, retry-after',
};

type IngestRequest = FastifyRequest<{
  Params: { projectId: string };
  Querystring: { sentry_key?: string | string[] };
}>;

export function ingestHandler(ctx: HttpContext, endpoint: 'envelope' | 'store') {
  return async (request: IngestRequest, reply: FastifyReply) => {
    const header = (name: string) => {
      const v = request.headers[name];
      return typeof v === 'string' ? v : undefined;
    };
    const result = await ctx.ingest.accept({
      endpoint,
      projectId: request.params.projectId,
      body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      contentType: header('content-type'),
      contentEncoding: header('content-encoding'),
      // headersDistinct: Node keeps only the first Authorization and joins repeated others
      sentryAuth: request.raw.headersDistinct['x-sentry-auth'],
      authorization: request.raw.headersDistinct.authorization,
      queryKey: request.query.sentry_key,
      clientIp: request.ip,
    });
    // some items were rate limited and dropped: the SDK learns the limit from this header
    if (result.rateLimits) reply.header('x-sentry-rate-limits', result.rateLimits);
    reply.headers(CORS_HEADERS).send(result.id ? { id: result.id } : {});
  };
}

export async function preflightHandler(_request: FastifyRequest, reply: FastifyReply) {
  reply
    .headers({ ...CORS_HEADERS, 'access-control-max-age': '3600' })
    .status(200)
    .send();
}

const isIngestRoute = (request: FastifyRequest) =>
  /^\/api\/:projectId\/(envelope|store)\/?$/.test(request.routeOptions.url ?? '');

/**
 * Ingest requests count against INGEST_MAX_IN_FLIGHT and INGEST_MAX_BUFFERED_BYTES from their
 * first byte (IngestService.admit), before Fastify buffers the body, and until answered: a burst of
 * large uploads is refused early instead of each being held whole in memory first.
 */
export function admitIngestRequests(app: FastifyInstance, ingest: IngestService): void {
  const admissions = new WeakMap<FastifyRequest, Admission>();
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST' || !isIngestRoute(request)) return;
    const length = Number(request.headers['content-length']);
    const admission = ingest.admit(Number.isSafeInteger(length) && length > 0 ? length : 0);
    reply.raw.once('close', admission.release);
    // a body without Content-Length is counted as it arrives
    if (request.headers['content-length'] === undefined) admissions.set(request, admission);
  });
  app.addHook('preParsing', async (request, _reply, payload) => {
    const admission = admissions.get(request);
    if (!admission) return payload;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        try {
          admission.received(chunk.length);
          done(null, chunk);
        } catch (err) {
          done(err as Error);
        }
      },
    });
    return pipeline(payload, counted, () => {});
  });
}

/** A message fit for a header: line breaks as spaces, any character outside printable ASCII
 * percent-encoded as UTF-8 (a path echoed in a 404, `/api/☃/envelope/`, made Node refuse the header,
 * and Fastify answered its own ERR_INVALID_CHAR body instead). */
function headerText(message: string): string {
  return message
    .replace(/[\r\n]+/g, ' ')
    .replace(/[^\x20-\x7e]/gu, (c) =>
      [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
    );
}

/** Adds CORS and X-Sentry-Error to error answers of ingest routes. */
export function addSentryErrorHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (!isIngestRoute(request)) return payload;
    reply.headers(CORS_HEADERS);
    if (reply.statusCode >= 400 && typeof payload === 'string') {
      let message = `HTTP ${reply.statusCode}`;
      try {
        message = (JSON.parse(payload) as { error?: { message?: string } }).error?.message ?? message;
      } catch {}
      reply.header('x-sentry-error', headerText(message).slice(0, 300));
    }
    return payload;
  });
}
