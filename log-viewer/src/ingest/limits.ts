// Ingest limits, enforced by every parser (named constants with their unit, reported in errors).
import { BadRequest, TooLarge } from '@flowrent/shared/errors';

/** Longest accepted log line / message, in bytes (Loki's default max_line_size). */
export const MAX_LINE_BYTES = 256 * 1024;
/** Largest accepted request body after Content-Encoding is undone, in bytes. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** Most labels per stream. */
export const MAX_LABELS_PER_STREAM = 30;

/** Throws 413 when a line is longer than MAX_LINE_BYTES (UTF-16 length is a cheap first test). */
export function checkLineLength(text: string, where: string): void {
  if (text.length * 3 <= MAX_LINE_BYTES) return;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_LINE_BYTES)
    throw new TooLarge(`${where} is ${bytes} bytes, over the line limit MAX_LINE_BYTES = ${MAX_LINE_BYTES}`, {
      limit: 'MAX_LINE_BYTES',
      limit_bytes: MAX_LINE_BYTES,
    });
}

/** True when a line fits, for protocols that reject per record. */
export function lineFits(text: string): boolean {
  return text.length * 3 <= MAX_LINE_BYTES || Buffer.byteLength(text, 'utf8') <= MAX_LINE_BYTES;
}

export function checkLabelCount(count: number, where: string): void {
  if (count > MAX_LABELS_PER_STREAM)
    throw new BadRequest(
      `${where} has ${count} labels, over the limit MAX_LABELS_PER_STREAM = ${MAX_LABELS_PER_STREAM}`,
      {
        limit: 'MAX_LABELS_PER_STREAM',
        max: MAX_LABELS_PER_STREAM,
      },
    );
}

/**
 * Deepest nesting of arrays and objects in one record's JSON (the record object is level 1; an OTLP
 * AnyValue array or kvlist is a level). Deeper records are rejected (per record where the protocol
 * can, a 400 naming the line otherwise; a Loki JSON line too deep stays its text, not unpacked):
 * 20,000 nested arrays in 120 KB overflowed the stack of every recursive walk after the parse
 * (JSON.stringify, attribute encoding). Elasticsearch caps object depth at 20 by default
 * (index.mapping.depth.limit); 128 leaves room for any real payload.
 */
export const MAX_NESTING_DEPTH = 128;

/** The message for a value nested past MAX_NESTING_DEPTH. */
export const NESTING_TOO_DEEP = `nested deeper than MAX_NESTING_DEPTH = ${MAX_NESTING_DEPTH} levels of arrays and objects`;

/**
 * True when a parsed JSON value nests deeper than `max` levels. Recursive, but never past `max + 1`
 * frames, so a value nested 20,000 deep cannot overflow it; no allocation (~4x cheaper than a walk
 * with an explicit stack and Object.values).
 */
export function nestedTooDeep(value: unknown, max = MAX_NESTING_DEPTH): boolean {
  return typeof value === 'object' && value !== null && deeper(value, 1, max);
}

function deeper(v: object, depth: number, max: number): boolean {
  if (depth > max) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const c: unknown = v[i];
      if (typeof c === 'object' && c !== null && deeper(c, depth + 1, max)) return true;
    }
    return false;
  }
  for (const k in v) {
    const c: unknown = (v as Record<string, unknown>)[k];
    if (typeof c === 'object' && c !== null && deeper(c, depth + 1, max)) return true;
  }
  return false;
}
