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
