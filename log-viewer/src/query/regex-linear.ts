// How a query's regex runs with its work bounded. regex-safety.ts refuses what backtracks
// exponentially; polynomial shapes remain (`.*.*.*x` over a 20 KB line held the event loop for
// minutes). The read side turns on V8's linear-time fallback (query-regex-engine.ts): a match that
// backtracks too much is rerun on V8's breadth-first engine, linear in the text, like RE2 in Loki and
// VictoriaLogs. That engine takes no `i` flag and no counted repetition above 16, so the pattern
// is rewritten into one it takes, with the same yes/no answer (queries only ask re.test()):
//   - `(?i)re`: each character and class widened to what it matches case-insensitively
//     (regex-case.ts: `a` → `[Aa]`), the same answers as JavaScript's /i flag;
//   - `x{n,m}` on one character, class or escape, up to {256}: n copies of x, then m-n of `x?`.
// A pattern that still cannot run in linear time is refused; the rest are bounded.
import { foldCase } from './regex-case.js';

/** Counted repetitions up to this are written out (a trace id's `[0-9a-f]{32}`); beyond, refused. */
export const MAX_EXPANDED_REPEAT = 256;

/** The pattern the engine runs for a query's pattern (`(?i)` prefix included). */
export function querySource(pattern: string): string {
  return expandCounts(pattern.startsWith('(?i)') ? foldCase(pattern.slice(4)) : pattern);
}

/** A tester for a query pattern that the parser accepted. */
export function regexTester(pattern: string): (text: string) => boolean {
  const re = new RegExp(querySource(pattern));
  return (text) => re.test(text);
}

/**
 * Why a pattern cannot run (bounded), or undefined: its rewrite does not compile, or it cannot fall
 * back to the linear-time engine. Answers only where the
 * process runs with that engine (the read side turns it on: the `l` flag is known); elsewhere
 * nothing is refused here.
 */
export function nonLinearRegex(pattern: string): string | undefined {
  const source = querySource(pattern);
  try {
    new RegExp(source);
  } catch (e) {
    return `invalid regular expression: ${(e as Error).message}`;
  }
  try {
    new RegExp(source, 'l');
    return undefined;
  } catch (e) {
    if (/Invalid flags/.test((e as Error).message)) return undefined;
    return (
      'this pattern cannot run in linear time (a counted repetition above ' +
      `{${MAX_EXPANDED_REPEAT}}, or above {16} on a group); use * or + instead`
    );
  }
}

/** Length of the escape at i: `\xHH` 4, `\uHHHH` 6, `\u{…}` to its brace, `\cX` 3, else 2. */
function escapeLength(p: string, i: number): number {
  const next = p[i + 1];
  if (next === 'x') return 4;
  if (next === 'c') return 3;
  if (next === 'u') return p[i + 2] === '{' ? Math.max(p.indexOf('}', i) + 1 - i, 2) : 6;
  return 2;
}

/** `x{n,m}` on a single atom (character, class, escape, `.`) written out where m is above 16. */
export function expandCounts(p: string): string {
  let out = '';
  let atom = ''; // the last single atom emitted, or '' after a group or quantifier
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    let end = i + 1;
    if (c === '\\') end = i + escapeLength(p, i);
    else if (c === '[') {
      end = i + 1;
      while (end < p.length && p[end] !== ']') end += p[end] === '\\' ? 2 : 1;
      end++;
    } else if (c === '{' && atom !== '') {
      const m = /^\{(\d+)(,(\d*))?\}\??/.exec(p.slice(i));
      if (m) {
        const min = Number(m[1]);
        const max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
        const bound = Number.isFinite(max) ? max : min;
        if (bound > 16 && bound <= MAX_EXPANDED_REPEAT && min <= max) {
          out = out.slice(0, out.length - atom.length);
          out += atom.repeat(min) + (Number.isFinite(max) ? `${atom}?`.repeat(max - min) : `${atom}*`);
          atom = '';
          i += m[0].length;
          continue;
        }
      }
    }
    const token = p.slice(i, end);
    out += token;
    atom = c === '(' || c === ')' || c === '|' || '*+?{}^$'.includes(c) ? '' : token;
    i = end;
  }
  return out;
}
