// Prometheus remote_write 1.0 (prompb WriteRequest, prometheus/prometheus v2.42 prompb/remote.proto
// + types.proto), decoded by walking the protobuf bytes by hand. protobufjs would build an object
// per sample and a Long per timestamp; this walk builds none: labels are handed to the sink as byte
// offsets so the store can hash the raw bytes and decode strings only for series it has never seen.
// TimeSeries.exemplars (3) are decoded only when present and the sink takes them (the sample path
// does not change). Skipped: WriteRequest.metadata (3), TimeSeries.histograms (4), and any other
// unknown field. proto3 leaves out zero values, so a Sample without field 1 has value 0.

export class ProtobufError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at byte ${offset}`);
  }
}

/** Receives a decoded WriteRequest. `labelOffsets` holds [nameStart, nameEnd, valueStart, valueEnd]
 * per label, indexes into `buf`; it is reused between series, so copy what must outlive the call. */
export interface RemoteWriteSink {
  /** Returns a handle passed back to `sample`, or -1 to drop the series' samples. */
  beginSeries(buf: Uint8Array, labelOffsets: Int32Array, labelCount: number): number;
  /** `stale` is true for a staleness marker (value bits exactly 0x7ff0000000000002, checked on the
   * wire bytes: the NaN payload need not survive a JS number); `value` is then NaN. */
  sample(seriesRef: number, timestampMs: number, value: number, stale: boolean): void;
  /** Optional: an Exemplar of the series (labels decoded, empty values dropped). */
  exemplar?(seriesRef: number, labels: Record<string, string>, value: number, timestampMs: number): void;
}

export interface WalkResult {
  series: number;
  samples: number;
  metadata: number;
}

const MAX_LABELS = 1024;
const scratch = new DataView(new ArrayBuffer(8));

// Reused by every walk (walks are synchronous and never nested): one 16 KB allocation per request
// less for the young generation.
const offsets = new Int32Array(MAX_LABELS * 4);

/** Walks a decompressed WriteRequest; throws ProtobufError on malformed bytes. */
export function walkWriteRequest(buf: Uint8Array, sink: RemoteWriteSink): WalkResult {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const result: WalkResult = { series: 0, samples: 0, metadata: 0 };
  const cursor = { pos: 0 };
  const end = buf.length;
  while (cursor.pos < end) {
    const key = readVarint32(buf, cursor);
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 1 && wire === 2) {
      const len = readVarint32(buf, cursor);
      const start = cursor.pos;
      const stop = start + len;
      if (stop > end) throw new ProtobufError('TimeSeries runs past the end', start);
      result.samples += walkTimeSeries(buf, view, start, stop, offsets, sink);
      result.series++;
      cursor.pos = stop;
    } else {
      if (field === 3) result.metadata++;
      skipField(buf, cursor, wire);
    }
  }
  if (cursor.pos !== end) throw new ProtobufError('truncated message', end);
  return result;
}

function walkTimeSeries(
  buf: Uint8Array,
  view: DataView,
  start: number,
  stop: number,
  offsets: Int32Array,
  sink: RemoteWriteSink,
): number {
  // First pass: labels (Prometheus sends them first, but proto allows any order). It notes where
  // the first other field starts, so that the second pass starts there unless a label follows it.
  const c = { pos: start };
  let labelCount = 0;
  let firstOther = -1;
  let labelAfterOther = false;
  while (c.pos < stop) {
    const at = c.pos;
    const key = buf[at];
    if (key === 0x12 && buf[at + 1] < 0x80) {
      // A Sample (almost every field): skip it without reading it twice.
      if (firstOther < 0) firstOther = at;
      c.pos = at + 2 + buf[at + 1];
      continue;
    }
    if (key === 0x0a && labelCount < MAX_LABELS && buf[at + 1] < 0x80 && buf[at + 2] === 0x0a) {
      // The usual Label: name (field 1) then value (field 2), each with a 1-byte length.
      const nameStart = at + 4;
      const nameEnd = nameStart + buf[at + 3];
      const valueStart = nameEnd + 2;
      const valueEnd = valueStart + buf[nameEnd + 1];
      if (
        buf[at + 3] < 0x80 &&
        buf[nameEnd] === 0x12 &&
        buf[nameEnd + 1] < 0x80 &&
        valueEnd === at + 2 + buf[at + 1] &&
        valueEnd <= stop
      ) {
        if (firstOther >= 0) labelAfterOther = true;
        const o = labelCount * 4;
        offsets[o] = nameStart;
        offsets[o + 1] = nameEnd;
        offsets[o + 2] = valueStart;
        offsets[o + 3] = valueEnd;
        labelCount++;
        c.pos = valueEnd;
        continue;
      }
    }
    if (readVarint32(buf, c) !== 0x0a) {
      if (firstOther < 0) firstOther = at;
      skipField(buf, c, key & 7);
      continue;
    }
    if (firstOther >= 0) labelAfterOther = true;
    const len = readVarint32(buf, c);
    const lstop = c.pos + len;
    if (lstop > stop) throw new ProtobufError('Label runs past its TimeSeries', c.pos);
    if (labelCount >= MAX_LABELS) throw new ProtobufError(`more than ${MAX_LABELS} labels`, c.pos);
    const o = labelCount * 4;
    offsets[o] = offsets[o + 1] = offsets[o + 2] = offsets[o + 3] = c.pos;
    while (c.pos < lstop) {
      const lkey = readVarint32(buf, c);
      if (lkey === 0x0a || lkey === 0x12) {
        const slen = readVarint32(buf, c);
        const at = lkey === 0x0a ? o : o + 2;
        offsets[at] = c.pos;
        offsets[at + 1] = c.pos + slen;
        c.pos += slen;
      } else skipField(buf, c, lkey & 7);
    }
    if (c.pos !== lstop) throw new ProtobufError('malformed Label', c.pos);
    labelCount++;
  }
  if (c.pos !== stop) throw new ProtobufError('malformed TimeSeries', c.pos);
  const ref = sink.beginSeries(buf, offsets, labelCount);
  if (firstOther < 0) return 0;
  // Second pass: samples (and exemplars).
  let n = 0;
  let p = labelAfterOther ? start : firstOther;
  while (p < stop) {
    if (buf[p] !== 0x12) {
      c.pos = p;
      const key = readVarint32(buf, c);
      if (key === 0x1a && ref >= 0 && sink.exemplar) readExemplar(buf, view, c, stop, ref, sink);
      else skipField(buf, c, key & 7);
      p = c.pos;
      continue;
    }
    let q = p + 2;
    let len = buf[p + 1];
    if (!(len < 0x80)) {
      c.pos = p + 1;
      len = readVarint32(buf, c);
      q = c.pos;
    }
    const sstop = q + len;
    if (sstop > stop) throw new ProtobufError('Sample runs past its TimeSeries', q);
    n++;
    // The shape every sender we know writes: value (0x09, 8 bytes) then timestamp (0x10, varint of
    // at most 7 bytes: any ms time below 2^49) and nothing else. Read inline; anything else goes
    // through the general loop below.
    if (len >= 11 && buf[q] === 0x09 && buf[q + 9] === 0x10) {
      let i = q + 10;
      let ts = 0;
      let mul = 1;
      let b = 0x80;
      for (let k = 0; k < 7 && i < sstop; k++) {
        b = buf[i++];
        ts += (b & 0x7f) * mul;
        if (b < 0x80) break;
        mul *= 128;
      }
      if (b < 0x80 && i === sstop) {
        if (ref >= 0) sink.sample(ref, ts, view.getFloat64(q + 1, true), isStaleMarker(buf, q + 1));
        p = sstop;
        continue;
      }
    }
    c.pos = q;
    let value = 0;
    let stale = false;
    let ts = 0;
    while (c.pos < sstop) {
      const skey = readVarint32(buf, c);
      if (skey === 0x09) {
        if (c.pos + 8 > sstop) throw new ProtobufError('truncated double', c.pos);
        value = view.getFloat64(c.pos, true);
        stale = isStaleMarker(buf, c.pos);
        c.pos += 8;
      } else if (skey === 0x10) ts = readVarint64(buf, c);
      else skipField(buf, c, skey & 7);
    }
    if (c.pos !== sstop) throw new ProtobufError('malformed Sample', c.pos);
    if (ref >= 0) sink.sample(ref, ts, value, stale);
    p = sstop;
  }
  return n;
}

const utf8 = new TextDecoder();

/** Exemplar{labels=1 (Label), value=2 (double), timestamp=3 (int64 ms)}, at its length prefix. */
function readExemplar(
  buf: Uint8Array,
  view: DataView,
  c: { pos: number },
  stop: number,
  ref: number,
  sink: RemoteWriteSink,
): void {
  const len = readVarint32(buf, c);
  const estop = c.pos + len;
  if (estop > stop) throw new ProtobufError('Exemplar runs past its TimeSeries', c.pos);
  const labels: Record<string, string> = {};
  let value = 0;
  let ts = 0;
  while (c.pos < estop) {
    const key = readVarint32(buf, c);
    if (key === 0x0a) {
      const llen = readVarint32(buf, c);
      const lstop = c.pos + llen;
      if (lstop > estop) throw new ProtobufError('Label runs past its Exemplar', c.pos);
      let name = '';
      let val = '';
      while (c.pos < lstop) {
        const lkey = readVarint32(buf, c);
        if (lkey === 0x0a || lkey === 0x12) {
          const slen = readVarint32(buf, c);
          if (c.pos + slen > lstop) throw new ProtobufError('string runs past its Label', c.pos);
          const text = utf8.decode(buf.subarray(c.pos, c.pos + slen));
          if (lkey === 0x0a) name = text;
          else val = text;
          c.pos += slen;
        } else skipField(buf, c, lkey & 7);
      }
      if (c.pos !== lstop) throw new ProtobufError('malformed Label', c.pos);
      if (name !== '' && val !== '') labels[name] = val;
    } else if (key === 0x11) {
      if (c.pos + 8 > estop) throw new ProtobufError('truncated double', c.pos);
      value = view.getFloat64(c.pos, true);
      c.pos += 8;
    } else if (key === 0x18) ts = readVarint64(buf, c);
    else skipField(buf, c, key & 7);
  }
  if (c.pos !== estop) throw new ProtobufError('malformed Exemplar', c.pos);
  sink.exemplar!(ref, labels, value, ts);
}

/** The little-endian bytes of 0x7ff0000000000002, Prometheus' staleness marker (value.StaleNaN). */
function isStaleMarker(buf: Uint8Array, at: number): boolean {
  return (
    buf[at + 7] === 0x7f &&
    buf[at + 6] === 0xf0 &&
    buf[at] === 0x02 &&
    buf[at + 1] === 0 &&
    buf[at + 2] === 0 &&
    buf[at + 3] === 0 &&
    buf[at + 4] === 0 &&
    buf[at + 5] === 0
  );
}

export function readVarint32(buf: Uint8Array, c: { pos: number }): number {
  if (c.pos >= buf.length) throw new ProtobufError('truncated varint', c.pos);
  let b = buf[c.pos++];
  if (b < 0x80) return b;
  let v = b & 0x7f;
  let shift = 7;
  while (shift < 35) {
    if (c.pos >= buf.length) throw new ProtobufError('truncated varint', c.pos);
    b = buf[c.pos++];
    v |= (b & 0x7f) << shift;
    if (b < 0x80) return v >>> 0;
    shift += 7;
  }
  // A 64-bit varint where a 32-bit one was expected (negative int32): keep its low bits.
  while (c.pos < buf.length && buf[c.pos++] >= 0x80) {}
  return v >>> 0;
}

/** int64 varint as a JS number (exact below 2^53, which covers ms timestamps); negatives too. */
export function readVarint64(buf: Uint8Array, c: { pos: number }): number {
  // Fast path: up to 7 bytes (< 2^49, every ms timestamp until year 19800) with exact double
  // arithmetic; longer ones (negatives take 10 bytes) through the 32-bit halves below.
  const start = c.pos;
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 7 && start + i < buf.length; i++) {
    const b = buf[start + i];
    v += (b & 0x7f) * mul;
    if (b < 0x80) {
      c.pos = start + i + 1;
      return v;
    }
    mul *= 128;
  }
  let lo = 0;
  let hi = 0;
  let b = 0;
  let i = 0;
  for (; i < 4; i++) {
    if (c.pos >= buf.length) throw new ProtobufError('truncated varint', c.pos);
    b = buf[c.pos++];
    lo |= (b & 0x7f) << (i * 7);
    if (b < 0x80) return lo >>> 0;
  }
  if (c.pos >= buf.length) throw new ProtobufError('truncated varint', c.pos);
  b = buf[c.pos++];
  lo |= (b & 0x0f) << 28;
  hi = (b & 0x7f) >> 4;
  if (b >= 0x80) {
    for (i = 0; i < 5; i++) {
      if (c.pos >= buf.length) throw new ProtobufError('truncated varint', c.pos);
      b = buf[c.pos++];
      hi |= (b & 0x7f) << (i * 7 + 3);
      if (b < 0x80) break;
    }
    if (b >= 0x80) throw new ProtobufError('varint longer than 10 bytes', c.pos);
  }
  if (hi >= 0 && hi < 0x200000) return hi * 4294967296 + (lo >>> 0);
  scratch.setUint32(0, lo >>> 0, true);
  scratch.setInt32(4, hi | 0, true);
  return Number(scratch.getBigInt64(0, true));
}

function skipField(buf: Uint8Array, c: { pos: number }, wire: number): void {
  const at = c.pos;
  if (wire === 0) {
    while (c.pos < buf.length && buf[c.pos++] >= 0x80) {}
  } else if (wire === 1) c.pos += 8;
  else if (wire === 2) {
    const len = readVarint32(buf, c);
    c.pos += len;
  } else if (wire === 5) c.pos += 4;
  else throw new ProtobufError(`unsupported wire type ${wire}`, at);
  if (c.pos > buf.length) throw new ProtobufError('field runs past the end', at);
}
