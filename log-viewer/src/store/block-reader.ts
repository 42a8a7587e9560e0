// Reading a sealed block (formats 2–6 as block-codec.ts writes them) for scans. A block is read as
// row groups (format 6: its own; older formats: one group of all rows): a group's meta columns are
// decoded in one pass when a search or a row first needs them, each text section decompressed only
// when a search or a row needs it, a token searched once per section and only in the groups and
// sections the block's filter says may hold it, and only matching rows materialized.
import { decompress } from 'zstd-napi';
import { BLOCK_FORMAT_VERSION, BLOCK_HEADER_BYTES, GROUP_SECTIONS } from './block-codec.js';
import { bloomWhere, groupBloomWhere, IN_ATTRS, IN_OTHER, isGroupBloom, tokenHash } from './bloom.js';
import { readAttrs } from './block-reader-attrs.js';
import type { SectionBuffers } from './block-reader-buffers.js';
import { MetaReader } from './block-reader-meta.js';
import { readIds, readText } from './block-reader-text.js';
import { type Row, rowMayContain, type StreamTuple } from './row.js';
import type { RowBatch } from './scan.js';
import { type RowSearch, TextColumn } from './text-column.js';

/** Attributes in row groups, one section each, the rest of the block whole. */
const FORMAT_ATTR_GROUPS = 5;
/** Attributes transposed into per-key columns, one section for the whole block. */
const FORMAT_ATTR_COLUMNS = 4;
/** One stream, attributes as whole JSON objects. */
const FORMAT_WHOLE_ATTRS = 3;
/** Per-service blocks, the service given by the caller. */
const FORMAT_PER_SERVICE = 2;
/** Sections of formats 2-4, in their order (meta, messages, attributes, ids). */
const OLD_SECTIONS = 4;
/** Section kinds, in format 6 order; a group's section uses buffer slot group * GROUP_SECTIONS + kind. */
const META = 0;
const MESSAGES = 1;
const IDS = 2;
const ATTRS = 3;
/** Format 5: buffer slot of attribute group g is FIRST_ATTR_GROUP + g. */
const FIRST_ATTR_GROUP = 4;
/** Once this few rows are left after a token, the other tokens are checked row by row. */
const FEW_ROWS = 32;

/** A row group: its compressed sections and, once read, its meta and text columns. */
interface Group {
  /** Index among the block's groups (its buffer slots). */
  index: number;
  /** First row (block index) and row count. */
  from: number;
  rows: number;
  /** Compressed sections by kind (format 5 keeps its attribute groups in attrGroups). */
  sections: Buffer[];
  attrGroups?: Buffer[];
  meta?: GroupMeta;
  messages?: RowSearch;
  ids?: RowSearch;
  attrs?: RowSearch;
}

/** What a group's meta section holds besides the block-wide columns (offsets are the group's own). */
interface GroupMeta {
  tuples: StreamTuple[];
  msgOffsets: Uint32Array;
  attrOffsets: Uint32Array;
  idOffsets: Uint32Array;
}

export class BlockReader implements RowBatch {
  readonly count: number;
  private readonly msCol: Float64Array;
  private readonly subNsCol: Float64Array;
  private readonly seqCol: Float64Array;
  private readonly levelCol: Uint8Array;
  private readonly obsMs: Float64Array;
  private readonly obsSubNs: Float64Array;
  /** Each row's index into its group's tuples. */
  private readonly tuple: Uint32Array;
  private readonly hasTrace: Uint8Array;
  private readonly groups: Group[] = [];
  private readonly format: number;
  /** Rows per group (format 6) or per attribute group (format 5). */
  private readonly groupRows: number = 0;
  /**
   * Set once mayContain() returned rows: the columns then hold the rows it marked, and the other
   * groups' meta is not decoded (a needle reads only its groups).
   */
  private searched = false;
  private allMetaRead = false;
  /** Rows built while checking the last tokens row by row (mayContain), handed out by row(). */
  private readonly checked = new Map<number, Row>();
  private readonly lease: number;

  constructor(
    data: Uint8Array,
    /** The service of a format-2 block (later formats name it per row). */
    private readonly service: string,
    /** Reused decompression buffers (scans): this reader is then valid until the next one is made. */
    private readonly buffers?: SectionBuffers,
    /**
     * The block's token filter (bloom.ts), when the caller has it: a token is then searched only in
     * the row groups (format 6) and sections (formats 5, 6) that may hold it.
     */
    private readonly bloom?: Uint8Array,
  ) {
    this.lease = buffers?.lease() ?? 0;
    const format = data[0];
    this.format = format;
    const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let first: MetaReader | undefined;
    if (format === BLOCK_FORMAT_VERSION) {
      const groups = view[1];
      this.groupRows = view.readUInt32LE(2);
      this.count = view.readUInt32LE(6);
      let off = BLOCK_HEADER_BYTES + 4 * GROUP_SECTIONS * groups;
      for (let g = 0; g < groups; g++) {
        const sections: Buffer[] = [];
        for (let k = 0; k < GROUP_SECTIONS; k++) {
          const len = view.readUInt32LE(BLOCK_HEADER_BYTES + 4 * (g * GROUP_SECTIONS + k));
          sections.push(view.subarray(off, off + len));
          off += len;
        }
        const from = g * this.groupRows;
        this.groups.push({ index: g, from, rows: Math.min(this.groupRows, this.count - from), sections });
      }
    } else {
      const sections: Buffer[] = [];
      let attrGroups: Buffer[] | undefined;
      if (format === FORMAT_ATTR_GROUPS) {
        const groups = view[1];
        this.groupRows = view.readUInt32LE(2);
        let off = 6 + 4 * (3 + groups);
        const frames: Buffer[] = [];
        for (let i = 0; i < 3 + groups; i++) {
          const len = view.readUInt32LE(6 + 4 * i);
          frames.push(view.subarray(off, off + len));
          off += len;
        }
        sections[META] = frames[0];
        sections[MESSAGES] = frames[1];
        sections[IDS] = frames[2];
        attrGroups = frames.slice(3);
      } else if (
        format === FORMAT_ATTR_COLUMNS ||
        format === FORMAT_WHOLE_ATTRS ||
        format === FORMAT_PER_SERVICE
      ) {
        let off = 1 + 4 * OLD_SECTIONS;
        const frames: Buffer[] = [];
        for (let i = 0; i < OLD_SECTIONS; i++) {
          const len = view.readUInt32LE(1 + 4 * i);
          frames.push(view.subarray(off, off + len));
          off += len;
        }
        sections[META] = frames[0];
        sections[MESSAGES] = frames[1];
        sections[ATTRS] = frames[2];
        sections[IDS] = frames[3];
      } else throw new Error(`unknown block format ${format}`);
      // One group of all rows, whose count is in its meta.
      first = new MetaReader(this.decompress(META, sections[META]));
      this.count = first.uvarint();
      this.groups.push({ index: 0, from: 0, rows: this.count, sections, attrGroups });
    }
    const n = this.count;
    const b = buffers;
    this.msCol = b ? b.float64(0, n) : new Float64Array(n);
    this.subNsCol = b ? b.float64(1, n) : new Float64Array(n);
    this.seqCol = b ? b.float64(2, n) : new Float64Array(n);
    this.obsMs = b ? b.float64(3, n) : new Float64Array(n);
    this.obsSubNs = b ? b.float64(4, n) : new Float64Array(n);
    this.tuple = b ? b.uint32(0, n) : new Uint32Array(n);
    this.hasTrace = b ? b.uint8(0, n) : new Uint8Array(n);
    this.levelCol = b ? b.uint8(1, n) : new Uint8Array(n);
    if (first) this.readMeta(this.groups[0], first);
  }

  /**
   * Row times, sequence numbers and levels. Once mayContain() has returned rows, only the rows it
   * marked are guaranteed (a needle decodes only its groups' meta); otherwise every row's.
   */
  get ms(): Float64Array {
    this.readAllMeta();
    return this.msCol;
  }

  get subNs(): Float64Array {
    this.readAllMeta();
    return this.subNsCol;
  }

  get seq(): Float64Array {
    this.readAllMeta();
    return this.seqCol;
  }

  get level(): Uint8Array {
    this.readAllMeta();
    return this.levelCol;
  }

  private readAllMeta(): void {
    if (this.searched || this.allMetaRead) return;
    for (const g of this.groups) this.groupMeta(g);
    this.allMetaRead = true;
  }

  private decompress(slot: number, frame: Buffer): Buffer {
    return this.buffers ? this.buffers.decompress(slot, frame) : decompress(frame);
  }

  private section(g: Group, kind: number): Buffer {
    return this.decompress(g.index * GROUP_SECTIONS + kind, g.sections[kind]);
  }

  private groupMeta(g: Group): GroupMeta {
    if (g.meta) return g.meta;
    this.buffers?.check(this.lease);
    const m = new MetaReader(this.section(g, META));
    if (m.uvarint() !== g.rows) throw new RangeError('row group size does not match the block header');
    return this.readMeta(g, m);
  }

  /** Decodes a group's meta columns (the reader stands after the row count) into the block's columns. */
  private readMeta(g: Group, m: MetaReader): GroupMeta {
    const gi = g.index;
    const a = g.from;
    const n = g.rows;
    const z = a + n;
    const b = this.buffers;
    const ms = this.msCol.subarray(a, z);
    const tuple = this.tuple.subarray(a, z);
    const meta: GroupMeta = {
      tuples: [],
      msgOffsets: b ? b.uint32(1 + 3 * gi, n + 1) : new Uint32Array(n + 1),
      attrOffsets: b ? b.uint32(2 + 3 * gi, n + 1) : new Uint32Array(n + 1),
      idOffsets: b ? b.uint32(3 + 3 * gi, n + 1) : new Uint32Array(n + 1),
    };
    m.deltas(ms, m.svarint(), false);
    m.values(this.subNsCol.subarray(a, z));
    m.deltas(this.seqCol.subarray(a, z), 0, true);
    m.deltas(this.obsMs.subarray(a, z), ms[0], true);
    m.values(this.obsSubNs.subarray(a, z));
    m.values(tuple);
    m.offsets(meta.msgOffsets);
    m.offsets(meta.attrOffsets);
    m.idOffsets(meta.idOffsets, this.hasTrace.subarray(a, z));
    const tupleCount = m.uvarint();
    for (let t = 0; t < tupleCount; t++) {
      const level = m.byte();
      const severity = m.byte();
      meta.tuples.push({
        level,
        severity,
        levelText: m.string(),
        host: m.string(),
        protocol: m.string() as Row['protocol'],
        labels: m.string(),
        service: this.format === FORMAT_PER_SERVICE ? this.service : m.string(),
      });
    }
    const levelOf = Uint8Array.from(meta.tuples, (t) => t.level);
    const level = this.levelCol;
    for (let i = a; i < z; i++) level[i] = levelOf[this.tuple[i]];
    g.meta = meta;
    return meta;
  }

  private groupOf(i: number): Group {
    return this.format === BLOCK_FORMAT_VERSION
      ? this.groups[Math.floor(i / this.groupRows)]
      : this.groups[0];
  }

  private messages(g: Group): RowSearch {
    g.messages ??= readText(this.section(g, MESSAGES), this.groupMeta(g).msgOffsets, 'utf8');
    return g.messages;
  }

  private attrs(g: Group): RowSearch {
    if (!g.attrs) {
      const frames = g.attrGroups;
      if (frames)
        g.attrs = new AttrGroups(g.rows, this.groupRows, (k) =>
          this.decompress(FIRST_ATTR_GROUP + k, frames[k]),
        );
      else if (this.format === FORMAT_WHOLE_ATTRS || this.format === FORMAT_PER_SERVICE)
        g.attrs = new TextColumn(this.section(g, ATTRS), this.groupMeta(g).attrOffsets, 'utf8');
      else g.attrs = readAttrs(this.section(g, ATTRS));
    }
    return g.attrs;
  }

  private ids(g: Group): RowSearch {
    g.ids ??= readIds(this.section(g, IDS), this.groupMeta(g).idOffsets);
    return g.ids;
  }

  /**
   * Rows that may contain every token (lowercase substrings of message, attributes, ids, host, labels
   * or service), each token searched once per section of a group; undefined when a section cannot
   * map its hits to rows (then the caller checks rows itself). With the block's filter, a token is
   * searched only in the groups and sections where the filter says it may be as a whole token:
   * tokens are tokenize() output (the query's required tokens), and a record matches a word only
   * where it stands as a whole token. Tokens in `idTokens` (every match holds them in its trace or
   * span id) are searched in the ids alone.
   */
  mayContain(tokens: string[], idTokens?: readonly string[]): Uint8Array | undefined {
    this.buffers?.check(this.lease);
    if (tokens.length === 0) return new Uint8Array(this.count).fill(1);
    // Longer tokens first: they are usually rarer, so fewer rows are left for the others.
    const order = [...tokens].sort((a, b) => b.length - a.length);
    let where = this.whereByGroup(order);
    if (idTokens && idTokens.length > 0) {
      const idOnly = order.map((token) => idTokens.includes(token));
      where = where.map((w) => w.map((x, t) => (idOnly[t] ? (x & IN_OTHER ? ID_ONLY : 0) : x)));
    }
    const result = new Uint8Array(this.count);
    for (let gi = 0; gi < this.groups.length; gi++) {
      // A group whose filters lack a token holds no record with every token: not even its meta is read.
      if (where[gi].some((w) => w === 0)) continue;
      const g = this.groups[gi];
      const marks = result.subarray(g.from, g.from + g.rows);
      if (!this.searchGroup(g, order, where[gi], marks)) return undefined;
      // The scan reads the marked rows' times, seqs and levels next: a token found in the attributes
      // alone never decoded this group's meta, and the columns held stale values (black-box #3)
      if (marks.includes(1)) this.groupMeta(g);
    }
    this.searched = true;
    return result;
  }

  /** For each group, where each token may be (IN_OTHER | IN_ATTRS bits, 0: nowhere in the group). */
  private whereByGroup(tokens: string[]): number[][] {
    const bloom = this.bloom;
    const groups = this.groups.length;
    if (!bloom) return Array.from({ length: groups }, () => tokens.map(() => IN_OTHER | IN_ATTRS));
    const hashes = tokens.map(tokenHash);
    if (isGroupBloom(bloom) && bloom[1] === groups) return groupBloomWhere(bloom, hashes);
    const where = hashes.map((h) => bloomWhere(bloom, h));
    return Array.from({ length: groups }, () => where);
  }

  /** mayContain() within one group: marks `out` (the group's rows); false when a section cannot tell. */
  private searchGroup(g: Group, order: string[], where: number[], out: Uint8Array): boolean {
    const n = g.rows;
    const tuple = this.tuple.subarray(g.from, g.from + n);
    let result: Uint8Array | undefined;
    for (let t = 0; t < order.length; t++) {
      const token = order[t];
      const hit = new Uint8Array(n);
      if (where[t] === ID_ONLY) {
        // Ids are lowercase hex (normalizeHexId): a token with another character is not in them.
        if (HEX_ONLY.test(token) && !this.ids(g).markRows(token, hit)) return false;
      } else if (where[t] & IN_OTHER) {
        if (!this.messages(g).markRows(token, hit)) return false;
        // Ids are lowercase hex (normalizeHexId): a token with another character is not in them.
        if (HEX_ONLY.test(token) && !this.ids(g).markRows(token, hit)) return false;
        this.groupMeta(g).tuples.forEach((tu, ti) => {
          if (`${tu.host}\n${tu.labels}\n${tu.service}`.toLowerCase().includes(token)) {
            for (let i = 0; i < n; i++) if (tuple[i] === ti) hit[i] = 1;
          }
        });
      }
      if (where[t] & IN_ATTRS && !this.attrs(g).markRows(token, hit)) return false;
      if (result) for (let i = 0; i < n; i++) result[i] &= hit[i];
      else result = hit;
      // Hit rows found by the native indexOf (a needle's few hits cost no loop over every row).
      let left = 0;
      for (let i = result.indexOf(1); i >= 0 && left <= FEW_ROWS; i = result.indexOf(1, i + 1)) left++;
      if (left <= FEW_ROWS && t + 1 < order.length) {
        const rest = order.slice(t + 1);
        for (let i = result.indexOf(1); i >= 0; i = result.indexOf(1, i + 1)) {
          // Kept: the scan asks for these rows next, and rebuilding attributes is the costly part.
          const row = this.row(g.from + i);
          if (rowMayContain(row, rest)) this.checked.set(g.from + i, row);
          else result[i] = 0;
        }
        break;
      }
    }
    if (result) out.set(result);
    return true;
  }

  /** Row i as a store row (its group's meta and text sections decoded on first use, strings sliced out). */
  row(i: number): Row {
    this.buffers?.check(this.lease);
    const checked = this.checked.get(i);
    if (checked) return checked;
    const g = this.groupOf(i);
    const meta = this.groupMeta(g);
    const r = i - g.from;
    const t = meta.tuples[this.tuple[i]];
    const ids = meta.idOffsets[r + 1] > meta.idOffsets[r] ? this.ids(g).text(r) : '';
    const trace = this.hasTrace[i] === 1;
    return {
      seq: this.seqCol[i],
      ms: this.msCol[i],
      subNs: this.subNsCol[i],
      obsMs: this.obsMs[i],
      obsSubNs: this.obsSubNs[i],
      level: t.level,
      levelText: t.levelText,
      severity: t.severity,
      service: t.service,
      host: t.host,
      message: meta.msgOffsets[r + 1] > meta.msgOffsets[r] ? this.messages(g).text(r) : '',
      attrs: meta.attrOffsets[r + 1] > meta.attrOffsets[r] ? this.attrs(g).text(r) : '',
      traceId: trace ? ids.slice(0, 32) : '',
      spanId: trace ? ids.slice(32) : ids,
      labels: t.labels,
      protocol: t.protocol,
    };
  }

  /** Service of row i without materializing the row. */
  serviceOf(i: number): string {
    const g = this.groupOf(i);
    return this.groupMeta(g).tuples[this.tuple[i]].service;
  }

  allRows(): Row[] {
    const out: Row[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.row(i);
    return out;
  }
}

const HEX_ONLY = /^[0-9a-f]+$/;
/** A where value (beside IN_OTHER and IN_ATTRS): the group's filter may hold the token, look in its ids only. */
const ID_ONLY = 4;

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
