// Rules: rule-file parsing, recording and alerting evaluation with a stepped clock (no sleeps),
// webhook notifications in Alertmanager's format with retries against a local HTTP receiver, and
// /api/v1/rules + /api/v1/alerts on the real collector.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { MemorySource } from '../src/promql/memory-source.js';
import { evaluateInstant } from '../src/promql/query.js';
import { fingerprint, type WebhookPayload, WebhookNotifier } from '../src/rules/notifier.js';
import { parseRuleFile, RuleFileError } from '../src/rules/rule-file.js';
import { RuleManager } from '../src/rules/rule-manager.js';
import { expandTemplate } from '../src/rules/template.js';
import { startCollector } from './ingest-helpers.js';

const RULES = `
groups:
  - name: api
    interval: 30s
    rules:
      - record: job:errors:rate1m
        expr: sum by (job) (rate(errors_total[1m]))
        labels: { team: core }
      - alert: HighErrors
        expr: job:errors:rate1m > 1
        for: 1m
        labels: { severity: page }
        annotations:
          summary: "{{ $labels.job }} errors at {{ $value | humanize }}/s"
`;

describe('parseRuleFile()', () => {
  it('reads groups, intervals, for, labels and annotations', () => {
    const [g] = parseRuleFile(RULES, 'r.yml', 60_000);
    assert.equal(g.name, 'api');
    assert.equal(g.intervalMs, 30_000);
    assert.equal(g.rules[0].kind, 'recording');
    assert.deepEqual(g.rules[0].labels, { team: 'core' });
    const alert = g.rules[1];
    assert.ok(alert.kind === 'alerting');
    assert.equal(alert.forMs, 60_000);
    assert.equal(alert.annotations.summary, '{{ $labels.job }} errors at {{ $value | humanize }}/s');
  });

  const bad = (text: string, pattern: RegExp) =>
    assert.throws(
      () => parseRuleFile(text, 'f.yml', 60_000),
      (e) => e instanceof RuleFileError && pattern.test(e.message),
    );
  it('refuses bad files with the group, rule and reason', () => {
    bad(
      'groups: [{name: a, rules: [{record: x, expr: "sum("}]}]',
      /group 1 "a", rule 1: could not parse expression: 1:5: parse error/,
    );
    bad('groups: [{name: a, rules: [{expr: "up"}]}]', /one of 'record' or 'alert' must be set/);
    bad('groups: [{name: a, rules: [{record: "bad name", expr: up}]}]', /invalid recording rule name/);
    bad('groups: [{name: a, rules: [{alert: A, expr: up, for: soon}]}]', /not a valid duration/);
    bad('groups: [{name: a, rules: []}, {name: a, rules: []}]', /repeated in the same file/);
    bad(
      'groups: [{name: a, rules: [{record: x, expr: up, for: 1m}]}]',
      /invalid field 'for' in recording rule/,
    );
  });
});

describe('rule files agree with promtool check rules', {
  skip: !existsSync('/usr/bin/promtool') && 'no promtool',
}, () => {
  const dir = makeTempDir('rulecheck-');
  const promtoolAccepts = (text: string) => {
    const file = join(dir, `r${Math.random().toString(36).slice(2)}.yml`);
    writeFileSync(file, text);
    return spawnSync('promtool', ['check', 'rules', file]).status === 0;
  };
  const ours = (text: string) => {
    try {
      parseRuleFile(text, 'f.yml', 60_000);
      return true;
    } catch {
      return false;
    }
  };
  const cases = [
    RULES,
    'groups: [{name: a, rules: [{record: x, expr: "sum("}]}]',
    'groups: [{name: a, rules: [{expr: "up"}]}]',
    'groups: [{name: a, rules: [{record: "bad name", expr: up}]}]',
    'groups: [{name: a, rules: [{alert: A, expr: up, for: soon}]}]',
    'groups: [{name: a, rules: []}, {name: a, rules: []}]',
    'groups: [{name: a, rules: [{record: x, expr: up, for: 1m}]}]',
    'groups: [{name: a, interval: 15s, rules: [{alert: B, expr: "rate(x[5m]) > 0", labels: {sev: hi}}]}]',
    'groups: [{name: a, rules: [{alert: C, expr: "x", annotations: {a: "{{ $value }}"}}]}]',
    'groups: [{name: a, rules: [{alert: D, expr: up, keep_firing_for: 5m}]}]',
    'groups: [{name: a, rules: [{record: x, expr: up, keep_firing_for: 5m}]}]',
    'groups: [{name: a, rules: [{record: x, expr: up, foo: bar}]}]',
    'groups: [{name: a, foo: 1, rules: []}]',
    'foo: 1\ngroups: []',
    'groups: [{name: a, rules: [{alert: E, expr: up, annotations: {a: "{{ weird stuff }}"}}]}]',
    'groups: [{name: a, rules: [{alert: E, expr: up, labels: {a: "{{ if $value }}x"}}]}]',
    'groups: [{name: a, rules: [{alert: E, expr: up, annotations: {a: "{{ if gt $value 1.0 }}x{{ end }}"}}]}]',
    'groups: [{name: a, rules: [{alert: E, expr: up, annotations: {a: "{{ with query \\"up\\" }}{{ . | first | value }}{{ end }}"}}]}]',
    'groups: [{name: a, rules: [{alert: E, expr: up, annotations: {a: "{{ $labels.x | humanize }"}}]}]',
    'groups: [{name: a, rules: [{alert: E, expr: up, annotations: {a: "{{ $nosuch }}"}}]}]',
    'groups: [{name: a, rules: [{alert: E, expr: up, annotations: {a: "{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}"}}]}]',
    'groups: [{name: a, rules: [{alert: E, expr: up, annotations: {a: "{{ $x := 1 }}{{ if true }}{{ $x }}{{ end }}"}}]}]',
  ];
  for (const [i, text] of cases.entries()) {
    it(`case ${i + 1}`, () => assert.equal(ours(text), promtoolAccepts(text), text));
  }
});

describe('expandTemplate()', () => {
  const check = (tmpl: string, expected: string) =>
    assert.equal(
      expandTemplate(tmpl, { labels: { job: 'api', instance: 'a:1' }, value: 1234.5678 }),
      expected,
    );
  it('expands labels, value and the common pipes (all of Go text/template: rules-template-oracle.test.ts)', () => {
    check('{{ $labels.job }} on {{ .Labels.instance }}', 'api on a:1');
    check('{{ $value }}', '1234.5678');
    check('{{ $value | humanize }}', '1.235k');
    check('{{ printf "%.2f" $value }}', '1234.57');
    check('{{ $labels.missing }}!', '!');
    check(
      '{{ weird stuff }}',
      '<error expanding template: error parsing template __alert_: template: __alert_:1: function "weird" not defined>',
    );
    check('{{ $value | humanize1024 }}', '1.206ki');
    check('{{ $labels.job | toUpper }}', 'API');
  });
});

describe('fingerprint()', () => {
  it("matches Prometheus' model.LabelSet fingerprint", () => {
    // Empty set: FNV-1a 64 offset basis, as model.emptyLabelSignature.
    assert.equal(fingerprint({}), 'cbf29ce484222325');
    assert.match(fingerprint({ alertname: 'A' }), /^[0-9a-f]{16}$/);
    assert.notEqual(fingerprint({ a: 'bc' }), fingerprint({ ab: 'c' }));
  });
});

describe('RuleManager', () => {
  let server: Server;
  let url = '';
  const received: WebhookPayload[] = [];
  let failNext = 0;

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        if (failNext > 0) {
          failNext--;
          res.statusCode = 503;
          res.end();
          return;
        }
        received.push(JSON.parse(body));
        res.statusCode = 200;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  });
  after(() => server.close());

  it('records, goes pending → firing after `for`, resolves, and notifies with retries', async () => {
    const source = new MemorySource();
    const T = 1_700_000_010_000; // a multiple of the group's 30 s interval
    // errors_total grows by 120/min (2/s) from T, then stops growing at T+5m.
    for (let s = 0; s <= 900; s += 15) {
      const v = s <= 300 ? s * 2 : 600;
      source.add({ __name__: 'errors_total', job: 'api', instance: 'a' }, T + s * 1000, v);
    }
    const notifier = new WebhookNotifier({
      urls: [url],
      externalURL: 'http://collector',
      sleep: async () => {},
      baseDelayMs: 1,
    });
    const writes: number[] = [];
    const manager = new RuleManager({
      source,
      groups: parseRuleFile(RULES, 'r.yml', 60_000),
      clock: () => T,
      notifier,
      externalURL: 'http://collector',
      write: (samples) => {
        for (const s of samples) source.add(s.labels, s.t, s.v, { stale: s.stale });
        writes.push(samples.length);
      },
    });
    const g = manager.groups[0];
    const alertRule = g.rules[1];

    await manager.tick(T + 60_000);
    const rec = evaluateInstant(source, 'job:errors:rate1m', T + 60_000);
    assert.equal(rec.resultType, 'vector');
    assert.deepEqual(rec.resultType === 'vector' && rec.result.map((s) => [s.metric, s.v]), [
      [{ __name__: 'job:errors:rate1m', job: 'api', team: 'core' }, 2],
    ]);
    assert.equal(g.rules[0].health, 'ok');
    let alert = [...alertRule.alerts.values()][0];
    assert.equal(alert.state, 'pending');
    assert.equal(alert.activeAt, T + 60_000);

    await manager.tick(T + 90_000);
    assert.equal([...alertRule.alerts.values()][0].state, 'pending');

    failNext = 2; // the first two deliveries fail with 503: the notifier retries.
    await manager.tick(T + 120_000);
    alert = [...alertRule.alerts.values()][0];
    assert.equal(alert.state, 'firing');
    assert.deepEqual(alert.labels, { alertname: 'HighErrors', job: 'api', severity: 'page', team: 'core' });
    assert.equal(alert.annotations.summary, 'api errors at 2/s');
    await notifier.idle();
    assert.equal(received.length, 1);
    assert.equal(notifier.stats.retries, 2);
    const firing = received[0];
    assert.equal(firing.version, '4');
    assert.equal(firing.status, 'firing');
    assert.deepEqual(firing.groupLabels, { alertname: 'HighErrors' });
    assert.equal(firing.alerts[0].startsAt, new Date(T + 60_000).toISOString());
    assert.equal(firing.alerts[0].endsAt, '0001-01-01T00:00:00Z');
    assert.equal(firing.alerts[0].fingerprint, fingerprint(alert.labels));
    assert.match(firing.alerts[0].generatorURL, /^http:\/\/collector\/\?query=job%3Aerrors%3Arate1m/);
    const alerts = evaluateInstant(source, 'ALERTS', T + 120_000);
    assert.ok(alerts.resultType === 'vector' && alerts.result[0].metric.alertstate === 'firing');

    // The counter stops growing at T+5m: the rate drops to 0 a minute later, the alert resolves.
    await manager.tick(T + 390_000);
    assert.equal([...alertRule.alerts.values()][0].state, 'inactive');
    await notifier.idle();
    assert.equal(received.length, 2);
    assert.equal(received[1].status, 'resolved');
    assert.equal(received[1].alerts[0].endsAt, new Date(T + 390_000).toISOString());
    // ALERTS got a staleness marker: it is gone at once rather than after 5 minutes of lookback.
    const gone = evaluateInstant(source, 'ALERTS', T + 391_000);
    assert.ok(gone.resultType === 'vector' && gone.result.length === 0);
    // Resolved alerts are forgotten after 15 minutes.
    await manager.tick(T + 390_000 + 16 * 60_000);
    assert.equal(alertRule.alerts.size, 0);
    assert.ok(writes.length > 0);
  });

  it('notifies a still-firing alert again after the repeat interval, not before', async () => {
    const calls: string[][] = [];
    const manager = new RuleManager({
      source: new MemorySource(),
      groups: parseRuleFile('groups: [{name: g, rules: [{alert: Always, expr: "vector(1)"}]}]', 'f', 60_000),
      clock: () => 0,
      notifier: { notify: (alerts) => calls.push(alerts.map((a) => a.status)) },
      repeatIntervalMs: 4 * 3600_000,
    });
    await manager.tick(60_000);
    await manager.tick(60_000 + 3600_000);
    assert.deepEqual(calls, [['firing']]);
    await manager.tick(60_000 + 4 * 3600_000);
    assert.deepEqual(calls, [['firing'], ['firing']]);
  });

  it('restores `for` state after a restart from ALERTS_FOR_STATE and does not re-announce', async () => {
    const source = new MemorySource();
    const groups = parseRuleFile(
      'groups: [{name: g, rules: [{alert: Slow, expr: "vector(1)", for: 2m}, {alert: Fast, expr: "vector(2)", for: 10m}]}]',
      'f',
      60_000,
    );
    const write = (
      samples: Array<{ labels: Record<string, string>; t: number; v: number; stale?: boolean }>,
    ) => {
      for (const x of samples) source.add(x.labels, x.t, x.v, { stale: x.stale });
    };
    const first: string[] = [];
    const before = new RuleManager({
      source,
      groups,
      clock: () => 0,
      write,
      notifier: { notify: (alerts) => first.push(...alerts.map((a) => `${a.labels.alertname}:${a.status}`)) },
    });
    for (const t of [60_000, 120_000, 180_000, 240_000]) await before.tick(t);
    assert.deepEqual(first, ['Slow:firing']);
    // "Restart": a new manager over the same storage, evaluating a minute later.
    const second: string[] = [];
    const after = new RuleManager({
      source,
      groups,
      clock: () => 0,
      write,
      notifier: {
        notify: (alerts) => second.push(...alerts.map((a) => `${a.labels.alertname}:${a.status}`)),
      },
    });
    await after.tick(300_000);
    const [slow, fast] = after.groups[0].rules.map((r) => [...r.alerts.values()][0]);
    assert.equal(slow.state, 'firing');
    assert.equal(slow.activeAt, 60_000);
    assert.equal(fast.state, 'pending');
    assert.equal(fast.activeAt, 60_000);
    assert.deepEqual(second, []);
    await after.tick(660_000);
    assert.deepEqual(second, ['Fast:firing']);
  });

  it('keeps a firing alert firing for keep_firing_for after its series vanish', async () => {
    const source = new MemorySource();
    source.add({ __name__: 'bad' }, 60_000, 1);
    const groups = parseRuleFile(
      'groups: [{name: g, rules: [{alert: K, expr: bad, keep_firing_for: 3m}]}]',
      'f',
      60_000,
    );
    const manager = new RuleManager({ source, groups, clock: () => 0 });
    const state = () => [...manager.groups[0].rules[0].alerts.values()][0]?.state;
    await manager.tick(60_000);
    assert.equal(state(), 'firing');
    // The sample is older than the 5 m lookback from 420 s on: the series is gone.
    await manager.tick(420_000);
    assert.equal(state(), 'firing');
    await manager.tick(540_000);
    assert.equal(state(), 'firing');
    await manager.tick(600_000);
    assert.equal(state(), 'inactive');
  });

  it("refuses a result over the group's limit", async () => {
    const source = new MemorySource();
    for (const a of ['1', '2', '3']) source.add({ __name__: 'x', a }, 0, 1);
    const groups = parseRuleFile(
      'groups: [{name: g, limit: 2, rules: [{record: y, expr: x}, {alert: A, expr: x}]}]',
      'f',
      60_000,
    );
    const manager = new RuleManager({ source, groups, clock: () => 0 });
    await manager.tick(60_000);
    const [rec, alert] = manager.groups[0].rules;
    assert.equal(rec.lastError, 'exceeded limit of 2 with 3 series');
    assert.equal(alert.lastError, 'exceeded limit of 2 with 3 alerts');
    assert.equal(alert.alerts.size, 0);
  });

  it('reports a failing rule as health "err" and keeps evaluating the rest', async () => {
    const source = new MemorySource();
    source.add({ __name__: 'x', a: '1' }, 0, 1);
    source.add({ __name__: 'x', a: '2' }, 0, 1);
    const groups = parseRuleFile(
      'groups: [{name: g, rules: [{record: "y", expr: "x * on() x"}, {record: "z", expr: "vector(1)"}]}]',
      'f',
      60_000,
    );
    const manager = new RuleManager({ source, groups, clock: () => 0 });
    await manager.tick(60_000);
    const [bad, good] = manager.groups[0].rules;
    assert.equal(bad.health, 'err');
    assert.match(bad.lastError, /many-to-many/);
    assert.equal(good.health, 'ok');
  });
});

describe('/api/v1/rules and /api/v1/alerts', () => {
  it("show groups, rules and alerts in Prometheus' shapes", async () => {
    const dir = makeTempDir('rules-');
    const file = join(dir, 'rules.yml');
    writeFileSync(
      file,
      'groups:\n  - name: g\n    rules:\n      - alert: Always\n        expr: vector(3)\n        labels: {severity: info}\n      - record: one\n        expr: vector(1)\n',
    );
    let now = 1_700_000_000_000;
    const c = await startCollector({ RULE_FILES: file }, () => now);
    try {
      now += 60_000;
      await c.app.rules?.tick(now);
      const get = async (path: string) =>
        await (await fetch(`${c.url}${path}`, { headers: c.adminHeaders })).json();
      const rules = await get('/api/v1/rules');
      const group = rules.data.groups[0];
      assert.equal(group.name, 'g');
      assert.equal(group.file, file);
      assert.equal(group.interval, 60);
      const [alerting, recording] = group.rules;
      assert.equal(alerting.type, 'alerting');
      assert.equal(alerting.state, 'firing');
      assert.equal(alerting.duration, 0);
      assert.equal(alerting.health, 'ok');
      assert.deepEqual(alerting.alerts[0], {
        labels: { alertname: 'Always', severity: 'info' },
        annotations: {},
        state: 'firing',
        activeAt: new Date(Math.floor(now / 60_000) * 60_000).toISOString(),
        value: '3e+00',
      });
      assert.equal(recording.type, 'recording');
      assert.equal(recording.query, 'vector(1)');
      const onlyRecord = await get('/api/v1/rules?type=record');
      assert.deepEqual(
        onlyRecord.data.groups[0].rules.map((r: { name: string }) => r.name),
        ['one'],
      );
      const alerts = await get('/api/v1/alerts');
      assert.equal(alerts.data.alerts.length, 1);
      assert.equal(alerts.data.alerts[0].labels.alertname, 'Always');
      // The recording landed in the store and is queryable.
      const q = await get(`/api/v1/query?query=one&time=${now / 1000}`);
      assert.equal(q.data.result[0].value[1], '1');
    } finally {
      await c.close();
    }
  });
});
