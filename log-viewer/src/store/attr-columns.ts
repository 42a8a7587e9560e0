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
//
// Writing: open rows (row-columns.ts) keep each row's attributes already split, as a shape id of the
// process-wide registry below and the value texts as UTF-8 bytes, so a block's section is put
// together from bytes, with no string per value.
import { addTokenHashes, addTokenHashesBytes, type TokenSet } from './bloom.js';
import type { RowColumns } from './row-columns.js';

const COL = '\u0001';
const VAL = '\u0000';

interface Header {
  k: string[][];
  s: number[];
  v: string[];
}

/** Shape of a row without attributes ('' as text), and of a row kept verbatim. */
export const SHAPE_NONE = -2;
export const SHAPE_VERBATIM = -1;

/**
 * A trie node of key sequences: the shape reached by a walk from ROOT through key ids. A node holds
 * its own key and its parent, not the whole path (a path copied per node made one record of 15,000
 * distinct keys cost 15,000²/2 array slots: GBs); a shape's key list is built once, when it is registered.
 */
interface ShapeNode {
  /** Children by key id (no Map until the first child: a leaf, the end of a shape, has none). */
  next: Map<number, ShapeNode> | undefined;
  /** The last step taken out of this node (rows of a stream mostly repeat one shape): no Map lookup. */
  lastId: number;
  lastNext: ShapeNode | undefined;
  parent: ShapeNode | undefined;
  key: string;
  /** Keys on the path from ROOT. */
  depth: number;
  /** Shape id once a row ended here, else -1. */
  id: number;
}
const ROOT: ShapeNode = {
  next: undefined,
  lastId: -1,
  lastNext: undefined,
  parent: undefined,
  key: '',
  depth: 0,
  id: -1,
};
/** Where a walk goes past the bounds below: it stays there and ends with no shape (the row is kept verbatim). */
const OVERFLOW: ShapeNode = {
  next: undefined,
  lastId: -1,
  lastNext: undefined,
  parent: undefined,
  key: '',
  depth: Number.POSITIVE_INFINITY,
  id: -1,
};
/** Keys of each shape, and `{"key":` / `,"key":` per key (what rebuilding a row's text puts before each value). */
export const shapeKeys: string[][] = [];
export const shapePrefixes: string[][] = [];
/**
 * Bounds of the process-wide registries: past them rows are kept verbatim (their attributes as one
 * JSON text, searched and read back as any other row), so a flood of distinct keys or of wide records
 * costs compression, never memory or correctness. Worst case per isolate: ~10 MB of trie nodes and
 * ~6 MB of shape keys and prefixes.
 */
const MAX_SHAPES = 16_384;
const MAX_KEYS = 65_536;
/** Most keys in one shape: a wider attributes object is kept verbatim (as the NDJSON scan's 256 members). */
export const MAX_SHAPE_KEYS = 256;
/** Most trie nodes, and most keys over all registered shapes. */
const MAX_SHAPE_NODES = 131_072;
const MAX_SHAPE_KEY_SLOTS = 131_072;
let shapeNodes = 0;
let shapeKeySlots = 0;
const keyIdOf = new Map<string, number>();

/** Sizes of the process-wide registries (tests and diagnostics). */
export function shapeRegistrySizes(): { keys: number; shapes: number; nodes: number; keySlots: number } {
  return { keys: keyIdOf.size, shapes: shapeKeys.length, nodes: shapeNodes, keySlots: shapeKeySlots };
}

/** The id of a key, or -1 when the registry is full. */
export function keyId(key: string): number {
  let id = keyIdOf.get(key);
  if (id === undefined) {
    if (keyIdOf.size >= MAX_KEYS) return -1;
    id = keyIdOf.size;
    keyIdOf.set(key, id);
  }
  return id;
}

/** A walk through the shape trie, one key at a time: begin(), step(id, key)..., end() → shape id. */
let walk: ShapeNode = ROOT;

export function beginShape(): void {
  walk = ROOT;
}

export function stepShape(id: number, key: string): void {
  if (walk.lastId === id) {
    walk = walk.lastNext!;
    return;
  }
  let next = walk.next === undefined ? undefined : walk.next.get(id);
  if (next === undefined) {
    if (walk.depth >= MAX_SHAPE_KEYS || shapeNodes >= MAX_SHAPE_NODES) {
      walk = OVERFLOW;
      return;
    }
    next = {
      next: undefined,
      lastId: -1,
      lastNext: undefined,
      parent: walk,
      key,
      depth: walk.depth + 1,
      id: -1,
    };
    walk.next ??= new Map();
    walk.next.set(id, next);
    shapeNodes++;
  }
  walk.lastId = id;
  walk.lastNext = next;
  walk = next;
}

/** The shape id of the walk so far, or -1 when past a bound. */
export function endShape(): number {
  if (walk.id < 0) {
    const n = walk.depth;
    if (walk === OVERFLOW || shapeKeys.length >= MAX_SHAPES || shapeKeySlots + n > MAX_SHAPE_KEY_SLOTS)
      return -1;
    const keys = new Array<string>(n);
    for (let node = walk; node.parent !== undefined; node = node.parent) keys[node.depth - 1] = node.key;
    walk.id = shapeKeys.length;
    shapeKeySlots += n;
    shapeKeys.push(keys);
    shapePrefixes.push(keys.map(keyPrefix));
  }
  return walk.id;
}

function keyPrefix(key: string, index: number): string {
  return `${index === 0 ? '{' : ','}${JSON.stringify(key)}:`;
}

// Output of splitObject (synchronous, never re-entered).
export const splitKeyIds: number[] = [];
export const splitKeys: string[] = [];
export const valueStarts: number[] = [];
export const valueEnds: number[] = [];

/** Interned keys by a hash of their text: the same key string and id for every row, no slice per row. */
const KEY_SLOTS = 1024;
const keySlotText: (string | undefined)[] = new Array(KEY_SLOTS).fill(undefined);
const keySlotId = new Int32Array(KEY_SLOTS);
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
  const id = keyId(key);
  if (id >= 0) {
    keySlotText[slot] = key;
    keySlotId[slot] = id;
  }
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
 * Splits the top-level members of a JSON object text into splitKeyIds/splitKeys and value bounds,
 * found by one scan without parsing; returns the member count, or -1 unless rebuilding
 * (JSON.stringify(key), ':', raw value, joined by ',' in braces) gives the text back exactly, e.g.
 * with whitespace between members, or for '{}' (or past MAX_SHAPE_KEYS members, or when the key
 * registry is full).
 */
export function splitObject(text: string): number {
  const n = text.length;
  if (n <= 2 || text.charCodeAt(0) !== 123 || text.charCodeAt(n - 1) !== 125) return -1;
  let count = 0;
  let i = 1;
  for (;;) {
    // Wider objects are kept verbatim: their keys are not registered.
    if (count === MAX_SHAPE_KEYS || text.charCodeAt(i) !== 34) return -1;
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
      splitKeyIds[count] = keyId(key);
      splitKeys[count] = key;
    } else {
      splitKeyIds[count] = internKey(text, i + 1, keyEnd);
      splitKeys[count] = internedKey;
    }
    if (splitKeyIds[count] < 0) return -1;
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

/**
 * The attributes section of rows `order` (indexes into c, in block order), as UTF-8 bytes. With
 * `tokens`, also adds the token hashes of every row's text, as addTokenHashes(text, tokens, true)
 * would: separators between members hold no token characters, so the tokens of a text are those of
 * its keys (hashed once per shape in the block) and of its values (one pass over the row's values,
 * which sit back to back with a NUL between them).
 */
export function encodeAttrSection(c: RowColumns, order: Uint32Array, tokens?: TokenSet): Buffer {
  const header: Header = { k: [], s: new Array(order.length), v: [] };
  /** Rows (indexes into c) of each block shape, in block order. */
  const rowsOf: number[][] = [];
  const valueBytes = collectShapes(c, order, header, rowsOf, tokens);
  const head = JSON.stringify(header);
  const out = Buffer.allocUnsafe(Buffer.byteLength(head) + valueBytes);
  const o = out.write(head, 0, 'utf8');
  // (Its own function: loops in this one, which runs once per block, would be compiled on stack.)
  const end = writeColumns(c, header.k, rowsOf, out, o);
  return end === out.length ? out : out.subarray(0, end);
}

/**
 * Fills the header's shapes and verbatim texts and rowsOf; adds the tokens. Returns the bytes the
 * columns need: their values plus one separator per value (a COL before each column, a VAL between
 * its values).
 */
function collectShapes(
  c: RowColumns,
  order: Uint32Array,
  header: Header,
  rowsOf: number[][],
  tokens: TokenSet | undefined,
): number {
  const { shape, valFirst, valEnd, attrBytes: bytes } = c;
  /** Block shape of each registry shape seen, by registry id (-1: not yet): no Map lookup per row. */
  const blockShape = new Int32Array(shapeKeys.length).fill(-1);
  let size = 0;
  for (let j = 0; j < order.length; j++) {
    const i = order[j];
    const s = shape[i];
    const v0 = valFirst[i];
    const v1 = c.valuesEnd(i);
    const from = v0 === 0 ? 0 : valEnd[v0 - 1] + 1;
    const to = v1 === v0 ? from : valEnd[v1 - 1];
    if (s < 0) {
      header.s[j] = -1;
      header.v.push(s === SHAPE_NONE ? '' : bytes.toString('utf8', from, to));
      if (tokens && s !== SHAPE_NONE) addTokenHashesBytes(bytes, from, to, tokens, true);
      continue;
    }
    let b = blockShape[s];
    if (b < 0) b = addShape(s, blockShape, header, rowsOf, tokens);
    header.s[j] = b;
    rowsOf[b].push(i);
    // The row's values with the NULs between them, plus one separator.
    size += to - from + 1;
    if (tokens) addTokenHashesBytes(bytes, from, to, tokens, true);
  }
  return size;
}

function addShape(
  s: number,
  blockShape: Int32Array,
  header: Header,
  rowsOf: number[][],
  tokens: TokenSet | undefined,
): number {
  const b = header.k.length;
  blockShape[s] = b;
  header.k.push(shapeKeys[s]);
  rowsOf.push([]);
  if (tokens) for (const key of shapeKeys[s]) addTokenHashes(JSON.stringify(key), tokens, true);
  return b;
}

/** Writes each (shape, key) column at `o`: COL, then the values joined by VAL. Returns the end. */
function writeColumns(c: RowColumns, keys: string[][], rowsOf: number[][], out: Buffer, o: number): number {
  const { valFirst, valEnd, attrBytes: bytes } = c;
  for (let b = 0; b < rowsOf.length; b++) {
    const rows = rowsOf[b];
    for (let k = 0; k < keys[b].length; k++) {
      out[o++] = 1;
      for (let r = 0; r < rows.length; r++) {
        if (r > 0) out[o++] = 0;
        const v = valFirst[rows[r]] + k;
        o = copyValue(bytes, v === 0 ? 0 : valEnd[v - 1] + 1, valEnd[v], out, o);
      }
    }
  }
  return o;
}

function copyValue(bytes: Buffer, from: number, to: number, out: Buffer, o: number): number {
  for (let p = from; p < to; p++) out[o++] = bytes[p];
  return o;
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
