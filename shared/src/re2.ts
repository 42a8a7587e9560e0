// Go's regexp syntax (RE2), which Prometheus and Loki compile, read by JavaScript's engines: the
// spellings JavaScript lacks or reads otherwise are translated, and what RE2 refuses is refused in
// Go's words, so a pattern pasted from Grafana means here what it means there. Pure.

/** How a service's engine differs from a plain `RegExp` (the collector's matchers need none). */
export interface Re2Options {
  /** `\pL`, `\p{Greek}`: refused where the engine runs without JavaScript's u flag. */
  refuseUnicodeClasses?: boolean;
  /** `(?P<name>…)` as a plain group `(?:…)` where only test() is asked (and names could clash). */
  plainGroups?: boolean;
  /** `.` left as JavaScript's (also not \r, U+2028, U+2029) where a rewrite would defeat the engine. */
  javascriptDot?: boolean;
}

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/** RE2's cap on a repeat count ({n}, {n,m}): larger ones are a syntax error there. */
const MAX_RE2_REPEAT = 1000;

/**
 * What Go's regexp (RE2, as Prometheus 2.42 compiles matchers) refuses but JavaScript accepts, in
 * Go's words: lookarounds and `(?<name>` groups, backreferences, repeat counts over 1000. Accepted,
 * such a matcher answered 200 (and `a{1000000}` compiled a huge automaton) where Prometheus
 * answers 400 bad_data.
 */
export function re2Problem(re: string, options: Re2Options = {}): string | undefined {
  let inClass = false;
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') {
      const e = re[i + 1] ?? '';
      if (e >= '1' && e <= '9' && !/[0-7]/.test(re[i + 2] ?? ''))
        return `invalid escape sequence: \`\\${e}\``;
      // Go knows these letter escapes only (\C, \e, \u, \k… are errors; JavaScript read some as
      // the letter itself).
      if (/[A-Za-z]/.test(e) && !RE2_LETTER_ESCAPES.includes(e)) return `invalid escape sequence: \`\\${e}\``;
      if (options.refuseUnicodeClasses && (e === 'p' || e === 'P'))
        return `Unicode classes (\\${e}) are not supported here`;
      if (e === 'Q') {
        const end = re.indexOf('\\E', i + 2);
        // Unclosed, \Q also quotes the ")$" Prometheus' anchoring appends.
        if (end < 0) return `missing closing ): \`^(?:${re})$\``;
        i = end + 1;
        continue;
      }
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (re[i + 1] === '^') i++;
      if (re[i + 1] === ']') i++; // a leading ] is a literal
      continue;
    }
    if (c === '(' && re[i + 1] === '?') {
      const rest = re.slice(i, i + 4);
      if (/^\(\?(=|!|<=|<!)/.test(rest))
        return `invalid or unsupported Perl syntax: \`${rest.slice(0, rest[2] === '<' ? 4 : 3)}\``;
      if (/^\(\?<[A-Za-z_]/.test(rest)) return 'invalid or unsupported Perl syntax: `(?<`';
    }
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(re.slice(i));
      if (
        m &&
        (Number(m[1]) > MAX_RE2_REPEAT ||
          (m[3] !== undefined && m[3] !== '' && Number(m[3]) > MAX_RE2_REPEAT))
      )
        return `invalid repeat count: \`${m[0]}\``;
    }
  }
  return undefined;
}

const RE2_LETTER_ESCAPES = 'aftnrvxpPdDsSwWbBAzQ';

const escapeLiteral = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/**
 * RE2 spellings JavaScript lacks or reads otherwise: (?P<name>), [[:class:]] inside a class,
 * \A and \z, \Q…\E (literal text), \x{HHHH}, a `]` first in a class (a literal in RE2, an
 * empty class in JavaScript), and the flags i and s set for a group or the rest of one
 * (`(?i:x)`, `a(?i)b`; JavaScript before V8 12.5 has no modifiers): letters become both cases,
 * `.` any character (else any but \n, as Go's). A leading (?i) stays a flag of the whole RegExp.
 */
export function translateRe2(re: string, dotAllFlag = false, options: Re2Options = {}): string {
  let out = '';
  let inClass = false;
  let ci = false;
  let dotAll = dotAllFlag;
  const saved: [boolean, boolean][] = [];
  const cased = (ch: string) => ch.toLowerCase() !== ch.toUpperCase();
  const other = (ch: string) => (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase());
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') {
      const e = re[i + 1] ?? '';
      if (e === 'Q') {
        const end = re.indexOf('\\E', i + 2);
        out += escapeLiteral(re.slice(i + 2, end < 0 ? undefined : end));
        i = end < 0 ? re.length : end + 1;
      } else if (e === 'x' && re[i + 2] === '{') {
        const close = re.indexOf('}', i + 3);
        const cp = Number.parseInt(re.slice(i + 3, close), 16);
        const units = close > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
        if (units) {
          for (const u of units.split('')) out += `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`;
          i = close;
        } else {
          out += c + e;
          i++;
        }
      } else if (e === 's' || (e === 'S' && !inClass)) {
        // Go's \s is [\t\n\f\r ] (JavaScript's also \v, U+00A0, U+2028…).
        out += inClass ? '\\t\\n\\f\\r ' : e === 's' ? '[\\t\\n\\f\\r ]' : '[^\\t\\n\\f\\r ]';
        i++;
      } else if (!inClass && e === 'A') {
        out += '^';
        i++;
      } else if (!inClass && e === 'z') {
        out += '$';
        i++;
      } else {
        out += c + e;
        i++;
      }
      continue;
    }
    if (inClass) {
      const posix = c === '[' ? /^\[:([a-z]+):\]/.exec(re.slice(i)) : null;
      if (posix && POSIX_CLASSES[posix[1]]) {
        out += POSIX_CLASSES[posix[1]];
        i += posix[0].length - 1;
        continue;
      }
      if (c === ']') inClass = false;
      else if (ci && cased(c)) {
        const to = re[i + 1] === '-' ? re[i + 2] : undefined;
        if (
          to !== undefined &&
          to !== ']' &&
          cased(to) &&
          other(c) !== c &&
          (c === c.toLowerCase()) === (to === to.toLowerCase())
        ) {
          out += `${c}-${to}${other(c)}-${other(to)}`;
          i += 2;
        } else out += c + other(c);
        continue;
      }
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (re[i + 1] === '^') out += re[++i];
      if (re[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && re.startsWith('(?P<', i)) {
      saved.push([ci, dotAll]);
      if (options.plainGroups) {
        out += '(?:';
        i = re.indexOf('>', i);
      } else {
        out += '(?<';
        i += 3;
      }
      continue;
    }
    const flags = c === '(' ? /^\(\?([is]*)(?:-([is]*))?([:)])/.exec(re.slice(i)) : null;
    if (flags && (flags[1] || flags[2])) {
      if (flags[3] === ':') saved.push([ci, dotAll]);
      if (flags[1].includes('i')) ci = true;
      if (flags[1].includes('s')) dotAll = true;
      if (flags[2]?.includes('i')) ci = false;
      if (flags[2]?.includes('s')) dotAll = false;
      out += flags[3] === ':' ? '(?:' : '';
      i += flags[0].length - 1;
      continue;
    }
    if (c === '(') saved.push([ci, dotAll]);
    else if (c === ')') [ci, dotAll] = saved.pop() ?? [false, dotAllFlag];
    if (ci && cased(c)) out += `[${c}${other(c)}]`;
    // Go's . leaves out only \n (JavaScript's also \r, U+2028 and U+2029).
    else if (c === '.' && dotAll) out += '[^]';
    else if (c === '.' && !options.javascriptDot) out += '[^\\n]';
    else out += c;
  }
  return out;
}
