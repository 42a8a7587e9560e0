// The attributes section of block format 4: attribute objects transposed into per-key columns.
// Rows whose attributes have the same keys in the same order share a shape; each (shape, key) column
// holds the JSON texts of that key's values in row order (raw slices of the row text), so similar values sit together and zstd
// compresses them about a quarter better than whole JSON objects. Decoding rebuilds the exact JSON
// text of every row (rows whose text would not round-trip are kept verbatim), so offsets, slicing and
// text search work as on the whole-object layout.
//
// Layout (UTF-8 text): JSON header {"k": [[key, ...] per shape], "s": [shape per row, -1 = verbatim],
// "v": [verbatim texts]} then U+0001, then the columns, each a U+0000-joined list, joined by U+0001.
// JSON text never holds raw U+0000 or U+0001 (JSON.stringify escapes control characters).

const COL = '\u0001';
const VAL = '\u0000';

interface Header {
  k: string[][];
  s: number[];
  v: string[];
}

/** Transposes the rows' attribute JSON texts ('' = none) into the format-4 section text. */
export function encodeAttrColumns(attrs: string[]): string {
  const shapeIds = new Map<string, number>();
  const header: Header = { k: [], s: new Array(attrs.length), v: [] };
  const columns: string[][][] = [];
  for (let i = 0; i < attrs.length; i++) {
    const text = attrs[i];
    const transposed = text.charCodeAt(0) === 123 ? splitObject(text) : undefined;
    if (!transposed) {
      header.s[i] = -1;
      header.v.push(text);
      continue;
    }
    const [keys, values] = transposed;
    const shapeKey = keys.join(VAL);
    let shape = shapeIds.get(shapeKey);
    if (shape === undefined) {
      shape = header.k.length;
      shapeIds.set(shapeKey, shape);
      header.k.push(keys);
      columns.push(keys.map(() => []));
    }
    header.s[i] = shape;
    const cols = columns[shape];
    for (let k = 0; k < values.length; k++) cols[k].push(values[k]);
  }
  let out = JSON.stringify(header);
  for (const cols of columns) for (const col of cols) out += COL + col.join(VAL);
  return out;
}

/**
 * Keys and raw value texts of the top-level members of a JSON object text, found by one scan without
 * parsing; undefined unless rebuilding (JSON.stringify(key), ':', raw value, joined by ',' in braces)
 * gives the text back exactly, e.g. with whitespace between members, or for '{}'.
 */
function splitObject(text: string): [string[], string[]] | undefined {
  const n = text.length;
  if (n <= 2 || text.charCodeAt(0) !== 123 || text.charCodeAt(n - 1) !== 125) return undefined;
  const keys: string[] = [];
  const values: string[] = [];
  let i = 1;
  for (;;) {
    if (text.charCodeAt(i) !== 34) return undefined;
    let j = i + 1;
    let escaped = false;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 92) {
        escaped = true;
        j += 2;
      } else if (c === 34) break;
      else j++;
    }
    if (j >= n) return undefined;
    let key = text.slice(i + 1, j);
    if (escaped) {
      const quoted = text.slice(i, j + 1);
      try {
        key = JSON.parse(quoted) as string;
      } catch {
        return undefined;
      }
      if (JSON.stringify(key) !== quoted) return undefined;
    }
    i = j + 1;
    if (text.charCodeAt(i) !== 58) return undefined;
    const start = ++i;
    let depth = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        while (i < n) {
          const d = text.charCodeAt(i);
          if (d === 92) i += 2;
          else if (d === 34) break;
          else i++;
        }
      } else if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        if (depth === 0) break;
        depth--;
      } else if (c === 44 && depth === 0) break;
      i++;
    }
    if (i >= n || i === start) return undefined;
    keys.push(key);
    values.push(text.slice(start, i));
    if (text.charCodeAt(i) === 125) return i === n - 1 ? [keys, values] : undefined;
    i++;
  }
}

function keyPrefix(key: string, index: number): string {
  return `${index === 0 ? '{' : ','}${JSON.stringify(key)}:`;
}

/** A decoded format-4 attributes section: rows rebuilt one at a time, or all at once for a text search. */
export class AttrColumns {
  private parsed?: {
    header: Header;
    prefixes: string[][];
    /** columns[shape][key] = value texts of the rows of that shape. */
    columns: string[][][];
    /** Row → its index among the rows of its shape (or among the verbatim rows). */
    pos: Int32Array;
  };
  private lowerSection?: string;
  private whole?: string;

  /** Nothing is parsed until a row is read: a token search may rule the whole section out first. */
  constructor(private readonly section: string) {}

  private parse() {
    if (this.parsed) return this.parsed;
    const section = this.section;
    const cut = section.indexOf(COL);
    const header = JSON.parse(cut < 0 ? section : section.slice(0, cut)) as Header;
    const parts = cut < 0 ? [] : section.slice(cut + 1).split(COL);
    const columns: string[][][] = [];
    let p = 0;
    for (const keys of header.k) {
      const cols: string[][] = [];
      for (let k = 0; k < keys.length; k++) cols.push(parts[p++].split(VAL));
      columns.push(cols);
    }
    const shapes = header.s;
    const cursor = new Array<number>(header.k.length).fill(0);
    let verbatim = 0;
    const pos = new Int32Array(shapes.length);
    for (let i = 0; i < shapes.length; i++) pos[i] = shapes[i] < 0 ? verbatim++ : cursor[shapes[i]]++;
    this.parsed = { header, prefixes: header.k.map((keys) => keys.map(keyPrefix)), columns, pos };
    return this.parsed;
  }

  /** The attribute JSON text of row i ('' = none). */
  text(i: number): string {
    const { header, columns, prefixes, pos } = this.parse();
    const shape = header.s[i];
    if (shape < 0) return header.v[pos[i]];
    const cols = columns[shape];
    const pre = prefixes[shape];
    const at = pos[i];
    let s = '';
    for (let k = 0; k < pre.length; k++) s += pre[k] + cols[k][at];
    return `${s}}`;
  }

  /** All rows' texts concatenated (what formats 2 and 3 store). */
  all(): string {
    if (this.whole === undefined) {
      const out: string[] = new Array(this.parse().header.s.length);
      for (let i = 0; i < out.length; i++) out[i] = this.text(i);
      this.whole = out.join('');
    }
    return this.whole;
  }

  /**
   * False when no row can contain the lowercase token: every word-character run of a row's text is
   * inside one key or one value, and the section holds each of them as is (verbatim texts JSON-escaped,
   * which touches no word characters), so searching the section needs no rebuilding.
   */
  mayHold(token: string): boolean {
    this.lowerSection ??= this.section.toLowerCase();
    return this.lowerSection.includes(token);
  }
}

/** The concatenated attribute texts of all rows, from the section. */
export function decodeAttrColumns(section: string): string {
  return new AttrColumns(section).all();
}
