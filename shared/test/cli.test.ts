import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { once } from 'node:events';
import { test } from 'node:test';
import { freePorts, makeTempDir } from '../src/testing.js';

const fixture = new URL('./fixture-service.ts', import.meta.url).pathname;
const nodeArgs = ['--conditions=development', '--import', 'tsx', fixture];

function run(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [...nodeArgs, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
}

async function startFixture(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, nodeArgs, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = env.PORT;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`fixture exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return child;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('--version prints the package version', () => {
  const out = run(['--version'], {});
  assert.equal(out.status, 0);
  assert.match(out.stdout, /^fixture-service \d+\.\d+\.\d+/);
});

test('--help lists every setting with its default, even without API_KEY', () => {
  const out = run(['--help'], { API_KEY: '' });
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /^Usage: fixture-service /m);
  assert.match(out.stdout, /^--healthcheck| {2}--healthcheck /m);
  assert.match(out.stdout, /^SHUTDOWN_TIMEOUT=10s /m);
  assert.match(out.stdout, /^API_KEY=\(empty\) /m);
  assert.equal(out.stderr, '');
});

test('an unknown option stops start-up with the usage, before the data folder is touched', () => {
  const dir = join(makeTempDir(), 'data');
  const out = run(['--healthckeck'], { API_KEY: 'k', DATA_DIR: dir });
  assert.equal(out.status, 2);
  assert.match(out.stderr, /unknown option "--healthckeck"\nUsage: fixture-service /);
  assert.equal(existsSync(dir), false);
});

test('a bad environment variable stops start-up with a message naming it', () => {
  const out = run([], { PORT: 'eighty', API_KEY: 'k', DATA_DIR: makeTempDir() });
  assert.equal(out.status, 2);
  assert.match(out.stderr, /PORT: invalid value "eighty"/);
});

test('without API_KEY the service refuses to start unless DEV_MODE', () => {
  const dir = makeTempDir();
  const out = run(['--migrate-only'], { DATA_DIR: dir, API_KEY: '' });
  assert.equal(out.status, 0, 'migrate-only needs no key');
  assert.ok(existsSync(join(dir, 'fixture.db')));
  const refused = run([], { DATA_DIR: dir, API_KEY: '', PORT: '1' });
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /API_KEY is required/);
});

test('--healthcheck exits 0 while the service runs, 1 when it does not, and SIGTERM finishes in-flight work', async () => {
  const port = String((await freePorts(1))[0]);
  const dir = makeTempDir();
  assert.equal(run(['--healthcheck'], { PORT: port }).status, 1);
  const child = await startFixture({
    PORT: port,
    HOST: '127.0.0.1',
    DATA_DIR: dir,
    DEV_MODE: 'true',
    API_KEY: '',
  });
  const key = readFileSync(join(dir, 'api-key'), 'utf8').trim();
  assert.ok(key.length >= 24, 'dev mode stores a generated key');
  assert.equal(run(['--healthcheck'], { PORT: port }).status, 0);

  const slow = fetch(`http://127.0.0.1:${port}/slow`, { headers: { authorization: `Bearer ${key}` } });
  await new Promise((resolve) => setTimeout(resolve, 50));
  child.kill('SIGTERM');
  const res = await slow;
  assert.deepEqual(await res.json(), { finished: true });
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  assert.ok(
    !existsSync(join(dir, 'fixture.db-wal')) || readFileSync(join(dir, 'fixture.db-wal')).length === 0,
  );
  assert.equal(run(['--healthcheck'], { PORT: port }).status, 1);
});

test('a port already in use is reported by number', async () => {
  const blocker = createServer().listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  const port = String((blocker.address() as { port: number }).port);
  const out = run([], { PORT: port, HOST: '127.0.0.1', API_KEY: 'k', DATA_DIR: makeTempDir() });
  blocker.close();
  assert.equal(out.status, 1);
  assert.match(out.stderr, new RegExp(`port ${port} is already in use`));
});
