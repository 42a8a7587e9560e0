// Loki stream label strings `{a="b", c="d"}` (Prometheus label-set text with Go-quoted values),
// parsed leniently: winston-loki 6 builds them by concatenation without escaping, so a `"` inside a
// value ends it only when what follows looks like `, name="` or the closing `}`.
import { ParseError } from '@flowrent/shared/errors';
import { setOwn } from './json-record.js';

const NEXT_PAIR_OR_END = /^\s*(?:,\s*[A-Za-z_][A-Za-z0-9_.]*\s*=\s*"|,?\s*\}\s*$)/;
const NAME = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*"/;

export function parseLokiLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let s = text.trim();
  if (s === '' || s === '{}') return out;
  if (!s.startsWith('{') || !s.endsWith('}'))
    throw new ParseError(
      `stream labels ${JSON.stringify(s.slice(0, 80))} are not of the form {name="value", ...}`,
    );
  s = s.slice(1);
  let pos = 0;
  while (pos < s.length) {
    const rest = s.slice(pos);
    if (/^\s*\}\s*$/.test(rest)) break;
    const m = NAME.exec(rest);
    if (!m)
      throw new ParseError(
        `stream labels: expected name="value" at offset ${pos + 1} of ${JSON.stringify(text.slice(0, 80))}`,
      );
    pos += m[0].length;
    let value = '';
    let closed = false;
    while (pos < s.length) {
      const c = s[pos];
      if (c === '\\' && pos + 1 < s.length) {
        const n = s[pos + 1];
        value += n === 'n' ? '\n' : n === 't' ? '\t' : n === '"' || n === '\\' ? n : `\\${n}`;
        pos += 2;
        continue;
      }
      if (c === '"' && NEXT_PAIR_OR_END.test(s.slice(pos + 1))) {
        pos++;
        closed = true;
        break;
      }
      value += c;
      pos++;
    }
    if (!closed)
      throw new ParseError(
        `stream labels: unterminated value of ${m[1]} in ${JSON.stringify(text.slice(0, 80))}`,
      );
    setOwn(out, m[1], value);
    const comma = /^\s*,?/.exec(s.slice(pos));
    pos += comma ? comma[0].length : 0;
  }
  return out;
}
