// Realistic Sentry envelopes for the benchmark: 10-30 frames with context lines and local vars,
// breadcrumbs, contexts, modules; ~20 KB decompressed. Bodies are gzip: a small per-request member
// carrying the envelope header (unique event_id) and the event's opening brace (optionally a new
// fingerprint), followed by a pre-compressed member with the rest of the event JSON
// (gzip allows concatenated members), so the load generator spends almost no CPU per request.
import { randomBytes } from 'node:crypto';
import { crc32, gzipSync } from 'node:zlib';

const WORDS = [
  'order',
  'cart',
  'invoice',
  'payment',
  'user',
  'session',
  'shipment',
  'coupon',
  'stock',
  'refund',
];

function frame(group: number, i: number, variant: number) {
  const w = WORDS[(group + i) % WORDS.length];
  return {
    filename: `app/${w}/service_${(group * 7 + i) % 40}.py`,
    abs_path: `/srv/shop/app/${w}/service_${(group * 7 + i) % 40}.py`,
    module: `app.${w}.service_${(group * 7 + i) % 40}`,
    function: `handle_${w}_${i}`,
    lineno: 100 + i * 3 + (variant % 5),
    in_app: i > 3,
    context_line: `        result = self.${w}_repository.fetch(${w}_id=${w}_id, include_items=True, timeout=${i})`,
    pre_context: [
      `    def handle_${w}_${i}(self, ${w}_id, request):`,
      `        """Load the ${w} and apply the business rules of step ${i}."""`,
      `        log.debug("loading ${w} %s", ${w}_id)`,
      `        if not self.enabled:`,
      `            raise FeatureDisabled("${w}")`,
    ],
    post_context: [
      `        if result is None:`,
      `            raise ${w[0].toUpperCase()}${w.slice(1)}NotFound(${w}_id)`,
      `        self.metrics.increment("${w}.loaded")`,
      `        return self.serializer.dump(result)`,
      ``,
    ],
    vars: {
      self: `<app.${w}.Service object at 0x7f${(group * 977 + i).toString(16).padStart(10, '0')}>`,
      [`${w}_id`]: String(10_000 + variant * 31 + i),
      request: `<Request 'POST /api/${w}s/${variant}'>`,
      timeout: String(i),
      options: `{'include_items': True, 'retries': ${i % 4}, 'tenant': 'tenant-${variant % 17}'}`,
    },
  };
}

export function buildEvent(group: number, variant: number): Record<string, unknown> {
  const frames = Array.from({ length: 10 + (group % 21) }, (_, i) => frame(group, i, variant));
  const crumbs = Array.from({ length: 30 }, (_, b) => ({
    timestamp: 1_764_110_000 + b,
    type: b % 3 === 0 ? 'http' : 'default',
    category: b % 3 === 0 ? 'httplib' : 'app.log',
    level: 'info',
    message: b % 3 === 0 ? undefined : `processed step ${b} of request ${variant}`,
    data:
      b % 3 === 0
        ? {
            url: `https://payments.internal/api/v2/charges/${variant * 100 + b}`,
            method: 'POST',
            status_code: 200,
          }
        : undefined,
  }));
  const modules: Record<string, string> = {};
  for (let m = 0; m < 40; m++) modules[`package-${m}`] = `${1 + (m % 5)}.${m % 10}.${m % 3}`;
  return {
    platform: 'python',
    level: 'error',
    release: `shop@1.${group % 4}.0`,
    environment: 'production',
    server_name: `web-${variant % 6}`,
    timestamp: Date.now() / 1000,
    logger: 'app.errors',
    exception: {
      values: [
        {
          type: `${WORDS[group % WORDS.length][0].toUpperCase()}${WORDS[group % WORDS.length].slice(1)}Error${group}`,
          value: `could not process ${WORDS[group % WORDS.length]} ${variant * 7919} for tenant-${variant % 17}`,
          stacktrace: { frames },
        },
      ],
    },
    breadcrumbs: { values: crumbs },
    user: { id: `user-${variant % 500}`, ip_address: '10.0.0.1' },
    tags: { tenant: `tenant-${variant % 17}`, region: variant % 2 ? 'eu' : 'us' },
    contexts: {
      trace: { trace_id: randomBytes(16).toString('hex'), span_id: randomBytes(8).toString('hex') },
      runtime: { name: 'CPython', version: '3.11.2' },
      os: { name: 'Linux', version: '6.1.0' },
    },
    request: {
      method: 'POST',
      url: `https://shop.example/api/orders/${variant}`,
      headers: { 'User-Agent': 'bench/1.0' },
    },
    modules,
    extra: { 'sys.argv': ['gunicorn', 'app:wsgi'], order_id: variant },
    sdk: {
      name: 'sentry.python',
      version: '1.9.10',
      integrations: ['logging', 'stdlib', 'excepthook', 'dedupe', 'atexit'],
    },
  };
}

export interface PreparedBody {
  tail: Buffer;
  decompressedBytes: number;
}

/** `groups` distinct fingerprints × `variants` payload variants, pre-compressed. */
export function prepareBodies(groups: number, variants: number): PreparedBody[][] {
  return Array.from({ length: groups }, (_, g) =>
    Array.from({ length: variants }, (_, v) => {
      const rest = `${JSON.stringify(buildEvent(g, v)).slice(1)}\n`;
      return { tail: gzipSync(rest, { level: 6 }), decompressedBytes: Buffer.byteLength(rest) + 50 };
    }),
  );
}

/** One request body; `fingerprint` set makes the event start a new issue. */
export function envelopeBody(prepared: PreparedBody, fingerprint?: string): Buffer {
  const header = JSON.stringify({ event_id: randomBytes(16).toString('hex') });
  const open = fingerprint ? `{"fingerprint":${JSON.stringify([fingerprint])},` : '{';
  return Buffer.concat([
    storedGzipMember(Buffer.from(`${header}\n{"type":"event"}\n${open}`)),
    prepared.tail,
  ]);
}

/** A gzip member holding `data` in one stored (uncompressed) deflate block: no zlib call per request. */
function storedGzipMember(data: Buffer): Buffer {
  const out = Buffer.alloc(10 + 5 + data.length + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]); // magic, deflate, no flags, no mtime, unknown OS
  out[10] = 1; // final block, stored
  out.writeUInt16LE(data.length, 11);
  out.writeUInt16LE(~data.length & 0xffff, 13);
  data.copy(out, 15);
  out.writeUInt32LE(crc32(data), 15 + data.length);
  out.writeUInt32LE(data.length, 19 + data.length);
  return out;
}
