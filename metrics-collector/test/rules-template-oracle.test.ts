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
import { expandTemplate, type TemplateData, templateProblem } from '../src/rules/template.js';

/** `{i}` stands for the template's index (its rule is T<i>, its template __alert_T<i>). */
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
  // Go's int: integer constants, len, range indexes; float64: $value, 5.0, 1e6.
  '{{ printf "%s" 5 }} {{ printf "%d" 5 }} {{ printf "%d" 5.0 }} {{ printf "%v %s" 5 5.5 }}',
  "{{ 1000000 }} {{ 1e6 }} {{ 0x1F }} {{ 'a' }} {{ -3 }} {{ 1_000 }} {{ 0o17 }} {{ 0b101 }} {{ 017 }} {{ +5 }} {{ .5 }} {{ 5. }}",
  '{{ printf "%05d|%+d|%x|%X|%o|%b|%c|%q|%U|%T|%T|%T" -42 5 -255 255 8 5 97 97 97 5 5.0 "s" }}',
  '{{ printf "%5d|%-5d|%.3x|%08.3f|%T|%T" 42 42 3.0 -3.14159 $labels true }}',
  '{{ printf "%x|%X|%.2x|%x|%x|%b|%b|%b" 0.0 -1.5 3.14159 1e-310 -0.0 0.0 -1e-310 5.0 }}',
  '{{ printf "%e|%f|%g|%s|%t" 5 5 5 5 5 }} {{ printf "%f|%e|%x|%5.1f" $value 1e300 255.0 2.25 }}',
  "{{ printf \"%d\" 'x' }} {{ '\\n' }} {{ printf \"%q %q\" '\\n' 39 }}",
  '{{ print 5 5.5 "a" 6 }} {{ println 5 }} {{ args 1 2.5 "x" }}',
  '{{ len $labels | printf "%T" }} {{ range $i, $x := query "bb8_val" }}{{ $i }} {{ printf "%T" $i }}{{ end }}',
  '{{ eq 5 5 }} {{ lt 3 4 }} {{ ne 5 6 }} {{ if 0 }}t{{ else }}f{{ end }}{{ and 1 0 }}{{ or 0 2 }}{{ not 0 }}',
  '{{ humanize 1000 }} {{ humanizeDuration 90 }} {{ humanizePercentage 1 }} {{ humanize1024 2048 }}',
  '{{ slice "abcdef" 1 3 }} {{ len "abc" | printf "%d" }}',
  '{{ gt $value 15 }}',
  '{{ eq 5 5.0 }}',
  '{{ eq "a" 5 }}',
  '{{ index $labels 5 }}',
  '{{ index (query "bb8_val") "a" }}',
  '{{ index (query "bb8_val") 5 }}',
  '{{ index (query "bb8_val") 0 | value }} {{ index (query "bb8_val") 0.0 }}',
  // Exact ties round half to even, as Go's strconv.
  '{{ printf "%.4g|%.2f|%.1e|%.0f|%.0f|%.3g|%g|%.1f|%.2e|%.3f|%e|%.0e" 10.125 0.125 2.25 0.5 1.5 1.0625e10 1e21 -0.25 1.0e-310 1e22 0.0 -9.5 }}',
  '{{ humanize 10125.0 }} {{ humanize 0.0010125 }} {{ humanizePercentage 0.0010125 }} {{ printf "%.2g|%.3g|%.10g|%.1g" 99.5 0.00001234 123456.0 0.05 }}',
  // Arguments of a Go string parameter.
  '{{ toUpper 5 }}',
  '{{ toUpper $value }}',
  '{{ $value | toUpper }}',
  '{{ 5 | toUpper }}',
  '{{ toUpper nil }}',
  '{{ reReplaceAll "a" 1 "b" }}',
  '{{ query true }}',
  // define, template, block.
  '{{ define "x" }}X{{ . }}{{ end }}a{{ template "x" 5 }}b{{ template "x" }}',
  '{{ block "y" $labels.inst }}[{{ . }}]{{ end }}',
  '{{ define "row" }}{{ .Labels.inst }}={{ .Value }};{{ end }}{{ range query "bb8_val" }}{{ template "row" . }}{{ end }}',
  '{{ define "a" }}A{{ template "b" . }}{{ end }}{{ define "b" }}<{{ . }}>{{ end }}{{ template "a" $value }}',
  '{{ define "x" }}  {{ end }}{{ block "x" 1 }}block{{ end }}',
  '{{ block "x" 1 }}block{{ end }}{{ define "x" }} \n {{ end }}',
  '{{ define "x" }}{{ $ }}{{ $y := 2 }}{{ $y }}{{ end }}{{ template "x" "d" }}{{ $x := 1 }}{{ $x }}',
  '{{- define "x" -}} x {{- end -}} [{{ template "x" }}]',
  '{{ with $labels }}{{ template "inner" .inst }}{{ end }}{{ define "inner" }}i={{ . }}{{ end }}',
  '{{ range $k, $v := $labels }}{{ if eq $k "inst" }}{{ break }}{{ end }}{{ $k }}{{ end }}|{{ range $k, $v := $labels }}{{ if eq $k "__name__" }}{{ continue }}{{ end }}{{ $k }}{{ end }}',
  '{{ range $i, $x := query "bb8_val" }}{{ range $labels }}{{ break }}{{ end }}{{ $i }}{{ continue }}x{{ else }}none{{ end }}',
  '{{- /* c */ -}} a {{- /* d */}} b',
  '{{ template "nope" }}',
  // The template itself, by its name (__alert_<rule>): an empty definition gives way to it.
  '{{ define "__alert_T{i}" }} {{ end }}y{{ if false }}{{ template "__alert_T{i}" }}{{ end }}',
  '{{ template "__alert_T{i}" }}',
  '{{ define "x" }}{{ humanize "q" }}{{ end }}{{ template "x" }}',
  'line\n{{ define "x" }}\n{{ .y }}{{ end }}{{ template "x" 5 }}',
  '{{ define "x" }}{{ template "x" }}{{ end }}{{ template "x" }}',
  '{{ define "x" }}{{ template "y" }}{{ end }}{{ define "y" }}{{ template "x" }}{{ end }}{{ template "x" }}',
].map((t, i) => t.replaceAll('{i}', String(i)));

/** Templates 2.42 refuses when it loads the rule file (`promtool check rules` names the error). */
const REFUSED = [
  '{{ define "x" }}{{ $labels }}{{ end }}',
  '{{ define "x" }}a{{ end }}{{ define "x" }}b{{ end }}',
  '{{ if true }}{{ define "x" }}a{{ end }}{{ end }}',
  '{{ define "x" }}{{ define "y" }}{{ end }}{{ end }}',
  '{{ template x }}',
  '{{ template }}',
  '{{ block "x" }}{{ end }}',
  '{{ block "x" 1 }}a{{ else }}b{{ end }}',
  '{{ define "x" }}a{{ else }}b{{ end }}',
  '{{ define "x" }}a',
  '{{ define x }}a{{ end }}',
  '{{ template "x" $nope }}',
  '{{ block "x" . }}{{ $value }}{{ end }}',
  '{{ template "a" }}{{ define "a" }}{{ end }}{{ define "a" }}b{{ end }}{{ define "a" }}c{{ end }}',
  'line one\n{{ template x }}',
  '{{ break }}',
  '{{ if true }}{{ continue }}{{ end }}',
  '{{ range $labels }}{{ else }}{{ break }}{{ end }}',
  '{{ range $labels }}{{ block "b" . }}{{ break }}{{ end }}{{ end }}',
  '{{ range $labels }}{{ break 1 }}{{ end }}',
  '{{ define "__alert_R{i}" }}x{{ end }}y',
  'a\n\n{{ $nope }}',
  'a\n{{ if 1 }}\nb\n',
  '{{ define "x" }}\n{{ end }}{{ define "y" }}\n{{ $labels }}{{ end }}',
].map((t, i) => t.replaceAll('{i}', String(i)));

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

  it(`${REFUSED.length} templates that refuse the rule file, with promtool check rules' reason`, () => {
    const dir = makeTempDir('templates-');
    const file = join(dir, 'rules.yml');
    const rules = REFUSED.map((t, i) => ({ alert: `R${i}`, expr: 'up', annotations: { t } }));
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'g', rules }] }));
    const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    const theirs = r.stderr.split('\n').filter((l) => l.startsWith(file));
    const ours = REFUSED.map(
      (t, i) => `${file}: group "g", rule ${i + 1}, "R${i}": annotation "t": ${templateProblem(t, `R${i}`)}`,
    );
    assert.deepEqual(ours, theirs);
  });
});
