// The read side of the store: which sealed and open blocks a query must look at (pruned by their time
// range, services, levels and bloom filters), and the answers built from summaries alone (histogram,
// stats). Functions of the store's state rather than methods, so the store class only wires them to
// LogStore; they run once per request, never per ingested row.
import { statSync } from 'node:fs';
import { LEVELS } from '../model.js';
import { MAX_BLOCK_RAW_BYTES } from './block-codec.js';
import { bloomMayMatch, tokenHash } from './bloom.js';
import { FieldCollector } from './fields.js';
import type { FieldInfo, HistogramQuery, HistogramResult, ScanFilter, StoreStats } from './log-store.js';
import type { OpenBlocks } from './open-blocks.js';
import { compareRows, splitNs } from './row.js';
import { type Candidate, RowsBatch } from './scan.js';
import type { ScanCache } from './scan-cache.js';
import type { SealedBlocks } from './sealed-blocks.js';

const MS_PER_MINUTE = 60_000;

/** What a read looks at: the sealed blocks, the open rows and the per-block cache of needle results. */
export interface ReadState {
  sealed: SealedBlocks;
  open: OpenBlocks;
  scanCache: ScanCache;
}

/** Sealed blocks and open blocks that may hold matches of `filter`, by summaries and blooms. */
export function candidates(state: ReadState, filter: ScanFilter): Candidate[] {
  const { sealed, open, scanCache } = state;
  const [fromMs] = splitNs(filter.fromNs);
  const [toMs] = splitNs(filter.toNs);
  const services = filter.services ? new Set(filter.services) : undefined;
  const minLevel = filter.minLevel ? LEVELS.indexOf(filter.minLevel) : 0;
  const tokens = filter.requiredTokens ?? [];
  const hashes = tokens.map(tokenHash);
  // Tokens only a trace or span id can hold: the attribute filter is not asked about them.
  const idOnly = filter.idTokens ? tokens.map((t) => filter.idTokens!.includes(t)) : undefined;
  const levelOk = (counts: number[]) => counts.some((n, level) => n > 0 && level >= minLevel);
  const out: Candidate[] = [];
  const minSeq = filter.minSeq ?? -1;
  for (const b of sealed.blocks.values()) {
    if (b.maxMs < fromMs || b.minMs > toMs) continue;
    if (b.maxSeq <= minSeq) continue;
    if (services && !b.services.some((s) => services.has(s))) continue;
    if (!levelOk(b.levelCounts)) continue;
    // sealed before 56ae859 bounded a block's text: its rows are made one at a time
    const oversized = b.rawBytes > MAX_BLOCK_RAW_BYTES;
    out.push({
      minMs: b.minMs,
      maxMs: b.maxMs,
      oversized,
      load: () => {
        let bloom: Buffer | undefined;
        if (hashes.length > 0) {
          bloom = sealed.bloom(b.id, hashes, idOnly);
          if (bloom && !bloomMayMatch(bloom, hashes, idOnly)) return undefined;
        }
        if (!sealed.blocks.has(b.id)) return undefined;
        // With the filter, the reader searches a token only in the sections that may hold it.
        // Oversized: not cached (the cache copies up to 256 rows of a result, 64 MB of a block of
        // 256 KB rows), and on buffers of its own, since the scan makes its rows when it visits them,
        // after it has read the blocks that overlap it (the shared buffers are theirs by then)
        if (oversized) return sealed.decode(b, bloom, true);
        return scanCache.load(b, filter, () => sealed.decode(b, bloom));
      },
    });
  }
  for (const b of open.byService.values()) {
    if (b.maxMs < fromMs || b.minMs > toMs) continue;
    const last = b.batches.at(-1); // batches come in seq order
    if (!last || last.seqBase + last.count - 1 <= minSeq) continue;
    if (!levelOk(b.levelCounts)) continue; // services are checked per row by the scan
    const snapshot = { batches: b.batches.slice(), sealedUpTo: b.sealedUpTo };
    out.push({
      minMs: b.minMs,
      maxMs: b.maxMs,
      load: () => new RowsBatch(open.rows(snapshot).sort(compareRows)),
    });
  }
  return out;
}

/** Level counts per step, from the sealed blocks' per-minute summaries and the open rows. */
export function histogram(state: ReadState, query: HistogramQuery): HistogramResult {
  const { sealed, open } = state;
  const stepMs = Math.max(
    MS_PER_MINUTE,
    Math.ceil(Number(query.stepNs / 1_000_000n) / MS_PER_MINUTE) * MS_PER_MINUTE,
  );
  const [fromMs] = splitNs(query.fromNs);
  const [toMs] = splitNs(query.toNs);
  const startMs = Math.floor(fromMs / stepMs) * stepMs;
  const n = Math.max(1, Math.ceil((toMs - startMs) / stepMs));
  const counts = Object.fromEntries(
    LEVELS.map((l) => [l, new Array<number>(n).fill(0)]),
  ) as HistogramResult['counts'];
  const minLevel = query.minLevel ? LEVELS.indexOf(query.minLevel) : 0;
  // Summaries are per minute: a minute counts when it overlaps [from, to) (width 60000 ms).
  const add = (ms: number, level: number, count: number, width: number) => {
    if (level < minLevel || ms + width <= fromMs || ms >= toMs) return;
    counts[LEVELS[level]][Math.floor((ms - startMs) / stepMs)] += count;
  };
  const services = query.services ? new Set(query.services) : undefined;
  for (const b of sealed.blocks.values()) {
    if (b.maxMs < fromMs || b.minMs > toMs || (services && !b.services.some((s) => services.has(s))))
      continue;
    const mc = b.minuteCounts;
    for (let i = 0; i < mc.length; i += 4) {
      if (services && !services.has(b.services[mc[i + 3]])) continue;
      add(mc[i] * MS_PER_MINUTE, mc[i + 1], mc[i + 2], MS_PER_MINUTE);
    }
  }
  for (const b of open.byService.values()) {
    for (const r of open.rows(b)) if (!services || services.has(r.service)) add(r.ms, r.level, 1, 1);
  }
  return { startNs: BigInt(startMs) * 1_000_000n, stepNs: BigInt(stepMs) * 1_000_000n, counts };
}

/** Fields and their frequent values in the newest candidate blocks of `filter`. */
export function fields(
  state: ReadState,
  filter: ScanFilter,
  options: { maxBlocks?: number; maxValues?: number } = {},
): FieldInfo[] {
  const fields = new FieldCollector();
  const cands = candidates(state, filter).sort((a, b) => b.maxMs - a.maxMs);
  for (const c of cands.slice(0, options.maxBlocks ?? 4)) {
    const batch = c.load();
    if (!batch) continue;
    for (let i = 0; i < batch.count; i++) fields.add(batch.row(i));
  }
  return fields.result(options.maxValues ?? 10);
}

/** Counts and sizes of the sealed and open rows; `dbFile` is the SQLite file (its -wal counts too). */
export function storeStats(state: ReadState, dbFile: string): StoreStats {
  const { sealed: sealedBlocks, open } = state;
  let sealed = 0;
  let raw = 0;
  let stored = 0;
  let oldest = Number.POSITIVE_INFINITY;
  let newest = Number.NEGATIVE_INFINITY;
  const services = new Set<string>();
  for (const b of sealedBlocks.blocks.values()) {
    sealed += b.rows;
    raw += b.rawBytes;
    stored += b.storedBytes;
    oldest = Math.min(oldest, b.minMs);
    newest = Math.max(newest, b.maxMs);
    for (const s of b.services) services.add(s);
  }
  for (const b of open.byService.values()) {
    for (const batch of b.batches) {
      // A batch sealed in part counts its open share of the raw bytes.
      const open = batch.seqBase + batch.count - Math.max(batch.seqBase, b.sealedUpTo + 1);
      raw += Math.round((batch.rawBytes * open) / batch.count);
      for (const s of batch.services) services.add(s);
    }
    oldest = Math.min(oldest, b.minMs);
    newest = Math.max(newest, b.maxMs);
  }
  let diskBytes = 0;
  for (const f of [dbFile, `${dbFile}-wal`]) {
    try {
      diskBytes += statSync(f).size;
    } catch {}
  }
  return {
    blocks: sealedBlocks.blocks.size,
    sealedRecords: sealed,
    openRecords: open.total,
    rawBytes: raw,
    storedBytes: stored,
    diskBytes,
    oldestNs: Number.isFinite(oldest) ? BigInt(oldest) * 1_000_000n : undefined,
    newestNs: Number.isFinite(newest) ? BigInt(newest) * 1_000_000n : undefined,
    services: [...services].sort(),
  };
}
