// Checks the deploy folder against the code, since no Docker engine runs here to build the images:
// every path a Dockerfile copies exists, the compose health checks call the real CLI flag, and
// `npm start` runs each service with its container's node flags.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { makeTempDir } from '../src/testing.js';
// @ts-expect-error: a plain .mjs script without type declarations
import { serviceAllocatorEnv, serviceNodeFlags } from '../../scripts/service-node-flags.mjs';

const root = new URL('../../', import.meta.url).pathname;
const services = ['error-tracker', 'log-viewer', 'metrics-collector'];

function copySources(dockerfile: string): Array<{ fromBuild: boolean; paths: string[] }> {
  return readFileSync(dockerfile, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => /^COPY\s/.test(line))
    .map((line) => {
      const words = line.trim().split(/\s+/).slice(1);
      const fromBuild = words.some((w) => w.startsWith('--from='));
      const args = words.filter((w) => !w.startsWith('--'));
      return { fromBuild, paths: args.slice(0, -1) };
    });
}

for (const svc of services) {
  test(`${svc}/Dockerfile copies only paths that exist in the repository or its build output`, () => {
    const copies = copySources(join(root, svc, 'Dockerfile'));
    assert.ok(copies.length > 5);
    for (const { fromBuild, paths } of copies) {
      for (const path of paths) {
        // Build-stage paths live under /app; npm test builds dist/ before running the tests.
        const local = fromBuild ? path.replace(/^\/app\//, '') : path;
        if (local === 'node_modules/') continue;
        assert.ok(existsSync(join(root, local)), `${svc}/Dockerfile copies ${path}, which does not exist`);
      }
    }
  });
}

test('npm start runs each service with the V8 flags of its Dockerfile CMD', () => {
  for (const svc of services) {
    const flags: string[] = serviceNodeFlags(root, svc);
    for (const flag of flags) assert.match(flag, /^--[a-z-]+(=\S+)?$/, `${svc}: ${flag}`);
    const stack = readFileSync(join(root, 'scripts', 'start-stack.mjs'), 'utf8');
    assert.ok(stack.includes('...serviceNodeFlags(root, s.name)'));
  }
  const tree = makeTempDir('node-flags');
  mkdirSync(join(tree, 'svc'));
  const write = (cmd: string) => writeFileSync(join(tree, 'svc', 'Dockerfile'), `FROM node:20\n${cmd}\n`);
  write('CMD ["node", "--max-semi-space-size=2", "--expose-gc", "svc/dist/main.js"]');
  assert.deepEqual(serviceNodeFlags(tree, 'svc'), ['--max-semi-space-size=2', '--expose-gc']);
  write('CMD ["node", "svc/dist/main.js"]');
  assert.deepEqual(serviceNodeFlags(tree, 'svc'), []);
  write('CMD node svc/dist/main.js');
  assert.throws(() => serviceNodeFlags(tree, 'svc'), /no exec-form CMD/);
  write('CMD ["node", "other/dist/main.js"]');
  assert.throws(() => serviceNodeFlags(tree, 'svc'), /must be \["node", \.\.\.flags, "svc\/dist\/main.js"\]/);
});

test('npm start gives each service the glibc allocator settings (ENV MALLOC_*) of its Dockerfile', () => {
  const stack = readFileSync(join(root, 'scripts', 'start-stack.mjs'), 'utf8');
  assert.ok(
    stack.includes('...serviceAllocatorEnv(root, s.name),\n        ...process.env,'),
    'the caller can override',
  );
  for (const svc of services) {
    for (const [name, value] of Object.entries(serviceAllocatorEnv(root, svc))) {
      assert.match(`${name}=${value}`, /^MALLOC_[A-Z_]+=\d+$/, svc);
    }
  }
  const tree = makeTempDir('allocator-env');
  mkdirSync(join(tree, 'svc'));
  const write = (lines: string) => writeFileSync(join(tree, 'svc', 'Dockerfile'), `FROM node:20\n${lines}\n`);
  write('ENV NODE_ENV=production PORT=8000\nENV MALLOC_MMAP_THRESHOLD_=1048576 MALLOC_ARENA_MAX=2');
  assert.deepEqual(serviceAllocatorEnv(tree, 'svc'), {
    MALLOC_MMAP_THRESHOLD_: '1048576',
    MALLOC_ARENA_MAX: '2',
  });
  write('ENV NODE_ENV=production');
  assert.deepEqual(serviceAllocatorEnv(tree, 'svc'), {});
  write('ENV MALLOC_ARENA_MAX 2');
  assert.throws(() => serviceAllocatorEnv(tree, 'svc'), /write ENV MALLOC_ARENA_MAX as MALLOC_NAME=value/);
});

test('compose builds each service from the repo root and health-checks it with the real --healthcheck flag', () => {
  const compose = parse(readFileSync(join(root, 'deploy', 'docker-compose.monitoring.yml'), 'utf8'));
  const cli = readFileSync(join(root, 'shared', 'src', 'cli.ts'), 'utf8');
  assert.ok(cli.includes("argv.includes('--healthcheck')"), 'the runner handles --healthcheck');
  assert.deepEqual(compose.networks.flowrent_network, { external: true });
  const ports: Record<string, string> = {
    'error-tracker': '5010:8000',
    'log-viewer': '5011:8000',
    'metrics-collector': '5012:8000',
  };
  const volumes: Record<string, string> = {
    'error-tracker': 'errors',
    'log-viewer': 'logs',
    'metrics-collector': 'metrics',
  };
  for (const svc of services) {
    const s = compose.services[svc];
    assert.deepEqual(s.build, { context: '..', dockerfile: `${svc}/Dockerfile` });
    assert.ok(s.ports.includes(ports[svc]));
    assert.ok(s.volumes.includes(`./data/${volumes[svc]}:/data`));
    assert.ok(existsSync(join(root, 'deploy', 'data', volumes[svc], '.gitkeep')));
    for (const volume of s.volumes as string[]) {
      const source = volume.split(':')[0];
      assert.ok(existsSync(join(root, 'deploy', source)), `${svc} mounts ${source}, which does not exist`);
    }
    const [kind, program, script, flag] = s.healthcheck.test;
    assert.deepEqual([kind, program, flag], ['CMD', 'node', '--healthcheck']);
    assert.equal(script, `${svc}/dist/main.js`);
    assert.ok(existsSync(join(root, svc, 'src', 'main.ts')));
    const prefix = svc.toUpperCase().replace(/-/g, '_');
    assert.match(s.environment.API_KEY, new RegExp(`^\\$\\{${prefix}_API_KEY`));
    const dockerfile = readFileSync(join(root, svc, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, new RegExp(`HEALTHCHECK[^\\n]*\\n?.*"${svc}/dist/main.js", "--healthcheck"`));
    assert.match(dockerfile, /^USER node$/m);
  }
  const example = readFileSync(join(root, 'deploy', 'secrets.env.example'), 'utf8');
  for (const v of ['ERROR_TRACKER_API_KEY', 'LOG_VIEWER_API_KEY', 'METRICS_COLLECTOR_API_KEY'])
    assert.match(example, new RegExp(`^${v}=`, 'm'));
});
