// Typed errors that handlers throw. The HTTP layer maps them to a status and the uniform body
// {"error": {"code", "message", "details"}} in exactly one place (http/error-handler.ts).

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Malformed input: bad JSON, a protocol violation, a query syntax error. `details.position` when known. */
export class ParseError extends AppError {
  constructor(message: string, details?: unknown) {
    super(400, 'parse_error', message, details);
  }
}

/** Well-formed input that breaks a rule (missing field, value out of range). */
export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super(422, 'validation_error', message, details);
  }
}

/** A bad request that is neither a parse nor a validation problem (e.g. a limit on labels). */
export class BadRequest extends AppError {
  constructor(message: string, details?: unknown) {
    super(400, 'bad_request', message, details);
  }
}

export class Unauthorized extends AppError {
  constructor(message = 'missing or invalid API key', details?: unknown) {
    super(401, 'unauthorized', message, details);
  }
}

export class Forbidden extends AppError {
  constructor(message = 'this key may not do that', details?: unknown) {
    super(403, 'forbidden', message, details);
  }
}

export class NotFound extends AppError {
  constructor(message = 'not found', details?: unknown) {
    super(404, 'not_found', message, details);
  }
}

export class Conflict extends AppError {
  constructor(message: string, details?: unknown) {
    super(409, 'conflict', message, details);
  }
}

export class TooLarge extends AppError {
  constructor(message: string, details?: unknown) {
    super(413, 'too_large', message, details);
  }
}

export class UnsupportedMediaType extends AppError {
  constructor(message: string, details?: unknown) {
    super(415, 'unsupported_media_type', message, details);
  }
}

export class RateLimited extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    details?: unknown,
    headers: Record<string, string> = {},
  ) {
    super(429, 'rate_limited', message, details, {
      'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))),
      ...headers,
    });
  }
}

export class Unavailable extends AppError {
  constructor(message: string, retryAfterSeconds?: number, details?: unknown) {
    super(
      503,
      'unavailable',
      message,
      details,
      retryAfterSeconds === undefined ? {} : { 'retry-after': String(Math.ceil(retryAfterSeconds)) },
    );
  }
}
