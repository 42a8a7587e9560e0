// Which regular expressions a query may run. `field:~re` and LogQL's `=~ !~ |~` run on V8's
// backtracking engine, where `(a+)+$` over a 25-character line took 257 ms, doubling with each
// character, and one query held the event loop (ingest acknowledgements included). Loki and
// VictoriaLogs use RE2, linear in the text, which has no backreferences and no lookaround. We keep
// V8's engine (fast, and the syntax the UI documents; the pure-JS RE2 port re2js would make every
// regex scan slower) and refuse, at parse time, the constructs that make it backtrack exponentially:
//   - backreferences (`\1`, `\k<name>`) and lookaround (`(?=` `(?!` `(?<=` `(?<!`), as RE2 does;
//   - a group repeated more than once (`*`, `+`, `{n,}`, `{n,m}` with m > 1) that holds a quantifier
//     or an alternation: `(a+)+`, `(\w+\s?)*`, `(a|aa)+`, `((ab)?c)*` — the ambiguous nesting under
//     which the ways to split a text grow exponentially. `(?:GET|POST)`, `(ab)+`, `a+b*` pass.
// Polynomial cases remain (`.*.*.*x` on a 256 KB line); a query's wall-time budget is checked
// between records, not inside one match.

export interface UnsafeRegex {
  message: string;
  /** Index in the pattern of the construct at fault. */
  offset: number;
}

interface Group {
  start: number;
  /** A quantifier or an alternation somewhere inside (nested groups included). */
  ambiguous: boolean;
}

/** Why a pattern may backtrack exponentially, or undefined when it is safe to run. */
export function unsafeRegex(pattern: string): UnsafeRegex | undefined {
  const stack: Group[] = [{ start: 0, ambiguous: false }];
  const top = () => stack[stack.length - 1];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || (next === 'k' && pattern[i + 2] === '<'))
        return { message: 'backreferences are not supported (RE2 semantics)', offset: i };
      i += 2;
      continue;
    }
    if (c === '[') {
      i = classEnd(pattern, i);
      continue;
    }
    if (c === '(') {
      if (/^\(\?<?[=!]/.test(pattern.slice(i, i + 4)))
        return { message: 'lookahead and lookbehind are not supported (RE2 semantics)', offset: i };
      stack.push({ start: i, ambiguous: false });
      i++;
      // `(?:` and `(?<name>` open a group: their `?` is no quantifier (it made `(?:ab)+` refused).
      if (pattern[i] === '?' && pattern[i + 1] === ':') i += 2;
      else if (pattern[i] === '?' && pattern[i + 1] === '<') {
        const close = pattern.indexOf('>', i);
        i = close < 0 ? pattern.length : close + 1;
      }
      continue;
    }
    if (c === '|') {
      top().ambiguous = true;
      i++;
      continue;
    }
    if (c === ')' && stack.length > 1) {
      const group = stack.pop()!;
      i++;
      const q = quantifierAt(pattern, i);
      if (q) {
        if (q.repeats && group.ambiguous)
          return {
            message:
              'a repeated group may not hold a quantifier or an alternation (exponential backtracking); ' +
              'write it without the nesting',
            offset: group.start,
          };
        i = q.end;
      }
      if (group.ambiguous || q) top().ambiguous = true;
      continue;
    }
    const q = quantifierAt(pattern, i);
    if (q) {
      top().ambiguous = true;
      i = q.end;
      continue;
    }
    i++;
  }
  return undefined;
}

/** Index after the character class opening at i (an unclosed one runs to the end). */
function classEnd(p: string, i: number): number {
  let j = i + 1;
  while (j < p.length && p[j] !== ']') j += p[j] === '\\' ? 2 : 1;
  return j + 1;
}

/** The quantifier at i (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each maybe lazy), or undefined. */
function quantifierAt(p: string, i: number): { repeats: boolean; end: number } | undefined {
  const c = p[i];
  let repeats: boolean;
  let end: number;
  if (c === '*' || c === '+' || c === '?') {
    repeats = c !== '?';
    end = i + 1;
  } else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
    if (!m) return undefined; // a literal brace
    const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
    // {n} is not ambiguous itself, but {n} with n > 1 on a group repeats it.
    repeats = max > 1;
    end = i + m[0].length;
  } else return undefined;
  return { repeats, end: end + (p[end] === '?' ? 1 : 0) };
}
