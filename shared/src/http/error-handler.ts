// The one place where errors become HTTP responses: typed AppErrors keep their status, Fastify's own
// client errors keep theirs, anything else is a logged 500 that leaks no internals. Errors Fastify
// meets before routing (frameworkErrors) and Node's HTTP parser errors (clientError, no request at
// all) get the same {"error": {"code", "message"}} body.
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

const FASTIFY_CODES: Record<string, { status: number; code: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'parse_error' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'bad_request' },
  FST_ERR_VALIDATION: { status: 400, code: 'validation_error' },
  FST_ERR_BAD_URL: { status: 400, code: 'bad_request' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'too_large' },
};

/** The router's limit on one path parameter (Fastify's default), named in its 414. */
export const MAX_PATH_PARAM_CHARS = 100;

/** Messages of our own where Fastify's would echo the whole (possibly huge) path. */
const FASTIFY_MESSAGES: Record<string, () => string> = {
  FST_ERR_BAD_URL: () => 'the URL path is not valid percent-encoding',
  FST_ERR_MAX_PARAM_LENGTH: () =>
    `a path parameter is longer than the ${MAX_PATH_PARAM_CHARS}-character limit`,
};

/** What the request adds to an error: the route's body limit, which Fastify's own 413 does not name. */
export interface ErrorContext {
  bodyLimit?: number;
}

export function toErrorResponse(
  err: unknown,
  context: ErrorContext = {},
): {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
} {
  if (err instanceof AppError) {
    return {
      status: err.status,
      headers: err.headers,
      body: { error: { code: err.code, message: err.message, details: err.details } },
    };
  }
  const fe = err as FastifyError;
  const known = fe?.code ? FASTIFY_CODES[fe.code] : undefined;
  if (known?.status === 413 && context.bodyLimit !== undefined) {
    const limit = context.bodyLimit;
    return {
      status: 413,
      headers: {},
      body: {
        error: {
          code: known.code,
          message: `request body is larger than the ${limit}-byte limit`,
          details: { limit: 'request body', limit_bytes: limit },
        },
      },
    };
  }
  if (known) {
    const message = FASTIFY_MESSAGES[fe.code]?.() ?? fe.message;
    return { status: known.status, headers: {}, body: { error: { code: known.code, message } } };
  }
  if (fe?.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return {
      status: fe.statusCode,
      headers: {},
      body: { error: { code: 'bad_request', message: fe.message } },
    };
  }
  return {
    status: 500,
    headers: {},
    body: { error: { code: 'internal', message: 'internal server error' } },
  };
}

export function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body, headers } = toErrorResponse(err, { bodyLimit: request.routeOptions?.bodyLimit });
  if (status >= 500) request.log.error({ err }, 'request failed');
  else request.log.info({ status, code: body.error.code }, body.error.message);
  reply.status(status).headers(headers).send(body);
}

/**
 * Node's HTTP parser refused the bytes (headers over maxHeaderSize, a malformed request line, a
 * request too slow to arrive): there is no request for Fastify, so the answer is written on the
 * socket, in the same shape, and the connection closed. Null when nothing should be written.
 */
export function clientErrorResponse(
  err: NodeJS.ErrnoException,
  maxHeaderBytes: number,
): { status: number; body: ErrorBody } | null {
  switch (err.code) {
    case 'ECONNRESET':
      return null;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        body: { error: { code: 'timeout', message: 'the request did not arrive in time' } },
      };
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        body: {
          error: {
            code: 'too_large',
            message: `the request line and headers are larger than the ${maxHeaderBytes}-byte limit`,
            details: { limit: 'request headers', limit_bytes: maxHeaderBytes },
          },
        },
      };
    default:
      return {
        status: 400,
        body: {
          error: { code: 'bad_request', message: `malformed HTTP request (${err.code ?? 'unknown'})` },
        },
      };
  }
}

/** How long an answered connection may go on sending before it is cut (see handleClientError). */
const CLIENT_ERROR_LINGER_MS = 5000;

export function handleClientError(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  // Node's parser calls again for every further chunk of a connection already answered (ended).
  if (!socket.writable) return;
  const response = socket.destroyed
    ? null
    : clientErrorResponse(err, (this.server as { maxHeaderSize?: number }).maxHeaderSize ?? maxHeaderSize);
  // As Node does: answer only while no response of an earlier request on this socket has begun.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!response || inFlight?.headersSent) {
    socket.destroy(err);
    return;
  }
  const json = JSON.stringify(response.body);
  this.log.debug({ status: response.status, code: err.code }, response.body.error.message);
  const answer =
    `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status]}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    // A timeout leaves the parser working (a parse error stops it for good): bytes arriving after the
    // 408 would still become a request the application serves, whose answer cannot be sent, while
    // the client, told 408, sends it again. Cut at once, as Node does; a slow client has sent little.
    socket.write(answer);
    socket.destroy();
    return;
  }
  // end(), not write() + destroy() as Node and Fastify do: destroying a socket with unread bytes (the
  // rest of a 70 KB request line) sends a reset, and the client may lose the answer before reading it
  // (seen on loopback). A lingering close instead: our half closes after the answer, the connection
  // ends when the client closes its half, and one that does not is cut after CLIENT_ERROR_LINGER_MS.
  // The parser stays in error, so nothing the client sends meanwhile becomes a request.
  socket.end(answer);
  const linger = setTimeout(() => socket.destroy(), CLIENT_ERROR_LINGER_MS);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
}
