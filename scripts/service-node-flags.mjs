// The V8 flags a service runs with in production, read from the final `CMD ["node", ...flags,
// "<service>/dist/main.js"]` of its Dockerfile, so `npm start` and the container run it the same way
// (the flags size the young generation, which decides the service's peak RSS).
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
