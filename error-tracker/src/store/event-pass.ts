// A resumable background pass over the events stored before it began (the rescrub and the user
// values fill): one small transaction per batch that does the batch's work and moves the progress
// marker in _meta together, so a crash leaves each batch done or not and the pass goes on from its
// marker. It begins once everything an older version accepted is in the events table (the digest
// has passed the highest inbox id there was when the store opened) and covers the events stored
// then; `version` restarts it when its work changes.
import type { Db } from '@flowrent/shared/db';

export interface EventPassSpec<Row extends { id: number }> {
  /** _meta key of the running pass, and the key written with `version` when it is done. */
  passKey: string;
  doneKey: string;
  version: number;
  /** The events' columns each batch reads (`id` among them). */
  columns: string;
  /** The batch's work, inside its transaction. */
  visit(rows: Row[]): void;
  /** Once, in the last batch's transaction. */
  finish?(): void;
}

export interface EventPassStep {
  scanned: number;
  done: boolean;
}

interface Pass {
  version: number;
  /** The last event id done. */
  throughId: number;
  /** The newest event id when the pass began: later ones need no pass. */
  untilId: number;
}

/**
 * Whether every inbox entry an older version accepted is digested, so that the events table holds
 * all it stored: the digest has passed the highest inbox id there was when this process opened the
 * inbox (`inboxIdAtOpen`; an empty inbox at open passes at once). Exact, where comparing
 * events.received_at with the wall clock at start read an older event as this process's when the
 * clock had been stepped back.
 */
export function probeOlderEntriesDigested(db: Db, inboxIdAtOpen: number): () => boolean {
  const through = db.prepare('SELECT digested_through FROM inbox_progress WHERE id = 1').pluck();
  return () => (through.get() as number) >= inboxIdAtOpen;
}

export function createEventPass<Row extends { id: number }>(
  db: Db,
  inboxIdAtOpen: number,
  spec: EventPassSpec<Row>,
): (batchSize: number) => EventPassStep {
  const q = {
    meta: db.prepare('SELECT value FROM _meta WHERE key = ?').pluck(),
    setMeta: db.prepare('INSERT OR REPLACE INTO _meta (key, value) VALUES (?, ?)'),
    deleteMeta: db.prepare('DELETE FROM _meta WHERE key = ?'),
    maxId: db.prepare('SELECT coalesce(max(id), 0) FROM events').pluck(),
    batch: db.prepare(`SELECT ${spec.columns} FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`),
  };
  const olderEntriesDigested = probeOlderEntriesDigested(db, inboxIdAtOpen);
  const isDone = () => Number(q.meta.get(spec.doneKey) ?? 0) >= spec.version;

  const step = db.transaction((batchSize: number): EventPassStep => {
    if (isDone()) return { scanned: 0, done: true };
    const saved = q.meta.get(spec.passKey) as string | undefined;
    let pass = saved ? (JSON.parse(saved) as Pass) : null;
    if (pass?.version !== spec.version) {
      if (!olderEntriesDigested()) return { scanned: 0, done: false };
      pass = { version: spec.version, throughId: 0, untilId: q.maxId.get() as number };
    }
    const rows = q.batch.all(pass.throughId, pass.untilId, batchSize) as Row[];
    spec.visit(rows);
    const done = rows.length < batchSize;
    if (done) {
      spec.finish?.();
      q.setMeta.run(spec.doneKey, String(spec.version));
      q.deleteMeta.run(spec.passKey);
    } else {
      pass.throughId = rows[rows.length - 1].id;
      q.setMeta.run(spec.passKey, JSON.stringify(pass));
    }
    return { scanned: rows.length, done };
  });

  return (batchSize) => (isDone() ? { scanned: 0, done: true } : step.immediate(batchSize));
}
