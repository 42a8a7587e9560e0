// Label-set helpers with Prometheus' conventions: a label with an empty value does not exist,
// `__name__` is the metric name, label sets compare by sorted (name, value) pairs.
import type { Labels } from './sample-source.js';

export const METRIC_NAME = '__name__';
/** Separator in labelsKey strings. */
export const LABEL_SEP = '\xff';

/** A canonical string key of a label set (sorted names; empty values skipped). */
export function labelsKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  let key = '';
  for (const n of names) {
    const v = labels[n];
    if (v !== '') key += n + LABEL_SEP + v + LABEL_SEP;
  }
  return key;
}

export function dropMetricName(labels: Labels): Labels {
  if (!(METRIC_NAME in labels)) return labels;
  const out: Labels = {};
  for (const n in labels) if (n !== METRIC_NAME) out[n] = labels[n];
  return out;
}

/** Signature of the labels named (on) or of all labels except those named and `__name__` (ignoring). */
export function matchSignature(labels: Labels, on: boolean, names: readonly string[]): string {
  if (on) {
    let key = '';
    for (const n of [...names].sort()) key += n + LABEL_SEP + (labels[n] ?? '') + LABEL_SEP;
    return key;
  }
  const skip = new Set(names);
  skip.add(METRIC_NAME);
  let key = '';
  for (const n of Object.keys(labels).sort()) {
    if (!skip.has(n) && labels[n] !== '') key += n + LABEL_SEP + labels[n] + LABEL_SEP;
  }
  return key;
}

/** Prometheus labels.Compare: by sorted pairs, name before value, shorter set first on a tie. */
export function compareLabels(a: Labels, b: Labels): number {
  const an = Object.keys(a).sort();
  const bn = Object.keys(b).sort();
  const n = Math.min(an.length, bn.length);
  for (let i = 0; i < n; i++) {
    if (an[i] !== bn[i]) return an[i] < bn[i] ? -1 : 1;
    const av = a[an[i]];
    const bv = b[bn[i]];
    if (av !== bv) return av < bv ? -1 : 1;
  }
  return an.length - bn.length;
}

/**
 * Sorts by compareLabels' order with one precomputed key per item: sorted "name\x00value\x00" pairs
 * compare like the pairs themselves (\x00 sorts before any character of a name or a value).
 */
export function sortByLabels<T>(items: T[], labelsOf: (item: T) => Labels): T[] {
  const keyed = items.map((item) => {
    const l = labelsOf(item);
    let key = '';
    for (const n of Object.keys(l).sort()) key += `${n}\x00${l[n]}\x00`;
    return { item, key };
  });
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.item);
}

/** `name{a="b", c="d"}` as Prometheus prints a label set in error messages. */
export function formatLabels(labels: Labels): string {
  const parts = Object.keys(labels)
    .sort()
    .map((n) => `${n}=${JSON.stringify(labels[n])}`);
  return `{${parts.join(', ')}}`;
}

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function isValidLabelName(name: string): boolean {
  return LABEL_NAME_RE.test(name);
}
