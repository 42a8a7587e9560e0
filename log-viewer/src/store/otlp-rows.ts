// OTLP/HTTP protobuf bodies (ExportLogsServiceRequest, opentelemetry-proto @ac2c4b5, the field numbers
// of ingest/otlp-protobuf.ts) straight to store rows in column tables (row-columns.ts), without a
// LogRecord object, a JavaScript value per AnyValue or a string per message: the body's bytes are
// walked once, messages go from the body into the columns, attribute values are written as their
// JSON text (what JSON.stringify gives for the object path's value) into a scratch buffer and copied
// from there, attribute keys and severity texts are interned by a hash of their bytes, ids written as
// lowercase hex. Resource and scope, once per ResourceLogs / ScopeLogs, are read by the object path's
// own functions (their attributes become labels, service and host as there).
// Only the common case is taken. A body with a record the object path would reject or read
// differently (a time past 2^63-1 ns, a body over MAX_LINE_BYTES, a resource over
// MAX_LABELS_PER_STREAM attributes, an AnyValue with two values or nested past MAX_DEPTH, attribute
// keys that repeat or look like array indexes (a JavaScript object keeps the first place of a
// repeated key and puts index keys first), a scope after its records, any malformed field) returns false and the caller uses
// parseOtlpProtobuf + pushRecord, which gives the exact rows, the partial success or the error.
import { isUtf8 } from 'node:buffer';
import { lineFits, MAX_LABELS_PER_STREAM, MAX_LINE_BYTES } from '../ingest/limits.js';
import { readResourceChecked, readScope } from '../ingest/otlp-protobuf.js';
import { ProtoReader } from '../ingest/protobuf.js';
import type { JsonValue } from '../model.js';
import { levelRank, levelToSeverity, normalizeLevel, severityToLevel } from '../model.js';
import { resourceLabels } from '../ingest/otlp-common.js';
import { keyId, MAX_SHAPE_KEYS } from './attr-columns.js';
import { splitNs, stringifyLabels } from './row.js';
import type { RowColumns } from './row-columns.js';

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;
/** Deepest AnyValue nesting taken here (the object path allows 128, then rejects the record). */
const MAX_DEPTH = 32;
/** More attributes than this in one list are checked for repeated keys with a Set. */
const SMALL_LIST = 32;

// Output of the last tag() / varint() / len() call (synchronous, never re-entered).
let field = 0;
let wire = 0;
let value = 0;
/** Start of the length-delimited field len() read (its end is the index len() returned). */
let start = 0;

/** A varint at i (ProtoReader.varint's number); the index after it or -1. */
function varint(b: Uint8Array, i: number, end: number): number {
  let v = 0;
  let mul = 1;
  for (let k = 0; k < 10; k++) {
    if (i >= end) return -1;
    const c = b[i++];
    v += (c & 0x7f) * mul;
    if (c < 0x80) {
      value = v;
      return i;
    }
    mul *= 128;
  }
  return -1;
}

/** A field's tag at i into `field` and `wire`; the index after it or -1. */
function tag(b: Uint8Array, i: number, end: number): number {
  const c = i < end ? b[i] : 0;
  if (c > 7 && c < 0x80) {
    field = c >> 3;
    wire = c & 7;
    return i + 1;
  }
  i = varint(b, i, end);
  if (i < 0 || value >= 2 ** 32) return -1;
  field = Math.floor(value / 8);
  wire = value & 7;
  return field === 0 ? -1 : i;
}

/** A length-delimited field's length at i: its bytes are [start, returned index), or -1. */
function len(b: Uint8Array, i: number, end: number): number {
  i = varint(b, i, end);
  if (i < 0 || i + value > end) return -1;
  start = i;
  return i + value;
}

/** Skips a field's value of the current `wire` type at i, as ProtoReader.skip; -1 when malformed. */
function skip(b: Uint8Array, i: number, end: number): number {
  if (wire === VARINT) return varint(b, i, end);
  if (wire === LEN) return len(b, i, end);
  if (wire === I64) return i + 8 <= end ? i + 8 : -1;
  if (wire === I32) return i + 4 <= end ? i + 4 : -1;
  return -1;
}

/**
 * Interned texts (attribute keys, severity texts) by a hash of their bytes, with each key's registry
 * id and the UTF-16 length of its `,"key":` prefix. Only ASCII texts of at most TEXT_BYTES are
 * cached; collisions just take the slot over (a slot's fields are replaced together).
 */
const SLOTS = 1024;
const TEXT_BYTES = 64;
const slotText: (string | undefined)[] = new Array(SLOTS).fill(undefined);
const slotBytes = new Uint8Array(SLOTS * TEXT_BYTES);
/** keyId() of the slot's text (-2: not asked yet) and its `,"key":` length. */
const slotKeyId = new Int32Array(SLOTS);
const slotPrefix = new Int32Array(SLOTS);
/** The slot of the last internText() call, -1 when its text is not cached. */
let internedSlot = -1;

/** Whether cache slot `slot` holds the text of the bytes b[from, to). */
function slotHolds(slot: number, b: Uint8Array, from: number, to: number): boolean {
  const cached = slotText[slot];
  const n = to - from;
  if (cached === undefined || cached.length !== n) return false;
  const at = slot * TEXT_BYTES;
  for (let k = 0; k < n; k++) if (b[from + k] !== slotBytes[at + k]) return false;
  return true;
}

function internText(b: Uint8Array, from: number, to: number): string {
  const n = to - from;
  let h = n;
  let ascii = n <= TEXT_BYTES;
  for (let k = from; k < to; k++) {
    const c = b[k];
    if (c >= 0x80) ascii = false;
    h = (Math.imul(h, 31) + c) | 0;
  }
  if (!ascii) {
    internedSlot = -1;
    return utf8(b, from, to);
  }
  const slot = h & (SLOTS - 1);
  internedSlot = slot;
  if (slotHolds(slot, b, from, to)) return slotText[slot] as string;
  const text = utf8(b, from, to);
  slotText[slot] = text;
  slotBytes.set(b.subarray(from, to), slot * TEXT_BYTES);
  slotKeyId[slot] = -2;
  slotPrefix[slot] = JSON.stringify(text).length + 2;
  return text;
}

function utf8(b: Uint8Array, from: number, to: number): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8', from, to);
}

/** The scratch buffer attribute values (and a non-string body) are written to as JSON text. */
let js = Buffer.allocUnsafe(64 * 1024);
/**
 * js as a plain Uint8Array, what the column table's copies are handed: NDJSON hands them the body, a
 * Uint8Array, and a Buffer (another map) deoptimized those shared functions ("wrong map") when OTLP
 * bodies followed NDJSON ones in a worker.
 */
let jsBytes = new Uint8Array(js.buffer, js.byteOffset, js.length);
let jsLen = 0;
/** UTF-16 length of what was written to js. */
let jsUnits = 0;

function reserve(extra: number): Buffer {
  if (jsLen + extra > js.length) {
    const next = Buffer.allocUnsafe(Math.max(js.length * 2, jsLen + extra));
    js.copy(next, 0, 0, jsLen);
    js = next;
    jsBytes = new Uint8Array(js.buffer, js.byteOffset, js.length);
  }
  return js;
}

function writeAscii(s: string): void {
  const buf = reserve(s.length);
  for (let k = 0; k < s.length; k++) buf[jsLen++] = s.charCodeAt(k);
  jsUnits += s.length;
}

/** Any text, as UTF-8. */
function writeText(s: string): void {
  reserve(s.length * 3);
  jsLen += js.write(s, jsLen, 'utf8');
  jsUnits += s.length;
}

/** UTF-16 length of the bytes b[from, to), or -1 unless they are valid UTF-8. */
function utf16Length(b: Uint8Array, from: number, to: number): number {
  let k = from;
  while (k < to && b[k] < 0x80) k++;
  if (k === to) return to - from;
  if (!isUtf8(b.subarray(from, to))) return -1;
  let n = to - from;
  for (; k < to; k++) {
    const c = b[k];
    if ((c & 0xc0) === 0x80)
      n--; // a continuation byte
    else if (c >= 0xf0) n++; // a 4-byte sequence is a surrogate pair
  }
  return n;
}

/** Bytes that a JSON string must escape (control characters, quote, backslash) or that are not ASCII. */
const NOT_PLAIN = new Uint8Array(256);
for (let c = 0; c < 256; c++) NOT_PLAIN[c] = c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x80 ? 1 : 0;

/** JSON.stringify of the string whose UTF-8 bytes are b[from, to) (invalid bytes as U+FFFD). */
function writeJsonString(b: Uint8Array, from: number, to: number): void {
  // Copied as they are checked: most values are short ASCII with nothing to escape.
  const buf = reserve(to - from + 2);
  let o = jsLen;
  buf[o++] = 0x22;
  let k = from;
  for (; k < to; k++) {
    const c = b[k];
    if (NOT_PLAIN[c] !== 0) break;
    buf[o++] = c;
  }
  if (k === to) {
    buf[o++] = 0x22;
    jsUnits += o - jsLen;
    jsLen = o;
    return;
  }
  writeOddString(b, from, to);
}

/** writeJsonString() of a text with non-ASCII bytes or something to escape. */
function writeOddString(b: Uint8Array, from: number, to: number): void {
  let plain = true;
  for (let k = from; k < to; k++) {
    const c = b[k];
    if (c < 0x20 || c === 0x22 || c === 0x5c) {
      plain = false;
      break;
    }
  }
  const units = plain ? utf16Length(b, from, to) : -1;
  if (units < 0) {
    writeText(JSON.stringify(utf8(b, from, to)));
    return;
  }
  const buf = reserve(to - from + 2);
  let o = jsLen;
  buf[o++] = 0x22;
  buf.set(b.subarray(from, to), o);
  o += to - from;
  buf[o++] = 0x22;
  jsLen = o;
  jsUnits += units + 2;
}

/** A non-negative integer below 2^53 in decimal (no string made). */
function writeUint(v: number): void {
  let digits = 1;
  for (let p = 10; p <= v; p *= 10) digits++;
  const buf = reserve(digits);
  let o = jsLen + digits;
  do {
    const q = Math.floor(v / 10);
    buf[--o] = 48 + v - q * 10;
    v = q;
  } while (v > 0);
  jsLen += digits;
  jsUnits += digits;
}

// What the last anyValue() call found: the field number of its value (0: none, -1: malformed or
// not taken here), and the value (varint, double bits' position, or a length-delimited range).
let anyField = 0;
let anyFrom = 0;
let anyTo = 0;
let anyVarint = 0;

/** The one value of the AnyValue b[from, to) into anyField…; false when there are several or it is malformed. */
function anyValue(b: Uint8Array, from: number, to: number): boolean {
  anyField = 0;
  let i = from;
  while (i < to) {
    i = tag(b, i, to);
    if (i < 0) return false;
    const f = field;
    const w = wire;
    const at = i;
    i = skip(b, i, to);
    if (i < 0) return false;
    const taken =
      ((f === 1 || f === 5 || f === 6 || f === 7) && w === LEN) ||
      ((f === 2 || f === 3) && w === VARINT) ||
      (f === 4 && w === I64);
    if (!taken) continue;
    if (anyField !== 0) return false; // the last one wins there, the others still parsed: leave it
    anyField = f;
    anyVarint = value;
    anyFrom = w === LEN ? start : at;
    anyTo = i;
  }
  return true;
}

/** int64 as JSON (ProtoReader.int64: a number when exact, else its decimal string). */
function writeInt64(b: Uint8Array, at: number, end: number): void {
  const v = new ProtoReader(b, at, end).int64();
  if (typeof v === 'number') writeAscii(String(v));
  else writeAscii(`"${v}"`);
}

/** The JSON of the AnyValue b[from, to) nested `depth` deep (1: an attribute's value); false to leave the body. */
function writeAnyJson(b: Uint8Array, from: number, to: number, depth: number): boolean {
  if (depth > MAX_DEPTH || !anyValue(b, from, to)) return false;
  switch (anyField) {
    case 0:
      writeAscii('null');
      return true;
    case 1:
      writeJsonString(b, anyFrom, anyTo);
      return true;
    case 2:
      writeAscii(anyVarint !== 0 ? 'true' : 'false');
      return true;
    case 3:
      if (anyTo - anyFrom <= 7) writeUint(anyVarint);
      else writeInt64(b, anyFrom, anyTo);
      return true;
    case 4:
      writeAscii(JSON.stringify(Buffer.from(b.buffer, b.byteOffset + anyFrom, 8).readDoubleLE(0)));
      return true;
    case 5:
      return writeArray(b, anyFrom, anyTo, depth);
    case 6:
      return writeKvList(b, anyFrom, anyTo, depth);
    default: // 7: bytes, as base64 text
      writeAscii(`"${Buffer.from(b.buffer, b.byteOffset + anyFrom, anyTo - anyFrom).toString('base64')}"`);
      return true;
  }
}

function writeArray(b: Uint8Array, from: number, to: number, depth: number): boolean {
  writeAscii('[');
  let first = true;
  for (let i = from; i < to; ) {
    i = tag(b, i, to);
    if (i < 0) return false;
    if (field !== 1 || wire !== LEN) {
      i = skip(b, i, to);
      if (i < 0) return false;
      continue;
    }
    i = len(b, i, to);
    if (i < 0) return false;
    if (!first) writeAscii(',');
    first = false;
    if (!writeAnyJson(b, start, i, depth + 1)) return false;
  }
  writeAscii(']');
  return true;
}

// The last keyValue() call's key (its bytes, and its value's range: valueFrom < 0 when absent).
let keyFrom = 0;
let keyTo = 0;
let valueFrom = 0;
let valueTo = 0;

/** A KeyValue's key and value ranges; false when it has two values or is malformed. */
function keyValue(b: Uint8Array, from: number, to: number): boolean {
  keyFrom = keyTo = 0;
  valueFrom = -1;
  for (let i = from; i < to; ) {
    i = tag(b, i, to);
    if (i < 0) return false;
    if (wire !== LEN || (field !== 1 && field !== 2)) {
      i = skip(b, i, to);
      if (i < 0) return false;
      continue;
    }
    const f = field;
    i = len(b, i, to);
    if (i < 0) return false;
    if (f === 1) {
      keyFrom = start;
      keyTo = i;
    } else {
      if (valueFrom >= 0) return false;
      valueFrom = start;
      valueTo = i;
    }
  }
  return true;
}

/** A key a JavaScript object keeps in insertion order (not an array index: those come first). */
function plainKey(key: string): boolean {
  if (key.length === 0) return true;
  const c = key.charCodeAt(0);
  return !(c >= 48 && c <= 57);
}

function writeKvList(b: Uint8Array, from: number, to: number, depth: number): boolean {
  writeAscii('{');
  const seen: string[] = [];
  for (let i = from; i < to; ) {
    i = tag(b, i, to);
    if (i < 0) return false;
    if (field !== 1 || wire !== LEN) {
      i = skip(b, i, to);
      if (i < 0) return false;
      continue;
    }
    i = len(b, i, to);
    if (i < 0 || !keyValue(b, start, i)) return false;
    const key = utf8(b, keyFrom, keyTo);
    if (!plainKey(key) || seen.includes(key) || seen.length > SMALL_LIST) return false;
    if (seen.length > 0) writeAscii(',');
    seen.push(key);
    writeText(JSON.stringify(key));
    writeAscii(':');
    if (valueFrom < 0) writeAscii('null');
    else if (!writeAnyJson(b, valueFrom, valueTo, depth + 1)) return false;
  }
  writeAscii('}');
  return true;
}

/** Row state shared by the functions below, for one body. */
let obsMs = 0;
let obsSubNs = 0;
let seq0 = 0;
let service = '';
let host = '';
let labels = '';
/** The previous record's tuple (-1: none yet for this resource) and what it was chosen by. */
let tuple = -1;
let tupleLevelText = '';
let tupleSeverity = 0;
/** The current scope's otel.scope.name / .version values as JSON text (empty when the scope has none). */
let scopeName = Buffer.alloc(0);
let scopeNameUnits = 0;
let scopeVersion = Buffer.alloc(0);
let scopeVersionUnits = 0;

/**
 * Adds the rows of an OTLP protobuf body observed at nowNs (seqs from seqBase) to `out`, as
 * parseOtlpProtobuf + pushRecord would give them; false when the body needs the object path (see
 * the file comment), in which case `out` holds a part of the rows and is to be cleared.
 */
export function otlpColumns(body: Uint8Array, nowNs: bigint, seqFrom: number, out: RowColumns): boolean {
  [obsMs, obsSubNs] = splitNs(nowNs);
  seq0 = seqFrom;
  const end = body.length;
  for (let i = 0; i < end; ) {
    i = tag(body, i, end);
    if (i < 0) return false;
    if (field === 1 && wire === LEN) {
      i = len(body, i, end);
      if (i < 0 || !resourceLogs(body, start, i, out)) return false;
    } else {
      i = skip(body, i, end);
      if (i < 0) return false;
    }
  }
  return true;
}

function resourceLogs(b: Uint8Array, from: number, to: number, out: RowColumns): boolean {
  let resFrom = -1;
  let resTo = 0;
  const scopes: number[] = [];
  for (let i = from; i < to; ) {
    i = tag(b, i, to);
    if (i < 0) return false;
    if (wire === LEN && (field === 1 || field === 2)) {
      const f = field;
      i = len(b, i, to);
      if (i < 0) return false;
      if (f === 1) {
        resFrom = start;
        resTo = i;
      } else scopes.push(start, i);
    } else {
      i = skip(b, i, to);
      if (i < 0) return false;
    }
  }
  let attributes: Record<string, JsonValue> = {};
  if (resFrom >= 0) {
    try {
      attributes = readResourceChecked(new ProtoReader(b, resFrom, resTo)).attributes;
    } catch {
      return false; // the object path names the error
    }
  }
  // past the limit the object path keeps the rest of the resource on each record (otlp-common.ts)
  if (Object.keys(attributes).length > MAX_LABELS_PER_STREAM) return false;
  const s = attributes['service.name'];
  const h = attributes['host.name'];
  service = typeof s === 'string' ? s : '';
  host = typeof h === 'string' ? h : '';
  labels = stringifyLabels(resourceLabels({ attributes }));
  tuple = -1;
  for (let k = 0; k < scopes.length; k += 2) if (!scopeLogs(b, scopes[k], scopes[k + 1], out)) return false;
  return true;
}

function scopeLogs(b: Uint8Array, from: number, to: number, out: RowColumns): boolean {
  scopeName = scopeVersion = EMPTY;
  let records = 0;
  for (let i = from; i < to; ) {
    i = tag(b, i, to);
    if (i < 0) return false;
    if (wire !== LEN || (field !== 1 && field !== 2)) {
      i = skip(b, i, to);
      if (i < 0) return false;
      continue;
    }
    const f = field;
    i = len(b, i, to);
    if (i < 0) return false;
    if (f === 2) {
      if (!logRecord(b, start, i, out)) return false;
      records++;
      continue;
    }
    if (records > 0) return false; // the scope applies to the records before it too: the object path
    let scope: { name: string; version: string };
    try {
      scope = readScope(new ProtoReader(b, start, i));
    } catch {
      return false;
    }
    const name = scope.name === '' ? '' : JSON.stringify(scope.name);
    const version = scope.version === '' ? '' : JSON.stringify(scope.version);
    scopeName = Buffer.from(name);
    scopeNameUnits = name.length;
    scopeVersion = Buffer.from(version);
    scopeVersionUnits = version.length;
  }
  return true;
}

/** A record's attribute KeyValue ranges, nAttrs of them (scratch of one record). */
const attrFrom: number[] = [];
const attrTo: number[] = [];
let nAttrs = 0;
/** Per attribute: its key, key registry id, prefix length and value range in js. */
const attrKeys: string[] = [];
const attrIds: number[] = [];
const attrPrefix: number[] = [];
const valStart: number[] = [];
const valEnd: number[] = [];

const HEX = Buffer.from('0123456789abcdef');
/** A plain Uint8Array, as the NDJSON scan's ids (see jsBytes). */
const idHex = new Uint8Array(32);

/** An id's bytes b[from, to) as lowercase hex into idHex when it has `length` bytes, not all zero. */
function hexId(b: Uint8Array, from: number, to: number, length: number): boolean {
  if (to - from !== length) return false;
  let nonZero = 0;
  for (let k = 0; k < length; k++) {
    const c = b[from + k];
    nonZero |= c;
    idHex[2 * k] = HEX[c >> 4];
    idHex[2 * k + 1] = HEX[c & 15];
  }
  return nonZero !== 0;
}

/** Reads 8 little-endian bytes at i as two uint32 halves into fixedLo / fixedHi. */
let fixedLo = 0;
let fixedHi = 0;
function fixed64(b: Uint8Array, i: number): void {
  fixedLo = (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16)) + b[i + 3] * 0x1000000;
  fixedHi = (b[i + 4] | (b[i + 5] << 8) | (b[i + 6] << 16)) + b[i + 7] * 0x1000000;
}

/** splitNs() of hi * 2^32 + lo (hi < 2^31) without a bigint: 2^32 = 4294 * 1e6 + 967296. */
let splitMs = 0;
let splitSub = 0;
function splitHiLo(hi: number, lo: number): void {
  const t = hi * 967296 + lo; // < 2^53
  const q = Math.floor(t / 1e6);
  splitMs = hi * 4294 + q;
  splitSub = t - q * 1e6;
}

function logRecord(b: Uint8Array, from: number, to: number, out: RowColumns): boolean {
  let timeLo = 0;
  let timeHi = 0;
  let obsLo = 0;
  let obsHi = 0;
  let severity = 0;
  let sevFrom = -1;
  let sevTo = 0;
  let bodyFrom = -1;
  let bodyTo = 0;
  let traceFrom = -1;
  let traceTo = 0;
  let spanFrom = -1;
  let spanTo = 0;
  let eventFrom = -1;
  let eventTo = 0;
  nAttrs = 0;
  for (let i = from; i < to; ) {
    i = tag(b, i, to);
    if (i < 0) return false;
    const f = field;
    if (wire === LEN) {
      i = len(b, i, to);
      if (i < 0) return false;
      if (f === 6) {
        attrFrom[nAttrs] = start;
        attrTo[nAttrs++] = i;
      } else if (f === 5) {
        if (bodyFrom >= 0) return false; // each is parsed there, the last one kept
        bodyFrom = start;
        bodyTo = i;
      } else if (f === 3) {
        sevFrom = start;
        sevTo = i;
      } else if (f === 9) {
        traceFrom = start;
        traceTo = i;
      } else if (f === 10) {
        spanFrom = start;
        spanTo = i;
      } else if (f === 12) {
        eventFrom = start;
        eventTo = i;
      }
      continue;
    }
    if (wire === I64 && (f === 1 || f === 11)) {
      if (i + 8 > to) return false;
      fixed64(b, i);
      if (f === 1) {
        timeLo = fixedLo;
        timeHi = fixedHi;
      } else {
        obsLo = fixedLo;
        obsHi = fixedHi;
      }
      i += 8;
      continue;
    }
    i = skip(b, i, to);
    if (i < 0) return false;
    if (f === 2 && wire === VARINT) severity = value;
  }
  // Past 2^63 - 1 ns: rejected there.
  if (timeHi >= 2 ** 31 || obsHi >= 2 ** 31) return false;
  let ms = obsMs;
  let subNs = obsSubNs;
  let oMs = obsMs;
  let oSub = obsSubNs;
  if (obsHi !== 0 || obsLo !== 0) {
    splitHiLo(obsHi, obsLo);
    ms = oMs = splitMs;
    subNs = oSub = splitSub;
  }
  if (timeHi !== 0 || timeLo !== 0) {
    splitHiLo(timeHi, timeLo);
    ms = splitMs;
    subNs = splitSub;
  }
  const levelText = sevFrom < 0 ? '' : internText(b, sevFrom, sevTo);
  if (tuple < 0 || levelText !== tupleLevelText || severity !== tupleSeverity) {
    const inRange = severity >= 1 && severity <= 24;
    const level = inRange ? severityToLevel(severity) : (normalizeLevel(levelText) ?? 'info');
    tuple = out.tupleOf(
      levelRank(level),
      levelText,
      inRange ? severity : levelToSeverity(level),
      service,
      host,
      labels,
      'otlp',
    );
    tupleLevelText = levelText;
    tupleSeverity = severity;
  }
  out.startRow(seq0 + out.count, ms, subNs, oMs, oSub, tuple);
  if (!message(b, bodyFrom, bodyTo, out)) return false;
  if (traceFrom >= 0 && hexId(b, traceFrom, traceTo, 16)) out.idBytes(idHex, 0, 32);
  if (spanFrom >= 0 && hexId(b, spanFrom, spanTo, 8)) out.idBytes(idHex, 0, 16);
  return attributes(b, eventFrom, eventTo, out);
}

/** The row's message: the body as text (a string as it is, another value as its JSON), '' when none. */
function message(b: Uint8Array, from: number, to: number, out: RowColumns): boolean {
  if (from < 0) {
    out.messageBytes(b, 0, 0, 0);
    return true;
  }
  if (!anyValue(b, from, to)) return false;
  if (anyField === 1) {
    if (anyTo - anyFrom > MAX_LINE_BYTES) return false; // rejected there
    const units = utf16Length(b, anyFrom, anyTo);
    if (units >= 0) out.messageBytes(b, anyFrom, anyTo, units);
    else {
      const text = utf8(b, anyFrom, anyTo); // invalid UTF-8: U+FFFD as there
      if (!lineFits(text)) return false;
      out.messageText(text);
    }
    return true;
  }
  if (anyField === 3 && anyTo - anyFrom > 7) {
    const v = new ProtoReader(b, anyFrom, anyTo).int64();
    if (typeof v === 'string') {
      out.messageText(v); // a string there, not its JSON
      return true;
    }
  }
  if (anyField === 0) {
    out.messageBytes(b, 0, 0, 0);
    return true;
  }
  if (anyField === 7) {
    const text = Buffer.from(b.buffer, b.byteOffset + anyFrom, anyTo - anyFrom).toString('base64');
    if (text.length > MAX_LINE_BYTES) return false;
    out.messageText(text);
    return true;
  }
  jsLen = jsUnits = 0;
  if (!writeAnyJson(b, from, to, 1) || jsLen > MAX_LINE_BYTES) return false;
  out.messageBytes(jsBytes, 0, jsLen, jsUnits);
  return true;
}

const EMPTY = Buffer.alloc(0);
/** The cache slot of the previous record's key of each attribute (-1: none). */
const PREV_KEYS = 64;
const prevKeySlot = new Int32Array(PREV_KEYS).fill(-1);
let scopeNameId = -2;
let scopeVersionId = -2;
let eventNameId = -2;

/** The row's attributes: the record's, then otel.scope.name, otel.scope.version and event.name. */
function attributes(b: Uint8Array, eventFrom: number, eventTo: number, out: RowColumns): boolean {
  // A wider record is kept verbatim by the object path, without registering its keys.
  if (nAttrs > MAX_SHAPE_KEYS) return false;
  jsLen = jsUnits = 0;
  let n = 0;
  let length = 1;
  for (let a = 0; a < nAttrs; a++) {
    if (!keyValue(b, attrFrom[a], attrTo[a])) return false;
    // Records of a body mostly repeat their keys: first compared with the previous record's key.
    let slot = a < PREV_KEYS ? prevKeySlot[a] : -1;
    let key: string;
    if (slot >= 0 && slotHolds(slot, b, keyFrom, keyTo)) key = slotText[slot] as string;
    else {
      key = internText(b, keyFrom, keyTo);
      slot = internedSlot;
      if (a < PREV_KEYS) prevKeySlot[a] = slot;
    }
    let id: number;
    let prefix: number;
    if (slot >= 0) {
      if (slotKeyId[slot] === -2) slotKeyId[slot] = keyId(key);
      id = slotKeyId[slot];
      prefix = slotPrefix[slot];
    } else {
      id = keyId(key);
      prefix = JSON.stringify(key).length + 2;
    }
    if (id < 0 || !plainKey(key)) return false;
    attrKeys[n] = key;
    attrIds[n] = id;
    attrPrefix[n] = prefix;
    valStart[n] = jsLen;
    const units = jsUnits;
    if (valueFrom < 0) writeAscii('null');
    else if (!writeAnyJson(b, valueFrom, valueTo, 1)) return false;
    valEnd[n] = jsLen;
    length += prefix + jsUnits - units;
    n++;
  }
  if (scopeName.length > 0) {
    if (scopeNameId === -2) scopeNameId = keyId('otel.scope.name');
    n = extra(n, 'otel.scope.name', scopeNameId, scopeName, scopeNameUnits);
  }
  if (scopeVersion.length > 0) {
    if (scopeVersionId === -2) scopeVersionId = keyId('otel.scope.version');
    n = extra(n, 'otel.scope.version', scopeVersionId, scopeVersion, scopeVersionUnits);
  }
  if (eventFrom >= 0 && eventTo > eventFrom) {
    if (eventNameId === -2) eventNameId = keyId('event.name');
    const json = JSON.stringify(utf8(b, eventFrom, eventTo));
    n = extra(n, 'event.name', eventNameId, Buffer.from(json), json.length);
  }
  if (n <= 0) return n === 0;
  if (n > SMALL_LIST ? new Set(attrKeys.slice(0, n)).size !== n : repeats(n)) return false;
  for (let k = nAttrs; k < n; k++) length += attrPrefix[k] + extraUnits[k];
  out.beginAttrs();
  for (let k = 0; k < n; k++)
    if (!out.attrUtf8(attrIds[k], attrKeys[k], jsBytes, valStart[k], valEnd[k])) return false;
  return out.endAttrs(length);
}

/**
 * Adds attribute n (key id `id`) whose value is the JSON text `json` (`units` long in UTF-16); -1
 * when the registry is full.
 */
function extra(n: number, key: string, id: number, json: Buffer, units: number): number {
  if (n < 0 || id < 0) return -1;
  attrKeys[n] = key;
  attrIds[n] = id;
  attrPrefix[n] = key.length + 4;
  valStart[n] = jsLen;
  const buf = reserve(json.length);
  for (let k = 0; k < json.length; k++) buf[jsLen++] = json[k];
  valEnd[n] = jsLen;
  extraUnits[n] = units;
  return n + 1;
}
const extraUnits: number[] = [];

function repeats(n: number): boolean {
  for (let k = 1; k < n; k++) {
    const key = attrKeys[k];
    for (let m = 0; m < k; m++) if (attrKeys[m] === key) return true;
  }
  return false;
}
