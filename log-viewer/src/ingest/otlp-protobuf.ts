// OTLP/HTTP logs, protobuf encoding: opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest
// (opentelemetry-proto @ac2c4b5), decoded by hand. Field numbers are from logs.proto, common.proto
// and resource.proto.
import { ParseError } from '@flowrent/shared/errors';
import type { JsonValue } from '../model.js';
import { MAX_NESTING_DEPTH, NESTING_TOO_DEEP } from './limits.js';
import {
  OtlpCollector,
  type OtlpLogRecord,
  type OtlpResource,
  type OtlpResult,
  type OtlpScope,
  type RecordSink,
  resourceLabels,
  setMember,
} from './otlp-common.js';
import { ProtoReader, ProtoWriter, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT } from './protobuf.js';

/** With a sink, accepted records go to it one by one and the result's records stay empty. */
export function parseOtlpProtobuf(body: Uint8Array, nowNs: bigint, sink?: RecordSink): OtlpResult {
  const out = new OtlpCollector(nowNs, sink);
  const r = new ProtoReader(body);
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_LEN) readResourceLogs(r.sub(), out);
    else r.skip(wire);
  }
  return out.result;
}

function readResourceLogs(r: ProtoReader, out: OtlpCollector): void {
  let resource: OtlpResource = { attributes: {} };
  const scopes: ProtoReader[] = [];
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_LEN) resource = readResourceChecked(r.sub());
    else if (field === 2 && wire === WIRE_LEN) scopes.push(r.sub());
    else r.skip(wire);
  }
  const labels = resourceLabels(resource);
  for (const s of scopes) {
    let scope: OtlpScope = { name: '', version: '' };
    const records: ProtoReader[] = [];
    while (!s.done) {
      const [field, wire] = s.tag();
      if (field === 1 && wire === WIRE_LEN) scope = readScope(s.sub());
      else if (field === 2 && wire === WIRE_LEN) records.push(s.sub());
      else s.skip(wire);
    }
    for (const rec of records) {
      let record: OtlpLogRecord;
      try {
        record = readLogRecord(rec);
      } catch (err) {
        if (!(err instanceof TooDeep)) throw err;
        out.reject(1, err.message);
        continue;
      }
      out.add(resource, labels, scope, record);
    }
  }
}

/** An AnyValue nested past MAX_NESTING_DEPTH: its record is rejected (its resource: the request). */
class TooDeep extends Error {}

/** A Resource (throws ParseError, also for an attribute nested too deep). */
export function readResourceChecked(r: ProtoReader): OtlpResource {
  try {
    return readResource(r);
  } catch (err) {
    if (err instanceof TooDeep) throw new ParseError(`resource: ${err.message}`);
    throw err;
  }
}

function readResource(r: ProtoReader): OtlpResource {
  const attributes: Record<string, JsonValue> = {};
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_LEN) readKeyValue(r.sub(), attributes, 1);
    else r.skip(wire);
  }
  return { attributes };
}

export function readScope(r: ProtoReader): OtlpScope {
  const scope: OtlpScope = { name: '', version: '' };
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_LEN) scope.name = r.string();
    else if (field === 2 && wire === WIRE_LEN) scope.version = r.string();
    else r.skip(wire);
  }
  return scope;
}

function readLogRecord(r: ProtoReader): OtlpLogRecord {
  const rec: OtlpLogRecord = {
    timeNs: 0n,
    observedNs: 0n,
    severityNumber: 0,
    severityText: '',
    body: undefined,
    attributes: {},
    traceId: '',
    spanId: '',
    eventName: '',
  };
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_I64) rec.timeNs = r.fixed64();
    else if (field === 11 && wire === WIRE_I64) rec.observedNs = r.fixed64();
    else if (field === 2 && wire === WIRE_VARINT) rec.severityNumber = r.varint();
    else if (field === 3 && wire === WIRE_LEN) rec.severityText = r.string();
    else if (field === 5 && wire === WIRE_LEN) rec.body = readAnyValue(r.sub(), 1);
    else if (field === 6 && wire === WIRE_LEN) readKeyValue(r.sub(), rec.attributes, 1);
    else if (field === 9 && wire === WIRE_LEN) rec.traceId = r.hexId(16);
    else if (field === 10 && wire === WIRE_LEN) rec.spanId = r.hexId(8);
    else if (field === 12 && wire === WIRE_LEN) rec.eventName = r.string();
    else r.skip(wire);
  }
  return rec;
}

function readKeyValue(r: ProtoReader, into: Record<string, JsonValue>, depth: number): void {
  let key = '';
  let value: JsonValue = null;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_LEN) key = r.string();
    else if (field === 2 && wire === WIRE_LEN) value = readAnyValue(r.sub(), depth);
    else r.skip(wire);
  }
  setMember(into, key, value);
}

/** An AnyValue as JSON; `depth` is its nesting level (1: a record's attribute or body). */
function readAnyValue(r: ProtoReader, depth: number): JsonValue {
  if (depth > MAX_NESTING_DEPTH) throw new TooDeep(NESTING_TOO_DEEP);
  let value: JsonValue = null;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_LEN) value = r.string();
    else if (field === 2 && wire === WIRE_VARINT) value = r.varint() !== 0;
    else if (field === 3 && wire === WIRE_VARINT) value = r.int64();
    else if (field === 4 && wire === WIRE_I64) value = r.double();
    else if (field === 5 && wire === WIRE_LEN) {
      const arr: JsonValue[] = [];
      const a = r.sub();
      while (!a.done) {
        const [f, w] = a.tag();
        if (f === 1 && w === WIRE_LEN) arr.push(readAnyValue(a.sub(), depth + 1));
        else a.skip(w);
      }
      value = arr;
    } else if (field === 6 && wire === WIRE_LEN) {
      const obj: Record<string, JsonValue> = {};
      const kv = r.sub();
      while (!kv.done) {
        const [f, w] = kv.tag();
        if (f === 1 && w === WIRE_LEN) readKeyValue(kv.sub(), obj, depth + 1);
        else kv.skip(w);
      }
      value = obj;
    } else if (field === 7 && wire === WIRE_LEN) value = Buffer.from(r.bytes()).toString('base64');
    else if (wire === WIRE_I32) r.skip(wire);
    else r.skip(wire);
  }
  return value;
}

/** ExportLogsServiceResponse: empty, or with partial_success { rejected_log_records, error_message }. */
export function encodeOtlpResponse(rejected: number, message: string): Buffer {
  if (rejected === 0 && !message) return Buffer.alloc(0);
  const partial = new ProtoWriter();
  if (rejected > 0) partial.tag(1, WIRE_VARINT).varint(rejected);
  if (message) partial.bytesField(2, Buffer.from(message, 'utf8'));
  return new ProtoWriter().bytesField(1, partial.finish()).finish();
}
