// Alert label and annotation templates as Prometheus 2.42 expands them: Go text/template (actions
// with pipelines, `|`, variables, fields, parentheses, if/else if/else, with, range, `-` trims)
// over {Labels, ExternalLabels, ExternalURL, Value}, with $labels, $externalLabels, $externalURL
// and $value declared first (rules/alerting.go), Go's builtins and Prometheus' functions
// (template-functions.ts). A template that fails to parse or run gives 2.42's text
// "<error expanding template: ...>". Not done: define/template/block, and method calls on values.
import { goPrint, isTrue, TEMPLATE_FUNCTIONS, type TemplateValue } from './template-functions.js';

export interface TemplateSample {
  Labels: Record<string, string>;
  Value: number;
}

export interface TemplateData {
  labels: Record<string, string>;
  value: number;
  externalLabels?: Record<string, string>;
  externalURL?: string;
  /** The `query` function: an instant query at the evaluation time. */
  query?: (q: string) => TemplateSample[];
}

class TemplateError extends Error {}

/** A failure while running: where (offset in the template) and at which node, as Go reports it. */
class ExecError extends TemplateError {
  constructor(
    readonly node: string,
    readonly at: number,
    message: string,
  ) {
    super(message);
  }
}

type ArgKind =
  | { k: 'lit'; v: TemplateValue }
  | { k: 'field'; base: 'dot' | string; path: string[] }
  | { k: 'fn'; name: string }
  | { k: 'pipe'; p: Pipeline };
/** `text`: the argument as written, `pos`: its offset in the template (Go's node String/Pos). */
type Arg = ArgKind & { text: string; pos: number };
type Command = Arg[];
interface Pipeline {
  /** `$x :=`, or for range `$i, $x :=` (index or key, then element). */
  decl?: string[];
  cmds: Command[];
}
type Node =
  | { k: 'text'; text: string }
  | { k: 'action'; p: Pipeline }
  | { k: 'if' | 'with' | 'range'; p: Pipeline; body: Node[]; other: Node[] };

/** Splits into text and actions, applying `{{-`/`-}}` trims; actions keep their inner text. */
function split(src: string): Array<{ text: string } | { action: string; at: number }> {
  const out: Array<{ text: string } | { action: string; at: number }> = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = src.slice(i, open < 0 ? undefined : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) {
      out.push({ text });
      break;
    }
    const trimLeft = /^\{\{- /.test(src.slice(open, open + 4));
    if (trimLeft) text = text.replace(/\s+$/, '');
    out.push({ text });
    let j = open + (trimLeft ? 3 : 2);
    let quote = '';
    for (; j < src.length; j++) {
      const c = src[j];
      if (quote) {
        if (c === '\\' && quote === '"') j++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === '`') quote = c;
      else if (src.startsWith('}}', j)) break;
    }
    if (j >= src.length) throw new TemplateError('unclosed action');
    const trimRight = src[j - 1] === '-' && /\s/.test(src[j - 2] ?? '');
    const from = open + (trimLeft ? 3 : 2);
    const raw = src.slice(from, trimRight ? j - 1 : j);
    out.push({ action: raw.trim(), at: from + raw.length - raw.trimStart().length });
    trimNext = trimRight;
    i = j + 2;
  }
  return out;
}

/** Tokens of an action: strings, numbers, words, fields, variables, ( ) | := = */
function tokenize(s: string, at: number): { toks: string[]; pos: number[] } {
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)+'|:=|[()|=,]|[^\s()|=,"`']+)/gy;
  const out: string[] = [];
  const pos: number[] = [];
  let m: RegExpExecArray | null = re.exec(s);
  while (m) {
    out.push(m[1]);
    pos.push(at + m.index + m[0].length - m[1].length);
    m = re.exec(s);
  }
  if (s.slice(re.lastIndex).trim() !== '' && out.join('').length < s.replace(/\s/g, '').length)
    throw new TemplateError(`unexpected ${JSON.stringify(s.slice(re.lastIndex).trim())} in command`);
  return { toks: out, pos };
}

function parsePipeline(toks: string[], offsets: number[], pos: { i: number }): Pipeline {
  const p: Pipeline = { cmds: [] };
  const isVar = (t: string | undefined) => /^\$\w*$/.test(t ?? '');
  const isDecl = (t: string | undefined) => t === ':=' || t === '=';
  if (isVar(toks[pos.i]) && isDecl(toks[pos.i + 1])) {
    p.decl = [toks[pos.i]];
    pos.i += 2;
  } else if (
    isVar(toks[pos.i]) &&
    toks[pos.i + 1] === ',' &&
    isVar(toks[pos.i + 2]) &&
    isDecl(toks[pos.i + 3])
  ) {
    p.decl = [toks[pos.i], toks[pos.i + 2]];
    pos.i += 4;
  }
  let cmd: Command = [];
  while (pos.i < toks.length && toks[pos.i] !== ')') {
    const t = toks[pos.i++];
    if (t === '|') {
      if (cmd.length === 0) throw new TemplateError('missing command');
      p.cmds.push(cmd);
      cmd = [];
    } else if (t === '(') {
      const at = offsets[pos.i - 1];
      const inner = parsePipeline(toks, offsets, pos);
      if (toks[pos.i++] !== ')') throw new TemplateError('unclosed left paren');
      cmd.push({ k: 'pipe', p: inner, text: `(${pipelineText(inner)})`, pos: at });
    } else cmd.push({ ...parseArg(t), text: t, pos: offsets[pos.i - 1] });
  }
  if (cmd.length === 0) throw new TemplateError('missing value for command');
  p.cmds.push(cmd);
  return p;
}

/** Go's PipeNode.String(). */
function pipelineText(p: Pipeline): string {
  const cmds = p.cmds.map(commandText).join(' | ');
  return p.decl ? `${p.decl.join(', ')} := ${cmds}` : cmds;
}

const commandText = (c: Command): string => c.map((a) => a.text).join(' ');

function parseArg(t: string): ArgKind {
  if (t.startsWith('"')) return { k: 'lit', v: JSON.parse(t.replace(/\\([abfv'])/g, '')) as string };
  if (t.startsWith('`')) return { k: 'lit', v: t.slice(1, -1) };
  // A character constant is its code point (an int in Go).
  if (t.startsWith("'"))
    return {
      k: 'lit',
      v: (JSON.parse(`"${t.slice(1, -1).replace(/\\'/g, "'")}"`) as string).codePointAt(0) ?? 0,
    };
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) || /^0x[0-9a-f]+$/i.test(t))
    return { k: 'lit', v: Number(t) };
  if (t === 'true' || t === 'false') return { k: 'lit', v: t === 'true' };
  if (t === 'nil') return { k: 'lit', v: null };
  if (t === '.') return { k: 'field', base: 'dot', path: [] };
  if (t.startsWith('.')) return { k: 'field', base: 'dot', path: t.slice(1).split('.') };
  if (t.startsWith('$')) {
    const [name, ...path] = t.split('.');
    return { k: 'field', base: name, path };
  }
  if (!TEMPLATE_FUNCTIONS[t]) throw new TemplateError(`function "${t}" not defined`);
  return { k: 'fn', name: t };
}

/** The variables rules/alerting.go declares before every template. */
const PREDECLARED = ['$', '$labels', '$externalLabels', '$externalURL', '$value'];

function parse(src: string): Node[] {
  const parts = split(src);
  let i = 0;
  // text/template refuses an undefined variable when it parses; a declaration holds to the end of
  // its block.
  const scopes: string[][] = [[...PREDECLARED]];
  const checkVars = (p: Pipeline): void => {
    for (const cmd of p.cmds)
      for (const a of cmd) {
        if (a.k === 'pipe') checkVars(a.p);
        if (a.k === 'field' && a.base !== 'dot' && !scopes.some((sc) => sc.includes(a.base)))
          throw new TemplateError(`undefined variable "${a.base}"`);
      }
    if (p.decl) scopes[scopes.length - 1].push(...p.decl);
  };
  const pipelineChecked = (text: string, at: number): Pipeline => {
    const p = pipelineOf(text, at);
    checkVars(p);
    return p;
  };
  const list = (ends: string[]): { nodes: Node[]; end: { text: string; at: number } } => {
    const nodes: Node[] = [];
    while (i < parts.length) {
      const part = parts[i++];
      if ('text' in part) {
        if (part.text) nodes.push({ k: 'text', text: part.text });
        continue;
      }
      const a = part.action;
      if (a.startsWith('/*')) continue;
      const word = /^(\w+)/.exec(a)?.[1] ?? '';
      if (word === 'end' || word === 'else') {
        if (!ends.includes(word)) throw new TemplateError(`unexpected {{${word}}}`);
        return { nodes, end: { text: a, at: part.at } };
      }
      if (word === 'if' || word === 'with' || word === 'range')
        nodes.push(block(word, a.slice(word.length), part.at + word.length));
      else if (word === 'define' || word === 'template' || word === 'block')
        throw new TemplateError(`{{${word}}} is not supported`);
      else nodes.push({ k: 'action', p: pipelineChecked(a, part.at) });
    }
    if (ends.length > 0) throw new TemplateError('unexpected EOF');
    return { nodes, end: { text: '', at: 0 } };
  };
  const block = (k: 'if' | 'with' | 'range', rest: string, at: number): Node => {
    scopes.push([]);
    const p = pipelineChecked(rest, at);
    const body = list(['end', 'else']);
    let other: Node[] = [];
    if (body.end.text.startsWith('else')) {
      const elseIf = /^else\s+if\s+(.*)$/s.exec(body.end.text);
      const { text, at: endAt } = body.end;
      if (elseIf && k === 'if') other = [block('if', elseIf[1], endAt + text.length - elseIf[1].length)];
      else other = list(['end']).nodes;
    }
    scopes.pop();
    return { k, p, body: body.nodes, other };
  };
  return list([]).nodes;
}

function pipelineOf(text: string, at: number): Pipeline {
  const { toks, pos: offsets } = tokenize(text, at);
  const pos = { i: 0 };
  const p = parsePipeline(toks, offsets, pos);
  if (pos.i < toks.length) throw new TemplateError(`unexpected ${JSON.stringify(toks[pos.i])} in operand`);
  return p;
}

interface Scope {
  dot: TemplateValue;
  vars: Map<string, TemplateValue>;
}

function goType(v: TemplateValue): string {
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (v === null) return 'interface {}';
  if (Array.isArray(v)) return 'template.queryResult';
  return typeof v === 'string' ? 'string' : 'map[string]string';
}

function field(v: TemplateValue, name: string): TemplateValue {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, TemplateValue>;
    // A map's missing key is its zero value (text/template gives "<no value>" only for interface
    // maps; Prometheus' label maps are map[string]string, so "").
    return name in o ? o[name] : '';
  }
  throw new TemplateError(`can't evaluate field ${name} in type ${goType(v)}`);
}

function evalArg(a: Arg, s: Scope, data: TemplateData): TemplateValue {
  switch (a.k) {
    case 'lit':
      return a.v;
    case 'pipe':
      return run(a.p, s, data);
    case 'fn':
      return call(a.name, [], undefined, data, [a]);
    case 'field': {
      let v: TemplateValue;
      if (a.base === 'dot') v = s.dot;
      else {
        if (!s.vars.has(a.base)) throw new TemplateError(`undefined variable "${a.base}"`);
        v = s.vars.get(a.base) as TemplateValue;
      }
      try {
        for (const p of a.path) v = field(v, p);
      } catch (e) {
        // Go places a field chain at its first chained field: `$x.a.b` at `.a`, `.a.b.c` at `.b`.
        const head = a.base === 'dot' ? (a.path.length > 1 ? a.path[0].length + 1 : 0) : a.base.length;
        throw new ExecError(a.text, a.pos + head, (e as Error).message);
      }
      return v;
    }
  }
}

function call(
  name: string,
  args: TemplateValue[],
  piped: TemplateValue | undefined,
  data: TemplateData,
  cmd: Command,
) {
  const fn = TEMPLATE_FUNCTIONS[name];
  const all = piped === undefined ? args : [...args, piped];
  try {
    return fn(all, data);
  } catch (e) {
    throw new ExecError(commandText(cmd), cmd[0].pos, `error calling ${name}: ${(e as Error).message}`);
  }
}

function run(p: Pipeline, s: Scope, data: TemplateData): TemplateValue {
  let v: TemplateValue | undefined;
  for (const cmd of p.cmds) {
    const [head, ...rest] = cmd;
    if (head.k === 'fn') {
      const args = rest.map((a) => evalArg(a, s, data));
      v = call(head.name, args, v, data, cmd);
    } else {
      if (rest.length > 0 || v !== undefined) throw new TemplateError("can't give argument to non-function");
      v = evalArg(head, s, data);
    }
  }
  const out = v ?? null;
  if (p.decl?.length === 1) s.vars.set(p.decl[0], out);
  return out;
}

function exec(nodes: Node[], s: Scope, data: TemplateData, out: string[]): void {
  for (const n of nodes) {
    if (n.k === 'text') out.push(n.text);
    else if (n.k === 'action') {
      const v = run(n.p, s, data);
      if (!n.p.decl) out.push(v === null ? '<no value>' : goPrint([v]));
    } else {
      const v = run(n.p, s, data);
      if (n.k === 'if') exec(isTrue(v) ? n.body : n.other, s, data, out);
      else if (n.k === 'with') exec(isTrue(v) ? n.body : n.other, { ...s, dot: v }, data, out);
      else {
        // Arrays by index, maps by sorted key; `$i, $x :=` gets both, `$x :=` the element.
        const keys: TemplateValue[] = Array.isArray(v)
          ? v.map((_x, i) => i)
          : v && typeof v === 'object'
            ? Object.keys(v).sort()
            : [];
        if (keys.length === 0) exec(n.other, s, data, out);
        for (const key of keys) {
          const dot = (v as Record<string, TemplateValue>)[key as string];
          if (n.p.decl?.length === 2) {
            s.vars.set(n.p.decl[0], key);
            s.vars.set(n.p.decl[1], dot);
          } else if (n.p.decl) s.vars.set(n.p.decl[0], dot);
          exec(n.body, { dot, vars: s.vars }, data, out);
        }
      }
    }
  }
}

/** rules/alerting.go's `defs`, put before every template: Go's error columns count them. */
const DEFS_LENGTH =
  '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}'
    .length;

/** text/template's ErrorContext: `line:col: executing "name" at <node>: message`. */
function where(text: string, e: Error, tmpl: string): string {
  if (!(e instanceof ExecError)) return `1: ${e.message}`;
  const before = text.slice(0, e.at);
  const line = before.split('\n').length;
  const col = line === 1 ? DEFS_LENGTH + e.at : e.at - before.lastIndexOf('\n') - 1;
  return `${line}:${col}: executing "${tmpl}" at <${e.node}>: ${e.message}`;
}

/** Why 2.42 refuses `text` as a template when it loads the rule file (rulefmt's template check:
 * a parse error); undefined when it parses. */
export function templateProblem(text: string, name: string): string | undefined {
  if (!text.includes('{{')) return undefined;
  try {
    parse(text);
    return undefined;
  } catch (e) {
    return `template: __alert_${name}:1: ${(e as Error).message}`;
  }
}

/** Expands one label or annotation value; `name`: the rule's, for error texts (__alert_<name>). */
export function expandTemplate(text: string, data: TemplateData, name = ''): string {
  if (!text.includes('{{')) return text;
  const tmpl = `__alert_${name}`;
  let nodes: Node[];
  try {
    nodes = parse(text);
  } catch (e) {
    return `<error expanding template: error parsing template ${tmpl}: template: ${tmpl}:1: ${(e as Error).message}>`;
  }
  const dot: TemplateValue = {
    Labels: data.labels,
    ExternalLabels: data.externalLabels ?? {},
    ExternalURL: data.externalURL ?? '',
    Value: data.value,
  };
  const vars = new Map<string, TemplateValue>([
    ['$', dot],
    ['$labels', data.labels],
    ['$externalLabels', data.externalLabels ?? {}],
    ['$externalURL', data.externalURL ?? ''],
    ['$value', data.value],
  ]);
  const out: string[] = [];
  try {
    exec(nodes, { dot, vars }, data, out);
  } catch (e) {
    return `<error expanding template: error executing template ${tmpl}: template: ${tmpl}:${where(text, e as Error, tmpl)}>`;
  }
  return out.join('');
}

export { humanize } from './template-functions.js';
