// OTLP LogRecord → LogRecord mapping shared by the protobuf and JSON decoders
// (opentelemetry-proto logs/v1/logs.proto, as of opentelemetry-proto @ac2c4b5).
import {
  type JsonValue,
  type LogRecord,
  levelToSeverity,
  normalizeLevel,
  severityToLevel,
} from '../model.js';
import { lineFits, MAX_LABELS_PER_STREAM } from './limits.js';
import { MAX_TIME_NS, TIME_RANGE_TEXT } from './timestamp.js';

export interface OtlpResource {
  attributes: Record<string, JsonValue>;
}

export interface OtlpScope {
  name: string;
  version: string;
}

export interface OtlpLogRecord {
  timeNs: bigint;
  observedNs: bigint;
  severityNumber: number;
  severityText: string;
  body: JsonValue | undefined;
  attributes: Record<string, JsonValue>;
  traceId: string;
  spanId: string;
  eventName: string;
}

export interface OtlpResult {
  records: LogRecord[];
  /** Records not accepted (reported as partialSuccess). */
  rejected: number;
  /** Why, one short message per distinct reason. */
  errors: string[];
}

/** Takes each accepted record as it is parsed (instead of the result's records array). */
export type RecordSink = (record: LogRecord) => void;

export class OtlpCollector {
  readonly result: OtlpResult = { records: [], rejected: 0, errors: [] };
  private readonly sink: RecordSink;

  constructor(
    private readonly nowNs: bigint,
    sink?: RecordSink,
  ) {
    this.sink = sink ?? ((record) => this.result.records.push(record));
  }

  reject(count: number, reason: string): void {
    this.result.rejected += count;
    if (!this.result.errors.includes(reason) && this.result.errors.length < 5)
      this.result.errors.push(reason);
  }

  add(resource: OtlpResource, labels: Record<string, string>, scope: OtlpScope, r: OtlpLogRecord): void {
    const message =
      r.body === undefined || r.body === null
        ? ''
        : typeof r.body === 'string'
          ? r.body
          : JSON.stringify(r.body);
    if (r.timeNs > MAX_TIME_NS || r.observedNs > MAX_TIME_NS) {
      this.reject(1, `timeUnixNano or observedTimeUnixNano is outside ${TIME_RANGE_TEXT}`);
      return;
    }
    if (!lineFits(message)) {
      this.reject(1, 'log record body exceeds MAX_LINE_BYTES = 262144');
      return;
    }
    const level =
      r.severityNumber >= 1 && r.severityNumber <= 24
        ? severityToLevel(r.severityNumber)
        : (normalizeLevel(r.severityText) ?? 'info');
    const attributes = r.attributes;
    // a resource's attributes past the labels go with each record, as Loki keeps them as
    // structured metadata; the record's own attribute of the same name wins
    for (const [k, v] of overflow(resource, labels))
      if (!Object.hasOwn(attributes, k)) setMember(attributes, k, v);
    if (scope.name) attributes['otel.scope.name'] = scope.name;
    if (scope.version) attributes['otel.scope.version'] = scope.version;
    if (r.eventName) attributes['event.name'] = r.eventName;
    const observedNs = r.observedNs > 0n ? r.observedNs : this.nowNs;
    const str = (v: JsonValue | undefined) => (typeof v === 'string' ? v : '');
    this.sink({
      timeNs: r.timeNs > 0n ? r.timeNs : observedNs,
      observedNs,
      level,
      levelText: r.severityText,
      severity: r.severityNumber >= 1 && r.severityNumber <= 24 ? r.severityNumber : levelToSeverity(level),
      service: str(resource.attributes['service.name']),
      host: str(resource.attributes['host.name']),
      message,
      attributes,
      traceId: r.traceId,
      spanId: r.spanId,
      labels,
      protocol: 'otlp',
    });
  }
}

/**
 * Loki's OTLP defaults: the resource attributes it makes index labels (the rest is structured
 * metadata). Here every attribute is a label while a resource has at most MAX_LABELS_PER_STREAM;
 * past that these go first, then the others in the order sent, and the rest is kept on each record.
 */
const LOKI_LABEL_ATTRIBUTES = [
  'service.name',
  'service.namespace',
  'service.instance.id',
  'deployment.environment',
  'cloud.region',
  'cloud.availability_zone',
  'k8s.cluster.name',
  'k8s.namespace.name',
  'k8s.pod.name',
  'k8s.container.name',
  'container.name',
  'k8s.replicaset.name',
  'k8s.deployment.name',
  'k8s.statefulset.name',
  'k8s.daemonset.name',
  'k8s.cronjob.name',
  'k8s.job.name',
];

/** Resource attributes as stream labels (non-strings JSON-encoded), at most MAX_LABELS_PER_STREAM. */
export function resourceLabels(resource: OtlpResource): Record<string, string> {
  const out: Record<string, string> = {};
  const all = resource.attributes;
  const keys = Object.keys(all);
  const chosen =
    keys.length <= MAX_LABELS_PER_STREAM
      ? keys
      : [
          ...LOKI_LABEL_ATTRIBUTES.filter((k) => Object.hasOwn(all, k)),
          ...keys.filter((k) => !LOKI_LABEL_ATTRIBUTES.includes(k)),
        ].slice(0, MAX_LABELS_PER_STREAM);
  for (const k of chosen)
    setMember(out, k, typeof all[k] === 'string' ? (all[k] as string) : JSON.stringify(all[k]));
  return out;
}

const overflows = new WeakMap<OtlpResource, [string, JsonValue][]>();

/** The resource's attributes that are not among its labels (none for a resource within the limit). */
function overflow(resource: OtlpResource, labels: Record<string, string>): [string, JsonValue][] {
  let extra = overflows.get(resource);
  if (!extra) {
    extra = Object.entries(resource.attributes).filter(([k]) => !Object.hasOwn(labels, k));
    overflows.set(resource, extra);
  }
  return extra;
}

/**
 * obj[key] = value, also for the key "__proto__": an assignment would set the object's prototype
 * instead and the attribute would be lost; it is kept as any other member, in its place.
 */
export function setMember<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__' && !Object.hasOwn(obj, key))
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** int64 as a JSON number when exact, else its decimal string. */
export function int64Value(v: bigint): JsonValue {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v.toString();
}
