// One decompressed text section of a block (messages, ids, or format-2/3 attributes): the rows' texts
// back to back, row i at [offsets[i], offsets[i + 1]) in UTF-16 units. Read side only.
//
// Why chunks: a string over 128 KB goes to V8's large-object space, and creating one costs about
// 10x a copy (measured: a 269 KB message section 0.31 ms as one latin1 string, 0.035 ms as 32 KB
// strings). Pure-ASCII sections (nearly all) are therefore decoded as row-aligned ~32 KB strings,
// each only when first needed; other sections as one UTF-8 string.
import { isAscii } from 'node:buffer';

const CHUNK_CHARS = 32 * 1024;

/** Rows with `token` in their lowercased text; one search per section rather than per row. */
export interface RowSearch {
  /** Sets hit[i] = 1 for rows that may hold `token`; false when it cannot tell (caller checks rows). */
  markRows(token: string, hit: Uint8Array): boolean;
  text(i: number): string;
}

export class TextColumn implements RowSearch {
  /** One byte per UTF-16 unit (latin1, or UTF-8 that is all ASCII): byte offsets are row offsets. */
  private readonly oneByte: boolean;
  private readonly ascii: boolean;
  /** Row index where each chunk starts, plus the row count at the end. */
  private readonly chunkRows: number[];
  private readonly chunks: (string | undefined)[];

  constructor(
    private readonly bytes: Buffer,
    /** Start offset of each row's text, length rows + 1. */
    private readonly offsets: Uint32Array,
    /** How the section was written: 'latin1' maps one byte to one unit, like ASCII. */
    encoding: 'utf8' | 'latin1',
  ) {
    const rows = offsets.length - 1;
    this.ascii = isAscii(bytes);
    this.oneByte = this.ascii || encoding === 'latin1';
    this.chunkRows = [0];
    if (this.oneByte) {
      for (let r = 0, start = 0; r < rows; r++) {
        if (offsets[r + 1] - start >= CHUNK_CHARS && r + 1 < rows) {
          this.chunkRows.push(r + 1);
          start = offsets[r + 1];
        }
      }
    }
    this.chunkRows.push(rows);
    this.chunks = new Array(this.chunkRows.length - 1);
  }

  private chunk(c: number): string {
    let s = this.chunks[c];
    if (s === undefined) {
      s = this.oneByte
        ? this.bytes.toString('latin1', this.offsets[this.chunkRows[c]], this.offsets[this.chunkRows[c + 1]])
        : this.bytes.toString('utf8');
      this.chunks[c] = s;
    }
    return s;
  }

  private chunkOf(row: number): number {
    const cr = this.chunkRows;
    let c = 0;
    while (cr[c + 1] <= row) c++;
    return c;
  }

  text(i: number): string {
    const c = this.chunkOf(i);
    const base = this.offsets[this.chunkRows[c]];
    return this.chunk(c).slice(this.offsets[i] - base, this.offsets[i + 1] - base);
  }

  markRows(token: string, hit: Uint8Array): boolean {
    const { offsets, chunkRows } = this;
    // ASCII text lowercases to ASCII, so a token with other characters cannot occur in it; for an
    // ASCII token an ASCII case-insensitive regex finds what lowercase + indexOf would, ~2x faster.
    const re = this.ascii ? asciiTokenRegex(token) : undefined;
    if (this.ascii && !re) return true;
    for (let c = 0; c + 1 < chunkRows.length; c++) {
      const first = chunkRows[c];
      const last = chunkRows[c + 1] - 1;
      if (first > last) continue;
      const base = offsets[first];
      const text = this.chunk(c);
      let lower = text;
      if (!re) {
        lower = text.toLowerCase();
        if (lower.length !== text.length) return false; // offsets would not map
      }
      let p = nextHit(lower, token, re, 0);
      while (p >= 0) {
        // The last row starting at or before the hit holds it.
        let lo = first;
        let hi = last;
        while (lo < hi) {
          const mid = (lo + hi + 1) >>> 1;
          if (offsets[mid] - base <= p) lo = mid;
          else hi = mid - 1;
        }
        hit[lo] = 1;
        p = nextHit(lower, token, re, Math.max(offsets[lo + 1] - base, p + 1));
      }
    }
    return true;
  }
}

function nextHit(text: string, token: string, re: RegExp | undefined, from: number): number {
  if (!re) return text.indexOf(token, from);
  re.lastIndex = from;
  return re.exec(text)?.index ?? -1;
}

/** A global case-insensitive regex for an ASCII token; undefined for a token with other characters. */
export function asciiTokenRegex(token: string): RegExp | undefined {
  for (let i = 0; i < token.length; i++) if (token.charCodeAt(i) > 127) return undefined;
  // V8 caches the compiled pattern by source and flags, so building one per section is cheap.
  return new RegExp(token.replace(/[^\w]/g, '\\$&'), 'gi');
}
