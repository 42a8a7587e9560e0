// One target's metric metadata as Prometheus 2.42's scrape cache keeps it (scrape/scrape.go
// scrapeCache.setType/setHelp/setUnit, iterDone), for /api/v1/targets/metadata: the families its
// scrapes described with # TYPE, # HELP or (OpenMetrics only: the text format's parser skips it)
// # UNIT, kept for 10 successful scrapes after a family was last seen; `untyped` is listed as
// `unknown`, as textparse names it.
import type { Exposition } from '../ingest/exposition.js';

export interface TargetMetricMetadata {
  metric: string;
  type: string;
  help: string;
  unit: string;
}

/** Scrapes a family's metadata outlives its last mention, as scrapeCache.iterDone. */
const KEPT_SCRAPES = 10;

export class TargetMetadata {
  private entries = new Map<string, { meta: TargetMetricMetadata; lastScrape: number }>();
  private scrapes = 0;

  /** Takes a successful scrape's families. */
  update(exposition: Pick<Exposition, 'families' | 'openMetrics'>): void {
    this.scrapes++;
    for (const [metric, f] of exposition.families) {
      const unit = exposition.openMetrics ? f.unit : '';
      // A text-format family named only by # UNIT: a comment to Prometheus, no entry.
      if (!exposition.openMetrics && f.type === 'untyped' && f.help === '' && f.unit !== '') continue;
      const type = f.type === 'untyped' ? 'unknown' : f.type;
      this.entries.set(metric, { meta: { metric, type, help: f.help, unit }, lastScrape: this.scrapes });
    }
    for (const [metric, e] of this.entries)
      if (this.scrapes - e.lastScrape > KEPT_SCRAPES) this.entries.delete(metric);
  }

  get(metric: string): TargetMetricMetadata | undefined {
    return this.entries.get(metric)?.meta;
  }

  list(): TargetMetricMetadata[] {
    return [...this.entries.values()].map((e) => e.meta);
  }
}
