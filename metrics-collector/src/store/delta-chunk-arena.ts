// The bytes of every open head chunk (delta-chunk.ts) live in blocks carved from 256 KB pages
// instead of one ArrayBuffer per series. Per series that saves the Uint8Array and ArrayBuffer
// objects (~200 bytes of V8 heap) and a malloc block; more importantly, the long-lived chunk bytes
// no longer sit interleaved in the malloc heap with the per-request buffers (snappy output, bodies),
// whose freed holes stayed resident. Blocks come in size classes and freed blocks are reused by the
// next chunk of that class; pages are never given back (they are reused, and the heads of a running
// collector only grow with its series). One arena per process, like malloc: every store shares it.

/** Page size: above glibc's default mmap threshold, so pages are mapped (and zero) on their own. */
export const ARENA_PAGE_BYTES = 256 * 1024;

/** Block size for a request of n bytes: 64-byte steps to 2 KB (a head chunk of 360-720 samples
 * takes 0.7-1.5 KB), 256 to 8 KB, 1 KB above. */
export function arenaBlockBytes(n: number): number {
  if (n <= 2048) return Math.max(64, Math.ceil(n / 64) * 64);
  if (n <= 8192) return Math.ceil(n / 256) * 256;
  return Math.ceil(n / 1024) * 1024;
}

interface SizeClass {
  /** Handles of freed blocks. */
  free: number[];
  /** Next unused block of this class (a handle), and where its page ends. */
  next: number;
  end: number;
}

export class DeltaChunkArena {
  readonly pages: Uint8Array[] = [];
  private readonly classes = new Map<number, SizeClass>();

  /** A block of `arenaBlockBytes(n)` bytes, as a handle: page index × ARENA_PAGE_BYTES + offset. */
  alloc(n: number): number {
    const size = arenaBlockBytes(n);
    if (size > ARENA_PAGE_BYTES) throw new RangeError(`arena block of ${n} bytes is larger than a page`);
    let c = this.classes.get(size);
    if (!c) {
      c = { free: [], next: 0, end: 0 };
      this.classes.set(size, c);
    }
    const reused = c.free.pop();
    if (reused !== undefined) return reused;
    if (c.next + size > c.end) {
      c.next = this.pages.length * ARENA_PAGE_BYTES;
      c.end = c.next + ARENA_PAGE_BYTES;
      this.pages.push(new Uint8Array(ARENA_PAGE_BYTES));
    }
    const at = c.next;
    c.next += size;
    return at;
  }

  /** Returns a block from alloc(n) (same n, or any n of the same block size). */
  release(at: number, n: number): void {
    const size = arenaBlockBytes(n);
    this.classes.get(size)!.free.push(at);
  }

  page(at: number): Uint8Array {
    return this.pages[Math.floor(at / ARENA_PAGE_BYTES)];
  }
}

/** The process's arena for head-chunk bytes. */
export const headArena = new DeltaChunkArena();
