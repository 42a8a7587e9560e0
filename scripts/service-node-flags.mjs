// How a service runs in production, read from its Dockerfile so `npm start` and the container run it
// the same way: the V8 flags of the final `CMD ["node", ...flags, "<service>/dist/main.js"]` (they
// size the young generation) and the glibc allocator settings of its `ENV MALLOC_*=…` lines; both
// decide the service's peak RSS.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function serviceNodeFlags(root, service) {
  const dockerfile = readFileSync(join(root, service, 'Dockerfile'), 'utf8');
  const cmds = [...dockerfile.matchAll(/^CMD\s+(\[.*\])\s*$/gm)];
  if (cmds.length === 0) throw new Error(`${service}/Dockerfile has no exec-form CMD`);
  const argv = JSON.parse(cmds[cmds.length - 1][1]);
  const main = `${service}/dist/main.js`;
  if (argv[0] !== 'node' || argv[argv.length - 1] !== main) {
    throw new Error(`${service}/Dockerfile: CMD must be ["node", ...flags, "${main}"]`);
  }
  return argv.slice(1, -1);
}

/** The `MALLOC_*` variables the Dockerfile's `ENV KEY=value …` lines set (glibc malloc tuning). */
export function serviceAllocatorEnv(root, service) {
  const dockerfile = readFileSync(join(root, service, 'Dockerfile'), 'utf8');
  const env = {};
  for (const [, assignments] of dockerfile.matchAll(/^ENV\s+(.*)$/gm)) {
    for (const assignment of assignments.trim().split(/\s+/)) {
      const match = /^(MALLOC_[A-Z_]+)=(\S*)$/.exec(assignment);
      if (match) env[match[1]] = match[2];
      else if (assignment.startsWith('MALLOC_')) {
        throw new Error(`${service}/Dockerfile: write ENV ${assignment} as MALLOC_NAME=value`);
      }
    }
  }
  return env;
}
