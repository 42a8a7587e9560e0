// Snappy block format (not framed), as Loki protobuf pushes use it. The uncompressed length heads the
// block as a varint, so the size limit is checked before any memory is spent.
import { ParseError, TooLarge } from '@flowrent/shared/errors';
import { uncompressSync } from 'snappy';
import { MAX_REQUEST_BYTES } from './limits.js';

export function snappyDecodedLength(buf: Uint8Array): number | undefined {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 5 && i < buf.length; i++) {
    result += (buf[i] & 0x7f) * mul;
    if (buf[i] < 0x80) return result;
    mul *= 128;
  }
  return undefined;
}

export function uncompressSnappy(buf: Uint8Array): Buffer {
  const n = snappyDecodedLength(buf);
  if (n === undefined) throw new ParseError('body is not snappy block data');
  if (n > MAX_REQUEST_BYTES)
    throw new TooLarge(
      `decompressed body would be ${n} bytes, over MAX_REQUEST_BYTES = ${MAX_REQUEST_BYTES}`,
      {
        limit: 'MAX_REQUEST_BYTES',
        limit_bytes: MAX_REQUEST_BYTES,
      },
    );
  try {
    return uncompressSync(buf, { asBuffer: true }) as Buffer;
  } catch (err) {
    throw new ParseError(`body is not valid snappy block data: ${(err as Error).message}`);
  }
}
