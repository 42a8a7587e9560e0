// Start-up warm-up of the remote_write path. A freshly started Node process runs the request path
// in V8's interpreter and baseline tiers and compiles it with TurboFan while the first requests
// arrive, and a restarted collector meets its busiest seconds right then: every Prometheus that
// writes to it sends the backlog its queue kept during the restart at full shard count. So before
// the server listens (onReady), synthetic requests go through the same code — node:http on an
// ephemeral loopback port, the remote_write listener, snappy, the protobuf walk, series creation and
// lookup, head appends and the log — into a scratch store (in-memory SQLite, its own log folder,
// removed afterwards). Nothing reaches the real store or its metrics. Road not taken: V8 flags that
// optimise sooner (they apply to every function of the process, queries included).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'node:http';
import { Registry } from '@flowrent/shared/metrics';
import type { FastifyBaseLogger } from 'fastify';
import { compressSync } from 'snappy';
import { encodeWriteRequest } from '../ingest/remote-write-encode.js';
import { openScratchStore } from '../store/scratch-store.js';
import { acceptRemoteWrite, MAX_REMOTE_WRITE_BYTES } from './ingest-routes.js';
import { serveRemoteWriteBeforeRouting } from './remote-write-listener.js';

/** Series of the synthetic load, and time blocks of it: the first block creates every series, the
 * others find them by their raw label bytes as steady-state requests do. */
const WARM_UP_SERIES = 2000;
const WARM_UP_BLOCKS = 6;
const SAMPLES_PER_SERIES_PER_REQUEST = 10;
const SERIES_PER_REQUEST = 200;
const IN_FLIGHT = 4;

export interface WarmUpResult {
  requests: number;
  samples: number;
  ms: number;
}

export async function warmUpRemoteWrite(options: {
  /** A folder the process may write (removed again): the scratch store's log. */
  dir: string;
  uncompressSnappy: (buf: Uint8Array) => Uint8Array;
  log: FastifyBaseLogger;
}): Promise<WarmUpResult> {
  const started = performance.now();
  const bodies = syntheticRequests(Date.now());
  const scratch = openScratchStore(options.dir, options.uncompressSnappy);
  const server = createServer();
  serveRemoteWriteBeforeRouting({
    server,
    registry: new Registry(),
    log: options.log,
    auth: () => true,
    maxBodyBytes: MAX_REMOTE_WRITE_BYTES,
    accept: (contentType, body) =>
      acceptRemoteWrite(
        { store: scratch.store, uncompressSnappy: options.uncompressSnappy },
        contentType,
        body,
      ),
  });
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = server.address() as AddressInfo;
    let next = 0;
    const sender = async () => {
      while (next < bodies.length) {
        const status = await post(agent, port, bodies[next++]);
        if (status !== 204) throw new Error(`warm-up request answered ${status}`);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, sender));
  } finally {
    agent.destroy();
    await new Promise((resolve) => server.close(resolve));
    await scratch.close();
  }
  return {
    requests: bodies.length,
    samples: WARM_UP_SERIES * WARM_UP_BLOCKS * SAMPLES_PER_SERIES_PER_REQUEST,
    ms: performance.now() - started,
  };
}

function post(agent: Agent, port: number, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path: '/api/v1/write',
        method: 'POST',
        headers: {
          'content-type': 'application/x-protobuf',
          'content-encoding': 'snappy',
          'x-prometheus-remote-write-version': '0.1.0',
          'content-length': body.length,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** What a Prometheus sends: counters with integer increments, gauges with decimals, histogram
 * buckets; a 15 s scrape interval; labels sorted by name. */
function syntheticRequests(nowMs: number): Buffer[] {
  const stepMs = 15_000;
  const samples = WARM_UP_BLOCKS * SAMPLES_PER_SERIES_PER_REQUEST;
  const startMs = nowMs - samples * stepMs;
  const values = new Float64Array(WARM_UP_SERIES);
  const bodies: Buffer[] = [];
  let seed = 1;
  const random = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 4294967296;
  };
  for (let block = 0; block < WARM_UP_BLOCKS; block++) {
    for (let first = 0; first < WARM_UP_SERIES; first += SERIES_PER_REQUEST) {
      const series = [];
      for (let i = first; i < first + SERIES_PER_REQUEST; i++) {
        const timestamps: number[] = [];
        const vs: number[] = [];
        for (let k = 0; k < SAMPLES_PER_SERIES_PER_REQUEST; k++) {
          if (i % 3 === 0) values[i] += Math.floor(random() * 20);
          else if (i % 3 === 1) values[i] = Math.round(random() * 10_000) / 100;
          else values[i] += Math.floor(random() * 3);
          timestamps.push(startMs + (block * SAMPLES_PER_SERIES_PER_REQUEST + k) * stepMs);
          vs.push(values[i]);
        }
        series.push({ labels: labelsOf(i), timestamps, values: vs });
      }
      bodies.push(compressSync(Buffer.from(encodeWriteRequest(series))));
    }
  }
  return bodies;
}

function labelsOf(i: number): [string, string][] {
  const instance = `10.0.${i >> 8}.${i & 255}:9100`;
  if (i % 3 === 0)
    return [
      ['__name__', 'warmup_requests_total'],
      ['code', String(200 + (i % 5))],
      ['instance', instance],
      ['job', 'warm-up'],
    ];
  if (i % 3 === 1)
    return [
      ['__name__', 'warmup_temperature_celsius'],
      ['instance', instance],
      ['job', 'warm-up'],
    ];
  return [
    ['__name__', 'warmup_latency_seconds_bucket'],
    ['instance', instance],
    ['job', 'warm-up'],
    ['le', String(0.005 * 2 ** (i % 12))],
  ];
}
