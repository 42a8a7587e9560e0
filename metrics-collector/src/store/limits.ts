// Cardinality limits, checked only when a series is created: a new series over a limit is refused
// with a message naming it, while series that already exist keep accepting samples.
import type { LabelPairs, SeriesIndex } from './series-index.js';

export interface Limits {
  maxLabelsPerSeries: number;
  maxLabelNameLength: number;
  maxLabelValueLength: number;
  maxSeriesPerMetric: number;
  maxSeries: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxLabelsPerSeries: 64,
  maxLabelNameLength: 256,
  maxLabelValueLength: 4096,
  maxSeriesPerMetric: 200_000,
  maxSeries: 5_000_000,
};

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function describe(labels: LabelPairs): string {
  const name = labels.find(([n]) => n === '__name__')?.[1] ?? '';
  const rest = labels
    .filter(([n]) => n !== '__name__')
    .map(([n, v]) => `${n}=${JSON.stringify(v.length > 64 ? `${v.slice(0, 64)}…` : v)}`);
  return `${name}{${rest.join(',')}}`;
}

/** Returns why `labels` may not become a new series, or undefined when it may. */
export function checkNewSeries(labels: LabelPairs, index: SeriesIndex, limits: Limits): string | undefined {
  const name = labels.find(([n]) => n === '__name__')?.[1];
  if (!name) return `series ${describe(labels)} has no metric name (__name__)`;
  if (!NAME_RE.test(name)) return `series ${describe(labels)}: invalid metric name ${JSON.stringify(name)}`;
  for (let i = 0; i < labels.length; i++) {
    const [n, v] = labels[i];
    if (n === '' || n.length > limits.maxLabelNameLength)
      return `series ${describe(labels)}: invalid label name`;
    if (i > 0 && labels[i - 1][0] === n) return `series ${describe(labels)}: duplicate label ${n}`;
    if (v.length > limits.maxLabelValueLength) {
      return `series ${describe(labels)}: value of label ${n} is ${v.length} characters, over the limit of ${limits.maxLabelValueLength}`;
    }
  }
  if (labels.length > limits.maxLabelsPerSeries) {
    return `series ${describe(labels)} has ${labels.length} labels, over the limit of ${limits.maxLabelsPerSeries}`;
  }
  if ((index.perMetric.get(name) ?? 0) >= limits.maxSeriesPerMetric) {
    return `new series ${describe(labels)} refused: metric ${name} already has ${limits.maxSeriesPerMetric} series (limit)`;
  }
  if (index.size >= limits.maxSeries) {
    return `new series ${describe(labels)} refused: the store holds ${limits.maxSeries} series (limit)`;
  }
  return undefined;
}

/** Parses "labels=64,value_length=4096,per_metric=200000,total=5000000" (any subset). */
export function parseLimits(spec: string): Limits {
  const limits = { ...DEFAULT_LIMITS };
  const keys: Record<string, keyof Limits> = {
    labels: 'maxLabelsPerSeries',
    name_length: 'maxLabelNameLength',
    value_length: 'maxLabelValueLength',
    per_metric: 'maxSeriesPerMetric',
    total: 'maxSeries',
  };
  for (const part of spec.split(',').filter((p) => p.trim())) {
    const [k, v] = part.split('=').map((x) => x.trim());
    const key = keys[k];
    if (!key || !/^\d+$/.test(v ?? '')) throw new Error(`invalid series limit ${JSON.stringify(part)}`);
    limits[key] = Number(v);
  }
  return limits;
}
