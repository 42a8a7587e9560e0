// Self time by function of a V8 .cpuprofile (node --cpu-prof, or PROFILE_DIR of the benches):
//   node --conditions=development --import tsx bench/profile-summary.ts <file.cpuprofile> [top] [fromMs] [toMs]
// fromMs/toMs keep the samples in that window of the profile (ms after its start).
import { readCpuProfile } from './cpu-profile.js';

const [file, topArg, fromArg, toArg] = process.argv.slice(2);
const p = readCpuProfile(file);
const from = Number(fromArg ?? 0) * 1000;
const to = toArg === undefined ? Number.POSITIVE_INFINITY : Number(toArg) * 1000;
const self = new Map<string, number>();
let t = 0;
let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  t += p.timeDeltas[i];
  if (t < from || t > to) continue;
  const dt = p.timeDeltas[i + 1] ?? 0;
  const key = p.functionOf.get(p.samples[i])!;
  self.set(key, (self.get(key) ?? 0) + dt);
  total += dt;
}
console.log(`${(total / 1000).toFixed(0)} ms sampled`);
for (const [n, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 30)))
  console.log(
    `${(us / 1000).toFixed(1).padStart(8)} ms ${((us / total) * 100).toFixed(1).padStart(5)} %  ${n}`,
  );
