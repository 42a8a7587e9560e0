// Grafana Loki push API (docs/sources/reference/loki-http-api.md, pkg/push/push.proto):
// JSON `{"streams":[{"stream":{labels},"values":[["<ns>","line",{metadata}?]]}]}` and protobuf
// logproto.PushRequest, snappy block-compressed. JSON-looking lines (pino, winston) are unpacked into
// message + attributes; stream labels give service, host and level defaults.
import { createHash } from 'node:crypto';
import { ParseError } from '@flowrent/shared/errors';
import { type JsonValue, type Level, type LogRecord, normalizeLevel } from '../model.js';
import { isJsonObject, type RecordContext, RecordError, recordFromObject, setOwn } from './json-record.js';
import { checkLabelCount, lineFits, MAX_LINE_BYTES, nestedTooDeep } from './limits.js';
import { parseLokiLabels } from './loki-labels.js';
import { ProtoReader, WIRE_LEN } from './protobuf.js';
import { uncompressSnappy } from './snappy-body.js';
import { timeInRange } from './timestamp.js';

const SERVICE_LABELS = ['service_name', 'service', 'app', 'application', 'job', 'container'];
const HOST_LABELS = ['host', 'hostname', 'instance', 'node'];
const LEVEL_LABELS = ['level', 'detected_level', 'severity', 'lvl'];

interface StreamContext {
  labels: Record<string, string>;
  /** The labels sorted, as one string: the stream's identity across pushes. */
  key: string;
  service?: string;
  host?: string;
  level?: Level;
  levelText?: string;
}

function streamContext(labels: Record<string, string>, where: string): StreamContext {
  checkLabelCount(Object.keys(labels).length, where);
  const pick = (names: string[]) => names.map((n) => labels[n]).find((v) => v !== undefined && v !== '');
  const levelText = pick(LEVEL_LABELS);
  return {
    labels,
    key: JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    service: pick(SERVICE_LABELS),
    host: pick(HOST_LABELS),
    level: normalizeLevel(levelText),
    levelText,
  };
}

/**
 * A push's records and the entries it drops one by one: as Loki's distributor (pkg/distributor
 * validator.go ValidateEntry), an entry longer than MAX_LINE_BYTES (line_too_long) or timed outside
 * the range the store keeps (too_far_in_future, greater_than_max_sample_age) is discarded and the rest
 * of the push is stored; the answer is then a 400 naming the dropped entries. An entry whose timestamp
 * is not a number at all is dropped the same way: Loki fails the whole JSON push there, and the
 * shippers do not retry a 400, so every good entry of the batch was lost with it. Everything else
 * wrong in a push (malformed JSON or protobuf, an entry that is not ["<ns>", "<line>"], too many
 * labels) still refuses all of it.
 */
export interface LokiPush {
  records: LogRecord[];
  rejected: number;
  errors: string[];
  /** Per stream key: the entries stored, for the store's head windows (see Dedupe below). */
  lokiStreams: LokiStreams;
}

/**
 * Exact duplicates, as Loki's ingester drops them: an entry with the same timestamp and line as the
 * stream's last one (pkg/ingester/stream.go validateEntries) or as any entry still in the stream's
 * head block (pkg/chunkenc/unordered.go Append, its last ~256 KB of lines) is ignored, so a shipper's
 * retry of a batch whose answer was lost is not stored twice. Within a push the parser drops an
 * entry repeating the one before it; across pushes it reports each stream's entries (time and
 * lineHash()), the store finds those its window of the stream already holds (store/loki-heads.ts),
 * and a push with some is parsed again with their marks (`held`: stream key → `<ns>:<hash>`), which
 * it then drops; the inbox frame keeps the marks so a replay parses the same. Frames written by the
 * ninth session's code carry `last`: the stream's last entry as `<ns>:<sha1 of the line>`.
 */
export interface LokiStreamEntries {
  times: BigInt64Array;
  hashes: Float64Array;
  minNs: bigint;
  maxNs: bigint;
  /** UTF-16 units of the lines: the head window's size. */
  chars: number;
}
export type LokiStreams = Record<string, LokiStreamEntries>;
export type LokiMarks = Record<string, string>;
export type LokiHeld = Record<string, string[]>;
/** What a second parse of a push drops (kept with the push in the inbox). */
export interface LokiHints {
  held?: LokiHeld;
  last?: LokiMarks;
}

/** A stored entry as the store names it to the parser: `<ns>:<lineHash in base 36>`. */
export function heldMark(timeNs: bigint, hash: number): string {
  return `${timeNs}:${hash.toString(36)}`;
}

/**
 * 53 bits of a line (two 32-bit multiply-xorshift lanes mixed, cyrb53's scheme): cheap enough for
 * every entry (~1 ns per character), and with the exact timestamp a collision of two different lines
 * is ~2^-53 per pair of entries with the same time.
 */
export function lineHash(line: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The ninth session's mark of a stream's last entry (frames it wrote still replay). */
function sha1Mark(timeNs: bigint, line: string): string {
  return `${timeNs}:${createHash('sha1').update(line).digest('base64')}`;
}

interface StreamEntries {
  times: bigint[];
  hashes: number[];
  chars: number;
  /** The last entry taken, for the repeat within a push. */
  lastNs: bigint;
  lastLine: string;
}

class Dedupe {
  private readonly streams = new Map<string, StreamEntries>();
  private readonly heldSets = new Map<string, Set<string>>();
  constructor(
    private readonly held: LokiHeld | undefined,
    private readonly last: LokiMarks | undefined,
  ) {}

  /** True when the entry is a duplicate to drop; else it is taken. */
  repeats(key: string, timeNs: bigint, line: string): boolean {
    let s = this.streams.get(key);
    if (s !== undefined) {
      if (s.lastNs === timeNs && s.lastLine === line) return true;
    } else if (this.last && Object.hasOwn(this.last, key) && this.last[key] === sha1Mark(timeNs, line)) {
      return true;
    }
    const hash = lineHash(line);
    if (this.held && Object.hasOwn(this.held, key)) {
      const set = this.heldSets.get(key) ?? new Set(this.held[key]);
      this.heldSets.set(key, set);
      if (set.has(heldMark(timeNs, hash))) return true;
    }
    if (s === undefined) {
      s = { times: [], hashes: [], chars: 0, lastNs: timeNs, lastLine: line };
      this.streams.set(key, s);
    }
    s.lastNs = timeNs;
    s.lastLine = line;
    s.times.push(timeNs);
    s.hashes.push(hash);
    s.chars += line.length;
    return false;
  }

  entries(): LokiStreams {
    const out: LokiStreams = {};
    for (const [key, s] of this.streams) {
      let minNs = s.times[0];
      let maxNs = minNs;
      for (const t of s.times) {
        if (t < minNs) minNs = t;
        if (t > maxNs) maxNs = t;
      }
      out[key] = {
        times: BigInt64Array.from(s.times),
        hashes: Float64Array.from(s.hashes),
        minNs,
        maxNs,
        chars: s.chars,
      };
    }
    return out;
  }
}

/** Dropped entries named in the answer (Loki names each; the rest are counted). */
const MAX_NAMED = 5;
function dropEntry(push: LokiPush, message: () => string): void {
  if (push.rejected++ < MAX_NAMED) push.errors.push(message());
}
function finish(push: LokiPush, dedupe: Dedupe): LokiPush {
  if (push.rejected > MAX_NAMED) push.errors.push(`and ${push.rejected - MAX_NAMED} more entries ignored`);
  push.lokiStreams = dedupe.entries();
  return push;
}

/** The stream as Loki prints labels in its messages: `{app="a", env="b"}`. */
function streamText(stream: StreamContext): string {
  return `{${Object.entries(stream.labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;
}

/** Loki's message for an entry over the limit (validation.LineTooLongErrorMsg). */
function dropTooLong(push: LokiPush, stream: StreamContext, line: string): void {
  dropEntry(
    push,
    () =>
      `Max entry size '${MAX_LINE_BYTES}' bytes exceeded for stream '${streamText(stream)}' while adding an entry with length '${Buffer.byteLength(line, 'utf8')}' bytes`,
  );
}

/** RFC 3339 to the second, as Go's time.RFC3339 prints Loki's times; raw ns past what Date can hold. */
function rfc3339(ns: bigint): string {
  const ms = ns / 1_000_000n - (ns < 0n && ns % 1_000_000n !== 0n ? 1n : 0n); // floor
  if (ms > 8_640_000_000_000_000n || ms < -8_640_000_000_000_000n)
    return `${Number(ns).toExponential()} ns since the epoch`;
  return new Date(Number(ms)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Loki's messages for a time outside the store's range (validation.TooFarInFutureErrorMsg,
 * GreaterThanMaxSampleAgeErrorMsg); the store keeps 0 .. 2^63-1 ns (timestamp.ts), not Loki's
 * limits around now.
 */
function dropOutOfRange(push: LokiPush, stream: StreamContext, timeNs: bigint): void {
  dropEntry(push, () =>
    timeNs < 0n
      ? `entry for stream '${streamText(stream)}' has timestamp too old: ${rfc3339(timeNs)}, oldest acceptable timestamp is: ${rfc3339(0n)}`
      : `entry for stream '${streamText(stream)}' has timestamp too new: ${rfc3339(timeNs)}`,
  );
}

/** Takes an entry whose time and length the store accepts; drops it with Loki's message otherwise. */
function addEntry(
  push: LokiPush,
  dedupe: Dedupe,
  stream: StreamContext,
  entry: { timeNs: bigint; line: string; metadata?: Record<string, string> },
  nowNs: bigint,
  where: string,
): void {
  if (!lineFits(entry.line)) dropTooLong(push, stream, entry.line);
  else if (!timeInRange(entry.timeNs)) dropOutOfRange(push, stream, entry.timeNs);
  else if (!dedupe.repeats(stream.key, entry.timeNs, entry.line))
    push.records.push(entryRecord(stream, entry.timeNs, entry.line, entry.metadata, nowNs, where));
}

function entryRecord(
  stream: StreamContext,
  timeNs: bigint,
  line: string,
  metadata: Record<string, string> | undefined,
  nowNs: bigint,
  where: string,
): LogRecord {
  const ctx: RecordContext = { protocol: 'loki', nowNs, timeNs, ...stream };
  let obj: Record<string, JsonValue> | undefined;
  let message = line;
  if (line.charCodeAt(0) === 123 /* { */) obj = parseObject(line);
  else if (line.charCodeAt(line.length - 1) === 125 /* } */) {
    // winston-loki's default line: `<message> <JSON of the meta>`.
    const brace = line.indexOf(' {');
    const meta = brace > 0 ? parseObject(line.slice(brace + 1)) : undefined;
    if (meta) {
      obj = meta;
      message = line.slice(0, brace);
    }
  }
  try {
    if (obj && message === line) return recordFromObject(metadata ? { ...metadata, ...obj } : obj, ctx);
    const record = recordFromObject({ ...metadata, ...obj }, ctx);
    record.message = message;
    return record;
  } catch (err) {
    if (err instanceof RecordError) throw new ParseError(`${where}: ${err.message}`);
    throw err;
  }
}

/** A line's JSON object; undefined when it is not one or nests past MAX_NESTING_DEPTH (it stays text). */
function parseObject(text: string): Record<string, JsonValue> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return isJsonObject(parsed) && !nestedTooDeep(parsed) ? parsed : undefined;
  } catch {
    return undefined; // not JSON after all: the line stays the message
  }
}

/** A JSON entry's time: a string of epoch ns (or a number, leniently); undefined when it is neither. */
function nsFromJson(value: unknown): bigint | undefined {
  if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.round(value));
  return undefined;
}

/** Loki push JSON. */
export function parseLokiJson(body: string, nowNs: bigint, hints: LokiHints = {}): LokiPush {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    throw new ParseError(`malformed JSON: ${(err as Error).message}`);
  }
  if (!isJsonObject(doc) || !Array.isArray(doc.streams)) throw new ParseError('expected {"streams": [...]}');
  const push: LokiPush = { records: [], rejected: 0, errors: [], lokiStreams: {} };
  const dedupe = new Dedupe(hints.held, hints.last);
  doc.streams.forEach((s, si) => {
    if (!isJsonObject(s) || !Array.isArray(s.values))
      throw new ParseError(`streams[${si}]: expected {"stream": {...}, "values": [...]}`);
    const labelsIn = s.stream ?? {};
    if (!isJsonObject(labelsIn)) throw new ParseError(`streams[${si}].stream must be an object of labels`);
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(labelsIn))
      setOwn(labels, k, typeof v === 'string' ? v : JSON.stringify(v));
    const stream = streamContext(labels, `streams[${si}]`);
    s.values.forEach((v, vi) => {
      const where = `streams[${si}].values[${vi}]`;
      if (!Array.isArray(v) || v.length < 2 || typeof v[1] !== 'string')
        throw new ParseError(`${where}: expected ["<ns timestamp>", "<line>", {metadata}?]`);
      let metadata: Record<string, string> | undefined;
      if (v.length > 2 && v[2] !== null) {
        if (!isJsonObject(v[2])) throw new ParseError(`${where}: structured metadata must be an object`);
        metadata = {};
        for (const [k, mv] of Object.entries(v[2]))
          setOwn(metadata, k, typeof mv === 'string' ? mv : JSON.stringify(mv));
      }
      const timeNs = nsFromJson(v[0]);
      if (timeNs === undefined)
        dropEntry(
          push,
          () =>
            `entry for stream '${streamText(stream)}' has malformed timestamp: ${JSON.stringify(v[0]).slice(0, 60)}, expected a string of Unix epoch nanoseconds (${where})`,
        );
      else addEntry(push, dedupe, stream, { timeNs, line: v[1], metadata }, nowNs, where);
    });
  });
  return finish(push, dedupe);
}

/** Loki push protobuf, body as sent: snappy-compressed unless `compressed` is false. */
export function parseLokiProtobuf(
  body: Uint8Array,
  nowNs: bigint,
  compressed = true,
  hints: LokiHints = {},
): LokiPush {
  const buf = compressed ? uncompressSnappy(body) : body;
  const r = new ProtoReader(buf);
  const push: LokiPush = { records: [], rejected: 0, errors: [], lokiStreams: {} };
  const dedupe = new Dedupe(hints.held, hints.last);
  let si = 0;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field !== 1) {
      r.skip(wire);
      continue;
    }
    r.expect(wire, WIRE_LEN, 'PushRequest.streams');
    readStream(r.sub(), si++, nowNs, push, dedupe);
  }
  return finish(push, dedupe);
}

function readStream(r: ProtoReader, si: number, nowNs: bigint, push: LokiPush, dedupe: Dedupe): void {
  const entries: ProtoReader[] = [];
  let labelText = '';
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_LEN) labelText = r.string();
    else if (field === 2 && wire === WIRE_LEN) entries.push(r.sub());
    else r.skip(wire);
  }
  const stream = streamContext(parseLokiLabels(labelText), `streams[${si}]`);
  entries.forEach((e, ei) => {
    let timeNs = 0n;
    let line = '';
    let metadata: Record<string, string> | undefined;
    while (!e.done) {
      const [field, wire] = e.tag();
      if (field === 1 && wire === WIRE_LEN) timeNs = readTimestamp(e.sub());
      else if (field === 2 && wire === WIRE_LEN) line = e.string();
      else if (field === 3 && wire === WIRE_LEN) {
        const [k, v] = readPair(e.sub());
        metadata ??= {};
        setOwn(metadata, k, v);
      } else e.skip(wire);
    }
    const entry = { timeNs: timeNs === 0n ? nowNs : timeNs, line, metadata };
    addEntry(push, dedupe, stream, entry, nowNs, `streams[${si}].entries[${ei}]`);
  });
}

function readTimestamp(r: ProtoReader): bigint {
  let seconds = 0n;
  let nanos = 0;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === 0) seconds = BigInt.asIntN(64, r.varintBig());
    else if (field === 2 && wire === 0) nanos = r.varint();
    else r.skip(wire);
  }
  return seconds * 1_000_000_000n + BigInt(nanos);
}

function readPair(r: ProtoReader): [string, string] {
  let name = '';
  let value = '';
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_LEN) name = r.string();
    else if (field === 2 && wire === WIRE_LEN) value = r.string();
    else r.skip(wire);
  }
  return [name, value];
}

/**
 * Chooses the decoder from the request headers: JSON when Content-Type says so, otherwise protobuf,
 * snappy-compressed whether or not Content-Encoding says so (winston-loki sends none). Returns the
 * body kind for the store's parsers (ingest/body-parsers.ts) and the body to hand it: a snappy JSON
 * body is decompressed here (throwing ParseError or TooLarge), a protobuf one stays compressed.
 */
export function lokiPushBody(
  body: Buffer,
  headers: { contentType?: string; contentEncoding?: string },
): { kind: 'loki-json' | 'loki-protobuf'; body: Buffer } {
  const type = (headers.contentType ?? '').split(';')[0].trim().toLowerCase();
  const snappy = (headers.contentEncoding ?? '').toLowerCase().includes('snappy');
  if (type === 'application/json') return { kind: 'loki-json', body: snappy ? uncompressSnappy(body) : body };
  return { kind: 'loki-protobuf', body };
}
