// Compression of stored event payloads. One leading format byte keeps old rows readable when the
// codec changes. Two ways in:
// - as sent (formats 3, 4): when the SDK compressed the request well (gzip or br) and it holds one
//   event, the stored payload is the request body as received plus where the event lies in it once
//   decoded; the accept path then compresses nothing (zstd took ~50 us of the ~350 us of CPU an
//   event cost in the ingest worker) and reading decodes the body and slices the event out.
// - zstd level 3 with a reused context otherwise: ~4x faster than brotli 5 on 20 KB events for
//   ~15% larger output, which keeps the accept path cheap and the database under 5 KB/event.
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Compressor, Decompressor } from 'zstd-napi';

const FORMAT_RAW = 0;
const FORMAT_BROTLI = 1;
const FORMAT_ZSTD = 2;
const FORMAT_GZIP_SLICE = 3;
const FORMAT_BROTLI_SLICE = 4;
const ZSTD_LEVEL = 3;
/** format byte, then the event's offset and length in the decoded body (uint32 LE each) */
const SLICE_HEADER_BYTES = 9;
/**
 * A body is kept as sent only if it is at most this share of the event's JSON. On the bench's
 * events zstd 3 makes 12.5 %, gzip -6 13.1 %, gzip -1 14.7 %, br 4 11.9 %: a body past 16 % is
 * stored with zstd instead, so what is kept as sent stays within ~30 % of zstd's size.
 */
const MAX_SENT_SHARE = 0.16;
/** A body is kept as sent only if it decodes to at most this many times its event's bytes: every
 * read of the event decodes the whole body (an envelope with attachments is stored with zstd). */
const MAX_DECODED_PER_EVENT = 2;

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

/**
 * The stored payload of an event that is `length` bytes at `offset` of the `decodedLength` bytes
 * the `body` decodes to, kept as the body was sent (`contentEncoding` gzip or br, nothing else);
 * null when the body is not a single such encoding, is not much smaller than the event (weak
 * compression) or decodes to much more than the event (other items), so reads stay cheap.
 */
export function payloadAsSent(
  body: Buffer,
  contentEncoding: string | undefined,
  where: { offset: number; length: number; decodedLength: number },
): Buffer | null {
  const { offset, length } = where;
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  const format =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? FORMAT_GZIP_SLICE
      : encoding === 'br'
        ? FORMAT_BROTLI_SLICE
        : null;
  if (
    format === null ||
    body.length > length * MAX_SENT_SHARE ||
    where.decodedLength > MAX_DECODED_PER_EVENT * length
  ) {
    return null;
  }
  const out = Buffer.allocUnsafeSlow(SLICE_HEADER_BYTES + body.length);
  out[0] = format;
  out.writeUInt32LE(offset, 1);
  out.writeUInt32LE(length, 5);
  body.copy(out, SLICE_HEADER_BYTES);
  return out;
}

export function decompressPayload(blob: Buffer): string {
  const format = blob[0];
  if (format === FORMAT_GZIP_SLICE || format === FORMAT_BROTLI_SLICE) {
    const offset = blob.readUInt32LE(1);
    const end = offset + blob.readUInt32LE(5);
    const sent = blob.subarray(SLICE_HEADER_BYTES);
    const decoded = format === FORMAT_GZIP_SLICE ? gunzipSync(sent) : brotliDecompressSync(sent);
    if (end > decoded.length) throw new Error('stored payload is shorter than its event');
    return decoded.toString('utf8', offset, end);
  }
  if (format === FORMAT_ZSTD) {
    decompressor ??= new Decompressor();
    return decompressor.decompress(blob.subarray(1)).toString('utf8');
  }
  if (format === FORMAT_BROTLI) return brotliDecompressSync(blob.subarray(1)).toString('utf8');
  if (format === FORMAT_RAW) return blob.subarray(1).toString('utf8');
  throw new Error(`unknown payload format ${format}`);
}
