// One JSON object (an NDJSON line, an Elasticsearch document, a JSON Loki line) → LogRecord.
// Well-known keys are matched case-insensitively with a priority per slot (`timestamp` beats `time`);
// every other key is kept as an attribute. Key spellings: the log viewer contract in the team rules
// plus CLEF (`@t @m @mt @l @x @tr @sp`), ECS (`log.level`, `host.name`, `service.name`) and pino.
import {
  type JsonValue,
  type Level,
  type LogRecord,
  levelToSeverity,
  normalizeHexId,
  normalizeLevel,
  type Protocol,
} from '../model.js';
import { parseTimestamp } from './timestamp.js';

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
  ['@mt', ['message', 3]],
  ['short_message', ['message', 4]],
  ['log', ['message', 5]],
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

/** Converts a parsed JSON object; throws RecordError for a timestamp it cannot read. */
export function recordFromObject(obj: Record<string, JsonValue>, ctx: RecordContext): LogRecord {
  const best: Partial<Record<Slot, [string, number]>> = {};
  for (const key in obj) {
    // Exact lookup first (keys are nearly always lowercase); lowercase only keys that start uppercase.
    let hit = KEYS.get(key);
    if (!hit) {
      const c = key.charCodeAt(0);
      if (c < 65 || c > 90 || key.length > 14) continue;
      hit = KEYS.get(key.toLowerCase());
      if (!hit) continue;
    }
    const cur = best[hit[0]];
    if (!cur || hit[1] < cur[1]) best[hit[0]] = [key, hit[1]];
  }
  const attributes: Record<string, JsonValue> = ctx.attributes ? { ...ctx.attributes } : {};
  const consumed: string[] = [];
  const take = (slot: Slot): JsonValue | undefined => {
    const k = best[slot]?.[0];
    if (k === undefined) return undefined;
    consumed.push(k);
    return obj[k];
  };

  let timeNs = ctx.timeNs;
  const rawTime = take('time');
  if (rawTime !== undefined && timeNs === undefined) {
    timeNs = parseTimestamp(rawTime);
    if (timeNs === undefined && rawTime !== 0 && rawTime !== '0' && rawTime !== null)
      throw new RecordError(`unreadable timestamp ${JSON.stringify(rawTime).slice(0, 60)}`);
  }
  const rawMessage = take('message');
  const message =
    rawMessage === undefined || rawMessage === null
      ? ''
      : typeof rawMessage === 'string'
        ? rawMessage
        : JSON.stringify(rawMessage);

  let level = ctx.level;
  let levelText = ctx.levelText ?? '';
  const rawLevel = take('level');
  if (rawLevel !== undefined) {
    const normalized = normalizeLevel(rawLevel);
    if (normalized) {
      level = normalized;
      levelText = String(rawLevel);
    } else {
      consumed.pop(); // keep an unrecognised level as an attribute
    }
  }

  const serviceKey = best.service?.[0];
  const service = serviceKey !== undefined ? nameOf(obj[serviceKey]) : undefined;
  if (service !== undefined && typeof obj[serviceKey!] === 'string') consumed.push(serviceKey!);
  const hostKey = best.host?.[0];
  const host = hostKey !== undefined ? nameOf(obj[hostKey]) : undefined;
  if (host !== undefined && typeof obj[hostKey!] === 'string') consumed.push(hostKey!);

  let traceId = ctx.traceId ?? '';
  const traceKey = best.trace?.[0];
  if (traceKey !== undefined) {
    const id = normalizeHexId(obj[traceKey], 32);
    if (id) {
      traceId = id;
      consumed.push(traceKey);
    }
  }
  let spanId = ctx.spanId ?? '';
  const spanKey = best.span?.[0];
  if (spanKey !== undefined) {
    const id = normalizeHexId(obj[spanKey], 16);
    if (id) {
      spanId = id;
      consumed.push(spanKey);
    }
  }
  const exception = take('exception');
  if (exception !== undefined) attributes.exception = exception;

  for (const key in obj) if (!consumed.includes(key)) attributes[key] = obj[key];
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

export function isJsonObject(v: unknown): v is Record<string, JsonValue> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
