// In-process A/B of the server-side scrubber (src/ingest/scrub.ts) on the benchmark's events
// (events.ts): this tree's scrubEvent against the one at SCRUB_BASE (a commit; default HEAD), in
// interleaved rounds, CPU µs per event. No lock needed (a few seconds).
// Usage: SCRUB_BASE=<commit> node --conditions=development --import tsx bench/scrub-ab.bench.ts
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { JsonObject } from '../src/ingest/envelope.js';
import { readEnvelopeBody } from '../src/ingest/request.js';
import { scrubEvent } from '../src/ingest/scrub.js';
import { envelopeBody, prepareBodies } from './events.js';

const base = process.env.SCRUB_BASE ?? 'HEAD';
const dir = mkdtempSync(join(tmpdir(), 'scrub-ab-'));
const baseFile = join(dir, 'scrub.ts'); // its only import is a type: nothing else is needed
writeFileSync(baseFile, execFileSync('git', ['show', `${base}:error-tracker/src/ingest/scrub.ts`]));
const { scrubEvent: scrubBase } = (await import(pathToFileURL(baseFile).href)) as {
  scrubEvent: (e: JsonObject) => JsonObject;
};
rmSync(dir, { recursive: true });

const GROUPS = 300;
const N = 2400;
const bodies = prepareBodies(GROUPS, 8);
const events = Array.from(
  { length: N },
  (_, i) => readEnvelopeBody(gunzipSync(envelopeBody(bodies[i % GROUPS][(i >> 3) % 8]))).events[0].raw,
);

function cpuPerEvent(scrub: (e: JsonObject) => JsonObject): number {
  const c0 = process.cpuUsage();
  for (let r = 0; r < 4; r++)
    for (const e of events) if (scrub(e) !== e) throw new Error('a bench event changed');
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / N / 4;
}

const a: number[] = [];
const b: number[] = [];
const rounds = Number(process.env.SCRUB_ROUNDS ?? 12);
for (let round = 0; round < rounds; round++) {
  if (round % 2) {
    b.push(cpuPerEvent(scrubEvent));
    a.push(cpuPerEvent(scrubBase));
  } else {
    a.push(cpuPerEvent(scrubBase));
    b.push(cpuPerEvent(scrubEvent));
  }
}
const median = (x: number[]) => [...x].sort((p, q) => p - q)[x.length >> 1];
console.log(
  `base (${base}) µs/event: ${a.map((x) => x.toFixed(1)).join(' ')}  median ${median(a).toFixed(2)}`,
);
console.log(`this tree µs/event:  ${b.map((x) => x.toFixed(1)).join(' ')}  median ${median(b).toFixed(2)}`);
console.log(
  `this tree cheaper in ${a.filter((x, i) => b[i] < x).length} of ${rounds} rounds; ratio ${(median(b) / median(a)).toFixed(2)}`,
);
