// An ASCII text section of a block (messages that are all ASCII, or the ids) as a scan reads it: row
// i's text sliced straight from the bytes, and a token searched in the bytes by Buffer.indexOf, in a
// lowercased copy of the section (messages) or in the section itself (ids, lowercase already). No
// string is made for a search: the ~32 KB latin1 strings a regex searched before cost a copy into
// the V8 heap and its collections (~70 KB a needle's row group). Other sections go to TextColumn.
import { isAscii } from 'node:buffer';
import { type RowSearch, TextColumn } from './text-column.js';

/**
 * A section is lowercased and searched this many bytes at a time (plus a token's length of overlap),
 * in one reused buffer: an old oversized block's section (hundreds of MB) is not copied whole.
 */
const WINDOW_BYTES = 4 * 1024 * 1024;
let lowered = Buffer.alloc(0);

/**
 * The ids section (trace and span ids, lowercase hex by normalizeHexId in every format): a lowercase
 * token is searched in the bytes by Buffer.indexOf, exact for lowercase text, with no string made
 * (a trace id search read each candidate group's ids as ~32 KB strings, ~80 KB of the V8 heap per group).
 */
export function readIds(bytes: Buffer, offsets: Uint32Array): RowSearch {
  return new LowercaseText(bytes, offsets);
}

export function readText(bytes: Buffer, offsets: Uint32Array, encoding: 'utf8' | 'latin1'): RowSearch {
  return isAscii(bytes) ? new OneByteText(bytes, offsets) : new TextColumn(bytes, offsets, encoding);
}

/** ASCII text (every byte below 0x80). */
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
    const lower = lowerAsciiToken(token);
    if (lower === undefined) return true; // a token with other characters is not in ASCII text
    const { bytes, offsets } = this;
    const end = offsets[offsets.length - 1];
    // Finds what lowercasing the text and indexOf would, as the case-insensitive regex did. Windows
    // overlap by the token's length - 1, so no occurrence is cut; a hit is taken in the window it
    // starts in.
    for (let start = offsets[0]; start < end; start += WINDOW_BYTES) {
      const stop = Math.min(end, start + WINDOW_BYTES);
      const text = lowerAscii(bytes, start, Math.min(end, stop + lower.length - 1));
      markHits(text, start, stop, offsets, lower, hit);
    }
    return true;
  }
}

/** One-byte text known to hold no upper-case letter (ids). */
class LowercaseText extends OneByteText {
  override markRows(token: string, hit: Uint8Array): boolean {
    const lower = lowerAsciiToken(token);
    if (lower === undefined) return true;
    const { bytes, offsets } = this;
    const base = offsets[0];
    const end = offsets[offsets.length - 1];
    markHits(bytes.subarray(base, end), base, end, offsets, lower, hit);
    return true;
  }
}

/** The token lowercased, or undefined when it has a character beyond ASCII. */
function lowerAsciiToken(token: string): string | undefined {
  for (let i = 0; i < token.length; i++) if (token.charCodeAt(i) > 127) return undefined;
  return token.toLowerCase();
}

/** Marks the rows holding `token` at a start before `stop` in `text`, the section's bytes from `base` on. */
function markHits(
  text: Buffer,
  base: number,
  stop: number,
  offsets: Uint32Array,
  token: string,
  hit: Uint8Array,
): void {
  const rows = offsets.length - 1;
  let lo = 0;
  for (let at = text.indexOf(token, 0, 'latin1'); at >= 0 && base + at < stop; ) {
    // hits come in order: search from the previous hit's row
    lo = rowHolding(offsets, base + at, lo, rows - 1);
    hit[lo] = 1;
    // Next search from the row's end: one hit per row is enough.
    at = text.indexOf(token, Math.max(offsets[lo + 1] - base, at + 1), 'latin1');
  }
}

/**
 * A lowercased copy of ASCII bytes [from, to), valid until the next call: copied natively, then four
 * bytes at a time. Below 0x80, adding 0x3f to a byte sets its top bit exactly when it is >= 'A', and
 * adding 0x25 when it is >= '[' (neither carries into the next byte): the difference marks 'A'-'Z'.
 */
export function lowerAscii(src: Buffer, from: number, to: number): Buffer {
  const n = to - from;
  // The last word is padded with zeros rather than finished byte by byte: a byte loop that the
  // optimized code had never run deoptimized it on every section whose length is not a multiple of 4.
  const words = (n + 3) >>> 2;
  let dst = lowered;
  if (dst.length < words * 4) {
    // Grown by half again (a window and a token at most, for markRows).
    dst = Buffer.allocUnsafeSlow(Math.max(words * 4, Math.min(WINDOW_BYTES, Math.ceil(dst.length * 1.5))));
    lowered = dst;
  }
  src.copy(dst, 0, from, to);
  dst.fill(0, n, words * 4);
  const w = new Int32Array(dst.buffer, dst.byteOffset, words);
  for (let i = 0; i < words; i++) {
    const x = w[i];
    w[i] = x | (((x + 0x3f3f3f3f) & ~(x + 0x25252525) & 0x80808080) >>> 2);
  }
  return dst.subarray(0, n);
}

/** The row holding byte `at`: the last of rows lo..hi that starts at or before it. */
function rowHolding(offsets: Uint32Array, at: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (offsets[mid] <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
