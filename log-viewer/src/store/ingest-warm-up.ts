// JIT warm-up of an ingest worker at start-up. A fresh worker ran its first seconds of bodies through
// unoptimized code while V8 compiled the NDJSON scan and the block encoder on its helper threads,
// several times over as new paths and types deoptimized them: in-process over 1.2 M bench lines
// (plain node on dist/, 26 Nov), ~0.8 s of the server's CPU went to TurboFan, nearly all of it in the
// first ~0.4 s of each worker's work, i.e. ~0.4 CPU-µs per line of a 2 M-line ingest. The worker
// instead parses and encodes synthetic bodies once it starts: rows of common log shapes (ISO and
// epoch times, levels, services, hosts, trace and span ids, attributes of every JSON type, escapes,
// non-ASCII text, stack traces), parsed into a table of its own and encoded into blocks that are
// thrown away. Nothing of the store is touched; the process-wide key and shape registries
// (attr-columns.ts) get a few common keys, which a block does not depend on (its shapes are numbered
// in block order).
//
// It runs in small steps, one per turn of the worker's event loop, and only while the worker is
// idle: a request arriving meanwhile waits for the step in progress at most, and real bodies go
// first (they warm the same code). The steps used to be rounds of 2 048 lines plus a 4 096-row block
// every second round, 100-200 ms each on cold code, which a small request arriving in the worker's
// first second waited behind (160-220 ms). Not chosen: holding the service's listen until the
// workers are warm (start-up then waits for CPU-bound work, seconds on a loaded machine: under tsx at
// load 10 it ran past Fastify's 10 s hook timeout and the service did not start).
import { encodeColumns } from './block-codec.js';
import { parseBodyColumns, summarizeColumns } from './body-rows.js';
import { RowColumns } from './row-columns.js';

/** Lines per synthetic body, bodies per block, blocks: 24 576 lines in all, as 12 x 2 048 before. */
const LINES = 256;
const BODIES_PER_BLOCK = 4;
const BLOCKS = 24;
/** Steps: each block's bodies, one parse each, then its encode. */
export const WARM_UP_STEPS = BLOCKS * (BODIES_PER_BLOCK + 1);
const NOW_NS = 1_795_000_000_000_000_000n;
const BASE_MS = Date.UTC(2026, 0, 1);

const SERVICES = ['api', 'billing', 'worker', 'auth', 'search'];
const LEVELS = ['info', 'info', 'info', 'debug', 'warn', 'error', 'INFO', 'warning'];
const WORDS = [
  'request',
  'completed',
  'user',
  'order',
  'cache',
  'miss',
  'retry',
  'upstream',
  'timeout',
  'queue',
];

function hex(n: number, width: number): string {
  let s = '';
  for (let k = 0; s.length < width; k++)
    s += ((n * 2654435761 + k * 40503) >>> 0).toString(16).padStart(8, '0');
  return s.slice(0, width);
}

/** Line i of round r, written at `o` in `out`; the index after it. Mostly common shapes, some rarer. */
function writeLine(r: number, i: number, out: Buffer, o: number): number {
  const n = r * LINES + i;
  const ms = BASE_MS + n * 7_919; // ~34 min a body: the time parser meets new hours
  const words = `${WORDS[n % WORDS.length]} ${WORDS[(n >> 3) % WORDS.length]} ${n % 977}`;
  const ts = n % 7 === 3 ? String(ms) : `"${new Date(ms).toISOString()}"`;
  const msg = n % 11 === 5 ? `failed: ${words}\\n    at handler (/srv/app.js:${n % 90}:7)` : words;
  const open = n % 13 === 0 ? '{ "ts": ' : '{"ts":';
  const head = `${open}${ts},"level":"${LEVELS[n % LEVELS.length]}","service":"${SERVICES[(n >> 2) % SERVICES.length]}","msg":"${msg}","trace_id":"${hex(n >> 2, 32)}"`;
  const user = `"user":"u-${n % 5000}"`;
  const tail =
    n % 5 === 0
      ? `"host":"web-${n % 3}","span_id":"${hex(n, 16)}",${user},"ok":${n % 2 === 0},"ratio":${n / 7}`
      : n % 5 === 1
        ? `${user},"method":"GET","path":"/api/items/${n}","status":${200 + (n % 3) * 100},"ms":${n % 900}`
        : n % 5 === 2
          ? `"user":"ü-${n % 50}","tags":["a",${n % 4}],"ctx":{"region":"eu","n":${n}},"note":null`
          : `${user},"method":"POST","path":"/api/orders","status":201,"ms":${n % 300}`;
  o += out.write(`${head},${tail}}`, o);
  return o;
}

/** Bytes a synthetic body may take (its lines are < 400 bytes). */
export const WARM_UP_BODY_BYTES = LINES * 400;

/**
 * Round r's body written into `out` (no string of the whole body: it would be a large object, kept
 * until a full collection); a plain Uint8Array view, as a body arrives from the main thread (a Buffer
 * has another map, and the code compiled for one deoptimizes on the other).
 */
export function warmUpBody(r: number, out: Buffer): Uint8Array {
  let o = 0;
  for (let i = 0; i < LINES; i++) {
    if (i > 0) out[o++] = 10;
    o = writeLine(r, i, out, o);
  }
  return new Uint8Array(out.buffer, out.byteOffset, o);
}

/** A warm-up's scratch: a parse table, the open rows and a body buffer. */
export interface WarmUpTables {
  table: RowColumns;
  open: RowColumns;
  out: Buffer;
}

export function warmUpTables(): WarmUpTables {
  return {
    table: new RowColumns(LINES),
    open: new RowColumns(BODIES_PER_BLOCK * LINES),
    out: Buffer.allocUnsafeSlow(WARM_UP_BODY_BYTES),
  };
}

/**
 * Step s, as a worker takes a body or seals: body b parsed into the table and summarized (as the
 * worker's parse reply does), then appended to the open rows; or, after every BODIES_PER_BLOCK bodies,
 * the open rows encoded as one block (thrown away) and dropped. Returns the rows the step handled.
 */
export function warmUpStep(s: number, { table, open, out }: WarmUpTables): number {
  const k = s % (BODIES_PER_BLOCK + 1);
  if (k === BODIES_PER_BLOCK) {
    const n = open.count;
    encodeColumns(open, 0, n);
    open.dropPrefix(n);
    return n;
  }
  const b = Math.floor(s / (BODIES_PER_BLOCK + 1)) * BODIES_PER_BLOCK + k;
  const parsed = parseBodyColumns('ndjson', warmUpBody(b, out), NOW_NS, 0, table);
  const n = parsed.rows.count;
  summarizeColumns(parsed.rows);
  open.append(parsed.rows, open.count + 1);
  parsed.rows.clear();
  return n;
}

/**
 * Detaches an ArrayBuffer, as the worker does when it hands a body back. The first detach in an
 * isolate invalidates V8's "no ArrayBuffer was ever detached" protector, and with it all the optimized
 * code that reads typed arrays (the whole parse and encode path, deoptimized at once): done first, it
 * is compiled once for good.
 */
export function detachOnce(): void {
  const buffer = new ArrayBuffer(8);
  structuredClone(buffer, { transfer: [buffer] });
}

export interface WarmUpOptions {
  /** Whether real work came in since the last call (the worker's message handler sets it): no step then. */
  busy?: () => boolean;
  /** After each step, with the rows it handled (tests). */
  onStep?: (rows: number) => void;
  /** Once the last step ran, or a step threw (only a warm-up: the real bodies compile the code anyway). */
  onDone?: () => void;
  steps?: number;
}

/** Runs the warm-up one step per turn of the event loop while the caller is not busy. */
export function warmUpIngest(options: WarmUpOptions = {}): void {
  const { busy = () => false, onStep, onDone, steps = WARM_UP_STEPS } = options;
  detachOnce();
  const tables = warmUpTables();
  let s = 0;
  const step = () => {
    if (!busy()) {
      try {
        onStep?.(warmUpStep(s, tables));
        s++;
      } catch {
        s = steps;
      }
      if (s >= steps) return onDone?.();
    }
    setImmediate(step);
  };
  setImmediate(step);
}
