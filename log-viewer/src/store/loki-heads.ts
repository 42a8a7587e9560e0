// The recent entries of Loki streams, for Loki's exact-duplicate rule across pushes (see
// ingest/loki.ts Dedupe): Loki's ingester drops an entry whose timestamp and line equal one still in
// the stream's head block, the newest ~256 KB of its lines (-ingester.chunks-block-size, cut when
// full, so it holds 0-256 KB). Here a stream's window is its newest pushes up to 256 KB of lines
// (at least the last push whole): a little more than Loki's head at times, never less, unless
// memory runs short (MAX_BYTES). Each push's
// entries are kept as the parser reported them (times and line hashes, no per-entry work here); a
// push is compared only with the pushes of its window whose time range meets its own, so in-order
// pushes cost two comparisons per stream.
import { heldMark, type LokiHeld, type LokiStreamEntries, type LokiStreams } from '../ingest/loki.js';

/** Loki's default chunk block size; its lines' characters here. */
export const HEAD_BLOCK_CHARS = 256 * 1024;
/** Streams with a window, least recently pushed dropped first (the ninth session's bound). */
const MAX_STREAMS = 20_000;
/** Memory of all windows: 16 bytes per entry and ~160 per push of a stream. Over it, the least
 * recently pushed streams keep only their last push, then go. */
const MAX_BYTES = 16 * 1024 * 1024;
const PUSH_BYTES = 160;

interface Head {
  pushes: LokiStreamEntries[];
  chars: number;
}

const bytesOf = (push: LokiStreamEntries) => PUSH_BYTES + 16 * push.times.length;

export class LokiHeads {
  private readonly heads = new Map<string, Head>();
  private bytes = 0;

  /** The entries of a push its streams' windows already hold, as marks; undefined when none. */
  held(streams: LokiStreams | undefined): LokiHeld | undefined {
    if (!streams || this.heads.size === 0) return undefined;
    let out: LokiHeld | undefined;
    for (const key in streams) {
      const head = this.heads.get(key);
      if (!head) continue;
      const marks = heldMarks(head, streams[key]);
      if (marks.length === 0) continue;
      out ??= {};
      out[key] = marks;
    }
    return out;
  }

  /** Takes a stored push's entries into its streams' windows. */
  remember(streams: LokiStreams | undefined): void {
    if (!streams) return;
    for (const key in streams) {
      const push = streams[key];
      const head = this.heads.get(key) ?? { pushes: [], chars: 0 };
      this.heads.delete(key); // re-inserted last: the least recently pushed streams go first
      this.heads.set(key, head);
      head.pushes.push(push);
      head.chars += push.chars;
      this.bytes += bytesOf(push);
      while (head.pushes.length > 1 && head.chars - head.pushes[0].chars >= HEAD_BLOCK_CHARS)
        this.dropOldest(head);
    }
    if (this.bytes > MAX_BYTES)
      for (const head of this.heads.values()) {
        while (head.pushes.length > 1 && this.bytes > MAX_BYTES) this.dropOldest(head);
        if (this.bytes <= MAX_BYTES) break;
      }
    for (const [key, head] of this.heads) {
      if (this.heads.size <= MAX_STREAMS && this.bytes <= MAX_BYTES) break;
      this.heads.delete(key);
      for (const push of head.pushes) this.bytes -= bytesOf(push);
    }
  }

  private dropOldest(head: Head): void {
    const old = head.pushes.shift()!;
    head.chars -= old.chars;
    this.bytes -= bytesOf(old);
  }
}

/** Marks of the push's entries that the window holds: same time, same line hash. */
function heldMarks(head: Head, push: LokiStreamEntries): string[] {
  let hashes: Set<number> | undefined;
  let found: Set<string> | undefined;
  for (const old of head.pushes) {
    if (old.maxNs < push.minNs || old.minNs > push.maxNs) continue;
    hashes ??= new Set(push.hashes);
    for (let i = 0; i < old.hashes.length; i++) {
      if (!hashes.has(old.hashes[i])) continue;
      const t = old.times[i];
      if (t < push.minNs || t > push.maxNs) continue;
      found ??= new Set();
      found.add(heldMark(t, old.hashes[i]));
    }
  }
  if (!found) return [];
  const out: string[] = [];
  for (let i = 0; i < push.hashes.length; i++) {
    const mark = heldMark(push.times[i], push.hashes[i]);
    if (found.has(mark)) out.push(mark);
  }
  return out;
}
