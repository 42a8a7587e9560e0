// Alert label and annotation templates expanded as Prometheus 2.42 expands them, with Debian's
// `promtool test rules` as the oracle: one alerting rule per template over the same series, the
// expected labels and annotations being our expansion; promtool fails on any difference.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { MemorySource } from '../src/promql/memory-source.js';
import { evaluateInstant } from '../src/promql/query.js';
import { expandTemplate, type TemplateData } from '../src/rules/template.js';

const TEMPLATES = [
  '{{ if gt $value 15.0 }}critical{{ else }}warning{{ end }}',
  '{{ humanize1024 1048576 }}',
  '{{ humanizeDuration 3600 }}',
  '{{ humanizeDuration 0.25 }}',
  '{{ humanizeDuration 90061 }}',
  '{{ humanizePercentage 0.256 }}',
  '{{ with query "sum(bb8_val)" }}{{ . | first | value }}{{ end }}',
  '{{ range query "bb8_val" }}{{ .Labels.inst }}:{{ .Value }} {{ end }}',
  '{{ query "bb8_val" | first | label "inst" }}',
  '{{ humanizeTimestamp 1700000000 }}',
  '{{ humanizeTimestamp 1700000000.5 }}',
  '{{ reReplaceAll "a" "b" $labels.inst }}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's ${2} expansion, not JavaScript's
  '{{ reReplaceAll "(a)(.*)" "${2}x$1" "abc" }}',
  '{{ if match "^a" $labels.inst }}yes{{ end }}',
  '{{ $value | humanize }}',
  '{{ 1234.5678 | humanize }}',
  '{{ 0.00012 | humanize }}',
  '{{ humanize 1e9 }}',
  '{{ printf "%.2f" $value }}',
  '{{ printf "%s is %d%%" $labels.inst 5 }}',
  '{{ printf "%5.1f|%-4s|%q" 3.14159 "ab" "c" }}',
  '{{ $value }} {{ 1234567.0 }} {{ 100000.0 }} {{ 0.0001 }} {{ 0.00001 }}',
  '{{ $labels.inst | toUpper }} {{ "A B" | toLower }} {{ title "hello world-x" }}',
  '{{ $labels.missing }}!',
  '{{- " trimmed " -}} x {{- "y" }}',
  '{{ $x := 5 }}{{ $x }} {{ if and (gt $value 1.0) (lt $value 100.0) }}in{{ end }}',
  '{{ if eq $labels.inst "a" "b" }}eq{{ else if ne $labels.inst "c" }}ne{{ end }}',
  '{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}',
  '{{ len $labels }} {{ index $labels "inst" }} {{ not false }}',
  '{{ .Labels.inst }} {{ .Value }} {{ $externalURL }}|',
  '{{ stripPort "host:9090" }} {{ parseDuration "1h30m" }}',
  '{{ with $labels.missing }}has{{ else }}none{{ end }}',
  '{{ print 1 2 "x" 3 }}',
  '{{ printf "%x %X %o %b %e %g %v %t" 255 255 8 5 1234.5 0.000012 2.5 true }}',
  '{{ printf "%s|%d" "a" }} {{ printf "a" "b" }}',
  '{{ html "<a href=\'x\'>&</a>" }} {{ urlquery "a b&c" }} {{ js "it\'s <b>" }}',
  '{{ len "héllo" }} {{ slice "abcdef" 1 3 }} {{ toUpper "straße" }} {{ title "o\'neil" }} {{ \'a\' }}',
  '{{ range query "nonexistent" }}x{{ end }}',
  '{{ reReplaceAll "[" "x" "y" }}',
  '{{ match "(" "y" }}',
  // Failing while running: 2.42's <error expanding template: ...> with Go's position and node.
  '{{ query "nonexistent" | first | value }}',
  '{{ humanize "abc" }}',
  '{{ $labels.inst.y }}',
  'line one\n  {{ .Labels.inst.y }}',
  '{{ if gt $value (humanize "x") }}{{ end }}',
];

const SERIES = { __name__: 'bb8_val', inst: 'a' };
const T = 60_000;

describe('alert templates as Prometheus 2.42 expands them (promtool test rules)', {
  skip: !existsSync('/usr/bin/promtool') && 'no promtool',
}, () => {
  it(`${TEMPLATES.length} templates in labels and annotations`, () => {
    const source = new MemorySource();
    for (let t = 0; t <= 5 * 60_000; t += 60_000) source.add(SERIES, t, 20);
    const data: TemplateData = {
      labels: SERIES,
      value: 20,
      query: (q) => {
        const r = evaluateInstant(source, q, T);
        return r.resultType === 'vector' ? r.result.map((s) => ({ Labels: s.metric, Value: s.v })) : [];
      },
    };
    const dir = makeTempDir('templates-');
    const rules = TEMPLATES.map((tmpl, i) => ({
      alert: `T${i}`,
      expr: 'bb8_val > 10',
      labels: { tmpl },
      annotations: { tmpl },
    }));
    writeFileSync(join(dir, 'rules.yml'), JSON.stringify({ groups: [{ name: 'g', rules }] }));
    const tests = TEMPLATES.map((tmpl, i) => {
      const ours = expandTemplate(tmpl, data, `T${i}`);
      return {
        eval_time: '1m',
        alertname: `T${i}`,
        // An empty label is no label (evalAlerting drops it, as 2.42).
        exp_alerts: [
          {
            exp_labels: ours === '' ? { inst: 'a' } : { inst: 'a', tmpl: ours },
            exp_annotations: { tmpl: ours },
          },
        ],
      };
    });
    const file = join(dir, 'test.yml');
    writeFileSync(
      file,
      JSON.stringify({
        rule_files: ['rules.yml'],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [{ series: 'bb8_val{inst="a"}', values: '20x5' }],
            alert_rule_test: tests,
          },
        ],
      }),
    );
    const r = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  });
});
