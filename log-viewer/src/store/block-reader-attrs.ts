// The attributes section of block format 4 (layout in attr-columns.ts) as a scan reads it: a token
// searched over the section, and the JSON text of the few rows a needle hits. Pure-ASCII sections
// (nearly all) are read from their bytes; others go to attr-section.ts, row by row.
//
// What a needle costs here, per 8k-row block: the header's shape list parsed by a byte scan (not
// JSON.parse of ~16 KB, then a second pass to index it), and a row's value found by counting the
// value separators before it four bytes at a time. In the bench's blocks one row's text used to cost
// ~0.6 ms (header parse plus a byte-by-byte walk through each of its columns).
import { isAscii } from 'node:buffer';
import { readAttrSection } from './attr-section.js';
import { asciiTokenRegex, type RowSearch } from './text-column.js';

const COL = 1;
const VAL = 0;
const CHUNK_BYTES = 32 * 1024;
/** Rows read one by one (a needle's hits) before whole columns are split instead (allRows, fields). */
const BULK_ROWS = 64;

export function readAttrs(bytes: Buffer): RowSearch {
  return isAscii(bytes) ? new AsciiAttrs(bytes) : readAttrSection(bytes);
}

interface Header {
  keys: string[][];
  /** Shape of each row; -1 = kept verbatim. */
  shapes: Int32Array;
  verbatim: string[];
}

interface Layout {
  header: Header;
  /** `{"key":` / `,"key":` per shape and key. */
  prefixes: string[][];
  firstColumn: number[];
  shapeOf: number[];
  /** Byte offset of each column's first value, plus the section length + 1. */
  colStart: number[];
  /** Rows of each shape. */
  counts: Int32Array;
}

/** Built when many rows are looked up (a needle's few hits count the shape list instead). */
interface RowIndex {
  /** Rows of each shape in order: a column's j-th value belongs to rowsOf[shape][j]. */
  rowsOf: Int32Array[];
  /** Row → index among the rows of its shape (or among the verbatim rows). */
  pos: Int32Array;
}

/** Lookups by counting before the row index is built. */
const COUNTED_LOOKUPS = 16;

class AsciiAttrs implements RowSearch {
  private readonly headerEnd: number;
  private layout?: Layout;
  private rowIndex?: RowIndex;
  private lookups = 0;
  /** The section as 32-bit words when it is 4-byte aligned (for counting separators), else undefined. */
  private readonly words?: Int32Array;
  private texts = 0;
  /** Per column: the value last looked up and where it starts. */
  private readonly cursorValue: number[] = [];
  private readonly cursorStart: number[] = [];
  /** Each column's values once split (past BULK_ROWS rows). */
  private readonly columnValues: string[][] = [];

  constructor(private readonly bytes: Buffer) {
    const cut = bytes.indexOf(COL);
    this.headerEnd = cut < 0 ? bytes.length : cut;
    if (bytes.byteOffset % 4 === 0)
      this.words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
  }

  private parse(): Layout {
    if (this.layout) return this.layout;
    const header = parseHeader(this.bytes, this.headerEnd);
    const firstColumn: number[] = [];
    const shapeOf: number[] = [];
    for (let s = 0; s < header.keys.length; s++) {
      firstColumn.push(shapeOf.length);
      for (let k = 0; k < header.keys[s].length; k++) shapeOf.push(s);
    }
    const colStart: number[] = [];
    for (let at = this.headerEnd; at >= 0 && at < this.bytes.length; at = this.bytes.indexOf(COL, at + 1))
      colStart.push(at + 1);
    if (colStart.length !== shapeOf.length) throw new Error('attribute section: column count mismatch');
    colStart.push(this.bytes.length + 1);
    const { shapes } = header;
    const counts = new Int32Array(header.keys.length);
    for (let row = 0; row < shapes.length; row++) if (shapes[row] >= 0) counts[shapes[row]]++;
    const prefixes = header.keys.map((keys) =>
      keys.map((key, k) => `${k === 0 ? '{' : ','}${JSON.stringify(key)}:`),
    );
    this.layout = { header, prefixes, firstColumn, shapeOf, colStart, counts };
    return this.layout;
  }

  private index(): RowIndex {
    if (this.rowIndex) return this.rowIndex;
    const { header, counts } = this.parse();
    const { shapes } = header;
    const rowsOf = Array.from(counts, (n) => new Int32Array(n));
    const next = new Int32Array(counts.length);
    let verbatim = 0;
    const pos = new Int32Array(shapes.length);
    for (let row = 0; row < shapes.length; row++) {
      const s = shapes[row];
      if (s < 0) pos[row] = verbatim++;
      else {
        rowsOf[s][next[s]] = row;
        pos[row] = next[s]++;
      }
    }
    this.rowIndex = { rowsOf, pos };
    return this.rowIndex;
  }

  /** Row i's index among the rows of its shape (or among the verbatim rows). */
  private posOf(i: number): number {
    if (this.rowIndex || ++this.lookups > COUNTED_LOOKUPS) return this.index().pos[i];
    const shapes = this.parse().header.shapes;
    const s = shapes[i] < 0 ? -1 : shapes[i];
    let n = 0;
    for (let r = 0; r < i; r++) if (shapes[r] === s || (s < 0 && shapes[r] < 0)) n++;
    return n;
  }

  /** The row holding the j-th value of shape s. */
  private rowOf(s: number, j: number): number {
    if (this.rowIndex || ++this.lookups > COUNTED_LOOKUPS) return this.index().rowsOf[s][j];
    const shapes = this.parse().header.shapes;
    for (let r = 0, n = 0; r < shapes.length; r++) if (shapes[r] === s && n++ === j) return r;
    throw new Error('attribute section: value without a row');
  }

  /** Byte range [start, end) of value j of column c. */
  private value(c: number, j: number): [number, number] {
    const p = this.parse();
    const count = p.counts[p.shapeOf[c]];
    const first = p.colStart[c];
    const end = p.colStart[c + 1] - 1;
    const bytes = this.bytes;
    let start: number;
    // Rows read in order (a scan's matches in a block) go on from the column's previous value, so a
    // block's rows cost one pass over the column rather than one per row.
    const at = this.cursorValue[c];
    if (at !== undefined && j >= at && j - at <= Math.min(j, count - 1 - j))
      start = j === at ? this.cursorStart[c] : this.afterSeparators(this.cursorStart[c], end, j - at);
    else if (j <= count - 1 - j) start = j === 0 ? first : this.afterSeparators(first, end, j);
    else {
      // Nearer the end: step back over the values after j, then to the start of value j.
      let q = this.beforeSeparators(first, end, count - 1 - j);
      while (q > first && bytes[q - 1] !== VAL) q--;
      start = q;
    }
    this.cursorValue[c] = j;
    this.cursorStart[c] = start;
    let stop = start;
    while (stop < end && bytes[stop] !== VAL) stop++;
    return [start, stop];
  }

  /** Offset just after the n-th separator at or after `from` (before `end`). */
  private afterSeparators(from: number, end: number, n: number): number {
    const bytes = this.bytes;
    const words = this.words;
    let p = from;
    let left = n;
    if (words) {
      while (left > 0 && (p & 3) !== 0 && p < end) if (bytes[p++] === VAL) left--;
      // Whole words inside the column hold only value bytes (>= 0x20) and separators (0): there a
      // word's zero bytes are counted exactly by the classic has-zero-byte expression.
      if (left > 0) {
        const w = wordsForward(words, p >>> 2, (end >>> 2) - 1, left);
        left = remaining;
        if (w << 2 > p) p = w << 2;
      }
    }
    while (left > 0 && p < end) if (bytes[p++] === VAL) left--;
    return p;
  }

  /** Offset of the n-th separator counting back from `end` (exclusive), or `from`. */
  private beforeSeparators(from: number, end: number, n: number): number {
    if (n === 0) return end;
    const bytes = this.bytes;
    const words = this.words;
    let p = end; // bytes before p are still to be looked at
    let left = n;
    if (words) {
      while (left > 0 && (p & 3) !== 0 && p > from) if (bytes[--p] === VAL && --left === 0) return p;
      const w = wordsBackward(words, (p >>> 2) - 1, (from + 3) >>> 2, left);
      left = remaining;
      if ((w + 1) << 2 < p) p = (w + 1) << 2;
    }
    while (left > 0 && p > from) if (bytes[--p] === VAL && --left === 0) return p;
    return from;
  }

  text(i: number): string {
    const p = this.parse();
    const shape = p.header.shapes[i];
    if (shape < 0) return p.header.verbatim[this.posOf(i)];
    const pre = p.prefixes[shape];
    let s = '';
    if (++this.texts > BULK_ROWS) {
      const at = this.index().pos[i];
      // Many rows: split each column once, natively.
      for (let k = 0; k < pre.length; k++) {
        const c = p.firstColumn[shape] + k;
        let values = this.columnValues[c];
        if (!values) {
          values = this.bytes.toString('latin1', p.colStart[c], p.colStart[c + 1] - 1).split('\u0000');
          this.columnValues[c] = values;
        }
        s += pre[k] + values[at];
      }
      return `${s}}`;
    }
    const at = this.posOf(i);
    for (let k = 0; k < pre.length; k++) {
      const [start, end] = this.value(p.firstColumn[shape] + k, at);
      s += pre[k] + this.bytes.toString('latin1', start, end);
    }
    return `${s}}`;
  }

  markRows(token: string, hit: Uint8Array): boolean {
    const re = asciiTokenRegex(token);
    if (!re) return true; // lowercased ASCII holds no other characters
    const bytes = this.bytes;
    re.lastIndex = 0;
    if (re.test(bytes.toString('latin1', 0, this.headerEnd))) this.markHeader(token, hit);
    let column = -1;
    let counted = 0;
    let j = 0;
    for (let start = this.headerEnd + 1; start < bytes.length; ) {
      const end = chunkEnd(bytes, start);
      const chunk = bytes.toString('latin1', start, end);
      re.lastIndex = 0;
      for (let m = re.exec(chunk); m; m = re.exec(chunk)) {
        const at = start + m.index;
        const p = this.parse();
        const c = columnAt(p.colStart, at);
        // The value index: separators from the column's start to the hit, counted on from the
        // previous hit in the same column (hits come in order), so a common token stays linear.
        if (c !== column) {
          column = c;
          counted = p.colStart[c];
          j = 0;
        }
        j += this.countSeparators(counted, at);
        counted = at;
        hit[this.rowOf(p.shapeOf[c], j)] = 1;
      }
      start = end;
    }
    return true;
  }

  /** Separators in [from, to) of one column. */
  private countSeparators(from: number, to: number): number {
    const bytes = this.bytes;
    const words = this.words;
    let n = 0;
    let p = from;
    if (words) {
      while ((p & 3) !== 0 && p < to) if (bytes[p++] === VAL) n++;
      const stop = to >>> 2;
      n += wordsZeroBytes(words, p >>> 2, stop);
      if (stop << 2 > p) p = stop << 2;
    }
    while (p < to) if (bytes[p++] === VAL) n++;
    return n;
  }

  /** Rows whose keys (as JSON text) or verbatim text hold the token. */
  private markHeader(token: string, hit: Uint8Array): void {
    const { header, prefixes } = this.parse();
    const { rowsOf, pos } = this.index();
    prefixes.forEach((pre, s) => {
      if (pre.join('').toLowerCase().includes(token)) for (const row of rowsOf[s]) hit[row] = 1;
    });
    const { shapes, verbatim } = header;
    for (let row = 0; row < shapes.length; row++)
      if (shapes[row] < 0 && verbatim[pos[row]].toLowerCase().includes(token)) hit[row] = 1;
  }
}

// The word loops below are functions of their own with nothing after the loop: V8 compiles a long
// loop on the stack (OSR) and reuses that code on later calls, and code after the loop that had not
// run by then (no type feedback) deoptimized it on every block (~110 times over 584 blocks).

/** Zero bytes still to pass after wordsForward / wordsBackward stopped. */
let remaining = 0;

/**
 * Words from w up to lastWord while fewer than `left` zero bytes were passed: the word holding the
 * left-th (remaining = those still to pass in it), or lastWord + 1.
 */
function wordsForward(words: Int32Array, w: number, lastWord: number, left: number): number {
  for (; w <= lastWord; w++) {
    const v = words[w];
    const z = (v - 0x01010101) & ~v & 0x80808080;
    if (z !== 0) {
      const k = zeroBytes(z);
      if (k >= left) break;
      left -= k;
    }
  }
  remaining = left;
  return w;
}

/** As wordsForward, from w down to firstWord (firstWord - 1 when not found). */
function wordsBackward(words: Int32Array, w: number, firstWord: number, left: number): number {
  for (; w >= firstWord; w--) {
    const v = words[w];
    const z = (v - 0x01010101) & ~v & 0x80808080;
    if (z !== 0) {
      const k = zeroBytes(z);
      if (k >= left) break;
      left -= k;
    }
  }
  remaining = left;
  return w;
}

/** Zero bytes in words [from, to). */
function wordsZeroBytes(words: Int32Array, from: number, to: number): number {
  let n = 0;
  for (let w = from; w < to; w++) {
    const v = words[w];
    const z = (v - 0x01010101) & ~v & 0x80808080;
    if (z !== 0) n += zeroBytes(z);
  }
  return n;
}

/**
 * Zero bytes flagged by the has-zero-byte mask `z` (bit 7 of each flagged byte): the flags summed
 * into the top byte. The product stays below 2^49, so it is exact and `>>> 24` keeps its low bits.
 * (Plain operators here: a Math.* call only reached after a hot loop had no type feedback when
 * the loop was optimized, and deoptimized it on every block.)
 */
function zeroBytes(z: number): number {
  return ((z >>> 7) * 0x01010101) >>> 24;
}

/** Index of the column holding byte `at` (after the header). */
function columnAt(colStart: number[], at: number): number {
  let lo = 0;
  let hi = colStart.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (colStart[mid] <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A chunk end at or after start + CHUNK_BYTES on a separator, so no value is split. */
function chunkEnd(bytes: Buffer, start: number): number {
  const target = start + CHUNK_BYTES;
  if (target >= bytes.length) return bytes.length;
  const a = bytes.indexOf(VAL, target);
  const b = bytes.indexOf(COL, target);
  const end = a < 0 ? b : b < 0 ? a : Math.min(a, b);
  return end < 0 ? bytes.length : end;
}

/**
 * The header `{"k":[…],"s":[…],"v":[…]}` (JSON.stringify of the writer's object, keys in that order):
 * keys and verbatim texts through JSON.parse, the long shape list by a scan of its digits. Anything
 * else is parsed whole.
 */
function parseHeader(bytes: Buffer, end: number): Header {
  const kEnd = jsonValueEnd(bytes, 5, end);
  if (
    kEnd > 0 &&
    bytes.toString('latin1', 0, 5) === '{"k":' &&
    bytes.toString('latin1', kEnd, kEnd + 6) === ',"s":['
  ) {
    // Each element takes at least two bytes ("0,"): an upper bound on the row count.
    const shapes = new Int32Array((end - kEnd) >>> 1);
    let count = 0;
    let p = kEnd + 6;
    let ok = true;
    if (bytes[p] === 93)
      p++; // no rows
    else
      for (;;) {
        let neg = false;
        if (bytes[p] === 45) {
          neg = true;
          p++;
        }
        let v = 0;
        const digitsAt = p;
        for (let c = bytes[p]; c >= 48 && c <= 57; c = bytes[++p]) v = v * 10 + (c - 48);
        if (p === digitsAt) {
          ok = false;
          break;
        }
        shapes[count++] = neg ? -v : v;
        if (bytes[p] === 44) p++;
        else if (bytes[p] === 93) {
          p++;
          break;
        } else {
          ok = false;
          break;
        }
      }
    if (ok && bytes.toString('latin1', p, p + 5) === ',"v":' && bytes[end - 1] === 125) {
      return {
        keys: JSON.parse(bytes.toString('latin1', 5, kEnd)) as string[][],
        shapes: shapes.subarray(0, count),
        verbatim: JSON.parse(bytes.toString('latin1', p + 5, end - 1)) as string[],
      };
    }
  }
  const h = JSON.parse(bytes.toString('latin1', 0, end)) as { k: string[][]; s: number[]; v: string[] };
  return { keys: h.k, shapes: Int32Array.from(h.s), verbatim: h.v };
}

/** End (exclusive) of the JSON array or string starting at `from`, or -1. */
function jsonValueEnd(bytes: Buffer, from: number, end: number): number {
  let depth = 0;
  for (let p = from; p < end; p++) {
    const c = bytes[p];
    if (c === 34) {
      // A string: skip to its closing quote, over escapes.
      for (p++; p < end && bytes[p] !== 34; p++) if (bytes[p] === 92) p++;
      if (depth === 0) return p + 1;
    } else if (c === 91 || c === 123) depth++;
    else if (c === 93 || c === 125) {
      depth--;
      if (depth === 0) return p + 1;
      if (depth < 0) return -1;
    }
  }
  return -1;
}
