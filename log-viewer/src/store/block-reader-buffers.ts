// Reusable decompression output and column arrays for block readers used one after another (a scan,
// fields). Each block used to get new Buffers for its sections and new typed arrays for its meta
// columns: ~1.5 MB of memory outside the V8 heap per 8k-row block that lives until a collection, so
// a needle query over ~80 blocks grew the server's RSS by ~40 MB (freed memory stays with malloc)
// and paid for fresh pages. Here one buffer per section kind and one array per column are kept and
// reused, and one zstd context.
//
// A reader made with these buffers may read its sections only until the next reader takes them:
// every reader takes a lease, and a reader whose lease is no longer the current one throws instead of
// reading another block's bytes (readers are used one at a time: load, search, rows, next block).
import { createRequire } from 'node:module';
import { decompress } from 'zstd-napi';
import { releaseBody } from './open-blocks.js';

// zstd-napi's documented low-level module (decompression into a given buffer); CommonJS whose
// exports ES module named imports cannot see.
const { DCtx, findFrameCompressedSize, getFrameContentSize } = createRequire(import.meta.url)(
  'zstd-napi/binding.js',
) as typeof import('zstd-napi/binding.js');

/** Sections larger than this get their own buffer, so what is kept between queries stays small. */
const MAX_KEPT_BYTES = 4 * 1024 * 1024;
/** Column arrays of blocks with more rows than this are allocated per reader. */
const MAX_KEPT_ROWS = 65_536;

export class SectionBuffers {
  private readonly dctx = new DCtx();
  private readonly kept: Buffer[] = [];
  private readonly f64: Float64Array[] = [];
  private readonly u32: Uint32Array[] = [];
  private readonly u8: Uint8Array[] = [];
  private current = 0;
  /** The current reader's block, and the next reader's, when the caller handed them over (adopt). */
  private owned?: Uint8Array;
  private adopted?: Uint8Array;

  /**
   * Hands over the block the next reader is made on, when the caller holds no other reference to it
   * (a blob just read from SQLite): its memory is freed as soon as the reader after that takes the
   * buffers. A blob (~190 KB for 8k rows) otherwise lived until a collection found it: a needle query
   * over ~75 candidate blocks left ~15 MB of them in malloc's arena, which kept the pages resident.
   */
  adopt(block: Uint8Array): void {
    this.adopted = block;
  }

  /** Takes the buffers for a new reader; readers with older leases may no longer read sections. */
  lease(): number {
    // The previous reader may no longer read its sections, so its block is no longer needed either.
    if (this.owned) releaseBody(this.owned);
    this.owned = this.adopted;
    this.adopted = undefined;
    return ++this.current;
  }

  /** Throws when `lease` is not the current one. */
  check(lease: number): void {
    if (lease !== this.current) throw new Error('block reader used after its section buffers were reused');
  }

  /** Decompresses a section into buffer `slot` (one per section kind); the view is valid until the next lease. */
  decompress(slot: number, frame: Uint8Array): Buffer {
    const size = getFrameContentSize(frame);
    // One frame with its size in the header (what compress() writes); anything else the simple way.
    if (size === null || size > MAX_KEPT_BYTES || findFrameCompressedSize(frame) !== frame.length)
      return decompress(frame);
    let buf = this.kept[slot];
    if (!buf || buf.length < size) {
      // Grown by half again, so a run of slightly larger blocks does not reallocate each time.
      buf = Buffer.allocUnsafe(Math.min(MAX_KEPT_BYTES, Math.max(size, Math.ceil((buf?.length ?? 0) * 1.5))));
      this.kept[slot] = buf;
    }
    const out = buf.subarray(0, size);
    const n = this.dctx.decompress(out, frame);
    if (n !== size) throw new Error(`zstd section: ${n} bytes, header says ${size}`);
    return out;
  }

  /** Column array `slot` with n elements (contents undefined), valid until the next lease. */
  float64(slot: number, n: number): Float64Array {
    return this.array(this.f64, slot, n, Float64Array);
  }

  uint32(slot: number, n: number): Uint32Array {
    return this.array(this.u32, slot, n, Uint32Array);
  }

  uint8(slot: number, n: number): Uint8Array {
    return this.array(this.u8, slot, n, Uint8Array);
  }

  private array<T extends Float64Array | Uint32Array | Uint8Array>(
    kept: T[],
    slot: number,
    n: number,
    Type: { new (n: number): T },
  ): T {
    if (n > MAX_KEPT_ROWS + 1) return new Type(n);
    let a = kept[slot];
    if (!a || a.length < n) {
      a = new Type(Math.max(n, 8193));
      kept[slot] = a;
    }
    return a.subarray(0, n) as T;
  }

  /** Bytes held between uses (tests, stats). */
  get bytes(): number {
    let n = 0;
    for (const a of [...this.kept, ...this.f64, ...this.u32, ...this.u8]) n += a?.byteLength ?? 0;
    return n;
  }
}
