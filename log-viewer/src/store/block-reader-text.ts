// A one-byte text section of a block (messages that are all ASCII, or the latin1 ids) as a scan
// reads it: row i's text sliced straight from the bytes, and a token searched over ~32 KB latin1
// strings that are dropped right after (text-column.ts keeps its row-aligned chunks for the reader's
// life, which a collection during the scan then copies to the old generation). Other sections go to
// TextColumn.
import { isAscii } from 'node:buffer';
import { asciiTokenRegex, type RowSearch, TextColumn } from './text-column.js';

const CHUNK_BYTES = 32 * 1024;

export function readText(bytes: Buffer, offsets: Uint32Array, encoding: 'utf8' | 'latin1'): RowSearch {
  return encoding === 'latin1' || isAscii(bytes)
    ? new OneByteText(bytes, offsets)
    : new TextColumn(bytes, offsets, encoding);
}

class OneByteText implements RowSearch {
  constructor(
    private readonly bytes: Buffer,
    /** Start offset of each row's text, length rows + 1 (bytes = characters here). */
    private readonly offsets: Uint32Array,
  ) {}

  text(i: number): string {
    return this.bytes.toString('latin1', this.offsets[i], this.offsets[i + 1]);
  }

  markRows(token: string, hit: Uint8Array): boolean {
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
        // The last row starting at or before the hit holds it.
        let lo = 0;
        let hi = rows - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >>> 1;
          if (offsets[mid] <= at) lo = mid;
          else hi = mid - 1;
        }
        hit[lo] = 1;
        // Next search from the row's end: one hit per row is enough.
        re.lastIndex = Math.max(offsets[lo + 1] - start, m.index + 1);
      }
    }
    return true;
  }
}
