// The YAML that Prometheus 2.42 prints at /api/v1/status/config comes from gopkg.in/yaml.v2's
// encoder: block maps indented by 2, block sequences in a map not indented, flow sequences where
// the struct says `flow`, map keys sorted. Scalars take its styles: plain when the text would read
// back as the same string (not a bool, number, null or timestamp: those are double-quoted) and the
// emitter allows plain there; else single-quoted; double-quoted for what single quotes cannot hold.
// Not done: yaml.v2's folding of plain scalars past 80 columns, and literal blocks for text with
// line breaks (double-quoted here).

/** A YAML node: a scalar, a block map (ordered entries), a block or flow sequence. */
export type YamlNode =
  | string
  | number
  | boolean
  | { map: Array<[key: string, value: YamlNode]> }
  | { seq: YamlNode[]; flow?: boolean };

const BOOLS_AND_NULLS = new Set(
  [
    'y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF',
    '~|null|Null|NULL|.inf|.Inf|.INF|+.inf|+.Inf|+.INF|-.inf|-.Inf|-.INF|.nan|.NaN|.NAN',
  ]
    .join('|')
    .split('|'),
);

/** Whether yaml.v2's resolve() reads the plain text as something else than a string. */
function resolvesToNonString(s: string): boolean {
  if (s === '' || BOOLS_AND_NULLS.has(s)) return true;
  if (!/^[-+.0-9]/.test(s)) return false;
  const plain = s.replaceAll('_', '');
  // Int (any Go base prefix, 0b binary), float, base-60 float, timestamp.
  if (/^[-+]?(0b[01]+|0o?[0-7]+|0x[0-9a-fA-F]+|\d+)$/.test(plain)) return true;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(plain)) return true;
  if (/^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/.test(s)) return true;
  return /^\d{4}-\d\d?-\d\d?([Tt ]|$)/.test(s);
}

/** yaml_emitter_analyze_scalar: may the text be plain in block (`flow` false) or flow context. */
function plainAllowed(s: string, flow: boolean): boolean {
  if (s === '' || /^\s|\s$/.test(s)) return false;
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\n\r]/.test(s)) return false;
  const first = s[0];
  const spaceAfter = (i: number) => i + 1 >= s.length || s[i + 1] === ' ' || s[i + 1] === '\t';
  if ('#,[]{}&*!|>\'"%@`'.includes(first)) return false;
  if ((first === '?' || first === ':') && (flow || spaceAfter(0))) return false;
  if (first === '-' && spaceAfter(0)) return false;
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (',?[]{}'.includes(c) && flow) return false;
    if (c === ':' && (flow || spaceAfter(i))) return false;
    if (c === '#' && (s[i - 1] === ' ' || s[i - 1] === '\t')) return false;
  }
  // A document marker at the start.
  return !/^(---|\.\.\.)(\s|$)/.test(s);
}

function doubleQuoted(s: string): string {
  return `"${s.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => {
    const named: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\t': '\\t', '\r': '\\r' };
    return named[c] ?? `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  })}"`;
}

const isLetter = (c: string) => /\p{L}/u.test(c);
const isDigit = (c: string) => /\p{Nd}/u.test(c);

/** yaml.v2's order of map keys (keyList.Less): letters by code point, runs of digits by value. */
export function compareYamlKeys(a: string, b: string): number {
  const ar = [...a];
  const br = [...b];
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = isLetter(ar[i]);
    const bl = isLetter(br[i]);
    if (al && bl) return ar[i] < br[i] ? -1 : 1;
    if (al || bl) return bl ? -1 : 1;
    let an = 0n;
    let bn = 0n;
    if (ar[i] === '0' || br[i] === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10n + BigInt(ar[ai].charCodeAt(0) - 48);
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10n + BigInt(br[bi].charCodeAt(0) - 48);
    if (an !== bn) return an < bn ? -1 : 1;
    if (ai !== bi) return ai < bi ? -1 : 1;
    return ar[i] < br[i] ? -1 : 1;
  }
  return ar.length - br.length;
}

/** One string as yaml.v2 writes it (`flow`: inside a flow sequence). */
export function yamlString(s: string, flow = false): string {
  if (resolvesToNonString(s) || /[\n\r]/.test(s)) return doubleQuoted(s);
  if (plainAllowed(s, flow)) return s;
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s)) return doubleQuoted(s);
  return `'${s.replaceAll("'", "''")}'`;
}

function scalar(v: string | number | boolean, flow = false): string {
  return typeof v === 'string' ? yamlString(v, flow) : String(v);
}

/** A document: `root` must be a map. Ends with a newline, as yaml.Marshal's output. */
export function yamlDocument(root: YamlNode): string {
  const out: string[] = [];
  writeMap(root as { map: Array<[string, YamlNode]> }, '', out);
  return out.map((l) => `${l}\n`).join('');
}

function isMap(v: YamlNode): v is { map: Array<[string, YamlNode]> } {
  return typeof v === 'object' && 'map' in v;
}

function writeMap(node: { map: Array<[string, YamlNode]> }, indent: string, out: string[], first?: string) {
  node.map.forEach(([k, v], i) => {
    const lead = i === 0 && first !== undefined ? first : indent;
    const key = `${lead}${yamlString(k)}:`;
    if (isMap(v)) {
      if (v.map.length === 0) out.push(`${key} {}`);
      else {
        out.push(key);
        writeMap(v, `${indent}  `, out);
      }
    } else if (typeof v === 'object') {
      if (v.flow || v.seq.length === 0)
        out.push(`${key} [${v.seq.map((x) => scalar(x as string | number | boolean, true)).join(', ')}]`);
      else {
        out.push(key);
        writeSeq(v.seq, indent, out);
      }
    } else out.push(`${key} ${scalar(v)}`);
  });
}

/** Block sequence items at `indent` (yaml.v2 does not indent a sequence inside a map). */
function writeSeq(items: YamlNode[], indent: string, out: string[]) {
  for (const item of items) {
    if (isMap(item) && item.map.length > 0) writeMap(item, `${indent}  `, out, `${indent}- `);
    else if (typeof item === 'object' && !isMap(item)) {
      out.push(`${indent}-`);
      writeSeq(item.seq, `${indent}  `, out);
    } else out.push(`${indent}- ${isMap(item) ? '{}' : scalar(item)}`);
  }
}
