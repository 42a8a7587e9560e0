// Work that rewrites sealed blocks: merging runs of small blocks, retention by age and size, and
// deletes. Each swaps old blocks for new ones (or none) in one transaction and keeps the in-memory
// view (sealed-blocks.ts) in step. Run from the store's background tick or an admin request, never
// on the ingest path.
import { LEVELS } from '../model.js';
import type { ReportError } from './background-errors.js';
import { type EncodedBlock, encodeBlock } from './block-codec.js';
import type { BlockDb, BlockMeta } from './block-db.js';
import { bloomMayMatch, tokenHash } from './bloom.js';
import type { DeleteQuery, RetentionPolicy, ScanFilter } from './log-store.js';
import type { OpenBlocks } from './open-blocks.js';
import { type Row, splitNs, toRecord } from './row.js';
import type { SealedBlocks } from './sealed-blocks.js';

const MS_PER_MINUTE = 60_000;
/** Merged blocks do not span more than this, so time pruning stays sharp. */
const MAX_MERGED_SPAN_MS = 60 * MS_PER_MINUTE;

export class BlockRewrites {
  /** Blocks whose merge failed: left as they are rather than retried every tick. */
  private readonly unmergeable = new Set<number>();

  constructor(
    private readonly sql: BlockDb,
    private readonly sealed: SealedBlocks,
    private readonly blockRows: number,
    private readonly report: ReportError,
  ) {}

  /** Merges runs of small adjacent blocks into one block (one merge per call). */
  mergeSmallBlocks(): boolean {
    // One stream: small blocks of any services (format-2 per-service blocks too) merge together.
    const list: BlockMeta[] = [];
    for (const b of this.sealed.blocks.values())
      if (b.rows < this.blockRows / 2 && !this.unmergeable.has(b.id)) list.push(b);
    if (list.length < 2) return false;
    list.sort((a, b) => a.minMs - b.minMs);
    for (let i = 0; i < list.length - 1; i++) {
      const run = [list[i]];
      let rows = list[i].rows;
      for (let j = i + 1; j < list.length; j++) {
        const b = list[j];
        if (rows + b.rows > this.blockRows || b.maxMs - run[0].minMs > MAX_MERGED_SPAN_MS) break;
        run.push(b);
        rows += b.rows;
      }
      if (run.length < 2) continue;
      try {
        this.replaceBlocks(
          run,
          run.flatMap((b) => this.sealed.decode(b).allRows()),
        );
      } catch (err) {
        // The blocks stay as they are (the transaction rolled back), searchable, just not merged.
        for (const b of run) this.unmergeable.add(b.id);
        this.report(err, `merging blocks ${run.map((b) => b.id).join(', ')} (left unmerged)`);
      }
      return true;
    }
    return false;
  }

  /** Swaps blocks for new ones holding `rows` in one transaction. */
  private replaceBlocks(old: BlockMeta[], rows: Row[]): void {
    const encoded: EncodedBlock[] = [];
    for (let i = 0; i < rows.length; i += this.blockRows)
      encoded.push(encodeBlock(rows.slice(i, i + this.blockRows)));
    const generation = Math.max(...old.map((b) => b.generation)) + 1;
    const metas = this.sql.transaction(() => {
      for (const b of old) this.sql.deleteBlock(b.id);
      return encoded.map((e) => this.sql.insertBlock(e, generation));
    });
    for (const b of old) this.sealed.drop(b.id);
    for (let i = 0; i < metas.length; i++) this.sealed.add(metas[i], encoded[i].bloom);
  }

  private dropBlocks(list: BlockMeta[]): void {
    this.sql.transaction(() => {
      for (const b of list) this.sql.deleteBlock(b.id);
    });
    for (const b of list) this.sealed.drop(b.id);
  }

  /**
   * Deletes (or with dryRun only counts) the rows matching `query`: sealed blocks are rewritten; the
   * open rows are only counted, so the caller flushes them into blocks first when not a dry run.
   */
  deleteWhere(query: DeleteQuery, open: OpenBlocks): number {
    let matched = 0;
    const hits = deleteMatcher(query);
    const keep = (row: Row): boolean => {
      const hit = hits(row);
      if (hit) matched++;
      return !hit;
    };
    for (const b of [...this.sealed.blocks.values()]) {
      if (!this.blockInScope(b, query)) continue;
      const rows = this.sealed.decode(b).allRows();
      const kept = rows.filter(keep);
      if (query.dryRun || kept.length === rows.length) continue;
      if (kept.length === 0) this.dropBlocks([b]);
      else this.replaceBlocks([b], kept);
    }
    if (query.dryRun) matched += countOpenMatches(query, open);
    if (!query.dryRun) this.sql.reclaimSpace();
    return matched;
  }

  private blockInScope(b: BlockMeta, f: ScanFilter): boolean {
    const [fromMs] = splitNs(f.fromNs);
    const [toMs] = splitNs(f.toNs);
    if (b.maxMs < fromMs || b.minMs > toMs) return false;
    if (f.services && !b.services.some((s) => f.services!.includes(s))) return false;
    const hashes = (f.requiredTokens ?? []).map(tokenHash);
    if (hashes.length === 0) return true;
    const bloom = this.sealed.bloom(b.id);
    return !bloom || bloomMayMatch(bloom, hashes);
  }

  applyRetention(policy: RetentionPolicy, nowNs: bigint): number {
    const blocks = this.sealed.blocks;
    const [nowMs] = splitNs(nowNs);
    /** Rows of a service older than this go (-Infinity: kept forever). */
    const cutoff = (service: string): number => {
      const maxAge = policy.perService?.[service]?.maxAgeNs ?? policy.maxAgeNs;
      return maxAge === undefined ? Number.NEGATIVE_INFINITY : nowMs - Number(maxAge / 1_000_000n);
    };
    const drop = new Set<BlockMeta>();
    const trim: BlockMeta[] = [];
    for (const b of blocks.values()) {
      if (b.services.every((s) => b.maxMs < cutoff(s))) drop.add(b);
      else if (b.services.length > 1 && b.minMs < Math.max(...b.services.map(cutoff))) {
        // A block shared by services with different ages: trim when a service's oldest minute expired.
        const oldest = new Map<string, number>();
        const mc = b.minuteCounts;
        for (let i = 0; i < mc.length; i += 4) {
          const s = b.services[mc[i + 3]];
          if (!oldest.has(s)) oldest.set(s, mc[i] * MS_PER_MINUTE);
        }
        if ([...oldest].some(([s, ms]) => ms < cutoff(s))) trim.push(b);
      }
    }
    let dropped = 0;
    for (const b of trim) {
      const rows = this.sealed.decode(b).allRows();
      const kept = rows.filter((r) => r.ms >= cutoff(r.service));
      if (kept.length === rows.length) continue;
      if (kept.length === 0) {
        drop.add(b);
        continue;
      }
      dropped += rows.length - kept.length;
      this.replaceBlocks([b], kept);
    }
    if (policy.maxBytes !== undefined) {
      let total = 0;
      for (const b of blocks.values()) if (!drop.has(b)) total += b.storedBytes;
      const oldestFirst = [...blocks.values()].filter((b) => !drop.has(b)).sort((a, b) => a.maxMs - b.maxMs);
      for (const b of oldestFirst) {
        if (total <= policy.maxBytes) break;
        drop.add(b);
        total -= b.storedBytes;
      }
    }
    if (drop.size === 0) {
      if (dropped > 0) this.sql.reclaimSpace();
      return dropped;
    }
    const list = [...drop];
    this.dropBlocks(list);
    this.sql.reclaimSpace();
    return dropped + list.reduce((n, b) => n + b.rows, 0);
  }
}

/** Whether a row is one a delete takes: in its time range, level, services and predicate. */
function deleteMatcher(query: DeleteQuery): (row: Row) => boolean {
  const [fromMs, fromSub] = splitNs(query.fromNs);
  const [toMs, toSub] = splitNs(query.toNs);
  const minLevel = query.minLevel ? LEVELS.indexOf(query.minLevel) : 0;
  return (row) =>
    (row.ms > fromMs || (row.ms === fromMs && row.subNs >= fromSub)) &&
    (row.ms < toMs || (row.ms === toMs && row.subNs < toSub)) &&
    row.level >= minLevel &&
    (!query.services || query.services.includes(row.service)) &&
    (!query.predicate || query.predicate(toRecord(row)));
}

/** Open (not yet sealed) rows a delete would take. */
export function countOpenMatches(query: DeleteQuery, open: OpenBlocks): number {
  const hits = deleteMatcher(query);
  let n = 0;
  for (const b of open.byService.values()) for (const r of open.rows(b)) if (hits(r)) n++;
  return n;
}
