// NDJSON bodies (POST /api/logs) straight to store rows in column tables (row-columns.ts), without a
// JavaScript object per record and without decoding the body to a string: one validating scan per
// line over the body's UTF-8 bytes finds the top-level members, the well-known keys are read from
// their raw bytes (same key table and rules as ingest/json-record.ts) and the other members are the
// attributes, copied member by member as the row's shape and value bytes (or, when not a compact
// run, as their text joined). Messages, ids and attribute values go from the body into the columns
// as bytes; only keys and short repeated values (level, service, host) become strings, interned.
// Only the common case is taken: compact or spaced JSON objects, one per line, valid UTF-8.
// Anything else (blank lines, CR, a JSON array body, long lines, CLEF @x or @mt, escaped keys, an odd
// timestamp, invalid JSON or UTF-8...) returns false and the caller uses parseNdjsonLogs + toRow,
// which gives the exact rows or the exact error. Attribute values whose raw text would tokenize or
// compare differently from their JSON.stringify form (\u or \/ escapes, non-canonical numbers) are
// re-serialized, so the token index and the stored values are what the object path produces.
// (Scanning decoded strings cost ~1 µs per line more: the decode, then charCodeAt on sliced strings
// and a UTF-8 encode of every message and value back into the columns.)
import { isUtf8 } from 'node:buffer';
import { keySlotCode } from '../ingest/json-record.js';
import { MAX_LINE_BYTES } from '../ingest/limits.js';
import { isoMillisBytes, MAX_TIME_MS, parseTimestamp } from '../ingest/timestamp.js';
import { type Level, levelRank, levelToSeverity, normalizeHexId, normalizeLevel } from '../model.js';
import { keyId } from './attr-columns.js';
import { splitNs } from './row.js';
import type { RowColumns } from './row-columns.js';

const MAX_DEPTH = 64;
const T_STRING = 1;
const T_NUMBER = 2;
const T_LITERAL = 3;
const T_CONTAINER = 4;

/**
 * Bytes a string scan stops at: 1 for a quote, a backslash or a control byte (raw control characters
 * are invalid in JSON strings; tabs and CRs between tokens fail the structural scan), 2 for a byte of
 * a multi-byte UTF-8 sequence (the text's UTF-16 length is then not its byte length).
 */
const STRING_STOP = new Uint8Array(256);
for (let c = 0; c < 32; c++) STRING_STOP[c] = 1;
STRING_STOP[34] = 1;
STRING_STOP[92] = 1;
for (let c = 128; c < 256; c++) STRING_STOP[c] = 2;

// Scratch state of one line's scan (synchronous, never re-entered). Positions travel in locals and
// return values: a module-level cursor costs a context store per byte.
/** Set by a value scan: its raw text is not what JSON.stringify(JSON.parse(raw)) gives. */
let needsNormalize = false;
/** Set by a string scan: it holds a backslash escape. */
let escaped = false;
/** Set by a string scan: it holds a non-ASCII byte (reset per line). */
let wide = false;
/**
 * Members of one line the scan keeps (a line with more takes the object path). Fixed-size arrays: the
 * JavaScript arrays they replace grew with the widest line seen so far, so a body with a wider line
 * than the warm-up's ("out of bounds" stores and loads) deoptimized scanLine and lineRow, ~1 s of
 * TurboFan per worker to compile them again.
 */
const MAX_MEMBERS = 256;
const keys: string[] = new Array<string>(MAX_MEMBERS).fill('');
/** Index of each member's opening quote, and the index after its key's closing quote. */
const keyStarts = new Int32Array(MAX_MEMBERS);
const keyEnds = new Int32Array(MAX_MEMBERS);
const starts = new Int32Array(MAX_MEMBERS);
const ends = new Int32Array(MAX_MEMBERS);
const types = new Uint8Array(MAX_MEMBERS);
/** 1: the member's raw value is not what JSON.stringify(JSON.parse(raw)) gives (needsNormalize). */
const flags = new Uint8Array(MAX_MEMBERS);
/** 1: a string value holding a backslash escape (its bytes are not its text). */
const escs = new Uint8Array(MAX_MEMBERS);
const slotOf = new Int32Array(MAX_MEMBERS);
/** keySlotCode() of each member's key (-1: not a well-known key). */
const codes = new Int32Array(MAX_MEMBERS);
/** The key cache slot of each member's key (-1: not cached; none yet: no member there so far). */
const keySlots = new Int32Array(MAX_MEMBERS).fill(-1);
/** Length of each member's key, and its cache slot's generation when the key was read (sameKeyEnd()). */
const keyLengths = new Int32Array(MAX_MEMBERS);
const keyGenerations = new Int32Array(MAX_MEMBERS);
const best = new Int32Array(8);
const bestPrio = new Int8Array(8);
const stack = new Uint8Array(MAX_DEPTH);
/**
 * The key of the member the row took for each key slot (time, message, …; set when consumedSlots[slot]
 * is 1). A member whose key is one of them is not an attribute (a consumed key's duplicates go too, as
 * with the object path); the same key text always has the same slot (keySlotCode), so one comparison
 * per well-known member finds it.
 */
const consumedKeys: string[] = new Array<string>(8).fill('');
const consumedSlots = new Uint8Array(8);

function consume(slot: number, m: number): void {
  consumedKeys[slot] = keys[m];
  consumedSlots[slot] = 1;
}

/** Whether member m's key is a key the row took (m a well-known key: slotOf[m] >= 0). */
function isConsumed(m: number): boolean {
  const slot = slotOf[m];
  return consumedSlots[slot] === 1 && consumedKeys[slot] === keys[m];
}

/** Type of the value the last scanValue() call read. */
let lastType = 0;

/**
 * Recent keys (and short values) by a hash of their bytes, so a line's keys are compared in place
 * instead of decoded (a new string per key per line is most of the garbage of such a parser).
 * Only ASCII texts of at most KEY_CACHE_BYTES are cached, their bytes kept beside them for the
 * comparison. Collisions just miss.
 */
const KEY_CACHE_SIZE = 1024;
const KEY_CACHE_BYTES = 64;
const keyCache: (string | undefined)[] = new Array(KEY_CACHE_SIZE).fill(undefined);
const keyCacheBytes = new Uint8Array(KEY_CACHE_SIZE * KEY_CACHE_BYTES);
/** keySlotCode() of each cached key, -1 for none; the last internKey() call's in internedCode. */
const keyCodes = new Int32Array(KEY_CACHE_SIZE);
let internedCode = -1;
/** Bumped each time a cache slot takes another text (a member's key still there: same generation). */
const slotGenerations = new Int32Array(KEY_CACHE_SIZE);
/** keyId() of each cached key once it was an attribute key (-1: not asked yet). */
const keyIds = new Int32Array(KEY_CACHE_SIZE);
/** Set when a line's text took over a cache slot (reset per line): keyIds then checked against keys. */
let slotTaken = false;
/** The cache slot of the last internKey() call's text, -1 when not cached. */
let internedSlot = -1;

/** The text of the unescaped string bytes b[from, to) (`ascii`: no byte >= 0x80), interned when short. */
function internKey(b: Uint8Array, from: number, to: number, ascii: boolean): string {
  const len = to - from;
  if (!ascii || len > KEY_CACHE_BYTES) {
    const key = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8', from, to);
    internedCode = keySlotCode(key) ?? -1;
    internedSlot = -1;
    return key;
  }
  let h = len;
  for (let k = from; k < to; k++) h = (Math.imul(h, 31) + b[k]) | 0;
  const slot = h & (KEY_CACHE_SIZE - 1);
  const cached = keyCache[slot];
  internedSlot = slot;
  if (cached !== undefined && cached.length === len && sameBytes(b, from, len, slot * KEY_CACHE_BYTES)) {
    internedCode = keyCodes[slot];
    return cached;
  }
  const key = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1', from, to);
  if (cached !== undefined) slotTaken = true;
  keyCache[slot] = key;
  slotGenerations[slot]++;
  keyIds[slot] = -1;
  keyCacheBytes.set(b.subarray(from, to), slot * KEY_CACHE_BYTES);
  internedCode = keyCodes[slot] = keySlotCode(key) ?? -1;
  return key;
}

/**
 * The index after the closing quote of member n's key when it is member n's key on the previous line
 * (lines of a body mostly repeat their keys), compared in place from the opening quote at i: no string
 * scan and no hash. keys/codes/keySlots[n] then stay as they are. -1 otherwise. A cached key's bytes
 * are ASCII without quotes, backslashes or control bytes (a clean scan gave them), so equal bytes and
 * a quote after them are what the string scan would find.
 */
function sameKeyEnd(b: Uint8Array, i: number, end: number, n: number): number {
  const slot = keySlots[n];
  if (slot < 0 || slotGenerations[slot] !== keyGenerations[n]) return -1;
  const length = keyLengths[n];
  const close = i + 1 + length;
  if (close >= end || b[close] !== 34 || !sameBytes(b, i + 1, length, slot * KEY_CACHE_BYTES)) return -1;
  return close + 1;
}

function sameBytes(b: Uint8Array, from: number, len: number, at: number): boolean {
  for (let k = 0; k < len; k++) if (b[from + k] !== keyCacheBytes[at + k]) return false;
  return true;
}

function skipWs(b: Uint8Array, i: number, end: number): number {
  while (i < end && b[i] === 32) i++;
  return i;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** Scans a string from its opening quote; the index after the closing one, or -1. Sets `escaped`, `wide`. */
function scanString(b: Uint8Array, i: number, end: number): number {
  let k = i + 1;
  for (;;) {
    while (k < end && STRING_STOP[b[k]] === 0) k++;
    if (k >= end) return -1;
    const c = b[k];
    if (c === 34) return k + 1;
    if (c >= 128) {
      wide = true;
      k++;
      continue;
    }
    if (c === 92) return scanEscapedString(b, k, end);
    return -1; // a raw control character
  }
}

/** The rest of a string from its first backslash (the rare path). */
function scanEscapedString(b: Uint8Array, i: number, end: number): number {
  escaped = true;
  while (i < end) {
    const c = b[i];
    if (c === 34) return i + 1;
    if (c < 32) return -1;
    if (c !== 92) {
      if (c >= 128) wide = true;
      i++;
      continue;
    }
    const e = b[i + 1];
    if (e === 117) {
      if (i + 6 > end) return -1;
      if (!(isHex(b[i + 2]) && isHex(b[i + 3]) && isHex(b[i + 4]) && isHex(b[i + 5]))) return -1;
      needsNormalize = true;
      i += 6;
      continue;
    }
    if (e === 47)
      needsNormalize = true; // "\/" is "/" once re-serialized
    else if (e !== 34 && e !== 92 && e !== 98 && e !== 102 && e !== 110 && e !== 114 && e !== 116) return -1;
    i += 2;
  }
  return -1;
}

function skipDigits(b: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = b[i];
    if (c < 48 || c > 57) return i;
    i++;
  }
  return i;
}

/** Scans a number; the index after it or -1. Flags non-canonical forms (1.0, 1e2, -0, > 15 digits). */
function scanNumber(b: Uint8Array, from: number, end: number): number {
  let i = from;
  if (b[i] === 45) i++;
  const first = b[i];
  const intEnd = skipDigits(b, i, end);
  if (intEnd === i || (first === 48 && intEnd - i > 1)) return -1;
  let plain = intEnd - i <= 15;
  i = intEnd;
  if (i < end && b[i] === 46) {
    const fracEnd = skipDigits(b, i + 1, end);
    if (fracEnd === i + 1) return -1;
    i = fracEnd;
    plain = false;
  }
  const e = i < end ? b[i] : 0;
  if (e === 101 || e === 69) {
    i++;
    const sign = i < end ? b[i] : 0;
    if (sign === 43 || sign === 45) i++;
    const expEnd = skipDigits(b, i, end);
    if (expEnd === i) return -1;
    i = expEnd;
    plain = false;
  }
  if (!plain || (first === 48 && b[from] === 45)) {
    const raw = latin1(b, from, i);
    if (JSON.stringify(Number(raw)) !== raw) needsNormalize = true;
  }
  return i;
}

/** The ASCII bytes b[from, to) as a string. */
function latin1(b: Uint8Array, from: number, to: number): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1', from, to);
}

/** `true`, `false` or `null` at i (c = b[i]); the index after it or -1. */
function scanLiteral(b: Uint8Array, i: number, end: number, c: number): number {
  if (c === 116) return i + 4 <= end && b[i + 1] === 114 && b[i + 2] === 117 && b[i + 3] === 101 ? i + 4 : -1;
  if (c === 110) return i + 4 <= end && b[i + 1] === 117 && b[i + 2] === 108 && b[i + 3] === 108 ? i + 4 : -1;
  if (c === 102)
    return i + 5 <= end && b[i + 1] === 97 && b[i + 2] === 108 && b[i + 3] === 115 && b[i + 4] === 101
      ? i + 5
      : -1;
  return -1;
}

/** Scans a scalar at i; the index after it or -1; its type in lastType. */
function scanScalar(b: Uint8Array, i: number, end: number): number {
  if (i >= end) return -1;
  const c = b[i];
  if (c === 34) {
    lastType = T_STRING;
    return scanString(b, i, end);
  }
  if (c === 45 || (c >= 48 && c <= 57)) {
    lastType = T_NUMBER;
    return scanNumber(b, i, end);
  }
  lastType = T_LITERAL;
  return scanLiteral(b, i, end, c);
}

/** Scans any JSON value at i; the index after it or -1; its type in lastType. */
function scanValue(b: Uint8Array, i: number, end: number): number {
  const c0 = i < end ? b[i] : 0;
  if (c0 !== 123 && c0 !== 91) return scanScalar(b, i, end);
  // A container: iterative, with a stack of open brackets (1 = object, 2 = array).
  let depth = 0;
  for (;;) {
    const open = i < end ? b[i] : 0;
    if (open === 123 || open === 91) {
      if (depth === MAX_DEPTH) return -1;
      stack[depth++] = open === 123 ? 1 : 2;
      i = skipWs(b, i + 1, end);
      if (i < end && b[i] === (open === 123 ? 125 : 93)) {
        i++;
        depth--;
      } else {
        if (open === 123) i = memberKey(b, i, end);
        if (i < 0) return -1;
        continue; // the first member's value / element
      }
    } else {
      i = scanScalar(b, i, end);
      if (i < 0) return -1;
    }
    // After a value: ',' then the next element / member, or close containers.
    for (;;) {
      if (depth === 0) {
        lastType = T_CONTAINER;
        return i;
      }
      i = skipWs(b, i, end);
      if (i >= end) return -1;
      const c = b[i];
      const inObject = stack[depth - 1] === 1;
      if (c === 44) {
        i = skipWs(b, i + 1, end);
        if (inObject) i = memberKey(b, i, end);
        if (i < 0) return -1;
        break;
      }
      if (c !== (inObject ? 125 : 93)) return -1;
      i++;
      depth--;
    }
  }
}

/** Inside a nested object: `"key" :` and whitespace; the index of the value or -1. */
function memberKey(b: Uint8Array, i: number, end: number): number {
  if (i >= end || b[i] !== 34) return -1;
  i = scanString(b, i, end);
  if (i < 0) return -1;
  i = skipWs(b, i, end);
  if (i >= end || b[i] !== 58) return -1;
  return skipWs(b, i + 1, end);
}

/** Where the line scanned last ends: the index of its line feed, or the end of the body. */
let lineEnd = 0;

/**
 * Scans the top-level members of the object that starts the line at `start` (up to its line feed or
 * `end`) into the scratch arrays and sets lineEnd; -1 when unusual.
 */
function scanLine(b: Uint8Array, start: number, end: number): number {
  let i = skipWs(b, start, end);
  if (i >= end || b[i] !== 123) return -1;
  i = skipWs(b, i + 1, end);
  let n = 0;
  if (i < end && b[i] === 125) i++;
  else
    for (;;) {
      if (i >= end || b[i] !== 34 || n === MAX_MEMBERS) return -1;
      let keyEnd = sameKeyEnd(b, i, end, n);
      if (keyEnd < 0) {
        escaped = false;
        const wideBefore = wide;
        wide = false;
        keyEnd = scanString(b, i, end);
        if (keyEnd < 0 || escaped) return -1;
        const key = internKey(b, i + 1, keyEnd - 1, !wide);
        wide ||= wideBefore;
        if (key === '__proto__') return -1; // the object path drops it; keep the two alike
        keys[n] = key;
        codes[n] = internedCode;
        keySlots[n] = internedSlot;
        keyLengths[n] = key.length;
        if (internedSlot >= 0) keyGenerations[n] = slotGenerations[internedSlot];
      }
      keyStarts[n] = i;
      keyEnds[n] = keyEnd;
      i = skipWs(b, keyEnd, end);
      if (i >= end || b[i] !== 58) return -1;
      i = skipWs(b, i + 1, end);
      needsNormalize = false;
      escaped = false;
      starts[n] = i;
      i = scanValue(b, i, end);
      if (i < 0) return -1;
      ends[n] = i;
      types[n] = lastType;
      flags[n] = needsNormalize ? 1 : 0;
      escs[n] = escaped ? 1 : 0;
      n++;
      i = skipWs(b, i, end);
      if (i >= end) return -1;
      const c = b[i];
      if (c === 44) {
        i = skipWs(b, i + 1, end);
        continue;
      }
      if (c !== 125) return -1;
      i++;
      break;
    }
  i = skipWs(b, i, end);
  if (i < end && b[i] !== 10) return -1;
  lineEnd = i;
  return n;
}

/** Like stringOf() for short repeated values (service, host, level): the same string object each time. */
function internedStringOf(b: Uint8Array, m: number): string | undefined {
  if (types[m] !== T_STRING) return undefined;
  if (escs[m]) return stringOf(b, m);
  return internKey(b, starts[m] + 1, ends[m] - 1, !hasHighByte(b, starts[m] + 1, ends[m] - 1));
}

function hasHighByte(b: Uint8Array, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (b[k] >= 128) return true;
  return false;
}

/** The string value of member m (unescaped), or undefined when it is not a string. */
function stringOf(b: Uint8Array, m: number): string | undefined {
  if (types[m] !== T_STRING) return undefined;
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (!escs[m]) return buf.toString('utf8', starts[m] + 1, ends[m] - 1);
  return JSON.parse(buf.toString('utf8', starts[m], ends[m])) as string;
}

/** The raw JSON text of member m. */
function rawOf(b: Uint8Array, m: number): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8', starts[m], ends[m]);
}

/** UTF-16 length of the valid UTF-8 bytes b[from, to). */
function utf16Length(b: Uint8Array, from: number, to: number): number {
  let n = to - from;
  for (let k = from; k < to; k++) {
    const c = b[k];
    if (c < 128) continue;
    if ((c & 0xc0) === 0x80)
      n--; // a continuation byte
    else if (c >= 0xf0) n++; // a 4-byte sequence is a surrogate pair
  }
  return n;
}

/**
 * Adds the rows of an NDJSON body observed at nowNs (seqs from seqBase) to `out`, as parseNdjsonLogs +
 * toRow would give them; false when the body needs the object path (see the file comment), in which
 * case `out` holds a part of the rows and is to be cleared.
 */
export function ndjsonColumns(body: Uint8Array, nowNs: bigint, seqBase: number, out: RowColumns): boolean {
  // Invalid UTF-8 decodes to U+FFFD on the object path; bytes copied as they are would differ.
  if (!isUtf8(body)) return false;
  const b = body;
  // The body without leading and trailing blank lines and spaces (other whitespace that trim() would
  // take, a BOM say, fails the scan: the object path takes such bodies).
  let from = 0;
  let to = b.length;
  while (from < to && (b[from] === 32 || b[from] === 10)) from++;
  while (to > from && (b[to - 1] === 32 || b[to - 1] === 10)) to--;
  if (from === to) return false;
  // The first and last lines' own spaces count towards their length (MAX_LINE_BYTES), as there.
  while (from > 0 && b[from - 1] === 32) from--;
  while (to < b.length && b[to] === 32) to++;
  const [obsMs, obsSubNs] = splitNs(nowNs);
  return bodyRows(b, from, to, obsMs, obsSubNs, seqBase, out);
}

/** The rows of the lines of b[from, to); false at a blank, long or unusual line. */
function bodyRows(
  b: Uint8Array,
  from: number,
  to: number,
  obsMs: number,
  obsSubNs: number,
  seqBase: number,
  out: RowColumns,
): boolean {
  // Each line is scanned up to the body's end: the scan itself stops at its line feed (a raw line
  // feed fails a string, and between tokens only spaces are skipped), which saves a native
  // indexOf call per line. A blank line fails the scan.
  for (let start = from; start <= to; ) {
    if (!lineRow(b, start, to, obsMs, obsSubNs, seqBase + out.count, out)) return false;
    if (lineEnd - start > MAX_LINE_BYTES) return false;
    start = lineEnd + 1;
  }
  return true;
}

/** How lineRow() found the trace / span id: in place as bytes (to check), as a string (escaped), or none. */
let traceAt = -1;
let traceText = '';
let spanAt = -1;
let spanText = '';

function lineRow(
  b: Uint8Array,
  start: number,
  end: number,
  obsMs: number,
  obsSubNs: number,
  seq: number,
  out: RowColumns,
): boolean {
  wide = false;
  slotTaken = false;
  const n = scanLine(b, start, end);
  if (n < 0) return false;
  for (let k = 0; k < 8; k++) best[k] = -1;
  for (let m = 0; m < n; m++) {
    const code = codes[m];
    // ECS nested {"log":{"level":…}}, {"trace":{"id":…}}, {"span":{"id":…}}: the object path reads them
    if (types[m] === T_CONTAINER && (keys[m] === 'log' || keys[m] === 'trace' || keys[m] === 'span'))
      return false;
    if (code < 0) {
      slotOf[m] = -1;
      continue;
    }
    const slot = code >> 4;
    const prio = code & 15;
    slotOf[m] = slot;
    const bm = best[slot];
    // A repeated key: JSON.parse keeps the last value.
    if (bm < 0 || prio < bestPrio[slot] || keys[bm] === keys[m]) {
      best[slot] = m;
      bestPrio[slot] = prio;
    }
  }
  if (best[7] >= 0) return false; // CLEF @x (renamed) or @mt (rendered): the object path handles it
  for (let k = 0; k < 8; k++) consumedSlots[k] = 0;

  let ms = obsMs;
  let subNs = obsSubNs;
  const tm = best[0];
  // What Date.toISOString() writes, read in place.
  const iso =
    tm >= 0 && types[tm] === T_STRING && !escs[tm] && ends[tm] - starts[tm] === 26
      ? isoMillisBytes(b, starts[tm] + 1)
      : undefined;
  if (iso !== undefined && iso >= 0 && iso <= MAX_TIME_MS) {
    consume(0, tm);
    ms = iso;
    subNs = 0;
  } else if (tm >= 0) {
    consume(0, tm);
    let raw: string | number | undefined;
    if (types[tm] === T_STRING) raw = stringOf(b, tm);
    else if (types[tm] === T_NUMBER) raw = Number(latin1(b, starts[tm], ends[tm]));
    else return false;
    const ns = parseTimestamp(raw);
    if (ns !== undefined) [ms, subNs] = splitNs(ns);
    else if (raw !== 0 && raw !== '0') return false; // the object path names the bad timestamp
  }

  const mm = best[1];
  if (mm >= 0) consume(1, mm);

  let level: Level = 'info';
  let levelText = '';
  const lm = best[2];
  if (lm >= 0) {
    const value = types[lm] === T_NUMBER ? Number(latin1(b, starts[lm], ends[lm])) : internedStringOf(b, lm);
    const normalized = value === undefined ? undefined : normalizeLevel(value);
    if (normalized) {
      level = normalized;
      levelText = typeof value === 'string' ? value : String(value);
      consume(2, lm);
    }
  }

  let service = '';
  const sm = best[3];
  if (sm >= 0) {
    if (types[sm] === T_CONTAINER) return false; // {"name": …}: the object path
    const s = internedStringOf(b, sm);
    if (s !== undefined) {
      service = s;
      consume(3, sm);
    }
  }
  let host = '';
  const hm = best[4];
  if (hm >= 0) {
    if (types[hm] === T_CONTAINER) return false;
    const s = internedStringOf(b, hm);
    if (s !== undefined) {
      host = s;
      consume(4, hm);
    }
  }
  traceAt = spanAt = -1;
  traceText = spanText = '';
  // An id as plain string bytes is checked while it is copied (hexIdBytes), after the row's start.
  const trm = best[5];
  if (trm >= 0) {
    if (types[trm] === T_STRING && !escs[trm]) {
      if (ends[trm] - starts[trm] === 34) traceAt = starts[trm] + 1;
    } else traceText = normalizeHexId(stringOf(b, trm), 32);
    if (traceText !== '') consume(5, trm);
  }
  const spm = best[6];
  if (spm >= 0) {
    if (types[spm] === T_STRING && !escs[spm]) {
      if (ends[spm] - starts[spm] === 18) spanAt = starts[spm] + 1;
    } else spanText = normalizeHexId(stringOf(b, spm), 16);
    if (spanText !== '') consume(6, spm);
  }

  const tuple = out.tupleOf(levelRank(level), levelText, levelToSeverity(level), service, host, '', 'ndjson');
  out.startRow(seq, ms, subNs, obsMs, obsSubNs, tuple);
  putMessage(out, b, mm);
  if (traceAt >= 0) {
    if (out.hexIdBytes(b, traceAt, 32)) consume(5, trm);
  } else if (traceText !== '') out.traceIdText(traceText);
  if (spanAt >= 0) {
    if (out.hexIdBytes(b, spanAt, 16)) consume(6, spm);
  } else if (spanText !== '') out.spanIdText(spanText);
  putAttributes(out, b, n);
  return true;
}

/** The row's message: member mm (-1: none) as the object path reads it, bytes straight when it can. */
function putMessage(out: RowColumns, b: Uint8Array, mm: number): void {
  if (mm < 0) out.messageText('');
  else if (types[mm] === T_STRING && !escs[mm]) {
    const from = starts[mm] + 1;
    const to = ends[mm] - 1;
    out.messageBytes(b, from, to, wide ? utf16Length(b, from, to) : to - from);
  } else if (types[mm] === T_STRING) out.messageText(stringOf(b, mm) as string);
  else {
    const raw = rawOf(b, mm);
    out.messageText(raw === 'null' ? '' : JSON.stringify(JSON.parse(raw)));
  }
}

/**
 * keyId() of member m's key, cached beside the interned key while its cache slot still holds that
 * key: a later text of the line with the same slot (another key, a service or level value) takes the
 * slot over, and its id must not be this key's (that stored the attribute under the other name).
 * Checked only on lines where a slot was taken over (slotTaken): a check per attribute cost ~3 %.
 */
function attrKeyId(m: number): number {
  const slot = keySlots[m];
  if (!slotTaken && slot >= 0 && keyIds[slot] >= 0) return keyIds[slot];
  const key = keys[m];
  if (slot < 0 || keyCache[slot] !== key) return keyId(key);
  if (keyIds[slot] < 0) keyIds[slot] = keyId(key);
  return keyIds[slot];
}

/**
 * The attributes: when they are a run of compact members (`"k":v,"k2":v2`) needing no
 * re-serialization, member by member straight from the body's bytes into the columns; otherwise
 * their rebuilt text.
 */
function putAttributes(out: RowColumns, b: Uint8Array, n: number): void {
  let first = -1;
  let last = -1;
  let run = true;
  for (let m = 0; m < n; m++) {
    if (slotOf[m] >= 0 && isConsumed(m)) continue;
    if (first < 0) first = m;
    else if (last !== m - 1 || keyStarts[m] !== ends[m - 1] + 1) run = false;
    if (flags[m] || starts[m] !== keyEnds[m] + 1) run = false;
    last = m;
  }
  if (first < 0) return;
  if (run) {
    out.beginAttrs();
    let m = first;
    while (m <= last && out.attrUtf8(attrKeyId(m), keys[m], b, starts[m], ends[m])) m++;
    const from = keyStarts[first];
    const to = ends[last];
    if (m > last && out.endAttrs((wide ? utf16Length(b, from, to) : to - from) + 2)) return;
    out.dropAttrs();
    out.attrsText(`{${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8', from, to)}}`);
    return;
  }
  let attrs = '';
  for (let m = first; m <= last; m++) {
    if (slotOf[m] >= 0 && isConsumed(m)) continue;
    const key = keys[m];
    let value = rawOf(b, m);
    if (flags[m]) value = JSON.stringify(JSON.parse(value));
    attrs += `${attrs === '' ? '{' : ','}"${key}":${value}`;
  }
  out.attrsText(`${attrs}}`);
}
