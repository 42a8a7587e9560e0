// Prometheus 2.42 relabelling (model/relabel/relabel.go, docs/configuration/configuration.md
// <relabel_config>), for scrape configs' relabel_configs (targets, before the scrape) and
// metric_relabel_configs (each scraped sample, before it is stored). Defaults as Prometheus: action
// replace, separator ";", regex "(.*)" anchored at both ends (RE2 spellings translated as for PromQL
// matchers), replacement "$1"; `$1`, `${1}`, `$name` expand as Go's Regexp.Expand does.
import { createHash } from 'node:crypto';
import { compileAnchoredRegex } from '../promql/matchers.js';

export type RelabelAction =
  | 'replace'
  | 'keep'
  | 'drop'
  | 'keepequal'
  | 'dropequal'
  | 'hashmod'
  | 'labelmap'
  | 'labeldrop'
  | 'labelkeep'
  | 'lowercase'
  | 'uppercase';

const ACTIONS = new Set<string>([
  'replace',
  'keep',
  'drop',
  'keepequal',
  'dropequal',
  'hashmod',
  'labelmap',
  'labeldrop',
  'labelkeep',
  'lowercase',
  'uppercase',
]);
const NEEDS_TARGET = new Set<string>([
  'replace',
  'hashmod',
  'lowercase',
  'uppercase',
  'keepequal',
  'dropequal',
]);
const KEYS = new Set([
  'source_labels',
  'separator',
  'regex',
  'modulus',
  'target_label',
  'replacement',
  'action',
]);
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** relabel.go relabelTarget: a target_label of replace may hold $ references. */
const TARGET_WITH_REFS = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;

export interface RelabelRule {
  sourceLabels: string[];
  separator: string;
  regex: RegExp;
  regexText: string;
  modulus: number;
  targetLabel: string;
  replacement: string;
  action: RelabelAction;
}

export class RelabelConfigError extends Error {}

/** Parses a relabel_configs / metric_relabel_configs list; `what` names it in errors. */
export function parseRelabelConfigs(v: unknown, what: string): RelabelRule[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new RelabelConfigError(`${what} must be a list`);
  return v.map((raw, i) => parseRule(raw, `${what}[${i}]`));
}

function parseRule(raw: unknown, what: string): RelabelRule {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new RelabelConfigError(`${what} must be a map`);
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r))
    if (!KEYS.has(k)) throw new RelabelConfigError(`${what}: field ${k} not found in type relabel.plain`);
  const text = (key: string, dflt: string): string => {
    const val = r[key];
    if (val === undefined || val === null) return dflt;
    if (typeof val !== 'string' && typeof val !== 'number')
      throw new RelabelConfigError(`${what}: ${key} must be a string`);
    return String(val);
  };
  const action = text('action', 'replace').toLowerCase();
  if (!ACTIONS.has(action)) throw new RelabelConfigError(`${what}: unknown relabel action "${action}"`);
  const sourceLabels = r.source_labels ?? [];
  if (!Array.isArray(sourceLabels) || sourceLabels.some((s) => typeof s !== 'string' || !LABEL_NAME.test(s)))
    throw new RelabelConfigError(`${what}: source_labels must be a list of label names`);
  const regexText = text('regex', '(.*)');
  let regex: RegExp;
  try {
    regex = compileAnchoredRegex(regexText);
  } catch (err) {
    throw new RelabelConfigError(
      `${what}: invalid regex ${JSON.stringify(regexText)}: ${(err as Error).message}`,
    );
  }
  const targetLabel = text('target_label', '');
  const modulus = r.modulus === undefined ? 0 : Number(r.modulus);
  if (!Number.isInteger(modulus) || modulus < 0)
    throw new RelabelConfigError(`${what}: modulus must be a non-negative integer`);
  if (action === 'hashmod' && modulus === 0)
    throw new RelabelConfigError(`${what}: relabel configuration for hashmod requires non-zero modulus`);
  if (NEEDS_TARGET.has(action) && targetLabel === '')
    throw new RelabelConfigError(
      `${what}: relabel configuration for ${action} action requires 'target_label' value`,
    );
  if (action === 'replace' && !TARGET_WITH_REFS.test(targetLabel))
    throw new RelabelConfigError(`${what}: "${targetLabel}" is invalid 'target_label' for ${action} action`);
  if (action !== 'replace' && NEEDS_TARGET.has(action) && !LABEL_NAME.test(targetLabel))
    throw new RelabelConfigError(`${what}: "${targetLabel}" is invalid 'target_label' for ${action} action`);
  if (action === 'labeldrop' || action === 'labelkeep') {
    const extra = ['source_labels', 'separator', 'modulus', 'target_label', 'replacement'].filter(
      (k) => r[k] !== undefined,
    );
    if (extra.length > 0)
      throw new RelabelConfigError(`${what}: ${action} action requires only 'regex', and no other fields`);
  }
  return {
    sourceLabels: sourceLabels as string[],
    separator: text('separator', ';'),
    regex,
    regexText,
    modulus,
    targetLabel,
    replacement: text('replacement', '$1'),
    action: action as RelabelAction,
  };
}

/** Go's Regexp.Expand: $1, ${1}, $name, ${name}, $$; an unknown or missing group is "". */
function expand(template: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '$' || i + 1 >= template.length) {
      out += c;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    let end: number;
    if (template[i + 1] === '{') {
      const close = template.indexOf('}', i + 2);
      name = close < 0 ? '' : template.slice(i + 2, close);
      if (close < 0 || !/^\w+$/.test(name)) {
        out += c; // not a reference: Go copies the $ as it is
        continue;
      }
      end = close;
    } else {
      const word = /^\w+/.exec(template.slice(i + 1));
      if (!word) {
        out += c;
        continue;
      }
      name = word[0];
      end = i + name.length;
    }
    out += groupValue(m, name);
    i = end;
  }
  return out;
}

function groupValue(m: RegExpExecArray, name: string): string {
  if (/^\d+$/.test(name)) return m[Number(name)] ?? '';
  return m.groups?.[name] ?? '';
}

/** Prometheus' sum64(md5(value)): the last 8 bytes of the digest, big-endian, mod modulus. */
function hashmod(value: string, modulus: number): string {
  const digest = createHash('md5').update(value).digest();
  return String(digest.readBigUInt64BE(8) % BigInt(modulus));
}

/**
 * Applies `rules` to `labels` (changed in place); false when the set is dropped. As relabel.go,
 * a label set to "" is removed.
 */
export function relabel(labels: Map<string, string>, rules: RelabelRule[]): boolean {
  for (const rule of rules) {
    const value = rule.sourceLabels.map((l) => labels.get(l) ?? '').join(rule.separator);
    switch (rule.action) {
      case 'drop':
        if (rule.regex.test(value)) return false;
        break;
      case 'keep':
        if (!rule.regex.test(value)) return false;
        break;
      case 'dropequal':
        if ((labels.get(rule.targetLabel) ?? '') === value) return false;
        break;
      case 'keepequal':
        if ((labels.get(rule.targetLabel) ?? '') !== value) return false;
        break;
      case 'replace': {
        const m = rule.regex.exec(value);
        if (!m) break;
        const target = expand(rule.targetLabel, m);
        if (!LABEL_NAME.test(target)) {
          labels.delete(rule.targetLabel);
          break;
        }
        const res = expand(rule.replacement, m);
        if (res === '') labels.delete(target);
        else labels.set(target, res);
        break;
      }
      case 'lowercase':
        setOrDelete(labels, rule.targetLabel, value.toLowerCase());
        break;
      case 'uppercase':
        setOrDelete(labels, rule.targetLabel, value.toUpperCase());
        break;
      case 'hashmod':
        labels.set(rule.targetLabel, hashmod(value, rule.modulus));
        break;
      case 'labelmap':
        for (const [name, v] of [...labels]) {
          const m = rule.regex.exec(name);
          if (m) {
            const res = expand(rule.replacement, m);
            if (LABEL_NAME.test(res)) labels.set(res, v);
          }
        }
        break;
      case 'labeldrop':
        for (const name of [...labels.keys()]) if (rule.regex.test(name)) labels.delete(name);
        break;
      case 'labelkeep':
        for (const name of [...labels.keys()]) if (!rule.regex.test(name)) labels.delete(name);
        break;
    }
  }
  for (const [k, v] of labels) if (v === '') labels.delete(k);
  return true;
}

function setOrDelete(labels: Map<string, string>, name: string, value: string): void {
  if (value === '') labels.delete(name);
  else labels.set(name, value);
}
