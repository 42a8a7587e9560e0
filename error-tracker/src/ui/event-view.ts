// Reads a stored Sentry event (protocol v7, as the SDKs send it, possibly already normalized by
// ingestion) into the shapes the pages render. Defensive on purpose: every field came from a
// client, so anything may be missing or of the wrong type; nothing here trusts a shape.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface FrameView {
  filename: string;
  function: string;
  module: string;
  lineno: number | null;
  colno: number | null;
  inApp: boolean;
  preContext: string[];
  contextLine: string | null;
  postContext: string[];
  vars: [string, Json][];
}

export interface ExceptionView {
  type: string;
  value: string;
  mechanism: { type: string; handled: boolean | null; synthetic: boolean } | null;
  /** Innermost (most recent call) first, the order the page shows them. */
  frames: FrameView[];
}

export interface BreadcrumbView {
  timestampMs: number | null;
  type: string;
  category: string;
  level: string;
  message: string;
  data: Json | null;
}

export function asObject(value: unknown): JsonObject | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : null;
}

export function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function asNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(asText) : [];
}

/** `{values: [...]}` or a bare list, as the protocol allows for exception and breadcrumbs. */
export function listOrValues(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  const values = asObject(value)?.values;
  return Array.isArray(values) ? values : [];
}

/** RFC 3339 string or epoch seconds → epoch milliseconds. */
export function timestampMs(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  if (typeof value === 'string' && value !== '') {
    const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

function readFrame(raw: unknown): FrameView {
  const f = asObject(raw) ?? {};
  const vars = asObject(f.vars);
  return {
    filename: asText(f.filename ?? f.abs_path),
    function: asText(f.function),
    module: asText(f.module),
    lineno: asNumber(f.lineno),
    colno: asNumber(f.colno),
    inApp: f.in_app === true,
    preContext: asStrings(f.pre_context),
    contextLine: typeof f.context_line === 'string' ? f.context_line : null,
    postContext: asStrings(f.post_context),
    vars: vars ? Object.entries(vars) : [],
  };
}

function readException(raw: unknown): ExceptionView {
  const e = asObject(raw) ?? {};
  const m = asObject(e.mechanism);
  const frames = listOrValues(asObject(e.stacktrace)?.frames).map(readFrame);
  return {
    type: asText(e.type),
    value: asText(e.value),
    mechanism: m
      ? {
          type: asText(m.type),
          handled: typeof m.handled === 'boolean' ? m.handled : null,
          synthetic: m.synthetic === true,
        }
      : null,
    frames: frames.reverse(),
  };
}

/** Outermost (last raised) exception first, then its causes: the protocol lists the cause first. */
export function readExceptions(event: JsonObject): ExceptionView[] {
  return listOrValues(event.exception).map(readException).reverse();
}

/**
 * The stack of an event without exception: a top-level `stacktrace` (attach_stacktrace), else the
 * crashed or current thread's, else the first thread that has one.
 */
export function readThreadStack(event: JsonObject): FrameView[] {
  const threads = listOrValues(event.threads).map((t) => asObject(t) ?? {});
  const thread =
    threads.find((t) => (t.crashed === true || t.current === true) && asObject(t.stacktrace)) ??
    threads.find((t) => asObject(t.stacktrace));
  const stack = asObject(event.stacktrace) ?? asObject(thread?.stacktrace);
  return listOrValues(stack?.frames).map(readFrame).reverse();
}

export function readBreadcrumbs(event: JsonObject): BreadcrumbView[] {
  return listOrValues(event.breadcrumbs).map((raw) => {
    const b = asObject(raw) ?? {};
    return {
      timestampMs: timestampMs(b.timestamp),
      type: asText(b.type) || 'default',
      category: asText(b.category),
      level: asText(b.level) || 'info',
      message: asText(b.message),
      data:
        b.data === undefined || (asObject(b.data) && Object.keys(b.data as object).length === 0)
          ? null
          : b.data,
    };
  });
}

/** The event's message: `message` (string or object) or `logentry`, formatted if possible. */
export function readMessage(event: JsonObject): string {
  const entry = asObject(event.logentry) ?? asObject(event.message);
  if (entry) {
    if (typeof entry.formatted === 'string') return entry.formatted;
    const params = Array.isArray(entry.params) ? entry.params : [];
    let i = 0;
    return asText(entry.message).replace(/%[sdrif]/g, (m) => (i < params.length ? asText(params[i++]) : m));
  }
  return asText(event.message);
}

/** Tags as `[key, value]` pairs whether sent as an object or a list of pairs. */
export function readTags(event: JsonObject): [string, string][] {
  if (Array.isArray(event.tags)) {
    return event.tags
      .filter((t) => Array.isArray(t) && t.length >= 2)
      .map((t) => [asText((t as Json[])[0]), asText((t as Json[])[1])]);
  }
  return Object.entries(asObject(event.tags) ?? {}).map(([k, v]) => [k, asText(v)]);
}

const TRACE_ID = /^[0-9a-f]{32}$/;

// The log viewer looks back 7 days for a trace link without a range, so an older event's lines
// (LOG_RETENTION can be longer) were out of range (black-box 10 #55). An hour on each side of the
// events, as Sentry's trace-to-logs links carry the span's time window.
const TRACE_LOGS_MARGIN_MS = 3_600_000;

/** The log viewer's path for the lines of a trace around events seen from firstMs to lastMs. */
export function traceLogsPath(traceId: string, firstMs: number, lastMs: number): string {
  const path = `/?query=trace_id:${traceId}`;
  if (!Number.isFinite(firstMs) || !Number.isFinite(lastMs)) return path;
  const from = new Date(Math.min(firstMs, lastMs) - TRACE_LOGS_MARGIN_MS).toISOString();
  const to = new Date(Math.max(firstMs, lastMs) + TRACE_LOGS_MARGIN_MS).toISOString();
  return `${path}&from=${from}&to=${to}`;
}

/** The trace id from `contexts.trace`, only when it is well formed (it goes into a link). */
export function readTraceId(event: JsonObject): string | null {
  const id = asText(asObject(asObject(event.contexts)?.trace)?.trace_id).toLowerCase();
  return TRACE_ID.test(id) ? id : null;
}
