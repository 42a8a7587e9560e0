// A one-byte text section of a block (messages that are all ASCII, or the latin1 ids) as a scan
// reads it: row i's text sliced straight from the bytes, and a token searched over ~32 KB latin1
// strings that are dropped right after (text-column.ts keeps its row-aligned chunks for the reader's
// life, which a collection during the scan then copies to the old generation). Other sections go to
// TextColumn.
import { isAscii } from 'node:buffer';
import { asciiTokenRegex, type RowSearch, TextColumn } from './text-column.js';

const CHUNK_BYTES = 32 * 1024;

/**
 * The ids section (trace and span ids, lowercase hex by normalizeHexId in every format): a lowercase
 * token is searched in the bytes by Buffer.indexOf, exact for lowercase text, with no string made
 * (a trace id search read each candidate group's ids as ~32 KB strings, ~80 KB of the V8 heap per group).
 */
export function readIds(bytes: Buffer, offsets: Uint32Array): RowSearch {
  return new LowercaseText(bytes, offsets);
}

export function readText(bytes: Buffer, offsets: Uint32Array, encoding: 'utf8' | 'latin1'): RowSearch {
  return encoding === 'latin1' || isAscii(bytes)
    ? new OneByteText(bytes, offsets)
    : new TextColumn(bytes, offsets, encoding);
}

class OneByteText implements RowSearch {
  constructor(
    protected readonly bytes: Buffer,
    /** Start offset of each row's text, length rows + 1 (bytes = characters here). */
    protected readonly offsets: Uint32Array,
  ) {}

  text(i: number): string {
    return this.bytes.toString('latin1', this.offsets[i], this.offsets[i + 1]);
  }

  markRows(token: string, hit: Uint8Array): boolean {
    return this.markChunks(token, hit);
  }

  protected markChunks(token: string, hit: Uint8Array): boolean {
    // Case-insensitive ASCII regex: finds what lowercasing + indexOf would (a token with other
    // characters cannot occur in ASCII text; latin1 ids are lowercase hex).
    const re = asciiTokenRegex(token);
    if (!re) return true;
    const { bytes, offsets } = this;
    const rows = offsets.length - 1;
    const end = offsets[rows];
    // Chunks overlap by the token's length - 1, so no occurrence is cut; a hit is taken from the
    // chunk it starts in.
    for (let start = offsets[0]; start < end; start += CHUNK_BYTES) {
      const stop = Math.min(end, start + CHUNK_BYTES);
      const chunk = bytes.toString('latin1', start, Math.min(end, stop + token.length - 1));
      re.lastIndex = 0;
      for (let m = re.exec(chunk); m && start + m.index < stop; m = re.exec(chunk)) {
        const at = start + m.index;
        const lo = rowHolding(offsets, at, 0, rows - 1);
        hit[lo] = 1;
        // Next search from the row's end: one hit per row is enough.
        re.lastIndex = Math.max(offsets[lo + 1] - start, m.index + 1);
      }
    }
    return true;
  }
}

/** One-byte text known to hold no upper-case letter (ids). */
class LowercaseText extends OneByteText {
  override markRows(token: string, hit: Uint8Array): boolean {
    if (!LOWER_ASCII.test(token)) return this.markChunks(token, hit);
    const { bytes, offsets } = this;
    const rows = offsets.length - 1;
    const end = offsets[rows];
    let lo = 0;
    for (let at = bytes.indexOf(token, offsets[0], 'latin1'); at >= 0 && at < end; ) {
      // hits come in order: search from the previous hit's row
      lo = rowHolding(offsets, at, lo, rows - 1);
      hit[lo] = 1;
      // Next search from the row's end: one hit per row is enough.
      at = bytes.indexOf(token, Math.max(offsets[lo + 1], at + 1), 'latin1');
    }
    return true;
  }
}

/** ASCII without upper-case letters (what a case-sensitive search finds case-insensitively in lowercase text). */
const LOWER_ASCII = /^[\x00-\x40\x5b-\x7f]*$/;

/** The row holding byte `at`: the last of rows lo..hi that starts at or before it. */
function rowHolding(offsets: Uint32Array, at: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (offsets[mid] <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
