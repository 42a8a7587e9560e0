// Grouping of events into issues, version 1. Pure and versioned: the key is persisted per issue,
// so any change to the components below must bump GROUPING_VERSION.
// Key components, first that applies:
//   1. the event's `fingerprint`, each "{{ default }}" part replaced by the default components;
//   2. default: per exception in the chain, its type (unless mechanism.synthetic) plus the in-app
//      frames' module (or file basename) and function, line numbers ignored; all frames when no
//      frame is in-app; an exception without frames contributes type + parameterized value;
//   3. synthetic exceptions (captureMessage stacks) group by the parameterized message;
//   4. events without exceptions group by the parameterized message.
import { createHash } from 'node:crypto';
import {
  type ExceptionValue,
  exceptionsOf,
  fingerprintOf,
  frameLocation,
  type JsonObject,
  messageOf,
} from './event-shape.js';
import { parameterize } from './parameterize.js';

export const GROUPING_VERSION = 1;

export interface Grouping {
  version: number;
  /** sha256 hex of the components, the persisted grouping key. */
  hash: string;
  /** The human-readable components the hash was computed from (for debugging). */
  components: string[];
}

const DEFAULT_PART = /^\{\{\s*default\s*\}\}$/;

/** `exceptions`: exceptionsOf(event), when the caller has it already (prepare.ts reads them once
 * for grouping and the description: each call maps every frame). */
export function groupEvent(event: JsonObject, exceptions = exceptionsOf(event)): Grouping {
  const fingerprint = fingerprintOf(event);
  let components: string[];
  if (fingerprint) {
    components = ['fingerprint'];
    for (const part of fingerprint) {
      if (DEFAULT_PART.test(part)) components.push(...defaultComponents(event, exceptions));
      else components.push(`fp:${part}`);
    }
  } else {
    components = defaultComponents(event, exceptions);
  }
  const hash = createHash('sha256')
    .update(`v${GROUPING_VERSION}\n${components.join('\n')}`)
    .digest('hex');
  return { version: GROUPING_VERSION, hash, components };
}

export function defaultComponents(event: JsonObject, exceptions = exceptionsOf(event)): string[] {
  const main = exceptions[exceptions.length - 1];
  if (main?.synthetic) {
    return [`message:${parameterize(messageOf(event) || main.value)}`];
  }
  if (exceptions.length > 0) {
    const anyInApp = exceptions.some((e) => e.frames.some((f) => f.inApp === true));
    return exceptions.flatMap((e) => exceptionComponents(e, anyInApp));
  }
  return [`message:${parameterize(messageOf(event))}`];
}

function exceptionComponents(exc: ExceptionValue, inAppOnly: boolean): string[] {
  const frames = inAppOnly ? exc.frames.filter((f) => f.inApp === true) : exc.frames;
  const type = exc.synthetic ? '' : exc.type;
  if (frames.length === 0) {
    return [`type:${type}`, `value:${parameterize(exc.value)}`];
  }
  return [`type:${type}`, ...frames.map((f) => `frame:${frameLocation(f)}:${f.function ?? '?'}`)];
}
