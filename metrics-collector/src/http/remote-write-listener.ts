// POST /api/v1/write served by node:http before Fastify routes anything. A remote_write request
// is the collector's hottest path (hundreds a second, ~2,000 samples each); going through Fastify
// and the shared hooks cost the JS thread ~30-60 us per request of the ~400 us the whole request
// takes (see the README's *Ingest: sixth session*), so this listener keeps what those hooks give
// the route — the request id header, shedding while shutting down, auth, the 413 on a declared
// length, the body limit while reading, Content-Encoding, the ingest byte counter, the request
// metrics and the shared {error: {code, message}} body — and nothing else. Every other request
// goes to Fastify unchanged. Road not taken: a second Fastify instance or a serverFactory (the
// shared app builds the server; that is the lead's code).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { BadRequest, TooLarge, Unauthorized, Unavailable } from '@flowrent/shared/errors';
import { decodeBody, presentedKey, toErrorResponse } from '@flowrent/shared/http';
import type { Registry } from '@flowrent/shared/metrics';
import type { FastifyBaseLogger } from 'fastify';

export const REMOTE_WRITE_PATH = '/api/v1/write';

export interface RemoteWriteListenerOptions {
  server: Server;
  registry: Registry;
  log: FastifyBaseLogger;
  /** Accepts the presented key (admin or ingest key). */
  auth: (key: string | undefined) => boolean;
  /** Bytes accepted on the wire, declared or read. */
  maxBodyBytes: number;
  /** Applies a request whose body has its Content-Encoding undone (snappy left); throws AppErrors. */
  accept: (contentType: string, body: Buffer) => Promise<void>;
}

/** As the shared app's genReqId: the caller's X-Request-Id when it is a sane token, else a UUID. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

const NO_BODY = Buffer.alloc(0);

/** Puts the remote_write listener in front of the server's request listeners (Fastify's).
 * Returns what the app's preClose hook calls: from then on writes are shed with 503. */
export function serveRemoteWriteBeforeRouting(options: RemoteWriteListenerOptions): { close(): void } {
  const { server, log, auth, maxBodyBytes, accept } = options;
  // The same series the shared hooks write for Fastify's routes (the registry returns them).
  const requests = options.registry.counter(
    'http_requests_total',
    'HTTP requests by method, route and status.',
  );
  const duration = options.registry.histogram(
    'http_request_duration_seconds',
    'HTTP request latency by method and route.',
  );
  const ingestBytes = options.registry.counter(
    'ingest_received_bytes_total',
    'Bytes received on ingest routes, as sent.',
  );
  const byStatus = new Map<number, { method: string; route: string; status: string }>();
  const durationLabels = { method: 'POST', route: REMOTE_WRITE_PATH };
  const routeLabels = { route: REMOTE_WRITE_PATH };
  let closing = false;

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    let status = 204;
    try {
      if (closing) {
        res.setHeader('connection', 'close');
        throw new Unavailable('the service is shutting down; retry');
      }
      const key = presentedKey(req.headers);
      if (!auth(key)) throw new Unauthorized(key ? 'invalid API key' : 'missing API key');
      let body = await readBody(req, maxBodyBytes);
      ingestBytes.inc(routeLabels, body.length);
      const encoding = req.headers['content-encoding'];
      if (encoding !== undefined && encoding !== 'snappy')
        body = await decodeBody(body, encoding, maxBodyBytes, ['snappy']);
      await accept(String(req.headers['content-type'] ?? '').toLowerCase(), body);
      res.writeHead(204, { 'x-request-id': id });
      res.end();
    } catch (err) {
      const answer = toErrorResponse(err);
      status = answer.status;
      if (status >= 500) log.error({ err, reqId: id }, 'request failed');
      else log.info({ reqId: id, status, code: answer.body.error.code }, answer.body.error.message);
      if (!res.headersSent && !res.destroyed) {
        const json = JSON.stringify(answer.body);
        res.writeHead(status, {
          ...answer.headers,
          'x-request-id': id,
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(json),
        });
        res.end(json);
      }
    }
    let labels = byStatus.get(status);
    if (labels === undefined) {
      labels = { method: 'POST', route: REMOTE_WRITE_PATH, status: String(status) };
      byStatus.set(status, labels);
    }
    requests.inc(labels);
    duration.observe(durationLabels, (performance.now() - started) / 1000);
  };

  const routed = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '';
    if (
      req.method === 'POST' &&
      url.startsWith(REMOTE_WRITE_PATH) &&
      (url.length === REMOTE_WRITE_PATH.length || url.charCodeAt(REMOTE_WRITE_PATH.length) === 63) // '?'
    ) {
      void serve(req, res);
      return;
    }
    for (const listener of routed) listener.call(server, req, res);
  });
  return {
    close() {
      closing = true;
    },
  };
}

/**
 * The body as one Buffer: refused with 413 when Content-Length declares more than `limit` (before
 * reading) or a chunked body grows past it. One chunk (the usual ~15 KB request) is used as it
 * arrives; more are copied into one buffer sized by Content-Length.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declaredHeader = req.headers['content-length'];
  const declared = declaredHeader === undefined ? -1 : Number(declaredHeader);
  if (declared > limit) {
    return Promise.reject(
      new TooLarge(`body of ${declared} bytes is over MAX_REMOTE_WRITE_BYTES = ${limit}`, {
        limit: 'MAX_REMOTE_WRITE_BYTES',
        limit_bytes: limit,
      }),
    );
  }
  if (declared === 0) {
    req.resume();
    return Promise.resolve(NO_BODY);
  }
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        req.off('data', onData);
        req.resume();
        reject(
          new TooLarge(`body of more than ${limit} bytes is over MAX_REMOTE_WRITE_BYTES = ${limit}`, {
            limit: 'MAX_REMOTE_WRITE_BYTES',
            limit_bytes: limit,
          }),
        );
        return;
      }
      if (first === undefined) first = chunk;
      else if (chunks === undefined) chunks = [first, chunk];
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      if (received > limit) return;
      if (chunks === undefined) resolve(first ?? NO_BODY);
      else resolve(Buffer.concat(chunks, received));
    });
    // The client went away mid-body (or the socket failed): a 400 as Fastify's body reader gave,
    // logged at info, not a 500; there is rarely anyone left to read it.
    req.on('error', (err) => reject(new BadRequest(`the request body could not be read: ${err.message}`)));
  });
}
