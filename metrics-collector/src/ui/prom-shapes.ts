// The Prometheus HTTP API shapes the server-rendered pages read (targets, rules, alerts), as documented at
// https://prometheus.io/docs/prometheus/latest/querying/api/. Only the fields the pages show are typed.
export type Labels = Record<string, string>;

export interface Target {
  labels: Labels;
  scrapePool: string;
  scrapeUrl: string;
  lastError: string;
  lastScrape: string;
  lastScrapeDuration: number;
  health: 'up' | 'down' | 'unknown';
  scrapeInterval?: string;
  scrapeTimeout?: string;
  samplesScraped?: number;
}

export interface TargetsData {
  activeTargets: Target[];
  droppedTargets?: unknown[];
}

export interface Alert {
  labels: Labels;
  annotations: Labels;
  state: 'pending' | 'firing' | 'inactive';
  activeAt?: string;
  value: string;
}

export interface Rule {
  type: 'alerting' | 'recording';
  name: string;
  query: string;
  duration?: number;
  labels?: Labels;
  annotations?: Labels;
  alerts?: Alert[];
  health: string;
  lastError?: string;
  evaluationTime?: number;
  lastEvaluation?: string;
  state?: 'pending' | 'firing' | 'inactive';
}

export interface RuleGroup {
  name: string;
  file: string;
  interval: number;
  rules: Rule[];
  evaluationTime?: number;
  lastEvaluation?: string;
}

export interface VectorSample {
  metric: Labels;
  value: [number, string];
}
