// Alert label and annotation templates as Prometheus 2.42 expands them: Go text/template
// (template-parse.ts) over {Labels, ExternalLabels, ExternalURL, Value}, with $labels,
// $externalLabels, $externalURL and $value declared first (rules/alerting.go), Go's builtins and
// Prometheus' functions (template-functions.ts). A template that fails to parse or run gives
// 2.42's text "<error expanding template: ...>". Not done: method calls on values.
import { goPrint, goTypeOf, type TemplateValue } from './template-format.js';
import { isTrue, STRING_PARAMS, TEMPLATE_FUNCTIONS } from './template-functions.js';
import {
  type Arg,
  type Command,
  commandText,
  type Node,
  type ParsedTemplate,
  type Pipeline,
  parse,
  TemplateError,
} from './template-parse.js';

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

/** A failure while running: where (offset in the template) and at which node, as Go reports it;
 * `tmpl`: the template that ran it (set on the way out of a {{template}}). */
class ExecError extends TemplateError {
  tmpl?: string;
  constructor(
    readonly node: string,
    readonly at: number,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown by {{break}} and {{continue}} to the range they stand in. */
class LoopControl {
  constructor(readonly k: 'break' | 'continue') {}
}

/** text/template's maxExecDepth: nested {{template}} calls (a template that calls itself). */
const MAX_EXEC_DEPTH = 100_000;

interface Scope {
  dot: TemplateValue;
  vars: Map<string, TemplateValue>;
  /** Templates named by define and block. */
  defs: Map<string, Node[]>;
}

const goType = (v: TemplateValue): string => (v === null ? 'interface {}' : goTypeOf(v));

/** Why text/template refuses `v` for a string parameter, at argument `a`. */
function notString(a: Arg, v: TemplateValue): ExecError {
  if (a.k === 'lit')
    return new ExecError(
      a.text,
      a.pos,
      v === null ? 'cannot assign nil to string' : `expected string; found ${a.text}`,
    );
  return new ExecError(
    a.text,
    a.pos,
    v === null
      ? 'invalid value; expected string'
      : `wrong type for value; expected string; got ${goTypeOf(v)}`,
  );
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
      const strings = STRING_PARAMS[head.name] ?? 0;
      const args = rest.map((a, i) => {
        const x = evalArg(a, s, data);
        if (i < strings && typeof x !== 'string') throw notString(a, x);
        return x;
      });
      // A piped value is the last argument; a wrong one is reported at the function's name.
      if (v !== undefined && rest.length < strings && typeof v !== 'string') throw notString(head, v);
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
    else if (n.k === 'break' || n.k === 'continue') throw new LoopControl(n.k);
    else if (n.k === 'action') {
      const v = run(n.p, s, data);
      if (!n.p.decl) out.push(v === null ? '<no value>' : goPrint([v]));
    } else if (n.k === 'template') {
      const body = s.defs.get(n.name);
      if (!body) throw new ExecError(n.text, n.at, `template "${n.name}" not defined`);
      const dot = n.p ? run(n.p, s, data) : null;
      try {
        // No dynamic scoping: the template sees `$` only.
        exec(body, { dot, vars: new Map([['$', dot]]), defs: s.defs }, data, out);
      } catch (e) {
        if (e instanceof ExecError) {
          e.tmpl ??= n.name;
          throw e;
        }
        // JavaScript's stack ends before Go's 100,000 nested calls; the message is Go's. (Other
        // RangeErrors come from functions, which call() reports.)
        if (e instanceof RangeError)
          throw new ExecError(n.text, n.at, `exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
        throw e;
      }
    } else {
      const v = run(n.p, s, data);
      if (n.k === 'if') exec(isTrue(v) ? n.body : n.other, s, data, out);
      else if (n.k === 'with') exec(isTrue(v) ? n.body : n.other, { ...s, dot: v }, data, out);
      else {
        // Arrays by index, maps by sorted key; `$i, $x :=` gets both, `$x :=` the element.
        const keys: TemplateValue[] = Array.isArray(v)
          ? v.map((_x, i) => BigInt(i))
          : v && typeof v === 'object'
            ? Object.keys(v).sort()
            : [];
        if (keys.length === 0) exec(n.other, s, data, out);
        for (const key of keys) {
          const dot = (v as Record<string, TemplateValue>)[String(key)];
          if (n.p.decl?.length === 2) {
            s.vars.set(n.p.decl[0], key);
            s.vars.set(n.p.decl[1], dot);
          } else if (n.p.decl) s.vars.set(n.p.decl[0], dot);
          try {
            exec(n.body, { dot, vars: s.vars, defs: s.defs }, data, out);
          } catch (e) {
            if (!(e instanceof LoopControl)) throw e;
            if (e.k === 'break') break;
          }
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
  return `${line}:${col}: executing "${e.tmpl ?? tmpl}" at <${e.node}>: ${e.message}`;
}

/** Why 2.42 refuses `text` as a template when it loads the rule file (rulefmt's template check:
 * a parse error); undefined when it parses. */
export function templateProblem(text: string, name: string): string | undefined {
  if (!text.includes('{{')) return undefined;
  try {
    parse(text, `__alert_${name}`);
    return undefined;
  } catch (e) {
    return `template: __alert_${name}:${(e as TemplateError).line ?? 1}: ${(e as Error).message}`;
  }
}

/** Expands one label or annotation value; `name`: the rule's, for error texts (__alert_<name>). */
export function expandTemplate(text: string, data: TemplateData, name = ''): string {
  if (!text.includes('{{')) return text;
  const tmpl = `__alert_${name}`;
  let parsed: ParsedTemplate;
  try {
    parsed = parse(text, tmpl);
  } catch (e) {
    return `<error expanding template: error parsing template ${tmpl}: template: ${tmpl}:${(e as TemplateError).line ?? 1}: ${(e as Error).message}>`;
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
    exec(parsed.root, { dot, vars, defs: parsed.defs }, data, out);
  } catch (e) {
    return `<error expanding template: error executing template ${tmpl}: template: ${tmpl}:${where(text, e as Error, tmpl)}>`;
  }
  return out.join('');
}

export { humanize } from './template-functions.js';
