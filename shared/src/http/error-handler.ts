// The one place where errors become HTTP responses: typed AppErrors keep their status, Fastify's own
// client errors keep theirs, anything else is a logged 500 that leaks no internals.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
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
  if (known)
    return { status: known.status, headers: {}, body: { error: { code: known.code, message: fe.message } } };
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
