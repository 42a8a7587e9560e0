// Compression of stored event payloads. One leading format byte keeps old rows readable when the
// codec changes. Brotli at a low quality compresses JSON with repeated keys and context lines
// about as well as zstd -3 and is in node:zlib, so no native dependency is needed.
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

const FORMAT_BROTLI = 1;
const FORMAT_RAW = 0;
const BROTLI_QUALITY = 5;

export function compressPayload(json: string): Buffer {
  const raw = Buffer.from(json, 'utf8');
  const packed = brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
  return Buffer.concat([Buffer.from([FORMAT_BROTLI]), packed]);
}

export function decompressPayload(blob: Buffer): string {
  const format = blob[0];
  if (format === FORMAT_BROTLI) return brotliDecompressSync(blob.subarray(1)).toString('utf8');
  if (format === FORMAT_RAW) return blob.subarray(1).toString('utf8');
  throw new Error(`unknown payload format ${format}`);
}
