// LogQL regexes are RE2 (Go's regexp, as Loki compiles them); queries run them on V8's engines,
// through shared/src/re2.ts (the collector's PromQL matchers use it too), with this engine's
// differences: `.` left as JavaScript's, named groups made plain (a query only asks test()) and
// Unicode classes `\pL` refused (they need the u flag). Pure.

import { re2Problem, translateRe2 } from '@flowrent/shared/re2';

const ENGINE = { refuseUnicodeClasses: true, plainGroups: true, javascriptDot: true };

/**
 * An RE2 pattern as the JavaScript source the query engine runs (leading `(?i)` kept as its flag, a
 * leading `(?s)` applied to `.`), or a message saying why RE2 or this engine refuses it.
 */
export function re2ToJs(pattern: string): { source: string } | { problem: string } {
  const flags = /^\(\?([imsU]+)\)/.exec(pattern);
  let body = flags ? pattern.slice(flags[0].length) : pattern;
  const f = flags?.[1] ?? '';
  if (f.includes('m') || f.includes('U')) return { problem: `flag (?${f}) is not supported here` };
  const problem = re2Problem(body, ENGINE);
  if (problem) return { problem };
  body = translateRe2(body, f.includes('s'), ENGINE);
  return { source: f.includes('i') ? `(?i)${body}` : body };
}
