// Grouping of events into issues, version 2. Pure and versioned: the key is persisted per issue,
// so any change to the components below must bump GROUPING_VERSION.
// Key components, first that applies:
//   1. the event's `fingerprint`, each "{{ default }}" part replaced by the default components;
//   2. default: per exception in the chain, its type (unless mechanism.synthetic) plus the in-app
//      frames' module (or file basename) and function, line numbers ignored; all frames when no
//      frame is in-app; an exception without frames contributes type + parameterized value;
//   3. synthetic exceptions (captureMessage stacks) group by the parameterized message;
//   4. events without exceptions group by the parameterized message.
// "Message" is the logging template (`logentry.message`) when there is one, else the formatted text
// (version 1 used the formatted text: one issue per parameter value). Such an event also gets its
// version 1 key as `legacyHash`, which the digest looks up first, so an issue made before keeps
// its events.
import { createHash } from 'node:crypto';
import {
  type ExceptionValue,
  exceptionsOf,
  fingerprintOf,
  frameLocation,
  type JsonObject,
  messageOf,
  messageTemplateOf,
} from './event-shape.js';
import { parameterize } from './parameterize.js';

export const GROUPING_VERSION = 2;
/** The hash input's prefix: the key's format, kept from version 1 so that every event whose
 * components did not change keeps its key (a new prefix would have split every issue). */
const KEY_PREFIX = 'v1\n';

export interface Grouping {
  version: number;
  /** sha256 hex of the components, the persisted grouping key. */
  hash: string;
  /** The human-readable components the hash was computed from (for debugging). */
  components: string[];
  /** The version 1 key, only when it differs (events with a logging template). */
  legacyHash?: string;
}

const DEFAULT_PART = /^\{\{\s*default\s*\}\}$/;

/** `exceptions`: exceptionsOf(event), when the caller has it already (prepare.ts reads them once
 * for grouping and the description: each call maps every frame). */
export function groupEvent(event: JsonObject, exceptions = exceptionsOf(event)): Grouping {
  const message = messageOf(event);
  const template = messageTemplateOf(event, message);
  const components = componentsOf(event, exceptions, template ?? message);
  const grouping: Grouping = { version: GROUPING_VERSION, hash: keyOf(components), components };
  if (template !== undefined) {
    const v1 = componentsOf(event, exceptions, message);
    if (v1.join('\n') !== components.join('\n')) grouping.legacyHash = keyOf(v1);
  }
  return grouping;
}

function keyOf(components: string[]): string {
  return createHash('sha256')
    .update(`${KEY_PREFIX}${components.join('\n')}`)
    .digest('hex');
}

function componentsOf(event: JsonObject, exceptions: ExceptionValue[], message: string): string[] {
  const fingerprint = fingerprintOf(event);
  if (!fingerprint) return defaultComponents(exceptions, message);
  const components = ['fingerprint'];
  for (const part of fingerprint) {
    if (DEFAULT_PART.test(part)) components.push(...defaultComponents(exceptions, message));
    else components.push(`fp:${part}`);
  }
  return components;
}

function defaultComponents(exceptions: ExceptionValue[], message: string): string[] {
  const main = exceptions[exceptions.length - 1];
  if (main?.synthetic) {
    return [`message:${parameterize(message || main.value)}`];
  }
  if (exceptions.length > 0) {
    const anyInApp = exceptions.some((e) => e.frames.some((f) => f.inApp === true));
    return exceptions.flatMap((e) => exceptionComponents(e, anyInApp));
  }
  return [`message:${parameterize(message)}`];
}

function exceptionComponents(exc: ExceptionValue, inAppOnly: boolean): string[] {
  const frames = inAppOnly ? exc.frames.filter((f) => f.inApp === true) : exc.frames;
  const type = exc.synthetic ? '' : exc.type;
  if (frames.length === 0) {
    return [`type:${type}`, `value:${parameterize(exc.value)}`];
  }
  return [`type:${type}`, ...frames.map((f) => `frame:${frameLocation(f)}:${f.function ?? '?'}`)];
}
