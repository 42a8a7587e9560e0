// NDJSON bodies (POST /api/logs) straight to store rows in column tables (row-columns.ts), without a
// JavaScript object per record: one validating scan per line finds the top-level members, the
// well-known keys are read from their raw text (same key table and rules as ingest/json-record.ts) and
// the other members are the attributes, written member by member as the row's shape and value texts
// (or, when not a compact run, as their raw text joined). Only the common case is taken: compact or
// spaced JSON objects, one per line.
// Anything else (blank lines, CR, a JSON array body, long lines, CLEF @x, escaped keys, an odd
// timestamp, invalid JSON...) returns false and the caller uses parseNdjsonLogs + toRow, which
// gives the exact rows or the exact error. Attribute values whose raw text would tokenize or compare
// differently from their JSON.stringify form (\u or \/ escapes, non-canonical numbers) are
// re-serialized, so the token index and the stored values are what the object path produces.
import { keySlotCode } from '../ingest/json-record.js';
import { MAX_LINE_BYTES } from '../ingest/limits.js';
import { isoMillis, MAX_TIME_MS, parseTimestamp } from '../ingest/timestamp.js';
import { type Level, levelRank, levelToSeverity, normalizeHexId, normalizeLevel } from '../model.js';
import { splitNs } from './row.js';
import type { RowColumns } from './row-columns.js';

const MAX_DEPTH = 64;
const T_STRING = 1;
const T_NUMBER = 2;
const T_LITERAL = 3;
const T_CONTAINER = 4;

// Scratch state of one line's scan (synchronous, never re-entered). Positions travel in locals and
// return values: a module-level cursor costs a context store per character.
/** Set by a value scan: its raw text is not what JSON.stringify(JSON.parse(raw)) gives. */
let needsNormalize = false;
/** Set by a string scan: it holds a backslash escape. */
let escaped = false;
const keys: string[] = [];
/** Index of each member's opening quote. */
const keyStarts: number[] = [];
const starts: number[] = [];
const ends: number[] = [];
const types: number[] = [];
const flags: boolean[] = [];
const slotOf: number[] = [];
/** keySlotCode() of each member's key (-1: not a well-known key). */
const codes: number[] = [];
const best = new Int32Array(8);
const bestPrio = new Int8Array(8);
const stack = new Uint8Array(MAX_DEPTH);
/** Keys of the members the row took (time, message, …), nConsumed of them. */
const consumed: string[] = [];
let nConsumed = 0;

function isConsumed(key: string): boolean {
  for (let k = 0; k < nConsumed; k++) if (consumed[k] === key) return true;
  return false;
}

/** Type of the value the last scanValue() call read. */
let lastType = 0;

/**
 * Recent keys by a hash of their text, so a line's keys are compared in place instead of sliced
 * (a new string per key per line is most of the garbage of this parser). Collisions just miss.
 */
const KEY_CACHE_SIZE = 1024;
const keyCache: (string | undefined)[] = new Array(KEY_CACHE_SIZE).fill(undefined);
/** keySlotCode() of each cached key, -1 for none; the last internKey() call's in internedCode. */
const keyCodes = new Int32Array(KEY_CACHE_SIZE);
let internedCode = -1;

function internKey(t: string, from: number, to: number): string {
  let h = to - from;
  for (let k = from; k < to; k++) h = (Math.imul(h, 31) + t.charCodeAt(k)) | 0;
  const slot = h & (KEY_CACHE_SIZE - 1);
  const cached = keyCache[slot];
  if (cached !== undefined && cached.length === to - from && t.startsWith(cached, from)) {
    internedCode = keyCodes[slot];
    return cached;
  }
  // A slice of 13 chars or more would keep the whole body string alive for as long as it is cached.
  const key = to - from < 13 ? t.slice(from, to) : ` ${t.slice(from, to)}`.slice(1);
  keyCache[slot] = key;
  internedCode = keyCodes[slot] = keySlotCode(key) ?? -1;
  return key;
}

function skipWs(t: string, i: number, end: number): number {
  while (i < end) {
    const c = t.charCodeAt(i);
    if (c !== 32) return i;
    i++;
  }
  return i;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** Index of the next backslash at or after the last position asked for (Infinity: none left). */
let nextBackslash = -1;

/**
 * Scans a string from its opening quote; the index after the closing one, or -1. Sets `escaped`.
 * Native searches for the closing quote and the next backslash; the body holds no control
 * characters (ndjsonRows checked), so nothing between them needs a look.
 */
function scanString(t: string, i: number, end: number): number {
  const q = t.indexOf('"', i + 1);
  if (q < 0 || q >= end) return -1;
  if (nextBackslash <= i) {
    const b = t.indexOf('\\', i + 1);
    nextBackslash = b < 0 ? Number.POSITIVE_INFINITY : b;
  }
  if (nextBackslash < q) return scanEscapedString(t, nextBackslash, end);
  return q + 1;
}

/** The rest of a string from its first backslash (the rare path). */
function scanEscapedString(t: string, i: number, end: number): number {
  escaped = true;
  while (i < end) {
    const c = t.charCodeAt(i);
    if (c === 34) return i + 1;
    if (c < 32) return -1;
    if (c !== 92) {
      i++;
      continue;
    }
    const e = t.charCodeAt(i + 1);
    if (e === 117) {
      if (!(isHex(t.charCodeAt(i + 2)) && isHex(t.charCodeAt(i + 3)))) return -1;
      if (!(isHex(t.charCodeAt(i + 4)) && isHex(t.charCodeAt(i + 5)))) return -1;
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

function skipDigits(t: string, i: number, end: number): number {
  while (i < end) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return i;
    i++;
  }
  return i;
}

/** Scans a number; the index after it or -1. Flags non-canonical forms (1.0, 1e2, -0, > 15 digits). */
function scanNumber(t: string, from: number, end: number): number {
  let i = from;
  if (t.charCodeAt(i) === 45) i++;
  const first = t.charCodeAt(i);
  const intEnd = skipDigits(t, i, end);
  if (intEnd === i || (first === 48 && intEnd - i > 1)) return -1;
  let plain = intEnd - i <= 15;
  i = intEnd;
  if (t.charCodeAt(i) === 46) {
    const fracEnd = skipDigits(t, i + 1, end);
    if (fracEnd === i + 1) return -1;
    i = fracEnd;
    plain = false;
  }
  const e = t.charCodeAt(i);
  if (e === 101 || e === 69) {
    i++;
    const sign = t.charCodeAt(i);
    if (sign === 43 || sign === 45) i++;
    const expEnd = skipDigits(t, i, end);
    if (expEnd === i) return -1;
    i = expEnd;
    plain = false;
  }
  if (!plain || (first === 48 && t.charCodeAt(from) === 45)) {
    const raw = t.slice(from, i);
    if (JSON.stringify(Number(raw)) !== raw) needsNormalize = true;
  }
  return i;
}

function scanLiteral(t: string, i: number, word: string): number {
  return t.startsWith(word, i) ? i + word.length : -1;
}

/** Scans a scalar at i; the index after it or -1; its type in lastType. */
function scanScalar(t: string, i: number, end: number): number {
  const c = t.charCodeAt(i);
  if (c === 34) {
    lastType = T_STRING;
    return scanString(t, i, end);
  }
  if (c === 45 || (c >= 48 && c <= 57)) {
    lastType = T_NUMBER;
    return scanNumber(t, i, end);
  }
  lastType = T_LITERAL;
  if (c === 116) return scanLiteral(t, i, 'true');
  if (c === 102) return scanLiteral(t, i, 'false');
  if (c === 110) return scanLiteral(t, i, 'null');
  return -1;
}

/** Scans any JSON value at i; the index after it or -1; its type in lastType. */
function scanValue(t: string, i: number, end: number): number {
  const c0 = t.charCodeAt(i);
  if (c0 !== 123 && c0 !== 91) return scanScalar(t, i, end);
  // A container: iterative, with a stack of open brackets (1 = object, 2 = array).
  let depth = 0;
  for (;;) {
    const open = t.charCodeAt(i);
    if (open === 123 || open === 91) {
      if (depth === MAX_DEPTH) return -1;
      stack[depth++] = open === 123 ? 1 : 2;
      i = skipWs(t, i + 1, end);
      if (t.charCodeAt(i) === (open === 123 ? 125 : 93)) {
        i++;
        depth--;
      } else {
        if (open === 123) i = memberKey(t, i, end);
        if (i < 0) return -1;
        continue; // the first member's value / element
      }
    } else {
      i = scanScalar(t, i, end);
      if (i < 0) return -1;
    }
    // After a value: ',' then the next element / member, or close containers.
    for (;;) {
      if (depth === 0) {
        lastType = T_CONTAINER;
        return i;
      }
      i = skipWs(t, i, end);
      const c = t.charCodeAt(i);
      const inObject = stack[depth - 1] === 1;
      if (c === 44) {
        i = skipWs(t, i + 1, end);
        if (inObject) i = memberKey(t, i, end);
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
function memberKey(t: string, i: number, end: number): number {
  if (t.charCodeAt(i) !== 34) return -1;
  i = scanString(t, i, end);
  if (i < 0) return -1;
  i = skipWs(t, i, end);
  if (t.charCodeAt(i) !== 58) return -1;
  return skipWs(t, i + 1, end);
}

/** Scans the top-level members of the object on [start, end) into the scratch arrays; -1 when unusual. */
function scanLine(t: string, start: number, end: number): number {
  let i = skipWs(t, start, end);
  if (t.charCodeAt(i) !== 123) return -1;
  i = skipWs(t, i + 1, end);
  let n = 0;
  if (t.charCodeAt(i) === 125) i++;
  else
    for (;;) {
      if (t.charCodeAt(i) !== 34) return -1;
      escaped = false;
      const keyEnd = scanString(t, i, end);
      if (keyEnd < 0 || escaped) return -1;
      const key = internKey(t, i + 1, keyEnd - 1);
      if (key === '__proto__') return -1; // the object path drops it; keep the two alike
      keys[n] = key;
      codes[n] = internedCode;
      keyStarts[n] = i;
      i = skipWs(t, keyEnd, end);
      if (t.charCodeAt(i) !== 58) return -1;
      i = skipWs(t, i + 1, end);
      needsNormalize = false;
      starts[n] = i;
      i = scanValue(t, i, end);
      if (i < 0) return -1;
      ends[n] = i;
      types[n] = lastType;
      flags[n] = needsNormalize;
      n++;
      i = skipWs(t, i, end);
      const c = t.charCodeAt(i);
      if (c === 44) {
        i = skipWs(t, i + 1, end);
        continue;
      }
      if (c !== 125) return -1;
      i++;
      break;
    }
  return skipWs(t, i, end) === end ? n : -1;
}

/** Like stringOf() for short repeated values (service, host, level): the same string object each time. */
function internedStringOf(t: string, m: number): string | undefined {
  if (types[m] !== T_STRING) return undefined;
  const from = starts[m] + 1;
  const to = ends[m] - 1;
  if (to - from > 64) return stringOf(t, m);
  for (let k = from; k < to; k++) if (t.charCodeAt(k) === 92) return stringOf(t, m);
  return internKey(t, from, to);
}

/** The string value of member m (unescaped), or undefined when it is not a string. */
function stringOf(t: string, m: number): string | undefined {
  if (types[m] !== T_STRING) return undefined;
  const s = t.slice(starts[m] + 1, ends[m] - 1);
  return s.includes('\\') ? (JSON.parse(t.slice(starts[m], ends[m])) as string) : s;
}

/**
 * Adds the rows of an NDJSON body observed at nowNs (seqs from seqBase) to `out`, as parseNdjsonLogs +
 * toRow would give them; false when the body needs the object path (see the file comment), in which
 * case `out` holds a part of the rows and is to be cleared.
 */
export function ndjsonColumns(body: Uint8Array, nowNs: bigint, seqBase: number, out: RowColumns): boolean {
  if (hasControl(body)) return false;
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  // The body without leading and trailing blank lines and spaces (other whitespace that trim() would
  // take, a BOM say, fails the scan: the object path takes such bodies).
  let from = 0;
  let to = bytes.length;
  while (from < to && (bytes[from] === 32 || bytes[from] === 10)) from++;
  while (to > from && (bytes[to - 1] === 32 || bytes[to - 1] === 10)) to--;
  if (from === to) return false;
  const [obsMs, obsSubNs] = splitNs(nowNs);
  // Decoded in pieces of whole lines: a string over 128 KB (the whole 1.2 MB body) is a large object,
  // which survives the collections that happen while it is scanned, is promoted and is freed only by
  // a full mark-compact; ~64 KB pieces die young. (Not latin1 for ASCII either, though it decodes
  // ~4x faster: Node makes that an external string in malloc'd memory, which raised peak RSS.)
  while (from < to) {
    let cut = Math.min(to, from + TEXT_PIECE_BYTES);
    if (cut < to) {
      const nl = bytes.indexOf(10, cut);
      cut = nl < 0 || nl >= to ? to : nl;
    }
    if (!pieceRows(bytes.toString('utf8', from, cut), obsMs, obsSubNs, seqBase, out)) return false;
    from = cut + 1;
  }
  return true;
}

const TEXT_PIECE_BYTES = 64 * 1024;

/** The rows of a piece of whole lines; false at a blank or unusual line. */
function pieceRows(text: string, obsMs: number, obsSubNs: number, seqBase: number, out: RowColumns): boolean {
  nextBackslash = -1;
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end === start || (end - start) * 3 > MAX_LINE_BYTES) return false;
    if (!lineRow(text, start, end, obsMs, obsSubNs, seqBase + out.count, out)) return false;
    start = end + 1;
  }
  return true;
}

/**
 * True when the bytes hold a control character other than the line feed (tabs and CRs included: the
 * object path takes those). Four bytes at a time: a word with a byte below 0x20 (a line feed nearly
 * always) is looked at byte by byte. ~5x faster than a regex over the decoded text.
 */
function hasControl(b: Uint8Array): boolean {
  const n = b.length;
  let i = 0;
  const head = Math.min(n, (4 - (b.byteOffset & 3)) & 3);
  for (; i < head; i++) if (isControl(b[i])) return true;
  const words = new Uint32Array(b.buffer, b.byteOffset + i, (n - i) >>> 2);
  for (let w = 0; w < words.length; w++) {
    const x = words[w] | 0;
    if (((x - 0x20202020) & ~x & 0x80808080) !== 0) {
      const p = i + w * 4;
      if (isControl(b[p]) || isControl(b[p + 1]) || isControl(b[p + 2]) || isControl(b[p + 3])) return true;
    }
  }
  for (i += words.length * 4; i < n; i++) if (isControl(b[i])) return true;
  return false;
}

function isControl(c: number): boolean {
  return c < 32 && c !== 10;
}

function lineRow(
  t: string,
  start: number,
  end: number,
  obsMs: number,
  obsSubNs: number,
  seq: number,
  out: RowColumns,
): boolean {
  const n = scanLine(t, start, end);
  if (n < 0) return false;
  for (let k = 0; k < 8; k++) best[k] = -1;
  for (let m = 0; m < n; m++) {
    const code = codes[m];
    if (code < 0) {
      slotOf[m] = -1;
      continue;
    }
    const slot = code >> 4;
    const prio = code & 15;
    slotOf[m] = slot;
    const b = best[slot];
    // A repeated key: JSON.parse keeps the last value.
    if (b < 0 || prio < bestPrio[slot] || keys[b] === keys[m]) {
      best[slot] = m;
      bestPrio[slot] = prio;
    }
  }
  if (best[7] >= 0) return false; // CLEF @x renames the key: the object path handles it
  // Consumed members, by key (a consumed key's duplicates go too, as with the object path).
  nConsumed = 0;

  let ms = obsMs;
  let subNs = obsSubNs;
  const tm = best[0];
  // What Date.toISOString() writes, read in place (a backslash in it fails the format check).
  const iso =
    tm >= 0 && types[tm] === T_STRING && ends[tm] - starts[tm] === 26
      ? isoMillis(t, starts[tm] + 1)
      : undefined;
  if (iso !== undefined && iso >= 0 && iso <= MAX_TIME_MS) {
    consumed[nConsumed++] = keys[tm];
    ms = iso;
    subNs = 0;
  } else if (tm >= 0) {
    consumed[nConsumed++] = keys[tm];
    let raw: string | number | undefined;
    if (types[tm] === T_STRING) raw = stringOf(t, tm);
    else if (types[tm] === T_NUMBER) raw = Number(t.slice(starts[tm], ends[tm]));
    else return false;
    const ns = parseTimestamp(raw);
    if (ns !== undefined) [ms, subNs] = splitNs(ns);
    else if (raw !== 0 && raw !== '0') return false; // the object path names the bad timestamp
  }

  let message = '';
  const mm = best[1];
  if (mm >= 0) {
    consumed[nConsumed++] = keys[mm];
    const s = stringOf(t, mm);
    if (s !== undefined) message = s;
    else {
      const raw = t.slice(starts[mm], ends[mm]);
      if (raw !== 'null') message = JSON.stringify(JSON.parse(raw));
    }
  }

  let level: Level = 'info';
  let levelText = '';
  const lm = best[2];
  if (lm >= 0) {
    const value = types[lm] === T_NUMBER ? Number(t.slice(starts[lm], ends[lm])) : internedStringOf(t, lm);
    const normalized = value === undefined ? undefined : normalizeLevel(value);
    if (normalized) {
      level = normalized;
      levelText = typeof value === 'string' ? value : String(value);
      consumed[nConsumed++] = keys[lm];
    }
  }

  let service = '';
  const sm = best[3];
  if (sm >= 0) {
    if (types[sm] === T_CONTAINER) return false; // {"name": …}: the object path
    const s = internedStringOf(t, sm);
    if (s !== undefined) {
      service = s;
      consumed[nConsumed++] = keys[sm];
    }
  }
  let host = '';
  const hm = best[4];
  if (hm >= 0) {
    if (types[hm] === T_CONTAINER) return false;
    const s = internedStringOf(t, hm);
    if (s !== undefined) {
      host = s;
      consumed[nConsumed++] = keys[hm];
    }
  }
  let traceId = '';
  const trm = best[5];
  if (trm >= 0) {
    const id = normalizeHexId(stringOf(t, trm), 32);
    if (id) {
      traceId = id;
      consumed[nConsumed++] = keys[trm];
    }
  }
  let spanId = '';
  const spm = best[6];
  if (spm >= 0) {
    const id = normalizeHexId(stringOf(t, spm), 16);
    if (id) {
      spanId = id;
      consumed[nConsumed++] = keys[spm];
    }
  }

  return makeRow(
    out,
    t,
    n,
    seq,
    ms,
    subNs,
    obsMs,
    obsSubNs,
    level,
    levelText,
    service,
    host,
    message,
    traceId,
    spanId,
  );
}

function makeRow(
  out: RowColumns,
  t: string,
  n: number,
  seq: number,
  ms: number,
  subNs: number,
  obsMs: number,
  obsSubNs: number,
  level: Level,
  levelText: string,
  service: string,
  host: string,
  message: string,
  traceId: string,
  spanId: string,
): boolean {
  const tuple = out.tupleOf(levelRank(level), levelText, levelToSeverity(level), service, host, '', 'ndjson');
  out.push(seq, ms, subNs, obsMs, obsSubNs, tuple, message, traceId, spanId);
  // The attributes: when they are a run of compact members (`"k":v,"k2":v2`) needing no
  // re-serialization, member by member straight into the columns; otherwise their rebuilt text.
  let first = -1;
  let last = -1;
  let run = true;
  for (let m = 0; m < n; m++) {
    if (slotOf[m] >= 0 && isConsumed(keys[m])) continue;
    if (first < 0) first = m;
    else if (last !== m - 1 || keyStarts[m] !== ends[m - 1] + 1) run = false;
    if (flags[m] || starts[m] !== keyStarts[m] + keys[m].length + 3) run = false;
    last = m;
  }
  if (first < 0) return true;
  if (run) {
    out.beginAttrs();
    let m = first;
    while (m <= last && out.attr(keys[m], t, starts[m], ends[m])) m++;
    if (m > last && out.endAttrs(ends[last] - keyStarts[first] + 2)) return true;
    out.dropAttrs();
    out.attrsText(`{${t.slice(keyStarts[first], ends[last])}}`);
    return true;
  }
  let attrs = '';
  for (let m = first; m <= last; m++) {
    const key = keys[m];
    if (slotOf[m] >= 0 && isConsumed(key)) continue;
    let value = t.slice(starts[m], ends[m]);
    if (flags[m]) value = JSON.stringify(JSON.parse(value));
    attrs += `${attrs === '' ? '{' : ','}"${key}":${value}`;
  }
  out.attrsText(`${attrs}}`);
  return true;
}
