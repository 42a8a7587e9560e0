// Fingerprint variables (grouping version 3), as Sentry resolves them in an event's fingerprint
// (getsentry/sentry src/sentry/grouping/fingerprinting/utils.py resolve_fingerprint_variable):
// a part that is one whole `{{ name }}` is the event's value, or a `<no-…>` placeholder when it has
// none. An unknown name stays as written (the newstyle:2023-01-11 config's handling). Not ported:
// parameterizing a literal part that repeats one of the event's messages (a newer Sentry config).
import type { ExceptionValue, Frame, JsonObject } from './event-shape.js';

const VARIABLE = /^\{\{\s*(\S+)\s*\}\}$/;

export interface VariableSource {
  event: JsonObject;
  exceptions: ExceptionValue[];
  /** The event's message, formatted (Sentry's canonical message). */
  message: string;
  param: (text: string) => string;
}

/** The part's value: itself unless it is a known variable. */
export function resolveFingerprintPart(part: string, source: VariableSource): string {
  const name = VARIABLE.exec(part)?.[1];
  if (name === undefined) return part;
  const { event, exceptions } = source;
  const main = exceptions[exceptions.length - 1];
  switch (name) {
    case 'transaction':
      return text(event.transaction) || '<no-transaction>';
    case 'message':
      return source.message ? source.param(source.message) : '<no-message>';
    case 'raw_message':
      return source.message || '<no-message>';
    case 'type':
    case 'error.type':
      return main?.type || '<no-type>';
    case 'value':
    case 'raw_value':
    case 'error.value':
    case 'error.raw_value':
      return main?.value || '<no-value>';
    case 'function':
    case 'stack.function':
      return crashFrame(main)?.function ?? '<no-function>';
    case 'path':
    case 'stack.abs_path': {
      const frame = crashFrame(main);
      return frame?.absPath ?? frame?.filename ?? '<no-abs-path>';
    }
    case 'stack.filename': {
      const frame = crashFrame(main);
      return frame?.filename ?? frame?.absPath ?? '<no-filename>';
    }
    case 'module':
    case 'stack.module':
      return crashFrame(main)?.module ?? '<no-module>';
    case 'package':
    case 'stack.package': {
      // a package given as a POSIX or Windows path: its last segment
      const pkg = crashFrame(main)?.package?.split('/').at(-1)?.split('\\').at(-1);
      return pkg || '<no-package>';
    }
    case 'level':
      return text(event.level) || '<no-level>';
    case 'logger':
      return text(event.logger) || '<no-logger>';
    default:
      if (name.startsWith('tags.')) {
        const tag = name.slice(5);
        const tags = event.tags;
        const value =
          tags !== null && typeof tags === 'object' && !Array.isArray(tags)
            ? (tags as JsonObject)[tag]
            : undefined;
        return typeof value === 'string' ? value : `<no-value-for-tag-${tag}>`;
      }
      return part;
  }
}

/** Sentry's crash frame: the innermost in-app frame of the main exception, else its innermost. */
function crashFrame(main: ExceptionValue | undefined): Frame | undefined {
  const frames = main?.frames ?? [];
  for (let i = frames.length - 1; i >= 0; i--) if (frames[i].inApp === true) return frames[i];
  return frames.at(-1);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
