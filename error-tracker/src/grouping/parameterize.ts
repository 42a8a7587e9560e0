// Replaces the variable parts of a message or exception value with placeholders so that
// "user 42 not found" and "user 43 not found" group together. Order matters: urls and emails
// before paths, uuids before hex, hex before ids and numbers.
// The output is part of persisted grouping keys. The rules were plain regexes until the tenth
// session; four of them (url, email, path, id) rescanned the rest of a token from every word
// boundary inside it, so 'a-'.repeat(100000) took minutes on the ingest worker (black-box 10 #9).
// Those four are now drivers that give the same matches in one pass: a candidate's outcome depends
// only on where its run of token characters ends, so one failed candidate fails the whole run.
// parameterize.test.ts checks them against the old regexes.

/** Relay's cap on a message (`logentry.message`, 8,192 chars): Sentry never groups on more, and the
 * variable parts that matter for grouping sit at the start. Bounds the work on a hostile event. */
export const MAX_PARAMETERIZE_CHARS = 8192;

type Rule = (text: string) => string;

/** A rule of the form `\b<start char><run chars>*<tail>`: every candidate inside one run shares
 * the run's end, so the tail is tried once per run instead of once per candidate. `needle`: a
 * string every tail holds, to skip most texts at once. */
function runRule(needle: string, start: RegExp, run: RegExp, tail: RegExp, placeholder: string): Rule {
  return (text) => {
    if (!text.includes(needle)) return text;
    let out = '';
    let emitted = 0;
    start.lastIndex = 0;
    for (let m = start.exec(text); m !== null; m = start.exec(text)) {
      run.lastIndex = m.index;
      run.exec(text);
      tail.lastIndex = run.lastIndex;
      if (tail.exec(text) !== null) {
        out += text.slice(emitted, m.index) + placeholder;
        emitted = tail.lastIndex;
      }
      start.lastIndex = Math.max(run.lastIndex, emitted);
    }
    return out + text.slice(emitted);
  };
}

/** Was /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>)]+/gi */
const url = runRule('://', /\b[a-z]/gi, /[a-z0-9+.-]*/iy, /:\/\/[^\s'"<>)]+/y, '<url>');

/** Was /\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b/g */
const email = runRule('@', /\b[\w.+-]/g, /[\w.+-]*/y, /@[\w-]+(?:\.[\w-]+)+\b/y, '<email>');

const WINDOWS_PATH = /(?:[A-Za-z]:\\|\\\\)[^\s'"]+/y;
const SLASH_PATH = /(?<![\w.:/])(?:\.{0,2}\/[\w.@-]+)+\/?/y;
const PATH_RUN = /[\w.@-]*/y;
const PATH_TAIL = /(?:\/[\w.@-]+)+/y;
const PATH_CANDIDATE = /[A-Za-z]:\\|\\\\|[./]|\b[\w.@-]/g;
const PATH_WORD_START = /\b[\w.@-]/y;

/** Was /(?:[A-Za-z]:\\|\\\\)[^\s'"]+|(?<![\w.:/])(?:\.{0,2}\/[\w.@-]+)+\/?|\b[\w.@-]+(?:\/[\w.@-]+)+/g:
 * the alternatives are tried in that order at each position; the third one's outcome is cached
 * per run of [\w.@-] (it needs `/` + a run character right after the run). */
function path(text: string): string {
  if (!text.includes('/') && !text.includes('\\')) return text;
  let out = '';
  let emitted = 0;
  let runEnd = -1; // the run the third alternative last failed on ends here
  PATH_CANDIDATE.lastIndex = 0;
  for (let m = PATH_CANDIDATE.exec(text); m !== null; m = PATH_CANDIDATE.exec(text)) {
    const at = m.index;
    let end = matchAt(WINDOWS_PATH, text, at);
    if (end < 0) end = matchAt(SLASH_PATH, text, at);
    if (end < 0 && at >= runEnd && matchAt(PATH_WORD_START, text, at) > 0) {
      const b = matchAt(PATH_RUN, text, at);
      end = matchAt(PATH_TAIL, text, b);
      if (end < 0) runEnd = b;
    }
    if (end < 0) {
      PATH_CANDIDATE.lastIndex = at + 1;
      continue;
    }
    out += `${text.slice(emitted, at)}<path>`;
    emitted = end;
    PATH_CANDIDATE.lastIndex = end;
  }
  return out + text.slice(emitted);
}

/** End of a sticky match of `re` at `at`, or -1. */
function matchAt(re: RegExp, text: string, at: number): number {
  re.lastIndex = at;
  return re.exec(text) === null ? -1 : re.lastIndex;
}

const ID_RUN = /[A-Za-z0-9_-]+/g;
const ANY_DIGIT = /\d/;
const MIN_ID_CHARS = 6;

/** Was /\b(?=[A-Za-z_-]*\d)(?=[\d_-]*[A-Za-z])[A-Za-z0-9_-]{6,}\b/g. Per run of [A-Za-z0-9_-]:
 * a candidate (a word boundary) matches when a digit and a letter follow it in the run and the
 * run's last word boundary is 6+ characters on; the match ends there, so a run has one match at
 * most, from its first candidate or none. */
function id(text: string): string {
  if (!ANY_DIGIT.test(text)) return text;
  let out = '';
  let emitted = 0;
  ID_RUN.lastIndex = 0;
  for (let m = ID_RUN.exec(text); m !== null; m = ID_RUN.exec(text)) {
    const a = m.index;
    const b = a + m[0].length;
    let first = -1;
    let lastDigit = -1;
    let lastLetter = -1;
    for (let i = a; i < b; i++) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) lastDigit = i;
      else if (c !== 45 && c !== 95) lastLetter = i;
      if (first < 0 && isWord(c) !== (i > 0 && isWord(text.charCodeAt(i - 1)))) first = i;
    }
    let lastBoundary = b;
    while (lastBoundary > a && isWord(text.charCodeAt(lastBoundary - 1)) === isWordAt(text, lastBoundary))
      lastBoundary--;
    if (first < 0 || first > Math.min(lastDigit, lastLetter) || lastBoundary - first < MIN_ID_CHARS) continue;
    out += `${text.slice(emitted, first)}<id>`;
    emitted = lastBoundary;
  }
  return out + text.slice(emitted);
}

function isWord(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isWordAt(text: string, i: number): boolean {
  return i < text.length && isWord(text.charCodeAt(i));
}

function regexRule(pattern: RegExp, placeholder: string): Rule {
  return (text) => text.replace(pattern, placeholder);
}

// The regex rules left are linear: a bounded length (uuid, ip, date), or a start that only a
// run's first character can be (hex, int, duration).
const UUID = regexRule(/\b[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\b/gi, '<uuid>');
const IP = regexRule(/\b\d{1,3}(\.\d{1,3}){3}\b/g, '<ip>');
const HEX_0X = regexRule(/\b0x[0-9a-f]+\b/gi, '<hex>');
const HEX = regexRule(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<hex>');
const INT = regexRule(/-?\b\d+(\.\d+)?\b/g, '<int>');
/** ISO 8601 / RFC 3339 dates and date-times, with a fraction and a zone (Sentry's "date" rule, its
 * RFC 3339 and datetime forms; `toISOString()`, Python's `isoformat()` and logging's asctime). The
 * int rule left the fraction and "05Z" behind, so each millisecond made an issue (black-box 10 #8). */
const DATE = regexRule(
  /(?<!\d)\d{4}-[01]\d-[0-3]\d(?:[T ][0-2]\d:[0-5]\d(?::[0-5]\d(?:[.,]\d+)?)?(?:Z|[+-][0-2]\d(?::?[0-5]\d)?)?)?(?!\d)/g,
  '<date>',
);
/** A number with a time unit ("took 87ms", "1.5s", "retry in 5m"), as Sentry's "duration" rule
 * (which knows ms and s): the id rule took 6+ characters only, so "87ms" stayed and "1532ms" was an id. */
const DURATION = regexRule(/\b\d+(?:\.\d+)?(?:ns|us|ms|s|sec|secs|m|min|mins|h|hr|hrs)\b/g, '<duration>');

/** Grouping versions 1 and 2. */
const RULES_V2: Rule[] = [url, email, UUID, IP, path, HEX_0X, HEX, id, INT];
/** Grouping version 3: dates before the numbers in them, durations before ids. */
const RULES_V3: Rule[] = [url, email, DATE, UUID, IP, path, HEX_0X, HEX, DURATION, id, INT];

/** First non-empty line of `text` (its first MAX_PARAMETERIZE_CHARS), with variable parts
 * replaced by placeholders the way grouping `version` does (its output is part of the keys). */
export function parameterize(text: string, version: number): string {
  return replaceVariableParts(firstLine(text).slice(0, MAX_PARAMETERIZE_CHARS), version);
}

/** The rules alone, on any length (exported for the linearity test). */
export function replaceVariableParts(line: string, version: number): string {
  let out = line;
  for (const rule of version >= 3 ? RULES_V3 : RULES_V2) out = rule(out);
  return out;
}

function firstLine(text: string): string {
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    if (line !== '') return line;
    start = end + 1;
  }
  return '';
}
