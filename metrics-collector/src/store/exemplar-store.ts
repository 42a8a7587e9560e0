// Exemplars per series in one bounded circular buffer, like Prometheus' CircularExemplarStorage
// (tsdb/exemplar.go, `--storage.tsdb.max-exemplars`): a new exemplar overwrites the oldest one of
// all series once the buffer is full; each series threads its own exemplars through the buffer
// oldest → newest. Same validation as Prometheus: an exemplar equal to the series' newest is a
// duplicate (dropped quietly: clients resend their last exemplar), one not newer than it is out of
// order, label sets longer than 128 characters are refused. In memory only. Pure: no I/O.
import type { Labels } from '../promql/sample-source.js';

export const DEFAULT_MAX_EXEMPLARS = 100_000;
/** Prometheus' exemplar.ExemplarMaxLabelSetLength: runes of all names and values together. */
export const EXEMPLAR_MAX_LABEL_SET_LENGTH = 128;

export interface Exemplar {
  labels: Labels;
  value: number;
  timestampMs: number;
}

export interface SeriesExemplars {
  seriesLabels: Labels;
  exemplars: Exemplar[];
}

export type AddResult = 'added' | 'duplicate' | 'out_of_order' | 'too_long' | 'disabled';

interface SeriesEntry {
  key: number | string;
  labels: Labels;
  oldest: number;
  newest: number;
}

interface Slot {
  series: SeriesEntry;
  exemplar: Exemplar;
  /** The next-newer slot of the same series, -1 for its newest. */
  next: number;
}

export class ExemplarStore {
  private readonly slots: (Slot | undefined)[];
  private nextIndex = 0;
  private readonly series = new Map<number | string, SeriesEntry>();
  stats = { added: 0, duplicates: 0, outOfOrder: 0, tooLong: 0 };

  constructor(readonly capacity = DEFAULT_MAX_EXEMPLARS) {
    // Grows as exemplars arrive (slots fill in index order), up to `capacity`: preallocating held
    // 0.8 MB (100k holes) from start-up in every collector, also in those that never get one.
    this.slots = [];
  }

  /** Exemplars held now (≤ capacity). */
  get size(): number {
    let n = 0;
    for (const s of this.series.values()) for (let i = s.oldest; i !== -1; i = this.slots[i]!.next) n++;
    return n;
  }

  /**
   * Adds an exemplar to the series identified by `key` (a series id or any stable key);
   * `seriesLabels` is called only when the series has no exemplar yet.
   */
  add(key: number | string, seriesLabels: () => Labels, e: Exemplar): AddResult {
    if (this.capacity <= 0) return 'disabled';
    if (labelSetLength(e.labels) > EXEMPLAR_MAX_LABEL_SET_LENGTH) {
      this.stats.tooLong++;
      return 'too_long';
    }
    let entry = this.series.get(key);
    if (entry) {
      const newest = this.slots[entry.newest]!.exemplar;
      if (sameExemplar(newest, e)) {
        this.stats.duplicates++;
        return 'duplicate';
      }
      if (e.timestampMs <= newest.timestampMs) {
        this.stats.outOfOrder++;
        return 'out_of_order';
      }
    }
    const at = this.nextIndex;
    this.evict(at);
    // The evicted slot may have held this series' only exemplar.
    entry = this.series.get(key);
    const slot: Slot = {
      series: entry ?? { key, labels: seriesLabels(), oldest: at, newest: at },
      exemplar: { labels: { ...e.labels }, value: e.value, timestampMs: e.timestampMs },
      next: -1,
    };
    if (entry) {
      this.slots[entry.newest]!.next = at;
      entry.newest = at;
    } else this.series.set(key, slot.series);
    this.slots[at] = slot;
    this.nextIndex = (at + 1) % this.capacity;
    this.stats.added++;
    return 'added';
  }

  /** The buffer is filled in order, so the slot overwritten next is always its series' oldest. */
  private evict(at: number): void {
    const old = this.slots[at];
    if (!old) return;
    const s = old.series;
    if (old.next === -1) this.series.delete(s.key);
    else s.oldest = old.next;
    this.slots[at] = undefined;
  }

  /**
   * Series whose labels satisfy any of `selectors`, each with its exemplars in [startMs, endMs]
   * oldest first; series without one in range are left out. Sorted by series labels.
   */
  select(selectors: Array<(labels: Labels) => boolean>, startMs: number, endMs: number): SeriesExemplars[] {
    const out: SeriesExemplars[] = [];
    for (const s of this.series.values()) {
      if (!selectors.some((match) => match(s.labels))) continue;
      const exemplars: Exemplar[] = [];
      for (let i = s.oldest; i !== -1; i = this.slots[i]!.next) {
        const e = this.slots[i]!.exemplar;
        if (e.timestampMs >= startMs && e.timestampMs <= endMs) exemplars.push(e);
      }
      if (exemplars.length > 0) out.push({ seriesLabels: s.labels, exemplars });
    }
    return out.sort((a, b) => compareKeys(seriesKeyOf(a.seriesLabels), seriesKeyOf(b.seriesLabels)));
  }
}

function labelSetLength(labels: Labels): number {
  let n = 0;
  for (const [k, v] of Object.entries(labels)) n += [...k].length + [...v].length;
  return n;
}

function sameExemplar(a: Exemplar, b: Exemplar): boolean {
  if (a.timestampMs !== b.timestampMs) return false;
  if (!(a.value === b.value || (Number.isNaN(a.value) && Number.isNaN(b.value)))) return false;
  const ka = Object.keys(a.labels);
  const kb = Object.keys(b.labels);
  return ka.length === kb.length && ka.every((k) => a.labels[k] === b.labels[k]);
}

function seriesKeyOf(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join('\u0001');
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
