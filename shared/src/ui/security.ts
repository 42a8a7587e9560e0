// Response headers for every UI response (pages, sign-in, assets). API routes keep the app's defaults.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Forbidden } from '../errors.js';

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; " +
  "base-uri 'none'; frame-ancestors 'none'";

export function setSecurityHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'same-origin');
  reply.header('x-frame-options', 'DENY');
  reply.header('cross-origin-opener-policy', 'same-origin');
}

/** True when the request reached us over HTTPS (directly or through a proxy that says so). */
export function isHttps(request: FastifyRequest): boolean {
  const forwarded = request.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return proto === 'https' || request.protocol === 'https';
}

/**
 * Rejects cross-site state changes by origin: a browser always sends Origin on POST, and Sec-Fetch-Site
 * when it knows it. Requests with neither (curl, tests) are left to the CSRF token check.
 */
export function assertSameOrigin(request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site') throw new Forbidden('cross-site request refused');
  const origin = request.headers.origin;
  if (!origin || origin === 'null') {
    if (origin === 'null') throw new Forbidden('opaque origin refused');
    return;
  }
  const host = request.headers['x-forwarded-host'] ?? request.headers.host;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw new Forbidden('malformed Origin header');
  }
  if (originHost !== (Array.isArray(host) ? host[0] : host))
    throw new Forbidden('cross-origin request refused');
}

/** The urlencoded form a request carried, whichever parser produced it (the app factory or ours). */
export function formBody(request: FastifyRequest): Record<string, string> {
  const body = request.body;
  if (Buffer.isBuffer(body) || typeof body === 'string') {
    return Object.fromEntries(new URLSearchParams(body.toString()));
  }
  if (body && typeof body === 'object') {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(body as Record<string, unknown>))
      if (typeof v === 'string') out[k] = v;
    return out;
  }
  return {};
}
