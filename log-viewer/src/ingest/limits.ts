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

/** True when a parsed JSON value nests deeper than `max` levels (walked with a stack, not recursion). */
export function nestedTooDeep(value: unknown, max = MAX_NESTING_DEPTH): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const values: unknown[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const v = values.pop() as object;
    const depth = depths.pop() as number;
    if (depth > max) return true;
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const c of children)
      if (typeof c === 'object' && c !== null) {
        values.push(c);
        depths.push(depth + 1);
      }
  }
  return false;
}
