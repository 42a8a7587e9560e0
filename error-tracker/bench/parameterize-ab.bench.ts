// In-process A/B of parameterize() (src/grouping/parameterize.ts, run on the ingest worker for the
// message and each exception value): this tree's against the one at PARAM_BASE (a commit; default
// HEAD; this tree's runs grouping version PARAM_VERSION, default 3), in interleaved rounds, µs per call on realistic strings and on black-box 10 #9's
// adversarial ones. The base runs the adversarial strings only up to 8 KiB (the old rules need
// minutes from ~100 KB). No lock needed (under a minute).
// Usage: PARAM_BASE=<commit> PARAM_VERSION=3 node --conditions=development --import tsx bench/parameterize-ab.bench.ts
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parameterize } from '../src/grouping/parameterize.js';
import { buildEvent } from './events.js';

const base = process.env.PARAM_BASE ?? 'HEAD';
const version = Number(process.env.PARAM_VERSION ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'param-ab-'));
const baseFile = join(dir, 'parameterize.ts'); // it imports nothing
writeFileSync(baseFile, execFileSync('git', ['show', `${base}:error-tracker/src/grouping/parameterize.ts`]));
const { parameterize: parameterizeBase } = (await import(pathToFileURL(baseFile).href)) as {
  parameterize: (text: string, version: number) => string;
};
rmSync(dir, { recursive: true });

const realistic = [
  ...Array.from({ length: 200 }, (_, g) => {
    const values = (buildEvent(g, g * 3).exception as { values: { value: string }[] }).values;
    return values[0].value;
  }),
  'Disk usage above 90% on /var',
  'GET https://api.example.com/v1/orders?id=7 failed with 502 after 3 retries',
  'mail to jane.doe@example.com bounced (550 5.1.1)',
  "KeyError: 'order 3fa85f64-5717-4562-b3fc-2c963f66afa6'",
  "Cannot read properties of undefined (reading 'map') at /srv/app/dist/main.js:12:345",
  'connection to 10.0.0.12:5432 refused, session ord_8f3kd9x, segfault at 0x7ffd1234',
  'nightly sync failed at 2026-11-27T01:55:41.455Z',
  `ValidationError: ${'field "name" is required; '.repeat(20)}`,
];

function adversarial(kib: number): [string, string][] {
  return ['a.', 'a-', 'a1.', 'a@', 'a/'].map((unit) => [
    `'${unit}'×${kib} KiB`,
    unit.repeat(Math.ceil((kib * 1024) / unit.length)),
  ]);
}

/** µs per call: repeat `texts` until 100 ms (at least once). */
function time(fn: (t: string) => string, texts: string[]): number {
  let calls = 0;
  const start = process.cpuUsage();
  let used = 0;
  do {
    for (const t of texts) fn(t);
    calls += texts.length;
    const u = process.cpuUsage(start);
    used = u.user + u.system;
  } while (used < 100_000);
  return used / calls;
}

const cases: [string, string[], boolean][] = [
  ['realistic (208 messages)', realistic, true],
  ...adversarial(8).map(([name, text]): [string, string[], boolean] => [name, [text], true]),
  ...adversarial(1024).map(([name, text]): [string, string[], boolean] => [name, [text], false]),
];
const ROUNDS = 3;
console.log(
  `base ${base} vs this tree (version ${version}), CPU µs per call, ${ROUNDS} interleaved rounds (median)`,
);
for (const [name, texts, runBase] of cases) {
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (runBase) a.push(time((t) => parameterizeBase(t, version), texts));
    b.push(time((t) => parameterize(t, version), texts));
  }
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[xs.length >> 1];
  const baseText = runBase ? median(a).toFixed(1).padStart(12) : '(not run)'.padStart(12);
  console.log(`${name.padEnd(26)} base ${baseText}   new ${median(b).toFixed(1).padStart(10)}`);
}
