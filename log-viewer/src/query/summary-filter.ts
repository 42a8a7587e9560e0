// Decides whether a query can be answered from the store's block summaries alone (per-minute
// counts by level and service), which is what makes a 24 h histogram cheap. That holds when the
// query only constrains the service (exactly) and the level; anything else needs a scan.
import { LEVELS, type Level, levelRank, normalizeLevel } from '../model.js';
import type { QueryNode } from './ast.js';

export interface SummaryFilter {
  /** Exact service names; undefined = all services. */
  services?: string[];
  levels: Set<Level>;
}

const ALL_LEVELS = (): Set<Level> => new Set(LEVELS);

export function summaryFilter(node: QueryNode): SummaryFilter | null {
  switch (node.kind) {
    case 'all':
      return { levels: ALL_LEVELS() };
    case 'text':
      return null;
    case 'field': {
      if (node.logfmt) return null; // read from the line, not from the stored level
      const field = node.field.toLowerCase();
      if (field === 'service' && (node.op === 'match' || node.op === 'eq')) {
        return { services: [node.value], levels: ALL_LEVELS() };
      }
      if (field !== 'level' || node.op === 'regex' || node.op === 'exists') return null;
      const rank = levelRank(normalizeLevel(node.value)!);
      return { levels: new Set(LEVELS.filter((l) => levelMatches(node.op, levelRank(l) - rank))) };
    }
    case 'not': {
      const inner = summaryFilter(node.child);
      if (!inner || inner.services) return null;
      return { levels: new Set(LEVELS.filter((l) => !inner.levels.has(l))) };
    }
    case 'and': {
      let acc: SummaryFilter = { levels: ALL_LEVELS() };
      for (const child of node.children) {
        const f = summaryFilter(child);
        if (!f) return null;
        acc = {
          services:
            acc.services && f.services
              ? acc.services.filter((s) => f.services!.includes(s))
              : (acc.services ?? f.services),
          levels: new Set([...acc.levels].filter((l) => f.levels.has(l))),
        };
        if (!acc.services) delete acc.services;
      }
      return acc;
    }
    case 'or': {
      const parts = node.children.map(summaryFilter);
      if (parts.some((p) => p === null)) return null;
      const filters = parts as SummaryFilter[];
      if (filters.every((f) => !f.services))
        return { levels: new Set(filters.flatMap((f) => [...f.levels])) };
      if (filters.every((f) => f.services && f.levels.size === LEVELS.length)) {
        return { services: [...new Set(filters.flatMap((f) => f.services!))], levels: ALL_LEVELS() };
      }
      return null;
    }
  }
}

function levelMatches(op: string, diff: number): boolean {
  switch (op) {
    case 'gt':
      return diff > 0;
    case 'gte':
      return diff >= 0;
    case 'lt':
      return diff < 0;
    case 'lte':
      return diff <= 0;
    case 'ne':
      return diff !== 0;
    default:
      return diff === 0;
  }
}
