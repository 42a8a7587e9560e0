// Release-health counters from `session` and `sessions` items
// (develop.sentry.dev/sdk/telemetry/sessions/, 2026). Only what a crash-free-sessions figure
// per release needs: sessions started, crashed, abnormal and errored.
import type { JsonObject } from './envelope.js';

export interface SessionCounts {
  release: string;
  environment: string;
  started: number;
  crashed: number;
  errored: number;
  abnormal: number;
  /** A `session` update's id: `errored` then says whether this update reports an error, and the
   * digest counts each sid once (store/digest.ts). Absent in `sessions` aggregates. */
  sid?: string;
}

/** Release and environment trimmed, a blank one as none, as on events (normalize.ts), so a session
 * of "app@1 " counts for the events of app@1 and a blank release never becomes a row of its own. */
function attrsOf(payload: JsonObject): { release: string; environment: string } | null {
  const attrs = payload.attrs;
  if (attrs === null || typeof attrs !== 'object' || Array.isArray(attrs)) return null;
  const { release, environment } = attrs as JsonObject;
  const name = typeof release === 'string' ? release.trim() : '';
  if (name === '') return null;
  const env = typeof environment === 'string' ? environment.trim() : '';
  return { release: name, environment: env || 'production' };
}

/** Relay's session statuses; it drops an update with another (SessionStatus::Unknown). */
const STATUSES = new Set(['ok', 'exited', 'crashed', 'abnormal', 'errored']);

/** `started` is required and must be a timestamp (RFC 3339, or epoch seconds), as Relay parses it. */
function isTimestamp(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0;
  return typeof v === 'string' && /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d/.test(v) && Number.isFinite(Date.parse(v));
}

/** An item Relay would reject (a count that is not a u32/u64, a `started` that is no timestamp, an
 * unknown status): dropped and counted as `invalid`. */
export const INVALID = 'invalid';

const U32_MAX = 2 ** 32 - 1;

/**
 * A count as Relay reads it (serde u32, or u64 for `errors`): absent is 0; anything but an integer
 * in range (1e309 parses to Infinity, 1e20, -1, 1.5, "3", null) makes the whole item invalid, so
 * no sum of them can reach the database as Infinity, NaN or 1e20.
 */
function count(v: unknown, max: number): number | null {
  if (v === undefined) return 0;
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max ? v : null;
}

/** One session update. `init: true` starts a session; a terminal status is counted once. */
export function sessionCounts(payload: JsonObject | null): SessionCounts | null | typeof INVALID {
  if (!payload) return null;
  const attrs = attrsOf(payload);
  if (!attrs) return null;
  const init = payload.init === true;
  const status = payload.status === undefined ? 'ok' : payload.status;
  if (typeof status !== 'string' || !STATUSES.has(status) || !isTimestamp(payload.started)) return INVALID;
  const errors = count(payload.errors, Number.MAX_SAFE_INTEGER);
  if (errors === null) return INVALID;
  const counts = {
    ...attrs,
    started: init ? 1 : 0,
    crashed: status === 'crashed' ? 1 : 0,
    abnormal: status === 'abnormal' ? 1 : 0,
    // any update with errors marks the session errored (Relay's session.error set of sids, from
    // every update): the SDKs start a session clean and report the error in a later update
    // (never for a crashed or abnormal one: Sentry's errored excludes them)
    errored: (errors > 0 || status === 'errored') && status !== 'crashed' && status !== 'abnormal' ? 1 : 0,
  };
  const sid = payload.sid;
  if (typeof sid === 'string' && sid !== '' && sid.length <= 128) return { ...counts, sid };
  // no usable sid (Relay refuses such an item): counted when the session starts with errors
  return { ...counts, errored: init ? counts.errored : 0 };
}

/** Pre-aggregated `sessions` item: {aggregates:[{started, exited, errored, abnormal, crashed}], attrs}. */
export function sessionAggregatesCounts(payload: JsonObject | null): SessionCounts[] | typeof INVALID {
  if (!payload) return [];
  const attrs = attrsOf(payload);
  const aggregates = Array.isArray(payload.aggregates) ? payload.aggregates : [];
  if (!attrs) return [];
  const out: SessionCounts[] = [];
  for (const a of aggregates) {
    if (a === null || typeof a !== 'object' || Array.isArray(a)) continue;
    if (!isTimestamp(a.started)) return INVALID;
    const [exited, errored, abnormal, crashed] = [a.exited, a.errored, a.abnormal, a.crashed].map((v) =>
      count(v, U32_MAX),
    );
    if (exited === null || errored === null || abnormal === null || crashed === null) return INVALID;
    out.push({ ...attrs, started: exited + errored + abnormal + crashed, crashed, errored, abnormal });
  }
  return out;
}
