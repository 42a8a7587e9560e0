// A V8 .cpuprofile (node --cpu-prof) read for self-time sums: its samples and each sample's
// function as "name file:line". Used by profile-summary.ts and ingest-repeat.ts.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export interface CpuProfile {
  /** Microseconds, on the monotonic clock (process.hrtime). */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
  /** The function of each profile node id. */
  functionOf: Map<number, string>;
}

export function readCpuProfile(file: string): CpuProfile {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Omit<CpuProfile, 'functionOf'> & {
    nodes: ProfileNode[];
  };
  const functionOf = new Map<number, string>();
  for (const n of p.nodes) {
    const { functionName, url, lineNumber } = n.callFrame;
    functionOf.set(n.id, `${functionName || '(anon)'} ${url.split('/').slice(-1)[0]}:${lineNumber + 1}`);
  }
  return { startTime: p.startTime, samples: p.samples, timeDeltas: p.timeDeltas, functionOf };
}
