// Zstandard (RFC 8878) request bodies, as the OpenTelemetry Collector (`compression: zstd`), Vector
// and Fluent Bit send them. Decoded in bounded steps so a frame that declares (or expands to) more
// than the cap stops there instead of allocating it (zstd-napi's own decompress() trusts the header).
import { createRequire } from 'node:module';
import { ParseError, TooLarge } from '@flowrent/shared/errors';

const { DCtx, dStreamOutSize } = createRequire(import.meta.url)(
  'zstd-napi/binding.js',
) as typeof import('zstd-napi/binding.js');

const STEP_BYTES = dStreamOutSize();

export function decodeZstdBody(body: Buffer, maxDecodedBytes: number): Buffer {
  const dctx = new DCtx();
  const parts: Buffer[] = [];
  let total = 0;
  let input: Uint8Array = body;
  let hint = 1;
  while (input.length > 0) {
    const out = Buffer.allocUnsafe(Math.min(Math.max(STEP_BYTES, input.length), maxDecodedBytes + 1));
    let produced: number;
    let consumed: number;
    try {
      [hint, produced, consumed] = dctx.decompressStream(out, input);
    } catch (err) {
      throw new ParseError(`body is not valid zstd data: ${(err as Error).message}`);
    }
    total += produced;
    if (total > maxDecodedBytes)
      throw new TooLarge(`decompressed body exceeds ${maxDecodedBytes} bytes`, {
        limit_bytes: maxDecodedBytes,
      });
    if (produced === 0 && consumed === 0) break;
    parts.push(out.subarray(0, produced));
    input = input.subarray(consumed);
  }
  // the hint is 0 once a frame is complete: anything else is a truncated body
  if (hint !== 0) throw new ParseError('body is not valid zstd data: truncated frame');
  return parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
}
