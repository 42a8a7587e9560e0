// Builds and sends small Sentry events for API tests.
import { send, type TrackerTest } from './server.js';

let seq = 0;
export const nextEventId = () => (++seq).toString(16).padStart(32, '0');

export interface EventSpec {
  type?: string;
  fn?: string;
  value?: string;
  message?: string;
  release?: string;
  environment?: string;
  level?: string;
  user?: string;
  tags?: Record<string, string>;
  traceId?: string;
  fingerprint?: string[];
  projectId?: number;
  key?: string;
}

export function sentryEvent(spec: EventSpec): Record<string, unknown> {
  const ev: Record<string, unknown> = {
    platform: 'python',
    level: spec.level ?? 'error',
    release: spec.release,
    environment: spec.environment ?? 'production',
    tags: spec.tags,
    fingerprint: spec.fingerprint,
  };
  if (spec.message) ev.message = spec.message;
  else {
    ev.exception = {
      values: [
        {
          type: spec.type ?? 'ValueError',
          value: spec.value ?? 'bad value',
          stacktrace: {
            frames: [
              { module: 'app.main', function: 'main', lineno: 1, in_app: true },
              { module: 'app.orders', function: spec.fn ?? 'handle', lineno: 10, in_app: true },
            ],
          },
        },
      ],
    };
  }
  if (spec.user) ev.user = { id: spec.user };
  if (spec.traceId) ev.contexts = { trace: { trace_id: spec.traceId, span_id: '1234567890abcdef' } };
  return ev;
}

/** Sends one event and returns its id (not yet grouped: call t.drain()). */
export async function sendEvent(t: TrackerTest, spec: EventSpec = {}): Promise<string> {
  const id = nextEventId();
  const body = `${JSON.stringify({ event_id: id })}\n{"type":"event"}\n${JSON.stringify(sentryEvent(spec))}\n`;
  const res = await send(
    `${t.url}/api/${spec.projectId ?? 1}/envelope/?sentry_key=${spec.key ?? 'publickey'}`,
    { body },
  );
  if (res.status !== 200) throw new Error(`ingest failed: ${res.status} ${res.body}`);
  return id;
}

export async function api<T = Record<string, unknown>>(
  t: TrackerTest,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: { ...t.adminHeaders, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : null) as T };
}
