// Message templates (https://messagetemplates.org, Serilog's MessageTemplateParser) rendered as Seq
// renders a CLEF event's `@mt` (https://docs.datalust.co/docs/posting-raw-events): `{Name}` takes the
// property's value, `{{` and `}}` are braces, a token whose property is missing stays as written.
// Tokenizing follows Serilog's parser, so what it takes for text (`{a b}`, `{,5}`, `{Name:}`...) stays
// text here too. Values are rendered the way Seq shows them, not Serilog's default text renderer:
// a string at the top level is written without quotes (Seq's own example: `HTTP {RequestMethod}`
// with "GET" is `HTTP GET`); strings inside arrays and objects are quoted, as Serilog writes
// sequences (`[1, "a"]`) and structures (`Type { A: 1, B: "x" }`, the tag from CLEF's `$type`).
// `.NET` format specifiers (`{Elapsed:0.00}`) cannot be applied here: CLEF carries their output in
// `@r`, one string per token with a format in template order, and it is used as is; without it
// the value is written unformatted. `:j` writes the value as JSON.
import type { JsonValue } from '../model.js';

/** Longest rendered message, in UTF-16 units: `{A}{A}…` over one large property must stay bounded. */
export const MAX_RENDERED_CHARS = 256 * 1024;

interface PropertyToken {
  raw: string;
  name: string;
  format: string | undefined;
  /** < 0: pad on the left to this width (`,5`); > 0: pad on the right (`,-5`); 0: none. */
  align: number;
}

type Token = string | PropertyToken;

const NAME_CHAR = /^[\p{L}\p{Nd}_]$/u;
// .NET char.IsLetterOrDigit || IsPunctuation || IsSymbol || ' ' (Serilog's IsValidInFormat).
const FORMAT_CHAR = /^[\p{L}\p{Nd}\p{P}\p{S} ]$/u;

function isTagChar(c: string): boolean {
  const code = c.charCodeAt(0);
  if (code < 128) return code >= 32 && code !== 125 && code !== 127; // printable ASCII but '}'
  return FORMAT_CHAR.test(c);
}

/**
 * Parsed templates by their text: a Serilog application logs from a few hundred call sites, each
 * with one constant template, so most lines reuse one (parsing was ~1.5 of the ~2 µs a render took).
 * Bounded in entries and in template length; emptied when full.
 */
const parsedTemplates = new Map<string, Token[]>();
const MAX_CACHED_TEMPLATES = 1024;
const MAX_CACHED_TEMPLATE_CHARS = 1024;

function tokensOf(template: string): Token[] {
  if (template.length > MAX_CACHED_TEMPLATE_CHARS) return parseTemplate(template);
  let tokens = parsedTemplates.get(template);
  if (tokens === undefined) {
    if (parsedTemplates.size >= MAX_CACHED_TEMPLATES) parsedTemplates.clear();
    tokens = parseTemplate(template);
    parsedTemplates.set(template, tokens);
  }
  return tokens;
}

/** Serilog's MessageTemplateParser: text (with `{{` `}}` undone) and property tokens. */
export function parseTemplate(template: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = template.length;
  while (i < n) {
    let text = '';
    while (i < n) {
      const c = template[i];
      if (c === '{') {
        if (template[i + 1] !== '{') break;
        i++;
      } else if (c === '}' && template[i + 1] === '}') i++;
      text += c;
      i++;
    }
    if (text !== '') out.push(text);
    if (i >= n) break;
    const first = i;
    i++;
    while (i < n && isTagChar(template[i])) i++;
    if (i >= n || template[i] !== '}') {
      out.push(template.slice(first, i));
      continue;
    }
    i++;
    const raw = template.slice(first, i);
    out.push(propertyToken(raw) ?? raw);
  }
  return out;
}

function propertyToken(raw: string): PropertyToken | undefined {
  const content = raw.slice(1, -1);
  const colon = content.indexOf(':');
  const comma = content.indexOf(',');
  let name = content;
  let format: string | undefined;
  let alignment: string | undefined;
  if (comma < 0 || (colon >= 0 && comma > colon)) {
    if (colon >= 0) {
      name = content.slice(0, colon);
      format = colon === content.length - 1 ? undefined : content.slice(colon + 1);
    }
  } else {
    name = content.slice(0, comma);
    if (colon < 0) {
      if (comma === content.length - 1) return undefined;
      alignment = content.slice(comma + 1);
    } else {
      if (comma === colon - 1) return undefined;
      alignment = content.slice(comma + 1, colon);
      format = colon === content.length - 1 ? undefined : content.slice(colon + 1);
    }
  }
  if (name[0] === '@' || name[0] === '$') name = name.slice(1);
  if (name.length === 0) return undefined;
  // Per UTF-16 unit, as .NET's char tests (a surrogate is neither letter nor symbol).
  for (let i = 0; i < name.length; i++) if (!NAME_CHAR.test(name[i])) return undefined;
  if (format !== undefined)
    for (let i = 0; i < format.length; i++) if (!isTagChar(format[i])) return undefined;
  let align = 0;
  if (alignment !== undefined) {
    if (!/^-?[0-9]+$/.test(alignment)) return undefined;
    align = Number(alignment);
    if (align === 0 || !Number.isSafeInteger(align)) return undefined;
    align = -align; // ",5" right-aligns (pads on the left), ",-5" left-aligns
  }
  return { raw, name, format, align };
}

/**
 * The message of a CLEF `@mt` template over the event's properties (the record's own keys), with
 * `@r` (renderings of the tokens that have a format, in template order) when the event carries it.
 */
export function renderTemplate(
  template: string,
  properties: Record<string, JsonValue>,
  renderings?: JsonValue,
): string {
  const tokens = tokensOf(template);
  const r = Array.isArray(renderings) ? renderings : undefined;
  let formatted = 0;
  let out = '';
  for (const token of tokens) {
    if (out.length > MAX_RENDERED_CHARS) break;
    if (typeof token === 'string') {
      out += token;
      continue;
    }
    const rendering = token.format !== undefined ? r?.[formatted++] : undefined;
    const value = Object.hasOwn(properties, token.name) ? properties[token.name] : undefined;
    if (value === undefined) {
      out += token.raw;
      continue;
    }
    let text = typeof rendering === 'string' ? rendering : renderValue(value, token.format === 'j', 0);
    if (token.align !== 0) {
      const width = Math.min(Math.abs(token.align), MAX_RENDERED_CHARS);
      text = token.align < 0 ? text.padStart(width) : text.padEnd(width);
    }
    out += text;
  }
  return out.length > MAX_RENDERED_CHARS ? out.slice(0, MAX_RENDERED_CHARS) : out;
}

function quote(s: string): string {
  return `"${s.replaceAll('"', '\\"')}"`;
}

/** Serilog's renderings of scalars, sequences and structures; `json` for the `:j` format. */
function renderValue(value: JsonValue, json: boolean, depth: number): string {
  if (json) return JSON.stringify(value);
  if (value === null) return 'null';
  if (typeof value === 'string') return depth === 0 ? value : quote(value);
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => renderValue(v, false, depth + 1)).join(', ')}]`;
  const tag = typeof value.$type === 'string' ? `${value.$type} ` : '';
  const members: string[] = [];
  for (const key in value) {
    if (key === '$type') continue;
    members.push(`${key}: ${renderValue(value[key], false, depth + 1)}`);
  }
  return `${tag}{ ${members.join(', ')} }`;
}
