// One JSON object (an NDJSON line, an Elasticsearch document, a JSON Loki line) → LogRecord.
// Well-known keys are matched case-insensitively with a priority per slot (`timestamp` beats `time`);
// every other key is kept as an attribute. Key spellings: the log viewer contract in the team rules
// plus CLEF (`@t @m @mt @l @x @tr @sp`), ECS (`log.level`, `host.name`, `service.name`, `trace.id`,
// `span.id`, dotted or nested) and pino.
// CLEF's `@mt` (Serilog's CompactJsonFormatter, Serilog.Sinks.Seq) is rendered into the message
// when no `@m` or other message key is there, and kept as the attribute `message_template`.
import {
  type JsonValue,
  type Level,
  type LogRecord,
  levelToSeverity,
  normalizeHexId,
  normalizeLevel,
  type Protocol,
} from '../model.js';
import { NESTING_TOO_DEEP, nestedTooDeep } from './limits.js';
import { renderTemplate } from './message-template.js';
import { parseTimestamp, TIME_RANGE_TEXT } from './timestamp.js';

type Slot = 'time' | 'message' | 'level' | 'service' | 'host' | 'trace' | 'span' | 'exception';

/** lowercase key → [slot, priority (lower wins)] */
const KEYS = new Map<string, [Slot, number]>([
  ['timestamp', ['time', 0]],
  ['@timestamp', ['time', 1]],
  ['@t', ['time', 2]],
  ['time', ['time', 3]],
  ['ts', ['time', 4]],
  ['message', ['message', 0]],
  ['msg', ['message', 1]],
  ['@m', ['message', 2]],
  ['short_message', ['message', 3]],
  ['log', ['message', 4]],
  ['level', ['level', 0]],
  ['severity', ['level', 1]],
  ['@l', ['level', 2]],
  ['log.level', ['level', 3]],
  ['levelname', ['level', 4]],
  ['loglevel', ['level', 5]],
  ['service', ['service', 0]],
  ['service.name', ['service', 1]],
  ['service_name', ['service', 2]],
  ['host', ['host', 0]],
  ['hostname', ['host', 1]],
  ['host.name', ['host', 2]],
  ['trace_id', ['trace', 0]],
  ['traceid', ['trace', 1]],
  ['trace.id', ['trace', 2]],
  ['@tr', ['trace', 3]],
  ['span_id', ['span', 0]],
  ['spanid', ['span', 1]],
  ['span.id', ['span', 2]],
  ['@sp', ['span', 3]],
  ['@x', ['exception', 0]],
]);

export interface RecordContext {
  protocol: Protocol;
  /** Observed time; also the event time when the object carries none. */
  nowNs: bigint;
  /** Event time given by the envelope (Loki entry timestamp); wins over keys in the object. */
  timeNs?: bigint;
  service?: string;
  host?: string;
  level?: Level;
  levelText?: string;
  labels?: Record<string, string>;
  traceId?: string;
  spanId?: string;
  /** Merged under the object's own attributes (e.g. Loki structured metadata). */
  attributes?: Record<string, JsonValue>;
}

export class RecordError extends Error {}

/** Shared by every record without labels (the store caches label JSON per labels object). */
const NO_LABELS: Record<string, string> = Object.freeze({}) as Record<string, string>;

function nameOf(value: JsonValue): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value) && typeof value.name === 'string')
    return value.name;
  return undefined;
}

// Slot numbers for the per-call scratch arrays below.
const SLOT: Record<Slot, number> = {
  time: 0,
  message: 1,
  level: 2,
  service: 3,
  host: 4,
  trace: 5,
  span: 6,
  exception: 7,
};
/** lowercase key → slot * 16 + priority: one Map lookup, no tuple per key. */
const KEY_CODES = new Map<string, number>([...KEYS].map(([k, [slot, prio]]) => [k, SLOT[slot] * 16 + prio]));
/** CLEF's message template: exact key (CLEF's `@` names are case-sensitive), not a slot of KEYS. */
const TEMPLATE_KEY = '@mt';
/** CLEF's renderings of the template's tokens that have a format; used for the message, not kept. */
const RENDERINGS_KEY = '@r';
/**
 * KEY_CODES for scanners: `@mt` shares the exception slot (7), the slot of keys only
 * recordFromObject() handles, so a scanner that leaves those lines to it needs no second check.
 */
const SCAN_CODES = new Map<string, number>([...KEY_CODES, [TEMPLATE_KEY, SLOT.exception * 16 + 1]]);
/**
 * slot * 16 + priority of a key as recordFromObject() matches it (exact, then lowercased, see
 * foldedKeyCode()), or undefined for an attribute key. Slots: 0 time, 1 message, 2 level,
 * 3 service, 4 host, 5 trace id, 6 span id, 7 exception or CLEF template (`@x`, `@mt`: a line with one
 * must go to recordFromObject()). For parsers that scan JSON text themselves.
 */
export function keySlotCode(key: string): number | undefined {
  return SCAN_CODES.get(key) ?? foldedKeyCode(key);
}

/** Bit (c - 97) set for each lowercase letter a well-known key starts with: t m s l h. */
const FIRST_LETTERS = [...KEYS.keys()].reduce((bits, k) => {
  const c = k.charCodeAt(0);
  return c >= 97 && c <= 122 ? bits | (1 << (c - 97)) : bits;
}, 0);
const MAX_KEY_LENGTH = Math.max(...[...KEYS.keys()].map((k) => k.length));

/**
 * KEY_CODES of a key that missed the exact lookup, matched lowercased: `TraceId`, `traceId`,
 * `hostName`, `logLevel`, `LEVEL`. Only keys that start with a letter some well-known key starts with
 * and are not longer than the longest are lowercased (CLEF's `@` keys are exact); an all-lowercase key
 * is not looked up twice. The NDJSON scanner calls this only when a key misses its key cache.
 */
function foldedKeyCode(key: string): number | undefined {
  if (key.length > MAX_KEY_LENGTH) return undefined;
  const c = (key.charCodeAt(0) | 32) - 97;
  if (c < 0 || c > 25 || ((FIRST_LETTERS >> c) & 1) === 0) return undefined;
  const lower = key.toLowerCase();
  return lower === key ? undefined : KEY_CODES.get(lower);
}

/**
 * Slots only a CLEF event's own `@` keys fill (time, message, level, exception): in an event with
 * `@mt`, a property spelled like another key of theirs (Serilog's `{Message}`, `{Level}`, PascalCase,
 * matched lowercased) stays a property, as in Seq. Service and host have no CLEF key; a `TraceId` or
 * `SpanId` property (Serilog's span enricher) still gives the ids, as `@tr`/`@sp` do.
 */
const CLEF_SLOTS = [true, true, true, false, false, false, false, true];

// Scratch state of recordFromObject (synchronous, never re-entered): no allocation per record.
const bestKey: (string | undefined)[] = new Array(8).fill(undefined);
const bestPrio = new Int8Array(8);
const consumed: string[] = [];

/** Converts a parsed JSON object; throws RecordError for a timestamp it cannot read or a record nested too deep. */
export function recordFromObject(obj: Record<string, JsonValue>, ctx: RecordContext): LogRecord {
  if (nestedTooDeep(obj)) throw new RecordError(`record ${NESTING_TOO_DEEP}`);
  bestKey.fill(undefined);
  const template = Object.hasOwn(obj, TEMPLATE_KEY) ? obj[TEMPLATE_KEY] : undefined;
  const clef = typeof template === 'string';
  for (const key in obj) {
    // Exact lookup first (keys are nearly always lowercase), then lowercased (`traceId`, `Level`).
    const code = KEY_CODES.get(key) ?? foldedKeyCode(key);
    if (code === undefined) continue;
    const slot = code >> 4;
    const prio = code & 15;
    if (clef && CLEF_SLOTS[slot] && key.charCodeAt(0) !== 64) continue; // not an '@' key
    if (bestKey[slot] === undefined || prio < bestPrio[slot]) {
      bestKey[slot] = key;
      bestPrio[slot] = prio;
    }
  }
  consumed.length = 0;
  const timeKey = bestKey[0];
  const messageKey = bestKey[1];
  const levelKey = bestKey[2];
  const serviceKey = bestKey[3];
  const hostKey = bestKey[4];
  const traceKey = bestKey[5];
  const spanKey = bestKey[6];
  const exceptionKey = bestKey[7];

  let timeNs = ctx.timeNs;
  if (timeKey !== undefined) {
    consumed.push(timeKey);
    const rawTime = obj[timeKey];
    if (timeNs === undefined) {
      timeNs = parseTimestamp(rawTime);
      if (timeNs === undefined && rawTime !== 0 && rawTime !== '0' && rawTime !== null)
        throw new RecordError(
          `unreadable timestamp ${JSON.stringify(rawTime).slice(0, 60)}: expected RFC 3339 or epoch s/ms/µs/ns within ${TIME_RANGE_TEXT}`,
        );
    }
  }
  let message = '';
  if (messageKey !== undefined) {
    consumed.push(messageKey);
    const rawMessage = obj[messageKey];
    if (typeof rawMessage === 'string') message = rawMessage;
    else if (rawMessage !== null) message = JSON.stringify(rawMessage);
  }
  if (clef) {
    if (messageKey === undefined) message = renderTemplate(template, obj, obj[RENDERINGS_KEY]);
    consumed.push(TEMPLATE_KEY, RENDERINGS_KEY);
  }

  let level = ctx.level;
  let levelText = ctx.levelText ?? '';
  let levelRead = false;
  if (levelKey !== undefined) {
    const rawLevel = obj[levelKey];
    const normalized = normalizeLevel(rawLevel);
    if (normalized) {
      level = normalized;
      levelText = typeof rawLevel === 'string' ? rawLevel : String(rawLevel);
      consumed.push(levelKey);
      levelRead = true;
    } // else: an unrecognised level stays an attribute
  }
  if (!levelRead) {
    // ECS as Filebeat, Elastic Agent and ecs-logging write it: {"log":{"level":"warn"}}, read like
    // `log.level` (the object stays an attribute, as a nested service or host does)
    const rawLevel = nestedMember(obj, 'log', 'level');
    const normalized = rawLevel === undefined ? undefined : normalizeLevel(rawLevel);
    if (normalized) {
      level = normalized;
      levelText = typeof rawLevel === 'string' ? rawLevel : String(rawLevel);
    }
  }

  const service = serviceKey !== undefined ? nameOf(obj[serviceKey]) : undefined;
  if (service !== undefined && typeof obj[serviceKey!] === 'string') consumed.push(serviceKey!);
  const host = hostKey !== undefined ? nameOf(obj[hostKey]) : undefined;
  if (host !== undefined && typeof obj[hostKey!] === 'string') consumed.push(hostKey!);

  let traceId = ctx.traceId ?? '';
  let id = traceKey !== undefined ? normalizeHexId(obj[traceKey], 32) : '';
  if (id) {
    traceId = id;
    consumed.push(traceKey!);
  } else {
    // ECS {"trace":{"id":…}}, like `trace.id`
    id = normalizeHexId(nestedMember(obj, 'trace', 'id'), 32);
    if (id) traceId = id;
  }
  let spanId = ctx.spanId ?? '';
  id = spanKey !== undefined ? normalizeHexId(obj[spanKey], 16) : '';
  if (id) {
    spanId = id;
    consumed.push(spanKey!);
  } else {
    id = normalizeHexId(nestedMember(obj, 'span', 'id'), 16);
    if (id) spanId = id;
  }
  const attributes: Record<string, JsonValue> = ctx.attributes ? { ...ctx.attributes } : {};
  if (exceptionKey !== undefined) {
    consumed.push(exceptionKey);
    attributes.exception = obj[exceptionKey];
  }
  if (clef) attributes.message_template = template;
  const nConsumed = consumed.length;
  for (const key in obj) {
    let taken = false;
    for (let i = 0; i < nConsumed; i++)
      if (consumed[i] === key) {
        taken = true;
        break;
      }
    if (!taken) setOwn(attributes, key, obj[key]);
  }
  const finalLevel = level ?? 'info';
  return {
    timeNs: timeNs ?? ctx.nowNs,
    observedNs: ctx.nowNs,
    level: finalLevel,
    levelText,
    severity: levelToSeverity(finalLevel),
    service: service ?? ctx.service ?? '',
    host: host ?? ctx.host ?? '',
    message,
    attributes,
    traceId,
    spanId,
    labels: ctx.labels ?? NO_LABELS,
    protocol: ctx.protocol,
  };
}

/** obj[outer][inner] when obj[outer] is an object (ECS nesting), else undefined. */
function nestedMember(obj: Record<string, JsonValue>, outer: string, inner: string): JsonValue | undefined {
  const o = Object.hasOwn(obj, outer) ? obj[outer] : undefined;
  return isJsonObject(o) && Object.hasOwn(o, inner) ? o[inner] : undefined;
}

/**
 * obj[key] = value as an own member even for `__proto__`, which an assignment takes for the
 * object's prototype: {"__proto__":{"p":1}} was accepted and its attribute silently dropped.
 */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

export function isJsonObject(v: unknown): v is Record<string, JsonValue> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
