// The management forms of the UI (merge, key label, alert rule) read into typed commands. Pure:
// a form is the flat string record the UI kit's formBody() returns; bad input is a ValidationError
// the UI shows as a page. The rules match the JSON API's (http/project-handlers.ts).
import { ValidationError } from '@flowrent/shared/errors';
import type { AlertFormat, AlertTrigger } from '../model.js';
import type { NewAlertRule } from '../store/store.js';

export type Form = Record<string, string | undefined>;

export const ALERT_TRIGGERS: { value: AlertTrigger; label: string }[] = [
  { value: 'new_issue', label: 'A new issue is created' },
  { value: 'regression', label: 'A resolved issue regresses' },
  { value: 'frequency', label: 'An issue gets more than N events in M minutes' },
];
const MAX_URL_CHARS = 2000;
const MAX_LABEL_CHARS = 100;
const MAX_COUNT = 1_000_000_000;

/** A positive integer id from a form field ("#12" and " 12 " are fine, as people type them). */
export function readId(value: string | undefined, what: string): number {
  // a query parameter given twice (?source=2&source=3) arrives as a list
  const text = (typeof value === 'string' ? value : '').trim().replace(/^#/, '');
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1) throw new ValidationError(`${what} must be a number`);
  return Number(text);
}

/** The issue to merge into `targetId`. */
export function readMergeSource(form: Form, targetId: number): number {
  const source = readId(form.source, 'the issue to merge');
  if (source === targetId) throw new ValidationError('an issue cannot be merged into itself');
  return source;
}

export function readKeyLabel(form: Form): string {
  const label = (form.label ?? '').trim();
  if (label.length > MAX_LABEL_CHARS)
    throw new ValidationError(`a key label has at most ${MAX_LABEL_CHARS} characters`);
  return label;
}

function readCount(value: string | undefined, what: string): number {
  const n = readId(value, what);
  if (n > MAX_COUNT) throw new ValidationError(`${what} is too large`);
  return n;
}

export function readAlertRule(form: Form, projectId: number): NewAlertRule {
  const trigger = ALERT_TRIGGERS.find((t) => t.value === form.trigger)?.value;
  if (!trigger) throw new ValidationError('choose when the alert fires');
  const url = (form.url ?? '').trim();
  if (url.length > MAX_URL_CHARS || !/^https?:\/\/[^\s/]+/i.test(url) || /\s/.test(url))
    throw new ValidationError('the webhook URL must be an http(s) URL');
  const format: AlertFormat = form.format === 'slack' ? 'slack' : 'json';
  if (form.format !== undefined && form.format !== 'json' && form.format !== 'slack')
    throw new ValidationError('the body format must be json or slack');
  if (trigger !== 'frequency')
    return { projectId, trigger, url, format, threshold: null, windowMinutes: null };
  return {
    projectId,
    trigger,
    url,
    format,
    threshold: readCount(form.threshold, 'the number of events'),
    windowMinutes: readCount(form.window_minutes, 'the number of minutes'),
  };
}
