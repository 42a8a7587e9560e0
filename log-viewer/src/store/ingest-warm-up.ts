// JIT warm-up of an ingest worker at start-up. A fresh worker ran its first seconds of bodies through
// unoptimized code while V8 compiled the NDJSON scan and the block encoder on its helper threads,
// several times over as new paths and types deoptimized them: in-process over 1.2 M bench lines
// (plain node on dist/, 26 Nov), ~0.8 s of the server's CPU went to TurboFan, nearly all of it in the
// first ~0.4 s of each worker's work, i.e. ~0.4 CPU-µs per line of a 2 M-line ingest. The worker
// instead parses and encodes synthetic bodies once it starts, one slice per turn of its event loop
// (a real message waits at most one slice): rows of common log shapes (ISO and epoch times, levels,
// services, hosts, trace and span ids, attributes of every JSON type, escapes, non-ASCII text, stack
// traces), parsed into a table of its own and encoded into blocks that are thrown away. Nothing of the
// store is touched; the process-wide key and shape registries (attr-columns.ts) get a few common keys,
// which a block does not depend on (its shapes are numbered in block order).
import { encodeColumns } from './block-codec.js';
import { parseBodyColumns, summarizeColumns } from './body-rows.js';
import { RowColumns } from './row-columns.js';

/** Lines per synthetic body, and rounds (a body each; a block of 4 096 rows every second round). */
const LINES = 2048;
export const WARM_UP_ROUNDS = 12;
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
  const ms = BASE_MS + n * 7_919; // ~4.5 h a round: the time parser meets new hours
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

/**
 * One round, as a worker takes a body: parsed into `table` and summarized, appended to the `open` rows, and every
 * second round the open rows encoded as one block (thrown away) and dropped. Returns the rows parsed.
 */
export function warmUpRound(r: number, table: RowColumns, open: RowColumns, out: Buffer): number {
  const parsed = parseBodyColumns('ndjson', warmUpBody(r, out), NOW_NS, 0, table);
  const n = parsed.rows.count;
  summarizeColumns(parsed.rows); // as the worker's parse reply does
  open.append(parsed.rows, open.count + 1);
  parsed.rows.clear();
  if (r % 2 === 1) {
    encodeColumns(open, 0, open.count);
    open.dropPrefix(open.count);
  }
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

/** Runs the warm-up one round per turn of the event loop (real work goes between rounds). */
export function warmUpIngest(rounds = WARM_UP_ROUNDS): void {
  detachOnce();
  const table = new RowColumns(LINES);
  const open = new RowColumns(2 * LINES);
  const out = Buffer.allocUnsafeSlow(WARM_UP_BODY_BYTES);
  let r = 0;
  const step = () => {
    try {
      warmUpRound(r, table, open, out);
    } catch {
      return; // only a warm-up: the real bodies compile the code anyway
    }
    if (++r < rounds) setImmediate(step).unref();
  };
  setImmediate(step).unref();
}
