// The bench's remote_write ingest through the real server, repeated: fresh collector processes of
// one or more builds, alternated, each fed the same pre-encoded load (8 in flight, as
// ingest-bench.ts), collector only, no queries. For the spread between runs of one build: per run
// the JS thread's CPU per million samples (whole ingest and its first and second half), its share
// waiting for a core and idle (nothing to run: waiting for the client or the log), the machine's
// steal time, from --trace-gc the collections of the ingest, and the peak RSS.
//   flock /tmp/bench.lock node --conditions=development --import tsx bench/ingest-repeat.ts \
//     <dist>/main.js[,<other>/main.js] [series] [samples] [runs]
// EXTRA_FLAGS="--trace-deopt ..." adds node flags to the image's; KEEP_TRACE=<dir> keeps the
// collector's stdout (trace output) per run. PROFILE=1: a CPU profile per run, of which the
// ingest's samples are summed by function (first and second half of the ingest apart).
import { copyFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { makeTempDir } from '@flowrent/shared/testing';
// @ts-expect-error: a plain .mjs of the repository's scripts (no types)
import { serviceNodeFlags } from '../../scripts/service-node-flags.mjs';
import { readCpuProfile } from './cpu-profile.js';
import { buildLoad, type Load } from './load.js';
import {
  cpuSeconds,
  mainThreadSchedSeconds,
  peakRssBytes,
  sendRemoteWrite,
  startCollector,
  threadCpuSeconds,
} from './systems.js';

const builds = (process.argv[2] ?? new URL('../dist/main.js', import.meta.url).pathname).split(',');
const series = Number(process.argv[3] ?? 10_000);
const samples = Number(process.argv[4] ?? 360);
const runs = Number(process.argv[5] ?? 4);
const flags = [
  ...(serviceNodeFlags(join(import.meta.dirname, '../..'), 'metrics-collector') as string[]),
  '--trace-gc',
  ...(process.env.EXTRA_FLAGS?.split(' ').filter(Boolean) ?? []),
];
process.env.BENCH_NODE_FLAGS = flags.join(' ');

/** Steal and total jiffies of the machine (/proc/stat's cpu line). */
function machineJiffies(): { steal: number; busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { steal: f[7] ?? 0, busy: total - f[3] - f[4], total };
}

/** Sends the load; `onMark(k)` once MARKS[k] requests are answered. */
async function ingest(url: string, headers: Record<string, string>, load: Load, onMark: (k: number) => void) {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const sys = { url, headers } as Parameters<typeof sendRemoteWrite>[1];
  let next = 0;
  let done = 0;
  let mark = 0;
  const worker = async () => {
    while (next < load.requests.length) {
      const status = await sendRemoteWrite(agent, sys, load.requests[next++]);
      if (status !== 204) throw new Error(`HTTP ${status}`);
      if (++done === MARKS[mark]) onMark(mark++);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 8 }, worker));
  agent.destroy();
  return (performance.now() - t0) / 1000;
}

interface GcStats {
  scavenges: number;
  scavengeMs: number;
  marks: number;
  markMs: number;
  /** With --trace-deopt / --trace-opt in EXTRA_FLAGS: deoptimizations and optimizations. */
  deopts: number;
  opts: number;
  /** The deoptimized functions: name@bytecode offset. */
  deopted: string[];
}

/** Collections in a --trace-gc log. */
function gcStats(text: string): GcStats {
  const s: GcStats = {
    scavenges: 0,
    scavengeMs: 0,
    marks: 0,
    markMs: 0,
    deopts: text.match(/\[bailout \(kind: deopt-(eager|lazy|soft)/g)?.length ?? 0,
    opts: text.match(/\[completed (compiling|optimizing)/g)?.length ?? 0,
    deopted: [
      ...text.matchAll(
        /\[bailout \(kind: deopt-\w+, reason: ([^)]*)\).*?<JSFunction (\S+).*?bytecode offset (\d+)/g,
      ),
    ].map((m) => `${m[2]}@${m[3]} (${m[1]})`),
  };
  for (const m of text.matchAll(
    /\s(\d+) ms: (Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Sweep)[^,]*, ([\d.]+) \/ ([\d.]+) ms/g,
  )) {
    if (m[2] === 'Scavenge') {
      s.scavenges++;
      s.scavengeMs += Number(m[3]);
    } else {
      s.marks++;
      s.markMs += Number(m[3]);
    }
  }
  return s;
}

const load = buildLoad(series, samples, 60_000, Date.now());
/** Windows of the ingest whose JS-thread CPU is printed: the series are created in the first
 * series/200 requests, then tenths. */
const n = load.requests.length;
const created = Math.ceil(series / 200);
const MARKS = [
  created,
  2 * created,
  ...Array.from({ length: 10 }, (_, k) => Math.round(((k + 1) * n) / 10)),
].filter((m, i, a) => i === 0 || m > a[i - 1]);
const perM = (s: number) => (s / (load.samples / 1e6)).toFixed(3);
/** CPU-s per million samples of a window of `requests` requests. */
const perWindowM = (s: number, requests: number) => (s / ((load.samples * requests) / n / 1e6)).toFixed(2);
console.log(`${series} × ${samples}: ${load.requests.length} requests; flags ${flags.join(' ')}`);
// The load generator has taken 2-3x its later CPU per sample in the first run of a process (README,
// eighth session). DELAY=<s> waits before the first run; THROWAWAY=<n> first feeds n requests to
// a collector that is then stopped, unmeasured.
if (process.env.DELAY) await new Promise((r) => setTimeout(r, Number(process.env.DELAY) * 1000));
if (process.env.THROWAWAY) {
  const dir = makeTempDir('mc-repeat-');
  const sys = await startCollector(dir);
  await ingest(
    sys.url,
    sys.headers,
    { ...load, requests: load.requests.slice(0, Number(process.env.THROWAWAY)) },
    () => {},
  );
  await sys.stop();
  rmSync(dir, { recursive: true, force: true });
}
for (let r = 0; r < runs; r++) {
  for (const dist of r % 2 === 0 ? builds : builds.toReversed()) {
    const dir = makeTempDir('mc-repeat-');
    const trace = join(dir, 'stdout.txt');
    process.env.BENCH_COLLECTOR_DIST = dist;
    process.env.BENCH_COLLECTOR_STDOUT = trace;
    if (process.env.PROFILE) process.env.BENCH_CPU_PROF = join(dir, 'prof');
    const sys = await startCollector(dir);
    const pid = sys.process.pid!;
    const before = readFileSync(trace, 'utf8').length;
    const m0 = machineJiffies();
    const js0 = mainThreadSchedSeconds(pid);
    const cpu0 = cpuSeconds(pid);
    const client0 = process.cpuUsage();
    const clientMain0 = mainThreadSchedSeconds(process.pid).running;
    const clientThreads0 = threadCpuSeconds(process.pid);
    const marks: number[] = [];
    const t0 = process.hrtime.bigint();
    const seconds = await ingest(sys.url, sys.headers, load, (k) => {
      marks[k] = mainThreadSchedSeconds(pid).running;
    });
    const t1 = process.hrtime.bigint();
    const js1 = mainThreadSchedSeconds(pid);
    const cpu = cpuSeconds(pid) - cpu0;
    const client = process.cpuUsage(client0);
    const clientMain = mainThreadSchedSeconds(process.pid).running - clientMain0;
    const clientThreads = [...threadCpuSeconds(process.pid)]
      .map(([name, s]): [string, number] => [name, s - (clientThreads0.get(name) ?? 0)])
      .filter(([, s]) => s >= 0.02)
      .map(([name, s]) => `${name} ${perM(s)}`)
      .join(', ');
    const m1 = machineJiffies();
    const gc = gcStats(readFileSync(trace, 'utf8').slice(before));
    const rssMb = peakRssBytes(pid) / 2 ** 20;
    await sys.stop();
    const profile = process.env.PROFILE ? profileSummary(join(dir, 'prof'), t0, t1) : '';
    if (process.env.KEEP_TRACE)
      copyFileSync(trace, join(process.env.KEEP_TRACE, `run${r}-${builds.indexOf(dist)}.txt`));
    rmSync(dir, { recursive: true, force: true });
    console.log(
      `run ${r} build ${builds.indexOf(dist)}: ${(load.samples / seconds / 1e6).toFixed(2)} M/s, JS thread ${perM(js1.running - js0.running)} CPU-s/M ` +
        `(by window ${marks
          .map((x, i) => perWindowM(x - (marks[i - 1] ?? js0.running), MARKS[i] - (MARKS[i - 1] ?? 0)))
          .join(' ')}), waiting ${(((js1.waiting - js0.waiting) / seconds) * 100).toFixed(0)} %, ` +
        `idle ${((1 - (js1.running - js0.running + js1.waiting - js0.waiting) / seconds) * 100).toFixed(0)} %, ` +
        `process ${perM(cpu)}, load generator ${perM((client.user + client.system) / 1e6)} (its JS thread ${perM(clientMain)}; ${clientThreads}); machine busy ${(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100).toFixed(0)} %, steal ${m1.steal - m0.steal} jiffies; ` +
        `GC ${gc.scavenges} scavenges ${gc.scavengeMs.toFixed(0)} ms, ${gc.marks} mark ${gc.markMs.toFixed(0)} ms; ${gc.deopts} deopts, ${gc.opts} optimizations; ` +
        `peak RSS ${rssMb.toFixed(0)} MB`,
    );
    if (profile) console.log(profile);
    if (gc.deopted.length) console.log(`  deopts in the ingest: ${gc.deopted.join(', ')}`);
  }
}

/** Self time by function of the profile's samples between t0 and t1 (hrtime ns, the same
 * monotonic clock as the profile's µs), first and second half apart: the top 14 of each. */
function profileSummary(dir: string, t0: bigint, t1: bigint): string {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return 'no profile';
  const p = readCpuProfile(join(dir, file));
  const from = Number(t0 / 1000n);
  const to = Number(t1 / 1000n);
  const mid = (from + to) / 2;
  const halves = [new Map<string, number>(), new Map<string, number>()];
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i];
    const dt = p.timeDeltas[i + 1] ?? 0;
    if (t < from || t > to) continue;
    const h = halves[t < mid ? 0 : 1];
    const key = p.functionOf.get(p.samples[i])!;
    h.set(key, (h.get(key) ?? 0) + dt);
  }
  return halves
    .map((h, k) => {
      const total = [...h.values()].reduce((a, b) => a + b, 0);
      const top = [...h.entries()].sort((a, b) => b[1] - a[1]).slice(0, 14);
      return `  half ${k + 1} (${(total / 1000).toFixed(0)} ms sampled): ${top.map(([n, us]) => `${n} ${(us / 1000).toFixed(0)}`).join(', ')}`;
    })
    .join('\n');
}
