// Go text/template's parser (Go 1.19, as in Prometheus 2.42) for alert templates: text and actions
// with pipelines, `|`, variables, fields, parentheses, if/else if/else, with, range with break and
// continue, define, template, block, comments and `-` trims. Undefined variables are refused here, as Go refuses them
// when it parses; a define or block body sees only `$` (Go's startParse).
import { goQuote } from '../promql/print.js';
import type { TemplateValue } from './template-format.js';
import { TEMPLATE_FUNCTIONS } from './template-functions.js';

export class TemplateError extends Error {
  /** Line of the template where parsing failed (Go's `name:line:` prefix). */
  line?: number;
}

type ArgKind =
  | { k: 'lit'; v: TemplateValue }
  | { k: 'field'; base: 'dot' | string; path: string[] }
  | { k: 'fn'; name: string }
  | { k: 'pipe'; p: Pipeline };
/** `text`: the argument as written, `pos`: its offset in the template (Go's node String/Pos). */
export type Arg = ArgKind & { text: string; pos: number };
export type Command = Arg[];
export interface Pipeline {
  /** `$x :=`, or for range `$i, $x :=` (index or key, then element). */
  decl?: string[];
  cmds: Command[];
}
export type Node =
  | { k: 'text'; text: string }
  | { k: 'action'; p: Pipeline }
  | { k: 'if' | 'with' | 'range'; p: Pipeline; body: Node[]; other: Node[] }
  | { k: 'break' }
  | { k: 'continue' }
  /** `{{template "name" pipeline}}` (a block leaves one too); `text`/`at`: Go's String and Pos. */
  | { k: 'template'; name: string; p?: Pipeline; text: string; at: number };

export interface ParsedTemplate {
  root: Node[];
  /** Templates named by define and block. */
  defs: Map<string, Node[]>;
}

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

function parsePipeline(toks: string[], offsets: number[], pos: { i: number }, context = 'command'): Pipeline {
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
  if (cmd.length === 0) throw new TemplateError(`missing value for ${context}`);
  p.cmds.push(cmd);
  return p;
}

/** Go's PipeNode.String(). */
function pipelineText(p: Pipeline): string {
  const cmds = p.cmds.map(commandText).join(' | ');
  return p.decl ? `${p.decl.join(', ')} := ${cmds}` : cmds;
}

export const commandText = (c: Command): string => c.map((a) => a.text).join(' ');

/** A Go number constant as text/template hands it to a function or prints it (idealConstant): an
 * int (bigint) unless written with a fraction or an exponent; undefined when `t` is not a number. */
function goNumber(t: string): bigint | number | undefined {
  const neg = t.startsWith('-');
  const body = t.replace(/^[-+]/, '').replace(/_/g, '');
  let v: bigint | number | undefined;
  if (/^0[xX][0-9a-fA-F]+$/.test(body) || /^0[bB][01]+$/.test(body)) v = BigInt(body);
  else if (/^0[oO]?[0-7]+$/.test(body)) v = BigInt(`0o${body.replace(/^0[oO]?/, '')}`);
  else if (/^\d+$/.test(body)) v = BigInt(body);
  else if (/^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(body)) v = Number(body);
  if (v === undefined) return undefined;
  return neg ? -v : v;
}

function parseArg(t: string): ArgKind {
  if (t.startsWith('"')) return { k: 'lit', v: JSON.parse(t.replace(/\\([abfv'])/g, '')) as string };
  if (t.startsWith('`')) return { k: 'lit', v: t.slice(1, -1) };
  // A character constant is its code point (an int in Go).
  if (t.startsWith("'"))
    return {
      k: 'lit',
      v: BigInt((JSON.parse(`"${t.slice(1, -1).replace(/\\'/g, "'")}"`) as string).codePointAt(0) ?? 0),
    };
  const n = goNumber(t);
  if (n !== undefined) return { k: 'lit', v: n };
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

function pipelineOf(text: string, at: number, context?: string): Pipeline {
  const { toks, pos: offsets } = tokenize(text, at);
  const pos = { i: 0 };
  const p = parsePipeline(toks, offsets, pos, context);
  if (pos.i < toks.length) throw new TemplateError(`unexpected ${JSON.stringify(toks[pos.i])} in operand`);
  return p;
}

const KEYWORDS = new Set([
  'block',
  'break',
  'continue',
  'define',
  'else',
  'end',
  'if',
  'range',
  'nil',
  'template',
  'with',
]);

/** Go's item.String() of an unexpected token. */
function itemText(t: string | undefined): string {
  if (t === undefined) return '"}}"';
  if (KEYWORDS.has(t)) return `<${t}>`;
  return t.length > 10 ? `${JSON.stringify(t.slice(0, 10))}...` : JSON.stringify(t);
}

/** A template's name after define/template/block: a quoted or raw string, and the rest. */
function templateName(text: string, at: number, context: string): { name: string; at: number; rest: string } {
  const { toks, pos } = tokenize(text, at);
  const t = toks[0];
  if (t === undefined || !(t.startsWith('"') || t.startsWith('`')))
    throw new TemplateError(`unexpected ${itemText(t)} in ${context}`);
  const name = (parseArg(t) as { v: string }).v;
  return { name, at: pos[0], rest: text.slice(pos[0] - at + t.length) };
}

/** Go's IsEmptyTree: nothing but blank text (such a definition gives way to another). */
const isEmpty = (nodes: Node[]) => nodes.every((n) => n.k === 'text' && n.text.trim() === '');

/** The variables rules/alerting.go declares before every template. */
const PREDECLARED = ['$', '$labels', '$externalLabels', '$externalURL', '$value'];

/** `name`: the template's own, under which it can call itself. */
export function parse(src: string, name: string): ParsedTemplate {
  let at = 0;
  try {
    const parsed = parseParts(src, split(src), (offset) => {
      at = offset;
    });
    // Added last, as text/template adds it; never empty (rules/alerting.go's variables come first),
    // so a non-empty definition of the same name is a second one.
    const own = parsed.defs.get(name);
    if (own && !isEmpty(own)) {
      at = src.length;
      throw new TemplateError(`template: multiple definition of template "${name}"`);
    }
    parsed.defs.set(name, parsed.root);
    return parsed;
  } catch (e) {
    if (e instanceof TemplateError) e.line ??= src.slice(0, at).split('\n').length;
    throw e;
  }
}

/** `reached`: told the offset of each action as it is parsed (for the line of an error). */
function parseParts(
  src: string,
  parts: ReturnType<typeof split>,
  reached: (offset: number) => void,
): ParsedTemplate {
  const defs = new Map<string, Node[]>();
  let i = 0;
  /** Range bodies the parser is in (not their else): where break and continue may stand. */
  let loops = 0;
  // text/template refuses an undefined variable when it parses; a declaration holds to the end of
  // its block.
  let scopes: string[][] = [[...PREDECLARED]];
  const checkVars = (p: Pipeline): void => {
    for (const cmd of p.cmds)
      for (const a of cmd) {
        if (a.k === 'pipe') checkVars(a.p);
        if (a.k === 'field' && a.base !== 'dot' && !scopes.some((sc) => sc.includes(a.base)))
          throw new TemplateError(`undefined variable "${a.base}"`);
      }
    if (p.decl) scopes[scopes.length - 1].push(...p.decl);
  };
  const pipelineChecked = (text: string, at: number, context?: string): Pipeline => {
    const p = pipelineOf(text, at, context);
    checkVars(p);
    return p;
  };
  const define = (name: string, body: Node[]): void => {
    const old = defs.get(name);
    if (old === undefined || isEmpty(old)) defs.set(name, body);
    else if (!isEmpty(body)) throw new TemplateError(`template: multiple definition of template "${name}"`);
  };
  /** The body of a define or block, up to its {{end}}. */
  const definition = (name: string, context: string): void => {
    const [outer, outerLoops] = [scopes, loops];
    scopes = [['$']];
    loops = 0;
    const body = list(['end', 'else'], false);
    [scopes, loops] = [outer, outerLoops];
    if (body.end.text.startsWith('else')) throw new TemplateError(`unexpected {{else}} in ${context}`);
    define(name, body.nodes);
  };
  const templateNode = (name: string, p: Pipeline | undefined, at: number): Node => ({
    k: 'template',
    name,
    p,
    at,
    text: `{{template ${goQuote(name)}${p ? ` ${pipelineText(p)}` : ''}}}`,
  });
  const list = (ends: string[], top: boolean): { nodes: Node[]; end: { text: string; at: number } } => {
    const nodes: Node[] = [];
    while (i < parts.length) {
      const part = parts[i++];
      if ('text' in part) {
        if (part.text) nodes.push({ k: 'text', text: part.text });
        continue;
      }
      const a = part.action;
      reached(part.at);
      if (a.startsWith('/*')) continue;
      const word = /^(\w+)/.exec(a)?.[1] ?? '';
      const rest = a.slice(word.length);
      const restAt = part.at + word.length;
      if (word === 'end' || word === 'else') {
        if (!ends.includes(word)) throw new TemplateError(`unexpected {{${word}}}`);
        return { nodes, end: { text: a, at: part.at } };
      }
      if (word === 'if' || word === 'with' || word === 'range') nodes.push(block(word, rest, restAt));
      else if (word === 'break' || word === 'continue') {
        if (rest.trim()) throw new TemplateError(`unexpected ${itemText(rest.trim())} in {{${word}}}`);
        if (loops === 0) throw new TemplateError(`{{${word}}} outside {{range}}`);
        nodes.push({ k: word });
      } else if (word === 'define') {
        // Only at the top of the template; elsewhere text/template does not know the word.
        if (!top) throw new TemplateError('unexpected <define> in command');
        definition(templateName(rest, restAt, 'define clause').name, 'define clause');
      } else if (word === 'template') {
        const t = templateName(rest, restAt, 'template clause');
        const p = t.rest.trim() ? pipelineChecked(t.rest, restAt + rest.length - t.rest.length) : undefined;
        nodes.push(templateNode(t.name, p, t.at));
      } else if (word === 'block') {
        const t = templateName(rest, restAt, 'block clause');
        const p = pipelineChecked(t.rest, restAt + rest.length - t.rest.length, 'block clause');
        definition(t.name, 'block clause');
        nodes.push(templateNode(t.name, p, t.at));
      } else nodes.push({ k: 'action', p: pipelineChecked(a, part.at) });
    }
    if (ends.length > 0) {
      reached(src.length);
      throw new TemplateError('unexpected EOF');
    }
    return { nodes, end: { text: '', at: 0 } };
  };
  const block = (k: 'if' | 'with' | 'range', rest: string, at: number): Node => {
    scopes.push([]);
    const p = pipelineChecked(rest, at);
    if (k === 'range') loops++;
    const body = list(['end', 'else'], false);
    if (k === 'range') loops--;
    let other: Node[] = [];
    if (body.end.text.startsWith('else')) {
      const elseIf = /^else\s+if\s+(.*)$/s.exec(body.end.text);
      const { text, at: endAt } = body.end;
      if (elseIf && k === 'if') other = [block('if', elseIf[1], endAt + text.length - elseIf[1].length)];
      else other = list(['end'], false).nodes;
    }
    scopes.pop();
    return { k, p, body: body.nodes, other };
  };
  return { root: list([], true).nodes, defs };
}
