// Small validators for JSON request bodies (no `any`): each returns a typed value or throws
// ValidationError naming the field.
import { ValidationError } from '@flowrent/shared/errors';

export type Body = Record<string, unknown>;

export function bodyObject(body: unknown): Body {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('request body must be a JSON object');
  }
  return body as Body;
}

export function optString(body: Body, key: string, max = 200): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > max)
    throw new ValidationError(`${key} must be a string of at most ${max} characters`);
  return v;
}

export function optInt(body: Body, key: string, min = 0): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new ValidationError(`${key} must be an integer >= ${min}`);
  return v;
}

export function intList(body: Body, key: string): number[] {
  const v = body[key];
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => Number.isInteger(x) && x > 0)) {
    throw new ValidationError(`${key} must be a non-empty list of ids`);
  }
  return v as number[];
}

export function idParam(value: string, name = 'id'): number {
  if (!/^\d+$/.test(value)) throw new ValidationError(`${name} must be a positive integer`);
  return Number(value);
}
