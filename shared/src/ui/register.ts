// registerUi(app, ...): sign-in with the admin key, a signed session cookie, CSRF tokens bound to the
// session, security headers, /assets. Pages register through registerUiPages() or use requireSession.
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Forbidden, RateLimited, Unauthorized } from '../errors.js';
import type {} from '../http/app.js';
import { REPO_ROOT, registerAssetRoute } from './assets.js';
import { safeLocalPath } from './html.js';
import { parseCookies, serializeCookie } from './http-util.js';
import { renderLoginPage, type ServiceName, type ServiceUrls, withTheme } from './layout.js';
import { cookieValue, parseTheme, THEME_COOKIE } from './prefs.js';
import { assertSameOrigin, formBody, isHttps, setSecurityHeaders } from './security.js';
import {
  constantTimeEqual,
  deriveSessionSecret,
  issueSession,
  SESSION_TTL_SECONDS,
  type Session,
  type SessionKeys,
  verifySession,
} from './session.js';

export interface UiOptions {
  service: ServiceName;
  apiKey: string;
  urls: ServiceUrls;
  /** Signs session cookies; defaults to a secret derived from apiKey (changing the key signs everyone out). */
  sessionSecret?: string;
  /** Built bundles; default <repo>/<service workspace>/dist/ui/assets. */
  clientBundleDir?: string;
  /** The service's workspace folder (holds src/ui/client); default <repo>/<service workspace>. */
  workspaceDir?: string;
  /** 'source' bundles in memory (default when running from .ts), 'built' serves clientBundleDir. */
  assetMode?: 'source' | 'built';
  sessionTtlSeconds?: number;
  /** Clock for session expiry and sign-in throttling, epoch ms. */
  now?: () => number;
}

export const WORKSPACES: Record<ServiceName, string> = {
  errors: 'error-tracker',
  logs: 'log-viewer',
  metrics: 'metrics-collector',
};

const MAX_LOGIN_FAILURES_PER_MINUTE = 10;

interface UiState {
  options: UiOptions;
  keys: SessionKeys;
  cookieName: string;
  now: () => number;
  ttl: number;
  revoked: Map<string, number>;
  failures: Map<string, { count: number; since: number }>;
}

declare module 'fastify' {
  interface FastifyInstance {
    flowrentUi: UiState | null;
  }
  interface FastifyRequest {
    /** Set by requireSession (or readSession) when the request carries a valid session cookie. */
    uiSession: Session | null;
  }
}

function stateOf(request: FastifyRequest): UiState {
  const state = request.server.flowrentUi;
  if (!state) throw new Error('registerUi(app) must run before UI routes are used');
  return state;
}

/** The signed-in session of a request, or null. Also stores it on request.uiSession. */
export function readSession(request: FastifyRequest): Session | null {
  if (request.uiSession) return request.uiSession;
  const state = stateOf(request);
  const token = parseCookies(request.headers.cookie).get(state.cookieName);
  const session = verifySession(state.keys, token, state.now(), state.ttl) ?? null;
  if (session && state.revoked.has(session.nonce)) return null;
  request.uiSession = session;
  return session;
}

function wantsHtml(request: FastifyRequest): boolean {
  return (
    (request.method === 'GET' || request.method === 'HEAD') &&
    (request.headers.accept ?? '').includes('text/html')
  );
}

/** preHandler for UI pages: browsers without a session go to /login?next=…, other clients get 401. */
export async function requireSession(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (readSession(request)) return;
  if (wantsHtml(request)) {
    setSecurityHeaders(reply);
    await reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    return;
  }
  throw new Unauthorized('sign in first');
}

/** The CSRF token pages embed in forms (`_csrf`) and the meta tag scripts send back as X-CSRF-Token. */
export function csrfToken(request: FastifyRequest): string {
  const session = readSession(request);
  if (!session) throw new Unauthorized('sign in first');
  return session.csrfToken;
}

/** Throws Forbidden unless a state-changing request comes from our own pages of this session. */
export function verifyCsrf(request: FastifyRequest): void {
  assertSameOrigin(request);
  const session = readSession(request);
  if (!session) throw new Unauthorized('sign in first');
  const header = request.headers['x-csrf-token'];
  const presented = typeof header === 'string' ? header : formBody(request)._csrf;
  if (!presented || !constantTimeEqual(presented, session.csrfToken))
    throw new Forbidden('missing or invalid CSRF token; reload the page and try again');
}

/** Session cookie as admin auth for API calls from our pages: reads always, writes with X-CSRF-Token. */
function sessionAuthenticates(request: FastifyRequest): boolean {
  const session = readSession(request);
  if (!session) return false;
  if (request.method === 'GET' || request.method === 'HEAD') return true;
  const header = request.headers['x-csrf-token'];
  try {
    assertSameOrigin(request);
  } catch {
    return false;
  }
  return typeof header === 'string' && constantTimeEqual(header, session.csrfToken);
}

function throttleLogin(state: UiState, ip: string): void {
  const now = state.now();
  const entry = state.failures.get(ip);
  if (entry && now - entry.since < 60_000 && entry.count >= MAX_LOGIN_FAILURES_PER_MINUTE)
    throw new RateLimited(
      'too many failed sign-ins; wait a minute',
      Math.ceil((entry.since + 60_000 - now) / 1000),
    );
}

function recordFailure(state: UiState, ip: string): void {
  const now = state.now();
  if (state.failures.size > 10_000) state.failures.clear();
  const entry = state.failures.get(ip);
  if (!entry || now - entry.since >= 60_000) state.failures.set(ip, { count: 1, since: now });
  else entry.count++;
}

function revoke(state: UiState, session: Session): void {
  const now = state.now();
  for (const [nonce, until] of state.revoked) if (until < now) state.revoked.delete(nonce);
  state.revoked.set(session.nonce, (session.issuedAt + state.ttl) * 1000);
}

export function registerUi(app: FastifyInstance, options: UiOptions): void {
  const workspaceDir = options.workspaceDir ?? join(REPO_ROOT, WORKSPACES[options.service]);
  const state: UiState = {
    options,
    keys: { service: options.service, secret: deriveSessionSecret(options.apiKey, options.sessionSecret) },
    // Cookies ignore ports: three services on one host need three cookie names.
    cookieName: `flowrent_session_${options.service}`,
    now: options.now ?? Date.now,
    ttl: options.sessionTtlSeconds ?? SESSION_TTL_SECONDS,
    revoked: new Map(),
    failures: new Map(),
  };
  app.decorate('flowrentUi', state);
  app.decorateRequest('uiSession', null);
  const authenticators = (app as { adminAuthenticators?: Array<(r: FastifyRequest) => boolean> })
    .adminAuthenticators;
  authenticators?.push(sessionAuthenticates);

  registerAssetRoute(app, {
    workspaceDir,
    clientBundleDir: options.clientBundleDir,
    mode: options.assetMode,
  });
  registerUiPages(app, async (ui) => {
    const page = (next: string, error?: string) =>
      renderLoginPage({ service: options.service, urls: options.urls, next, error }).value;

    ui.get<{ Querystring: { next?: string } }>(
      '/login',
      { config: { public: true } },
      async (request, reply) => {
        const next = safeLocalPath(request.query.next);
        if (readSession(request)) return reply.redirect(next, 303);
        return reply.type('text/html; charset=utf-8').send(page(next));
      },
    );

    ui.post('/login', { config: { public: true } }, async (request, reply) => {
      assertSameOrigin(request);
      throttleLogin(state, request.ip);
      const form = formBody(request);
      const next = safeLocalPath(form.next);
      if (!form.key || !constantTimeEqual(form.key, options.apiKey)) {
        recordFailure(state, request.ip);
        return reply.code(401).type('text/html; charset=utf-8').send(page(next, 'That key is not right.'));
      }
      const { token } = issueSession(state.keys, state.now());
      reply.header(
        'set-cookie',
        serializeCookie(state.cookieName, token, { maxAgeSeconds: state.ttl, secure: isHttps(request) }),
      );
      return reply.redirect(next, 303);
    });

    ui.post('/logout', { config: { public: true } }, async (request, reply) => {
      const session = readSession(request);
      if (session) {
        verifyCsrf(request);
        revoke(state, session);
      }
      reply.header(
        'set-cookie',
        serializeCookie(state.cookieName, '', { maxAgeSeconds: 0, secure: isHttps(request) }),
      );
      return reply.redirect('/login', 303);
    });
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Inside registerUiPages: true skips requireSession (sign-in page). */
    public?: boolean;
  }
}

/**
 * Registers UI routes in their own encapsulated scope: security headers on every response, the app's key
 * auth replaced by the session (browsers are redirected to /login), urlencoded forms parsed. Handlers of
 * state-changing forms call verifyCsrf(request).
 */
export function registerUiPages(app: FastifyInstance, routes: (ui: FastifyInstance) => Promise<void>): void {
  app.register(async (ui) => {
    if (!ui.hasContentTypeParser('*') && !ui.hasContentTypeParser('application/x-www-form-urlencoded')) {
      ui.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string' },
        (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
      );
    }
    ui.addHook('onRoute', (route) => {
      const isPublic = route.config?.public === true;
      route.config = { ...route.config, auth: 'public' };
      if (!isPublic) {
        const existing = route.preHandler ? [route.preHandler].flat() : [];
        route.preHandler = [requireSession, ...existing];
      }
    });
    ui.addHook('onRequest', async (_request, reply) => setSecurityHeaders(reply));
    ui.addHook('onSend', async (request, reply, payload) => {
      if (!reply.hasHeader('cache-control') && request.method === 'GET')
        reply.header('cache-control', 'no-store');
      // The theme chosen on any of the three services (a cookie: cookies ignore ports), on the server.
      const theme =
        typeof payload === 'string' && parseTheme(cookieValue(request.headers.cookie, THEME_COOKIE));
      return theme ? withTheme(payload as string, theme) : payload;
    });
    await routes(ui);
  });
}
