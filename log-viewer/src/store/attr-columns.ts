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
import { addTokenHashes, type TokenSet } from './bloom.js';

const COL = '\u0001';
const VAL = '\u0000';

interface Header {
  k: string[][];
  s: number[];
  v: string[];
}

/**
 * Transposes the rows' attribute JSON texts ('' = none) into the format-4 section text. With `tokens`,
 * also adds the token hashes of every text (as addTokenHashes(text, tokens, true) would), hashing
 * each shape's keys once and each value text: separators between members hold no token characters,
 * so the tokens of a text are those of its keys and values. (A Set to hash each distinct value only
 * once cost more than it saved: 3.4 against 2.8 us per row for the whole block encoding.)
 */
export function encodeAttrColumns(attrs: string[], tokens?: TokenSet): string {
  const shapeOf = new Map<ShapeNode, number>();
  const header: Header = { k: [], s: new Array(attrs.length), v: [] };
  const columns: string[][][] = [];
  for (let i = 0; i < attrs.length; i++) {
    const text = attrs[i];
    const n = text.charCodeAt(0) === 123 ? splitObject(text) : -1;
    if (n < 0) {
      header.s[i] = -1;
      header.v.push(text);
      if (tokens && text !== '') addTokenHashes(text, tokens, true);
      continue;
    }
    // The shape: a walk down a trie of interned key ids (no key strings or joined key per row).
    let node = SHAPES;
    for (let k = 0; k < n; k++) {
      let next = node.next.get(keyIds[k]);
      if (!next) {
        next = { next: new Map(), keys: [...node.keys, keyStrings[k]] };
        node.next.set(keyIds[k], next);
      }
      node = next;
    }
    let shape = shapeOf.get(node);
    if (shape === undefined) {
      shape = header.k.length;
      shapeOf.set(node, shape);
      header.k.push(node.keys);
      columns.push(node.keys.map(() => []));
      if (tokens) for (const key of node.keys) addTokenHashes(JSON.stringify(key), tokens, true);
    }
    header.s[i] = shape;
    const cols = columns[shape];
    for (let k = 0; k < n; k++) {
      const value = text.slice(valueStarts[k], valueEnds[k]);
      cols[k].push(value);
      if (tokens) addTokenHashes(value, tokens, true);
    }
  }
  let out = JSON.stringify(header);
  for (const cols of columns) for (const col of cols) out += COL + col.join(VAL);
  return out;
}

/** A trie node of key sequences (process-wide; there are few distinct attribute shapes). */
interface ShapeNode {
  next: Map<number, ShapeNode>;
  keys: string[];
}
const SHAPES: ShapeNode = { next: new Map(), keys: [] };

// Scratch output of splitObject (synchronous, never re-entered).
const keyIds: number[] = [];
const keyStrings: string[] = [];
const valueStarts: number[] = [];
const valueEnds: number[] = [];

/** Interned keys by a hash of their text: the same key string and id for every row, no slice per row. */
const KEY_SLOTS = 1024;
const keySlotText: (string | undefined)[] = new Array(KEY_SLOTS).fill(undefined);
const keySlotId = new Int32Array(KEY_SLOTS);
const keyIdOf = new Map<string, number>();
/** The key string of the last internKey() call. */
let internedKey = '';

function internKey(text: string, from: number, to: number): number {
  let h = to - from;
  for (let k = from; k < to; k++) h = (Math.imul(h, 31) + text.charCodeAt(k)) | 0;
  const slot = h & (KEY_SLOTS - 1);
  const cached = keySlotText[slot];
  if (cached !== undefined && cached.length === to - from && text.startsWith(cached, from)) {
    internedKey = cached;
    return keySlotId[slot];
  }
  const key = text.slice(from, to);
  let id = keyIdOf.get(key);
  if (id === undefined) {
    id = keyIdOf.size;
    if (id < 65536) keyIdOf.set(key, id); // bounded: a flood of distinct keys just misses the cache
  }
  keySlotText[slot] = key;
  keySlotId[slot] = id;
  internedKey = key;
  return id;
}

function hasBackslash(text: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (text.charCodeAt(k) === 92) return true;
  return false;
}

/** Index after the string whose opening quote is at i, or -1 (native search for the closing quote). */
function skipString(text: string, i: number, n: number): number {
  for (let from = i + 1; ; ) {
    const q = text.indexOf('"', from);
    if (q < 0 || q >= n) return -1;
    // Escaped when preceded by an odd run of backslashes.
    let b = q - 1;
    while (b > i && text.charCodeAt(b) === 92) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/**
 * Splits the top-level members of a JSON object text into keyIds/keyStrings and value bounds, found by
 * one scan without parsing; returns the member count, or -1 unless rebuilding (JSON.stringify(key),
 * ':', raw value, joined by ',' in braces) gives the text back exactly, e.g. with whitespace between
 * members, or for '{}'.
 */
function splitObject(text: string): number {
  const n = text.length;
  if (n <= 2 || text.charCodeAt(0) !== 123 || text.charCodeAt(n - 1) !== 125) return -1;
  let count = 0;
  let i = 1;
  for (;;) {
    if (text.charCodeAt(i) !== 34) return -1;
    const j = skipString(text, i, n);
    if (j < 0) return -1;
    const keyEnd = j - 1;
    if (hasBackslash(text, i + 1, keyEnd)) {
      // An escaped key: it round-trips only when JSON.stringify writes it the same way.
      const quoted = text.slice(i, j);
      let key: string;
      try {
        key = JSON.parse(quoted) as string;
      } catch {
        return -1;
      }
      if (JSON.stringify(key) !== quoted) return -1;
      let id = keyIdOf.get(key);
      if (id === undefined) {
        id = keyIdOf.size;
        keyIdOf.set(key, id);
      }
      keyIds[count] = id;
      keyStrings[count] = key;
    } else {
      keyIds[count] = internKey(text, i + 1, keyEnd);
      keyStrings[count] = internedKey;
    }
    i = j;
    if (text.charCodeAt(i) !== 58) return -1;
    const start = ++i;
    let depth = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i = skipString(text, i, n);
        if (i < 0) return -1;
        continue;
      }
      if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        if (depth === 0) break;
        depth--;
      } else if (c === 44 && depth === 0) break;
      i++;
    }
    if (i >= n || i === start) return -1;
    valueStarts[count] = start;
    valueEnds[count] = i;
    count++;
    if (text.charCodeAt(i) === 125) return i === n - 1 ? count : -1;
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
