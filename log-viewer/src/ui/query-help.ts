// The query syntax help shown under the query bar (our own constant content).
import { html, type SafeHtml } from '@flowrent/shared/ui';

const EXAMPLES: [string, string][] = [
  ['timeout', 'the word in the message or any attribute value (case-insensitive, whole words)'],
  ['"connection refused"', 'a phrase'],
  ['timeout*', 'words starting with timeout'],
  ['service:checkout', 'one service'],
  ['level>=warn', 'warn, error and fatal'],
  ['user.id:42', 'a word in a (nested) attribute'],
  ['status:=500', 'exact value'],
  ['duration_ms:>250', 'numeric comparison (> >= < <=)'],
  ['path:~^/api/v[12]/', 'regular expression ((?i) for case-insensitive)'],
  ['exception:*', 'the field is present'],
  ['"user agent":curl', 'a field whose name has spaces, colons or starts with a digit'],
  ['-healthcheck  NOT debug', 'exclude'],
  ['(a OR b) c', 'OR and grouping; terms side by side must all match'],
  ['trace_id:4bf92f3577b34da6a3ce929d0e0e4736', 'every line of one trace'],
  ['{app="api", env=~"prod|stg"} |= "timeout"', 'a LogQL selector and line filter pasted from Grafana'],
  ['{app="api"} | json | level="error"', 'LogQL | json / | logfmt (already unpacked) and label filters'],
];

export function renderQueryHelp(): SafeHtml {
  const rows = EXAMPLES.map(
    ([q, what]) => html`<tr><td><code class="mono" data-example>${q}</code></td><td>${what}</td></tr>`,
  );
  return html`<details class="query-help"><summary>Syntax help</summary>
<table class="data"><tbody>${rows}</tbody></table>
<p class="small muted">Keywords <code>AND</code>, <code>OR</code>, <code>NOT</code> are upper case. Quote a value that has spaces or parentheses. Time range: <code>15m</code>, <code>24h</code>, <code>7d</code>, an RFC 3339 time or epoch milliseconds. Press <kbd>/</kbd> to focus the query, <kbd>Esc</kbd> to clear it.</p>
</details>`;
}
