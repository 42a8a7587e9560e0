// Seq's HTTP ingestion (docs.datalust.co "Posting raw events", Seq 2024): `POST /ingest/clef` and
// `POST /api/events/raw?clef` carry CLEF, newline-delimited (what Serilog.Sinks.Seq, seqcli and
// Seq.Extensions.Logging send), read by the CLEF rules of json-record.ts as `/api/logs` reads it.
// `POST /api/events/raw` without `?clef` (and not typed application/vnd.serilog.clef) carries the
// older JSON format {"Events":[{"Timestamp","Level","MessageTemplate","RenderedMessage",
// "Exception","Properties":{…}}]}, turned here into the same CLEF lines.
import { ParseError } from '@flowrent/shared/errors';
import { bodyText } from './body-text.js';

export const CLEF_CONTENT_TYPE = 'application/vnd.serilog.clef';

/** Whether a /api/events/raw body is CLEF: `?clef` in the URL or the CLEF content type. */
export function isClefRequest(hasClefParam: boolean, contentType: string | undefined): boolean {
  return hasClefParam || (contentType ?? '').split(';')[0].trim().toLowerCase() === CLEF_CONTENT_TYPE;
}

/**
 * A CLEF body as NDJSON lines: Seq also takes a single event typed application/json, which may be
 * pretty-printed (one JSON document over several lines); such a body becomes one line. Anything else
 * (CLEF lines, or JSON that is not one object) is left to the NDJSON parser and its errors.
 */
export function clefLines(body: Uint8Array, contentType: string | undefined): Uint8Array {
  if ((contentType ?? '').split(';')[0].trim().toLowerCase() !== 'application/json') return body;
  let doc: unknown;
  try {
    doc = JSON.parse(bodyText(body));
  } catch {
    return body; // CLEF lines (or malformed: the NDJSON parser names the line)
  }
  return isObject(doc) ? Buffer.from(`${JSON.stringify(doc)}\n`) : body;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The legacy {"Events":[…]} body as CLEF NDJSON bytes; a ParseError names what is wrong. */
export function seqRawEventsToClef(body: Uint8Array): Buffer {
  let doc: unknown;
  try {
    doc = JSON.parse(bodyText(body));
  } catch (err) {
    throw new ParseError(`malformed JSON: ${(err as Error).message}; send {"Events":[…]} or CLEF with ?clef`);
  }
  if (!isObject(doc) || !Array.isArray(doc.Events))
    throw new ParseError('expected {"Events":[…]} (or CLEF lines with ?clef)');
  const lines = doc.Events.map((e, i) => {
    if (!isObject(e)) throw new ParseError(`Events[${i}]: expected an object`);
    const props = e.Properties === undefined ? {} : e.Properties;
    if (!isObject(props)) throw new ParseError(`Events[${i}].Properties: expected an object`);
    // Properties first, so that the event's own fields win over a property of the same name
    const clef: Record<string, unknown> = { ...props };
    if (e.Timestamp !== undefined) clef['@t'] = e.Timestamp;
    if (e.MessageTemplate !== undefined) clef['@mt'] = e.MessageTemplate;
    if (e.RenderedMessage !== undefined) clef['@m'] = e.RenderedMessage;
    if (e.Level !== undefined) clef['@l'] = e.Level;
    if (e.Exception !== undefined) clef['@x'] = e.Exception;
    return JSON.stringify(clef);
  });
  return Buffer.from(lines.length ? `${lines.join('\n')}\n` : '');
}
