// Reading a sealed block (formats 2–5 as block-codec.ts writes them) for scans: the meta columns
// decoded in one pass, each text section (format 5: each attribute row group) decompressed only when a
// search or a row needs it, a token searched once per section and only in the sections the block's
// split filter says may hold it, and only matching rows materialized.
import { decompress } from 'zstd-napi';
import { BLOCK_FORMAT_VERSION } from './block-codec.js';
import { bloomWhere, IN_ATTRS, IN_OTHER, tokenHash } from './bloom.js';
import { readAttrs } from './block-reader-attrs.js';
import type { SectionBuffers } from './block-reader-buffers.js';
import { type Row, rowMayContain, type StreamTuple } from './row.js';
import type { RowBatch } from './scan.js';
import { readText } from './block-reader-text.js';
import { type RowSearch, TextColumn } from './text-column.js';

/** Attributes transposed into per-key columns, one section for the whole block. */
const FORMAT_ATTR_COLUMNS = 4;
/** One stream, attributes as whole JSON objects. */
const FORMAT_WHOLE_ATTRS = 3;
/** Per-service blocks, the service given by the caller. */
const FORMAT_PER_SERVICE = 2;
/** Sections of formats 2-4, in their order. */
const OLD_SECTIONS = 4;
/** Section buffer slots (format 5 keeps them in the order meta, messages, ids, attribute groups). */
const META = 0;
const MESSAGES = 1;
const ATTRS = 2;
const IDS = 3;
/** Slot of attribute group 0 of format 5 (group g uses FIRST_GROUP + g). */
const FIRST_GROUP = 4;
/** Once this few rows are left after a token, the other tokens are checked row by row. */
const FEW_ROWS = 32;

export class BlockReader implements RowBatch {
  readonly count: number;
  readonly ms: Float64Array;
  readonly subNs: Float64Array;
  readonly seq: Float64Array;
  readonly level: Uint8Array;
  private readonly obsMs: Float64Array;
  private readonly obsSubNs: Float64Array;
  private readonly tuple: Uint32Array;
  private readonly msgOffsets: Uint32Array;
  private readonly attrOffsets: Uint32Array;
  private readonly idOffsets: Uint32Array;
  private readonly hasTrace: Uint8Array;
  private readonly tuples: StreamTuple[] = [];
  /** Compressed sections by slot (META, MESSAGES, ATTRS, IDS, then format 5's attribute groups). */
  private readonly sections: Buffer[] = [];
  private readonly format: number;
  /** Format 5: rows per attribute group. */
  private readonly groupRows: number = 0;
  private messageColumn?: RowSearch;
  private attrColumn?: RowSearch;
  private idColumn?: RowSearch;
  /** Rows built while checking the last tokens row by row (mayContain), handed out by row(). */
  private readonly checked = new Map<number, Row>();
  private readonly lease: number;

  constructor(
    data: Uint8Array,
    /** The service of a format-2 block (later formats name it per row). */
    service: string,
    /** Reused decompression buffers (scans): this reader is then valid until the next one is made. */
    private readonly buffers?: SectionBuffers,
    /**
     * The block's token filter (bloom.ts), when the caller has it: with a split filter (format 5) a
     * token is searched only in the sections that may hold it.
     */
    private readonly bloom?: Uint8Array,
  ) {
    this.lease = buffers?.lease() ?? 0;
    const format = data[0];
    this.format = format;
    const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (format === BLOCK_FORMAT_VERSION) {
      const groups = view[1];
      this.groupRows = view.readUInt32LE(2);
      const slots = [META, MESSAGES, IDS];
      for (let g = 0; g < groups; g++) slots.push(FIRST_GROUP + g);
      let off = 6 + 4 * slots.length;
      for (let i = 0; i < slots.length; i++) {
        const len = view.readUInt32LE(6 + 4 * i);
        this.sections[slots[i]] = view.subarray(off, off + len);
        off += len;
      }
    } else if (
      format === FORMAT_ATTR_COLUMNS ||
      format === FORMAT_WHOLE_ATTRS ||
      format === FORMAT_PER_SERVICE
    ) {
      let off = 1 + 4 * OLD_SECTIONS;
      for (let i = 0; i < OLD_SECTIONS; i++) {
        const len = view.readUInt32LE(1 + 4 * i);
        this.sections.push(view.subarray(off, off + len));
        off += len;
      }
    } else throw new Error(`unknown block format ${format}`);
    const m = new MetaReader(this.section(META));
    const n = m.uvarint();
    this.count = n;
    const b = buffers;
    this.ms = b ? b.float64(0, n) : new Float64Array(n);
    this.subNs = b ? b.float64(1, n) : new Float64Array(n);
    this.seq = b ? b.float64(2, n) : new Float64Array(n);
    this.obsMs = b ? b.float64(3, n) : new Float64Array(n);
    this.obsSubNs = b ? b.float64(4, n) : new Float64Array(n);
    this.tuple = b ? b.uint32(0, n) : new Uint32Array(n);
    this.msgOffsets = b ? b.uint32(1, n + 1) : new Uint32Array(n + 1);
    this.attrOffsets = b ? b.uint32(2, n + 1) : new Uint32Array(n + 1);
    this.idOffsets = b ? b.uint32(3, n + 1) : new Uint32Array(n + 1);
    this.hasTrace = b ? b.uint8(0, n) : new Uint8Array(n);
    this.level = b ? b.uint8(1, n) : new Uint8Array(n);
    m.deltas(this.ms, m.svarint(), false);
    m.values(this.subNs);
    m.deltas(this.seq, 0, true);
    m.deltas(this.obsMs, this.ms[0], true);
    m.values(this.obsSubNs);
    m.values(this.tuple);
    m.offsets(this.msgOffsets);
    m.offsets(this.attrOffsets);
    m.idOffsets(this.idOffsets, this.hasTrace);
    const tupleCount = m.uvarint();
    for (let t = 0; t < tupleCount; t++) {
      const level = m.byte();
      const severity = m.byte();
      this.tuples.push({
        level,
        severity,
        levelText: m.string(),
        host: m.string(),
        protocol: m.string() as Row['protocol'],
        labels: m.string(),
        service: format === FORMAT_PER_SERVICE ? service : m.string(),
      });
    }
    const levelOf = Uint8Array.from(this.tuples, (t) => t.level);
    for (let i = 0; i < n; i++) this.level[i] = levelOf[this.tuple[i]];
  }

  private section(i: number): Buffer {
    return this.buffers ? this.buffers.decompress(i, this.sections[i]) : decompress(this.sections[i]);
  }

  private messages(): RowSearch {
    this.messageColumn ??= readText(this.section(MESSAGES), this.msgOffsets, 'utf8');
    return this.messageColumn;
  }

  private attrs(): RowSearch {
    if (!this.attrColumn) {
      if (this.format === BLOCK_FORMAT_VERSION)
        this.attrColumn = new AttrGroups(this.count, this.groupRows, (g) => this.section(FIRST_GROUP + g));
      else {
        const bytes = this.section(ATTRS);
        this.attrColumn =
          this.format === FORMAT_ATTR_COLUMNS
            ? readAttrs(bytes)
            : new TextColumn(bytes, this.attrOffsets, 'utf8');
      }
    }
    return this.attrColumn;
  }

  private ids(): RowSearch {
    this.idColumn ??= readText(this.section(IDS), this.idOffsets, 'latin1');
    return this.idColumn;
  }

  /**
   * Rows that may contain every token (lowercase substrings of message, attributes, ids, host, labels
   * or service), each token searched once per whole section; undefined when a section cannot map its
   * hits to rows (then the caller checks rows itself). With a split filter, a token is searched only
   * where the filter says it may be as a whole token: tokens are tokenize() output (the query's
   * required tokens), and a record matches a word only where it stands as a whole token.
   */
  mayContain(tokens: string[]): Uint8Array | undefined {
    this.buffers?.check(this.lease);
    const n = this.count;
    let result: Uint8Array | undefined;
    // Longer tokens first: they are usually rarer, so fewer rows are left for the others.
    const order = [...tokens].sort((a, b) => b.length - a.length);
    for (let t = 0; t < order.length; t++) {
      const token = order[t];
      const hit = new Uint8Array(n);
      const where = this.bloom ? bloomWhere(this.bloom, tokenHash(token)) : IN_OTHER | IN_ATTRS;
      if (where & IN_OTHER) {
        if (!this.messages().markRows(token, hit)) return undefined;
        // Ids are lowercase hex (normalizeHexId): a token with another character is not in them.
        if (HEX_ONLY.test(token) && !this.ids().markRows(token, hit)) return undefined;
        this.tuples.forEach((tu, ti) => {
          if (`${tu.host}\n${tu.labels}\n${tu.service}`.toLowerCase().includes(token)) {
            for (let i = 0; i < n; i++) if (this.tuple[i] === ti) hit[i] = 1;
          }
        });
      }
      if (where & IN_ATTRS && !this.attrs().markRows(token, hit)) return undefined;
      if (result) for (let i = 0; i < n; i++) result[i] &= hit[i];
      else result = hit;
      // Hit rows found by the native indexOf (a needle's few hits cost no loop over every row).
      let left = 0;
      for (let i = result.indexOf(1); i >= 0 && left <= FEW_ROWS; i = result.indexOf(1, i + 1)) left++;
      if (left <= FEW_ROWS && t + 1 < order.length) {
        const rest = order.slice(t + 1);
        for (let i = result.indexOf(1); i >= 0; i = result.indexOf(1, i + 1)) {
          // Kept: the scan asks for these rows next, and rebuilding attributes is the costly part.
          const row = this.row(i);
          if (rowMayContain(row, rest)) this.checked.set(i, row);
          else result[i] = 0;
        }
        break;
      }
    }
    return result ?? new Uint8Array(n).fill(1);
  }

  /** Row i as a store row (text sections decompressed on first use, the row's strings sliced out). */
  row(i: number): Row {
    this.buffers?.check(this.lease);
    const checked = this.checked.get(i);
    if (checked) return checked;
    const t = this.tuples[this.tuple[i]];
    const idAt = this.idOffsets[i];
    const idEnd = this.idOffsets[i + 1];
    const ids = idEnd > idAt ? this.ids().text(i) : '';
    const trace = this.hasTrace[i] === 1;
    return {
      seq: this.seq[i],
      ms: this.ms[i],
      subNs: this.subNs[i],
      obsMs: this.obsMs[i],
      obsSubNs: this.obsSubNs[i],
      level: t.level,
      levelText: t.levelText,
      severity: t.severity,
      service: t.service,
      host: t.host,
      message: this.msgOffsets[i + 1] > this.msgOffsets[i] ? this.messages().text(i) : '',
      attrs: this.attrOffsets[i + 1] > this.attrOffsets[i] ? this.attrs().text(i) : '',
      traceId: trace ? ids.slice(0, 32) : '',
      spanId: trace ? ids.slice(32) : ids,
      labels: t.labels,
      protocol: t.protocol,
    };
  }

  /** Service of row i without materializing the row. */
  serviceOf(i: number): string {
    return this.tuples[this.tuple[i]].service;
  }

  allRows(): Row[] {
    const out: Row[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.row(i);
    return out;
  }
}

const HEX_ONLY = /^[0-9a-f]+$/;

/**
 * Format 5's attributes: row groups, each a format-4 attributes section of its own, decompressed
 * when a row of the group is read or a token searched.
 */
class AttrGroups implements RowSearch {
  private readonly groups: (RowSearch | undefined)[] = [];

  constructor(
    private readonly count: number,
    private readonly groupRows: number,
    private readonly load: (group: number) => Buffer,
  ) {}

  private group(g: number): RowSearch {
    let group = this.groups[g];
    if (!group) {
      group = readAttrs(this.load(g));
      this.groups[g] = group;
    }
    return group;
  }

  text(i: number): string {
    const g = Math.floor(i / this.groupRows);
    return this.group(g).text(i - g * this.groupRows);
  }

  markRows(token: string, hit: Uint8Array): boolean {
    for (let g = 0, from = 0; from < this.count; g++, from += this.groupRows)
      if (!this.group(g).markRows(token, hit.subarray(from, Math.min(this.count, from + this.groupRows))))
        return false;
    return true;
  }
}

/** LEB128 columns of the meta section, each decoded by one loop (no call per value). */
class MetaReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  private check(): void {
    if (this.pos > this.buf.length) throw new RangeError('read past end of block');
  }

  uvarint(): number {
    const buf = this.buf;
    let p = this.pos;
    let b = buf[p++];
    let v = b & 0x7f;
    for (let mul = 128; b >= 0x80; mul *= 128) {
      b = buf[p++];
      v += (b & 0x7f) * mul;
    }
    this.pos = p;
    this.check();
    return v;
  }

  svarint(): number {
    const v = this.uvarint();
    return v % 2 === 1 ? -(v + 1) / 2 : v / 2;
  }

  byte(): number {
    const b = this.buf[this.pos++];
    this.check();
    return b;
  }

  string(): string {
    const len = this.uvarint();
    const start = this.pos;
    this.pos += len;
    this.check();
    return this.buf.toString('utf8', start, start + len);
  }

  /** Unsigned values. */
  values(out: Float64Array | Uint32Array): void {
    const buf = this.buf;
    const n = out.length;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      let b = buf[p++];
      if (b < 0x80) {
        out[i] = b; // nearly all values of these columns fit one byte
        continue;
      }
      let v = b & 0x7f;
      let mul = 128;
      do {
        b = buf[p++];
        v += (b & 0x7f) * mul;
        mul *= 128;
      } while (b >= 0x80);
      out[i] = v;
    }
    this.pos = p;
    this.check();
  }

  /** Running sums of deltas from `start`, zigzag-signed or unsigned, decoded in the same loop. */
  deltas(out: Float64Array, start: number, signed: boolean): void {
    const buf = this.buf;
    const n = out.length;
    let p = this.pos;
    let acc = start;
    for (let i = 0; i < n; i++) {
      let b = buf[p++];
      let v = b;
      if (b >= 0x80) {
        v = b & 0x7f;
        let mul = 128;
        do {
          b = buf[p++];
          v += (b & 0x7f) * mul;
          mul *= 128;
        } while (b >= 0x80);
      }
      // Small values (nearly all deltas) unzigzag with integer ops; `%` on a double is a libc call.
      if (signed) v = v < 0x40000000 ? (v >>> 1) ^ -(v & 1) : v % 2 === 1 ? -(v + 1) / 2 : v / 2;
      acc += v;
      out[i] = acc;
    }
    this.pos = p;
    this.check();
  }

  /** Lengths turned into start offsets (out has one more slot than there are rows). */
  offsets(out: Uint32Array): void {
    out[0] = 0;
    const lens = out.subarray(1);
    this.values(lens);
    for (let i = 1; i < out.length; i++) out[i] += out[i - 1];
  }

  /** Id flags (bit 0 trace id, 32 chars; bit 1 span id, 16 chars) as offsets into the id section. */
  idOffsets(out: Uint32Array, hasTrace: Uint8Array): void {
    const buf = this.buf;
    const n = hasTrace.length;
    const p = this.pos;
    this.pos += n;
    this.check();
    let at = 0;
    out[0] = 0;
    for (let i = 0; i < n; i++) {
      const f = buf[p + i];
      hasTrace[i] = f & 1;
      at += (f & 1) * 32 + ((f >> 1) & 1) * 16;
      out[i + 1] = at;
    }
  }
}
