// Realistic log lines for the bench: ~210-byte JSON objects from 8 services with request flows that
// share a trace id, user ids, HTTP paths, durations, ~1 % multi-line stack traces, and a few planted
// needles (a rare word, a known trace id, a rare phrase) that the query figures look for.

const SERVICES = ['checkout', 'payments', 'catalog', 'search', 'auth', 'cart', 'shipping', 'notifications'];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const PATHS = [
  '/api/orders/{id}',
  '/api/cart/{id}/items',
  '/api/products/{id}',
  '/api/search?q=shoes',
  '/api/users/{id}/profile',
  '/api/payments/{id}/capture',
  '/healthz',
  '/api/shipping/quote',
];
const MESSAGES = [
  'request completed',
  'cache miss for key cart:{id}',
  'user {user} signed in',
  'payment authorized for order ord-{id}',
  'inventory reserved for sku SKU-{id}',
  'slow query on orders table took {ms} ms',
  'retrying upstream call attempt {n}',
  'connection pool exhausted waiting {ms} ms',
  'rendered template checkout/summary in {ms} ms',
  'published event order.created to queue',
  'token refreshed for session {id}',
  'rate limit close to threshold for client {user}',
];
const STACK = `TypeError: Cannot read properties of undefined (reading 'total')
    at computeTotals (/srv/app/src/orders/totals.js:42:17)
    at OrderService.checkout (/srv/app/src/orders/service.js:118:22)
    at async Router.handle (/srv/app/node_modules/router/index.js:284:9)`;

/** Deterministic PRNG (mulberry32) so every run generates the same data. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEX = '0123456789abcdef';
function hex(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += HEX[(rand() * 16) | 0];
  return s;
}

export const NEEDLE_WORD = 'zanzibarquux';
export const NEEDLE_PHRASE = 'mailbox unavailable';

export interface GeneratedLine {
  json: string;
  timeMs: number;
  record: Record<string, unknown>;
}

export interface Generator {
  /** Next batch of lines, oldest first; empty when done. */
  next(n: number): GeneratedLine[];
  /** A trace id that occurs (a few times) in the middle of the data. */
  readonly needleTraceId: string;
}

/** `total` lines spread evenly over [endMs - spanMs, endMs). */
export function createGenerator(total: number, endMs: number, spanMs = 86_400_000, seed = 42): Generator {
  const rand = rng(seed);
  const startMs = endMs - spanMs;
  let i = 0;
  let trace = '';
  let flowLeft = 0;
  let service = SERVICES[0];
  let user = 'u-1';
  const needleAt = new Set(Array.from({ length: 12 }, (_, k) => Math.floor(((k + 0.5) * total) / 12)));
  const phraseAt = new Set(Array.from({ length: 40 }, (_, k) => Math.floor(((k + 0.3) * total) / 40)));
  const traceAt = Math.floor(total / 2);
  let needleTraceId = '';
  return {
    get needleTraceId() {
      return needleTraceId;
    },
    next(n: number): GeneratedLine[] {
      const out: GeneratedLine[] = [];
      for (; out.length < n && i < total; i++) {
        const timeMs = Math.floor(startMs + (i * spanMs) / total);
        if (flowLeft === 0) {
          trace = hex(rand, 32);
          flowLeft = 2 + ((rand() * 4) | 0);
          user = `u-${(rand() * 50_000) | 0}`;
          if (i >= traceAt && !needleTraceId) needleTraceId = trace;
        }
        flowLeft--;
        service = SERVICES[(rand() * rand() * SERVICES.length) | 0];
        const r = rand();
        const level =
          r < 0.05 ? 'debug' : r < 0.88 ? 'info' : r < 0.97 ? 'warn' : r < 0.995 ? 'error' : 'fatal';
        const id = (rand() * 100_000) | 0;
        const ms = (rand() * rand() * 2000) | 0;
        let message = MESSAGES[(rand() * MESSAGES.length) | 0]
          .replace('{id}', String(id))
          .replace('{user}', user)
          .replace('{ms}', String(ms))
          .replace('{n}', String(1 + ((rand() * 3) | 0)));
        if (needleAt.has(i)) message = `unexpected ${NEEDLE_WORD} flag in request`;
        if (phraseAt.has(i)) message = `smtp delivery failed: ${NEEDLE_PHRASE} for ${user}`;
        const method = METHODS[(rand() * METHODS.length) | 0];
        const path = PATHS[(rand() * PATHS.length) | 0].replace('{id}', String(id));
        const status = level === 'error' || level === 'fatal' ? 500 : level === 'warn' ? 429 : 200;
        const rec: Record<string, unknown> = {
          ts: new Date(timeMs).toISOString(),
          level,
          service,
          msg: message,
          trace_id: trace,
          user: user,
          method,
          path,
          status,
          ms,
        };
        if (level === 'error' && rand() < 0.3) rec.exception = STACK;
        out.push({ json: JSON.stringify(rec), timeMs, record: rec });
      }
      return out;
    },
  };
}
