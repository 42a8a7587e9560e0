// Read-only accessors over a normalized Sentry event (see ingest/normalize.ts), shared by grouping
// and by the title/culprit description. Tolerant of missing or odd-typed fields.
export type JsonObject = Record<string, unknown>;

export interface Frame {
  module?: string;
  filename?: string;
  absPath?: string;
  function?: string;
  /** The name before a source map renamed it (Sentry's raw_function). */
  rawFunction?: string;
  inApp?: boolean;
  lineno?: number;
  colno?: number;
  package?: string;
  /** The frame's own platform, when it differs from the event's (mixed stacks). */
  platform?: string;
  contextLine?: string;
  /** A source map was applied (`data.sourcemap` set by the symbolicator). */
  sourcemap: boolean;
}

export interface ExceptionValue {
  type: string;
  value: string;
  synthetic: boolean;
  frames: Frame[];
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Exceptions oldest (cause) first, the main exception last, as Sentry orders them. */
export function exceptionsOf(event: JsonObject): ExceptionValue[] {
  const container = event.exception;
  const values = isObject(container) && Array.isArray(container.values) ? container.values : [];
  return values.filter(isObject).map((v) => {
    const mechanism = isObject(v.mechanism) ? v.mechanism : {};
    const stack = isObject(v.stacktrace) ? v.stacktrace : isObject(v.raw_stacktrace) ? v.raw_stacktrace : {};
    const frames = Array.isArray(stack.frames) ? stack.frames.filter(isObject).map(toFrame) : [];
    return {
      type: str(v.type) ?? '',
      value: typeof v.value === 'string' ? v.value : v.value == null ? '' : JSON.stringify(v.value),
      synthetic: mechanism.synthetic === true,
      frames,
    };
  });
}

function toFrame(f: JsonObject): Frame {
  return {
    module: str(f.module),
    filename: str(f.filename),
    absPath: str(f.abs_path),
    function: str(f.function),
    rawFunction: str(f.raw_function),
    inApp: f.in_app === true ? true : f.in_app === false ? false : undefined,
    lineno: typeof f.lineno === 'number' ? f.lineno : undefined,
    colno: typeof f.colno === 'number' ? f.colno : undefined,
    package: str(f.package),
    platform: str(f.platform),
    contextLine: str(f.context_line),
    sourcemap: isObject(f.data) && f.data.sourcemap != null,
  };
}

/** The event's message: logentry.formatted, logentry.message or message. */
export function messageOf(event: JsonObject): string {
  const entry = isObject(event.logentry) ? event.logentry : null;
  return str(entry?.formatted) ?? str(event.message) ?? str(entry?.message) ?? '';
}

/**
 * The unformatted logging template (`logentry.message`, e.g. "user %s not found") when it differs
 * from messageOf(): Sentry's message strategy groups by it, so each parameter value is not an issue.
 */
export function messageTemplateOf(event: JsonObject, message = messageOf(event)): string | undefined {
  const entry = isObject(event.logentry) ? event.logentry : null;
  const template = str(entry?.message);
  return template !== undefined && template !== message ? template : undefined;
}

export function basename(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

/** Where a frame lives: its module, else its file's basename. */
export function frameLocation(frame: Frame): string {
  if (frame.module) return frame.module;
  const file = frame.filename ?? frame.absPath;
  return file ? basename(file) : '';
}

export function fingerprintOf(event: JsonObject): string[] | null {
  const fp = event.fingerprint;
  if (!Array.isArray(fp) || fp.length === 0) return null;
  return fp.map((p) => String(p));
}

export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  );
}
