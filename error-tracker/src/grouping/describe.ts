// Title, culprit and headline of an event as shown on its issue (Sentry's conventions):
// title "Type: first line of value" (message for synthetic or message events), culprit the
// event's `culprit`, else its `transaction`, else "<module or file> in <function>" of the crash
// frame (the innermost in-app frame, else the innermost frame).
import {
  type ExceptionValue,
  exceptionsOf,
  firstLine,
  frameLocation,
  type JsonObject,
  messageOf,
} from './event-shape.js';

export interface EventDescription {
  title: string;
  culprit: string;
  type: string;
  message: string;
}

const MAX_TITLE = 200;

/** `exceptions`: exceptionsOf(event), when the caller has it already (see groupEvent). */
export function describeEvent(event: JsonObject, exceptions = exceptionsOf(event)): EventDescription {
  const main = exceptions[exceptions.length - 1];
  const message = firstLine(messageOf(event));
  let title: string;
  let type = '';
  let headline = message;
  if (main && !main.synthetic) {
    type = main.type;
    headline = firstLine(main.value) || message;
    title = type && headline ? `${type}: ${headline}` : type || headline;
  } else {
    headline = message || firstLine(main?.value ?? '');
    title = headline;
  }
  return {
    title: (title || '<unlabeled event>').slice(0, MAX_TITLE),
    culprit: culpritOf(event, main).slice(0, MAX_TITLE),
    type,
    message: headline.slice(0, 1024),
  };
}

function culpritOf(event: JsonObject, main: ExceptionValue | undefined): string {
  if (typeof event.culprit === 'string' && event.culprit) return event.culprit;
  if (typeof event.transaction === 'string' && event.transaction) return event.transaction;
  if (!main || main.frames.length === 0) return typeof event.logger === 'string' ? event.logger : '';
  const inApp = main.frames.filter((f) => f.inApp === true);
  const crash = (inApp.length > 0 ? inApp : main.frames).at(-1)!;
  const where = frameLocation(crash);
  return crash.function ? `${where} in ${crash.function}` : where;
}
