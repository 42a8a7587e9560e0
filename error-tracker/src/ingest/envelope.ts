// Sentry envelope parser, per develop.sentry.dev/sdk/foundations/transport/envelopes/ (2026):
//   Envelope = Headers { "\n" Item } [ "\n" ] ; Item = Headers "\n" Payload
// Item headers may carry `length` (Python SDK) or not (@sentry/node: payload runs to the next
// "\n" or EOF). Pure: bytes in, typed records out; throws IngestParseError with a byte position.
import { IngestParseError } from './errors.js';

export type JsonObject = Record<string, unknown>;

export interface EnvelopeItem {
  type: string;
  headers: JsonObject;
  payload: Buffer;
}

export interface Envelope {
  headers: JsonObject;
  items: EnvelopeItem[];
}

const NEWLINE = 0x0a;

/** Splits an envelope into its header and items. Unknown item types are returned as-is. */
export function parseEnvelope(body: Buffer): Envelope {
  let pos = 0;
  const headerEnd = lineEnd(body, 0);
  const headers = parseHeaderLine(body, 0, headerEnd, 'envelope header');
  pos = headerEnd + 1;
  const items: EnvelopeItem[] = [];
  while (pos < body.length) {
    // tolerate blank lines between items and a trailing newline
    if (body[pos] === NEWLINE) {
      pos += 1;
      continue;
    }
    const itemHeaderEnd = lineEnd(body, pos);
    const itemHeaders = parseHeaderLine(body, pos, itemHeaderEnd, 'item header');
    const type = itemHeaders.type;
    if (typeof type !== 'string' || type === '') {
      throw new IngestParseError('item header without a "type"', pos);
    }
    pos = itemHeaderEnd + 1;
    const length = itemHeaders.length;
    let payload: Buffer;
    if (length === undefined || length === null) {
      const end = pos > body.length ? body.length : lineEnd(body, pos);
      payload = body.subarray(Math.min(pos, body.length), end);
      pos = end + 1;
    } else {
      if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) {
        throw new IngestParseError('item "length" must be a non-negative integer', pos);
      }
      if (pos + length > body.length) {
        throw new IngestParseError(`item payload ends early: expected ${length} bytes`, body.length);
      }
      payload = body.subarray(pos, pos + length);
      pos += length;
      if (pos < body.length && body[pos] !== NEWLINE) {
        throw new IngestParseError('item payload not followed by a newline', pos);
      }
      pos += 1;
    }
    items.push({ type, headers: itemHeaders, payload });
  }
  return { headers, items };
}

function lineEnd(body: Buffer, from: number): number {
  const i = body.indexOf(NEWLINE, from);
  return i === -1 ? body.length : i;
}

function parseHeaderLine(body: Buffer, start: number, end: number, what: string): JsonObject {
  let line = body.toString('utf8', start, end);
  if (line.endsWith('\r')) line = line.slice(0, -1);
  if (line.trim() === '') {
    throw new IngestParseError(`empty ${what}`, start);
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new IngestParseError(`${what} is not valid JSON`, start);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new IngestParseError(`${what} must be a JSON object`, start);
  }
  return value as JsonObject;
}

/** Parses a JSON object payload (event, session, ...). */
export function parseJsonObject(payload: Buffer | string, what: string, position = 0): JsonObject {
  let value: unknown;
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  try {
    value = JSON.parse(text);
  } catch {
    value = parseLenient(text);
    if (value === undefined) throw new IngestParseError(`${what} is not valid JSON`, position);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new IngestParseError(`${what} must be a JSON object`, position);
  }
  return value as JsonObject;
}

// Old Python clients write bare NaN / Infinity (Relay's json_forensics fixes the same); map to null.
function parseLenient(text: string): unknown {
  if (!/\b(NaN|-?Infinity)\b/.test(text)) return undefined;
  try {
    return JSON.parse(text.replace(/(?<=[:,[]\s*)(NaN|-?Infinity)(?=\s*[,}\]])/g, 'null'));
  } catch {
    return undefined;
  }
}
