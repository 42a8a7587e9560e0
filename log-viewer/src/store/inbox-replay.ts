// Start-up recovery: the inbox frames of rows acknowledged but not yet sealed go back into their open
// blocks, as they were before the process stopped. Frames (or the parts of them) below a stream's seal
// mark are already in blocks or quarantined and are skipped; a body that no longer parses is
// quarantined rather than failing every start. Runs once per start, never on the ingest path.
//
// A body a start died parsing (out of memory, an abort: nothing a catch sees) is parsed once more,
// alone, before any other rows are in memory: a start that dies then died of that body, which the next
// start quarantines. One that does not was killed by something else (the rows of the whole inbox
// together, a SIGKILL or a stop during start-up), and the body is replayed as usual: a death in the
// inbox's order alone never quarantines acknowledged records.
import type { InboxEntry } from './inbox.js';
import { summarizeRows, parseBodyRows } from './body-rows.js';
import { type OpenBlocks, streamKey } from './open-blocks.js';
import { MAX_REPLAY_DEATHS, type Quarantine } from './quarantine.js';
import type { Row } from './row.js';

export interface ReplayParts {
  open: OpenBlocks;
  /** Seal marks per stream (and per service, left by format-2 stores). */
  sealMarks: Map<string, number>;
  quarantine: Quarantine;
}

/**
 * Puts the unsealed rows of the inbox frames back into their open blocks (`now` is their arrival
 * time); returns the next seq to give out, past every seq seen (nextSeq if none is higher).
 */
export function replayInbox(entries: InboxEntry[], now: number, parts: ReplayParts, nextSeq: number): number {
  const { open, sealMarks, quarantine } = parts;
  let next = nextSeq;
  for (const entry of entries) {
    if ('rows' in entry) continue;
    if (entry.seqBase + entry.count - 1 <= (sealMarks.get(streamKey(entry.stream)) ?? 0)) continue;
    if (quarantine.replaySuspicion(entry.seqBase) !== 'died') continue;
    quarantine.markReplaying(entry.seqBase, true);
    try {
      parseBodyRows(entry.kind, entry.body, entry.nowNs, entry.seqBase, entry.options); // rows dropped: a test
    } catch {
      // a body the parser refuses is quarantined in order below
    }
  }
  quarantine.clearReplaying();
  /** Puts the unsealed rows of an inbox frame back into their open block. */
  const replay = (entry: InboxEntry): void => {
    const stream = streamKey(entry.stream);
    const mark = sealMarks.get(stream) ?? 0;
    let rows: Row[];
    if ('rows' in entry) {
      rows = entry.rows;
    } else {
      if (entry.seqBase + entry.count > next) next = entry.seqBase + entry.count;
      if (entry.seqBase + entry.count - 1 <= mark) return;
      if (quarantine.replaySuspicion(entry.seqBase) === 'died-alone') {
        const cause = new Error(
          `${MAX_REPLAY_DEATHS} starts died replaying it, the last parsing it alone (out of memory or an abort)`,
        );
        quarantine.body(entry.kind, entry.body, entry.seqBase, cause);
        return;
      }
      quarantine.markReplaying(entry.seqBase, false);
      try {
        rows = parseBodyRows(entry.kind, entry.body, entry.nowNs, entry.seqBase, entry.options).rows;
      } catch (err) {
        // Accepted by an older parser, refused by this one (a far-future time before 34fefcb): kept
        // aside rather than failing every start.
        quarantine.body(entry.kind, entry.body, entry.seqBase, err);
        return;
      }
    }
    // Per-service marks left by format-2 stores still cover their rows; keep runs of consecutive seqs.
    let run: Row[] = [];
    const flush = () => {
      if (run.length > 0)
        open.add(stream, { ...summarizeRows(run), seqBase: run[0].seq, arrivedAt: now, rows: run });
      run = [];
    };
    for (const row of rows) {
      if (row.seq >= next) next = row.seq + 1;
      if (row.seq <= mark || row.seq <= (sealMarks.get(row.service) ?? 0)) continue;
      if (run.length > 0 && row.seq !== run[run.length - 1].seq + 1) flush();
      run.push(row);
    }
    flush();
  };
  for (const entry of entries) replay(entry);
  quarantine.replayDone();
  return next;
}
