// Compression of stored event payloads. One leading format byte keeps old rows readable when the
// codec changes. zstd level 3 with a reused context: ~4x faster than brotli 5 on 20 KB events
// for ~15% larger output, which keeps the accept path cheap and the database under 5 KB/event.
import { brotliDecompressSync } from 'node:zlib';
import { Compressor, Decompressor } from 'zstd-napi';

const FORMAT_RAW = 0;
const FORMAT_BROTLI = 1;
const FORMAT_ZSTD = 2;
const ZSTD_LEVEL = 3;

let compressor: Compressor | null = null;
let decompressor: Decompressor | null = null;

export function compressPayload(json: string | Buffer): Buffer {
  if (!compressor) {
    compressor = new Compressor();
    compressor.setParameters({ compressionLevel: ZSTD_LEVEL });
  }
  const packed = compressor.compress(typeof json === 'string' ? Buffer.from(json, 'utf8') : json);
  // its own ArrayBuffer (not a slice of Node's 8 KB pool), so a worker can transfer it, not copy it
  const out = Buffer.allocUnsafeSlow(packed.length + 1);
  out[0] = FORMAT_ZSTD;
  packed.copy(out, 1);
  return out;
}

export function decompressPayload(blob: Buffer): string {
  const format = blob[0];
  if (format === FORMAT_ZSTD) {
    decompressor ??= new Decompressor();
    return decompressor.decompress(blob.subarray(1)).toString('utf8');
  }
  if (format === FORMAT_BROTLI) return brotliDecompressSync(blob.subarray(1)).toString('utf8');
  if (format === FORMAT_RAW) return blob.subarray(1).toString('utf8');
  throw new Error(`unknown payload format ${format}`);
}
