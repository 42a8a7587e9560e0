// logfmt as Loki's `| logfmt` reads a line (grafana/loki pkg/logql/log/parser.go over
// go-logfmt/logfmt's decoder): `key=value` pairs separated by spaces, a value either bare (up to
// the next space) or "double-quoted" with backslash escapes; a key without `=` or with an empty
// value extracts nothing (Loki without --keep-empty). Keys are sanitized as label names (a
// character other than [A-Za-z0-9_] becomes `_`, a leading digit gets a `_`), and a key that names
// one of the line's stream labels is extracted as `<key>_extracted`. Pure.

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '/': '/' };

/** The pairs of one line; the first of a repeated key wins. */
export function parseLogfmt(line: string, streamLabels: Record<string, string> = {}): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && line.charCodeAt(i) <= 32) i++;
    const keyStart = i;
    while (i < n && line.charCodeAt(i) > 32 && line[i] !== '=' && line[i] !== '"') i++;
    const key = line.slice(keyStart, i);
    if (i === keyStart) {
      if (i < n) i++; // a stray '=' or '"': skip it
      continue;
    }
    if (line[i] !== '=') continue; // a bare key: no value
    i++;
    let value = '';
    if (line[i] === '"') {
      i++;
      while (i < n && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < n) {
          value += ESCAPES[line[i + 1]] ?? line[i + 1];
          i += 2;
        } else value += line[i++];
      }
      i++;
    } else {
      const start = i;
      while (i < n && line.charCodeAt(i) > 32) i++;
      value = line.slice(start, i);
    }
    if (value === '') continue;
    let label = key.replace(/[^A-Za-z0-9_]/g, '_');
    if (/^[0-9]/.test(label)) label = `_${label}`;
    if (Object.hasOwn(streamLabels, label)) label = `${label}_extracted`;
    if (!out.has(label)) out.set(label, value);
  }
  return out;
}
