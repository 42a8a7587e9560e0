// Small validators for JSON request bodies (no `any`): each returns a typed value or throws
// ValidationError naming the field.
import { BadRequest, ValidationError } from '@flowrent/shared/errors';

export type Body = Record<string, unknown>;

export function bodyObject(body: unknown): Body {
  // a body of another Content-Type arrives as a Buffer (the ingest routes take raw bodies)
  if (body === null || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw new ValidationError('request body must be a JSON object (Content-Type: application/json)');
  }
  return body as Body;
}

export function optBool(body: Body, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new ValidationError(`${key} must be true or false`);
  return v;
}

export function optString(body: Body, key: string, max = 200): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > max)
    throw new ValidationError(`${key} must be a string of at most ${max} characters`);
  return v;
}

export function optInt(body: Body, key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
    throw new ValidationError(`${key} must be an integer from ${min} to ${max}`);
  return v;
}

/** Ids per bulk change or merge: each is a read and a write in one transaction, which holds the
 * event loop (better-sqlite3 is synchronous); Sentry's bulk mutations stop at the same 1,000. */
export const MAX_IDS = 1000;

export function intList(body: Body, key: string): number[] {
  const v = body[key];
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => Number.isSafeInteger(x) && x > 0)) {
    throw new ValidationError(`${key} must be a non-empty list of ids`);
  }
  if (v.length > MAX_IDS) throw new ValidationError(`${key} holds at most ${MAX_IDS} ids`);
  return v as number[];
}

export function idParam(value: string, name = 'id'): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < 1)
    throw new ValidationError(`${name} must be a positive integer`);
  return Number(value);
}

/** A key the route does not know is a 400 naming it: a misspelt field would otherwise be ignored. */
export function rejectUnknownKeys(body: Body, known: string[], prefix = ''): void {
  const unknown = Object.keys(body).find((k) => !known.includes(k));
  if (unknown !== undefined) {
    throw new BadRequest(
      `unknown key ${prefix}${unknown}: expected ${known.map((k) => prefix + k).join(', ')}`,
      { key: prefix + unknown },
    );
  }
}
