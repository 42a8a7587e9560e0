// Sentry ingest endpoints this server does not serve (Relay's security/, minidump/, unreal/ …), and
// the wrong methods on the two it does. Without routes of their own these fell to the admin-key
// check, which told an SDK holding a valid DSN "401 missing API key" (black-box 10 #7); now a 404 or
// 405 whose X-Sentry-Error names what is not served. Relay would take them: we do not, so no key is
// checked first (the answer is the same for every caller), and the answer comes before the body is
// read (routes.ts refuseEarly): a minidump larger than the 1 MiB JSON limit would otherwise get a 413.
import { AppError, NotFound } from '@flowrent/shared/errors';
import type { FastifyRequest } from 'fastify';

/** Relay's other ingest paths under /api/<project_id>/ (relay-server/src/endpoints/mod.rs), each
 * also without its trailing slash, and what they carry. */
export const UNSUPPORTED_ENDPOINTS: Record<string, string> = {
  'security/': 'security reports (CSP, Expect-CT, HPKP)',
  'csp-report/': 'CSP reports',
  'nel/': 'Network Error Logging reports',
  'minidump/': 'minidump uploads',
  'events/:eventId/attachments/': 'attachment uploads',
  'unreal/:sentryKey/': 'Unreal Engine crash reports',
  'playstation/': 'PlayStation crash reports',
  'cron/:monitorSlug/': 'cron check-ins',
  'cron/:monitorSlug/:sentryKey/': 'cron check-ins',
  'otlp/v1/traces/': 'OTLP traces',
  'integration/otlp/v1/traces/': 'OTLP traces',
  'integration/otlp/v1/logs/': 'OTLP logs',
};

type ProjectRequest = FastifyRequest<{ Params: { projectId: string } }>;

const isProjectId = (id: string) => /^\d+$/.test(id);

/** 404 for a Sentry endpoint this server does not serve. */
export function unsupportedEndpointHandler(what: string) {
  return async (request: ProjectRequest) => {
    if (!isProjectId(request.params.projectId))
      throw new NotFound(`no route for ${request.method} ${request.url}`);
    throw new NotFound(`${what} are not supported by this server (it takes /envelope/ and /store/)`);
  };
}

/** 405 for envelope/ and store/ called with a method other than POST (or the OPTIONS preflight). */
export function wrongMethodHandler(endpoint: 'envelope' | 'store') {
  return async (request: ProjectRequest) => {
    if (!isProjectId(request.params.projectId))
      throw new NotFound(`no route for ${request.method} ${request.url}`);
    // Relay also takes GET /store/?sentry_data=… (raven-js's image beacon); we take POST only
    const message =
      request.method === 'GET' && endpoint === 'store'
        ? 'GET /store/ (the image beacon) is not supported; POST the event'
        : `${request.method} is not allowed on /${endpoint}/; use POST`;
    throw new AppError(405, 'method_not_allowed', message, undefined, { allow: 'POST, OPTIONS' });
  };
}
