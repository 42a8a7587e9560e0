// Label matchers with Prometheus semantics: regexes are fully anchored (`^(?:re)$`), Go RE2
// spellings that JavaScript lacks ((?i) prefix, (?P<name>)) are translated. A missing label
// matches as the empty string.
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
  body = body.replace(/\(\?P</g, '(?<');
  re = new RegExp(`^(?:${body})$`, flags);
  if (cache.size > 10_000) cache.clear();
  cache.set(source, re);
  return re;
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
