// Raven-era interface names (Sentry protocol before version 4, still sent by raven-java, raven-python
// 6 and raven-php to /store/), read as the modern names: Relay's event schema declares them as
// `legacy_alias` (relay-event-schema protocol/event.rs) and the modern name wins when both are sent.
import type { JsonObject } from './envelope.js';

const MODERN_NAMES: Record<string, string> = {
  'sentry.interfaces.Message': 'logentry',
  'sentry.interfaces.Exception': 'exception',
  'sentry.interfaces.Stacktrace': 'stacktrace',
  'sentry.interfaces.Http': 'request',
  'sentry.interfaces.User': 'user',
  'sentry.interfaces.Contexts': 'contexts',
  'sentry.interfaces.Breadcrumbs': 'breadcrumbs',
  'sentry.interfaces.Template': 'template',
};
const LEGACY_NAMES = Object.keys(MODERN_NAMES);

/** The event with each legacy interface moved to its modern name (a copy; the event itself when it
 * has none). A legacy interface beside its modern one is dropped, not kept as an unknown field: the
 * scrubber only looks under the modern names, so it would reach errors.db unscrubbed. */
export function withModernNames(event: JsonObject): JsonObject {
  let out: JsonObject | undefined;
  for (const legacy of LEGACY_NAMES) {
    if (event[legacy] === undefined) continue;
    out ??= { ...event };
    const modern = MODERN_NAMES[legacy];
    if (out[modern] === undefined) out[modern] = out[legacy];
    delete out[legacy];
  }
  return out ?? event;
}
