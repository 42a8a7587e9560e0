// Label matchers with Prometheus semantics: regexes are fully anchored (`^(?:re)$`), Go RE2
// spellings that JavaScript lacks ((?i) prefix, (?P<name>)) are translated. A missing label
// matches as the empty string.
import { re2Problem, translateRe2 } from '@flowrent/shared/re2';
import type { LabelMatcher, Labels } from './sample-source.js';

const cache = new Map<string, RegExp>();

/** Compiles a Prometheus (RE2) regex anchored at both ends; throws on invalid syntax. */
export function compileAnchoredRegex(source: string): RegExp {
  let re = cache.get(source);
  if (re) return re;
  let body = source;
  let flags = '';
  const inline = /^\(\?([imsU]+)\)/.exec(body);
  if (inline) {
    body = body.slice(inline[0].length);
    if (inline[1].includes('i')) flags += 'i';
    if (inline[1].includes('s')) flags += 's';
    if (inline[1].includes('m')) flags += 'm';
  }
  const problem = re2Problem(body);
  if (problem) throw new Error(problem);
  body = translateRe2(body, flags.includes('s'));
  try {
    re = new RegExp(`^(?:${body})$`, flags);
  } catch (e) {
    throw new Error(goRegexpError(source, (e as Error).message));
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(source, re);
  return re;
}

/** Go's regexp/syntax wording of the errors JavaScript words its own way (Go compiles the
 * anchored `^(?:re)$` and quotes the part it stopped at); others keep JavaScript's text. */
function goRegexpError(source: string, message: string): string {
  const anchored = `^(?:${source})$`;
  if (message.includes('Unterminated group')) return `missing closing ): \`${anchored}\``;
  if (message.includes("Unmatched ')'")) return `unexpected ): \`${anchored}\``;
  if (message.includes('Unterminated character class'))
    return `missing closing ]: \`${anchored.slice(anchored.lastIndexOf('['))}\``;
  return message;
}

export type CompiledMatcher = (value: string) => boolean;

export function compileMatcher(m: LabelMatcher): CompiledMatcher {
  switch (m.type) {
    case '=':
      return (v) => v === m.value;
    case '!=':
      return (v) => v !== m.value;
    case '=~': {
      const re = compileAnchoredRegex(m.value);
      return (v) => re.test(v);
    }
    case '!~': {
      const re = compileAnchoredRegex(m.value);
      return (v) => !re.test(v);
    }
  }
}

/** A predicate over label sets that is true when every matcher matches. */
export function compileMatchers(matchers: LabelMatcher[]): (labels: Labels) => boolean {
  const compiled = matchers.map((m) => ({ name: m.name, test: compileMatcher(m) }));
  return (labels) => compiled.every((c) => c.test(labels[c.name] ?? ''));
}

/**
 * Splits matchers into those any SampleSource can evaluate (plain `^(?:re)$` in JavaScript) and
 * regexes that need this module's RE2 translation ((?i), [[:digit:]], …), which the caller applies
 * to the returned series itself.
 */
export function splitForSource(matchers: LabelMatcher[]): {
  pushed: LabelMatcher[];
  own: ((labels: Labels) => boolean) | undefined;
} {
  const needsOwn = (m: LabelMatcher) =>
    (m.type === '=~' || m.type === '!~') &&
    (/^\(\?[imsU]+\)/.test(m.value) || translateRe2(m.value) !== m.value);
  const own = matchers.filter(needsOwn);
  if (own.length === 0) return { pushed: matchers, own: undefined };
  const pushed = matchers.filter((m) => !needsOwn(m));
  // A source needs at least one matcher: ask for every series with a metric name.
  if (pushed.length === 0) pushed.push({ name: '__name__', type: '=~', value: '.+' });
  return { pushed, own: compileMatchers(own) };
}
