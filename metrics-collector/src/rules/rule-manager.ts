// Runs rule groups: each group is evaluated at multiples of its interval, rules in order so later
// rules see earlier recordings; recorded samples (and ALERTS) go to a sink, alert changes to the
// notifier. The clock is a parameter: tests call evaluateGroupsAt(t) and never sleep.
import { labelsKey } from '../promql/labels.js';
import {
  defaultQuerySlicing,
  evaluateInstant,
  type QueryOptions,
  type QuerySlicing,
} from '../promql/query.js';
import type { SampleSource } from '../promql/sample-source.js';
import type { AlertNotice, WebhookNotifier } from './notifier.js';
import type { Rule, RuleGroup } from './rule-file.js';
import { restoreAlerts } from './alert-restore.js';
import type { TemplateSample } from './template.js';
import {
  type Alert,
  alertsSeries,
  evalAlerting,
  evalRecording,
  type OutSample,
  ruleVector,
} from './rule-eval.js';

export interface RuleStatus {
  rule: Rule;
  health: 'ok' | 'err' | 'unknown';
  lastError: string;
  lastEvaluation: number;
  evaluationSeconds: number;
  /** Alerting rules: alert label key → alert. */
  alerts: Map<string, Alert>;
  /** Recording rules: label keys written at the last evaluation (for staleness markers). */
  lastSeries: Map<string, OutSample['labels']>;
  /** Whether the first evaluation has looked for alert state from before a restart. */
  restored: boolean;
}

export interface GroupStatus {
  group: RuleGroup;
  rules: RuleStatus[];
  lastEvaluation: number;
  evaluationSeconds: number;
}

export interface RuleManagerOptions {
  source: SampleSource;
  groups: RuleGroup[];
  clock: () => number;
  /** Where recorded samples, ALERTS and staleness markers go (the store); may be async. */
  write?: (samples: OutSample[]) => unknown;
  notifier?: Pick<WebhookNotifier, 'notify'>;
  /** Base of generatorURL links, e.g. the collector's public URL. */
  externalURL?: string;
  queryOptions?: QueryOptions;
  /** Firing alerts are notified again after this long (Alertmanager's repeat_interval, default 4 h). */
  repeatIntervalMs?: number;
  /** How rule expressions share the event loop (default: 10 ms slices, as API queries). */
  querySlicing?: QuerySlicing;
}

export class RuleManager {
  readonly groups: GroupStatus[];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly sentAt = new WeakMap<Alert, number>();
  /** Rule expressions are evaluated in slices; tests replace its fields to hold one mid-way. */
  readonly slicing: QuerySlicing;

  constructor(private readonly opts: RuleManagerOptions) {
    this.slicing = opts.querySlicing ?? defaultQuerySlicing();
    this.groups = opts.groups.map((group) => ({
      group,
      lastEvaluation: 0,
      evaluationSeconds: 0,
      rules: group.rules.map((rule) => ({
        rule,
        health: 'unknown',
        lastError: '',
        lastEvaluation: 0,
        evaluationSeconds: 0,
        alerts: new Map(),
        lastSeries: new Map(),
        restored: false,
      })),
    }));
  }

  /** Evaluates every group whose next aligned evaluation time is ≤ now; calls are serialized. */
  tick(now: number = this.opts.clock()): Promise<void> {
    const next = this.queue.then(async () => {
      for (const g of this.groups) {
        const t = Math.floor(now / g.group.intervalMs) * g.group.intervalMs;
        if (t > g.lastEvaluation) await this.evaluateGroup(g, t);
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async evaluateGroup(g: GroupStatus, t: number): Promise<void> {
    const started = performance.now();
    for (const r of g.rules) {
      const ruleStarted = performance.now();
      try {
        const out = r.rule.kind === 'recording' ? await this.record(r, t) : await this.alert(r, t);
        if (out.length > 0) await this.opts.write?.(out);
        r.health = 'ok';
        r.lastError = '';
      } catch (e) {
        r.health = 'err';
        r.lastError = (e as Error).message;
      }
      r.lastEvaluation = t;
      r.evaluationSeconds = (performance.now() - ruleStarted) / 1000;
    }
    g.lastEvaluation = t;
    g.evaluationSeconds = (performance.now() - started) / 1000;
  }

  private async record(r: RuleStatus, t: number): Promise<OutSample[]> {
    const rule = r.rule as Extract<Rule, { kind: 'recording' }>;
    const out = evalRecording(rule, await this.vector(rule, t), t);
    const limit = this.limitOf(r);
    if (limit > 0 && out.length > limit)
      throw new Error(`exceeded limit of ${limit} with ${out.length} series`);
    const now = new Map(out.map((s) => [labelsKey(s.labels), s.labels]));
    // Series the rule no longer produces get a staleness marker, as Prometheus writes.
    for (const [key, labels] of r.lastSeries)
      if (!now.has(key)) out.push({ labels, t, v: Number.NaN, stale: true });
    r.lastSeries = now;
    return out;
  }

  private vector(rule: Rule, t: number) {
    return ruleVector(this.opts.source, rule, t, this.opts.queryOptions ?? {}, this.slicing);
  }

  /** A template's `query`: an instant query at the evaluation time, in one go (a template's
   * queries are small; 2.42 runs them synchronously too). */
  private templateQuery(q: string, t: number): TemplateSample[] {
    const r = evaluateInstant(this.opts.source, q, t, this.opts.queryOptions ?? {});
    if (r.resultType === 'scalar') return [{ Labels: {}, Value: r.result.v }];
    if (r.resultType !== 'vector') throw new Error(`query ${JSON.stringify(q)} is not a vector or scalar`);
    return r.result.map((s) => ({ Labels: s.metric, Value: s.v }));
  }

  private async alert(r: RuleStatus, t: number): Promise<OutSample[]> {
    const rule = r.rule as Extract<Rule, { kind: 'alerting' }>;
    const vector = await this.vector(rule, t);
    const before = alertsSeries(r.alerts.values(), t);
    const evaluated = evalAlerting(rule, vector, r.alerts, t, {}, this.opts.externalURL ?? '', (q) =>
      this.templateQuery(q, t),
    );
    const { resolved } = evaluated;
    let { fired } = evaluated;
    if (!r.restored) {
      r.restored = true;
      fired = restoreAlerts(this.opts.source, rule.name, rule.forMs, r.alerts, t, fired);
    }
    const limit = this.limitOf(r);
    const active = [...r.alerts.values()].filter((a) => a.state !== 'inactive').length;
    if (limit > 0 && active > limit) {
      r.alerts.clear();
      throw new Error(`exceeded limit of ${limit} with ${active} alerts`);
    }
    const repeat = this.opts.repeatIntervalMs ?? 4 * 3600_000;
    const due = [...r.alerts.values()].filter(
      (a) => a.state === 'firing' && !fired.includes(a) && t - (this.sentAt.get(a) ?? a.firedAt) >= repeat,
    );
    const toSend = [...fired, ...due, ...resolved];
    for (const a of toSend) this.sentAt.set(a, t);
    const notices: AlertNotice[] = toSend.map((a) => this.notice(rule.query, a));
    if (notices.length > 0) this.opts.notifier?.notify(notices);
    const after = alertsSeries(r.alerts.values(), t);
    const live = new Set(after.map((s) => labelsKey(s.labels)));
    for (const s of before)
      if (!live.has(labelsKey(s.labels))) after.push({ ...s, v: Number.NaN, stale: true });
    return after;
  }

  private notice(query: string, a: Alert): AlertNotice {
    const base = this.opts.externalURL ?? '';
    return {
      status: a.state === 'firing' ? 'firing' : 'resolved',
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.activeAt,
      endsAt: a.state === 'firing' ? 0 : a.resolvedAt,
      generatorURL: `${base}/?query=${encodeURIComponent(query)}`,
    };
  }

  /** The `limit` of the group a rule belongs to (0: none). */
  private limitOf(r: RuleStatus): number {
    return this.groups.find((g) => g.rules.includes(r))?.group.limit ?? 0;
  }

  /** Active (pending or firing) alerts of every rule. */
  activeAlerts(): Alert[] {
    const out: Alert[] = [];
    for (const g of this.groups)
      for (const r of g.rules) for (const a of r.alerts.values()) if (a.state !== 'inactive') out.push(a);
    return out;
  }

  start(tickMs = 1000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.tick().finally(() => {
        this.running = undefined;
      });
    }, tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
