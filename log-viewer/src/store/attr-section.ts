// Reading the attributes section of block format 4 (layout in attr-columns.ts): one row's JSON text
// rebuilt from its shape's columns, and a token search over the section that maps hits to rows,
// without splitting every column into strings first. Read side only.
//
// A pure-ASCII section (nearly all) is read from its bytes: a row's value is found by counting value
// separators in the column up to the row, and the search runs over ~32 KB latin1 strings cut at
// separators (see text-column.ts for why). Other sections go through AttrColumns, row by row.
import { isAscii } from 'node:buffer';
import { AttrColumns } from './attr-columns.js';
import { asciiTokenRegex, type RowSearch } from './text-column.js';

const COL = 1;
const VAL = 0;
const CHUNK_BYTES = 32 * 1024;
/** Rows read one by one (a needle's hits) before whole columns are split instead. */
const BULK_ROWS = 64;

interface Header {
  k: string[][];
  s: number[];
  v: string[];
}

export function readAttrSection(bytes: Buffer): RowSearch {
  return isAscii(bytes) ? new AsciiAttrSection(bytes) : new TextAttrSection(bytes.toString('utf8'));
}

/** Non-ASCII sections: rows rebuilt by AttrColumns and searched one by one (rare; correct first). */
class TextAttrSection implements RowSearch {
  private readonly cols: AttrColumns;
  private lower?: string[];

  constructor(section: string) {
    this.cols = new AttrColumns(section);
  }

  text(i: number): string {
    return this.cols.text(i);
  }

  markRows(token: string, hit: Uint8Array): boolean {
    if (!this.cols.mayHold(token)) return true;
    if (!this.lower) {
      this.lower = new Array(hit.length);
      for (let i = 0; i < hit.length; i++) this.lower[i] = this.cols.text(i).toLowerCase();
    }
    for (let i = 0; i < hit.length; i++) if (this.lower[i].includes(token)) hit[i] = 1;
    return true;
  }
}

interface Parsed {
  header: Header;
  /** `{"key":` or `,"key":` per shape and key. */
  prefixes: string[][];
  /** Index of each shape's first column. */
  firstColumn: number[];
  /** Shape of each column. */
  shapeOf: number[];
  /** Byte offset where each column starts, plus the section length + 1 at the end. */
  colStart: number[];
  /** Rows of each shape, in order (a column's j-th value belongs to rowsOf[shape][j]). */
  rowsOf: Int32Array[];
  /** Row → index among the rows of its shape, or among the verbatim rows. */
  pos: Int32Array;
}

class AsciiAttrSection implements RowSearch {
  private readonly headerEnd: number;
  private parsed?: Parsed;
  /** Per column: start offsets of the values found so far (built as far as a lookup needed). */
  private readonly starts: Uint32Array[] = [];
  private readonly built: number[] = [];
  /** Rows read so far, and each column's values once split (past BULK_ROWS rows). */
  private texts = 0;
  private readonly columnValues: string[][] = [];

  constructor(private readonly bytes: Buffer) {
    const cut = bytes.indexOf(COL);
    this.headerEnd = cut < 0 ? bytes.length : cut;
  }

  private parse(): Parsed {
    if (this.parsed) return this.parsed;
    const header = JSON.parse(this.bytes.toString('latin1', 0, this.headerEnd)) as Header;
    const firstColumn: number[] = [];
    const shapeOf: number[] = [];
    for (let s = 0; s < header.k.length; s++) {
      firstColumn.push(shapeOf.length);
      for (let k = 0; k < header.k[s].length; k++) shapeOf.push(s);
    }
    const colStart: number[] = [];
    for (let at = this.headerEnd; at >= 0 && at < this.bytes.length; at = this.bytes.indexOf(COL, at + 1))
      colStart.push(at + 1);
    if (colStart.length !== shapeOf.length) throw new Error('attribute section: column count mismatch');
    colStart.push(this.bytes.length + 1);
    const counts = new Array<number>(header.k.length).fill(0);
    for (const s of header.s) if (s >= 0) counts[s]++;
    const rowsOf = counts.map((n) => new Int32Array(n));
    counts.fill(0);
    let verbatim = 0;
    const shapes = header.s;
    const pos = new Int32Array(shapes.length);
    for (let row = 0; row < shapes.length; row++) {
      const s = shapes[row];
      if (s < 0) pos[row] = verbatim++;
      else {
        rowsOf[s][counts[s]] = row;
        pos[row] = counts[s]++;
      }
    }
    const prefixes = header.k.map((keys) =>
      keys.map((key, k) => `${k === 0 ? '{' : ','}${JSON.stringify(key)}:`),
    );
    this.parsed = { header, prefixes, firstColumn, shapeOf, colStart, rowsOf, pos };
    return this.parsed;
  }

  /** Start offset of value j of column c (j = count gives the column end + 1). */
  private valueStart(c: number, j: number): number {
    const p = this.parse();
    let starts = this.starts[c];
    if (!starts) {
      starts = new Uint32Array(p.rowsOf[p.shapeOf[c]].length + 1);
      starts[0] = p.colStart[c];
      this.starts[c] = starts;
      this.built[c] = 0;
    }
    let b = this.built[c];
    if (j > b) {
      const bytes = this.bytes;
      const end = p.colStart[c + 1] - 1;
      let q = starts[b];
      while (b < j) {
        while (q < end && bytes[q] !== VAL) q++;
        starts[++b] = ++q;
      }
      this.built[c] = b;
    }
    return starts[j];
  }

  /**
   * Byte range of value j of column c: from the value index (built or extended as far as j) when the
   * column has one or j is in its first half, else by counting separators back from the column's end,
   * which halves what a single row (a needle's hit) costs on average.
   */
  private valueRange(c: number, j: number): [number, number] {
    const p = this.parse();
    const count = p.rowsOf[p.shapeOf[c]].length;
    // Once a column has an index (rows read in order: allRows, merges), extending it is O(1) a row.
    if (this.built[c] !== undefined || j < count / 2)
      return [this.valueStart(c, j), this.valueStart(c, j + 1) - 1];
    const bytes = this.bytes;
    const first = p.colStart[c];
    let end = p.colStart[c + 1] - 1;
    for (let m = count - 1; m > j; m--) {
      end--;
      while (end > first && bytes[end] !== VAL) end--;
    }
    let start = end;
    while (start > first && bytes[start - 1] !== VAL) start--;
    return [start, end];
  }

  text(i: number): string {
    const p = this.parse();
    const shape = p.header.s[i];
    if (shape < 0) return p.header.v[p.pos[i]];
    const pre = p.prefixes[shape];
    const at = p.pos[i];
    let s = '';
    if (++this.texts > BULK_ROWS) {
      // Many rows (allRows for merges, delete, fields): split each column once, natively.
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
    for (let k = 0; k < pre.length; k++) {
      const [start, end] = this.valueRange(p.firstColumn[shape] + k, at);
      s += pre[k] + this.bytes.toString('latin1', start, end);
    }
    return `${s}}`;
  }

  markRows(token: string, hit: Uint8Array): boolean {
    const re = asciiTokenRegex(token);
    if (!re) return true; // lowercased ASCII holds no other characters
    re.lastIndex = 0;
    if (re.test(this.bytes.toString('latin1', 0, this.headerEnd))) this.markHeader(token, hit);
    const bytes = this.bytes;
    for (let start = this.headerEnd + 1; start < bytes.length; ) {
      const end = chunkEnd(bytes, start);
      const chunk = bytes.toString('latin1', start, end);
      re.lastIndex = 0;
      for (let m = re.exec(chunk); m; m = re.exec(chunk)) {
        const [c, j] = this.valueAt(start + m.index);
        const p = this.parse();
        hit[p.rowsOf[p.shapeOf[c]][j]] = 1;
        re.lastIndex = Math.max(this.valueStart(c, j + 1) - start, m.index + 1);
      }
      start = end;
    }
    return true;
  }

  /** Column and value index holding byte offset `at` (after the header). */
  private valueAt(at: number): [number, number] {
    const { colStart, rowsOf, shapeOf } = this.parse();
    let lo = 0;
    let hi = colStart.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (colStart[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    // Index the column's values as far as `at`, then search the index.
    const count = rowsOf[shapeOf[lo]].length;
    this.valueStart(lo, 0);
    while (this.built[lo] < count && this.starts[lo][this.built[lo]] <= at)
      this.valueStart(lo, this.built[lo] + 1);
    const starts = this.starts[lo];
    let a = 0;
    let b = this.built[lo];
    while (a < b) {
      const mid = (a + b + 1) >>> 1;
      if (starts[mid] <= at) a = mid;
      else b = mid - 1;
    }
    return [lo, Math.min(a, count - 1)];
  }

  /** Rows whose keys (as JSON text) or verbatim text hold the token. */
  private markHeader(token: string, hit: Uint8Array): void {
    const { header, prefixes, rowsOf, pos } = this.parse();
    prefixes.forEach((pre, s) => {
      if (pre.join('').toLowerCase().includes(token)) for (const row of rowsOf[s]) hit[row] = 1;
    });
    header.s.forEach((s, row) => {
      if (s < 0 && header.v[pos[row]].toLowerCase().includes(token)) hit[row] = 1;
    });
  }
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
