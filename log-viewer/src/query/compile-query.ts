// Turns a parsed query into (a) a predicate over records and (b) what the store may use to prune
// blocks. Semantics (v1):
//   word / "phrase"  case-insensitive match on word boundaries in the message, attribute values,
//                    trace_id or span_id ("time" does not match "timeout"; that is what lets the
//                    block token index prune soundly)
//   field:value      same word match within one field; `service:` and `level:` compare exactly
//   field:=v / :!=v  exact (case-sensitive) equality; numbers compare as numbers
//   field:>n …       numeric when both sides are numbers, by severity for level, else by text
//   field:~re        JavaScript regex (a leading (?i) makes it case-insensitive), run as
//                    regex-linear.ts rewrites it so that its work stays bounded
//   field:*          field present and not empty
import { LEVELS, type Level, levelRank, normalizeLevel, type StoredRecord, tokenize } from '../model.js';
import type { FieldOp, QueryNode } from './ast.js';
import { fieldGetter, isTokenIndexedField, logfmtGetter, logfmtPairs, valueText } from './record-fields.js';
import { regexTester } from './regex-linear.js';

export type RecordPredicate = (record: StoredRecord) => boolean;

/** What the store may use to skip blocks; every matching record satisfies all of it. */
export interface PruningPlan {
  /** Only these services; [] means nothing can match. */
  services?: string[];
  minLevel?: Level;
  requiredTokens: string[];
  /**
   * Those of requiredTokens that every match holds in its trace_id or span_id (from `trace_id:` and
   * `span_id:` terms): the store need not look for them in messages, attributes or stream fields.
   */
  idTokens?: string[];
}

export interface CompiledQuery {
  predicate: RecordPredicate;
  plan: PruningPlan;
  /** True when the plan alone decides a match (no per-record check needed). */
  matchesAll: boolean;
  /** A regex somewhere: one record may take long (a long line), so budgets look at every record. */
  hasRegex: boolean;
}

export function compileQuery(node: QueryNode): CompiledQuery {
  return {
    predicate: compilePredicate(node),
    plan: planPruning(node),
    matchesAll: node.kind === 'all',
    hasRegex: hasRegex(node),
  };
}

function hasRegex(node: QueryNode): boolean {
  if (node.kind === 'field') return node.op === 'regex';
  if (node.kind === 'not') return hasRegex(node.child);
  if (node.kind === 'and' || node.kind === 'or') return node.children.some(hasRegex);
  return false;
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;

/** `err*`: a word ending in `*` after a word character is a prefix. */
export function isPrefixWord(value: string): boolean {
  return value.length > 1 && value.endsWith('*') && WORD_CHAR.test(value.at(-2) ?? '');
}

/**
 * A case-insensitive literal that must start and end on word boundaries where it has word chars;
 * a prefix word (`err*`) only starts on one.
 */
export function wordMatcher(value: string, prefix = isPrefixWord(value)): (text: string) => boolean {
  const literal = prefix ? value.slice(0, -1) : value;
  const escaped = literal.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const before = WORD_CHAR.test(literal[0] ?? '') ? '(?<![\\p{L}\\p{N}_])' : '';
  const after = !prefix && WORD_CHAR.test(literal.at(-1) ?? '') ? '(?![\\p{L}\\p{N}_])' : '';
  const re = new RegExp(before + escaped + after, 'iu');
  return (text) => re.test(text);
}

function anyStringValue(value: unknown, test: (text: string) => boolean): boolean {
  if (typeof value === 'string') return test(value);
  if (typeof value === 'number' || typeof value === 'boolean') return test(String(value));
  if (Array.isArray(value)) return value.some((v) => anyStringValue(v, test));
  if (value !== null && typeof value === 'object')
    return Object.values(value).some((v) => anyStringValue(v, test));
  return false;
}

function compilePredicate(node: QueryNode): RecordPredicate {
  switch (node.kind) {
    case 'all':
      return () => true;
    case 'text': {
      const test = wordMatcher(node.value, !node.phrase && isPrefixWord(node.value));
      return (r) =>
        test(r.message) ||
        (r.traceId !== '' && test(r.traceId)) ||
        (r.spanId !== '' && test(r.spanId)) ||
        anyStringValue(r.attributes, test);
    }
    case 'field':
      return node.logfmt
        ? compileLogfmtField(node.field, node.op, node.value)
        : compileField(node.field, node.op, node.value, node.flat);
    case 'not': {
      const child = compilePredicate(node.child);
      return (r) => !child(r);
    }
    case 'and': {
      const children = node.children.map(compilePredicate);
      return (r) => children.every((c) => c(r));
    }
    case 'or': {
      const children = node.children.map(compilePredicate);
      return (r) => children.some((c) => c(r));
    }
  }
}

/**
 * A label filter after `| logfmt`. Its `level` is the line's `level=` key (a logfmt line is stored
 * as info), else the level the record was sent with; a record sent with none has no level label.
 */
function compileLogfmtField(field: string, op: FieldOp, value: string): RecordPredicate {
  if (field.toLowerCase() !== 'level' || op === 'regex' || op === 'exists')
    return compileField(field, op, value, true, logfmtGetter(field));
  const rank = levelRank(normalizeLevel(value)!);
  const stored = compileLevel(op, normalizeLevel(value)!);
  return (r) => {
    const text = logfmtPairs(r).get('level');
    if (text === undefined) return r.levelText !== '' && stored(r);
    const level = normalizeLevel(text);
    return level !== undefined && levelAllowed(op, levelRank(level) - rank);
  };
}

function compileField(
  field: string,
  op: FieldOp,
  value: string,
  flat = false,
  getter?: (r: StoredRecord) => unknown,
): RecordPredicate {
  const lower = field.toLowerCase();
  if (!getter && lower === 'level' && op !== 'regex' && op !== 'exists')
    return compileLevel(op, normalizeLevel(value)!);
  const get = getter ?? fieldGetter(field, flat);
  const exact = lower === 'service' || lower === 'protocol';
  switch (op) {
    case 'exists':
      return (r) => {
        const v = get(r);
        return v !== undefined && v !== null && v !== '';
      };
    case 'match': {
      if (exact) return (r) => get(r) === value;
      const test = wordMatcher(value);
      return (r) => anyStringValue(get(r), test);
    }
    case 'eq':
      return (r) => equals(get(r), value);
    case 'ne':
      return (r) => !equals(get(r), value);
    case 'regex': {
      const test = regexTester(value);
      return (r) => {
        const v = get(r);
        return v !== undefined && v !== null && test(valueText(v));
      };
    }
    default: {
      const cmp = compare(op);
      const n = Number(value);
      // A decimal literal past the double range (1e400) is ±Infinity and still a number: `:>1e400`
      // matches no number and `:<1e400` every one (text comparison made 42 > "1e400").
      const numeric = value.trim() !== '' && (Number.isFinite(n) || DECIMAL.test(value.trim()));
      return (r) => {
        const v = get(r);
        if (v === undefined || v === null || typeof v === 'object') return false;
        if (numeric) {
          const x = typeof v === 'number' ? v : Number(v);
          return typeof v !== 'boolean' && String(v).trim() !== '' && Number.isFinite(x) && cmp(x - n);
        }
        const s = String(v);
        return cmp(s < value ? -1 : s > value ? 1 : 0);
      };
    }
  }
}

/** A decimal number literal, however large. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function equals(v: unknown, value: string): boolean {
  if (v === undefined) return false;
  if (v === null) return value === 'null'; // JSON null: what the UI's filter link for it says
  if (typeof v === 'number') return v === Number(value) && value.trim() !== '';
  return valueText(v) === value;
}

function compare(op: FieldOp): (diff: number) => boolean {
  switch (op) {
    case 'gt':
      return (d) => d > 0;
    case 'gte':
      return (d) => d >= 0;
    case 'lt':
      return (d) => d < 0;
    default:
      return (d) => d <= 0;
  }
}

function compileLevel(op: FieldOp, level: Level): RecordPredicate {
  const allowed = new Set(LEVELS.filter((l) => levelAllowed(op, levelRank(l) - levelRank(level))));
  return (r) => allowed.has(r.level);
}

function levelAllowed(op: FieldOp, diff: number): boolean {
  if (op === 'match' || op === 'eq') return diff === 0;
  if (op === 'ne') return diff !== 0;
  return compare(op)(diff);
}

/** Pruning hints, only where logically sound: never from under NOT, intersected across OR. */
export function planPruning(node: QueryNode): PruningPlan {
  switch (node.kind) {
    case 'all':
    case 'not':
      return { requiredTokens: [] };
    case 'text':
      return { requiredTokens: wordTokens(node.value, !node.phrase && isPrefixWord(node.value)) };
    case 'field':
      // after `| logfmt` the level is read from the line: the stored level (info) prunes nothing
      if (node.logfmt && node.field.toLowerCase() === 'level') return { requiredTokens: [] };
      return planField(node.field, node.op, node.value);
    case 'and':
      return node.children.map(planPruning).reduce(andPlans);
    case 'or':
      return node.children.map(planPruning).reduce(orPlans);
  }
}

function planField(field: string, op: FieldOp, value: string): PruningPlan {
  const lower = field.toLowerCase();
  if (lower === 'service' && (op === 'match' || op === 'eq'))
    return { services: [value], requiredTokens: [] };
  if (lower === 'level') {
    const level = normalizeLevel(value);
    if (!level || !(op === 'match' || op === 'eq' || op === 'gte' || op === 'gt'))
      return { requiredTokens: [] };
    const rank = Math.min(levelRank(level) + (op === 'gt' ? 1 : 0), LEVELS.length - 1);
    return { minLevel: LEVELS[rank], requiredTokens: [] };
  }
  if ((op === 'match' || op === 'eq') && isTokenIndexedField(field)) {
    let requiredTokens = wordTokens(value, op === 'match' && isPrefixWord(value));
    // `n:=05` or `n:=5.0` equals the number 5 (stored as "5"): only tokens both spellings hold.
    const n = Number(value);
    if (op === 'eq' && value.trim() !== '' && Number.isFinite(n) && String(n) !== value) {
      const numberTokens = wordTokens(String(n), false);
      requiredTokens = requiredTokens.filter((t) => numberTokens.includes(t));
    }
    if (op === 'eq' && value === 'null') requiredTokens = []; // JSON null, however the block indexes it
    if ((lower === 'trace_id' || lower === 'span_id') && requiredTokens.length > 0)
      return { requiredTokens, idTokens: requiredTokens };
    return { requiredTokens };
  }
  return { requiredTokens: [] };
}

function andPlans(a: PruningPlan, b: PruningPlan): PruningPlan {
  const services =
    a.services && b.services ? a.services.filter((s) => b.services!.includes(s)) : (a.services ?? b.services);
  const minLevel =
    a.minLevel && b.minLevel
      ? LEVELS[Math.max(levelRank(a.minLevel), levelRank(b.minLevel))]
      : (a.minLevel ?? b.minLevel);
  // A token every match holds in an id by one side is in an id for the whole conjunction.
  return withOptional(
    services,
    minLevel,
    unique([...a.requiredTokens, ...b.requiredTokens]),
    unique([...(a.idTokens ?? []), ...(b.idTokens ?? [])]),
  );
}

function orPlans(a: PruningPlan, b: PruningPlan): PruningPlan {
  const services = a.services && b.services ? unique([...a.services, ...b.services]) : undefined;
  const minLevel =
    a.minLevel && b.minLevel ? LEVELS[Math.min(levelRank(a.minLevel), levelRank(b.minLevel))] : undefined;
  return withOptional(
    services,
    minLevel,
    a.requiredTokens.filter((t) => b.requiredTokens.includes(t)),
    (a.idTokens ?? []).filter((t) => b.idTokens?.includes(t)),
  );
}

function withOptional(
  services: string[] | undefined,
  minLevel: Level | undefined,
  tokens: string[],
  idTokens: string[],
): PruningPlan {
  const plan: PruningPlan = { requiredTokens: tokens };
  if (idTokens.length > 0) plan.idTokens = idTokens;
  if (services) plan.services = services;
  if (minLevel) plan.minLevel = minLevel;
  return plan;
}

/** Tokens every match contains; a prefix's last token may be partial, so it is left out. */
function wordTokens(value: string, prefix: boolean): string[] {
  const tokens = tokenize(prefix ? value.slice(0, -1) : value);
  return unique(prefix ? tokens.slice(0, -1) : tokens);
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
