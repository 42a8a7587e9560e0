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
}

function attrsOf(payload: JsonObject): { release: string; environment: string } | null {
  const attrs = payload.attrs;
  if (attrs === null || typeof attrs !== 'object' || Array.isArray(attrs)) return null;
  const { release, environment } = attrs as JsonObject;
  if (typeof release !== 'string' || release === '') return null;
  return {
    release,
    environment: typeof environment === 'string' && environment ? environment : 'production',
  };
}

/** One session update. `init: true` starts a session; a terminal status is counted once. */
export function sessionCounts(payload: JsonObject | null): SessionCounts | null {
  if (!payload) return null;
  const attrs = attrsOf(payload);
  if (!attrs) return null;
  const init = payload.init === true;
  const status = typeof payload.status === 'string' ? payload.status : 'ok';
  const errors = typeof payload.errors === 'number' ? payload.errors : 0;
  return {
    ...attrs,
    started: init ? 1 : 0,
    crashed: status === 'crashed' ? 1 : 0,
    abnormal: status === 'abnormal' ? 1 : 0,
    // counted when the session is first seen with errors (approximation: no per-sid state)
    errored: init && errors > 0 && status !== 'crashed' ? 1 : 0,
  };
}

/** Pre-aggregated `sessions` item: {aggregates:[{started, exited, errored, abnormal, crashed}], attrs}. */
export function sessionAggregatesCounts(payload: JsonObject | null): SessionCounts[] {
  if (!payload) return [];
  const attrs = attrsOf(payload);
  const aggregates = Array.isArray(payload.aggregates) ? payload.aggregates : [];
  if (!attrs) return [];
  const n = (v: unknown) => (typeof v === 'number' && v > 0 ? Math.floor(v) : 0);
  return aggregates
    .filter((a): a is JsonObject => a !== null && typeof a === 'object')
    .map((a) => ({
      ...attrs,
      started: n(a.exited) + n(a.errored) + n(a.abnormal) + n(a.crashed),
      crashed: n(a.crashed),
      errored: n(a.errored),
      abnormal: n(a.abnormal),
    }));
}
