// Snappy block format (google/snappy format_description.txt): the block starts with the length of
// the uncompressed data as a little-endian varint of at most 32 bits. Read before decompressing so a
// body that claims more than a limit is refused without allocating its output.

/** The uncompressed length a snappy block declares, or -1 when its preamble is malformed. */
export function snappyDecodedLength(block: Uint8Array): number {
  let value = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const b = block[i];
    value += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) return value <= 0xffffffff ? value : -1;
  }
  return -1;
}
