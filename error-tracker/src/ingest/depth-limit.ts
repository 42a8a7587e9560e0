// Nesting limits for event data, after Sentry: Relay trims databags to a depth (frame `vars` are a
// "medium" bag of depth 5, `extra` a "massive" one of depth 7) and keeps what lies deeper as a
// JSON string (trimming.rs process_value); so do we, for a part that is not itself deeper than
// MAX_EVENT_DEPTH. Every other field gets a generous MAX_EVENT_DEPTH, so no event reaches code that
// recurses over it (JSON serialization of the API answer, the UI's value formatting) nested
// thousands deep: JSON.parse takes 20,000 nested arrays in 120 KB, JSON.stringify overflows its
// stack on them. Past that limit a container becomes "[Object]" / "[Array]", @sentry/core's
// normalize() placeholders.
// Pure; the walk itself never goes deeper than the limit, and copies only what it trims.
import type { JsonObject } from './envelope.js';

export const MAX_VARS_DEPTH = 5;
export const MAX_EXTRA_DEPTH = 7;
export const MAX_EVENT_DEPTH = 32;
/** Fields whose frames carry `vars` (exception and threads hold stack traces, so does a bare one). */
const STACK_FIELDS = new Set(['exception', 'threads', 'stacktrace']);

/**
 * The event with containers nested deeper than the limits replaced by "[Object]" / "[Array]";
 * the same object when nothing is that deep. Depths count containers: `extra` itself is level 1.
 */
export function limitEventDepth(event: JsonObject): JsonObject {
  // Check first: that walk calls nothing for leaves, and copying is for the rare deep event.
  let deep = false;
  for (const key in event) {
    const v = event[key];
    if (typeof v === 'object' && v !== null && exceeds(v, levelsOf(key), STACK_FIELDS.has(key))) {
      deep = true;
      break;
    }
  }
  if (!deep) return event;
  const out: JsonObject = { ...event };
  for (const key in event) {
    setOwn(out, key, limitDepth(event[key], levelsOf(key), STACK_FIELDS.has(key), key === 'extra'));
  }
  return out;
}

const levelsOf = (key: string) => (key === 'extra' ? MAX_EXTRA_DEPTH : MAX_EVENT_DEPTH - 1);

/** Whether the container `value` nests containers more than `levels` deep (itself included). */
function exceeds(value: object, levels: number, inStack: boolean): boolean {
  if (levels <= 0) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === 'object' && v !== null && exceeds(v, levels - 1, inStack)) return true;
    }
    return false;
  }
  const obj = value as JsonObject;
  for (const key in obj) {
    const v = obj[key];
    if (typeof v !== 'object' || v === null) continue;
    const vars = inStack && key === 'vars';
    if (exceeds(v, vars ? Math.min(levels - 1, MAX_VARS_DEPTH) : levels - 1, inStack && !vars)) return true;
  }
  return false;
}

/**
 * `value` with containers below `levels` levels replaced by placeholders (the same reference when
 * none is). In a stack field (`inStack`), an object's `vars` gets at most MAX_VARS_DEPTH levels.
 * In a databag (`bag`: extra, vars) a container below the levels becomes its JSON instead, when
 * that is not deeper than MAX_EVENT_DEPTH. The rules are exceeds()'s: the two must agree.
 */
export function limitDepth(value: unknown, levels: number, inStack = false, bag = false): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (levels <= 0) {
    if (bag && !exceeds(value, MAX_EVENT_DEPTH, false)) return JSON.stringify(value);
    return Array.isArray(value) ? '[Array]' : '[Object]';
  }
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const limited = limitDepth(value[i], levels - 1, inStack, bag);
      if (limited !== value[i]) {
        out ??= value.slice();
        out[i] = limited;
      }
    }
    return out ?? value;
  }
  const obj = value as JsonObject;
  let out: JsonObject | null = null;
  for (const key in obj) {
    const v = obj[key];
    const limited =
      inStack && key === 'vars'
        ? limitDepth(v, Math.min(levels - 1, MAX_VARS_DEPTH), false, true)
        : limitDepth(v, levels - 1, inStack, bag);
    if (limited !== v) {
      out ??= { ...obj };
      setOwn(out, key, limited);
    }
  }
  return out ?? obj;
}

/** JSON.parse makes "__proto__" an own key; plain assignment would call the prototype setter. */
function setOwn(obj: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
